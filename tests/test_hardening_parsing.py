"""Issue 12, parsing: every input that used to crash, hang, mis-read or exit 3 now loads (with a
counted warning) or stops with exit 2 and one line naming the file, the line and what to do.

Each test would have caught its bug: Ctrl-C swallowed during an XES parse, a segfault on deep
nesting, the declared encoding ignored, DTD entities left unexpanded, broken elements skipped,
years outside pandas' range crashing friction/report, DST times dropped, header collisions, huge
CSV fields, nested Parquet columns and an empty complaint match.
"""
from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import cxmine.io.xes as xes
from cxmine.core import schema
from cxmine.errors import InputError
from cxmine.io import load_log
from cxmine.model import LoadOptions

from conftest import DATA, sha256

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def xes_text(
    events: list[tuple[str, str, str]],
    *,
    encoding: str = "UTF-8",
    doctype: str = "",
    extra: str = "",
    date: str = "2020-01-0{day}T10:00:00+00:00",
) -> str:
    """A small XES log: (case, activity, extra attribute XML) per event, one line per element."""
    lines = [f'<?xml version="1.0" encoding="{encoding}"?>', *([doctype] if doctype else []), '<log xes.version="1.0">']
    lines.append('\t<global scope="event"><string key="Costs" value="0"/></global>')
    case = None
    for day, (case_id, activity, attributes) in enumerate(events, start=1):
        if case_id != case:
            if case is not None:
                lines.append("\t</trace>")
            lines += ["\t<trace>", f'\t\t<string key="concept:name" value="{case_id}"/>']
            case = case_id
        lines += [
            "\t\t<event>",
            f'\t\t\t<string key="concept:name" value="{activity}"/>',
            f'\t\t\t<date key="time:timestamp" value="{date.format(day=day)}"/>',
            *([f"\t\t\t{attributes}"] if attributes else []),
            "\t\t</event>",
        ]
    lines += ["\t</trace>", extra + "</log>", ""]
    return "\n".join(lines)


def _strict(monkeypatch) -> None:
    """Send every file to the strict reader (as if the fast one had found it irregular)."""

    def refuse(data):
        raise xes._Irregular("forced by the test", 1)

    monkeypatch.setattr(xes, "_tokens_fast", refuse)


def _one_error_line(result, path: Path, *, line: int | tuple[int, ...] | None = None, says: tuple[str, ...] = ()) -> str:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert len(result.stderr_lines) == 1, result.stderr
    message = result.stderr_lines[0]
    assert message.startswith("Error: ") and str(path) in message and " — " in message
    if line is not None:
        assert any(f"{path}:{at} " in message for at in ((line,) if isinstance(line, int) else line)), message
    for text in says:
        assert text in message, message
    return message


# --- the fast reader is the exact reader -----------------------------------------------------------


@pytest.mark.parametrize("name", ["running-example.xes", "receipt.xes.gz", "helpdesk.xes.gz"])
def test_fast_and_strict_readers_give_the_same_table(monkeypatch, real_log, name):
    fast = load_log(DATA / name)
    assert "xes_strict_reader" not in [w.code for w in fast.warnings]  # regular files stay on the fast path
    _strict(monkeypatch)
    pdt.assert_frame_equal(load_log(DATA / name).events, fast.events)


def test_the_strict_reader_is_used_only_with_a_counted_warning(run, tmp_path):
    text = xes_text([("c1", "a", ""), ("c1", "b", "")])
    text = text.replace("\t\t<event>", "\t\t<!-- exported by hand -->\n\t\t<event>", 1)  # valid, but not the fast shape
    path = tmp_path / "comment.xes"
    path.write_text(text)
    result = run("inspect", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["events"] == 2
    assert [w["code"] for w in report["warnings"]] == ["xes_strict_reader"]
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "<!--" in l)
    assert f"line {line} " in report["warnings"][0]["message"] and "strict parser" in result.stderr


def test_values_with_entities_and_odd_spacing_read_alike_on_both_readers(monkeypatch, tmp_path):
    text = xes_text([("c&amp;1", "R&amp;D &lt;check&gt; caf&#233;", '<string key="note" value="one\ttwo"/><string key="kept" value="a&#10;b&#9;c"/>'), ("c&amp;1", "b", "")])
    path = tmp_path / "entities.xes"
    path.write_text(text)
    fast = load_log(path)
    assert not fast.warnings or "xes_strict_reader" not in [w.code for w in fast.warnings]
    assert set(fast.events[schema.ACTIVITY].astype(str)) == {"R&D <check> café", "b"}
    assert fast.events[schema.CASE].iloc[0] == "c&1"
    assert fast.events["note"].iloc[0] == "one two"  # XML turns a tab in an attribute value into a space
    assert fast.events["kept"].iloc[0] == "a\nb\tc"  # ... but keeps those written as character references
    _strict(monkeypatch)
    pdt.assert_frame_equal(load_log(path).events, fast.events)


# --- item 5: Ctrl-C ----------------------------------------------------------------------------------


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        return 0.0


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "BPI_Challenge_2012.xes.gz").is_file(), reason="shared BPI 2012 log not present")
@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc to see the parse start")
def test_ctrl_c_during_an_xes_parse_stops_at_once_with_exit_130(tmp_path):
    """Used to be swallowed: rustxes turned the interrupt into a panic, cxmine re-parsed with lxml and
    exited 0 after 26 s. SIGINT is sent once the 74 MB document is in memory (the parse is running).
    The child gets SIGINT's default disposition, as at a terminal: a test run started in the background
    of a non-interactive shell (`cmd &`) ignores SIGINT, every child inherits that, and cxmine rightly
    leaves an ignored SIGINT alone (as under nohup)."""
    env = {**os.environ, "NO_COLOR": "1", "CI": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "cxmine", "inspect", str(SHARED / "BPI_Challenge_2012.xes.gz")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while process.poll() is None and _rss_mb(process.pid) < 200 and time.monotonic() < deadline:
        time.sleep(0.005)
    if process.poll() is not None:
        pytest.skip("the parse finished before it could be interrupted")
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    try:
        stdout, stderr = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("still running 10 s after Ctrl-C") from None
    waited = time.monotonic() - sent
    assert process.returncode == 130, stderr.decode()
    assert waited < 2.5, f"took {waited:.1f} s to stop"
    lines = [line for line in stderr.decode().splitlines() if line.strip()]
    assert lines == ["Error: interrupted"], lines
    assert stdout == b""


def test_no_native_parser_holds_the_interpreter_during_a_load(monkeypatch, tmp_path):
    """What made Ctrl-C wait: a parser call that runs for seconds without returning to Python. The
    reader is numpy and lxml only; rustxes is never called."""
    monkeypatch.setitem(sys.modules, "rustxes", None)  # importing it would now fail
    path = tmp_path / "log.xes"
    path.write_text(xes_text([("c1", "a", ""), ("c1", "b", "")]))
    assert len(load_log(path).events) == 2


# --- item 6: deep nesting ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "inner",
    [
        '<list key="x">' * 5000 + "</list>" * 5000,
        '<string key="a" value="b">' * 5000 + "</string>" * 5000,
    ],
    ids=["lists", "attributes"],
)
def test_deeply_nested_xes_is_one_error_line_not_a_crash(run, tmp_path, inner):
    """A 5,000-deep element made the Rust parser segfault (exit 139, no message)."""
    text = xes_text([("c1", "a", "DEEP")]).replace("DEEP", inner)
    path = tmp_path / "deep.xes"
    path.write_text(text)
    before = sha256(path)
    line = text.splitlines().index(next(l for l in text.splitlines() if "<list" in l or l.count("<string") > 2)) + 1
    _one_error_line(run("inspect", path), path, line=line, says=("nested", "not an XES log"))
    assert sha256(path) == before


def test_deep_nesting_is_refused_in_a_subprocess_too(tmp_path):
    """The crash was a signal, which CliRunner cannot show: a real interpreter must exit 2."""
    path = tmp_path / "deep.xes"
    path.write_text(xes_text([("c1", "a", '<list key="x">' * 5000 + "</list>" * 5000)]))
    done = subprocess.run([sys.executable, "-m", "cxmine", "inspect", str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
    assert done.stderr.startswith("Error: ")


# --- item 7: encodings and entities ------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "windows-1252", "UTF-16"])
def test_the_declared_encoding_is_honoured(monkeypatch, tmp_path, encoding):
    """`Überprüfung` loaded as `�berpr�fung` on the fast path, and distinct activities merged."""
    text = xes_text([("c1", "Überprüfung", ""), ("c1", "Ueberpruefung", ""), ("c2", "Prüfung", "")], encoding=encoding)
    path = tmp_path / "declared.xes"
    path.write_bytes(text.encode(encoding))
    fast = load_log(path)
    assert sorted(fast.events[schema.ACTIVITY].cat.categories) == ["Prüfung", "Ueberpruefung", "Überprüfung"]
    _strict(monkeypatch)
    pdt.assert_frame_equal(load_log(path).events, fast.events)


@pytest.mark.parametrize("declared", ["UTF-8", None])
def test_bytes_invalid_in_the_declared_encoding_name_the_line(run, tmp_path, declared):
    text = xes_text([("c1", "open", ""), ("c1", "Überprüfung", "")], encoding=declared or "UTF-8")
    if declared is None:
        text = text.replace(' encoding="UTF-8"', "")
    path = tmp_path / "latin1-as-utf8.xes"
    path.write_bytes(text.encode("latin-1"))
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "Überprüfung" in l)
    _one_error_line(run("inspect", path), path, line=line, says=("not valid UTF-8", "0xdc", "encoding"))


def test_internal_dtd_entities_are_expanded(run, tmp_path):
    doctype = '<!DOCTYPE log [<!ENTITY reg "&#174;"> <!ENTITY co "Acme Ltd">]>'
    path = tmp_path / "entities.xes"
    path.write_text(xes_text([("c1", "Brand&reg; check", '<string key="org" value="&co;"/>'), ("c1", "b", "")], doctype=doctype))
    result = run("inspect", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    names = [a["name"] for a in json.loads(result.stdout)["activity_counts"]]
    assert "Brand® check" in names and "&reg;" not in " ".join(names)
    assert load_log(path).events["org"].iloc[0] == "Acme Ltd"


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE log [<!ENTITY xxe SYSTEM "file://{secret}">]>',  # an external general entity
        '<!DOCTYPE log [<!ENTITY % p SYSTEM "file://{dtd}"> %p;]>',  # an external parameter entity
        '<!DOCTYPE log SYSTEM "file://{dtd}">',  # an external DTD
    ],
    ids=["general", "parameter", "dtd"],
)
def test_external_entities_are_never_loaded(run, tmp_path, doctype):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    dtd = tmp_path / "outside.dtd"
    dtd.write_text('<!ENTITY xxe "TOP-SECRET">\n')
    path = tmp_path / "xxe.xes"
    path.write_text(xes_text([("c1", "&xxe;", ""), ("c1", "b", "")], doctype=doctype.format(secret=secret, dtd=dtd)))
    result = run("inspect", path, "--format", "json")
    assert "TOP-SECRET" not in result.stdout + result.stderr
    _one_error_line(result, path, says=("xxe", "never loaded"))


def test_an_entity_bomb_stops_quickly_with_one_line(run, tmp_path):
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    path = tmp_path / "bomb.xes"
    path.write_text(xes_text([("c1", "&j;", ""), ("c1", "b", "")], doctype=f"<!DOCTYPE log [{entities}]>"))
    started = time.monotonic()
    _one_error_line(run("inspect", path), path, says=("entity",))
    assert time.monotonic() - started < 20


# --- item 8: broken elements -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "broken",
    [
        '<string0key="Costs" value="12"/>',  # the reported one: its value replaced by the <global> default
        '<string key="Costs" value="12">',  # never closed
        '<string key=Costs value="12"/>',  # unquoted
        '<string key="Costs" value="1<2"/>',  # '<' in a value
        '<string key="Costs" value="12"/ >',
        "<string key=\"Costs\" value='12\"/>",  # mismatched quotes
        "R&D",  # a bare '&' in text
    ],
)
def test_malformed_elements_stop_with_their_line_on_both_readers(run, monkeypatch, tmp_path, broken):
    text = xes_text([("c1", "a", broken), ("c1", "b", "")])
    path = tmp_path / "broken.xes"
    path.write_text(text)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if broken in l)
    # An element left open is noticed where the next end tag does not match it: the line after.
    _one_error_line(run("inspect", path), path, line=(line, line + 1), says=("malformed XES",))
    _strict(monkeypatch)
    with pytest.raises(InputError) as caught:
        load_log(path)
    assert caught.value.line in (line, line + 1)


@pytest.mark.parametrize(
    "variant",
    ["<string value=\"12\" key=\"Costs\"/>", "<string key='Costs' value='12'/>", "<string  key=\"Costs\"\n\t\t\tvalue=\"12\" />"],
    ids=["value first", "single quotes", "spread over lines"],
)
def test_well_formed_variants_read_the_same_value(tmp_path, variant):
    """What the fast reader does not take goes to the strict one, which reads the same table."""
    path = tmp_path / "variant.xes"
    path.write_text(xes_text([("c1", "a", variant), ("c1", "b", "")]))
    log = load_log(path)
    assert log.events["Costs"].astype(str).tolist() == ["12", "0"]  # "0": the <global> default on event b
    assert "xes_strict_reader" in [w.code for w in log.warnings]


def test_a_log_cut_after_an_event_is_not_read_as_a_shorter_log(run, tmp_path):
    text = xes_text([("c1", "a", ""), ("c1", "b", ""), ("c2", "c", "")])
    cut = text[: text.index("</event>") + len("</event>")] + "\n"
    path = tmp_path / "cut.xes.gz"
    path.write_bytes(gzip.compress(cut.encode()))
    _one_error_line(run("inspect", path), path, says=("malformed XES",))


# --- item 9: years outside pandas' nanosecond range --------------------------------------------------


OUT_OF_RANGE = ["9999-12-31T00:00:00+00:00", "1600-01-01T00:00:00+00:00", "2300-06-01T00:00:00+00:00"]


def _orders_with_out_of_range_times(folder: Path, kind: str) -> Path:
    frame = pd.read_csv(DATA.parent.parent / "examples" / "orders.csv", dtype=str)
    frame.loc[[5, 17, 40], "end_time"] = OUT_OF_RANGE
    csv_path = folder / "orders-oob.csv"
    frame.to_csv(csv_path, index=False)
    if kind == "csv":
        return csv_path
    if kind == "parquet":
        table = pa.Table.from_pandas(frame.assign(end_time=pd.to_datetime(frame["end_time"], format="ISO8601", utc=True).astype("datetime64[us, UTC]")), preserve_index=False)
        path = folder / "orders-oob.parquet"
        pq.write_table(table, path)
        return path
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<log xes.version="1.0">']
    for case, rows in frame.groupby("order_id", sort=False):
        lines.append(f'<trace><string key="concept:name" value="{case}"/>')
        for row in rows.itertuples(index=False):
            lines.append(f'<event><string key="concept:name" value="{row.activity}"/><date key="time:timestamp" value="{row.end_time}"/></event>')
        lines.append("</trace>")
    lines.append("</log>")
    path = folder / "orders-oob.xes"
    path.write_text("\n".join(lines))
    return path


@pytest.mark.parametrize("kind", ["xes", "csv", "parquet"])
def test_out_of_range_years_are_counted_and_excluded_when_loading(tmp_path, kind):
    path = _orders_with_out_of_range_times(tmp_path, kind)
    log = load_log(path)
    warning = next(w for w in log.warnings if w.code == "out_of_range_timestamp")
    assert warning.count == 3 and "dropped" in warning.message and "9999-12-31" in warning.message
    assert log.rows_unusable == 3
    times = log.events[schema.TIMESTAMP]
    assert times.min() >= pd.Timestamp("1677-09-22", tz="UTC") and times.max() < pd.Timestamp("2262-04-11", tz="UTC")
    times.dt.as_unit("ns")  # what friction/report do; raised OutOfBoundsDatetime before


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["xes", "csv", "parquet"])
@pytest.mark.parametrize("command", ["inspect", "friction", "report"])
def test_out_of_range_years_are_a_finding_in_every_command(run, tmp_path, kind, command):
    """`inspect` flagged them, `friction` and `report` exited 3 (OutOfBoundsDatetime)."""
    path = _orders_with_out_of_range_times(tmp_path, kind)
    args = ["--format", "json"] if command != "report" else ["--output", tmp_path / "report.json"]
    result = run(command, path, *args)
    assert result.exit_code == 0, result.stderr[-2000:]
    assert "before 1677-09-22 or after 2262-04-11" in result.stderr
    if command == "inspect":
        report = json.loads(result.stdout)
        assert report["rows_unusable"] == 3
        finding = next(f for f in report["quality"] if f["code"] == "unusable:out_of_range_timestamp")
        assert finding["count"] == 3


def test_an_out_of_range_start_time_is_ignored_not_the_event(tmp_path):
    path = tmp_path / "start.csv"
    path.write_text("case,activity,start,end\nc1,a,9999-12-31 00:00,2024-01-01 10:00\nc1,b,2024-01-01 11:00,2024-01-01 12:00\n")
    log = load_log(path, LoadOptions(start_timestamp="start", timestamp="end"))
    assert len(log.events) == 2
    assert log.events[schema.START].isna().tolist() == [True, False]
    assert next(w for w in log.warnings if w.code == "out_of_range_start").count == 1


# --- item 10: daylight saving and mixed offsets ------------------------------------------------------


DST_CSV = (
    "case,activity,timestamp\n"
    "c1,a,2023-10-29 01:30:00\n"
    "c1,b,2023-10-29 02:30:00\n"  # occurs twice in Europe/Amsterdam (clocks go back at 03:00)
    "c1,c,2023-10-29 03:30:00\n"
    "c2,a,2023-03-26 02:30:00\n"  # never occurs (clocks go forward at 02:00)
    "c2,b,2023-03-26 03:30:00\n"
)


@pytest.fixture
def dst_csv(tmp_path) -> Path:
    path = tmp_path / "dst.csv"
    path.write_text(DST_CSV)
    return path


@pytest.mark.parametrize(("ambiguous", "utc"), [("earliest", "2023-10-29 00:30"), ("latest", "2023-10-29 01:30")])
def test_ambiguous_local_times_are_resolved_and_counted(dst_csv, ambiguous, utc):
    """They were dropped as 'unparsable' (and above 1% the load failed with a --timestamp-format hint)."""
    log = load_log(dst_csv, LoadOptions(timezone="Europe/Amsterdam", ambiguous=ambiguous))
    assert len(log.events) == 5 and log.rows_unusable == 0
    times = dict(zip(zip(log.events[schema.CASE].astype(str), log.events[schema.ACTIVITY].astype(str)), log.events[schema.TIMESTAMP]))
    assert times[("c1", "b")] == pd.Timestamp(utc, tz="UTC")
    warnings = {w.code: w for w in log.warnings}
    assert warnings["ambiguous_timestamps"].count == 1 and warnings["ambiguous_timestamps"].examples == ("line 3: '2023-10-29 02:30:00'",)
    assert {"earliest": "the earlier", "latest": "the later"}[ambiguous] in warnings["ambiguous_timestamps"].message
    # The hour that does not exist moves forward to 03:00 local time (01:00 UTC), counted.
    assert times[("c2", "a")] == pd.Timestamp("2023-03-26 01:00", tz="UTC")
    assert warnings["nonexistent_timestamps"].count == 1


def test_ambiguous_error_stops_with_one_line(run, dst_csv):
    result = run("inspect", dst_csv, "--timezone", "Europe/Amsterdam", "--ambiguous", "error")
    _one_error_line(result, dst_csv, says=("occurs twice", "line 3: '2023-10-29 02:30:00'", "--ambiguous earliest"))


def test_ambiguous_times_in_a_naive_xes_and_its_date_attributes(tmp_path):
    text = xes_text([("c1", "a", '<date key="due" value="2023-10-29T02:15:00"/>'), ("c1", "b", "")], date="2023-10-29T0{day}:30:00")
    path = tmp_path / "naive.xes"
    path.write_text(text)
    log = load_log(path, LoadOptions(timezone="Europe/Amsterdam"))
    assert len(log.events) == 2
    assert log.events["due"].iloc[0] == pd.Timestamp("2023-10-29 00:15", tz="UTC")  # not NaT
    ambiguous = [w for w in log.warnings if w.code == "ambiguous_timestamps"]
    assert sorted(w.count for w in ambiguous) == [1, 1]  # event b at 02:30, and the due date: one warning per column
    assert any("'due'" in w.message for w in ambiguous)


def test_timezone_applies_to_the_naive_values_of_a_mixed_column(tmp_path):
    """--timezone used to be ignored when a column mixed offsets and naive times (all read as UTC)."""
    path = tmp_path / "mixed.csv"
    path.write_text("case,activity,timestamp\nc1,a,2024-06-01T10:00:00+02:00\nc1,b,2024-06-01 11:00:00\nc1,c,2024-06-01T12:00:00Z\n")
    log = load_log(path, LoadOptions(timezone="Europe/Amsterdam"))
    assert log.events[schema.TIMESTAMP].tolist() == [
        pd.Timestamp("2024-06-01 08:00", tz="UTC"),
        pd.Timestamp("2024-06-01 09:00", tz="UTC"),  # 11:00 in Amsterdam (CEST)
        pd.Timestamp("2024-06-01 12:00", tz="UTC"),
    ]
    mixed = next(w for w in log.warnings if w.code == "mixed_timezones")
    assert mixed.count == 1 and "Europe/Amsterdam" in mixed.message


def test_a_mixed_xes_date_column_follows_timezone_too(tmp_path):
    text = xes_text([("c1", "a", ""), ("c1", "b", "")], date="2024-06-0{day}T10:00:00")
    text = text.replace("2024-06-01T10:00:00", "2024-06-01T10:00:00+00:00")
    path = tmp_path / "mixed.xes"
    path.write_text(text)
    log = load_log(path, LoadOptions(timezone="Europe/Amsterdam"))
    assert log.events[schema.TIMESTAMP].tolist() == [pd.Timestamp("2024-06-01 10:00", tz="UTC"), pd.Timestamp("2024-06-02 08:00", tz="UTC")]


# --- item 11: CSV headers, huge fields, nested Parquet, empty complaint matches --------------------


def test_csv_header_names_that_still_collide_after_renaming(run, tmp_path):
    path = tmp_path / "collide.csv"
    path.write_text("case,activity,timestamp,a,a,a_2\nc1,x,2024-01-01T10:00:00Z,1,2,3\nc1,y,2024-01-02T10:00:00Z,4,5,6\n")
    result = run("inspect", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    attributes = {a["name"] for a in json.loads(result.stdout)["attributes"]}
    assert {"a", "a_2", "a_3"} <= attributes
    assert "'a' → 'a_3'" in result.stderr
    log = load_log(path)
    assert log.events[["a", "a_2", "a_3"]].iloc[0].tolist() == [1, 3, 2]  # a_2 keeps its own column


@pytest.mark.slow
def test_a_csv_field_larger_than_16_mb_loads(tmp_path):
    path = tmp_path / "big.csv"
    big = "x" * (17 * 2**20)
    path.write_text(f'case,activity,timestamp,note\nc1,a,2024-01-01T10:00:00Z,"{big}"\nc1,b,2024-01-02T10:00:00Z,short\n')
    log = load_log(path)
    assert len(log.events) == 2
    assert len(log.events["note"].iloc[0]) == len(big)


@pytest.mark.slow
def test_a_huge_field_in_a_broken_csv_still_names_the_line(run, tmp_path):
    path = tmp_path / "big-broken.csv"
    big = "x" * (2 * 2**20)
    path.write_text(f'case,activity,timestamp,note\nc1,a,2024-01-01,"{big}"\nc1,b,2024-01-02,ok,extra\n')
    _one_error_line(run("inspect", path), path, line=3, says=("5 fields",))


def test_nested_parquet_columns_are_flattened_or_left_out_with_warnings(run, tmp_path):
    table = pa.table(
        {
            "case": ["c1", "c1", "c2"],
            "activity": ["a", "b", "a"],
            "timestamp": pa.array([1, 2, 3], pa.timestamp("s", tz="UTC")),
            "address": pa.array([{"city": "Delft", "zip": 2611}, {"city": "Delft", "zip": 2611}, None]),
            "tags": pa.array([["x", "y"], [], None]),
            "scores": pa.array([[1, 2], [3], None]),
            "extra": pa.array([[("k", "v")], [], None], pa.map_(pa.string(), pa.string())),
        }
    )
    path = tmp_path / "nested.parquet"
    pq.write_table(table, path)
    result = run("inspect", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert {a["name"] for a in report["attributes"]} >= {"address.city", "address.zip", "tags", "scores"}
    assert "extra" not in {a["name"] for a in report["attributes"]}
    codes = {w["code"]: w["count"] for w in report["warnings"]}
    assert codes["nested_columns_flattened"] == 1 and codes["list_columns_as_text"] == 2 and codes["nested_columns_left_out"] == 1
    events = load_log(path).events
    assert events["scores"].tolist()[:2] == ["1; 2", "3"]
    assert run("inspect", path, "--case", "extra").exit_code == 2


def test_a_complaint_pattern_matching_nothing_gives_a_typed_empty_table():
    """The empty frame had object columns and a second-resolution time, which the friction engine's
    merge refused (MergeError, exit 3); every source now has one schema."""
    from cxmine.io import complaints

    log = load_log(DATA.parent.parent / "examples" / "orders.csv")
    empty, mask = complaints.complaints_from_events(log.events, "No such activity*")
    some, _ = complaints.complaints_from_events(log.events, "Delivered")
    by_attribute = complaints.complaints_from_attribute(log.events, "channel")
    assert len(empty) == 0 and not mask.any() and len(some) > 0
    assert dict(empty.dtypes) == dict(some.dtypes) == dict(by_attribute.dtypes) == {
        "case_id": pd.StringDtype(), "customer": pd.StringDtype(), "timestamp": pd.DatetimeTZDtype("us", "UTC"),
        "tag": pd.StringDtype(), "severity": np.dtype("float64"),
    }
    pd.merge(empty, log.events[[schema.CASE]].astype({schema.CASE: "string"}), left_on="case_id", right_on=schema.CASE)


def test_a_complaint_pattern_matching_nothing_warns_and_friction_runs(run, tmp_path):
    config = tmp_path / "cxmine.toml"
    config.write_text('[complaints]\nactivity_pattern = "No such activity*"\n')
    result = run("friction", DATA.parent.parent / "examples" / "orders.csv", "--config", config, "--format", "json")
    assert result.exit_code == 0, result.stderr[-2000:]
    assert "matches no activity" in result.stderr


# --- speed: the Parquet inspect path stays vectorised ------------------------------------------------


def test_quality_findings_do_not_box_timestamps(monkeypatch, real_log):
    """Converting the time column to Python Timestamps cost ~0.9 s of a 2 s Parquet inspect."""
    from cxmine.core.summary import quality_findings

    log = real_log("helpdesk.xes.gz")
    original = pd.Series.to_numpy

    def guarded(self, dtype=None, *args, **kwargs):
        if isinstance(self.dtype, pd.DatetimeTZDtype) and dtype is None and len(self) > 1000:
            raise AssertionError("a tz-aware time column was boxed into Python objects")
        return original(self, dtype, *args, **kwargs)

    monkeypatch.setattr(pd.Series, "to_numpy", guarded)
    findings = {f.code for f in quality_findings(log, now=pd.Timestamp("2030-01-01", tz="UTC"))}
    assert "timestamp_ties" in findings or "single_event_cases" in findings


# --- the body scanned in parts by threads (bigger files, several cores) ------------------------------


@pytest.mark.parametrize("name", ["helpdesk.xes.gz", "running-example.xes", "receipt.xes.gz"])
def test_scanning_in_parts_gives_the_same_table(monkeypatch, real_log, name):
    monkeypatch.setattr(xes, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(xes, "_usable_cores", lambda: 4)
    calls = []
    original = xes._in_threads
    monkeypatch.setattr(xes, "_in_threads", lambda jobs: calls.append(len(jobs)) or original(jobs))
    pdt.assert_frame_equal(load_log(DATA / name).events, real_log(name).events)
    assert calls and calls[0] > 1, "the body was not cut into parts"


def test_a_broken_element_in_a_later_part_is_reported_with_its_line(run, monkeypatch, tmp_path):
    monkeypatch.setattr(xes, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(xes, "_usable_cores", lambda: 4)
    text = gzip.decompress((DATA / "receipt.xes.gz").read_bytes()).decode()
    cut = text.index("<event>", 3 * len(text) // 4)
    broken = tmp_path / "broken.xes"
    broken.write_text(text[:cut] + "<event><string key='a' value='b'></event>" + text[cut:])
    line = text[:cut].count("\n") + 1
    _one_error_line(run("inspect", broken), broken, line=line, says=("malformed XES", "mismatch"))
