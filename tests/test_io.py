"""Loading real logs (tests/data) and small hand-made files into the canonical event table."""
from __future__ import annotations

import gzip
import textwrap

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from cxmine.core import schema
from cxmine.io import load_log
from cxmine.model import LoadOptions

from conftest import DATA, REAL_LOGS

def _rustxes_missing(path):
    raise ImportError("pretend rustxes is not installed")


ROLE_COLUMNS = [schema.CASE, schema.ACTIVITY, schema.TIMESTAMP, schema.RESOURCE, schema.LIFECYCLE]


# --- real logs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(REAL_LOGS))
def test_real_log_counts(real_log, name):
    events, cases, activities = REAL_LOGS[name]
    log = real_log(name)
    assert len(log.events) == events
    assert log.events[schema.CASE].nunique() == cases
    assert log.events[schema.ACTIVITY].nunique() == activities
    assert log.rows_read == events
    assert log.rows_unusable == 0
    assert log.format == ("xes" if ".xes" in name else "csv")


@pytest.mark.parametrize("name", sorted(REAL_LOGS))
def test_real_log_timestamps_are_utc_and_sorted(real_log, name):
    events = real_log(name).events
    assert list(events.columns[:3]) == [schema.CASE, schema.ACTIVITY, schema.TIMESTAMP]
    stamps = events[schema.TIMESTAMP]
    assert isinstance(stamps.dtype, pd.DatetimeTZDtype)
    assert str(stamps.dt.tz) == "UTC"
    assert stamps.notna().all()
    # Sorted by case (lexical), then time.
    cases = events[schema.CASE].astype(str).to_numpy()
    assert (cases[1:] >= cases[:-1]).all()
    same_case = cases[1:] == cases[:-1]
    times = stamps.to_numpy()
    assert (times[1:][same_case] >= times[:-1][same_case]).all()


def test_running_example_offsets_are_converted_to_utc(real_log):
    events = real_log("running-example.xes").events
    # Case 3 starts with "register request" at 2010-12-30T14:32:00.000+01:00.
    first = events[events[schema.CASE] == "3"].iloc[0]
    assert first[schema.ACTIVITY] == "register request"
    assert first[schema.TIMESTAMP] == pd.Timestamp("2010-12-30 13:32:00", tz="UTC")


def test_ties_keep_file_order_on_sepsis(real_log):
    """Sepsis has thousands of same-time events in a case: the table must keep them in file order.
    The reference is built with pandas' own CSV reader and an explicit stable sort."""
    raw = pd.read_csv(DATA / "sepsis_cases.csv.gz", sep=";", dtype=str, keep_default_na=False)
    when = pd.to_datetime(raw["Complete Timestamp"], format="%Y/%m/%d %H:%M:%S.%f")
    order = np.lexsort((np.arange(len(raw)), when.to_numpy(), raw["Case ID"].to_numpy()))
    expected = raw.iloc[order]
    events = real_log("sepsis_cases.csv.gz").events
    ties = (events[schema.CASE].to_numpy()[1:] == events[schema.CASE].to_numpy()[:-1]) & (
        events[schema.TIMESTAMP].to_numpy()[1:] == events[schema.TIMESTAMP].to_numpy()[:-1]
    )
    assert ties.sum() > 1000  # the property below is tested on many ties, not by luck
    assert events[schema.CASE].astype(str).tolist() == expected["Case ID"].tolist()
    assert events[schema.ACTIVITY].astype(str).tolist() == expected["Activity"].tolist()
    assert events["org:group"].astype(str).tolist() == expected["org:group"].tolist()


def test_ties_keep_file_order_on_a_small_file(tmp_path):
    path = tmp_path / "ties.csv"
    path.write_text(
        "case,activity,timestamp\n"
        "b,late,2024-01-01T10:00:00Z\n"
        "a,second,2024-01-01T09:00:00Z\n"
        "a,first,2024-01-01T08:00:00Z\n"
        "a,tie-1,2024-01-01T09:00:00Z\n"
        "a,tie-2,2024-01-01T09:00:00Z\n"
    )
    events = load_log(path).events
    assert events[schema.CASE].astype(str).tolist() == ["a", "a", "a", "a", "b"]
    assert events[schema.ACTIVITY].astype(str).tolist() == ["first", "second", "tie-1", "tie-2", "late"]


def test_receipt_xes_and_csv_give_the_same_table(real_log):
    xes = real_log("receipt.xes.gz").events
    csv = real_log("receipt.csv.gz").events
    for column in ROLE_COLUMNS:
        pdt.assert_series_equal(xes[column], csv[column], check_names=True)
    assert list(xes.columns) == list(csv.columns)
    # Text attributes agree value for value, except where the XES header declares a <global> default
    # ("UNKNOWN") that fills a trace attribute pm4py's CSV export left empty.
    for column in ("concept:instance", "org:group", "case:channel", "case:department", "case:group", "case:responsible"):
        from_csv = csv[column].astype(object)
        from_xes = xes[column].astype(object)
        filled = from_csv.isna()
        assert from_xes[~filled].tolist() == from_csv[~filled].tolist(), column
        assert set(from_xes[filled]) <= {"UNKNOWN"}, column


def test_running_example_csv_matches_xes(real_log):
    xes = real_log("running-example.xes").events
    csv = real_log("running-example.csv").events
    for column in (schema.CASE, schema.ACTIVITY, schema.TIMESTAMP, schema.RESOURCE):
        pdt.assert_series_equal(xes[column], csv[column])
    # The CSV adds only its unnamed pandas index column.
    assert set(csv.columns) - set(xes.columns) == {"column_1"}
    assert set(xes.columns) <= set(csv.columns)
    assert xes["case:creator"].astype(str).tolist() == csv["case:creator"].astype(str).tolist()
    # The unnamed index is the row number in the file: within a case and time it keeps increasing.
    assert csv.sort_values([schema.CASE, schema.TIMESTAMP, "column_1"], kind="stable").index.tolist() == list(range(42))


def test_xes_trace_attributes_become_case_columns(real_log):
    receipt = real_log("receipt.xes.gz")
    case_columns = {c for c in receipt.events.columns if c.startswith("case:")}
    assert case_columns == {
        "case:channel", "case:deadline", "case:department", "case:enddate", "case:enddate_planned",
        "case:group", "case:responsible", "case:startdate",
    }
    # A trace attribute is constant within its case.
    per_case = receipt.events.groupby(schema.CASE, observed=True)["case:channel"].nunique(dropna=False)
    assert (per_case == 1).all()
    assert "case:creator" in real_log("running-example.xes").events.columns
    # XES date attributes are typed; the case id is not repeated as an attribute.
    assert isinstance(receipt.events["case:deadline"].dtype, pd.DatetimeTZDtype)
    assert "case:concept:name" not in receipt.events.columns


def test_only_mapped_timestamps_become_datetimes_in_csv(real_log):
    events = real_log("receipt.csv.gz").events
    assert isinstance(events[schema.TIMESTAMP].dtype, pd.DatetimeTZDtype)
    for column in ("case:deadline", "case:startdate", "case:enddate"):
        assert not pd.api.types.is_datetime64_any_dtype(events[column].dtype), column
    first = events.loc[events[schema.CASE] == "case-10011", "case:deadline"].iloc[0]
    assert isinstance(first, str) and first.startswith("20")


def test_csv_numbers_only_where_plain(tmp_path):
    path = tmp_path / "zip.csv"
    path.write_text("case,activity,timestamp,zip,amount,month\n1,a,2024-01-01,01234,10,2023-05\n1,b,2024-01-02,20000,2.5,2023-06\n")
    events = load_log(path).events
    assert events["zip"].astype(str).tolist() == ["01234", "20000"]  # leading zero: stays text
    assert pd.api.types.is_float_dtype(events["amount"].dtype)
    assert events["amount"].tolist() == [10.0, 2.5]
    assert events["month"].astype(str).tolist() == ["2023-05", "2023-06"]  # never a date behind the user's back


def test_semicolon_csv_with_na_case_id(real_log):
    events = real_log("sepsis_cases.csv.gz").events
    # "NA" is a real case id in Sepsis, not a missing value.
    assert "NA" in set(events[schema.CASE].astype(str))


# --- timestamps -----------------------------------------------------------------------------------


def test_timestamp_format_day_first(tmp_path):
    path = tmp_path / "dayfirst.csv"
    path.write_text("Ticket,Step,Closed at\nT1,open,1/3/2016 13:05\nT1,close,29/2/2016 01:23\nT2,open,3/3/2016 09:00\n")
    options = LoadOptions(case="Ticket", activity="Step", timestamp="Closed at", timestamp_format="%d/%m/%Y %H:%M")
    events = load_log(path, options).events
    assert events[schema.TIMESTAMP].tolist() == [
        pd.Timestamp("2016-02-29 01:23", tz="UTC"),
        pd.Timestamp("2016-03-01 13:05", tz="UTC"),
        pd.Timestamp("2016-03-03 09:00", tz="UTC"),
    ]
    assert events[schema.ACTIVITY].astype(str).tolist() == ["close", "open", "open"]


def test_naive_timestamps_warn_and_timezone_shifts_them(tmp_path):
    path = tmp_path / "naive.csv"
    path.write_text("case,activity,timestamp\nc,winter,2016-01-15 12:00:00\nc,summer,2016-07-15 12:00:00\n")
    as_utc = load_log(path)
    codes = [w.code for w in as_utc.warnings]
    assert codes == ["naive_timestamps"]
    assert as_utc.warnings[0].count == 2
    assert as_utc.events[schema.TIMESTAMP].tolist() == [
        pd.Timestamp("2016-01-15 12:00", tz="UTC"),
        pd.Timestamp("2016-07-15 12:00", tz="UTC"),
    ]
    amsterdam = load_log(path, LoadOptions(timezone="Europe/Amsterdam"))
    assert "naive_timestamps" not in [w.code for w in amsterdam.warnings]
    shift = (as_utc.events[schema.TIMESTAMP] - amsterdam.events[schema.TIMESTAMP]).tolist()
    assert shift == [pd.Timedelta(hours=1), pd.Timedelta(hours=2)]  # CET in winter, CEST in summer


def test_naive_sepsis_shifts_by_amsterdam_offset(real_log):
    utc = real_log("sepsis_cases.csv.gz")
    assert [w.code for w in utc.warnings] == ["naive_timestamps"]
    assert utc.warnings[0].count == 15_214
    local = load_log(DATA / "sepsis_cases.csv.gz", LoadOptions(timezone="Europe/Amsterdam"))
    expected = (
        utc.events[schema.TIMESTAMP].dt.tz_localize(None).dt.tz_localize("Europe/Amsterdam").dt.tz_convert("UTC")
    )
    assert len(local.events) == len(utc.events)
    pdt.assert_series_equal(local.events[schema.TIMESTAMP], expected.astype(local.events[schema.TIMESTAMP].dtype))
    shift = utc.events[schema.TIMESTAMP] - local.events[schema.TIMESTAMP]
    assert set(shift.unique()) == {pd.Timedelta(hours=1), pd.Timedelta(hours=2)}


def test_explicit_offsets_are_not_shifted_by_timezone(tmp_path):
    path = tmp_path / "offset.csv"
    path.write_text("case,activity,timestamp\nc,a,2016-07-15T12:00:00+02:00\n")
    log = load_log(path, LoadOptions(timezone="America/New_York"))
    assert log.events[schema.TIMESTAMP].tolist() == [pd.Timestamp("2016-07-15 10:00", tz="UTC")]
    assert log.warnings == ()


# --- lifecycle ------------------------------------------------------------------------------------

LIFECYCLE_XES = textwrap.dedent(
    """\
    <?xml version="1.0" encoding="UTF-8"?>
    <log xes.version="1.0" xmlns="http://www.xes-standard.org/">
    <trace><string key="concept:name" value="c1"/>
      <event><string key="concept:name" value="A"/><string key="lifecycle:transition" value="schedule"/><date key="time:timestamp" value="2020-01-01T08:00:00+00:00"/></event>
      <event><string key="concept:name" value="A"/><string key="lifecycle:transition" value="start"/><date key="time:timestamp" value="2020-01-01T09:00:00+00:00"/><string key="org:resource" value="ann"/></event>
      <event><string key="concept:name" value="A"/><string key="lifecycle:transition" value="complete"/><date key="time:timestamp" value="2020-01-01T10:00:00+00:00"/><string key="org:resource" value="ann"/></event>
      <event><string key="concept:name" value="B"/><string key="lifecycle:transition" value="start"/><date key="time:timestamp" value="2020-01-01T11:00:00+00:00"/></event>
    </trace>
    <trace><string key="concept:name" value="c2"/>
      <event><string key="concept:name" value="A"/><string key="lifecycle:transition" value="start"/><date key="time:timestamp" value="2020-01-02T09:30:00+01:00"/></event>
      <event><string key="concept:name" value="C"/><string key="lifecycle:transition" value="complete"/><date key="time:timestamp" value="2020-01-02T09:45:00+01:00"/></event>
      <event><string key="concept:name" value="A"/><string key="lifecycle:transition" value="complete"/><date key="time:timestamp" value="2020-01-02T10:00:00+01:00"/></event>
    </trace>
    </log>
    """
)


@pytest.fixture
def lifecycle_xes(tmp_path):
    path = tmp_path / "lifecycle.xes"
    path.write_text(LIFECYCLE_XES)
    return path


def test_lifecycle_start_and_complete_become_one_instance(lifecycle_xes):
    log = load_log(lifecycle_xes)
    events = log.events
    assert log.rows_read == 7
    assert events[schema.CASE].astype(str).tolist() == ["c1", "c1", "c2", "c2"]
    assert events[schema.ACTIVITY].astype(str).tolist() == ["A", "A", "C", "A"]
    assert events[schema.LIFECYCLE].astype(str).tolist() == ["schedule", "complete", "complete", "complete"]
    paired = events.iloc[1]
    assert paired[schema.START] == pd.Timestamp("2020-01-01 09:00", tz="UTC")
    assert paired[schema.TIMESTAMP] == pd.Timestamp("2020-01-01 10:00", tz="UTC")
    assert paired[schema.RESOURCE] == "ann"
    # Interleaved: A starts before C completes and completes after it.
    assert events.iloc[3][schema.START] == pd.Timestamp("2020-01-02 08:30", tz="UTC")
    assert pd.isna(events.iloc[0][schema.START])  # schedule is kept, but it has no start
    assert pd.isna(events.iloc[2][schema.START])
    assert log.has_start
    assert "start" not in list(events[schema.LIFECYCLE].cat.categories)


def test_unmatched_start_is_counted_in_a_warning(lifecycle_xes):
    warnings = {w.code: w for w in load_log(lifecycle_xes).warnings}
    assert set(warnings) == {"unmatched_start"}
    assert warnings["unmatched_start"].count == 1
    assert warnings["unmatched_start"].examples == ("case c1: B started at 2020-01-01T11:00:00+00:00",)


def test_lifecycle_in_activity_appends_other_transitions(lifecycle_xes):
    events = load_log(lifecycle_xes, LoadOptions(lifecycle_in_activity=True)).events
    assert events[schema.ACTIVITY].astype(str).tolist() == ["A (schedule)", "A", "C", "A"]


# --- writing and reading back ---------------------------------------------------------------------


def test_parquet_from_convert_reads_back_identical(run, tmp_path, real_log):
    out = tmp_path / "receipt.parquet"
    result = run("convert", DATA / "receipt.csv.gz", out)
    assert result.exit_code == 0, result.stderr
    again = load_log(out)
    assert again.format == "parquet"
    assert again.warnings == ()
    pdt.assert_frame_equal(again.events, real_log("receipt.csv.gz").events)


def test_parquet_keeps_lifecycle_instances(tmp_path, lifecycle_xes):
    from cxmine.io.writers import write

    original = load_log(lifecycle_xes)
    out = tmp_path / "lifecycle.parquet"
    write(original, out, "parquet")
    again = load_log(out)
    pdt.assert_frame_equal(again.events, original.events)
    assert again.columns_used[schema.START] == schema.START


def test_parquet_reads_a_subset_of_columns(run, tmp_path, real_log):
    out = tmp_path / "sepsis.parquet"
    assert run("convert", DATA / "sepsis_cases.csv.gz", out).exit_code == 0
    subset = load_log(out, attributes=["Age", "org:group"])
    assert list(subset.events.columns) == [schema.CASE, schema.ACTIVITY, schema.TIMESTAMP, schema.LIFECYCLE, "Age", "org:group"]
    full = real_log("sepsis_cases.csv.gz").events
    pdt.assert_frame_equal(subset.events, full[list(subset.events.columns)])


def test_csv_reads_a_subset_of_columns(real_log):
    subset = load_log(DATA / "receipt.csv.gz", attributes=["org:group"])
    assert list(subset.events.columns) == [schema.CASE, schema.ACTIVITY, schema.TIMESTAMP, schema.RESOURCE, schema.LIFECYCLE, "org:group"]
    full = real_log("receipt.csv.gz").events
    pdt.assert_frame_equal(subset.events, full[list(subset.events.columns)])


@pytest.mark.parametrize(("source", "suffix"), [("running-example.xes", ".xes"), ("receipt.xes.gz", ".xes.gz")])
def test_xes_from_convert_reads_back_identical(run, tmp_path, real_log, source, suffix):
    out = tmp_path / f"again{suffix}"
    result = run("convert", DATA / source, out)
    assert result.exit_code == 0, result.stderr
    if suffix.endswith(".gz"):
        assert gzip.decompress(out.read_bytes()).startswith(b"<?xml")
    pdt.assert_frame_equal(load_log(out).events, real_log(source).events)


def test_xes_from_convert_keeps_start_and_complete(run, tmp_path, lifecycle_xes):
    out = tmp_path / "again.xes"
    assert run("convert", lifecycle_xes, out).exit_code == 0
    text = out.read_text()
    assert text.count('value="start"') == 2  # the two paired instances; the unmatched start is gone
    assert text.count('value="complete"') == 3
    again = load_log(out)
    pdt.assert_frame_equal(again.events, load_log(lifecycle_xes).events)


@pytest.mark.parametrize(("source", "suffix"), [("receipt.csv.gz", ".csv"), ("sepsis_cases.csv.gz", ".csv.gz")])
def test_csv_from_convert_reads_back_identical(run, tmp_path, real_log, source, suffix):
    out = tmp_path / f"again{suffix}"
    result = run("convert", DATA / source, out)
    assert result.exit_code == 0, result.stderr
    again = load_log(out)
    assert "naive_timestamps" not in [w.code for w in again.warnings]  # written with the UTC offset
    pdt.assert_frame_equal(again.events, real_log(source).events)


def test_xes_integer_attribute_with_gaps_stays_integer(tmp_path):
    path = tmp_path / "types.xes"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n'
        '<trace><string key="concept:name" value="c1"/>\n'
        '<event><string key="concept:name" value="A"/><date key="time:timestamp" value="2020-01-01T08:00:00+01:00"/>'
        '<int key="n" value="5"/><float key="x" value="1.5"/><boolean key="ok" value="true"/></event>\n'
        '<event><string key="concept:name" value="B"/><date key="time:timestamp" value="2020-01-01T09:00:00+01:00"/></event>\n'
        "</trace>\n</log>\n"
    )
    events = load_log(path).events
    assert str(events["n"].dtype) == "Int64"
    assert events["n"].tolist()[0] == 5 and pd.isna(events["n"].tolist()[1])
    assert pd.api.types.is_float_dtype(events["x"].dtype)
    assert pd.api.types.is_bool_dtype(events["ok"].dtype)


def test_the_lxml_fallback_reads_the_same_table(monkeypatch, real_log):
    """The strict reader (used when rustxes fails) must agree with the fast one."""
    from cxmine.io import xes

    monkeypatch.setattr(xes, "_read_rustxes", _rustxes_missing)
    pdt.assert_frame_equal(load_log(DATA / "receipt.xes.gz").events, real_log("receipt.xes.gz").events)


def test_quoted_line_breaks_in_a_large_csv(tmp_path):
    """Free-text columns hold line breaks; the file is larger than pyarrow's parse block (1 MB)."""
    rows = [f'c{i // 4},step {i % 4},2024-01-01T{i % 24:02d}:00:00Z,"first line\nsecond line, with comma"' for i in range(60_000)]
    rows[5] = '  ,step 1,2024-01-01T05:00:00Z,"no case\non this row"'
    path = tmp_path / "notes.csv"
    path.write_text("case,activity,timestamp,note\n" + "\n".join(rows) + "\n")
    assert path.stat().st_size > 2**20
    log = load_log(path)
    assert len(log.events) == 59_999
    assert log.events["note"].iloc[0] == "first line\nsecond line, with comma"
    missing = next(w for w in log.warnings if w.code == "missing_case_id")
    # With multi-line values a row is no longer a line: the example names the data row instead.
    assert missing.examples == ("row 6",)


def test_xes_keeps_microseconds(tmp_path):
    from cxmine.io.writers import write

    path = tmp_path / "fine.csv"
    path.write_text("case,activity,timestamp\nc,a,2024-01-01T10:00:00.123456Z\nc,b,2024-01-01T10:00:01Z\n")
    original = load_log(path)
    out = tmp_path / "fine.xes"
    write(original, out, "xes")
    assert 'value="2024-01-01T10:00:00.123456+00:00"' in out.read_text()
    pdt.assert_frame_equal(load_log(out).events, original.events)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("gzipped-but-named.xes", lambda: gzip.compress((DATA / "running-example.xes").read_bytes())),
        ("gzipped-but-named.csv", lambda: gzip.compress((DATA / "running-example.csv").read_bytes())),
        ("unpacked-but-named.xes.gz", lambda: (DATA / "running-example.xes").read_bytes()),
        ("unpacked-but-named.csv.gz", lambda: (DATA / "running-example.csv").read_bytes()),
    ],
)
def test_compression_is_judged_by_content_not_name(tmp_path, real_log, name, content):
    """Browsers unpack downloads but keep the .gz name; people rename files."""
    path = tmp_path / name
    path.write_bytes(content())
    source = "running-example.xes" if ".xes" in name else "running-example.csv"
    pdt.assert_frame_equal(load_log(path).events, real_log(source).events)


@pytest.mark.parametrize("parser", ["rustxes", "lxml"])
def test_xes_dates_without_offset_follow_timezone(tmp_path, monkeypatch, parser):
    """Some exports write XES dates with no offset: treated like naive CSV times (warning, --timezone)."""
    if parser == "lxml":
        from cxmine.io import xes

        monkeypatch.setattr(xes, "_read_rustxes", _rustxes_missing)
    text = LIFECYCLE_XES.replace("+00:00", "").replace("+01:00", "")
    text = text.replace('<trace><string key="concept:name" value="c1"/>', '<trace><string key="concept:name" value="c1"/><date key="due" value="2020-07-01T12:00:00"/>')
    path = tmp_path / "naive.xes"
    path.write_text(text)
    as_utc = load_log(path)
    assert "naive_timestamps" in [w.code for w in as_utc.warnings]
    assert as_utc.events[schema.TIMESTAMP].iloc[1] == pd.Timestamp("2020-01-01 10:00", tz="UTC")
    local = load_log(path, LoadOptions(timezone="Europe/Amsterdam"))
    assert "naive_timestamps" not in [w.code for w in local.warnings]
    assert local.events[schema.TIMESTAMP].iloc[1] == pd.Timestamp("2020-01-01 09:00", tz="UTC")
    assert local.events[schema.START].iloc[1] == pd.Timestamp("2020-01-01 08:00", tz="UTC")
    # Date attributes follow the same rule and end up tz-aware UTC, like every other time.
    assert local.events["case:due"].iloc[0] == pd.Timestamp("2020-07-01 10:00", tz="UTC")
    assert str(local.events["case:due"].dtype) == "datetime64[us, UTC]"


def test_ambiguous_day_first_dates_warn_without_timestamp_format(tmp_path):
    path = tmp_path / "ambiguous.csv"
    path.write_text("case,activity,timestamp\nc,a,1/3/2016 13:05\nc,b,29/2/2016 01:23\nc,c,3/3/2016 09:00\n")
    log = load_log(path)
    warning = next(w for w in log.warnings if w.code == "mixed_timestamp_formats")
    assert warning.count == 1
    assert warning.examples == ("line 3: '29/2/2016 01:23'",)
    assert "--timestamp-format" in warning.message
    # With the format given, nothing is guessed.
    options = LoadOptions(timestamp_format="%d/%m/%Y %H:%M")
    assert "mixed_timestamp_formats" not in [w.code for w in load_log(path, options).warnings]
