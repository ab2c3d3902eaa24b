#!/usr/bin/env python
"""OCEL benchmark: cxmine's `read_ocel` (every object type but the customer's, with customers) against
pm4py's own `pm4py.ocel_flattening(ocel, type)` for the same object types, on one OCEL 2.0 file.

    python benchmarks/ocel.py [--file ocel20_example.jsonocel|PATH] [--customer TYPE] [--synthetic ORDERS]
                              [--data-dir ../shared/data] [--repeat 5] [--json]

Not part of the test run. One process; pm4py is imported before any timing. Each figure is the best of
--repeat runs (seconds):

  read (pm4py)       pm4py parsing the file into its OCEL object (`pm4py_adapter.read_ocel2`, the same
                     importer for both sides);
  cxmine flatten     pm4py's OCEL object → our tables → one canonical event table per object type with its
                     customer column (`ocel_tables` + `sources_from_tables`);
  cxmine read_ocel   the whole call, file to sources (= read + flatten);
  pm4py flattening   `pm4py.ocel_flattening` once per object type cxmine returns, on the OCEL object
                     already read (per type and in total); read + flattening is pm4py's end-to-end figure.

pm4py's flattening joins and returns an unsorted frame of object columns; cxmine's also sorts by case
and time, makes the canonical categoricals and finds each case's customer, so it does more work.
--synthetic N writes a shop-like OCEL 2.0 JSON log with N orders (customers, orders, packages, tickets;
seeded, so the same N gives the same file) into a temporary folder and measures that instead: the
example has 13 events, where every figure is per-call overhead.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from _measure import CHILD_ENV

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT_FILE = "ocel20_example.jsonocel"
DEFAULT_CUSTOMER = {"ocel20_example": "Purchase Requisition", "synthetic": "customers"}


def _best(function, repeat: int) -> tuple[object, float]:
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return result, min(times)


def synthetic(orders: int, folder: Path) -> Path:
    """A seeded shop log: each order placed and paid by its customer (linked object to object), packed
    into a package that is shipped and delivered to the customer; a third of the orders get a ticket."""
    import numpy as np

    rng = np.random.default_rng(7)
    customers = max(orders // 4, 1)
    start = np.datetime64("2024-01-01T00:00:00")
    events, objects = [], []
    hours = lambda value: str(start + np.timedelta64(int(value * 3600), "s")) + "Z"  # noqa: E731

    def event(activity, time_h, related, **attributes):
        events.append({
            "id": f"e{len(events) + 1}", "type": activity, "time": hours(time_h),
            "attributes": [{"name": k, "value": v} for k, v in attributes.items()],
            "relationships": [{"objectId": o, "qualifier": q} for o, q in related],
        })  # fmt: skip

    for c in range(customers):
        objects.append({"id": f"C{c}", "type": "customers", "attributes": [{"name": "segment", "time": "1970-01-01T00:00:00Z", "value": ["gold", "silver", "bronze"][c % 3]}]})
    owner = rng.integers(0, customers, orders)
    placed = np.sort(rng.uniform(0, 24 * 365, orders))
    for o in range(orders):
        customer, t = f"C{owner[o]}", placed[o]
        objects.append({"id": f"O{o}", "type": "orders", "attributes": [{"name": "channel", "time": "1970-01-01T00:00:00Z", "value": ["web", "app", "phone"][o % 3]}],
                        "relationships": [{"objectId": customer, "qualifier": "placed by"}]})
        objects.append({"id": f"K{o}", "type": "packages", "relationships": [{"objectId": f"O{o}", "qualifier": "contains"}]})
        event("Place order", t, [(f"O{o}", "order"), (customer, "customer")], **{"org:resource": "web shop"})
        event("Pay", t + rng.uniform(0, 2), [(f"O{o}", "order"), (customer, "payer")])
        event("Pack", t + rng.uniform(2, 30), [(f"O{o}", "order"), (f"K{o}", "package")], **{"org:resource": f"packer {o % 17}"})
        event("Ship", t + rng.uniform(30, 60), [(f"K{o}", "package")], **{"org:resource": "courier"})
        event("Deliver", t + rng.uniform(60, 120), [(f"K{o}", "package"), (customer, "recipient")], **{"org:resource": "courier"})
        if o % 3 == 0:
            objects.append({"id": f"T{o}", "type": "tickets"})
            event("Open ticket", t + rng.uniform(60, 200), [(f"T{o}", "ticket"), (customer, "caller"), (f"O{o}", "about")], **{"org:resource": f"agent {o % 11}"})
            event("Close ticket", t + rng.uniform(200, 400), [(f"T{o}", "ticket")], **{"org:resource": f"agent {o % 11}"})
    log = {
        "objectTypes": [
            {"name": "customers", "attributes": [{"name": "segment", "type": "string"}]},
            {"name": "orders", "attributes": [{"name": "channel", "type": "string"}]},
            {"name": "packages", "attributes": []},
            {"name": "tickets", "attributes": []},
        ],
        "eventTypes": [
            {"name": name, "attributes": [{"name": "org:resource", "type": "string"}]}
            for name in ("Place order", "Pay", "Pack", "Ship", "Deliver", "Open ticket", "Close ticket")
        ],
        "objects": objects,
        "events": events,
    }
    path = folder / f"synthetic-{orders}.jsonocel"
    path.write_text(json.dumps(log), encoding="utf-8")
    return path


def measure(path: Path, customer_type: str, repeat: int) -> dict:
    os.environ.update(CHILD_ENV)
    sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]
    with contextlib.redirect_stdout(io.StringIO()):
        import pm4py

    from cxmine.io.ocel import read_ocel, sources_from_tables
    from cxmine.mining import pm4py_adapter as adapter

    adapter._pm4py()  # import cost outside every timing
    read_ocel(path, customer_type, [])  # warm-up: first-call imports inside pm4py and pandas

    ocel, read_s = _best(lambda: adapter.read_ocel2(path), repeat)
    sources, flatten_s = _best(lambda: sources_from_tables(adapter.ocel_tables(ocel), customer_type, [], source=str(path)), repeat)
    _, read_ocel_s = _best(lambda: read_ocel(path, customer_type, []), repeat)

    per_type = {}
    counts = {}
    for source in sources:
        with adapter.quiet():
            frame, seconds = _best(lambda name=source.name: pm4py.ocel_flattening(ocel, name), repeat)
        per_type[source.name] = seconds
        events = source.log.events
        counts[source.name] = {
            "events": int(len(events)),
            "cases": int(events["case_id"].nunique()),
            "cases_with_customer": int(events.groupby("case_id", observed=True)["customer"].first().notna().sum()),
            "pm4py_events": int(len(frame)),
        }
    pm4py_flatten_s = sum(per_type.values())
    return {
        "file": path.name,
        "customer_type": customer_type,
        "events": int(len(ocel.events)),
        "objects": int(len(ocel.objects)),
        "relations": int(len(ocel.relations)),
        "repeat": repeat,
        "read_pm4py_s": read_s,
        "cxmine_flatten_s": flatten_s,
        "cxmine_read_ocel_s": read_ocel_s,
        "pm4py_flattening_s": pm4py_flatten_s,
        "pm4py_flattening_per_type_s": per_type,
        "pm4py_read_and_flattening_s": read_s + pm4py_flatten_s,
        "flatten_ratio": flatten_s / pm4py_flatten_s if pm4py_flatten_s > 0 else None,
        "end_to_end_ratio": read_ocel_s / (read_s + pm4py_flatten_s),
        "sources": counts,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default=DEFAULT_FILE, help="an OCEL 2.0 file (.jsonocel, .xmlocel, .sqlite), in --data-dir or a path")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--customer", help="the customer object type (default: Purchase Requisition for pm4py's example)")
    parser.add_argument("--synthetic", type=int, metavar="ORDERS", help="measure a generated shop log with this many orders instead")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        if args.synthetic:
            print(f"... writing a synthetic log with {args.synthetic:,} orders", file=sys.stderr, flush=True)
            path = synthetic(args.synthetic, Path(folder))
            customer = args.customer or DEFAULT_CUSTOMER["synthetic"]
        else:
            path = args.data_dir / args.file if (args.data_dir / args.file).is_file() else Path(args.file)
            if not path.is_file():
                print(f"not found: {path}", file=sys.stderr)
                return 1
            customer = args.customer or DEFAULT_CUSTOMER.get(path.name.split(".")[0])
            if customer is None:
                print("pass --customer TYPE (the object type that plays the customer)", file=sys.stderr)
                return 1
        print(f"... {path}", file=sys.stderr, flush=True)
        row = measure(path, customer, args.repeat)
    if args.json:
        print(json.dumps(row, indent=2))
        return 0
    print(f"{row['file']}: {row['events']:,} events, {row['objects']:,} objects, {row['relations']:,} event-object relations; "
          f"customer type {row['customer_type']!r}; best of {row['repeat']}\n")  # fmt: skip
    print(f"  read (pm4py, shared)          {row['read_pm4py_s']:9.4f} s")
    print(f"  cxmine flatten (all types)    {row['cxmine_flatten_s']:9.4f} s")
    print(f"  cxmine read_ocel (end to end) {row['cxmine_read_ocel_s']:9.4f} s")
    print(f"  pm4py ocel_flattening (total) {row['pm4py_flattening_s']:9.4f} s")
    for name, seconds in row["pm4py_flattening_per_type_s"].items():
        print(f"    {name:<27} {seconds:9.4f} s")
    print(f"  pm4py read + flattening       {row['pm4py_read_and_flattening_s']:9.4f} s")
    print(f"\n  flatten: cxmine / pm4py = {row['flatten_ratio']:.2f}; end to end: cxmine / pm4py = {row['end_to_end_ratio']:.2f}\n")
    for name, found in row["sources"].items():
        print(f"  {name:<22} {found['events']:>9,} events {found['cases']:>8,} cases {found['cases_with_customer']:>8,} with a customer"
              f"   (pm4py: {found['pm4py_events']:,} events)")  # fmt: skip
    print("\n  (cxmine also sorts, makes the canonical categoricals and finds each case's customer)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
