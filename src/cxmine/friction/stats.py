"""The statistics behind every friction point, in one place: lift (relative risk) with its 95% CI,
Fisher's exact test, the one-sided binomial test, Benjamini–Hochberg, exact percentiles and drivers.

All from scipy/numpy; reused by the engine, `deviation` and `report/compare`.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from cxmine.friction.contract import Lift

ALPHA = 0.05


def fisher_p(a: int, n1: int, c: int, n0: int) -> float | None:
    """Two-sided Fisher exact p-value of a/n1 vs c/n0 (None when a group is empty)."""
    from scipy.stats import fisher_exact  # noqa: PLC0415

    if n1 == 0 or n0 == 0:
        return None
    return float(fisher_exact([[a, n1 - a], [c, n0 - c]]).pvalue)


def lift(a: int, n1: int, c: int, n0: int) -> Lift | None:
    """Relative risk of an outcome in a of n1 affected cases against c of n0 others, its 95% CI and
    Fisher's exact p-value. A zero cell gets the Haldane–Anscombe correction (+0.5) so the interval stays
    finite. None when a group is empty."""
    from scipy.stats.contingency import relative_risk  # noqa: PLC0415

    p_value = fisher_p(a, n1, c, n0)
    if p_value is None or (a == 0 and c == 0):  # nobody had the outcome: there is no lift to speak of
        return None
    if a > 0 and c > 0:
        result = relative_risk(a, n1, c, n0)
        ci = result.confidence_interval(0.95)
        return Lift(float(result.relative_risk), float(ci.low), float(ci.high), p_value)
    rr = ((a + 0.5) / (n1 + 0.5)) / ((c + 0.5) / (n0 + 0.5))
    se = np.sqrt(1 / (a + 0.5) - 1 / (n1 + 0.5) + 1 / (c + 0.5) - 1 / (n0 + 0.5))
    return Lift(float(rr), float(rr * np.exp(-1.96 * se)), float(rr * np.exp(1.96 * se)), p_value)


def binomial_greater(successes: int, trials: int, share: float) -> float:
    """One-sided binomial p-value: more than `share` × trials successes by chance?"""
    from scipy.stats import binomtest  # noqa: PLC0415

    return float(binomtest(successes, trials, min(max(share, 1e-12), 1.0), alternative="greater").pvalue)


def benjamini_hochberg(p_values: Sequence[float | None]) -> list[float | None]:
    """BH-adjusted q-values; None stays None (untested)."""
    values = np.array([np.nan if p is None else float(p) for p in p_values], dtype=float)
    out = np.full(len(values), np.nan)
    tested = ~np.isnan(values)
    if tested.any():
        from scipy.stats import false_discovery_control  # noqa: PLC0415

        out[tested] = false_discovery_control(values[tested], method="bh")
    return [None if np.isnan(q) else float(q) for q in out]


def percentile(values: np.ndarray, q: float) -> float | None:
    """Exact percentile (numpy's linear interpolation) of the finite values, None when there are none."""
    return percentiles(values, (q,))[0]


def percentiles(values: np.ndarray, qs: Sequence[float]) -> tuple[float | None, ...]:
    """`percentile` at several qs with one partition of the values (the same numbers as one call each)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)] if values.size else values
    if not values.size:
        return tuple(None for _ in qs)
    return tuple(float(v) for v in np.percentile(values, list(qs)))


def drivers(affected: np.ndarray, attributes: pd.DataFrame, min_count: int = 5, limit: int = 3) -> tuple[dict[str, Any], ...]:
    """Case attribute values over-represented among affected cases (share among affected / share overall)."""
    n_aff = int(affected.sum())
    if n_aff == 0 or attributes.empty:
        return ()
    found = []
    for column in attributes.columns:
        codes = attributes[column].cat.codes.to_numpy()
        valid = codes >= 0
        overall = np.bincount(codes[valid], minlength=len(attributes[column].cat.categories))
        among = np.bincount(codes[valid & affected], minlength=len(overall))
        share_aff = among / n_aff
        share_all = overall / len(codes)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(share_all > 0, share_aff / share_all, 0)
        for index in np.flatnonzero((ratio >= 1.25) & (among >= min_count)):
            found.append(
                {
                    "attribute": str(column),
                    "value": str(attributes[column].cat.categories[index]),
                    "share_affected": round(float(share_aff[index]), 4),
                    "share_all": round(float(share_all[index]), 4),
                    "lift": round(float(ratio[index]), 3),
                    # affected with the value vs the other cases with it: is it over-represented, or chance?
                    "p_value": fisher_p(int(among[index]), n_aff, int(overall[index] - among[index]), len(codes) - n_aff),
                }
            )
    # Benjamini–Hochberg over the values tested for this point: only drivers that survive are shown.
    for item, q in zip(found, benjamini_hochberg([d["p_value"] for d in found])):
        item["q_value"] = None if q is None else float(f"{q:.6g}")
        item["p_value"] = None if item["p_value"] is None else float(f"{item['p_value']:.6g}")
    found = [d for d in found if d["q_value"] is not None and d["q_value"] < ALPHA]
    found.sort(key=lambda d: (-d["lift"] * d["share_affected"], d["attribute"], d["value"]))
    return tuple(found[:limit])


def complaint_lift(affected: np.ndarray, complained: np.ndarray) -> dict[str, float | None]:
    """Complaint rates of affected and unaffected cases, the lift with its 95% CI and Fisher's p-value
    (the same statistics as the friction points), as the conformance result reports them."""
    n1 = int(affected.sum())
    n0 = int((~affected).sum())
    a = int(complained[affected].sum())
    c = int(complained[~affected].sum())
    found = lift(a, n1, c, n0)
    return {
        "complaint_rate_affected": a / n1 if n1 else None,
        "complaint_rate_unaffected": c / n0 if n0 else None,
        "complaint_lift": None if found is None else found.value,
        "complaint_lift_ci_low": None if found is None else found.ci_low,
        "complaint_lift_ci_high": None if found is None else found.ci_high,
        "p_value": None if found is None else found.p_value,
    }


def mean_difference(exposed: np.ndarray, others: np.ndarray) -> tuple[float | None, tuple[float, float] | None]:
    """Mean score of the exposed minus the others (answered cases only), with Welch's 95% CI."""
    exposed = exposed[np.isfinite(exposed)]
    others = others[np.isfinite(others)]
    if exposed.size < 2 or others.size < 2:
        return None, None
    import warnings  # noqa: PLC0415

    from scipy.stats import ttest_ind  # noqa: PLC0415

    with warnings.catch_warnings():  # scipy's "precision loss" on near-identical scores: not the user's to read
        warnings.simplefilter("ignore", RuntimeWarning)
        result = ttest_ind(exposed, others, equal_var=False)
        ci = result.confidence_interval(0.95)
    interval = (float(ci.low), float(ci.high))
    return float(exposed.mean() - others.mean()), (interval if all(np.isfinite(interval)) else None)
