"""Score and rank friction candidates: evidence per candidate, the friction score, the critical few.

The score (docs/friction-score.md) is decomposable: for candidate i,

    raw_i = w · H_i / ΣH  +  (1 − w) · C_i / ΣC

H_i = excess customer-hours (customer-visible time beyond the process's own median, or beyond the
promise); C_i = complaining cases that would not have complained had the affected cases complained at
the unaffected rate, n_aff · max(0, rate_aff − rate_unaff) (for kinds with their own test: their excess).
w = [friction] time_weight (default 0.5; 1 when there are no complaints). Candidates that describe the
same customers' pain (affected cases overlapping ≥ 60% with Jaccard ≥ 0.4, or the same location) are
folded into the stronger one as `related`; the ranked points' scores are rescaled to sum to 100, and the
critical few are the smallest top set reaching [friction] critical_share of it.

This module only folds, scores and ranks: detection happens in `friction.prepare.detect` (one `Stage`),
statistics in `friction.stats`, wording in `cxmine.render.sentences` (passed in as `describe`).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np
import pandas as pd

from cxmine.config import Config
from cxmine.friction import kinds, stats
from cxmine.core.outcomes import CaseOutcome
from cxmine.friction.contract import Candidate, Evidence, Lift
from cxmine.friction.prepare import Progress, Stage, case_attributes, complaint_overlay, detect, locate_complaints  # noqa: F401 - re-exported
from cxmine.model import CountShare, EventLog, FrictionPoint, FrictionReport, OutcomeLift, RelatedPoint, Warning_

OVERLAP_RELATED = 0.6
JACCARD_RELATED = 0.4
ALPHA = stats.ALPHA
Describe = Callable[[FrictionPoint], str]
BEHIND_THE_SCENES = ("behind_the_scenes", "behind_the_scenes_share_of_affected", "behind_the_scenes_p50_seconds")


def analyse(
    log: EventLog, config: Config, complaints: pd.DataFrame | None = None, progress: Progress | None = None,
    deviations: tuple[pd.DataFrame, str] | None = None, describe: Describe | None = None,
) -> FrictionReport:
    """Detect and rank the friction points of `log` under `config` (see `rank` for `describe`)."""
    stage = detect(log, config, complaints, progress=progress, deviations=deviations)
    return rank(stage, config, describe=describe, progress=progress)


def _located_at(candidate: Candidate, outcome: CaseOutcome) -> bool:
    """Is the point at the outcome's own activity (a gap that ends in the cancellation)? Then testing it
    against that outcome would be circular."""
    if not outcome.activities:
        return False
    places = {candidate.activity, candidate.to_activity, candidate.details.get("x"), candidate.details.get("y")}
    return bool(places & outcome.activities)


def outcome_lift(candidate: Candidate, mask: np.ndarray, outcome: CaseOutcome) -> OutcomeLift:
    """The 2×2 of one point against one outcome. A case whose friction began at or after its outcome is
    left out (the friction cannot have raised it); cases without a known time count as before."""
    n_cases = mask.size
    if _located_at(candidate, outcome):
        return OutcomeLift(outcome.name, 0, 0, None, None, None, None, None, None, tested=False, note="located at the outcome's own activity")
    valid = np.ones(n_cases, dtype=bool)
    if candidate.start_ns is not None:
        late = np.zeros(n_cases, dtype=bool)
        began = np.full(n_cases, np.nan)
        began[candidate.cases] = candidate.start_ns
        with np.errstate(invalid="ignore"):
            late = mask & outcome.has & (began >= outcome.at_ns)
        valid &= ~late
    if outcome.score is not None:  # a survey: only the cases that answered can say how it went
        valid &= np.isfinite(outcome.score)
    exposed = mask & valid
    others = ~mask & valid
    if candidate.eligible is not None:  # compare with the cases that went through the same place
        went = np.zeros(n_cases, dtype=bool)
        went[candidate.eligible] = True
        others &= went
    n1, n0 = int(exposed.sum()), int(others.sum())
    a, c = int((exposed & outcome.has).sum()), int((others & outcome.has).sum())
    found = stats.lift(a, n1, c, n0)
    rate1, rate0 = (a / n1 if n1 else None), (c / n0 if n0 else None)
    excess = n1 * max(0.0, rate1 - rate0) if rate1 is not None and rate0 is not None else 0.0
    difference = ci = None
    if outcome.score is not None:
        difference, ci = stats.mean_difference(outcome.score[exposed], outcome.score[others])
    if found is None:
        note = "no case had the outcome" if a == 0 and c == 0 and n1 and n0 else "no comparison group"
        return OutcomeLift(outcome.name, n1, a, rate1, rate0, None, None, None, None, tested=False, note=note, mean_score_difference=difference, mean_score_ci=ci)
    return OutcomeLift(outcome.name, n1, a, rate1, rate0, found.value, found.ci_low, found.ci_high, found.p_value, excess_cases=excess, mean_score_difference=difference, mean_score_ci=ci)


def evidence(candidate: Candidate, mask: np.ndarray, stage: Stage) -> tuple[Evidence, tuple[OutcomeLift, ...]]:
    """Cases and customer-hours of one candidate, and its lift on every outcome (complaints included)."""
    n1 = candidate.n_affected
    hours = float(candidate.excess_seconds.sum()) / 3600.0
    lifts = []
    kind = kinds.get(candidate.kind)
    own_test = kind.evidence == "own_test"
    for outcome in stage.outcomes:
        if own_test and outcome.name == kind.own_test_outcome:  # the kind tests this outcome itself (hotspots: binomial)
            a = int(outcome.has[mask].sum())
            rate0 = int(outcome.has[~mask].sum()) / max(1, stage.n_cases - n1)
            lifts.append(OutcomeLift(outcome.name, n1, a, a / n1, rate0, None, None, None, candidate.p_value, excess_cases=float(candidate.complaint_cases or 0), note="binomial test against the gap's share of waiting time"))
            continue
        lifts.append(outcome_lift(candidate, mask, outcome))
    if own_test and candidate.p_value is not None and not any(o.name == kind.own_test_outcome for o in stage.outcomes):
        details = candidate.details
        lifts.append(OutcomeLift(
            kind.own_test_outcome, n1, 0, details.get("share_contacted_long"), details.get("share_contacted_others"), None, None, None,
            candidate.p_value, excess_cases=float(candidate.complaint_cases or 0), note="the kind's own test (Fisher's exact test of the two shares)",
        ))  # fmt: skip
    complaint = next((o for o in lifts if o.name == "complaint"), None)
    if complaint is None:
        return Evidence(n1, hours), tuple(lifts)
    lift = Lift(complaint.lift, complaint.ci_low, complaint.ci_high, complaint.p_value) if complaint.lift is not None else None
    return Evidence(n1, hours, complaint.rate_exposed, complaint.rate_others, lift, complaint.p_value, complaint.excess_cases), tuple(lifts)


@dataclass
class _Scored:
    candidate: Candidate
    mask: np.ndarray
    evidence: Evidence
    lifts: tuple[OutcomeLift, ...]
    counted: dict[str, float] = field(default_factory=dict)  # outcome → excess that survives BH (counts towards the score)

    @property
    def counted_excess(self) -> float:
        return self.counted.get("complaint", 0.0)


def _fold(scored: list[_Scored], order: list[int]) -> tuple[list[int], dict[int, list[RelatedPoint]]]:
    """Fold candidates that describe the same customers' pain into the strongest one."""
    primaries: list[int] = []
    related: dict[int, list[RelatedPoint]] = {}
    places: dict[int, set] = {}
    for i in order:
        c = scored[i].candidate
        home = None
        for j in primaries:
            other = scored[j].candidate
            both = int(np.count_nonzero(scored[i].mask & scored[j].mask))
            overlap = both / min(c.n_affected, other.n_affected)
            jaccard = both / (c.n_affected + other.n_affected - both)  # the union, counted without a second pass
            same_place = c.from_activity is not None and c.location in places[j]
            if (overlap >= OVERLAP_RELATED and jaccard >= JACCARD_RELATED) or same_place:
                home = j
                related.setdefault(j, []).append(RelatedPoint(c.kind, c.label, c.n_affected, overlap))
                # The folded gap often knows the hidden cause; the point it joins should say it too.
                for key in BEHIND_THE_SCENES:
                    if key in c.details and key not in other.details:
                        other.details[key] = c.details[key]
                break
        if home is None:
            primaries.append(i)
            places[i] = {c.location}
        else:
            places[home].add(c.location)
    return primaries, related


def _weights(stage: Stage, scored: list[_Scored], indices: list[int], time_weight: float) -> tuple[float, dict[str, float]]:
    """The time weight and each outcome's weight: outcomes that count anything share 1 − time_weight in
    proportion to their configured weights; without any, time takes it all."""
    totals = {o.name: sum(scored[i].counted.get(o.name, 0.0) for i in indices) for o in stage.outcomes}
    active = {o.name: o.weight for o in stage.outcomes if totals[o.name] > 0 and o.weight > 0}
    if not active:
        return 1.0, {}
    share = sum(active.values())
    return time_weight, {name: (1 - time_weight) * weight / share for name, weight in active.items()}


def _shares(stage: Stage, scored: list[_Scored], indices: list[int], time_weight: float) -> dict[int, tuple[float, dict[str, float]]]:
    """(time part, outcome parts) of each candidate's raw score over the given candidates."""
    hours = sum(scored[i].evidence.customer_hours for i in indices)
    w_time, w_outcomes = _weights(stage, scored, indices, time_weight)
    totals = {name: sum(scored[i].counted.get(name, 0.0) for i in indices) for name in w_outcomes}
    return {
        i: (
            w_time * scored[i].evidence.customer_hours / hours if hours > 0 else 0.0,
            {name: w * scored[i].counted.get(name, 0.0) / totals[name] for name, w in w_outcomes.items() if totals[name] > 0},
        )
        for i in indices
    }


def _low_evidence(evidence: Evidence, lifts: tuple[OutcomeLift, ...], min_cases: int) -> tuple[str, ...]:
    reasons = []
    if evidence.cases_affected < min_cases:
        reasons.append(f"few cases ({evidence.cases_affected} < {min_cases})")
    lift = evidence.lift
    if lift is not None and lift.ci_low <= 1 <= lift.ci_high:
        reasons.append("complaint lift 95% CI includes 1")
    tested = [o for o in lifts if o.q_value is not None]
    # A point with customer time of its own stands on that; one that ranks on outcomes needs them to hold.
    if tested and all(o.q_value >= ALPHA for o in tested) and (evidence.customer_hours == 0 or lift is not None):
        best = min(o.q_value for o in tested)
        reasons.append(f"not significant after Benjamini–Hochberg (q = {best:.2g})")
    return tuple(reasons)


def _top_tags(stage: Stage, mask: np.ndarray) -> tuple[CountShare, ...]:
    if not stage.have_complaints:
        return ()
    located = stage.located
    tags = located.loc[mask[located["case"].to_numpy(dtype=int)], "tag"].astype(str).value_counts()
    total = int(tags.sum())
    return tuple(CountShare(str(k), int(v), v / total) for k, v in sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))[:3])


def _priced(point: FrictionPoint, config: Config) -> FrictionPoint:
    """The point's value under [value]: customer-hours, contacts and bad outcomes priced."""
    prices = config.value
    if prices is None:
        return point
    details = point.details
    if point.kind in ("chasing", "outbound_contact"):
        made = avoided = float(details.get("contacts") or 0)
    elif point.kind == "contact_during_wait":  # contacts made during the long waits / those above the others' rate
        made, avoided = float(details.get("contacts_during_long_waits") or 0), float(details.get("contacts_generated") or 0)
    else:
        made = avoided = 0.0
    hours = point.excess_customer_hours * prices.customer_hour
    outcomes = [o for o in point.outcomes if o.name not in ("contact",)]
    incurred = sum(o.cases_with_outcome * prices.price(o.name) for o in outcomes if o.tested)
    avoidable = sum(o.excess_cases * prices.price(o.name) for o in outcomes)
    return replace(point, value=hours + made * prices.contact + incurred, value_if_fixed=hours + avoided * prices.contact + avoidable)


def _by_value(points: list[FrictionPoint], critical_share: float) -> list[FrictionPoint]:
    """Re-rank by value if fixed; the critical few are then the top points holding critical_share of it."""
    ordered = sorted(points, key=lambda p: (-(p.value_if_fixed or 0.0), p.rank))
    total = sum(p.value_if_fixed or 0.0 for p in ordered) or 1.0
    out, cumulative, reached = [], 0.0, False
    for rank_, point in enumerate(ordered, start=1):
        critical = not reached
        cumulative += (point.value_if_fixed or 0.0) / total
        reached = cumulative >= critical_share - 1e-9
        out.append(replace(point, rank=rank_, critical=critical))
    return out


def rank(
    stage: Stage, config: Config, *, describe: Describe | None = None, progress: Progress | None = None, rank_by: str = "score",
) -> FrictionReport:
    """Evidence for every candidate on every outcome, one Benjamini–Hochberg family over all of them, the
    score, folding, the critical few. `describe(point)` writes each point's sentence
    (cxmine.render.sentences.sentence); None leaves it empty."""
    say = progress or (lambda _m: None)
    settings = config.friction
    say("evidence")
    scored = []
    for candidate in stage.candidates:
        mask = candidate.mask(stage.n_cases)
        found, lifts = evidence(candidate, mask, stage)
        scored.append(_Scored(candidate, mask, found, lifts))
    if not scored:
        return _report(stage, config, 0, ())
    family = [(i, j) for i, s in enumerate(scored) for j, o in enumerate(s.lifts) if o.p_value is not None]
    q_values = stats.benjamini_hochberg([scored[i].lifts[j].p_value for i, j in family])
    for (i, j), q in zip(family, q_values):
        s = scored[i]
        lifts = list(s.lifts)
        lifts[j] = replace(lifts[j], q_value=q)
        s.lifts = tuple(lifts)
    for s in scored:
        complaint = next((o for o in s.lifts if o.name == "complaint"), None)
        if complaint is not None:
            s.evidence = replace(s.evidence, q_value=complaint.q_value)
        # Only an outcome excess that survives the multiple-testing correction counts towards the score.
        s.counted = {o.name: o.excess_cases for o in s.lifts if o.q_value is not None and o.q_value < ALPHA and o.excess_cases > 0}

    def strength(i: int, raw: dict[int, tuple[float, dict[str, float]]]) -> tuple:
        return (-(raw[i][0] + sum(raw[i][1].values())), scored[i].candidate.kind, scored[i].candidate.label)

    everything = list(range(len(scored)))
    raw = _shares(stage, scored, everything, settings.time_weight)
    primaries, related = _fold(scored, sorted(everything, key=lambda i: strength(i, raw)))
    # Final shares over the distinct (ranked) points only, so folded duplicates do not dilute them.
    raw = _shares(stage, scored, primaries, settings.time_weight)
    primaries.sort(key=lambda i: strength(i, raw))
    total = sum(raw[i][0] + sum(raw[i][1].values()) for i in primaries) or 1.0

    lead = stage.case_lead_seconds()
    attributes = stage.case_attributes()
    points: list[FrictionPoint] = []
    cumulative = 0.0
    critical_reached = False
    for rank_, i in enumerate(primaries, start=1):
        time_part = 100 * raw[i][0] / total
        outcome_parts = {name: 100 * part / total for name, part in raw[i][1].items()}
        critical = not critical_reached
        cumulative += time_part + sum(outcome_parts.values())
        critical_reached = cumulative >= 100 * settings.critical_share - 1e-9
        point = _priced(_point(rank_, scored[i], stage, config, time_part, outcome_parts, critical, tuple(related.get(i, ())), lead, attributes), config)
        points.append(replace(point, sentence=describe(point)) if describe is not None else point)
    if rank_by == "value":
        if config.value is None:
            from cxmine.errors import UsageError  # noqa: PLC0415

            raise UsageError("--rank-by value needs prices", hint="add a [value] section to cxmine.toml (docs/config.md)")
        points = _by_value(points, settings.critical_share)
    report = _report(stage, config, len(scored), tuple(points))
    return replace(report, currency=config.value.currency if config.value is not None else None, ranked_by=rank_by)


def _point(
    rank_: int, s: _Scored, stage: Stage, config: Config, time_part: float, outcome_parts: dict[str, float], critical: bool,
    related: tuple[RelatedPoint, ...], lead: np.ndarray, attributes: pd.DataFrame,
) -> FrictionPoint:
    c, e = s.candidate, s.evidence
    lift = e.lift
    own_test = kinds.get(c.kind).evidence == "own_test"
    complaint_part = outcome_parts.get("complaint", 0.0)
    best = min((o for o in s.lifts if o.q_value is not None), key=lambda o: o.q_value, default=None)
    p_value, q_value = (e.p_value, e.q_value) if stage.have_complaints or best is None else (best.p_value, best.q_value)
    reasons = _low_evidence(e, s.lifts, config.friction.min_cases)
    measured, affected = stats.percentiles(c.values, (50, 90)), stats.percentiles(c.affected_values, (50, 90))
    return FrictionPoint(
        rank=rank_, kind=c.kind, label=c.label, activity=c.activity, from_activity=c.from_activity, to_activity=c.to_activity,
        score=time_part + sum(outcome_parts.values()), score_time_part=time_part, score_complaint_part=complaint_part, critical=critical,
        low_evidence=bool(reasons), low_evidence_reasons=reasons,
        cases_affected=e.cases_affected, cases_affected_share=e.cases_affected / stage.n_cases, threshold_seconds=c.threshold_seconds,
        measure=c.measure, measure_p50_seconds=measured[0], measure_p90_seconds=measured[1],
        affected_p50_seconds=affected[0], affected_p90_seconds=affected[1],
        excess_customer_hours=e.customer_hours, complaint_rate_affected=e.rate_affected, complaint_rate_unaffected=e.rate_unaffected,
        complaint_lift=None if lift is None else lift.value, complaint_lift_ci_low=None if lift is None else lift.ci_low,
        complaint_lift_ci_high=None if lift is None else lift.ci_high, p_value=p_value, q_value=q_value,
        complaints_avoided_if_fixed=0.0 if own_test else s.counted_excess, customer_hours_saved_if_fixed=e.customer_hours,
        lead_time_p50_affected_seconds=stats.percentile(lead[s.mask], 50), lead_time_p50_unaffected_seconds=stats.percentile(lead[~s.mask], 50),
        top_complaint_tags=_top_tags(stage, s.mask), drivers=stats.drivers(s.mask, attributes), details=_with_touchpoint(c, config),
        related=related, sentence="", outcomes=tuple(replace(o, excess_cases=s.counted.get(o.name, 0.0)) for o in s.lifts),
        score_outcome_parts={k: v for k, v in outcome_parts.items() if k != "complaint"},
        unaffected_p50_seconds=stats.percentile(c.others_values, 50) if c.others_values is not None else None,
    )


def _with_touchpoint(c: Candidate, config: Config) -> dict[str, Any]:
    """The point's details plus the configured channel and CX dimension of the touchpoint it ends at
    (`[touchpoints.channel]`, `[touchpoints.dimension]`), when there is one."""
    details = dict(c.details)
    where = c.to_activity or c.activity
    if where:
        channel, dimension = config.touchpoints.channel_of(where), config.touchpoints.dimension_of(where)
        if channel:
            details["touchpoint_channel"] = channel
        if dimension:
            details["cx_dimension"] = dimension
    return details


def _report(stage: Stage, config: Config, evaluated: int, points: tuple[FrictionPoint, ...]) -> FrictionReport:
    log = stage.log
    return FrictionReport(
        source=log.source,
        events=stage.events_count(),
        cases=stage.n_cases,
        wait_basis=stage.wait_basis(),
        touchpoints_configured=stage.configured,
        touchpoints=stage.touchpoint_names,
        complaints_total=stage.complaints_total,
        complaints_matched=stage.complaints_total - stage.unmatched,
        complaints_unmatched=stage.unmatched,
        complaint_rate=float(stage.complained.mean()) if stage.have_complaints else None,
        candidates_evaluated=evaluated,
        friction_points=points,
        config=config.to_dict(),
        load=log,
        notes=tuple(stage.notes),
        complaint_overlay=stage.overlay or {},
    )


__all__ = ["analyse", "detect", "rank", "evidence", "Stage", "Warning_"]
