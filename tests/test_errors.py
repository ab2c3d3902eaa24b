"""Bad input: exit code 2, one `Error:` line on stderr that names the file and what to do, no traceback
(unless --debug), and the input file untouched."""
from __future__ import annotations

import gzip
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from cxmine.cli.runtime import ExitCode

from conftest import DATA, sha256

RUNNING_EXAMPLE = (DATA / "running-example.xes").read_text(encoding="utf-8")


def _mismatched_end_tag(path: Path) -> Path:
    lines = RUNNING_EXAMPLE.splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if "</event>" in line)
    lines[index] = lines[index].replace("</event>", "</evnt>")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


@dataclass(frozen=True)
class Case:
    """One bad input: how to build it, extra CLI flags, and what the message must say."""

    name: str
    build: Callable[[Path], Path]
    flags: tuple[str, ...] = ()
    says: tuple[str, ...] = ()
    line: int | Callable[[Path], int] | None = None


def _write(name: str, content: bytes | str) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return build


def _truncated_mid_tag(folder: Path) -> Path:
    path = folder / "cut.xes"
    path.write_text(RUNNING_EXAMPLE[:3000], encoding="utf-8")
    return path


def _truncated_after_event(folder: Path) -> Path:
    """Cut right after an </event>: every element seen so far is complete, but the log is not."""
    lines = RUNNING_EXAMPLE.splitlines(keepends=True)
    ends = [i for i, line in enumerate(lines) if "</event>" in line]
    path = folder / "cut-after-event.xes"
    path.write_text("".join(lines[: ends[9] + 1]), encoding="utf-8")
    return path


def _truncated_after_event_gz(folder: Path) -> Path:
    source = _truncated_after_event(folder)
    path = folder / "cut-after-event.xes.gz"
    path.write_bytes(gzip.compress(source.read_bytes()))
    source.unlink()
    return path


def _truncated_gzip(suffix: str, source: str) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        data = (DATA / source).read_bytes()
        path = folder / f"half{suffix}"
        path.write_bytes(data[: len(data) // 2])
        return path

    return build


def _garbage_gzip(suffix: str) -> Callable[[Path], Path]:
    # A valid gzip magic number and method, then nonsense.
    return _write(f"corrupt{suffix}", b"\x1f\x8b\x08\x00" + bytes(random.Random(7).randrange(256) for _ in range(2000)))


def _bad_timestamps(folder: Path) -> Path:
    rows = [f"c{i},step,2024-01-{i + 1:02d} 10:00" for i in range(20)]
    rows[3] = "c3,step,yesterday"
    rows[7] = "c7,step,31/31/2024"
    rows[12] = "c12,step,soon"
    rows[15] = "c15,step,later"
    path = folder / "bad-times.csv"
    path.write_text("case,activity,timestamp\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _latin1(folder: Path) -> Path:
    path = folder / "latin1.csv"
    path.write_bytes("case,activity,timestamp\nc1,open,2024-01-01\nc1,café,2024-01-02\nc1,close,2024-01-03\n".encode("latin-1"))
    return path


NO_EVENTS_XES = '<?xml version="1.0"?>\n<log xes.version="1.0"><trace><string key="concept:name" value="1"/></trace></log>\n'

CASES = [
    Case("missing file", lambda folder: folder / "nowhere.csv", says=("file not found", "check the path")),
    Case("unknown format", _write("report.docx", bytes(random.Random(1).randrange(256) for _ in range(5000))), says=("unknown log format", ".xes", ".csv")),
    Case("mismatched end tag", lambda folder: _mismatched_end_tag(folder / "mismatch.xes"), says=("malformed XES", "mismatch"), line=lambda p: _line_of(p, "</evnt>")),
    Case("truncated XES mid tag", _truncated_mid_tag, says=("malformed XES", "truncated")),
    Case("truncated XES after an event", _truncated_after_event, says=("malformed XES", "truncated")),
    Case("truncated XES after an event, gzipped", _truncated_after_event_gz, says=("malformed XES", "truncated")),
    Case("corrupt gzip XES", _garbage_gzip(".xes.gz"), says=("cannot decompress", "corrupt or truncated")),
    Case("corrupt gzip CSV", _garbage_gzip(".csv.gz"), says=("cannot decompress", "corrupt or truncated")),
    Case("truncated gzip XES", _truncated_gzip(".xes.gz", "receipt.xes.gz"), says=("corrupt or truncated",)),
    Case("truncated gzip CSV", _truncated_gzip(".csv.gz", "receipt.csv.gz"), says=("corrupt or truncated",)),
    Case("no case column", _write("cols.csv", "when,what,who\n2024-01-01,a,b\n"), says=("no case id column", "found: when, what, who", "--case")),
    Case("no timestamp column", _write("cols.csv", "case,activity,who\n1,a,b\n"), says=("no timestamp column", "found: case, activity, who", "--timestamp")),
    Case("unparsable timestamps", _bad_timestamps, says=("4 of 20 values", "line 5: 'yesterday'", "line 9: '31/31/2024'", "line 14: 'soon'", "--timestamp-format")),
    Case("wrong --timestamp-format", _write("dates.csv", "case,activity,timestamp\nc,a,1/3/2016 13:05\nc,b,29/2/2016 01:23\nc,c,3/3/2016 09:00\n"), flags=("--timestamp-format", "%m/%d/%Y %H:%M"), says=("1 of 3 values", "line 3: '29/2/2016 01:23'", "check --timestamp-format '%m/%d/%Y %H:%M'")),
    Case("empty file", _write("empty.csv", ""), says=("empty", "export the log again")),
    Case("blank file", _write("blank.csv", "\n\n  \n"), says=("empty",)),
    Case("header but no rows", _write("header.csv", "case,activity,timestamp\n"), says=("no events",)),
    Case("empty XES", _write("empty.xes", ""), says=("empty",)),
    Case("XES without events", _write("no-events.xes", NO_EVENTS_XES), says=("no events", "<event>")),
    Case("latin-1 read as utf-8", _latin1, says=("not valid utf-8", "--encoding", "latin-1"), line=3),
    Case("--case names a missing column", _write("ok.csv", "case,activity,timestamp\n1,a,2024-01-01\n"), flags=("--case", "Ticket"), says=("'Ticket'", "--case", "does not exist", "found: case, activity, timestamp")),
    Case("wrong number of fields", _write("fields.csv", "case,activity,timestamp\n1,a,2024-01-01\n1,b,2024-01-02\n1,c,2024-01-03,extra\n1,d,2024-01-04\n"), says=("4 fields", "header has 3", "re-export"), line=4),
    Case("unknown encoding", _write("ok.csv", "case,activity,timestamp\n1,a,2024-01-01\n"), flags=("--encoding", "klingon"), says=("unknown encoding", "--encoding")),
    Case("unknown timezone", _write("ok.csv", "case,activity,timestamp\n1,a,2024-01-01\n"), flags=("--timezone", "Mars/Olympus"), says=("unknown timezone", "IANA")),
    Case("not Parquet", _write("fake.parquet", "case,activity,timestamp\n1,a,2024-01-01\n"), says=("not a readable Parquet file",)),
    Case("a folder", lambda folder: (folder / "logs.xes").mkdir() or folder / "logs.xes", says=("directory",)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_gives_one_error_line(run, tmp_path, case):
    path = case.build(tmp_path)
    before = sha256(path) if path.is_file() else None
    result = run("inspect", path, *case.flags)
    assert result.exit_code == ExitCode.BAD_INPUT == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert len(result.stderr_lines) == 1, result.stderr
    message = result.stderr_lines[0]
    assert message.startswith("Error: ")
    assert str(path) in message  # names the file
    assert " — " in message  # ... and says what to do
    for text in case.says:
        assert text in message, f"{text!r} not in {message!r}"
    if case.line is not None:
        line = case.line(path) if callable(case.line) else case.line
        assert f"{path}:{line} " in message, message
    if before is not None:
        assert sha256(path) == before  # the input is never modified


def test_rustxes_itself_rejects_the_mismatched_tag(tmp_path):
    """The mismatched-tag case really goes through the fallback reader (which knows the line)."""
    from cxmine.io import xes

    path = _mismatched_end_tag(tmp_path / "mismatch.xes")
    with pytest.raises(xes._RustFailure):
        xes._read_rustxes(path)


def test_rustxes_accepts_a_log_cut_after_an_event(tmp_path):
    """Why the reader checks for </log> itself: the fast parser returns the partial log."""
    from cxmine.io import xes

    path = _truncated_after_event(tmp_path)
    assert 0 < len(xes._read_rustxes(path)) < 42
    assert not xes._ends_with_log_tag(path)
    assert xes._ends_with_log_tag(DATA / "running-example.xes")
    assert xes._ends_with_log_tag(DATA / "helpdesk.xes.gz")


def test_mismatched_tag_reports_the_line_of_the_mismatch(run, tmp_path):
    path = _mismatched_end_tag(tmp_path / "mismatch.xes")
    message = run("inspect", path).stderr_lines[0]
    assert f"mismatch.xes:{_line_of(path, '</evnt>')}" in message
    assert "evnt" in message


@pytest.mark.parametrize("case", [c for c in CASES if c.name in {"mismatched end tag", "wrong number of fields", "missing file"}], ids=lambda c: c.name)
def test_debug_shows_the_traceback(run, tmp_path, case):
    path = case.build(tmp_path)
    result = run("inspect", path, *case.flags, "--debug")
    assert result.exit_code == 2
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr_lines[-1].startswith("Error: ")


def test_a_rust_panic_does_not_reach_the_terminal(capfd, tmp_path):
    from cxmine.errors import InputError
    from cxmine.io import load_log

    path = _mismatched_end_tag(tmp_path / "mismatch.xes")
    with pytest.raises(InputError):
        load_log(path)
    captured = capfd.readouterr()
    assert "panicked" not in captured.err
    assert "XMLParsingError" not in captured.err


def test_the_right_encoding_reads_the_file(run, tmp_path):
    path = _latin1(tmp_path)
    result = run("inspect", path, "--encoding", "latin-1", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert '"café"' in result.stdout


def test_a_few_unparsable_timestamps_are_dropped_and_counted(tmp_path):
    from cxmine.io import load_log

    rows = [f"c{i % 50},step,2024-01-01 10:{i % 60:02d}" for i in range(300)]
    rows[10] = "c10,step,never"
    path = tmp_path / "one-bad.csv"
    path.write_text("case,activity,timestamp\n" + "\n".join(rows) + "\n")
    log = load_log(path)
    assert len(log.events) == 299
    assert log.rows_unusable == 1
    bad = next(w for w in log.warnings if w.code == "bad_timestamp")
    assert bad.count == 1
    assert bad.examples == ("line 12: 'never'",)


# --- files the commands must not touch ------------------------------------------------------------


def test_convert_refuses_to_write_over_its_input(run, tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes((DATA / "running-example.csv").read_bytes())
    before = sha256(path)
    result = run("convert", path, path)
    assert result.exit_code == 2
    assert result.stderr_lines[0].startswith("Error: the output would overwrite an input file")
    assert sha256(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.csv"]  # no temp file left behind


def test_convert_refuses_the_input_under_another_name(run, tmp_path, monkeypatch):
    path = tmp_path / "log.xes"
    path.write_bytes((DATA / "running-example.xes").read_bytes())
    before = sha256(path)
    monkeypatch.chdir(tmp_path)
    result = run("convert", path, Path("..") / tmp_path.name / "log.xes")
    assert result.exit_code == 2
    assert "overwrite an input file" in result.stderr
    assert sha256(path) == before


def test_inspect_output_refuses_to_overwrite_its_input(run, tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes((DATA / "running-example.csv").read_bytes())
    before = sha256(path)
    result = run("inspect", path, "--output", path)
    assert result.exit_code == 2
    assert sha256(path) == before


@pytest.mark.parametrize("name", ["running-example.xes", "receipt.csv.gz"])
def test_successful_commands_leave_the_input_untouched(run, tmp_path, name):
    path = tmp_path / name
    path.write_bytes((DATA / name).read_bytes())
    before = sha256(path)
    assert run("inspect", path, "--format", "json").exit_code == 0
    assert run("convert", path, tmp_path / "out.parquet").exit_code == 0
    assert sha256(path) == before


def test_a_failed_convert_leaves_no_output_and_no_temp_file(run, tmp_path):
    path = tmp_path / "cut.xes"
    path.write_text(RUNNING_EXAMPLE[:3000])
    result = run("convert", path, tmp_path / "out.parquet")
    assert result.exit_code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.xes"]


def test_unknown_output_format_is_a_usage_error(run, tmp_path):
    result = run("convert", DATA / "running-example.xes", tmp_path / "out.docx")
    assert result.exit_code == 2
    assert result.stderr_lines == [f"Error: unknown output format in {tmp_path / 'out.docx'} — use .parquet, .csv, .csv.gz, .xes or .xes.gz"]
