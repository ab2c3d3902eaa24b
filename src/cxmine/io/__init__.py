"""Readers at the edge: any supported file → one canonical EventLog (see core.normalise)."""
from __future__ import annotations

import gzip
from pathlib import Path
from typing import Sequence

from cxmine.core import schema
from cxmine.core.normalise import normalise, resolve_mapping, row_number, window_months
from cxmine.errors import InputError
from cxmine.model import EventLog, LoadOptions

FORMATS = ("xes", "csv", "parquet")


def detect_format(path: Path) -> str:
    """By extension, then by the first bytes (so `log.dat` that holds Parquet still loads)."""
    name = path.name.lower()
    if path.is_dir():
        return "parquet"  # a directory of Parquet files, or a hive-partitioned dataset (`convert --partition month`)
    if name.endswith((".xes", ".xes.gz")):
        return "xes"
    if name.endswith((".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt", ".txt.gz", ".tab")):
        return "csv"
    if name.endswith((".parquet", ".pq", ".parq")):
        return "parquet"
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\x1f\x8b"):
        try:
            with gzip.open(path, "rb") as handle:
                head = handle.read(4096)
        except (OSError, EOFError):
            head = b""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<?xml") or text.startswith(b"<log"):
        return "xes"
    raise InputError(
        "unknown log format",
        file=str(path),
        hint="use .xes, .xes.gz, .csv, .csv.gz, .tsv or .parquet (the extension decides the reader)",
    )


def check_readable(path: Path) -> None:
    if not path.exists():
        raise InputError("file not found", file=str(path), hint="check the path")
    if path.is_dir():
        if not any(path.rglob("*.parquet")):
            raise InputError("is a directory without Parquet files", file=str(path), hint="pass one log file, or a folder of Parquet files")
        return
    if path.stat().st_size == 0:
        raise InputError("the file is empty", file=str(path), hint="export the log again")


def load_log(
    path: str | Path,
    options: LoadOptions | None = None,
    *,
    attributes: Sequence[str] | None = None,
) -> EventLog:
    """Read an XES/CSV/Parquet log into the canonical event table.

    >>> log = load_log("tests/data/running-example.xes")
    >>> len(log.events), log.events["case_id"].nunique()
    (42, 6)

    `attributes`: which non-role columns to keep (None keeps all); Parquet and CSV then read only the
    columns needed.
    """
    from cxmine.io import tabular, xes  # noqa: PLC0415 - pyarrow/polars only when reading

    options = options or LoadOptions()
    path = Path(path)
    check_readable(path)
    source = str(path)
    kind = detect_format(path)
    reader_notes: list = []  # the readers' own warnings, listed before normalise's
    if kind == "xes":
        raw = xes.read_xes(path, reader_notes)
        result = normalise(raw, options, source=source, row_label=lambda i: f"event {i + 1}")
    elif kind == "csv":
        choose = None if attributes is None else (lambda names: _needed(names, options, attributes, source))
        raw, first_line = tabular.read_csv(path, encoding=options.encoding, columns=choose, notes=reader_notes)
        label = row_number if tabular.spans_lines(raw) else (lambda i: f"line {i + first_line}")
        mapping = resolve_mapping(list(raw.columns), options, source=source)
        roles = {name for name in mapping.values() if name}
        raw = tabular.numbers_where_plain(raw, skip=roles | _lifecycle_name(raw.columns))
        result = normalise(raw, options, source=source, mapping=mapping, row_label=label)
    else:
        columns = tabular.parquet_columns(path)
        needed = None if attributes is None else _needed(columns, options, attributes, source)
        raw = tabular.read_parquet(path, needed, notes=reader_notes, months=window_months(options) if path.is_dir() else None)
        _check_roles_are_flat(columns, list(raw.columns), options, source)
        result = normalise(raw, options, source=source)
    return EventLog(
        events=result.events,
        source=source,
        format=kind,
        columns_used=result.columns_used,
        warnings=tuple(reader_notes) + tuple(result.warnings),
        rows_read=len(raw),
        rows_unusable=result.rows_unusable,
    )


def _check_roles_are_flat(stored: Sequence[str], read: Sequence[str], options: LoadOptions, source: str) -> None:
    """A role mapped (--case, …) to a Parquet column that was left out for having no flat form."""
    for flag, name in (("--case", options.case), ("--activity", options.activity), ("--timestamp", options.timestamp),
                       ("--start-timestamp", options.start_timestamp), ("--resource", options.resource)):
        if name is not None and name in stored and name not in read and not any(c.startswith(f"{name}.") for c in read):
            raise InputError(
                f"column {name!r} given with {flag} holds nested values (a map or a list of lists), not one value per event",
                file=source,
                hint=f"map a column with one plain value per event with {flag}",
            )


def _lifecycle_name(columns: Sequence[str]) -> set[str]:
    name = schema.detect_lifecycle(list(columns))
    return {name} if name else set()


def _needed(columns: Sequence[str], options: LoadOptions, attributes: Sequence[str], source: str) -> list[str]:
    mapping = resolve_mapping(list(columns), options, source=source)
    keep = {name for name in mapping.values() if name} | _lifecycle_name(columns) | set(attributes)
    return [c for c in columns if c in keep]
