"""Score and rank friction candidates: evidence per point, the friction score, the critical few.

The score (docs/friction-score.md) is decomposable: for candidate i,

    raw_i = w · H_i / ΣH  +  (1 − w) · C_i / ΣC

H_i = excess customer-hours (customer-visible time beyond the process's own median, or beyond the
promise); C_i = complaining cases that would not have complained had the affected cases complained at
the unaffected rate, n_aff · max(0, rate_aff − rate_unaff) (for hotspots: the complaining cases there).
w = [friction] time_weight (default 0.5; 1 when there are no complaints). Candidates that describe the
same customers' pain (affected cases overlapping ≥ 60% with Jaccard ≥ 0.4, or the same location) are folded into the
stronger one as `related`; the ranked points' scores are rescaled to sum to 100, and the critical few
are the smallest top set reaching [friction] critical_share of it.
"""
from __future__ import annotations

from fnmatch import fnmatchcase
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from cxmine.core import schema
from cxmine.core.journey import case_starts, case_table
from cxmine.core.timings import customer_gaps, promise_outcomes, wait_basis
from cxmine.friction import signals
from cxmine.friction.signals import Candidate, Context
from cxmine.model import CountShare, EventLog, FrictionPoint, FrictionReport, RelatedPoint, Warning_

OVERLAP_RELATED = 0.6
JACCARD_RELATED = 0.4
ALPHA = 0.05
Progress = Callable[[str], None]


def _match(names: list[str], patterns) -> set[str]:
    return {n for n in names if any(fnmatchcase(n, p) for p in patterns)}


def touchpoint_masks(events: pd.DataFrame, config, notes: list[Warning_]) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], bool]:
    """Which events are touchpoints and which are chasing contacts; the touchpoint names; configured?
    Names are matched once per activity (category), then looked up by code."""
    categories = events[schema.ACTIVITY].cat.categories
    names = [str(c) for c in categories]
    codes = events[schema.ACTIVITY].cat.codes.to_numpy()
    tp = config.touchpoints

    def rows_of(chosen: set[str]) -> np.ndarray:
        return np.isin(codes, [i for i, name in enumerate(names) if name in chosen])

    configured = bool(tp.activities) or bool(tp.attribute)
    if tp.activities:
        chosen = _match(names, tp.activities)
        for pattern in tp.activities:
            if not _match(names, [pattern]):
                notes.append(Warning_("touchpoint_not_found", f"touchpoint pattern {pattern!r} matches no activity in the log"))
        mask = rows_of(chosen)
    elif tp.attribute:
        if tp.attribute not in events.columns:
            from cxmine.errors import ConfigError  # noqa: PLC0415

            raise ConfigError(f"[touchpoints] attribute {tp.attribute!r} is not a column of the log", hint=f"columns: {', '.join(events.columns)}")
        mask = events[tp.attribute].notna().to_numpy()
    else:
        mask = np.ones(len(events), dtype=bool)
    case = events[schema.CASE].cat.codes.to_numpy()
    repeated = pd.DataFrame({"case": case, "activity": codes}).duplicated().to_numpy()  # done before in the case
    if tp.chasing:
        chasing = rows_of(_match(names, tp.chasing))
    else:  # a customer-initiated contact repeated in a case: the repeats are the chasing
        chasing = rows_of(_match(names, tp.customer_initiated)) & repeated
    touchpoint_names = tuple(sorted(names[i] for i in np.unique(codes[mask])))
    return mask, chasing, touchpoint_names, configured


def locate_complaints(complaints: pd.DataFrame, events: pd.DataFrame, touchpoint: np.ndarray, chasing: np.ndarray, customer: str | None, notes: list[Warning_]) -> tuple[pd.DataFrame, int]:
    """Join complaints to cases (by case id, else by customer and time) and to where the customer was:
    the customer-visible gap in progress at the complaint's timestamp. Returns (located, unmatched)."""
    categories = events[schema.CASE].cat.categories
    codes = pd.Series(np.arange(len(categories)), index=categories.astype(str))
    frame = complaints.copy()
    frame["case"] = frame["case_id"].map(codes) if frame["case_id"].notna().any() else np.nan
    if customer and customer in events.columns and frame["customer"].notna().any():
        by_customer = events.groupby(schema.CASE, observed=True, sort=True).agg(customer=(customer, "first"), start=(schema.TIMESTAMP, "min"))
        by_customer["case"] = np.arange(len(by_customer))
        by_customer = by_customer.dropna(subset=["customer"])
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

    effective_tp = touchpoint & ~chasing
    tp_rows = np.flatnonzero(effective_tp)
    tps = pd.DataFrame(
        {
            "case": events[schema.CASE].cat.codes.to_numpy()[tp_rows].astype(np.int64),
            "time": events[schema.TIMESTAMP].iloc[tp_rows].reset_index(drop=True),
            "activity": events[schema.ACTIVITY].astype(str).to_numpy()[tp_rows],
        }
    )
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
    steps = pd.DataFrame(
        {
            "case": events[schema.CASE].cat.codes.to_numpy().astype(np.int64),
            "step_time": events[schema.TIMESTAMP].reset_index(drop=True),
            "step": events[schema.ACTIVITY].astype(str).to_numpy(),
        }
    ).sort_values("step_time", kind="stable")
    located = pd.merge_asof(located.sort_values("timestamp", kind="stable"), steps, left_on="timestamp", right_on="step_time", by="case", direction="backward")
    located["step"] = located["step"].fillna("(before the first event)")
    columns = ["case", "timestamp", "tag", "severity", "from_activity", "to_activity", "step"]
    return located[columns].sort_values(["case", "timestamp"], kind="stable").reset_index(drop=True), unmatched


def complaint_overlay(located: pd.DataFrame, gaps, events: pd.DataFrame, top_tags: int = 3) -> dict[str, list[dict[str, Any]]]:
    """Complaints per customer-visible gap (transition between touchpoints) and per step just done:
    count, cases that went through it, complaint rate (complaining cases / those cases), top tags."""
    occ = gaps.occurrences
    passing_gap = occ.groupby([occ["from_activity"].astype(str), occ["to_activity"].astype(str)])["case"].nunique()
    passing_step = events.groupby(schema.ACTIVITY, observed=True)[schema.CASE].nunique()
    passing_step.index = passing_step.index.astype(str)

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


def _percentile(values: np.ndarray, q: float) -> float | None:
    values = values[~np.isnan(values)] if values.size else values
    return float(np.percentile(values, q)) if values.size else None


def _lift(a: int, n1: int, c: int, n0: int) -> tuple[float | None, float | None, float | None, float | None]:
    """Relative risk of complaining (affected vs unaffected), its 95% CI and Fisher's exact p-value."""
    from scipy.stats import fisher_exact  # noqa: PLC0415
    from scipy.stats.contingency import relative_risk  # noqa: PLC0415

    if n1 == 0 or n0 == 0:
        return None, None, None, None
    p_value = float(fisher_exact([[a, n1 - a], [c, n0 - c]]).pvalue)
    if a > 0 and c > 0:
        result = relative_risk(a, n1, c, n0)
        ci = result.confidence_interval(0.95)
        return float(result.relative_risk), float(ci.low), float(ci.high), p_value
    # A zero cell: Haldane–Anscombe correction (+0.5) so the interval stays finite.
    rr = ((a + 0.5) / (n1 + 0.5)) / ((c + 0.5) / (n0 + 0.5))
    se = np.sqrt(1 / (a + 0.5) - 1 / (n1 + 0.5) + 1 / (c + 0.5) - 1 / (n0 + 0.5))
    return float(rr), float(rr * np.exp(-1.96 * se)), float(rr * np.exp(1.96 * se)), p_value


def _drivers(affected: np.ndarray, attributes: pd.DataFrame, min_count: int = 5, limit: int = 3) -> tuple[dict[str, Any], ...]:
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
            lift = np.where(share_all > 0, share_aff / share_all, 0)
        for index in np.flatnonzero((lift >= 1.25) & (among >= min_count)):
            found.append(
                {
                    "attribute": str(column),
                    "value": str(attributes[column].cat.categories[index]),
                    "share_affected": round(float(share_aff[index]), 4),
                    "share_all": round(float(share_all[index]), 4),
                    "lift": round(float(lift[index]), 3),
                }
            )
    found.sort(key=lambda d: (-d["lift"] * d["share_affected"], d["attribute"], d["value"]))
    return tuple(found[:limit])


def case_attributes(events: pd.DataFrame, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per case, categorical attributes with 2–30 values that are constant within a case (channel, product…)."""
    skip = {schema.CASE, schema.ACTIVITY, schema.TIMESTAMP, schema.START, schema.LIFECYCLE, schema.RESOURCE}
    chosen = []
    for column in events.columns:
        if column in skip or not isinstance(events[column].dtype, pd.CategoricalDtype):
            continue
        if 2 <= len(events[column].cat.categories) <= 30:
            chosen.append(column)
    if not chosen:
        return pd.DataFrame(index=range(events[schema.CASE].nunique()))
    grouped = events.groupby(schema.CASE, observed=True, sort=True)[chosen]
    distinct = grouped.nunique()
    constant = [c for c in chosen if (distinct[c] <= 1).all() or c in extra]
    if not constant:
        return pd.DataFrame(index=range(len(distinct)))
    first = grouped.first()[constant].reset_index(drop=True)
    for column in constant:
        first[column] = first[column].astype("category")
    return first


def _sentence(c: Candidate, share: float, lift: float | None, low: float | None, high: float | None, p50: float | None) -> str:
    from cxmine.render.units import duration, percent  # noqa: PLC0415 - plain formatting helpers

    who = f"{percent(share, 0)} of cases"
    if c.kind == "wait":
        what = f"{who} wait > {duration(c.threshold_seconds)} between '{c.from_activity}' and '{c.to_activity}' (typical: {duration(p50)})"
    elif c.kind == "slow_step":
        what = f"{who} spend > {duration(c.threshold_seconds)} in '{c.activity}' (typical: {duration(p50)})"
    elif c.kind == "broken_promise":
        what = f"{who} did not get '{c.to_activity}' within {duration(c.threshold_seconds)} of '{c.from_activity}'"
    elif c.kind == "rework":
        what = f"{who} have '{c.activity}' done more than once"
    elif c.kind == "ping_pong":
        what = f"{who} bounce {c.details['x']} ⇄ {c.details['y']}"
    elif c.kind == "chasing":
        what = f"{who} have customers chasing ('{c.activity}')"
    elif c.kind == "deviation":
        what = f"{who} have {c.label}"
    elif c.kind == "complaint_hotspot":
        what = f"{c.details['complaints']} complaints were made while customers were between '{c.from_activity}' and '{c.to_activity}'"
    else:
        what = f"{who}: {c.label}"
    if lift is not None and c.kind != "complaint_hotspot":
        what += f"; they complain {lift:.1f}× as often (95% CI {low:.1f}–{high:.1f})"
    return what + "."


@dataclass
class Stage:
    """Everything the candidate stage found, before evidence and scoring (the report reuses it)."""

    ctx: Context
    candidates: list[Candidate]
    located: pd.DataFrame
    unmatched: int
    complained: np.ndarray
    have_complaints: bool
    touchpoint_names: tuple[str, ...]
    configured: bool
    overlay: dict[str, Any]


def collect_candidates(
    log: EventLog, config, complaints: pd.DataFrame | None, notes: list[Warning_], say: Progress = lambda _m: None,
    deviations: tuple[pd.DataFrame, str] | None = None,
) -> Stage:
    """Run every friction signal on `log`: the candidates with their per-case masks, and where the
    complaints were made."""
    events = log.events
    settings = config.friction
    n_cases = int(events[schema.CASE].cat.categories.size)
    touchpoint, chasing_mask, tp_names, configured = touchpoint_masks(events, config, notes)
    if not configured:
        notes.append(Warning_("no_touchpoints", "no touchpoints configured: every activity counts as customer-facing (run 'cxmine init' to write a config)"))
    say("customer journeys")
    gaps = customer_gaps(events, touchpoint, chasing_mask)
    window = gaps.window.reindex(range(n_cases))
    times = events[schema.TIMESTAMP]
    begin = events[schema.START].where(events[schema.START].notna(), times) if schema.START in events.columns else times
    ctx = Context(
        events=events, n_cases=n_cases, case=events[schema.CASE].cat.codes.to_numpy(), first=case_starts(events), begin=begin,
        window_start=signals.epoch_ns(window["first_touchpoint"]), window_end=signals.epoch_ns(window["last_touchpoint"]), touchpoint=touchpoint, chasing=chasing_mask,
        wait_factor=settings.wait_factor, team=getattr(config, "team", None), contact_seconds=60.0 * settings.contact_minutes,
    )

    complained = np.zeros(n_cases, dtype=bool)
    located = pd.DataFrame(columns=["case", "timestamp", "tag", "severity", "from_activity", "to_activity", "step"])
    overlay: dict[str, Any] = {}
    unmatched = 0
    if complaints is not None:
        located, unmatched = locate_complaints(complaints, events, touchpoint, chasing_mask, getattr(config, "customer", None), notes)
        complained[located["case"].to_numpy(dtype=int)] = True
        overlay = complaint_overlay(located, gaps, events)
    have_complaints = complaints is not None and bool(complained.any())

    say("friction signals")
    candidates: list[Candidate] = []
    initiated = frozenset(_match([str(c) for c in events[schema.ACTIVITY].cat.categories], config.touchpoints.customer_initiated))
    candidates += signals.customer_waits(ctx, gaps, initiated)
    if configured:
        candidates += signals.internal_waits(ctx)
    candidates += signals.slow_steps(ctx)
    candidates += signals.rework(ctx)
    candidates += signals.ping_pong(ctx)
    candidates += signals.chasing(ctx)
    promises = tuple(config.promises)
    if promises:
        candidates += signals.broken_promises(ctx, promise_outcomes(events, promises), promises)
    if have_complaints:
        candidates += signals.complaint_hotspots(ctx, located, gaps)
    customer = getattr(config, "customer", None)
    if customer:
        candidates += signals.repeat_contacts(ctx, customer)
    if deviations is not None:  # per-case deviations from the [model], computed by cxmine.mining
        from cxmine.friction.deviation import deviation_candidates  # noqa: PLC0415

        candidates += deviation_candidates(ctx, *deviations)
    return Stage(ctx, candidates, located, unmatched, complained, have_complaints, tp_names, configured, overlay)


def analyse(
    log: EventLog, config, complaints: pd.DataFrame | None = None, progress: Progress | None = None,
    deviations: tuple[pd.DataFrame, str] | None = None,
) -> FrictionReport:
    """Rank the friction points of `log` under `config` (see cxmine.config.Config)."""
    say = progress or (lambda _message: None)
    events = log.events
    notes: list[Warning_] = []
    settings = config.friction
    n_cases = int(events[schema.CASE].cat.categories.size)
    stage = collect_candidates(log, config, complaints, notes, say, deviations)
    candidates, located, unmatched = stage.candidates, stage.located, stage.unmatched
    complained, have_complaints, overlay = stage.complained, stage.have_complaints, stage.overlay
    tp_names, configured = stage.touchpoint_names, stage.configured
    total = len(complaints) if complaints is not None else 0

    say("evidence")
    lead = case_table(events)["duration_seconds"].to_numpy()
    attributes = case_attributes(events)
    tags_by_case = located.groupby("case")["tag"] if have_complaints else None
    rows = []
    for c in candidates:
        n1 = int(c.affected.sum())
        if n1 == 0:
            continue
        n0 = n_cases - n1
        hours = float(c.excess_seconds.sum()) / 3600.0
        rate1 = rate0 = lift = low = high = p_value = None
        complaint_excess = 0.0
        if have_complaints:
            a = int(complained[c.affected].sum())
            cc = int(complained[~c.affected].sum())
            rate1 = a / n1
            rate0 = cc / n0 if n0 else None
            if c.kind == "complaint_hotspot":
                complaint_excess = float(c.complaint_cases or 0)
                p_value = c.p_value
            else:
                lift, low, high, p_value = _lift(a, n1, cc, n0)
                complaint_excess = n1 * max(0.0, rate1 - (rate0 or 0.0)) if rate0 is not None else 0.0
        rows.append((c, n1, hours, rate1, rate0, lift, low, high, p_value, complaint_excess))
    if not rows:
        return _report(log, config, tp_names, configured, total, total - unmatched, unmatched, complained, have_complaints, 0, (), notes, overlay)

    p_values = np.array([r[8] if r[8] is not None else np.nan for r in rows])
    q_values = np.full(len(rows), np.nan)
    tested = ~np.isnan(p_values)
    if tested.any():
        from scipy.stats import false_discovery_control  # noqa: PLC0415

        q_values[tested] = false_discovery_control(p_values[tested], method="bh")

    # Only a complaint excess that survives the multiple-testing correction counts towards the score.
    rows = [r[:9] + ((r[9] if not np.isnan(q) and q < ALPHA else 0.0),) for r, q in zip(rows, q_values)]
    total_hours = sum(r[2] for r in rows)
    total_complaints = sum(r[9] for r in rows)
    weight = settings.time_weight if (have_complaints and total_complaints > 0) else 1.0
    raw = []
    for r in rows:
        time_part = weight * (r[2] / total_hours) if total_hours > 0 else 0.0
        complaint_part = (1 - weight) * (r[9] / total_complaints) if total_complaints > 0 else 0.0
        raw.append((time_part, complaint_part))
    order = sorted(range(len(rows)), key=lambda i: (-(raw[i][0] + raw[i][1]), rows[i][0].kind, rows[i][0].label))

    # Fold candidates that describe the same customers' pain into the strongest one.
    primaries: list[int] = []
    related: dict[int, list[RelatedPoint]] = {}
    places: dict[int, set] = {}
    for i in order:
        c = rows[i][0]
        home = None
        for j in primaries:
            other = rows[j][0]
            both = int((c.affected & other.affected).sum())
            overlap = both / min(rows[i][1], rows[j][1])
            jaccard = both / int((c.affected | other.affected).sum())
            same_place = c.from_activity is not None and c.location in places[j]
            if (overlap >= OVERLAP_RELATED and jaccard >= JACCARD_RELATED) or same_place:
                home = j
                related.setdefault(j, []).append(RelatedPoint(c.kind, c.label, rows[i][1], overlap))
                # The folded gap often knows the hidden cause; the point it joins should say it too.
                for key in ("behind_the_scenes", "behind_the_scenes_share_of_affected", "behind_the_scenes_p50_seconds"):
                    if key in c.details and key not in other.details:
                        other.details[key] = c.details[key]
                break
        if home is None:
            primaries.append(i)
            places[i] = {c.location}
        else:
            places[home].add(c.location)
    # Final shares over the distinct (ranked) points only, so folded duplicates do not dilute them.
    primary_hours = sum(rows[i][2] for i in primaries)
    primary_complaints = sum(rows[i][9] for i in primaries)
    weight = settings.time_weight if primary_complaints > 0 else 1.0
    for i in primaries:
        raw[i] = (
            weight * rows[i][2] / primary_hours if primary_hours > 0 else 0.0,
            (1 - weight) * rows[i][9] / primary_complaints if primary_complaints > 0 else 0.0,
        )
    primaries.sort(key=lambda i: (-(raw[i][0] + raw[i][1]), rows[i][0].kind, rows[i][0].label))
    primary_total = sum(raw[i][0] + raw[i][1] for i in primaries) or 1.0

    points: list[FrictionPoint] = []
    cumulative = 0.0
    critical_reached = False
    for rank, i in enumerate(primaries, start=1):
        c, n1, hours, rate1, rate0, lift, low, high, p_value, complaint_excess = rows[i]
        time_part = 100 * raw[i][0] / primary_total
        complaint_part = 100 * raw[i][1] / primary_total
        score = time_part + complaint_part
        critical = not critical_reached
        cumulative += score
        if cumulative >= 100 * settings.critical_share - 1e-9:
            critical_reached = True
        q = None if np.isnan(q_values[i]) else float(q_values[i])
        reasons = []
        if n1 < settings.min_cases:
            reasons.append(f"few cases ({n1} < {settings.min_cases})")
        if lift is not None and low is not None and low <= 1 <= (high or 0):
            reasons.append("complaint lift 95% CI includes 1")
        if q is not None and q >= ALPHA:
            reasons.append(f"not significant after Benjamini–Hochberg (q = {q:.2g})")
        tags: tuple[CountShare, ...] = ()
        if tags_by_case is not None:
            affected_tags = located.loc[c.affected[located["case"].to_numpy(dtype=int)], "tag"].astype(str).value_counts()
            n_tags = int(affected_tags.sum())
            tags = tuple(CountShare(str(k), int(v), v / n_tags) for k, v in sorted(affected_tags.items(), key=lambda kv: (-kv[1], kv[0]))[:3])
        lead_aff = lead[c.affected]
        lead_un = lead[~c.affected]
        p50_all = _percentile(np.asarray(c.values, dtype=float), 50)
        points.append(
            FrictionPoint(
                rank=rank, kind=c.kind, label=c.label, activity=c.activity, from_activity=c.from_activity, to_activity=c.to_activity,
                score=score, score_time_part=time_part, score_complaint_part=complaint_part, critical=critical,
                low_evidence=bool(reasons), low_evidence_reasons=tuple(reasons),
                cases_affected=n1, cases_affected_share=n1 / n_cases, threshold_seconds=c.threshold_seconds, measure=c.measure,
                measure_p50_seconds=p50_all, measure_p90_seconds=_percentile(np.asarray(c.values, dtype=float), 90),
                affected_p50_seconds=_percentile(np.asarray(c.affected_values, dtype=float), 50),
                affected_p90_seconds=_percentile(np.asarray(c.affected_values, dtype=float), 90),
                excess_customer_hours=hours, complaint_rate_affected=rate1, complaint_rate_unaffected=rate0,
                complaint_lift=lift, complaint_lift_ci_low=low, complaint_lift_ci_high=high, p_value=p_value, q_value=q,
                complaints_avoided_if_fixed=complaint_excess if c.kind != "complaint_hotspot" else 0.0,
                customer_hours_saved_if_fixed=hours,
                lead_time_p50_affected_seconds=_percentile(lead_aff, 50), lead_time_p50_unaffected_seconds=_percentile(lead_un, 50),
                top_complaint_tags=tags, drivers=_drivers(c.affected, attributes), details=_with_touchpoint(c, config),
                related=tuple(related.get(i, ())), sentence=_sentence(c, n1 / n_cases, lift, low, high, p50_all),
            )
        )
    return _report(log, config, tp_names, configured, total, total - unmatched, unmatched, complained, have_complaints, len(rows), tuple(points), notes, overlay)


def _with_touchpoint(c: Candidate, config) -> dict[str, Any]:
    """The point's details plus the configured channel and CX dimension of the touchpoint it ends at
    (`[touchpoints.channel]`, `[touchpoints.dimension]`), when there is one."""
    details = dict(c.details)
    where = c.to_activity or c.activity
    touchpoints = config.touchpoints
    if where and hasattr(touchpoints, "channel_of"):
        channel, dimension = touchpoints.channel_of(where), touchpoints.dimension_of(where)
        if channel:
            details["touchpoint_channel"] = channel
        if dimension:
            details["cx_dimension"] = dimension
    return details


def _report(log, config, tp_names, configured, total, matched, unmatched, complained, have_complaints, evaluated, points, notes, overlay=None) -> FrictionReport:
    return FrictionReport(
        source=log.source,
        events=len(log.events),
        cases=int(log.events[schema.CASE].cat.categories.size),
        wait_basis=wait_basis(log.events),
        touchpoints_configured=configured,
        touchpoints=tp_names,
        complaints_total=total,
        complaints_matched=matched,
        complaints_unmatched=unmatched,
        complaint_rate=float(complained.mean()) if have_complaints else None,
        candidates_evaluated=evaluated,
        friction_points=points,
        config=config.to_dict() if hasattr(config, "to_dict") else {},
        load=log,
        notes=tuple(notes),
        complaint_overlay=overlay or {},
    )
