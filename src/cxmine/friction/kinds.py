"""The friction-kind registry: one entry per kind, and everything else reads it.

A kind is data (after frictionless-py's error classes): its type, title and description; the templates
of its label and of its sentence (rendered in `cxmine.render.sentences`); whether its measure is time the
customer lives through (charted in the report); where it sits on the process map; which detail fields
hold identifiers (pseudonymised by `--redact`); which detail fields tell two points of the same kind and
place apart (matching across periods); and its `detect` function, which reads a `Journey` and returns
`Candidate`s.

Adding a kind = one detect function, one `register(FrictionKind(...))`, one test. The engine, the
renderers, the map, redaction and the JSON Schemas (tests/test_kinds.py) follow from the entry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Mapping

from cxmine.friction import deviation, signals
from cxmine.friction.contract import Candidate, Journey

MapPlacement = Literal["transition", "activity", "pair", "none"]
EvidenceMode = Literal["lift", "own_test"]
Scope = Literal["case", "customer"]
PLACEMENTS: tuple[str, ...] = ("transition", "activity", "pair", "none")


@dataclass(frozen=True)
class IdentifierFields:
    """Detail fields that name a person or a customer: `fields` hold identifiers of `id_kind`
    (resource, customer, case) when `details[when[0]] == when[1]` (always when `when` is None)."""

    fields: tuple[str, ...]
    id_kind: str
    when: tuple[str, str] | None = None

    def applies(self, details: Mapping[str, Any]) -> bool:
        return self.when is None or details.get(self.when[0]) == self.when[1]


@dataclass(frozen=True)
class FrictionKind:
    """One kind of friction. Templates use `str.format` fields: a point's `activity`, `from_activity`,
    `to_activity`, `label` and its detail keys (plus `extra_fields(details)`); sentences also get `who`
    ("12% of cases"), `threshold` and `typical` (durations)."""

    type: str
    title: str
    description: str
    label: str
    sentence: str
    customer_time: bool
    map_placement: MapPlacement
    detect: Callable[[Journey], list[Candidate]]
    identifiers: tuple[IdentifierFields, ...] = ()
    key_fields: tuple[str, ...] = ()  # detail fields that tell points of one kind and place apart
    key_variant: str | None = None  # a constant variant in the match key (kept for baselines of schema 1.0)
    evidence: EvidenceMode = "lift"  # "own_test": the candidate carries its own p-value and excess (no lift)
    extra_fields: Callable[[Mapping[str, Any]], dict[str, Any]] = field(default=lambda details: {})
    scope: Scope = "case"  # "customer": a cross-process kind, detected on the customer journey (cases = customers)
    own_test_outcome: str = "complaint"  # evidence "own_test": which outcome the kind's own test is about

    def template_fields(self, activity: str | None, from_activity: str | None, to_activity: str | None, details: Mapping[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {key: value for key, value in details.items() if isinstance(key, str)}
        values.update(self.extra_fields(details))
        values.update(activity=activity, from_activity=from_activity, to_activity=to_activity)
        return values

    def render_label(self, activity: str | None, from_activity: str | None, to_activity: str | None, details: Mapping[str, Any]) -> str:
        return self.label.format_map(self.template_fields(activity, from_activity, to_activity, details))

    def identifier_fields(self, details: Mapping[str, Any]) -> dict[str, str]:
        """field → id kind, for the fields of these details that hold identifiers."""
        return {name: spec.id_kind for spec in self.identifiers if spec.applies(details) for name in spec.fields if name in details}

    def variant(self, details: Mapping[str, Any]) -> str | None:
        if self.key_fields:
            return ":".join(str(details.get(name)) for name in self.key_fields)
        return self.key_variant


REGISTRY: dict[str, FrictionKind] = {}


def _top_pair(details: Mapping[str, Any]) -> str:
    pairs = details.get("top_pairs") or []
    return f"{pairs[0]['from']} ⇄ {pairs[0]['to']}" if pairs else "–"


def _promise_fields(details: Mapping[str, Any]) -> dict[str, Any]:
    counts = details.get("promise") or {}
    return {key: counts.get(key, 0) for key in ("late", "open_past_due", "due", "void", "pending")}


def register(kind: FrictionKind) -> FrictionKind:
    """Add a kind (its type must be new). Returns it, so a test can `unregister` it afterwards."""
    if kind.type in REGISTRY:
        raise ValueError(f"friction kind {kind.type!r} is already registered")
    if kind.map_placement not in PLACEMENTS:
        raise ValueError(f"friction kind {kind.type!r}: map placement must be one of {PLACEMENTS}")
    REGISTRY[kind.type] = kind
    return kind


def unregister(type_: str) -> None:
    REGISTRY.pop(type_, None)


def get(type_: str) -> FrictionKind:
    try:
        return REGISTRY[type_]
    except KeyError:
        raise KeyError(f"unknown friction kind {type_!r}; registered: {', '.join(REGISTRY)}") from None


def types() -> tuple[str, ...]:
    return tuple(REGISTRY)


def detect_all(journey: Journey, say: Callable[[str], None] = lambda _m: None, scope: str = "case") -> list[Candidate]:
    """Every registered kind's candidates (of one scope: a process's cases, or the customers of a journey),
    in registry order, labelled from their templates; candidates that affect no case are dropped."""
    found: list[Candidate] = []
    for kind in REGISTRY.values():
        if kind.scope != scope:
            continue
        for candidate in kind.detect(journey):
            if candidate.kind != kind.type:
                raise ValueError(f"the detector of {kind.type!r} returned a {candidate.kind!r} candidate")
            if candidate.n_affected == 0:
                continue
            candidate.label = kind.render_label(candidate.activity, candidate.from_activity, candidate.to_activity, candidate.details)
            found.append(candidate)
    return found


register(FrictionKind(
    type="wait",
    title="Customer wait",
    description="A customer-visible gap (touchpoint → next touchpoint) longer than wait_factor × its median.",
    label="customer wait '{from_activity}' → '{to_activity}'",
    sentence="{who} wait more than {threshold} between '{from_activity}' and '{to_activity}': {affected_typical} at the median, against {others_typical} for the other cases",
    customer_time=True, map_placement="transition", detect=signals.customer_waits, key_variant="customer",
))
register(FrictionKind(
    type="hidden_wait",
    title="Hidden wait",
    description="A long wait on an internal handover inside a customer-visible gap: the cause behind the scenes. "
    "Its time belongs to the gap around it; it ranks on the complaints it drives.",
    label="hidden wait '{from_activity}' → '{to_activity}' (behind the scenes)",
    sentence="{who} wait more than {threshold} behind the scenes between '{from_activity}' and '{to_activity}': {affected_typical} at the median, against {others_typical} for the other cases",
    customer_time=True, map_placement="transition", detect=signals.internal_waits, key_variant="hidden",
))
register(FrictionKind(
    type="slow_step",
    title="Slow step",
    description="Service time (start → complete) of a step over wait_factor × its median, inside the customer's window.",
    label="slow step '{activity}'",
    sentence="{who} spend more than {threshold} in '{activity}': {affected_typical} at the median, against {others_typical} for the other cases",
    customer_time=True, map_placement="activity", detect=signals.slow_steps,
))
register(FrictionKind(
    type="rework",
    title="Rework",
    description="A completed step done again in the same case (repeat by the same resource, redo by another).",
    label="rework: '{activity}' done again",
    sentence="{who} have '{activity}' done more than once",
    customer_time=False, map_placement="activity", detect=signals.rework,
))
register(FrictionKind(
    type="ping_pong",
    title="Ping-pong",
    description="X → Y → X between activities (direct), or X → Y → Z → X (indirect: back to X after another step).",
    label="ping-pong between {between} '{x}' ⇄ '{y}'{style_note}",
    sentence="{who} {bounce}",
    customer_time=False, map_placement="pair", detect=signals.ping_pong,
    identifiers=(IdentifierFields(("x", "y"), "resource", ("between", "resources")),),
    key_fields=("between", "style", "x", "y"),
    extra_fields=lambda details: {
        "style_note": " (indirect)" if details.get("style") == "indirect" else "",
        "bounce": (f"go from '{details.get('x')}' to '{details.get('y')}' and back again" if details.get("style") != "indirect"
                   else f"come back to '{details.get('x')}' after '{details.get('y')}' and one more step"),
    },
))
register(FrictionKind(
    type="handback",
    title="Hand-backs between teams",
    description="Work goes from a team (or resource) to another and straight back (X → Y → X): team ping-pong rolled up "
    "into one point, the most frequent pairs as details. The customer's own steps are not part of the sequence.",
    label="cases handed back to a {unit} already involved",
    sentence="{who} are handed back to a {unit} that just had them ({handbacks:,} hand-backs, most often {top_pair})",
    customer_time=False, map_placement="none", detect=signals.handbacks,
    identifiers=(IdentifierFields(("top_pairs", "designed_pairs"), "resource", ("between", "resources")),),
    key_fields=("between",),
    extra_fields=lambda details: {"top_pair": _top_pair(details)},
))
register(FrictionKind(
    type="chasing",
    title="Customers chasing",
    description="The customer contacts us again while waiting (configured chasing touchpoints, or a "
    "customer-initiated touchpoint repeated in a case); each contact costs contact_minutes of customer time.",
    label="customers chasing: '{activity}'",
    sentence="{who} have customers chasing ('{activity}')",
    customer_time=False, map_placement="activity", detect=signals.chasing,
))
register(FrictionKind(
    type="outbound_contact",
    title="Follow-up contacts",
    description="We contact the customer (follow-up calls, reminders: [touchpoints] outbound); each contact costs contact_minutes of customer time.",
    label="follow-up contacts: '{activity}'",
    sentence="{who} get follow-up contacts ('{activity}'), {contacts_per_affected_case:.1f} each",
    customer_time=False, map_placement="activity", detect=signals.outbound_contacts,
))
register(FrictionKind(
    type="broken_promise",
    title="Broken promise",
    description="The customer was promised B within a time after A, and it took longer (or is still open past the deadline).",
    label="broken promise: {promise_name}",
    sentence="{who_due} did not get '{to_activity}' within {threshold} of '{from_activity}' ({late:,} late, {open_past_due:,} still owed past the deadline)",
    customer_time=True, map_placement="transition", detect=signals.broken_promises, extra_fields=_promise_fields,
))
register(FrictionKind(
    type="complaint_hotspot",
    title="Complaint hotspot",
    description="A customer-visible gap where complaints concentrate more than customer time does (one-sided binomial test).",
    label="complaints while between '{from_activity}' and '{to_activity}'",
    sentence="{complaints} complaints were made while customers were between '{from_activity}' and '{to_activity}'",
    customer_time=False, map_placement="transition", detect=signals.complaint_hotspots, evidence="own_test",
))
register(FrictionKind(
    type="repeat_contact",
    title="Repeat contact",
    description="A customer comes back with a new case within 30 days of their previous one.",
    label="customers back with a new case within {within_days:g} days",
    sentence="{who}: {label}",
    customer_time=False, map_placement="none", detect=signals.repeat_contacts,
))
register(FrictionKind(
    type="deviation",
    title="Deviation from the model",
    description="Cases that skip a step of the intended process, do a step it does not allow there, or do it out of order.",
    label="'{activity}' {deviation_words} (against {model})",
    sentence="{who} have {label}",
    customer_time=False, map_placement="activity", detect=deviation.deviations,
    extra_fields=lambda details: {"deviation_words": deviation.KIND_WORDS.get(str(details.get("deviation")), str(details.get("deviation")))},
))


def _cross(name: str):
    """The customer-scope detector `name` of friction.crossprocess, reading the journey's processes."""
    def detect(journey: Journey) -> list[Candidate]:
        from cxmine.friction import crossprocess  # noqa: PLC0415 - crossprocess imports the engine's stage types

        if not journey.processes:
            return []
        if name == "contact_during_wait":
            return crossprocess.contact_during_wait(list(journey.processes), journey.timeline, journey.contact_seconds)
        if name == "cross_channel_repeat":
            return crossprocess.cross_channel_repeats(list(journey.processes), journey.timeline)
        return crossprocess.spillovers(list(journey.processes), journey.timeline)

    detect.__name__ = name
    return detect


register(FrictionKind(
    type="contact_during_wait",
    title="Contacts during a wait",
    description="A long customer wait in one process (its wait candidates), and the customer contacts us in another process "
    "during it, more often than customers whose wait was normal.",
    label="contacts during the wait '{from_activity}' → '{to_activity}' ({process})",
    sentence="{share_long} of customers whose '{from_activity}' → '{to_activity}' ({process}) took more than {threshold} contacted "
    "{contact_names} during the wait, {share_others} of the others",
    customer_time=False, map_placement="transition", detect=_cross("contact_during_wait"), scope="customer",
    evidence="own_test", own_test_outcome="contact",
    key_fields=("process",),
    extra_fields=lambda details: {
        "share_long": _share(details.get("share_contacted_long")), "share_others": _share(details.get("share_contacted_others")),
        "contact_names": ", ".join(details.get("contact_processes") or ["another process"]),
    },
))
register(FrictionKind(
    type="cross_channel_repeat",
    title="Repeat contacts across channels",
    description="A customer opens a new contact while an earlier one is open or within 7 days of it, on another channel or in another process.",
    label="customers contacting again on another channel within {within_days:g} days",
    sentence="{who} contact us again on another channel within {within_days:g} days ({repeats:,} repeat contacts, most often {top_switch})",
    customer_time=False, map_placement="none", detect=_cross("cross_channel_repeat"), scope="customer",
    extra_fields=lambda details: {"top_switch": (details.get("top_switches") or [{"switch": "–"}])[0]["switch"]},
))
register(FrictionKind(
    type="spillover",
    title="Spill-over into other processes",
    description="A friction point of one process, lifted to its customers and tested against outcomes recorded anywhere "
    "(a survey answer, a cancellation in another process).",
    label="{point} ({process}), across the journey",
    sentence="{who} went through this in {process} ({point})",
    customer_time=False, map_placement="none", detect=_cross("spillover"), scope="customer",
    key_fields=("process", "point"),
))


def _share(value: Any) -> str:
    return "–" if value is None else f"{100 * float(value):.0f}%"

