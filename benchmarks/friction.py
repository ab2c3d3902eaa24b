#!/usr/bin/env python
"""Friction benchmark: cxmine `analyse` against a comparable pm4py analysis, wall time and peak RSS.

    python benchmarks/friction.py [--logs road,bpi2012] [--data-dir ../shared/data] [--timeout S] [--json]

Not part of the test run.

Each log is measured in its own fresh child process (this file, with a hidden `--child` flag), so the
process's memory high-water mark belongs to that log alone. In the child, in this order:

  1. import cxmine, pandas and pm4py (pm4py imported with TQDM_DISABLE=1 so no progress bars);
  2. `log = cxmine.io.load_log(<log>.xes.gz)` once;
  3. read VmRSS and VmHWM from /proc/self/status  -> `rss_loaded` (RSS holding the loaded log) and
     `hwm_loaded` (high-water mark so far, which includes the transient peak of the XES parse);
  4. time (best of 3 runs, as for (b)) (a) cxmine analysis only: `cxmine.friction.engine.analyse(log, load_config(None), None)`
     (default config: every activity is a touchpoint, no complaints), then read VmHWM -> `hwm_cxmine`;
  5. time (b) pm4py on the same loaded frame: a copy of just the case/activity/timestamp columns renamed
     to `case:concept:name`, `concept:name`, `time:timestamp` (tz-aware timestamps; the copy is made
     inside the timed region), then `pm4py.discover_performance_dfg`, `pm4py.get_variants`,
     `pm4py.get_rework_cases_per_activity` and `pm4py.get_all_case_durations`.

Peak-RSS ratio = hwm_cxmine / rss_loaded: the peak resident memory reached during cxmine's analysis,
over the resident memory of the process holding the loaded log. Between steps 3 and 4 the high-water
mark is reset to the current RSS (`echo 5 > /proc/self/clear_refs`, Linux), so the XES parse's own
transient peak (`hwm_loaded`, printed alongside) does not count; where the reset is refused, the ratio
includes it and the JSON says `hwm_reset: false`. pm4py runs after cxmine in the same child, so it cannot affect cxmine's
numbers; its own peak is reported as information only.

Targets: cxmine / pm4py wall <= 1.0; peak RSS during analysis / RSS of the loaded log <= 1.5.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from _measure import CHILD_ENV, reset_hwm, run_json_child, status_mb, verdict

LOGS = {
    "road": "Road_Traffic_Fine_Management_Process.xes.gz",
    "bpi2012": "BPI_Challenge_2012.xes.gz",
}
TARGET_RATIO = 1.0
TARGET_RSS_RATIO = 1.5

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"


REPEAT = 3  # each side is timed 3 times in the same process; the best run counts (machines are noisy)


def _child(path: str) -> dict:
    os.environ.update(CHILD_ENV)
    sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]  # no banner on import
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        import pm4py  # noqa: F401
    import pandas as pd  # noqa: F401

    from cxmine.config import load_config
    from cxmine.core import schema
    from cxmine.friction.engine import analyse
    from cxmine.io import load_log

    log = load_log(path)
    events = log.events
    rss_loaded = status_mb("VmRSS")
    hwm_loaded = status_mb("VmHWM")
    hwm_reset = reset_hwm()  # so the analysis' peak is its own, not the XES parse's

    config = load_config(None)
    cxmine_runs = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        report = analyse(log, config, None)
        cxmine_runs.append(time.perf_counter() - start)
    cxmine_s = min(cxmine_runs)
    hwm_cxmine = status_mb("VmHWM")
    rss_cxmine = status_mb("VmRSS")
    points = len(getattr(report, "friction_points", ()) or ())
    del report
    reset_hwm()

    keys = dict(case_id_key="case:concept:name", activity_key="concept:name", timestamp_key="time:timestamp")
    pm4py_runs = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        frame = events[[schema.CASE, schema.ACTIVITY, schema.TIMESTAMP]].rename(
            columns={schema.CASE: "case:concept:name", schema.ACTIVITY: "concept:name", schema.TIMESTAMP: "time:timestamp"}
        )
        frame["case:concept:name"] = frame["case:concept:name"].astype(str)
        frame["concept:name"] = frame["concept:name"].astype(str)
        pm4py.discover_performance_dfg(frame, **keys)
        pm4py.get_variants(frame, **keys)
        pm4py.get_rework_cases_per_activity(frame, **keys)
        pm4py.get_all_case_durations(frame, **keys)
        pm4py_runs.append(time.perf_counter() - start)
    pm4py_s = min(pm4py_runs)
    hwm_pm4py = status_mb("VmHWM")

    return {
        "events": int(len(events)),
        "cases": int(events[schema.CASE].nunique()),
        "cxmine_s": cxmine_s,
        "pm4py_s": pm4py_s,
        "rss_loaded_mb": rss_loaded,
        "hwm_loaded_mb": hwm_loaded,
        "hwm_cxmine_mb": hwm_cxmine,
        "rss_after_cxmine_mb": rss_cxmine,
        "hwm_after_pm4py_mb": hwm_pm4py,
        "points": points,
        "hwm_reset": hwm_reset,
        "cxmine_runs_s": [round(x, 3) for x in cxmine_runs],
        "pm4py_runs_s": [round(x, 3) for x in pm4py_runs],
    }


def run_child(path: Path, timeout: float) -> dict:
    return run_json_child([sys.executable, str(Path(__file__).resolve()), "--child", str(path)], timeout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", default="road,bpi2012", help="comma-separated: " + ",".join(LOGS))
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        print(json.dumps(_child(args.child)))
        return 0

    keys = [k.strip() for k in args.logs.split(",") if k.strip()]
    unknown = [k for k in keys if k not in LOGS]
    if unknown:
        parser.error(f"unknown log(s) {', '.join(unknown)}; choose from {', '.join(LOGS)}")

    rows = []
    for key in keys:
        path = args.data_dir / LOGS[key]
        print(f"... {key}: {path}", file=sys.stderr, flush=True)
        if not path.is_file():
            rows.append({"log": key, "error": f"not found: {path}"})
            continue
        row = {"log": key, **run_child(path, args.timeout)}
        if "error" not in row:
            row["ratio"] = row["cxmine_s"] / row["pm4py_s"] if row["pm4py_s"] > 0 else None
            row["rss_ratio"] = row["hwm_cxmine_mb"] / row["rss_loaded_mb"]
        rows.append(row)

    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        header = (
            f"{'log':<8} {'events':>9} {'cases':>7} {'cxmine s':>9} {'pm4py s':>8} {'ratio':>6} {'':4}  "
            f"{'RSS load MB':>11} {'HWM load MB':>11} {'HWM anal. MB':>12} {'RSS ratio':>9} {'':4}"
        )
        print(header)
        print("-" * len(header))
        for row in rows:
            if "error" in row:
                print(f"{row['log']:<8} ERROR: {row['error']}")
                continue
            print(
                f"{row['log']:<8} {row['events']:>9,} {row['cases']:>7,} {row['cxmine_s']:>9.2f} {row['pm4py_s']:>8.2f} "
                f"{row['ratio']:>6.2f} {verdict(row['ratio'], TARGET_RATIO):4}  "
                f"{row['rss_loaded_mb']:>11.0f} {row['hwm_loaded_mb']:>11.0f} {row['hwm_cxmine_mb']:>12.0f} "
                f"{row['rss_ratio']:>9.2f} {verdict(row['rss_ratio'], TARGET_RSS_RATIO):4}"
            )
        print(
            f"\ntargets: cxmine/pm4py wall <= {TARGET_RATIO:g}; peak RSS during analysis (VmHWM) / RSS of loaded log "
            f"(VmRSS) <= {TARGET_RSS_RATIO:g}.\n'HWM load' is the high-water mark already reached by the load itself."
        )
    return 1 if any("error" in row for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
