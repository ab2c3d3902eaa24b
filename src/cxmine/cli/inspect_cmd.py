"""`cxmine inspect LOG`: size, activities, variants, timings, attributes and data-quality findings."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxmine.cli import options as opt
from cxmine.cli.runtime import handled

EPILOG = (
    "Examples:\n\n"
    "  cxmine inspect examples/orders.csv\n\n"
    "  cxmine inspect log.xes.gz --format json | jq .variants\n\n"
    "  cxmine inspect export.csv --case Ticket --timestamp 'Closed at' --timestamp-format '%d/%m/%Y %H:%M'\n\n"
    "  cxmine inspect big/ --engine duckdb --memory-limit 4GB      # a Parquet dataset, out of core"
)

Formats = opt.format_choice("inspect")
Format = opt.format_option(Formats)
TopVariants = Annotated[int, typer.Option("--top-variants", min=0, help="How many variants to list.")]


@opt.engine_options()
@opt.log_options()
def inspect(
    log: opt.LogOrUrl,
    format: Format = Formats.table,
    output: opt.Output = None,
    top_variants: TopVariants = 10,
    engine: object = None,
    options: object = None,
    debug: opt.Debug = False,
) -> None:
    """Describe a log: size, activities, variants, timings, attributes and data-quality findings."""
    with handled(debug):
        from cxmine.api import summarise_on_engine  # noqa: PLC0415
        from cxmine.cli.common import check_outputs, choose_engine, emit_result, read_log, status, warn  # noqa: PLC0415
        from cxmine.config import Config  # noqa: PLC0415
        from cxmine.core.summary import summarise  # noqa: PLC0415
        from cxmine.engines.inspect import unsupported  # noqa: PLC0415
        from cxmine.io import check_readable  # noqa: PLC0415

        url = "://" in log  # s3a://, hdfs://: only Spark reads these
        target: Path | str = log if url else Path(log)
        reads = [] if url else [target]
        check_outputs([output], reads)
        if not url:
            check_readable(target)  # a missing file, an empty one, a folder without Parquet: one line, before an engine is chosen
        # inspect reads the log alone: no config applies, on whichever engine; a first look stays quiet on pandas
        settings = choose_engine(target, Config(), options, engine.name, engine.limits, gaps=unsupported, unsaid="pandas")
        if settings.engine == "pandas":
            summary = summarise(read_log(Path(log), options), top_variants=top_variants)
        else:
            with status(f"Describing {Path(log).name} on {settings.engine}:"):
                summary = summarise_on_engine(target, options, settings, top_variants=top_variants)
            warn(summary.load.warnings if summary.load is not None else ())
        emit_result("inspect", format, summary, output, reads)
