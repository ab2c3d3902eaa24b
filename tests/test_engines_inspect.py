"""`cxmine inspect` on the engines gives the pandas engine's summary: the whole inspect JSON — counts, variants,
distributions, start and end activities, the attribute table and every quality finding with its examples —
the same on DuckDB as on pandas for real logs converted to Parquet, a seeded planted log, a messy log (rows
dropped, markers, ties, duplicates, gaps) and a monthly dataset read through a window; on Spark for one small
log. Counts and names exactly; seconds to the millisecond the output is rounded to (test_engines._same).
Plus the CLI: the engine said on stderr, the JSON alone on stdout, and clear refusals."""
from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cxmine.api import summarise_on_engine
from cxmine.core.summary import summarise
from cxmine.io import load_log
from cxmine.io.writers import write_dataset
from cxmine.model import LoadOptions

import test_engines
from test_engines import DUCKDB, LOGS, SPARK, _same, needs_spark, planted_log

parquet = test_engines.parquet  # the shared fixture: each log converted to Parquet once, as `cxmine convert` writes it

NOW = pd.Timestamp("2026-06-01", tz="UTC")  # the time of analysis, for future timestamps, on both engines


def _on_both(path, engine=DUCKDB, options: LoadOptions | None = None) -> tuple[dict, dict]:
    """The inspect JSON of one Parquet input on pandas and on `engine`."""
    options = options or LoadOptions()
    expected = summarise(load_log(path, options), now=NOW).to_dict()
    found = summarise_on_engine(path, options, engine, now=NOW).to_dict()
    return expected, found


def _codes(summary: dict) -> set[str]:
    return {finding["code"] for finding in summary["quality"]}


@pytest.mark.parametrize("name", ["sepsis", "receipt", "road-traffic", "bpi2012"])  # bpi2012: SCHEDULE events kept and counted
def test_inspect_is_the_same_on_duckdb_and_pandas(parquet, name):
    path, _ = parquet(name, *LOGS[name])
    expected, found = _on_both(path)
    assert _same(expected, found) == []
    assert found["top_variants"] and found["attributes"] and found["quality"], "compared, not empty"
    if name == "sepsis":  # "NA" is a case id there: a marker; and tied, duplicated events with their examples
        assert {"missing_markers", "duplicate_events", "timestamp_ties"} <= _codes(found)
        assert {a["level"] for a in found["attributes"]} == {"case", "event"}
    if name == "bpi2012":
        assert "non_complete_lifecycle" in _codes(found)


def test_inspect_is_the_same_on_a_planted_log(tmp_path):
    path = tmp_path / "planted.parquet"
    planted_log().to_parquet(path)
    expected, found = _on_both(path)
    assert _same(expected, found) == []
    assert found["variants"] > 10 and "timestamp_ties" in _codes(found)
    assert {a["name"]: a["level"] for a in found["attributes"]}["segment"] == "case"  # one value per case, not named case:


def messy_log(seed: int = 3, rows: int = 400) -> pa.Table:
    """A seeded log with what the pandas reader cleans and what inspect reports: blank and padded ids and
    names, rows without a case, activity or time, markers ("NA", "NULL", "N/A", " ? "), times before 1990 and
    after the time of analysis, start times, a lifecycle column of completions, NaN and gaps, integers with
    gaps and no pandas metadata (floats in pandas), booleans, naive times, dates, durations, high-cardinality
    text, case-level attributes with and without `case:`, an empty column and a name that differs from a
    role's only in case."""
    rng = np.random.default_rng(seed)
    case = [f"c{int(i):03d}" for i in rng.integers(0, 90, rows)]
    case[:4] = [" c001 ", None, "NA", "  "]
    activity = rng.choice(["Open", " Work", "Close", "NULL", "Review "], rows).tolist()
    activity[4:6] = [None, ""]
    stamps = [pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(hours=int(h)) for h in rng.integers(0, 50, rows)]
    stamps[6:9] = [None, pd.Timestamp("1970-01-01", tz="UTC"), pd.Timestamp("2027-03-01", tz="UTC")]
    starts = [t - pd.Timedelta(hours=2) if t is not None and i % 3 == 0 else None for i, t in enumerate(stamps)]

    def times(values, unit="us", tz="UTC"):
        return pa.array([None if t is None else t.to_pydatetime() for t in values], pa.timestamp(unit, tz=tz))

    return pa.table({
        "case_id": pa.array(case, pa.string()), "activity": pa.array(activity, pa.string()), "timestamp": times(stamps),
        "start_timestamp": times(starts), "resource": pa.array(rng.choice(["ann", "bob", " ann", "N/A", None], rows).tolist(), pa.string()),
        "lifecycle:transition": pa.array(rng.choice(["complete", "COMPLETE", " complete"], rows).tolist(), pa.string()),
        "amount": pa.array([float("nan") if i % 7 == 0 else (None if i % 5 == 0 else float(i % 13)) for i in range(rows)], pa.float64()),
        "count_gaps": pa.array([None if i % 11 == 0 else i % 4 for i in range(rows)], pa.int64()),
        "count_full": pa.array([i % 4 for i in range(rows)], pa.int32()),
        "flag": pa.array([None if i % 9 == 0 else bool(i % 2) for i in range(rows)], pa.bool_()),
        "when": pa.array([dt.datetime(2026, 1, 1 + i % 20) for i in range(rows)], pa.timestamp("ns")),
        "day": pa.array([dt.date(2026, 1, 1 + i % 5) for i in range(rows)], pa.date32()),
        "wait": pa.array([dt.timedelta(minutes=i % 7) for i in range(rows)], pa.duration("us")),
        "note": pa.array([f"note {i}" if i % 2 else (" ? " if i % 4 == 1 else "-") for i in range(rows)], pa.string()),
        "segment": pa.array(["gold" if (c or "").endswith(("1", "3", "5")) else "silver" for c in case], pa.string()),
        "case:region": pa.array(["north" if i % 2 else None for i in range(rows)], pa.string()),
        "Activity": pa.array(["x"] * rows, pa.string()), "empty": pa.array([None] * rows, pa.string()),
    })  # fmt: skip


@pytest.mark.parametrize("options", [LoadOptions(), LoadOptions(since="2026-01-02", until="2026-01-03")], ids=["whole", "window"])
def test_inspect_is_the_same_on_a_messy_log(tmp_path, options):
    """Rows dropped (then the attributes are read through the join on the file position), the unusable-row
    findings with their example rows, markers in ids, names, resources and text, and each column typed as the
    pandas reader types it."""
    path = tmp_path / "messy.parquet"
    pq.write_table(messy_log(), path)  # no pandas metadata: integers with gaps are floats in pandas
    expected, found = _on_both(path, options=options)
    assert _same(expected, found) == []
    assert {"unusable:missing_case_id", "unusable:missing_activity", "missing_markers", "single_event_cases"} <= _codes(found)
    if options.since is None:
        assert {"unusable:bad_timestamp", "future_timestamps", "early_timestamps"} <= _codes(found)
    types = {a["name"]: a["type"] for a in found["attributes"]}
    assert (types["count_gaps"], types["count_full"], types["wait"], types["day"], types["Activity"]) == ("float", "integer", "string", "category", "category")


def test_inspect_is_the_same_on_a_monthly_dataset_with_a_window(parquet, tmp_path):
    """A `convert --partition month` dataset, whole and through --since/--until (the months outside are not
    read, and the attributes are still joined to the right events)."""
    path, _ = parquet("orders", *LOGS["orders"])
    dataset = tmp_path / "by-month"
    write_dataset(load_log(path), dataset)
    for options in (LoadOptions(), LoadOptions(since="2026-03-01", until="2026-04-01")):
        expected, found = _on_both(dataset, options=options)
        assert _same(expected, found) == []
    assert found["rows_read"] < len(load_log(path).events) and found["attributes"]


@needs_spark
def test_inspect_is_the_same_on_spark(parquet):
    path, _ = parquet("sepsis", *LOGS["sepsis"])
    expected, found = _on_both(path, SPARK)
    assert _same(expected, found) == []


def test_the_cli_inspects_on_duckdb_and_says_so(parquet, run, tmp_path):
    """`cxmine convert`, then `cxmine inspect --engine duckdb`: the engine on stderr, the JSON alone on stdout,
    equal to the pandas engine's."""
    converted = tmp_path / "sepsis.parquet"
    assert run("convert", LOGS["sepsis"][0], converted).exit_code == 0
    outcome = run("inspect", converted, "--engine", "duckdb", "--memory-limit", "1GB", "--threads", "2", "--format", "json")
    assert outcome.exit_code == 0, outcome.stderr
    assert "engine: duckdb (as asked)" in outcome.stderr
    pandas = run("inspect", converted, "--engine", "pandas", "--format", "json")
    assert pandas.exit_code == 0 and "engine: pandas (as asked)" in pandas.stderr
    found, expected = json.loads(outcome.stdout), json.loads(pandas.stdout)
    assert found["kind"] == "inspect" and found["events"] == 15_214
    assert _same(expected, found) == []
    table = run("inspect", converted, "--engine", "duckdb")
    assert table.exit_code == 0 and "Data quality" in table.stdout
    auto = run("inspect", converted, "--format", "json")
    assert auto.exit_code == 0 and auto.stderr == ""  # auto stays on pandas: inspect's first look is quiet
    dataset = tmp_path / "by-month"
    assert run("convert", converted, dataset, "--partition", "month").exit_code == 0
    chosen = run("inspect", dataset, "--format", "json")
    assert chosen.exit_code == 0 and "engine: duckdb (auto: a Parquet dataset)" in chosen.stderr
    assert json.loads(chosen.stdout)["events"] == 15_214


def test_what_inspect_on_duckdb_refuses_is_one_clear_line(run, tmp_path):
    csv = LOGS["orders"][0]
    refused = run("inspect", csv, "--engine", "duckdb")
    assert refused.exit_code == 2 and "the duckdb engine cannot run this: it reads Parquet" in refused.stderr and "--engine pandas" in refused.stderr
    assert "Traceback" not in refused.stderr and refused.stdout == ""
    flags = run("inspect", csv, "--engine", "pandas", "--memory-limit", "1GB")
    assert flags.exit_code == 2 and "--memory-limit is a setting of the duckdb engine, and the engine is pandas" in flags.stderr
    nested = tmp_path / "nested.parquet"
    pq.write_table(pa.table({
        "case_id": ["a", "a"], "activity": ["x", "y"], "timestamp": pa.array([dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 2)], pa.timestamp("us", tz="UTC")),
        "address": [{"city": "Ghent"}, {"city": "Lyon"}],
    }), nested)  # fmt: skip
    explicit = run("inspect", nested, "--engine", "duckdb")
    assert explicit.exit_code == 2 and "it does not read nested columns (address) yet" in explicit.stderr
    auto = run("inspect", nested, "--format", "json")  # auto: pandas flattens them
    assert auto.exit_code == 0 and [a["name"] for a in json.loads(auto.stdout)["attributes"]] == ["address.city"]
