"""Durations ("90s", "45m", "24h", "5d", "1d12h") and clock times ("09:00") as cxmine.toml writes them."""
from __future__ import annotations

import math
import re

from cxmine.errors import ConfigError

MAX_DURATION_TEXT = 64  # longer text is no duration; refusing it early keeps parsing linear

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
    if len(text) > MAX_DURATION_TEXT:
        raise ConfigError(f"{shorten(text)!r} is not a duration (too long)", hint=DURATION_HINT)
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


def shorten(text: str, limit: int = 40) -> str:
    """`text` cut to `limit` characters with an ellipsis, for echoing user input in an error."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
