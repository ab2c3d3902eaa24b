"""`cxmine report LOG`: the weekly CX friction report as HTML, Markdown and JSON from one run, compared
with a baseline, with `--fail-on` gates for CI (exit 1 only when a gate fires; errors keep 2/3/4).

Registered by the app (`app.command(name="report", epilog=EPILOG)(report)`); kept in its own module
because it has many options of its own.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from cxmine.cli import options as opt
from cxmine.cli.runtime import ExitCode, handled, stderr_console

EPILOG = (
    "Examples:\n\n"
    "  cxmine report examples/orders.csv                          # Markdown on stdout\n\n"
    "  cxmine report log.csv --period 2026-W12 --compare previous -o report.html -o report.md -o report.json\n\n"
    "  cxmine report log.csv --period 2026-03 --compare last/report.json --fail-on new-critical --fail-on 'complaint-rate>8%'\n\n"
    "  cxmine report log.xes.gz --since 2026-03-01 --until 2026-04-01 --redact -o shared.html\n\n"
    "Exit codes: 0 ok · 1 a --fail-on rule fired · 2 bad usage or input · 3 internal error · 4 mining tool failure."
)

REPORT_PANEL = "Report"


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




def _outputs(paths: list[Path]) -> list[tuple[Path, str]]:
    """Each --output with the format its name asks for (html, markdown or json)."""
    from cxmine.errors import UsageError  # noqa: PLC0415
    from cxmine.render import format_for_path, formats_for  # noqa: PLC0415

    chosen: list[tuple[Path, str]] = []
    seen: set[str] = set()
    for path in paths:
        fmt = format_for_path(path)
        if fmt is None or fmt not in formats_for("report"):
            raise UsageError("unknown report format", file=str(path), hint="end the file name in .html, .md or .json")
        key = os.path.abspath(path)
        if key in seen:
            raise UsageError("the same --output is given twice", file=str(path))
        seen.add(key)
        chosen.append((path, fmt.value))
    return chosen


def _check(fail_on: list[str] | None, compare: str | None, redact: bool, min_group: int) -> tuple:
    """The --fail-on rules, after refusing option combinations that cannot work."""
    from cxmine.errors import UsageError  # noqa: PLC0415
    from cxmine.report.compare import parse_gate  # noqa: PLC0415

    rules = tuple(parse_gate(text) for text in (fail_on or []))
    if any(rule.kind == "new-critical" for rule in rules) and not compare:
        raise UsageError("--fail-on new-critical needs a baseline", hint="add --compare previous, --compare 2026-W11 or --compare baseline.json")
    if min_group != 5 and not redact:
        raise UsageError("--min-group only applies with --redact", hint="add --redact")
    return rules


def _redaction(redact: bool, min_group: int, config):
    """The redaction step for the report and its baseline (None without --redact)."""
    if not redact:
        return None
    from functools import partial  # noqa: PLC0415

    from cxmine.report.redact import DEFAULT_SALT, redact_report  # noqa: PLC0415

    from cxmine.render.sentences import describer  # noqa: PLC0415

    salt = os.environ.get("CXMINE_REDACT_SALT") or DEFAULT_SALT
    phrases = {outcome.name: outcome.said for outcome in config.outcomes} | {f"score:{o.name}": f"score:{o.score}" for o in config.outcomes if o.score}
    return partial(
        redact_report, min_group=min_group, salt=salt, customer_column=config.customer, keep=config.redact.keep,
        team_column=config.team, describe=describer(phrases),
    )


def _render_all(result, targets: list[tuple[Path, str]], inputs, window, on_engine=None) -> list[tuple[Path, str]]:
    """Every requested file's text (HTML gets the period's process map: from the events in memory, or
    `on_engine()`, the map an engine computed); Markdown on stdout without -o."""
    from cxmine.render import RenderOptions, render  # noqa: PLC0415

    extras: dict = {}
    if any(fmt == "html" for _, fmt in targets):
        from cxmine.render.report_map import process_map  # noqa: PLC0415

        if on_engine is not None:
            svg, note = process_map(None, result, computed=on_engine())
        else:
            from cxmine.report.build import slice_log  # noqa: PLC0415

            svg, note = process_map(slice_log(inputs.log, window.period.since, window.period.until), result)
        extras = {"process_map": svg, "map_note": note}
    return [(path, render("report", fmt, result, RenderOptions(extras=extras))) for path, fmt in targets or [(None, "markdown")]]


def _summary(result, window) -> int:
    """The run in one line on stderr, the gates that fired; the exit code (1 only when a gate fired)."""
    console = stderr_console()
    comparison = result.comparison
    line = f"Report {window.period.label}: {result.headline.cases:,} cases, {len(result.critical)} critical point(s)"
    if comparison is not None:
        line += f"; since {comparison.baseline}: " + ", ".join(f"{comparison.count(s)} {s}" for s in ("new", "worse", "better", "resolved"))
    console.print(line, markup=False)
    fired = [gate for gate in result.gates if gate.fired]
    for gate in fired:
        for reason in gate.reasons:
            console.print(f"Gate failed: {gate.rule} — {reason}", markup=False)
    if result.gates and not fired:
        console.print("Gates passed: " + ", ".join(g.rule for g in result.gates), markup=False)
    return ExitCode.FINDINGS if fired else ExitCode.OK


@opt.engine_options()
@opt.log_options(window=False)
def report(
    log: opt.LogOrUrl,
    config: opt.ConfigOption = None,
    output: Outputs = None,
    period: PeriodOption = None,
    compare: Compare = None,
    fail_on: FailOn = None,
    redact: Redact = False,
    min_group: MinGroup = 5,
    stamp: Stamp = False,
    top: Top = 10,
    trend_weeks: TrendWeeks = 12,
    engine: object = None,
    options: object = None,
    since: opt.Since = None,
    until: opt.Until = None,
    debug: opt.Debug = False,
) -> None:
    """The weekly CX friction report: headline numbers, the critical few with evidence, process map,
    charts, complaint tags and data quality, as HTML, Markdown and JSON; what changed since a baseline;
    exit 1 when a --fail-on rule fires (for CI)."""
    with handled(debug):
        from cxmine.api import friction_engine_gaps  # noqa: PLC0415
        from cxmine.cli.common import plan_engine  # noqa: PLC0415
        from cxmine.cli.runtime import write_all  # noqa: PLC0415
        from cxmine.config import with_cli_overrides  # noqa: PLC0415
        from cxmine.report.window import plan, read_baseline  # noqa: PLC0415

        targets = _outputs(list(output or []))
        rules = _check(fail_on, compare, redact, min_group)
        windows = []

        def check(found) -> None:  # the report's own usage errors come before the engine line
            windows.append(plan(period, since, until, compare, with_cli_overrides(found, options), trend_weeks))
            if windows[0].baseline_file is not None:
                read_baseline(windows[0].baseline_file)

        run = plan_engine(log, config, options, engine, gaps=friction_engine_gaps, check=check)
        make = _on_pandas if run.pandas else _on_engine
        result, rendered, reads = make(run, options, windows[0], targets, compare, dict(top=top, trend_weeks=trend_weeks, rules=rules, redact=_redaction(redact, min_group, run.opened[0]), stamp=stamp))
        if targets:
            write_all(rendered, reads=reads)
        else:
            from cxmine.cli.runtime import emit  # noqa: PLC0415

            emit(rendered[0][1], None)
        raise typer.Exit(_summary(result, windows[0]))


def _on_pandas(run, options, window, targets, compare, settings: dict) -> tuple:
    """The report built in memory: (result, rendered files, the paths read)."""
    from cxmine.api import weekly_report  # noqa: PLC0415
    from cxmine.cli.common import open_inputs, read_paths  # noqa: PLC0415
    from cxmine.cli.runtime import status  # noqa: PLC0415
    from cxmine.errors import InputError  # noqa: PLC0415
    from cxmine.report.window import baseline_file_of, no_case_in  # noqa: PLC0415

    try:
        inputs = open_inputs(run.log, window.load, run.opened, [path for path, _ in targets], reads=[baseline_file_of(compare)])
    except InputError as exc:
        raise no_case_in(window, exc) from None
    with status("Building the report:") as progress:
        result = weekly_report(inputs, window, progress=progress, **settings)
        rendered = _render_all(result, targets, inputs, window)
    return result, rendered, read_paths(run.log, run.opened[0], baseline_file_of(compare))


def _on_engine(run, options, window, targets, compare, settings: dict) -> tuple:
    """The report built by DuckDB or Spark (api.weekly_report_on_engine): (result, rendered files, the paths read)."""
    from cxmine.api import report_map_on_engine, weekly_report_on_engine  # noqa: PLC0415
    from cxmine.cli.runtime import check_outputs, status, warn  # noqa: PLC0415
    from cxmine.report.window import baseline_file_of  # noqa: PLC0415

    reads = run.reads([]) + tuple(p for p in [baseline_file_of(compare)] if p is not None)
    check_outputs([path for path, _ in targets], reads)
    config, notes = run.opened
    with status(f"Building the report on {run.settings.engine}:") as progress:
        result = weekly_report_on_engine(run.log, options, config, run.settings, window, progress=progress, notes=notes, **settings)
        rendered = _render_all(result, targets, None, window, lambda: report_map_on_engine(run.log, options, config, run.settings, window.period))
    warn((result.friction.load.warnings if result.friction.load is not None else ()) + result.friction.notes[len(notes):])
    return result, rendered, reads
