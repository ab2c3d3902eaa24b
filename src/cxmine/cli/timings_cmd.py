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


LogOrUrl = opt.Annotated[str, opt.typer.Argument(help="Event log: .xes, .xes.gz, .csv, .csv.gz, .tsv, .parquet or a Parquet dataset folder; with --engine spark also a URL Spark reads (s3a://, hdfs://).", show_default=False)]


@opt.log_options()
def timings(
    log: LogOrUrl,
    config: opt.ConfigOption = None,
    format: Format = Formats.table,
    output: opt.Output = None,
    engine: opt.Engine = opt.EngineChoice.auto,
    memory_limit: opt.MemoryLimit = None,
    threads: opt.Threads = None,
    temp_dir: opt.TempDir = None,
    spark_master: opt.SparkMaster = None,
    spark_conf: opt.SparkConf = None,
    options: object = None,
    debug: opt.Debug = False,
) -> None:
    """Customer-perceived timings: service and waiting time per step, per transition, the customer-visible
    gaps between touchpoints (with what happened behind the scenes) and promise keeping."""
    with handled(debug):
        from cxmine.api import customer_timings, customer_timings_on_engine  # noqa: PLC0415
        from cxmine.cli.common import check_outputs, choose_engine, emit_result, open_config, open_inputs, read_paths, status, warn  # noqa: PLC0415

        url = "://" in log  # s3a://, hdfs://: only Spark reads these
        local = Path(log)
        opened = open_config(None if url else local, config)
        limits = {"memory_limit": memory_limit, "threads": threads, "temp_dir": temp_dir, "spark_master": spark_master, "spark_conf": spark_conf}
        settings = choose_engine(log if url else local, opened[0], options, engine, limits)
        if settings.engine == "pandas":
            inputs = open_inputs(local, options, opened, [output])
            emit_result("timings", format, customer_timings(inputs), output, inputs.paths)
            return
        reads = read_paths(local, opened[0]) if not url else ()
        check_outputs([output], reads)
        with status(f"Computing timings of {local.name} on {settings.engine}:"):
            result = customer_timings_on_engine(log if url else local, options, opened[0], settings)
        warn(result.load.warnings if result.load is not None else ())
        emit_result("timings", format, result, output, reads)
