"""Deviations from the intended process as friction: cases that skip a step of the model, do a step
the model does not allow there, or do it out of order.

Pure: the per-case deviations come from conformance checking (cxmine.mining, which the CLI calls);
this module only turns them into friction candidates and complaint lifts, like every other signal.
A deviation's customer-visible cost is the part of its cases' customer window (first → last touchpoint)
beyond the median window of the cases without that deviation.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cxmine.friction.contract import Candidate, Journey
from cxmine.friction.stats import complaint_lift  # noqa: F401 - re-exported for the conformance result

KIND_WORDS = {
    "skipped": "skipped",
    "inserted": "done where the model does not allow it",
    "out_of_order": "done out of order",
}
MIN_CASES = 1


def deviations(ctx: Journey) -> list[Candidate]:
    """The `deviation` detector: reads the per-case deviations the Journey carries (None: no [model])."""
    if ctx.deviations is None:
        return []
    return deviation_candidates(ctx, *ctx.deviations)


def deviation_candidates(ctx: Journey, deviations_per_case: pd.DataFrame, model: str = "the model") -> list[Candidate]:
    """One `deviation` candidate per (activity, kind) found in at least MIN_CASES cases.

    `deviations_per_case`: columns case (case code), activity, kind (skipped / inserted / out_of_order),
    count (events), as `cxmine.mining.pm4py_adapter.deviations_per_case` returns."""
    if deviations_per_case is None or deviations_per_case.empty:
        return []
    window = np.nan_to_num((ctx.window_end - ctx.window_start) / 1e9, nan=0.0)
    window = np.clip(window, 0.0, None)
    candidates = []
    grouped = deviations_per_case.groupby(["activity", "kind"], sort=True)
    for (activity, kind), rows in grouped:
        cases = np.unique(rows["case"].to_numpy(dtype=np.int64))
        if len(cases) < MIN_CASES:
            continue
        affected = np.zeros(ctx.n_cases, dtype=bool)
        affected[cases] = True
        others = window[~affected]
        threshold = float(np.median(others)) if others.size else 0.0
        excess = np.where(affected, np.clip(window - threshold, 0.0, None), 0.0)
        candidates.append(
            Candidate(
                kind="deviation",
                label="",
                cases=cases,
                excess_seconds=excess[cases],
                measure="customer_window",
                values=window,
                affected_values=window[affected],
                threshold_seconds=threshold,
                activity=str(activity),
                details={"deviation": str(kind), "events": int(rows["count"].sum()), "model": model},
            )
        )
    return candidates
