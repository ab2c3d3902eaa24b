"""Renderers at the outer edge: every output format of every command, from the same result objects.

One mechanism for all commands: `RENDERERS[(result kind, OutputFormat)]` is a function of the result and
`RenderOptions`; `SUFFIXES` maps a file name to its format; `formats_for(kind)` is what a command offers
(its `--format` choices are built from it, so a format without a renderer cannot be offered — and
tests/test_render.py checks the mapping is exhaustive over every command's choices).
Renderer modules are imported only when their format is asked for (rich, jinja2, matplotlib stay unloaded).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from importlib import import_module
from pathlib import Path
from typing import Any, Callable, Mapping


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"
    csv = "csv"
    html = "html"


# File name endings → format, in one place (longest first: ".md" before ".d").
SUFFIXES: dict[str, OutputFormat] = {
    ".json": OutputFormat.json,
    ".md": OutputFormat.markdown,
    ".markdown": OutputFormat.markdown,
    ".html": OutputFormat.html,
    ".htm": OutputFormat.html,
    ".csv": OutputFormat.csv,
    ".txt": OutputFormat.table,
}


@dataclass(frozen=True)
class RenderOptions:
    """What some renderers take besides the result: rows to show, colour, extra parts (the report's map)."""

    top: int | None = None
    color: bool | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)


Renderer = Callable[[Any, RenderOptions], str]


def _lazy(module: str, function: str, **fixed: Any) -> Renderer:
    def call(result: Any, options: RenderOptions) -> str:
        return getattr(import_module(module), function)(result, **fixed)

    call.__name__ = f"{module}.{function}"
    return call


def _json(result: Any, options: RenderOptions) -> str:
    from cxmine.render.json_out import render  # noqa: PLC0415

    return render(result)


def _with_top(module: str, function: str, default: int, *, color: bool = False) -> Renderer:
    def call(result: Any, options: RenderOptions) -> str:
        kwargs: dict[str, Any] = {"top": options.top or default}
        if color:
            kwargs["color"] = options.color
        return getattr(import_module(module), function)(result, **kwargs)

    call.__name__ = f"{module}.{function}"
    return call


def _report_html(result: Any, options: RenderOptions) -> str:
    from cxmine.render.report_html import render_html  # noqa: PLC0415

    return render_html(result, **dict(options.extras))


J, T, M, C, H = OutputFormat.json, OutputFormat.table, OutputFormat.markdown, OutputFormat.csv, OutputFormat.html

RENDERERS: dict[tuple[str, OutputFormat], Renderer] = {
    ("inspect", T): _lazy("cxmine.render.table", "render_inspect"),
    ("inspect", J): _json,
    ("inspect", M): _lazy("cxmine.render.markdown", "render_inspect"),
    ("friction", T): _with_top("cxmine.render.friction", "render_table", 10),
    ("friction", J): _json,
    ("friction", M): _with_top("cxmine.render.friction", "render_markdown", 10),
    ("friction", C): _lazy("cxmine.render.friction", "render_csv"),
    ("timings", T): _lazy("cxmine.render.timings", "render_table"),
    ("timings", J): _json,
    ("timings", M): _lazy("cxmine.render.timings", "render_markdown"),
    ("timings", C): _lazy("cxmine.render.timings", "render_csv"),
    ("discover", T): _lazy("cxmine.render.processmap", "render_discovery_table"),
    ("discover", J): _json,
    ("discover", M): _lazy("cxmine.render.processmap", "render_discovery_markdown"),
    ("conformance", T): _with_top("cxmine.render.processmap", "render_conformance_table", 20, color=True),
    ("conformance", J): _json,
    ("conformance", M): _with_top("cxmine.render.processmap", "render_conformance_markdown", 20),
    ("cases", T): _with_top("cxmine.render.cases", "render_table", 0, color=True),
    ("cases", J): _json,
    ("cases", M): _with_top("cxmine.render.cases", "render_markdown", 0),
    ("cases", C): _lazy("cxmine.render.cases", "render_csv"),
    ("journey", T): _with_top("cxmine.render.journey", "render_journey_table", 10, color=True),
    ("journey", J): _json,
    ("journey", M): _with_top("cxmine.render.journey", "render_journey_markdown", 10),
    ("journey", C): _lazy("cxmine.render.journey", "render_journey_csv"),
    ("portfolio", T): _with_top("cxmine.render.journey", "render_portfolio_table", 0, color=True),
    ("portfolio", J): _json,
    ("portfolio", M): _with_top("cxmine.render.journey", "render_portfolio_markdown", 0),
    ("portfolio", C): _lazy("cxmine.render.journey", "render_portfolio_csv"),
    ("report", M): _lazy("cxmine.render.report_md", "render_markdown"),
    ("report", H): _report_html,
    ("report", J): _json,
}

# What each command offers, in the order its --format help lists them.
COMMAND_FORMATS: dict[str, tuple[OutputFormat, ...]] = {
    "inspect": (T, J, M),
    "friction": (T, J, M, C),
    "timings": (T, J, M, C),
    "discover": (T, J, M),
    "conformance": (T, J, M),
    "cases": (T, J, M, C),
    "journey": (T, J, M, C),
    "portfolio": (T, J, M, C),
    "report": (M, H, J),
}


def formats_for(kind: str) -> tuple[OutputFormat, ...]:
    return COMMAND_FORMATS.get(kind, tuple(fmt for (k, fmt) in RENDERERS if k == kind))


def format_for_path(path: Path | str) -> OutputFormat | None:
    """The format a file name asks for (".md" → markdown, ".csv.gz" is not an output format here)."""
    name = Path(path).name.lower()
    for suffix, fmt in SUFFIXES.items():
        if name.endswith(suffix):
            return fmt
    return None


def render(kind: str, fmt: OutputFormat | str, result: Any, options: RenderOptions | None = None) -> str:
    from cxmine.errors import UsageError  # noqa: PLC0415

    name = fmt.value if isinstance(fmt, OutputFormat) else str(fmt)
    chosen = OutputFormat(name) if name in OutputFormat.__members__ else None
    renderer = RENDERERS.get((kind, chosen)) if chosen in formats_for(kind) else None
    if renderer is None:
        raise UsageError(f"--format {name} is not available for '{kind}'", hint=f"use one of: {', '.join(f.value for f in formats_for(kind))}")
    return renderer(result, options or RenderOptions())
