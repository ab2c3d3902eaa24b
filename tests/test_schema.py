"""The documented JSON Schemas (docs/schema) accept what the commands really print."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("command", "log"),
    [
        ("inspect", ROOT / "tests" / "data" / "running-example.xes"),
        ("inspect", ROOT / "examples" / "orders.csv"),
        ("friction", ROOT / "examples" / "orders.csv"),
        ("friction", ROOT / "tests" / "data" / "running-example.xes"),
        ("timings", ROOT / "examples" / "orders.csv"),
    ],
)
def test_output_matches_schema(run, command, log):
    outcome = run(command, log, "--format", "json")
    assert outcome.exit_code == 0, outcome.stderr
    document = json.loads(outcome.stdout)
    schema = json.loads((ROOT / "docs" / "schema" / f"{command}.schema.json").read_text())
    jsonschema.validate(document, schema)
    assert document["kind"] == command


def test_schema_rejects_a_broken_document():
    schema = json.loads((ROOT / "docs" / "schema" / "friction.schema.json").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"schema_version": "1.0", "kind": "friction"}, schema)


RUNNING_EXAMPLE = ROOT / "tests" / "data" / "running-example.xes"
ORDERS = ROOT / "examples" / "orders.csv"  # examples/cxmine.toml is found next to it
RUNNING_HAPPY_PATH = "register request,examine casually,check ticket,decide,pay compensation"
ORDERS_HAPPY_PATH = "Order placed,Order confirmation sent,Shipping notification sent,Delivered"


def _schema(name: str) -> dict:
    schema = json.loads((ROOT / "docs" / "schema" / f"{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


@pytest.mark.parametrize(
    ("command", "log", "extra"),
    [
        ("discover", RUNNING_EXAMPLE, ()),
        ("discover", ORDERS, ()),
        ("conformance", RUNNING_EXAMPLE, ("--happy-path", RUNNING_HAPPY_PATH)),
        ("conformance", ORDERS, ("--happy-path", ORDERS_HAPPY_PATH)),
    ],
)
def test_mining_output_matches_schema(run, command, log, extra):
    outcome = run(command, log, *extra, "--format", "json")
    assert outcome.exit_code == 0, outcome.stderr
    document = json.loads(outcome.stdout)
    jsonschema.validate(document, _schema(command))
    assert document["kind"] == command


@pytest.mark.parametrize(
    ("log", "extra"),
    [
        (RUNNING_EXAMPLE, ()),
        (ORDERS, ()),
        (ORDERS, ("--period", "2026-W12", "--compare", "previous")),
    ],
)
def test_report_json_matches_schema(run, tmp_path, log, extra):
    target = tmp_path / "r.json"
    outcome = run("report", log, *extra, "-o", target)
    assert outcome.exit_code == 0, outcome.stderr
    document = json.loads(target.read_text())
    jsonschema.validate(document, _schema("report"))
    assert document["kind"] == "report"
    if extra:
        assert document["comparison"] is not None


@pytest.mark.parametrize(
    ("name", "document"),
    [
        # quality must be an object or null
        ("discover", {"schema_version": "1.0", "kind": "discover", "quality": "good"}),
        # a whole document, but an unknown fitness method
        (
            "conformance",
            {"schema_version": "1.0", "kind": "conformance", "source": "x", "model": "m", "method": "guessing"},
        ),
        # the right kind is not enough: headline, friction, trend … are missing
        ("report", {"schema_version": "1.0", "kind": "report", "source": "x"}),
    ],
)
def test_new_schemas_reject_broken_documents(name, document):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, _schema(name))


def test_report_schema_rejects_a_bad_period_kind(tmp_path, run):
    """A real report.json with one value changed must fail: the schema checks nested values, not only keys."""
    target = tmp_path / "r.json"
    assert run("report", RUNNING_EXAMPLE, "-o", target).exit_code == 0
    document = json.loads(target.read_text())
    jsonschema.validate(document, _schema("report"))
    document["period"]["kind"] = "fortnight"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, _schema("report"))


@pytest.mark.parametrize("args", [("--point", "1"), ("--kind", "rework", "--at", "Address verification"), ("--open",)])
def test_cases_output_matches_schema(run, args):
    outcome = run("cases", ORDERS, *args, "--format", "json")
    assert outcome.exit_code == 0, outcome.stderr
    document = json.loads(outcome.stdout)
    jsonschema.validate(document, json.loads((ROOT / "docs" / "schema" / "cases.schema.json").read_text()))
    assert document["kind"] == "cases"


def test_outcome_evidence_matches_schema(run, tmp_path):
    config = tmp_path / "outcomes.toml"
    config.write_text((ROOT / "examples" / "cxmine.toml").read_text().replace('path = "orders.csv"', f'path = "{ORDERS}"').replace('path = "complaints.csv"', f'path = "{ROOT / "examples" / "complaints.csv"}"')
                      + '\n[[outcomes]]\nname = "refunded"\nreaches = ["Refund issued"]\n')
    outcome = run("friction", ORDERS, "--config", config, "--format", "json")
    assert outcome.exit_code == 0, outcome.stderr
    document = json.loads(outcome.stdout)
    jsonschema.validate(document, json.loads((ROOT / "docs" / "schema" / "friction.schema.json").read_text()))
    names = {o["name"] for p in document["friction_points"] for o in p["outcomes"]}
    assert names == {"complaint", "refunded"}
