"""The customer's whole journey: several processes tied by customer and time.

- `customer_timeline`: every process's events in one table whose cases are **customers** (case index =
  customer), with the process and the process's own case id per event.
- Cross-process friction at customer scope, as `Candidate`s the engine scores like any other:
  `contact_during_wait` (a long wait in one process, and the customer contacts us in another meanwhile),
  `cross_channel_repeat` (a new contact while an earlier one is open or within 7 days, on another channel or
  process) and `spillover` (a process's friction point, lifted to its customers, tested against outcomes
  recorded anywhere: a survey answer, a cancellation in another process).
- `portfolio`: the critical few processes by the customer harm they cause.

Vectorised: joins with merge_asof by customer, bincounts per customer; loops only over processes, gaps
and points (tens).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cxmine.core import schema
from cxmine.core.journey import case_starts, distinct
from cxmine.core.timings import gap_keys
from cxmine.friction.contract import Candidate
from cxmine.friction.stats import fisher_p
from cxmine.model import EventLog, FrictionReport

if TYPE_CHECKING:  # the stage type only: prepare imports the registry, which imports this module's detectors
    from cxmine.friction.prepare import Stage

REPEAT_WITHIN_DAYS = 7.0
SPILLOVER_POINTS = 10  # per process: the top points lifted to its customers


@dataclass
class ProcessAnalysis:
    """One process analysed on its own (detection stage and ranking), for the journey and the portfolio."""

    name: str
    log: EventLog
    stage: "Stage"
    report: FrictionReport
    contacts: bool = False


def customer_timeline(processes: list[ProcessAnalysis]) -> EventLog:
    """Every process's events with a known customer, one case per customer, sorted by customer and time.
    Strings are never built per event: categories are unioned, and the sort runs on integer codes."""
    parts = []
    for process in processes:
        events = process.log.events
        if "customer" not in events.columns:
            continue
        known = events["customer"].notna().to_numpy()
        part = events.loc[known, ["customer", schema.ACTIVITY, schema.TIMESTAMP, schema.CASE]]
        parts.append((_text(part["customer"]), _text(part[schema.ACTIVITY]), part[schema.TIMESTAMP].dt.tz_convert("UTC"), process.name, _text(part[schema.CASE], f"{process.name}:")))
    if not parts:
        from cxmine.errors import InputError  # noqa: PLC0415

        raise InputError("no process has a customer column: the journey cannot tie them together", hint="set customer = \"…\" in each [[sources]]")
    customers = _union([p[0] for p in parts], sort=True)
    activities = _union([p[1] for p in parts])
    cases = _union([p[4] for p in parts])
    times = pd.concat([p[2].reset_index(drop=True) for p in parts], ignore_index=True)
    process = pd.Categorical.from_codes(np.repeat(np.arange(len(parts)), [len(p[0]) for p in parts]), categories=[p[3] for p in parts])
    frame = pd.DataFrame({"case_id": customers, "activity": activities, "timestamp": times, "process": process, "process_case": cases})
    time_ns = times.dt.as_unit("ns").astype("int64").to_numpy()
    order = np.lexsort((time_ns, frame["case_id"].cat.codes.to_numpy()))  # stable: ties keep their order
    frame = frame.iloc[order].reset_index(drop=True)
    for column in ("case_id", "activity", "process_case"):
        frame[column] = _used_only(frame[column].array)
    return EventLog(frame, "customer journey", "journey", {"case_id": "customer"})


def _used_only(values: pd.Categorical) -> pd.Categorical:
    """`remove_unused_categories` by a bincount of the codes (O(n)), not pandas' sort of them."""
    codes = values.codes
    used = np.bincount(codes[codes >= 0], minlength=len(values.categories)) > 0
    if used.all():
        return values
    position = np.cumsum(used) - 1
    return pd.Categorical.from_codes(np.where(codes >= 0, position[np.maximum(codes, 0)], -1), categories=values.categories[used])


def _union(parts: list[pd.Categorical], sort: bool = False) -> pd.Categorical:
    """The categoricals one after another, over the union of their (text) categories — in order of first
    appearance, or sorted. Recoded through the categories (a hash lookup per category, not per value);
    3× faster than pandas' union_categoricals on a journey's customers and cases."""
    categories = pd.Index(np.concatenate([np.asarray(p.categories, dtype=object) for p in parts]), dtype=object).unique()
    if sort:
        categories = categories.sort_values()
    codes = [np.where(p.codes >= 0, categories.get_indexer(p.categories)[p.codes], -1) for p in parts]
    return pd.Categorical.from_codes(np.concatenate(codes) if codes else np.empty(0, dtype=np.int64), categories=categories)


def _text(values: pd.Series, prefix: str = "") -> pd.Categorical:
    """A categorical with plain-text categories (any category dtype, so categoricals of several logs union)."""
    column = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
    names = column.cat.categories.astype(str)  # one string per category, never per event
    categories = pd.Index(np.asarray(prefix + names if prefix else names, dtype=object), dtype=object)
    return pd.Categorical.from_codes(column.cat.codes.to_numpy(), categories=categories)


def _customer_index(timeline: EventLog) -> pd.Series:
    categories = timeline.events[schema.CASE].cat.categories
    return pd.Series(np.arange(len(categories)), index=categories.astype(str))


def _event_customers(events: pd.DataFrame, index: pd.Series) -> np.ndarray:
    """Per event: its customer's index in the timeline (-1: none), through the categories (no strings per event)."""
    column = events["customer"]
    if not isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype("category")
    lookup = index.index.get_indexer(column.cat.categories.astype(str)).astype(np.int64)  # -1: not a timeline customer (index values are positions)
    codes = column.cat.codes.to_numpy()
    if lookup.size == 0:  # no customer at all
        return np.full(len(codes), -1, dtype=np.int64)
    return np.where(codes >= 0, lookup[np.maximum(codes, 0)], -1)


def _case_customers(process: ProcessAnalysis, index: pd.Series) -> np.ndarray:
    """Per case index of the process: the customer index in the timeline (-1: none)."""
    events = process.log.events
    out = np.full(process.stage.n_cases, -1, dtype=np.int64)
    if "customer" not in events.columns or events.empty:
        return out
    rows = np.flatnonzero(case_starts(events))
    out[events[schema.CASE].cat.codes.to_numpy()[rows]] = _event_customers(events, index)[rows]
    return out


def _contact_starts(processes: list[ProcessAnalysis], index: pd.Series, exclude: str) -> pd.DataFrame:
    """Each contact case (of processes marked `contacts`, else of every other process) with its customer,
    start, end, process and channel."""
    chosen = [p for p in processes if p.name != exclude and p.contacts] or [p for p in processes if p.name != exclude]
    frames = []
    for process in chosen:
        events = process.log.events
        if "customer" not in events.columns or events.empty:
            continue
        rows = np.flatnonzero(case_starts(events))
        case = events[schema.CASE].cat.codes.to_numpy()
        last = np.append(rows[1:] - 1, len(events) - 1)
        times = events[schema.TIMESTAMP]
        table = pd.DataFrame({
            "cust": _event_customers(events, index)[rows],
            "start": times.iloc[rows].reset_index(drop=True), "end": times.iloc[last].reset_index(drop=True),
            "channel": events["channel"].iloc[rows].astype(str).to_numpy() if "channel" in events.columns else process.name,
            "process": process.name,
        })  # fmt: skip
        del case
        frames.append(table)
    if not frames:
        return pd.DataFrame(columns=["cust", "start", "end", "channel", "process"])
    contacts = pd.concat(frames, ignore_index=True)
    return contacts.loc[contacts["cust"] >= 0].reset_index(drop=True)


_FOUND: dict[tuple, tuple[tuple, list[Candidate]]] = {}  # the last contact_during_wait result, by the ids it was found on


def contact_during_wait(processes: list[ProcessAnalysis], timeline: EventLog, contact_seconds: float) -> list[Candidate]:
    """The contact_during_wait candidates, found once per timeline: the journey and the portfolio both need
    them. Each caller gets its own copy (the engine folds details into candidates in place)."""
    import copy  # noqa: PLC0415

    key = (id(timeline), *map(id, processes), contact_seconds)
    if key not in _FOUND:
        _FOUND.clear()
        # The objects are kept with the result, so their ids cannot be reused while the key stands.
        _FOUND[key] = ((timeline, *processes), _contact_during_wait(processes, timeline, contact_seconds))
    return copy.deepcopy(_FOUND[key][1])


def _gap_key(occ: pd.DataFrame, width: np.int64, from_activity: str | None, to_activity: str | None) -> int:
    """The `core.timings.gap_keys` integer of one (from, to) pair by name; -1 (no gap has it) when a name is
    not an activity."""
    names = occ["from_activity"].cat.categories.astype(str)
    a, b = np.flatnonzero(names == from_activity), np.flatnonzero(names == to_activity)
    return int(a[0] * width + b[0]) if a.size and b.size else -1


def _contact_during_wait(processes: list[ProcessAnalysis], timeline: EventLog, contact_seconds: float) -> list[Candidate]:
    """`contact_during_wait`: for each long customer wait of a process (its `wait` candidates), the share of
    those customers who opened a contact in another process during the wait, against the share among the
    same gap's normal waits. Affected: the customers who waited long; their customer time: contact_minutes
    per contact made during the long wait."""
    index = _customer_index(timeline)
    n = len(index)
    out: list[Candidate] = []
    for process in processes:
        if process.contacts or process.stage.journey.gaps is None:
            continue
        contacts = _contact_starts(processes, index, process.name)
        if contacts.empty:
            continue
        customers = _case_customers(process, index)
        occ = process.stage.journey.gaps.occurrences
        names = sorted(str(name) for name in contacts["process"].unique())  # per process, not per contact
        keys, width = gap_keys(occ)  # each gap's (from, to) as one integer, compared without strings
        for wait in (c for c in process.stage.candidates if c.kind == "wait"):
            mine = occ.loc[keys == _gap_key(occ, width, wait.from_activity, wait.to_activity)]
            cust = customers[mine["case"].to_numpy()]
            keep = cust >= 0
            if keep.sum() < 5:
                continue
            frame = pd.DataFrame({
                "cust": cust[keep], "start": mine["start"].reset_index(drop=True)[keep], "end": mine["end"].reset_index(drop=True)[keep],
                "long": mine["gap_seconds"].to_numpy()[keep] > wait.threshold_seconds,
            })  # fmt: skip
            frame = frame.sort_values("start", kind="stable").reset_index(drop=True)
            right = contacts[["cust", "start"]].rename(columns={"start": "contact"}).sort_values("contact", kind="stable")
            joined = pd.merge_asof(frame, right, left_on="start", right_on="contact", by="cust", direction="forward")
            contacted = (joined["contact"].notna() & (joined["contact"] <= joined["end"])).to_numpy()
            long = joined["long"].to_numpy(dtype=bool)
            cust_all = joined["cust"].to_numpy()
            # Per customer: waited long at least once (exposed), and contacted during a long wait; the others
            # are the customers whose waits here were all normal, and whether they contacted during one.
            long_c = np.bincount(cust_all, weights=long, minlength=n) > 0
            seen = np.bincount(cust_all, minlength=n) > 0
            during_long = np.bincount(cust_all, weights=contacted & long, minlength=n) > 0
            during_any = np.bincount(cust_all, weights=contacted, minlength=n) > 0
            others = seen & ~long_c
            n1, n0 = int(long_c.sum()), int(others.sum())
            if n1 < 5 or n0 < 5:
                continue
            a, c = int(during_long[long_c].sum()), int(during_any[others].sum())
            rate1, rate0 = a / n1, c / n0
            if rate1 <= rate0:
                continue
            per_contact = np.bincount(cust_all[long & contacted], minlength=n).astype(float)
            out.append(
                Candidate.from_case_arrays(
                    "contact_during_wait", "", long_c, per_contact * contact_seconds, "contacts during the wait",
                    during_long[long_c].astype(float), during_long[long_c].astype(float), threshold_seconds=wait.threshold_seconds,
                    from_activity=wait.from_activity, to_activity=wait.to_activity,
                    details={
                        "process": process.name, "contact_processes": names, "customers_waiting_long": n1, "customers_waiting_normally": n0,
                        "share_contacted_long": round(rate1, 6), "share_contacted_others": round(rate0, 6),
                        "contacts_during_long_waits": int((long & contacted).sum()),
                        "contacts_generated": round(n1 * (rate1 - rate0), 3), "p_value": fisher_p(a, n1, c, n0),
                    },
                    eligible_cases=np.flatnonzero(seen),
                    p_value=fisher_p(a, n1, c, n0), complaint_cases=n1 * (rate1 - rate0),
                )
            )
    return out


def cross_channel_repeats(processes: list[ProcessAnalysis], timeline: EventLog, within_days: float = REPEAT_WITHIN_DAYS) -> list[Candidate]:
    """`cross_channel_repeat`: a customer opens a new contact while an earlier one is open or within
    `within_days` after it ended, on another channel or in another process."""
    index = _customer_index(timeline)
    contacts = _contact_starts(processes, index, exclude="")
    if len(contacts) < 2:
        return []
    contacts = contacts.sort_values(["cust", "start"], kind="stable").reset_index(drop=True)
    previous_end = contacts.groupby("cust")["end"].shift(1)
    previous_channel = contacts.groupby("cust")["channel"].shift(1)
    gap = (contacts["start"] - previous_end).dt.total_seconds()
    repeat = ((gap <= within_days * 86400) & (contacts["channel"].astype(str) != previous_channel.astype(str))).fillna(False).to_numpy(dtype=bool)
    if not repeat.any():
        return []
    n = len(index)
    cust = contacts["cust"].to_numpy()[repeat]
    values = np.clip(gap.to_numpy()[repeat], 0, None)
    pairs = (previous_channel[repeat].astype(str) + " → " + contacts.loc[repeat, "channel"].astype(str)).value_counts().head(3)
    return [
        Candidate.from_case_arrays(
            "cross_channel_repeat", "", np.bincount(cust, minlength=n) > 0, np.zeros(n), "time since the previous contact", values, values,
            threshold_seconds=within_days * 86400,
            details={"within_days": within_days, "repeats": int(repeat.sum()), "top_switches": [{"switch": k, "contacts": int(v)} for k, v in pairs.items()]},
            start_per_case=_first(cust, contacts["start"].dt.as_unit("ns").astype("int64").to_numpy().astype(float)[repeat], n),
        )
    ]


def spillovers(processes: list[ProcessAnalysis], timeline: EventLog) -> list[Candidate]:
    """`spillover`: each process's top friction points lifted to their customers (a customer is affected
    when any of their cases is), so the engine tests them against outcomes recorded anywhere."""
    index = _customer_index(timeline)
    n = len(index)
    out: list[Candidate] = []
    for process in processes:
        customers = _case_customers(process, index)
        by_place = {}  # a ranked point is the candidate of the same kind, label and place
        for c in process.stage.candidates:
            by_place.setdefault((c.kind, c.label, c.activity, c.from_activity, c.to_activity), c)
        for point in process.report.friction_points[:SPILLOVER_POINTS]:
            candidate = by_place.get((point.kind, point.label, point.activity, point.from_activity, point.to_activity))
            if candidate is None:
                continue
            cust = customers[candidate.cases]
            keep = cust >= 0
            if not keep.any():
                continue
            # Its customer time is counted in its own process: across the journey it ranks on the outcomes it raises.
            hours = float(candidate.excess_seconds[keep].sum()) / 3600
            start = None if candidate.start_ns is None else _first(cust[keep], candidate.start_ns[keep], n)
            out.append(
                Candidate.from_case_arrays(
                    "spillover", "", np.bincount(cust[keep], minlength=n) > 0, np.zeros(n), candidate.measure, candidate.values, candidate.affected_values,
                    threshold_seconds=candidate.threshold_seconds, activity=candidate.activity, from_activity=candidate.from_activity,
                    to_activity=candidate.to_activity, start_per_case=start,
                    details={"process": process.name, "point": point.label, "point_rank": point.rank, "point_kind": point.kind, "customer_hours_in_process": round(hours, 3)},
                    eligible_cases=distinct(customers[customers >= 0], n),
                )
            )
    return out


def _first(cust: np.ndarray, times: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, np.inf)
    np.minimum.at(out, cust, np.nan_to_num(times, nan=np.inf))
    out[np.isinf(out)] = np.nan
    return out


# ---------------------------------------------------------------------------------------------------------------
# The portfolio


@dataclass(frozen=True)
class ProcessHarm:
    name: str
    rank: int
    score: float
    critical: bool
    cases: int
    customers: int
    customers_affected: int
    customer_hours: float
    outcomes_raised: dict[str, float]
    contacts_generated: float
    value: float | None
    top_points: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "rank": self.rank, "score": round(self.score, 4), "critical": self.critical, "cases": self.cases,
            "customers": self.customers, "customers_affected": self.customers_affected, "customer_hours": round(self.customer_hours, 3),
            "outcomes_raised": {k: round(v, 3) for k, v in self.outcomes_raised.items()}, "contacts_generated": round(self.contacts_generated, 3),
            "value": None if self.value is None else round(self.value, 2), "top_points": [dict(p) for p in self.top_points],
        }


def portfolio(processes: list[ProcessAnalysis], contacts: list[Candidate], critical_share: float, value: Any = None) -> list[ProcessHarm]:
    """Each process's customer harm — customer-hours, outcomes raised, contacts it generates in other
    processes, value — and the critical few processes: the smallest top set holding `critical_share` of
    the score. Score: the share of value when every process is priced, else the mean of the shares of customer-hours,
    outcomes raised and contacts generated."""
    rows = []
    for process in processes:
        points = process.report.friction_points
        hours = sum(p.excess_customer_hours for p in points)
        raised: dict[str, float] = {}
        for p in points:
            for o in p.outcomes:
                if o.excess_cases > 0:
                    raised[o.name] = raised.get(o.name, 0.0) + o.excess_cases
        generated = sum(float(c.details.get("contacts_generated", 0.0)) for c in contacts if c.details.get("process") == process.name)
        affected = np.zeros(process.stage.n_cases, dtype=bool)
        for c in process.stage.candidates:
            affected[c.cases] = True
        events = process.log.events
        customers_of = events.groupby(schema.CASE, observed=True, sort=True)["customer"].first() if "customer" in events.columns else None
        customers = int(customers_of.nunique()) if customers_of is not None else 0
        customers_affected = int(customers_of[affected[: len(customers_of)]].nunique()) if customers_of is not None else 0
        priced = None
        if value is not None and (not points or any(p.value_if_fixed is not None for p in points)):  # a log without its own [value] is unpriced
            priced = sum(p.value_if_fixed or 0.0 for p in points) + generated * value.contact
        top = tuple({"rank": p.rank, "kind": p.kind, "label": p.label, "score": round(p.score, 4), "sentence": p.sentence} for p in points[:3])
        rows.append([process.name, hours, raised, generated, priced, process.stage.n_cases, customers, customers_affected, top])
    totals = [sum(r[1] for r in rows), sum(sum(r[2].values()) for r in rows), sum(r[3] for r in rows), sum((r[4] or 0.0) for r in rows)]

    def score(r) -> float:
        if value is not None and totals[3] > 0 and all(r[4] is not None for r in rows):  # value only when every process is priced
            return (r[4] or 0.0) / totals[3]
        parts = [r[1] / totals[0] if totals[0] else None, sum(r[2].values()) / totals[1] if totals[1] else None, r[3] / totals[2] if totals[2] else None]
        known = [p for p in parts if p is not None]
        return sum(known) / len(known) if known else 0.0

    scored = sorted(rows, key=lambda r: (-score(r), r[0]))
    out, cumulative, reached = [], 0.0, False
    for rank_, r in enumerate(scored, start=1):
        s = score(r)
        critical = not reached and s > 0  # nothing measured, nothing critical
        cumulative += s
        reached = cumulative >= critical_share - 1e-9
        out.append(ProcessHarm(r[0], rank_, 100 * s, critical, r[5], r[6], r[7], r[1], r[2], r[3], r[4], r[8]))
    return out


def with_process(report: FrictionReport, name: str) -> FrictionReport:
    """A process's friction report with its name in the source line."""
    return replace(report, source=f"{name}: {report.source}")


# ---------------------------------------------------------------------------------------------------------------
# The journey map

MAX_STEPS = 8  # activities per lane


def _lane(events: pd.DataFrame) -> list[str]:
    """A lane's main activities in their usual order: those in at least a fifth of the cases (at most
    MAX_STEPS), ordered by their median relative position in the case (0 = first, 1 = last)."""
    case = events["case_id"].cat.codes.to_numpy()
    first = np.ones(len(case), dtype=bool)
    first[1:] = case[1:] != case[:-1]
    start = np.maximum.accumulate(np.where(first, np.arange(len(case)), 0))
    length = np.bincount(case, minlength=case.max() + 1 if len(case) else 0)[case]
    relative = (np.arange(len(case)) - start) / np.maximum(length - 1, 1)
    table = pd.DataFrame({"activity": events["activity"].astype(str).to_numpy(), "case": case, "relative": relative})
    stats = table.groupby("activity").agg(cases=("case", "nunique"), median=("relative", "median"))
    n_cases = max(1, int(np.unique(case).size))
    stats = stats[stats["cases"] >= 0.2 * n_cases].sort_values("cases", ascending=False).head(MAX_STEPS)
    return list(stats.sort_values(["median", "cases"], ascending=[True, False]).index)


def journey_lanes(processes: list[ProcessAnalysis], report: FrictionReport) -> dict[str, Any]:
    """The journey map's data: lanes [{process, steps}] and the contacts drawn where they happen, edges
    [{process, from_activity, contact_process, to_activity, label}] (from the journey's contact_during_wait points)."""
    lanes_ = [(p.name, _lane(p.log.events)) for p in processes]
    edges = []
    for point in report.friction_points:
        if point.kind != "contact_during_wait":
            continue
        waiting = point.details.get("process")
        share = point.details.get("share_contacted_long")
        for target in point.details.get("contact_processes") or []:
            steps = dict(lanes_).get(target) or []
            if steps and point.from_activity:
                edges.append((waiting, point.from_activity, target, steps[0], f"{100 * float(share or 0):.0f}% contact during the wait"))
    keys = ("process", "from_activity", "contact_process", "to_activity", "label")
    return {"lanes": [{"process": name, "steps": steps} for name, steps in lanes_], "edges": [dict(zip(keys, e)) for e in edges[:6]]}
