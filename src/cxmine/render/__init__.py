"""Renderers at the outer edge: every output format is produced from the same result objects.

`RENDERERS[(kind, format)]` maps a result kind and an output format to a function returning text;
a test checks the mapping covers every format a command offers.
"""
from __future__ import annotations

from typing import Any, Callable

from cxmine.render import friction, json_out, markdown, table
from cxmine.render import timings as timings_render

Renderer = Callable[[Any], str]

RENDERERS: dict[tuple[str, str], Renderer] = {
    ("inspect", "json"): json_out.render,
    ("inspect", "table"): table.render_inspect,
    ("inspect", "markdown"): markdown.render_inspect,
    ("friction", "json"): json_out.render,
    ("friction", "table"): friction.render_table,
    ("friction", "markdown"): friction.render_markdown,
    ("friction", "csv"): friction.render_csv,
    ("timings", "json"): json_out.render,
    ("timings", "table"): timings_render.render_table,
    ("timings", "markdown"): timings_render.render_markdown,
    ("timings", "csv"): timings_render.render_csv,
}


def formats_for(kind: str) -> tuple[str, ...]:
    return tuple(fmt for (k, fmt) in RENDERERS if k == kind)


def render(kind: str, fmt: str, result: Any) -> str:
    from cxmine.errors import UsageError  # noqa: PLC0415

    try:
        renderer = RENDERERS[(kind, fmt)]
    except KeyError:
        raise UsageError(f"--format {fmt} is not available for '{kind}'", hint=f"use one of: {', '.join(formats_for(kind))}") from None
    return renderer(result)
