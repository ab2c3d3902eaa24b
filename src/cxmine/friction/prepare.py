"""Prepare a log for detection: the customer's journey per case (touchpoints, customer-visible gaps,
the customer's window), complaints joined to cases and to where the customer was, promise outcomes and
case attributes for drivers. Pure pandas; builds the `Journey` every detector reads."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from cxmine.config import Config
from cxmine.core import schema
from cxmine.core.journey import case_starts, first_known
from cxmine.core.timings import customer_gaps, epoch_ns, promise_outcomes
from cxmine.core.outcomes import CaseOutcome, case_outcomes, complaint_outcome, join_scores
from cxmine.core.shapes import case_status
from cxmine.core.touchpoints import touchpoint_masks
from cxmine.matching import matches
from cxmine.friction.contract import Candidate, Journey
from cxmine.model import EventLog, Warning_

Progress = Callable[[str], None]
LOCATED_COLUMNS = ["case", "timestamp", "tag", "severity", "from_activity", "to_activity", "step"]


def locate_complaints(complaints: pd.DataFrame, events: pd.DataFrame, touchpoint: np.ndarray, chasing: np.ndarray, customer: str | None, notes: list[Warning_]) -> tuple[pd.DataFrame, int]:
    """Join complaints to cases (by case id, else by customer and time) and to where the customer was:
    the customer-visible gap in progress at the complaint's timestamp. Returns (located, unmatched)."""
    categories = events[schema.CASE].cat.categories
    codes = pd.Series(np.arange(len(categories)), index=categories.astype(str))
    by_customer = None
    if customer and customer in events.columns and complaints["customer"].notna().any():
        by_customer = events.groupby(schema.CASE, observed=True, sort=True).agg(customer=(customer, "first"), start=(schema.TIMESTAMP, "min"))
        by_customer["case"] = np.arange(len(by_customer))
    frame, unmatched = match_complaints(complaints, codes, by_customer, notes)
    steps = pd.DataFrame({
        "case": events[schema.CASE].cat.codes.to_numpy().astype(np.int64), "time": events[schema.TIMESTAMP].reset_index(drop=True),
        "activity": events[schema.ACTIVITY].astype(str).to_numpy(),
    })  # fmt: skip
    return place_complaints(frame, steps, touchpoint & ~chasing), unmatched


def match_complaints(complaints: pd.DataFrame, codes: pd.Series, by_customer: pd.DataFrame | None, notes: list[Warning_]) -> tuple[pd.DataFrame, int]:
    """The complaints with their case index `case`, on any engine: by case id (`codes`: case id → index, at
    least every id the complaints name that is a case), else by customer and time (`by_customer`: per case
    its customer, start and index `case`, for at least the complaints' customers: the case of the customer
    that started last before the complaint). Returns (matched complaints, how many matched no case)."""
    frame = complaints.copy()
    frame["case"] = frame["case_id"].map(codes) if frame["case_id"].notna().any() else np.nan
    if by_customer is not None:
        by_customer = by_customer.dropna(subset=["customer"]).copy()
        by_customer["customer"] = by_customer["customer"].astype(str)
        need = frame["case"].isna() & frame["customer"].notna()
        if need.any():
            asked = frame.loc[need, ["customer", "timestamp"]].reset_index().sort_values("timestamp")
            asked["customer"] = asked["customer"].astype(str)
            joined = pd.merge_asof(asked, by_customer.sort_values("start")[["customer", "start", "case"]], left_on="timestamp", right_on="start", by="customer", direction="backward")
            frame.loc[joined["index"].to_numpy(), "case"] = joined["case"].to_numpy()
    unmatched = int(frame["case"].isna().sum())
    if unmatched:
        examples = tuple(str(x) for x in frame.loc[frame["case"].isna(), "case_id"].dropna().head(3))
        notes.append(Warning_("unmatched_complaints", "complaints whose case (or customer) is not in the log", unmatched, examples))
    frame = frame.dropna(subset=["case"]).copy()
    frame["case"] = frame["case"].astype(np.int64)
    return frame, unmatched


def place_complaints(frame: pd.DataFrame, steps: pd.DataFrame, touchpoint: np.ndarray) -> pd.DataFrame:
    """Where each matched complaint was made, on any engine: the customer-visible gap in progress (from the
    last touchpoint at or before it to the next) and the step just done. `steps`: the events of at least the
    complaints' cases in case and time order (case index, time, activity name); `touchpoint`: which of them
    open or close a gap (touchpoints that are not chasing)."""
    tp_rows = np.flatnonzero(touchpoint)
    tps = pd.DataFrame({"case": steps["case"].to_numpy()[tp_rows], "time": steps["time"].iloc[tp_rows].reset_index(drop=True), "activity": steps["activity"].to_numpy()[tp_rows]})
    tps["next_activity"] = tps.groupby("case")["activity"].shift(-1)
    tps = tps.sort_values("time", kind="stable")
    frame = frame.sort_values("timestamp", kind="stable")
    located = pd.merge_asof(frame, tps, left_on="timestamp", right_on="time", by="case", direction="backward")
    first_tp = tps.groupby("case")["activity"].first()
    before = located["activity"].isna()
    located["from_activity"] = located["activity"].where(~before, "(before the first touchpoint)")
    located.loc[before, "next_activity"] = located.loc[before, "case"].map(first_tp)
    located["to_activity"] = located["next_activity"].fillna("(journey ended)")
    # The step the customer had just been through (any activity, internal ones included).
    done = steps.rename(columns={"time": "step_time", "activity": "step"}).sort_values("step_time", kind="stable")
    located = pd.merge_asof(located.sort_values("timestamp", kind="stable"), done, left_on="timestamp", right_on="step_time", by="case", direction="backward")
    located["step"] = located["step"].fillna("(before the first event)")
    columns = ["case", "timestamp", "tag", "severity", "from_activity", "to_activity", "step"]
    return located[columns].sort_values(["case", "timestamp"], kind="stable").reset_index(drop=True)


def cases_per_activity(events: pd.DataFrame) -> pd.Series:
    """How many cases do each activity (name → cases), as complaint_overlay reads it."""
    passing = events.groupby(schema.ACTIVITY, observed=True)[schema.CASE].nunique()
    passing.index = passing.index.astype(str)
    return passing


def complaint_overlay(located: pd.DataFrame, gaps, passing_step: pd.Series, top_tags: int = 3) -> dict[str, list[dict[str, Any]]]:
    """Complaints per customer-visible gap (transition between touchpoints) and per step just done:
    count, cases that went through it (`passing_step`: cases per activity), complaint rate (complaining cases
    / those cases), top tags."""
    occ = gaps.occurrences
    passing_gap = occ.groupby([occ["from_activity"].astype(str), occ["to_activity"].astype(str)])["case"].nunique()

    def table(keys: list[str], passing: pd.Series) -> list[dict[str, Any]]:
        rows = []
        for key, group in located.groupby(keys, sort=True):
            key = key if isinstance(key, tuple) else (key,)
            cases = passing.get(key if len(key) > 1 else key[0])
            tags = group["tag"].astype(str).value_counts()
            tags = sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))[:top_tags]
            row = dict(zip(keys, map(str, key)))
            row.update(
                {
                    "complaints": int(len(group)),
                    "cases_complaining": int(group["case"].nunique()),
                    "cases_passing": None if cases is None else int(cases),
                    "complaint_rate": None if not cases else round(group["case"].nunique() / cases, 6),
                    "top_tags": [{"name": str(k), "count": int(v)} for k, v in tags],
                }
            )
            rows.append(row)
        return sorted(rows, key=lambda r: (-r["complaints"], *[r[k] for k in keys]))

    return {"by_transition": table(["from_activity", "to_activity"], passing_gap), "by_step": table(["step"], passing_step)}



NUMERIC_BANDS = 4  # a numeric case attribute (an amount, an age) becomes quartile bands for drivers


def case_attributes(events: pd.DataFrame, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per case, the attributes that can drive friction: categorical ones with 2–30 values and numeric ones
    (binned into quartile bands, e.g. "5,000–10,000"), each constant within a case (channel, product,
    amount requested…)."""
    skip = {schema.CASE, schema.ACTIVITY, schema.TIMESTAMP, schema.START, schema.LIFECYCLE, schema.RESOURCE}
    chosen, numeric = [], []
    for column in events.columns:
        if column in skip:
            continue
        values = events[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            n = len(values.cat.categories)
            if 2 <= n <= 30:
                chosen.append(column)
            elif n > 30 and _spells_numbers(values.cat.categories):
                numeric.append(column)
        elif pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
            numeric.append(column)
    n_cases = events[schema.CASE].cat.categories.size
    columns = chosen + numeric
    if not columns:
        return pd.DataFrame(index=range(n_cases))
    # Each column as numbers (category codes, or the values), NaN where missing: per case the smallest, the
    # largest and the first known value in one pass each; a column is constant when they agree in every case.
    # The table is sorted by case, so each case is one run of rows: reduceat over the runs.
    starts = np.flatnonzero(case_starts(events))
    out = pd.DataFrame(index=range(starts.size))
    for column in columns if starts.size else ():
        numbers = _numbers(events[column])
        with np.errstate(invalid="ignore"):
            low, high = np.fmin.reduceat(numbers, starts), np.fmax.reduceat(numbers, starts)
        if ((low == high) | np.isnan(low)).all() or column in extra:
            row = first_known(~np.isnan(numbers), starts)
            first = np.where(row >= 0, numbers[row], np.nan)  # row -1 reads the last value, masked here
            values = events[column]
            categories = values.cat.categories if isinstance(values.dtype, pd.CategoricalDtype) else None
            out[column] = per_case_attribute(categories, pd.api.types.is_integer_dtype(values.dtype), first, banded=column in numeric)
    return out


def per_case_attribute(categories: pd.Index | None, integer: bool, first: np.ndarray, banded: bool) -> pd.Series | pd.Categorical:
    """A case attribute from its first known value per case — a code into `categories` for a text column (NaN
    or -1: none), else the number (NaN: none; `integer`: the column holds whole numbers) — as the category, or the quartile band
    of the number (numbers stored as text are banded as the numbers they spell). Shared by the engines."""
    if categories is not None:
        codes = np.nan_to_num(first, nan=-1).astype(np.int64)
        if not banded:
            return pd.Categorical.from_codes(codes, categories)
        numbers = pd.to_numeric(pd.Series(categories.astype(str)), errors="coerce")
        numbers = numbers.astype("Int64") if pd.api.types.is_integer_dtype(numbers.dtype) else numbers
        return _bands(numbers.iloc[codes.clip(0)].reset_index(drop=True).where(codes >= 0))
    numbers = pd.Series(first)
    return _bands(numbers.astype("Int64") if integer else numbers)


def spells_numbers(categories: pd.Index) -> bool:
    return _spells_numbers(categories)


def _spells_numbers(categories: pd.Index) -> bool:
    """Are all these category names numbers ("12", "3.5")? The first few decide most columns (ids, names)."""
    head = pd.to_numeric(pd.Series(categories[:64]), errors="coerce")
    return bool(head.notna().all()) and bool(pd.to_numeric(pd.Series(categories), errors="coerce").notna().all())


def _numbers(values: pd.Series) -> np.ndarray:
    """A column as float numbers: category codes (NaN for missing), or the numeric values."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy().astype(float)
        codes[codes < 0] = np.nan
        return codes
    return values.to_numpy(dtype=float, na_value=np.nan)


def _bands(values: pd.Series) -> pd.Series:
    """Quartile bands with readable edges ("5,000–10,000"), as a category."""
    known = values.dropna()
    if known.nunique() < NUMERIC_BANDS * 2:
        return values.astype("string").astype("category")
    edges = np.unique(np.quantile(known, np.linspace(0, 1, NUMERIC_BANDS + 1)))
    if edges.size < 3:
        return values.astype("string").astype("category")
    labels = [f"{_short(a)}–{_short(b)}" for a, b in zip(edges[:-1], edges[1:])]
    return pd.cut(values, edges, labels=labels, include_lowest=True, duplicates="drop")


def _short(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:,.2g}"


@dataclass
class Stage:
    """Everything detection found, before evidence and scoring; `rank` scores it and the report reuses it
    (example cases, distributions, the trend) instead of detecting again."""

    log: EventLog
    journey: Journey
    candidates: list[Candidate]
    located: pd.DataFrame
    unmatched: int
    complained: np.ndarray  # per case index: complained at least once
    have_complaints: bool
    complaints_total: int
    touchpoint_names: tuple[str, ...]
    configured: bool
    overlay: dict[str, Any]
    notes: list[Warning_] = field(default_factory=list)
    outcomes: list[CaseOutcome] = field(default_factory=list)  # complaints first, then [[outcomes]]
    # Per case, for scoring: lead time (seconds) and the attributes that may drive friction; the number of
    # events and the wait basis. None: read from the log's events (the pandas engine); another engine sets them.
    lead_seconds: np.ndarray | None = None
    attributes: pd.DataFrame | None = None
    n_events: int | None = None
    basis: str | None = None
    # The drill-down's rows of some cases (case index → case_id, started, last_event, last_activity, open):
    # None reads them from the journey (the pandas engine); another engine looks them up where it keeps them.
    case_rows: Callable[[np.ndarray], pd.DataFrame] | None = None
    # The open cases' last touchpoints and owed promises (friction.drill.OpenState): None reads them from the
    # journey (the pandas engine); another engine computes them.
    open_state: Any = None

    @property
    def n_cases(self) -> int:
        return self.journey.n_cases

    def case_lead_seconds(self) -> np.ndarray:
        from cxmine.core.journey import case_durations  # noqa: PLC0415

        return self.lead_seconds if self.lead_seconds is not None else case_durations(self.log.events)

    def case_attributes(self) -> pd.DataFrame:
        return self.attributes if self.attributes is not None else case_attributes(self.log.events)

    def events_count(self) -> int:
        return self.n_events if self.n_events is not None else len(self.log.events)

    def wait_basis(self) -> str:
        from cxmine.core.timings import wait_basis  # noqa: PLC0415

        return self.basis if self.basis is not None else wait_basis(self.log.events)


def unknown_names(events: pd.DataFrame, config: Config) -> list[Warning_]:
    """A promise, pause or end activity naming an activity the log does not have finds nothing — usually a
    typo: one warning each, with the closest existing name."""
    from cxmine.matching import closest, pattern_matches  # noqa: PLC0415

    names = {str(c) for c in events[schema.ACTIVITY].cat.categories}
    wanted: list[tuple[str, str]] = []
    for promise in config.promises:
        for pattern in (promise.from_activity, promise.to_activity, *promise.applies_when, *promise.void_when):
            wanted.append((f"promise {promise.name!r}", pattern))
    wanted += [("[journey] pauses", p) for p in config.journey.pauses] + [("[journey] end_activities", p) for p in config.journey.end_activities]
    found = []
    for where, pattern in wanted:
        if not pattern_matches(names, pattern):
            guess = closest(pattern, names)
            hint = f" — did you mean {guess!r}?" if guess else ""
            found.append(Warning_("activity_not_found", f"{where}: no activity {pattern!r} in the log, so it finds no case{hint}"))
    return found


def paused_events(events: pd.DataFrame, touchpoint: np.ndarray, pauses: frozenset[str]) -> np.ndarray | None:
    """Per event: the latest touchpoint at or before it in its case is a pause activity (the customer is
    not waiting on us then). None without pauses."""
    if not pauses:
        return None
    codes = events[schema.ACTIVITY].cat.codes.to_numpy()
    names = events[schema.ACTIVITY].cat.categories
    is_pause = np.isin(codes, [i for i, name in enumerate(names) if str(name) in pauses]) & touchpoint
    index = np.arange(len(events))
    first = case_starts(events)
    # the latest touchpoint row at or before each event, reset at each case start
    latest = np.maximum.accumulate(np.where(touchpoint | first, index, 0))
    return is_pause[latest] & touchpoint[latest]


def prepare_journey(
    log: EventLog, config: Config, complaints: pd.DataFrame | None, notes: list[Warning_],
    deviations: tuple[pd.DataFrame, str] | None = None, scores: dict[str, pd.DataFrame] | None = None, customer_scope: bool = False,
) -> tuple[Journey, dict[str, Any]]:
    """The Journey of `log` under `config`, and what the complaints told (located, unmatched, overlay…)."""
    events = log.events
    settings = config.friction
    n_cases = int(events[schema.CASE].cat.categories.size)
    masks = touchpoint_masks(events, config.touchpoints, notes, quiet=bool(config.sources))
    if not masks.configured:
        notes.append(Warning_("no_touchpoints", "no touchpoints configured: every activity counts as customer-facing (run 'cxmine init' to write a config)"))
    # The customer timeline of a journey (cases are customers) needs no gaps of its own: its kinds read each
    # process's journey, so the gaps between every pair of a customer's events are not built.
    gaps = None if customer_scope else customer_gaps(events, masks.touchpoint, masks.chasing)
    window = gaps.window.reindex(range(n_cases)) if gaps is not None else pd.DataFrame({"first_touchpoint": pd.NaT, "last_touchpoint": pd.NaT}, index=range(n_cases))
    times = events[schema.TIMESTAMP]
    begin = events[schema.START].where(events[schema.START].notna(), times) if schema.START in events.columns else times
    complained = np.zeros(n_cases, dtype=bool)
    located = pd.DataFrame(columns=LOCATED_COLUMNS)
    overlay: dict[str, Any] = {}
    unmatched = 0
    if complaints is not None:
        located, unmatched = locate_complaints(complaints, events, masks.touchpoint, masks.chasing, config.customer, notes)
        complained[located["case"].to_numpy(dtype=int)] = True
        overlay = complaint_overlay(located, gaps, cases_per_activity(events))
    have_complaints = complaints is not None and bool(complained.any())
    promises = tuple(config.promises)
    if not config.sources:  # in a journey, another process's names are expected not to match here
        notes.extend(unknown_names(events, config))
    for key, column in (("customer", config.customer), ("team", config.team)):
        if column and column not in events.columns:
            from cxmine.matching import closest  # noqa: PLC0415

            guess = closest(column, [str(c) for c in events.columns])
            notes.append(Warning_("column_not_found", f"[log] {key} = {column!r} is not a column of the log, so it is not used" + (f" — did you mean {guess!r}?" if guess else "")))
    status = case_status(events, config.journey.end_activities)
    pauses = frozenset(matches([str(c) for c in events[schema.ACTIVITY].cat.categories], config.journey.pauses))
    journey = Journey(
        events=events, n_cases=n_cases, case_ids=events[schema.CASE].cat.categories, case=events[schema.CASE].cat.codes.to_numpy(),
        first=case_starts(events), begin=begin, window_start=epoch_ns(window["first_touchpoint"]), window_end=epoch_ns(window["last_touchpoint"]),
        touchpoint=masks.touchpoint, chasing=masks.chasing, outbound=masks.outbound, wait_factor=settings.wait_factor, team=config.team, customer=config.customer,
        contact_seconds=60.0 * settings.contact_minutes, touchpoints_configured=masks.configured, customer_initiated=masks.customer_initiated,
        gaps=gaps, promises=promises, promise_outcomes=promise_outcomes(events, promises, status=status) if promises else None,
        status=status, pauses=pauses, paused=paused_events(events, masks.touchpoint, pauses),
        min_wait_seconds=settings.min_wait_seconds,
        located_complaints=located if have_complaints else None, deviations=deviations,
    )
    outcomes = [complaint_outcome(located, n_cases)] if have_complaints else []
    joined = {name: join_scores(table, events, config.customer, notes, name) for name, table in (scores or {}).items()}
    outcomes += case_outcomes(events, config.outcomes, joined, notes, str(config.path or ""))
    found = {
        "outcomes": outcomes,
        "located": located, "unmatched": unmatched, "complained": complained, "have_complaints": have_complaints,
        "touchpoint_names": masks.names, "configured": masks.configured, "overlay": overlay,
        "complaints_total": len(complaints) if complaints is not None else 0,
    }
    return journey, found


def detect(
    log: EventLog, config: Config, complaints: pd.DataFrame | None = None, *, notes: list[Warning_] | None = None,
    progress: Progress | None = None, deviations: tuple[pd.DataFrame, str] | None = None, scores: dict[str, pd.DataFrame] | None = None,
    processes: tuple = (), contacts: bool | None = None,
) -> Stage:
    """Prepare the Journey and run every registered kind's detector on it, once."""
    from cxmine.friction import kinds  # noqa: PLC0415 - the registry imports the detectors

    say = progress or (lambda _m: None)
    notes = [] if notes is None else notes
    say("customer journeys")
    journey, found = prepare_journey(log, config, complaints, notes, deviations, scores, customer_scope=bool(processes))
    if contacts is None and config.scoped_to is not None:  # one source of a journey, analysed on its own
        contacts = next((s.contacts for s in config.sources if s.name == config.scoped_to), None)
    journey.contact_process = contacts
    say("friction signals")
    if processes:  # the customer journey: cases are customers, the kinds are the cross-process ones
        journey.processes, journey.timeline = tuple(processes), log
        candidates = kinds.detect_all(journey, say, scope="customer")
    else:
        candidates = kinds.detect_all(journey, say)
    return Stage(log=log, journey=journey, candidates=candidates, notes=notes, **found)
