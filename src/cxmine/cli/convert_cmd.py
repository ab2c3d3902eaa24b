"""`cxmine convert LOG OUT`: the canonical table as Parquet, CSV or XES, written atomically."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxmine.cli import options as opt
from cxmine.cli.runtime import handled

EPILOG = (
    "Examples:\n\n"
    "  cxmine convert big.xes.gz big.parquet      # parse once, analyse fast afterwards\n\n"
    "  cxmine convert export.csv log.xes --case Ticket\n\n"
    "  cxmine convert log.xes.gz for-excel.csv --safe-csv   # cells starting with = + - @ cannot run as formulas\n\n"
    "  cxmine inspect big.parquet                 # reads what convert wrote, no flags needed"
)

Out = Annotated[Path, typer.Argument(help="Output file: .parquet, .csv, .csv.gz, .xes or .xes.gz.", show_default=False)]
SafeCsv = Annotated[bool, typer.Option("--safe-csv", help="In CSV output, prefix cells that start with = + - @ with ' so spreadsheets do not run them as formulas (numbers stay numbers).")]


@opt.log_options()
def convert(
    log: opt.LogArgument,
    out: Out,
    safe_csv: SafeCsv = False,
    options: object = None,
    debug: opt.Debug = False,
) -> None:
    """Write the log in canonical form as Parquet, CSV or XES (written atomically; never over the input)."""
    with handled(debug):
        from cxmine.cli.common import read_log  # noqa: PLC0415
        from cxmine.cli.runtime import atomic_path, check_outputs, status, stderr_console, warn  # noqa: PLC0415
        from cxmine.errors import UsageError  # noqa: PLC0415
        from cxmine.io.writers import output_format, write  # noqa: PLC0415

        kind = output_format(out)
        if kind is None:
            raise UsageError("unknown output format", file=str(out), hint="use .parquet, .csv, .csv.gz, .xes or .xes.gz")
        if safe_csv and kind != "csv":
            raise UsageError("--safe-csv only applies to CSV output", file=str(out), hint="write .csv or .csv.gz, or drop --safe-csv")
        check_outputs([out], [log])
        loaded = read_log(log, options)
        extra = {"safe_csv": True} if safe_csv else {}
        with status(f"Writing {out.name}…"), atomic_path(out, inputs=(log,)) as temp:
            notes = write(loaded, temp, kind, gzip=out.name.lower().endswith(".gz"), **extra)
        warn(notes or ())
        cases = loaded.events["case_id"].nunique()
        stderr_console().print(f"Wrote {out} ({len(loaded.events):,} events, {cases:,} cases)", markup=False, highlight=False)
