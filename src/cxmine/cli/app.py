"""The `cxmine` Typer app. Commands only parse, call the library, render and exit.

Heavy imports (pandas, pyarrow, pm4py) happen inside command bodies, so `cxmine --help` stays fast.
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cxmine import __version__
from cxmine.cli import options as opt
from cxmine.cli.runtime import ExitCode, emit, handled, status, warn

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


def load_options(
    case, activity, timestamp, start_timestamp, resource, timestamp_format, timezone, encoding, lifecycle_in_activity, since, until
):
    from cxmine.model import LoadOptions  # noqa: PLC0415

    return LoadOptions(
        case=case,
        activity=activity,
        timestamp=timestamp,
        start_timestamp=start_timestamp,
        resource=resource,
        timestamp_format=timestamp_format,
        timezone=timezone,
        encoding=encoding,
        lifecycle_in_activity=lifecycle_in_activity,
        since=since,
        until=until,
    )


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
def inspect(
    log: opt.LogArgument,
    format: opt.Format = opt.OutputFormat.table,
    output: opt.Output = None,
    top_variants: Annotated[int, typer.Option("--top-variants", min=0, help="How many variants to list.")] = 10,
    case: opt.Case = None,
    activity: opt.Activity = None,
    timestamp: opt.Timestamp = None,
    start_timestamp: opt.StartTimestamp = None,
    resource: opt.Resource = None,
    timestamp_format: opt.TimestampFormat = None,
    timezone: opt.Timezone = "UTC",
    encoding: opt.Encoding = "utf-8",
    lifecycle_in_activity: opt.LifecycleInActivity = False,
    since: opt.Since = None,
    until: opt.Until = None,
    debug: opt.Debug = False,
) -> None:
    """Describe a log: size, activities, variants, timings, attributes and data-quality findings."""
    with handled(debug):
        from cxmine.core.summary import summarise  # noqa: PLC0415
        from cxmine.render import render  # noqa: PLC0415

        if format.value == "csv":
            from cxmine.errors import UsageError  # noqa: PLC0415

            raise UsageError("--format csv is not available for 'inspect'", hint="use table, json or markdown")
        options = load_options(case, activity, timestamp, start_timestamp, resource, timestamp_format, timezone, encoding, lifecycle_in_activity, since, until)
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
def convert(
    log: opt.LogArgument,
    out: Annotated[Path, typer.Argument(help="Output file: .parquet, .csv, .csv.gz, .xes or .xes.gz.", show_default=False)],
    case: opt.Case = None,
    activity: opt.Activity = None,
    timestamp: opt.Timestamp = None,
    start_timestamp: opt.StartTimestamp = None,
    resource: opt.Resource = None,
    timestamp_format: opt.TimestampFormat = None,
    timezone: opt.Timezone = "UTC",
    encoding: opt.Encoding = "utf-8",
    lifecycle_in_activity: opt.LifecycleInActivity = False,
    since: opt.Since = None,
    until: opt.Until = None,
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
        options = load_options(case, activity, timestamp, start_timestamp, resource, timestamp_format, timezone, encoding, lifecycle_in_activity, since, until)
        with atomic_path(out, inputs=(log,)) as temp:
            loaded = read_log(log, options)
            with status(f"Writing {out.name}…"):
                write(loaded, temp, kind, gzip=out.name.lower().endswith(".gz"))
        stderr_console().print(f"Wrote {out} ({len(loaded.events):,} events, {loaded.events['case_id'].nunique():,} cases)")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except SystemExit as exc:  # keep Typer's exit code, map None to 0
        raise SystemExit(exc.code if exc.code is not None else ExitCode.OK) from None
