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
from cxmine.model import Warning_
from cxmine.io.compressed import gzip_error, is_gzip, open_binary

SAMPLE_BYTES = 256 * 1024
_NUMBER = re.compile(r"^[+-]?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$")


def _raw_bytes_head(path: Path, size: int) -> bytes:
    try:
        with open_binary(path) as handle:
            return handle.read(size)
    except (OSError, EOFError, zlib.error) as exc:
        raise gzip_error(path, exc) from None


def _one_line(exc: BaseException) -> str:
    """A library's message as one line (pyarrow's may span several)."""
    return " ".join(str(exc).split())


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


def unique_names(names: list[str], path: Path, notes: list[Warning_] | None) -> list[str]:
    """Header names made unique: a repeated name gets _2, _3, … (skipping names the header already
    has, so `a,a,a_2` gives a, a_3, a_2), with one warning listing the renames."""
    if len(set(names)) == len(names):
        return names
    taken = set(names)
    seen: set[str] = set()
    unique, renamed = [], []
    for name in names:
        if name not in seen:
            seen.add(name)
            unique.append(name)
            continue
        k = 2
        while f"{name}_{k}" in taken:
            k += 1
        new = f"{name}_{k}"
        taken.add(new)
        seen.add(new)
        unique.append(new)
        renamed.append(f"{name!r} → {new!r}")
    if notes is not None:
        notes.append(
            Warning_("duplicate_column_names", f"{path.name}: repeated column names were renamed ({', '.join(renamed[:5])}{', …' if len(renamed) > 5 else ''})", len(renamed))
        )
    return unique


def read_csv(
    path: Path,
    *,
    encoding: str,
    columns: Sequence[str] | Callable[[list[str]], Sequence[str]] | None = None,
    notes: list[Warning_] | None = None,
) -> tuple[pd.DataFrame, int | None]:
    """All columns as text. `columns`: the names to read, or a function choosing them from the header.
    `notes` receives the reader's warnings (renamed columns).

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
    first_line = sample.splitlines()[0] if sample else ""
    if not first_line.strip():
        raise InputError("the first line is blank, where the column names belong", file=str(path), line=1, hint="remove the blank line(s) above the header, or re-export the file")
    header = next(csv.reader(io.StringIO(first_line), delimiter=delimiter))
    names = unique_names([name.strip() or f"column_{i + 1}" for i, name in enumerate(header)], path, notes)
    if callable(columns):
        columns = columns(names)
    wanted = names if columns is None else [c for c in names if c in set(columns)]

    compression = "gzip" if is_gzip(path) else None  # by content: see cxmine.io.compressed

    block_size = 1 << 20  # pyarrow's default; a field larger than a block needs a larger one
    # No block need be larger than the text (a gzip file holds at most ~1000 times its size).
    largest_block = min(_MAX_BLOCK, path.stat().st_size * (1032 if compression else 1))

    def parse(newlines_in_values: bool):
        return pacsv.read_csv(
            pa.input_stream(str(path), compression=compression),
            read_options=pacsv.ReadOptions(encoding=encoding, column_names=names, skip_rows=1, block_size=block_size),
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
        while True:
            try:
                try:
                    table = parse(newlines_in_values=False)
                except pa.ArrowInvalid as exc:
                    if _straddles(exc):
                        raise
                    # Free-text columns (complaint notes, ticket comments) often hold quoted line breaks,
                    # which the fast parallel chunker cannot split on; the slower mode can.
                    table = parse(newlines_in_values=True)
                break
            except pa.ArrowInvalid as exc:
                # A single value larger than a parse block (long notes, an embedded document): retry with
                # larger blocks, up to the whole file.
                if not _straddles(exc) or block_size >= largest_block:
                    raise
                block_size = min(block_size * 8, largest_block)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise _locate_csv_problem(path, encoding, delimiter, len(names), exc) from None
    except (OSError, EOFError, zlib.error) as exc:
        raise gzip_error(path, exc) from None
    frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype(storage="pyarrow")}.get)
    return frame, 2


_MAX_BLOCK = (1 << 31) - 1  # pyarrow's block size is an int32


def _straddles(exc: Exception) -> bool:
    return "straddling" in str(exc) or "block size" in str(exc)


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
        return gzip_error(path, gz_exc)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as decode_exc:
        return _decode_error(path, data, decode_exc, encoding)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text) + 1))  # a field may be as large as the file
    try:
        for row in reader:
            if row and len(row) != expected:
                return InputError(
                    f"row has {len(row)} fields, the header has {expected}",
                    file=str(path),
                    line=reader.line_num,
                    hint="fix the quoting or delimiter on that line, or re-export the file",
                )
    except csv.Error as csv_exc:
        return InputError(f"cannot read CSV ({_one_line(csv_exc)})", file=str(path), line=reader.line_num, hint="check the quoting on that line")
    finally:
        csv.field_size_limit(limit)
    return InputError(f"cannot read CSV ({_one_line(exc)})", file=str(path), hint="check the delimiter, quoting and --encoding")


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


PARTITION = "case_month"  # `convert --partition month`: the month (UTC) each case starts in


def _dataset(path: Path):
    """A directory of Parquet files (hive partitions such as case_month=2026-03 are read as columns)."""
    import pyarrow.dataset as ds  # noqa: PLC0415

    try:
        return ds.dataset(path, format="parquet", partitioning="hive", exclude_invalid_files=False)
    except Exception as exc:  # files whose schemas cannot be unified, unreadable files
        raise InputError(
            f"the Parquet files disagree or cannot be read ({_one_line(exc)})", file=str(path),
            hint="every file of a dataset needs the same columns with the same types (write them with 'cxmine convert')",
        ) from None


def parquet_columns(path: Path) -> list[str]:
    import pyarrow.parquet as pq  # noqa: PLC0415

    if path.is_dir():
        return [name for name in _dataset(path).schema.names if name != PARTITION]
    try:
        return list(pq.read_schema(path).names)
    except Exception as exc:  # pyarrow raises ArrowInvalid / OSError for non-Parquet bytes
        raise InputError(
            f"not a readable Parquet file ({_one_line(exc)})", file=str(path), hint="write it again, e.g. with 'cxmine convert'"
        ) from None


def parquet_text_columns(path: Path) -> set[str]:
    """The columns of a Parquet file or dataset stored as text (strings, or dictionary-encoded strings)."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    try:
        schema = _dataset(path).schema if path.is_dir() else pq.read_schema(path)
    except Exception:  # noqa: BLE001 - the reader reports an unreadable input with its own message
        return set()

    def text(kind) -> bool:
        kind = kind.value_type if pa.types.is_dictionary(kind) else kind
        return pa.types.is_string(kind) or pa.types.is_large_string(kind)

    return {field.name for field in schema if text(field.type)}


def stored_pandas_types(path: Path) -> dict[str, str]:
    """The nullable pandas types (Int64, Float64, boolean) a Parquet file's pandas metadata records per column
    (pyarrow's `to_pandas` restores them; an engine that reads the file itself needs them named)."""
    import json  # noqa: PLC0415

    import pyarrow.parquet as pq  # noqa: PLC0415

    try:
        schema = _dataset(path).schema if path.is_dir() else pq.read_schema(path)
        meta = json.loads((schema.metadata or {}).get(b"pandas", b"{}"))
    except Exception:  # noqa: BLE001 - no metadata, or none readable: the types stay as read
        return {}
    nullable = ("Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64", "Float32", "Float64", "boolean")
    return {str(c["name"]): str(c["numpy_type"]) for c in meta.get("columns", []) if str(c.get("numpy_type")) in nullable}


def read_parquet(
    path: Path, columns: Sequence[str] | None = None, notes: list[Warning_] | None = None, months: tuple[str | None, str | None] | None = None,
) -> pd.DataFrame:
    """The table, with nested columns made flat (see `flatten_nested`); `notes` receives what was done.
    A directory is a dataset: only the needed columns are read, and with `months` (the case-start months of
    --since/--until) the partitions of a `case_month` dataset outside them are not read at all."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    if path.is_dir():
        table = _read_dataset(path, columns, months)
        table = flatten_nested(table, path, notes)
        return table.to_pandas(types_mapper={pa.string(): pd.StringDtype(storage="pyarrow"), pa.large_string(): pd.StringDtype(storage="pyarrow")}.get)
    try:
        table = pq.read_table(path, columns=list(columns) if columns is not None else None)
    except Exception as exc:
        raise InputError(
            f"not a readable Parquet file ({_one_line(exc)})", file=str(path), hint="write it again, e.g. with 'cxmine convert'"
        ) from None
    table = flatten_nested(table, path, notes)
    return table.to_pandas(types_mapper={pa.string(): pd.StringDtype(storage="pyarrow"), pa.large_string(): pd.StringDtype(storage="pyarrow")}.get)


def _read_dataset(path: Path, columns: Sequence[str] | None, months: tuple[str | None, str | None] | None):
    import pyarrow.compute as pc  # noqa: PLC0415

    dataset = _dataset(path)
    names = dataset.schema.names
    condition = None
    if months is not None and PARTITION in names:
        since, until = months
        if since is not None:
            condition = pc.field(PARTITION) >= since
        if until is not None:
            upper = pc.field(PARTITION) <= until
            condition = upper if condition is None else condition & upper
    wanted = [c for c in (columns if columns is not None else names) if c != PARTITION]
    try:
        table = dataset.to_table(columns=wanted, filter=condition)
    except Exception as exc:
        raise InputError(
            f"the Parquet dataset cannot be read ({_one_line(exc)})", file=str(path),
            hint="every file of a dataset needs the same columns with the same types (write them with 'cxmine convert')",
        ) from None
    if table.num_rows == 0:
        raise InputError("the Parquet dataset has no rows" + (" in the --since/--until months" if condition is not None else ""), file=str(path))
    return table


NESTED_LEFT_OUT = "nested_columns_left_out"


def flatten_nested(table, path: Path, notes: list[Warning_] | None):
    """A column per value, as the canonical table needs: a struct column becomes one column per field
    (`address.city`), a list of plain values becomes text joined by "; ", and what has no flat form
    (maps, lists of lists or structs, unions) is left out. All vectorised (Arrow), each with a warning."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    def nested(kind) -> bool:
        return pa.types.is_nested(kind) or pa.types.is_union(kind) or (pa.types.is_dictionary(kind) and pa.types.is_nested(kind.value_type))

    if not any(nested(field.type) for field in table.schema):
        return table
    structs = [field.name for field in table.schema if pa.types.is_struct(field.type)]
    while any(pa.types.is_struct(field.type) for field in table.schema):
        table = table.flatten()  # struct "a" with fields x, y → "a.x", "a.y"; repeated for nested structs
    joined, left_out = [], []
    for index, field in enumerate(table.schema):
        kind = field.type
        if not nested(kind):
            continue
        if (pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind)) and not nested(kind.value_type):
            column = table.column(index)
            as_text = pc.cast(column, pa.list_(pa.string())) if not pa.types.is_fixed_size_list(kind) else pc.cast(column, pa.list_(pa.string(), kind.list_size))
            table = table.set_column(index, field.name, pc.binary_join(as_text, "; "))
            joined.append(field.name)
        else:
            left_out.append(f"{field.name} ({kind})")
    if left_out:
        table = table.drop_columns([name.split(" (")[0] for name in left_out])
    if notes is not None:
        if structs:
            notes.append(Warning_("nested_columns_flattened", f"{path.name}: struct columns were split into one column per field: {', '.join(structs)}", len(structs)))
        if joined:
            notes.append(Warning_("list_columns_as_text", f"{path.name}: list columns were read as text, items joined by '; ': {', '.join(joined)}", len(joined)))
        if left_out:
            notes.append(Warning_(NESTED_LEFT_OUT, f"{path.name}: columns with no flat form (maps, nested lists) were left out: {', '.join(left_out)}", len(left_out)))
    return table
