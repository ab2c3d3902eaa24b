"""XES and XES.gz reader → raw frame (pm4py-style column names), handed to core.normalise.

Fast path: the Rust parser `rustxes` (what pm4py's `rustxes` variant uses). It panics rather than
reporting where a file is broken, so on any failure we re-read the file with lxml's streaming parser,
which either succeeds (a file rustxes cannot handle) or tells us the line that is wrong.
"""
from __future__ import annotations

import os
import re
import sys
import tempfile
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pandas as pd

from cxmine.errors import InputError
from cxmine.io.compressed import is_gzip, open_binary

XES_CASE = "case:concept:name"
XES_ACTIVITY = "concept:name"
XES_TIMESTAMP = "time:timestamp"


def read_xes(path: Path) -> pd.DataFrame:
    """Events in file order; trace attributes as `case:<key>`.

    Dates are tz-aware UTC when the file writes them with an offset (the XES norm). A file whose dates
    carry no offset gives naive dates, so that core.normalise applies --timezone and warns, as for CSV.
    """
    naive = _dates_without_offset(path)
    checked = False  # whether the parser already saw the closing </log>
    try:
        frame, checked = _read_rustxes(path)
    except ImportError:
        frame = None
    except _RustFailure:
        frame = None
    if frame is not None and not checked and not _ends_with_log_tag(path):
        # rustxes stops quietly at the end of the data, so a file cut after an </event> loads as a
        # shorter log: let the strict parser report where it ends instead.
        frame = None
    if frame is None:
        frame = _read_lxml(path, naive=naive)
    if len(frame) == 0:
        raise InputError("the log has no events", file=str(path), hint="check that the file holds <trace> and <event> elements")
    if not naive:
        for column in frame.columns:
            if pd.api.types.is_datetime64_dtype(frame[column].dtype) and not isinstance(frame[column].dtype, pd.DatetimeTZDtype):
                # Dates with an offset: both parsers hand them over already converted to UTC.
                frame[column] = frame[column].dt.tz_localize("UTC")
    return frame


_DATE_VALUE = re.compile(rb"<date\b[^>]*?\bvalue=\"([^\"]*)\"")
_HAS_OFFSET = re.compile(rb"(?:Z|[+-]\d{2}:?\d{2})\s*$")
_DATE_SAMPLE_BYTES = 256 * 1024


def _dates_without_offset(path: Path) -> bool:
    """Whether the file writes its dates without a UTC offset, judged on the dates near its start."""
    try:
        with open_binary(path) as handle:
            head = handle.read(_DATE_SAMPLE_BYTES)
    except (OSError, EOFError, zlib.error):
        return False  # the parsers report the problem
    values = _DATE_VALUE.findall(head)[:1000]
    return bool(values) and not any(_HAS_OFFSET.search(value) for value in values)


class _RustFailure(Exception):
    pass


_LOG_END = re.compile(rb"</(?:[\w.-]+:)?log>\s*(?:<!--.*?-->\s*)*\Z", re.DOTALL)
_TAIL_BYTES = 4096
_OUT_BYTES = 1 << 20


def _ends_with_log_tag(path: Path) -> bool:
    """Whether the document's last element is the closing </log> (so the file is not truncated).

    A plain file is checked by seeking to its end; a .gz file has to be decompressed to reach its end
    (C speed, a fraction of the parse time); any gzip fault also means "not complete".
    """
    try:
        if is_gzip(path):
            tail = _gzip_tail(path)
        else:
            with open(path, "rb") as handle:
                handle.seek(max(path.stat().st_size - _TAIL_BYTES, 0))
                tail = handle.read()
    except (OSError, EOFError, zlib.error):
        return False
    return tail is not None and _LOG_END.search(tail) is not None


def _gzip_tail(path: Path) -> bytes | None:
    """The last bytes of the decompressed stream, or None if the gzip data ends early."""
    tail = b""
    decompressor = zlib.decompressobj(wbits=31)
    member_open = False  # the current member has received bytes but not reached its end
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            while chunk:
                member_open = True
                out = decompressor.decompress(chunk, _OUT_BYTES)  # bounded: a 1 MB gzip chunk is ~64 MB of XML
                if out:
                    tail = tail[-_TAIL_BYTES:] + out[-_TAIL_BYTES:]
                chunk = decompressor.unconsumed_tail
                if decompressor.eof:  # a multi-member file: go on with the next member
                    chunk = decompressor.unused_data
                    decompressor = zlib.decompressobj(wbits=31)
                    member_open = False
    return None if member_open else tail[-_TAIL_BYTES:]


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """A Rust panic writes its message and backtrace straight to file descriptor 2: keep it off the
    user's terminal (we report our own error instead)."""
    try:
        saved = os.dup(2)
    except OSError:  # no real stderr (some embedded runners)
        yield
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


# Above this many uncompressed bytes, and with at least PARALLEL_MIN_CORES usable cores, the file is cut
# at trace boundaries and the pieces are parsed by rustxes in parallel processes (it holds the GIL, so
# threads would not help). Measured on 2 cores it gains nothing once anything else runs, and costs
# ~110 MB more, so it stays off there (benchmarks/load.py).
PARALLEL_MIN_BYTES = 48 * 2**20
PARALLEL_MIN_CORES = 4


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _uncompressed_size(path: Path) -> int:
    """File size, or for gzip the size stored in its trailer (mod 4 GiB; good enough to decide)."""
    size = path.stat().st_size
    if not is_gzip(path):
        return size
    with open(path, "rb") as handle:
        handle.seek(max(size - 4, 0))
        return int.from_bytes(handle.read(4), "little")


def _parallel_rustxes(path: Path, workers: int):
    """Split the XES text into `workers` valid XES files (the header repeated, cut before a <trace>),
    parse them at once in worker processes, and concatenate in file order."""
    import subprocess  # noqa: PLC0415

    import polars as pl  # noqa: PLC0415
    import pyarrow as pa  # noqa: PLC0415

    with open_binary(path) as handle:
        data = handle.read()
    if _LOG_END.search(data[-_TAIL_BYTES:]) is None:
        raise _RustFailure("the text does not end with </log>")  # truncated: the strict parser says where
    first = data.find(b"<trace")
    if first < 0:
        raise ValueError("no trace")
    header = data[:first]
    cuts = [first]
    for k in range(1, workers):
        cut = data.find(b"<trace", first + k * (len(data) - first) // workers)
        if cut > cuts[-1]:
            cuts.append(cut)
    cuts.append(len(data))
    with tempfile.TemporaryDirectory(prefix="cxmine-xes-") as folder:
        paths = []
        for index, (start, end) in enumerate(zip(cuts, cuts[1:])):
            chunk = Path(folder) / f"part{index}.xes"
            with open(chunk, "wb") as out:
                out.write(header)
                out.write(memoryview(data)[start:end])
                if end != len(data):
                    out.write(b"</log>\n")
            paths.append(str(chunk))
        del data
        processes = [
            subprocess.Popen([sys.executable, "-m", "cxmine._xes_worker", chunk], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for chunk in paths
        ]
        failures = [err.decode(errors="replace") for proc in processes for _, err in [proc.communicate()] if proc.returncode != 0]
        if failures:
            raise _RustFailure(failures[0])
        frames = []
        for chunk in paths:  # read into memory (not mapped): the folder is removed on exit
            with pa.OSFile(chunk + ".arrow", "rb") as source:
                frames.append(pl.from_arrow(pa.ipc.open_file(source).read_all()))
    return pl.concat(frames, how="diagonal_relaxed")


def _read_rustxes(path: Path) -> tuple[pd.DataFrame, bool]:
    import rustxes  # noqa: PLC0415 - optional fast path

    frame, checked = None, False
    cores = _usable_cores()
    workers = min(cores, 4)
    if cores >= PARALLEL_MIN_CORES and _uncompressed_size(path) >= PARALLEL_MIN_BYTES:
        try:
            frame, checked = _parallel_rustxes(path, workers), True
        except _RustFailure:
            raise
        except Exception:  # noqa: BLE001 - any trouble with processes: parse in this one instead
            frame = None
    if frame is None:
        try:
            with _quiet_stderr():
                frame, _meta = rustxes.import_xes(str(path))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # pyo3's PanicException derives from BaseException
            raise _RustFailure(str(exc)) from exc
        _release_freed_heap()
    if frame.width == 0:
        return pd.DataFrame(), checked
    import polars as pl  # noqa: PLC0415 - comes with rustxes

    # Strings as Arrow dictionaries convert to pandas categories without a Python object per value.
    frame = frame.with_columns(
        [pl.col(name).cast(pl.Categorical) for name, dtype in frame.schema.items() if dtype == pl.String]
    )
    # Nullable pandas types, so an XES int attribute missing on some events stays an integer.
    return frame.to_arrow().to_pandas(types_mapper=_nullable_type), checked


def _release_freed_heap() -> None:
    """Give the parser's freed memory back to the OS (glibc only; ~0.06 s).

    rustxes builds the whole log as Rust structs through glibc malloc (~1.3 KB an event: ~700 MB for
    the 561k-event road-traffic log) and frees them once the DataFrame is built, but glibc keeps the
    fragmented heap mapped, so every later step (to_pandas, normalise) is added on top of it.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes  # noqa: PLC0415

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # musl or another libc: nothing to trim
        pass


def _nullable_type(arrow_type) -> object:
    import pyarrow as pa  # noqa: PLC0415

    if pa.types.is_integer(arrow_type):
        return pd.Int64Dtype()
    if pa.types.is_floating(arrow_type):
        return pd.Float64Dtype()
    if pa.types.is_boolean(arrow_type):
        return pd.BooleanDtype()
    return None


def _open_text(path: Path):
    return open_binary(path)


def _read_lxml(path: Path, *, naive: bool = False) -> pd.DataFrame:
    """Streaming fallback. Slower (a Python step per element) but exact about where a file is broken."""
    from lxml import etree  # noqa: PLC0415

    rows: list[dict[str, object]] = []
    declared: dict[str, str] = {}  # column → XES type, to give integer columns with gaps an integer type
    defaults: dict[str, object] = {}  # <global> values, which fill gaps as rustxes fills them
    trace_attributes: dict[str, object] = {}
    in_event = False
    event: dict[str, object] = {}
    try:
        with _open_text(path) as handle:
            for action, element in etree.iterparse(handle, events=("start", "end"), recover=False, huge_tree=True):
                tag = etree.QName(element).localname
                if action == "start":
                    if tag == "trace":
                        trace_attributes = {}
                    elif tag == "event":
                        in_event, event = True, {}
                    continue
                if tag == "event":
                    rows.append({**trace_attributes, **event})
                    in_event = False
                elif tag == "trace":
                    element.clear()
                elif tag in {"string", "date", "int", "float", "boolean", "id"}:
                    key, value = element.get("key"), element.get("value")
                    if key is None:
                        continue
                    parent = element.getparent()
                    parent_tag = etree.QName(parent).localname if parent is not None else ""
                    if in_event and parent_tag == "event":
                        event[key] = _typed(tag, value)
                        declared.setdefault(key, tag)
                    elif not in_event and parent_tag == "trace":
                        trace_attributes[f"case:{key}"] = _typed(tag, value)
                        declared.setdefault(f"case:{key}", tag)
                    elif parent_tag == "global":
                        column = f"case:{key}" if parent.get("scope", "event") == "trace" else key
                        defaults[column] = _typed(tag, value)
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else exc.lineno
        raise InputError(
            f"malformed XES: {exc.msg}",
            file=str(path),
            line=line,
            hint="the file is broken or truncated; re-export it from the source system",
        ) from None
    except (OSError, EOFError, zlib.error) as exc:
        raise _gzip_error(path, exc) from None
    frame = pd.DataFrame(rows)
    for column, default in defaults.items():
        # Like rustxes: a declared global fills the attribute where an element lacks it, but only for
        # attributes that occur at all.
        if column in frame.columns and frame[column].isna().any():
            frame[column] = frame[column].astype(object).where(frame[column].notna(), default)
    nullable = {"int": "Int64", "float": "Float64", "boolean": "boolean"}
    for column in frame.columns:
        if frame[column].map(type).eq(pd.Timestamp).any():
            frame[column] = _to_datetime(frame[column], naive)
        elif declared.get(column) in nullable:
            try:
                frame[column] = frame[column].astype(nullable[declared[column]])
            except (TypeError, ValueError):  # a value that did not parse as its declared type stays as read
                pass
    return frame


def _to_datetime(values: pd.Series, naive: bool) -> pd.Series:
    if naive:
        try:
            return pd.to_datetime(values, errors="coerce")
        except (ValueError, TypeError):  # a few dates with an offset among naive ones
            pass
    return pd.to_datetime(values, utc=True, errors="coerce")


def _typed(tag: str, value: str | None) -> object:
    if value is None:
        return None
    try:
        if tag == "date":
            return pd.Timestamp(value)
        if tag == "int":
            return int(value)
        if tag == "float":
            return float(value)
        if tag == "boolean":
            return value.strip().lower() == "true"
    except ValueError:
        return value
    return value


def _gzip_error(path: Path, exc: BaseException) -> InputError:
    return InputError(
        f"cannot decompress ({exc.__class__.__name__}: {exc})",
        file=str(path),
        hint="the .gz file is corrupt or truncated; download or export it again",
    )
