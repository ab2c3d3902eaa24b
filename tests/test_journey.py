"""The customer's whole journey (issue 10): several logs tied by customer and time, the cross-process
friction, the critical few processes and value — on the seeded retailer in examples/journeys (planted
friction and a red herring, see its planted.json) and on OCEL 2.0 input."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from cxmine.api import customer_journey, portfolio
from cxmine.inputs import load_journey_inputs

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "journeys"
CONFIG = EXAMPLE / "cxmine.toml"
SCHEMAS = ROOT / "docs" / "schema"


@pytest.fixture(scope="module")
def journey():
    return load_journey_inputs(CONFIG)


@pytest.fixture(scope="module")
def report(journey):
    return customer_journey(journey)


def test_sources_are_read_each_with_its_own_mapping(journey):
    assert [p.name for p in journey.processes] == ["orders", "support"]
    assert [p.contacts for p in journey.processes] == [False, True]
    for process in journey.processes:
        assert "customer" in process.log.events.columns and process.log.events["customer"].notna().all()
    assert CONFIG in journey.paths and EXAMPLE / "survey.csv" in journey.paths


def test_the_planted_contacts_during_the_delivery_wait_rank_first(report):
    planted = json.loads((EXAMPLE / "planted.json").read_text())
    top = report.friction.friction_points[0]
    assert top.kind == "contact_during_wait" and (top.from_activity, top.to_activity) == ("Shipped", "Delivered")
    measured = top.details["share_contacted_long"], top.details["share_contacted_others"]
    assert measured[0] > 0.3 and measured[1] < 0.1
    assert "contacted support during the wait" in top.sentence and "of customers whose 'Shipped' → 'Delivered'" in top.sentence
    detractor = next(o for o in top.outcomes if o.name == "detractor")
    assert detractor.mean_score_difference < -3 and detractor.q_value < 0.05  # the delay lowers the NPS
    assert planted  # the example documents what was planted


def test_the_red_herring_does_not_rank(report):
    for point in report.friction.friction_points[:5]:
        assert "Escalated to warehouse" not in point.label and "Warehouse replied" not in point.label


def test_repeat_contacts_across_channels(report):
    repeat = [p for p in report.friction.friction_points if p.kind == "cross_channel_repeat"]
    assert repeat and repeat[0].details["repeats"] >= 40 and "another channel" in repeat[0].sentence


def test_portfolio_ranks_processes_with_value(journey):
    ranked = portfolio(journey)
    assert [p.name for p in ranked.processes][0] == "orders" and ranked.processes[0].critical
    assert ranked.currency == "EUR" and ranked.processes[0].value > 0
    assert ranked.processes[0].contacts_generated > 50  # contacts it causes in support
    data = ranked.to_dict()
    jsonschema.validate(data, json.loads((SCHEMAS / "portfolio.schema.json").read_text()))


def test_journey_cli_formats_and_schema(run, tmp_path):
    result = run("journey", CONFIG, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    jsonschema.validate(data, json.loads((SCHEMAS / "journey.schema.json").read_text()))
    assert data["customers"] == 900 and data["friction_points"][0]["kind"] == "contact_during_wait"
    for fmt in ("table", "markdown", "csv"):
        shown = run("journey", CONFIG, "--format", fmt)
        assert shown.exit_code == 0 and "Shipped" in shown.stdout, fmt
    for fmt in ("table", "markdown", "csv", "json"):
        shown = run("portfolio", CONFIG, "--format", fmt)
        assert shown.exit_code == 0 and "orders" in shown.stdout, fmt
    by_value = json.loads(run("journey", CONFIG, "--rank-by", "value", "--format", "json").stdout)
    assert by_value["friction_points"][0]["value_if_fixed"] >= by_value["friction_points"][-1]["value_if_fixed"]


def test_bad_journey_input_is_one_line(run, tmp_path):
    twice = tmp_path / "twice.toml"
    twice.write_text(f'[[sources]]\nname = "a"\npath = "{EXAMPLE / "orders.csv"}"\ncustomer = "customer_id"\n[[sources]]\nname = "a"\npath = "{EXAMPLE / "tickets.csv"}"\ncustomer = "customer_id"\n')
    nokey = tmp_path / "nokey.toml"
    nokey.write_text(f'[[sources]]\nname = "a"\npath = "{EXAMPLE / "orders.csv"}"\n[[sources]]\nname = "b"\npath = "{EXAMPLE / "tickets.csv"}"\ncustomer = "customer_id"\n')
    price = tmp_path / "price.toml"
    price.write_text(CONFIG.read_text().replace("cancelled = 40.0", "canceled = 40.0").replace('path = "', f'path = "{EXAMPLE}/'))
    for path, words in ((twice, "used twice"), (nokey, "has no customer column"), (price, "did you mean 'cancelled'?")):
        result = run("journey", path)
        assert result.exit_code == 2, (path.name, result.stderr)
        assert words in result.stderr and "Traceback" not in result.stderr
    result = run("journey", ROOT / "tests" / "data" / "ocel20_example.jsonocel", "--customer-type", "customers")
    assert result.exit_code == 2 and "Purchase Requisition" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("suffix", ["jsonocel", "xmlocel", "sqlite"])
def test_ocel_reads_into_the_same_journey_model(run, suffix):
    result = run("journey", ROOT / "tests" / "data" / f"ocel20_example.{suffix}", "--customer-type", "Purchase Requisition", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    jsonschema.validate(data, json.loads((SCHEMAS / "journey.schema.json").read_text()))
    assert [p["name"] for p in data["processes"]] == ["Invoice", "Payment", "Purchase Order"]
    assert [p["cases"] for p in data["processes"]] == [3, 3, 2] and data["customers"] == 1


def test_a_portfolio_of_several_logs(run):
    result = run("portfolio", ROOT / "tests" / "data" / "helpdesk.xes.gz", ROOT / "examples" / "orders.csv", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert sorted(p["name"] for p in data["processes"]) == ["helpdesk", "orders"]
    assert sum(p["critical"] for p in data["processes"]) >= 1 and data["processes"][0]["score"] >= data["processes"][1]["score"]
    # Each log is ranked with the config found beside it (orders: its promises and touchpoints), not the first one's.
    from cxmine import load_inputs, rank_friction

    alone = rank_friction(load_inputs(ROOT / "examples" / "orders.csv")).friction_points
    orders = next(p for p in data["processes"] if p["name"] == "orders")
    assert [t["label"] for t in orders["top_points"]][:2] == [alone[0].label, alone[1].label]
    assert orders["top_points"][0]["label"].startswith("broken promise")
    # helpdesk has no [value]: it is unpriced (not "worth 0"), and the portfolio falls back to customer harm.
    helpdesk = next(p for p in data["processes"] if p["name"] == "helpdesk")
    assert helpdesk["value"] is None and orders["value"] > 0 and helpdesk["score"] > 0
    twice = run("portfolio", ROOT / "examples" / "orders.csv", ROOT / "examples" / "orders.csv")
    assert twice.exit_code == 2 and "comes twice" in twice.stderr


def test_the_report_headline_carries_value(run, tmp_path):
    out = tmp_path / "r.json"
    assert run("report", ROOT / "examples" / "orders.csv", "-o", out).exit_code == 0
    headline = json.loads(out.read_text())["headline"]
    assert headline["value"]["currency"] == "EUR" and headline["value"]["total_if_fixed"] > 0


def test_a_portfolio_priced_in_two_currencies_is_refused(run, tmp_path):
    """cxmine does not convert money: processes priced in EUR and USD cannot be added up (exit 2, both files named)."""
    import shutil

    for name, currency in (("a", "EUR"), ("b", "USD")):
        folder = tmp_path / name
        folder.mkdir()
        shutil.copy(ROOT / "examples" / "orders.csv", folder / f"{name}.csv")
        shutil.copy(ROOT / "examples" / "complaints.csv", folder / "complaints.csv")
        config = (ROOT / "examples" / "cxmine.toml").read_text().replace('currency = "EUR"', f'currency = "{currency}"').replace("orders.csv", f"{name}.csv")
        assert f'currency = "{currency}"' in config
        (folder / "cxmine.toml").write_text(config)
    result = run("portfolio", tmp_path / "a" / "a.csv", tmp_path / "b" / "b.csv")
    assert result.exit_code == 2
    assert "different currencies" in result.stderr and "EUR" in result.stderr and "USD" in result.stderr
    same = run("portfolio", tmp_path / "a" / "a.csv", ROOT / "examples" / "orders.csv", "--format", "json")
    assert same.exit_code == 0, same.stderr
