"""`--redact`: a report that can be shared outside the team.

- Case, customer and resource identifiers become stable pseudonyms: `case-` + the first 12 hex digits of
  sha256(salt, kind, value). The same id gives the same pseudonym in every report made with the same salt,
  so weeks can still be compared and a data owner can look a case up; the id itself is not shown.
- Free text from the data is dropped: warning and data-quality examples (they quote rows of the log).
- Groups smaller than `min_group` cases are not shown: drivers, complaint tags, the weekly trend of a
  small week, the distribution of a wait measured on few cases.

Pure: takes a `Report`, returns a new one.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from typing import Any

from cxmine.model import FrictionPoint, RelatedPoint
from cxmine.report.build import Report, Trend, point_key

DEFAULT_SALT = "cxmine-report-v1"
HASH_HEX_DIGITS = 12
_RESOURCE_PAIR = re.compile(r"^(ping-pong between resources )'(.*)' ⇄ '(.*)'(.*)$")


def stable_id(value: object, kind: str, salt: str = DEFAULT_SALT) -> str:
    """A pseudonym for an identifier: `<kind>-<12 hex digits of sha256(salt, kind, value)>`."""
    digest = hashlib.sha256(f"{salt}\x00{kind}\x00{value}".encode("utf-8")).hexdigest()
    return f"{kind}-{digest[:HASH_HEX_DIGITS]}"


class _Redactor:
    def __init__(self, min_group: int, salt: str, customer_column: str | None) -> None:
        self.min_group = min_group
        self.salt = salt
        self.customer_column = customer_column
        self.hidden: dict[str, int] = {"drivers": 0, "complaint_tags": 0, "trend_weeks": 0, "wait_distributions": 0, "examples": 0}

    def resource(self, name: str) -> str:
        return stable_id(name, "resource", self.salt)

    def related(self, item: RelatedPoint) -> RelatedPoint:
        match = _RESOURCE_PAIR.match(item.label)
        if item.kind != "ping_pong" or not match:
            return item
        label = f"{match.group(1)}'{self.resource(match.group(2))}' ⇄ '{self.resource(match.group(3))}'{match.group(4)}"
        return replace(item, label=label)

    def point(self, point: FrictionPoint) -> FrictionPoint:
        label, sentence, details = point.label, point.sentence, dict(point.details)
        activity = point.activity
        if point.kind == "ping_pong" and details.get("between") == "resources":
            x, y = str(details.get("x")), str(details.get("y"))
            hx, hy = self.resource(x), self.resource(y)
            label = label.replace(f"'{x}' ⇄ '{y}'", f"'{hx}' ⇄ '{hy}'")
            sentence = sentence.replace(f"{x} ⇄ {y}", f"{hx} ⇄ {hy}")
            details.update(x=hx, y=hy)
        if isinstance(details.get("tags"), dict):  # complaint hotspots: tag → complaints
            kept = {k: v for k, v in details["tags"].items() if int(v) >= self.min_group}
            self.hidden["complaint_tags"] += len(details["tags"]) - len(kept)
            details["tags"] = kept
        drivers = []
        for driver in point.drivers:
            cases = round(float(driver.get("share_affected", 0)) * point.cases_affected)
            if cases < self.min_group:
                self.hidden["drivers"] += 1
                continue
            if driver.get("attribute") == self.customer_column:
                driver = {**driver, "value": stable_id(driver["value"], "customer", self.salt)}
            drivers.append(driver)
        tags = tuple(t for t in point.top_complaint_tags if t.count >= self.min_group)
        self.hidden["complaint_tags"] += len(point.top_complaint_tags) - len(tags)
        return replace(
            point, label=label, sentence=sentence, activity=activity, details=details, drivers=tuple(drivers),
            top_complaint_tags=tags, related=tuple(self.related(r) for r in point.related),
        )

    def overlay(self, overlay: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for name, rows in overlay.items():
            cleaned = []
            for row in rows:
                tags = [t for t in row.get("top_tags", []) if int(t.get("count", 0)) >= self.min_group]
                self.hidden["complaint_tags"] += len(row.get("top_tags", [])) - len(tags)
                cleaned.append({**row, "top_tags": tags})
            out[name] = cleaned
        return out

    def no_examples(self, items: tuple) -> tuple:
        self.hidden["examples"] += sum(len(getattr(item, "examples", ())) for item in items)
        return tuple(replace(item, examples=()) for item in items)

    def trend(self, trend: Trend) -> Trend:
        small = [c < self.min_group for c in trend.cases]
        self.hidden["trend_weeks"] += sum(small)
        series = tuple(
            replace(s, shares=tuple(None if hide else v for v, hide in zip(s.shares, small)), affected=tuple(None if hide else a for a, hide in zip(s.affected, small)))
            for s in trend.series
        )
        return replace(trend, series=series)


def redact_report(report: Report, *, min_group: int = 5, salt: str = DEFAULT_SALT, customer_column: str | None = None) -> Report:
    """The report with identifiers pseudonymised, free text dropped and groups below `min_group` hidden."""
    r = _Redactor(min_group, salt, customer_column)
    friction = report.friction
    points = tuple(r.point(p) for p in friction.friction_points)
    load = friction.load
    if load is not None:
        load = replace(load, warnings=r.no_examples(load.warnings))
    friction = replace(friction, friction_points=points, load=load, notes=r.no_examples(friction.notes), complaint_overlay=r.overlay(friction.complaint_overlay))
    tags = tuple(t for t in report.complaint_tags if t.cases >= min_group)
    r.hidden["complaint_tags"] += len(report.complaint_tags) - len(tags)
    waits = tuple(w for w in report.wait_distributions if w.count >= min_group)
    r.hidden["wait_distributions"] += len(report.wait_distributions) - len(waits)
    key_of = {old: point_key(new) for old, new in zip(report.keys, points)}
    trend = r.trend(report.trend)
    trend = replace(trend, series=tuple(replace(s, key=key_of.get(s.key, s.key), label=_label(points, s.rank, s.label)) for s in trend.series))
    waits = tuple(replace(w, key=key_of.get(w.key, w.key)) for w in waits)
    return replace(
        report,
        friction=friction,
        keys=tuple(point_key(p) for p in points),
        example_cases=tuple(tuple(stable_id(c, "case", salt) for c in cases) for cases in report.example_cases),
        trend=trend,
        wait_distributions=waits,
        complaint_tags=tags,
        quality=r.no_examples(report.quality),
        redaction={
            "min_group": int(min_group),
            "pseudonyms": f"sha256 with a fixed salt, first {HASH_HEX_DIGITS} hex digits",
            "salt": "default" if salt == DEFAULT_SALT else "custom",
            "hidden": dict(r.hidden),
        },
    )


def _label(points: tuple[FrictionPoint, ...], rank: int, fallback: str) -> str:
    for point in points:
        if point.rank == rank:
            return point.label
    return fallback


__all__ = ["DEFAULT_SALT", "redact_report", "stable_id"]
