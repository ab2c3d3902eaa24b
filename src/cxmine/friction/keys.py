"""What identifies a friction point across periods and reports: (kind, activity, from, to, variant).
The variant comes from the kind's key fields in the registry (ping-pong: between, style, x, y)."""
from __future__ import annotations

from typing import Any

MatchKey = tuple[str | None, ...]


def match_key(kind: str, activity: str | None, from_activity: str | None, to_activity: str | None, details: dict[str, Any]) -> MatchKey:
    """What identifies a friction point across periods: (kind, activity, from, to, variant), the variant
    from the kind's key fields in the registry (ping-pong: between, style, x, y)."""
    from cxmine.friction import kinds  # noqa: PLC0415

    variant = kinds.REGISTRY[kind].variant(details) if kind in kinds.REGISTRY else None
    return (kind, activity, from_activity, to_activity, variant)


def point_key(point: Any) -> MatchKey:
    return match_key(point.kind, point.activity, point.from_activity, point.to_activity, point.details)


def candidate_key(candidate: Any) -> MatchKey:
    return match_key(candidate.kind, candidate.activity, candidate.from_activity, candidate.to_activity, candidate.details)


def dict_key(point: dict[str, Any]) -> MatchKey:
    """The key of a point in JSON form (a report's `match_key`, else computed from a friction JSON's fields)."""
    if point.get("match_key") is not None:
        return tuple(point["match_key"])
    return match_key(point["kind"], point.get("activity"), point.get("from_activity"), point.get("to_activity"), point.get("details") or {})
