"""The `cxmine` Typer app: a bare app on which each command module's function is registered.

Commands only parse, call the library, render and exit. Heavy imports (pandas, pyarrow, pm4py) happen
inside command bodies, so `cxmine --help` stays fast. Command modules never import this module or each
other (they share cli/options, cli/runtime and cli/common).
"""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from cxmine import __version__
from cxmine.cli import cases_cmd, convert_cmd, friction_cmd, init_cmd, inspect_cmd, journey_cmd, models_cmd, report_cmd, timings_cmd
from cxmine.cli.runtime import ExitCode

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
    rich_markup_mode=None,  # help text is plain text: "[friction] top" must not be read as markup
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


# (name, function, epilog): the order of `cxmine --help`.
COMMANDS = (
    ("inspect", inspect_cmd.inspect, inspect_cmd.EPILOG),
    ("convert", convert_cmd.convert, convert_cmd.EPILOG),
    ("init", init_cmd.init, init_cmd.EPILOG),
    ("timings", timings_cmd.timings, timings_cmd.EPILOG),
    ("friction", friction_cmd.friction, friction_cmd.EPILOG),
    ("discover", models_cmd.discover, models_cmd.DISCOVER_EPILOG),
    ("conformance", models_cmd.conformance, models_cmd.CONFORMANCE_EPILOG),
    ("cases", cases_cmd.cases, cases_cmd.EPILOG),
    ("journey", journey_cmd.journey, journey_cmd.JOURNEY_EPILOG),
    ("portfolio", journey_cmd.portfolio, journey_cmd.PORTFOLIO_EPILOG),
    ("report", report_cmd.report, report_cmd.EPILOG),
)
for _name, _function, _epilog in COMMANDS:
    app.command(name=_name, epilog=_epilog)(_function)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except SystemExit as exc:  # keep Typer's exit code, map None to 0
        raise SystemExit(exc.code if exc.code is not None else ExitCode.OK) from None
