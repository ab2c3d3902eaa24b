"""Assemble the `timings` result from core.timings tables (pure; no printing)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cxmine.core.timings import customer_gaps, describe, event_intervals, gap_summary, promise_outcomes, step_timings, transition_timings, wait_basis
from cxmine.model import EventLog, TimingsReport


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


def timings_report(log: EventLog, config) -> TimingsReport:
    from cxmine.friction.engine import touchpoint_masks  # noqa: PLC0415

    events = log.events
    basis = wait_basis(events)
    intervals = event_intervals(events)
    notes: list = []
    touchpoint, chasing, _names, configured = touchpoint_masks(events, config, notes)
    gaps = customer_gaps(events, touchpoint, chasing)
    summary = gap_summary(gaps, tuple(config.promises))
    if config.calendar is not None and not gaps.occurrences.empty:
        from cxmine.core.calendar import working_seconds  # noqa: PLC0415

        occ = gaps.occurrences.assign(working=working_seconds(gaps.occurrences["start"], gaps.occurrences["end"], config.calendar).to_numpy())
        working = describe(occ.groupby(["from_activity", "to_activity"], observed=True, sort=True)["working"], "customer_wait_working").drop(columns="count")
        summary = summary.merge(working.reset_index(), on=["from_activity", "to_activity"], how="left")
    outcomes = promise_outcomes(events, tuple(config.promises))
    promise_rows = []
    for index, promise in enumerate(config.promises):
        rows = outcomes.loc[outcomes["promise"] == index]
        elapsed = rows["elapsed_seconds"]
        promise_rows.append(
            {
                "name": promise.name,
                "from_activity": promise.from_activity,
                "to_activity": promise.to_activity,
                "within_seconds": promise.within_seconds,
                "cases": int(len(rows)),
                "kept": int(rows["kept"].sum()),
                "breach_rate": round(float(1 - rows["kept"].mean()), 6) if len(rows) else None,
                "elapsed_p50_seconds": float(elapsed.quantile(0.5)) if len(rows) else None,
                "elapsed_p90_seconds": float(elapsed.quantile(0.9)) if len(rows) else None,
            }
        )
    return TimingsReport(
        source=log.source,
        wait_basis=basis,
        touchpoints_configured=configured,
        calendar=config.calendar is not None,
        steps=_records(step_timings(intervals, basis)),
        transitions=_records(transition_timings(intervals, basis)),
        customer_gaps=_records(summary),
        promises=tuple(promise_rows),
        load=log,
    )
