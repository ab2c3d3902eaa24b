"""One function per friction signal. Each returns Candidates: a set of affected cases (boolean per case
code), the customer-visible excess time per case, and the measured values behind it.

Everything is a sort, a shift within the case, or a group-by; the only loops run over activities,
activity pairs or promises (tens to hundreds), never over events or cases.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cxmine.core import schema
from cxmine.core.journey import distinct
from cxmine.core.timings import DUE_STATES, gap_keys, seconds
from cxmine.friction.contract import Candidate, Journey
from cxmine.friction.stats import binomial_greater

MIN_OCCURRENCES = 5
DESIGNED_SHARE = 0.5  # a loop in more than half of the cases is the designed flow, not ping-pong
MIN_THRESHOLD_SECONDS = 60.0


def _per_case(case: np.ndarray, weights: np.ndarray, n_cases: int) -> np.ndarray:
    return np.bincount(case, weights=np.nan_to_num(weights), minlength=n_cases)


def _first_per_case(case: np.ndarray, times_ns: np.ndarray, n_cases: int) -> np.ndarray:
    """Per case: the earliest of `times_ns` (float ns) among its rows; NaN for cases without rows."""
    out = np.full(n_cases, np.inf)
    np.minimum.at(out, case, times_ns)
    out[np.isinf(out)] = np.nan
    return out


def _overlap_seconds(ctx: Journey, case: np.ndarray, start_ns: np.ndarray, end_ns: np.ndarray) -> np.ndarray:
    """Seconds of [start, end] (ns since epoch) inside the customer's window [first touchpoint, last
    touchpoint] of its case."""
    lo = np.maximum(start_ns, ctx.window_start[case])
    hi = np.minimum(end_ns, ctx.window_end[case])
    out = (hi - lo) / 1e9
    out[np.isnan(out)] = 0.0
    return np.clip(out, 0.0, None)


def customer_waits(ctx: Journey) -> list[Candidate]:
    """`wait`: a customer-visible gap (touchpoint → next touchpoint) longer than wait_factor × its median.
    A gap that the customer ends themselves (the next touchpoint is customer-initiated, e.g. a refund
    request days after delivery) is the company waiting for the customer, not the reverse: skipped; so is
    a gap that starts at a pause ([journey] pauses: after a discharge or a delivery the customer is not
    waiting on us). The threshold is max(wait_factor × median, [friction] min_wait)."""
    out: list[Candidate] = []
    if ctx.gaps is None or ctx.gaps.occurrences.empty:
        return out
    occ = ctx.gaps.occurrences
    customer_initiated = ctx.customer_initiated
    categories = occ["from_activity"].cat.categories
    key, width = gap_keys(occ)
    inverse, keys = pd.factorize(key, sort=True)  # a hash table, not a sort of every gap
    counts = np.bincount(inverse, minlength=len(keys))
    values = occ["gap_seconds"].to_numpy()
    medians = pd.Series(values).groupby(inverse).median().to_numpy()
    thresholds = np.maximum(ctx.wait_factor * medians, max(ctx.min_wait_seconds, MIN_THRESHOLD_SECONDS))
    hit = (values > thresholds[inverse]) & (counts[inverse] >= MIN_OCCURRENCES)
    skip = np.array([str(categories[k % width]) in customer_initiated or str(categories[k // width]) in ctx.pauses for k in keys], dtype=bool)
    hit &= ~skip[inverse]
    # The most common slowest step behind the affected occurrences of each gap (by total seconds).
    slow_pair = occ["slowest_from"].cat.codes.to_numpy().astype(np.int64) * width + occ["slowest_to"].cat.codes.to_numpy()
    behind = pd.DataFrame({"gap": inverse[hit], "pair": slow_pair[hit], "seconds": occ["slowest_seconds"].to_numpy()[hit]})
    behind = behind.loc[behind["pair"] >= 0]
    behind_stats = behind.groupby(["gap", "pair"]).agg(size=("seconds", "size"), total=("seconds", "sum"), median=("seconds", "median")).reset_index()
    behind_stats = behind_stats.sort_values(["gap", "total", "size"], ascending=[True, False, False], kind="stable").drop_duplicates("gap").set_index("gap")
    order = np.argsort(inverse, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(counts)])
    case_all = occ["case"].to_numpy()
    start_all = occ["start"].dt.as_unit("ns").astype("int64").to_numpy().astype(float)
    columns = {c: occ[c].to_numpy() for c in ("internal_steps", "handovers", "rework_steps", "chasing_contacts")}
    for g in np.flatnonzero(np.bincount(inverse[hit], minlength=len(keys)) > 0):
        rows = order[bounds[g] : bounds[g + 1]]
        rows_hit = rows[hit[rows]]
        a, b = str(categories[keys[g] // width]), str(categories[keys[g] % width])
        case = case_all[rows_hit]
        details = {
            "internal_steps_mean_affected": round(float(columns["internal_steps"][rows_hit].mean()), 3),
            "internal_steps_mean_all": round(float(columns["internal_steps"][rows].mean()), 3),
            "handovers_mean_affected": round(float(columns["handovers"][rows_hit].mean()), 3),
            "handovers_mean_all": round(float(columns["handovers"][rows].mean()), 3),
            "rework_share_affected": round(float((columns["rework_steps"][rows_hit] > 0).mean()), 4),
            "chasing_share_affected": round(float((columns["chasing_contacts"][rows_hit] > 0).mean()), 4),
        }
        # The slowest step is only news when it is not the gap itself (nothing happened in between).
        if g in behind_stats.index and int(behind_stats.loc[g]["pair"]) != int(keys[g]):
            top = behind_stats.loc[g]
            pair = int(top["pair"])
            details["behind_the_scenes"] = f"{categories[pair // width]} → {categories[pair % width]}"
            details["behind_the_scenes_share_of_affected"] = round(float(top["size"]) / len(rows_hit), 4)
            details["behind_the_scenes_p50_seconds"] = float(top["median"])
        out.append(
            Candidate.from_case_arrays(
                "wait", "", np.bincount(case, minlength=ctx.n_cases) > 0,
                _per_case(case, values[rows_hit] - thresholds[g], ctx.n_cases), "customer wait", values[rows], values[rows_hit],
                threshold_seconds=float(thresholds[g]), from_activity=a, to_activity=b, details=details,
                others_values=values[rows[~hit[rows]]], start_per_case=_first_per_case(case, start_all[rows_hit], ctx.n_cases),
                eligible_cases=case_all[rows],
            )
        )
    return out


def internal_waits(ctx: Journey) -> list[Candidate]:
    """`hidden_wait` on a directly-follows transition with an internal side whose long wait falls inside the
    customer's window: the hidden step behind a long gap. Its time belongs to that gap (counted there);
    it scores on the complaints it drives, and reports the customer-hours it accounts for."""
    if not ctx.touchpoints_configured:  # without touchpoints nothing is hidden from the customer
        return []
    events = ctx.events
    valid = ~ctx.first & ~(ctx.touchpoint & np.roll(ctx.touchpoint, 1))
    if ctx.paused is not None:  # a wait that starts after a pause (offer sent, patient discharged) is not ours
        valid &= ~np.roll(ctx.paused, 1)
    rows = np.flatnonzero(valid)
    codes = events[schema.ACTIVITY].cat.codes.to_numpy().astype(np.int64)
    moves = pd.DataFrame({
        "case": ctx.case[rows], "from_code": codes[rows - 1], "to_code": codes[rows], "from_ns": ctx.time_ns[rows - 1], "begin_ns": ctx.begin_ns[rows],
    })  # fmt: skip
    return hidden_waits_from(moves, [str(c) for c in events[schema.ACTIVITY].cat.categories], ctx)


def hidden_waits_from(moves: pd.DataFrame, names: list[str], ctx) -> list[Candidate]:
    """`hidden_wait` candidates from the directly-follows moves that can hide a wait, on any engine: one row
    per move (case, from_code, to_code, from_ns — the previous step's completion — and begin_ns, when the next
    step began) that is not touchpoint → touchpoint and does not start after a pause."""
    if moves.empty:
        return []
    case_all = moves["case"].to_numpy(dtype=np.int64)
    start_all, begin_all = moves["from_ns"].to_numpy(dtype=float), moves["begin_ns"].to_numpy(dtype=float)
    wait = (begin_all - start_all) / 1e9
    visible_all = _overlap_seconds(ctx, case_all, start_all, begin_all)
    # One group per directly-follows pair, found on the codes (no per-event strings), visited in name order.
    width = np.int64(len(names) + 1)
    pair, keys = pd.factorize(moves["from_code"].to_numpy(dtype=np.int64) * width + moves["to_code"].to_numpy(dtype=np.int64))
    order = np.argsort(pair, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(pair, minlength=len(keys)))])
    pairs = [(names[k // width], names[k % width]) for k in keys]
    out: list[Candidate] = []
    for g in sorted(range(len(keys)), key=pairs.__getitem__):
        a, b = pairs[g]
        members = order[bounds[g] : bounds[g + 1]]
        if members.size < MIN_OCCURRENCES:
            continue
        values = wait[members]
        median = float(np.nanmedian(values))
        threshold = max(ctx.wait_factor * median, ctx.min_wait_seconds, MIN_THRESHOLD_SECONDS)
        hit = (values > threshold) & (visible_all[members] > 0)
        if not hit.any():
            continue
        case = case_all[members]
        excess = np.minimum(values[hit] - threshold, visible_all[members][hit])
        out.append(
            Candidate.from_case_arrays(
                "hidden_wait", "",
                # Its customer time is already counted by the customer-visible gap around it, so it adds
                # none here: a hidden wait ranks only on the complaints it drives.
                np.bincount(case[hit], minlength=ctx.n_cases) > 0, np.zeros(ctx.n_cases),
                "waiting time", values, values[hit], threshold_seconds=threshold, from_activity=a, to_activity=b,
                others_values=values[~hit], start_per_case=_first_per_case(case[hit], start_all[members][hit], ctx.n_cases),
                eligible_cases=case,
                details={
                    "customer_visible": False,
                    "hidden_from_customer_share": round(float(1 - (visible_all[members] > 0).mean()), 4),
                    "customer_hours_inside_gaps": round(float(excess.sum()) / 3600, 3),
                },
            )
        )
    return out


def slow_steps(ctx: Journey) -> list[Candidate]:
    """`slow_step`: service time (start → complete) over wait_factor × the activity's median."""
    events = ctx.events
    if schema.START not in events.columns or events[schema.START].isna().all():
        return []
    service = seconds(events[schema.TIMESTAMP] - events[schema.START])
    rows = np.flatnonzero(~np.isnan(service))
    services = pd.DataFrame({
        "case": ctx.case[rows], "code": events[schema.ACTIVITY].cat.codes.to_numpy()[rows], "seconds": service[rows],
        "begin_ns": ctx.begin_ns[rows], "time_ns": ctx.time_ns[rows],
    })  # fmt: skip
    return slow_steps_from(services, [str(c) for c in events[schema.ACTIVITY].cat.categories], ctx)


def slow_steps_from(services: pd.DataFrame, names: list[str], ctx) -> list[Candidate]:
    """`slow_step` candidates from the steps with a known service time, on any engine: one row per such step
    (case, code, seconds — start to completion —, begin_ns and time_ns), in the log's order."""
    out: list[Candidate] = []
    activity = services["code"].to_numpy(dtype=np.int64)
    service = services["seconds"].to_numpy(dtype=float)
    case_all = services["case"].to_numpy(dtype=np.int64)
    begin_all, time_all = services["begin_ns"].to_numpy(dtype=float), services["time_ns"].to_numpy(dtype=float)
    order = np.argsort(activity, kind="stable")
    splits = np.flatnonzero(np.diff(activity[order])) + 1
    for rows in np.split(order, splits) if order.size else []:
        if rows.size < MIN_OCCURRENCES:
            continue
        values = service[rows]
        median = float(np.median(values))
        threshold = max(ctx.wait_factor * median, MIN_THRESHOLD_SECONDS)
        hit = values > threshold
        if not hit.any():
            continue
        hit_rows = rows[hit]
        visible = _overlap_seconds(ctx, case_all[hit_rows], begin_all[hit_rows], time_all[hit_rows])
        excess = np.minimum(values[hit] - threshold, visible)
        out.append(
            Candidate.from_case_arrays(
                "slow_step", "", np.bincount(case_all[hit_rows], minlength=ctx.n_cases) > 0,
                _per_case(case_all[hit_rows], excess, ctx.n_cases), "service time", values, values[hit], threshold_seconds=threshold,
                activity=names[activity[rows[0]]], others_values=values[~hit], eligible_cases=case_all[rows],
                start_per_case=_first_per_case(case_all[hit_rows], begin_all[hit_rows], ctx.n_cases),
            )
        )
    return out


def rework(ctx: Journey) -> list[Candidate]:
    """`rework`: an activity done again in the same case; *repeat* by the same resource, *redo* by another."""
    events = ctx.events
    codes = events[schema.ACTIVITY].cat.codes.to_numpy().astype(np.int64)
    n = len(codes)
    # Group rows by (case, activity) with one stable sort; within a group rows stay in time order.
    key = ctx.case.astype(np.int64) * np.int64(len(events[schema.ACTIVITY].cat.categories) + 1) + codes
    if schema.LIFECYCLE in events.columns:
        # Only completed work counts: a `schedule` (or other status) event is not the step done again.
        folded = events[schema.LIFECYCLE].cat.categories.astype(str).str.casefold()
        life = events[schema.LIFECYCLE].cat.codes.to_numpy()
        other = (life >= 0) & ~np.isin(life, np.flatnonzero(folded == "complete"))
        key = np.where(other, -1 - np.arange(n, dtype=np.int64), key)  # each such event is its own group
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.ones(n, dtype=bool)
    starts[1:] = sorted_key[1:] != sorted_key[:-1]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    occurrence = np.empty(n, dtype=np.int64)
    occurrence[order] = np.arange(n) - group_start
    first_row = np.empty(n, dtype=np.int64)
    first_row[order] = order[group_start]  # the group's first occurrence, per row
    again = (occurrence > 0) & ~ctx.chasing  # a repeated contact is chasing (or a follow-up), not rework
    if ctx.outbound is not None:
        again &= ~ctx.outbound
    if not again.any():
        return []
    rows = np.flatnonzero(again)
    same = None
    if schema.RESOURCE in events.columns:
        resource = events[schema.RESOURCE].cat.codes.to_numpy()
        previous_row = np.empty(n, dtype=np.int64)
        previous_row[order] = np.where(starts, order, np.roll(order, 1))  # previous occurrence of the same activity
        same = ((resource >= 0) & (resource == resource[previous_row]))[rows]
    repeats = pd.DataFrame({"case": ctx.case[rows], "code": codes[rows], "time_ns": ctx.time_ns[rows], "first_ns": ctx.time_ns[first_row[rows]]})
    if same is not None:
        repeats["same_resource"] = same
    doing = pd.DataFrame({"case": ctx.case, "code": codes})
    return rework_from(repeats, doing, [str(c) for c in events[schema.ACTIVITY].cat.categories], ctx)


def rework_from(repeats: pd.DataFrame, doing: pd.DataFrame, names: list[str], ctx) -> list[Candidate]:
    """`rework` candidates from its occurrences, on any engine: `repeats` holds one row per step done again
    (case, code, time_ns, first_ns — when the case first did it — and, with resources, same_resource: the
    previous occurrence had the same resource); `doing` the (case, code) pairs of the log (repeated pairs may
    repeat); `names` the activity name per code; `ctx` the case count and the customer's windows."""
    out: list[Candidate] = []
    if repeats.empty:
        return out
    codes = doing["code"].to_numpy(dtype=np.int64)
    doing_case = doing["case"].to_numpy(dtype=np.int64)
    # cases doing each activity: each (case, code) pair once
    width = np.int64(len(names) + 1)
    pairs = np.unique(doing_case * width + codes)
    cases_doing = np.bincount(pairs % width, minlength=len(names))
    all_codes = repeats["code"].to_numpy(dtype=np.int64)
    has_resource = "same_resource" in repeats.columns
    for code in np.unique(all_codes):
        rows = np.flatnonzero(all_codes == code)
        cases = repeats["case"].to_numpy(dtype=np.int64)[rows]
        affected = np.bincount(cases, minlength=ctx.n_cases) > 0
        # A step most of its cases repeat (a lab test taken every few hours) is routine, not rework.
        if affected.sum() > DESIGNED_SHARE * cases_doing[code]:
            continue
        first_ns = repeats["first_ns"].to_numpy(dtype=float)[rows]
        time_ns = repeats["time_ns"].to_numpy(dtype=float)[rows]
        loop = (time_ns - first_ns) / 1e9
        visible = _overlap_seconds(ctx, cases, first_ns, time_ns)
        # Per case, the loop time is first occurrence → last repetition: take the max, not the sum.
        excess = np.zeros(ctx.n_cases)
        np.maximum.at(excess, cases, np.minimum(loop, visible))
        details = {"repetitions": int(rows.size), "cases": int(affected.sum())}
        if has_resource:
            same = int(repeats["same_resource"].to_numpy(dtype=bool)[rows].sum())
            details["repeat_same_resource"] = same
            details["redo_other_resource"] = int(rows.size - same)
        out.append(
            Candidate.from_case_arrays(
                "rework", "", affected, excess, "rework loop time", loop, loop, activity=names[code], details=details,
                eligible_cases=doing_case[codes == code],
                start_per_case=_first_per_case(cases, first_ns, ctx.n_cases),
            )
        )
    return out


def ping_pong(ctx: Journey, top_pairs: int = 10) -> list[Candidate]:
    """`ping_pong`: X → Y → X between activities (direct) or X → Y → Z → X (indirect)."""
    events = ctx.events
    # Contacts (the customer chasing, our follow-up calls) are not process steps: the sequence skips them.
    keep = ~ctx.chasing & (~ctx.outbound if ctx.outbound is not None else True)
    kept = np.flatnonzero(keep)
    case_kept = ctx.case[kept]
    same_case_1 = np.zeros(kept.size, dtype=bool)
    same_case_1[1:] = case_kept[1:] == case_kept[:-1]
    same_case_2 = same_case_1 & np.roll(same_case_1, 1)
    same_case_3 = same_case_2 & np.roll(same_case_1, 2)
    labels = events[schema.ACTIVITY]  # teams and resources: see `handbacks` (rolled up)
    values = labels.cat.codes.to_numpy().astype(np.int64)[kept]  # -1 = missing
    prev1, prev2, prev3 = np.roll(values, 1), np.roll(values, 2), np.roll(values, 3)
    # A loop inside a timestamp tie is the file's order, not the customer's (lab results written at once).
    t = ctx.time_ns[kept]
    moved1 = np.ones(kept.size, dtype=bool)
    moved1[1:] = t[1:] > t[:-1]
    moved2 = moved1 & np.roll(moved1, 1)
    moved3 = moved2 & np.roll(moved1, 2)
    direct = same_case_2 & moved2 & (values >= 0) & (prev1 >= 0) & (values == prev2) & (values != prev1)
    indirect = same_case_3 & moved3 & (values >= 0) & (values == prev3) & (values != prev1) & (values != prev2) & ~direct
    parts = []
    for style, mask, back in (("direct", direct, 2), ("indirect", indirect, 3)):
        rows = np.flatnonzero(mask)
        parts.append(pd.DataFrame({
            "case": case_kept[rows], "style": style, "low": np.minimum(values[rows], prev1[rows]), "high": np.maximum(values[rows], prev1[rows]),
            "away_ns": ctx.time_ns[kept[rows - back]], "time_ns": ctx.time_ns[kept[rows]],
        }))  # fmt: skip
    return ping_pong_from(pd.concat(parts, ignore_index=True), [str(c) for c in labels.cat.categories], ctx, top_pairs)


def ping_pong_from(returns: pd.DataFrame, names: list[str], ctx, top_pairs: int = 10) -> list[Candidate]:
    """`ping_pong` candidates from its occurrences, on any engine: `returns` holds one row per return (case,
    style "direct"/"indirect", low and high — the pair's activity codes, unordered — away_ns, when the loop
    left, and time_ns, when it came back); `names` the activity name per code."""
    out: list[Candidate] = []
    width = np.int64(len(names) + 1)
    for style in ("direct", "indirect"):
        chosen = returns.loc[returns["style"] == style]
        if chosen.empty:
            continue
        # X→Y→X and Y→X→Y are the same loop: key on the unordered pair.
        pair = chosen["low"].to_numpy(dtype=np.int64) * width + chosen["high"].to_numpy(dtype=np.int64)
        case_all = chosen["case"].to_numpy(dtype=np.int64)
        pair_cases = pd.DataFrame({"pair": pair, "case": case_all}).drop_duplicates()
        top = pair_cases["pair"].value_counts(sort=False)
        top = top[top.to_numpy() <= DESIGNED_SHARE * ctx.n_cases]  # the designed flow is no ping-pong
        top = sorted(top.items(), key=lambda kv: (-kv[1], kv[0]))[:top_pairs]
        away_all, time_all = chosen["away_ns"].to_numpy(dtype=float), chosen["time_ns"].to_numpy(dtype=float)
        for key, _n in top:
            hit = pair == key
            cases, away, back = case_all[hit], away_all[hit], time_all[hit]
            x, y = names[key // width], names[key % width]
            loop = (back - away) / 1e9
            visible = _overlap_seconds(ctx, cases, away, back)
            out.append(
                Candidate.from_case_arrays(
                    "ping_pong", "", np.bincount(cases, minlength=ctx.n_cases) > 0,
                    _per_case(cases, np.minimum(loop, visible), ctx.n_cases), "loop time", loop, loop,
                    start_per_case=_first_per_case(cases, away, ctx.n_cases), activity=x, from_activity=None, to_activity=None,
                    details={"between": "activities", "style": style, "x": x, "y": y, "loops": int(cases.size)},
                )
            )
    return out


def _contacts(ctx: Journey, mask: np.ndarray | None, kind: str) -> list[Candidate]:
    """One candidate per contact activity in `mask`: cases with such contacts, each contact costing the
    customer `contact_minutes`."""
    if mask is None or not mask.any():
        return []
    codes = ctx.events[schema.ACTIVITY].cat.codes.to_numpy().astype(np.int64)
    # The touchpoint each contact follows: the latest plain touchpoint at or before it in its case.
    plain_touchpoint = ctx.touchpoint & ~mask & ~(ctx.outbound if ctx.outbound is not None else np.zeros_like(mask))
    index = np.arange(len(codes))
    latest = np.maximum.accumulate(np.where(plain_touchpoint | ctx.first, index, 0))
    rows = np.flatnonzero(mask)
    before = latest[rows]
    contacts = pd.DataFrame({
        "case": ctx.case[rows], "code": codes[rows], "time_ns": ctx.time_ns[rows], "before_code": np.where(plain_touchpoint[before], codes[before], -1),
    })  # fmt: skip
    doing = pd.DataFrame({"case": ctx.case, "code": codes})
    return contacts_from(contacts, doing, [str(c) for c in ctx.events[schema.ACTIVITY].cat.categories], ctx, kind)


def contacts_from(contacts: pd.DataFrame, doing: pd.DataFrame, names: list[str], ctx, kind: str) -> list[Candidate]:
    """`chasing` or `outbound_contact` candidates from the contacts, on any engine: `contacts` holds one row
    per contact (case, code, time_ns, and before_code — the plain touchpoint it follows in its case, −1: none);
    `doing` (case, code) pairs of the log, for the cases that could have had such a contact: those that
    reached the touchpoint it most often follows (calls about an offer are compared with the other
    applications that got an offer, not with all of them)."""
    out: list[Candidate] = []
    all_codes = contacts["code"].to_numpy(dtype=np.int64)
    doing_codes, doing_cases = doing["code"].to_numpy(dtype=np.int64), doing["case"].to_numpy(dtype=np.int64)
    for code in np.unique(all_codes):
        rows = np.flatnonzero(all_codes == code)
        cases = contacts["case"].to_numpy(dtype=np.int64)[rows]
        counted = np.bincount(cases, minlength=ctx.n_cases)
        affected = counted > 0
        before = contacts["before_code"].to_numpy(dtype=np.int64)[rows]
        before = before[before >= 0]
        eligible = None
        if before.size:
            usual = np.bincount(before).argmax()
            eligible = distinct(doing_cases[doing_codes == usual], ctx.n_cases)
        out.append(
            Candidate.from_case_arrays(
                kind, "", affected, counted * ctx.contact_seconds, "contacts per case",
                counted[affected].astype(float), counted[affected].astype(float), activity=names[code],
                details={"contacts": int(rows.size), "contacts_per_affected_case": round(float(counted[affected].mean()), 3)},
                start_per_case=_first_per_case(cases, contacts["time_ns"].to_numpy(dtype=float)[rows], ctx.n_cases), eligible_cases=eligible,
            )
        )
    return out


def chasing(ctx: Journey) -> list[Candidate]:
    """`chasing`: the customer contacts us again while waiting (inbound: configured chasing touchpoints,
    or a customer-initiated touchpoint repeated in a case)."""
    return _contacts(ctx, ctx.chasing, "chasing")


def outbound_contacts(ctx: Journey) -> list[Candidate]:
    """`outbound_contact`: we contact the customer (follow-up calls, reminders) — `[touchpoints] outbound`."""
    return _contacts(ctx, ctx.outbound, "outbound_contact")


def handbacks(ctx: Journey, top_pairs: int = 5) -> list[Candidate]:
    """`handback`: team ping-pong rolled up — a case's work goes from a team to another and straight back
    (X → Y → X) — one point per column (the team column, else resources), with the most frequent pairs as
    details. Only internal work counts: the customer's own steps (customer-initiated touchpoints, chasing
    contacts) are left out of the sequence, so "customer → sales → customer" is no hand-back."""
    events = ctx.events
    if ctx.team and ctx.team in events.columns:
        column, unit = ctx.team, "team"
    elif schema.RESOURCE in events.columns:
        column, unit = schema.RESOURCE, "resource"
    else:
        return []
    labels = events[column] if isinstance(events[column].dtype, pd.CategoricalDtype) else events[column].astype("category")
    activity_names = [str(c) for c in events[schema.ACTIVITY].cat.categories]
    customer_codes = [i for i, name in enumerate(activity_names) if name in ctx.customer_initiated]
    internal = ~ctx.chasing & ~np.isin(events[schema.ACTIVITY].cat.codes.to_numpy(), customer_codes) & (labels.cat.codes.to_numpy() >= 0)
    rows_all = np.flatnonzero(internal)
    if rows_all.size < 3:
        return []
    values = labels.cat.codes.to_numpy().astype(np.int64)[rows_all]
    case = ctx.case[rows_all]
    same1 = np.zeros(rows_all.size, dtype=bool)
    same1[1:] = case[1:] == case[:-1]
    same2 = same1 & np.roll(same1, 1)
    same2[:2] = False
    prev1, prev2 = np.roll(values, 1), np.roll(values, 2)
    hits = np.flatnonzero(same2 & (values == prev2) & (values != prev1))
    backs = pd.DataFrame({
        "case": case[hits], "low": np.minimum(values[hits], prev1[hits]), "high": np.maximum(values[hits], prev1[hits]),
        "away_ns": ctx.time_ns[rows_all[hits - 2]], "time_ns": ctx.time_ns[rows_all[hits]],
    })  # fmt: skip
    return handbacks_from(backs, [str(c) for c in labels.cat.categories], unit, ctx, top_pairs)


def handbacks_from(backs: pd.DataFrame, names: list[str], unit: str, ctx, top_pairs: int = 5) -> list[Candidate]:
    """`handback` candidates from the hand-backs, on any engine: one row per return (case; low and high, the
    pair's codes into `names`, unordered; away_ns, when the work left; time_ns, when it came back)."""
    if backs.empty:
        return []
    low, high = backs["low"].to_numpy(dtype=np.int64), backs["high"].to_numpy(dtype=np.int64)
    cases = backs["case"].to_numpy(dtype=np.int64)
    # A loop most cases go through is how the process is designed (an invoice team between two logistics
    # steps), not friction: pairs in more than DESIGNED_SHARE of the cases are left out and named.
    width = np.int64(len(names) + 1)
    pair = low * width + high
    pair_cases = pd.DataFrame({"pair": pair, "case": cases}).drop_duplicates()["pair"].value_counts()
    designed = pair_cases.index[pair_cases.to_numpy() > DESIGNED_SHARE * ctx.n_cases].to_numpy()
    keep = ~np.isin(pair, designed)
    if not keep.any():
        return []
    low, high, cases = low[keep], high[keep], cases[keep]
    away, back = backs["away_ns"].to_numpy(dtype=float)[keep], backs["time_ns"].to_numpy(dtype=float)[keep]
    loop = (back - away) / 1e9
    visible = _overlap_seconds(ctx, cases, away, back)
    affected = np.bincount(cases, minlength=ctx.n_cases) > 0
    pairs = pd.DataFrame({"a": low, "b": high, "case": cases}).drop_duplicates()
    counted = pairs.groupby(["a", "b"]).size().reset_index(name="cases").sort_values(["cases", "a", "b"], ascending=[False, True, True], kind="stable")
    top = [{"from": names[a], "to": names[b], "cases": int(c)} for a, b, c in counted.head(top_pairs).itertuples(index=False)]
    inside = _per_case(cases, np.minimum(loop, visible), ctx.n_cases)
    # With touchpoints configured, the loop's time lies inside customer-visible gaps, which count it once
    # (like a hidden wait): a hand-back then scores on the outcomes it raises. Without touchpoints nothing
    # else measures that time, so the loop counts.
    excess = np.zeros(ctx.n_cases) if ctx.touchpoints_configured else inside
    return [
        Candidate.from_case_arrays(
            "handback", "", affected, excess, "loop time", loop, loop,
            details={
                "customer_hours_inside_gaps": round(float(inside.sum()) / 3600, 3),
                "between": f"{unit}s", "unit": unit, "handbacks": int(cases.size), "pairs": len(counted), "top_pairs": top,
                "designed_pairs": [{"from": names[int(k) // width], "to": names[int(k) % width]} for k in sorted(designed)],
            },
            start_per_case=_first_per_case(cases, away, ctx.n_cases),
        )
    ]


def broken_promises(ctx: Journey) -> list[Candidate]:
    """`broken_promise`: the customer was promised B within a time after A, and did not get it in time:
    late, or still owed past the deadline. Void (declined, cancelled) and pending (not yet due) cases owe
    nothing; a breach costs customer time only from the deadline (core.timings.promise_outcomes)."""
    from cxmine.core.timings import promise_counts  # noqa: PLC0415

    outcomes = ctx.promise_outcomes
    if outcomes is None or not ctx.promises or outcomes.empty:  # no promise measured (a `to` that never happens)
        return []
    due = outcomes.loc[outcomes["state"].isin(DUE_STATES)]
    rows = pd.DataFrame({
        "promise": due["promise"].to_numpy(dtype=np.int64), "case": due["case"].to_numpy(dtype=np.int64), "broken": due["broken"].to_numpy(dtype=bool),
        "elapsed_seconds": due["elapsed_seconds"].to_numpy(dtype=float), "excess_seconds": due["excess_seconds"].to_numpy(dtype=float),
        "start_ns": due["start"].dt.as_unit("ns").astype("int64").to_numpy().astype(float),
    })  # fmt: skip
    counts = {index: promise_counts(outcomes.loc[outcomes["promise"] == index]) for index in range(len(ctx.promises))}
    return broken_promises_from(rows, counts, ctx.promises, ctx)


def broken_promises_from(due: pd.DataFrame, counts: dict[int, dict], promises, ctx) -> list[Candidate]:
    """`broken_promise` candidates on any engine: `due` holds one row per promise and case it is due for
    (kept, late or open past due: promise index, case, broken, elapsed_seconds, excess_seconds, start_ns),
    `counts` each promise's cases per state (core.timings.promise_counts)."""
    out: list[Candidate] = []
    promise_of = due["promise"].to_numpy(dtype=np.int64)
    for index, promise in enumerate(promises):
        rows = np.flatnonzero(promise_of == index)
        if not rows.size:
            continue
        broken = due["broken"].to_numpy(dtype=bool)[rows]
        cases = due["case"].to_numpy(dtype=np.int64)[rows]
        values = due["elapsed_seconds"].to_numpy(dtype=float)[rows]
        affected = np.bincount(cases[broken], minlength=ctx.n_cases) > 0
        excess = _per_case(cases[broken], due["excess_seconds"].to_numpy(dtype=float)[rows][broken], ctx.n_cases)
        start = _first_per_case(cases[broken], due["start_ns"].to_numpy(dtype=float)[rows][broken], ctx.n_cases)
        out.append(
            Candidate.from_case_arrays(
                "broken_promise", "", affected, excess, "time to keep the promise",
                values, values[broken], threshold_seconds=promise.within_seconds, from_activity=promise.from_activity, to_activity=promise.to_activity,
                details={"promise_name": promise.name, "promised_seconds": promise.within_seconds, "promise": counts[index]},
                others_values=values[~broken], start_per_case=start, eligible_cases=cases,
            )
        )
    return out


def complaint_hotspots(ctx: Journey) -> list[Candidate]:
    """`complaint_hotspot`: a customer-visible gap where complaints concentrate more than customer time
    does. Expected complaints in a gap = complaints made during gaps × the gap's share of all customer
    waiting time; the excess over that is the hotspot's weight."""
    out: list[Candidate] = []
    located = ctx.located_complaints
    if located is None or located.empty or ctx.gaps is None:
        return out
    occ = ctx.gaps.occurrences
    in_gap = located.loc[~located["to_activity"].isin(["(journey ended)"]) & ~located["from_activity"].isin(["(before the first touchpoint)"])]
    if in_gap.empty or occ.empty:
        return out
    time_share = occ.groupby([occ["from_activity"].astype(str), occ["to_activity"].astype(str)])["gap_seconds"].sum()
    time_share = time_share / time_share.sum() if time_share.sum() > 0 else time_share
    total = len(in_gap)
    for (a, b), group in in_gap.groupby(["from_activity", "to_activity"], sort=True):
        share = float(time_share.get((str(a), str(b)), 0.0))
        expected = share * total
        excess = len(group) - expected
        if excess <= 0:
            continue
        cases = group["case"].to_numpy()
        affected = np.bincount(cases, minlength=ctx.n_cases) > 0
        complained_at = _first_per_case(cases, pd.to_datetime(group["timestamp"], utc=True).dt.as_unit("ns").astype("int64").to_numpy().astype(float), ctx.n_cases)
        tags = group["tag"].astype(str).value_counts().head(3)
        out.append(
            Candidate.from_case_arrays(
                "complaint_hotspot", "", affected, np.zeros(ctx.n_cases), "complaints",
                np.array([len(group)], dtype=float), np.array([len(group)], dtype=float), start_per_case=complained_at, from_activity=str(a), to_activity=str(b),
                details={"complaints": int(len(group)), "complaints_expected_from_time_share": round(expected, 3), "tags": {str(k): int(v) for k, v in tags.items()}},
                complaint_cases=excess,
                # More complaints here than the gap's share of waiting time predicts, or chance?
                p_value=binomial_greater(len(group), total, share),
            )
        )
    return out


def repeat_contacts(ctx: Journey, within_days: float = 30.0) -> list[Candidate]:
    """`repeat_contact`: a customer comes back with a new case within `within_days` of their previous one."""
    events = ctx.events
    customer = ctx.customer
    if not customer or customer not in events.columns or ctx.contact_process is False:
        return []  # in a journey, a second order is no repeat contact: only contact processes have them
    grouped = events.groupby(schema.CASE, observed=True, sort=True)
    table = pd.DataFrame({"customer": grouped[customer].first().astype(object), "start": grouped[schema.TIMESTAMP].min(), "end": grouped[schema.TIMESTAMP].max()})
    table["case"] = np.arange(len(table))
    table = table.dropna(subset=["customer"]).sort_values(["customer", "start"], kind="stable")
    # The latest end among the customer's earlier cases: a new case that starts before it is a repeat
    # contact while an earlier one is still open (0 days since).
    ends = table["end"].dt.as_unit("ns").astype("int64").groupby(table["customer"]).cummax()
    previous_end = pd.to_datetime(ends.groupby(table["customer"]).shift(1), utc=True, unit="ns")
    returns = pd.DataFrame({
        "case": table["case"].to_numpy(), "customer": pd.factorize(table["customer"])[0], "seconds_since": (table["start"] - previous_end).dt.total_seconds().to_numpy(),
        "start_ns": table["start"].dt.as_unit("ns").astype("int64").to_numpy().astype(float),
    })  # fmt: skip
    return repeat_contacts_from(returns.loc[returns["seconds_since"].notna()], int(table["customer"].nunique()), ctx, within_days)


def repeat_contacts_from(returns: pd.DataFrame, customers: int, ctx, within_days: float = 30.0) -> list[Candidate]:
    """`repeat_contact` candidates on any engine: `returns` holds one row per case that has an earlier case of
    the same customer (case, customer — any code —, seconds_since: from the latest end among the customer's
    earlier cases to this case's start, negative while one is open —, start_ns); `customers` how many
    customers have cases."""
    raw_days = returns["seconds_since"].to_numpy(dtype=float) / 86400
    repeat = raw_days <= within_days
    if not repeat.any():
        return []
    cases = returns["case"].to_numpy(dtype=np.int64)[repeat]
    affected = np.bincount(cases, minlength=ctx.n_cases) > 0
    values = np.clip(raw_days[repeat], 0, None) * 86400
    with_repeat = int(np.unique(returns["customer"].to_numpy()[repeat]).size)
    start_ns = returns["start_ns"].to_numpy(dtype=float)[repeat]
    return [
        Candidate.from_case_arrays(
            "repeat_contact", "", affected, np.zeros(ctx.n_cases),
            "time since previous case", values, values, threshold_seconds=within_days * 86400,
            start_per_case=_first_per_case(cases, start_ns, ctx.n_cases),
            details={
                "within_days": within_days,
                "while_previous_open": int((raw_days[repeat] < 0).sum()),
                "customers": int(customers),
                "customers_with_repeat": with_repeat,
                "first_contact_resolution_rate": round(1 - with_repeat / customers, 6) if customers else None,
            },
        )
    ]
