"""core.calendar.working_seconds against a minute-by-minute reference, plus hand-checked cases."""
from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from cxmine.config import Calendar
from cxmine.core.calendar import working_seconds

UTC = dt.timezone.utc


def utc(*values: str | None) -> pd.Series:
    return pd.Series(pd.to_datetime(list(values), utc=True, format="ISO8601"))


def reference(start: dt.datetime, end: dt.datetime, calendar: Calendar) -> float:
    """Walk real time one minute at a time and count the minutes whose local wall clock is in working time."""
    zone = ZoneInfo(calendar.timezone)
    holidays = set(calendar.holidays)
    first, last = calendar.start_seconds, calendar.end_seconds
    total = 0
    moment = start
    step = dt.timedelta(minutes=1)
    while moment < end:
        local = moment.astimezone(zone)
        clock = local.hour * 3600 + local.minute * 60
        if local.weekday() in calendar.working_days and local.date().isoformat() not in holidays and first <= clock < last:
            total += 60
        moment += step
    return float(total)


def random_pairs(seed: int, count: int, anchors: list[str]) -> tuple[list[dt.datetime], list[dt.datetime]]:
    """Minute-aligned pairs near the anchors: same-day, overnight, across weekends, and a few reversed."""
    rng = random.Random(seed)
    starts, ends = [], []
    for _ in range(count):
        anchor = dt.datetime.fromisoformat(rng.choice(anchors)).replace(tzinfo=UTC)
        start = anchor + dt.timedelta(minutes=rng.randrange(-3 * 1440, 3 * 1440))
        span = rng.choice([rng.randrange(0, 240), rng.randrange(0, 1440), rng.randrange(0, 1440 * 4), rng.randrange(0, 1440 * 9)])
        if rng.random() < 0.05:
            span = -rng.randrange(1, 600)
        starts.append(start)
        ends.append(start + dt.timedelta(minutes=span))
    return starts, ends


CALENDARS = {
    "office-utc": Calendar(),
    "amsterdam-with-holidays": Calendar(
        working_days=(0, 1, 2, 3, 4),
        start="08:30",
        end="17:15",
        timezone="Europe/Amsterdam",
        holidays=("2026-03-27", "2026-03-30", "2026-04-06", "2026-10-26", "2026-12-25"),
    ),
    # A window covering the whole day makes the daylight-saving days 23 and 25 hours long.
    "amsterdam-round-the-clock": Calendar(working_days=(0, 1, 2, 3, 4, 5, 6), start="00:00", end="24:00", timezone="Europe/Amsterdam"),
    "shop-mon-sat-new-york": Calendar(working_days=(0, 1, 2, 3, 4, 5), start="06:00", end="22:00", timezone="America/New_York", holidays=("2026-03-09",)),
}
# Around the 2026 daylight-saving changes (Europe: 29 March / 25 October; US: 8 March / 1 November), holidays and plain weeks.
ANCHORS = ["2026-03-08T12:00", "2026-03-29T01:30", "2026-10-25T00:45", "2026-11-01T06:00", "2026-04-03T16:00", "2026-12-24T22:00", "2026-01-07T09:00"]


@pytest.mark.parametrize("name", sorted(CALENDARS))
def test_matches_minute_by_minute_reference(name: str) -> None:
    calendar = CALENDARS[name]
    starts, ends = random_pairs(seed=sorted(CALENDARS).index(name), count=150, anchors=ANCHORS)
    got = working_seconds(pd.Series(pd.DatetimeIndex(starts)), pd.Series(pd.DatetimeIndex(ends)), calendar)
    expected = [reference(s, e, calendar) for s, e in zip(starts, ends)]
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=0, atol=1e-6)


def test_dst_days_are_23_and_25_hours_long() -> None:
    calendar = CALENDARS["amsterdam-round-the-clock"]
    # Local midnight to local midnight: 28 → 30 March spans the spring change, 24 → 26 October the autumn one.
    start = utc("2026-03-27T23:00", "2026-10-23T22:00")
    end = utc("2026-03-29T22:00", "2026-10-25T23:00")
    hours = working_seconds(start, end, calendar) / 3600
    assert hours.tolist() == [47.0, 49.0]


def test_hand_checked_office_hours() -> None:
    start = utc("2026-01-02T16:00", "2026-01-05T08:00", "2026-01-05T10:00", "2026-01-02T10:00", "2026-01-03T10:00")
    end = utc("2026-01-05T10:00", "2026-01-05T18:00", "2026-01-05T11:30", "2026-01-14T12:00", "2026-01-04T18:00")
    hours = working_seconds(start, end, Calendar()) / 3600
    # Friday 16–17 + Monday 9–10; a whole Monday; 90 minutes; Fri 7 h + 7 days × 8 h + Wed 3 h; a weekend.
    assert hours.tolist() == [2.0, 8.0, 1.5, 66.0, 0.0]


def test_holidays_are_not_worked() -> None:
    start = utc("2026-12-24T09:00")
    end = utc("2026-12-28T17:00")
    plain = working_seconds(start, end, Calendar())
    with_holidays = working_seconds(start, end, Calendar(holidays=("2026-12-25",)))
    assert plain.iloc[0] / 3600 == 24.0  # Thu, Fri, Mon
    assert with_holidays.iloc[0] / 3600 == 16.0


def test_missing_and_reversed() -> None:
    start = utc("2026-01-05T10:00", None, "2026-01-05T12:00", "2026-01-05T12:00")
    end = utc(None, "2026-01-05T10:00", "2026-01-05T11:00", "2026-01-05T12:00")
    result = working_seconds(start, end, Calendar())
    assert np.isnan(result.iloc[0]) and np.isnan(result.iloc[1])
    assert result.iloc[2] == 0.0 and result.iloc[3] == 0.0


def test_keeps_index_and_handles_empty() -> None:
    start = utc("2026-01-05T10:00", "2026-01-05T10:00")
    start.index = [7, 3]
    end = utc("2026-01-05T11:00", "2026-01-06T10:00")
    end.index = [7, 3]
    result = working_seconds(start, end, Calendar())
    assert list(result.index) == [7, 3]
    assert result.tolist() == [3600.0, 8 * 3600.0]
    empty = working_seconds(start.iloc[:0], end.iloc[:0], Calendar())
    assert empty.empty and empty.dtype == "float64"


def test_naive_timestamps_are_utc_and_sub_second_precision() -> None:
    start = pd.Series(pd.to_datetime(["2026-01-05 09:00:00.250"]))
    end = pd.Series(pd.to_datetime(["2026-01-05 09:00:01"]))
    assert working_seconds(start, end, Calendar()).iloc[0] == pytest.approx(0.75)


def test_vectorised_on_a_large_frame() -> None:
    rng = np.random.default_rng(3)
    n = 200_000
    base = pd.Timestamp("2025-01-01", tz="UTC")
    start = pd.Series(base + pd.to_timedelta(rng.integers(0, 400 * 86400, n), unit="s"))
    end = start + pd.to_timedelta(rng.integers(0, 30 * 86400, n), unit="s")
    calendar = Calendar(timezone="Europe/Amsterdam", holidays=("2025-12-25",))
    result = working_seconds(start, end, calendar)
    assert result.notna().all()
    assert (result >= 0).all()
    assert (result <= (end - start).dt.total_seconds() + 1e-6).all()


def test_mismatched_lengths() -> None:
    with pytest.raises(ValueError):
        working_seconds(utc("2026-01-05T10:00"), utc("2026-01-05T10:00", "2026-01-05T10:00"), Calendar())
