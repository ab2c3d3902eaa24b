#!/usr/bin/env python
"""Scale benchmark: `cxmine timings` (or `friction`) on the road-traffic log replicated ×N, wall time and peak
RSS of the whole process per engine, the growth exponent (time vs events), and whether the engines agree.

    python benchmarks/scale.py                       # issue 11's plan: x20 pandas and duckdb, x100 duckdb at 4GB
    python benchmarks/scale.py --sizes 4,20 --engines pandas,duckdb [--memory-limit 2GB] [--command friction]
                               [--keep DIR] [--timeout S] [--json]

Not part of the test run (×20 is 11.2 M events; ×100, 56 M events, needs more memory than the pandas
engine has on a 24 GB machine, so the plan runs it on DuckDB only).

Data: ../shared/data/Road_Traffic_Fine_Management_Process.xes.gz is converted once with `cxmine convert`
(561,470 events, 150,370 fines) and written ×N into one Parquet file: in replica k every case id gets the
suffix `-r<k>` and every timestamp moves k × 28 days, so replicas share no case and keep their weekdays.
Each run is `cxmine timings DATA --config examples/real/road-traffic.toml --format json --engine E` in a
fresh process; its peak RSS is the larger of the child's ru_maxrss (os.wait4) and the resident memory of the
child with everything it started (sampled every 50 ms from /proc: Spark's JVM counts), so nothing of this
script counts.

Issue 11's targets: DuckDB ≤ 0.5× the pandas time and ≤ 0.35× its peak RSS on ×20; ×100 within 10 minutes
at ≤ 6 GB. `--command friction` measures the friction ranking the same way (DuckDB and Spark compute it since
issue 11's second step; the answers are compared as for timings); `--command inspect` the log summary (no
config; the whole JSON compared); `--command report` the weekly report of the whole log (its JSON written with
-o; the points with their example cases, the headline, the trend, the wait distributions and the quality
findings compared).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _measure import CHILD_ENV

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "Road_Traffic_Fine_Management_Process.xes.gz"
CONFIG = ROOT / "examples" / "real" / "road-traffic.toml"
SHIFT_US = 28 * 86_400 * 10**6  # replica k starts k × 4 weeks later


def cxmine_command() -> list[str]:
    found = shutil.which("cxmine", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "cxmine"]


def build(base: Path, replicas: int, out: Path) -> dict:
    """`replicas` copies of the converted log in one Parquet file (row groups of one replica each)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(base)
    table = table.set_column(table.schema.get_field_index("case_id"), "case_id", table["case_id"].cast(pa.string()))
    stamp = table.schema.get_field_index("timestamp")
    width = max(3, len(str(replicas - 1)))
    started = time.perf_counter()
    with pq.ParquetWriter(out, table.schema) as writer:
        for k in range(replicas):
            ids = pc.binary_join_element_wise(table["case_id"], pa.scalar(f"-r{k:0{width}d}"), "")
            shifted = pc.add(table["timestamp"], pa.scalar(k * SHIFT_US, pa.duration("us"))).cast(table.schema.field(stamp).type)
            writer.write_table(table.set_column(0, "case_id", ids).set_column(stamp, "timestamp", shifted))
    return {"events": table.num_rows * replicas, "seconds": round(time.perf_counter() - started, 2), "bytes": out.stat().st_size}


def run(data: Path, engine: str, timeout: float, command_name: str = "timings", memory_limit: str | None = None) -> dict:
    """One `cxmine timings` (or friction) in a fresh process: wall time, the child's peak RSS, its exit code."""
    written = Path(tempfile.mkdtemp(prefix="cxmine-scale-")) / "report.json"  # the report writes its JSON to a file
    shown = ["-o", str(written)] if command_name == "report" else ["--format", "json"]
    command = [*cxmine_command(), command_name, str(data), *(("--config", str(CONFIG)) if command_name != "inspect" else ()), *shown]
    command += ["--engine", engine]
    if engine == "duckdb" and memory_limit:
        command += ["--memory-limit", memory_limit]
    if engine == "spark":  # the results are collected in the driver: 1 GB (the default) stops it on x20
        command += ["--spark-master", "local[2]", "--spark-conf", "spark.driver.memory=8g"]
    env = {**os.environ, **CHILD_ENV}
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=ROOT)
        deadline = started + timeout
        tree_peak = 0  # the child and everything it started (Spark's JVM), sampled: wait4 counts the child alone
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            tree_peak = max(tree_peak, tree_rss_kb(child.pid))
            if time.perf_counter() > deadline:
                child.kill()
                os.wait4(child.pid, 0)
                return {"engine": engine, "ok": False, "error": f"timed out after {timeout:.0f} s"}
            time.sleep(0.05)
        wall = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        err.seek(0)
        message = err.read().decode(errors="replace").strip().splitlines()
        out.seek(0)
        result = (json.loads(written.read_text(encoding="utf-8")) if command_name == "report" else json.loads(out.read())) if code == 0 else None
        written.unlink(missing_ok=True)
        written.parent.rmdir()
    return {
        "engine": engine, "ok": code == 0, "exit_code": code, "seconds": round(wall, 2), "peak_rss_mb": round(max(usage.ru_maxrss, tree_peak) / 1024, 1),
        "memory_limit": memory_limit if engine == "duckdb" else None, "answer": _answer(result),
        "error": None if code == 0 else (message[-1] if message else f"exit {code}"),
    }


def tree_rss_kb(root: int) -> int:
    """The resident memory (kB) of a process and all its descendants now, from /proc (0 where there is none):
    Spark's JVM is a child of the cxmine process, and its memory counts."""
    proc = Path("/proc")
    if not proc.is_dir():
        return 0
    parent, rss = {}, {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parent[int(entry.name)] = int(stat[1])
            rss[int(entry.name)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, IndexError, ValueError):
            continue
    total, frontier = 0, [root]
    while frontier:
        pid = frontier.pop()
        total += rss.get(pid, 0)
        frontier.extend(child for child, up in parent.items() if up == pid)
    return total


def _answer(result: dict | None):
    """What the engines must agree on: the timings tables (seconds to the millisecond), every friction point
    (kind, place, cases, scores, outcome tables, percentiles, drivers, sentences), or inspect's whole summary."""
    if result is None:
        return None
    if result.get("kind") == "friction":
        return result["friction_points"]
    if result.get("kind") == "report":  # the points with their example cases, the headline, the trend, quality
        return {key: result[key] for key in ("headline", "trend", "wait_distributions", "quality")} | {"points": result["friction"]["friction_points"]}
    if "top_variants" in result:  # inspect: the whole summary
        return result
    return {key: result[key] for key in ("steps", "transitions", "customer_gaps", "promises", "rows_read", "rows_ignored")}


def agree(a, b) -> bool:
    """Equal answers: exact counts and names, seconds within 1 ms (both engines' exact percentiles, rounded)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(agree(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(agree(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, abs_tol=0.0011, rel_tol=1e-12)
    return a == b


def growth(rows: list[dict]) -> float | None:
    """The exponent b in time ∝ events^b between the smallest and the largest size that ran."""
    done = [r for r in rows if r["ok"]]
    if len(done) < 2 or done[0]["events"] == done[-1]["events"]:
        return None
    return round(math.log(done[-1]["seconds"] / done[0]["seconds"]) / math.log(done[-1]["events"] / done[0]["events"]), 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", help="replication factors, comma-separated (default: the plan — x20 on every engine, x100 on duckdb)")
    parser.add_argument("--engines", default="pandas,duckdb", help="comma-separated engines: pandas, duckdb, spark (default pandas,duckdb)")
    parser.add_argument("--memory-limit", default="4GB", help="DuckDB's --memory-limit (default 4GB)")
    parser.add_argument("--command", default="timings", choices=("timings", "friction", "inspect", "report"), help="the command measured")
    parser.add_argument("--keep", type=Path, help="write the data into this folder and keep it (default: a temporary folder)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="per run, seconds")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not DATA.is_file():
        print(f"scale benchmark: {DATA} not found (the shared real logs)", file=sys.stderr)
        return 2
    sizes = sorted({int(s) for s in (args.sizes or "20,100").split(",") if s.strip()})
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    plan = args.sizes is None  # x100 on DuckDB only: the pandas engine would need ~25 GB
    folder = args.keep or Path(tempfile.mkdtemp(prefix="cxmine-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        base = folder / "road-traffic.parquet"
        if not base.exists():
            subprocess.run([*cxmine_command(), "convert", str(DATA), str(base)], check=True, capture_output=True, env={**os.environ, **CHILD_ENV})
        results: dict[str, list[dict]] = {e: [] for e in engines}
        for size in sizes:
            data = folder / f"road-traffic-x{size}.parquet"
            built = build(base, size, data) if not data.exists() else {"events": None}
            print(f"... x{size}: {built['events'] or 'existing file'} events", file=sys.stderr)
            for engine in engines:
                if plan and size == 100 and engine != "duckdb":
                    continue
                row = run(data, engine, args.timeout, args.command, args.memory_limit)
                row.update({"size": size, "events": built["events"] or _events(data)})
                results[engine].append(row)
                print(f"... x{size} {engine}: {row.get('seconds')} s, {row.get('peak_rss_mb')} MB, ok={row['ok']}", file=sys.stderr)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    summary = {e: {"runs": rows, "growth_exponent": growth(rows)} for e, rows in results.items()}
    verdicts = targets(results)
    if args.json:
        print(json.dumps({"engines": summary, "targets": verdicts}, indent=2))
        return 0
    print(f"{'engine':8} {'size':>5} {'events':>12} {'seconds':>9} {'peak MB':>9} {'B/event':>8}  result")
    for engine, rows in results.items():
        for r in rows:
            per_event = r["peak_rss_mb"] * 2**20 / r["events"] if r.get("peak_rss_mb") and r["events"] else None
            result = "ok" if r["ok"] else f"FAILED: {r['error']}"
            print(f"{engine:8} {'x' + str(r['size']):>5} {r['events']:>12,} {r.get('seconds', float('nan')):>9} {r.get('peak_rss_mb', float('nan')):>9} {per_event or float('nan'):>8.0f}  {result}")
        print(f"{engine:8} growth exponent (time ∝ events^b): {summary[engine]['growth_exponent']}")
    for line in verdicts:
        print(line)
    return 0


def targets(results: dict[str, list[dict]]) -> list[str]:
    """Issue 11's targets, each PASS or MISS with its figure, from the runs there are."""
    from _measure import verdict

    lines = []
    pandas = {r["size"]: r for r in results.get("pandas", []) if r["ok"]}
    duck = {r["size"]: r for r in results.get("duckdb", []) if r["ok"]}
    if 20 in pandas and 20 in duck:
        time_ratio = duck[20]["seconds"] / pandas[20]["seconds"]
        rss_ratio = duck[20]["peak_rss_mb"] / pandas[20]["peak_rss_mb"]
        lines.append(f"x20 duckdb/pandas time {time_ratio:.2f} (target <= 0.5): {verdict(time_ratio, 0.5)}")
        lines.append(f"x20 duckdb/pandas peak RSS {rss_ratio:.2f} (target <= 0.35): {verdict(rss_ratio, 0.35)}")
        lines.append(f"x20 same answers on both engines: {'PASS' if agree(pandas[20]['answer'], duck[20]['answer']) else 'MISS'}")
    spark = {r["size"]: r for r in results.get("spark", []) if r["ok"]}
    reference = pandas.get(20) or duck.get(20)
    if 20 in spark and reference is not None:
        lines.append(f"x20 spark agrees with {reference['engine']}: {'PASS' if agree(reference['answer'], spark[20]['answer']) else 'MISS'} (spark {spark[20]['seconds']} s, {spark[20]['peak_rss_mb']:.0f} MB with its JVM)")
    if 100 in duck:
        r = duck[100]
        fits = r["seconds"] <= 600 and r["peak_rss_mb"] <= 6 * 1024
        lines.append(f"x100 duckdb at {r['memory_limit']}: {r['seconds']} s, {r['peak_rss_mb']:.0f} MB (target <= 600 s, <= 6144 MB): {'PASS' if fits else 'MISS'}")
    return lines


def _events(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


if __name__ == "__main__":
    sys.exit(main())
