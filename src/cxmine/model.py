"""Frozen result objects shared by the core, the renderers and the CLI.

Every object has `to_dict()` giving plain JSON-ready values with a stable key order and units in key
names. The core builds them; renderers only read them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is only needed for type hints here
    import pandas as pd

SCHEMA_VERSION = "1.0"


@dataclass(frozen=True)
class Warning_:
    """Something the user should know (rows dropped, timezone assumed). Printed on stderr, counted in JSON."""

    code: str
    message: str
    count: int = 1
    examples: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "count": int(self.count), "examples": list(self.examples)}


@dataclass(frozen=True)
class LoadOptions:
    """How to read a log: column mapping and parsing hints. None means auto-detect."""

    case: str | None = None
    activity: str | None = None
    timestamp: str | None = None
    start_timestamp: str | None = None
    resource: str | None = None
    timestamp_format: str | None = None
    timezone: str = "UTC"
    encoding: str = "utf-8"
    lifecycle_in_activity: bool = False
    # Local times that occur twice when clocks go back (--timezone): "earliest", "latest" or "error".
    ambiguous: str = "earliest"
    # Inclusive lower bound, exclusive upper bound on the event (completion) timestamp.
    since: str | None = None
    until: str | None = None
    # Whole cases where every attribute=value holds (--where, repeatable).
    where: tuple[str, ...] = ()
    # Real log shapes, as [prepare] (a flag given here adds to the config).
    drop_duplicates: bool = False
    merge_repeats: bool = False
    missing: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in ((k, getattr(self, k)) for k in self.__dataclass_fields__)}


@dataclass(frozen=True)
class EngineSettings:
    """Which engine computes, and its settings (`--engine`, `--memory-limit`, `--threads`, `--temp-dir`,
    `--spark-master`, `--spark-conf`)."""

    engine: str = "pandas"  # "auto", "pandas", "duckdb" or "spark"
    memory_limit: str | None = None  # DuckDB's memory_limit, e.g. "4GB"
    threads: int | None = None
    temp_dir: str | None = None  # where DuckDB spills what does not fit in memory
    spark_master: str | None = None  # local[*] (default), spark://host:7077, yarn, k8s://…
    spark_conf: tuple[tuple[str, str], ...] = ()  # --spark-conf key=value


@dataclass(frozen=True)
class EventLog:
    """The canonical event table plus what was learnt while loading it.

    `events` columns: case_id, activity, timestamp (tz-aware UTC, completion time), optionally
    start_timestamp, resource, lifecycle, then every other attribute under its own name (XES trace
    attributes as `case:<name>`). Sorted by case, then timestamp, ties in file order.
    """

    events: "pd.DataFrame"
    source: str
    format: str
    columns_used: dict[str, str | None]
    warnings: tuple[Warning_, ...] = ()
    rows_read: int = 0
    rows_unusable: int = 0

    @property
    def has_start(self) -> bool:
        return "start_timestamp" in self.events.columns and bool(self.events["start_timestamp"].notna().any())

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "columns_used": dict(self.columns_used),
            "rows_read": int(self.rows_read),
            "rows_unusable": int(self.rows_unusable),
            "warnings": [w.to_dict() for w in self.warnings],
        }


@dataclass(frozen=True)
class CountShare:
    name: str
    count: int
    share: float

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "count": int(self.count), "share": round(float(self.share), 6)}


@dataclass(frozen=True)
class Variant:
    rank: int
    activities: tuple[str, ...]
    cases: int
    share: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "cases": int(self.cases),
            "share": round(float(self.share), 6),
            "length": len(self.activities),
            "activities": list(self.activities),
        }


@dataclass(frozen=True)
class AttributeInfo:
    name: str
    dtype: str
    level: str  # "event" or "case"
    fill_rate: float
    distinct: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.dtype,
            "level": self.level,
            "fill_rate": round(float(self.fill_rate), 6),
            "distinct": int(self.distinct),
        }


@dataclass(frozen=True)
class QualityFinding:
    """A data-quality observation on the loaded log: `count` events or cases, with a few examples."""

    code: str
    message: str
    count: int
    unit: str  # "events", "cases" or "rows"
    examples: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "count": int(self.count),
            "unit": self.unit,
            "examples": list(self.examples),
        }


@dataclass(frozen=True)
class LogSummary:
    """What `cxmine inspect` reports."""

    source: str
    format: str
    events: int
    cases: int
    activities: int
    variants: int
    first_timestamp: str | None
    last_timestamp: str | None
    has_start_timestamps: bool
    activity_counts: tuple[CountShare, ...]
    top_variants: tuple[Variant, ...]
    events_per_case: dict[str, float]
    case_duration_seconds: dict[str, float]
    start_activities: tuple[CountShare, ...]
    end_activities: tuple[CountShare, ...]
    attributes: tuple[AttributeInfo, ...]
    quality: tuple[QualityFinding, ...]
    load: EventLog | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        load = self.load.to_dict() if self.load is not None else {}
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "inspect",
            "source": self.source,
            "format": self.format,
            "events": int(self.events),
            "cases": int(self.cases),
            "activities": int(self.activities),
            "variants": int(self.variants),
            "time_span": {"first": self.first_timestamp, "last": self.last_timestamp},
            "has_start_timestamps": self.has_start_timestamps,
            "columns_used": load.get("columns_used", {}),
            "rows_read": load.get("rows_read", self.events),
            "rows_unusable": load.get("rows_unusable", 0),
            "warnings": load.get("warnings", []),
            "warning_count": len(load.get("warnings", [])),
            "activity_counts": [a.to_dict() for a in self.activity_counts],
            "top_variants": [v.to_dict() for v in self.top_variants],
            "events_per_case": {k: round(float(v), 6) for k, v in self.events_per_case.items()},
            "case_duration_seconds": {k: round(float(v), 3) for k, v in self.case_duration_seconds.items()},
            "start_activities": [a.to_dict() for a in self.start_activities],
            "end_activities": [a.to_dict() for a in self.end_activities],
            "attributes": [a.to_dict() for a in self.attributes],
            "quality": [q.to_dict() for q in self.quality],
        }


@dataclass(frozen=True)
class RelatedPoint:
    """A candidate that describes the same customers' pain as a ranked point (folded into it, not ranked)."""

    kind: str
    label: str
    cases_affected: int
    overlap: float

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "cases_affected": int(self.cases_affected), "overlap": round(float(self.overlap), 4)}


@dataclass(frozen=True)
class OutcomeLift:
    """How much more often the cases a point affects end in a bad outcome (complaint, cancellation, a
    low survey score), counting only outcomes that came after the friction began. `tested` False when the
    point sits at the outcome's own activity (it would be circular) or a group is empty."""

    name: str
    cases_exposed: int
    cases_with_outcome: int  # exposed cases that had the outcome
    rate_exposed: float | None
    rate_others: float | None
    lift: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    q_value: float | None = None
    excess_cases: float = 0.0  # cases with the outcome above the others' rate (counted only when q < 0.05)
    mean_score_difference: float | None = None  # score outcomes: exposed − others
    mean_score_ci: tuple[float, float] | None = None
    tested: bool = True
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        def r(value: float | None, digits: int = 6) -> float | None:
            return None if value is None else round(float(value), digits)

        out: dict[str, Any] = {
            "name": self.name,
            "tested": self.tested,
            "cases_exposed": int(self.cases_exposed),
            "cases_with_outcome": int(self.cases_with_outcome),
            "rate_exposed": r(self.rate_exposed),
            "rate_others": r(self.rate_others),
            "lift": r(self.lift, 4),
            "ci_low": r(self.ci_low, 4),
            "ci_high": r(self.ci_high, 4),
            "p_value": None if self.p_value is None else float(f"{self.p_value:.6g}"),
            "q_value": None if self.q_value is None else float(f"{self.q_value:.6g}"),
            "excess_cases": r(self.excess_cases, 3),
        }
        if self.mean_score_difference is not None:
            out["mean_score_difference"] = r(self.mean_score_difference, 4)
            out["mean_score_difference_ci95"] = None if self.mean_score_ci is None else [r(self.mean_score_ci[0], 4), r(self.mean_score_ci[1], 4)]
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class FrictionPoint:
    """One ranked friction point with its evidence. Durations in seconds, shares in 0..1."""

    rank: int
    kind: str
    label: str
    activity: str | None
    from_activity: str | None
    to_activity: str | None
    score: float
    score_time_part: float
    score_complaint_part: float
    critical: bool
    low_evidence: bool
    low_evidence_reasons: tuple[str, ...]
    cases_affected: int
    cases_affected_share: float
    threshold_seconds: float | None
    measure: str
    measure_p50_seconds: float | None
    measure_p90_seconds: float | None
    affected_p50_seconds: float | None
    affected_p90_seconds: float | None
    excess_customer_hours: float
    complaint_rate_affected: float | None
    complaint_rate_unaffected: float | None
    complaint_lift: float | None
    complaint_lift_ci_low: float | None
    complaint_lift_ci_high: float | None
    p_value: float | None
    q_value: float | None
    complaints_avoided_if_fixed: float
    customer_hours_saved_if_fixed: float
    lead_time_p50_affected_seconds: float | None
    lead_time_p50_unaffected_seconds: float | None
    top_complaint_tags: tuple[CountShare, ...]
    drivers: tuple[dict[str, Any], ...]
    details: dict[str, Any]
    related: tuple[RelatedPoint, ...]
    sentence: str
    outcomes: tuple[OutcomeLift, ...] = ()
    score_outcome_parts: dict[str, float] = field(default_factory=dict)
    unaffected_p50_seconds: float | None = None  # the other cases' median of the same measure
    value: float | None = None  # [value]: what the friction costs in its cases (time, contacts, their bad outcomes)
    value_if_fixed: float | None = None  # [value]: what the what-if removes (time, contacts, the excess outcomes)

    def to_dict(self) -> dict[str, Any]:
        def r(value: float | None, digits: int = 6) -> float | None:
            return None if value is None else round(float(value), digits)

        return {
            "rank": self.rank,
            "kind": self.kind,
            "label": self.label,
            "activity": self.activity,
            "from_activity": self.from_activity,
            "to_activity": self.to_activity,
            "score": r(self.score, 4),
            "score_time_part": r(self.score_time_part, 4),
            "score_complaint_part": r(self.score_complaint_part, 4),
            "critical": self.critical,
            "low_evidence": self.low_evidence,
            "low_evidence_reasons": list(self.low_evidence_reasons),
            "cases_affected": int(self.cases_affected),
            "cases_affected_share": r(self.cases_affected_share),
            "threshold_seconds": r(self.threshold_seconds, 3),
            "measure": self.measure,
            "measure_p50_seconds": r(self.measure_p50_seconds, 3),
            "measure_p90_seconds": r(self.measure_p90_seconds, 3),
            "affected_p50_seconds": r(self.affected_p50_seconds, 3),
            "affected_p90_seconds": r(self.affected_p90_seconds, 3),
            "unaffected_p50_seconds": r(self.unaffected_p50_seconds, 3),
            "excess_customer_hours": r(self.excess_customer_hours, 3),
            "complaint_rate_affected": r(self.complaint_rate_affected),
            "complaint_rate_unaffected": r(self.complaint_rate_unaffected),
            "complaint_lift": r(self.complaint_lift, 4),
            "complaint_lift_ci95": [r(self.complaint_lift_ci_low, 4), r(self.complaint_lift_ci_high, 4)],
            "p_value": None if self.p_value is None else float(f"{self.p_value:.6g}"),
            "q_value": None if self.q_value is None else float(f"{self.q_value:.6g}"),
            "what_if_fixed": {
                "complaints_avoided": r(self.complaints_avoided_if_fixed, 3),
                "outcomes_avoided": {o.name: r(o.excess_cases, 3) for o in self.outcomes if o.name != "complaint"},
                "customer_hours_saved": r(self.customer_hours_saved_if_fixed, 3),
            },
            "lead_time_p50_seconds": {
                "affected": r(self.lead_time_p50_affected_seconds, 3),
                "unaffected": r(self.lead_time_p50_unaffected_seconds, 3),
            },
            "top_complaint_tags": [t.to_dict() for t in self.top_complaint_tags],
            "drivers": [dict(d) for d in self.drivers],
            "details": dict(self.details),
            "related": [p.to_dict() for p in self.related],
            "outcomes": [o.to_dict() for o in self.outcomes],
            "score_outcome_parts": {name: r(part, 4) for name, part in self.score_outcome_parts.items()},
            "value": r(self.value, 2),
            "value_if_fixed": r(self.value_if_fixed, 2),
            "sentence": self.sentence,
        }


@dataclass(frozen=True)
class FrictionReport:
    """What `cxmine friction` returns: the ranked points and the context needed to trust them."""

    source: str
    events: int
    cases: int
    wait_basis: str
    touchpoints_configured: bool
    touchpoints: tuple[str, ...]
    complaints_total: int
    complaints_matched: int
    complaints_unmatched: int
    complaint_rate: float | None
    candidates_evaluated: int
    friction_points: tuple[FrictionPoint, ...]
    config: dict[str, Any]
    load: EventLog | None = field(default=None, compare=False)
    notes: tuple[Warning_, ...] = ()
    complaint_overlay: dict[str, Any] = field(default_factory=dict)
    currency: str | None = None  # set when [value] prices the friction
    ranked_by: str = "score"

    def to_dict(self) -> dict[str, Any]:
        load = self.load.to_dict() if self.load is not None else {}
        warnings = load.get("warnings", []) + [n.to_dict() for n in self.notes]
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "friction",
            "source": self.source,
            "events": int(self.events),
            "cases": int(self.cases),
            "wait_basis": self.wait_basis,
            "touchpoints_configured": self.touchpoints_configured,
            "touchpoints": list(self.touchpoints),
            "rows_read": load.get("rows_read", self.events),
            "rows_ignored": load.get("rows_unusable", 0),
            "complaints": {
                "total": int(self.complaints_total),
                "matched": int(self.complaints_matched),
                "unmatched": int(self.complaints_unmatched),
                "case_complaint_rate": None if self.complaint_rate is None else round(float(self.complaint_rate), 6),
                "by_transition": list(self.complaint_overlay.get("by_transition", [])),
                "by_step": list(self.complaint_overlay.get("by_step", [])),
            },
            "warnings": warnings,
            "warning_count": len(warnings),
            "candidates_evaluated": int(self.candidates_evaluated),
            "critical_count": sum(1 for p in self.friction_points if p.critical),
            "ranked_by": self.ranked_by,
            "value": None if self.currency is None else {
                "currency": self.currency,
                "total": round(sum(p.value or 0.0 for p in self.friction_points), 2),
                "total_if_fixed": round(sum(p.value_if_fixed or 0.0 for p in self.friction_points), 2),
            },
            "config": self.config,
            "friction_points": [p.to_dict() for p in self.friction_points],
        }


@dataclass(frozen=True)
class TimingsReport:
    """What `cxmine timings` returns: per step, per transition, per customer-visible gap, per promise."""

    source: str
    wait_basis: str
    touchpoints_configured: bool
    calendar: bool
    steps: tuple[dict[str, Any], ...]
    transitions: tuple[dict[str, Any], ...]
    customer_gaps: tuple[dict[str, Any], ...]
    promises: tuple[dict[str, Any], ...]
    load: EventLog | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        load = self.load.to_dict() if self.load is not None else {}
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "timings",
            "source": self.source,
            "wait_basis": self.wait_basis,
            "touchpoints_configured": self.touchpoints_configured,
            "working_time": self.calendar,
            "rows_read": load.get("rows_read"),
            "rows_ignored": load.get("rows_unusable", 0),
            "warnings": load.get("warnings", []),
            "steps": [dict(r) for r in self.steps],
            "transitions": [dict(r) for r in self.transitions],
            "customer_gaps": [dict(r) for r in self.customer_gaps],
            "promises": [dict(r) for r in self.promises],
        }


@dataclass(frozen=True)
class CaseList:
    """What `cxmine cases` returns: the cases behind a friction point, or the open cases in trouble now.
    `rows` are plain dicts with the same keys, in `columns` order."""

    source: str
    selection: str  # what was asked: "point 2: broken promise: …", "open cases in a friction condition"
    columns: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]
    cases_total: int
    point: dict[str, Any] | None = None
    redacted: bool = False
    load: EventLog | None = field(default=None, compare=False)
    notes: tuple[Warning_, ...] = ()  # what opening the inputs taught beyond the log's warnings (config, preparation, outcomes)

    def to_dict(self) -> dict[str, Any]:
        load = self.load.to_dict() if self.load is not None else {}
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "cases",
            "source": self.source,
            "selection": self.selection,
            "point": self.point,
            "redacted": self.redacted,
            "cases_total": int(self.cases_total),
            "cases_listed": len(self.rows),
            "warnings": load.get("warnings", []) + [n.to_dict() for n in self.notes],
            "columns": list(self.columns),
            "cases": [dict(row) for row in self.rows],
        }



@dataclass(frozen=True)
class JourneyReport:
    """What `cxmine journey` returns: the customer-level view across processes and the cross-process
    friction (`friction`: points whose cases are customers)."""

    source: str
    processes: tuple[dict[str, Any], ...]  # name, cases, customers, events
    customers: int
    summary: dict[str, Any]  # journeys / contacts / processes per customer, customer-hours across processes
    friction: FrictionReport
    notes: tuple[Warning_, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        friction = self.friction.to_dict()
        warnings = [n.to_dict() for n in self.notes] + friction["warnings"]
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "journey",
            "source": self.source,
            "processes": [dict(p) for p in self.processes],
            "customers": int(self.customers),
            "summary": dict(self.summary),
            "warnings": warnings,
            "warning_count": len(warnings),
            "critical_count": friction["critical_count"],
            "value": friction.get("value"),
            "friction_points": friction["friction_points"],
        }


@dataclass(frozen=True)
class PortfolioReport:
    """What `cxmine portfolio` returns: the processes ranked by the customer harm they cause, the critical few marked."""

    source: str
    processes: tuple[Any, ...]  # friction.crossprocess.ProcessHarm
    currency: str | None = None
    notes: tuple[Warning_, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "portfolio",
            "source": self.source,
            "currency": self.currency,
            "warnings": [n.to_dict() for n in self.notes],
            "critical_count": sum(1 for p in self.processes if p.critical),
            "processes": [p.to_dict() for p in self.processes],
        }
