"""`cxmine cases LOG`: drill down — the cases behind a friction point, or the open cases in trouble now."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from cxmine.cli import options as opt
from cxmine.cli.runtime import handled

EPILOG = (
    "Examples:\n\n"
    "  cxmine cases examples/orders.csv --point 1                 # the cases behind the top friction point\n\n"
    "  cxmine cases log.xes.gz --kind rework --at 'Resolve ticket' --format csv -o rework.csv\n\n"
    "  cxmine cases log.xes.gz --kind wait --at 'A → B'\n\n"
    "  cxmine cases log.csv --open --where channel=phone          # this week's list: open cases in trouble now\n\n"
    "  cxmine cases log.csv --point 2 --redact --format json | jq '.cases[].case_id'\n\n"
    "  cxmine cases big/ --point 1 --engine duckdb --memory-limit 4GB    # a Parquet dataset bigger than memory"
)

Formats = opt.format_choice("cases")
Format = opt.format_option(Formats)
PANEL = "Which cases"
Point = Annotated[Optional[int], typer.Option("--point", min=1, help="The rank of a friction point (as `cxmine friction` ranks it with the same config).", rich_help_panel=PANEL)]
Kind = Annotated[Optional[str], typer.Option("--kind", help="Every friction of this kind (wait, rework, ping_pong, broken_promise, …).", rich_help_panel=PANEL)]
Activity = Annotated[Optional[str], typer.Option("--at", help="With --kind: at this activity, or a transition 'A → B'.", rich_help_panel=PANEL)]
OpenNow = Annotated[bool, typer.Option("--open", help="Open cases in a friction condition now: a wait past its threshold, a promise overdue or due within a day.", rich_help_panel=PANEL)]
Limit = Annotated[Optional[int], typer.Option("--limit", min=1, help="List at most this many cases (the total is still reported).", rich_help_panel=PANEL)]
Redact = Annotated[bool, typer.Option("--redact", help="Replace case and customer ids by stable pseudonyms.", rich_help_panel=PANEL)]




@opt.engine_options()
@opt.log_options()
def cases(
    log: opt.LogOrUrl,
    point: Point = None,
    kind: Kind = None,
    at: Activity = None,
    open_now: OpenNow = False,
    limit: Limit = None,
    redact: Redact = False,
    config: opt.ConfigOption = None,
    format: Format = Formats.table,
    output: opt.Output = None,
    engine: object = None,
    options: object = None,
    debug: opt.Debug = False,
) -> None:
    """List the cases behind a friction point (--point N, or --kind with --at), or the open cases in a
    friction condition now (--open), with what each lost and its outcomes."""
    with handled(debug):
        from cxmine.api import friction_engine_gaps, list_cases, list_cases_on_engine  # noqa: PLC0415
        from cxmine.cli.common import emit_result, open_inputs, plan_engine  # noqa: PLC0415
        from cxmine.cli.runtime import status, warn  # noqa: PLC0415
        from cxmine.errors import UsageError  # noqa: PLC0415

        if at is not None and kind is None:
            raise UsageError("--at needs --kind", hint="e.g. --kind rework --at 'Resolve ticket'")

        run = plan_engine(log, config, options, engine, gaps=friction_engine_gaps)
        if run.pandas:
            inputs = open_inputs(run.log, options, run.opened, [output])
            reads = inputs.paths
            with status("Finding the cases:") as progress:
                result = list_cases(inputs, point=point, kind=kind, activity=at, open_now=open_now, limit=limit, progress=progress)
        else:
            reads = run.reads([output])
            with status(f"Finding the cases on {run.settings.engine}:"):
                result = list_cases_on_engine(run.log, options, run.opened[0], run.settings, point=point, kind=kind, activity=at, open_now=open_now, limit=limit, notes=run.opened[1])
            warn((result.load.warnings if result.load is not None else ()) + result.notes[len(run.opened[1]):])
        if redact:
            import os  # noqa: PLC0415

            from cxmine.report.redact import DEFAULT_SALT, redact_cases  # noqa: PLC0415

            result = redact_cases(result, salt=os.environ.get("CXMINE_REDACT_SALT") or DEFAULT_SALT)
        emit_result("cases", format, result, output, reads)
