"""The `cxmine` Typer app. Commands only parse, call the library, render and exit.

Heavy imports (pandas, pyarrow, pm4py) happen inside command bodies, so `cxmine --help` stays fast.
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cxmine import __version__
from cxmine.cli import options as opt
from cxmine.cli.runtime import ExitCode, emit, handled, status, stderr_console, warn

app = typer.Typer(
    name="cxmine",
    help=(
        "Find where a process hurts its customers: load an event log (XES, CSV, Parquet), inspect it, "
        "and rank the friction points.\n\nExit codes: 0 ok · 1 findings over --fail-on · 2 bad usage or input · "
        "3 internal error · 4 mining tool failure."
    ),
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold customer data
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cxmine {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = None,
) -> None:
    """cxmine: customer-experience process mining."""


def read_log(path: Path, options, attributes=None):
    """Load with a spinner on stderr, then print the load warnings there."""
    from cxmine.io import load_log  # noqa: PLC0415

    with status(f"Reading {path.name}…"):
        log = load_log(path, options, attributes=attributes)
    warn(log.warnings)
    return log


@app.command(
    epilog=(
        "Examples:\n\n"
        "  cxmine inspect examples/orders.csv\n\n"
        "  cxmine inspect log.xes.gz --format json | jq .variants\n\n"
        "  cxmine inspect export.csv --case Ticket --timestamp 'Closed at' --timestamp-format '%d/%m/%Y %H:%M'"
    )
)
@opt.log_options()
def inspect(
    log: opt.LogArgument,
    format: opt.Format = opt.OutputFormat.table,
    output: opt.Output = None,
    top_variants: Annotated[int, typer.Option("--top-variants", min=0, help="How many variants to list.")] = 10,
    options: object = None,
    debug: opt.Debug = False,
) -> None:
    """Describe a log: size, activities, variants, timings, attributes and data-quality findings."""
    with handled(debug):
        from cxmine.core.summary import summarise  # noqa: PLC0415
        from cxmine.render import render  # noqa: PLC0415

        if format.value == "csv":
            from cxmine.errors import UsageError  # noqa: PLC0415

            raise UsageError("--format csv is not available for 'inspect'", hint="use table, json or markdown")
        summary = summarise(read_log(log, options), top_variants=top_variants)
        emit(render("inspect", format.value, summary), output, inputs=(log,))


@app.command(
    epilog=(
        "Examples:\n\n"
        "  cxmine convert big.xes.gz big.parquet      # parse once, analyse fast afterwards\n\n"
        "  cxmine convert export.csv log.xes --case Ticket\n\n"
        "  cxmine inspect big.parquet                 # reads what convert wrote, no flags needed"
    )
)
@opt.log_options()
def convert(
    log: opt.LogArgument,
    out: Annotated[Path, typer.Argument(help="Output file: .parquet, .csv, .csv.gz, .xes or .xes.gz.", show_default=False)],
    options: object = None,
    debug: opt.Debug = False,
) -> None:
    """Write the log in canonical form as Parquet, CSV or XES (written atomically; never over the input)."""
    with handled(debug):
        from cxmine.cli.runtime import atomic_path, stderr_console  # noqa: PLC0415
        from cxmine.errors import UsageError  # noqa: PLC0415
        from cxmine.io.writers import output_format, write  # noqa: PLC0415

        kind = output_format(out)
        if kind is None:
            raise UsageError("unknown output format", file=str(out), hint="use .parquet, .csv, .csv.gz, .xes or .xes.gz")
        with atomic_path(out, inputs=(log,)) as temp:
            loaded = read_log(log, options)
            with status(f"Writing {out.name}…"):
                write(loaded, temp, kind, gzip=out.name.lower().endswith(".gz"))
        stderr_console().print(f"Wrote {out} ({len(loaded.events):,} events, {loaded.events['case_id'].nunique():,} cases)")


ConfigOption = Annotated[Optional[Path], typer.Option("--config", "-c", help="cxmine.toml to use (default: next to the log, else in the current folder).")]
Top = Annotated[Optional[int], typer.Option("--top", min=1, help="How many friction points to show in table/markdown output (default: [friction] top, 10).", show_default=False)]


def _config_and_log(log: Path, config_path: Optional[Path], cli_options):
    """The config (found or given), the load options after CLI overrides, and the loaded log."""
    from cxmine.config import find_config, load_config, with_cli_overrides  # noqa: PLC0415

    config = load_config(find_config(log, config_path))
    if config.path is not None:
        stderr_console().print(f"Using config {config.path}")
    options = with_cli_overrides(config, cli_options)
    return config, read_log(log, options)


def _complaints(config, log):
    """Complaints from the configured source; events used as complaints are removed from the log."""
    from dataclasses import replace  # noqa: PLC0415

    from cxmine.io import complaints as complaint_io  # noqa: PLC0415

    source = config.complaints
    if source is None:
        return None, log, ()
    notes: list = []
    if source.path is not None:
        frame = complaint_io.read_complaint_file(source, notes)
    elif source.activity_pattern:
        frame, mask = complaint_io.complaints_from_events(log.events, source.activity_pattern)
        events = log.events.loc[~mask].reset_index(drop=True)
        events["activity"] = events["activity"].cat.remove_unused_categories()
        log = replace(log, events=events)
    elif source.attribute:
        frame = complaint_io.complaints_from_attribute(log.events, source.attribute)
    else:
        return None, log, ()
    warn(notes)
    return frame, log, tuple(notes)


@app.command(
    epilog=(
        "Examples:\n\n"
        "  cxmine friction examples/orders.csv                  # uses examples/cxmine.toml\n\n"
        "  cxmine friction log.xes.gz --format json | jq '.friction_points[0]'\n\n"
        "  cxmine friction log.csv --config my.toml --since 2026-03-01 --top 5 --format markdown"
    )
)
@opt.log_options()
def friction(
    log: opt.LogArgument,
    config: ConfigOption = None,
    format: opt.Format = opt.OutputFormat.table,
    output: opt.Output = None,
    top: Top = None,
    options: object = None,
    debug: opt.Debug = False,
) -> None:
    """Rank the friction points that hurt customers (waits, slow steps, rework, ping-pong, chasing, broken
    promises, complaint hotspots), with evidence, and mark the critical few."""
    with handled(debug):
        from dataclasses import replace  # noqa: PLC0415

        from cxmine.friction.engine import analyse  # noqa: PLC0415
        from cxmine.render import friction as friction_render  # noqa: PLC0415
        from cxmine.render import render  # noqa: PLC0415

        settings, loaded = _config_and_log(log, config, options)
        complaints, loaded, notes = _complaints(settings, loaded)
        deviations = None
        if settings.model.configured:  # conformance against the intended process: pm4py only then
            from cxmine.mining import deviations_for_friction  # noqa: PLC0415

            with status("Checking the model:"):
                deviations = deviations_for_friction(loaded.events, settings.model)
        with status("Ranking friction:") as progress:
            report = analyse(loaded, settings, complaints, progress=progress, deviations=deviations)
        report = replace(report, notes=notes + report.notes)
        warn(report.notes[len(notes):])
        if format.value == "table":
            text = friction_render.render_table(report, top=top or settings.friction.top)
        elif format.value == "markdown":
            text = friction_render.render_markdown(report, top=top or settings.friction.top)
        else:
            text = render("friction", format.value, report)
        emit(text, output, inputs=(log,))


@app.command(
    epilog=(
        "Examples:\n\n"
        "  cxmine timings examples/orders.csv\n\n"
        "  cxmine timings log.xes.gz --format csv -o gaps.csv"
    )
)
@opt.log_options()
def timings(
    log: opt.LogArgument,
    config: ConfigOption = None,
    format: opt.Format = opt.OutputFormat.table,
    output: opt.Output = None,
    options: object = None,
    debug: opt.Debug = False,
) -> None:
    """Customer-perceived timings: service and waiting time per step, per transition, the customer-visible
    gaps between touchpoints (with what happened behind the scenes) and promise keeping."""
    with handled(debug):
        from cxmine.core.timing_report import timings_report  # noqa: PLC0415
        from cxmine.render import render  # noqa: PLC0415

        settings, loaded = _config_and_log(log, config, options)
        report = timings_report(loaded, settings)
        emit(render("timings", format.value, report), output, inputs=(log,))


from cxmine.cli.init_cmd import EPILOG as _INIT_EPILOG, init as _init  # noqa: E402 - registered after the app exists

app.command(name="init", epilog=_INIT_EPILOG)(_init)

from cxmine.cli.report_cmd import EPILOG as _REPORT_EPILOG, report as _report  # noqa: E402

app.command(name="report", epilog=_REPORT_EPILOG)(_report)

from cxmine.cli.models_cmd import CONFORMANCE_EPILOG as _CONFORMANCE_EPILOG, DISCOVER_EPILOG as _DISCOVER_EPILOG  # noqa: E402
from cxmine.cli.models_cmd import conformance as _conformance, discover as _discover  # noqa: E402

app.command(name="discover", epilog=_DISCOVER_EPILOG)(_discover)
app.command(name="conformance", epilog=_CONFORMANCE_EPILOG)(_conformance)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except SystemExit as exc:  # keep Typer's exit code, map None to 0
        raise SystemExit(exc.code if exc.code is not None else ExitCode.OK) from None
