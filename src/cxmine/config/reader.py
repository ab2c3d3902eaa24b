"""Finding and reading cxmine.toml: every problem is a ConfigError naming the file, the line, the key and
what to write instead ("did you mean …?"). Pure: never prints. docs/config.md documents every key."""
from __future__ import annotations

import codecs
import datetime as dt
import difflib
import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from cxmine.config.durations import clock_seconds, parse_duration
from cxmine.config.settings import (
    CONFIG_NAME, DIMENSIONS, DAY_NAMES, Calendar, ComplaintSource, Config, FrictionSettings, FrozenMap, JourneySettings, ModelSettings,
    Outcome, Preparation, Promise, RedactSettings, SourceSettings, Touchpoints, ValueSettings,
)
from cxmine.errors import ConfigError
from cxmine.model import LoadOptions


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
        "encoding", "lifecycle_in_activity", "ambiguous", "customer", "team",
    ),
    "touchpoints": ("activities", "attribute", "customer_initiated", "chasing", "inbound", "outbound", "channel", "dimension"),
    "promises": ("from", "to", "within", "name", "applies_when", "void_when"),
    "complaints": (
        "path", "case", "customer", "timestamp", "tag", "severity", "text", "encoding", "activity_pattern", "attribute",
    ),
    "calendar": ("working_days", "start", "end", "timezone", "holidays"),
    "friction": ("wait_factor", "min_cases", "top", "critical_share", "time_weight", "contact_minutes", "min_wait"),
    "model": ("path", "happy_path", "alignments"),
    "outcomes": (
        "name", "ends_with", "reaches", "attribute", "equals", "path", "case", "customer", "timestamp", "score", "bad_below",
        "encoding", "weight", "phrase",
    ),
    "prepare": ("drop_duplicates", "merge_repeats", "missing"),
    "journey": ("pauses", "end_activities"),
    "redact": ("keep",),
    "sources": (
        "name", "path", "case", "activity", "timestamp", "start_timestamp", "resource", "timestamp_format", "timezone", "encoding",
        "lifecycle_in_activity", "customer", "contacts", "customer_type",
    ),
    "value": ("currency", "customer_hour", "contact", "complaint", "outcomes"),
}  # fmt: skip
_ARRAYS = ("promises", "outcomes", "sources")  # written as [[name]] blocks

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
        if section in _ARRAYS:
            return f"[[{section}]] #{index + 1}" if index is not None else f"[[{section}]]"
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

    def strings(self, table: dict[str, Any], section: str, key: str, index: int | None = None, *, allow_empty: bool = False) -> tuple[str, ...]:
        if key not in table:
            return ()
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.expected(section, key, value, "a list of strings", index, hint=f"write e.g. {key} = {_example(section, key)} (a list, even for one entry)")
        cleaned = tuple(item if allow_empty else item.strip() for item in value)
        if not allow_empty and any(not item for item in cleaned):
            raise self.error(f"{key!r} in {self.label(section, index)} has an empty entry", section=section, key=key, index=index, hint="remove the empty string")
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
            raise self.expected(section, key, value, "a whole number" if integer else "a number", hint=f"write e.g. {key} = {default if default is not None else 7} (no quotes)")
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
                expected_list = key in _ARRAYS
                if expected_list and not (isinstance(value, list) and all(isinstance(item, dict) for item in value)):
                    example = {"promises": 'from = "A", to = "B", within = "24h"', "outcomes": 'name = "cancelled", ends_with = ["Cancelled"]'}.get(key, 'name = "orders", path = "orders.csv"')
                    raise self.error(
                        f"{key} must be written as [[{key}]] blocks (double brackets), one per {key[:-1]}",
                        section=key,
                        hint=f"write [[{key}]] then {example} on the next lines",
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
                    hint=hint + f"valid sections: {', '.join(f'[[{s}]]' if s in _ARRAYS else f'[{s}]' for s in _SECTIONS)}",
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
            ambiguous=self.choice(table, "log", "ambiguous", ("earliest", "latest", "error"), "earliest"),
        )
        return self.path(table, "log", "path"), options, get("customer"), get("team")

    def choice(self, table: dict[str, Any], section: str, key: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.string(table, section, key)
        if value is None:
            return default
        if value not in allowed:
            close = _suggest(value, allowed)
            raise self.error(f"{key!r} in [{section}] must be one of {', '.join(allowed)}, not {value!r}", section=section, key=key, hint=f"did you mean {close!r}?" if close else None)
        return value

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
            chasing=tuple(dict.fromkeys(self.strings(table, "touchpoints", "chasing") + self.strings(table, "touchpoints", "inbound"))),
            outbound=self.strings(table, "touchpoints", "outbound"),
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
            applies = self.strings(table, "promises", "applies_when", index)
            void = self.strings(table, "promises", "void_when", index)
            out.append(Promise(source, target, seconds, name, applies, void))
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
            min_wait_seconds=self.duration(table, "friction", "min_wait", defaults.min_wait_seconds),
        )

    def duration(self, table: dict[str, Any], section: str, key: str, default: float, index: int | None = None) -> float:
        if key not in table:
            return default
        value = table[key]
        if not isinstance(value, str):
            raise self.expected(section, key, value, 'a duration in quotes such as "1h"', index)
        try:
            return parse_duration(value)
        except ConfigError as exc:
            raise self.error(f"{key!r} in {self.label(section, index)}: {exc.what}", section=section, key=key, index=index, hint=exc.hint) from None

    def outcomes(self, blocks: list[dict[str, Any]]) -> tuple[Outcome, ...]:
        out: list[Outcome] = []
        for index, table in enumerate(blocks):
            out.append(self.outcome(table, index))
        names = [o.name for o in out]
        for index, name in enumerate(names):
            if name in names[:index] or name == "complaint":
                what = "is used twice" if name in names[:index] else "is reserved for [complaints]"
                raise self.error(f"outcome name {name!r} {what}", section="outcomes", key="name", index=index, hint="give each outcome its own name")
        return tuple(out)

    def outcome(self, table: dict[str, Any], index: int) -> Outcome:
        section = "outcomes"
        self.check_keys(table, section, _SECTIONS[section], index)
        name = self.string(table, section, "name", index, required=True)
        ways = [key for key in ("ends_with", "reaches", "attribute", "path") if key in table]
        if len(ways) != 1:
            raise self.error(
                f"{self.label(section, index)} needs exactly one of ends_with, reaches, attribute or path" + (f" (it has {', '.join(ways)})" if ways else ""),
                section=section, index=index, hint='e.g. ends_with = ["Cancelled"], or path = "survey.csv" with score = "nps" and bad_below = 7',
            )
        outcome = Outcome(
            name=name or "", ends_with=self.strings(table, section, "ends_with", index), reaches=self.strings(table, section, "reaches", index),
            attribute=self.string(table, section, "attribute", index), equals=self.scalar_text(table, section, "equals", index),
            path=self.path(table, section, "path"), case=self.string(table, section, "case", index), customer=self.string(table, section, "customer", index),
            timestamp=self.string(table, section, "timestamp", index), score=self.string(table, section, "score", index),
            bad_below=self.number(table, section, "bad_below", None, low=None) if "bad_below" in table else None,
            encoding=self.encoding(table, section, "encoding"), weight=self.number(table, section, "weight", 1.0, low=0),
            phrase=self.string(table, section, "phrase", index),
        )
        if outcome.attribute is not None and outcome.equals is None:
            raise self.error(f"{self.label(section, index)} has 'attribute' but no 'equals'", section=section, key="attribute", index=index, hint='add equals = "false" (the value that means the bad outcome)')
        if outcome.path is not None:
            if outcome.score is None or outcome.bad_below is None:
                raise self.error(f"{self.label(section, index)} reads scores from {outcome.path.name} but lacks 'score' or 'bad_below'", section=section, key="path", index=index, hint='add score = "nps" and bad_below = 7')
            if outcome.case is None and (outcome.customer is None or outcome.timestamp is None):
                raise self.error(f"{self.label(section, index)} needs 'case', or 'customer' and 'timestamp', to join the scores", section=section, key="path", index=index, hint='add case = "order_id"')
            if not 0 <= outcome.bad_below <= 100:
                raise self.error(f"'bad_below' in {self.label(section, index)} must be between 0 and 100, not {outcome.bad_below:g}", section=section, key="bad_below", index=index, hint="NPS: bad_below = 7; CSAT 1–5: bad_below = 3")
        return outcome

    def scalar_text(self, table: dict[str, Any], section: str, key: str, index: int | None = None) -> str | None:
        """A value compared as text (true/false and numbers are accepted and written as the log shows them)."""
        if key not in table:
            return None
        value = table[key]
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float, str)):
            return str(value).strip()
        raise self.expected(section, key, value, "a string, number or true/false", index)

    def prepare(self, table: dict[str, Any]) -> Preparation:
        self.check_keys(table, "prepare", _SECTIONS["prepare"])
        return Preparation(
            drop_duplicates=self.boolean(table, "prepare", "drop_duplicates", False),
            merge_repeats=self.boolean(table, "prepare", "merge_repeats", False),
            missing=self.strings(table, "prepare", "missing", allow_empty=True),
        )

    def sources(self, blocks: list[dict[str, Any]]) -> tuple[SourceSettings, ...]:
        out: list[SourceSettings] = []
        for index, table in enumerate(blocks):
            section = "sources"
            self.check_keys(table, section, _SECTIONS[section], index)
            name = self.string(table, section, "name", index, required=True) or ""
            if any(source.name == name for source in out):
                raise self.error(f"process name {name!r} is used twice in [[sources]]", section=section, key="name", index=index, hint="give each source its own name")
            get = lambda key: self.string(table, section, key, index)  # noqa: E731
            load = LoadOptions(
                case=get("case"), activity=get("activity"), timestamp=get("timestamp"), start_timestamp=get("start_timestamp"),
                resource=get("resource"), timestamp_format=get("timestamp_format"), timezone=self.timezone(table, section, "timezone", "UTC"),
                encoding=self.encoding(table, section, "encoding"), lifecycle_in_activity=self.boolean(table, section, "lifecycle_in_activity", False),
            )
            path = self.path(table, section, "path")
            if path is None:
                raise self.error(f"{self.label(section, index)} needs 'path'", section=section, index=index, hint='add path = "orders.csv"')
            out.append(SourceSettings(name, path, load, get("customer"), self.boolean(table, section, "contacts", False), get("customer_type")))
        ocel = [s for s in out if s.customer_type is not None]
        if len(out) > 1:
            for index, source in enumerate(out):
                if source.customer is None and source.customer_type is None:
                    raise self.error(
                        f"source {source.name!r} has no customer column: with several sources every one needs `customer`",
                        section="sources", key="name", index=index, hint='add customer = "customer_id" (the column that ties it to the other processes)',
                    )
        del ocel
        return tuple(out)

    def value(self, table: dict[str, Any], outcomes: tuple[Outcome, ...]) -> ValueSettings:
        section = "value"
        self.check_keys(table, section, _SECTIONS[section])
        prices = table.get("outcomes", {})
        if not isinstance(prices, dict):
            raise self.expected(section, "outcomes", prices, "a table of outcome = price", hint="write outcomes = { cancelled = 40.0 }")
        known = [o.name for o in outcomes] + ["complaint"]
        clean: dict[str, float] = {}
        for name, price in prices.items():
            if name not in known:
                close = _suggest(name, known)
                raise self.error(
                    f"[value] outcomes names {name!r}, which is not an [[outcomes]] name", section=section, key="outcomes",
                    hint=(f"did you mean {close!r}? " if close else "") + f"outcomes: {', '.join(known)}",
                )
            if isinstance(price, bool) or not isinstance(price, (int, float)) or not math.isfinite(price) or price < 0:
                raise self.error(f"the price of {name!r} in [value] must be a number ≥ 0", section=section, key="outcomes")
            clean[name] = float(price)
        return ValueSettings(
            currency=self.string(table, section, "currency") or "EUR",
            customer_hour=self.number(table, section, "customer_hour", 0.0, low=0),
            contact=self.number(table, section, "contact", 0.0, low=0),
            complaint=self.number(table, section, "complaint", 0.0, low=0),
            outcomes=clean,
        )

    def redact(self, table: dict[str, Any]) -> RedactSettings:
        self.check_keys(table, "redact", _SECTIONS["redact"])
        return RedactSettings(keep=self.strings(table, "redact", "keep"))

    def journey(self, table: dict[str, Any]) -> JourneySettings:
        self.check_keys(table, "journey", _SECTIONS["journey"])
        return JourneySettings(pauses=self.strings(table, "journey", "pauses"), end_activities=self.strings(table, "journey", "end_activities"))

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
    except RecursionError:
        raise ConfigError("the config file nests values too deeply", file=str(path), hint="cxmine.toml needs only plain keys, lists and tables") from None
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
    outcomes = reader.outcomes(data.get("outcomes", []))
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
        outcomes=outcomes,
        prepare=reader.prepare(data.get("prepare", {})),
        journey=reader.journey(data.get("journey", {})),
        redact=reader.redact(data.get("redact", {})),
        sources=reader.sources(data.get("sources", [])),
        value=reader.value(data["value"], outcomes) if "value" in data else None,
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
