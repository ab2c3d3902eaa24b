"""The friction-kind registry is the one home of a kind: complete entries, schemas that list exactly the
registered kinds, a toy kind added through the registry alone that is ranked, rendered in every format,
redacted and schema-valid, and a report that runs the detectors once."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest

from cxmine.friction import kinds
from cxmine.friction.contract import Candidate, Journey
from cxmine.render import formats_for

ROOT = Path(__file__).resolve().parents[1]
ORDERS = ROOT / "examples" / "orders.csv"
SCHEMAS = ROOT / "docs" / "schema"


def test_every_kind_is_complete():
    assert kinds.types() == (
        "wait", "hidden_wait", "slow_step", "rework", "ping_pong", "handback", "chasing", "outbound_contact", "broken_promise",
        "complaint_hotspot", "repeat_contact", "deviation", "contact_during_wait", "cross_channel_repeat", "spillover",
    )
    for kind in kinds.REGISTRY.values():
        assert kind.title and kind.description and kind.label and kind.sentence, kind.type
        assert kind.map_placement in kinds.PLACEMENTS, kind.type
        assert callable(kind.detect), kind.type
        assert kind.evidence in ("lift", "own_test"), kind.type
        # Every template field is one the renderer provides (a point's fields, details, or the kind's extras).
        assert any(field in kind.sentence for field in ("{who}", "{who_due}", "{complaints}", "{share_long}")), kind.type


@pytest.mark.parametrize("schema", ["friction.schema.json", "report.schema.json", "journey.schema.json"])
def test_schemas_list_exactly_the_registered_kinds(schema):
    document = json.loads((SCHEMAS / schema).read_text(encoding="utf-8"))
    assert document["$defs"]["kind"]["enum"] == list(kinds.types()), f"update $defs.kind.enum in docs/schema/{schema}"
    text = json.dumps(document)
    assert text.count('"$ref": "#/$defs/kind"') >= 1 and '"enum": ["wait"' not in text.replace(json.dumps(document["$defs"]["kind"]), "")


def test_registering_twice_or_a_bad_placement_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        kinds.register(kinds.get("wait"))
    bad = kinds.FrictionKind("bad_one", "Bad", "x", "bad", "{who}", False, "somewhere", lambda journey: [])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="map placement"):
        kinds.register(bad)
    assert "bad_one" not in kinds.REGISTRY


def _toy_detect(journey: Journey) -> list[Candidate]:
    """Every fifth case 'waits for the toy' 10 hours, handled by agent 'Alice Example'."""
    cases = np.arange(0, journey.n_cases, 5, dtype=np.int64)
    values = np.full(cases.size, 36000.0)
    return [Candidate("toy_wait", "", cases, values, "toy time", values, values, threshold_seconds=3600.0, activity="Pick items", details={"agent": "Alice Example"})]


@pytest.fixture
def toy_kind():
    kind = kinds.register(kinds.FrictionKind(
        type="toy_wait", title="Toy wait", description="A kind that exists only in this test.",
        label="toy wait at '{activity}' (agent {agent})", sentence="{who} wait for the toy at '{activity}' (agent {agent})",
        customer_time=True, map_placement="activity", detect=_toy_detect,
        identifiers=(kinds.IdentifierFields(("agent",), "resource"),),
    ))
    yield kind
    kinds.unregister("toy_wait")


def _schema_with_registry(name: str) -> dict:
    document = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    patched = copy.deepcopy(document)
    patched["$defs"]["kind"]["enum"] = list(kinds.types())
    return patched


def test_a_toy_kind_added_through_the_registry_alone(toy_kind, run, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    result = run("friction", ORDERS, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    toy = [p for p in data["friction_points"] if p["kind"] == "toy_wait"]
    assert toy and toy[0]["score"] > 0 and toy[0]["cases_affected"] == 400
    assert toy[0]["label"] == "toy wait at 'Pick items' (agent Alice Example)"
    assert toy[0]["sentence"].startswith("20% of cases wait for the toy at 'Pick items'")
    jsonschema.validate(data, _schema_with_registry("friction.schema.json"))
    for fmt in formats_for("friction"):
        shown = run("friction", ORDERS, "--format", fmt.value, "--top", "20")
        assert shown.exit_code == 0 and "toy" in shown.stdout, fmt
    outputs = [tmp_path / "r.md", tmp_path / "r.html", tmp_path / "r.json"]
    redacted = run("report", ORDERS, "--redact", *[a for p in outputs for a in ("-o", p)])
    assert redacted.exit_code == 0, redacted.stderr
    for path in outputs:
        text = path.read_text(encoding="utf-8")
        assert "the toy" in text, path.name
        assert "Alice Example" not in text, path.name  # the registry says `agent` is an identifier
    report = json.loads(outputs[2].read_text(encoding="utf-8"))
    jsonschema.validate(report, _schema_with_registry("report.schema.json"))


def test_the_report_runs_the_friction_signals_once(run, tmp_path, monkeypatch):
    calls = []
    original = kinds.detect_all

    def counting(journey, say=lambda _m: None):
        calls.append(journey.n_cases)
        return original(journey, say)

    monkeypatch.setattr(kinds, "detect_all", counting)
    result = run("report", ORDERS, "-o", tmp_path / "r.json")
    assert result.exit_code == 0, result.stderr
    assert len(calls) == 1
