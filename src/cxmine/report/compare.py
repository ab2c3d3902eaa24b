"""What changed since a baseline, and the `--fail-on` gates a CI job exits on.

Both sides are report dictionaries (`Report.to_dict()`, or a `report.json` read back; a `cxmine friction
--format json` document works as a baseline too), so a baseline computed from the log and one read from a
file go through the same code.

Points are matched by (kind, activity, from, to, variant). A point present on both sides is *worse* or
*better* only when the change in its share of cases affected is significant: Fisher's exact test on the
2×2 table (affected / not affected × now / baseline), Benjamini–Hochberg across all points compared, at
q < 0.05. Otherwise it is *unchanged*, however the numbers moved. A point only in the current report is
*new*; one only in the baseline is *resolved*. A point folded into another one (`related`) on one side
still counts as present there.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from cxmine.errors import InputError, UsageError
from cxmine.friction import stats
from cxmine.report.keys import MatchKey, dict_key

ALPHA = 0.05
STATUSES = ("new", "worse", "better", "unchanged", "resolved")


def _r(value: float | None, digits: int = 6) -> float | None:
    if value is None:
        return None
    value = float(value)
    return round(value, digits) if np.isfinite(value) else None


def _g(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.6g}")


@dataclass(frozen=True)
class PointChange:
    """One friction point, now against the baseline."""

    status: str  # new, worse, better, unchanged, resolved
    kind: str
    label: str
    key: MatchKey
    rank_now: int | None
    rank_before: int | None
    critical_now: bool
    critical_before: bool
    score_now: float | None
    score_before: float | None
    cases_now: int
    cases_before: int
    share_now: float | None
    share_before: float | None
    p_value: float | None
    q_value: float | None
    folded: str | None = None  # "before" / "now": on that side it was folded into another point

    @property
    def significant(self) -> bool:
        return self.q_value is not None and self.q_value < ALPHA

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "kind": self.kind,
            "label": self.label,
            "match_key": list(self.key),
            "rank_now": self.rank_now,
            "rank_before": self.rank_before,
            "critical_now": self.critical_now,
            "critical_before": self.critical_before,
            "score_now": _r(self.score_now, 4),
            "score_before": _r(self.score_before, 4),
            "cases_affected_now": int(self.cases_now),
            "cases_affected_before": int(self.cases_before),
            "share_now": _r(self.share_now),
            "share_before": _r(self.share_before),
            "p_value": _g(self.p_value),
            "q_value": _g(self.q_value),
            "significant": self.significant,
            "folded": self.folded,
        }


@dataclass(frozen=True)
class Comparison:
    """The current report against one baseline."""

    baseline: str  # the baseline period's label, or the file it came from
    baseline_period: str | None
    cases_now: int
    cases_before: int
    changes: tuple[PointChange, ...]
    headline: tuple[dict[str, Any], ...]
    notes: tuple[str, ...] = ()

    def count(self, status: str) -> int:
        return sum(1 for c in self.changes if c.status == status)

    def to_dict(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline,
            "baseline_period": self.baseline_period,
            "cases_now": int(self.cases_now),
            "cases_before": int(self.cases_before),
            "alpha": ALPHA,
            "test": "Fisher's exact test on the share of cases affected; Benjamini–Hochberg across points",
            "counts": {status: self.count(status) for status in STATUSES},
            "headline": [dict(h) for h in self.headline],
            "changes": [c.to_dict() for c in self.changes],
            "notes": list(self.notes),
        }


OPEN_SHARE_WARNING = 0.05  # warn when the periods' shares of open cases differ by 5 points or more


def _fisher(a: int, n1: int, b: int, n0: int) -> float | None:
    if n1 <= 0 or n0 <= 0:
        return None
    return stats.fisher_p(min(max(a, 0), n1), n1, min(max(b, 0), n0), n0)


def report_view(data: dict[str, Any], *, source: str = "baseline") -> tuple[int, list[dict[str, Any]], dict[str, Any]]:
    """(cases, friction points, headline) of a report or friction JSON document."""
    if not isinstance(data, dict) or data.get("kind") not in ("report", "friction"):
        raise InputError("not a cxmine report.json (or friction JSON)", file=source, hint="pass a report.json written by 'cxmine report -o report.json'")
    try:
        if data["kind"] == "report":
            return int(data["headline"]["cases"]), list(data["friction"]["friction_points"]), dict(data["headline"])
        return int(data["cases"]), list(data["friction_points"]), {"cases": data["cases"], "complaint_rate": (data.get("complaints") or {}).get("case_complaint_rate")}
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"the baseline JSON lacks {exc}", file=source, hint="pass a report.json written by 'cxmine report'") from None


def _related(points: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    for point in points:
        for item in point.get("related") or ():
            found.setdefault((item["kind"], item["label"]), int(item["cases_affected"]))
    return found


def _headline_changes(now: dict[str, Any], before: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    rows: list[dict[str, Any]] = []
    n1, n0 = int(now.get("cases") or 0), int(before.get("cases") or 0)
    rows.append({"measure": "cases", "now": n1, "before": n0, "change": n1 - n0, "p_value": None})
    for name in ("lead_time_p50_seconds", "lead_time_p90_seconds"):
        a, b = now.get(name), before.get(name)
        rows.append({"measure": name, "now": _r(a, 3), "before": _r(b, 3), "change": _r(a - b, 3) if a is not None and b is not None else None, "p_value": None})
    a, b = now.get("complaint_rate"), before.get("complaint_rate")
    p = _fisher(round(a * n1), n1, round(b * n0), n0) if a is not None and b is not None else None
    rows.append({"measure": "complaint_rate", "now": _r(a), "before": _r(b), "change": _r(a - b) if a is not None and b is not None else None, "p_value": _g(p)})
    a, b = now.get("promise_keeping"), before.get("promise_keeping")
    kept = lambda h: (sum(int(x.get("kept") or 0) for x in h.get("promises") or ()), sum(int(x.get("cases") or 0) for x in h.get("promises") or ()))  # noqa: E731
    (k1, t1), (k0, t0) = kept(now), kept(before)
    p = _fisher(k1, t1, k0, t0) if a is not None and b is not None and t1 and t0 else None
    rows.append({"measure": "promise_keeping", "now": _r(a), "before": _r(b), "change": _r(a - b) if a is not None and b is not None else None, "p_value": _g(p)})
    return tuple(rows)


def compare(current: dict[str, Any], baseline: dict[str, Any], *, label: str, source: str = "baseline") -> Comparison:
    """Match the current report's points against the baseline's and test each change."""
    n_now, points_now, headline_now = report_view(current, source="current report")
    n_before, points_before, headline_before = report_view(baseline, source=source)
    notes: list[str] = []
    if bool(current.get("redaction")) != bool(baseline.get("redaction")):
        notes.append("One side is redacted and the other is not: points named after resources cannot be matched.")
    before_by_key: dict[MatchKey, dict[str, Any]] = {}
    for point in points_before:
        before_by_key.setdefault(dict_key(point), point)
    related_before, related_now = _related(points_before), _related(points_now)
    matched: set[MatchKey] = set()
    rows: list[dict[str, Any]] = []
    for point in points_now:
        key = dict_key(point)
        base = before_by_key.get(key)
        row = {
            "kind": point["kind"], "label": point["label"], "key": key, "rank_now": point["rank"], "critical_now": bool(point["critical"]),
            "score_now": point["score"], "cases_now": int(point["cases_affected"]), "rank_before": None, "critical_before": False,
            "score_before": None, "cases_before": 0, "folded": None, "present_before": False, "present_now": True,
        }
        if base is not None:
            matched.add(key)
            row.update(rank_before=base["rank"], critical_before=bool(base["critical"]), score_before=base["score"], cases_before=int(base["cases_affected"]), present_before=True)
        elif (point["kind"], point["label"]) in related_before:
            row.update(cases_before=related_before[(point["kind"], point["label"])], folded="before", present_before=True)
        rows.append(row)
    for point in points_before:
        key = dict_key(point)
        if key in matched:
            continue
        matched.add(key)
        row = {
            "kind": point["kind"], "label": point["label"], "key": key, "rank_now": None, "critical_now": False, "score_now": None,
            "cases_now": 0, "rank_before": point["rank"], "critical_before": bool(point["critical"]), "score_before": point["score"],
            "cases_before": int(point["cases_affected"]), "folded": None, "present_before": True, "present_now": False,
        }
        if (point["kind"], point["label"]) in related_now:
            row.update(cases_now=related_now[(point["kind"], point["label"])], folded="now", present_now=True)
        rows.append(row)

    p_values = [_fisher(r["cases_now"], n_now, r["cases_before"], n_before) for r in rows]
    q_values = stats.benjamini_hochberg(p_values)
    changes = []
    for row, p, q in zip(rows, p_values, q_values):
        share_now = row["cases_now"] / n_now if n_now else None
        share_before = row["cases_before"] / n_before if n_before else None
        if not row["present_before"]:
            status = "new"
        elif not row["present_now"]:
            status = "resolved"
        elif q is not None and q < ALPHA and share_now is not None and share_before is not None and share_now != share_before:
            status = "worse" if share_now > share_before else "better"
        else:
            status = "unchanged"
        changes.append(
            PointChange(
                status, row["kind"], row["label"], row["key"], row["rank_now"], row["rank_before"], row["critical_now"],
                row["critical_before"], row["score_now"], row["score_before"], row["cases_now"], row["cases_before"],
                share_now, share_before, p, q, row["folded"],
            )
        )
    # Current points in rank order, then the resolved ones in their baseline order.
    changes.sort(key=lambda c: (c.rank_now is None, c.rank_now or 0, c.rank_before or 0))
    period = baseline.get("period", {}).get("label") if isinstance(baseline.get("period"), dict) else None
    open_now, open_before = headline_now.get("open_share"), headline_before.get("open_share")
    if open_now is not None and open_before is not None and abs(open_now - open_before) >= OPEN_SHARE_WARNING:
        notes.append(
            f"{100 * open_now:.0f}% of this period's cases are still open, against {100 * open_before:.0f}% in the baseline: "
            "lead times and affected shares of open cases are not final, so part of the change is only that they have not ended yet."
        )
    return Comparison(label, period, n_now, n_before, tuple(changes), _headline_changes(headline_now, headline_before), tuple(notes))


# ---------------------------------------------------------------------------------------------------------------
# Gates

_THRESHOLD = re.compile(r"^\s*(score|complaint-rate)\s*>\s*(\d+(?:\.\d*)?|\.\d+)\s*(%?)\s*$", re.IGNORECASE)
GATE_HINT = "use new-critical, score>X (0–100) or complaint-rate>Y (a share such as 0.08 or 8%)"


@dataclass(frozen=True)
class GateRule:
    text: str
    kind: str  # new-critical, score, complaint-rate
    threshold: float | None = None


@dataclass(frozen=True)
class GateResult:
    rule: str
    fired: bool
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "fired": self.fired, "reasons": list(self.reasons)}


def parse_gate(text: str) -> GateRule:
    """'new-critical', 'score>40', 'complaint-rate>0.08' or 'complaint-rate>8%'."""
    value = text.strip()
    if value.lower() == "new-critical":
        return GateRule("new-critical", "new-critical")
    match = _THRESHOLD.match(value)
    if not match:
        raise UsageError(f"--fail-on {text!r} is not a rule", hint=GATE_HINT)
    kind, number, percent_sign = match.group(1).lower(), float(match.group(2)), match.group(3)
    if kind == "score":
        if percent_sign or number > 100:
            raise UsageError(f"--fail-on {text!r}: a score is between 0 and 100 (all points' scores add up to 100)", hint="e.g. --fail-on 'score>40'")
        return GateRule(f"score>{number:g}", "score", number)
    share = number / 100 if (percent_sign or number > 1) else number
    if share > 1:
        raise UsageError(f"--fail-on {text!r}: a complaint rate is at most 100%", hint="e.g. --fail-on 'complaint-rate>8%'")
    return GateRule(f"complaint-rate>{share:g}", "complaint-rate", share)


def evaluate_gates(rules: tuple[GateRule, ...], report: dict[str, Any], comparison: Comparison | None) -> tuple[GateResult, ...]:
    """Which rules fire, each with one sentence per finding."""
    results = []
    for rule in rules:
        reasons: list[str] = []
        if rule.kind == "new-critical":
            if comparison is None:
                raise UsageError("--fail-on new-critical needs a baseline", hint="add --compare previous, --compare 2026-W11 or --compare baseline.json")
            for change in comparison.changes:
                # Critical now, not critical before, and its share of cases rose significantly: a new
                # point seen in two cases, or a wobble at the edge of the critical few, is noise.
                if not change.critical_now or change.critical_before or change.status not in ("new", "worse") or not change.significant:
                    continue
                shares = f"{100 * (change.share_before or 0):.1f}% → {100 * (change.share_now or 0):.1f}% of cases, q = {change.q_value:.2g}"
                if change.status == "new":
                    reasons.append(f"'{change.label}' is critical and new since {comparison.baseline} ({shares})")
                else:
                    reasons.append(f"'{change.label}' became critical and is significantly worse than in {comparison.baseline} ({shares})")
        elif rule.kind == "score":
            for point in report["friction"]["friction_points"]:
                if point["score"] is not None and point["score"] > rule.threshold:
                    reasons.append(f"'{point['label']}' scores {point['score']:.1f} > {rule.threshold:g}")
        else:
            rate = report["headline"].get("complaint_rate")
            if rate is None:
                raise UsageError(f"--fail-on {rule.text} needs complaints", hint="configure [complaints] in cxmine.toml (docs/config.md)")
            if rate > rule.threshold:
                reasons.append(f"complaint rate {100 * rate:.1f}% > {100 * rule.threshold:g}%")
        results.append(GateResult(rule.text, bool(reasons), tuple(reasons)))
    return tuple(results)
