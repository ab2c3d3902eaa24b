"""The `cxmine.toml` file: column mapping, touchpoints, promises (SLAs), complaint source, calendar and
friction settings.

Pure: reads and checks the file, never prints. Every problem becomes a ConfigError that names the key,
the line and what to write instead. `docs/config.md` documents every key; keep the two in step.
"""
from __future__ import annotations

import codecs
import datetime as dt
import difflib
import math
import os
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxmine.errors import ConfigError
from cxmine.model import LoadOptions

if TYPE_CHECKING:  # pandas is only needed when building a starter config
    from cxmine.model import EventLog

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

    def __post_init__(self) -> None:
        if not self.name:
            label = format_duration(self.within_seconds)
            object.__setattr__(self, "name", f"{self.from_activity} → {self.to_activity} within {label}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "from": self.from_activity,
            "to": self.to_activity,
            "within_seconds": float(self.within_seconds),
        }


@dataclass(frozen=True)
class Touchpoints:
    """Which events the customer sees. Activity lists hold names or fnmatch patterns ("Customer*")."""

    activities: tuple[str, ...] = ()
    attribute: str | None = None
    customer_initiated: tuple[str, ...] = ()
    chasing: tuple[str, ...] = ()
    channel: Mapping[str, str] = field(default_factory=FrozenMap)
    dimension: Mapping[str, str] = field(default_factory=FrozenMap)

    def __post_init__(self) -> None:
        for name in ("activities", "customer_initiated", "chasing"):
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
        return _lookup(self.channel, activity)

    def dimension_of(self, activity: str) -> str | None:
        """The configured CX dimension of a touchpoint: exact name first, then the first matching pattern."""
        return _lookup(self.dimension, activity)

    def to_dict(self) -> dict[str, Any]:
        return {
            "configured": self.configured,
            "activities": list(self.activities),
            "attribute": self.attribute,
            "customer_initiated": list(self.customer_initiated),
            "chasing": list(self.chasing),
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "wait_factor": float(self.wait_factor),
            "min_cases": int(self.min_cases),
            "top": int(self.top),
            "critical_share": float(self.critical_share),
            "time_weight": float(self.time_weight),
            "contact_minutes": float(self.contact_minutes),
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
        }


# ---------------------------------------------------------------------------------------------------------------
# Durations, clock times, patterns

_DURATION_UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "wk": 604800, "week": 604800, "weeks": 604800,
}  # fmt: skip
_DURATION_PART = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-zA-Z]+)")
_NUMBER = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*")
DURATION_HINT = 'write a number with a unit: "90s", "45m", "24h", "5d", "2w" or "1d12h" (m is minutes)'


def parse_duration(text: str | int | float) -> float:
    """Seconds in "90s", "45m", "24h", "5d", "2w", "1d12h", "1.5h" or "2 days"; a plain number is seconds."""
    if isinstance(text, bool):
        raise ConfigError(f"{text!r} is not a duration", hint=DURATION_HINT)
    if isinstance(text, (int, float)):
        if not math.isfinite(text) or text < 0:
            raise ConfigError(f"{text!r} is not a duration", hint="use a positive number of seconds")
        return float(text)
    if not isinstance(text, str):
        raise ConfigError(f"{text!r} is not a duration", hint=DURATION_HINT)
    plain = _NUMBER.fullmatch(text)
    if plain:
        return float(plain.group(1))
    total = 0.0
    position = 0
    seen: set[int] = set()
    for part in _DURATION_PART.finditer(text):
        if part.start() != position:
            break
        unit = part.group(2).lower()
        if unit not in _DURATION_UNITS:
            if unit in ("mo", "mon", "month", "months", "y", "yr", "year", "years"):
                raise ConfigError(f"{text!r}: months and years have no fixed length", hint="use days or weeks, e.g. \"30d\"")
            raise ConfigError(f"{text!r} is not a duration: unknown unit {part.group(2)!r}", hint=DURATION_HINT)
        factor = _DURATION_UNITS[unit]
        if factor in seen:
            raise ConfigError(f"{text!r} is not a duration: a unit appears twice", hint=DURATION_HINT)
        seen.add(factor)
        total += float(part.group(1)) * factor
        position = part.end()
    if position == 0 or text[position:].strip():
        raise ConfigError(f"{text!r} is not a duration", hint=DURATION_HINT)
    return total


def format_duration(seconds: float) -> str:
    """The shortest exact text parse_duration reads back ("5d", "1d12h", "90s"); used in default names."""
    if not math.isfinite(seconds) or seconds < 0:
        return f"{seconds}s"
    remaining = float(seconds)
    parts = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if remaining >= size:
            count = math.floor(remaining / size)
            parts.append(f"{count}{unit}")
            remaining -= count * size
    if remaining or not parts:
        parts.append(f"{remaining:g}s")
    if len(parts) > 2:  # "1w2d3h4m5s" reads badly: fall back to hours with decimals
        return f"{seconds / 3600:g}h"
    return "".join(parts)


_CLOCK = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


def clock_seconds(text: str) -> int:
    """Seconds after midnight of "HH:MM" ("24:00" = 86400)."""
    match = _CLOCK.match(text.strip()) if isinstance(text, str) else None
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise ConfigError(f"{text!r} is not a time of day", hint='write it as "HH:MM", e.g. "09:00" or "17:30"')
    return int(match.group(1)) * 3600 + int(match.group(2)) * 60


def matches(names: Sequence[str], patterns: Sequence[str]) -> set[str]:
    """The names equal to, or matching (fnmatch, case-sensitive), any of the patterns."""
    found: set[str] = set()
    for name in names:
        if any(name == pattern or fnmatchcase(name, pattern) for pattern in patterns):
            found.add(name)
    return found


def unmatched_patterns(names: Sequence[str], patterns: Sequence[str]) -> tuple[str, ...]:
    """The patterns (in the given order) that match none of the names, so callers can warn about typos."""
    names = list(names)
    return tuple(
        pattern for pattern in patterns if not any(name == pattern or fnmatchcase(name, pattern) for name in names)
    )


def _lookup(mapping: Mapping[str, str], name: str) -> str | None:
    if name in mapping:
        return mapping[name]
    for pattern, value in mapping.items():
        if fnmatchcase(name, pattern):
            return value
    return None


# ---------------------------------------------------------------------------------------------------------------
# Finding and reading the file


def find_config(log_path: Path | None, explicit: Path | None) -> Path | None:
    """The config to use: `explicit` (must exist), else cxmine.toml next to the log, else in the current folder."""
    if explicit is not None:
        explicit = Path(explicit).expanduser()
        if not explicit.exists():
            raise ConfigError("config file not found", file=str(explicit), hint="check the --config path")
        if not explicit.is_file():
            raise ConfigError("the config path is not a file", file=str(explicit), hint="point --config at a .toml file")
        return explicit
    if log_path is not None:
        beside = Path(log_path).parent / CONFIG_NAME
        if beside.is_file():
            return beside
    here = Path.cwd() / CONFIG_NAME
    if here.is_file():
        return here
    return None


_SECTIONS: dict[str, tuple[str, ...]] = {
    "log": (
        "path", "case", "activity", "timestamp", "start_timestamp", "resource", "timestamp_format", "timezone",
        "encoding", "lifecycle_in_activity", "customer", "team",
    ),
    "touchpoints": ("activities", "attribute", "customer_initiated", "chasing", "channel", "dimension"),
    "promises": ("from", "to", "within", "name"),
    "complaints": (
        "path", "case", "customer", "timestamp", "tag", "severity", "text", "encoding", "activity_pattern", "attribute",
    ),
    "calendar": ("working_days", "start", "end", "timezone", "holidays"),
    "friction": ("wait_factor", "min_cases", "top", "critical_share", "time_weight", "contact_minutes"),
    "model": ("path", "happy_path", "alignments"),
}  # fmt: skip

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]#]+?)\s*\]\]?\s*(?:#.*)?$")


class _Locator:
    """Finds the line of a section or key in the TOML text (tomllib reports no positions for valid files)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    @staticmethod
    def _header_name(raw: str) -> str:
        return ".".join(part.strip().strip("\"'") for part in raw.split("."))

    def line(self, section: str | None, key: str | None = None, index: int | None = None) -> int | None:
        """1-based line of `key` in `section` (the index-th block for [[arrays]]), else of the section header."""
        current: str | None = None  # None = top level, before any header
        block = -1
        header_line: int | None = None
        key_pattern = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=") if key is not None else None
        for number, text in enumerate(self.lines, start=1):
            header = _HEADER.match(text)
            if header:
                current = self._header_name(header.group(2))
                if current == section:
                    block += 1
                    if index is None or block == index:
                        header_line = number
                        if key_pattern is None:
                            return number
                continue
            in_scope = current == section and (index is None or block == index)
            if section is None:
                in_scope = current is None
            if in_scope and key_pattern is not None and key_pattern.match(text):
                return number
        if key is not None and section is not None:
            sub = f"{section}.{key}"
            for number, text in enumerate(self.lines, start=1):
                header = _HEADER.match(text)
                if header and self._header_name(header.group(2)) == sub:
                    return number
        if key is not None and section is not None and "." not in section:
            # `section.key = …` or an inline table at the top level
            dotted = re.compile(r"^\s*" + re.escape(section) + r"\s*\.\s*" + re.escape(key) + r"\s*=")
            for number, text in enumerate(self.lines, start=1):
                if dotted.match(text):
                    return number
        if header_line is None and section is not None:
            top = re.compile(r"^\s*" + re.escape(section.split(".")[0]) + r"\s*[.=]")
            for number, text in enumerate(self.lines, start=1):
                if top.match(text):
                    return number
        return header_line


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, dt.datetime):
        return "a date-time"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, dt.time):
        return "a time"
    return type(value).__name__


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, (dt.date, dt.time)) else value.isoformat()
    return text if len(text) <= 40 else text[:37] + "…"


def _suggest(name: str, valid: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(name, list(valid), n=1, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(name.lower().replace("-", "_"), list(valid), n=1, cutoff=0.6)
    return close[0] if close else None


class _Reader:
    """Checks one parsed file; every error knows the file, the line, the key and a fix."""

    def __init__(self, path: Path, text: str) -> None:
        self.file = str(path)
        self.folder = path.parent
        self.locate = _Locator(text)

    # -- errors ---------------------------------------------------------------------------------------------------
    def error(self, what: str, *, section: str | None, key: str | None = None, index: int | None = None, hint: str | None = None) -> ConfigError:
        return ConfigError(what, file=self.file, line=self.locate.line(section, key, index), hint=hint)

    @staticmethod
    def label(section: str | None, index: int | None = None) -> str:
        if section is None:
            return "the top level"
        if section == "promises":
            return f"[[promises]] #{index + 1}" if index is not None else "[[promises]]"
        return f"[{section}]"

    def check_keys(self, table: dict[str, Any], section: str, allowed: Sequence[str], index: int | None = None) -> None:
        for key in table:
            if key in allowed:
                continue
            close = _suggest(key, allowed)
            hint = f"did you mean {close!r}? " if close else ""
            hint += f"valid keys: {', '.join(allowed)}"
            raise self.error(f"unknown key {key!r} in {self.label(section, index)}", section=section, key=key, index=index, hint=hint)

    def expected(self, section: str, key: str, value: Any, expected: str, index: int | None = None, hint: str | None = None) -> ConfigError:
        return self.error(
            f"{key!r} in {self.label(section, index)} must be {expected}, not {_show(value)} ({_kind(value)})",
            section=section,
            key=key,
            index=index,
            hint=hint or f"write e.g. {key} = {_example(section, key)}",
        )

    # -- typed getters --------------------------------------------------------------------------------------------
    def string(self, table: dict[str, Any], section: str, key: str, index: int | None = None, *, required: bool = False) -> str | None:
        if key not in table:
            if required:
                raise self.error(
                    f"{self.label(section, index)} needs {key!r}",
                    section=section,
                    index=index,
                    hint=f"add {key} = {_example(section, key)}",
                )
            return None
        value = table[key]
        if not isinstance(value, str):
            raise self.expected(section, key, value, "a string in quotes", index)
        if not value.strip():
            raise self.error(
                f"{key!r} in {self.label(section, index)} is empty", section=section, key=key, index=index,
                hint="give a value, or remove the key to use the default",
            )
        return value.strip()

    def strings(self, table: dict[str, Any], section: str, key: str) -> tuple[str, ...]:
        if key not in table:
            return ()
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.expected(section, key, value, "a list of strings", hint=f"write e.g. {key} = {_example(section, key)} (a list, even for one entry)")
        cleaned = tuple(item.strip() for item in value)
        if any(not item for item in cleaned):
            raise self.error(f"{key!r} in [{section}] has an empty entry", section=section, key=key, hint="remove the empty string")
        return tuple(dict.fromkeys(cleaned))

    def string_table(self, table: dict[str, Any], section: str, key: str) -> dict[str, str]:
        if key not in table:
            return {}
        value = table[key]
        sub = f"{section}.{key}"
        if not isinstance(value, dict):
            raise self.error(
                f"{key!r} in [{section}] must be a table of touchpoint = value, not {_kind(value)}",
                section=section,
                key=key,
                hint=f'write a [{sub}] section with lines like "Order placed" = {_example(section, key)}',
            )
        out: dict[str, str] = {}
        for name, item in value.items():
            if not isinstance(item, str) or not item.strip():
                raise self.error(
                    f"{name!r} in [{sub}] must be a non-empty string, not {_show(item)} ({_kind(item)})",
                    section=sub,
                    key=name,
                    hint=f'write e.g. "{name}" = {_example(section, key)}',
                )
            out[name] = item.strip()
        return out

    def number(
        self,
        table: dict[str, Any],
        section: str,
        key: str,
        default: float,
        *,
        integer: bool = False,
        low: float | None = None,
        high: float | None = None,
        low_open: bool = False,
    ) -> Any:
        if key not in table:
            return default
        value = table[key]
        ok = isinstance(value, int) and not isinstance(value, bool)
        if not integer:
            ok = ok or (isinstance(value, float) and math.isfinite(value))
        if not ok:
            raise self.expected(section, key, value, "a whole number" if integer else "a number", hint=f"write e.g. {key} = {default}")
        too_low = low is not None and (value <= low if low_open else value < low)
        too_high = high is not None and value > high
        if too_low or too_high:
            bounds = (f"more than {low:g}" if low_open else f"at least {low:g}") if low is not None else ""
            if high is not None:
                bounds += (" and " if bounds else "") + f"at most {high:g}"
            raise self.error(
                f"{key!r} in [{section}] must be {bounds}, not {value!r}", section=section, key=key,
                hint=f"the default is {default}",
            )
        return int(value) if integer else float(value)

    def boolean(self, table: dict[str, Any], section: str, key: str, default: bool) -> bool:
        if key not in table:
            return default
        value = table[key]
        if not isinstance(value, bool):
            raise self.expected(section, key, value, "true or false", hint=f"write {key} = true (no quotes)")
        return value

    def path(self, table: dict[str, Any], section: str, key: str) -> Path | None:
        text = self.string(table, section, key)
        if text is None:
            return None
        path = Path(text).expanduser()
        return path if path.is_absolute() else self.folder / path

    def timezone(self, table: dict[str, Any], section: str, key: str, default: str) -> str:
        name = self.string(table, section, key)
        if name is None:
            return default
        if not _known_timezone(name):
            raise self.error(
                f"unknown timezone {name!r} in [{section}]", section=section, key=key,
                hint='use an IANA name such as "Europe/Amsterdam", "America/New_York" or "UTC"',
            )
        return name

    def encoding(self, table: dict[str, Any], section: str, key: str) -> str:
        name = self.string(table, section, key)
        if name is None:
            return "utf-8"
        try:
            codecs.lookup(name)
        except LookupError:
            raise self.error(
                f"unknown text encoding {name!r} in [{section}]", section=section, key=key,
                hint='use e.g. "utf-8", "utf-8-sig", "latin-1" or "cp1252"',
            ) from None
        return name

    # -- sections -------------------------------------------------------------------------------------------------
    def sections(self, data: dict[str, Any]) -> dict[str, Any]:
        for key, value in data.items():
            if key in _SECTIONS:
                expected_list = key == "promises"
                if expected_list and not (isinstance(value, list) and all(isinstance(item, dict) for item in value)):
                    raise self.error(
                        "promises must be written as [[promises]] blocks (double brackets), one per promise",
                        section=key,
                        hint='write [[promises]] then from = "A", to = "B", within = "24h" on the next lines',
                    )
                if not expected_list and not isinstance(value, dict):
                    raise self.error(
                        f"{key!r} must be a section, not {_kind(value)}", section=None, key=key,
                        hint=f"write [{key}] on its own line and put its keys below it",
                    )
                continue
            owners = [name for name, keys in _SECTIONS.items() if key in keys]
            if isinstance(value, (dict, list)) and not owners:
                close = _suggest(key, list(_SECTIONS))
                hint = f"did you mean [{close}]? " if close else ""
                raise self.error(
                    f"unknown section [{key}]",
                    section=key,
                    key=None,
                    hint=hint + f"valid sections: {', '.join('[[promises]]' if s == 'promises' else f'[{s}]' for s in _SECTIONS)}",
                )
            if owners:
                hint = f"put it under [{owners[0]}]" if len(owners) == 1 else f"put it under one of: {', '.join(f'[{o}]' for o in owners)}"
            else:
                close = _suggest(key, list(_SECTIONS))
                hint = (f"did you mean [{close}]? " if close else "") + "every key belongs to a section such as [log]"
            raise self.error(f"unknown key {key!r} at the top level", section=None, key=key, hint=hint)
        return data

    def log(self, table: dict[str, Any]) -> tuple[Path | None, LoadOptions, str | None, str | None]:
        self.check_keys(table, "log", _SECTIONS["log"])
        get = lambda key: self.string(table, "log", key)  # noqa: E731
        options = LoadOptions(
            case=get("case"),
            activity=get("activity"),
            timestamp=get("timestamp"),
            start_timestamp=get("start_timestamp"),
            resource=get("resource"),
            timestamp_format=get("timestamp_format"),
            timezone=self.timezone(table, "log", "timezone", "UTC"),
            encoding=self.encoding(table, "log", "encoding"),
            lifecycle_in_activity=self.boolean(table, "log", "lifecycle_in_activity", False),
        )
        return self.path(table, "log", "path"), options, get("customer"), get("team")

    def touchpoints(self, table: dict[str, Any]) -> Touchpoints:
        self.check_keys(table, "touchpoints", _SECTIONS["touchpoints"])
        dimension = self.string_table(table, "touchpoints", "dimension")
        for name, value in dimension.items():
            if value.lower() not in DIMENSIONS:
                close = _suggest(value.lower(), DIMENSIONS)
                raise self.error(
                    f"unknown CX dimension {value!r} for {name!r} in [touchpoints.dimension]",
                    section="touchpoints.dimension",
                    key=name,
                    hint=(f"did you mean {close!r}? " if close else "") + f"use one of: {', '.join(DIMENSIONS)}",
                )
            dimension[name] = value.lower()
        return Touchpoints(
            activities=self.strings(table, "touchpoints", "activities"),
            attribute=self.string(table, "touchpoints", "attribute"),
            customer_initiated=self.strings(table, "touchpoints", "customer_initiated"),
            chasing=self.strings(table, "touchpoints", "chasing"),
            channel=FrozenMap(self.string_table(table, "touchpoints", "channel")),
            dimension=FrozenMap(dimension),
        )

    def promises(self, blocks: list[dict[str, Any]]) -> tuple[Promise, ...]:
        out = []
        for index, table in enumerate(blocks):
            self.check_keys(table, "promises", _SECTIONS["promises"], index)
            source = self.string(table, "promises", "from", index, required=True)
            target = self.string(table, "promises", "to", index, required=True)
            if "within" not in table:
                raise self.error(
                    f"{self.label('promises', index)} needs 'within'", section="promises", index=index,
                    hint='add within = "24h" (how long the customer was promised)',
                )
            within = table["within"]
            if not isinstance(within, str):
                hint = 'quote it and give a unit, e.g. within = "5d"'
                if isinstance(within, (int, float)) and not isinstance(within, bool):
                    hint = f'quote it and give a unit, e.g. within = "{within:g}d" or "{within:g}h"'
                raise self.expected("promises", "within", within, 'a duration in quotes such as "24h"', index, hint=hint)
            try:
                seconds = parse_duration(within)
            except ConfigError as exc:
                raise self.error(
                    f"'within' in {self.label('promises', index)}: {exc.what}", section="promises", key="within", index=index,
                    hint=exc.hint,
                ) from None
            if seconds <= 0:
                raise self.error(
                    f"'within' in {self.label('promises', index)} must be longer than zero", section="promises",
                    key="within", index=index, hint='write e.g. within = "24h"',
                )
            name = self.string(table, "promises", "name", index)
            if name is None:
                name = f"{source} → {target} within {within.strip()}"
            out.append(Promise(source, target, seconds, name))
        return tuple(out)

    def complaints(self, table: dict[str, Any]) -> ComplaintSource:
        self.check_keys(table, "complaints", _SECTIONS["complaints"])
        get = lambda key: self.string(table, "complaints", key)  # noqa: E731
        source = ComplaintSource(
            path=self.path(table, "complaints", "path"),
            case=get("case"),
            customer=get("customer"),
            timestamp=get("timestamp"),
            tag=get("tag"),
            severity=get("severity"),
            text=get("text"),
            encoding=self.encoding(table, "complaints", "encoding"),
            activity_pattern=get("activity_pattern"),
            attribute=get("attribute"),
        )
        if source.path is None and source.activity_pattern is None and source.attribute is None:
            raise self.error(
                "[complaints] says nowhere to find complaints", section="complaints",
                hint='set path = "complaints.csv", activity_pattern = "Complaint*" or attribute = "complaint", '
                "or remove the section",
            )
        return source

    def calendar(self, table: dict[str, Any]) -> Calendar:
        self.check_keys(table, "calendar", _SECTIONS["calendar"])
        days: tuple[int, ...] = (0, 1, 2, 3, 4)
        if "working_days" in table:
            value = table["working_days"]
            if not isinstance(value, list) or not value:
                raise self.expected("calendar", "working_days", value, "a non-empty list of days")
            parsed = []
            for item in value:
                day = _weekday(item)
                if day is None:
                    raise self.error(
                        f"{_show(item)} in 'working_days' in [calendar] is not a day of the week", section="calendar",
                        key="working_days", hint='use names "mon" … "sun" or numbers 0 (Monday) … 6 (Sunday)',
                    )
                parsed.append(day)
            days = tuple(sorted(set(parsed)))
        start = self.clock(table, "start", "09:00")
        end = self.clock(table, "end", "17:00")
        if clock_seconds(end) <= clock_seconds(start):
            raise self.error(
                f"working hours in [calendar] end ({end}) before they start ({start})", section="calendar", key="end",
                hint='working hours cannot cross midnight; use end = "24:00" for a day that runs to midnight',
            )
        holidays: list[str] = []
        if "holidays" in table:
            value = table["holidays"]
            if not isinstance(value, list):
                raise self.expected("calendar", "holidays", value, "a list of dates")
            for item in value:
                day = _iso_date(item)
                if day is None:
                    raise self.error(
                        f"{_show(item)} in 'holidays' in [calendar] is not a date", section="calendar", key="holidays",
                        hint='write ISO dates, e.g. holidays = ["2026-12-25", "2026-12-26"]',
                    )
                holidays.append(day)
        return Calendar(
            working_days=days,
            start=start,
            end=end,
            timezone=self.timezone(table, "calendar", "timezone", "UTC"),
            holidays=tuple(sorted(set(holidays))),
        )

    def clock(self, table: dict[str, Any], key: str, default: str) -> str:
        if key not in table:
            return default
        value = table[key]
        if isinstance(value, dt.time) and not isinstance(value, dt.datetime):
            if value.second or value.microsecond:
                raise self.error(f"{key!r} in [calendar] must be whole minutes", section="calendar", key=key, hint=f'write {key} = "{value:%H:%M}"')
            return f"{value:%H:%M}"
        if not isinstance(value, str):
            raise self.expected("calendar", key, value, 'a time of day such as "09:00"')
        try:
            seconds = clock_seconds(value)
        except ConfigError as exc:
            raise self.error(f"{key!r} in [calendar]: {exc.what}", section="calendar", key=key, hint=exc.hint) from None
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"

    def friction(self, table: dict[str, Any]) -> FrictionSettings:
        self.check_keys(table, "friction", _SECTIONS["friction"])
        defaults = FrictionSettings()
        return FrictionSettings(
            wait_factor=self.number(table, "friction", "wait_factor", defaults.wait_factor, low=0, low_open=True),
            min_cases=self.number(table, "friction", "min_cases", defaults.min_cases, integer=True, low=1),
            top=self.number(table, "friction", "top", defaults.top, integer=True, low=1),
            critical_share=self.number(table, "friction", "critical_share", defaults.critical_share, low=0, high=1, low_open=True),
            time_weight=self.number(table, "friction", "time_weight", defaults.time_weight, low=0, high=1),
            contact_minutes=self.number(table, "friction", "contact_minutes", defaults.contact_minutes, low=0),
        )

    def model(self, table: dict[str, Any]) -> ModelSettings:
        self.check_keys(table, "model", _SECTIONS["model"])
        settings = ModelSettings(
            path=self.path(table, "model", "path"),
            happy_path=self.strings(table, "model", "happy_path"),
            alignments=self.boolean(table, "model", "alignments", False),
        )
        if settings.path is not None and settings.happy_path:
            raise self.error("[model] has both 'path' and 'happy_path'", section="model", key="happy_path", hint="keep one: a model file or the happy path")
        if settings.path is not None and settings.path.suffix.lower() not in (".bpmn", ".pnml"):
            raise self.error(f"[model] path {settings.path.name!r} is not a .bpmn or .pnml file", section="model", key="path", hint='write e.g. path = "designed.bpmn"')
        if not settings.configured and table:
            raise self.error("[model] names no model", section="model", hint='set path = "designed.bpmn" or happy_path = ["Order placed", "Delivered"]')
        return settings


_EXAMPLES = {
    ("model", "path"): '"designed.bpmn"',
    ("model", "happy_path"): '["Order placed", "Order confirmation sent", "Delivered"]',
    ("log", "path"): '"orders.csv"',
    ("log", "timezone"): '"Europe/Amsterdam"',
    ("log", "timestamp_format"): '"%d/%m/%Y %H:%M"',
    ("log", "encoding"): '"utf-8"',
    ("touchpoints", "activities"): '["Order placed", "Customer*"]',
    ("touchpoints", "customer_initiated"): '["Order placed"]',
    ("touchpoints", "chasing"): '["Customer calls about status"]',
    ("touchpoints", "channel"): '"phone"',
    ("touchpoints", "dimension"): '"ease"',
    ("touchpoints", "attribute"): '"channel"',
    ("promises", "from"): '"Order placed"',
    ("promises", "to"): '"Delivered"',
    ("promises", "within"): '"5d"',
    ("promises", "name"): '"Delivery promise"',
    ("complaints", "path"): '"complaints.csv"',
    ("complaints", "activity_pattern"): '"Complaint*"',
    ("calendar", "working_days"): '["mon", "tue", "wed", "thu", "fri"]',
    ("calendar", "start"): '"09:00"',
    ("calendar", "end"): '"17:00"',
    ("calendar", "timezone"): '"Europe/Amsterdam"',
    ("calendar", "holidays"): '["2026-12-25"]',
}


def _example(section: str, key: str) -> str:
    return _EXAMPLES.get((section, key), '"column name"' if section in ("log", "complaints") else '"…"')


def _weekday(item: Any) -> int | None:
    if isinstance(item, int) and not isinstance(item, bool):
        return item if 0 <= item <= 6 else None
    if isinstance(item, str):
        text = item.strip().lower()[:3]
        if len(item.strip()) >= 3 and text in DAY_NAMES and _full_day_ok(item.strip().lower()):
            return DAY_NAMES.index(text)
    return None


def _full_day_ok(text: str) -> bool:
    full = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return any(day.startswith(text) for day in full)


def _iso_date(item: Any) -> str | None:
    if isinstance(item, dt.date) and not isinstance(item, dt.datetime):
        return item.isoformat()
    if isinstance(item, str):
        try:
            return dt.date.fromisoformat(item.strip()).isoformat()
        except ValueError:
            return None
    return None


def _known_timezone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # noqa: PLC0415

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def load_config(path: Path | None) -> Config:
    """Read and check cxmine.toml; None gives the defaults. Raises ConfigError (exit 2) with file and line."""
    if path is None:
        return Config()
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError("config file not found", file=str(path), hint="check the path") from None
    except IsADirectoryError:
        raise ConfigError("the config path is a folder, not a file", file=str(path)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the config file ({exc.strerror})", file=str(path)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError("the config file is not UTF-8 text", file=str(path), line=line, hint="save it as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        position = _TOML_POSITION.search(message)
        line = getattr(exc, "lineno", None) or (int(position.group(1)) if position else None)
        what = _TOML_POSITION.sub("", message)
        what = what[0].lower() + what[1:] if what else "syntax error"
        raise ConfigError(
            f"TOML syntax error: {what}",
            file=str(path),
            line=line,
            hint='check that line: strings need "quotes", lists use [ ], and a key may appear only once per section',
        ) from None

    reader = _Reader(path, text)
    reader.sections(data)
    log_path, load, customer, team = reader.log(data.get("log", {}))
    return Config(
        path=path,
        log_path=log_path,
        load=load,
        customer=customer,
        team=team,
        touchpoints=reader.touchpoints(data.get("touchpoints", {})),
        promises=reader.promises(data.get("promises", [])),
        complaints=reader.complaints(data["complaints"]) if "complaints" in data else None,
        calendar=reader.calendar(data["calendar"]) if "calendar" in data else None,
        friction=reader.friction(data.get("friction", {})),
        model=reader.model(data.get("model", {})),
    )


def with_cli_overrides(config: Config, options: LoadOptions) -> LoadOptions:
    """Merge: a CLI value that differs from its default wins, else the [log] value, else the default.

    (A CLI flag given with its default value, e.g. `--timezone UTC`, cannot be told apart from no flag,
    so it does not override [log].)
    """
    defaults = LoadOptions()
    merged = {}
    for item in fields(LoadOptions):
        cli = getattr(options, item.name)
        merged[item.name] = cli if cli != getattr(defaults, item.name) else getattr(config.load, item.name)
    return LoadOptions(**merged)


# ---------------------------------------------------------------------------------------------------------------
# Starter config (`cxmine init`)

_CUSTOMER_NAMES = ("customer_id", "customer", "customerid", "customer_key", "client_id", "client", "account_id", "account", "customer_number", "customer_no")
_TEAM_NAMES = ("team", "org:group", "group", "department", "workgroup", "work_group", "support_section", "section", "responsible_section", "queue", "org:role", "role", "unit")
_CHANNEL_NAMES = ("channel", "contact_channel", "touchpoint_channel", "medium", "contact_type", "contact_medium")


def _column_like(columns: Sequence[str], candidates: Sequence[str]) -> list[str]:
    """Columns whose folded name (ignoring a `case:` prefix) equals a candidate, in candidate order."""
    from cxmine.core.schema import fold  # noqa: PLC0415 - pure, but keeps the import graph small at load

    by_fold: dict[str, str] = {}
    for column in columns:
        bare = column[5:] if column.startswith("case:") else column
        by_fold.setdefault(fold(bare), column)
    found = []
    for candidate in candidates:
        column = by_fold.get(fold(candidate))
        if column is not None and column not in found:
            found.append(column)
    return found


def toml_string(text: str) -> str:
    """A TOML basic string literal for any text."""
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _round_up_duration(seconds: float) -> str:
    """A promise-like round duration at or above `seconds`."""
    if not math.isfinite(seconds) or seconds <= 0:
        return "24h"
    for size, unit, threshold in ((86400, "d", 2 * 86400), (3600, "h", 2 * 3600), (60, "m", 2 * 60)):
        if seconds >= threshold:
            return f"{math.ceil(seconds / size)}{unit}"
    return f"{max(1, math.ceil(seconds))}s"


_CHASING = re.compile(r"chas|remind|follow.?up|calls? about|status (?:request|inquiry|enquiry|call)", re.IGNORECASE)


def _most_common_start(events: Any) -> str | None:
    """The activity that most cases start with (events are sorted by case, then time)."""
    starts = events.drop_duplicates("case_id")["activity"].astype("string").value_counts()
    return str(starts.index[0]) if len(starts) else None


def _example_promise(events: Any, counts: Any) -> tuple[str, str, str] | None:
    """The two most frequent activities, in their usual order, and the time that 90 % of cases need."""
    import pandas as pd  # noqa: PLC0415

    frequent = [str(name) for name in counts.index[:2]]
    if len(frequent) < 2:
        return None
    subset = events.loc[events["activity"].astype("string").isin(frequent), ["case_id", "activity", "timestamp"]].copy()
    subset["activity"] = subset["activity"].astype("string")
    first = subset.groupby(["case_id", "activity"], observed=True)["timestamp"].min().unstack("activity")
    if not all(name in first.columns for name in frequent):
        return frequent[0], frequent[1], "24h"
    both = first.dropna(subset=frequent)
    a, b = frequent
    if len(both) and float((both[b] < both[a]).mean()) > 0.5:
        a, b = b, a
    gaps = (both[b] - both[a]).dt.total_seconds() if len(both) else pd.Series(dtype=float)
    gaps = gaps[gaps > 0]
    within = _round_up_duration(float(gaps.quantile(0.9))) if len(gaps) else "24h"
    return a, b, within


def _relative_path(target: Path, folder: Path) -> str:
    """`target` relative to `folder` when they share a project folder, else absolute (forward slashes)."""
    target, folder = target.resolve(), folder.resolve()
    try:
        common = Path(os.path.commonpath([target, folder]))
        relative = Path(os.path.relpath(target, folder))
    except ValueError:  # another drive on Windows
        return target.as_posix()
    if common == Path(common.anchor) or relative.parts[:3] == ("..", "..", ".."):
        return target.as_posix()
    return relative.as_posix()


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def starter_config(log: EventLog, *, options: LoadOptions | None = None, config_dir: Path | None = None) -> str:
    """A commented cxmine.toml for this log: its column mapping, its activities (as a touchpoint list to
    edit), an example promise, and the other sections with their defaults, commented out.

    `config_dir` is where the file will be written (the log's folder by default), so [log] path is relative
    to it. `options` carries parsing hints (timezone, timestamp format, encoding) worth keeping.
    """
    options = options or LoadOptions()
    source = Path(log.source)
    folder = Path(config_dir) if config_dir is not None else source.parent
    relative = _relative_path(source, folder)

    events = log.events
    used = log.columns_used
    role_columns = {"case_id", "activity", "timestamp", "start_timestamp", "resource", "lifecycle"}
    attributes = [str(c) for c in events.columns if c not in role_columns]
    customer = _column_like(attributes, _CUSTOMER_NAMES)
    team = _column_like(attributes, _TEAM_NAMES)
    channel = _column_like(attributes, _CHANNEL_NAMES)
    counts = events["activity"].value_counts(sort=False)
    counts = counts[counts > 0]
    order = sorted(counts.index, key=lambda name: (-int(counts[name]), str(name)))
    counts = counts.reindex(order)

    out: list[str] = []
    add = out.append
    add(f"# cxmine configuration for {source.name}, written by `cxmine init`.")
    add("# Lines starting with # are comments: remove the # to use a setting. Reference: docs/config.md")
    add(f"# The log has {len(events):,} events in {events['case_id'].nunique():,} cases and {len(counts):,} activities.")
    add("")
    add("# The event log and which column plays which role (found automatically; change what is wrong).")
    add("# Flags given on the command line (--case, --timestamp, …) win over these.")
    add("[log]")
    add(f"path = {toml_string(relative)}")
    for role, key in (("case_id", "case"), ("activity", "activity"), ("timestamp", "timestamp"), ("start_timestamp", "start_timestamp"), ("resource", "resource")):
        column = used.get(role)
        if column:
            add(f"{key} = {toml_string(str(column))}")
        else:
            add(f'# {key} = "column name"' + ("   # no start-time column was found" if role == "start_timestamp" else ""))
    add(f"timezone = {toml_string(options.timezone)}" if options.timezone != "UTC" else '# timezone = "UTC"             # timezone of timestamps without an offset')
    add(f"timestamp_format = {toml_string(options.timestamp_format)}" if options.timestamp_format else '# timestamp_format = "%d/%m/%Y %H:%M"')
    add(f"encoding = {toml_string(options.encoding)}" if options.encoding != "utf-8" else '# encoding = "utf-8"')
    if options.lifecycle_in_activity:
        add("lifecycle_in_activity = true")
    if customer:
        add(f"customer = {toml_string(customer[0])}" + ("" if len(customer) == 1 else f"   # or: {', '.join(customer[1:])}"))
    else:
        add('# customer = "customer_id"   # column with a customer id (links cases of the same customer)')
    if team:
        add(f"team = {toml_string(team[0])}" + ("" if len(team) == 1 else f"   # or: {', '.join(team[1:])}"))
    else:
        add('# team = "team"              # column with the team or group doing the work (for ping-pong)')
    others = [c for c in attributes if c not in customer[:1] and c not in team[:1]]
    if others:
        shown = ", ".join(others[:25]) + (f", … ({len(others)} in all)" if len(others) > 25 else "")
        add(f"# Other columns in this log: {shown}")
    add("")

    add("# What the customer sees. Uncomment `activities` and keep only customer-facing activities")
    add('# (names, or patterns such as "Customer*"). Left out, every activity counts as a touchpoint.')
    add("[touchpoints]")
    add("# activities = [")
    width = max((len(toml_string(str(name))) for name in counts.index), default=0) + 1
    for name, count in counts.items():
        add(f"#   {(toml_string(str(name)) + ','):<{width}}  # {_plural(int(count), 'event')}")
    add("# ]")
    if channel:
        add(f"# attribute = {toml_string(channel[0])}   # or: events whose {channel[0]!r} is set are touchpoints (only if it is empty on back-office events)")
    else:
        add('# attribute = "channel"   # or: events where this column is set are touchpoints')
    first = _most_common_start(events) or "First activity"
    chasing = [str(name) for name in counts.index if _CHASING.search(str(name))]
    add(f"# customer_initiated = [{toml_string(first)}]   # touchpoints the customer starts")
    if chasing:
        add(f"# chasing = [{', '.join(toml_string(name) for name in chasing[:3])}]   # contacts that mean the customer is chasing us")
    else:
        add('# chasing = ["Customer calls*"]   # contacts that mean the customer is chasing us')
    add("# [touchpoints.channel]      # optional: the channel of each touchpoint")
    add(f'# {toml_string(first)} = "web"')
    add("# [touchpoints.dimension]    # optional: functionality, ease, connection or emotion")
    add(f'# {toml_string(first)} = "ease"')
    add("")

    add('# Promises made to the customer: "to" must follow "from" within the given time')
    add("# (durations: 90s, 45m, 24h, 5d, 2w, 1d12h). Add one [[promises]] block per promise.")
    example = _example_promise(events, counts)
    if example is not None:
        a, b, within = example
        add(f"# This example uses the two most frequent activities; 90 % of cases take at most {within}.")
    else:
        a, b, within = "First activity", "Second activity", "24h"
    add("# [[promises]]")
    add(f"# from = {toml_string(a)}")
    add(f"# to = {toml_string(b)}")
    add(f"# within = {toml_string(within)}")
    add(f"# name = {toml_string(f'{b} within {within}')}   # optional")
    add("")

    complaint_activities = [str(name) for name in counts.index if "complain" in str(name).lower()]
    add("# Complaints, attributed to cases (and to where the customer was) by time. Use one source:")
    add("# [complaints]")
    add('# path = "complaints.csv"     # a CSV file, relative to this file; then name its columns:')
    add(f'# case = {toml_string(used.get("case_id") if log.format != "xes" and used.get("case_id") else "case_id")}')
    add('# customer = "customer_id"')
    add('# timestamp = "timestamp"')
    add('# tag = "tag"')
    add('# severity = "severity"')
    add('# text = "text"')
    add('# encoding = "utf-8"')
    if complaint_activities:
        add(f"# activity_pattern = {toml_string('*omplain*')}   # complaints recorded as events: {', '.join(complaint_activities[:5])}")
    else:
        add('# activity_pattern = "Complaint*"   # or: complaints recorded as events in the log')
    add('# attribute = "complaint"          # or: a case attribute holding a complaint tag')
    add("")

    add("# Working time: when set, waits are also measured in working hours.")
    add("# [calendar]")
    add('# working_days = ["mon", "tue", "wed", "thu", "fri"]')
    add('# start = "09:00"')
    add('# end = "17:00"')
    add(f'# timezone = {toml_string(options.timezone if options.timezone != "UTC" else "Europe/Amsterdam")}')
    add('# holidays = ["2026-01-01", "2026-12-25"]')
    add("")

    defaults = FrictionSettings()
    add("# How friction is found and ranked (the defaults are shown).")
    add("# [friction]")
    add(f"# wait_factor = {defaults.wait_factor}      # a wait is friction when longer than this × its median")
    add(f"# min_cases = {defaults.min_cases}        # fewer affected cases than this: low evidence")
    add(f"# top = {defaults.top}              # how many friction points to list")
    add(f"# critical_share = {defaults.critical_share}   # the critical few: the top points that together reach this share of the score")
    add(f"# time_weight = {defaults.time_weight}      # score = time_weight × time share + (1 − time_weight) × complaint share")
    add(f"# contact_minutes = {defaults.contact_minutes}  # customer effort of one chasing contact, counted as customer time")
    add("")
    return "\n".join(out)
