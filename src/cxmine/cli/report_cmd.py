"""`cxmine report LOG`: the weekly CX friction report as HTML, Markdown and JSON from one run, compared
with a baseline, with `--fail-on` gates for CI (exit 1 only when a gate fires; errors keep 2/3/4).

Registered by the app (`app.command(name="report", epilog=EPILOG)(report)`); kept in its own module
because it has many options of its own.
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Iterator, Optional

import typer

from cxmine.cli import options as opt
from cxmine.cli.runtime import ExitCode, handled

EPILOG = (
    "Examples:\n\n"
    "  cxmine report examples/orders.csv                          # Markdown on stdout\n\n"
    "  cxmine report log.csv --period 2026-W12 --compare previous -o report.html -o report.md -o report.json\n\n"
    "  cxmine report log.csv --period 2026-03 --compare last/report.json --fail-on new-critical --fail-on 'complaint-rate>8%'\n\n"
    "  cxmine report log.xes.gz --since 2026-03-01 --until 2026-04-01 --redact -o shared.html\n\n"
    "Exit codes: 0 ok · 1 a --fail-on rule fired · 2 bad usage or input · 3 internal error · 4 mining tool failure."
)

REPORT_PANEL = "Report"
MAP_PATHS = 0.8  # the report's map shows the most frequent transitions holding 80% of all (plus what keeps it connected)
MAP_TIMEOUT_SECONDS = 60
MAP_SCALE = 0.65  # of graphviz's natural size: labels stay legible; a wide map scrolls inside its card


class ReportFormat(str, Enum):
    html = "html"
    markdown = "markdown"
    json = "json"


SUFFIXES = {".html": ReportFormat.html, ".htm": ReportFormat.html, ".md": ReportFormat.markdown, ".markdown": ReportFormat.markdown, ".json": ReportFormat.json}


def _render_html(report, extras) -> str:
    from cxmine.render.report_html import render_html  # noqa: PLC0415

    return render_html(report, **extras)


def _render_markdown(report, extras) -> str:
    from cxmine.render.report_md import render_markdown  # noqa: PLC0415

    return render_markdown(report)


def _render_json(report, extras) -> str:
    from cxmine.render.json_out import render  # noqa: PLC0415

    return render(report)


RENDERERS = {ReportFormat.html: _render_html, ReportFormat.markdown: _render_markdown, ReportFormat.json: _render_json}

ConfigOption = Annotated[Optional[Path], typer.Option("--config", "-c", help="cxmine.toml to use (default: next to the log, else in the current folder).")]
Outputs = Annotated[
    Optional[list[Path]],
    typer.Option("--output", "-o", help="Write the report here; repeat for several files. The extension picks the format: .html, .md, .json. Default: Markdown on stdout.", show_default=False),
]
PeriodOption = Annotated[
    Optional[str],
    typer.Option("--period", help="Report on the cases that start in this period: 2026-W12 (ISO week), 2026-03, 2026-Q1, 2026 or a day 2026-03-16.", rich_help_panel=REPORT_PANEL),
]
Compare = Annotated[
    Optional[str],
    typer.Option("--compare", help="Baseline: 'previous' (the period before), a period (2026-W11) or a previous report.json.", rich_help_panel=REPORT_PANEL),
]
FailOn = Annotated[
    Optional[list[str]],
    typer.Option("--fail-on", help="Exit 1 when this fires: new-critical, 'score>X' or 'complaint-rate>Y' (0.08 or 8%). Repeatable.", rich_help_panel=REPORT_PANEL),
]
Redact = Annotated[bool, typer.Option("--redact", help="Replace case, customer and resource ids by stable hashes, drop free text, hide small groups.", rich_help_panel=REPORT_PANEL)]
MinGroup = Annotated[int, typer.Option("--min-group", min=1, help="With --redact: hide groups (drivers, tags, weeks) with fewer cases than this.", rich_help_panel=REPORT_PANEL)]
Stamp = Annotated[bool, typer.Option("--stamp", help="Print the generation time in the report (off by default, so reruns are byte-identical).", rich_help_panel=REPORT_PANEL)]
Top = Annotated[int, typer.Option("--top", min=1, help="How many friction points to show (the critical few always are).", rich_help_panel=REPORT_PANEL)]
TrendWeeks = Annotated[int, typer.Option("--trend-weeks", min=1, max=520, help="Weeks in the trend chart, ending with the period.", rich_help_panel=REPORT_PANEL)]


@contextmanager
def _progress() -> Iterator:
    """A callback that shows the current step on stderr, only on a terminal (never in CI or a pipe)."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        yield lambda _message: None
        return
    from cxmine.cli.runtime import stderr_console  # noqa: PLC0415

    with stderr_console().status("Building the report…") as status:
        yield lambda message: status.update(message)


def _outputs(paths: list[Path]) -> list[tuple[Path, ReportFormat]]:
    from cxmine.errors import UsageError  # noqa: PLC0415

    chosen: list[tuple[Path, ReportFormat]] = []
    seen: set[str] = set()
    for path in paths:
        kind = SUFFIXES.get(path.suffix.lower())
        if kind is None:
            raise UsageError("unknown report format", file=str(path), hint="end the file name in .html, .md or .json")
        key = os.path.abspath(path)
        if key in seen:
            raise UsageError("the same --output is given twice", file=str(path))
        seen.add(key)
        chosen.append((path, kind))
    return chosen


def _read_baseline(path: Path) -> dict:
    import json  # noqa: PLC0415

    from cxmine.errors import InputError  # noqa: PLC0415

    if not path.is_file():
        raise InputError("baseline file not found", file=str(path), hint="pass a report.json written earlier, 'previous' or a period such as 2026-W11")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise InputError("the baseline is not valid JSON", file=str(path), line=line, hint="pass a report.json written by 'cxmine report'") from None


def _process_map(log, report) -> tuple[str | None, str | None]:
    """The period's process map with friction heat as inline SVG, or (None, why not). The map is an extra:
    the report stands without it, so any failure here becomes a note in the page."""
    try:
        from cxmine.core import maps  # noqa: PLC0415
        from cxmine.render import processmap  # noqa: PLC0415
    except ImportError:
        return None, "the process-map module is not installed in this version of cxmine"
    from cxmine.errors import MiningError  # noqa: PLC0415
    from cxmine.render.charts import clean_svg  # noqa: PLC0415

    try:
        friction = report.friction
        process_map = maps.directly_follows(log.events, maps.MapFilters(paths=MAP_PATHS))
        touchpoints = friction.touchpoints if friction.touchpoints_configured else ()
        title = f"{report.period.label} — {process_map.cases:,} cases"
        view = processmap.view(process_map, "friction", friction, touchpoints, title=title)
        svg = processmap.render_image(processmap.to_dot(view), "svg", timeout=MAP_TIMEOUT_SECONDS)
    except MiningError as exc:
        return None, exc.what
    except (ImportError, AttributeError, TypeError) as exc:  # a map module of another version
        return None, f"the process-map module could not draw it ({exc.__class__.__name__})"
    return clean_svg(svg.decode("utf-8"), "map", f"Process map of {report.period.label} with friction heat", scale=MAP_SCALE), None


@opt.log_options(window=False)
def report(
    log: opt.LogArgument,
    config: ConfigOption = None,
    output: Outputs = None,
    period: PeriodOption = None,
    compare: Compare = None,
    fail_on: FailOn = None,
    redact: Redact = False,
    min_group: MinGroup = 5,
    stamp: Stamp = False,
    top: Top = 10,
    trend_weeks: TrendWeeks = 12,
    options: object = None,
    since: opt.Since = None,
    until: opt.Until = None,
    debug: opt.Debug = False,
) -> None:
    """The weekly CX friction report: headline numbers, the critical few with evidence, process map,
    charts, complaint tags and data quality, as HTML, Markdown and JSON; what changed since a baseline;
    exit 1 when a --fail-on rule fires (for CI)."""
    with handled(debug):
        from dataclasses import replace  # noqa: PLC0415
        from datetime import datetime, timezone as tz  # noqa: PLC0415

        from cxmine.cli.app import _complaints, read_log  # noqa: PLC0415 - app imports this module
        from cxmine.cli.runtime import stderr_console, write_atomic  # noqa: PLC0415
        from cxmine.config import find_config, load_config, with_cli_overrides  # noqa: PLC0415
        from cxmine.errors import InputError, UsageError  # noqa: PLC0415
        from cxmine.report import build  # noqa: PLC0415
        from cxmine.report.compare import compare as compare_reports, evaluate_gates, parse_gate  # noqa: PLC0415

        # 1. Options that do not fit together fail before any file is read.
        if period and (since or until):
            raise UsageError("--period cannot be combined with --since/--until", hint="use one of them to choose the period")
        targets = _outputs(list(output or []))
        rules = tuple(parse_gate(text) for text in (fail_on or []))
        if any(rule.kind == "new-critical" for rule in rules) and not compare:
            raise UsageError("--fail-on new-critical needs a baseline", hint="add --compare previous, --compare 2026-W11 or --compare baseline.json")
        if min_group != 5 and not redact:
            raise UsageError("--min-group only applies with --redact", hint="add --redact")
        baseline_file = Path(compare) if compare and compare != "previous" and not build.is_period(compare) else None

        # 2. Config, the period in the log's timezone, and the window of cases to load.
        console = stderr_console()
        settings = load_config(find_config(log, config))
        if settings.path is not None:
            console.print(f"Using config {settings.path}")
        options = with_cli_overrides(settings, options)
        chosen = build.parse_period(period, options.timezone) if period else build.range_period(since, until, options.timezone)
        baseline_period = None
        if compare == "previous":
            baseline_period = chosen.previous()
        elif compare and baseline_file is None:
            baseline_period = build.parse_period(compare, options.timezone)
        baseline_json = _read_baseline(baseline_file) if baseline_file is not None else None
        if chosen.kind != "all":
            starts = [chosen.since]
            if chosen.until is not None:
                starts.append(build.history_window(None, chosen, trend_weeks)[0])
            if baseline_period is not None:
                starts.append(baseline_period.since)
            earliest = None if any(s is None for s in starts) else min(starts)
            latest = None if chosen.until is None else max([chosen.until] + ([baseline_period.until] if baseline_period is not None and baseline_period.until is not None else []))
            options = replace(options, since=earliest.isoformat() if earliest is not None else None, until=latest.isoformat() if latest is not None else None)

        # 3. One library call per report.
        try:
            loaded = read_log(log, options)
        except InputError as exc:  # the window is ours, not the user's --since/--until: say so in their words
            if not exc.what.startswith("no case starts inside"):
                raise
            raise InputError(f"no case starts in {chosen.label}" + (f" or {baseline_period.label}" if baseline_period else ""), file=exc.file, hint=exc.hint) from None
        complaints, loaded, notes = _complaints(settings, loaded)
        customer = getattr(settings, "customer", None)
        salt = os.environ.get("CXMINE_REDACT_SALT") or None
        with _progress() as progress:
            result = build.build_report(loaded, settings, complaints, period=chosen, top=top, trend_weeks=trend_weeks, complaint_notes=notes, progress=progress)
            if redact:
                from cxmine.report.redact import DEFAULT_SALT, redact_report  # noqa: PLC0415

                result = redact_report(result, min_group=min_group, salt=salt or DEFAULT_SALT, customer_column=customer)
            comparison = None
            if baseline_period is not None:
                progress(f"Building the baseline {baseline_period.label}…")
                base = build.build_report(loaded, settings, complaints, period=baseline_period, top=top, trend_weeks=1)
                if redact:
                    base = redact_report(base, min_group=min_group, salt=salt or DEFAULT_SALT, customer_column=customer)
                comparison = compare_reports(result.to_dict(), base.to_dict(), label=baseline_period.label)
            elif baseline_json is not None:
                comparison = compare_reports(result.to_dict(), baseline_json, label=str(baseline_file), source=str(baseline_file))
            result = replace(result, comparison=comparison)
            result = replace(result, gates=evaluate_gates(rules, result.to_dict(), comparison))
            if stamp:
                result = replace(result, generated_at=datetime.now(tz.utc).replace(microsecond=0).isoformat())

            # 4. Render every requested format, write each atomically.
            extras: dict = {}
            if any(kind is ReportFormat.html for _, kind in targets):
                progress("Drawing the process map and charts…")
                current = build.slice_log(loaded, chosen.since, chosen.until)
                svg, note = _process_map(current, result)
                extras = {"process_map": svg, "map_note": note}
            inputs = tuple(p for p in (log, settings.path, baseline_file) if p is not None)
            rendered = [(path, RENDERERS[kind](result, extras)) for path, kind in targets]
        if not targets:
            sys.stdout.write(RENDERERS[ReportFormat.markdown](result, extras))
            sys.stdout.flush()
        for path, text in rendered:
            write_atomic(path, text, inputs=inputs)
            console.print(f"Wrote {path}", markup=False)

        # 5. Exit: 1 only when a gate fired.
        summary = f"Report {chosen.label}: {result.headline.cases:,} cases, {len(result.critical)} critical point(s)"
        if comparison is not None:
            summary += f"; since {comparison.baseline}: " + ", ".join(f"{comparison.count(s)} {s}" for s in ("new", "worse", "better", "resolved"))
        console.print(summary, markup=False)
        fired = [gate for gate in result.gates if gate.fired]
        for gate in fired:
            for reason in gate.reasons:
                console.print(f"Gate failed: {gate.rule} — {reason}", markup=False)
        if result.gates and not fired:
            console.print("Gates passed: " + ", ".join(g.rule for g in result.gates), markup=False)
        if fired:
            raise typer.Exit(ExitCode.FINDINGS)
