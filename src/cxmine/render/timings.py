"""Renderers for `cxmine timings`."""
from __future__ import annotations

import csv
import io

from cxmine.model import TimingsReport
from cxmine.render.escape import csv_cell, md, md_code, terminal
from cxmine.render.markdown import table as md_table
from cxmine.render.table import _console
from cxmine.render.units import duration, number, percent

GAP_COLUMNS = ("customer_wait_p50_seconds", "customer_wait_p90_seconds", "customer_wait_p95_seconds", "customer_wait_max_seconds")


def _gap_rows(report: TimingsReport) -> list[list[str]]:
    rows = []
    for g in sorted(report.customer_gaps, key=lambda r: -(r.get("customer_wait_p90_seconds") or 0)):
        rows.append(
            [
                f"{g['from_activity']} → {g['to_activity']}" + (" (the customer's move)" if g.get("ended_by_customer") else ""), number(g["count"]), *(duration(g.get(c)) for c in GAP_COLUMNS),
                percent(g.get("promise_breach_rate")) if g.get("promise_breach_rate") is not None else "–",
                g.get("behind_the_scenes") or "",
            ]
        )
    return rows


def _step_rows(report: TimingsReport) -> list[list[str]]:
    return [
        [s["activity"], number(s["events"]), duration(s.get("service_p50_seconds")), duration(s.get("service_p90_seconds")), duration(s.get("wait_p50_seconds")), duration(s.get("wait_p90_seconds"))]
        for s in report.steps
    ]


GAP_HEAD = ["customer-visible gap", "count", "p50", "p90", "p95", "max", "promise breached", "behind the scenes (slowest)"]
STEP_HEAD = ["step", "events", "service p50", "service p90", "wait p50", "wait p90"]


def render_table(report: TimingsReport) -> str:
    from rich.table import Table  # noqa: PLC0415

    buffer = io.StringIO()
    console = _console(buffer)
    console.print(f"{terminal(report.source)}: waits measured as {report.wait_basis} time" + ("" if report.touchpoints_configured else "; no touchpoints configured (every activity is customer-facing)"))
    for title, head, rows in (("Customer waits (between touchpoints)", GAP_HEAD, _gap_rows(report)), ("Steps", STEP_HEAD, _step_rows(report))):
        grid = Table(title=title, title_justify="left")
        for i, name in enumerate(head):
            grid.add_column(name, justify="left" if i == 0 or i == len(head) - 1 and title.startswith("Customer") else "right")
        for row in rows:
            grid.add_row(*(terminal(c) for c in row))
        console.print(grid)
    if report.promises:
        grid = Table(title="Promises", title_justify="left")
        for name in ("promise", "cases", "kept", "breach rate", "p50", "p90"):
            grid.add_column(name)
        for p in report.promises:
            grid.add_row(terminal(p["name"]), number(p["cases"]), number(p["kept"]), percent(p["breach_rate"]), duration(p["elapsed_p50_seconds"]), duration(p["elapsed_p90_seconds"]))
        console.print(grid)
    return buffer.getvalue()


def render_markdown(report: TimingsReport) -> str:
    out = [f"# Timings: {md_code(report.source)}\n\nWaits are measured as **{md(report.wait_basis)}** time.\n\n## Customer waits\n\n"]
    out.append(md_table(GAP_HEAD, _gap_rows(report), "lrrrrrrl"))
    out.append("\n## Steps\n\n")
    out.append(md_table(STEP_HEAD, _step_rows(report), "lrrrrr"))
    if report.promises:
        out.append("\n## Promises\n\n")
        out.append(md_table(["promise", "cases", "kept", "breach rate"], [[p["name"], number(p["cases"]), number(p["kept"]), percent(p["breach_rate"])] for p in report.promises], "lrrr"))
    return "".join(out)


def render_csv(report: TimingsReport) -> str:
    """The customer-visible gaps, one row each (the table most users export)."""
    buffer = io.StringIO()
    rows = list(report.customer_gaps)
    fields = sorted({k for r in rows for k in r}, key=lambda k: (k not in ("from_activity", "to_activity", "count"), k))
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: csv_cell(value) for key, value in row.items()} for row in rows)
    return buffer.getvalue()
