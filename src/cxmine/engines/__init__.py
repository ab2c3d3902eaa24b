"""Engines: where the event-level work runs.

`pandas` (in memory, the default) is the core itself. `duckdb` runs the same analytics as ibis
expressions (cxmine.engines.timings) on DuckDB, out of core: a Parquet file or dataset larger than memory
is read, sorted and windowed by DuckDB, and only small per-step and per-gap aggregates come back to
pandas, where the shared assembly (cxmine.core.timing_report) turns them into the same result.
`auto` picks DuckDB for large Parquet inputs it supports, pandas otherwise, and says why on stderr.
`spark` runs the same ibis expressions on PySpark (cxmine.engines.spark reads the events); only when asked.
"""
from __future__ import annotations

from pathlib import Path

from cxmine.errors import UsageError

ENGINES = ("auto", "pandas", "duckdb", "spark")
AUTO_ROWS = 5_000_000  # auto: a Parquet input with at least this many rows goes to DuckDB


def duckdb_unsupported(path: Path | str, config, options) -> str | None:
    """Why the DuckDB (or Spark) engine cannot run this input and configuration today (None: it can). Each
    reason is something the pandas engine does that the other engines do not do yet; the user is told which."""
    if not isinstance(path, str) and not (path.is_dir() or path.name.lower().endswith((".parquet", ".pq", ".parq"))):  # a str: a URL, Spark's to read
        return "it reads Parquet (a file, a folder or a partitioned dataset): convert the log once with 'cxmine convert LOG out.parquet'"
    prepare = config.prepare
    pandas_only = (
        (options.where, "--where is not supported on it yet"),
        (options.lifecycle_in_activity, "--lifecycle-in-activity is not supported on it yet"),
        (options.timestamp_format, "--timestamp-format is not supported on it (it needs typed timestamps: write the Parquet with 'cxmine convert')"),
        (options.drop_duplicates or options.merge_repeats or options.missing or prepare.drop_duplicates or prepare.merge_repeats or prepare.missing,
         "[prepare] (--drop-duplicates, --merge-repeats, --missing) is not supported on it yet"),
        (config.touchpoints.attribute, "[touchpoints] attribute is not supported on it yet (name the touchpoint activities instead)"),
        (config.calendar is not None, "[calendar] working time is not supported on it yet"),
        (config.complaints is not None and config.complaints.activity_pattern, "[complaints] activity_pattern is not supported on it yet"),
    )  # fmt: skip
    found = next((reason for given, reason in pandas_only if given), None)
    return found or (_untyped_times(path, options) if not isinstance(path, str) else None)


def _untyped_times(path: Path, options) -> str | None:
    """Why the engines cannot read this Parquet's times (None: they can): they need typed timestamps, and a
    file written by another tool may hold them as text. Read from the schema alone."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.dataset as ds  # noqa: PLC0415

    from cxmine.core import schema  # noqa: PLC0415
    from cxmine.core.normalise import resolve_mapping  # noqa: PLC0415

    try:
        stored = ds.dataset(path, format="parquet", partitioning="hive").schema
        mapping = resolve_mapping(list(stored.names), options, source=str(path))
    except Exception:  # noqa: BLE001 - an unreadable input, or no time column: the reader says so in its own words
        return None
    for role in (schema.TIMESTAMP, schema.START):
        column = mapping.get(role)
        if column is not None and not pa.types.is_timestamp(stored.field(column).type) and not pa.types.is_date(stored.field(column).type):
            return f"it needs typed timestamps, and column {column!r} holds {stored.field(column).type} (write the Parquet with 'cxmine convert')"
    return _unpaired_starts(stored, path, [c for c in stored.names if c not in mapping.values()])


def _unpaired_starts(stored, path: Path, others: list[str]) -> str | None:
    """Lifecycle `start` events still to be paired with their completions (a Parquet not written by
    `cxmine convert`, which pairs them): only the pandas reader pairs them. Reads the lifecycle column alone."""
    import pyarrow.compute as pc  # noqa: PLC0415
    import pyarrow.dataset as ds  # noqa: PLC0415

    from cxmine.core import schema  # noqa: PLC0415

    lifecycle = schema.detect_lifecycle(others)
    if lifecycle is None:
        return None
    try:
        values = ds.dataset(path, format="parquet", partitioning="hive").to_table(columns=[lifecycle]).column(lifecycle)
        found = {str(v).strip().lower() for v in pc.unique(values.cast("string")).to_pylist() if v is not None}
    except Exception:  # noqa: BLE001 - unreadable: the reader says so in its own words
        return None
    return f"column {lifecycle!r} has lifecycle start events to pair with their completions (write the Parquet with 'cxmine convert', which pairs them)" if "start" in found else None


def choose(engine: str, path: Path | str, config, options, gaps=None) -> tuple[str, str]:
    """The engine to run and the sentence that says why (for stderr). An explicit `duckdb` that cannot run
    this input is a usage error (exit 2) naming the reason; `auto` falls back to pandas instead. `path` is
    a str only for a URL (s3a://, hdfs://), which only Spark reads. `gaps(path)`: what the command needs
    beyond what the engines compute (None: nothing), asked of local Parquet inputs only."""
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}", hint=f"use one of: {', '.join(ENGINES)}")
    if isinstance(path, str) and engine != "spark":
        raise UsageError(f"{path} is a URL, and only the spark engine reads URLs", hint="pass --engine spark, or copy the data to a local path")
    if engine == "pandas":
        return "pandas", "engine: pandas (as asked)"
    reason = duckdb_unsupported(path, config, options)
    if reason is None and gaps is not None and not isinstance(path, str):
        reason = gaps(path)
    if engine in ("duckdb", "spark"):
        if reason is not None:
            raise UsageError(f"the {engine} engine cannot run this: {reason}", file=str(path), hint="or pass --engine pandas")
        return engine, f"engine: {engine} (as asked)"
    if reason is not None:
        return "pandas", "engine: pandas (auto: a small or non-Parquet input, or settings only pandas supports)"
    rows = _parquet_rows(path)
    if path.is_dir() or rows >= AUTO_ROWS:
        what = "a Parquet dataset" if path.is_dir() else f"{rows:,} rows of Parquet"
        return "duckdb", f"engine: duckdb (auto: {what})"
    return "pandas", f"engine: pandas (auto: {rows:,} rows fit in memory)"


def _parquet_rows(path: Path) -> int:
    """Rows of a Parquet file from its footer (nothing else is read); 0 when it cannot be read (the reader
    then reports the problem)."""
    import pyarrow.parquet as pq  # noqa: PLC0415

    try:
        return int(pq.ParquetFile(path).metadata.num_rows)
    except Exception:  # noqa: BLE001 - an unreadable file is reported by the reader with its own message
        return 0

