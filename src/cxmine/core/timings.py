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
    return delta.dt.total_seconds().to_numpy(dtype=float)


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
    occurrences = pd.DataFrame(
        {
            "case": case[from_rows],
            "segment": segment[from_rows],
            "from_activity": activity.to_numpy()[from_rows],
            "to_activity": activity.to_numpy()[to_rows],
            "start": times.to_numpy()[from_rows],
            "end": begin.to_numpy()[to_rows],
        }
    )
    occurrences["start"] = pd.to_datetime(occurrences["start"], utc=True)
    occurrences["end"] = pd.to_datetime(occurrences["end"], utc=True)
    occurrences["gap_seconds"] = seconds(occurrences["end"] - occurrences["start"]).clip(min=0)

    # Behind the scenes: internal events grouped by (case, segment).
    internal = ~touchpoint & ~chasing & (segment > 0)
    behind = pd.DataFrame({"case": case, "segment": segment})
    intervals_sojourn = seconds(times - times.shift(1)).copy()
    intervals_sojourn[first] = np.nan
    behind["step_seconds"] = intervals_sojourn
    behind["activity"] = activity.to_numpy()
    behind["previous_activity"] = activity.shift(1).to_numpy()
    behind["internal"] = internal
    if schema.RESOURCE in events.columns:
        resource = events[schema.RESOURCE].astype(object).to_numpy()
        previous_resource = np.roll(resource, 1)
        handover = (~first) & pd.notna(resource) & pd.notna(previous_resource) & (resource != previous_resource)
    else:
        handover = np.zeros(len(events), dtype=bool)
    behind["handover"] = handover & (segment > 0)
    codes = activity.cat.codes.to_numpy()
    repeat = pd.DataFrame({"case": case, "code": codes}).duplicated().to_numpy()  # activity seen before in the case
    behind["rework"] = repeat & internal & ~chasing
    behind["chasing"] = chasing
    # Internal steps inside a gap (the closing touchpoint's arrival is added below).
    in_gap = behind.loc[(internal | (chasing & (segment > 0))) & ~first]
    grouped = in_gap.groupby(["case", "segment"], sort=False)
    agg = pd.DataFrame(
        {
            "internal_steps": grouped["internal"].sum(),
            "handovers": grouped["handover"].sum(),
            "rework_steps": grouped["rework"].sum(),
            "chasing_contacts": grouped["chasing"].sum(),
        }
    )
    slow_idx = in_gap["step_seconds"].fillna(-1).groupby([in_gap["case"], in_gap["segment"]], sort=False).idxmax()
    slow = in_gap.loc[slow_idx.to_numpy(), ["case", "segment", "previous_activity", "activity", "step_seconds"]]
    slow = slow.rename(columns={"previous_activity": "slowest_from", "activity": "slowest_to", "step_seconds": "slowest_seconds"})
    # The gap's own closing touchpoint has segment+1; its arrival interval belongs to this gap too.
    closing = behind.loc[touchpoint & (segment > 1), ["case", "segment", "step_seconds", "previous_activity", "activity"]].copy()
    closing["segment"] -= 1
    occurrences = occurrences.merge(agg.reset_index(), on=["case", "segment"], how="left")
    occurrences = occurrences.merge(slow, on=["case", "segment"], how="left")
    occurrences = occurrences.merge(
        closing.rename(columns={"step_seconds": "closing_seconds", "previous_activity": "closing_from", "activity": "closing_to"}),
        on=["case", "segment"],
        how="left",
    )
    take_closing = occurrences["closing_seconds"].fillna(-1) > occurrences["slowest_seconds"].fillna(-1)
    for a, b in (("slowest_from", "closing_from"), ("slowest_to", "closing_to"), ("slowest_seconds", "closing_seconds")):
        occurrences[a] = occurrences[a].astype(object).where(~take_closing, occurrences[b].astype(object))
    occurrences = occurrences.drop(columns=["closing_seconds", "closing_from", "closing_to"])
    for column in ("internal_steps", "handovers", "rework_steps", "chasing_contacts"):
        occurrences[column] = occurrences[column].fillna(0).astype(int)
    occurrences["slowest_seconds"] = pd.to_numeric(occurrences["slowest_seconds"], errors="coerce")

    tp_times = pd.DataFrame({"case": tp_case, "time": times.to_numpy()[tp_rows]})
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
        to_events = pd.DataFrame({"case": case[is_to].to_numpy(), "t": events.loc[is_to, schema.TIMESTAMP].to_numpy()})
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
