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
from cxmine.core.journey import PER_SECOND, case_starts, seen_before, utc_datetime64
from cxmine.matching import matches

QUANTILES = (0.5, 0.9, 0.95)


def seconds(delta: pd.Series) -> np.ndarray:
    """Timedeltas as float seconds (NaN for NaT): the integer ticks divided by ticks per second, exactly as
    pandas' total_seconds computes them, without its per-call overhead (it is 25× slower on 10 M rows)."""
    values = delta.to_numpy()
    if values.dtype.kind != "m":
        return delta.dt.total_seconds().to_numpy(dtype=float, copy=True)
    return _tick_seconds(values)


def _tick_seconds(values: np.ndarray) -> np.ndarray:
    """numpy timedelta64 as float seconds (NaN for NaT)."""
    out = values.view(np.int64) / PER_SECOND[np.datetime_data(values.dtype)[0]]
    out[np.isnat(values)] = np.nan
    return out


def epoch_ns(values) -> np.ndarray:
    """Timestamps as float nanoseconds since the epoch (NaN where missing), whatever their unit."""
    values = pd.Series(values) if not isinstance(values, pd.Series) else values
    values = pd.to_datetime(values, utc=True)
    out = values.dt.as_unit("ns").astype("int64").to_numpy().astype(float)  # nanoseconds, whatever the unit
    out[values.isna().to_numpy()] = np.nan
    return out


def _step_seconds(times: pd.Series) -> np.ndarray:
    """Seconds since the previous row (NaN for the first row or a missing time), on the integer ticks."""
    values = utc_datetime64(times)
    out = np.full(values.size, np.nan)
    if values.size > 1:
        out[1:] = _tick_seconds(values[1:] - values[:-1])
    return out


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


def gap_keys(occurrences: pd.DataFrame) -> tuple[np.ndarray, np.int64]:
    """Per gap occurrence: its (from, to) pair as one integer, from * width + to on the category codes (both
    columns share the activity categories), and that width, to read a key back."""
    width = np.int64(len(occurrences["from_activity"].cat.categories) + 1)
    return occurrences["from_activity"].cat.codes.to_numpy().astype(np.int64) * width + occurrences["to_activity"].cat.codes.to_numpy(), width


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
    step_seconds = _step_seconds(times)
    step_seconds[first] = np.nan
    previous_code = np.roll(codes, 1)
    if schema.RESOURCE in events.columns:
        resource = events[schema.RESOURCE].cat.codes.to_numpy()
        previous_resource = np.roll(resource, 1)
        handover = ~first & (resource >= 0) & (previous_resource >= 0) & (resource != previous_resource)
    else:
        handover = np.zeros(len(events), dtype=bool)
    repeat = seen_before(case, codes)  # activity seen before in the case
    g = gap[member]
    occurrences["internal_steps"] = np.bincount(g, weights=internal[member], minlength=n_gaps).astype(int)
    occurrences["handovers"] = np.bincount(g, weights=handover[member], minlength=n_gaps).astype(int)
    # The closing touchpoint's arrival (a handover into it, too) belongs to the gap it closes.
    occurrences["handovers"] += handover[to_rows].astype(int)
    occurrences["rework_steps"] = np.bincount(g, weights=(repeat & internal)[member], minlength=n_gaps).astype(int)
    occurrences["chasing_contacts"] = np.bincount(g, weights=chasing[member], minlength=n_gaps).astype(int)

    # The slowest step of each gap, the closing touchpoint's arrival included (ties: the later step).
    best, best_owner = _slowest_steps(np.flatnonzero(member), g, to_rows, step_seconds, n_gaps)
    slow_from = np.full(n_gaps, -1, dtype=np.int64)
    slow_to = np.full(n_gaps, -1, dtype=np.int64)
    slow_seconds = np.full(n_gaps, np.nan)
    slow_from[best_owner] = previous_code[best]
    slow_to[best_owner] = codes[best]
    slow_seconds[best_owner] = step_seconds[best]
    occurrences["slowest_from"] = names(slow_from)
    occurrences["slowest_to"] = names(slow_to)
    occurrences["slowest_seconds"] = slow_seconds

    return Gaps(occurrences, _window(tp_case, times.iloc[tp_rows].reset_index(drop=True)))


def _slowest_steps(member_rows: np.ndarray, gap: np.ndarray, to_rows: np.ndarray, step_seconds: np.ndarray, n_gaps: int) -> tuple[np.ndarray, np.ndarray]:
    """Per gap, the row of its slowest step among its member rows and its closing row (the latest of equal
    ones), and the gaps that have one. Members come in row order, so their gap numbers never fall: each gap's
    rows are laid out in place (members, then the closing row) and reduceat finds the maximum — no sort.
    A gap numbering out of order (a hand-built table) takes the sort instead."""
    if n_gaps == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    if gap.size and not bool((np.diff(gap) >= 0).all()):
        rows = np.concatenate([member_rows, to_rows])
        owner = np.concatenate([gap, np.arange(n_gaps)])
        order = np.lexsort((np.nan_to_num(step_seconds[rows], nan=-1.0), owner))
        last = np.ones(len(order), dtype=bool)
        last[:-1] = owner[order][1:] != owner[order][:-1]
        return rows[order][last], owner[order][last]
    members = np.bincount(gap, minlength=n_gaps)
    size = members + 1
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    first_member = np.concatenate([[0], np.cumsum(members)[:-1]])
    laid = np.empty(int(size.sum()), dtype=np.int64)
    laid[start[gap] + np.arange(gap.size) - first_member[gap]] = member_rows
    laid[start + members] = to_rows
    duration = np.nan_to_num(step_seconds[laid], nan=-1.0)
    peak = np.repeat(np.maximum.reduceat(duration, start), size)
    latest = np.maximum.reduceat(np.where(duration == peak, np.arange(laid.size), -1), start)
    return laid[latest], np.arange(n_gaps)


def _window(tp_case: np.ndarray, tp_time: pd.Series) -> pd.DataFrame:
    """Per case code with touchpoints: its first and last touchpoint time. The rows are sorted by case and
    time, so these are each case's first and last touchpoint row (a group-by only when a time is missing)."""
    ticks = utc_datetime64(tp_time).view(np.int64)
    same_case = tp_case[1:] == tp_case[:-1]
    ordered = bool((np.diff(tp_case.astype(np.int64)) >= 0).all()) and bool((np.diff(ticks)[same_case] >= 0).all())
    if tp_time.isna().any() or not ordered:  # a hand-built table out of order: group instead
        grouped = pd.DataFrame({"case": tp_case, "time": tp_time}).groupby("case")
        return grouped.agg(first_touchpoint=("time", "min"), last_touchpoint=("time", "max"))
    run = np.flatnonzero(np.r_[True, tp_case[1:] != tp_case[:-1]]) if tp_case.size else np.empty(0, dtype=np.int64)
    last = np.r_[run[1:] - 1, tp_case.size - 1] if tp_case.size else run
    window = pd.DataFrame({"first_touchpoint": tp_time.iloc[run].reset_index(drop=True), "last_touchpoint": tp_time.iloc[last].reset_index(drop=True)})
    return window.set_axis(pd.Index(tp_case[run], name="case"))  # .iloc keeps the tz-aware dtype; .to_numpy() would box every value


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


PROMISE_STATES = ("kept", "late", "open_past_due", "void", "pending")
DUE_STATES = ("kept", "late", "open_past_due")  # the states a promise is due in (void and pending owe nothing)
PROMISE_COLUMNS = ["case", "promise", "start", "end", "deadline", "state", "elapsed_seconds", "excess_seconds", "kept", "open", "broken"]


def promise_outcomes(events: pd.DataFrame, promises, log_end: pd.Timestamp | None = None, status: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per promise and applicable case (its `from` happened, and it reached an `applies_when` activity when
    one is set): exactly one state of kept, late, open_past_due, void, pending.

    - void: a `void_when` activity came before `to` (a declined or cancelled application owes no offer);
    - kept / late: `to` came within / after `within` of the first `from`;
    - pending: no `to` yet and the deadline is after the log's end (not yet due);
    - open_past_due: no `to`, the deadline has passed (the case is still open, or it ended without `to`).
    A breach (late or open past due) costs customer time from the deadline to `to`, or to the case's own last
    event when it ended without `to` (never to the log's end for a case that has ended); only a case still
    open at the log's end accrues time up to the log's end. `status` is `shapes.case_status` (per case index)."""
    if not promises or events.empty:
        return pd.DataFrame(columns=PROMISE_COLUMNS)
    times = events[schema.TIMESTAMP]
    log_end = log_end if log_end is not None else times.max()
    case = events[schema.CASE].cat.codes.to_numpy()
    n_cases = events[schema.CASE].cat.categories.size
    names = [str(c) for c in events[schema.ACTIVITY].cat.categories]
    codes = events[schema.ACTIVITY].cat.codes.to_numpy()
    time_ns = times.dt.as_unit("ns").astype("int64").to_numpy().astype(float)
    end_ns = _last_per_case(case, time_ns, n_cases)
    ended = status["ended"].to_numpy(dtype=bool) if status is not None else np.ones(n_cases, dtype=bool)
    log_end_ns = float(pd.Timestamp(log_end).as_unit("ns").value)

    def rows_of(patterns) -> np.ndarray:
        chosen = matches(names, list(patterns))
        return np.isin(codes, [i for i, name in enumerate(names) if name in chosen])

    frames = []
    for index, promise in enumerate(promises):  # a handful of promises, each fully vectorised
        is_from = rows_of([promise.from_activity])
        if not is_from.any():
            continue
        start = np.full(n_cases, np.inf)
        np.minimum.at(start, case[is_from], time_ns[is_from])
        applicable = np.isfinite(start)
        if promise.applies_when:
            reached = rows_of(promise.applies_when)
            applicable &= np.bincount(case[reached], minlength=n_cases) > 0
        to_rows = rows_of([promise.to_activity])
        if not to_rows.any():  # `to` never happens in this log (a typo, warned): nothing can be measured
            continue
        to_time = _first_after(case, time_ns, to_rows, start, n_cases)
        void_time = _first_after(case, time_ns, rows_of(promise.void_when), start, n_cases) if promise.void_when else np.full(n_cases, np.inf)
        deadline = start + promise.within_seconds * 1e9
        has_to = np.isfinite(to_time)
        void = np.isfinite(void_time) & (~has_to | (void_time < to_time))
        kept = has_to & ~void & (to_time <= deadline)
        late = has_to & ~void & (to_time > deadline)
        pending = ~has_to & ~void & (deadline > log_end_ns)
        past_due = ~has_to & ~void & ~pending
        state = np.select([void, kept, late, pending, past_due], ["void", "kept", "late", "pending", "open_past_due"], default="void")
        stop = np.where(has_to, to_time, np.where(ended, end_ns, log_end_ns))
        with np.errstate(invalid="ignore"):  # cases without `from` (inf) are not applicable: dropped below
            excess = np.where(late | past_due, np.clip(stop - deadline, 0, None) / 1e9, 0.0)
            elapsed = (stop - start) / 1e9
        chosen = np.flatnonzero(applicable)
        frames.append(pd.DataFrame({
            "case": chosen, "promise": index,
            "start": pd.to_datetime(start[chosen], utc=True, unit="ns"),
            "end": pd.to_datetime(np.where(has_to, to_time, np.nan)[chosen], utc=True, unit="ns"),
            "deadline": pd.to_datetime(deadline[chosen], utc=True, unit="ns"),
            "state": state[chosen], "elapsed_seconds": elapsed[chosen], "excess_seconds": excess[chosen],
            "kept": kept[chosen], "open": (past_due & ~ended)[chosen], "broken": (late | past_due)[chosen],
        }))  # fmt: skip
    if not frames:
        return pd.DataFrame(columns=PROMISE_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def promise_counts(rows: pd.DataFrame) -> dict[str, float | int | None]:
    """applies, due, kept, late, open_past_due, void, pending and breach_rate = (late + open past due) / due."""
    return counts_by_state({state: int((rows["state"] == state).sum()) for state in PROMISE_STATES})


def counts_by_state(counts: dict[str, int]) -> dict[str, float | int | None]:
    """`promise_counts` from the number of cases in each state (every applicable case has exactly one), for
    an engine that counted them itself."""
    counts = {state: int(counts.get(state, 0)) for state in PROMISE_STATES}
    due = counts["kept"] + counts["late"] + counts["open_past_due"]
    breach = (counts["late"] + counts["open_past_due"]) / due if due else None
    return {"applies": sum(counts.values()), "due": due, **counts, "breach_rate": None if breach is None else round(float(breach), 6)}


def _last_per_case(case: np.ndarray, time_ns: np.ndarray, n_cases: int) -> np.ndarray:
    out = np.full(n_cases, -np.inf)
    np.maximum.at(out, case, time_ns)
    return out


def _first_after(case: np.ndarray, time_ns: np.ndarray, rows: np.ndarray, start: np.ndarray, n_cases: int) -> np.ndarray:
    """Per case: the first time (ns) of a `rows` event at or after the case's `start`; inf when none."""
    out = np.full(n_cases, np.inf)
    chosen = np.flatnonzero(rows)
    chosen = chosen[time_ns[chosen] >= start[case[chosen]]]
    np.minimum.at(out, case[chosen], time_ns[chosen])
    return out
