"""The core as plain functions: tiny hand-made frames in, plain results out (no CLI, no files)."""
from __future__ import annotations

import csv
import io
import tempfile
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxmine.core import schema
from cxmine.core.journey import case_table, position_in_case, variant_ids
from cxmine.core.normalise import normalise
from cxmine.core.summary import EARLIEST_PLAUSIBLE, quality_findings, summarise
from cxmine.errors import InputError
from cxmine.io import load_log
from cxmine.model import EventLog, LoadOptions


def make_log(rows: list[tuple], columns=("case", "activity", "timestamp"), **extra) -> EventLog:
    """A canonical EventLog from literal rows, through the same normalise step every reader uses."""
    raw = pd.DataFrame(rows, columns=list(columns))
    result = normalise(raw, LoadOptions(**extra), source="hand-made")
    return EventLog(
        events=result.events,
        source="hand-made",
        format="csv",
        columns_used=result.columns_used,
        warnings=tuple(result.warnings),
        rows_read=len(raw),
        rows_unusable=result.rows_unusable,
    )


def findings(log: EventLog, **kwargs) -> dict[str, object]:
    return {finding.code: finding for finding in quality_findings(log, **kwargs)}


# --- variants -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["receipt.xes.gz", "running-example.xes"])
def test_variant_count_equals_pm4py(real_log, name):
    pm4py = pytest.importorskip("pm4py")  # a declared dependency: skipped only if the install is broken
    events = real_log(name).events
    log = pd.DataFrame(
        {
            "case:concept:name": events[schema.CASE].astype(str),
            "concept:name": events[schema.ACTIVITY].astype(str),
            "time:timestamp": events[schema.TIMESTAMP],
        }
    )
    formatted = pm4py.format_dataframe(
        log.copy(), case_id="case:concept:name", activity_key="concept:name", timestamp_key="time:timestamp"
    )
    expected = len(pm4py.get_variants(formatted))
    assert variant_ids(events)["variant"].nunique() == expected
    assert summarise(real_log(name)).variants == expected
    assert expected == {"receipt.xes.gz": 116, "running-example.xes": 6}[name]


def test_variants_on_a_tiny_log():
    log = make_log(
        [
            ("c1", "a", "2024-01-01T00:00Z"), ("c1", "b", "2024-01-01T01:00Z"),
            ("c2", "a", "2024-01-01T00:00Z"), ("c2", "b", "2024-01-01T02:00Z"),
            ("c3", "b", "2024-01-01T00:00Z"), ("c3", "a", "2024-01-01T01:00Z"),
            ("c4", "a", "2024-01-01T00:00Z"), ("c4", "b", "2024-01-01T01:00Z"), ("c4", "b", "2024-01-01T02:00Z"),
        ]
    )
    variants = variant_ids(log.events).set_index(schema.CASE)
    assert variants.loc["c1", "variant"] == variants.loc["c2", "variant"] == 0  # most frequent first
    assert variants["variant"].nunique() == 3
    assert variants.loc["c4", "length"] == 3
    summary = summarise(log)
    assert summary.variants == 3
    assert summary.top_variants[0].activities == ("a", "b")
    assert summary.top_variants[0].cases == 2
    assert summary.top_variants[0].share == pytest.approx(0.5)
    assert [v.rank for v in summary.top_variants] == [1, 2, 3]


def test_position_in_case():
    log = make_log([("x", "a", "2024-01-01"), ("y", "a", "2024-01-01"), ("x", "b", "2024-01-02"), ("x", "c", "2024-01-03")])
    assert position_in_case(log.events).tolist() == [0, 1, 2, 0]


# --- durations ------------------------------------------------------------------------------------


def test_case_durations():
    log = make_log(
        [
            ("long", "a", "2024-01-01T00:00:00Z"),
            ("long", "b", "2024-01-01T01:00:00Z"),
            ("long", "c", "2024-01-01T03:00:00Z"),
            ("single", "a", "2024-01-02T00:00:00Z"),
            ("day", "a", "2024-01-03T00:00:00Z"),
            ("day", "b", "2024-01-04T00:00:00Z"),
        ]
    )
    table = case_table(log.events)
    assert table.loc["long", "duration_seconds"] == 3 * 3600
    assert table.loc["single", "duration_seconds"] == 0
    assert table.loc["day", "duration_seconds"] == 86400
    assert table.loc["long", "events"] == 3
    assert table.loc["long", "start_activity"] == "a"
    assert table.loc["long", "end_activity"] == "c"
    summary = summarise(log)
    assert summary.case_duration_seconds["max"] == 86400
    assert summary.case_duration_seconds["min"] == 0
    assert summary.case_duration_seconds["p50"] == 3 * 3600
    assert summary.events_per_case["max"] == 3


def test_case_duration_counts_from_the_first_start_timestamp():
    log = make_log(
        [("c", "a", "2024-01-01T08:00Z", "2024-01-01T10:00Z"), ("c", "b", "2024-01-01T11:00Z", "2024-01-01T12:00Z")],
        columns=("case", "activity", "start", "timestamp"),
    )
    assert log.has_start
    assert case_table(log.events).loc["c", "duration_seconds"] == 4 * 3600


def test_case_durations_on_running_example_match_plain_pandas(real_log):
    events = real_log("running-example.xes").events
    grouped = events.groupby(schema.CASE, observed=True)[schema.TIMESTAMP]
    expected = (grouped.max() - grouped.min()).dt.total_seconds()
    table = case_table(events)
    assert table["duration_seconds"].to_dict() == expected.to_dict()
    assert summarise(real_log("running-example.xes")).case_duration_seconds["max"] == expected.max()


# --- quality findings -----------------------------------------------------------------------------


def test_duplicate_events_are_found():
    log = make_log([("c", "a", "2024-01-01T00:00Z"), ("c", "a", "2024-01-01T00:00Z"), ("c", "b", "2024-01-01T01:00Z")])
    found = findings(log)
    assert found["duplicate_events"].count == 1
    assert found["duplicate_events"].unit == "events"
    assert found["duplicate_events"].examples[0].startswith("case c: a at 2024-01-01T00:00:00")
    # A duplicate is also a tie with the previous event of the case.
    assert found["timestamp_ties"].count == 1


def test_same_time_different_activity_is_a_tie_not_a_duplicate():
    log = make_log([("c", "a", "2024-01-01T00:00Z"), ("c", "b", "2024-01-01T00:00Z"), ("d", "b", "2024-01-01T00:00Z")])
    found = findings(log)
    assert "duplicate_events" not in found
    assert found["timestamp_ties"].count == 1  # not across cases


def test_single_event_cases_are_found():
    log = make_log([("one", "a", "2024-01-01"), ("two", "a", "2024-01-01"), ("two", "b", "2024-01-02"), ("three", "a", "2024-01-03")])
    found = findings(log)
    assert found["single_event_cases"].count == 2
    assert found["single_event_cases"].unit == "cases"
    assert set(found["single_event_cases"].examples) == {"one", "three"}


def test_future_and_pre_1990_timestamps_are_found():
    log = make_log(
        [
            ("c", "default date", "1970-01-01T00:00Z"),
            ("c", "ok", "2024-01-01T00:00Z"),
            ("c", "typo", "2204-01-01T00:00Z"),
        ]
    )
    found = findings(log, now=pd.Timestamp("2025-01-01", tz="UTC"))
    assert found["early_timestamps"].count == 1
    assert "1970-01-01" in found["early_timestamps"].examples[0]
    assert found["future_timestamps"].count == 1
    assert "2204-01-01" in found["future_timestamps"].examples[0]
    assert pd.Timestamp("1989-12-31", tz="UTC") < EARLIEST_PLAUSIBLE <= pd.Timestamp("1990-01-01", tz="UTC")
    # "Future" is measured from the time of analysis.
    later = findings(log, now=pd.Timestamp("2300-01-01", tz="UTC"))
    assert "future_timestamps" not in later


def test_a_clean_log_has_no_findings():
    log = make_log([("c", "a", "2024-01-01T00:00Z"), ("c", "b", "2024-01-01T01:00Z")])
    assert quality_findings(log, now=pd.Timestamp("2025-01-01", tz="UTC")) == ()


def test_a_row_with_several_problems_is_counted_once():
    log = make_log([("c", "a", "2024-01-01"), (None, None, None), ("", "b", None), ("c", "d", "")])
    assert log.rows_unusable == 3
    assert {w.code: w.count for w in log.warnings if w.code != "naive_timestamps"} == {"missing_case_id": 2, "bad_timestamp": 1}
    assert sum(f.count for f in quality_findings(log) if f.code.startswith("unusable:")) == 3


def test_dropped_rows_become_findings():
    log = make_log([("c", "a", "2024-01-01"), (None, "b", "2024-01-02"), ("c", "", "2024-01-03"), ("c", "d", None)])
    assert len(log.events) == 1
    assert log.rows_unusable == 3
    codes = {w.code: w.count for w in log.warnings}
    assert codes["missing_case_id"] == 1
    assert codes["missing_activity"] == 1
    assert codes["bad_timestamp"] == 1
    found = findings(log)
    assert found["unusable:missing_case_id"].unit == "rows"


def test_summary_counts_and_shares():
    log = make_log([("c1", "a", "2024-01-01"), ("c1", "b", "2024-01-02"), ("c2", "a", "2024-01-03")])
    summary = summarise(log)
    assert (summary.events, summary.cases, summary.activities, summary.variants) == (3, 2, 2, 2)
    assert [(a.name, a.count) for a in summary.activity_counts] == [("a", 2), ("b", 1)]
    assert summary.activity_counts[0].share == pytest.approx(2 / 3)
    assert [(a.name, a.count) for a in summary.start_activities] == [("a", 2)]
    assert [(a.name, a.count) for a in summary.end_activities] == [("a", 1), ("b", 1)]
    assert summary.first_timestamp == "2024-01-01T00:00:00+00:00"
    assert summary.to_dict()["schema_version"] == "1.0"


# --- every row is accounted for (property test) ---------------------------------------------------

NAMES = st.one_of(
    st.none(),
    st.just(""),
    st.just("  "),
    st.sampled_from(["a", "b", " a", "c,d", 'q"uote', "NA", "0042", "ü"]),
    st.text(alphabet="abcxyz0123 ", min_size=1, max_size=4),
)
MOMENTS = st.datetimes(
    min_value=pd.Timestamp("1995-01-01").to_pydatetime(), max_value=pd.Timestamp("2030-12-31").to_pydatetime()
).map(lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000))
# The same instant written the ways exports write it: with an offset, "Z", naive, or with a space.
STYLES = st.sampled_from(["{:%Y-%m-%dT%H:%M:%S}+00:00", "{:%Y-%m-%dT%H:%M:%S.%f}Z", "{:%Y-%m-%d %H:%M:%S}", "{:%Y-%m-%dT%H:%M:%S}+05:30"])
STAMPS = st.one_of(st.none(), st.just(""), st.builds(lambda moment, style: style.format(moment), MOMENTS, STYLES))
GARBAGE = "not a date"
ROWS = st.lists(st.tuples(NAMES, NAMES, st.one_of(STAMPS, st.just(GARBAGE))), min_size=1, max_size=30)


def _instant(text: str) -> pd.Timestamp:
    stamp = pd.Timestamp(text)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _present(value: str | None) -> bool:
    return value is not None and value.strip() != ""


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=ROWS)
def test_every_row_is_kept_or_counted_as_unusable(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["case", "activity", "timestamp"])
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    usable = [row for row in rows if _present(row[0]) and _present(row[1]) and _present(row[2])]
    garbage = any(row[2] == GARBAGE for row in rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        try:
            log = load_log(path)
        except InputError as error:
            # Refused only when nothing is usable, or for unparsable timestamps (a format problem).
            assert garbage or not usable, f"a log with usable rows was refused: {error}"
            return
    assert not garbage, "an unparsable timestamp was accepted"
    assert log.rows_read == len(rows)
    assert log.rows_read == len(log.events) + log.rows_unusable
    kept = Counter(zip(log.events[schema.CASE].astype(str), log.events[schema.ACTIVITY].astype(str), log.events[schema.TIMESTAMP]))
    assert kept == Counter((case.strip(), activity.strip(), _instant(stamp)) for case, activity, stamp in usable)
    # Every unusable row is reported in exactly one warning.
    reported = sum(w.count for w in log.warnings if w.code.startswith(("missing_", "bad_timestamp")))
    assert reported == log.rows_unusable


def test_summary_of_a_filtered_table(real_log):
    """A caller may filter the table; the categories of dropped cases stay behind."""
    full = real_log("running-example.xes")
    events = full.events[~full.events[schema.CASE].isin(["1", "2"])].reset_index(drop=True)
    assert len(events[schema.CASE].cat.categories) == 6
    summary = summarise(EventLog(events, "filtered", "xes", {}))
    assert (summary.cases, summary.variants) == (4, 4)
    by_case = {case: tuple(group[schema.ACTIVITY].astype(str)) for case, group in events.groupby(schema.CASE, observed=True)}
    assert {variant.activities for variant in summary.top_variants} == set(by_case.values())
    assert case_table(events).index.astype(str).tolist() == ["3", "4", "5", "6"]
