"""`cxmine convert LOG OUT`: the canonical table as Parquet, CSV or XES, written atomically."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

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
class Partition(str, Enum):
    month = "month"


PartitionOption = Annotated[Optional[Partition], typer.Option("--partition", help="Write a hive-partitioned Parquet dataset into the folder OUT, one partition per month in which cases start (for big logs: --since/--until then read only the months they need).")]
SafeCsv = Annotated[bool, typer.Option("--safe-csv", help="In CSV output, prefix cells that start with = + - @ with ' so spreadsheets do not run them as formulas (numbers stay numbers).")]


@opt.log_options()
def convert(
    log: opt.LogArgument,
    out: Out,
    safe_csv: SafeCsv = False,
    partition: PartitionOption = None,
    options: object = None,
    debug: opt.Debug = False,
) -> None:
    """Write the log in canonical form as Parquet, CSV or XES (written atomically; never over the input)."""
    with handled(debug):
        from cxmine.cli.common import read_log  # noqa: PLC0415
        from cxmine.cli.runtime import atomic_path, check_outputs, status, stderr_console, warn  # noqa: PLC0415
        from cxmine.errors import UsageError  # noqa: PLC0415
        from cxmine.io.writers import output_format, write  # noqa: PLC0415

        if partition is not None:
            _write_partitioned(log, out, options)
            return
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


def _write_partitioned(log: Path, out: Path, options) -> None:
    """A dataset folder written next to its final name and renamed into place: all or nothing."""
    import os  # noqa: PLC0415
    import shutil  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    from cxmine.cli.common import read_log  # noqa: PLC0415
    from cxmine.cli.runtime import stderr_console  # noqa: PLC0415
    from cxmine.errors import UsageError  # noqa: PLC0415
    from cxmine.io.writers import write_dataset  # noqa: PLC0415

    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError("--partition writes a new folder, and this one exists and is not empty", file=str(out), hint="choose a new folder name")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError("the output folder does not exist", file=str(parent), hint="create it first")
    loaded = read_log(log, options)
    temp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=parent))
    try:
        shutil.rmtree(temp)  # write_dataset creates it
        parts = write_dataset(loaded, temp)
        if out.exists():
            out.rmdir()
        os.replace(temp, out)
    finally:
        if temp.exists():
            shutil.rmtree(temp, ignore_errors=True)
    stderr_console().print(f"Wrote {out}/ ({len(loaded.events):,} events in {parts} monthly partitions)", markup=False, highlight=False)

