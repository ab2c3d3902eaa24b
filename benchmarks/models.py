#!/usr/bin/env python
"""Model benchmark: inductive discovery + token-based replay fitness, cxmine against plain pm4py.

    python benchmarks/models.py [--log bpi2012|PATH] [--data-dir ../shared/data] [--noise 0] [--json]

Not part of the test run. One process, one load of the log (cxmine's reader), then in this order:

  1. cxmine: `variants_of(events)` (each distinct variant once, with its case count), `discover(...,
     "inductive")` (pm4py's inductive miner fed those variants) and `token_replay_fitness(...)` (pm4py's
     per-trace token replay, each variant once, memoised on the marking, weighted by case counts);
  2. plain pm4py on the same loaded events: a three-column copy renamed to pm4py's names (made inside the
     timed region), `pm4py.discover_petri_net_inductive` and `pm4py.fitness_token_based_replay` on the
     full log.

It prints the seconds of each step, the ratio cxmine / pm4py (target <= 0.5), whether both discovered
the same process tree, and whether the two log fitness figures agree (|difference| <= 1e-9).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import time
from pathlib import Path

LOGS = {"bpi2012": "BPI_Challenge_2012.xes.gz", "road": "Road_Traffic_Fine_Management_Process.xes.gz"}
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
TARGET_RATIO = 0.5
TOLERANCE = 1e-9


def measure(path: Path, noise: float) -> dict:
    os.environ.update({"TQDM_DISABLE": "1", "PM4PY_SHOW_PROGRESS_BAR": "False", "PM4PY_SHOW_INTERNAL_WARNINGS": "False"})
    sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]
    with contextlib.redirect_stdout(io.StringIO()):
        import pm4py

    from cxmine.io import load_log
    from cxmine.mining import pm4py_adapter as adapter

    adapter._pm4py()  # import cost outside both timings
    events = load_log(path).events

    start = time.perf_counter()
    variants = adapter.variants_of(events)
    model = adapter.discover(events, "inductive", noise_threshold=noise, variants=variants)
    cx_discover = time.perf_counter() - start
    start = time.perf_counter()
    ours = adapter.token_replay_fitness(None, model, variants=variants)
    cx_replay = time.perf_counter() - start

    start = time.perf_counter()
    frame = adapter.pm4py_frame(events)
    with adapter.quiet():
        net, im, fm = pm4py.discover_petri_net_inductive(frame, noise_threshold=noise)
    pm_discover = time.perf_counter() - start
    start = time.perf_counter()
    with adapter.quiet():
        theirs = pm4py.fitness_token_based_replay(frame, net, im, fm)
    pm_replay = time.perf_counter() - start
    with adapter.quiet():
        same_tree = str(model.tree) == str(pm4py.discover_process_tree_inductive(frame, noise_threshold=noise))

    cxmine_s = cx_discover + cx_replay
    pm4py_s = pm_discover + pm_replay
    return {
        "log": path.name,
        "events": int(len(events)),
        "cases": int(variants.cases),
        "variants": len(variants.sequences),
        "cxmine_discover_s": cx_discover,
        "cxmine_replay_s": cx_replay,
        "cxmine_s": cxmine_s,
        "pm4py_discover_s": pm_discover,
        "pm4py_replay_s": pm_replay,
        "pm4py_s": pm4py_s,
        "ratio": cxmine_s / pm4py_s if pm4py_s > 0 else None,
        "fitness_cxmine": ours.fitness,
        "fitness_pm4py": theirs["log_fitness"],
        "fitness_difference": abs(ours.fitness - theirs["log_fitness"]),
        "fitting_cases_cxmine_pct": 100 * ours.fitting_cases_share,
        "fitting_cases_pm4py_pct": theirs["perc_fit_traces"],
        "same_process_tree": same_tree,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", default="bpi2012", help=f"one of {', '.join(LOGS)}, or a path")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--noise", type=float, default=0.0, help="inductive miner noise threshold (both sides)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    path = args.data_dir / LOGS[args.log] if args.log in LOGS else Path(args.log)
    if not path.is_file():
        print(f"not found: {path}", file=sys.stderr)
        return 1
    print(f"... {path}", file=sys.stderr, flush=True)
    row = measure(path, args.noise)
    if args.json:
        print(json.dumps(row, indent=2))
        return 0 if row["fitness_difference"] <= TOLERANCE else 1
    agree = row["fitness_difference"] <= TOLERANCE
    verdict = "PASS" if row["ratio"] is not None and row["ratio"] <= TARGET_RATIO else "MISS"
    print(f"{row['log']}: {row['events']:,} events, {row['cases']:,} cases, {row['variants']:,} variants; inductive miner noise {args.noise:g}\n")
    print(f"{'':10} {'discover s':>11} {'replay s':>9} {'total s':>8} {'log fitness':>13} {'fitting cases':>14}")
    print(f"{'cxmine':10} {row['cxmine_discover_s']:>11.2f} {row['cxmine_replay_s']:>9.2f} {row['cxmine_s']:>8.2f} {row['fitness_cxmine']:>13.10f} {row['fitting_cases_cxmine_pct']:>13.2f}%")
    print(f"{'pm4py':10} {row['pm4py_discover_s']:>11.2f} {row['pm4py_replay_s']:>9.2f} {row['pm4py_s']:>8.2f} {row['fitness_pm4py']:>13.10f} {row['fitting_cases_pm4py_pct']:>13.2f}%")
    print(f"\nratio cxmine / pm4py: {row['ratio']:.2f} (target <= {TARGET_RATIO:g}) {verdict}")
    print(f"fitness agrees: {'yes' if agree else 'NO'} (|difference| = {row['fitness_difference']:.1e}); same process tree: {'yes' if row['same_process_tree'] else 'NO'}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
