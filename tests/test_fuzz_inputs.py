"""Fuzzing the readers through the CLI: truncated files, flipped bytes, random names and timestamps,
in XES (plain and gzip), CSV and Parquet. Whatever the input, `inspect` and `friction` exit 0 (read,
perhaps with warnings) or 2 (one `Error:` line) — never 3 (a bug) or a crash — and the input file is
never modified. About 30 s in all."""
from __future__ import annotations

import gzip
import hashlib
import io
import tempfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA

XES = (DATA / "running-example.xes").read_bytes()
CSV = (DATA / "running-example.csv").read_bytes()


def _parquet_bytes() -> bytes:
    table = pacsv.read_csv(io.BytesIO(CSV))
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


SEEDS = {".xes": XES, ".xes.gz": gzip.compress(XES, mtime=0), ".csv": CSV, ".parquet": _parquet_bytes()}
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture], derandomize=True)


def _check(run, folder: Path, name: str, content: bytes, command: str) -> None:
    path = folder / name
    path.write_bytes(content)
    before = hashlib.sha256(content).hexdigest()
    result = run(command, path, "--format", "json")
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr[-1500:], repr(result.exception))
    assert "Traceback" not in result.stderr
    if result.exit_code == 2:
        errors = [line for line in result.stderr_lines if line.startswith("Error:")]
        assert len(errors) == 1 and result.stderr_lines[-1] == errors[0], result.stderr
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # the input is never written


@pytest.fixture(scope="module")
def folder():
    with tempfile.TemporaryDirectory(prefix="cxmine-fuzz-") as name:
        yield Path(name)


@FUZZ
@given(
    suffix=st.sampled_from(sorted(SEEDS)),
    command=st.sampled_from(["inspect", "friction"]),
    cut=st.floats(min_value=0.0, max_value=1.0),
    flips=st.lists(st.tuples(st.floats(min_value=0.0, max_value=0.999), st.integers(0, 255)), max_size=4),
)
def test_truncated_and_damaged_files(run, folder, suffix, command, cut, flips):
    content = bytearray(SEEDS[suffix])
    for where, value in flips:
        content[int(where * len(content))] = value
    content = bytes(content[: max(1, int(cut * len(content)))]) if cut < 1.0 else bytes(content)
    _check(run, folder, f"damaged{suffix}", content, command)


NAMES = st.text(st.characters(blacklist_categories=["Cs"]), min_size=0, max_size=12)
TIMESTAMPS = st.one_of(
    st.datetimes(min_value=__import__("datetime").datetime(1, 1, 1), max_value=__import__("datetime").datetime(9999, 12, 31)).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat() + "+02:00"),
    st.sampled_from(["2023-10-29T02:30:00", "2023-03-26T02:30:00", "9999-12-31", "1600-01-01T00:00:00Z", "", "yesterday", "31/31/2024"]),
    st.text(max_size=20),
)
EVENTS = st.lists(st.tuples(NAMES, NAMES, TIMESTAMPS), min_size=1, max_size=8)


def _xes(events, escape: bool) -> bytes:
    quote = quoteattr if escape else (lambda text: f'"{text}"')
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<log xes.version="1.0">']
    for case, activity, when in events:
        lines.append(
            f'<trace><string key="concept:name" value={quote(case)}/><event><string key="concept:name" value={quote(activity)}/>'
            f'<date key="time:timestamp" value={quote(when)}/></event></trace>'
        )
    lines.append("</log>")
    return "\n".join(lines).encode("utf-8", errors="surrogatepass")


def _table(events) -> pa.Table:
    return pa.table({"case": [e[0] for e in events], "activity": [e[1] for e in events], "timestamp": [e[2] for e in events]})


@FUZZ
@given(
    events=EVENTS,
    suffix=st.sampled_from([".xes", ".xes.gz", ".csv", ".parquet"]),
    escape=st.booleans(),
    command=st.sampled_from(["inspect", "friction"]),
    timezone=st.sampled_from(["UTC", "Europe/Amsterdam"]),
)
def test_random_names_and_timestamps(run, folder, events, suffix, escape, command, timezone):
    if suffix in (".xes", ".xes.gz"):
        content = _xes(events, escape)
        content = gzip.compress(content, mtime=0) if suffix == ".xes.gz" else content
    elif suffix == ".csv":
        sink = io.BytesIO()
        pacsv.write_csv(_table(events), sink)
        content = sink.getvalue()
    else:
        sink = io.BytesIO()
        pq.write_table(_table(events), sink)
        content = sink.getvalue()
    path = folder / f"random{suffix}"
    path.write_bytes(content)
    before = hashlib.sha256(content).hexdigest()
    result = run(command, path, "--timezone", timezone, "--format", "json")
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr[-1500:], repr(result.exception))
    assert "Traceback" not in result.stderr
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
