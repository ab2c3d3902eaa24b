"""`--redact`: a report that can be shared outside the team.

- Case, customer and resource identifiers become stable pseudonyms: `case-` + the first 12 hex digits of
  sha256(salt, kind, value). The same id gives the same pseudonym in every report made with the same salt,
  so weeks can still be compared and a data owner can look a case up; the id itself is not shown.
- Every other value from the data that the report shows — driver values (an account manager, an agent
  column nobody mapped), complaint tags, the teams of a ping-pong — is shown as it is only when its
  attribute is on the allow-list `keep` (e.g. `("channel", "product")`; complaint tags are `"tag"`, the
  team column by its name); otherwise it becomes a pseudonym too (`value-…`, `tag-…`, `team-…`). The
  mapped identifiers (case, customer, resource) are pseudonymised even when listed in `keep`.
- Free text from the data is dropped: warning and data-quality examples (they quote rows of the log).
- Groups smaller than `min_group` cases are not shown: drivers, complaint tags, the weekly trend of a
  small week, the distribution of a wait measured on few cases.

Pure: takes a `Report`, returns a new one.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from typing import Any, Callable

from cxmine.model import CaseList, FrictionPoint, RelatedPoint
from cxmine.report.build import Report, Trend, point_key

DEFAULT_SALT = "cxmine-report-v1"
HASH_HEX_DIGITS = 12
# A related ping-pong point has only its label (no details): the pair is parsed from it. A name holding
# the separator makes the split ambiguous; then the label names no one (see _Redactor.related).
_PAIR_LABEL = re.compile(r"^(ping-pong between (resources|teams) )'(.*)'((?: \(indirect\))?)$")
_PAIR_SEPARATOR = "' ⇄ '"
PAIR_KINDS = {"resources": "resource", "teams": "team"}
TAG = "tag"  # the allow-list name of complaint tags (the canonical complaints column)


def _kind(type_: str):
    """The registry entry of a friction kind (None for a kind the registry does not know)."""
    from cxmine.friction import kinds  # noqa: PLC0415

    return kinds.REGISTRY.get(type_)


def _swap(text: str, swaps: dict[str, str]) -> str:
    """`text` with every occurrence of each name replaced by its pseudonym (longest names first)."""
    for name in sorted((n for n in swaps if n), key=len, reverse=True):
        text = text.replace(name, swaps[name])
    return text


def stable_id(value: object, kind: str, salt: str = DEFAULT_SALT) -> str:
    """A pseudonym for an identifier: `<kind>-<12 hex digits of sha256(salt, kind, value)>`."""
    digest = hashlib.sha256(f"{salt}\x00{kind}\x00{value}".encode("utf-8")).hexdigest()
    return f"{kind}-{digest[:HASH_HEX_DIGITS]}"


class _Redactor:
    def __init__(
        self, min_group: int, salt: str, customer_column: str | None, keep: tuple[str, ...] = (), team_column: str | None = None,
        describe: Callable[[FrictionPoint], str] | None = None,
    ) -> None:
        self.describe = describe
        self.min_group = min_group
        self.salt = salt
        self.customer_column = customer_column
        self.team_column = team_column
        self.keep = frozenset(str(name) for name in keep) - {customer_column}
        self.hidden: dict[str, int] = {"drivers": 0, "complaint_tags": 0, "trend_weeks": 0, "wait_distributions": 0, "examples": 0}

    def identifier(self, name: str, id_kind: str) -> str:
        """An identifier in a point's details: resources, customers, cases always become pseudonyms, teams
        unless the team column is kept."""
        if id_kind == "team" and self.team_column is not None and self.team_column in self.keep:
            return name
        return stable_id(name, id_kind, self.salt)

    def tag(self, name: str) -> str:
        return name if TAG in self.keep else stable_id(name, "tag", self.salt)

    def value(self, attribute: object, value: object) -> object:
        """A driver's value: as it is when its attribute is kept, else a pseudonym."""
        if attribute == self.customer_column:
            return stable_id(value, "customer", self.salt)
        if attribute in self.keep:
            return value
        return stable_id(value, "team" if attribute == self.team_column else "value", self.salt)

    def related(self, item: RelatedPoint) -> RelatedPoint:
        """A folded point has a label but no details: the pair of a ping-pong is parsed from the label;
        another kind that can hold identifiers keeps only its title."""
        if item.kind != "ping_pong":
            spec = _kind(item.kind)
            if spec is not None and spec.identifiers:
                return replace(item, label=f"{spec.title.lower()} (names hidden)")
            return item
        match = _PAIR_LABEL.match(item.label)
        if match is None:
            if item.label.startswith("ping-pong between activities "):
                return item  # no one is named
            return replace(item, label="ping-pong (names hidden)")  # a wording this code does not know
        prefix, between, pair, style = match.groups()
        if pair.count(_PAIR_SEPARATOR) != 1:  # a name holds the separator: the split is not certain
            return replace(item, label=f"{prefix}(names hidden){style}")
        x, y = pair.split(_PAIR_SEPARATOR)
        id_kind = PAIR_KINDS[between]
        return replace(item, label=f"{prefix}'{self.identifier(x, id_kind)}' ⇄ '{self.identifier(y, id_kind)}'{style}")

    def hide(self, value: Any, id_kind: str, swaps: dict[str, str]) -> Any:
        """An identifier field's value with every name in it (also inside lists and mappings, such as a
        kind's top pairs) a pseudonym; numbers stay. `swaps` collects name → pseudonym."""
        if isinstance(value, str):
            swaps[value] = self.identifier(value, id_kind)
            return swaps[value]
        if isinstance(value, (list, tuple)):
            return type(value)(self.hide(item, id_kind, swaps) for item in value)
        if isinstance(value, dict):
            return {key: self.hide(item, id_kind, swaps) for key, item in value.items()}
        return value

    def identifiers(self, point: FrictionPoint) -> dict[str, str]:
        """Detail field → id kind, from the kind's registry entry. Between teams, the fields that name
        resources name teams: values of the team column, kept or not by the allow-list."""
        spec = _kind(point.kind)
        fields = dict(spec.identifier_fields(point.details)) if spec is not None else {}
        between = point.details.get("between")
        if spec is not None and between == "teams":
            for entry in spec.identifiers:
                if entry.when == ("between", "resources"):
                    fields.update({name: "team" for name in entry.fields if name in point.details})
        if point.kind == "ping_pong" and between in PAIR_KINDS:
            fields.update({name: PAIR_KINDS[between] for name in ("x", "y") if name in point.details})
        return fields

    def point(self, point: FrictionPoint) -> FrictionPoint:
        label, sentence, details = point.label, point.sentence, dict(point.details)
        activity = point.activity
        changed, swaps = {}, {}
        for name, id_kind in self.identifiers(point).items():
            hidden = self.hide(details[name], id_kind, swaps)
            if hidden != details[name]:
                changed[name] = hidden
        if changed:
            # The label and the sentence name them too: written again from the kind's templates when there
            # are templates, else with every occurrence of each name swapped for its pseudonym.
            details.update(changed)
            spec = _kind(point.kind)
            label = spec.render_label(point.activity, point.from_activity, point.to_activity, details) if spec is not None else _swap(label, swaps)
            sentence = self.describe(replace(point, label=label, details=details)) if self.describe is not None else _swap(sentence, swaps)
        if isinstance(details.get("tags"), dict):  # complaint hotspots: tag → complaints
            kept = {self.tag(str(k)): v for k, v in details["tags"].items() if int(v) >= self.min_group}
            self.hidden["complaint_tags"] += len(details["tags"]) - len(kept)
            details["tags"] = kept
        drivers = []
        for driver in point.drivers:
            cases = round(float(driver.get("share_affected", 0)) * point.cases_affected)
            if cases < self.min_group:
                self.hidden["drivers"] += 1
                continue
            drivers.append({**driver, "value": self.value(driver.get("attribute"), driver.get("value"))})
        tags = tuple(replace(t, name=self.tag(t.name)) for t in point.top_complaint_tags if t.count >= self.min_group)
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
                tags = [{**t, "name": self.tag(str(t.get("name")))} for t in row.get("top_tags", []) if int(t.get("count", 0)) >= self.min_group]
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


def redact_report(
    report: Report,
    *,
    min_group: int = 5,
    salt: str = DEFAULT_SALT,
    customer_column: str | None = None,
    keep: tuple[str, ...] = (),
    team_column: str | None = None,
    describe: Callable[[FrictionPoint], str] | None = None,
) -> Report:
    """The report with identifiers pseudonymised, free text dropped and groups below `min_group` hidden.

    `keep`: the attributes whose values may be shown as they are (`"tag"` for complaint tags); every other
    value from the data becomes a pseudonym. `team_column`: the configured team column (its values appear
    in ping-pong between teams). `describe` writes a point's sentence again once its identifiers are
    pseudonyms (pass `cxmine.render.sentences.sentence`, the wording the report was built with; without it
    each name in the sentence is swapped for its pseudonym)."""
    r = _Redactor(min_group, salt, customer_column, tuple(keep), team_column, describe)
    friction = report.friction
    points = tuple(r.point(p) for p in friction.friction_points)
    load = friction.load
    if load is not None:
        load = replace(load, warnings=r.no_examples(load.warnings))
    friction = replace(friction, friction_points=points, load=load, notes=r.no_examples(friction.notes), complaint_overlay=r.overlay(friction.complaint_overlay))
    tags = tuple(replace(t, name=r.tag(t.name)) for t in report.complaint_tags if t.cases >= min_group)
    r.hidden["complaint_tags"] += len(report.complaint_tags) - len(tags)
    waits = tuple(w for w in report.wait_distributions if w.count >= min_group)
    r.hidden["wait_distributions"] += len(report.wait_distributions) - len(waits)
    key_of = {old: point_key(new) for old, new in zip(report.keys, points)}
    trend = r.trend(report.trend)
    trend = replace(trend, series=tuple(replace(s, key=key_of.get(s.key, s.key), label=_label(points, s.rank, s.kind)) for s in trend.series))
    waits = tuple(replace(w, key=key_of.get(w.key, w.key), label=_label(points, w.rank, w.kind)) for w in waits)
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
            "kept_attributes": sorted(r.keep),
        },
    )


def _label(points: tuple[FrictionPoint, ...], rank: int, fallback: str) -> str:
    for point in points:
        if point.rank == rank:
            return point.label
    return fallback


__all__ = ["DEFAULT_SALT", "redact_report", "stable_id"]


def redact_cases(result: "CaseList", *, salt: str = DEFAULT_SALT) -> "CaseList":
    """A case list with case and customer ids replaced by the same pseudonyms the report uses."""
    rows = []
    for row in result.rows:
        row = dict(row)
        if row.get("case_id") is not None:
            row["case_id"] = stable_id(row["case_id"], "case", salt)
        if row.get("customer") is not None:
            row["customer"] = stable_id(row["customer"], "customer", salt)
        rows.append(row)
    return replace(result, rows=tuple(rows), redacted=True)
