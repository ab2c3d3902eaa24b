"""The canonical events on Spark: the reader edge for the Spark engine (PySpark DataFrames), with the same
rules as core.normalise and engines.source (role columns as stripped text, blank means missing, unusable
rows dropped and counted, times in UTC, ties in file order). The analytics are engines.timings' ibis
expressions, compiled by ibis for PySpark — the same ones DuckDB runs.

Needs pyspark (`pip install 'cxmine[spark]'`) and a Java runtime. `--spark-master` is `local[*]` by default;
`spark://host:7077`, `yarn`, `k8s://…` work as with spark-submit, and `--spark-conf key=value` passes settings.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from cxmine.core import schema
from cxmine.core.normalise import resolve_mapping, window_months
from cxmine.engines.source import PARTITION, Source, attribute_names, check_time_type, clean_names, dropped_rows, only_completions, window_bounds
from cxmine.errors import EngineError, InputError, UsageError
from cxmine.model import EngineSettings, EventLog, LoadOptions, Warning_

_BLANKS = r"^[ \t\n\r\x0b\x0c]+|[ \t\n\r\x0b\x0c]+$"  # what Python's str.strip() removes from ASCII text


def session(settings: EngineSettings):
    """A SparkSession for `settings` (reused when one runs), quiet on stderr; one clear line when pyspark or
    Java is missing (exit 2) or the master cannot be reached (exit 2)."""
    import importlib.util  # noqa: PLC0415
    import warnings  # noqa: PLC0415

    if importlib.util.find_spec("pyspark") is None:
        raise UsageError("the spark engine needs pyspark", hint="pip install 'cxmine[spark]' (and a Java runtime), or pass --engine duckdb")
    # pyspark warns about pandas 3 on every conversion; the conversions cxmine does (arrow, plain columns) work.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise UsageError("the spark engine needs a Java runtime, and none is installed", hint="install one (Debian: apt-get install default-jre-headless), or pass --engine duckdb")
    # Under spark-submit the JVM and its master exist already: keep them unless --spark-master says otherwise.
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ
    master = settings.spark_master or ("" if submitted else "local[*]")
    _reachable(master)
    conf = {
        "spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false", "spark.sql.session.timeZone": "UTC",
        "spark.sql.execution.arrow.pyspark.enabled": "true", "spark.sql.ansi.enabled": "false",
        **({"spark.sql.shuffle.partitions": "8"} if master.startswith("local") else {}),  # a laptop's few cores
        **dict(settings.spark_conf),
    }
    try:
        spark = _start(master, conf)
    except EngineError:
        raise
    except Exception as exc:  # a JVM that would not start, a master that refused us
        raise EngineError(f"Spark did not start ({_one_line(exc)})", hint=f"check --spark-master and --spark-conf; the JVM's log is {JVM_LOG}") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _instant(utc_text: str):
    """A UTC time as a Spark timestamp literal (read in the session zone, UTC — never the machine's)."""
    from pyspark.sql import functions as F  # noqa: PLC0415, N812

    return F.to_timestamp(F.lit(utc_text))


JVM_LOG = Path(tempfile.gettempdir()) / "cxmine-spark-jvm.log"


def _start(master: str, conf: dict[str, str]):
    """The session, on a JVM whose own output (log4j banners, warnings, stack traces) goes to JVM_LOG, not
    to the user's stderr: `--debug` shows a failure's Python traceback, the log the JVM's side."""
    from pyspark import SparkConf, SparkContext  # noqa: PLC0415
    from pyspark.java_gateway import launch_gateway  # noqa: PLC0415
    from pyspark.sql import SparkSession  # noqa: PLC0415

    if SparkContext._active_spark_context is None:  # noqa: SLF001 - one JVM per process, reused
        settings = SparkConf().setAppName("cxmine").setAll(list(conf.items()))
        if master:
            settings = settings.setMaster(master)
        with open(JVM_LOG, "ab") as log:
            gateway = launch_gateway(settings, popen_kwargs={"stdout": log, "stderr": log})
        interrupt = signal.getsignal(signal.SIGINT)
        SparkContext(conf=settings, gateway=gateway)
        signal.signal(signal.SIGINT, interrupt)  # SparkContext takes Ctrl-C over; cxmine's exit-code contract keeps it
    return SparkSession.builder.getOrCreate()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def _reachable(master: str) -> None:
    """A standalone master (spark://host:port) that does not answer is exit 2 in seconds, not a JVM retrying
    for minutes."""
    if not master.startswith("spark://"):
        return
    for address in master[len("spark://"):].split(","):
        host, _, port = address.partition(":")
        try:
            with socket.create_connection((host, int(port or 7077)), timeout=5):
                return
        except (OSError, ValueError):
            continue
    raise UsageError(f"cannot reach the Spark master {master}", hint="check --spark-master (e.g. spark://host:7077) and that the master runs")


# Spark's types of the columns that can be case attributes, named as engines.source names DuckDB's.
_PLAIN = {"string": "VARCHAR", "byte": "TINYINT", "short": "SMALLINT", "integer": "INTEGER", "long": "BIGINT", "float": "FLOAT", "double": "DOUBLE"}


def open_spark_source(path: str | Path, options: LoadOptions, settings: EngineSettings, *, keep_lifecycle: bool = False, attributes: bool = False) -> Source:
    """The canonical events of `path` (a Parquet file or dataset; any path Spark's filesystems read, such as
    s3a:// or hdfs://) as the temporary view `events`, with what loading them taught. Lifecycle events that
    are not completions are left out and counted in `notes` (engines.source.open_source's rule); with
    `keep_lifecycle` (inspect) they stay, still counted. With `attributes`, `events` also carries the other plain
    columns (numbers and text), as on DuckDB (engines.source.open_source)."""
    import ibis  # noqa: PLC0415
    from pyspark.sql import functions as F  # noqa: PLC0415, N812

    spark = session(settings)
    source = str(path)
    raw = _read(spark, source)
    raw.createOrReplaceTempView("raw")  # the input as read, with `_pos`: what reads other columns than the events' (engines.inspect)
    columns = [c for c in raw.columns if c not in (PARTITION, "_pos")]
    mapping = resolve_mapping(columns, options, source=source)
    lifecycle = schema.detect_lifecycle([c for c in columns if c not in mapping.values()])
    if lifecycle is not None:
        values = [row[0] for row in raw.select(F.lower(F.trim(F.col(f"`{lifecycle}`").cast("string")))).distinct().collect()]
        only_completions(values, lifecycle, source, "spark", skipped=True)
    raw = _prune_months(raw, options)
    stamp = _utc(raw, mapping[schema.TIMESTAMP], options, source)
    start = _utc(raw, mapping[schema.START], options, source) if mapping[schema.START] else F.lit(None).cast("timestamp")
    names, activity = _coded(spark, raw, mapping[schema.ACTIVITY], "code")
    kinds = {field.name: _PLAIN.get(field.dataType.typeName()) for field in raw.schema.fields}
    extra = {raw_name: name for raw_name, name in attribute_names(columns, mapping, lifecycle).items() if kinds.get(raw_name)} if attributes else {}
    case = F.regexp_replace(F.col(f"`{mapping[schema.CASE]}`").cast("string"), _BLANKS, "")
    loaded = raw.select(
        F.when(case != "", case).alias("case_id"), F.col(f"`{mapping[schema.ACTIVITY]}`").cast("string").alias("_activity"), stamp.alias("timestamp"),
        start.alias("start_read"), (F.col(f"`{mapping[schema.RESOURCE]}`").cast("string") if mapping[schema.RESOURCE] else F.lit(None).cast("string")).alias("_resource"),
        F.col("_pos").alias("pos"), (F.col(f"`{lifecycle}`").cast("string") if lifecycle else F.lit(None).cast("string")).alias("lifecycle_read"),
        *(F.col(f"`{raw_name}`").alias(name) for raw_name, name in extra.items()),
    ).join(F.broadcast(activity), "_activity", "left")  # fmt: skip
    resources: tuple[str, ...] = ()
    if mapping[schema.RESOURCE]:
        resources, resource = _coded(spark, raw, mapping[schema.RESOURCE], "resource")
        loaded = loaded.join(F.broadcast(resource.withColumnRenamed("_activity", "_resource")), "_resource", "left")
    else:
        loaded = loaded.withColumn("resource", F.lit(None).cast("int"))
    loaded = loaded.drop("_activity", "_resource").persist()
    warnings, counts = _usable(loaded, mapping, naive=_naive(raw, mapping[schema.TIMESTAMP]), source=source)
    low, high = _instant("1677-09-22 00:00:00"), _instant("2262-04-11 00:00:00")
    start_kept = F.when((F.col("start_read") >= low) & (F.col("start_read") < high), F.col("start_read"))
    events = loaded.filter(F.col("case_id").isNotNull() & F.col("code").isNotNull() & F.col("timestamp").isNotNull() & (F.col("timestamp") >= low) & (F.col("timestamp") < high))
    events = events.select("case_id", "code", "timestamp", start_kept.alias("start"), F.coalesce(start_kept, F.col("timestamp")).alias("begin"), "resource", "pos", "lifecycle_read", *(F.col(f"`{name}`") for name in extra.values()))
    events = _window(events, options, source)
    notes: tuple[Warning_, ...] = ()
    if lifecycle is not None:
        events, notes = _completions(events, keep_lifecycle)
    events = events.drop("lifecycle_read")
    events.createOrReplaceTempView("events")
    loaded.createOrReplaceTempView("loaded")
    load = EventLog(
        events=pd.DataFrame(), source=source, format="parquet", columns_used=dict(mapping, lifecycle=lifecycle),
        warnings=tuple(warnings), rows_read=counts[0], rows_unusable=counts[1],
    )
    con = ibis.pyspark.connect(spark)
    return Source(con, con.table("events"), names, mapping[schema.START] is not None, mapping[schema.RESOURCE] is not None, load, bitmask=False, resources=resources, notes=notes,
        attributes={name: kinds[raw_name] for raw_name, name in extra.items()},
    )


def _completions(events, keep: bool):
    """Lifecycle events that are not completions (schedule, …): counted in the pandas engine's note, and left
    out unless `keep` (engines.source._not_completions, on Spark)."""
    from pyspark.sql import functions as F  # noqa: PLC0415, N812

    value = F.lower(F.trim(F.col("lifecycle_read")))
    complete = F.col("lifecycle_read").isNull() | value.isin("complete", "completed", "")
    found = sorted((row[0], int(row[1])) for row in events.filter(~complete).groupBy("lifecycle_read").count().collect())
    if not found:
        return events, ()
    values = ", ".join(str(v) for v, _ in found[:3])
    note = Warning_("non_complete_events", f"lifecycle events that are not completions ({values}) are not counted as occurrences of a step", sum(n for _, n in found))
    return (events if keep else events.filter(complete)), (note,)


def _read(spark, source: str):
    """The Parquet file or dataset, with `_pos`: increasing in file order (files in path order), for ties."""
    from pyspark.sql import functions as F  # noqa: PLC0415, N812

    local = Path(source)
    if "://" not in source and not local.exists():
        raise InputError("file not found", file=source, hint="check the path")
    try:
        frame = spark.read.parquet(source)
    except Exception as exc:  # AnalysisException: not Parquet, files that disagree on column types
        raise InputError(
            f"the Parquet input cannot be read ({_one_line(exc)})", file=source,
            hint="every file of a dataset needs the same columns with the same types (write them with 'cxmine convert')",
        ) from None
    return frame.withColumn("_pos", F.monotonically_increasing_id())


def _coded(spark, raw, column: str, code: str):
    """Clean names of a text column (stripped, blanks dropped, sorted as Python sorts) and a small table from
    each raw value to its clean name's code, for a broadcast join: names are cleaned once per distinct value."""
    from pyspark.sql import functions as F  # noqa: PLC0415, N812

    values = [row[0] for row in raw.select(F.col(f"`{column}`").cast("string")).distinct().collect() if row[0] is not None]
    names, codes = clean_names(values)
    table = pd.DataFrame({"_activity": values, code: codes}).astype({code: "Int32"})
    schema_ = f"_activity string, {code} int"
    return names, spark.createDataFrame(table if len(table) else pd.DataFrame({"_activity": [], code: []}), schema=schema_)


def _naive(raw, column: str) -> bool:
    return raw.schema[column].dataType.typeName() == "timestamp_ntz"


def _utc(raw, column: str, options: LoadOptions, source: str):
    """A typed timestamp column as an instant (the session zone is UTC; naive values are read as UTC)."""
    from pyspark.sql import functions as F  # noqa: PLC0415, N812

    kind = raw.schema[column].dataType.typeName()
    check_time_type(column, kind, typed=kind in ("timestamp", "timestamp_ntz"), naive=kind == "timestamp_ntz", options=options, source=source, engine="spark")
    return F.col(f"`{column}`").cast("timestamp")


def _usable(loaded, mapping: dict, *, naive: bool, source: str) -> tuple[list[Warning_], tuple[int, int]]:
    """Unusable rows counted once each, under the first reason (as engines.source._usable; no example rows:
    Spark's row ids are not row numbers)."""
    from pyspark.sql import functions as F  # noqa: PLC0415, N812

    low, high = _instant("1677-09-22 00:00:00"), _instant("2262-04-11 00:00:00")
    case, code, stamp, start = (F.col(c) for c in ("case_id", "code", "timestamp", "start_read"))
    outside = (stamp < low) | (stamp >= high)

    def count(condition) -> Any:
        return F.sum(F.when(condition, 1).otherwise(0))

    row = loaded.agg(
        F.count(F.lit(1)).alias("rows"), count(case.isNull()).alias("no_case"), count(case.isNotNull() & code.isNull()).alias("no_activity"),
        count(case.isNotNull() & code.isNotNull() & stamp.isNull()).alias("no_time"), count(case.isNotNull() & code.isNotNull() & outside).alias("outside"),
        count((start < low) | (start >= high)).alias("start_outside"), F.count(stamp).alias("stamped"), F.count(case).alias("cases"), F.count(code).alias("activities"),
    ).collect()[0].asDict()  # fmt: skip
    return dropped_rows({k: int(v or 0) for k, v in row.items()}, mapping, naive=naive, source=source)


def _prune_months(raw, options: LoadOptions):
    """--since/--until on a `case_month` dataset: Spark skips the partitions outside the months."""
    from pyspark.sql import functions as F  # noqa: PLC0415, N812

    if PARTITION not in raw.columns:
        return raw
    month = F.col(PARTITION).cast("string")
    since, until = window_months(options)
    if since:
        raw = raw.filter(month >= since)
    if until:
        raw = raw.filter(month <= until)
    return raw


def _window(events, options: LoadOptions, source: str):
    """Whole cases that start in [since, until) (core.normalise's window)."""
    from pyspark.sql import functions as F  # noqa: PLC0415, N812

    if not (options.since or options.until):
        return events
    first = events.groupBy("case_id").agg(F.min("timestamp").alias("_first"))
    since, until = window_bounds(options)
    if since:
        first = first.filter(F.col("_first") >= _instant(since))
    if until:
        first = first.filter(F.col("_first") < _instant(until))
    kept = events.join(first.select("case_id"), "case_id", "left_semi")
    if kept.limit(1).count() == 0:
        raise InputError("no case starts inside the --since/--until window", file=source)
    return kept
