"""`cxmine inspect LOG`: size, activities, variants, timings, attributes and data-quality findings."""
from __future__ import annotations

from typing import Annotated

import typer

from cxmine.cli import options as opt
from cxmine.cli.runtime import handled

EPILOG = (
    "Examples:\n\n"
    "  cxmine inspect examples/orders.csv\n\n"
    "  cxmine inspect log.xes.gz --format json | jq .variants\n\n"
    "  cxmine inspect export.csv --case Ticket --timestamp 'Closed at' --timestamp-format '%d/%m/%Y %H:%M'"
)

Formats = opt.format_choice("inspect")
Format = opt.format_option(Formats)
TopVariants = Annotated[int, typer.Option("--top-variants", min=0, help="How many variants to list.")]


@opt.log_options()
def inspect(
    log: opt.LogArgument,
    format: Format = Formats.table,
    output: opt.Output = None,
    top_variants: TopVariants = 10,
    options: object = None,
    debug: opt.Debug = False,
) -> None:
    """Describe a log: size, activities, variants, timings, attributes and data-quality findings."""
    with handled(debug):
        from cxmine.cli.common import emit_result, read_log  # noqa: PLC0415
        from cxmine.cli.runtime import check_outputs  # noqa: PLC0415
        from cxmine.core.summary import summarise  # noqa: PLC0415

        check_outputs([output], [log])
        summary = summarise(read_log(log, options), top_variants=top_variants)
        emit_result("inspect", format, summary, output, [log])
