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
    # Inclusive lower bound, exclusive upper bound on the event (completion) timestamp.
    since: str | None = None
    until: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


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
