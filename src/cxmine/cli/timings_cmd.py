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
    engine: opt.Engine = opt.EngineChoice.auto,
    memory_limit: opt.MemoryLimit = None,
    threads: opt.Threads = None,
    temp_dir: opt.TempDir = None,
    options: object = None,
    debug: opt.Debug = False,
) -> None:
    """Customer-perceived timings: service and waiting time per step, per transition, the customer-visible
    gaps between touchpoints (with what happened behind the scenes) and promise keeping."""
    with handled(debug):
        from cxmine.api import customer_timings, customer_timings_on_engine  # noqa: PLC0415
        from cxmine.cli.common import check_outputs, choose_engine, emit_result, open_config, open_inputs, read_paths, status, warn  # noqa: PLC0415

        opened = open_config(log, config)
        settings = choose_engine(log, opened[0], options, engine, memory_limit, threads, temp_dir)
        if settings.engine == "pandas":
            inputs = open_inputs(log, options, opened, [output])
            emit_result("timings", format, customer_timings(inputs), output, inputs.paths)
            return
        reads = read_paths(log, opened[0])
        check_outputs([output], reads)
        with status(f"Computing timings of {log.name} on {settings.engine}:"):
            result = customer_timings_on_engine(log, options, opened[0], settings)
        warn(result.load.warnings if result.load is not None else ())
        emit_result("timings", format, result, output, reads)
