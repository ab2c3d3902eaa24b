"""`cxmine init LOG`: write a commented starter cxmine.toml built from the log's own columns and activities."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cxmine.cli import options as opt
from cxmine.cli.runtime import handled

EPILOG = (
    "Examples:\n\n"
    "  cxmine init examples/orders.csv      # writes examples/cxmine.toml\n\n"
    "  cxmine init export.csv --case Ticket -o cxmine.toml --force\n\n"
    "  cxmine init log.xes.gz -o -          # print it on stdout\n\n"
    "Then edit the touchpoints and promises sections (docs/config.md lists every key)."
)

ConfigOutput = Annotated[
    Optional[Path],
    typer.Option(
        "--output",
        "-o",
        help="Where to write the config ('-' for stdout). Default: cxmine.toml next to the log.",
        show_default=False,
    ),
]
Force = Annotated[bool, typer.Option("--force", help="Overwrite an existing config file.")]


@opt.log_options(window=False)
def init(
    log: opt.LogArgument,
    output: ConfigOutput = None,
    force: Force = False,
    options: object = None,
    debug: opt.Debug = False,
) -> None:
    """Write a starter cxmine.toml for a log: its column mapping, its activities as a touchpoint list to
    edit, an example promise, and the complaints, calendar and friction sections, commented out."""
    with handled(debug):
        from cxmine.cli.common import read_log  # noqa: PLC0415
        from cxmine.cli.runtime import check_outputs, emit, stderr_console, write_atomic  # noqa: PLC0415
        from cxmine.config import CONFIG_NAME, starter_config  # noqa: PLC0415
        from cxmine.errors import UsageError  # noqa: PLC0415

        to_stdout = output is not None and str(output) == "-"
        target = output if output is not None else log.parent / CONFIG_NAME
        if not to_stdout and target.exists() and not force:  # fail before reading a large log
            raise UsageError(
                "a config file already exists",
                file=str(target),
                hint="pass --force to overwrite it, or --output to write somewhere else",
            )
        check_outputs([None if to_stdout else target], [log])
        loaded = read_log(log, options)
        folder = Path.cwd() if to_stdout else target.parent
        text = starter_config(loaded, options=options, config_dir=folder)
        if to_stdout:
            emit(text, None)
            return
        write_atomic(target, text, inputs=(log,))
        activities = loaded.events["activity"].nunique()
        stderr_console().print(
            f"Wrote {target} ({activities:,} activities listed) — mark the customer touchpoints and add your "
            "promises, then run cxmine again on this log",
            markup=False,
        )
