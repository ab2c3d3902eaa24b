"""Assemble the `timings` result from core.timings tables (pure; no printing)."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxmine.core.timings import customer_gaps, describe, event_intervals, gap_summary, promise_outcomes, step_timings, transition_timings, wait_basis
from cxmine.core.touchpoints import touchpoint_masks
from cxmine.model import EventLog, TimingsReport

if TYPE_CHECKING:  # the settings type only: the core does not import the config package at run time
    from cxmine.config import Config


def _records(frame: pd.DataFrame) -> tuple[dict, ...]:
    out = []
    for row in frame.to_dict("records"):
        clean = {}
        for key, value in row.items():
            if isinstance(value, (np.integer,)):
                value = int(value)
            elif isinstance(value, (float, np.floating)):
                value = None if math.isnan(value) else round(float(value), 3)
            elif value is pd.NA or value is pd.NaT:
                value = None
            elif not isinstance(value, (str, int, bool, type(None))):
                value = str(value)
            clean[str(key)] = value
        out.append(clean)
    return tuple(out)


def timings_report(log: EventLog, config: Config) -> TimingsReport:
    """Customer-perceived timings of `log` under `config` (touchpoints, promises, calendar)."""
    events = log.events
    basis = wait_basis(events)
    intervals = event_intervals(events)
    notes: list = []
    masks = touchpoint_masks(events, config.touchpoints, notes)
    gaps = customer_gaps(events, masks.touchpoint, masks.chasing)
    summary = gap_summary(gaps, tuple(config.promises))
    summary = ended_by_customer(summary, masks.customer_initiated)  # before the calendar's columns, where it has always been
    if config.calendar is not None and not gaps.occurrences.empty:
        from cxmine.core.calendar import working_seconds  # noqa: PLC0415

        occ = gaps.occurrences.assign(working=working_seconds(gaps.occurrences["start"], gaps.occurrences["end"], config.calendar).to_numpy())
        working = describe(occ.groupby(["from_activity", "to_activity"], observed=True, sort=True)["working"], "customer_wait_working").drop(columns="count")
        summary = summary.merge(working.reset_index(), on=["from_activity", "to_activity"], how="left")
    from cxmine.core.shapes import case_status  # noqa: PLC0415
    from cxmine.core.timings import promise_counts  # noqa: PLC0415

    outcomes = promise_outcomes(events, tuple(config.promises), status=case_status(events, config.journey.end_activities))
    promise_rows = []
    for index, promise in enumerate(config.promises):
        rows = outcomes.loc[outcomes["promise"] == index]
        elapsed = rows.loc[rows["state"].isin(["kept", "late", "open_past_due"]), "elapsed_seconds"]
        quantiles = (float(elapsed.quantile(0.5)), float(elapsed.quantile(0.9))) if len(elapsed) else (None, None)
        promise_rows.append(promise_row(promise, promise_counts(rows), *quantiles))
    return assemble(
        source=log.source, basis=basis, configured=masks.configured, calendar=config.calendar is not None,
        steps=step_timings(intervals, basis), transitions=transition_timings(intervals, basis), summary=summary,
        promises=promise_rows, load=log,
    )


def ended_by_customer(summary: pd.DataFrame, initiated) -> pd.DataFrame:
    """The gap summary with `ended_by_customer`: a gap the customer ends (a refund request, a survey) is the
    company waiting for the customer."""
    if summary.empty:
        return summary
    return summary.assign(ended_by_customer=summary["to_activity"].astype(str).isin(list(initiated)).to_numpy())


def promise_row(promise, counts: dict, elapsed_p50: float | None, elapsed_p90: float | None) -> dict:
    """One promise of the `timings` result, from `promise_counts` and the due cases' elapsed p50/p90."""
    return {
        "name": promise.name,
        "from_activity": promise.from_activity,
        "to_activity": promise.to_activity,
        "within_seconds": promise.within_seconds,
        "cases": counts["due"],
        **{k: counts[k] for k in ("applies", "kept", "late", "open_past_due", "void", "pending", "breach_rate")},
        "elapsed_p50_seconds": elapsed_p50,
        "elapsed_p90_seconds": elapsed_p90,
    }


def assemble(
    *, source: str, basis: str, configured: bool, calendar: bool, steps: pd.DataFrame, transitions: pd.DataFrame, summary: pd.DataFrame,
    promises: list[dict], load: EventLog,
) -> TimingsReport:
    """The `timings` result from its tables, whichever engine computed them (cxmine.engines.timings too);
    `summary` already says which gaps the customer ends (`ended_by_customer`)."""
    return TimingsReport(
        source=source,
        wait_basis=basis,
        touchpoints_configured=configured,
        calendar=calendar,
        steps=_records(steps),
        transitions=_records(transitions),
        customer_gaps=_records(summary),
        promises=tuple(promises),
        load=load,
    )
