"""Customer-perceived timings, vectorised on the sorted canonical table (sort, shift within case, group-by).

Glossary (docs/glossary.md uses exactly these words):
- service time: a step's start → its completion (needs start timestamps).
- waiting time: the previous step's completion → this step's start.
- sojourn time: the previous step's completion → this step's completion (waiting + service). On a
  complete-only log this is the only "wait" that can be measured, and outputs say so (`wait_basis`).
- lead time: a case's first event → its last event.
- customer wait: the time between two consecutive touchpoints of a case, as the customer lives it; what
  happened in between (internal steps, handovers, rework) is "behind the scenes".
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxmine.core import schema
from cxmine.core.journey import case_starts

QUANTILES = (0.5, 0.9, 0.95)


def seconds(delta: pd.Series) -> np.ndarray:
    return delta.dt.total_seconds().to_numpy(dtype=float, copy=True)


def event_intervals(events: pd.DataFrame) -> pd.DataFrame:
    """One row per event: its case code, previous event in the case, and service / waiting / sojourn seconds."""
    first = case_starts(events)
    times = events[schema.TIMESTAMP]
    previous_time = times.shift(1).where(~first)
    previous_activity = events[schema.ACTIVITY].shift(1).where(~first)
    has_start = schema.START in events.columns
    start = events[schema.START] if has_start else pd.Series(pd.NaT, index=events.index, dtype=times.dtype)
    # A step "begins" at its start when known, else at its completion (zero service time).
    begin = start.where(start.notna(), times)
    frame = pd.DataFrame(
        {
            "case": events[schema.CASE].cat.codes.to_numpy(),
            "activity": events[schema.ACTIVITY],
            "previous_activity": pd.Categorical(previous_activity.astype(object), categories=events[schema.ACTIVITY].cat.categories),
            "timestamp": times,
            "begin": begin,
            "previous_timestamp": previous_time,
            "service_seconds": seconds(times - start) if has_start else np.full(len(events), np.nan),
            "waiting_seconds": np.where(start.notna().to_numpy(), seconds(begin - previous_time), np.nan),
            "sojourn_seconds": seconds(times - previous_time),
        }
    )
    if schema.RESOURCE in events.columns:
        frame["resource"] = events[schema.RESOURCE]
        frame["previous_resource"] = events[schema.RESOURCE].shift(1).where(~first)
    return frame


def wait_basis(events: pd.DataFrame) -> str:
    """'waiting' when start timestamps exist (previous complete → start), else 'sojourn' (complete → complete)."""
    return "waiting" if schema.START in events.columns and events[schema.START].notna().any() else "sojourn"


def describe(grouped_values: pd.core.groupby.SeriesGroupBy, prefix: str) -> pd.DataFrame:
    """count, mean, p50, p90, p95, max per group (seconds), vectorised."""
    stats = grouped_values.agg(["count", "mean", "max"])
    quantiles = grouped_values.quantile(list(QUANTILES)).unstack()
    quantiles.columns = [f"p{int(round(q * 100))}" for q in quantiles.columns]
    out = pd.concat([stats[["count", "mean"]], quantiles, stats[["max"]]], axis=1)
    out.columns = ["count"] + [f"{prefix}_{c}_seconds" for c in out.columns[1:]]
    return out


def step_timings(intervals: pd.DataFrame, basis: str) -> pd.DataFrame:
    """Per activity: events, service time (if known) and the wait before it (waiting or sojourn)."""
    grouped = intervals.groupby("activity", observed=True, sort=True)
    wait_column = "waiting_seconds" if basis == "waiting" else "sojourn_seconds"
    table = describe(grouped[wait_column], "wait").rename(columns={"count": "waits"})
    table.insert(0, "events", grouped.size())
    if intervals["service_seconds"].notna().any():
        service = describe(grouped["service_seconds"], "service").rename(columns={"count": "services"})
        table = table.join(service)
    return table.reset_index()


def transition_timings(intervals: pd.DataFrame, basis: str) -> pd.DataFrame:
    """Per directly-follows pair A→B: count and the time from A's completion to B's start (or completion)."""
    wait_column = "waiting_seconds" if basis == "waiting" else "sojourn_seconds"
    pairs = intervals.loc[intervals["previous_activity"].notna()]
    values = pairs[wait_column].where(pairs[wait_column].notna(), pairs["sojourn_seconds"])
    grouped = values.groupby([pairs["previous_activity"], pairs["activity"]], observed=True, sort=True)
    table = describe(grouped, "wait").reset_index()
    return table.rename(columns={"previous_activity": "from_activity", "activity": "to_activity"})


@dataclass(frozen=True)
class Gaps:
    """Customer-visible gaps: one row per pair of consecutive touchpoints in a case."""

    occurrences: pd.DataFrame  # case, from_activity, to_activity, start, end, gap_seconds, internal_steps, handovers, rework_steps, slowest_*
    window: pd.DataFrame  # per case code: first_touchpoint, last_touchpoint (the customer's window)


def customer_gaps(events: pd.DataFrame, touchpoint: np.ndarray, chasing: np.ndarray | None = None) -> Gaps:
    """Gaps between consecutive touchpoints and what happened behind the scenes in between.

    Every event gets a segment number: the number of touchpoints seen so far in its case. Events of
    segment k that are not touchpoints happened between touchpoint k and k+1. Chasing contacts (the
    customer asking where things are) do not end a wait: they are counted inside the gap instead.
    """
    chasing = np.zeros(len(events), dtype=bool) if chasing is None else chasing
    touchpoint = touchpoint & ~chasing
    case = events[schema.CASE].cat.codes.to_numpy()
    first = case_starts(events)
    tp = touchpoint.astype(np.int64)
    cumulative = np.cumsum(tp)
    case_offset = np.maximum.accumulate(np.where(first, cumulative - tp, 0))
    segment = cumulative - case_offset  # 1 at/after the first touchpoint, 0 before it
    times = events[schema.TIMESTAMP]
    begin = events[schema.START].where(events[schema.START].notna(), times) if schema.START in events.columns else times

    tp_rows = np.flatnonzero(touchpoint)
    tp_case = case[tp_rows]
    same_case_next = np.zeros(len(tp_rows), dtype=bool)
    same_case_next[:-1] = tp_case[1:] == tp_case[:-1]
    from_rows = tp_rows[same_case_next]
    to_rows = tp_rows[1:][same_case_next[:-1]] if len(tp_rows) > 1 else np.array([], dtype=int)
    activity = events[schema.ACTIVITY]
    categories = activity.cat.categories
    codes = activity.cat.codes.to_numpy()

    def names(rows_codes: np.ndarray) -> pd.Categorical:
        return pd.Categorical.from_codes(rows_codes, categories)

    occurrences = pd.DataFrame(
        {
            "case": case[from_rows],
            "segment": segment[from_rows],
            "from_activity": names(codes[from_rows]),
            "to_activity": names(codes[to_rows]),
            # .iloc keeps the tz-aware dtype; .to_numpy() would box every value as a Timestamp.
            "start": times.iloc[from_rows].reset_index(drop=True),
            "end": begin.iloc[to_rows].reset_index(drop=True),
        }
    )
    occurrences["gap_seconds"] = seconds(occurrences["end"] - occurrences["start"]).clip(min=0)
    n_gaps = len(from_rows)

    # Behind the scenes: each event inside a gap gets the index of its gap (the occurrence that its
    # case's latest touchpoint opened), then counts are bincounts over that index.
    index = np.arange(len(events))
    opener = np.maximum.accumulate(np.where(touchpoint, index, -1))
    gap_of_row = np.full(len(events) + 1, -1, dtype=np.int64)
    gap_of_row[from_rows] = np.arange(n_gaps)
    gap = np.where(segment > 0, gap_of_row[opener], -1)
    internal = ~touchpoint & ~chasing & (segment > 0)
    member = (internal | (chasing & (segment > 0))) & (gap >= 0) & ~first
    step_seconds = seconds(times - times.shift(1)).copy()
    step_seconds[first] = np.nan
    previous_code = np.roll(codes, 1)
    if schema.RESOURCE in events.columns:
        resource = events[schema.RESOURCE].cat.codes.to_numpy()
        previous_resource = np.roll(resource, 1)
        handover = ~first & (resource >= 0) & (previous_resource >= 0) & (resource != previous_resource)
    else:
        handover = np.zeros(len(events), dtype=bool)
    repeat = pd.DataFrame({"case": case, "code": codes}).duplicated().to_numpy()  # activity seen before in the case
    g = gap[member]
    occurrences["internal_steps"] = np.bincount(g, weights=internal[member], minlength=n_gaps).astype(int)
    occurrences["handovers"] = np.bincount(g, weights=handover[member], minlength=n_gaps).astype(int)
    # The closing touchpoint's arrival (a handover into it, too) belongs to the gap it closes.
    occurrences["handovers"] += handover[to_rows].astype(int)
    occurrences["rework_steps"] = np.bincount(g, weights=(repeat & internal)[member], minlength=n_gaps).astype(int)
    occurrences["chasing_contacts"] = np.bincount(g, weights=chasing[member], minlength=n_gaps).astype(int)

    # The slowest step of each gap, the closing touchpoint's arrival included: sort by (gap, seconds).
    rows = np.concatenate([np.flatnonzero(member), to_rows])
    owner = np.concatenate([g, np.arange(n_gaps)])
    duration = np.nan_to_num(step_seconds[rows], nan=-1.0)
    order = np.lexsort((duration, owner))
    last = np.ones(len(order), dtype=bool)
    last[:-1] = owner[order][1:] != owner[order][:-1]
    best = rows[order][last]
    best_owner = owner[order][last]
    slow_from = np.full(n_gaps, -1, dtype=np.int64)
    slow_to = np.full(n_gaps, -1, dtype=np.int64)
    slow_seconds = np.full(n_gaps, np.nan)
    slow_from[best_owner] = previous_code[best]
    slow_to[best_owner] = codes[best]
    slow_seconds[best_owner] = step_seconds[best]
    occurrences["slowest_from"] = names(slow_from)
    occurrences["slowest_to"] = names(slow_to)
    occurrences["slowest_seconds"] = slow_seconds

    tp_times = pd.DataFrame({"case": tp_case, "time": times.iloc[tp_rows].reset_index(drop=True)})
    window = tp_times.groupby("case").agg(first_touchpoint=("time", "min"), last_touchpoint=("time", "max"))
    return Gaps(occurrences, window)


def gap_summary(gaps: Gaps, promises=()) -> pd.DataFrame:
    """Per (from, to) customer-visible gap: count, distribution, what typically happens behind the scenes."""
    occ = gaps.occurrences
    if occ.empty:
        return pd.DataFrame(columns=["from_activity", "to_activity", "count"])
    grouped = occ.groupby(["from_activity", "to_activity"], observed=True, sort=True)
    table = describe(grouped["gap_seconds"], "customer_wait")
    table["internal_steps_mean"] = grouped["internal_steps"].mean()
    table["handovers_mean"] = grouped["handovers"].mean()
    keys = [occ["from_activity"], occ["to_activity"]]
    table["chasing_share"] = (occ["chasing_contacts"] > 0).groupby(keys, observed=True).mean()
    table["rework_share"] = (occ["rework_steps"] > 0).groupby(keys, observed=True).mean()
    slowest = occ.dropna(subset=["slowest_from"])
    if not slowest.empty:
        top = (
            slowest.groupby(["from_activity", "to_activity", "slowest_from", "slowest_to"], observed=True)["slowest_seconds"]
            .sum()
            .reset_index()
            .sort_values("slowest_seconds", ascending=False, kind="stable")
            .drop_duplicates(["from_activity", "to_activity"])
        )
        top["behind_the_scenes"] = top["slowest_from"].astype(str) + " → " + top["slowest_to"].astype(str)
        # Nothing to tell when the slowest step is the gap itself (no internal step in between).
        itself = (top["slowest_from"].astype(str) == top["from_activity"].astype(str)) & (top["slowest_to"].astype(str) == top["to_activity"].astype(str))
        top["behind_the_scenes"] = top["behind_the_scenes"].where(~itself, "")
        table = table.join(top.set_index(["from_activity", "to_activity"])["behind_the_scenes"])
    table = table.reset_index()
    for promise in promises:
        hit = (table["from_activity"] == promise.from_activity) & (table["to_activity"] == promise.to_activity)
        if hit.any():
            values = occ.loc[(occ["from_activity"] == promise.from_activity) & (occ["to_activity"] == promise.to_activity), "gap_seconds"]
            table.loc[hit, "promise_breach_rate"] = float((values > promise.within_seconds).mean())
    return table


def promise_outcomes(events: pd.DataFrame, promises, log_end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Per promise and case where its `from` activity happened: elapsed seconds from the first `from` to the
    first `to` after it; `kept` False when late, or when still open past the deadline at the log's end."""
    log_end = log_end if log_end is not None else events[schema.TIMESTAMP].max()
    rows = []
    case = events[schema.CASE].cat.codes
    for index, promise in enumerate(promises):  # a handful of promises, each fully vectorised
        is_from = (events[schema.ACTIVITY] == promise.from_activity).to_numpy()
        is_to = (events[schema.ACTIVITY] == promise.to_activity).to_numpy()
        if not is_from.any():
            continue
        start = events.loc[is_from, schema.TIMESTAMP].groupby(case[is_from]).min()
        to_events = pd.DataFrame({"case": case[is_to].to_numpy(), "t": events.loc[is_to, schema.TIMESTAMP].reset_index(drop=True)})
        to_events = to_events.merge(start.rename("s").reset_index().rename(columns={"index": "case", schema.CASE: "case"}), on="case")
        to_events["t"] = pd.to_datetime(to_events["t"], utc=True)
        to_events = to_events.loc[to_events["t"] >= to_events["s"]]
        end = to_events.groupby("case")["t"].min()
        frame = pd.DataFrame({"start": start})
        frame.index.name = "case"
        frame["end"] = end
        frame["promise"] = index
        elapsed = seconds(frame["end"] - frame["start"])
        open_elapsed = seconds(log_end - frame["start"])
        frame["elapsed_seconds"] = np.where(np.isnan(elapsed), open_elapsed, elapsed)
        frame["open"] = np.isnan(elapsed)
        frame["kept"] = frame["elapsed_seconds"] <= promise.within_seconds
        frame["excess_seconds"] = np.clip(frame["elapsed_seconds"] - promise.within_seconds, 0, None)
        rows.append(frame.reset_index())
    if not rows:
        return pd.DataFrame(columns=["case", "start", "end", "promise", "elapsed_seconds", "open", "kept", "excess_seconds"])
    return pd.concat(rows, ignore_index=True)
