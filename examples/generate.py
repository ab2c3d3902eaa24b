#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Generate the synthetic cxmine example: an online retailer's order-to-delivery
and customer-service event log with planted, known friction.

    python examples/generate.py [--seed 7] [--cases 2000] [--out-dir examples]

Writes orders.csv, complaints.csv, planted.json (ground truth) and cxmine.toml.
The same seed always gives byte-identical files: all times are integer seconds,
formatted explicitly, and every random draw comes from one seeded generator in
a fixed order.
"""
import argparse
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

EPOCH = dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc)  # a Monday: day % 7 == weekday
MIN, HOUR, DAY = 60, 3600, 86400
ARRIVAL_WEEKS = 12  # orders arrive over ~3 months of working days

CHANNELS = (["web", "app", "phone", "store"], [0.55, 0.25, 0.12, 0.08])
PRODUCTS = (["Electronics", "Fashion", "Home & Kitchen", "Books", "Toys", "Garden"],
            [0.24, 0.22, 0.2, 0.14, 0.12, 0.08])
REGIONS = (["North", "South", "East", "West", "Central"], [0.22, 0.24, 0.16, 0.18, 0.2])
TRANSIT_FACTOR = {"North": 1.4, "South": 1.0, "East": 1.2, "West": 1.0, "Central": 0.8}
# Backorders cluster where supply is volatile; makes the friction look like a real one.
BACKORDER_WEIGHT = {"Electronics": 2.0, "Toys": 1.5, "Garden": 1.2, "Fashion": 0.8,
                    "Home & Kitchen": 0.8, "Books": 0.5}
STAFF = {"Sales": ["Nora Lind", "Omar Haddad", "Petra Novak"],  # incl. purchasing
         "Finance": ["Ines Moreau", "Jan Kowalski", "Lea Brandt"],
         "Warehouse": ["Ali Demir", "Bea Santos", "Carl Olsen", "Dana Ivers", "Emil Roth", "Fay Chen"],
         "Logistics": ["Gus Ferreira", "Hana Sato"],
         "Customer Service": ["Kim Berger", "Luis Ortega", "Mia Koch", "Ned Walsh", "Ola Nilsen"],
         "Accounting": ["Rita Vogel", "Sam Ahmed"]}
CARRIERS = ["carrier:ParcelOne", "carrier:SwiftPost"]

BASE_RATE = 0.04  # complaint probability of an ordinary case
PLANTED = [
    dict(name="backorder_hidden_handover", kind="hidden_handover",
         from_activity="Order confirmation sent", to_activity="Shipping notification sent",
         activity="Backorder at supplier", handover=["Warehouse", "Sales", "Warehouse"],
         stock_check_to_pick_days=[4, 9], share_of_cases=0.25, complaint_rate_multiplier=4.0,
         complaint_tags=["late delivery", "no status information"]),
    dict(name="address_rework", kind="rework", from_activity=None, to_activity=None,
         activity="Address verification", repetitions=[2, 3], share_of_cases=0.15,
         complaint_rate_multiplier=2.0, complaint_tags=["asked twice"]),
    dict(name="refund_promise_breach", kind="broken_promise", from_activity="Refund requested",
         to_activity="Refund issued", activity=None, within="3d", share_of_cases=0.048,
         refund_share_of_cases=0.12, breach_share_of_refunds=0.4,
         complaint_rate_multiplier=3.0, complaint_tags=["refund delay"]),
]
RED_HERRING = dict(name="late_accounting_reconciliation", kind="long_internal_wait",
                   from_activity="Invoice issued", to_activity="Accounting reconciliation",
                   activity="Accounting reconciliation", wait_days=[10, 30], share_of_cases=0.6,
                   complaint_rate_multiplier=1.0,
                   note="after the customer's last touchpoint; internal only, no complaint effect")

# tag -> (severity 1/2/3 probabilities, text templates); {p} is the product category.
TAGS = {
    "late delivery": ([.3, .5, .2], ["My {p} order still has not arrived.", "Delivery is days later "
                      "than you promised.", "Ordered {p} over a week ago and I am still waiting."]),
    "no status information": ([.3, .5, .2], ["No update since the order confirmation, where is my "
                              "order?", "Nobody can tell me when my {p} order will ship.",
                              "The tracking page has shown nothing for days."]),
    "asked twice": ([.4, .4, .2], ["I was asked to confirm my address again.", "Why do I have to give "
                    "you my address twice?", "Another call about the address I already confirmed."]),
    "refund delay": ([.1, .5, .4], ["My refund still has not arrived.", "You promised the refund "
                     "within 3 days.", "Still waiting for my money back for the {p} return."]),
    "wrong item": ([.2, .5, .3], ["I received the wrong {p} item.", "The parcel contained something "
                   "I did not order."]),
    "damaged parcel": ([.3, .5, .2], ["The {p} item arrived damaged.", "The box was crushed on delivery."]),
    "rude staff": ([.1, .4, .5], ["The agent on the phone was unfriendly.", "Staff were dismissive when "
                   "I asked for help."]),
}
BASELINE_TAGS = (["wrong item", "damaged parcel", "late delivery", "no status information",
                  "rude staff"], [.3, .2, .2, .15, .15])

TOML = '''# cxmine configuration for the synthetic retailer example (see README.md).

# Event log: which column plays which role.
[log]
path = "orders.csv"
case = "order_id"
activity = "activity"
timestamp = "end_time"
start_timestamp = "start_time"
resource = "resource"
customer = "customer_id"
team = "team"

# What the customer sees (everything else is back office), and what the customer starts.
[touchpoints]
activities = ["Order placed", "Order confirmation sent", "Shipping notification sent", "Delivery attempted", "Delivered", "Customer calls about status", "Refund requested", "Refund issued", "Survey answered"]
customer_initiated = ["Order placed", "Customer calls about status", "Refund requested", "Survey answered"]
# Contacts that mean "the customer is chasing us": they do not end a wait, they are counted inside it.
chasing = ["Customer calls about status"]

# Promises made to the customer: "to" must follow "from" within the given time.
[[promises]]
from = "Order placed"
to = "Delivered"
within = "5d"

[[promises]]
from = "Refund requested"
to = "Refund issued"
within = "3d"

# Complaints, attributed to cases (and to where the customer was) by time.
[complaints]
path = "complaints.csv"
case = "order_id"
timestamp = "timestamp"
tag = "tag"
severity = "severity"
text = "text"
'''


def iso(t):
    return (EPOCH + dt.timedelta(seconds=int(t))).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def open_at(t, start_h=8, end_h=17, days=5):
    """Earliest moment >= t within opening hours (Mon..Mon+days-1, start_h..end_h)."""
    t = int(t)
    while True:
        d, s = divmod(t, DAY)
        if d % 7 < days and s < end_h * HOUR:
            return max(t, d * DAY + start_h * HOUR)
        t = (d + 1) * DAY


class Case:
    """Builds one case's events in causal order; times are integer seconds after EPOCH."""

    def __init__(self, rng):
        self.rng, self.events = rng, []

    def pick(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def opened(self, t, hours):
        # Nobody starts at exactly 08:00:00: spread the morning backlog a little.
        o = open_at(t, *hours)
        return o + int(self.rng.exponential(30 * MIN)) if o > int(t) else o

    def add(self, activity, end, resource, team, start=None):
        self.events.append((activity, start, int(end), resource, team))
        return int(end)

    def work(self, activity, ready, wait_h, dur_min, team, resource=None, hours=(8, 17, 5)):
        # Lognormal waits and durations: mostly short, with a realistic long tail.
        start = self.opened(ready + self.rng.lognormal(math.log(wait_h * HOUR), 0.7), hours)
        end = start + max(60, int(self.rng.lognormal(math.log(dur_min * MIN), 0.5)))
        resource = resource or self.pick(STAFF[team])
        self.add(activity, end, resource, team, start)
        return end, resource

    def call(self, t):
        return self.work("Customer calls about status", t, 0.2, 6, "Customer Service",
                         hours=(8, 20, 6))[0]


def simulate(rng, t0, channel, region, f):
    """One order's trace; f holds the planted flags. Returns events and key times."""
    c, m = Case(rng), {}
    m["placed"] = c.add("Order placed", t0, "customer", "Customer")
    m["conf"] = t = c.add("Order confirmation sent", t0 + rng.integers(30, 300), "shop-system", "Sales")
    if rng.random() < (0.6 if channel in ("phone", "store") else 0.2):
        t, _ = c.work("Credit check", t, 2, 15, "Finance")
    n_verify = int(rng.choice([2, 3], p=[0.7, 0.3])) if f["rework"] else int(rng.random() < 0.4)
    first = None
    for k in range(n_verify):
        # A redo is usually someone else re-checking; sometimes the same clerk repeats it.
        res = None if k == 0 else first if rng.random() < 0.3 else \
            c.pick([s for s in STAFF["Customer Service"] if s != first])
        t, r = c.work("Address verification", t, 2 if k == 0 else 6, 10, "Customer Service", res)
        first = first or r
        if k == 1:
            m["rework"] = t
    t, _ = c.work("Stock check", t, 1.5, 5, "Warehouse")
    if f["backorder"]:
        # Purchasing places the backorder after a handover wait; the goods then take days.
        ready = t + int(rng.uniform(4, 9) * DAY)
        t_bo, _ = c.work("Backorder at supplier", t, 12, 20, "Sales")
        lo, hi = m["conf"] + 2 * DAY, max(ready, t_bo + DAY)
        for x in sorted(rng.uniform(lo, hi, size=int(rng.choice([0, 1, 2], p=[.3, .45, .25])))):
            c.call(x)
        t, _ = c.work("Pick items", max(ready, t_bo + DAY), 1, 12, "Warehouse")
    else:
        t, _ = c.work("Pick items", t, 3, 12, "Warehouse")
    t, _ = c.work("Pack parcel", t, 0.5, 8, "Warehouse")
    t, _ = c.work("Handover to carrier", t, 2, 5, "Logistics")
    m["invoice"] = c.add("Invoice issued", t + rng.integers(60, 600), "erp-system", "Finance")
    m["ship"] = c.add("Shipping notification sent", t + rng.integers(300, 1800),
                      "notification-service", "Logistics")
    carrier = c.pick(CARRIERS)
    t = c.opened(m["ship"] + rng.lognormal(math.log(1.1 * DAY), 0.4) * TRANSIT_FACTOR[region], (8, 19, 6))
    if rng.random() < 0.08:  # nobody home: a second attempt the next delivery day
        c.add("Delivery attempted", t, carrier, "Logistics")
        t = c.opened(t + rng.uniform(18, 28) * HOUR, (8, 19, 6))
    m["delivered"] = last = c.add("Delivered", t, carrier, "Logistics")
    if not f["backorder"] and rng.random() < 0.03 and m["delivered"] - m["conf"] > 2 * DAY:
        c.call(rng.uniform(m["conf"] + DAY, m["delivered"] - DAY))  # ordinary impatience
    if f["refund"]:
        m["req"] = c.opened(m["delivered"] + rng.uniform(0.2, 10) * DAY, (7, 23, 7))
        c.add("Refund requested", m["req"], "customer", "Customer")
        # Payouts are executed by the payment service in calendar time, so the planted
        # breach label is exact: > 3 days iff the case is a planted breach.
        delay = rng.uniform(3.2, 9) if f["breach"] else min(2.8, rng.lognormal(0, 0.6))
        m["issued"] = last = c.add("Refund issued", m["req"] + int(delay * DAY),
                                   "payment-service", "Finance")
    if rng.random() < 0.1:
        s = c.add("Survey answered", c.opened(m["delivered"] + rng.uniform(0.5, 4) * DAY, (7, 23, 7)),
                  "customer", "Customer")
        last = max(last, s)
    if f["recon"]:
        # Internal month-end style batch: always after the customer is gone.
        due = max(m["invoice"] + rng.uniform(10, 30) * DAY, last + rng.uniform(1, 3) * DAY)
        c.work("Accounting reconciliation", due, 1, 20, "Accounting")
    return c.events, m


def complaint(rng, cause, m, product):
    """Tag and time a complaint so it lands where the customer was when it hurt."""
    if cause == "backorder":
        tag = str(rng.choice(["late delivery", "no status information", "rude staff"], p=[.5, .4, .1]))
        if rng.random() < 0.85:
            t = rng.uniform(m["conf"] + 2 * DAY, m["ship"])  # during the silent gap
        else:
            tag, t = "late delivery", m["delivered"] + rng.uniform(HOUR, 2 * DAY)
    elif cause == "rework":
        tag = str(rng.choice(["asked twice", "rude staff"], p=[.85, .15]))
        t = m["rework"] + rng.uniform(10 * MIN, DAY)
    elif cause == "breach":
        tag, t = "refund delay", rng.uniform(m["req"] + 3 * DAY + HOUR, m["issued"] + 6 * HOUR)
    else:
        tag = str(rng.choice(BASELINE_TAGS[0], p=BASELINE_TAGS[1]))
        if tag in ("wrong item", "damaged parcel"):
            t = m["delivered"] + rng.uniform(HOUR, 3 * DAY)
        else:
            t = rng.uniform(m["placed"] + HOUR, m["delivered"] + DAY)
    sev_p, texts = TAGS[tag]
    text = texts[int(rng.integers(len(texts)))].format(p=product.lower())
    return int(t), tag, int(rng.choice([1, 2, 3], p=sev_p)), text


def exact_mask(rng, n, share, weights=None, within=None):
    """Exactly round(share * population) cases, so planted shares are what they claim."""
    pool = np.flatnonzero(within) if within is not None else np.arange(n)
    p = None if weights is None else weights[pool] / weights[pool].sum()
    mask = np.zeros(n, bool)
    mask[rng.choice(pool, size=int(round(share * len(pool))), replace=False, p=p)] = True
    return mask


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--out-dir", type=Path, default=Path(__file__).resolve().parent)
    args = ap.parse_args()
    rng, n = np.random.default_rng(args.seed), args.cases

    # Case attributes. Region belongs to the customer, so repeat customers keep theirs.
    n_cust = int(n * 1.6)  # ~1,500 distinct customers for 2,000 orders
    cust_region = rng.choice(REGIONS[0], size=n_cust, p=REGIONS[1])
    cust = rng.integers(n_cust, size=n)
    channel = rng.choice(CHANNELS[0], size=n, p=CHANNELS[1])
    product = rng.choice(PRODUCTS[0], size=n, p=PRODUCTS[1])
    workdays = [d for d in range(ARRIVAL_WEEKS * 7) if d % 7 < 5]
    day = rng.choice(workdays, size=n)
    online = np.isin(channel, ["web", "app"])
    hour = np.where(online, rng.uniform(7, 23, n), rng.uniform(9, 18, n))
    arrival = day * DAY + (hour * HOUR).astype(np.int64)
    # Number orders in arrival order (ids then read chronologically).
    order = np.argsort(arrival, kind="stable")
    arrival, cust, channel, product = arrival[order], cust[order], channel[order], product[order]

    flags = {"backorder": exact_mask(rng, n, 0.25, np.array([BACKORDER_WEIGHT[p] for p in product])),
             "rework": exact_mask(rng, n, 0.15),
             "refund": exact_mask(rng, n, 0.12)}
    flags["breach"] = exact_mask(rng, n, 0.4, within=flags["refund"])
    flags["recon"] = exact_mask(rng, n, 0.6)

    rows, marks = [], []
    for i in range(n):
        f = {k: bool(v[i]) for k, v in flags.items()}
        events, m = simulate(rng, arrival[i], str(channel[i]), str(cust_region[cust[i]]), f)
        marks.append(m)
        for seq, (act, start, end, res, team) in enumerate(events):
            rows.append((f"O-{10001 + i}", f"C-{cust[i] + 1:05d}", act, start, end, res, team,
                         str(channel[i]), str(product[i]), str(cust_region[cust[i]]), seq))
    cols = ["order_id", "customer_id", "activity", "start_time", "end_time", "resource", "team",
            "channel", "product", "region"]
    log = pd.DataFrame(rows, columns=cols + ["seq"])
    log = log.sort_values(["order_id", "end_time", "seq"], kind="mergesort")
    log["start_time"] = [iso(s) if s is not None and s == s else "" for s in log["start_time"]]
    log["end_time"] = log["end_time"].map(iso)

    # Complaints: exact counts per stratum of planted flags (incl. the red herring, which
    # gets no multiplier) keep measured multipliers close to the planted ones. Risks
    # multiply, and flags are independent, so "with X" vs "without X" recovers X's factor.
    mult = {"backorder": 4.0, "rework": 2.0, "breach": 3.0}
    key = [tuple(bool(flags[k][i]) for k in ("backorder", "rework", "breach", "recon")) for i in range(n)]
    complaints = []
    for stratum in sorted(set(key)):  # recon is last, so zip() below skips it
        members = np.array([i for i in range(n) if key[i] == stratum])
        active = [k for k, on in zip(mult, stratum) if on]
        want = min(0.7, BASE_RATE * math.prod(mult[k] for k in active)) * len(members)
        k = int(want) + int(rng.random() < want - int(want))
        for i in sorted(rng.choice(members, size=k, replace=False)):
            # Blame the baseline or one friction, in proportion to its excess risk.
            causes, w = ["baseline"] + active, np.array([1.0] + [mult[a] - 1 for a in active])
            cause = causes[int(rng.choice(len(causes), p=w / w.sum()))]
            t, tag, sev, text = complaint(rng, cause, marks[i], str(product[i]))
            complaints.append([f"O-{10001 + i}", f"C-{cust[i] + 1:05d}", t, tag, sev, text])
    # A few complaints about orders not in this log (e.g. a partner shop): must be reported.
    for j in range(3):
        tag = str(rng.choice(BASELINE_TAGS[0]))
        complaints.append([f"O-{10001 + n + 5000 + 37 * j}", f"C-{int(rng.integers(n_cust)) + 1:05d}",
                           int(rng.integers(7 * DAY, ARRIVAL_WEEKS * 7 * DAY)), tag,
                           int(rng.choice([1, 2, 3])), TAGS[tag][1][0].format(p="marketplace")])
    comp = pd.DataFrame(complaints, columns=["order_id", "customer_id", "timestamp", "tag",
                                             "severity", "text"])
    comp = comp.sort_values(["timestamp", "order_id"], kind="mergesort").reset_index(drop=True)
    comp.insert(0, "complaint_id", [f"CMP-{k + 1:04d}" for k in range(len(comp))])
    comp["timestamp"] = comp["timestamp"].map(iso)

    # Measured ground truth, so planted.json states what is in the files, not just intent.
    has = np.zeros(n, bool)
    has[[int(o[2:]) - 10001 for o in comp["order_id"] if int(o[2:]) - 10001 < n]] = True
    rate = lambda mask: float(has[mask].mean()) if mask.any() else 0.0
    ratio = lambda a, b: round(a / b, 2) if b else None  # tiny --cases runs may have no complaints
    frictions = dict(zip([p["name"] for p in PLANTED], mult))
    ordinary = ~np.logical_or.reduce([flags[f] for f in mult])

    def measure(mask):
        return {"cases": int(mask.sum()), "share_of_cases": round(float(mask.mean()), 4),
                "complaint_rate": round(rate(mask), 4), "complaint_rate_without": round(rate(~mask), 4),
                "complaint_rate_multiplier": ratio(rate(mask), rate(~mask))}

    planted = []
    for spec in PLANTED:
        mask = flags[frictions[spec["name"]]]
        only = mask & (np.sum([flags[f] for f in mult], axis=0) == 1)
        planted.append({**spec, "measured": {**measure(mask), "cases_with_only_this": int(only.sum()),
                                             "multiplier_only_this_vs_ordinary": ratio(rate(only), rate(ordinary))}})
    truth = {
        "seed": args.seed, "cases": n, "events": len(log), "complaints": len(comp),
        "baseline_complaint_rate": BASE_RATE,
        "measured_ordinary_complaint_rate": round(rate(ordinary), 4),
        "keys": {"planted": "frictions a good analyzer should rank high; share_of_cases is of all cases",
                 "kind": "hidden_handover | rework | broken_promise | long_internal_wait",
                 "from_activity/to_activity": "customer-visible gap or promise the friction sits in",
                 "activity": "the (back-office) activity responsible, if any",
                 "complaint_rate_multiplier": "planted: complaint rate of cases with it vs cases without it",
                 "measured": "realised in these files (rates = share of cases with >= 1 complaint)",
                 "red_herring": "long but harmless internal wait; a CX ranking must not put it first",
                 "unmatched_complaint_order_ids": "complaints whose order_id is not in orders.csv"},
        "planted": planted,
        "red_herring": {**RED_HERRING, "measured": measure(flags["recon"])},
        "unmatched_complaint_order_ids": sorted(o for o in comp["order_id"] if int(o[2:]) - 10001 >= n),
    }

    out = args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    log[cols].to_csv(out / "orders.csv", index=False, lineterminator="\n")
    comp.to_csv(out / "complaints.csv", index=False, lineterminator="\n")
    (out / "planted.json").write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    (out / "cxmine.toml").write_text(TOML, encoding="utf-8")
    print(f"{n} cases, {len(log)} events, {log['customer_id'].nunique()} customers, "
          f"{len(comp)} complaints -> {out}")
    for p in planted + [truth["red_herring"]]:
        mm = p["measured"]
        print(f"  {p['name']:<32} share {mm['share_of_cases']:.3f}  complaint x{mm['complaint_rate_multiplier']}")


if __name__ == "__main__":
    main()
