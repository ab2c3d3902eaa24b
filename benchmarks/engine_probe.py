#!/usr/bin/env python
"""Engine probe: the measurement behind the choice of how issue 11's engines run cxmine's event-level work
(docs/architecture.md, "Engines"). One representative piece of that work, four ways, on the same Parquet:

    pip install -e '.[probe]'     # duckdb, ibis-framework, sqlglot, pyspark (Spark needs a Java runtime)
    python benchmarks/engine_probe.py DATA.parquet [--ways pandas,duckdb_sql,ibis_duckdb,spark_sql,ibis_spark] [--memory-limit 4GB]

DATA: e.g. `python benchmarks/scale.py --sizes 20 --keep /tmp/scale` leaves road-traffic-x20.parquet there.

The piece: **transition timings** — sort by case and time (ties in file order), the previous event of each
event in its case (a window function), the sojourn seconds, then per directly-follows pair the count, mean,
exact p50/p90/p95 (linear interpolation, numpy's default) and max. It is the shape of every friction kind:
a sort, a shift within the case, an aggregate per candidate.

- pandas:       cxmine today (`load_log` + `core.timings.event_intervals` + `transition_timings`);
- duckdb_sql:   one SQL statement, written by hand, on DuckDB (`memory_limit`, spilling to a temp folder);
- duckdb_staged: the same, staged for data larger than memory (activity codes, buckets of cases; see below);
- ibis_duckdb:  the same as an ibis expression, compiled by ibis for DuckDB;
- spark_sql:    the DuckDB SQL transpiled by sqlglot to Spark SQL, on PySpark `local[2]`;
- ibis_spark:   the same ibis expression, compiled by ibis for PySpark `local[2]`.

Each way runs in a fresh process (this file with --child); wall time and that process's peak RSS
(ru_maxrss; the Spark JVM is a child process that is not counted) are printed, and every way's table is compared with
pandas' (pairs and counts exactly, seconds within 1e-6 relative). The ways that are not installed
(duckdb, ibis-framework, sqlglot, pyspark are not cxmine dependencies today) are listed as skipped.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from _measure import run_json_child

WAYS = ("pandas", "duckdb_sql", "duckdb_staged", "ibis_duckdb", "spark_sql", "ibis_spark")
QUANTILES = (0.5, 0.9, 0.95)

# Ties (same case, same time) keep their file order: `file_row` is the row's position in the file.
DUCKDB_SQL = """
WITH ordered AS (
    SELECT activity,
           lag(activity) OVER w AS previous_activity,
           date_diff('microsecond', lag(timestamp) OVER w, timestamp) / 1e6 AS s
    FROM events
    WINDOW w AS (PARTITION BY case_id ORDER BY timestamp, file_row)
)
SELECT previous_activity AS from_activity, activity AS to_activity, count(*) AS count,
       avg(s) AS mean,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY s) AS p50,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY s) AS p90,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY s) AS p95,
       max(s) AS max
FROM ordered
WHERE previous_activity IS NOT NULL
GROUP BY previous_activity, activity
"""


def _pandas(path: Path, _memory: str) -> list[dict]:
    from cxmine.core.timings import event_intervals, transition_timings
    from cxmine.io import load_log

    log = load_log(path, attributes=())
    table = transition_timings(event_intervals(log.events), "sojourn")
    table = table.rename(columns={"wait_mean_seconds": "mean", "wait_p50_seconds": "p50", "wait_p90_seconds": "p90", "wait_p95_seconds": "p95", "wait_max_seconds": "max"})
    table["from_activity"] = table["from_activity"].astype(str)
    table["to_activity"] = table["to_activity"].astype(str)
    return table[["from_activity", "to_activity", "count", "mean", "p50", "p90", "p95", "max"]].to_dict("records")


def _duckdb(path: Path, memory: str):
    import duckdb

    spill = tempfile.mkdtemp(prefix="cxmine-duckdb-")
    con = duckdb.connect(config={"memory_limit": memory, "temp_directory": spill, "preserve_insertion_order": False})
    con.execute(f"CREATE VIEW events AS SELECT case_id, activity, timestamp, file_row_number AS file_row FROM read_parquet('{path}', file_row_number = true)")
    return con


def _duckdb_sql(path: Path, memory: str) -> list[dict]:
    return _duckdb(path, memory).execute(DUCKDB_SQL).df().to_dict("records")


def _duckdb_staged(path: Path, memory: str, buckets: int = 4) -> list[dict]:
    """The same piece, staged for data larger than memory: activities become SMALLINT codes before the window
    (narrow rows are what the window operator holds), the window runs per bucket of cases (hash of the case
    id, so a case is never split), each bucket appends (previous code, code, seconds) to a table that spills,
    and the exact aggregate runs once over that table."""
    con = _duckdb(path, memory)
    con.execute("CREATE TABLE codes AS SELECT activity, (row_number() OVER (ORDER BY activity))::SMALLINT AS code FROM (SELECT DISTINCT activity FROM events)")
    con.execute("CREATE TABLE steps (previous_code SMALLINT, code SMALLINT, s DOUBLE)")
    for bucket in range(buckets):
        con.execute(f"""
            INSERT INTO steps
            SELECT previous_code, code, s FROM (
                SELECT codes.code, lag(codes.code) OVER w AS previous_code,
                       date_diff('microsecond', lag(timestamp) OVER w, timestamp) / 1e6 AS s
                FROM events JOIN codes USING (activity)
                WHERE hash(case_id) % {buckets} = {bucket}
                WINDOW w AS (PARTITION BY case_id ORDER BY timestamp, file_row)
            ) WHERE previous_code IS NOT NULL""")
    return con.execute("""
        SELECT a.activity AS from_activity, b.activity AS to_activity, count(*) AS count, avg(s) AS mean,
               quantile_cont(s, 0.5) AS p50, quantile_cont(s, 0.9) AS p90, quantile_cont(s, 0.95) AS p95, max(s) AS max
        FROM steps JOIN codes a ON a.code = steps.previous_code JOIN codes b ON b.code = steps.code
        GROUP BY 1, 2""").df().to_dict("records")


def _ibis_table(events):
    """The piece as one ibis expression (compiled by ibis for whichever backend `events` lives on)."""
    import ibis

    window = ibis.window(group_by="case_id", order_by=["timestamp", "file_row"])
    ordered = events.mutate(
        previous_activity=events.activity.lag().over(window),
        s=events.timestamp.delta(events.timestamp.lag().over(window), unit="microsecond") / 1e6,  # the SQL's date_diff, not epoch_seconds() (whole seconds)
    )
    pairs = ordered.filter(ordered.previous_activity.notnull())
    return pairs.group_by(from_activity=pairs.previous_activity, to_activity=pairs.activity).aggregate(
        count=pairs.count(), mean=pairs.s.mean(), p50=pairs.s.quantile(0.5), p90=pairs.s.quantile(0.9), p95=pairs.s.quantile(0.95), max=pairs.s.max(),
    )


def _ibis_duckdb(path: Path, memory: str) -> list[dict]:
    import ibis

    con = ibis.duckdb.connect(memory_limit=memory, temp_directory=tempfile.mkdtemp(prefix="cxmine-ibis-"))
    events = con.read_parquet(path, file_row_number=True).rename(file_row="file_row_number")
    return _ibis_table(events).to_pandas().to_dict("records")


def _spark(memory: str):
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]").appName("cxmine-probe")
        .config("spark.driver.memory", memory.replace("GB", "g")).config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC").getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _spark_events(spark, path: Path):
    from pyspark.sql import functions

    return spark.read.parquet(str(path)).select("case_id", "activity", "timestamp").withColumn("file_row", functions.monotonically_increasing_id())


def _ibis_spark(path: Path, memory: str) -> list[dict]:
    import ibis

    spark = _spark(memory)
    _spark_events(spark, path).createOrReplaceTempView("events")
    con = ibis.pyspark.connect(spark)
    rows = _ibis_table(con.table("events")).to_pandas().to_dict("records")
    spark.stop()
    return rows


def _spark_sql(path: Path, memory: str) -> list[dict]:
    import sqlglot

    spark = _spark(memory)
    _spark_events(spark, path).createOrReplaceTempView("events")
    sql = sqlglot.transpile(DUCKDB_SQL, read="duckdb", write="spark")[0]
    rows = [r.asDict() for r in spark.sql(sql).collect()]
    spark.stop()
    return rows


def child(way: str, path: Path, memory: str) -> dict:
    os.environ.setdefault("TQDM_DISABLE", "1")
    started = time.perf_counter()
    rows = {"pandas": _pandas, "duckdb_sql": _duckdb_sql, "duckdb_staged": _duckdb_staged, "ibis_duckdb": _ibis_duckdb, "spark_sql": _spark_sql, "ibis_spark": _ibis_spark}[way](path, memory)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    clean = [{k: (float(v) if k not in ("from_activity", "to_activity") else str(v)) for k, v in r.items()} for r in rows]
    return {"way": way, "seconds": round(wall, 2), "peak_rss_mb": round(peak, 1), "rows": clean}


def same(a: list[dict], b: list[dict]) -> str | None:
    """None when the tables agree (pairs and counts exactly, seconds within 1e-6 relative), else the first difference."""
    left = {(r["from_activity"], r["to_activity"]): r for r in a}
    right = {(r["from_activity"], r["to_activity"]): r for r in b}
    if left.keys() != right.keys():
        return f"pairs differ: {sorted(left.keys() ^ right.keys())[:3]}"
    for key, row in left.items():
        for field, value in row.items():
            other = right[key][field]
            if isinstance(value, float) and abs(value - other) > 1e-6 * max(1.0, abs(value)):
                return f"{key} {field}: pandas {value}, this way {other}"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--ways", default=",".join(WAYS))
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--python", default=sys.executable, help="interpreter for the non-pandas ways (a venv with duckdb, ibis, sqlglot, pyspark)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="per way, seconds")
    parser.add_argument("--child", choices=WAYS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.data.resolve(), args.memory_limit)))
        return 0
    results = []
    for way in [w.strip() for w in args.ways.split(",") if w.strip()]:
        python = sys.executable if way == "pandas" else args.python
        result = run_json_child([python, __file__, str(args.data), "--child", way, "--memory-limit", args.memory_limit], args.timeout)
        results.append({"way": way, "error": result["error"].splitlines()[-1]} if "error" in result else result)
    reference = next((r for r in results if r.get("way") == "pandas" and "rows" in r), None)
    print(f"{'way':12} {'seconds':>8} {'peak MB':>9} {'pairs':>6}  agrees with pandas")
    for r in results:
        if "error" in r:
            print(f"{r['way']:12} skipped or failed: {r['error']}")
            continue
        verdict = "-" if reference is None or r is reference else (same(reference["rows"], r["rows"]) or "yes")
        print(f"{r['way']:12} {r['seconds']:>8} {r['peak_rss_mb']:>9} {len(r['rows']):>6}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
