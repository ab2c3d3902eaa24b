"""Friction report renderers: rich table, Markdown, CSV (JSON is generic, see json_out)."""
from __future__ import annotations

import csv
import io

from cxmine.model import FrictionReport
from cxmine.render.escape import Markdown, csv_cell, md, terminal
from cxmine.render.markdown import table as md_table
from cxmine.render.table import _console
from cxmine.render.units import number, percent


def _lift(point) -> str:
    if point.complaint_lift is None:
        return "–"
    return f"{point.complaint_lift:.1f}× ({point.complaint_lift_ci_low:.1f}–{point.complaint_lift_ci_high:.1f})"


def _where(point) -> str:
    if point.from_activity and point.to_activity:
        return f"{point.from_activity} → {point.to_activity}"
    return point.activity or ""


def _header(report: FrictionReport) -> list[str]:
    lines = [f"{report.source}: {report.events:,} events, {report.cases:,} cases; wait basis: {report.wait_basis}"]
    if not report.touchpoints_configured:
        lines.append("No touchpoints configured: every activity counts as customer-facing.")
    if report.complaints_total:
        lines.append(
            f"Complaints: {report.complaints_matched:,} matched, {report.complaints_unmatched:,} unmatched; "
            f"{percent(report.complaint_rate)} of cases complained."
        )
    critical = sum(1 for p in report.friction_points if p.critical)
    lines.append(f"{len(report.friction_points)} friction points from {report.candidates_evaluated} candidates; the critical few: {critical}.")
    return lines


def render_table(report: FrictionReport, top: int = 10) -> str:
    from rich.table import Table  # noqa: PLC0415

    buffer = io.StringIO()
    console = _console(buffer)
    for line in _header(report):
        console.print(terminal(line))
    grid = Table(title="Friction points (ranked)", title_justify="left", show_lines=True)
    for name, justify in (("#", "right"), ("kind", "left"), ("score", "right"), ("cases", "right"), ("cust-hours", "right"), ("complaint lift", "right"), ("evidence", "left")):
        grid.add_column(name, justify=justify, overflow="fold")
    for point in report.friction_points[:top]:
        mark = "● " if point.critical else ""
        evidence = point.sentence
        behind = point.details.get("behind_the_scenes")
        if behind:
            evidence += f" Behind the scenes: {behind}."
        if point.related:
            evidence += f" Also seen as {len(point.related)} related point(s), e.g. {point.related[0].label}."
        if point.low_evidence:
            evidence += f" Low evidence: {'; '.join(point.low_evidence_reasons)}."
        if report.currency is not None:
            evidence += f" Value if fixed: {number(round(point.value_if_fixed or 0))} {report.currency}."
        grid.add_row(
            f"{mark}{point.rank}", terminal(point.kind), f"{point.score:.1f}", f"{point.cases_affected:,}\n({percent(point.cases_affected_share, 0)})",
            number(round(point.excess_customer_hours)), _lift(point), terminal(evidence),
        )
    console.print(grid)
    console.print("● critical: the smallest set of top points covering the configured share of total friction.")
    return buffer.getvalue()


def render_markdown(report: FrictionReport, top: int = 10) -> str:
    out = ["# Friction points\n\n"]
    out += [f"- {md(line)}\n" for line in _header(report)]
    out.append("\n")
    rows = []
    priced = report.currency is not None
    for p in report.friction_points[:top]:
        row = [
            Markdown(f"**{p.rank}**") if p.critical else p.rank, p.kind, _where(p), f"{p.score:.1f}", f"{p.cases_affected:,}",
            number(round(p.excess_customer_hours)), _lift(p), "yes" if p.low_evidence else "", p.sentence,
        ]
        if priced:
            row.insert(6, f"{number(round(p.value_if_fixed or 0))} {report.currency}")
        rows.append(row)
    headers = ["#", "kind", "where", "score", "cases", "customer-hours", "complaint lift (95% CI)", "low evidence", "evidence"]
    if priced:
        headers.insert(6, "value if fixed")
    out.append(md_table(headers, rows, "rllrrrrrll" if priced else "rllrrrrll"))
    out.append("\nBold rank = critical (the few that cover most of the friction).\n")
    return "".join(out)


CSV_FIELDS = [
    "rank", "kind", "label", "activity", "from_activity", "to_activity", "score", "critical", "low_evidence", "cases_affected",
    "cases_affected_share", "threshold_seconds", "affected_p50_seconds", "affected_p90_seconds", "excess_customer_hours",
    "complaint_rate_affected", "complaint_rate_unaffected", "complaint_lift", "p_value", "q_value", "value", "value_if_fixed", "sentence",
]


def render_csv(report: FrictionReport) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for point in report.friction_points:
        writer.writerow({key: csv_cell(value) for key, value in point.to_dict().items()})
    return buffer.getvalue()
