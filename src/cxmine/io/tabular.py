"""CSV/TSV (plain or .gz) and Parquet readers → raw frame, handed to core.normalise.

CSV is read by pyarrow's multi-threaded parser with every column as text, so nothing is cast behind
the user's back (pm4py's habit of turning zip codes and "2023-05" into dates). Only the mapped time
columns are parsed as times, by core.normalise; other columns become numbers only when every value
is a plain number without a leading zero.
"""
from __future__ import annotations

import csv
import io
import re
import zlib
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from cxmine.errors import InputError
from cxmine.io.compressed import is_gzip, open_binary

SAMPLE_BYTES = 256 * 1024
_NUMBER = re.compile(r"^[+-]?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$")


def _raw_bytes_head(path: Path, size: int) -> bytes:
    try:
        with open_binary(path) as handle:
            return handle.read(size)
    except (OSError, EOFError, zlib.error) as exc:
        raise _gzip_error(path, exc) from None


def _gzip_error(path: Path, exc: BaseException) -> InputError:
    return InputError(
        f"cannot decompress ({exc.__class__.__name__}: {exc})",
        file=str(path),
        hint="the .gz file is corrupt or truncated; download or export it again",
    )


def _decode_error(path: Path, data: bytes, exc: UnicodeDecodeError, encoding: str) -> InputError:
    line = data[: exc.start].count(b"\n") + 1
    return InputError(
        f"bytes that are not valid {encoding} (byte 0x{data[exc.start]:02x})",
        file=str(path),
        line=line,
        hint="pass --encoding, e.g. --encoding latin-1 or --encoding cp1252",
    )


def sniff_delimiter(text: str, path: Path) -> str:
    """The delimiter of the header and first rows: csv.Sniffer, then the most frequent candidate."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        raise InputError("the file is empty", file=str(path), hint="export the log again")
    if path.name.lower().endswith((".tsv", ".tsv.gz", ".tab")):
        return "\t"
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        header = lines[0]
        counts = {d: header.count(d) for d in ",;\t|"}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def read_csv(
    path: Path,
    *,
    encoding: str,
    columns: Sequence[str] | Callable[[list[str]], Sequence[str]] | None = None,
) -> tuple[pd.DataFrame, int | None]:
    """All columns as text. `columns`: the names to read, or a function choosing them from the header.

    Returns the frame and the file line of its first data row (for messages: row i is on line
    i + that, unless quoted values span several lines; see `spans_lines`)."""
    import pyarrow as pa  # noqa: PLC0415
    from pyarrow import csv as pacsv  # noqa: PLC0415

    head = _raw_bytes_head(path, SAMPLE_BYTES)
    if not head.strip():
        raise InputError("the file is empty", file=str(path), hint="export the log again")
    try:
        sample = head.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a multi-byte character cut by the sample's end
            raise _decode_error(path, head, exc, encoding) from None
        sample = head[: exc.start].decode(encoding)
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}", file=str(path), hint="pass --encoding utf-8, latin-1 or cp1252") from None
    sample = sample.lstrip("\ufeff")
    delimiter = sniff_delimiter(sample, path)
    header = next(csv.reader(io.StringIO(sample.splitlines()[0]), delimiter=delimiter))
    names = [name.strip() or f"column_{i + 1}" for i, name in enumerate(header)]
    if len(set(names)) != len(names):
        seen: dict[str, int] = {}
        unique = []
        for name in names:
            seen[name] = seen.get(name, 0) + 1
            unique.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
        names = unique
    if callable(columns):
        columns = columns(names)
    wanted = names if columns is None else [c for c in names if c in set(columns)]

    compression = "gzip" if is_gzip(path) else None  # by content: see cxmine.io.compressed

    def parse(newlines_in_values: bool):
        return pacsv.read_csv(
            pa.input_stream(str(path), compression=compression),
            read_options=pacsv.ReadOptions(encoding=encoding, column_names=names, skip_rows=1),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=newlines_in_values),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                include_columns=wanted,
                null_values=[""],  # "NA" is a case id in the Sepsis log, not a missing value
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )

    try:
        try:
            table = parse(newlines_in_values=False)
        except pa.ArrowInvalid:
            # Free-text columns (complaint notes, ticket comments) often hold quoted line breaks, which
            # the fast parallel chunker cannot split on; the slower mode can.
            table = parse(newlines_in_values=True)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise _locate_csv_problem(path, encoding, delimiter, len(names), exc) from None
    except (OSError, EOFError, zlib.error) as exc:
        raise _gzip_error(path, exc) from None
    frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype(storage="pyarrow")}.get)
    return frame, 2


def spans_lines(frame: pd.DataFrame) -> bool:
    """Whether a text value holds a line break, so that rows and file lines no longer correspond
    (messages should then name data rows, not lines)."""
    return any(
        bool(frame[column].str.contains("\n", regex=False).any())
        for column in frame.columns
        if isinstance(frame[column].dtype, pd.StringDtype)
    )


def _locate_csv_problem(path: Path, encoding: str, delimiter: str, expected: int, exc: Exception) -> InputError:
    """pyarrow says what is wrong but not where: find the line with the standard library (error path only)."""
    try:
        with open_binary(path) as handle:
            data = handle.read()
    except (OSError, EOFError, zlib.error) as gz_exc:
        return _gzip_error(path, gz_exc)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as decode_exc:
        return _decode_error(path, data, decode_exc, encoding)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    for row in reader:
        if row and len(row) != expected:
            return InputError(
                f"row has {len(row)} fields, the header has {expected}",
                file=str(path),
                line=reader.line_num,
                hint="fix the quoting or delimiter on that line, or re-export the file",
            )
    return InputError(f"cannot read CSV ({exc})", file=str(path), hint="check the delimiter, quoting and --encoding")


def numbers_where_plain(frame: pd.DataFrame, skip: set[str]) -> pd.DataFrame:
    """Columns whose every value is a plain number become numeric; ids with leading zeros stay text."""
    converted = {}
    for column in frame.columns:
        if column in skip:
            continue
        values = frame[column].dropna()
        if values.empty or not values.str.fullmatch(_NUMBER).all():
            continue
        numbers = pd.to_numeric(frame[column], errors="coerce")
        if numbers.notna().sum() == len(values):
            as_int = numbers.dropna()
            converted[column] = numbers.astype("Int64") if (as_int == as_int.round()).all() and not values.str.contains(r"[.eE]").any() else numbers
    return frame.assign(**converted) if converted else frame


def parquet_columns(path: Path) -> list[str]:
    import pyarrow.parquet as pq  # noqa: PLC0415

    try:
        return list(pq.read_schema(path).names)
    except Exception as exc:  # pyarrow raises ArrowInvalid / OSError for non-Parquet bytes
        raise InputError(
            f"not a readable Parquet file ({exc})", file=str(path), hint="write it again, e.g. with 'cxmine convert'"
        ) from None


def read_parquet(path: Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    import pyarrow.parquet as pq  # noqa: PLC0415

    try:
        table = pq.read_table(path, columns=list(columns) if columns is not None else None)
    except Exception as exc:
        raise InputError(
            f"not a readable Parquet file ({exc})", file=str(path), hint="write it again, e.g. with 'cxmine convert'"
        ) from None
    import pyarrow as pa  # noqa: PLC0415

    return table.to_pandas(types_mapper={pa.string(): pd.StringDtype(storage="pyarrow"), pa.large_string(): pd.StringDtype(storage="pyarrow")}.get)
