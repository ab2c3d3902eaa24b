"""`cxmine report` on DuckDB and Spark gives the pandas engine's report: the period's points with their
example cases, the headline (cases, events, open cases, lead times of ended cases, promises), the weekly
trend (a second engine run over the trend weeks when they hold other cases), the wait distributions and
the data-quality findings — the same JSON, on real logs converted to Parquet and with a baseline period."""
from __future__ import annotations

import json

import pytest

from cxmine.api import build_report, build_report_on_engine
from cxmine.config import load_config
from cxmine.inputs import load_inputs
from cxmine.model import LoadOptions
from cxmine.report import parse_period

import test_engines
from test_engines import DUCKDB, LOGS, SPARK, _same, needs_spark, on_a_sepsis_dataset

parquet = test_engines.parquet  # the shared fixture: each log converted to Parquet once


def _report_on_both(path, config, engine, period=None) -> tuple[dict, dict]:
    chosen = parse_period(period) if period else None
    expected = build_report(load_inputs(path, config=config), period=chosen).to_dict()
    found = build_report_on_engine(path, LoadOptions(), config, engine, period=chosen).to_dict()
    return expected, found


@pytest.mark.parametrize(("name", "period"), [("orders", None), ("orders", "2026-W10"), ("sepsis", None), ("receipt", "2011-01"), ("bpi2012", None)])
def test_the_report_is_the_same_on_duckdb_and_pandas(parquet, name, period):
    path, config_path = parquet(name, *LOGS[name])
    expected, found = _report_on_both(path, load_config(config_path), DUCKDB, period)
    assert found["friction"]["friction_points"] and found["trend"]["series"] and found["wait_distributions"]
    assert all(p["example_cases"] for p in found["friction"]["friction_points"])
    assert found["headline"]["lead_time_p50_seconds"] is not None
    if period is None and name != "orders":  # the trend weeks are the log's last twelve: fewer cases than the report's, computed again
        assert sum(found["trend"]["cases"]) < found["headline"]["cases"]
    if name == "bpi2012":
        assert found["headline"]["promises"][0]["cases"] > 0 and found["quality"]
    assert _same(expected, found) == []


def test_report_cli_on_duckdb_matches_pandas_byte_for_byte(parquet, run, tmp_path):
    """A month compared with the month before, as Markdown, JSON and HTML — its process map computed on
    DuckDB (engines.maps) — the same files byte for byte."""
    path, config_path = parquet("receipt", *LOGS["receipt"])
    written = {}
    for engine in ("pandas", "duckdb"):
        outputs = [tmp_path / f"{engine}.{ext}" for ext in ("md", "json", "html")]
        args = ["report", path, "--config", config_path, "--engine", engine, "--period", "2011-02", "--compare", "previous"]
        outcome = run(*args, *[x for o in outputs for x in ("-o", o)])
        assert outcome.exit_code == 0, outcome.stderr
        assert f"engine: {engine} (as asked)" in outcome.stderr and "Report 2011-02:" in outcome.stderr
        written[engine] = [o.read_text(encoding="utf-8") for o in outputs]
    assert written["pandas"] == written["duckdb"]
    assert json.loads(written["duckdb"][1])["comparison"]["baseline"] == "2011-01"
    assert "<svg" in written["duckdb"][2] and "Process map unavailable" not in written["duckdb"][2]


def test_the_process_map_is_the_same_on_duckdb(parquet):
    """The report's map and the sliders' automatic bounds (more activities or transitions than drawn)."""
    from cxmine.config import with_cli_overrides
    from cxmine.core import maps
    from cxmine.engines.maps import directly_follows
    from cxmine.engines.source import open_source

    path, config_path = parquet("bpi2012", *LOGS["bpi2012"])
    config = load_config(config_path)
    events = load_inputs(path, config=config).log.events
    for filters, activity_limit, edge_limit in ((maps.MapFilters(paths=0.8), 100, 300), (maps.MapFilters(), 5, 10), (maps.MapFilters(activities=0.6, paths=0.5), None, None)):
        expected = maps.directly_follows(events, filters, activity_limit=activity_limit, edge_limit=edge_limit)
        found = directly_follows(open_source(path, with_cli_overrides(config, LoadOptions()), DUCKDB), filters, activity_limit=activity_limit, edge_limit=edge_limit)
        assert len(found.nodes) < 30 and found.edges["shown"].any()
        assert found.bounds == expected.bounds and _same(expected.to_dict(), found.to_dict()) == []


def test_report_on_duckdb_refuses_what_it_cannot_compute(parquet, run, tmp_path):
    path, config_path = parquet("orders", *LOGS["orders"])
    with_model = tmp_path / "cxmine.toml"  # deviations from a designed model are not ranked on the engines yet
    with_model.write_text(config_path.read_text(encoding="utf-8") + '\n[model]\nhappy_path = ["Order placed", "Delivered"]\n', encoding="utf-8")
    refused = run("report", path, "--config", with_model, "--engine", "duckdb")
    assert refused.exit_code == 2 and "with deviations from a [model] yet" in refused.stderr and "--engine pandas" in refused.stderr
    empty = run("report", path, "--config", config_path, "--engine", "duckdb", "--period", "2031-W01")
    assert empty.exit_code == 2 and "no case starts in 2031-W01" in empty.stderr and "Traceback" not in empty.stderr


def test_report_on_a_dataset_in_a_real_process(parquet, tmp_path):
    """auto picks DuckDB for a dataset; the Markdown on stdout is the report alone."""
    done, _path, _config = on_a_sepsis_dataset(parquet, tmp_path, "report", "--period", "2014-Q4")
    assert done.stdout.startswith("# CX friction report · 2014-Q4")


@needs_spark
def test_the_report_is_the_same_on_spark(parquet):
    path, config_path = parquet("orders", *LOGS["orders"])
    expected, found = _report_on_both(path, load_config(config_path), SPARK)  # the whole log: its trend weeks hold the same cases (one run)
    assert found["friction"]["friction_points"] and found["trend"]["series"]
    assert _same(expected, found) == []
