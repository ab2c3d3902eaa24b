"""Markdown for reports and READMEs: plain pipes tables, deterministic.

Every cell and header is escaped (`render.escape.md_cell`): a name from the data renders as that name,
never as HTML, a link or a new row. A renderer that composes Markdown itself wraps it in `Markdown`.
"""
from __future__ import annotations

from cxmine.model import LogSummary
from cxmine.render.escape import md_cell, md_code
from cxmine.render.units import duration, number, percent


def cell(text: object) -> str:
    return md_cell(text)


def table(headers: list[object], rows: list[list[object]], align: str | None = None) -> str:
    align = align or "l" * len(headers)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def render_inspect(summary: LogSummary) -> str:
    epc, dur = summary.events_per_case, summary.case_duration_seconds
    out = [f"# Event log: {md_code(summary.source)}\n"]
    out.append(
        table(
            ["measure", "value"],
            [
                ["events", number(summary.events)],
                ["cases", number(summary.cases)],
                ["activities", number(summary.activities)],
                ["variants", number(summary.variants)],
                ["time span", f"{summary.first_timestamp} → {summary.last_timestamp}"],
                ["start timestamps", "yes" if summary.has_start_timestamps else "no"],
                ["events per case (p50 / p90 / max)", f"{number(epc.get('p50'))} / {number(epc.get('p90'))} / {number(epc.get('max'))}"],
                ["case duration (p50 / p90 / p95 / max)", " / ".join(duration(dur.get(k)) for k in ("p50", "p90", "p95", "max"))],
            ],
        )
    )
    out.append("\n## Activities\n\n")
    out.append(table(["activity", "events", "share"], [[a.name, number(a.count), percent(a.share)] for a in summary.activity_counts], "lrr"))
    out.append("\n## Top variants\n\n")
    out.append(
        table(
            ["#", "cases", "share", "activities"],
            [[v.rank, number(v.cases), percent(v.share), " → ".join(v.activities)] for v in summary.top_variants],
            "rrrl",
        )
    )
    out.append("\n## Start and end activities\n\n")
    out.append(table(["start activity", "cases"], [[a.name, number(a.count)] for a in summary.start_activities], "lr"))
    out.append("\n")
    out.append(table(["end activity", "cases"], [[a.name, number(a.count)] for a in summary.end_activities], "lr"))
    out.append("\n## Attributes\n\n")
    out.append(
        table(
            ["name", "type", "level", "filled", "distinct"],
            [[a.name, a.dtype, a.level, percent(a.fill_rate), number(a.distinct)] for a in summary.attributes],
            "lllrr",
        )
    )
    out.append("\n## Data quality\n\n")
    if summary.quality:
        out.append(table(["finding", "count", "examples"], [[q.message, f"{number(q.count)} {q.unit}", "; ".join(q.examples)] for q in summary.quality], "lrl"))
    else:
        out.append("No issues found.\n")
    return "".join(out)
