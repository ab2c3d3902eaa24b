"""Process maps and model checks for people: the map as DOT (graphviz), SVG/PNG (by running `dot`),
Mermaid and JSON, with a frequency, performance or friction overlay; and the table/Markdown summaries
of `cxmine discover` and `cxmine conformance`.

Everything is drawn from result objects (core.maps.ProcessMap, the FrictionReport, cxmine.mining's
results); nothing here computes process facts. Friction heat: each ranked friction point is placed on
its activity (slow step, rework, chasing), its edge (a wait or promise between two activities that
directly follow each other; a ping-pong on both directions) or, when its two activities do not directly
follow each other (a customer-visible gap spanning back-office steps), on a dashed extra edge.

Names are data: every activity name is neutralised for the format it goes into (control characters
become U+FFFD and line breaks spaces, `render.escape.plain`; then DOT string escapes, Mermaid entity
codes, rich markup escapes, Markdown escapes), so a log whose names hold NUL bytes, quotes, `<…>` or
backslashes draws like any other.
"""
from __future__ import annotations

import io
import json
import math
import re
import shutil
import subprocess
import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from cxmine.core.maps import END, START, ProcessMap
from cxmine.errors import MiningError, UsageError
from cxmine.model import SCHEMA_VERSION, FrictionReport
from cxmine.render.escape import md_code, plain, terminal
from cxmine.render.units import duration, number, percent

if TYPE_CHECKING:  # result types only; cxmine.mining is imported by the commands, not by renderers
    from cxmine.mining import ConformanceResult, DiscoveryResult
    import pandas as pd

OVERLAYS = ("frequency", "performance", "friction")
MAP_FORMATS = (".dot", ".svg", ".png", ".mmd", ".json")
IMAGE_FORMATS = (".svg", ".png")
DOT_TIMEOUT_SECONDS = 120
MIN_SCORE = 0.05  # friction points below this (shown as 0.0) are not drawn
INSTALL_GRAPHVIZ = "install graphviz (apt-get install graphviz, or brew install graphviz), or write .dot, .mmd or .json instead"

# Light yellow → dark red for friction heat; blues for performance; greys for frequency.
HEAT = ("#fff3c4", "#ffe082", "#ffb74d", "#ff8a65", "#f4511e", "#c62828", "#8e0000")
BLUES = ("#e3f2fd", "#bbdefb", "#90caf9", "#64b5f6", "#42a5f5", "#1e88e5", "#1565c0")
GREYS = ("#f5f5f5", "#e0e0e0", "#bdbdbd", "#9e9e9e", "#757575", "#616161", "#424242")
NODE_GREYS = ("#ffffff", "#f7f7f7", "#eeeeee", "#e4e4e4", "#dadada")  # fills stay light: black text on them
TOUCHPOINT_FILL = "#e3f2fd"
TOUCHPOINT_LINE = "#1e88e5"


def _shade(palette: tuple[str, ...], ratio: float) -> str:
    ratio = 0.0 if not math.isfinite(ratio) else min(max(ratio, 0.0), 1.0)
    return palette[min(int(ratio * len(palette)), len(palette) - 1)]


def _heat_colour(score: float, top: float) -> str:
    """Square-root scale: one dominant point should not wash every other one out to pale yellow."""
    return _shade(HEAT, 0.15 + 0.85 * math.sqrt(score / top)) if top > 0 else HEAT[-1]


@dataclass(frozen=True)
class Heat:
    """Friction scores placed on the map: per activity, per directly-follows edge, and extra edges for
    points whose two activities do not directly follow each other."""

    nodes: dict[str, float] = field(default_factory=dict)
    edges: dict[tuple[str, str], float] = field(default_factory=dict)
    links: dict[tuple[str, str], float] = field(default_factory=dict)
    labels: dict[Any, list[str]] = field(default_factory=dict)

    @property
    def top(self) -> float:
        values = list(self.nodes.values()) + list(self.edges.values()) + list(self.links.values())
        return max(values) if values else 0.0


def friction_heat(report: FrictionReport | None, process_map: ProcessMap) -> Heat:
    """Where each ranked friction point sits on the map (see the module docstring)."""
    heat = Heat()
    if report is None:
        return heat
    activities = set(process_map.nodes["activity"])
    flow = {(a, b) for a, b in zip(process_map.flow["from_activity"], process_map.flow["to_activity"])}

    def add(bucket: dict, key, point) -> None:
        bucket[key] = bucket.get(key, 0.0) + float(point.score)
        heat.labels.setdefault(key, []).append(f"#{point.rank} {point.kind}")

    from cxmine.friction import kinds  # noqa: PLC0415 - where a point sits is its kind's map placement

    for point in report.friction_points:
        if point.score < MIN_SCORE:  # zero-score points are listed by the engine but carry no heat
            continue
        placement = kinds.REGISTRY[point.kind].map_placement if point.kind in kinds.REGISTRY else "activity"
        if placement == "none":
            continue
        if placement == "pair" and point.details.get("between") == "activities":
            x, y = point.details.get("x"), point.details.get("y")
            both = [(a, b) for a, b in ((x, y), (y, x)) if (a, b) in flow]
            if both:
                for key in both:
                    heat.edges[key] = heat.edges.get(key, 0.0) + float(point.score) / len(both)
                    heat.labels.setdefault(key, []).append(f"#{point.rank} {point.kind}")
                continue
        if placement == "transition" and point.from_activity is not None and point.to_activity is not None:
            key = (point.from_activity, point.to_activity)
            if key in flow:
                add(heat.edges, key, point)
            elif point.from_activity in activities and point.to_activity in activities:
                add(heat.links, key, point)
            continue
        if point.activity is not None and point.activity in activities:
            add(heat.nodes, point.activity, point)
    return heat


@dataclass(frozen=True)
class MapView:
    """Everything a drawing needs: the map, the overlay and what is known about the activities."""

    process_map: ProcessMap
    overlay: str = "frequency"
    heat: Heat = field(default_factory=Heat)
    touchpoints: frozenset[str] = frozenset()
    complaints: Mapping[str, int] = field(default_factory=dict)
    title: str = ""


def view(process_map: ProcessMap, overlay: str = "frequency", friction: FrictionReport | None = None, touchpoints=(), complaints: Mapping[str, int] | None = None, title: str = "") -> MapView:
    if overlay not in OVERLAYS:
        raise UsageError(f"unknown overlay {overlay!r}", hint=f"use one of: {', '.join(OVERLAYS)}")
    if overlay == "friction" and friction is None:
        raise UsageError("the friction overlay needs the friction analysis", hint="pass the FrictionReport")
    return MapView(process_map, overlay, friction_heat(friction, process_map), frozenset(touchpoints), dict(complaints or {}), title)


def view_of(result: "DiscoveryResult") -> MapView:
    title = f"{result.source} — {result.process_map.cases:,} cases, {result.process_map.events:,} events"
    return view(result.process_map, result.overlay, result.friction, result.touchpoints, result.complaints_per_activity, title)


# ---------------------------------------------------------------------------------------------------------------
# Labels shared by DOT and Mermaid


def _node_lines(mv: MapView, row, wrap: int | None = None) -> list[str]:
    name = plain(row.activity)
    lines = (textwrap.wrap(name, wrap, break_long_words=False, break_on_hyphens=False) or [name]) if wrap else [name]
    if mv.overlay == "performance":
        service = row.service_p50_seconds
        lines.append(f"{number(int(row.events))} · service p50 {duration(service)}" if isinstance(service, float) and math.isfinite(service) else number(int(row.events)))
    else:
        lines.append(number(int(row.events)))
    complaints = mv.complaints.get(row.activity)
    if complaints:
        lines.append(f"{complaints:,} complaint{'s' if complaints != 1 else ''}")
    if mv.overlay == "friction" and row.activity in mv.heat.nodes:
        lines.append(f"friction {mv.heat.nodes[row.activity]:.1f}")
    return lines


def _edge_label(mv: MapView, row) -> str:
    key = (row.from_activity, row.to_activity)
    if mv.overlay == "performance" and not _is_start_or_end(row):
        return f"p50 {duration(row.p50_seconds)} · p90 {duration(row.p90_seconds)}"
    label = number(int(row.count))
    if mv.overlay == "friction" and key in mv.heat.edges:
        label += f" · friction {mv.heat.edges[key]:.1f}"
    return label


def _drawn_edges(mv: MapView):
    """The edges the paths slider shows, plus (friction overlay) every edge that carries friction."""
    edges = mv.process_map.edges
    if mv.overlay != "friction" or not mv.heat.edges:
        return edges.loc[edges["shown"]]
    hot = np.array([(a, b) in mv.heat.edges for a, b in zip(edges["from_activity"], edges["to_activity"])], dtype=bool)
    return edges.loc[edges["shown"] | hot]


def _is_start_or_end(row) -> bool:
    return row.from_activity == START or row.to_activity == END


def _edge_strength(mv: MapView, row, top_count: float, top_seconds: float) -> float:
    if mv.overlay == "performance":
        value = row.p50_seconds
        return float(value) / top_seconds if top_seconds > 0 and isinstance(value, float) and math.isfinite(value) else 0.0
    return float(row.count) / top_count if top_count > 0 else 0.0


def _edge_colour(mv: MapView, row, strength: float) -> str:
    key = (row.from_activity, row.to_activity)
    if mv.overlay != "frequency" and _is_start_or_end(row):
        return "#bdbdbd"  # start and end edges carry no time and no friction
    if mv.overlay == "friction":
        top = mv.heat.top
        return _heat_colour(mv.heat.edges[key], top) if key in mv.heat.edges and top > 0 else "#9e9e9e"
    if mv.overlay == "performance":
        return _shade(BLUES, 0.2 + 0.8 * strength)
    return _shade(GREYS, 0.3 + 0.7 * strength)


def _node_fill(mv: MapView, row, top_events: float) -> str:
    if mv.overlay == "friction":
        top = mv.heat.top
        if row.activity in mv.heat.nodes and top > 0:
            return _heat_colour(mv.heat.nodes[row.activity], top)
        return TOUCHPOINT_FILL if row.activity in mv.touchpoints else "#ffffff"
    if row.activity in mv.touchpoints:
        return TOUCHPOINT_FILL
    return _shade(NODE_GREYS, 0.0 if top_events <= 0 else float(row.events) / top_events)


def _legend_lines(mv: MapView) -> list[str]:
    lines = []
    if mv.touchpoints:
        lines.append("rounded blue shape in the 'customer sees' lane = touchpoint; box = back-office step")
    if mv.overlay == "frequency":
        lines.append("node: events · edge: how often the step directly follows; thicker = more often")
    elif mv.overlay == "performance":
        basis = "completion → next start" if mv.process_map.wait_basis == "waiting" else "completion → next completion"
        lines.append(f"edge: median (p50) and p90 time, {basis}; darker blue = slower")
    else:
        lines.append("colour = friction score (yellow low → dark red high); grey = no ranked friction point")
        if mv.heat.links:
            lines.append("dashed red = customer-visible gap with friction between steps that do not directly follow")
    if mv.complaints:
        lines.append("complaints: made while this was the customer's last touchpoint")
    shown = int(mv.process_map.edges["shown"].sum())
    total = len(mv.process_map.edges)
    filters = mv.process_map.filters
    parts = []
    if filters.activities is not None:
        parts.append(f"activities {percent(filters.activities, 0)}")
    if filters.paths is not None:
        parts.append(f"paths {percent(filters.paths, 0)}")
    if filters.top_variants is not None:
        parts.append(f"top {filters.top_variants} variants")
    if parts:
        lines.append(f"filters: {', '.join(parts)} ({shown} of {total} edges shown)")
    return lines


# ---------------------------------------------------------------------------------------------------------------
# DOT


def _dot_string(text: str) -> str:
    """A quoted DOT string: our own line breaks become DOT's, anything else that is not text is
    neutralised (graphviz rejects a NUL byte and draws other control characters as garbage)."""
    parts = (plain(part).replace("\\", "\\\\").replace('"', '\\"') for part in str(text).split("\n"))
    return '"' + "\\n".join(parts) + '"'


def _scaled_edges(mv: MapView) -> tuple[pd.DataFrame, float, float, float]:
    """The edges to draw and the maxima that line widths and colours are scaled to (count, median
    seconds between activities, events per node), shared by the DOT and Mermaid renderers."""
    edges = _drawn_edges(mv)
    flow = edges.loc[(edges["from_activity"] != START) & (edges["to_activity"] != END)]
    top_count = float(edges["count"].max()) if len(edges) else 0.0
    top_seconds = float(flow["p50_seconds"].max()) if len(flow) and flow["p50_seconds"].notna().any() else 0.0
    top_events = float(mv.process_map.nodes["events"].max()) if len(mv.process_map.nodes) else 0.0
    return edges, top_count, top_seconds, top_events


PAGE_WRAP = 18  # characters per line of an activity name on a page map


def to_dot(mv: MapView, *, page: bool = False) -> str:
    """Graphviz DOT text of the map, touchpoints in a 'customer sees' lane. As a file (default): left to
    right, with a title and a legend. For a page (`page=True`, the HTML report): top to bottom, so it
    fits a portrait page's width; long names wrapped; no title or legend (the page has its own heading
    and caption); edge labels kept off the lines and off each other."""
    pm = mv.process_map
    ids = {name: f"n{i}" for i, name in enumerate(pm.nodes["activity"])}
    ids[START], ids[END] = "start", "end"
    edges, top_count, top_seconds, top_events = _scaled_edges(mv)
    out = ["digraph process_map {"]
    title = mv.title or "process map"
    if page:
        # Tight rank and node spacing, larger type: on an A4 page the map is scaled to fit, and what
        # counts is the type size after scaling. Edge labels stay `label`s (dot gives each its own
        # place in the layout, so they never overlap); edges are drawn under nodes and labels.
        out.append('  graph [rankdir=TB, fontname="Helvetica", nodesep=0.2, ranksep=0.2, pad=0.05, newrank=true, outputorder=edgesfirst];')
        out.append('  node [fontname="Helvetica", fontsize=12, shape=box, style="filled", color="#616161", margin="0.1,0.04"];')
        out.append('  edge [fontname="Helvetica", fontsize=12, arrowsize=0.7, labelfloat=false];')
    else:
        out.append(f'  graph [rankdir=LR, fontname="Helvetica", fontsize=12, labelloc=t, label={_dot_string(title + " — " + mv.overlay)}, nodesep=0.35, ranksep=0.5];')
        out.append('  node [fontname="Helvetica", fontsize=10, shape=box, style="filled", color="#616161"];')
        out.append('  edge [fontname="Helvetica", fontsize=9, arrowsize=0.7];')
    ends = "fontsize=12, width=0.6" if page else "fontsize=8, width=0.45"
    out.append(f'  start [shape=circle, label="start", {ends}, fixedsize=true, fillcolor="#66bb6a", color="#2e7d32"];')
    out.append(f'  end [shape=doublecircle, label="end", {ends.replace("0.45", "0.4")}, fixedsize=true, fillcolor="#ef5350", color="#b71c1c"];')

    def node(row) -> str:
        touch = row.activity in mv.touchpoints
        shape = 'shape=box, style="rounded,filled,bold"' if touch else 'shape=box, style="filled"'
        line = f', color="{TOUCHPOINT_LINE}"' if touch else ""
        tooltip = "; ".join(mv.heat.labels.get(row.activity, [])) or str(row.activity)
        lines = _node_lines(mv, row, PAGE_WRAP if page else None)
        return f"    {ids[row.activity]} [{shape}, label={_dot_string(chr(10).join(lines))}, fillcolor=\"{_node_fill(mv, row, top_events)}\"{line}, tooltip={_dot_string(tooltip)}];"

    customer = [row for row in pm.nodes.itertuples(index=False) if row.activity in mv.touchpoints]
    back_office = [row for row in pm.nodes.itertuples(index=False) if row.activity not in mv.touchpoints]
    if customer:
        out.append('  subgraph cluster_customer {')
        out.append('    label="customer sees"; style="rounded,filled"; fillcolor="#f3f9ff"; color="#90caf9"; fontcolor="#1565c0";')
        out += [node(row) for row in customer]
        out.append("  }")
        if back_office:
            out.append("  subgraph cluster_back_office {")
            out.append('    label="back office"; style="rounded,dashed"; color="#bdbdbd"; fontcolor="#757575";')
            out += [node(row) for row in back_office]
            out.append("  }")
    else:
        out += [node(row)[2:] for row in back_office]
    for row in edges.itertuples(index=False):
        strength = _edge_strength(mv, row, top_count, top_seconds)
        width = 0.8 + 4.0 * strength
        style = ', style="dotted"' if _is_start_or_end(row) else ""
        tooltip = "; ".join(mv.heat.labels.get((row.from_activity, row.to_activity), []))
        tip = f", tooltip={_dot_string(tooltip)}" if tooltip else ""
        out.append(
            f"  {ids[row.from_activity]} -> {ids[row.to_activity]} [label={_dot_string(_edge_label(mv, row))}, "
            f'penwidth={width:.2f}, color="{_edge_colour(mv, row, strength)}"{style}{tip}];'
        )
    if mv.overlay == "friction":
        top = mv.heat.top
        for (a, b), score in sorted(mv.heat.links.items(), key=lambda kv: -kv[1]):
            colour = _heat_colour(score, top)
            label = "; ".join(mv.heat.labels.get((a, b), [])) + f" · {score:.1f}"
            out.append(f'  {ids[a]} -> {ids[b]} [label={_dot_string(label)}, style="dashed", color="{colour}", fontcolor="{colour}", penwidth=2, constraint=false];')
    legend = [] if page else _legend_lines(mv)
    if legend:
        out.append("  subgraph cluster_legend {")
        out.append('    label="legend"; style="rounded"; color="#bdbdbd"; fontcolor="#757575";')
        text = "".join(line.replace("\\", "\\\\").replace('"', '\\"') + "\\l" for line in legend)
        out.append(f'    legend [shape=plaintext, style="", fontsize=9, label="{text}"];')
        out.append("  }")
    out.append("}")
    return "\n".join(out) + "\n"


PAGE_SCALE = 1.0  # a page map is never drawn larger than graphviz's natural size (10 pt names)


def page_svg(mv: MapView, *, title: str, name: str = "map", timeout: float = DOT_TIMEOUT_SECONDS) -> str:
    """The map as inline SVG for an HTML page (the report): drawn top to bottom (`to_dot(page=True)`),
    as wide as the page and never wider, never larger than its natural size; ids prefixed with `name`,
    `title` for screen readers. MiningError when graphviz is missing, fails or takes over `timeout` s."""
    from cxmine.render.charts import clean_svg  # noqa: PLC0415 - same layer; keeps matplotlib out of import time

    svg = render_image(to_dot(mv, page=True), "svg", timeout=timeout)
    return clean_svg(svg.decode("utf-8"), name, title, scale=PAGE_SCALE)


def graphviz_available() -> bool:
    return shutil.which("dot") is not None


def render_image(dot_text: str, kind: str, timeout: float = DOT_TIMEOUT_SECONDS) -> bytes:
    """SVG or PNG bytes by running graphviz's `dot`. MiningError when dot is missing, fails or hangs."""
    kind = kind.lstrip(".").lower()
    if kind not in ("svg", "png"):
        raise UsageError(f"graphviz output .{kind} is not supported", hint="use .svg or .png")
    executable = shutil.which("dot")
    if executable is None:
        raise MiningError(f"drawing .{kind} needs graphviz's `dot` program, which is not installed", hint=INSTALL_GRAPHVIZ)
    try:
        completed = subprocess.run([executable, f"-T{kind}"], input=dot_text.encode("utf-8", "replace"), capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise MiningError(f"graphviz took longer than {timeout:g} s to draw the map", hint="simplify it with --paths 50% or --activities 80%") from None
    except OSError as exc:
        raise MiningError(f"graphviz's `dot` could not be run ({exc.strerror})", hint=INSTALL_GRAPHVIZ) from None
    if completed.returncode != 0 or not completed.stdout:
        detail = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise MiningError(f"graphviz failed to draw the map ({detail[0] if detail else f'exit code {completed.returncode}'})", hint="write .dot and run dot yourself to see why")
    return completed.stdout


# ---------------------------------------------------------------------------------------------------------------
# Mermaid


_MERMAID_ENTITY = re.compile(r"#(?=[0-9A-Za-z]+;)")


def _mermaid_text(text: str) -> str:
    """Escape for a quoted Mermaid label: one line (`plain`), entity codes for characters Mermaid would
    parse, and a `#` that would start an entity code of its own written as one."""
    replaced = _MERMAID_ENTITY.sub("#35;", plain(text))
    for char, code in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("|", "#124;"), ("[", "#91;"), ("]", "#93;"), ("{", "#123;"), ("}", "#125;"), ("`", "#96;")):
        replaced = replaced.replace(char, code)
    return replaced


def to_mermaid(mv: MapView) -> str:
    """A Mermaid `flowchart LR` of the map: touchpoints as rounded nodes in a 'customer sees' subgraph."""
    pm = mv.process_map
    ids = {name: f"n{i}" for i, name in enumerate(pm.nodes["activity"])}
    ids[START], ids[END] = "start", "stop"
    edges, top_count, top_seconds, top_events = _scaled_edges(mv)
    out = ["flowchart LR"]
    out.append('  start(("start"))')
    out.append('  stop((("end")))')  # `end` is a Mermaid keyword: the id is `stop`, the label quoted

    def node(row) -> str:
        label = "<br/>".join(_mermaid_text(line) for line in _node_lines(mv, row))
        return f'{ids[row.activity]}("{label}")' if row.activity in mv.touchpoints else f'{ids[row.activity]}["{label}"]'

    customer = [row for row in pm.nodes.itertuples(index=False) if row.activity in mv.touchpoints]
    back_office = [row for row in pm.nodes.itertuples(index=False) if row.activity not in mv.touchpoints]
    if customer:
        out.append('  subgraph customer["customer sees"]')
        out += [f"    {node(row)}" for row in customer]
        out.append("  end")
    out += [f"  {node(row)}" for row in back_office]
    styles = []
    for index, row in enumerate(edges.itertuples(index=False)):
        strength = _edge_strength(mv, row, top_count, top_seconds)
        arrow = "-.->" if _is_start_or_end(row) else "-->"
        out.append(f'  {ids[row.from_activity]} {arrow}|"{_mermaid_text(_edge_label(mv, row))}"| {ids[row.to_activity]}')
        styles.append(f"  linkStyle {index} stroke:{_edge_colour(mv, row, strength)},stroke-width:{1 + 3 * strength:.1f}px")
    index = len(edges)
    if mv.overlay == "friction":
        top = mv.heat.top
        for (a, b), score in sorted(mv.heat.links.items(), key=lambda kv: -kv[1]):
            colour = _heat_colour(score, top)
            out.append(f'  {ids[a]} -.->|"{_mermaid_text("friction " + format(score, ".1f"))}"| {ids[b]}')
            styles.append(f"  linkStyle {index} stroke:{colour},stroke-width:2px,stroke-dasharray:4")
            index += 1
    out += styles
    for row in pm.nodes.itertuples(index=False):
        fill = _node_fill(mv, row, top_events)
        line = TOUCHPOINT_LINE if row.activity in mv.touchpoints else "#616161"
        out.append(f"  style {ids[row.activity]} fill:{fill},stroke:{line}")
    out.append("  style start fill:#66bb6a,stroke:#2e7d32")
    out.append("  style stop fill:#ef5350,stroke:#b71c1c")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# JSON


def map_dict(mv: MapView) -> dict[str, Any]:
    """The map with what the overlays know: touchpoint flags, complaints, friction scores."""
    data = mv.process_map.to_dict()
    for item in data["nodes"]:
        name = item["activity"]
        item["touchpoint"] = name in mv.touchpoints
        item["complaints"] = int(mv.complaints.get(name, 0))
        item["friction_score"] = round(mv.heat.nodes[name], 4) if name in mv.heat.nodes else None
    for item in data["edges"]:
        key = (item["from"], item["to"])
        item["friction_score"] = round(mv.heat.edges[key], 4) if key in mv.heat.edges else None
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "process_map",
        "overlay": mv.overlay,
        "title": mv.title,
        **data,
        "friction_links": [
            {"from": a, "to": b, "friction_score": round(score, 4), "points": mv.heat.labels.get((a, b), [])}
            for (a, b), score in sorted(mv.heat.links.items(), key=lambda kv: -kv[1])
        ],
    }


def to_json(mv: MapView) -> str:
    from cxmine.render.json_out import _clean  # noqa: PLC0415 - NaN → null, one implementation

    return json.dumps(_clean(map_dict(mv)), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def draw(mv: MapView, suffix: str) -> str | bytes:
    """The map in the format its file suffix names: .dot/.mmd/.json text, .svg/.png bytes."""
    suffix = suffix.lower()
    if suffix == ".dot":
        return to_dot(mv)
    if suffix == ".mmd":
        return to_mermaid(mv)
    if suffix == ".json":
        return to_json(mv)
    if suffix in IMAGE_FORMATS:
        return render_image(to_dot(mv), suffix)
    raise UsageError(f"a map cannot be written as {suffix or 'a file without extension'}", hint=f"use one of: {', '.join(MAP_FORMATS)}")


# ---------------------------------------------------------------------------------------------------------------
# Command summaries (table and Markdown)


def _quality_line(quality) -> str:
    if quality is None:
        return "–"
    measured = _float(quality.precision) if quality.precision is not None else "not measured (--precision)"
    return f"fitness {quality.fitness:.3f} · precision {measured} · simplicity {_float(quality.simplicity)}"


def _float(value: float | None) -> str:
    return "–" if value is None or (isinstance(value, float) and not math.isfinite(value)) else f"{value:.3f}"


def _lift_text(lift: float | None, low: float | None, high: float | None) -> str:
    if lift is None:
        return "–"
    return f"{lift:.1f}× ({low:.1f}–{high:.1f})" if low is not None and high is not None else f"{lift:.1f}×"


def quality_sentence(result: "DiscoveryResult") -> str:
    """One line for stderr after discovery."""
    if result.quality is None:
        return f"Model quality: not measured ({'the dfg algorithm makes no model' if result.model is None else 'skipped'})"
    q = result.quality
    return f"Model quality ({result.model.description}, {'alignments' if q.method == 'alignments' else 'token replay'}): {_quality_line(q)}; {percent(q.fitting_cases_share)} of cases fit"


def render_discovery_table(result: "DiscoveryResult", top: int = 15, *, color: bool | None = None) -> str:
    from rich.table import Table  # noqa: PLC0415

    from cxmine.render.table import _console  # noqa: PLC0415

    buffer = io.StringIO()
    console = _console(buffer, color)
    pm = result.process_map
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    head.add_row("Log", f"{terminal(result.source)} ({number(pm.cases_total)} cases, {number(pm.events_total)} events, {number(result.variants)} variants)")
    head.add_row("Model", terminal(result.model.description) if result.model is not None else "none (directly-follows map only)")
    head.add_row("Quality", _quality_line(result.quality))
    head.add_row("Map", f"{len(pm.nodes)} activities, {int(pm.flow['shown'].sum())} of {len(pm.flow)} transitions shown, {number(pm.cases)} cases")
    console.print(head)
    nodes = Table(title="Activities", title_justify="left")
    for name, justify in (("activity", "left"), ("events", "right"), ("cases", "right"), ("touchpoint", "left"), ("complaints", "right")):
        nodes.add_column(name, justify=justify)
    for row in pm.nodes.head(top).itertuples(index=False):
        nodes.add_row(terminal(row.activity), number(int(row.events)), number(int(row.cases)), "yes" if row.activity in result.touchpoints else "", number(result.complaints_per_activity.get(row.activity, 0)) if result.complaints_per_activity else "")
    if len(pm.nodes) > top:
        nodes.caption = f"{len(pm.nodes) - top} more (use --format json)"
    console.print(nodes)
    edges = Table(title="Most frequent transitions", title_justify="left")
    for name, justify in (("from", "left"), ("to", "left"), ("count", "right"), ("p50", "right"), ("p90", "right")):
        edges.add_column(name, justify=justify)
    for row in pm.flow.head(top).itertuples(index=False):
        edges.add_row(terminal(row.from_activity), terminal(row.to_activity), number(int(row.count)), duration(row.p50_seconds), duration(row.p90_seconds))
    console.print(edges)
    return buffer.getvalue()


def render_discovery_markdown(result: "DiscoveryResult", top: int = 15) -> str:
    from cxmine.render.markdown import table  # noqa: PLC0415

    pm = result.process_map
    out = [f"# Process map: {md_code(result.source)}\n\n"]
    out.append(
        table(
            ["measure", "value"],
            [
                ["cases / events / variants", f"{number(pm.cases_total)} / {number(pm.events_total)} / {number(result.variants)}"],
                ["model", result.model.description if result.model is not None else "none (directly-follows map only)"],
                ["quality", _quality_line(result.quality)],
                ["map", f"{len(pm.nodes)} activities, {int(pm.flow['shown'].sum())} of {len(pm.flow)} transitions shown"],
            ],
        )
    )
    out.append("\n```mermaid\n" + to_mermaid(view_of(result)) + "```\n")
    out.append("\n## Most frequent transitions\n\n")
    out.append(table(["from", "to", "count", "p50", "p90"], [[r.from_activity, r.to_activity, number(int(r.count)), duration(r.p50_seconds), duration(r.p90_seconds)] for r in pm.flow.head(top).itertuples(index=False)], "llrrr"))
    return "".join(out)


def _conformance_head(result: "ConformanceResult") -> list[tuple[str, str]]:
    rows = [
        ("Log", f"{result.source} ({number(result.cases)} cases, {number(result.variants)} variants)"),
        ("Model", result.model),
        ("Fitness", f"{result.fitness:.3f} ({'alignments' if result.method == 'alignments' else 'token replay'}); {percent(result.fitting_cases_share)} of cases fit"),
        ("Precision", _float(result.precision)),
        ("Deviations", _deviation_method(result)),
    ]
    if result.activities_not_in_model:
        shown = ", ".join(result.activities_not_in_model[:5]) + (" …" if len(result.activities_not_in_model) > 5 else "")
        rows.append(("Not in the model", shown))
    if result.nonconforming_lift is not None:
        lift = result.nonconforming_lift
        rows.append(("Complaints", f"non-conforming cases complain {_lift_text(lift['complaint_lift'], lift['complaint_lift_ci_low'], lift['complaint_lift_ci_high'])} as often"))
    return rows


def _deviation_method(result: "ConformanceResult") -> str:
    """Whether the counts below are exact (alignments) or approximate (token replay), and why."""
    if result.method_reason:
        return result.method_reason
    if result.method == "alignments":
        return "alignments: exact deviations"
    return "token replay: approximate deviation counts — --alignments gives exact counts, slower"


def _deviation_row(d) -> list[str]:
    return [
        d.activity,
        f"{number(d.skipped_cases)}" if d.skipped_cases else "",
        f"{number(d.inserted_cases)}" if d.inserted_cases else "",
        f"{number(d.out_of_order_cases)}" if d.out_of_order_cases else "",
        number(d.cases_deviating),
        percent(d.cases_deviating_share),
        _lift_text(d.complaint_lift, d.complaint_lift_ci_low, d.complaint_lift_ci_high),
    ]


DEVIATION_HEADERS = ["activity", "skipped (cases)", "inserted (cases)", "out of order (cases)", "cases deviating", "share", "complaint lift (95% CI)"]


def render_conformance_table(result: "ConformanceResult", top: int = 20, *, color: bool | None = None) -> str:
    from rich.table import Table  # noqa: PLC0415

    from cxmine.render.table import _console  # noqa: PLC0415

    buffer = io.StringIO()
    console = _console(buffer, color)
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    for key, value in _conformance_head(result):
        head.add_row(key, terminal(value))
    console.print(head)
    deviations = Table(title="Deviations per activity", title_justify="left")
    for index, name in enumerate(DEVIATION_HEADERS):
        deviations.add_column(name, justify="left" if index == 0 else "right")
    for d in result.deviations[:top]:
        row = _deviation_row(d)
        deviations.add_row(terminal(row[0]), *row[1:])
    captions = []
    if not result.deviations:
        captions.append("no deviations: every case follows the model")
    elif len(result.deviations) > top:
        captions.append(f"{len(result.deviations) - top} more (use --format json)")
    if result.deviations and result.deviations_approximate:
        captions.append("counts are approximate (token replay); --alignments gives exact ones")
    deviations.caption = "; ".join(captions) or None
    console.print(deviations)
    return buffer.getvalue()


def render_conformance_markdown(result: "ConformanceResult", top: int = 20) -> str:
    from cxmine.render.markdown import table  # noqa: PLC0415

    out = [f"# Conformance: {md_code(result.source)}\n\n"]
    out.append(table(["measure", "value"], [[k, v] for k, v in _conformance_head(result)]))
    out.append("\n## Deviations per activity\n\n")
    if result.deviations:
        out.append(table(DEVIATION_HEADERS, [_deviation_row(d) for d in result.deviations[:top]], "lrrrrrr"))
        if result.deviations_approximate:
            out.append("\nCounts are approximate (token replay knows that a case deviates, not exactly where); `--alignments` gives exact ones.\n")
    else:
        out.append("No deviations: every case follows the model.\n")
    return "".join(out)
