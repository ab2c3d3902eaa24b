"""Drill-down (`cxmine cases`): the cases behind a point, by kind and place, the open cases in trouble
now, --where on the way in, --redact on the way out — through the CLI and the library."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from cxmine import load_inputs, rank_friction
from cxmine.api import list_cases

ROOT = Path(__file__).resolve().parents[1]
ORDERS = ROOT / "examples" / "orders.csv"
DATA = Path(__file__).parent / "data"
REAL = ROOT / "examples" / "real"


def test_point_cases_are_exactly_the_points_affected_cases(run):
    report = rank_friction(load_inputs(ORDERS))
    result = run("cases", ORDERS, "--point", "2", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["kind"] == "cases" and data["cases_total"] == report.friction_points[1].cases_affected == len(data["cases"])
    assert data["point"]["label"] == report.friction_points[1].label
    seconds = [c["excess_customer_seconds"] for c in data["cases"]]
    assert seconds == sorted(seconds, reverse=True) and all(c["case_id"].startswith("O-") for c in data["cases"])
    assert sum(seconds) / 3600 == __import__("pytest").approx(report.friction_points[1].excess_customer_hours, rel=1e-6)


def test_kind_and_place_with_csv_and_limit(run):
    result = run("cases", ORDERS, "--kind", "rework", "--at", "Address verification", "--format", "csv", "--limit", "5")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 5 and all("Address verification" in r["where"] for r in rows)
    transition = run("cases", ORDERS, "--kind", "broken_promise", "--at", "Order placed -> Delivered", "--format", "json")
    assert json.loads(transition.stdout)["cases_total"] == 696


def test_open_cases_in_trouble_now():
    listed = list_cases(load_inputs(DATA / "helpdesk.xes.gz", config_path=REAL / "helpdesk.toml"), open_now=True)
    assert listed.cases_total >= 1
    assert all(row["open"] and row["condition"].startswith(("waiting since", "promise")) for row in listed.rows)
    waiting = [row["condition"] for row in listed.rows if row["condition"].startswith("waiting since")]
    # The condition says how long is too long, so the row explains itself.
    assert waiting and all(" (longer than " in c and c.endswith(("h)", "d)")) for c in waiting)


def test_complaints_outside_the_window_are_out_of_scope_not_unmatched(run):
    whole = json.loads(run("friction", ORDERS, "--format", "json").stdout)
    window = run("friction", ORDERS, "--since", "2026-03-01", "--format", "json")
    data = json.loads(window.stdout)
    assert whole["complaints"]["unmatched"] == 3
    assert data["complaints"]["unmatched"] == 0 and data["complaints"]["total"] < whole["complaints"]["total"]
    assert "not analysed" in window.stderr
    assert any(w["code"] == "complaints_out_of_scope" and w["count"] > 0 for w in data["warnings"])


def test_where_and_redact(run):
    plain = json.loads(run("cases", ORDERS, "--point", "1", "--format", "json").stdout)
    web = json.loads(run("cases", ORDERS, "--point", "1", "--where", "channel=web", "--format", "json").stdout)
    assert 0 < web["cases_total"] < plain["cases_total"]
    hidden = run("cases", ORDERS, "--point", "1", "--redact", "--format", "json", "--limit", "3")
    data = json.loads(hidden.stdout)
    assert data["redacted"] and all(c["case_id"].startswith("case-") and c["customer"].startswith("customer-") for c in data["cases"])


def test_bad_requests_are_one_line(run):
    for args, words in ((("--point", "999"), "no friction point 999"), (("--kind", "nonsense"), "unknown friction kind"), ((), "say which cases"), (("--at", "X"), "--at needs --kind")):
        result = run("cases", ORDERS, *args)
        assert result.exit_code == 2, args
        assert words in result.stderr and "Traceback" not in result.stderr
    bad_where = run("friction", ORDERS, "--where", "nosuch=1")
    assert bad_where.exit_code == 2 and "no attribute 'nosuch'" in bad_where.stderr
