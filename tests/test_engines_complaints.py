"""Complaints and survey answers on DuckDB and Spark: the bundled orders example *with* its complaints file
ranks, reports and drills down exactly as on pandas — complaint hotspots, the complaint outcome's 2×2 tables,
the complaint overlay per gap and per step, unmatched and out-of-scope complaints — including complaints
known only by customer (matched to the customer's case that started last before the complaint); and an NPS
survey outcome ([[outcomes]] from a file, answers joined by order id or by customer and time)."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cxmine.api import list_cases, list_cases_on_engine, rank_friction, rank_friction_on_engine, weekly_report, weekly_report_on_engine
from cxmine.config import load_config, with_cli_overrides
from cxmine.inputs import load_inputs
from cxmine.io import load_log
from cxmine.io.writers import write_parquet
from cxmine.model import LoadOptions
from cxmine.report.window import plan

from test_engines import DUCKDB, SPARK, _same, needs_spark

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples"


def _without_log_section(text: str) -> str:
    kept, skip = [], False
    for line in text.splitlines():
        if line.startswith("["):
            skip = line.strip() == "[log]"
        if not skip:
            kept.append(line)
    return "\n".join(kept) + "\n"


@pytest.fixture(scope="module")
def orders(tmp_path_factory):
    """The example as Parquet with its config (canonical columns, so no [log]) and complaints; and a variant
    whose complaints half name no order (matched by customer), one names an order that does not exist and one
    a customer who does not."""
    folder = tmp_path_factory.mktemp("complaints")
    source = load_config(EXAMPLE / "cxmine.toml")
    parquet = folder / "orders.parquet"
    write_parquet(load_log(EXAMPLE / "orders.csv", source.load), parquet)
    text = _without_log_section((EXAMPLE / "cxmine.toml").read_text(encoding="utf-8")).replace('path = "complaints.csv"', f'path = "{(EXAMPLE / "complaints.csv").as_posix()}"')
    plain = folder / "plain.toml"
    plain.write_text(text, encoding="utf-8")
    rows = list(csv.DictReader((EXAMPLE / "complaints.csv").open(encoding="utf-8")))
    for i, row in enumerate(rows):
        if i % 2 == 0:
            row["order_id"] = ""
    rows += [{**rows[1], "complaint_id": "X1", "order_id": "O-99999"}, {**rows[0], "complaint_id": "X2", "order_id": "", "customer_id": "C-NOBODY"}]
    with (folder / "by-customer.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    by_customer = folder / "by-customer.toml"
    by_customer.write_text('[log]\ncustomer = "customer_id"\n\n' + text.replace(
        f'path = "{(EXAMPLE / "complaints.csv").as_posix()}"\ncase = "order_id"', f'path = "{(folder / "by-customer.csv").as_posix()}"\ncase = "order_id"\ncustomer = "customer_id"',
    ), encoding="utf-8")  # fmt: skip
    assert "by-customer.csv" in by_customer.read_text(encoding="utf-8")
    # A survey: every third order answered (0–10) at its last event, by order id or, every other one, by customer only.
    last = {row["order_id"]: row for row in csv.DictReader((EXAMPLE / "orders.csv").open(encoding="utf-8"))}
    answers = [{"order_id": oid if i % 2 else "", "customer_id": row["customer_id"], "answered_at": row["end_time"], "nps": (i * 7) % 11}
               for i, (oid, row) in enumerate(sorted(last.items())) if i % 3 == 0]  # fmt: skip
    answers.append({"order_id": "O-99999", "customer_id": "", "answered_at": "2026-02-01T00:00:00+00:00", "nps": 1})  # no such order
    with (folder / "survey.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(answers[0]))
        writer.writeheader()
        writer.writerows(answers)
    with by_customer.open("a", encoding="utf-8") as handle:
        handle.write(f'\n[[outcomes]]\nname = "detractor"\npath = "{(folder / "survey.csv").as_posix()}"\ncase = "order_id"\ncustomer = "customer_id"\n'
                     'timestamp = "answered_at"\nscore = "nps"\nbad_below = 7\n')  # fmt: skip
    return parquet, plain, by_customer


@pytest.mark.parametrize("since", [None, "2026-03-01"])
@pytest.mark.parametrize("which", ["plain", "by-customer"])
def test_friction_with_complaints_is_the_same_on_duckdb(orders, which, since):
    path, plain, by_customer = orders
    config = load_config(plain if which == "plain" else by_customer)
    options = LoadOptions(since=since)
    expected = rank_friction(load_inputs(path, options, config=config)).to_dict()
    found = rank_friction_on_engine(path, options, config, DUCKDB).to_dict()
    assert "complaint_hotspot" in {p["kind"] for p in found["friction_points"]}
    assert any(o["name"] == "complaint" and o["tested"] for p in found["friction_points"] for o in p["outcomes"]), "the complaint outcome is compared"
    assert found["complaints"]["by_transition"] and found["complaints"]["by_step"]
    codes = [w["code"] for w in found["warnings"]]
    if which == "by-customer":  # with the survey: its outcome is compared too
        assert "unmatched_complaints" in codes and "unmatched_scores" in codes
        assert sum(o["cases_with_outcome"] for p in found["friction_points"] for o in p["outcomes"] if o["name"] == "detractor") > 0
    if since:
        assert "complaints_out_of_scope" in codes
    assert _same(expected, found) == []


@pytest.mark.parametrize("which", ["plain", "by-customer"])
def test_the_report_with_complaints_is_the_same_on_duckdb(orders, which):
    """A week compared with the week before: complaint tags, the complaint rate in the headline, the trend
    (and, by customer, the survey outcome)."""
    path, plain, by_customer = orders
    config = load_config(plain if which == "plain" else by_customer)
    window = plan("2026-W10", None, None, "previous", with_cli_overrides(config, LoadOptions()), 12)
    expected = weekly_report(load_inputs(path, window.load, config=config), window).to_dict()
    found = weekly_report_on_engine(path, LoadOptions(), config, DUCKDB, window).to_dict()
    assert found["complaint_tags"] and found["headline"]["complaint_rate"] is not None
    assert "complaints_out_of_scope" in [w["code"] for w in found["friction"]["warnings"]]
    assert _same(expected, found) == []


def test_the_cases_behind_a_complaint_hotspot_are_the_same_on_duckdb(orders):
    path, plain, _ = orders
    config = load_config(plain)
    points = rank_friction(load_inputs(path, config=config)).friction_points
    rank = next(p.rank for p in points if p.kind == "complaint_hotspot")
    expected = list_cases(load_inputs(path, config=config), point=rank).to_dict()
    found = list_cases_on_engine(path, LoadOptions(), config, DUCKDB, point=rank).to_dict()
    assert found["cases"] and _same(expected, found) == []


@needs_spark
def test_friction_with_complaints_is_the_same_on_spark(orders):
    path, _, by_customer = orders
    config = load_config(by_customer)
    expected = rank_friction(load_inputs(path, config=config)).to_dict()
    found = rank_friction_on_engine(path, LoadOptions(), config, SPARK).to_dict()
    assert "complaint_hotspot" in {p["kind"] for p in found["friction_points"]}
    assert _same(expected, found) == []
