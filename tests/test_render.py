"""Renderers from hand-built results: every format from the same LogSummary, deterministic text."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cxmine.cli.app import app
from cxmine.model import AttributeInfo, CountShare, LogSummary, QualityFinding, Variant
from cxmine.render import RENDERERS, json_out, markdown, render, table
from cxmine.render.units import duration, number, percent

from conftest import DATA


def hand_built_summary(**changes) -> LogSummary:
    values = dict(
        source="orders|2024.csv",
        format="csv",
        events=5,
        cases=2,
        activities=3,
        variants=2,
        first_timestamp="2024-01-01T00:00:00+00:00",
        last_timestamp="2024-01-03T00:00:00+00:00",
        has_start_timestamps=False,
        activity_counts=(CountShare("Pay | card", 3, 0.6), CountShare("Ship\nnow", 2, 0.4)),
        top_variants=(Variant(1, ("Pay | card", "Ship\nnow"), 1, 0.5),),
        events_per_case={"count": 2.0, "mean": 2.5, "p50": 2.5, "p90": 2.9, "max": 3.0},
        case_duration_seconds={"count": 2.0, "p50": 5400.0, "p90": 90000.0, "p95": float("nan"), "max": 172800.0},
        start_activities=(CountShare("Pay | card", 2, 1.0),),
        end_activities=(CountShare("Ship\nnow", 2, 1.0),),
        attributes=(AttributeInfo("channel", "category", "case", 1.0, 2),),
        quality=(QualityFinding("timestamp_ties", "events sharing their timestamp", 1, "events", ("case 1: Pay at t",)),),
    )
    values.update(changes)
    return LogSummary(**values)


def test_json_renderer_turns_nan_into_null_and_keeps_order():
    document = json.loads(json_out.render(hand_built_summary()))
    assert document["case_duration_seconds"]["p95"] is None
    assert document["case_duration_seconds"]["p50"] == 5400.0
    assert list(document)[:4] == ["schema_version", "kind", "source", "format"]
    assert document["activity_counts"][0] == {"name": "Pay | card", "count": 3, "share": 0.6}
    assert document["top_variants"][0]["length"] == 2


def test_markdown_escapes_pipes_and_newlines():
    text = markdown.render_inspect(hand_built_summary())
    assert "| Pay \\| card | 3 | 60.0% |" in text
    assert "Ship now" in text and "Ship\nnow" not in text
    assert "| case duration (p50 / p90 / p95 / max) | 1.5h / 1.0d / – / 2.0d |" in text
    assert "No issues found." not in text
    assert "No issues found." in markdown.render_inspect(hand_built_summary(quality=()))


def test_table_renderer_colour_is_explicit():
    plain = table.render_inspect(hand_built_summary(), color=False)
    assert "\x1b[" not in plain
    assert "Pay | card" in plain
    assert "1.5h" in plain
    coloured = table.render_inspect(hand_built_summary(), color=True)
    assert "\x1b[" in coloured


def test_table_renderer_colours_only_a_terminal(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(table, "_stdout_is_terminal", lambda: True)
    assert "\x1b[" in table.render_inspect(hand_built_summary())
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in table.render_inspect(hand_built_summary())
    monkeypatch.setattr(table, "_stdout_is_terminal", lambda: False)
    monkeypatch.delenv("NO_COLOR")
    assert "\x1b[" not in table.render_inspect(hand_built_summary())


def test_table_written_with_output_has_no_colour_codes(monkeypatch, tmp_path):
    monkeypatch.setattr(table, "_stdout_is_terminal", lambda: True)  # as when run in a terminal
    out = tmp_path / "report.txt"
    result = CliRunner().invoke(app, ["inspect", str(DATA / "running-example.xes"), "--output", str(out)], env={"NO_COLOR": None})
    assert result.exit_code == 0
    assert "\x1b[" not in out.read_text()


def test_render_refuses_unknown_formats():
    from cxmine.errors import UsageError

    with pytest.raises(UsageError, match="use one of: .*json"):
        render("inspect", "docx", hand_built_summary())
    assert all(callable(renderer) for renderer in RENDERERS.values())


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "–"), (float("nan"), "–"), (0, "0s"), (59, "59s"), (60, "1m"), (5400, "1.5h"), (86400, "1.0d"), (-120, "-2m")],
)
def test_duration_units(seconds, text):
    assert duration(seconds) == text


def test_number_and_percent():
    assert number(1234567) == "1,234,567"
    assert number(2.5) == "2.50"
    assert number(3.0) == "3"
    assert number(None) == "–"
    assert percent(0.1234) == "12.3%"
    assert percent(None) == "–"
