"""One output-format mechanism for every command (pip-audit's test_to_format_is_exhaustive): every
--format choice a command offers has a renderer, every renderer is offered, and each really renders."""
from __future__ import annotations

import json


import pytest
import typer.main

from cxmine.cli.app import app
from cxmine.render import COMMAND_FORMATS, RENDERERS, SUFFIXES, OutputFormat, format_for_path, formats_for

from conftest import DATA

ROOT = DATA.parents[1]
ORDERS = ROOT / "examples" / "orders.csv"


def _commands():
    return typer.main.get_command(app).commands


def _format_choices(command) -> tuple[str, ...] | None:
    for param in command.params:
        if "--format" in getattr(param, "opts", ()):
            return tuple(member.value for member in param.type_descriptor.annotation)
    return None


def test_every_command_format_has_a_renderer():
    offered = {}
    for name, command in _commands().items():
        choices = _format_choices(command)
        if choices is None:
            continue
        offered[name] = choices
        for fmt in choices:
            assert (name, OutputFormat(fmt)) in RENDERERS, f"{name} offers --format {fmt} but nothing renders it"
    assert set(offered) == {"inspect", "friction", "timings", "discover", "conformance", "cases", "journey", "portfolio"}


def test_every_renderer_is_offered_by_its_command():
    for (kind, fmt) in RENDERERS:
        assert fmt in formats_for(kind), (kind, fmt)
    assert {kind for kind, _ in RENDERERS} == set(COMMAND_FORMATS)


def test_suffixes_map_to_formats_in_one_place():
    assert format_for_path("out/report.md") is OutputFormat.markdown
    assert format_for_path("x.HTML") is OutputFormat.html
    assert format_for_path("a.json") is OutputFormat.json
    assert format_for_path("a.parquet") is None
    assert set(SUFFIXES.values()) <= set(OutputFormat)


CASES = {
    "inspect": [DATA / "running-example.xes"],
    "friction": [DATA / "running-example.xes"],
    "timings": [DATA / "running-example.xes"],
    "discover": [DATA / "running-example.xes", "--algorithm", "dfg", "--no-quality"],
    "conformance": [DATA / "running-example.xes", "--happy-path", "register request,decide"],
    "cases": [ORDERS, "--point", "1", "--limit", "3"],
}


@pytest.mark.parametrize("command,fmt", [(c, f.value) for c in CASES for f in formats_for(c)])
def test_each_offered_format_renders(run, command, fmt):
    result = run(command, *CASES[command], "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip()
    if fmt == "json":
        assert json.loads(result.stdout)["kind"] == command


def test_report_renders_every_format_it_offers(run, tmp_path):
    outputs = [tmp_path / f"r{index}{suffix}" for index, suffix in enumerate((".md", ".html", ".json"))]
    assert {format_for_path(p) for p in outputs} == set(formats_for("report"))
    args = [a for p in outputs for a in ("-o", p)]
    result = run("report", ORDERS, *args)
    assert result.exit_code == 0, result.stderr
    assert outputs[0].read_text().startswith("#")
    assert "<html" in outputs[1].read_text().lower()
    assert json.loads(outputs[2].read_text())["kind"] == "report"
