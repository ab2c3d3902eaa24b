"""The event-level work of `cxmine friction` on an engine (DuckDB, Spark), as ibis expressions.

What runs on the engine: the one sort of the events (engines.timings.intervals), touchpoints and
customer-visible gaps (engines.timings.marked, gap_occurrences), per-case aggregates (lead time, the
customer's window, outcomes) and each kind's occurrences. What comes back (`Tables`) is per case or per
occurrence, never per event, with cases named by their case index (their place among the sorted case ids, as
the pandas engine numbers them). friction.onengine turns the tables into the same `Stage` the pandas engine
detects: the kinds' candidate builders, scoring, folding and wording are shared.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cxmine.core.timings import Gaps
from cxmine.engines.source import Source, as_columns, run
from cxmine.engines.timings import _codes, _isin, _seconds, _us_of, case_status, gap_occurrences_closing, intervals, marked, promise_cases, wait_basis


_us = _us_of  # microseconds since the epoch, on every backend


def epoch_ns(micros) -> np.ndarray:
    """Epoch microseconds → float ns since the epoch, as core.timings.epoch_ns gives them (the int64
    nanoseconds, then float); NaN where missing."""
    values = pd.Series(micros)
    out = (values.fillna(0).to_numpy(dtype=np.int64) * 1000).astype(float)
    out[values.isna().to_numpy()] = np.nan
    return out


@dataclass
class Tables:
    """What the engine computed for friction: per case (index 0 … n_cases − 1) and per occurrence."""

    engine: str
    n_cases: int
    n_events: int
    activities: list[str]  # the names that occur, sorted (the pandas engine's categories)
    lead_seconds: np.ndarray
    window_start: np.ndarray  # float ns: first touchpoint per case (NaN: none)
    window_end: np.ndarray
    gaps: Gaps
    basis: str
    outcome_times: dict[str, np.ndarray] = field(default_factory=dict)  # [[outcomes]] name → float ns per case (NaN: not reached)
    names: list[str] = field(default_factory=list)  # activity name per code (the codes of the occurrence tables)
    rework: tuple[pd.DataFrame, pd.DataFrame] | None = None  # (repeats, doing): friction.signals.rework_from
    returns: pd.DataFrame | None = None  # friction.signals.ping_pong_from
    chasing: tuple[pd.DataFrame, pd.DataFrame] | None = None  # (contacts, doing): friction.signals.contacts_from
    outbound: tuple[pd.DataFrame, pd.DataFrame] | None = None  # the same, of outbound contacts (None: none configured)
    services: pd.DataFrame | None = None  # friction.signals.slow_steps_from (None: no start times)
    promises: tuple[pd.DataFrame, dict] | None = None  # (due, counts): friction.signals.broken_promises_from
    open_state: Any = None  # tables(..., open_now=True): friction.drill.OpenState's parts (now, last touch, owing)
    repeats: tuple[pd.DataFrame, int] | None = None  # (returns, customers): friction.signals.repeat_contacts_from (None: no [log] customer)
    moves: pd.DataFrame | None = None  # friction.signals.hidden_waits_from (None: no touchpoints configured)
    backs: tuple[pd.DataFrame, list[str], str] | None = None  # (backs, unit names, unit): friction.signals.handbacks_from (None: no unit)
    resources: list[str] = field(default_factory=list)  # resource name per code
    case_attributes: list[tuple] = field(default_factory=list)  # (name, categories or None, integer, first value per case)
    case_rows: Any = None  # tables(..., details=True): case indices → the drill-down's rows (friction.prepare.Stage.case_rows)
    first_us: np.ndarray | None = None  # tables(..., report=True): per case, its first event's time (int64 epoch µs)
    named: tuple | None = None  # tables(..., complaints=…, scores=…): (case id → index, customers' cases, [complaints:] their events, cases per activity)
    ended: np.ndarray | None = None  # tables(..., report=True): per case, whether it has ended (core.shapes.case_status)


class _Cases:
    """The case index on the engine: `ids` (case_id → case, 0-based in sorted case-id order, as the pandas
    engine numbers them). After `number`, the events carry the index itself in `case_id` (integer keys make
    every later group-by, join and window cheaper than text ones)."""

    def __init__(self, source: Source, steps) -> None:
        import ibis  # noqa: PLC0415

        distinct = steps.select("case_id").distinct()
        self.ids = source.materialise("case_index", distinct.mutate(case=ibis.row_number().over(ibis.window(order_by=distinct.case_id))))

    def number(self, steps):
        """`steps` with the case index in place of the case id."""
        return steps.inner_join(self.ids, "case_id").drop("case_id").rename(case_id="case")

    def measure(self, source: Source, flagged, *, first: bool = False) -> None:
        """The per-case aggregates, reduced on the engine to what friction reads: events, lead time (first
        event, or earlier start, to last event; microseconds) and the first and last touchpoint (stashed:
        `read` brings them in); `first`: also the first event's time (`first_us`, the report's case start)."""
        import ibis  # noqa: PLC0415

        us = _us(flagged.timestamp)
        per_case = flagged.group_by("case_id").aggregate(
            events=flagged.count(), first_us=us.min(), last_us=us.max(), start_us=_us(flagged.start).min(),
            tp_first_us=us.min(where=flagged.tp), tp_last_us=us.max(where=flagged.tp),
        )
        t = self.index(per_case)
        low = ibis.least(t.first_us, ibis.coalesce(t.start_us, t.first_us)) if source.has_start else t.first_us
        lean = t.select("case", "tp_first_us", "tp_last_us", *(["first_us"] if first else []), events=t.events.cast("int32"), lead_us=t.last_us - low).order_by("case")
        self.n = int(run(self.ids.count(), "the cases"))
        self._stashed = source.stash(lean, "the cases")

    def read(self) -> dict[str, np.ndarray]:
        return as_columns(self._stashed())

    @staticmethod
    def index(table):
        """A table of numbered events (or their aggregates) with the case index as `case`."""
        return table.rename(case="case_id")

    def index_by_id(self, table):
        """A table keyed by the case id, with the case index as `case` instead."""
        return table.inner_join(self.ids, "case_id").drop("case_id")


def _gaps(source: Source, cases: _Cases, occurrences):
    """The gap occurrences as core.timings.customer_gaps gives them (friction.signals.customer_waits reads them),
    in compact types chosen on the engine (codes and counts as int32): there are about as many as events."""
    t = cases.index(occurrences)
    small = {name: t[name].cast("int32") for name in ("case", "from_code", "to_code", "internal_steps", "handovers", "rework_steps", "chasing_contacts", "slowest_from", "slowest_to")}
    stashed = source.stash(t.select(start_us=t.start_us, gap=t.gap, slowest_seconds=t.slowest_seconds, **small).order_by(["case", "start_us"]), "the customer gaps")
    return lambda: _gap_frame(stashed(), list(source.activities))


def _gap_frame(table, names: list[str]) -> pd.DataFrame:

    def named(column: str) -> pd.Categorical:
        codes = table.column(column).fill_null(-1).to_numpy()
        return pd.Categorical.from_codes(codes.astype(np.int8 if len(names) < 127 else np.int32, copy=False), names)

    def number(column: str) -> np.ndarray:
        return table.column(column).to_numpy()

    start = pd.Series(number("start_us").astype("datetime64[us]")).dt.tz_localize("UTC")
    return pd.DataFrame({
        "case": number("case"), "from_activity": named("from_code"), "to_activity": named("to_code"),
        "start": start, "gap_seconds": number("gap"),
        "internal_steps": number("internal_steps"), "handovers": number("handovers"),
        "rework_steps": number("rework_steps"), "chasing_contacts": number("chasing_contacts"),
        "slowest_from": named("slowest_from"), "slowest_to": named("slowest_to"), "slowest_seconds": table.column("slowest_seconds").to_pandas().to_numpy(dtype=float, na_value=np.nan),
    }, copy=False)  # fmt: skip


def _outcome_times(source: Source, cases: _Cases, steps, outcomes):
    """Per [[outcomes]] when each case had it (core.outcomes' rules): first got to the activity it ends with or
    reaches; or, for an attribute that equals a value (as text, ignoring case and surrounding blanks), the
    case's end, when any of its events has it (`outcome_<i>`: the attribute, carried by the sort)."""
    import ibis  # noqa: PLC0415

    stashed = {}
    for i, outcome in enumerate(outcomes):
        if outcome.source == "attribute":
            value = steps[f"outcome_{i}"].cast("string").strip().lower()
            per_case = steps.group_by("case_id").aggregate(hit=ibis.ifelse(value == str(outcome.equals).strip().casefold(), 1, 0).max(), at=_us(steps.timestamp).max())
            chosen = per_case.filter(per_case.hit == 1).select("case_id", "at")
            stashed[outcome.name] = source.stash(cases.index(chosen), f"the outcome {outcome.name!r}")
            continue
        rows = _isin(steps.code, _codes(source.activities, list(outcome.ends_with or outcome.reaches)))
        if outcome.source == "ends_with":
            rows = rows & steps["last"]
        chosen = steps.filter(rows)
        stashed[outcome.name] = source.stash(cases.index(chosen.group_by("case_id").aggregate(at=_us(chosen.timestamp).min())), f"the outcome {outcome.name!r}")

    def read() -> dict[str, np.ndarray]:
        found = {}
        for name, stash in stashed.items():
            first = as_columns(stash())
            at = np.full(cases.n, np.nan)
            at[first["case"].astype(np.int64)] = epoch_ns(first["at"])
            found[name] = at
        return found

    return read


def _rework(source: Source, cases: _Cases, flagged):
    """Steps done again in a case (`repeat`: done before in the case, from the one sort), with when the case
    first did them (a group-by) and whether the previous occurrence had the same resource (a window over the
    repeated steps' rows only); and, for the activities done again, the cases doing them
    (friction.signals.rework)."""
    import ibis  # noqa: PLC0415

    pairs = flagged.group_by(["case_id", "code"]).aggregate(first_us=_us(flagged.timestamp).min(), occurrences=flagged.count())
    pairs = pairs.filter(pairs.occurrences > 1)
    rows = flagged.inner_join(pairs, ["case_id", "code"])
    if source.has_resource:
        same_step = ibis.window(group_by=[rows.case_id, rows.code], order_by=[rows.timestamp, rows.pos])
        rows = rows.mutate(same_resource=ibis.coalesce(rows.resource.notnull() & (rows.resource == rows.resource.lag().over(same_step)), False))
    again = rows.filter(rows.repeat & ~rows.chasing & ~rows.outbound)
    extra = {"same_resource": again.same_resource} if source.has_resource else {}
    stashed = source.stash(cases.index(again.select("case_id", "code", time_us=_us(again.timestamp), first_us=again.first_us, **extra)).order_by(["case", "time_us"]), "the steps done again")
    codes = sorted(int(c) for c in run(again.select("code").distinct(), "the steps done again")["code"])
    doing = _doing(source, cases, flagged, codes, "the cases doing the steps done again")

    def read() -> tuple[pd.DataFrame, pd.DataFrame]:
        table = as_columns(stashed())
        repeats = pd.DataFrame({"case": table["case"].astype(np.int64), "code": table["code"].astype(np.int64), "time_ns": epoch_ns(table["time_us"]), "first_ns": epoch_ns(table["first_us"])})
        if source.has_resource:
            repeats["same_resource"] = table["same_resource"].astype(bool)
        return repeats, doing()

    return read


def _doing(source: Source, cases: _Cases, flagged, codes: list[int], what: str):
    """The distinct (case, code) pairs of the events doing these activities, as int32."""
    if not codes:
        return lambda: pd.DataFrame({"case": np.empty(0, dtype=np.int32), "code": np.empty(0, dtype=np.int32)})
    doing = flagged.filter(_isin(flagged.code, codes)).select("case_id", "code").distinct()
    doing = cases.index(doing)
    stashed = source.stash(doing.select(case=doing.case.cast("int32"), code=doing.code.cast("int32")), what)
    return lambda: pd.DataFrame(as_columns(stashed()))


def _returns(source: Source, cases: _Cases, flagged):
    """Returns to an activity after one other step (X → Y → X, direct) or two (X → Y → Z → X, indirect), in
    the sequence without contacts, each step later than the one before (friction.signals.ping_pong)."""
    import ibis  # noqa: PLC0415

    kept = flagged.filter(~flagged.chasing & ~flagged.outbound)
    order = ibis.window(group_by=kept.case_id, order_by=[kept.timestamp, kept.pos])
    us = _us(kept.timestamp)
    t = kept.mutate(
        us=us, code1=kept.code.lag(1).over(order), code2=kept.code.lag(2).over(order), code3=kept.code.lag(3).over(order),
        us1=us.lag(1).over(order), us2=us.lag(2).over(order), us3=us.lag(3).over(order),
    )
    moved2 = (t.us > t.us1) & (t.us1 > t.us2)
    direct = ibis.coalesce(moved2 & (t.code == t.code2) & (t.code != t.code1), False)
    indirect = ibis.coalesce(moved2 & (t.us2 > t.us3) & (t.code == t.code3) & (t.code != t.code1) & (t.code != t.code2), False) & ~direct
    looped = t.mutate(direct=direct, indirect=indirect).filter(lambda r: r.direct | r.indirect)
    stashed = source.stash(cases.index(looped.select(
        "case_id", "direct", low=ibis.least(looped.code, looped.code1), high=ibis.greatest(looped.code, looped.code1),
        away_us=looped.direct.ifelse(looped.us2, looped.us3), time_us=looped.us,
    )).order_by(["case", "time_us"]), "the ping-pong loops")
    return lambda: _loops_frame(as_columns(stashed()))


def _contacts(source: Source, cases: _Cases, flagged, flag: str, what: str):
    """Contacts (`flag`: the customer's chasing contacts, or our outbound ones), each with the plain touchpoint
    it follows (from the flagged pass: `latest_tp` for chasing; for an outbound contact any touchpoint the
    customer sees, chasing contacts too: `latest_touch_before`), and the cases that reached those touchpoints
    (friction.signals.contacts_from)."""
    import ibis  # noqa: PLC0415

    chosen = flagged.filter(flagged[flag])
    latest = chosen.latest_tp if flag == "chasing" else chosen.latest_touch_before
    stashed = source.stash(cases.index(chosen.select("case_id", "code", time_us=_us(chosen.timestamp), before=ibis.coalesce(latest, -1))).order_by(["case", "time_us"]), what)
    usual = sorted(int(c) for c in run(chosen.filter(latest.notnull()).select(before=latest).distinct(), what)["before"])
    doing = _doing(source, cases, flagged, usual, f"the cases at the touchpoints before {what}")

    def read() -> tuple[pd.DataFrame, pd.DataFrame]:
        table = as_columns(stashed())
        contacts = pd.DataFrame({
            "case": table["case"].astype(np.int64), "code": table["code"].astype(np.int64), "time_ns": epoch_ns(table["time_us"]), "before_code": table["before"].astype(np.int64),
        })  # fmt: skip
        return contacts, doing()

    return read


def _named_cases(source: Source, cases: _Cases, flagged, frames: list[pd.DataFrame], customer: bool, with_events: bool):
    """What joining complaints and survey answers (`frames`: each with case_id and customer) to cases needs,
    for their cases only: the case index of every case id they name, each case of the customers they name
    (customer, start, index: friction.prepare.match_complaints, core.outcomes.match_scores); `with_events`
    (complaints, to place them: friction.prepare.place_complaints): those cases' events (time, activity code,
    touchpoint that is not chasing) and the cases doing each activity (the overlay's rates)."""
    named = sorted({str(x) for frame in frames for x in frame["case_id"].dropna()})
    ids = cases.ids.filter(cases.ids.case_id.isin(named)) if named else None
    wanted = ids.select(case=ids.case) if ids is not None else None
    parts = {}
    # Every customer named: an answer or complaint whose case id is not a case is matched by its customer too.
    asked = sorted({str(x) for frame in frames for x in frame["customer"].dropna()}) if customer else []
    if asked:
        per_case = flagged.group_by("case_id").aggregate(customer=flagged.customer.argmin(flagged.seq, where=flagged.customer.notnull()), start_us=_us(flagged.timestamp).min())
        theirs = per_case.filter(per_case.customer.cast("string").isin(asked))
        parts["customers"] = source.stash(cases.index(theirs.select("case_id", "start_us", customer=theirs.customer.cast("string"))).order_by("case"), "the named customers' cases")
        mine = theirs.select(case=theirs.case_id)
        wanted = mine if wanted is None else wanted.union(mine)
    if ids is not None:
        parts["ids"] = source.stash(ids.select(text="case_id", case="case").order_by("case"), "the named cases")
    if wanted is not None and with_events:
        wanted = wanted.distinct()
        chosen = flagged.semi_join(wanted, flagged.case_id == wanted.case)
        parts["events"] = source.stash(cases.index(chosen.select("case_id", "code", "tp", time_us=_us(chosen.timestamp), seq=chosen.seq)).order_by(["case", "seq"]), "the complaints' cases' events")
    names = np.asarray(source.activities, dtype=object)
    passing_step = None
    if with_events:
        passing = run(flagged.group_by("code").aggregate(cases=flagged.case_id.nunique()), "the cases per activity")
        passing_step = pd.Series(passing["cases"].to_numpy(dtype=np.int64), index=pd.Index(names[passing["code"].to_numpy(dtype=np.int64)].astype(str)), name="case_id").sort_index()

    def read() -> tuple[pd.Series, pd.DataFrame | None, pd.DataFrame | None, pd.Series | None]:
        """(case id → index, the customers' cases or None, the events and cases per activity or None)."""
        found = {name: as_columns(stash()) for name, stash in parts.items()}
        ids_table = found.get("ids", {"text": np.array([], dtype=object), "case": np.array([], dtype=np.int64)})
        codes = pd.Series(ids_table["case"].astype(np.int64), index=pd.Index(ids_table["text"].astype(str)))
        by_customer = None
        if customer:
            t = found.get("customers", {"customer": np.array([], dtype=object), "start_us": np.array([], dtype=np.int64), "case": np.array([], dtype=np.int64)})
            by_customer = pd.DataFrame({
                "customer": pd.Series(t["customer"].astype(object), dtype="string"), "start": pd.to_datetime(t["start_us"].astype(np.int64), unit="us", utc=True),
                "case": t["case"].astype(np.int64),
            })  # fmt: skip
        if not with_events:
            return codes, by_customer, None, None
        t = found.get("events", {"case": np.array([], dtype=np.int64), "code": np.array([], dtype=np.int64), "tp": np.array([], dtype=bool), "time_us": np.array([], dtype=np.int64)})
        steps = pd.DataFrame({
            "case": t["case"].astype(np.int64), "time": pd.to_datetime(t["time_us"].astype(np.int64), unit="us", utc=True),
            "activity": names[t["code"].astype(np.int64)].astype(object), "tp": t["tp"].astype(bool),
        })  # fmt: skip
        return codes, by_customer, steps, passing_step

    return read


def _services(source: Source, cases: _Cases, flagged):
    """The steps with a start time: their service time, start and completion (friction.signals.slow_steps_from)."""
    timed = flagged.filter(flagged.start.notnull())
    stashed = source.stash(cases.index(timed.select(
        "case_id", "code", seconds=_seconds(timed.timestamp, timed.start), begin_us=_us(timed.begin), time_us=_us(timed.timestamp), pos=timed.pos,
    )).order_by(["case", "time_us", "pos"]), "the service times")  # fmt: skip

    def read() -> pd.DataFrame:
        table = as_columns(stashed())
        return pd.DataFrame({
            "case": table["case"].astype(np.int64), "code": table["code"].astype(np.int64), "seconds": table["seconds"].astype(float),
            "begin_ns": epoch_ns(table["begin_us"]), "time_ns": epoch_ns(table["time_us"]),
        })  # fmt: skip

    return read


def _promises(source: Source, cases: _Cases, flagged, status, log_end, promises):
    """Per promise, the cases it is due for (engines.timings.promise_cases) and its cases per state
    (friction.signals.broken_promises_from)."""
    import ibis  # noqa: PLC0415

    from cxmine.core.timings import DUE_STATES, counts_by_state  # noqa: PLC0415

    end = ibis.literal(log_end.to_pydatetime())
    stashed, counts = [], {}
    for index, promise in enumerate(promises):
        decided = promise_cases(flagged, status, end, promise, source.activities)
        if decided is None:
            counts[index] = counts_by_state({})
            continue
        found = run(decided.group_by("state").aggregate(n=decided.count()), "the promises")
        counts[index] = counts_by_state({row.state: int(row.n) for row in found.itertuples()})
        due = decided.filter(decided.state.isin(list(DUE_STATES)))
        stashed.append((index, source.stash(cases.index(due.select(
            "case_id", "elapsed", "excess", broken=due.state != "kept", start_us=_us(due.start),
        )).order_by("case"), f"the promise {promise.name!r}")))  # fmt: skip

    def read() -> tuple[pd.DataFrame, dict]:
        parts = []
        for index, stash in stashed:
            table = as_columns(stash())
            parts.append(pd.DataFrame({
                "promise": index, "case": table["case"].astype(np.int64), "broken": table["broken"].astype(bool),
                "elapsed_seconds": table["elapsed"].astype(float), "excess_seconds": table["excess"].astype(float), "start_ns": epoch_ns(table["start_us"]),
            }))  # fmt: skip
        due = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({c: [] for c in ("promise", "case", "broken", "elapsed_seconds", "excess_seconds", "start_ns")})
        return due, counts

    return read


def _moves(source: Source, cases: _Cases, flagged, pauses: list[str], touch: list[int]):
    """The directly-follows moves that can hide a wait (friction.signals.internal_waits): not touchpoint →
    touchpoint, and not after a pause (`latest_touch_before`, from the flagged pass, is a pause)."""
    import ibis  # noqa: PLC0415

    previous_touch = ibis.coalesce(_isin(flagged.previous_code, touch), False)
    after_pause = ibis.coalesce(_isin(flagged.latest_touch_before, _codes(source.activities, pauses)), False) if pauses else ibis.literal(False)
    valid = flagged.filter(flagged.previous_code.notnull() & ~(flagged.touch & previous_touch) & ~after_pause)
    stashed = source.stash(cases.index(valid.select(
        "case_id", from_code=valid.previous_code, to_code=valid.code, from_us=_us(valid.timestamp) - valid.sojourn_us, begin_us=_us(valid.begin),
    )).order_by(["case", "from_us"]), "the hidden waits")
    return lambda: _moves_frame(as_columns(stashed()))


def _backs(source: Source, cases: _Cases, flagged, initiated: list[str], unit: str):
    """Work handed straight back (X → Y → X) to a resource (`unit` "resource": its code) or a team ("team": the
    [log] team column's text) in the sequence of internal steps: no chasing contact, no customer-initiated
    step, the unit known (friction.signals.handbacks)."""
    import ibis  # noqa: PLC0415

    internal = flagged.filter(~flagged.chasing & ~_isin(flagged.code, _codes(source.activities, initiated)) & flagged[unit].notnull())
    order = ibis.window(group_by=internal.case_id, order_by=[internal.timestamp, internal.pos])
    value = internal[unit]
    t = internal.mutate(r0=value, r1=value.lag(1).over(order), r2=value.lag(2).over(order), away_us=_us(internal.timestamp).lag(2).over(order))
    back = t.filter(t.r2.notnull() & (t.r0 == t.r2) & (t.r0 != t.r1))
    stashed = source.stash(cases.index(back.select(
        "case_id", low=ibis.least(back.r0, back.r1), high=ibis.greatest(back.r0, back.r1), away_us=back.away_us, time_us=_us(back.timestamp),
    )).order_by(["case", "time_us"]), "the hand-backs")
    if unit == "resource":
        return lambda: (_backs_frame(as_columns(stashed())), list(source.resources), "resource")

    def read() -> tuple[pd.DataFrame, list[str], str]:
        table = as_columns(stashed())
        names = sorted(set(pd.unique(table["low"])) | set(pd.unique(table["high"])))  # the teams' order is their text's, as pandas' categories
        table["low"] = pd.Categorical(table["low"], categories=names).codes.astype(np.int64)
        table["high"] = pd.Categorical(table["high"], categories=names).codes.astype(np.int64)
        return _backs_frame(table), names, "team"

    return read


def _repeats(source: Source, cases: _Cases, flagged):
    """Per case that has an earlier case of the same customer (the [log] customer column's first value in the
    case): the seconds from the latest end among the customer's earlier cases to its start (negative while
    one is open), the customer named by its first case, and how many customers have cases
    (friction.signals.repeat_contacts_from)."""
    import ibis  # noqa: PLC0415

    us = _us(flagged.timestamp)
    per_case = flagged.group_by("case_id").aggregate(
        customer=flagged.customer.argmin(flagged.seq, where=flagged.customer.notnull()), start_us=us.min(), end_us=us.max(),
    )
    known = per_case.filter(per_case.customer.notnull())
    earlier = ibis.window(group_by=known.customer, order_by=[known.start_us, known.case_id], rows=(None, -1))
    t = known.mutate(previous_end=known.end_us.max().over(earlier), first_case=known.case_id.min().over(ibis.window(group_by=known.customer)))
    t = t.filter(t.previous_end.notnull())
    customers = int(run(known.customer.nunique(), "the customers"))
    stashed = source.stash(cases.index(t.select(
        "case_id", "start_us", customer=t.first_case, seconds_since=(t.start_us - t.previous_end).cast("float64") / 1e6,
    )).order_by("case"), "the repeat contacts")  # fmt: skip

    def read() -> tuple[pd.DataFrame, int]:
        table = as_columns(stashed())
        return pd.DataFrame({
            "case": table["case"].astype(np.int64), "customer": table["customer"].astype(np.int64),
            "seconds_since": table["seconds_since"].astype(float), "start_ns": epoch_ns(table["start_us"]),
        }), customers  # fmt: skip

    return read


class _Attributes:
    """The columns that may drive friction, per case (friction.prepare.case_attributes decides which): text
    with at least two values, kept as categories the way the pandas reader keeps them (core.normalise.
    _compact_attributes: distinct values at most half the rows), and numbers — a whole-number column stays
    whole unless it has gaps and the file does not say it is whole (`integer_columns`, from its pandas
    metadata). Per case the smallest and largest value, so only columns constant within every case come back."""

    def __init__(self, source: Source, integer_columns: frozenset[str]) -> None:
        from cxmine.engines.source import INTEGERS  # noqa: PLC0415

        self.columns: list[tuple[str, list[str] | None, bool]] = []  # (name, categories of text, integer)
        self.table = None
        if not source.attributes:
            return
        events = source.events
        text = [name for name, kind in source.attributes.items() if kind == "VARCHAR"]
        whole = [name for name, kind in source.attributes.items() if kind in INTEGERS and name not in integer_columns]
        counts = {"n": events.count()} | {f"d{i}": events[name].nunique() for i, name in enumerate(text)}
        counts |= {f"k{i}": events[name].count() for i, name in enumerate(whole)}
        stats = run(events.aggregate(**counts), "the attribute values").iloc[0]
        n = int(stats["n"])
        for name, kind in source.attributes.items():
            if kind != "VARCHAR":
                self.columns.append((name, None, kind in INTEGERS and (name in integer_columns or int(stats[f"k{whole.index(name)}"]) == n)))
                continue
            categories = self._categories(events, name, int(stats[f"d{text.index(name)}"]), n)
            if categories is not None:
                self.columns.append((name, categories, False))
        aggregates = {f"lo{i}": events[name].min() for i, (name, _, _) in enumerate(self.columns)}
        aggregates |= {f"hi{i}": events[name].max() for i, (name, _, _) in enumerate(self.columns)}
        if self.columns:
            self.table = source.materialise("case_attributes", events.group_by("case_id").aggregate(**aggregates))

    @staticmethod
    def _categories(events, name: str, distinct: int, n: int) -> list[str] | None:
        """The values of a text column that may drive friction, sorted; None when it cannot."""
        if distinct > max(0.5 * n, 1) or distinct < 2:
            return None  # plain strings (ids), or one value: never a driver
        values = events.select(name).filter(events[name].notnull()).distinct().order_by(name)
        head = [str(v) for v in run(values.limit(64), f"the values of {name}")[name]] if distinct > 30 else None
        if head is not None and not pd.to_numeric(pd.Series(head), errors="coerce").notna().all():
            return None  # more than 30 values that are not all numbers: no driver (the pandas engine's rule)
        return [str(v) for v in run(values, f"the values of {name}")[name]]

    def per_case(self, source: Source, cases: "_Cases"):
        """(name, categories or None, integer, first value per case: a code into the categories (-1: none), or
        the number (NaN: none)) of the columns constant within every case — a reader of them. Which columns those are is
        counted on the engine, and text comes back coded on the Arrow side: no Python string per case."""
        import ibis  # noqa: PLC0415

        if self.table is None:
            return lambda: []
        t = cases.index_by_id(self.table)
        varying = run(t.aggregate(**{f"v{i}": ibis.ifelse(t[f"lo{i}"] != t[f"hi{i}"], 1, 0).sum() for i in range(len(self.columns))}), "the case attributes").iloc[0]
        kept = [i for i in range(len(self.columns)) if not int(varying[f"v{i}"] or 0)]
        if not kept:
            return lambda: []
        stashed = source.stash(t.select("case", *(f"lo{i}" for i in kept)).order_by("case"), "the case attributes")
        return lambda: self._coded(stashed(), kept)

    def _coded(self, table, kept: list[int]) -> list[tuple]:
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.compute as pc  # noqa: PLC0415

        out = []
        for i in kept:
            name, categories, integer = self.columns[i]
            column = table.column(f"lo{i}")
            if categories is not None:  # a code per case (-1: none), as small as the categories allow
                codes = pc.index_in(column.cast(pa.string()), value_set=pa.array(categories, pa.string())).fill_null(-1).to_numpy()
                out.append((name, categories, integer, codes.astype(np.int16 if len(categories) < 32767 else np.int32)))
                continue
            out.append((name, categories, integer, column.to_pandas().to_numpy(dtype=float, na_value=np.nan)))
        return out


def _touch_codes(source: Source, touchpoints) -> list[int]:
    """The codes the customer sees (listed, not outbound; engines.timings.marked's `touch`)."""
    from cxmine.engines.timings import _Roles  # noqa: PLC0415

    roles = _Roles(source.activities, touchpoints)
    return sorted(roles.listed - roles.outbound)


def _latest(source: Source, flagged, touchpoints):
    """The flags plus, in the same window pass, the latest plain touchpoint at or before each event
    (`latest_tp`, for chasing) and the latest touchpoint before it (`latest_touch_before`, for pauses), each
    a code: a running maximum of (place in the case, code) packed into one number."""
    import ibis  # noqa: PLC0415

    order = [flagged.timestamp, flagged.pos]
    upto = ibis.window(group_by=flagged.case_id, order_by=order, rows=(None, 0))
    before = ibis.window(group_by=flagged.case_id, order_by=order, rows=(None, -1))

    def packed(flag):
        return ibis.ifelse(flag, flagged.seq.cast("int64") * 65536 + flagged.code, None)

    return flagged.mutate(
        latest_tp=packed(flagged.tp).max().over(upto) % 65536, latest_touch_before=packed(flagged.touch).max().over(before) % 65536,
        previous_tp=packed(flagged.tp).max().over(before) % 65536,
        previous_tp_us=ibis.ifelse(flagged.tp, _us(flagged.timestamp), None).max().over(before),
    )


def outcome_column(source: Source, outcome) -> str | None:
    """The column an attribute outcome reads (its name, else `case:<name>`, as core.outcomes), when the events
    carry it (numbers or text)."""
    return next((name for name in (outcome.attribute, f"case:{outcome.attribute}") if name in source.attributes), None)


def team_column(source: Source, config) -> str | None:
    """The [log] team column when the events carry it as text (the pandas engine: else the resources)."""
    return config.team if config.team and source.attributes.get(config.team) == "VARCHAR" else None


def tables(
    source: Source, config, integer_columns: frozenset[str] = frozenset(), *, details: bool = False, open_now: bool = False, report: bool = False,
    complaints: pd.DataFrame | None = None, scores: dict[str, pd.DataFrame] | None = None,
) -> Tables:
    """Everything friction needs from the events, computed on the engine with one sort; `details`: also a
    per-case table the drill-down looks its cases up in (the source stays open for it); `open_now`: the open
    cases' last touchpoints and owed promises (`cxmine cases --open`); `report`: each case's start and whether
    it has ended (`cxmine report`'s headline and trend)."""
    attributes = _Attributes(source, integer_columns)
    flagged, cases, carried = _sorted(source, config)
    counts = run(flagged.group_by("code").aggregate(n=flagged.count()), "the activities")
    basis = wait_basis(source, flagged)
    # The engine's phase: every result computed and stashed (engines.source.Source.stash) ...
    cases.measure(source, flagged, first=report)
    pending = _stashed(source, cases, flagged, config, carried)
    pending["case_attributes"] = attributes.per_case(source, cases)
    status = case_status(source, flagged, tuple(config.journey.end_activities)) if (details or config.promises or open_now or report) else None
    frames = ([complaints] if complaints is not None else []) + list((scores or {}).values())
    if frames:
        pending["named"] = _named_cases(source, cases, flagged, frames, "customer" in carried, with_events=complaints is not None)
    pending.update(_by_status(source, cases, flagged, status, config, report=report, open_now=open_now))
    lookup = _details(source, cases, flagged, status[0], "customer" in carried) if details else None
    # ... then its tables dropped (its memory goes back to the system) before Python reads the results.
    source.drop("flagged", "occurrences", "case_attributes", "case_index")
    per_case = cases.read()
    read = {name: stashed() for name, stashed in pending.items()}
    import pyarrow as pa  # noqa: PLC0415

    pa.default_memory_pool().release_unused()  # what Arrow freed goes back to the system before the builders run
    return Tables(
        engine="spark" if source.con.name == "pyspark" else "duckdb", n_cases=cases.n, n_events=int(per_case["events"].sum(dtype=np.int64)),
        activities=[source.activities[int(code)] for code in sorted(counts["code"].astype(int))],
        lead_seconds=per_case["lead_us"].astype(float) / 1e6, window_start=epoch_ns(per_case["tp_first_us"]), window_end=epoch_ns(per_case["tp_last_us"]),
        gaps=Gaps(read.pop("gaps"), pd.DataFrame()), basis=basis, names=list(source.activities), resources=list(source.resources), case_rows=lookup,
        first_us=per_case["first_us"].astype(np.int64) if report else None, **read,
    )


def _by_status(source: Source, cases: _Cases, flagged, status, config, *, report: bool, open_now: bool) -> dict[str, Any]:
    """What reads the cases' status (engines.timings.case_status): whether each case ended (`report`), the open
    cases' state (`open_now`) and the promises' cases; name → the reader that brings it in."""
    pending: dict[str, Any] = {}
    if report:
        ended = source.stash(cases.index(status[0].select("case_id", "ended")).order_by("case"), "the cases ended")
        pending["ended"] = lambda: as_columns(ended())["ended"].astype(bool)
    if open_now:
        pending["open_state"] = _open_state(source, cases, flagged, *status, config)
    if config.promises:
        pending["promises"] = _promises(source, cases, flagged, *status, tuple(config.promises))
    return pending


def _sorted(source: Source, config) -> tuple[Any, _Cases, dict]:
    """The one sort of the narrow events (with the [log] team and customer columns when the config names
    them), numbered by case index, and flagged in one pass. Returns the flagged table, the cases and which
    optional columns it carries."""
    from dataclasses import replace  # noqa: PLC0415

    team = team_column(source, config)
    carried = {"team": source.events[team].cast("string")} if team else {}
    if config.customer and config.customer in source.attributes:
        carried["customer"] = source.events[config.customer]
    for i, outcome in enumerate(o for o in config.outcomes if o.source in ("ends_with", "reaches", "attribute")):
        if outcome.source == "attribute":
            carried[f"outcome_{i}"] = source.events[outcome_column(source, outcome)]
    narrow = replace(source, events=source.events.select("case_id", "code", "timestamp", "start", "begin", "resource", "pos", **carried))
    steps = source.materialise("steps", intervals(narrow, config.touchpoints))  # the one sort of the events
    source.drop("events", "loaded")
    cases = _Cases(source, steps)
    flagged = source.materialise("flagged", _latest(source, marked(source, cases.number(steps), config.touchpoints), config.touchpoints))
    source.drop("steps")
    return flagged, cases, carried


def _stashed(source: Source, cases: _Cases, flagged, config, carried: dict) -> dict[str, Any]:
    """Each kind's occurrences, stashed on the engine: name → the reader that brings them in (None: the kind
    does not apply to this log and config)."""
    touchpoints = config.touchpoints
    unit = "team" if "team" in carried else ("resource" if source.has_resource else None)
    occurrences = source.materialise("occurrences", gap_occurrences_closing(flagged))
    optional = {
        "outbound": (bool(touchpoints.outbound), lambda: _contacts(source, cases, flagged, "outbound", "the follow-up contacts")),
        "services": (source.has_start, lambda: _services(source, cases, flagged)),
        "repeats": ("customer" in carried, lambda: _repeats(source, cases, flagged)),
        "moves": (bool(touchpoints.activities or touchpoints.attribute), lambda: _moves(source, cases, flagged, list(config.journey.pauses), _touch_codes(source, touchpoints))),
        "backs": (unit is not None, lambda: _backs(source, cases, flagged, list(touchpoints.customer_initiated), unit)),
    }
    pending = {
        "gaps": _gaps(source, cases, occurrences),
        "outcome_times": _outcome_times(source, cases, flagged, [o for o in config.outcomes if o.source in ("ends_with", "reaches", "attribute")]),
        "rework": _rework(source, cases, flagged), "returns": _returns(source, cases, flagged),
        "chasing": _contacts(source, cases, flagged, "chasing", "the chasing contacts"),
    }
    return pending | {name: (stash() if applies else (lambda: None)) for name, (applies, stash) in optional.items()}


def _open_state(source: Source, cases: _Cases, flagged, status, log_end, config):
    """The cases still open at the log's end: their last touchpoint (activity, time, whether it is a pause)
    and their promises pending or past due (engines.timings.promise_cases), for friction.drill.open_trouble."""
    import ibis  # noqa: PLC0415

    opened = status.filter(~status.ended).select("case_id")
    touched = flagged.filter(flagged.touch)
    last = touched.group_by("case_id").aggregate(code=touched.code.argmax(touched.seq), time_us=_us(touched.timestamp).max()).semi_join(opened, "case_id")
    stashed = source.stash(cases.index(last).order_by("case"), "the open cases")
    end = ibis.literal(log_end.to_pydatetime())
    owed = []
    for promise in config.promises:
        decided = promise_cases(flagged, status, end, promise, source.activities)
        if decided is not None:
            chosen = decided.filter(decided.state.isin(["open_past_due", "pending"]) & ~decided.ended)
            owed.append((promise, source.stash(cases.index(chosen.select("case_id", "state", start_us=_us(chosen.start))).order_by("case"), f"the promise {promise.name!r}")))
    names = np.asarray(source.activities, dtype=object)
    pauses = _codes(source.activities, list(config.journey.pauses))

    def read():
        table = as_columns(stashed())
        codes = table["code"].astype(np.int64)
        last_touch = pd.DataFrame({"case": table["case"].astype(np.int64), "activity": names[codes], "time_ns": epoch_ns(table["time_us"]), "paused": np.isin(codes, pauses)})
        parts = []
        for promise, stash in owed:
            rows = as_columns(stash())
            start_ns = epoch_ns(rows["start_us"])
            parts.append(pd.DataFrame({
                "case": rows["case"].astype(np.int64), "name": promise.name, "state": rows["state"].astype(object),
                "deadline_ns": start_ns + promise.within_seconds * 1e9, "start_ns": start_ns,
            }))  # fmt: skip
        owing = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["case", "name", "state", "deadline_ns", "start_ns"])
        return float(pd.Timestamp(log_end).as_unit("ns").value), last_touch, owing

    return read


def _details(source: Source, cases: _Cases, flagged, status, customer: bool):
    """Per case: its id, first and last event, last activity and whether it has ended (`status`:
    engines.timings.case_status, core.shapes.case_status's rules), kept aside until cases are looked up in it —
    on DuckDB as a Parquet file in its spill folder (so neither the engine's memory nor Python's holds it
    while the kinds' builders run), on Spark as a cached view. Returns the lookup of some case indices."""
    import ibis  # noqa: PLC0415

    extra = {"customer": flagged.customer.argmin(flagged.seq, where=flagged.customer.notnull()).cast("string")} if customer else {}
    first = flagged.group_by("case_id").aggregate(first_us=_us(flagged.timestamp).min(), **extra)
    ids = cases.ids.rename(text="case_id")
    joined = status.inner_join(first, "case_id")
    joined = joined.inner_join(ids, joined.case_id == ids.case)
    expression = joined.select("case", "text", "first_us", "last_code", "ended", *extra, last_us=_us(joined.last_time))
    names = np.asarray(source.activities, dtype=object)
    if source.con.name == "pyspark":
        table = source.materialise("case_details", expression)

        def look_up(wanted: np.ndarray) -> pd.DataFrame:
            return run(table.semi_join(ibis.memtable(pd.DataFrame({"case": wanted.astype(np.int64)})), "case").order_by("case"), "the cases listed")
    else:
        kept = source.keep(expression.order_by("case"), "the cases")

        def look_up(wanted: np.ndarray) -> pd.DataFrame:
            import pyarrow.parquet as pq  # noqa: PLC0415

            return pq.read_table(kept, filters=[("case", "in", wanted.astype(np.int64).tolist())]).to_pandas().sort_values("case")

    def rows(index: np.ndarray) -> pd.DataFrame:
        found = look_up(np.unique(index))
        at = np.searchsorted(found["case"].to_numpy(dtype=np.int64), index)
        rows = pd.DataFrame({
            "case_id": found["text"].astype(str).to_numpy()[at], "first_ns": epoch_ns(found["first_us"])[at], "last_ns": epoch_ns(found["last_us"])[at],
            "last_activity": names[found["last_code"].to_numpy(dtype=np.int64)][at], "ended": found["ended"].to_numpy(dtype=bool)[at],
        })  # fmt: skip
        if customer:
            rows["customer"] = found["customer"].astype("string").to_numpy()[at]
        return rows

    return rows


def _loops_frame(table: dict) -> pd.DataFrame:
    """The ping-pong loops as friction.signals.ping_pong_from reads them."""
    return pd.DataFrame({
        "case": table["case"].astype(np.int64), "style": np.where(table["direct"].astype(bool), "direct", "indirect"),
        "low": table["low"].astype(np.int64), "high": table["high"].astype(np.int64),
        "away_ns": epoch_ns(table["away_us"]), "time_ns": epoch_ns(table["time_us"]),
    })  # fmt: skip


def _moves_frame(table: dict) -> pd.DataFrame:
    """The moves as friction.signals.hidden_waits_from reads them."""
    return pd.DataFrame({
        "case": table["case"].astype(np.int32), "from_code": table["from_code"].astype(np.int32), "to_code": table["to_code"].astype(np.int32),
        "from_ns": epoch_ns(table["from_us"]), "begin_ns": epoch_ns(table["begin_us"]),
    })  # fmt: skip


def _backs_frame(table: dict) -> pd.DataFrame:
    """The hand-backs as friction.signals.handbacks_from reads them."""
    return pd.DataFrame({
        "case": table["case"].astype(np.int64), "low": table["low"].astype(np.int64), "high": table["high"].astype(np.int64),
        "away_ns": epoch_ns(table["away_us"]), "time_ns": epoch_ns(table["time_us"]),
    })  # fmt: skip
