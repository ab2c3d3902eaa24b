"""`cxmine timings LOG`: customer-perceived timings per step, transition, customer-visible gap and promise."""
from __future__ import annotations

from cxmine.cli import options as opt
from cxmine.cli.runtime import handled

EPILOG = (
    "Examples:\n\n"
    "  cxmine timings examples/orders.csv\n\n"
    "  cxmine timings log.xes.gz --format csv -o gaps.csv"
)

Formats = opt.format_choice("timings")
Format = opt.format_option(Formats)


@opt.log_options()
def timings(
    log: opt.LogArgument,
    config: opt.ConfigOption = None,
    format: Format = Formats.table,
    output: opt.Output = None,
    options: object = None,
    debug: opt.Debug = False,
) -> None:
    """Customer-perceived timings: service and waiting time per step, per transition, the customer-visible
    gaps between touchpoints (with what happened behind the scenes) and promise keeping."""
    with handled(debug):
        from cxmine.api import customer_timings  # noqa: PLC0415
        from cxmine.cli.common import emit_result, open_config, open_inputs  # noqa: PLC0415

        inputs = open_inputs(log, options, open_config(log, config), [output])
        emit_result("timings", format, customer_timings(inputs), output, inputs.paths)
