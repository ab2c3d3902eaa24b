#!/usr/bin/env python
"""Model benchmark: what `cxmine discover` spends, before and after precision became opt-in, against
plain pm4py doing the same work.

    python benchmarks/models.py [--log bpi2012|PATH] [--data-dir ../shared/data] [--noise 0] [--json]
                                [--no-pm4py-precision]

Not part of the test run. One process, one load of the log as the command reads it
(`cxmine.load_inputs`: start/complete events paired into one activity instance), a warm-up on the
running example (pm4py's lazy imports), then in this order:

  1. cxmine `discover` as the command runs it (`cxmine.mining.discover_process`: the map, the variants,
     the inductive miner, then the model quality on every case), with the time of each stage:
       after  = the default now: fitness (token replay) and simplicity; precision only with --precision;
       before = the old default: fitness, simplicity and precision (the same call with precision=True);
     and the steps inside, for the comparison with pm4py: discovery, token-replay fitness, precision;
  2. plain pm4py on the same loaded events: a three-column copy renamed to pm4py's names (made inside the
     timed region), `pm4py.discover_petri_net_inductive`, `pm4py.fitness_token_based_replay` and
     `pm4py.precision_token_based_replay` on the full log.

It prints the seconds of each step; the discover command before and after and the speed-up; the ratio
of cxmine to pm4py for the same work (discovery + fitness: target <= 0.5; with precision too); whether
both found the same process tree and agree on fitness and precision (|difference| <= 1e-9).
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

from _measure import CHILD_ENV

LOGS = {"bpi2012": "BPI_Challenge_2012.xes.gz", "road": "Road_Traffic_Fine_Management_Process.xes.gz", "helpdesk": "helpdesk.xes.gz"}
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
TARGET_RATIO = 0.5
TOLERANCE = 1e-9


def _timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def _discover_stages(discover_process, inputs, **options) -> tuple[object, float, float]:
    """(result, seconds until the model is discovered, seconds measuring its quality)."""
    marks: dict[str, float] = {}
    start = time.perf_counter()
    result = discover_process(inputs.log, inputs.config, inputs.complaints, progress=lambda stage: marks.setdefault(stage, time.perf_counter()), **options)
    end = time.perf_counter()
    quality_start = marks.get("model quality", end)
    return result, quality_start - start, end - quality_start


def measure(path: Path, noise: float, pm4py_precision: bool = True) -> dict:
    os.environ.update(CHILD_ENV)
    sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]
    with contextlib.redirect_stdout(io.StringIO()):
        import pm4py

    from cxmine import load_inputs
    from cxmine.mining import discover_process
    from cxmine.mining import pm4py_adapter as adapter

    adapter._pm4py()  # import cost outside every timing
    warm = load_inputs(Path(__file__).resolve().parents[1] / "tests" / "data" / "running-example.xes")
    discover_process(warm.log, warm.config, precision=True)
    inputs = load_inputs(path)
    events = inputs.log.events

    # 1. the command, before (precision measured, the old default) and after (the default now)
    before, before_discovery_s, before_quality_s = _discover_stages(discover_process, inputs, noise_threshold=noise, precision=True)
    after, after_discovery_s, after_quality_s = _discover_stages(discover_process, inputs, noise_threshold=noise)
    before_s, after_s = before_discovery_s + before_quality_s, after_discovery_s + after_quality_s

    # ... and its steps, for the comparison with pm4py
    variants, variants_s = _timed(adapter.variants_of, events)
    model, discover_s = _timed(adapter.discover, events, "inductive", noise_threshold=noise, variants=variants)
    ours, replay_s = _timed(adapter.token_replay_fitness, None, model, variants=variants)
    our_precision, precision_s = _timed(adapter.precision, None, model, variants=variants)

    # 2. plain pm4py
    start = time.perf_counter()
    frame = adapter.pm4py_frame(events)
    with adapter.quiet():
        net, im, fm = pm4py.discover_petri_net_inductive(frame, noise_threshold=noise)
    pm_discover = time.perf_counter() - start
    with adapter.quiet():
        theirs, pm_replay = _timed(pm4py.fitness_token_based_replay, frame, net, im, fm)
    their_precision, pm_precision = None, None
    if pm4py_precision:
        with adapter.quiet():
            their_precision, pm_precision = _timed(pm4py.precision_token_based_replay, frame, net, im, fm)
    with adapter.quiet():
        same_tree = str(model.tree) == str(pm4py.discover_process_tree_inductive(frame, noise_threshold=noise))

    cx_work = variants_s + discover_s + replay_s
    pm_work = pm_discover + pm_replay
    return {
        "log": path.name,
        "events": int(len(events)),
        "cases": int(variants.cases),
        "variants": len(variants.sequences),
        "discover_before_s": before_s,
        "discover_before_quality_s": before_quality_s,
        "discover_after_s": after_s,
        "discover_after_quality_s": after_quality_s,
        "speedup": before_s / after_s if after_s > 0 else None,
        "precision_before": before.quality.precision,
        "precision_after": after.quality.precision,
        "cxmine_variants_s": variants_s,
        "cxmine_discover_s": discover_s,
        "cxmine_replay_s": replay_s,
        "cxmine_precision_s": precision_s,
        "pm4py_discover_s": pm_discover,
        "pm4py_replay_s": pm_replay,
        "pm4py_precision_s": pm_precision,
        "ratio": cx_work / pm_work if pm_work > 0 else None,
        "ratio_with_precision": (cx_work + precision_s) / (pm_work + pm_precision) if pm_precision else None,
        "fitness_cxmine": ours.fitness,
        "fitness_pm4py": theirs["log_fitness"],
        "fitness_difference": abs(ours.fitness - theirs["log_fitness"]),
        "precision_cxmine": our_precision,
        "precision_pm4py": their_precision,
        "precision_difference": abs(our_precision - their_precision) if their_precision is not None else None,
        "fitting_cases_cxmine_pct": 100 * ours.fitting_cases_share,
        "fitting_cases_pm4py_pct": theirs["perc_fit_traces"],
        "same_process_tree": same_tree,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", default="bpi2012", help=f"one of {', '.join(LOGS)}, or a path")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--noise", type=float, default=0.0, help="inductive miner noise threshold (both sides)")
    parser.add_argument("--no-pm4py-precision", action="store_true", help="skip pm4py's own precision (minutes on big logs)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    path = args.data_dir / LOGS[args.log] if args.log in LOGS else Path(args.log)
    if not path.is_file():
        print(f"not found: {path}", file=sys.stderr)
        return 1
    print(f"... {path}", file=sys.stderr, flush=True)
    row = measure(path, args.noise, pm4py_precision=not args.no_pm4py_precision)
    agree = row["fitness_difference"] <= TOLERANCE and (row["precision_difference"] is None or row["precision_difference"] <= TOLERANCE)
    if args.json:
        print(json.dumps(row, indent=2))
        return 0 if agree else 1
    verdict = "PASS" if row["ratio"] is not None and row["ratio"] <= TARGET_RATIO else "MISS"
    print(f"{row['log']}: {row['events']:,} events, {row['cases']:,} cases, {row['variants']:,} variants; inductive miner noise {args.noise:g}\n")
    print("cxmine discover as the command runs it (map, variants, inductive miner, then model quality on every case):")
    print(f"  {'':58} {'total s':>8} {'of which quality s':>19}")
    print(f"  {'before: fitness, simplicity and precision':58} {row['discover_before_s']:>8.2f} {row['discover_before_quality_s']:>19.2f}")
    print(f"  {'after:  fitness and simplicity (precision with --precision)':58} {row['discover_after_s']:>8.2f} {row['discover_after_quality_s']:>19.2f}")
    print(f"  speed-up before / after: {row['speedup']:.2f}x\n")
    pm_precision = f"{row['pm4py_precision_s']:>11.2f}" if row["pm4py_precision_s"] is not None else f"{'skipped':>11}"
    print(f"{'':10} {'discover s':>11} {'replay s':>9} {'precision s':>11} {'log fitness':>13} {'fitting cases':>14} {'precision':>10}")
    print(
        f"{'cxmine':10} {row['cxmine_variants_s'] + row['cxmine_discover_s']:>11.2f} {row['cxmine_replay_s']:>9.2f} {row['cxmine_precision_s']:>11.2f} "
        f"{row['fitness_cxmine']:>13.10f} {row['fitting_cases_cxmine_pct']:>13.2f}% {row['precision_cxmine']:>10.6f}"
    )
    their_precision = f"{row['precision_pm4py']:>10.6f}" if row["precision_pm4py"] is not None else f"{'–':>10}"
    print(
        f"{'pm4py':10} {row['pm4py_discover_s']:>11.2f} {row['pm4py_replay_s']:>9.2f} {pm_precision} "
        f"{row['fitness_pm4py']:>13.10f} {row['fitting_cases_pm4py_pct']:>13.2f}% {their_precision}"
    )
    print(f"\nratio cxmine / pm4py, discovery + fitness (what discover does now): {row['ratio']:.2f} (target <= {TARGET_RATIO:g}) {verdict}")
    if row["ratio_with_precision"] is not None:
        print(f"ratio cxmine / pm4py, discovery + fitness + precision (before, and with --precision): {row['ratio_with_precision']:.2f}")
    precision_agrees = "skipped" if row["precision_difference"] is None else ("yes" if row["precision_difference"] <= TOLERANCE else "NO")
    print(
        f"fitness agrees: {'yes' if row['fitness_difference'] <= TOLERANCE else 'NO'} (|difference| = {row['fitness_difference']:.1e}); "
        f"precision agrees: {precision_agrees}; same process tree: {'yes' if row['same_process_tree'] else 'NO'}"
    )
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
