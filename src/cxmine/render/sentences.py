"""Friction sentences, rendered from each kind's template in the registry (cxmine.friction.kinds).

A sentence says what the affected customers experience against the others, in plain words with plain
sizes, and how much more often they end in a bad outcome (complaints, cancellations, low survey scores)
— only outcomes whose lift survives Benjamini–Hochberg are named, complaints always when measured.
"""
from __future__ import annotations

from cxmine.friction import kinds
from cxmine.model import FrictionPoint, FrictionReport, OutcomeLift
from cxmine.render.units import duration

ALPHA = 0.05
MAX_OUTCOME_CLAUSES = 2


def share(value: float | None) -> str:
    """12%, 4%, 0.4%, <0.1%: shares under 1% keep one decimal, so a small share never reads as 0%."""
    if value is None:
        return "–"
    percent = 100 * float(value)
    if percent == 0:
        return "0%"
    if percent < 0.1:
        return "<0.1%"
    if percent < 1:
        return f"{percent:.1f}%"
    return f"{percent:.0f}%"


def _who_due(point: FrictionPoint) -> str:
    counts = point.details.get("promise") or {}
    due = counts.get("due") or 0
    broken = (counts.get("late") or 0) + (counts.get("open_past_due") or 0)
    return f"{share(broken / due)} of the {due:,} cases due" if due else f"{share(point.cases_affected_share)} of cases"


def _outcome_clause(outcome: OutcomeLift, said: str) -> str | None:
    if outcome.mean_score_difference is not None and outcome.mean_score_ci is not None and outcome.q_value is not None and outcome.q_value < ALPHA:
        low, high = outcome.mean_score_ci
        direction = "lower" if outcome.mean_score_difference < 0 else "higher"
        scale = said if said.startswith("score:") else ""
        return f"their {scale[6:] or 'score'} is {abs(outcome.mean_score_difference):.1f} {direction} ({outcome.name}: 95% CI {low:+.1f} to {high:+.1f})"
    if outcome.lift is None or outcome.q_value is None or outcome.q_value >= ALPHA or outcome.lift <= 1:
        return None
    return f"they {said} {outcome.lift:.1f}× as often (95% CI {outcome.ci_low:.1f}–{outcome.ci_high:.1f})"


def sentence(point: FrictionPoint, phrases: dict[str, str] | None = None) -> str:
    """One plain sentence for a ranked point, from its kind's template. `phrases`: outcome name → how to
    say it ("are cancelled"); by default "end up <name>"."""
    kind = kinds.get(point.kind)
    fields = kind.template_fields(point.activity, point.from_activity, point.to_activity, point.details)
    fields.update(
        label=point.label,
        who=f"{share(point.cases_affected_share)} of {'customers' if kind.scope == 'customer' else 'cases'}",
        who_due=_who_due(point),
        threshold=duration(point.threshold_seconds),
        typical=duration(point.measure_p50_seconds),
        affected_typical=duration(point.affected_p50_seconds),
        others_typical=duration(point.unaffected_p50_seconds),
    )
    text = kind.sentence.format_map(fields)
    if point.complaint_lift is not None and kind.evidence == "lift":
        text += f"; they complain {point.complaint_lift:.1f}× as often (95% CI {point.complaint_lift_ci_low:.1f}–{point.complaint_lift_ci_high:.1f})"
    clauses = []
    for outcome in sorted((o for o in point.outcomes if o.name != "complaint"), key=lambda o: (o.q_value if o.q_value is not None else 1.0, o.name)):
        said = (phrases or {}).get(outcome.name, f"end up {outcome.name}")
        if outcome.mean_score_difference is not None:
            said = (phrases or {}).get(f"score:{outcome.name}", "score:score")
        clause = _outcome_clause(outcome, said)
        if clause:
            clauses.append(clause)
    for clause in clauses[:MAX_OUTCOME_CLAUSES]:
        text += "; " + clause
    return text + "."


def describer(phrases: dict[str, str] | None = None):
    """`sentence` with the configured outcome phrases bound (the engine's `describe`); "score:<name>" keys
    give the score column of a survey outcome ("nps")."""
    return lambda point: sentence(point, phrases)


def with_sentences(report: FrictionReport, phrases: dict[str, str] | None = None) -> FrictionReport:
    """The report with every point's sentence (re)written from the templates (after redaction, too)."""
    from dataclasses import replace  # noqa: PLC0415

    return replace(report, friction_points=tuple(replace(p, sentence=sentence(p, phrases)) for p in report.friction_points))
