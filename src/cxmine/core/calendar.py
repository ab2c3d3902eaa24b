"""Working time between two timestamps under a business calendar, vectorised.

A wait of 64 hours from Friday evening to Monday morning is no wait at all for a back office that works
Monday to Friday, 09:00–17:00. `working_seconds` counts only the time that falls inside the calendar's
working hours, on working days that are not holidays, in the calendar's timezone — real elapsed seconds,
so a working window that spans a daylight-saving change is an hour shorter or longer that day.

No loop per row: each pair is split into its first day, its last day and the whole days in between.
The first and last day are clipped against that day's window; whole days come from numpy's
`busday_count` (weekmask and holidays) times the nominal window length, plus a correction for the few
days whose window is not nominal (daylight-saving changes), summed through a per-day cumulative table.
"""
from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd


class Calendar(Protocol):
    """What working time needs of a calendar (cxmine.config.Calendar has it); the core does not import
    the config package."""

    timezone: str
    holidays: tuple[str, ...]

    @property
    def weekmask(self) -> tuple[int, ...]: ...

    @property
    def start_seconds(self) -> int: ...

    @property
    def end_seconds(self) -> int: ...

    @property
    def working_seconds_per_day(self) -> int: ...

_MICROSECOND = np.timedelta64(1, "us")
_SECOND_US = 1_000_000


def working_seconds(start: pd.Series, end: pd.Series, calendar: Calendar) -> pd.Series:
    """Working seconds from each `start` to the matching `end` (paired by position).

    Float seconds; NaN where either side is missing; 0 where `end` ≤ `start`. Naive timestamps are
    taken as UTC (the canonical event table is tz-aware UTC).
    """
    if len(start) != len(end):
        raise ValueError(f"start and end differ in length ({len(start)} vs {len(end)})")
    begin = _utc_naive(start)
    finish = _utc_naive(end)
    result = np.full(len(begin), np.nan)
    present = ~(np.isnat(begin) | np.isnat(finish))
    result[present] = 0.0
    forward = present & (finish > begin)
    if forward.any():
        result[forward] = _forward_seconds(begin[forward], finish[forward], calendar)
    return pd.Series(result, index=start.index, dtype="float64")


def _utc_naive(values: pd.Series) -> np.ndarray:
    """Any datetime-like series → numpy datetime64[us] in UTC without a zone (NaT kept)."""
    stamps = pd.to_datetime(pd.Series(values).reset_index(drop=True), utc=True)
    return stamps.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")


def _local_days(instants: np.ndarray, timezone: str) -> np.ndarray:
    """The calendar date, in `timezone`, of each UTC instant."""
    local = pd.Series(instants).dt.tz_localize("UTC").dt.tz_convert(timezone).dt.tz_localize(None)
    return local.dt.normalize().to_numpy(dtype="datetime64[us]").astype("datetime64[D]")


def _at_local(days: np.ndarray, offset_seconds: int, timezone: str) -> np.ndarray:
    """The UTC instant of local wall-clock time `offset_seconds` after midnight on each day.

    A wall-clock time that falls in a daylight-saving gap moves forward to the first valid instant; one
    that occurs twice (the repeated hour in autumn) takes the first occurrence.
    """
    naive = pd.Series(days.astype("datetime64[us]") + np.timedelta64(offset_seconds, "s"))
    earliest = np.ones(len(naive), dtype=bool)
    local = naive.dt.tz_localize(timezone, ambiguous=earliest, nonexistent="shift_forward")
    return local.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]")


def _forward_seconds(begin: np.ndarray, finish: np.ndarray, calendar: Calendar) -> np.ndarray:
    timezone = calendar.timezone
    weekmask = list(calendar.weekmask)
    holidays = np.array(calendar.holidays, dtype="datetime64[D]")

    first_day = _local_days(begin, timezone)
    last_day = _local_days(finish, timezone)

    # One row per calendar day the pairs touch: its working window in UTC and whether it is worked.
    lowest = first_day.min()
    days = np.arange(lowest, last_day.max() + np.timedelta64(1, "D"), dtype="datetime64[D]")
    opens = _at_local(days, calendar.start_seconds, timezone)
    closes = _at_local(days, calendar.end_seconds, timezone)
    worked = np.is_busday(days, weekmask=weekmask, holidays=holidays)
    window_us = (closes - opens) / _MICROSECOND
    nominal_us = float(calendar.working_seconds_per_day) * _SECOND_US
    # Only daylight-saving days differ from the nominal window; cumulative, so a range sums in O(1).
    surplus = np.where(worked, window_us - nominal_us, 0.0)
    surplus_before = np.concatenate(([0.0], np.cumsum(surplus)))  # surplus_before[k] = sum of days < k

    i = (first_day - lowest).astype(np.int64)
    j = (last_day - lowest).astype(np.int64)
    same_day = i == j

    def overlap(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return np.maximum((hi - lo) / _MICROSECOND, 0.0)

    first_part = overlap(np.maximum(begin, opens[i]), np.where(same_day, np.minimum(finish, closes[i]), closes[i]))
    first_part = np.where(worked[i], first_part, 0.0)
    last_part = np.where(worked[j] & ~same_day, overlap(opens[j], np.minimum(finish, closes[j])), 0.0)

    inner_first = np.where(same_day, last_day, first_day + np.timedelta64(1, "D"))
    whole_days = np.busday_count(inner_first, last_day, weekmask=weekmask, holidays=holidays)
    inner_us = whole_days * nominal_us + np.where(same_day, 0.0, surplus_before[j] - surplus_before[np.minimum(i + 1, j)])

    return (first_part + last_part + inner_us) / _SECOND_US
