"""The customer-journey map: processes as lanes (graphviz clusters / Mermaid subgraphs), each lane its main
path of activities, and the contacts drawn where they happen — a dashed edge from the wait in one process
to the contact process it sends customers to, labelled with the share who contacted.

Drawn from `friction.crossprocess.journey_lanes` (the data: lanes and cross edges)."""
from __future__ import annotations

from typing import Any

from cxmine.render.escape import md

def _id(process: int, step: int) -> str:
    return f"p{process}s{step}"


def to_dot(journey_map: dict[str, Any]) -> str:
    from cxmine.render.processmap import _dot_string  # noqa: PLC0415 - one escaping of DOT strings

    lanes_, edges = [(lane["process"], lane["steps"]) for lane in journey_map["lanes"]], [tuple(e.values()) for e in journey_map["edges"]]
    out = ["digraph journey {", '  rankdir=LR; newrank=true; nodesep=0.3; ranksep=0.4;', '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname="Helvetica", fontsize=11];']
    where: dict[tuple[str, str], str] = {}
    for i, (name, steps) in enumerate(lanes_):
        out.append(f"  subgraph cluster_{i} {{ label={_dot_string(name)}; style=rounded; color=\"#9aa7b8\"; fontname=\"Helvetica\";")
        for j, step in enumerate(steps):
            where[(name, step)] = _id(i, j)
            out.append(f"    {_id(i, j)} [label={_dot_string(step)}];")
        for j in range(len(steps) - 1):
            out.append(f"    {_id(i, j)} -> {_id(i, j + 1)} [color=\"#9aa7b8\"];")
        out.append("  }")
    for process, activity, target, first, label in edges:
        a, b = where.get((process, activity)), where.get((target, first))
        if a and b:
            out.append(f"  {a} -> {b} [style=dashed, color=\"#c0392b\", fontcolor=\"#c0392b\", fontsize=10, label={_dot_string(label)}, constraint=false];")
    out.append("}")
    return "\n".join(out) + "\n"


def to_mermaid(journey_map: dict[str, Any]) -> str:
    lanes_, edges = [(lane["process"], lane["steps"]) for lane in journey_map["lanes"]], [tuple(e.values()) for e in journey_map["edges"]]
    out = ["```mermaid", "flowchart LR"]
    where: dict[tuple[str, str], str] = {}
    for i, (name, steps) in enumerate(lanes_):
        out.append(f'  subgraph lane{i}["{_mermaid(name)}"]')
        for j, step in enumerate(steps):
            where[(name, step)] = _id(i, j)
            out.append(f'    {_id(i, j)}["{_mermaid(step)}"]')
        out += [f"    {_id(i, j)} --> {_id(i, j + 1)}" for j in range(len(steps) - 1)]
        out.append("  end")
    for process, activity, target, first, label in edges:
        a, b = where.get((process, activity)), where.get((target, first))
        if a and b:
            out.append(f'  {a} -. "{_mermaid(label)}" .-> {b}')
    out.append("```")
    return "\n".join(out) + "\n"


def _mermaid(text: str) -> str:
    return md(str(text)).replace('"', "#quot;")
