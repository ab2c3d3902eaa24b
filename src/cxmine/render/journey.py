"""`cxmine journey` and `cxmine portfolio` renderers: rich table, Markdown, CSV (JSON is generic)."""
from __future__ import annotations

import csv
import io

from cxmine.model import JourneyReport, PortfolioReport
from cxmine.render import friction as points
from cxmine.render.escape import csv_cell, md, terminal
from cxmine.render.markdown import table as md_table
from cxmine.render.units import number, percent


def _summary_lines(report: JourneyReport) -> list[str]:
    s = report.summary
    processes = ", ".join(f"{p['name']} ({p['cases']:,} cases)" for p in report.processes)
    lines = [f"{report.customers:,} customer{'s' if report.customers != 1 else ''} across {len(report.processes)} process{'es' if len(report.processes) != 1 else ''}: {processes}."]
    lines.append(f"Journeys per customer: {s['journeys_per_customer_mean']:.2f} on average; {s['customers_in_several_processes']:,} customers appear in more than one process.")
    if s.get("contacts_per_customer_mean") is not None:
        lines.append(f"Contacts per customer: {s['contacts_per_customer_mean']:.2f} on average; {s['customers_with_contacts']:,} customers contacted us.")
    lines.append(f"Customer-hours of friction across the processes: {number(round(s['customer_hours_of_friction']))} ({s['customer_hours_per_customer']:.1f} per customer).")
    return lines


def render_journey_table(report: JourneyReport, top: int = 10, color: bool | None = None) -> str:
    head = "\n".join(terminal(line) for line in _summary_lines(report)) + "\n\n"
    return head + points.render_table(report.friction, top=top)


def render_journey_markdown(report: JourneyReport, top: int = 10) -> str:
    head = "# Customer journey\n\n" + "\n".join(f"- {md(line)}" for line in _summary_lines(report)) + "\n\n"
    body = points.render_markdown(report.friction, top=top).replace("# Friction points", "## Cross-process friction", 1)
    # The per-log header lines (events, wait basis, touchpoints) say nothing about a journey of customers.
    lines = [line for line in body.splitlines() if not line.startswith(("- customer journey:", "- No touchpoints configured"))]
    return head + "\n".join(lines) + "\n"


def render_journey_csv(report: JourneyReport) -> str:
    return points.render_csv(report.friction)


COLUMNS = ("rank", "process", "score", "critical", "cases", "customers_affected", "customer_hours", "outcomes_raised", "contacts_generated", "value", "top_point")


def _rows(report: PortfolioReport) -> list[list[str]]:
    rows = []
    for p in report.processes:
        raised = ", ".join(f"{name} {value:,.0f}" for name, value in p.outcomes_raised.items()) or "–"
        value = "–" if p.value is None else f"{p.value:,.0f} {report.currency}"
        top = p.top_points[0]["label"] if p.top_points else "–"
        rows.append([("● " if p.critical else "") + str(p.rank), p.name, f"{p.score:.1f}", "yes" if p.critical else "", number(p.cases),
                     f"{number(p.customers_affected)} ({percent(p.customers_affected / p.customers if p.customers else None, 0)})",
                     number(round(p.customer_hours)), raised, f"{p.contacts_generated:,.0f}", value, top])
    return rows


def render_portfolio_table(report: PortfolioReport, top: int | None = None, color: bool | None = None) -> str:
    from rich.table import Table  # noqa: PLC0415

    from cxmine.render.table import _console  # noqa: PLC0415

    grid = Table(title="The critical few processes (● critical)")
    for column in COLUMNS:
        grid.add_column(column, justify="right" if column in ("score", "cases", "customer_hours", "contacts_generated", "value") else "left")
    for row in _rows(report):
        grid.add_row(*(terminal(cell) for cell in row))
    buffer = io.StringIO()
    _console(buffer, color).print(grid)
    return buffer.getvalue()


def render_portfolio_markdown(report: PortfolioReport, top: int | None = None) -> str:
    out = ["# The critical few processes", "", md_table(list(COLUMNS), _rows(report)), ""]
    for p in report.processes:
        if p.top_points:
            out.append(f"## {md(p.name)}")
            out.append("")
            out += [f"{point['rank']}. {md(point['sentence'] or point['label'])}" for point in p.top_points]
            out.append("")
    return "\n".join(out)


def render_portfolio_csv(report: PortfolioReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["rank", "process", "score", "critical", "cases", "customers", "customers_affected", "customer_hours", "outcomes_raised", "contacts_generated", "value", "top_point"])
    for p in report.processes:
        writer.writerow([csv_cell(v) for v in (p.rank, p.name, round(p.score, 4), p.critical, p.cases, p.customers, p.customers_affected, round(p.customer_hours, 3),
                                                "; ".join(f"{k}={v:.3f}" for k, v in p.outcomes_raised.items()), round(p.contacts_generated, 3),
                                                None if p.value is None else round(p.value, 2), p.top_points[0]["label"] if p.top_points else "")])
    return buffer.getvalue()
