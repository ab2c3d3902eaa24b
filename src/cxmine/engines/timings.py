"""`cxmine timings` as ibis expressions: the event-level work (sort by case and time, the previous event,
touchpoint segments, per-gap and per-case aggregates) runs on the engine; the per-step, per-transition,
per-gap and per-promise tables that come back are small and are assembled by the same code as the pandas
engine's (core.timing_report).

Each function mirrors one function of core.timings, and says which; the cross-engine tests
(tests/test_engines.py) hold them to identical output. Percentiles are exact on both engines, with linear
interpolation between the two nearest values (pandas' `quantile`, DuckDB's `quantile_cont`).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cxmine.core.timings import QUANTILES
from cxmine.engines.source import Source, run
from cxmine.matching import matches


def _seconds(later, earlier):
    """Seconds between two timestamps, from the integer microseconds (as core.timings.seconds)."""
    return later.delta(earlier, unit="microsecond").cast("float64") / 1e6  # float on every backend (Spark: not DECIMAL)


def _case_window(t, **extra):
    import ibis  # noqa: PLC0415

    return ibis.window(group_by=t.case_id, order_by=[t.timestamp, t.pos], **extra)


def _describe(values, prefix: str) -> dict[str, Any]:
    """count, mean, p50, p90, p95, max (core.timings.describe)."""
    stats = {"count": values.count(), f"{prefix}_mean_seconds": values.mean()}
    stats |= {f"{prefix}_p{int(round(q * 100))}_seconds": values.quantile(q) for q in QUANTILES}
    return stats | {f"{prefix}_max_seconds": values.max()}


def intervals(source: Source, touchpoints=None):
    """One row per event with the previous event of its case and the seconds between
    (core.timings.event_intervals), whether its activity was done before in the case, its place in the case
    (`seq`) and, given `touchpoints`, its segment (the touchpoints so far in the case): all windows over
    the same order, so one sort serves them."""
    import ibis  # noqa: PLC0415

    t = source.events
    w = _case_window(t)
    previous = t.timestamp.lag().over(w)
    previous_resource = t.resource.lag().over(w)
    columns = {
        "previous_code": t.code.lag().over(w), "sojourn": _seconds(t.timestamp, previous),
        "sojourn_us": t.timestamp.delta(previous, unit="microsecond"),
        "waiting": t.start.notnull().ifelse(_seconds(t.begin, previous), None), "service": _seconds(t.timestamp, t.start),
        "handover": previous_resource.notnull() & t.resource.notnull() & (t.resource != previous_resource),
        "seq": ibis.row_number().over(w), "last": t.timestamp.lead().over(w).isnull(),  # times are never missing here
    }
    if source.bitmask and len(source.activities) <= 63:  # done before in the case: a bit per activity, OR-ed over the earlier rows
        bit = ibis.literal(1, type="uint64") << t.code.cast("uint64")
        seen = ibis.coalesce(bit.bit_or().over(_case_window(t, rows=(None, -1))), ibis.literal(0, type="uint64"))
        columns["repeat"] = ((seen >> t.code.cast("uint64")) & ibis.literal(1, type="uint64")) == 1
    else:
        columns["repeat"] = ibis.row_number().over(ibis.window(group_by=[t.case_id, t.code], order_by=[t.timestamp, t.pos])) > 0
    if touchpoints is not None:
        segment = _segment(source, t, touchpoints)
        if segment is not None:
            columns["segment"] = segment
    return t.mutate(**columns)


class _Roles:
    """The activity codes each touchpoint role names (core.touchpoints.touchpoint_masks)."""

    def __init__(self, names: tuple[str, ...], touchpoints) -> None:
        self.outbound = set(_codes(names, getattr(touchpoints, "outbound", ())))
        self.listed = set(_codes(names, touchpoints.activities)) if touchpoints.activities else set(range(len(names)))
        self.chasing = set(_codes(names, touchpoints.chasing)) if touchpoints.chasing else None  # None: repeats of initiated
        self.initiated = set(_codes(names, touchpoints.customer_initiated))


def _segment(source: Source, t, touchpoints):
    """The touchpoints so far in the case, in the same window pass. A touchpoint is a listed, not outbound
    activity that is not chasing; when chasing is a customer-initiated contact done before in the case, the
    count is the listed ones minus, per listed initiated activity, its occurrences after the first. None
    when that takes more than 16 running counts (then `marked` counts in a pass of its own)."""
    roles = _Roles(source.activities, touchpoints)
    cumulative = _case_window(t, rows=(None, 0))
    usable = roles.listed - roles.outbound
    if roles.chasing is not None:
        return _isin(t.code, sorted(usable - roles.chasing)).cast("int64").sum().over(cumulative)
    twice = sorted(usable & roles.initiated)
    if len(twice) > 16:
        return None
    import ibis  # noqa: PLC0415

    count = _isin(t.code, sorted(usable)).cast("int64").sum().over(cumulative)
    for code in twice:
        count = count - ibis.greatest((t.code == code).cast("int64").sum().over(cumulative) - 1, 0)
    return count


def wait_basis(source: Source, steps) -> str:
    if not source.has_start:
        return "sojourn"
    started = int(run(steps.start.notnull().sum(), "the start timestamps") or 0)
    return "waiting" if started else "sojourn"


def _named(frame: pd.DataFrame, names: tuple[str, ...], columns: dict[str, str]) -> pd.DataFrame:
    """Activity codes → names (the codes are the sorted names, so code order is name order)."""
    lookup = np.asarray(names, dtype=object)
    for code, name in columns.items():
        frame[code] = lookup[frame[code].to_numpy(dtype=np.int64)]
    return frame.rename(columns=columns)


def step_timings(source: Source, steps, basis: str) -> pd.DataFrame:
    """Per activity: events, the wait before it, its service time when known (core.timings.step_timings)."""
    wait = steps.waiting if basis == "waiting" else steps.sojourn
    stats = {"events": steps.count()} | {("waits" if k == "count" else k): v for k, v in _describe(wait, "wait").items()}
    service = {("services" if k == "count" else k): v for k, v in _describe(steps.service, "service").items()}
    table = run(steps.group_by("code").aggregate(**stats, **service).order_by("code"), "the step timings")
    if not int(table["services"].sum()):
        table = table.drop(columns=list(service))
    return _named(table, source.activities, {"code": "activity"})


def transition_timings(source: Source, steps, basis: str) -> pd.DataFrame:
    """Per directly-follows pair: the wait from one to the next (core.timings.transition_timings)."""
    import ibis  # noqa: PLC0415

    pairs = steps.filter(steps.previous_code.notnull())
    wait = ibis.coalesce(pairs.waiting, pairs.sojourn) if basis == "waiting" else pairs.sojourn
    table = run(pairs.group_by(["previous_code", "code"]).aggregate(**_describe(wait, "wait")).order_by(["previous_code", "code"]), "the transition timings")
    return _named(table, source.activities, {"previous_code": "from_activity", "code": "to_activity"})


def _isin(column, codes):
    import ibis  # noqa: PLC0415

    return column.isin(list(codes)) if codes else ibis.literal(False)


def _codes(names: tuple[str, ...], patterns) -> list[int]:
    chosen = matches(list(names), list(patterns))
    return [i for i, name in enumerate(names) if name in chosen]


def marked(source: Source, steps, touchpoints):
    """Touchpoint and chasing flags per event (core.touchpoints.touchpoint_masks and the first half of
    core.timings.customer_gaps), on steps that carry their `segment` (else it is counted here)."""
    roles = _Roles(source.activities, touchpoints)
    outbound = _isin(steps.code, sorted(roles.outbound))
    if roles.chasing is not None:
        chasing = _isin(steps.code, sorted(roles.chasing))
    else:  # a customer-initiated contact done before in the case is chasing
        chasing = _isin(steps.code, sorted(roles.initiated)) & steps.repeat
    chasing = chasing & ~outbound
    touchpoint = _isin(steps.code, sorted(roles.listed)) & ~outbound & ~chasing  # a touchpoint that opens or closes a gap
    listed = _isin(steps.code, sorted(roles.listed)) & ~outbound  # the customer sees it (chasing contacts too)
    flagged = steps.mutate(tp=touchpoint, chasing=chasing, outbound=outbound, touch=listed)
    if "segment" not in steps.columns:
        flagged = flagged.mutate(segment=flagged.tp.cast("int64").sum().over(_case_window(flagged, rows=(None, 0))))
    return flagged


def gap_occurrences(flagged):
    """One row per customer-visible gap (consecutive touchpoints of a case) with what happened behind the
    scenes: internal steps, handovers, rework, chasing, and the slowest step, the closing touchpoint's
    arrival included, ties to the later step (core.timings.customer_gaps).

    One aggregate, no join: gap k of a case gathers its opening touchpoint (segment k), the events inside
    it (segment k, not touchpoints) and its closing touchpoint (segment k+1). Each touchpoint takes part
    twice — closing one gap, opening the next — so the touchpoints come twice (UNION ALL)."""
    import ibis  # noqa: PLC0415

    inside = ~flagged.tp & (flagged.segment > 0)
    closing = flagged.tp & (flagged.segment >= 2)
    members = flagged.filter(inside | closing).mutate(opening=ibis.literal(False))
    openers = flagged.filter(flagged.tp).mutate(opening=ibis.literal(True))
    parts = members.union(openers, distinct=False)
    parts = parts.mutate(gap_segment=(parts.tp & ~parts.opening).ifelse(parts.segment - 1, parts.segment))
    member = ~parts.opening
    internal = member & ~parts.tp & ~parts.chasing
    closes = member & parts.tp
    # The slowest step: the largest (seconds, place in the case) — ties go to the later step — with its
    # (from, to) codes packed into one number; a struct's maximum, which every backend has.
    slowest = ibis.struct({
        "us": ibis.coalesce(parts.sojourn_us, -1), "seq": parts.seq, "pair": parts.previous_code.cast("int64") * 65536 + parts.code,
    }).max(where=member)  # fmt: skip

    def count(condition):
        return condition.cast("int64").sum().cast("int64")

    gaps = parts.group_by(["case_id", "gap_segment"]).aggregate(
        from_code=parts.code.max(where=parts.opening), to_code=parts.code.max(where=closes),
        start=parts.timestamp.max(where=parts.opening), end=parts.begin.max(where=closes),
        internal_steps=count(internal), handovers=count(member & parts.handover), rework_steps=count(internal & parts.repeat),
        chasing_contacts=count(member & ~parts.tp & parts.chasing), slowest=slowest,
        openings=count(parts.opening), closings=count(closes),
    )
    gaps = gaps.filter((gaps.openings == 1) & (gaps.closings == 1))
    return gaps.select(
        "case_id", "from_code", "to_code", "start", "internal_steps", "handovers", "rework_steps", "chasing_contacts",
        gap=ibis.greatest(_seconds(gaps.end, gaps.start), 0.0), slowest_seconds=gaps.slowest["us"] / 1e6,
        slowest_from=(gaps.slowest["pair"] // 65536).cast("int32"), slowest_to=(gaps.slowest["pair"] % 65536).cast("int32"),
    )


def gap_occurrences_closing(flagged):
    """`gap_occurrences` without the UNION ALL, for events that carry, at each touchpoint, the touchpoint before it
    (`previous_tp`: its code, `previous_tp_us`: its time; engines.friction computes them in its window pass):
    gap k is the events inside segment k and the touchpoint that closes it, one group each."""
    import ibis  # noqa: PLC0415

    gap_segment = flagged.tp.ifelse(flagged.segment - 1, flagged.segment)
    parts = flagged.mutate(gap_segment=gap_segment).filter(lambda t: t.gap_segment > 0)
    internal = ~parts.tp & ~parts.chasing
    closes = parts.tp
    slowest = ibis.struct({
        "us": ibis.coalesce(parts.sojourn_us, -1), "seq": parts.seq, "pair": parts.previous_code.cast("int64") * 65536 + parts.code,
    }).max()  # fmt: skip

    def count(condition):
        return condition.cast("int64").sum().cast("int64")

    gaps = parts.group_by(["case_id", "gap_segment"]).aggregate(
        from_code=parts.previous_tp.max(where=closes), to_code=parts.code.max(where=closes),
        start_us=parts.previous_tp_us.max(where=closes), end=parts.begin.max(where=closes),
        internal_steps=count(internal), handovers=count(parts.handover), rework_steps=count(internal & parts.repeat),
        chasing_contacts=count(~parts.tp & parts.chasing), slowest=slowest, closings=count(closes),
    )
    gaps = gaps.filter(gaps.closings == 1)
    return gaps.select(
        "case_id", "from_code", "to_code", "start_us", "internal_steps", "handovers", "rework_steps", "chasing_contacts",
        gap=ibis.greatest((_us_of(gaps.end) - gaps.start_us).cast("float64") / 1e6, 0.0), slowest_seconds=gaps.slowest["us"] / 1e6,
        slowest_from=(gaps.slowest["pair"] // 65536).cast("int32"), slowest_to=(gaps.slowest["pair"] % 65536).cast("int32"),
    )


def _us_of(timestamp):
    """Microseconds since the epoch."""
    import datetime as dt  # noqa: PLC0415

    import ibis  # noqa: PLC0415

    return timestamp.delta(ibis.literal(dt.datetime(1970, 1, 1)), unit="microsecond")


def gap_summary(source: Source, occurrences, promises=()) -> pd.DataFrame:
    """Per (from, to) gap: count, distribution, what typically happens behind the scenes, promise breach
    rates (core.timings.gap_summary)."""
    import ibis  # noqa: PLC0415

    stats = _describe(occurrences.gap, "customer_wait") | {
        "internal_steps_mean": occurrences.internal_steps.cast("float64").mean(), "handovers_mean": occurrences.handovers.cast("float64").mean(),
        "chasing_share": (occurrences.chasing_contacts > 0).cast("float64").mean(), "rework_share": (occurrences.rework_steps > 0).cast("float64").mean(),
    }
    for index, promise in enumerate(promises):  # the gap that is exactly the promise's pair
        if promise.from_activity in source.activities and promise.to_activity in source.activities:
            hit = (occurrences.from_code == source.activities.index(promise.from_activity)) & (occurrences.to_code == source.activities.index(promise.to_activity))
            stats[f"_breach_{index}"] = (occurrences.gap > promise.within_seconds).cast("float64").mean(where=hit)
    table = run(occurrences.group_by(["from_code", "to_code"]).aggregate(**stats).order_by(["from_code", "to_code"]), "the customer gaps")
    if table.empty:
        return pd.DataFrame(columns=["from_activity", "to_activity", "count"])
    totals = occurrences.group_by(["from_code", "to_code", "slowest_from", "slowest_to"]).aggregate(total=occurrences.slowest_seconds.sum())
    first = ibis.row_number().over(ibis.window(group_by=[totals.from_code, totals.to_code], order_by=[ibis.desc(totals.total), totals.slowest_from, totals.slowest_to]))
    top = run(totals.mutate(first=first).filter(lambda t: t.first == 0).drop("first", "total"), "the slowest steps behind the scenes")
    table = table.merge(top, on=["from_code", "to_code"], how="left")
    itself = (table["slowest_from"] == table["from_code"]) & (table["slowest_to"] == table["to_code"])
    lookup = np.asarray(source.activities, dtype=object)
    behind = pd.Series(lookup[table["slowest_from"].to_numpy(dtype=np.int64)] + " → " + lookup[table["slowest_to"].to_numpy(dtype=np.int64)], index=table.index)
    table["behind_the_scenes"] = behind.where(~itself, "")
    breach = [c for c in table.columns if c.startswith("_breach_")]
    table["promise_breach_rate"] = np.nan
    for column in breach:  # a later promise on the same pair wins, as in the pandas engine
        table["promise_breach_rate"] = table[column].where(table[column].notna(), table["promise_breach_rate"])
    keep = [c for c in table.columns if c not in ("slowest_from", "slowest_to", *breach)]
    table = table[keep] if table["promise_breach_rate"].notna().any() else table[[c for c in keep if c != "promise_breach_rate"]]
    return _named(table, source.activities, {"from_code": "from_activity", "to_code": "to_activity"})


def case_status(source: Source, steps, end_activities: tuple[str, ...]):
    """Per case: its last time, whether it has ended (core.shapes.case_status), and the log's end."""
    import ibis  # noqa: PLC0415

    names = source.activities
    lasts = steps.filter(steps["last"]).select("case_id", last_code="code", last_time="timestamp")
    if end_activities:
        terminal = _codes(names, end_activities)
    else:
        occurrences = run(steps.group_by("code").aggregate(n=steps.count()), "the activity counts").set_index("code")["n"].reindex(range(len(names)), fill_value=0).to_numpy()
        as_last = run(lasts.group_by("last_code").aggregate(n=lasts.count()), "the case ends").set_index("last_code")["n"].reindex(range(len(names)), fill_value=0).to_numpy()
        cases = int(as_last.sum())
        terminal = [int(i) for i in np.flatnonzero((as_last >= 0.95 * occurrences) & (as_last >= max(1, 0.01 * cases)))]
    spacing = (steps.sojourn_us * 1000).cast("float64")  # nanoseconds, as core.shapes.case_status
    summary = run(steps.aggregate(quiet=spacing.quantile(0.99), end=steps.timestamp.max()), "the case status").iloc[0]
    quiet = float(summary["quiet"]) if pd.notna(summary["quiet"]) else 0.0
    log_end = summary["end"]
    quiet_for = lasts.last_time.delta(ibis.literal(pd.Timestamp(log_end).to_pydatetime()), unit="microsecond") * -1000
    status = lasts.mutate(ended=_isin(lasts.last_code, terminal) | (quiet_for.cast("float64") > quiet))
    return status, pd.Timestamp(log_end)


def promise_rows(source: Source, steps, promises, end_activities: tuple[str, ...]) -> list[dict[str, Any]]:
    """Per promise: how many cases it applies to, kept, late, open past due, void, pending, the breach rate
    and the elapsed p50/p90 (core.timings.promise_outcomes; counted and worded by core's counts_by_state and
    promise_row)."""
    import ibis  # noqa: PLC0415

    from cxmine.core.timing_report import promise_row  # noqa: PLC0415
    from cxmine.core.timings import counts_by_state  # noqa: PLC0415

    if not promises:
        return []
    status, log_end = case_status(source, steps, end_activities)
    end = ibis.literal(log_end.to_pydatetime())
    rows = []
    for promise in promises:
        counts, p50, p90 = _promise_states(steps, status, end, promise, source.activities)
        rows.append(promise_row(promise, counts_by_state(counts), p50, p90))
    return rows


def promise_cases(steps, status, end, promise, names):
    """Per case the promise applies to (core.timings.promise_outcomes' rules): its state, when it started,
    the elapsed and excess seconds; None when `from` or `to` never happens (pandas: no rows)."""
    import ibis  # noqa: PLC0415

    from_codes, to_codes = _codes(names, [promise.from_activity]), _codes(names, [promise.to_activity])
    if not from_codes or not to_codes:
        return None
    is_from = _isin(steps.code, from_codes)
    start = ibis.ifelse(is_from, steps.timestamp, None).min().over(ibis.window(group_by=steps.case_id))
    marked = steps.mutate(start=start)
    after = marked.timestamp >= marked.start
    per_case = marked.group_by("case_id").aggregate(
        start=marked.start.min(),
        to_time=ibis.ifelse(_isin(marked.code, to_codes) & after, marked.timestamp, None).min(),
        void_time=ibis.ifelse(_isin(marked.code, _codes(names, promise.void_when)) & after, marked.timestamp, None).min(),
        reached=_isin(marked.code, _codes(names, promise.applies_when)).cast("int64").sum() if promise.applies_when else marked.count(),
    )
    per_case = per_case.filter(per_case.start.notnull() & (per_case.reached > 0)).join(status, "case_id")
    deadline = per_case.start + ibis.interval(microseconds=int(round(promise.within_seconds * 1e6)))
    has_to = per_case.to_time.notnull()
    void = per_case.void_time.notnull() & (~has_to | (per_case.void_time < per_case.to_time))
    kept = has_to & ~void & (per_case.to_time <= deadline)
    late = has_to & ~void & (per_case.to_time > deadline)
    pending = ~has_to & ~void & (deadline > end)
    state = ibis.cases((void, "void"), (kept, "kept"), (late, "late"), (pending, "pending"), else_="open_past_due")
    stop = ibis.coalesce(per_case.to_time, per_case.ended.ifelse(per_case.last_time, end))
    breached = ~void & ~kept & ~pending
    return per_case.mutate(state=state, elapsed=_seconds(stop, per_case.start), excess=ibis.ifelse(breached, ibis.greatest(_seconds(stop, deadline), 0.0), 0.0))


def _promise_states(steps, status, end, promise, names) -> tuple[dict[str, int], float | None, float | None]:
    """Cases per state of one promise, and the elapsed p50/p90 of the due cases."""
    decided = promise_cases(steps, status, end, promise, names)
    if decided is None:
        return {}, None, None
    counts = run(decided.group_by("state").aggregate(n=decided.count()), "the promises")
    due = decided.filter(decided.state.isin(["kept", "late", "open_past_due"]))
    elapsed = run(due.aggregate(p50=due.elapsed.quantile(0.5), p90=due.elapsed.quantile(0.9)), "the promise times").iloc[0]
    return (
        {row.state: int(row.n) for row in counts.itertuples()},
        None if pd.isna(elapsed["p50"]) else float(elapsed["p50"]), None if pd.isna(elapsed["p90"]) else float(elapsed["p90"]),
    )


def report(source: Source, config):
    """The whole `timings` result on the engine, assembled as the pandas engine assembles it."""
    from cxmine.core.timing_report import assemble, ended_by_customer  # noqa: PLC0415

    touchpoints = config.touchpoints
    steps = source.materialise("steps", intervals(source, touchpoints))  # the one sort of the events
    source.drop("events", "loaded")  # everything below reads `steps`
    basis = wait_basis(source, steps)
    step_table, transitions = step_timings(source, steps, basis), transition_timings(source, steps, basis)
    promises = promise_rows(source, steps, tuple(config.promises), config.journey.end_activities)
    occurrences = source.materialise("occurrences", gap_occurrences(marked(source, steps, touchpoints)))
    source.drop("steps")  # memory (or spill space) for what comes next
    initiated = frozenset(matches(list(source.activities), list(touchpoints.customer_initiated)))
    summary = ended_by_customer(gap_summary(source, occurrences, tuple(config.promises)), initiated)
    return assemble(
        source=source.load.source, basis=basis, configured=bool(touchpoints.activities) or bool(touchpoints.attribute), calendar=False,
        steps=step_table, transitions=transitions, summary=summary, promises=promises, load=source.load,
    )
