"""Rich tables for a person at a terminal (the `table` format).

Names from the data go through `render.escape.terminal`: rich would read `[red]` in a name as a style
(and drop it), and a terminal would obey an escape sequence.
"""
from __future__ import annotations

import io
import os
import shutil
import sys

from cxmine.model import LogSummary
from cxmine.render.escape import terminal
from cxmine.render.units import duration, number, percent


def _stdout_is_terminal() -> bool:
    # sys.stdout rather than file descriptor 1: whoever replaced sys.stdout (a test runner, a caller
    # capturing output) decides, not the terminal the process happens to be attached to.
    isatty = getattr(sys.stdout, "isatty", None)
    return bool(isatty and isatty())


def _console(buffer: io.StringIO, color: bool | None = None):
    from rich.console import Console  # noqa: PLC0415

    width = shutil.get_terminal_size((120, 40)).columns
    if color is None:
        color = _stdout_is_terminal()
    color = color and os.environ.get("NO_COLOR") is None
    return Console(file=buffer, width=max(width, 80), force_terminal=color, no_color=not color, highlight=False)


def render_inspect(summary: LogSummary, top_activities: int = 15, *, color: bool | None = None) -> str:
    """`color`: None colours only when stdout is a terminal; pass False for text bound for a file."""
    from rich.table import Table  # noqa: PLC0415

    buffer = io.StringIO()
    console = _console(buffer, color)
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    head.add_row("Log", f"{terminal(summary.source)} ({terminal(summary.format)})")
    head.add_row("Events", number(summary.events))
    head.add_row("Cases", number(summary.cases))
    head.add_row("Activities", number(summary.activities))
    head.add_row("Variants", number(summary.variants))
    head.add_row("Time span", f"{summary.first_timestamp} → {summary.last_timestamp}")
    head.add_row("Start timestamps", "yes (service and waiting times can be separated)" if summary.has_start_timestamps else "no (completion times only)")
    epc, dur = summary.events_per_case, summary.case_duration_seconds
    head.add_row("Events per case", f"p50 {number(epc.get('p50'))} · p90 {number(epc.get('p90'))} · max {number(epc.get('max'))}")
    head.add_row("Case duration", f"p50 {duration(dur.get('p50'))} · p90 {duration(dur.get('p90'))} · p95 {duration(dur.get('p95'))} · max {duration(dur.get('max'))}")
    console.print(head)

    activities = Table(title="Activities", title_justify="left")
    activities.add_column("activity")
    activities.add_column("events", justify="right")
    activities.add_column("share", justify="right")
    for item in summary.activity_counts[:top_activities]:
        activities.add_row(terminal(item.name), number(item.count), percent(item.share))
    if len(summary.activity_counts) > top_activities:
        activities.caption = f"{len(summary.activity_counts) - top_activities} more (use --format json)"
    console.print(activities)

    variants = Table(title="Top variants", title_justify="left")
    variants.add_column("#", justify="right")
    variants.add_column("cases", justify="right")
    variants.add_column("share", justify="right")
    variants.add_column("steps", justify="right")
    variants.add_column("activities")
    for variant in summary.top_variants:
        shown = " → ".join(terminal(a) for a in variant.activities[:8]) + (" → …" if len(variant.activities) > 8 else "")
        variants.add_row(str(variant.rank), number(variant.cases), percent(variant.share), str(len(variant.activities)), shown)
    console.print(variants)

    ends = Table(title="Start and end activities", title_justify="left")
    ends.add_column("start activity")
    ends.add_column("cases", justify="right")
    ends.add_column("end activity")
    ends.add_column("cases", justify="right")
    for i in range(min(5, max(len(summary.start_activities), len(summary.end_activities)))):
        s = summary.start_activities[i] if i < len(summary.start_activities) else None
        e = summary.end_activities[i] if i < len(summary.end_activities) else None
        ends.add_row(terminal(s.name) if s else "", number(s.count) if s else "", terminal(e.name) if e else "", number(e.count) if e else "")
    console.print(ends)

    attributes = Table(title="Attributes", title_justify="left")
    for column, justify in (("name", "left"), ("type", "left"), ("level", "left"), ("filled", "right"), ("distinct", "right")):
        attributes.add_column(column, justify=justify)
    for attribute in summary.attributes:
        attributes.add_row(terminal(attribute.name), attribute.dtype, attribute.level, percent(attribute.fill_rate), number(attribute.distinct))
    console.print(attributes)

    quality = Table(title="Data quality", title_justify="left")
    quality.add_column("finding")
    quality.add_column("count", justify="right")
    quality.add_column("examples")
    for finding in summary.quality:
        quality.add_row(terminal(finding.message), f"{number(finding.count)} {finding.unit}", terminal("; ".join(finding.examples)))
    if not summary.quality:
        quality.add_row("no issues found", "", "")
    console.print(quality)
    return buffer.getvalue()
