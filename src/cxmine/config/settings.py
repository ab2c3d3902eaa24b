"""The settings cxmine.toml holds, as frozen dataclasses: column mapping, touchpoints, promises (SLAs),
complaint source, calendar, friction settings and the intended process. `Config()` is the defaults."""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxmine.config.durations import clock_seconds, format_duration
from cxmine.matching import lookup
from cxmine.model import LoadOptions

CONFIG_NAME = "cxmine.toml"
DIMENSIONS = ("functionality", "ease", "connection", "emotion")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class FrozenMap(Mapping[str, str]):
    """A read-only, hashable str → str mapping that keeps the file's order (for frozen dataclasses)."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | Sequence[tuple[str, str]] = ()) -> None:
        self._items: dict[str, str] = dict(items)

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._items == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._items!r})"


# ---------------------------------------------------------------------------------------------------------------
# The settings


@dataclass(frozen=True)
class Promise:
    """A promise made to the customer: `to_activity` follows `from_activity` within `within_seconds`."""

    from_activity: str
    to_activity: str
    within_seconds: float
    name: str = ""
    applies_when: tuple[str, ...] = ()  # only cases that reach one of these (any time) are owed the promise
    void_when: tuple[str, ...] = ()  # a case that reaches one of these before `to` owes nothing (declined, cancelled)

    def __post_init__(self) -> None:
        if not self.name:
            label = format_duration(self.within_seconds)
            object.__setattr__(self, "name", f"{self.from_activity} → {self.to_activity} within {label}")
        object.__setattr__(self, "applies_when", tuple(self.applies_when))
        object.__setattr__(self, "void_when", tuple(self.void_when))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "from": self.from_activity,
            "to": self.to_activity,
            "within_seconds": float(self.within_seconds),
            "applies_when": list(self.applies_when),
            "void_when": list(self.void_when),
        }


@dataclass(frozen=True)
class Touchpoints:
    """Which events the customer sees. Activity lists hold names or patterns ("Customer*"), read by
    `cxmine.matching` (an exact name wins over a glob)."""

    activities: tuple[str, ...] = ()
    attribute: str | None = None
    customer_initiated: tuple[str, ...] = ()
    chasing: tuple[str, ...] = ()  # inbound contacts: the customer contacts us inside a wait (also `inbound`)
    channel: Mapping[str, str] = field(default_factory=FrozenMap)
    dimension: Mapping[str, str] = field(default_factory=FrozenMap)
    outbound: tuple[str, ...] = ()  # we contact the customer (follow-up calls): counted inside the wait, a kind of its own

    def __post_init__(self) -> None:
        for name in ("activities", "customer_initiated", "chasing", "outbound"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        for name in ("channel", "dimension"):
            value = getattr(self, name)
            if not isinstance(value, FrozenMap):
                object.__setattr__(self, name, FrozenMap(value))

    @property
    def configured(self) -> bool:
        """False when neither `activities` nor `attribute` is set: then every activity counts as a touchpoint."""
        return bool(self.activities) or self.attribute is not None

    def channel_of(self, activity: str) -> str | None:
        """The configured channel of a touchpoint: exact name first, then the first matching pattern."""
        return lookup(self.channel, activity)

    def dimension_of(self, activity: str) -> str | None:
        """The configured CX dimension of a touchpoint: exact name first, then the first matching pattern."""
        return lookup(self.dimension, activity)

    def to_dict(self) -> dict[str, Any]:
        return {
            "configured": self.configured,
            "activities": list(self.activities),
            "attribute": self.attribute,
            "customer_initiated": list(self.customer_initiated),
            "chasing": list(self.chasing),
            "outbound": list(self.outbound),
            "channel": dict(self.channel),
            "dimension": dict(self.dimension),
        }


@dataclass(frozen=True)
class ComplaintSource:
    """Where complaints come from: a file (`path`), events in the log (`activity_pattern`), or a case attribute."""

    path: Path | None = None
    case: str | None = None
    customer: str | None = None
    timestamp: str | None = None
    tag: str | None = None
    severity: str | None = None
    text: str | None = None
    encoding: str = "utf-8"
    activity_pattern: str | None = None
    attribute: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path) if self.path is not None else None,
            "case": self.case,
            "customer": self.customer,
            "timestamp": self.timestamp,
            "tag": self.tag,
            "severity": self.severity,
            "text": self.text,
            "encoding": self.encoding,
            "activity_pattern": self.activity_pattern,
            "attribute": self.attribute,
        }


@dataclass(frozen=True)
class Outcome:
    """A bad outcome that friction may raise, named in sentences ("…are cancelled 2.4× as often").

    Exactly one way to recognise it: the case `ends_with` one of these activities; it `reaches` one of
    them; a case `attribute` `equals` a value; or a scores file (`path`, joined by `case` or by `customer`
    and `timestamp`) whose `score` is below `bad_below` (NPS/CSAT)."""

    name: str
    ends_with: tuple[str, ...] = ()
    reaches: tuple[str, ...] = ()
    attribute: str | None = None
    equals: str | None = None
    path: Path | None = None
    case: str | None = None
    customer: str | None = None
    timestamp: str | None = None
    score: str | None = None
    bad_below: float | None = None
    encoding: str = "utf-8"
    weight: float = 1.0  # its share of the outcome part of the score, relative to the other outcomes
    phrase: str | None = None  # how sentences say it: "are cancelled" (default: "end up <name>")

    def __post_init__(self) -> None:
        object.__setattr__(self, "ends_with", tuple(self.ends_with))
        object.__setattr__(self, "reaches", tuple(self.reaches))

    @property
    def source(self) -> str:
        if self.ends_with:
            return "ends_with"
        if self.reaches:
            return "reaches"
        if self.attribute is not None:
            return "attribute"
        return "scores"

    @property
    def activities(self) -> tuple[str, ...]:
        """The activities that make the outcome (a point located there is not tested against it)."""
        return self.ends_with + self.reaches

    @property
    def said(self) -> str:
        return self.phrase or f"end up {self.name}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "source": self.source, "ends_with": list(self.ends_with), "reaches": list(self.reaches),
            "attribute": self.attribute, "equals": self.equals, "path": str(self.path) if self.path is not None else None,
            "case": self.case, "customer": self.customer, "timestamp": self.timestamp, "score": self.score,
            "bad_below": self.bad_below, "weight": float(self.weight), "phrase": self.said,
        }


@dataclass(frozen=True)
class Preparation:
    """How to clean real log shapes before analysis (`[prepare]`)."""

    drop_duplicates: bool = False  # exact duplicate events (case, activity, timestamp, resource): keep one, count the rest
    merge_repeats: bool = False  # consecutive events of one activity in a case collapse into one (snapshot logs)
    missing: tuple[str, ...] = ()  # values that mean "missing" in any column ("?", "NULL", "N/A")

    def __post_init__(self) -> None:
        object.__setattr__(self, "missing", tuple(self.missing))

    def to_dict(self) -> dict[str, Any]:
        return {"drop_duplicates": self.drop_duplicates, "merge_repeats": self.merge_repeats, "missing": list(self.missing)}


@dataclass(frozen=True)
class JourneySettings:
    """`[journey]`: `pauses` are activities after which the customer is not waiting on us (a discharge, a
    delivery) until the next customer-initiated touchpoint; `end_activities` end a case (others whose last
    event is recent are still open at the log's end)."""

    pauses: tuple[str, ...] = ()
    end_activities: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "pauses", tuple(self.pauses))
        object.__setattr__(self, "end_activities", tuple(self.end_activities))

    def to_dict(self) -> dict[str, Any]:
        return {"pauses": list(self.pauses), "end_activities": list(self.end_activities)}


@dataclass(frozen=True)
class SourceSettings:
    """One process of the customer's journey (`[[sources]]`): its own log, column mapping and customer
    column; `contacts = true` marks a process whose cases are the customer contacting us (tickets, calls)."""

    name: str
    path: Path | None = None
    load: LoadOptions = field(default_factory=LoadOptions)
    customer: str | None = None
    contacts: bool = False
    customer_type: str | None = None  # OCEL 2.0 input: the object type that plays the customer

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "path": str(self.path) if self.path is not None else None, **self.load.to_dict(),
            "customer": self.customer, "contacts": self.contacts, "customer_type": self.customer_type,
        }


@dataclass(frozen=True)
class ValueSettings:
    """`[value]`: what friction costs, in `currency`: per customer-hour, per contact, per complaint and per
    bad outcome. Without this section nothing is priced."""

    currency: str = "EUR"
    customer_hour: float = 0.0
    contact: float = 0.0
    complaint: float = 0.0
    outcomes: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcomes", dict(self.outcomes))

    def __hash__(self) -> int:
        return hash((self.currency, self.customer_hour, self.contact, self.complaint, tuple(sorted(self.outcomes.items()))))

    def price(self, outcome: str) -> float:
        return self.complaint if outcome == "complaint" else float(self.outcomes.get(outcome, 0.0))

    def to_dict(self) -> dict[str, Any]:
        return {"currency": self.currency, "customer_hour": self.customer_hour, "contact": self.contact, "complaint": self.complaint, "outcomes": dict(self.outcomes)}


@dataclass(frozen=True)
class RedactSettings:
    """`[redact]`: attributes whose values `--redact` may show as they are (`"tag"` for complaint tags);
    every other value from the data becomes a pseudonym. Mapped ids (case, customer, resource) always do."""

    keep: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "keep", tuple(self.keep))

    def to_dict(self) -> dict[str, Any]:
        return {"keep": list(self.keep)}


@dataclass(frozen=True)
class Calendar:
    """Working days (0 = Monday … 6 = Sunday), working hours in local time, timezone and holidays."""

    working_days: tuple[int, ...] = (0, 1, 2, 3, 4)
    start: str = "09:00"
    end: str = "17:00"
    timezone: str = "UTC"
    holidays: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "working_days", tuple(sorted(set(self.working_days))))
        object.__setattr__(self, "holidays", tuple(self.holidays))

    @property
    def start_seconds(self) -> int:
        """Start of the working day, in seconds after local midnight."""
        return clock_seconds(self.start)

    @property
    def end_seconds(self) -> int:
        """End of the working day, in seconds after local midnight ("24:00" is 86400)."""
        return clock_seconds(self.end)

    @property
    def weekmask(self) -> tuple[int, ...]:
        """Seven 0/1 flags, Monday first, as numpy's busday functions take them."""
        return tuple(int(day in self.working_days) for day in range(7))

    @property
    def working_seconds_per_day(self) -> int:
        return self.end_seconds - self.start_seconds

    def to_dict(self) -> dict[str, Any]:
        return {
            "working_days": [DAY_NAMES[day] for day in self.working_days],
            "start": self.start,
            "end": self.end,
            "timezone": self.timezone,
            "holidays": list(self.holidays),
        }


@dataclass(frozen=True)
class FrictionSettings:
    """Thresholds and weights for ranking friction points."""

    wait_factor: float = 2.0  # a wait counts as friction when it is longer than wait_factor × its median
    min_cases: int = 20  # fewer affected cases than this → low evidence
    top: int = 10
    critical_share: float = 0.8
    time_weight: float = 0.5  # score = time_weight × time share + (1 − time_weight) × complaint share
    contact_minutes: float = 10.0  # customer effort of one chasing contact, counted as customer time
    min_wait_seconds: float = 3600.0  # a wait is friction only above max(wait_factor × typical, min_wait)

    def to_dict(self) -> dict[str, Any]:
        return {
            "wait_factor": float(self.wait_factor),
            "min_cases": int(self.min_cases),
            "top": int(self.top),
            "critical_share": float(self.critical_share),
            "time_weight": float(self.time_weight),
            "contact_minutes": float(self.contact_minutes),
            "min_wait_seconds": float(self.min_wait_seconds),
        }


@dataclass(frozen=True)
class ModelSettings:
    """The intended process, for `cxmine conformance` and the `deviation` friction kind: a BPMN/PNML
    file (`path`) or a happy path (activities in order). `alignments` uses alignments instead of token
    replay (exact deviations, slower)."""

    path: Path | None = None
    happy_path: tuple[str, ...] = ()
    alignments: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "happy_path", tuple(self.happy_path))

    @property
    def configured(self) -> bool:
        return self.path is not None or bool(self.happy_path)

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path) if self.path is not None else None, "happy_path": list(self.happy_path), "alignments": self.alignments}


@dataclass(frozen=True)
class Config:
    """Everything cxmine.toml says; `load_config(None)` gives the defaults."""

    path: Path | None = None
    log_path: Path | None = None
    load: LoadOptions = field(default_factory=LoadOptions)
    customer: str | None = None
    team: str | None = None
    touchpoints: Touchpoints = field(default_factory=Touchpoints)
    promises: tuple[Promise, ...] = ()
    complaints: ComplaintSource | None = None
    calendar: Calendar | None = None
    friction: FrictionSettings = field(default_factory=FrictionSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    outcomes: tuple[Outcome, ...] = ()
    prepare: Preparation = field(default_factory=Preparation)
    journey: JourneySettings = field(default_factory=JourneySettings)
    redact: RedactSettings = field(default_factory=RedactSettings)
    sources: tuple[SourceSettings, ...] = ()
    value: ValueSettings | None = None
    scoped_to: str | None = None  # used on one source of a journey: its name (set by cxmine.inputs.as_source)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path) if self.path is not None else None,
            "log": {
                "path": str(self.log_path) if self.log_path is not None else None,
                **self.load.to_dict(),
                "customer": self.customer,
                "team": self.team,
            },
            "touchpoints": self.touchpoints.to_dict(),
            "promises": [promise.to_dict() for promise in self.promises],
            "complaints": self.complaints.to_dict() if self.complaints is not None else None,
            "calendar": self.calendar.to_dict() if self.calendar is not None else None,
            "friction": self.friction.to_dict(),
            "model": self.model.to_dict(),
            "outcomes": [outcome.to_dict() for outcome in self.outcomes],
            "prepare": self.prepare.to_dict(),
            "journey": self.journey.to_dict(),
            "redact": self.redact.to_dict(),
            "sources": [source.to_dict() for source in self.sources],
            "value": self.value.to_dict() if self.value is not None else None,
        }


def _local(patterns: tuple[str, ...], process: str, processes: tuple[str, ...]) -> tuple[str, ...]:
    """Activity names for one process: "orders:Delivered" means "Delivered" in orders and nothing
    elsewhere; a name without a process prefix applies wherever it occurs."""
    out = []
    for pattern in patterns:
        head, sep, rest = pattern.partition(":")
        if sep and head in processes:
            if head == process:
                out.append(rest)
        else:
            out.append(pattern)
    return tuple(out)


def for_process(config: Config, process: str | None, processes: tuple[str, ...]) -> Config:
    """The config as one process of a journey sees it (`process:activity` names resolved); `process=None`
    gives the customer timeline's view (every prefix dropped). The customer column is `customer`."""
    from dataclasses import replace  # noqa: PLC0415

    def local(patterns: tuple[str, ...]) -> tuple[str, ...]:
        if process is None:
            return tuple(p.partition(":")[2] if p.partition(":")[0] in processes else p for p in patterns)
        return _local(patterns, process, processes)

    tp = config.touchpoints
    touchpoints = replace(tp, activities=local(tp.activities), customer_initiated=local(tp.customer_initiated), chasing=local(tp.chasing), outbound=local(tp.outbound))
    promises = tuple(
        replace(p, from_activity=local((p.from_activity,))[0], to_activity=local((p.to_activity,))[0], applies_when=local(p.applies_when), void_when=local(p.void_when))
        for p in config.promises if local((p.from_activity,)) and local((p.to_activity,))
    )
    outcomes = tuple(replace(o, ends_with=local(o.ends_with), reaches=local(o.reaches)) for o in config.outcomes if o.source in ("attribute", "scores") or local(o.ends_with + o.reaches))
    journey = replace(config.journey, pauses=local(config.journey.pauses), end_activities=local(config.journey.end_activities))
    return replace(config, touchpoints=touchpoints, promises=promises, outcomes=outcomes, journey=journey, customer="customer")
