"""`cxmine timings LOG`: customer-perceived timings per step, transition, customer-visible gap and promise."""
from __future__ import annotations

from pathlib import Path

from cxmine.cli import options as opt
from cxmine.cli.runtime import handled

EPILOG = (
    "Examples:\n\n"
    "  cxmine timings examples/orders.csv\n\n"
    "  cxmine timings log.xes.gz --format csv -o gaps.csv"
)

Formats = opt.format_choice("timings")
Format = opt.format_option(Formats)




@opt.engine_options()
@opt.log_options()
def timings(
    log: opt.LogOrUrl,
    config: opt.ConfigOption = None,
    format: Format = Formats.table,
    output: opt.Output = None,
    engine: object = None,
    options: object = None,
    debug: opt.Debug = False,
) -> None:
    """Customer-perceived timings: service and waiting time per step, per transition, the customer-visible
    gaps between touchpoints (with what happened behind the scenes) and promise keeping."""
    with handled(debug):
        from cxmine.api import customer_timings, customer_timings_on_engine  # noqa: PLC0415
        from cxmine.cli.common import emit_result, open_inputs, plan_engine, status, warn  # noqa: PLC0415

        run = plan_engine(log, config, options, engine)
        if run.pandas:
            inputs = open_inputs(run.log, options, run.opened, [output])
            emit_result("timings", format, customer_timings(inputs), output, inputs.paths)
            return
        reads = run.reads([output])
        with status(f"Computing timings of {Path(str(run.log)).name} on {run.settings.engine}:"):
            result = customer_timings_on_engine(run.log, options, run.opened[0], run.settings)
        warn(result.load.warnings if result.load is not None else ())
        emit_result("timings", format, result, output, reads)
