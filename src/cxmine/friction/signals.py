"""One function per friction signal. Each returns Candidates: a set of affected cases (boolean per case
code), the customer-visible excess time per case, and the measured values behind it.

Everything is a sort, a shift within the case, or a group-by; the only loops run over activities,
activity pairs or promises (tens to hundreds), never over events or cases.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cxmine.core import schema
from cxmine.core.timings import Gaps, seconds

MIN_OCCURRENCES = 5
MIN_THRESHOLD_SECONDS = 60.0


@dataclass
class Candidate:
    kind: str
    label: str
    affected: np.ndarray
    excess_seconds: np.ndarray
    measure: str
    values: np.ndarray
    affected_values: np.ndarray
    threshold_seconds: float | None = None
    activity: str | None = None
    from_activity: str | None = None
    to_activity: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    complaint_cases: float | None = None  # complaint_hotspot: complaints above the gap's share of customer time
    p_value: float | None = None  # complaint_hotspot: binomial test of that excess

    @property
    def location(self) -> tuple[str | None, str | None, str | None]:
        return (self.activity, self.from_activity, self.to_activity)


@dataclass
class Context:
    """What every signal needs, computed once."""

    events: pd.DataFrame
    n_cases: int
    case: np.ndarray  # case code per event
    first: np.ndarray  # first event of its case
    begin: pd.Series  # start time where known, else completion
    window_start: np.ndarray  # per case: first touchpoint (datetime64 UTC, as int64 ns) or NaT
    window_end: np.ndarray
    touchpoint: np.ndarray
    chasing: np.ndarray
    wait_factor: float
    team: str | None = None
    contact_seconds: float = 600.0  # customer effort of one chasing contact
    time_ns: np.ndarray | None = None  # completion time per event, ns since epoch (float; NaN = missing)
    begin_ns: np.ndarray | None = None  # start where known, else completion

    def __post_init__(self) -> None:
        # Converted once: every signal then does plain float arithmetic on row indices.
        if self.time_ns is None:
            times = self.events[schema.TIMESTAMP] if schema.TIMESTAMP in self.events.columns else pd.Series(dtype="datetime64[ns, UTC]")
            self.time_ns = epoch_ns(times)
        if self.begin_ns is None:
            self.begin_ns = epoch_ns(self.begin)


def _per_case(case: np.ndarray, weights: np.ndarray, n_cases: int) -> np.ndarray:
    return np.bincount(case, weights=np.nan_to_num(weights), minlength=n_cases)


def _overlap_seconds(ctx: Context, case: np.ndarray, start_ns: np.ndarray, end_ns: np.ndarray) -> np.ndarray:
    """Seconds of [start, end] (ns since epoch) inside the customer's window [first touchpoint, last
    touchpoint] of its case."""
    lo = np.maximum(start_ns, ctx.window_start[case])
    hi = np.minimum(end_ns, ctx.window_end[case])
    out = (hi - lo) / 1e9
    out[np.isnan(out)] = 0.0
    return np.clip(out, 0.0, None)


def epoch_ns(values) -> np.ndarray:
    """Timestamps as float nanoseconds since the epoch (NaN where missing), whatever their unit."""
    values = pd.Series(values) if not isinstance(values, pd.Series) else values
    values = pd.to_datetime(values, utc=True)
    out = values.dt.as_unit("ns").astype("int64").to_numpy().astype(float)  # nanoseconds, whatever the unit
    out[values.isna().to_numpy()] = np.nan
    return out


def customer_waits(ctx: Context, gaps: Gaps, customer_initiated: frozenset[str] = frozenset()) -> list[Candidate]:
    """`wait`: a customer-visible gap (touchpoint → next touchpoint) longer than wait_factor × its median.
    A gap that the customer ends themselves (the next touchpoint is customer-initiated, e.g. a refund
    request days after delivery) is the company waiting for the customer, not the reverse: skipped."""
    occ = gaps.occurrences
    out: list[Candidate] = []
    if occ.empty:
        return out
    categories = occ["from_activity"].cat.categories
    width = np.int64(len(categories) + 1)
    key = occ["from_activity"].cat.codes.to_numpy().astype(np.int64) * width + occ["to_activity"].cat.codes.to_numpy()
    keys, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    values = occ["gap_seconds"].to_numpy()
    medians = pd.Series(values).groupby(inverse).median().to_numpy()
    thresholds = np.maximum(ctx.wait_factor * medians, MIN_THRESHOLD_SECONDS)
    hit = (values > thresholds[inverse]) & (counts[inverse] >= MIN_OCCURRENCES)
    skip = np.array([str(categories[k % width]) in customer_initiated for k in keys], dtype=bool)
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
            Candidate(
                "wait", f"customer wait '{a}' → '{b}'", np.bincount(case, minlength=ctx.n_cases) > 0,
                _per_case(case, values[rows_hit] - thresholds[g], ctx.n_cases), "customer wait", values[rows], values[rows_hit],
                float(thresholds[g]), from_activity=a, to_activity=b, details=details,
            )
        )
    return out


def internal_waits(ctx: Context) -> list[Candidate]:
    """`wait` on a directly-follows transition with an internal side whose long wait falls inside the
    customer's window: the hidden step behind a long gap. Its time belongs to that gap (counted there);
    it scores on the complaints it drives, and reports the customer-hours it accounts for."""
    events = ctx.events
    valid = ~ctx.first & ~(ctx.touchpoint & np.roll(ctx.touchpoint, 1))
    rows = np.flatnonzero(valid)
    if rows.size == 0:
        return []
    wait = (ctx.begin_ns[rows] - ctx.time_ns[rows - 1]) / 1e9
    visible = _overlap_seconds(ctx, ctx.case[rows], ctx.time_ns[rows - 1], ctx.begin_ns[rows])
    frame = pd.DataFrame(
        {
            "from": events[schema.ACTIVITY].shift(1).iloc[rows].astype(str).to_numpy(),
            "to": events[schema.ACTIVITY].iloc[rows].astype(str).to_numpy(),
            "case": ctx.case[rows],
            "wait": wait,
            "visible": visible,
        }
    )
    out: list[Candidate] = []
    for (a, b), group in frame.groupby(["from", "to"], sort=True):
        if len(group) < MIN_OCCURRENCES:
            continue
        values = group["wait"].to_numpy()
        median = float(np.nanmedian(values))
        threshold = max(ctx.wait_factor * median, MIN_THRESHOLD_SECONDS)
        hit = (values > threshold) & (group["visible"].to_numpy() > 0)
        if not hit.any():
            continue
        case = group["case"].to_numpy()
        excess = np.minimum(values[hit] - threshold, group["visible"].to_numpy()[hit])
        out.append(
            Candidate(
                "wait", f"hidden wait '{a}' → '{b}' (behind the scenes)",
                # Its customer time is already counted by the customer-visible gap around it, so it adds
                # none here: a hidden wait ranks only on the complaints it drives.
                np.bincount(case[hit], minlength=ctx.n_cases) > 0, np.zeros(ctx.n_cases),
                "waiting time", values, values[hit], threshold, from_activity=a, to_activity=b,
                details={
                    "customer_visible": False,
                    "hidden_from_customer_share": round(float(1 - (group["visible"] > 0).mean()), 4),
                    "customer_hours_inside_gaps": round(float(excess.sum()) / 3600, 3),
                },
            )
        )
    return out


def slow_steps(ctx: Context) -> list[Candidate]:
    """`slow_step`: service time (start → complete) over wait_factor × the activity's median."""
    events = ctx.events
    if schema.START not in events.columns or events[schema.START].isna().all():
        return []
    service = seconds(events[schema.TIMESTAMP] - events[schema.START])
    known = ~np.isnan(service)
    out: list[Candidate] = []
    activity = events[schema.ACTIVITY].cat.codes.to_numpy()
    categories = events[schema.ACTIVITY].cat.categories
    order = np.argsort(activity, kind="stable")
    order = order[known[order]]
    splits = np.flatnonzero(np.diff(activity[order])) + 1
    for rows in np.split(order, splits):
        if rows.size < MIN_OCCURRENCES:
            continue
        values = service[rows]
        median = float(np.median(values))
        threshold = max(ctx.wait_factor * median, MIN_THRESHOLD_SECONDS)
        hit = values > threshold
        if not hit.any():
            continue
        hit_rows = rows[hit]
        visible = _overlap_seconds(ctx, ctx.case[hit_rows], ctx.begin_ns[hit_rows], ctx.time_ns[hit_rows])
        excess = np.minimum(values[hit] - threshold, visible)
        out.append(
            Candidate(
                "slow_step", f"slow step '{categories[activity[rows[0]]]}'", np.bincount(ctx.case[hit_rows], minlength=ctx.n_cases) > 0,
                _per_case(ctx.case[hit_rows], excess, ctx.n_cases), "service time", values, values[hit], threshold,
                activity=str(categories[activity[rows[0]]]),
            )
        )
    return out


def rework(ctx: Context) -> list[Candidate]:
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
    again = (occurrence > 0) & ~ctx.chasing
    if not again.any():
        return []
    has_resource = schema.RESOURCE in events.columns
    if has_resource:
        resource = events[schema.RESOURCE].cat.codes.to_numpy()
        previous_row = np.empty(n, dtype=np.int64)
        previous_row[order] = np.where(starts, order, np.roll(order, 1))  # previous occurrence of the same activity
        same_resource = (resource >= 0) & (resource == resource[previous_row])
    out: list[Candidate] = []
    categories = events[schema.ACTIVITY].cat.categories
    for code in np.unique(codes[again]):
        rows = np.flatnonzero(again & (codes == code))
        cases = ctx.case[rows]
        affected = np.bincount(cases, minlength=ctx.n_cases) > 0
        first_ns = ctx.time_ns[first_row[rows]]
        loop = (ctx.time_ns[rows] - first_ns) / 1e9
        visible = _overlap_seconds(ctx, cases, first_ns, ctx.time_ns[rows])
        # Per case, the loop time is first occurrence → last repetition: take the max, not the sum.
        excess = np.zeros(ctx.n_cases)
        np.maximum.at(excess, cases, np.minimum(loop, visible))
        details = {"repetitions": int(rows.size), "cases": int(affected.sum())}
        if has_resource:
            details["repeat_same_resource"] = int(same_resource[rows].sum())
            details["redo_other_resource"] = int(rows.size - same_resource[rows].sum())
        name = str(categories[code])
        out.append(
            Candidate("rework", f"rework: '{name}' done again", affected, excess, "rework loop time", loop, loop, None, activity=name, details=details)
        )
    return out


def ping_pong(ctx: Context, top_pairs: int = 10) -> list[Candidate]:
    """`ping_pong`: X → Y → X between activities (direct) or X → Y → Z → X (indirect), and between
    resources or teams (direct handover loops)."""
    events = ctx.events
    out: list[Candidate] = []
    columns = [(schema.ACTIVITY, "activities")]
    if ctx.team and ctx.team in events.columns:
        columns.append((ctx.team, "teams"))
    elif schema.RESOURCE in events.columns:
        columns.append((schema.RESOURCE, "resources"))
    same_case_1 = ~ctx.first
    same_case_2 = same_case_1 & np.roll(same_case_1, 1)
    same_case_3 = same_case_2 & np.roll(same_case_1, 2)
    for column, what in columns:
        labels = events[column] if isinstance(events[column].dtype, pd.CategoricalDtype) else events[column].astype("category")
        names = labels.cat.categories
        values = labels.cat.codes.to_numpy().astype(np.int64)  # -1 = missing
        prev1, prev2, prev3 = np.roll(values, 1), np.roll(values, 2), np.roll(values, 3)
        direct = same_case_2 & (values >= 0) & (prev1 >= 0) & (values == prev2) & (values != prev1)
        patterns = [("direct", direct, 2)]
        if column == schema.ACTIVITY:
            indirect = same_case_3 & (values >= 0) & (values == prev3) & (values != prev1) & (values != prev2) & ~direct
            patterns.append(("indirect", indirect, 3))
        width = np.int64(len(names) + 1)
        for style, mask, back in patterns:
            rows = np.flatnonzero(mask)
            if rows.size == 0:
                continue
            # X→Y→X and Y→X→Y are the same loop: key on the unordered pair.
            low = np.minimum(values[rows], prev1[rows])
            high = np.maximum(values[rows], prev1[rows])
            pair = low * width + high
            pair_cases = pd.DataFrame({"pair": pair, "case": ctx.case[rows]}).drop_duplicates()
            top = pair_cases["pair"].value_counts(sort=False)
            top = sorted(top.items(), key=lambda kv: (-kv[1], kv[0]))[:top_pairs]
            for key, _n in top:
                r = rows[pair == key]
                x, y = str(names[key // width]), str(names[key % width])
                loop = (ctx.time_ns[r] - ctx.time_ns[r - back]) / 1e9
                visible = _overlap_seconds(ctx, ctx.case[r], ctx.time_ns[r - back], ctx.time_ns[r])
                cases = ctx.case[r]
                label = f"ping-pong between {what} '{x}' ⇄ '{y}'" + (" (indirect)" if style == "indirect" else "")
                out.append(
                    Candidate(
                        "ping_pong", label, np.bincount(cases, minlength=ctx.n_cases) > 0,
                        _per_case(cases, np.minimum(loop, visible), ctx.n_cases), "loop time", loop, loop, None,
                        activity=x if column == schema.ACTIVITY else None,
                        from_activity=None, to_activity=None,
                        details={"between": what, "style": style, "x": x, "y": y, "loops": int(r.size)},
                    )
                )
    return out


def chasing(ctx: Context) -> list[Candidate]:
    """`chasing`: the customer contacts us again while waiting (configured chasing touchpoints, or a
    customer-initiated touchpoint repeated in a case)."""
    events = ctx.events
    if not ctx.chasing.any():
        return []
    out: list[Candidate] = []
    activity = events[schema.ACTIVITY].astype(str).to_numpy()
    for name in np.unique(activity[ctx.chasing]):
        rows = np.flatnonzero(ctx.chasing & (activity == name))
        cases = ctx.case[rows]
        contacts = np.bincount(cases, minlength=ctx.n_cases)
        affected = contacts > 0
        out.append(
            Candidate(
                "chasing", f"customers chasing: '{name}'", affected, contacts * ctx.contact_seconds, "contacts per case",
                contacts[affected].astype(float), contacts[affected].astype(float), None, activity=str(name),
                details={"contacts": int(rows.size), "contacts_per_affected_case": round(float(contacts[affected].mean()), 3)},
            )
        )
    return out


def broken_promises(ctx: Context, outcomes: pd.DataFrame, promises) -> list[Candidate]:
    """`broken_promise`: the customer was promised B within a time after A, and it took longer (or is still open)."""
    out: list[Candidate] = []
    for index, promise in enumerate(promises):
        rows = outcomes.loc[outcomes["promise"] == index]
        if rows.empty:
            continue
        broken = ~rows["kept"].to_numpy(dtype=bool)
        cases = rows["case"].to_numpy()
        values = rows["elapsed_seconds"].to_numpy()
        affected = np.bincount(cases[broken], minlength=ctx.n_cases) > 0
        excess = _per_case(cases[broken], rows["excess_seconds"].to_numpy()[broken], ctx.n_cases)
        out.append(
            Candidate(
                "broken_promise", f"broken promise: {promise.name}", affected, excess, "time to keep the promise",
                values, values[broken], promise.within_seconds, from_activity=promise.from_activity, to_activity=promise.to_activity,
                details={
                    "promised_seconds": promise.within_seconds,
                    "cases_with_promise": int(len(rows)),
                    "breach_rate": round(float(broken.mean()), 6),
                    "still_open_past_deadline": int((rows["open"].to_numpy(dtype=bool) & broken).sum()),
                },
            )
        )
    return out


def complaint_hotspots(ctx: Context, located: pd.DataFrame, gaps: Gaps) -> list[Candidate]:
    """`complaint_hotspot`: a customer-visible gap where complaints concentrate more than customer time
    does. Expected complaints in a gap = complaints made during gaps × the gap's share of all customer
    waiting time; the excess over that is the hotspot's weight."""
    from scipy.stats import binomtest  # noqa: PLC0415

    out: list[Candidate] = []
    occ = gaps.occurrences
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
        tags = group["tag"].astype(str).value_counts().head(3)
        out.append(
            Candidate(
                "complaint_hotspot", f"complaints while between '{a}' and '{b}'", affected, np.zeros(ctx.n_cases), "complaints",
                np.array([len(group)], dtype=float), np.array([len(group)], dtype=float), None, from_activity=str(a), to_activity=str(b),
                details={"complaints": int(len(group)), "complaints_expected_from_time_share": round(expected, 3), "tags": {str(k): int(v) for k, v in tags.items()}},
                complaint_cases=excess,
                # More complaints here than the gap's share of waiting time predicts, or chance?
                p_value=float(binomtest(len(group), total, min(max(share, 1e-12), 1.0), alternative="greater").pvalue),
            )
        )
    return out


def repeat_contacts(ctx: Context, customer: str, within_days: float = 30.0) -> list[Candidate]:
    """`repeat_contact`: a customer comes back with a new case within `within_days` of their previous one."""
    events = ctx.events
    if customer not in events.columns:
        return []
    grouped = events.groupby(schema.CASE, observed=True, sort=True)
    table = pd.DataFrame({"customer": grouped[customer].first().astype(object), "start": grouped[schema.TIMESTAMP].min(), "end": grouped[schema.TIMESTAMP].max()})
    table["case"] = np.arange(len(table))
    table = table.dropna(subset=["customer"]).sort_values(["customer", "start"], kind="stable")
    previous_end = table.groupby("customer")["end"].shift(1)
    gap_days = (table["start"] - previous_end).dt.total_seconds() / 86400
    repeat = (gap_days <= within_days).fillna(False).to_numpy()
    if not repeat.any():
        return []
    cases = table["case"].to_numpy()[repeat]
    affected = np.bincount(cases, minlength=ctx.n_cases) > 0
    values = gap_days.to_numpy()[repeat] * 86400
    customers = table["customer"].nunique()
    return [
        Candidate(
            "repeat_contact", f"customers back with a new case within {within_days:g} days", affected, np.zeros(ctx.n_cases),
            "time since previous case", values, values, within_days * 86400,
            details={
                "customers": int(customers),
                "customers_with_repeat": int(table.loc[repeat, "customer"].nunique()),
                "first_contact_resolution_rate": round(1 - table.loc[repeat, "customer"].nunique() / customers, 6) if customers else None,
            },
        )
    ]
