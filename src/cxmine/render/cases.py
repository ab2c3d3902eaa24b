"""`cxmine cases` renderers: a rich table, Markdown, CSV (spreadsheet-safe cells). JSON is generic."""
from __future__ import annotations

import csv
import io

from cxmine.model import CaseList
from cxmine.render.escape import csv_cell, md, terminal
from cxmine.render.markdown import table as md_table
from cxmine.render.units import duration

SECONDS = ("excess_customer_seconds", "overdue_seconds")


def _cell(column: str, value: object) -> str:
    if value is None:
        return "–"
    if column in SECONDS:
        return duration(float(value))
    if isinstance(value, bool):
        return "yes" if value else ""
    return str(value)


def _head(result: CaseList) -> str:
    shown = len(result.rows)
    more = f" (showing {shown:,})" if shown < result.cases_total else ""
    return f"{result.selection}: {result.cases_total:,} case(s){more}"


def render_table(result: CaseList, top: int | None = None, color: bool | None = None) -> str:
    from rich.table import Table  # noqa: PLC0415

    from cxmine.render.table import _console  # noqa: PLC0415

    grid = Table(title=terminal(_head(result)), show_lines=False)
    for column in result.columns:
        grid.add_column(terminal(column), justify="right" if column in SECONDS else "left")
    for row in result.rows[: top or len(result.rows)]:
        grid.add_row(*(terminal(_cell(c, row.get(c))) for c in result.columns))
    buffer = io.StringIO()
    _console(buffer, color).print(grid)
    return buffer.getvalue()


def render_markdown(result: CaseList, top: int | None = None) -> str:
    rows = [[_cell(c, row.get(c)) for c in result.columns] for row in result.rows[: top or len(result.rows)]]
    return f"# Cases\n\n{md(_head(result))}\n\n" + md_table(list(result.columns), rows) + "\n"


def render_csv(result: CaseList) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_cell(c) for c in result.columns])
    for row in result.rows:
        writer.writerow([csv_cell(row.get(c)) for c in result.columns])
    return buffer.getvalue()
