"""The canonical event table on DuckDB (the DuckDB engine's reader edge, in SQL): the same rules as
core.normalise (role columns as stripped text, blank means missing, unusable rows dropped and counted, times
in UTC, ties in file order), without bringing the events into Python. `Source` is what the engines'
analytics (engines.timings, ibis) read, on DuckDB or on Spark (engines.spark).

Only small things come back: the activity names (for codes and touchpoint patterns) and the counts of
dropped rows (for the warnings).
"""
from __future__ import annotations

import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxmine.core import schema
from cxmine.core.normalise import dropped_warning, naive_warning, parse_bound, resolve_mapping, window_months
from cxmine.errors import EngineError, InputError, UsageError
from cxmine.model import EngineSettings, EventLog, LoadOptions, Warning_

PARTITION = "case_month"  # the partition column `cxmine convert --partition month` writes


@dataclass(frozen=True)
class Source:
    """The events on the engine. `events` columns: case_id (text), code (activity code: its index in
    `activities`, sorted names), timestamp and begin (UTC), start (or null), resource (or null), and
    pos, the tie order (file order, files in path order)."""

    con: Any
    events: Any
    activities: tuple[str, ...]
    has_start: bool
    has_resource: bool
    load: EventLog
    bitmask: bool = True  # the backend has bit_or over a window (DuckDB; ibis has no PySpark rule for it)
    resources: tuple[str, ...] = ()  # resource names (the codes of `resource` index them)
    attributes: dict[str, str] = field(default_factory=dict)  # open_source(..., attributes=True): the other columns `events` carries, name → engine type
    notes: tuple = ()  # what reading left out as the pandas engine's preparation does (lifecycle events that are not completions)

    def materialise(self, name: str, expression):
        """`expression` computed once into a table the next questions read."""
        if self.con.name == "pyspark":  # no temporary tables there: a cached temporary view
            frame = self.con._session.sql(str(self.con.compile(expression))).persist()  # noqa: SLF001
            frame.createOrReplaceTempView(name)
            return self.con.table(name)
        return materialise(self.con, name, expression)

    def keep(self, expression, what: str) -> str:
        """`expression`'s result written (in order) to a Parquet file in DuckDB's spill folder, kept until the
        process ends, for lookups that read only some of its rows; returns the file's path."""
        import atexit  # noqa: PLC0415

        name = self._copy(expression, what)
        atexit.register(Path(name).unlink, missing_ok=True)
        return name

    def _copy(self, expression, what: str) -> str:
        """`expression` written to a new Parquet file in the spill folder, in its ORDER BY; the file's path."""
        import os  # noqa: PLC0415

        folder = sql(self.con, "SELECT current_setting('temp_directory')")[0][0] or None
        handle, name = tempfile.mkstemp(prefix="cxmine-result-", suffix=".parquet", dir=folder)
        os.close(handle)
        with engine_errors(what):
            raw = self.con.con
            raw.execute("SET preserve_insertion_order = true")  # the file keeps the query's ORDER BY
            try:
                raw.execute(f"COPY ({self.con.compile(expression)}) TO {_sql_text(name)} (FORMAT parquet)")
            finally:
                raw.execute("SET preserve_insertion_order = false")
        return name

    def stash(self, expression, what: str):
        """`expression`'s result kept aside for later: on DuckDB written to a Parquet file in its spill folder
        (in order), so that it is read into Python only after the engine's own tables are dropped and its
        memory returned — the engine's peak and Python's do not add up. Returns the reader (an Arrow table)."""
        if self.con.name == "pyspark":
            table = arrow(expression, what)
            return lambda: table
        name = self._copy(expression, what)

        def read():
            import pyarrow.parquet as pq  # noqa: PLC0415

            try:
                return pq.read_table(name)
            finally:
                Path(name).unlink(missing_ok=True)

        return read

    def drop(self, *names: str) -> None:
        """Free what is no longer needed (memory, or spill space)."""
        for name in names:
            if self.con.name == "pyspark":
                self.con._session.catalog.dropTempView(name)
            else:
                sql(self.con, f"DROP VIEW IF EXISTS {name}" if name == "events" else f"DROP TABLE IF EXISTS {name}")


def connect(settings: EngineSettings):
    """A DuckDB connection (through ibis) with the memory limit, threads and spill directory asked for."""
    import ibis  # noqa: PLC0415

    config: dict[str, Any] = {"temp_directory": settings.temp_dir or _spill_folder(), "preserve_insertion_order": False, "allocator_background_threads": True}
    if settings.memory_limit:
        config["memory_limit"] = settings.memory_limit
    if settings.threads:
        config["threads"] = int(settings.threads)
    try:
        con = ibis.duckdb.connect(**config)
        sql(con, "SET TimeZone = 'UTC'")
    except Exception as exc:  # DuckDB rejects a malformed limit with its own exception types
        given = " ".join(f"{flag} {value!r}" for flag, value in (("--memory-limit", settings.memory_limit), ("--threads", settings.threads), ("--temp-dir", settings.temp_dir)) if value)
        raise UsageError(f"DuckDB does not accept {given or 'its settings'} ({' '.join(str(exc).split())})", hint="e.g. --memory-limit 4GB --threads 2") from None
    return con


def _spill_folder() -> str:
    """A fresh folder for DuckDB to spill into (never the user's working folder), removed when cxmine exits."""
    import atexit  # noqa: PLC0415
    import shutil  # noqa: PLC0415

    folder = tempfile.mkdtemp(prefix="cxmine-duckdb-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def sql(con, statement: str) -> list:
    """Run SQL on the engine and read its result to the end (DuckDB wants a result finished before the next
    statement on the connection)."""
    return con.raw_sql(statement).fetchall()


def run(expression, what: str) -> pd.DataFrame:
    """Execute an ibis expression; DuckDB running out of memory is an engine error (exit 4), in one line."""
    with engine_errors(what):
        return expression.execute()


def arrow(expression, what: str):
    """A large result as an Arrow table, without ibis' per-value conversions."""
    with engine_errors(what):
        backend = expression._find_backend()  # noqa: SLF001 - the expression's own connection
        if backend.name == "duckdb":
            return backend.con.sql(str(backend.compile(expression))).to_arrow_table()
        return expression.to_pyarrow()


def columns(expression, what: str) -> dict[str, np.ndarray]:
    """A large result as numpy columns through Arrow (missing values: NaN in numbers, None in text; times as
    epoch microseconds)."""
    return as_columns(arrow(expression, what))


def as_columns(table) -> dict[str, np.ndarray]:
    """An Arrow table as numpy columns (missing values: NaN in numbers, None in text)."""
    out = {}
    for name in table.column_names:
        column = table.column(name)
        out[name] = column.to_numpy() if column.null_count == 0 else column.to_pandas().to_numpy()
    return out


def materialise(con, name: str, expression):
    """An ibis expression computed once into a temporary table (several results read it)."""
    with engine_errors(f"the table {name}"):
        return con.create_table(name, expression, temp=True)  # ibis registers the in-memory tables it uses


_BLANKS = " \t\n\r\x0b\x0c"  # what Python's str.strip() removes from ASCII text, as core.normalise strips


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _name(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


_FILE = 2**40  # pos = file index * _FILE + row in the file


def _read(con, path: Path) -> list[tuple[str, str]]:
    """The raw table as the view `raw`: a Parquet file, or every Parquet file under a folder (hive partitions as
    columns), with the tie order `pos` (file order, files in path order). Returns its (column, type) pairs."""
    if path.is_dir():
        target = _sql_text(str(path / "**" / "*.parquet"))
        read = f"read_parquet({target}, file_row_number = true, hive_partitioning = true)"
        pos = f"file_index * {_FILE} + file_row_number"
    else:
        read = f"read_parquet({_sql_text(str(path))}, file_row_number = true)"
        pos = "file_row_number"
    try:
        sql(con, f"CREATE TEMP VIEW raw AS SELECT *, {pos} AS _pos FROM {read}")
        described = sql(con, "DESCRIBE SELECT * FROM raw")
    except Exception as exc:
        raise InputError(
            f"the Parquet input cannot be read ({' '.join(str(exc).split())})", file=str(path),
            hint="every file of a dataset needs the same columns with the same types (write them with 'cxmine convert')",
        ) from None
    return [(str(row[0]), str(row[1])) for row in described if row[0] not in ("file_row_number", "file_index", "_pos")]


def _row_labels(con, path: Path):
    """pos → "row N", N counted over the whole input as the pandas engine reads it (files in path order)."""
    if not path.is_dir():
        return lambda pos: f"row {int(pos) + 1}"
    files = sql(con, f"SELECT file_name, num_rows FROM parquet_file_metadata({_sql_text(str(path / '**' / '*.parquet'))}) ORDER BY file_name")
    offsets = np.concatenate([[0], np.cumsum([int(rows) for _, rows in files])])
    return lambda pos: f"row {int(offsets[int(pos) // _FILE] + int(pos) % _FILE) + 1}"


def open_source(path: Path, options: LoadOptions, settings: EngineSettings, *, attributes: bool = False, keep_lifecycle: bool = False) -> Source:
    """The canonical events of `path` as the DuckDB view `events` over the narrow table `loaded` (activity and
    resource as integer codes, so the windows sort narrow rows), with what loading them taught (an EventLog
    without events).

    One scan of the data: activity and resource names are cleaned on their distinct values (a lookup list
    turns the raw value's ENUM code into the clean name's code), only case ids are stripped row by row; the
    rows that cannot be used are counted from `loaded` and left out by the `events` view. With `attributes`,
    `events` also carries the other plain columns (numbers and text; under their names in the canonical
    table, `attribute_names`), for what is computed per case (engines.friction). Lifecycle events that are not
    completions are left out as the pandas engine's analyses leave them out, counted in `notes`; with
    `keep_lifecycle` (inspect, as the pandas engine's inspect) they stay, and are still counted."""
    con = connect(settings)
    source = str(path)
    described = _read(con, path)
    types = dict(described)
    columns = [c for c, _ in described if c != PARTITION]
    mapping = resolve_mapping(columns, options, source=source)
    lifecycle = schema.detect_lifecycle([c for c in columns if c not in mapping.values()])
    if lifecycle is not None:
        values = [v for (v,) in sql(con, f"SELECT DISTINCT lower(trim(CAST({_name(lifecycle)} AS VARCHAR))) FROM raw")]
        only_completions(values, lifecycle, source, "duckdb", skipped=True)
    low, high = "TIMESTAMP '1677-09-22'", "TIMESTAMP '2262-04-11'"
    stamp = _utc(mapping[schema.TIMESTAMP], types, options, source)
    start = _utc(mapping[schema.START], types, options, source) if mapping[schema.START] else "CAST(NULL AS TIMESTAMP)"
    names, activity = _coded(con, "cx_activity", mapping[schema.ACTIVITY])
    resources, resource = _coded(con, "cx_resource", mapping[schema.RESOURCE]) if mapping[schema.RESOURCE] else ((), "CAST(NULL AS INTEGER)")
    case = f"nullif(trim(CAST({_name(mapping[schema.CASE])} AS VARCHAR), {_sql_text(_BLANKS)}), '')"
    extra = {raw_name: name for raw_name, name in attribute_names(columns, mapping, lifecycle).items() if _plain(types[raw_name])} if attributes else {}
    carried = "".join(f", {_name(raw_name)} AS {_name(name)}" for raw_name, name in extra.items())
    if lifecycle is not None:
        carried += f", CAST({_name(lifecycle)} AS VARCHAR) AS lifecycle_read"
    # Read once into a narrow table (the timings drop it once their one sort has read it).
    _materialise(con, "loaded", (
        f"SELECT {case} AS case_id, {activity} AS code, {stamp} AS timestamp, {start} AS start_read, {resource} AS resource, _pos AS pos{carried} "
        f"FROM raw{_prune_months(types, options)}"
    ))
    warnings, counts = _usable(con, mapping, naive=not _aware(types[mapping[schema.TIMESTAMP]]), source=source, bounds=(low, high), label=_row_labels(con, path))
    start_kept = f"CASE WHEN start_read < {low} OR start_read >= {high} THEN NULL ELSE start_read END"
    usable = _USABLE.format(low=low, high=high)
    window = _window(options)
    within = f" AND case_id IN (SELECT case_id FROM loaded WHERE {usable} GROUP BY case_id HAVING {window})" if window else ""
    notes, complete = _not_completions(con, f"{usable}{within}") if lifecycle is not None else ((), "")
    complete = "" if keep_lifecycle else complete
    sql(
        con, f"CREATE OR REPLACE TEMP VIEW events AS SELECT case_id, code, timestamp, {start_kept} AS start, coalesce({start_kept}, timestamp) AS begin, "
        f"resource, pos{''.join(', ' + _name(name) for name in extra.values())} FROM loaded WHERE {usable}{within}{complete}"
    )
    if window and not sql(con, "SELECT count(*) FROM events")[0][0]:
        raise InputError("no case starts inside the --since/--until window", file=source)
    load = EventLog(
        events=pd.DataFrame(), source=source, format="parquet", columns_used=dict(mapping, lifecycle=lifecycle),
        warnings=tuple(warnings), rows_read=counts[0], rows_unusable=counts[1],
    )
    return Source(
        con, con.table("events"), names, mapping[schema.START] is not None, mapping[schema.RESOURCE] is not None, load, resources=resources,
        attributes={name: types[raw_name] for raw_name, name in extra.items()}, notes=notes,
    )


def _not_completions(con, kept: str) -> tuple[tuple[Warning_, ...], str]:
    """Lifecycle events that are not completions (schedule, …) among the rows `kept`: left out as the pandas
    engine's preparation leaves them out (core.shapes.prepare_log), with its note. Returns the notes and the
    condition that keeps the completions."""
    complete = "(lifecycle_read IS NULL OR lower(trim(lifecycle_read)) IN ('complete', 'completed', ''))"
    found = sql(con, f"SELECT lifecycle_read, count(*) FROM loaded WHERE {kept} AND NOT {complete} GROUP BY 1 ORDER BY 1")
    if not found:
        return (), ""
    values = ", ".join(str(value) for value, _ in found[:3])
    note = Warning_("non_complete_events", f"lifecycle events that are not completions ({values}) are not counted as occurrences of a step", sum(int(n) for _, n in found))
    return (note,), f" AND {complete}"


_NUMBERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE")
INTEGERS = _NUMBERS[:9]


def _plain(kind: str) -> bool:
    """A column type that can be a case attribute: numbers and text (not times, booleans or nested values)."""
    return kind in _NUMBERS or kind == "VARCHAR"


def attribute_names(columns: list[str], mapping: dict, lifecycle: str | None) -> dict[str, str]:
    """The columns other than the roles and the lifecycle, raw name → name in the canonical table (an unmapped
    column that carries a role's name keeps its data as `<name>_attribute`, core.normalise's rule)."""
    roles = {name for name in mapping.values() if name}
    canonical = {role for role, name in mapping.items() if name} | ({schema.LIFECYCLE} if lifecycle is not None else set())
    return {column: f"{column}_attribute" if column in canonical else column for column in columns if column not in roles and column != lifecycle}


_USABLE = "case_id IS NOT NULL AND code IS NOT NULL AND timestamp IS NOT NULL AND timestamp >= {low} AND timestamp < {high}"


def _coded(con, name: str, column: str) -> tuple[tuple[str, ...], str]:
    """A text column's clean names (stripped, blanks dropped, sorted as Python sorts, as the pandas engine's
    categories) and the SQL that gives each row its name's code (NULL for a blank): the raw distinct values
    become an ENUM, and a constant list maps each raw value's ENUM code to its clean name's code."""
    text = f"CAST({_name(column)} AS VARCHAR)"
    raw = [str(v) for (v,) in sql(con, f"SELECT DISTINCT {text} FROM raw WHERE {_name(column)} IS NOT NULL")]
    names, codes = clean_names(raw)
    sql(con, f"DROP TYPE IF EXISTS {name}")
    sql(con, f"CREATE TYPE {name} AS ENUM ({', '.join(_sql_text(v) for v in raw) or _sql_text('')})")
    lookup = "[" + ", ".join("NULL" if code is None else str(code) for code in codes) + "]::INTEGER[]"
    return names, f"({lookup})[enum_code({text}::{name}) + 1]"


def _materialise(con, name: str, query: str) -> None:
    """CREATE TEMP TABLE name AS query; DuckDB running out of memory is an engine error (exit 4)."""
    with engine_errors(f"the table {name}"):
        sql(con, f"CREATE OR REPLACE TEMP TABLE {name} AS {query}")


@contextmanager
def engine_errors(what: str):
    """DuckDB running out of memory anywhere inside becomes an engine error (exit 4), in one line."""
    try:
        yield
    except EngineError:
        raise
    except Exception as exc:
        _engine_error(exc, what)
        raise


def _engine_error(exc: BaseException, what: str) -> None:
    message = " ".join(str(exc).split())
    if "Out of Memory" in message or "OutOfMemory" in type(exc).__name__:
        raise EngineError(f"DuckDB ran out of memory while computing {what}", hint="raise --memory-limit, or give --temp-dir on a disk with more free space") from None
    if any(sign in message for sign in ("SparkContext was shut down", "java.lang.OutOfMemoryError", "Java heap space")):
        # Each kind's results are collected in Spark's driver: its heap (1 GB unless set) is the usual limit.
        raise EngineError(
            f"Spark stopped while computing {what} (its driver most likely ran out of memory collecting the results)",
            hint="give the driver more: --spark-conf spark.driver.memory=8g (and spark.driver.maxResultSize=4g on a cluster)",
        ) from None


def _utc(column: str, types: dict[str, str], options: LoadOptions, source: str) -> str:
    """A typed timestamp column as naive UTC microseconds (the instant; naive values are read as UTC, as
    the pandas engine reads them)."""
    kind = types[column]
    check_time_type(column, kind, typed=kind.startswith("TIMESTAMP"), naive=not _aware(kind), options=options, source=source, engine="duckdb")
    as_us = "TIMESTAMP WITH TIME ZONE" if _aware(kind) else "TIMESTAMP"  # nanosecond, millisecond, second units too
    return f"make_timestamp(epoch_us(CAST({_name(column)} AS {as_us})))"


def _aware(kind: str) -> bool:
    """A timestamp type that holds instants (TIMESTAMP WITH TIME ZONE, TIMESTAMPTZ_NS — pandas writes those)."""
    return kind.endswith("WITH TIME ZONE") or kind.startswith("TIMESTAMPTZ")


def _usable(con, mapping: dict, *, naive: bool, source: str, bounds: tuple[str, str], label) -> tuple[list[Warning_], tuple[int, int]]:
    """Rows without a case id, an activity or a usable time are dropped; each counted once, under the first
    reason (core.normalise's order). Returns the warnings and (rows read, rows dropped)."""
    low, high = bounds
    outside = f"(timestamp < {low} OR timestamp >= {high})"
    counted = con.raw_sql(f"""
        SELECT count(*) AS rows,
               count(*) FILTER (WHERE case_id IS NULL) AS no_case,
               count(*) FILTER (WHERE case_id IS NOT NULL AND code IS NULL) AS no_activity,
               count(*) FILTER (WHERE case_id IS NOT NULL AND code IS NOT NULL AND timestamp IS NULL) AS no_time,
               count(*) FILTER (WHERE case_id IS NOT NULL AND code IS NOT NULL AND {outside}) AS outside,
               count(*) FILTER (WHERE start_read < {low} OR start_read >= {high}) AS start_outside,
               count(timestamp) AS stamped, count(case_id) AS cases, count(code) AS activities,
               list(pos ORDER BY pos) FILTER (WHERE case_id IS NULL)[1:3] AS no_case_rows,
               list(pos ORDER BY pos) FILTER (WHERE case_id IS NOT NULL AND code IS NULL)[1:3] AS no_activity_rows,
               list(pos ORDER BY pos) FILTER (WHERE case_id IS NOT NULL AND code IS NOT NULL AND timestamp IS NULL)[1:3] AS no_time_rows,
               list(pos ORDER BY pos) FILTER (WHERE case_id IS NOT NULL AND code IS NOT NULL AND {outside})[1:3] AS outside_rows
        FROM loaded""").df().iloc[0]
    rows = {key: [int(v) for v in counted.pop(f"{key}_rows")] if isinstance(counted[f"{key}_rows"], (list, np.ndarray)) else [] for key in ("no_case", "no_activity", "no_time", "outside")}
    examples = {key: tuple(label(pos) + (": <NA>" if key == "no_time" else "") for pos in found) for key, found in rows.items()}
    return dropped_rows({k: int(v) for k, v in counted.fillna(0).items()}, mapping, naive=naive, source=source, examples=examples)


def dropped_rows(counted: dict[str, int], mapping: dict, *, naive: bool, source: str, examples: dict | None = None) -> tuple[list[Warning_], tuple[int, int]]:
    """The loader's warnings from the counts of one scan (each engine's reader counts; the rules and words
    are core.normalise's): rows without a case id, an activity or a usable time dropped, each under its
    first reason; an input with nothing usable is an input error. Returns the warnings and (rows read,
    rows dropped)."""
    if counted["rows"] == 0:
        raise InputError("the log has no events", file=source, hint="check the file, or the --since/--until window")
    for role, what, present in ((schema.CASE, "case id", "cases"), (schema.ACTIVITY, "activity", "activities")):
        if counted[present] == 0:
            raise InputError(f"column {mapping[role]!r} (the {what}) is empty in every row", file=source, hint=f"map another column with {schema.FLAG[role]}")
    if counted["stamped"] == 0:
        raise InputError(f"column {mapping[schema.TIMESTAMP]!r} holds no usable timestamp", file=source, hint="pass --timestamp with the completion-time column")
    warnings = [naive_warning(mapping[schema.TIMESTAMP], counted["stamped"])] if naive else []
    dropped = (("missing_case_id", schema.CASE, "no_case"), ("missing_activity", schema.ACTIVITY, "no_activity"),
               ("bad_timestamp", schema.TIMESTAMP, "no_time"), ("out_of_range_timestamp", schema.TIMESTAMP, "outside"))  # fmt: skip
    warnings += [dropped_warning(code, mapping[role], counted[key], (examples or {}).get(key, ())) for code, role, key in dropped if counted[key]]
    if counted["start_outside"]:
        warnings.append(dropped_warning("out_of_range_start", mapping[schema.START], counted["start_outside"]))
    unusable = counted["no_case"] + counted["no_activity"] + counted["no_time"] + counted["outside"]
    if unusable == counted["rows"]:
        raise InputError("no usable events are left after dropping unusable rows", file=source)
    return warnings, (counted["rows"], unusable)


def clean_names(raw: list[str]) -> tuple[tuple[str, ...], list[int | None]]:
    """A text column's names as the pandas engine's categories have them (stripped, blanks dropped, sorted
    as Python sorts), and each raw distinct value's code among them (None: blank). Names are cleaned once
    per distinct value, on either engine."""
    clean = [value.strip() for value in raw]
    names = tuple(sorted({value for value in clean if value}))
    position = {name: i for i, name in enumerate(names)}
    return names, [position[value] if value else None for value in clean]


def only_completions(values, lifecycle: str, source: str, engine: str, *, skipped: bool = False) -> None:
    """A lifecycle column with only completions needs nothing; start/complete pairing is pandas-only yet.
    `skipped`: the engine leaves out the other values (schedule, …) as the pandas engine does, so only
    start events (to pair) are refused."""
    other = sorted(str(v) for v in values if v is not None and str(v) not in ("complete", "completed", "") and (not skipped or str(v) == "start"))
    if other:
        raise UsageError(
            f"the {engine} engine cannot run this: column {lifecycle!r} has lifecycle values other than complete ({', '.join(other[:5])})",
            file=source, hint="pass --engine pandas (it pairs start and complete events)",
        )


def check_time_type(column: str, kind: str, *, typed: bool, naive: bool, options: LoadOptions, source: str, engine: str) -> None:
    """The other engines read typed timestamps only, and naive ones as UTC only (as the pandas engine reads
    them without --timezone)."""
    if not typed:
        raise UsageError(
            f"the {engine} engine needs typed timestamps, and column {column!r} holds {kind}", file=source,
            hint="write the Parquet with 'cxmine convert' (it parses the times once), or pass --engine pandas",
        )
    if naive and options.timezone != "UTC":
        raise UsageError(
            f"the {engine} engine reads naive timestamps as UTC only, and --timezone is {options.timezone}", file=source,
            hint="write the Parquet with 'cxmine convert --timezone ...' (it stores UTC), or pass --engine pandas",
        )


def window_bounds(options: LoadOptions) -> tuple[str | None, str | None]:
    """--since/--until as naive UTC times ('YYYY-MM-DD HH:MM:SS'), for the engines' whole-case window."""

    def bound(value: str | None, flag: str) -> str | None:
        return str(parse_bound(value, flag=flag, timezone=options.timezone).tz_localize(None)) if value else None

    return bound(options.since, "--since"), bound(options.until, "--until")


def _prune_months(types: dict[str, str], options: LoadOptions) -> str:
    """With --since/--until on a `case_month` dataset, the partitions outside the months are never read."""
    if PARTITION not in types or not (options.since or options.until):
        return ""
    since, until = window_months(options)
    bounds = [f"CAST({PARTITION} AS VARCHAR) {op} {_sql_text(month)}" for op, month in ((">=", since), ("<=", until)) if month]
    return " WHERE " + " AND ".join(bounds)


def _window(options: LoadOptions) -> str:
    """Whole cases that start in [since, until) (core.normalise's window), as a HAVING condition."""
    since, until = window_bounds(options)
    bounds = [f"min(timestamp) {op} TIMESTAMP {_sql_text(bound)}" for op, bound in ((">=", since), ("<", until)) if bound]
    return " AND ".join(bounds)
