#!/usr/bin/env python
"""Journey benchmark: cxmine's customer-journey analysis against comparable pm4py OCEL work, wall time and peak RSS.

cxmine's whole journey analysis (three sources joined by customer and time, ranked) against comparable
object-centric work in pm4py, on ~1 M events by default.

    python benchmarks/journey.py [--events 1000000] [--repeat 3] [--keep DIR] [--timeout S] [--json]

Not part of the test run.

Data. The retailer of examples/journeys (orders.csv, tickets.csv, survey.csv: 9,128 rows, 900 customers)
is replicated R = round(--events / 9,128) times: in replica k every customer, order and ticket id gets the
suffix `-r<k>` (so replicas share no customer) and every timestamp is shifted by k × 28 days (so each replica
overlaps a few others in time, not all of them). The three tables are written as Parquet (timestamps as UTC
timestamps) into a temporary folder, with examples/journeys/cxmine.toml copied next to them and its three
paths rewritten. "events" in the table = order events + ticket events + survey answers.

Each side runs in its own fresh child process (this file, hidden `--child` flag), so its peak RSS is its
own. In the child: import everything first (untimed; `base MB` = VmRSS then), reset the high-water mark
(`echo 5 > /proc/self/clear_refs`), run the timed work --repeat times (best wall time counts), then read
VmHWM (`peak MB`, the largest of the runs; where the reset is refused it is ru_maxrss, imports included).

  cxmine  load_journey_inputs(cxmine.toml) + customer_journey(journey) + portfolio(journey): reading the
          three Parquet files, each process's own friction ranking, the customer timeline, the cross-process
          points (contacts during waits, cross-channel repeats, spill-over onto the survey and the
          cancellations) and the portfolio of processes.
  pm4py   reading the same three Parquet files (pandas) and building a pm4py OCEL 2.0 object from them
          (objects: customers, orders, tickets; each order/ticket event related to its order/ticket and its
          customer, each survey answer an `NPS answered` event related to its customer, order→customer and
          ticket→customer o2o links) -- INSIDE the timed region, because cxmine's figure includes reading the
          files too; then pm4py.ocel_flattening for orders and for tickets, and on each flattened log
          pm4py.discover_dfg and pm4py.get_variants; and the OCEL's own summary (ocel.get_summary(): counts
          per activity, object type, activities per type). The build is also shown apart, with the ratio
          against pm4py's analysis alone, for information.

pm4py does less than cxmine here: no customer join across processes, no waits, promises, outcomes or
ranking; a DFG and the variants are the closest common ground. pm4py.ocel_objects_summary is left out of
the timed work (its interacting-objects graph is a Python loop over every event); --objects-summary times
it once, as information.

Target: cxmine / pm4py wall <= 0.5.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _measure import CHILD_ENV, peak_mb, reset_hwm, run_json_child, status_mb, verdict

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "journeys"
TARGET_RATIO = 0.5
SHIFT_DAYS = 28  # replica k starts k × 4 weeks after replica 0 (a whole number of weeks keeps the weekdays)


# ---------------------------------------------------------------------------------------------------- data

SOURCES = {  # file stem → (id columns to suffix, time columns to shift)
    "orders": (("order_id", "customer_id"), ("timestamp",)),
    "tickets": (("ticket_id", "customer_id"), ("timestamp",)),
    "survey": (("customer_id",), ("answered_at",)),
}


def build_data(target_events: int, folder: Path) -> dict:
    """Replicate the example into `folder` as Parquet, with a cxmine.toml pointing at it. Returns the counts."""
    import numpy as np
    import pandas as pd

    frames = {stem: pd.read_csv(EXAMPLE / f"{stem}.csv", dtype=str, keep_default_na=False) for stem in SOURCES}
    per_replica = sum(len(f) for f in frames.values())
    replicas = max(1, round(target_events / per_replica))
    width = max(3, len(str(replicas - 1)))
    suffixes = np.array([f"-r{k:0{width}d}" for k in range(replicas)], dtype=object)
    shift = SHIFT_DAYS * 86_400 * 10**9  # ns
    folder.mkdir(parents=True, exist_ok=True)
    counts = {"replicas": replicas, "rows_per_replica": per_replica}
    for stem, frame in frames.items():
        ids, times = SOURCES[stem]
        n = len(frame)
        which = np.repeat(np.arange(replicas), n)
        out = {}
        for column in frame.columns:
            values = np.tile(frame[column].to_numpy(dtype=object), replicas)
            if column in ids:
                out[column] = pd.array(values + suffixes[which], dtype="string")
            elif column in times:
                stamps = pd.to_datetime(frame[column], utc=True).dt.as_unit("ns").astype("int64").to_numpy()
                out[column] = pd.to_datetime(np.tile(stamps, replicas) + which * shift, unit="ns", utc=True)
            elif column == "nps":
                out[column] = np.tile(frame[column].astype(np.int64).to_numpy(), replicas)
            else:
                out[column] = pd.array(values, dtype="string")
        table = pd.DataFrame(out)
        table.to_parquet(folder / f"{stem}.parquet", index=False)
        counts[stem] = len(table)
        if stem == "orders":
            counts["customers"] = int(table["customer_id"].nunique())
            counts["order_cases"] = int(table["order_id"].nunique())
        elif stem == "tickets":
            counts["ticket_cases"] = int(table["ticket_id"].nunique())
        del table, out
    counts["events"] = counts["orders"] + counts["tickets"] + counts["survey"]

    text = (EXAMPLE / "cxmine.toml").read_text(encoding="utf-8")
    for stem in SOURCES:
        text, hits = re.subn(rf'(path\s*=\s*"){stem}\.csv(")', rf"\g<1>{stem}.parquet\g<2>", text)
        if hits != 1:
            raise SystemExit(f"examples/journeys/cxmine.toml: expected one path = \"{stem}.csv\", found {hits}")
    (folder / "cxmine.toml").write_text(text, encoding="utf-8")
    return counts


# --------------------------------------------------------------------------------------------------- child


def _cxmine_runs(folder: Path, repeat: int) -> tuple[list[dict], dict]:
    # Everything the journey imports lazily, imported here so no timed run pays for it.
    import pyarrow.parquet  # noqa: F401
    import scipy.stats  # noqa: F401 - imported lazily by cxmine.friction.stats; kept out of the timed region

    import cxmine.config.settings
    import cxmine.core.shapes
    import cxmine.friction.crossprocess
    import cxmine.friction.engine
    import cxmine.io
    import cxmine.io.outcomes
    import cxmine.io.tabular
    import cxmine.matching
    import cxmine.render.sentences  # noqa: F401
    from cxmine.api import customer_journey, portfolio
    from cxmine.inputs import load_journey_inputs

    base = status_mb("VmRSS")
    reset = reset_hwm()
    runs, info = [], {}
    for _ in range(repeat):
        t0 = time.perf_counter()
        journey = load_journey_inputs(folder / "cxmine.toml")
        t1 = time.perf_counter()
        report = customer_journey(journey)
        t2 = time.perf_counter()
        ranked = portfolio(journey)
        t3 = time.perf_counter()
        runs.append({"total": t3 - t0, "load": t1 - t0, "customer_journey": t2 - t1, "portfolio": t3 - t2})
        points = report.friction.friction_points
        info = {
            "customers": int(report.customers),
            "processes": [dict(p) for p in report.processes],
            "points": len(points),
            "top_points": [f"{p.kind}: {p.label}" for p in points[:3]],
            "portfolio": [f"{p.rank}. {p.name} ({p.score:.0f}%{', critical' if p.critical else ''})" for p in ranked.processes],
        }
        del journey, report, ranked
    return runs, {**info, "base_mb": base, "peak_mb": peak_mb(reset), "hwm_reset": reset}


def _pm4py_ocel(folder: Path):
    """The same three Parquet files as a pm4py OCEL 2.0 object (what a pm4py user would write)."""
    import numpy as np
    import pandas as pd
    from pm4py.objects.ocel.obj import OCEL

    orders = pd.read_parquet(folder / "orders.parquet")
    tickets = pd.read_parquet(folder / "tickets.parquet")
    survey = pd.read_parquet(folder / "survey.parquet")
    E, A, T, O, Y, Q = "ocel:eid", "ocel:activity", "ocel:timestamp", "ocel:oid", "ocel:type", "ocel:qualifier"

    def eids(prefix: str, n: int) -> pd.Series:
        return prefix + pd.Series(np.arange(n)).astype(str)

    ev_o = pd.DataFrame({E: eids("o", len(orders)), A: orders["activity"], T: orders["timestamp"],
                         "org:resource": orders["resource"], "channel": orders["channel"]})
    ev_t = pd.DataFrame({E: eids("t", len(tickets)), A: tickets["activity"], T: tickets["timestamp"],
                         "team": tickets["team"], "channel": tickets["channel"]})
    ev_s = pd.DataFrame({E: eids("s", len(survey)), A: "NPS answered", T: survey["answered_at"], "nps": survey["nps"]})
    events = pd.concat([ev_o, ev_t, ev_s], ignore_index=True)

    def rel(ev: pd.DataFrame, oid: pd.Series, kind: str, qualifier: str) -> pd.DataFrame:
        return pd.DataFrame({E: ev[E], A: ev[A], T: ev[T], O: oid.to_numpy(), Y: kind, Q: qualifier})

    relations = pd.concat([
        rel(ev_o, orders["order_id"], "orders", "order"), rel(ev_o, orders["customer_id"], "customers", "customer"),
        rel(ev_t, tickets["ticket_id"], "tickets", "ticket"), rel(ev_t, tickets["customer_id"], "customers", "customer"),
        rel(ev_s, survey["customer_id"], "customers", "respondent"),
    ], ignore_index=True)  # fmt: skip
    customers = pd.unique(pd.concat([orders["customer_id"], tickets["customer_id"], survey["customer_id"]], ignore_index=True))
    objects = pd.concat([
        pd.DataFrame({O: customers, Y: "customers"}),
        pd.DataFrame({O: orders["order_id"].unique(), Y: "orders"}),
        pd.DataFrame({O: tickets["ticket_id"].unique(), Y: "tickets"}),
    ], ignore_index=True)  # fmt: skip
    o2o = pd.concat([
        orders[["order_id", "customer_id"]].drop_duplicates().set_axis([O, O + "_2"], axis=1).assign(**{Q: "placed by"}),
        tickets[["ticket_id", "customer_id"]].drop_duplicates().set_axis([O, O + "_2"], axis=1).assign(**{Q: "opened by"}),
    ], ignore_index=True)  # fmt: skip
    return OCEL(events=events, objects=objects, relations=relations, o2o=o2o)


def _pm4py_runs(folder: Path, repeat: int, objects_summary: bool) -> tuple[list[dict], dict]:
    import contextlib
    import io

    sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]  # no banner on import
    with contextlib.redirect_stdout(io.StringIO()):
        import pm4py
    # pm4py's modules used below, imported before any timing (as for cxmine).
    import pm4py.algo.discovery.dfg.adapters.pandas.df_statistics
    import pm4py.objects.ocel.util.flattening
    import pm4py.statistics.variants.pandas.get
    import pyarrow.parquet  # noqa: F401

    base = status_mb("VmRSS")
    reset = reset_hwm()
    runs, info = [], {}
    for _ in range(repeat):
        t0 = time.perf_counter()
        ocel = _pm4py_ocel(folder)
        t1 = time.perf_counter()
        flat_rows, dfg_edges, variants = {}, {}, {}
        for object_type in ("orders", "tickets"):
            flat = pm4py.ocel_flattening(ocel, object_type)
            dfg, _starts, _ends = pm4py.discover_dfg(flat)
            found = pm4py.get_variants(flat)
            flat_rows[object_type], dfg_edges[object_type], variants[object_type] = len(flat), len(dfg), len(found)
            del flat, dfg, found
        t2 = time.perf_counter()
        summary = ocel.get_summary()
        t3 = time.perf_counter()
        runs.append({"total": t3 - t0, "build": t1 - t0, "flatten_dfg_variants": t2 - t1, "summary": t3 - t2, "analysis": t3 - t1})
        info = {
            "ocel_events": len(ocel.events), "ocel_objects": len(ocel.objects), "ocel_relations": len(ocel.relations),
            "customers": int((ocel.objects["ocel:type"] == "customers").sum()),
            "flat_rows": flat_rows, "dfg_edges": dfg_edges, "variants": variants, "summary_chars": len(summary),
        }  # fmt: skip
        if objects_summary and "objects_summary_s" not in info:
            t4 = time.perf_counter()
            pm4py.ocel_objects_summary(ocel)
            info["objects_summary_s"] = time.perf_counter() - t4
        del ocel, summary
    info.update(base_mb=base, peak_mb=peak_mb(reset), hwm_reset=reset)
    return runs, info


def _child(side: str, folder: Path, repeat: int, objects_summary: bool) -> dict:
    os.environ.update(CHILD_ENV)
    import warnings

    warnings.simplefilter("ignore")
    if side == "cxmine":
        runs, info = _cxmine_runs(folder, repeat)
    else:
        runs, info = _pm4py_runs(folder, repeat, objects_summary)
    best = min(runs, key=lambda r: r["total"])
    return {"side": side, "best": best, "runs_s": [round(r["total"], 3) for r in runs], **info}


# -------------------------------------------------------------------------------------------------- parent


def run_child(side: str, folder: Path, repeat: int, timeout: float, objects_summary: bool) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", side, "--data", str(folder), "--repeat", str(repeat)]
    if objects_summary:
        command.append("--objects-summary")
    result = run_json_child(command, timeout)
    return {"side": side, **result} if "error" in result else result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="about how many events in all (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per side; the best counts (default 3)")
    parser.add_argument("--keep", type=Path, help="write the data into this folder and keep it (default: a temporary folder, removed)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="per side, seconds")
    parser.add_argument("--objects-summary", action="store_true", help="also time pm4py.ocel_objects_summary once (information)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=("cxmine", "pm4py"), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.events < 1:
        parser.error("--events and --repeat must be at least 1")

    if args.child:
        print(json.dumps(_child(args.child, args.data, args.repeat, args.objects_summary)))
        return 0

    folder = args.keep or Path(tempfile.mkdtemp(prefix="cxmine-journey-bench-"))
    try:
        print(f"... writing ~{args.events:,} events as Parquet into {folder}", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        data = build_data(args.events, folder)
        data["write_s"] = time.perf_counter() - t0
        results = {}
        for side in ("cxmine", "pm4py"):
            print(f"... {side}: {args.repeat} run(s) in a fresh process", file=sys.stderr, flush=True)
            results[side] = run_child(side, folder, args.repeat, args.timeout, args.objects_summary)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)

    cx, pm = results["cxmine"], results["pm4py"]
    ok = "error" not in cx and "error" not in pm
    ratio = cx["best"]["total"] / pm["best"]["total"] if ok and pm["best"]["total"] > 0 else None
    ratio_analysis = cx["best"]["total"] / pm["best"]["analysis"] if ok and pm["best"]["analysis"] > 0 else None
    out = {"data": data, "repeat": args.repeat, "cxmine": cx, "pm4py": pm, "ratio": ratio, "ratio_vs_pm4py_analysis_only": ratio_analysis,
           "target": TARGET_RATIO, "loadavg": os.getloadavg(), "cpus": os.cpu_count()}  # fmt: skip
    if args.json:
        print(json.dumps(out, indent=2))
        return 0 if ok else 1

    print(
        f"journey benchmark: {data['replicas']} replicas of examples/journeys (ids suffixed -r<k>, times shifted k x {SHIFT_DAYS} d), "
        f"Parquet; best of {args.repeat}, each side in a fresh process\n"
        "  cxmine = load_journey_inputs(cxmine.toml) + customer_journey + portfolio (reads the Parquet files)\n"
        "  pm4py  = read the same Parquet files + build the OCEL 2.0 object (INSIDE the timed region) + ocel_flattening\n"
        "           (orders, tickets) + discover_dfg + get_variants on each + ocel.get_summary()\n"
        f"  machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the end"
        + ("  (other work running: wall times are noisy)" if os.getloadavg()[0] > 1 else "")
    )
    print()
    header = (f"{'events':>10} {'customers':>9} {'cxmine s':>9} {'pm4py s':>8} {'ratio':>6} {'':4}  "
              f"{'cxmine base/peak MB':>19} {'pm4py base/peak MB':>18}")  # fmt: skip
    print(header)
    print("-" * len(header))
    if not ok:
        for side in (cx, pm):
            if "error" in side:
                print(f"{side['side']}: ERROR: {side['error']}")
        return 1
    print(
        f"{data['events']:>10,} {data['customers']:>9,} {cx['best']['total']:>9.2f} {pm['best']['total']:>8.2f} "
        f"{ratio:>6.2f} {verdict(ratio, TARGET_RATIO):4}  "
        f"{cx['base_mb']:>9.0f} / {cx['peak_mb']:>5.0f}   {pm['base_mb']:>8.0f} / {pm['peak_mb']:>5.0f}"
    )
    b, p = cx["best"], pm["best"]
    print(
        f"\nrows: orders {data['orders']:,} ({data['order_cases']:,} orders), tickets {data['tickets']:,} "
        f"({data['ticket_cases']:,} tickets), survey {data['survey']:,}; Parquet written in {data['write_s']:.1f} s"
    )
    print(f"cxmine best run: load {b['load']:.2f} s, customer_journey {b['customer_journey']:.2f} s, portfolio {b['portfolio']:.2f} s; "
          f"runs {cx['runs_s']}")  # fmt: skip
    print(f"  {cx['customers']:,} customers, {cx['points']} journey points; top: " + "; ".join(cx["top_points"]))
    print("  portfolio: " + ", ".join(cx["portfolio"]))
    print(f"pm4py best run: build OCEL {p['build']:.2f} s, flatten+dfg+variants {p['flatten_dfg_variants']:.2f} s, "
          f"summary {p['summary']:.2f} s; runs {pm['runs_s']}")  # fmt: skip
    print(f"  OCEL: {pm['ocel_events']:,} events, {pm['ocel_objects']:,} objects ({pm['customers']:,} customers), "
          f"{pm['ocel_relations']:,} relations; variants {pm['variants']}, DFG edges {pm['dfg_edges']}")  # fmt: skip
    if "objects_summary_s" in pm:
        print(f"  pm4py.ocel_objects_summary (not timed above): {pm['objects_summary_s']:.2f} s")
    print(f"\ntarget: cxmine / pm4py wall <= {TARGET_RATIO:g} (build included). Against pm4py's analysis alone "
          f"({p['analysis']:.2f} s, OCEL already built): {ratio_analysis:.2f}, information only.")  # fmt: skip
    print("peak MB = VmHWM over the timed runs after a reset at 'base' (RSS after imports)"
          + ("" if cx["hwm_reset"] and pm["hwm_reset"] else "; reset refused on one side: that peak is ru_maxrss"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
