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
