"""Bad outcomes per case (`[[outcomes]]`, and complaints as the outcome "complaint"): did the case end
badly, and when — so that only friction that began before the outcome counts towards it.

Vectorised per outcome (a handful): boolean masks over the sorted canonical table, then per-case
reductions with numpy ufuncs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from cxmine.core import schema
from cxmine.core.journey import case_starts, first_known
from cxmine.matching import matches
from cxmine.model import Warning_


class OutcomeSettings(Protocol):
    """What an outcome needs of `[[outcomes]]` (cxmine.config.Outcome has it)."""

    name: str
    ends_with: tuple[str, ...]
    reaches: tuple[str, ...]
    attribute: str | None
    equals: str | None
    score: str | None
    bad_below: float | None
    weight: float

    @property
    def said(self) -> str: ...

    @property
    def source(self) -> str: ...

    @property
    def activities(self) -> tuple[str, ...]: ...


@dataclass
class CaseOutcome:
    """One outcome over the cases of a log (arrays indexed by case index)."""

    name: str
    said: str  # how sentences say it: "complain", "are cancelled", "end up detractor"
    has: np.ndarray  # bool per case
    at_ns: np.ndarray  # when (float ns; the last complaint for complaints; NaN: no time, counts as any time)
    weight: float = 1.0
    activities: frozenset[str] = frozenset()  # a point located at one of these is not tested against it
    score: np.ndarray | None = None  # survey score per case (NaN: none), for the mean difference
    details: dict[str, Any] = field(default_factory=dict)


def complaints_about(complaints: pd.DataFrame, known: pd.Index) -> tuple[pd.DataFrame, int]:
    """The complaints that can belong to these cases (`known`: their ids as text): those naming one of them,
    and those known only by customer (matched by customer and time later); and how many were left out."""
    keep = complaints["case_id"].isna().to_numpy() | complaints["case_id"].astype(str).isin(known).to_numpy()
    return complaints.loc[keep].reset_index(drop=True), int((~keep).sum())


def out_of_scope(count: int) -> Warning_:
    """The note for complaints about cases a window or --where left out (not "unmatched": out of scope)."""
    return Warning_("complaints_out_of_scope", "complaints about cases that --since/--until/--where left out are not analysed", count=count)


def complaint_outcome(located: pd.DataFrame, n_cases: int) -> CaseOutcome:
    """Complaints as an outcome: the case complained. Complaints are made *during* friction (a customer
    complains while waiting), so no timing rule applies to them: only the location rule (a complaint
    hotspot tests itself). Timing is for outcomes that end a journey (cancellation, a survey after it)."""
    has = np.zeros(n_cases, dtype=bool)
    if located is not None and len(located):
        has[located["case"].to_numpy(dtype=np.int64)] = True
    return CaseOutcome("complaint", "complain", has, np.full(n_cases, np.nan))


def case_outcomes(events: pd.DataFrame, outcomes: tuple[OutcomeSettings, ...], scores: dict[str, pd.DataFrame], notes: list[Warning_], source: str = "") -> list[CaseOutcome]:
    """Every configured outcome over the cases of `events`. `scores[name]` is a survey table (case index,
    timestamp, score) for outcomes read from a file. An outcome whose activities never occur raises a
    ConfigError (a typo would silently find nothing)."""
    from cxmine.errors import ConfigError  # noqa: PLC0415

    n_cases = int(events[schema.CASE].cat.categories.size)
    case = events[schema.CASE].cat.codes.to_numpy()
    codes = events[schema.ACTIVITY].cat.codes.to_numpy()
    names = [str(c) for c in events[schema.ACTIVITY].cat.categories]
    time_ns = events[schema.TIMESTAMP].dt.as_unit("ns").astype("int64").to_numpy().astype(float)
    last = np.ones(len(events), dtype=bool)
    last[:-1] = case[1:] != case[:-1]
    found: list[CaseOutcome] = []
    for outcome in outcomes:
        has = np.zeros(n_cases, dtype=bool)
        at = np.full(n_cases, np.nan)
        score = None
        if outcome.source in ("ends_with", "reaches"):
            patterns = outcome.ends_with or outcome.reaches
            chosen = matches(names, list(patterns))
            rows = np.isin(codes, [i for i, name in enumerate(names) if name in chosen])
            if outcome.source == "ends_with":
                rows &= last
            first = np.full(n_cases, np.inf)
            np.minimum.at(first, case[rows], time_ns[rows])
            has = np.isfinite(first)
            at = np.where(has, first, np.nan)
        elif outcome.source == "attribute":
            column = outcome.attribute if outcome.attribute in events.columns else f"case:{outcome.attribute}"
            if column not in events.columns:
                raise ConfigError(f"[[outcomes]] {outcome.name!r}: no attribute {outcome.attribute!r} in the log", file=source or None, hint=f"columns: {', '.join(map(str, events.columns[:30]))}")
            hit = (events[column].astype("string").str.strip().str.casefold() == str(outcome.equals).strip().casefold()).fillna(False).to_numpy(dtype=bool)
            has = np.bincount(case[hit], minlength=n_cases) > 0
            ends = np.full(n_cases, -np.inf)
            np.maximum.at(ends, case, time_ns)
            at = np.where(has, ends, np.nan)  # known at the case's end
        else:
            found.append(survey_outcome(outcome, scores.get(outcome.name), n_cases, names, notes))
            continue
        found.append(CaseOutcome(outcome.name, outcome.said, has, at, float(outcome.weight), frozenset(matches(names, list(outcome.activities))), score))
    return found


def survey_outcome(outcome: OutcomeSettings, table: pd.DataFrame | None, n_cases: int, names: list[str], notes: list[Warning_]) -> CaseOutcome:
    """An outcome read from a scores file, on any engine: `table` is the answers joined to case indices
    (`join_scores`); a case has it when its answer is below `bad_below`, known when it was answered."""
    at = np.full(n_cases, np.nan)
    score = np.full(n_cases, np.nan)
    if table is not None and len(table):
        index = table["case"].to_numpy(dtype=np.int64)
        score[index] = table["score"].to_numpy(dtype=float)
        stamp = table["timestamp"] if "timestamp" in table.columns else None
        if stamp is not None:
            when = pd.to_datetime(stamp, utc=True)
            known = when.notna().to_numpy()
            at[index[known]] = when[known].dt.as_unit("ns").astype("int64").to_numpy().astype(float)  # NaT stays NaN
    has = score < float(outcome.bad_below)  # NaN compares False: no answer is not a bad answer
    if int(np.isfinite(score).sum()) == 0:
        notes.append(Warning_("outcome_without_scores", f"outcome {outcome.name!r}: no score could be joined to a case"))
    return CaseOutcome(outcome.name, outcome.said, has, at, float(outcome.weight), frozenset(matches(names, list(outcome.activities))), score)


def _case_starts(events: pd.DataFrame, customer_column: str) -> pd.DataFrame:
    """Per case index: its customer (the first known, as text) and its start. The table is sorted by case
    and time, so on a categorical customer column with every time known this reads each case's run of rows
    (reduceat) instead of grouping."""
    column, times = events[customer_column], events[schema.TIMESTAMP]
    if not isinstance(column.dtype, pd.CategoricalDtype) or times.isna().any():
        grouped = events.groupby(schema.CASE, observed=True, sort=True)
        out = pd.DataFrame({"customer": grouped[customer_column].first().astype("string"), "start": grouped[schema.TIMESTAMP].min()})
        out["case"] = np.arange(len(out))
        return out
    rows = np.flatnonzero(case_starts(events))
    codes = column.cat.codes.to_numpy()
    row = first_known(codes >= 0, rows)
    customer = np.where(row >= 0, codes[row], -1) if row.size else row  # row -1 reads the last code, masked here
    return pd.DataFrame({
        "customer": pd.Series(pd.Categorical.from_codes(customer, column.cat.categories)).astype("string"),
        "start": times.iloc[rows].reset_index(drop=True), "case": np.arange(rows.size),
    })  # fmt: skip


def join_scores(scores: pd.DataFrame, events: pd.DataFrame, customer_column: str | None, notes: list[Warning_], name: str) -> pd.DataFrame:
    """Scores joined to case indices: by case id, else by customer (the case that started last before the
    answer). Returns columns case, timestamp, score — one answer per case (the last)."""
    categories = pd.Index(events[schema.CASE].cat.categories.astype(str))
    by_customer = customer_column is not None and customer_column in events.columns
    return match_scores(scores, categories.get_indexer, (lambda: _case_starts(events, customer_column)) if by_customer else None, notes, name)


def match_scores(scores: pd.DataFrame, index_of, starts, notes: list[Warning_], name: str) -> pd.DataFrame:
    """`join_scores` on any engine: `index_of(ids)` gives the case index of each case id (-1: not a case);
    `starts()` (None: no customer column) each case's customer (as text), start and index `case`, for at least
    the customers the answers name."""
    frame = scores.copy()
    if frame["case_id"].notna().any():  # case index by a hash lookup of each answer's case id (-1: unknown)
        found = np.array(index_of(frame["case_id"].astype("string").fillna("").astype(object)), dtype=float)
        found[(found < 0) | frame["case_id"].isna().to_numpy()] = np.nan
        frame["case"] = found
    else:
        frame["case"] = np.nan
    if starts is not None and frame["customer"].notna().any():
        need = frame["case"].isna() & frame["customer"].notna() & frame["timestamp"].notna()
        if need.any():
            starts = starts().dropna(subset=["customer"]).sort_values("start")
            asked = frame.loc[need, ["customer", "timestamp"]].reset_index().sort_values("timestamp")
            asked["timestamp"] = asked["timestamp"].astype(starts["start"].dtype)  # one time unit on both sides
            joined = pd.merge_asof(asked, starts, left_on="timestamp", right_on="start", by="customer", direction="backward")
            frame.loc[joined["index"].to_numpy(), "case"] = joined["case"].to_numpy()
    unmatched = int(frame["case"].isna().sum())
    if unmatched:
        notes.append(Warning_("unmatched_scores", f"[[outcomes]] {name!r}: answers whose case (or customer) is not in the log", unmatched))
    frame = frame.dropna(subset=["case"])
    frame["case"] = frame["case"].astype(np.int64)
    frame = frame.sort_values(["case", "timestamp"], kind="stable").drop_duplicates("case", keep="last")
    return frame[["case", "timestamp", "score"]].reset_index(drop=True)
