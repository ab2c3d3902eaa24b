"""Drill-down: the cases behind a friction point, and the open cases in trouble now.

- `point_cases`: the affected cases of a ranked point (or of every candidate of a kind at a place), with
  what each lost: customer time beyond the threshold, when the friction began, its outcomes.
- `open_trouble`: cases still open at the log's end that are inside a friction condition now — a wait
  already past its threshold, or a promise overdue or due within a day. The weekly list a team acts on.

Pure: reads a detection `Stage`, returns a DataFrame with one row per case.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd

from cxmine.core import schema
from cxmine.friction.contract import Candidate
from cxmine.friction.prepare import Stage
from cxmine.render.units import duration

DUE_SOON_SECONDS = 86400.0


def _ns_text(values: np.ndarray) -> list[str | None]:
    out = pd.to_datetime(pd.Series(values), utc=True, unit="ns", errors="coerce").dt.round("us")  # float ns: µs are exact
    return [None if pd.isna(v) else v.isoformat() for v in out]


def point_cases(stage: Stage, candidates: Iterable[Candidate]) -> pd.DataFrame:
    """One row per affected case of the given candidates (a point and the candidates folded into it count
    once per case): case id, customer seconds lost, when it began, and the case's outcomes."""
    chosen = list(candidates)
    n = stage.n_cases
    excess = np.zeros(n)
    began = np.full(n, np.inf)
    hit = np.zeros(n, dtype=bool)
    first_label = np.full(n, -1, dtype=np.int64)  # the first candidate (in the given order) that covers the case
    for j, c in enumerate(chosen):
        hit[c.cases] = True
        np.add.at(excess, c.cases, c.excess_seconds)
        if c.start_ns is not None:
            np.minimum.at(began, c.cases, np.nan_to_num(c.start_ns, nan=np.inf))
        fresh = c.cases[first_label[c.cases] < 0]
        first_label[fresh] = j
    index = np.flatnonzero(hit)
    frame = _case_frame(stage, index)
    frame["excess_customer_seconds"] = excess[index]
    frame["friction_began"] = _ns_text(np.where(np.isfinite(began[index]), began[index], np.nan))
    labels = np.array([c.label for c in chosen] + [""], dtype=object)
    frame["where"] = labels[first_label[index]]
    return frame.sort_values(["excess_customer_seconds", "case_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def _case_frame(stage: Stage, index: np.ndarray) -> pd.DataFrame:
    """The listed cases' own columns: id, when it started, its last event and activity, open or not, its
    outcomes (and the customer, when the config names that column)."""
    rows = stage.case_rows(index) if stage.case_rows is not None else _journey_rows(stage, index)
    frame = pd.DataFrame({"case_id": rows["case_id"].to_numpy()})
    frame["started"] = _ns_text(rows["first_ns"].to_numpy())
    if "last_ns" in rows.columns:
        frame["last_event"] = _ns_text(rows["last_ns"].to_numpy())
        frame["last_activity"] = rows["last_activity"].to_numpy()
        frame["open"] = ~rows["ended"].to_numpy(dtype=bool)
    for outcome in stage.outcomes:
        frame[outcome.name] = outcome.has[index]
    journey = stage.journey
    if "customer" in rows.columns:  # another engine looked the customer up with the case
        frame.insert(1, "customer", rows["customer"].to_numpy())
    elif stage.case_rows is None and journey.customer and journey.customer in journey.events.columns:
        first = journey.events.groupby(schema.CASE, observed=True, sort=True)[journey.customer].first().astype("string").to_numpy()
        frame.insert(1, "customer", first[index])
    return frame


def _journey_rows(stage: Stage, index: np.ndarray) -> pd.DataFrame:
    """Per listed case (the pandas engine): case id, first and last event (float ns), last activity, ended."""
    journey = stage.journey
    grouped_first = np.full(stage.n_cases, np.inf)
    np.minimum.at(grouped_first, journey.case, journey.time_ns)
    rows = pd.DataFrame({"case_id": np.asarray(journey.case_ids.astype(str))[index], "first_ns": grouped_first[index]})
    status = journey.status
    if status is not None:
        rows["last_ns"] = status["last_ns"].to_numpy()[index]
        rows["last_activity"] = status["last_activity"].astype(str).to_numpy()[index]
        rows["ended"] = status["ended"].to_numpy(dtype=bool)[index]
    return rows


@dataclass
class OpenState:
    """What `open_trouble` reads about the cases still open at the log's end, from either engine: `now` (float
    ns, the log's last event), their last touchpoint (`last_touch`: case, activity, time_ns, paused — the
    customer is not waiting on us after a pause) and their promises pending or past due (`owing`: case, name,
    state, deadline_ns, start_ns)."""

    now: float
    last_touch: pd.DataFrame
    owing: pd.DataFrame


def open_trouble(stage: Stage, wait_factor: float, min_wait_seconds: float) -> pd.DataFrame:
    """Open cases in a friction condition at the log's end: waiting since their last touchpoint longer than
    wait_factor × the typical gap from that touchpoint (at least `min_wait`), or owing a promise that is
    overdue or due within a day."""
    state = stage.open_state if stage.open_state is not None else _journey_open_state(stage)
    if state is None:
        return pd.DataFrame(columns=["case_id", "condition", "since", "overdue_seconds"])
    rows: list[pd.DataFrame] = []
    gaps = stage.journey.gaps.occurrences if stage.journey.gaps is not None else pd.DataFrame()
    initiated_names = list(stage.journey.customer_initiated)
    last = state.last_touch
    if len(last) and not gaps.empty:
        # Only where we usually act next: gaps that the customer ends (a survey, a refund request) do not
        # count, and an activity whose next touchpoint is mostly the customer's is no open wait.
        ours = ~gaps["to_activity"].astype(str).isin(initiated_names).to_numpy()
        from_names = gaps["from_activity"].astype(str)
        share_ours = pd.Series(ours).groupby(from_names.to_numpy()).mean()
        typical = gaps.loc[ours].groupby(from_names[ours], observed=True)["gap_seconds"].median()
        typical = typical[share_ours.reindex(typical.index).to_numpy() >= 0.5]
        names = last["activity"].to_numpy(dtype=object)
        time_ns = last["time_ns"].to_numpy(dtype=float)
        waited = (state.now - time_ns) / 1e9
        threshold = np.maximum(wait_factor * typical.reindex(names).to_numpy(dtype=float), min_wait_seconds)
        # Waiting on us: the last touchpoint is ours (not a pause) and the wait is past what is typical.
        late = ~last["paused"].to_numpy(dtype=bool) & ~np.isnan(threshold) & (waited > threshold) & ~np.isin(names, initiated_names)
        if late.any():
            rows.append(pd.DataFrame({
                "case": last["case"].to_numpy()[late], "condition": [f"waiting since '{n}' (longer than {duration(t)})" for n, t in zip(names[late], threshold[late])],
                "since_ns": time_ns[late], "overdue_seconds": waited[late] - threshold[late],
            }))  # fmt: skip
    owing = state.owing
    if len(owing):
        deadline = owing["deadline_ns"].to_numpy(dtype=float)
        status = owing["state"].to_numpy()
        due = (status == "open_past_due") | ((status == "pending") & (deadline - state.now <= DUE_SOON_SECONDS * 1e9))
        if due.any():
            rows.append(pd.DataFrame({
                "case": owing["case"].to_numpy()[due],
                "condition": [f"promise {'overdue' if s == 'open_past_due' else 'due within a day'}: {n}" for s, n in zip(status[due], owing["name"].to_numpy()[due])],
                "since_ns": owing["start_ns"].to_numpy(dtype=float)[due], "overdue_seconds": (state.now - deadline[due]) / 1e9,
            }))  # fmt: skip
    if not rows:
        return pd.DataFrame(columns=["case_id", "condition", "since", "overdue_seconds"])
    found = pd.concat(rows, ignore_index=True)
    frame = _case_frame(stage, found["case"].to_numpy())
    frame["condition"] = found["condition"].to_numpy()
    frame["since"] = _ns_text(found["since_ns"].to_numpy())
    frame["overdue_seconds"] = found["overdue_seconds"].to_numpy()
    return frame.sort_values(["overdue_seconds", "case_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def _journey_open_state(stage: Stage) -> OpenState | None:
    """The open cases' last touchpoints and owed promises, from the pandas engine's journey."""
    journey = stage.journey
    status = journey.status
    if status is None:
        return None
    now = float(np.nanmax(journey.time_ns)) if journey.time_ns.size else 0.0
    is_open = ~status["ended"].to_numpy(dtype=bool)
    tp_rows = np.flatnonzero(journey.touchpoint)
    last_tp = pd.DataFrame({"case": journey.case[tp_rows], "row": tp_rows}).groupby("case")["row"].max()
    cases, last_rows = last_tp.index.to_numpy(), last_tp.to_numpy()
    keep = is_open[cases]
    paused = journey.paused[last_rows] if journey.paused is not None else np.zeros(last_rows.size, dtype=bool)
    activity = journey.events[schema.ACTIVITY].astype(str).to_numpy()
    last = pd.DataFrame({"case": cases[keep], "activity": activity[last_rows][keep], "time_ns": journey.time_ns[last_rows][keep], "paused": paused[keep]})
    promises = journey.promise_outcomes
    owing = pd.DataFrame(columns=["case", "name", "state", "deadline_ns", "start_ns"])
    if promises is not None and len(promises):
        case = promises["case"].to_numpy(dtype=np.int64)
        state = promises["state"].to_numpy()
        chosen = np.isin(state, ["open_past_due", "pending"]) & is_open[case]
        owing = pd.DataFrame({
            "case": case[chosen], "name": [journey.promises[int(i)].name for i in promises["promise"].to_numpy()[chosen]], "state": state[chosen],
            "deadline_ns": promises["deadline"].dt.as_unit("ns").astype("int64").to_numpy().astype(float)[chosen],
            "start_ns": promises["start"].dt.as_unit("ns").astype("int64").to_numpy().astype(float)[chosen],
        })  # fmt: skip
    return OpenState(now, last, owing)
