#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Generate the multi-process cxmine example: a small retailer's orders, support tickets and NPS survey,
tied together only by customer id and time, with planted cross-process friction.

    python examples/journeys/generate.py [--out DIR]

Writes orders.csv, tickets.csv, survey.csv and planted.json (ground truth) to DIR (default: next to this
script). Seed 2026 is fixed: every run gives byte-identical files, because all times are integer seconds,
formatted explicitly, and every random draw comes from one seeded generator in a fixed order.
"""
import argparse
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 2026
EPOCH = dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc)  # a Monday: day % 7 == weekday (0 = Monday)
MIN, HOUR, DAY = 60, 3600, 86400
WEEKS = 16  # orders are placed over 16 weeks
N_ORDERS, N_CUSTOMERS = 1500, 900

ORDER_CHANNELS = (["web", "app", "phone"], [0.6, 0.3, 0.1])
TICKET_CHANNELS = (["phone", "chat", "email"], [0.35, 0.35, 0.3])
SUPPORT_HOURS = (8, 20)  # phone and chat, every day; email is answered in these hours too
WAREHOUSE = ["Ali Demir", "Bea Santos", "Carl Olsen", "Dana Ivers", "Emil Roth", "Fay Chen"]
CARRIERS = ["carrier:ParcelOne", "carrier:SwiftPost"]

PROMISE_DAYS = 3  # "Shipped -> Delivered within 3d": an order waiting longer is a delayed order
CANCEL_EARLY = 0.03  # share of all orders cancelled before picking (ordinary, unrelated to delays)
DELAY = dict(share_of_shipped=0.20, delivery_day=[5, 9], ordinary_delivery_day=[1, 2],
             swiftpost_share=0.7, ordinary_swiftpost_share=0.45)
WAIT_TICKET = dict(delayed=0.40, on_time=0.04, earliest_after_shipped_days=3)
CANCEL_IN_WAIT = 0.15  # share of delayed orders the customer cancels while waiting (no Delivered then)
SURVEY_SHARE = 0.55  # share of customers who answer the survey (once, after their last order)
NPS = dict(ordinary=([6, 7, 8, 9, 10], [0.03, 0.07, 0.25, 0.35, 0.30]),
           delayed=([2, 3, 4, 5, 6, 7], [0.05, 0.2, 0.25, 0.25, 0.15, 0.1]))
OTHER_TICKET_CUSTOMERS = 0.12  # customers with an ordinary question (returns, invoices, products)
FOLLOW_UP = dict(after_delay_ticket=0.30, after_other_ticket=0.05, within_days=7)
ESCALATION = dict(share_of_ticket_customers=0.30, days=[2, 6])  # the red herring: all tickets of these customers
REOPEN_SHARE = 0.10

DETRACTOR_BELOW = 7
KEYS = {
    "wait": "of an order: from its Shipped event to its first Delivered or Cancelled event after Shipped",
    "delayed order": f"an order whose wait is longer than {PROMISE_DAYS} days (the promise Shipped -> Delivered within 3d)",
    "ticket in wait": "a 'Ticket opened' of the same customer at or after Shipped and at or before the end of the wait",
    "survey answer": "one per customer, after all their orders have ended; it reflects the whole relationship",
    "customer with a delayed order": "a customer with at least one delayed order (before their survey answer)",
    "last order": "the customer's order with the latest 'Order placed' (where a join by customer and time lands)",
    "detractor": f"nps < {DETRACTOR_BELOW}",
    "detractor rate of tickets": "red herring: share of detractors among the survey answers of the tickets' customers",
    "detractor rate of customers": "red herring: share of detractors among customers with an escalated ticket, and "
                                   "among the other customers with a ticket",
    "repeat contact": "a 'Ticket opened' within 7 days after an earlier 'Ticket opened' of the same customer on a different channel",
    "planted": "the generator's parameters (shares and ranges)",
    "planted_counts": "how many cases the generator planted it in",
    "measured": "counted in the written files with the definitions above (tests/test_journey_example.py recounts "
                "them); chance tickets inside a wait can make measured counts a little higher than planted_counts",
}


def iso(t):
    return (EPOCH + dt.timedelta(seconds=int(t))).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def open_at(t, start_h, end_h, days=7):
    """Earliest moment >= t inside opening hours (weekdays 0..days-1, start_h..end_h), element-wise."""
    t = np.asarray(t, dtype=np.int64).copy()
    for _ in range(8):  # at most a week of closed days
        d, s = np.divmod(t, DAY)
        ok = (d % 7 < days) & (s < end_h * HOUR)
        t = np.where(ok & (s < start_h * HOUR), d * DAY + start_h * HOUR, t)
        t = np.where(ok, t, (d + 1) * DAY + start_h * HOUR)
    return t


def secs(rng, lo, hi, n):
    """Uniform integer seconds in [lo, hi) (arrays allowed)."""
    return (lo + rng.random(n) * (np.asarray(hi) - np.asarray(lo))).astype(np.int64)


def exact(rng, within, share):
    """A mask with exactly round(share * within.sum()) of the True entries of `within`."""
    pool = np.flatnonzero(within)
    mask = np.zeros(len(within), bool)
    mask[rng.choice(pool, size=int(round(share * len(pool))), replace=False)] = True
    return mask


def spread(rng, strata, labels, p):
    """Labels in exactly the shares p within every stratum (in random order), so that no chance
    correlation arises between the label and the strata."""
    out = np.empty(len(strata), dtype=object)
    for value in np.unique(strata):
        pool = rng.permutation(np.flatnonzero(strata == value))
        cuts = np.round(np.cumsum(p) * len(pool)).astype(int)
        for label, lo, hi in zip(labels, np.r_[0, cuts[:-1]], cuts):
            out[pool[lo:hi]] = label
    return out.astype(str)


def in_hours(t):
    return np.isin(np.asarray(t) % DAY // HOUR, np.arange(*SUPPORT_HOURS))


# ---------------------------------------------------------------- orders
def make_orders(rng):
    n = N_ORDERS
    # Every customer orders at least once; the rest are repeat orders.
    cust = np.concatenate([np.arange(N_CUSTOMERS), rng.integers(N_CUSTOMERS, size=n - N_CUSTOMERS)])
    channel = rng.choice(ORDER_CHANNELS[0], size=n, p=ORDER_CHANNELS[1])
    day = rng.integers(WEEKS * 7, size=n)
    hour = np.where(channel == "phone", rng.uniform(9, 18, n), rng.uniform(7, 23, n))
    placed = day * DAY + (hour * HOUR).astype(np.int64)
    by_time = np.argsort(placed, kind="stable")  # order ids in the order they were placed
    cust, channel, placed = cust[by_time], channel[by_time], placed[by_time]

    paid = placed + rng.integers(20, 600, n)
    wait = rng.lognormal(math.log(5 * HOUR), 0.6, n).astype(np.int64)
    picked = open_at(paid + wait, 7, 16, 6) + rng.integers(5 * MIN, 40 * MIN, n)
    pick_day, pick_sec = np.divmod(picked, DAY)
    ship_day = pick_day + (pick_sec >= 15 * HOUR)  # the carrier collects at 16-18 h, Monday to Saturday
    ship_day += ship_day % 7 == 6
    shipped = ship_day * DAY + secs(rng, 16 * HOUR, 18 * HOUR, n)

    early = exact(rng, np.ones(n, bool), CANCEL_EARLY)
    delayed = exact(rng, ~early, DELAY["share_of_shipped"])
    p_swift = np.where(delayed, DELAY["swiftpost_share"], DELAY["ordinary_swiftpost_share"])
    carrier = np.where(rng.random(n) < p_swift, CARRIERS[1], CARRIERS[0])
    k = np.where(delayed, rng.integers(DELAY["delivery_day"][0], DELAY["delivery_day"][1] + 1, n),
                 rng.integers(DELAY["ordinary_delivery_day"][0], DELAY["ordinary_delivery_day"][1] + 1, n))
    delivered = (ship_day + k) * DAY + secs(rng, 8 * HOUR, 19 * HOUR, n)  # delivered on the k-th day, 08-19 h
    in_wait = exact(rng, delayed, CANCEL_IN_WAIT)
    cancelled = np.where(early, paid + ((picked - paid) * rng.uniform(0.1, 0.9, n)).astype(np.int64),
                         shipped + secs(rng, 4 * DAY, delivered - shipped - 6 * HOUR, n))
    cancelled = np.where(early | in_wait, cancelled, -1)
    end = np.where(cancelled >= 0, cancelled, delivered)  # the end of the order (and of the wait)

    staff = rng.choice(WAREHOUSE, size=n)
    ids = np.array([f"O-{10001 + i}" for i in range(n)])
    cids = np.array([f"C-{c + 1:04d}" for c in cust])
    shipped_ok = ~early
    delivered_ok = ~(early | in_wait)
    parts = [
        ("Order placed", np.ones(n, bool), placed, np.full(n, "customer")),
        ("Payment confirmed", np.ones(n, bool), paid, np.full(n, "payment-service")),
        ("Picked", shipped_ok, picked, staff),
        ("Shipped", shipped_ok, shipped, carrier),
        ("Delivered", delivered_ok, delivered, carrier),
        ("Cancelled", early | in_wait, cancelled, np.full(n, "customer")),
    ]
    frame = pd.concat([pd.DataFrame({"order_id": ids[m], "customer_id": cids[m], "activity": a, "t": t[m],
                                     "resource": r[m], "channel": channel[m], "i": np.flatnonzero(m)})
                       for a, m, t, r in parts], ignore_index=True)
    frame = frame.sort_values(["i", "t"], kind="mergesort").reset_index(drop=True)
    info = dict(cust=cust, placed=placed, shipped=shipped, end=end, early=early, delayed=delayed,
                in_wait=in_wait, n=n, counts={"delayed_orders": int(delayed.sum()),
                                              "cancelled_while_waiting": int(in_wait.sum()),
                                              "cancelled_before_picking": int(early.sum())})
    return frame, info


# ---------------------------------------------------------------- tickets
def first_tickets(rng, o, voice):
    """Where-is-my-order tickets inside waits, and ordinary questions at any time."""
    shipped_ok = ~o["early"]
    on_time = shipped_ok & ~o["delayed"]
    wd = exact(rng, o["delayed"], WAIT_TICKET["delayed"])
    wo = exact(rng, on_time, WAIT_TICKET["on_time"])
    start = o["shipped"] + WAIT_TICKET["earliest_after_shipped_days"] * DAY
    t_wd = secs(rng, start[wd], o["end"][wd] - 2 * HOUR, int(wd.sum()))
    t_wo = secs(rng, o["shipped"][wo] + 2 * HOUR, o["end"][wo] - HOUR, int(wo.sum()))

    # Ordinary questions: some time between the customer's first order and two weeks after their last one.
    first = np.full(N_CUSTOMERS, np.iinfo(np.int64).max)
    last = np.zeros(N_CUSTOMERS, np.int64)
    np.minimum.at(first, o["cust"], o["placed"])
    np.maximum.at(last, o["cust"], o["end"])
    asks = np.flatnonzero(exact(rng, np.ones(N_CUSTOMERS, bool), OTHER_TICKET_CUSTOMERS))
    t_other = secs(rng, first[asks], last[asks] + 14 * DAY, len(asks))

    cust = np.concatenate([o["cust"][wd], o["cust"][wo], asks])
    t = np.concatenate([t_wd, t_wo, t_other])
    latest = np.concatenate([o["end"][wd] - 2 * HOUR, o["end"][wo] - HOUR, last[asks] + 14 * DAY])
    group = np.array(["delay"] * int(wd.sum()) + ["on_time_wait"] * int(wo.sum()) + ["other"] * len(asks))
    # Channels in the same shares for every kind of ticket and every kind of survey answer.
    channel = spread(rng, np.char.add(group, voice[cust].astype(str)), *TICKET_CHANNELS)
    # Phone and chat are closed at night: such a customer calls in the morning if the wait is not over
    # by then, and writes an email otherwise.
    morning = open_at(t, *SUPPORT_HOURS) + secs(rng, 0, HOUR, len(t))
    night = (channel != "email") & ~in_hours(t)
    t = np.where(night & (morning <= latest), morning, t)
    channel = np.where(night & (morning > latest), "email", channel)
    counts = {"delay": int(wd.sum()), "on_time_wait": int(wo.sum()), "other": len(asks)}
    return cust, t, channel, group, counts


def follow_ups(rng, cust, t, channel, group):
    """Repeat contact: a second ticket on another channel within 7 days of the first."""
    again = exact(rng, group == "delay", FOLLOW_UP["after_delay_ticket"]) | \
        exact(rng, group != "delay", FOLLOW_UP["after_other_ticket"])
    m = int(again.sum())
    t2 = t[again] + secs(rng, 0.3 * DAY, 6 * DAY, m)
    first_ch = channel[again]
    others = np.array([[c for c in TICKET_CHANNELS[0] if c != f] for f in first_ch])
    ch2 = others[np.arange(m), rng.integers(2, size=m)]
    night = ~in_hours(t2) & (ch2 != "email")  # phone and chat are closed: call or chat in the morning
    t2 = np.where(night, open_at(t2, *SUPPORT_HOURS) + secs(rng, 0, 2 * HOUR, m), t2)
    return cust[again], t2, ch2, np.full(m, "follow_up"), again


def answer_after(rng, t, channel):
    n = len(t)
    phone = t + secs(rng, 2 * MIN, 15 * MIN, n)
    chat = t + rng.lognormal(math.log(20 * MIN), 0.5, n).astype(np.int64)
    email = open_at(t + np.minimum(rng.lognormal(math.log(5 * HOUR), 0.6, n), 20 * HOUR).astype(np.int64),
                    *SUPPORT_HOURS)
    return np.select([channel == "phone", channel == "chat"], [phone, chat], email)


def close_after(rng, t, channel):
    n = len(t)
    return t + np.select([channel == "phone", channel == "chat"],
                         [secs(rng, 1 * MIN, 10 * MIN, n), secs(rng, 5 * MIN, 30 * MIN, n)],
                         secs(rng, 10 * MIN, 4 * HOUR, n))


def make_tickets(rng, o, voice):
    """voice: per customer 0 = no survey answer, 1 = promoter or passive, 2 = detractor."""
    cust, t, channel, group, counts = first_tickets(rng, o, voice)
    c2, t2, ch2, g2, had_follow_up = follow_ups(rng, cust, t, channel, group)
    cust, t = np.concatenate([cust, c2]), np.concatenate([t, t2])
    channel, group = np.concatenate([channel, ch2]), np.concatenate([group, g2])
    by_time = np.lexsort((cust, t))
    cust, t, channel, group = cust[by_time], t[by_time], channel[by_time], group[by_time]
    n = len(t)

    # The red herring does not depend on the delay and causes nothing: the tickets of the same share of
    # customers in every stratum (contacted about a delayed order or not x one ticket, several, or a repeat
    # contact x survey answer) are checked with the warehouse, so that small-sample chance does not make it
    # look harmful or helpful either, per customer or per ticket.
    asked = np.zeros(N_CUSTOMERS, bool)
    asked[cust] = True
    about_delay = np.zeros(N_CUSTOMERS, bool)
    about_delay[cust[group == "delay"]] = True
    tickets = (np.bincount(cust, minlength=N_CUSTOMERS) > 1).astype(int)
    tickets[c2] = 2  # customers with a repeat contact
    chosen = np.zeros(N_CUSTOMERS, bool)
    for d in (False, True):
        for k in (0, 1, 2):
            for a in (0, 1, 2):
                stratum = asked & (about_delay == d) & (tickets == k) & (voice == a)
                if stratum.any():
                    chosen |= exact(rng, stratum, ESCALATION["share_of_ticket_customers"])
    escalated = chosen[cust]
    reopened = exact(rng, escalated, REOPEN_SHARE) | exact(rng, ~escalated, REOPEN_SHARE)
    answered = answer_after(rng, t, channel)
    esc = answered + secs(rng, 10 * MIN, 60 * MIN, n)
    replied = esc + secs(rng, ESCALATION["days"][0] * DAY, ESCALATION["days"][1] * DAY, n)
    closed = np.where(escalated, replied + secs(rng, 1 * HOUR, 4 * HOUR, n), close_after(rng, answered, channel))
    again = closed + secs(rng, 1 * DAY, 5 * DAY, n)
    again = np.where(np.isin(channel, ["phone", "chat"]) & ~in_hours(again), open_at(again, *SUPPORT_HOURS), again)
    answered2 = answer_after(rng, again, channel)
    closed2 = close_after(rng, answered2, channel)

    ids = np.array([f"T-{50001 + i}" for i in range(n)])
    cids = np.array([f"C-{c + 1:04d}" for c in cust])
    every = np.ones(n, bool)
    parts = [
        ("Ticket opened", every, t, "Customer"),
        ("Answered", every, answered, "Support"),
        ("Escalated to warehouse", escalated, esc, "Support"),
        ("Warehouse replied", escalated, replied, "Warehouse"),
        ("Closed", every, closed, "Support"),
        ("Reopened", reopened, again, "Customer"),
        ("Answered", reopened, answered2, "Support"),
        ("Closed", reopened, closed2, "Support"),
    ]
    frame = pd.concat([pd.DataFrame({"ticket_id": ids[m], "customer_id": cids[m], "activity": a, "t": tt[m],
                                     "team": team, "channel": channel[m], "i": np.flatnonzero(m)})
                       for a, m, tt, team in parts], ignore_index=True)
    frame = frame.sort_values(["i", "t"], kind="mergesort").reset_index(drop=True)
    return frame, {"first_tickets": counts, "follow_up_tickets": int(had_follow_up.sum()),
                   "follow_ups_after_delay_tickets": int((had_follow_up[:counts["delay"]]).sum()),
                   "escalated_tickets": int(escalated.sum()), "reopened_tickets": int(reopened.sum())}


# ---------------------------------------------------------------- survey
def make_survey(rng, o):
    last = np.full(N_CUSTOMERS, -1)
    order = np.argsort(o["placed"], kind="stable")
    last[o["cust"][order]] = order  # the last assignment wins: each customer's latest order
    latest_end = np.zeros(N_CUSTOMERS, np.int64)
    np.maximum.at(latest_end, o["cust"], o["end"])
    who = np.flatnonzero(exact(rng, np.ones(N_CUSTOMERS, bool), SURVEY_SHARE))
    hurt = np.zeros(N_CUSTOMERS, bool)
    hurt[o["cust"][o["delayed"]]] = True  # the customer had at least one delayed delivery
    bad = hurt[who]
    at = latest_end[who] + secs(rng, 0.5 * DAY, 5 * DAY, len(who))
    nps = np.where(bad, rng.choice(NPS["delayed"][0], size=len(who), p=NPS["delayed"][1]),
                   rng.choice(NPS["ordinary"][0], size=len(who), p=NPS["ordinary"][1]))
    frame = pd.DataFrame({"customer_id": [f"C-{c + 1:04d}" for c in who], "t": at, "nps": nps})
    o["counts"]["answers_of_customers_with_delayed_order"] = int(bad.sum())
    o["counts"]["of_them_last_order_delayed"] = int(o["delayed"][last[who]].sum())
    voice = np.zeros(N_CUSTOMERS, np.int64)
    voice[who] = np.where(nps < DETRACTOR_BELOW, 2, 1)
    return frame.sort_values(["t", "customer_id"], kind="mergesort").reset_index(drop=True), voice


# ---------------------------------------------------------------- measured ground truth
def rate(k, n):
    return round(k / n, 4) if n else None


def measure(orders, tickets, survey):
    """Recount the planted friction in the frames exactly as written (times in integer seconds)."""
    o = orders.pivot_table(index="order_id", columns="activity", values="t", aggfunc="min")
    o["customer_id"] = orders.groupby("order_id")["customer_id"].first()
    o["end"] = o[["Delivered", "Cancelled"]].min(axis=1)
    o["wait"] = o["end"] - o["Shipped"]
    shipped = o[o["Shipped"].notna()]
    delayed = shipped["wait"] > PROMISE_DAYS * DAY
    opened = tickets.loc[tickets["activity"] == "Ticket opened", ["ticket_id", "customer_id", "t", "channel"]]
    pairs = shipped.reset_index()[["order_id", "customer_id", "Shipped", "end"]].merge(opened, on="customer_id")
    inside = pairs[(pairs["t"] >= pairs["Shipped"]) & (pairs["t"] <= pairs["end"])]
    with_ticket = shipped.index.isin(inside["order_id"])
    week = pairs[(pairs["t"] >= pairs["Shipped"]) & (pairs["t"] <= pairs["Shipped"] + 7 * DAY)]
    with_week = shipped.index.isin(week["order_id"])
    cancelled = o["Cancelled"].notna()
    d_ids, n_ids = shipped.index[delayed], o.index.difference(shipped.index[delayed])
    d_cust = set(shipped.loc[delayed, "customer_id"])
    d_cust_ticket = set(shipped.loc[delayed & with_ticket, "customer_id"])
    gap = (shipped["Delivered"] - shipped["Shipped"]) / DAY

    last = orders[orders["activity"] == "Order placed"].sort_values("t", kind="mergesort").groupby("customer_id").last()
    s = survey.merge(last[["order_id"]], left_on="customer_id", right_index=True)
    s["delayed"] = s["customer_id"].isin(d_cust)
    sd, so = s[s["delayed"]], s[~s["delayed"]]

    pairs2 = opened.merge(opened, on="customer_id", suffixes=("", "_before"))
    repeat = pairs2[(pairs2["t_before"] < pairs2["t"]) & (pairs2["t"] - pairs2["t_before"] <= 7 * DAY)
                    & (pairs2["channel_before"] != pairs2["channel"])]
    repeat_ids = set(repeat["ticket_id"])
    first_in_delay = set(inside.loc[inside["order_id"].isin(d_ids), "ticket_id"])

    esc_ids = set(tickets.loc[tickets["activity"] == "Escalated to warehouse", "ticket_id"])
    reo_ids = set(tickets.loc[tickets["activity"] == "Reopened", "ticket_id"])
    all_ids = set(opened["ticket_id"])
    esc_t = tickets[tickets["activity"].isin(["Escalated to warehouse", "Warehouse replied"])]
    esc_gap = esc_t.pivot_table(index="ticket_id", columns="activity", values="t", aggfunc="min")
    esc_days = (esc_gap["Warehouse replied"] - esc_gap["Escalated to warehouse"]) / DAY
    followed = set(repeat["ticket_id_before"])
    voiced = opened.merge(s[["customer_id", "nps"]], on="customer_id")  # tickets whose customer answered
    s_esc = voiced[voiced["ticket_id"].isin(esc_ids)]
    s_no = voiced[~voiced["ticket_id"].isin(esc_ids)]
    esc_cust = set(opened.loc[opened["ticket_id"].isin(esc_ids), "customer_id"])
    c_esc = s[s["customer_id"].isin(esc_cust)]
    c_no = s[s["customer_id"].isin(set(opened["customer_id"]) - esc_cust)]

    def det(f):
        return rate(int((f["nps"] < DETRACTOR_BELOW).sum()), len(f))

    dl = shipped.loc[delayed]
    carrier = orders[orders["activity"] == "Shipped"].set_index("order_id")["resource"]
    swift = (shipped.index.map(carrier) == CARRIERS[1])
    return {
        "delay": {
            "orders": len(o), "shipped_orders": len(shipped), "delayed_orders": int(delayed.sum()),
            "share_of_orders": rate(int(delayed.sum()), len(o)),
            "share_of_shipped_orders": rate(int(delayed.sum()), len(shipped)),
            "delayed_orders_delivered": int(dl["Delivered"].notna().sum()),
            "delayed_orders_cancelled_while_waiting": int(dl["Cancelled"].notna().sum()),
            "delivery_gap_days_delayed": [round(float(gap[delayed].min()), 2), round(float(gap[delayed].max()), 2)],
            "delivery_gap_days_on_time": [round(float(gap[~delayed].min()), 2), round(float(gap[~delayed].max()), 2)],
            "delayed_orders_with_ticket_in_wait": int((delayed & with_ticket).sum()),
            "delayed_ticket_rate": rate(int((delayed & with_ticket).sum()), int(delayed.sum())),
            "on_time_orders": int((~delayed).sum()),
            "on_time_orders_with_ticket_in_wait": int((~delayed & with_ticket).sum()),
            "on_time_ticket_rate": rate(int((~delayed & with_ticket).sum()), int((~delayed).sum())),
            "delayed_orders_with_ticket_within_7d_after_shipped": int((delayed & with_week).sum()),
            "on_time_orders_with_ticket_within_7d_after_shipped": int((~delayed & with_week).sum()),
            "customers_with_delayed_order": len(d_cust),
            "of_them_with_ticket_in_a_delayed_wait": len(d_cust_ticket),
            "swiftpost_share_delayed": rate(int(swift[delayed.to_numpy()].sum()), int(delayed.sum())),
            "swiftpost_share_on_time": rate(int(swift[~delayed.to_numpy()].sum()), int((~delayed).sum())),
        },
        "detractors": {
            "answers": len(s), "answers_customers_with_delayed_order": len(sd),
            "of_them_last_order_delayed": int(s["order_id"].isin(d_ids).sum()),
            "answers_other_customers": len(so),
            "mean_nps_delayed": round(float(sd["nps"].mean()), 2), "mean_nps_other": round(float(so["nps"].mean()), 2),
            "detractors_delayed": int((sd["nps"] < DETRACTOR_BELOW).sum()),
            "detractors_other": int((so["nps"] < DETRACTOR_BELOW).sum()),
            "detractor_rate_delayed": det(sd), "detractor_rate_other": det(so),
            "cancelled_delayed_orders": int(cancelled[d_ids].sum()), "cancelled_other_orders": int(cancelled[n_ids].sum()),
            "cancel_rate_delayed": rate(int(cancelled[d_ids].sum()), len(d_ids)),
            "cancel_rate_other": rate(int(cancelled[n_ids].sum()), len(n_ids)),
        },
        "repeat_contact": {
            "tickets": len(all_ids), "repeat_contacts": len(repeat_ids),
            "customers_with_repeat_contact": int(opened.loc[opened["ticket_id"].isin(repeat_ids), "customer_id"].nunique()),
            "tickets_in_delayed_wait": len(first_in_delay),
            "of_them_followed_by_repeat_contact": len(first_in_delay & followed),
            "other_tickets": len(all_ids - first_in_delay),
            "other_tickets_followed_by_repeat_contact": len((all_ids - first_in_delay) & followed),
        },
        "red_herring": {
            "tickets": len(all_ids), "escalated_tickets": len(esc_ids), "share_of_tickets": rate(len(esc_ids), len(all_ids)),
            "escalation_days": [round(float(esc_days.min()), 2), round(float(esc_days.median()), 2),
                                round(float(esc_days.max()), 2)],
            "escalated_in_delayed_wait": len(esc_ids & first_in_delay),
            "escalation_rate_in_delayed_wait": rate(len(esc_ids & first_in_delay), len(first_in_delay)),
            "escalation_rate_other": rate(len(esc_ids - first_in_delay), len(all_ids - first_in_delay)),
            "reopen_rate_escalated": rate(len(reo_ids & esc_ids), len(esc_ids)),
            "reopen_rate_not_escalated": rate(len(reo_ids - esc_ids), len(all_ids - esc_ids)),
            "repeat_contact_rate_escalated": rate(len(followed & esc_ids), len(esc_ids)),
            "repeat_contact_rate_not_escalated": rate(len(followed - esc_ids), len(all_ids - esc_ids)),
            "escalated_tickets_of_survey_answerers": len(s_esc), "detractor_rate_escalated": det(s_esc),
            "other_tickets_of_survey_answerers": len(s_no), "detractor_rate_not_escalated": det(s_no),
            "customers_with_escalated_ticket": len(esc_cust),
            "share_of_ticket_customers": rate(len(esc_cust), int(opened["customer_id"].nunique())),
            "answers_customers_escalated": len(c_esc), "detractor_rate_customers_escalated": det(c_esc),
            "answers_customers_not_escalated": len(c_no), "detractor_rate_customers_not_escalated": det(c_no),
        },
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent, help="output folder")
    args = ap.parse_args()
    rng = np.random.default_rng(SEED)

    orders, o = make_orders(rng)
    survey, voice = make_survey(rng, o)
    tickets, tk = make_tickets(rng, o, voice)
    m = measure(orders, tickets, survey)

    truth = {
        "seed": SEED,
        "orders": N_ORDERS, "order_events": len(orders), "customers": int(orders["customer_id"].nunique()),
        "tickets": int(tickets["ticket_id"].nunique()), "ticket_events": len(tickets),
        "ticket_customers": int(tickets["customer_id"].nunique()), "survey_answers": len(survey),
        "first_order": iso(orders["t"].min()), "last_event": iso(max(orders["t"].max(), tickets["t"].max(), survey["t"].max())),
        "keys": KEYS,
        "planted": [
            {"name": "delivery_delay_contacts", "kind": "cross_process_contacts",
             "sources": ["orders", "support"], "from_activity": "Shipped", "to_activity": "Delivered",
             "promise": f"Shipped -> Delivered within {PROMISE_DAYS}d", "contact_activity": "Ticket opened",
             "planted": {**DELAY, "ticket_in_wait": WAIT_TICKET},
             "planted_counts": {"delayed_orders": o["counts"]["delayed_orders"],
                                "delayed_orders_with_ticket_in_wait": tk["first_tickets"]["delay"],
                                "on_time_orders_with_ticket_in_wait": tk["first_tickets"]["on_time_wait"]},
             "measured": m["delay"]},
            {"name": "delayed_deliveries_detractors", "kind": "cross_process_outcome",
             "sources": ["orders", "survey"], "outcomes": ["detractor", "cancelled"],
             "planted": {"nps_customers_with_delayed_order": dict(zip(("values", "p"), NPS["delayed"])),
                         "nps_other_customers": dict(zip(("values", "p"), NPS["ordinary"])),
                         "survey_share_of_customers": SURVEY_SHARE,
                         "cancelled_while_waiting_share_of_delayed": CANCEL_IN_WAIT,
                         "cancelled_before_picking_share_of_orders": CANCEL_EARLY},
             "planted_counts": {k: o["counts"][k] for k in ("answers_of_customers_with_delayed_order",
                                                            "of_them_last_order_delayed", "cancelled_while_waiting",
                                                            "cancelled_before_picking")},
             "measured": m["detractors"]},
            {"name": "repeat_contact_other_channel", "kind": "repeat_contact", "sources": ["support"],
             "activity": "Ticket opened",
             "planted": FOLLOW_UP,
             "planted_counts": {"follow_up_tickets": tk["follow_up_tickets"],
                                "after_delay_tickets": tk["follow_ups_after_delay_tickets"],
                                "after_other_tickets": tk["follow_up_tickets"] - tk["follow_ups_after_delay_tickets"],
                                "ordinary_question_tickets": tk["first_tickets"]["other"]},
             "measured": m["repeat_contact"]},
        ],
        "red_herring": {"name": "slow_warehouse_escalation", "kind": "long_internal_wait", "sources": ["support"],
                        "from_activity": "Escalated to warehouse", "to_activity": "Warehouse replied",
                        "note": "after the customer has been answered; drawn equally for every kind of ticket; "
                                "no effect on reopening, repeat contact, NPS or cancellation",
                        "planted": {**ESCALATION, "reopen_share_of_tickets": REOPEN_SHARE},
                        "planted_counts": {k: tk[k] for k in ("escalated_tickets", "reopened_tickets")},
                        "measured": m["red_herring"]},
    }

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    orders["timestamp"] = orders["t"].map(iso)
    tickets["timestamp"] = tickets["t"].map(iso)
    survey["answered_at"] = survey["t"].map(iso)
    orders[["order_id", "customer_id", "activity", "timestamp", "resource", "channel"]].to_csv(
        out / "orders.csv", index=False, lineterminator="\n")
    tickets[["ticket_id", "customer_id", "activity", "timestamp", "team", "channel"]].to_csv(
        out / "tickets.csv", index=False, lineterminator="\n")
    survey[["customer_id", "answered_at", "nps"]].to_csv(out / "survey.csv", index=False, lineterminator="\n")
    (out / "planted.json").write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    d, r, h = m["delay"], m["detractors"], m["red_herring"]
    print(f"{truth['orders']} orders ({truth['order_events']} events, {truth['customers']} customers), "
          f"{truth['tickets']} tickets ({truth['ticket_events']} events), {truth['survey_answers']} answers -> {out}")
    print(f"  delayed orders {d['delayed_orders']} ({d['share_of_orders']:.1%}); ticket in wait "
          f"{d['delayed_ticket_rate']:.1%} vs {d['on_time_ticket_rate']:.1%}")
    print(f"  NPS {r['mean_nps_delayed']} vs {r['mean_nps_other']}; cancelled {r['cancel_rate_delayed']:.1%} "
          f"vs {r['cancel_rate_other']:.1%}; repeat contacts {m['repeat_contact']['repeat_contacts']}")
    print(f"  red herring: {h['escalated_tickets']} escalated tickets, their customers' detractor rate "
          f"{h['detractor_rate_escalated']} vs {h['detractor_rate_not_escalated']}")


if __name__ == "__main__":
    main()
