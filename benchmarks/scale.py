#!/usr/bin/env python
"""Scale benchmark: `cxmine friction` on the road-traffic log replicated ×N, wall time and peak RSS of the
whole process, and the growth exponent (time vs events) between sizes.

    python benchmarks/scale.py [--sizes 4,20] [--engines pandas] [--keep DIR] [--timeout S] [--json]

Not part of the test run (×20 is 11.2 M events; ×100, 56 M events, needs more memory than the pandas
engine has on a 24 GB machine — pass it explicitly with --sizes 4,20,100 to see where it stops).

Data: ../shared/data/Road_Traffic_Fine_Management_Process.xes.gz is converted once with `cxmine convert`
(561,470 events, 150,370 fines) and written ×N into one Parquet file: in replica k every case id gets the
suffix `-r<k>` and every timestamp moves k × 28 days, so replicas share no case and keep their weekdays.
Each run is `cxmine friction DATA --config examples/real/road-traffic.toml --format json --engine E` in a
fresh process; its peak RSS is the child's ru_maxrss (os.wait4), so nothing of this script counts.

Issue 11's targets (for when the DuckDB engine lands): DuckDB ≤ 0.5× the pandas time and ≤ 0.35× its peak RSS
on ×20; ×100 within 10 minutes at ≤ 6 GB. Today only the pandas engine exists; the script prints its figures
and the engines it could not run.
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


def run(data: Path, engine: str, timeout: float) -> dict:
    """One `cxmine friction` in a fresh process: wall time, the child's peak RSS, its exit code."""
    command = [*cxmine_command(), "friction", str(data), "--config", str(CONFIG), "--format", "json"]
    if engine != "pandas":
        command += ["--engine", engine]
    env = {**os.environ, **CHILD_ENV}
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=ROOT)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
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
        points = None
        if code == 0:
            report = json.loads(out.read())
            points = [f"{p['kind']} {p['label']}" for p in report["friction_points"][:3]]
    return {
        "engine": engine, "ok": code == 0, "exit_code": code, "seconds": round(wall, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "top_points": points, "error": None if code == 0 else (message[-1] if message else f"exit {code}"),
    }


def growth(rows: list[dict]) -> float | None:
    """The exponent b in time ∝ events^b between the smallest and the largest size that ran."""
    done = [r for r in rows if r["ok"]]
    if len(done) < 2 or done[0]["events"] == done[-1]["events"]:
        return None
    return round(math.log(done[-1]["seconds"] / done[0]["seconds"]) / math.log(done[-1]["events"] / done[0]["events"]), 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="4,20", help="replication factors, comma-separated (default 4,20)")
    parser.add_argument("--engines", default="pandas", help="comma-separated engines (today: pandas)")
    parser.add_argument("--keep", type=Path, help="write the data into this folder and keep it (default: a temporary folder)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="per run, seconds")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not DATA.is_file():
        print(f"scale benchmark: {DATA} not found (the shared real logs)", file=sys.stderr)
        return 2
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
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
                row = run(data, engine, args.timeout)
                row.update({"size": size, "events": built["events"] or _events(data)})
                results[engine].append(row)
                print(f"... x{size} {engine}: {row.get('seconds')} s, {row.get('peak_rss_mb')} MB, ok={row['ok']}", file=sys.stderr)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    summary = {e: {"runs": rows, "growth_exponent": growth(rows)} for e, rows in results.items()}
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"{'engine':8} {'size':>5} {'events':>12} {'seconds':>9} {'peak MB':>9} {'B/event':>8}  result")
    for engine, rows in results.items():
        for r in rows:
            per_event = r["peak_rss_mb"] * 2**20 / r["events"] if r.get("peak_rss_mb") and r["events"] else None
            result = "ok" if r["ok"] else f"FAILED: {r['error']}"
            print(f"{engine:8} {'x' + str(r['size']):>5} {r['events']:>12,} {r.get('seconds', float('nan')):>9} {r.get('peak_rss_mb', float('nan')):>9} {per_event or float('nan'):>8.0f}  {result}")
        print(f"{engine:8} growth exponent (time ∝ events^b): {summary[engine]['growth_exponent']}")
    return 0


def _events(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


if __name__ == "__main__":
    sys.exit(main())
