"""Build the report for one period of a log: headline numbers, the ranked friction points with evidence,
weekly trends of the top points, the distribution of the top waits, complaint tags and data quality.

Pure and deterministic: no printing (progress goes through an optional callback), no wall-clock time in
the result (the caller may add a stamp), stable ordering, floats rounded in `to_dict()`.

A period selects whole cases by when they start (their first event), exactly like `--since/--until` when
loading, so a journey is never cut in half: its later events and complaints count in the period it
started in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import pandas as pd

from cxmine.config import Config
from cxmine.core import schema
from cxmine.core.journey import case_starts
from cxmine.errors import InputError, UsageError
from cxmine.report.keys import MatchKey, candidate_key, point_key
from cxmine.model import SCHEMA_VERSION, EventLog, FrictionReport, QualityFinding, Warning_

if TYPE_CHECKING:  # pragma: no cover - types only
    from cxmine.report.compare import Comparison, GateResult

Progress = Callable[[str], None]

INCOMPLETE_SHARE = 0.1  # a week whose cases are more than 10% still open is marked incomplete in the trend
TREND_POINTS = 6  # at most this many points get a weekly trend
WAIT_POINTS = 6  # at most this many waits get a distribution
EXAMPLE_CASES = 3


# ---------------------------------------------------------------------------------------------------------------
# Periods

_WEEK = re.compile(r"^(\d{4})-?[Ww](\d{1,2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
PERIOD_HINT = "write a week (2026-W12), a month (2026-03), a quarter (2026-Q1), a year (2026) or a day (2026-03-16)"


@dataclass(frozen=True)
class Period:
    """Cases starting in [since, until) (UTC instants; None = open). `kind`: week, month, quarter, year,
    day, range or all; calendar kinds are computed in `timezone`."""

    label: str
    kind: str
    since: pd.Timestamp | None = None
    until: pd.Timestamp | None = None
    timezone: str = "UTC"
    first_day: date | None = None  # calendar kinds: the local first day

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        if self.first_day is not None:
            return calendar_period(self.kind, _shift(self.kind, self.first_day, -1), self.timezone)
        if self.since is not None and self.until is not None:
            length = self.until - self.since
            since, until = self.since - length, self.since
            return Period(f"{_local_text(since, self.timezone)} → {_local_text(until, self.timezone)}", "range", since, until, self.timezone)
        raise UsageError(
            "--compare previous needs a period with a start and an end",
            hint="use --period 2026-W12 (or both --since and --until), or --compare baseline.json",
        )

    def contains(self, instant: pd.Timestamp) -> bool:
        return (self.since is None or instant >= self.since) and (self.until is None or instant < self.until)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "kind": self.kind,
            "since": None if self.since is None else self.since.isoformat(),
            "until": None if self.until is None else self.until.isoformat(),
            "timezone": self.timezone,
        }


WHOLE_LOG = Period("whole log", "all")


def _local_midnight(day: date, timezone: str) -> pd.Timestamp:
    stamp = pd.Timestamp(day.year, day.month, day.day)
    return stamp.tz_localize(timezone, nonexistent="shift_forward", ambiguous=False).tz_convert("UTC")


def _local_text(instant: pd.Timestamp, timezone: str) -> str:
    local = instant.tz_convert(timezone)
    return local.strftime("%Y-%m-%d") if (local.hour, local.minute, local.second) == (0, 0, 0) else local.strftime("%Y-%m-%d %H:%M")


def _shift(kind: str, day: date, steps: int) -> date:
    if kind == "day":
        return day + timedelta(days=steps)
    if kind == "week":
        return day + timedelta(weeks=steps)
    months = {"month": 1, "quarter": 3, "year": 12}[kind] * steps
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def calendar_period(kind: str, first_day: date, timezone: str = "UTC") -> Period:
    """A calendar period starting on `first_day` (a Monday for weeks, the 1st for months …)."""
    if kind == "week":
        year, week, _ = first_day.isocalendar()
        label = f"{year}-W{week:02d}"
    elif kind == "month":
        label = f"{first_day.year}-{first_day.month:02d}"
    elif kind == "quarter":
        label = f"{first_day.year}-Q{(first_day.month - 1) // 3 + 1}"
    elif kind == "year":
        label = f"{first_day.year}"
    else:
        label = first_day.isoformat()
    end = _shift(kind, first_day, 1)
    return Period(label, kind, _local_midnight(first_day, timezone), _local_midnight(end, timezone), timezone, first_day)


def parse_period(text: str, timezone: str = "UTC") -> Period:
    """'2026-W12', '2026-03', '2026-Q1', '2026' or '2026-03-16' → Period (local calendar in `timezone`)."""
    value = text.strip()
    try:
        if match := _WEEK.match(value):
            return calendar_period("week", date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1), timezone)
        if match := _QUARTER.match(value):
            return calendar_period("quarter", date(int(match.group(1)), 3 * int(match.group(2)) - 2, 1), timezone)
        if match := _MONTH.match(value):
            return calendar_period("month", date(int(match.group(1)), int(match.group(2)), 1), timezone)
        if match := _YEAR.match(value):
            return calendar_period("year", date(int(match.group(1)), 1, 1), timezone)
        if match := _DAY.match(value):
            return calendar_period("day", date(int(match.group(1)), int(match.group(2)), int(match.group(3))), timezone)
    except ValueError:
        raise UsageError(f"--period {text!r} is not a valid date", hint=PERIOD_HINT) from None
    raise UsageError(f"--period {text!r} is not a period", hint=PERIOD_HINT)


def is_period(text: str) -> bool:
    value = text.strip()
    return any(p.match(value) for p in (_WEEK, _MONTH, _QUARTER, _YEAR, _DAY))


def range_period(since: str | None, until: str | None, timezone: str = "UTC") -> Period:
    """--since/--until as a period (either may be open)."""
    from cxmine.core.normalise import parse_bound  # noqa: PLC0415

    if since is None and until is None:
        return WHOLE_LOG
    start = parse_bound(since, flag="--since", timezone=timezone) if since else None
    end = parse_bound(until, flag="--until", timezone=timezone) if until else None
    if start is not None and end is not None and end <= start:
        raise UsageError(f"--until {until} is not after --since {since}", hint="swap them")
    if start is not None and end is not None:
        label = f"{since} → {until}"
    elif start is not None:
        label = f"from {since}"
    else:
        label = f"before {until}"
    return Period(label, "range", start, end, timezone)


def iso_week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


# ---------------------------------------------------------------------------------------------------------------
# Slicing a log by case start


def case_start_times(events: pd.DataFrame) -> tuple[np.ndarray, pd.Series]:
    """(case codes present, their start instants): the first event of each case (the table is sorted)."""
    rows = np.flatnonzero(case_starts(events))
    return events[schema.CASE].cat.codes.to_numpy()[rows], events[schema.TIMESTAMP].iloc[rows].reset_index(drop=True)


def slice_log(log: EventLog, since: pd.Timestamp | None, until: pd.Timestamp | None, *, what: str = "the period") -> EventLog:
    """The whole cases of `log` that start in [since, until). Unused categories are dropped, so case codes
    stay dense (the engine indexes per-case arrays by code). The same object comes back when nothing is cut."""
    events = log.events
    if events.empty:
        raise InputError("the log has no events", file=log.source)
    codes, starts = case_start_times(events)
    ok = np.ones(len(codes), dtype=bool)
    if since is not None:
        ok &= (starts >= since).to_numpy()
    if until is not None:
        ok &= (starts < until).to_numpy()
    n_categories = len(events[schema.CASE].cat.categories)
    if ok.all() and len(codes) == n_categories:
        return log
    if not ok.any():
        raise InputError(
            f"no case starts in {what}",
            file=log.source,
            hint=f"cases in the log start from {starts.min():%Y-%m-%d} to {starts.max():%Y-%m-%d}",
        )
    keep_case = np.zeros(n_categories, dtype=bool)
    keep_case[codes[ok]] = True
    frame = events.loc[keep_case[events[schema.CASE].cat.codes.to_numpy()]].reset_index(drop=True)
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].cat.remove_unused_categories()
    return replace(log, events=frame)


def complaints_for(complaints: pd.DataFrame | None, events: pd.DataFrame) -> pd.DataFrame | None:
    """The complaints that can belong to the sliced log: those of its cases, and those known only by
    customer (matched by customer and time later). Complaints of other periods' cases are left out."""
    if complaints is None:
        return None
    from cxmine.core.outcomes import complaints_about  # noqa: PLC0415

    return complaints_about(complaints, pd.Index(events[schema.CASE].cat.categories.astype(str)))[0]


# ---------------------------------------------------------------------------------------------------------------
# Candidates again, for their per-case masks and measured values


# ---------------------------------------------------------------------------------------------------------------
# The report


def _r(value: float | None, digits: int = 6) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if not np.isfinite(value) else round(value, digits)


@dataclass(frozen=True)
class Headline:
    """The numbers at the top: volume, lead time, complaints, promise keeping."""

    cases: int
    events: int
    first_case_start: str | None
    last_case_start: str | None
    lead_time_p50_seconds: float | None
    lead_time_p90_seconds: float | None
    complaints: int | None  # complaints matched to the period's cases; None without a complaint source
    complaint_rate: float | None  # share of cases with at least one complaint
    promise_keeping: float | None  # kept / all promise outcomes, over every promise
    promises: tuple[dict[str, Any], ...] = ()
    open_cases: int = 0  # still open at the log's end (right-censored)
    lead_time_basis: str = "ended cases"  # lead times are over cases that have ended
    value: dict[str, Any] | None = None  # [value]: {currency, total, total_if_fixed} over the ranked points

    def to_dict(self) -> dict[str, Any]:
        return {
            "cases": int(self.cases),
            "events": int(self.events),
            "first_case_start": self.first_case_start,
            "last_case_start": self.last_case_start,
            "open_cases": int(self.open_cases),
            "open_share": _r(self.open_cases / self.cases) if self.cases else None,
            "lead_time_basis": self.lead_time_basis,
            "lead_time_p50_seconds": _r(self.lead_time_p50_seconds, 3),
            "lead_time_p90_seconds": _r(self.lead_time_p90_seconds, 3),
            "complaints": self.complaints,
            "complaint_rate": _r(self.complaint_rate),
            "promise_keeping": _r(self.promise_keeping),
            "promises": [dict(p) for p in self.promises],
            "value": self.value,
        }


@dataclass(frozen=True)
class WaitDistribution:
    """The measured durations behind a time-based friction point (all occurrences, not only affected)."""

    rank: int
    kind: str
    label: str
    key: MatchKey
    count: int
    threshold_seconds: float | None
    quantiles_seconds: dict[str, float]  # p5, p25, p50, p75, p95, max

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "kind": self.kind,
            "label": self.label,
            "match_key": list(self.key),
            "count": int(self.count),
            "threshold_seconds": _r(self.threshold_seconds, 3),
            "quantiles_seconds": {k: _r(v, 3) for k, v in self.quantiles_seconds.items()},
        }


@dataclass(frozen=True)
class TrendSeries:
    """Per ISO week: the share of cases (starting that week) that a point affects."""

    rank: int
    kind: str
    label: str
    key: MatchKey
    affected: tuple[int | None, ...]  # None: not measured (redacted small week, or not a candidate then)
    shares: tuple[float | None, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "kind": self.kind,
            "label": self.label,
            "match_key": list(self.key),
            "cases_affected": [None if a is None else int(a) for a in self.affected],
            "shares": [_r(s) for s in self.shares],
        }


@dataclass(frozen=True)
class Trend:
    """Weekly trend of the top points over the weeks ending with the period (thresholds from those weeks together)."""

    weeks: tuple[str, ...] = ()
    week_starts: tuple[str, ...] = ()
    cases: tuple[int, ...] = ()
    in_period: tuple[bool, ...] = ()
    series: tuple[TrendSeries, ...] = ()
    open_share: tuple[float, ...] = ()  # per week: cases still open at the log's end
    incomplete: tuple[bool, ...] = ()  # per week: more than INCOMPLETE_SHARE of its cases are still open

    def to_dict(self) -> dict[str, Any]:
        return {
            "weeks": list(self.weeks),
            "week_starts": list(self.week_starts),
            "cases": [int(c) for c in self.cases],
            "in_period": list(self.in_period),
            "open_share": [_r(x) for x in self.open_share],
            "incomplete": list(self.incomplete),
            "series": [s.to_dict() for s in self.series],
        }


@dataclass(frozen=True)
class TagCount:
    name: str
    complaints: int
    cases: int
    share: float  # of the period's matched complaints

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "complaints": int(self.complaints), "cases": int(self.cases), "share": _r(self.share)}


@dataclass(frozen=True)
class Report:
    """The weekly CX friction report. `friction` is the full friction analysis of the period;
    `keys[i]` and `example_cases[i]` belong to `friction.friction_points[i]`."""

    source: str
    period: Period
    headline: Headline
    friction: FrictionReport
    keys: tuple[MatchKey, ...]
    example_cases: tuple[tuple[str, ...], ...]
    trend: Trend
    wait_distributions: tuple[WaitDistribution, ...]
    complaint_tags: tuple[TagCount, ...]
    quality: tuple[QualityFinding, ...]
    top: int = 10
    comparison: "Comparison | None" = None
    gates: tuple["GateResult", ...] = ()
    redaction: dict[str, Any] | None = None
    generated_at: str | None = None
    notes: tuple[str, ...] = field(default=())
    journeys: dict[str, Any] | None = None  # with [[sources]]: the portfolio, the top cross-process points, the journey map

    @property
    def points(self):
        return self.friction.friction_points

    @property
    def critical(self):
        return tuple(p for p in self.friction.friction_points if p.critical)

    @property
    def warnings(self) -> list[dict[str, Any]]:
        """Load warnings and analysis notes, as in the friction JSON."""
        return self.friction.to_dict()["warnings"]

    def to_dict(self) -> dict[str, Any]:
        friction = self.friction.to_dict()
        for point, key, examples in zip(friction["friction_points"], self.keys, self.example_cases):
            point["match_key"] = list(key)
            point["example_cases"] = list(examples)
        out: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "kind": "report"}
        if self.generated_at is not None:
            out["generated_at"] = self.generated_at
        out.update(
            {
                "source": self.source,
                "period": self.period.to_dict(),
                "redaction": self.redaction,
                "headline": self.headline.to_dict(),
                "critical_count": len(self.critical),
                "friction": friction,
                "trend": self.trend.to_dict(),
                "wait_distributions": [w.to_dict() for w in self.wait_distributions],
                "complaint_tags": [t.to_dict() for t in self.complaint_tags],
                "quality": [q.to_dict() for q in self.quality],
                "notes": list(self.notes),
                "comparison": None if self.comparison is None else self.comparison.to_dict(),
                "gates": [g.to_dict() for g in self.gates],
                "journeys": self.journeys,
            }
        )
        return out


@dataclass(frozen=True)
class PeriodCases:
    """What the report reads per case of one window of cases, whichever engine computed it (index: the
    window's case index, as its candidates number the cases): when each case started (its first event), whether
    it has ended (core.shapes.case_status with the config's end activities) and its lead time."""

    starts: pd.Series  # UTC instants
    ended: np.ndarray
    lead_seconds: np.ndarray
    candidates: list

    @classmethod
    def of_log(cls, log: EventLog, config: Config, candidates: list) -> PeriodCases:
        """The cases of an event table (sorted, dense case codes, as slice_log leaves them)."""
        from cxmine.core.journey import case_durations  # noqa: PLC0415
        from cxmine.core.shapes import case_status  # noqa: PLC0415

        events = log.events
        _codes, starts = case_start_times(events)
        ended = case_status(events, config.journey.end_activities)["ended"].to_numpy(dtype=bool)
        return cls(starts, ended, case_durations(events), candidates)


def promise_counts_of(config: Config, promise_rows: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Each configured promise's cases per state (core.timings.promise_counts) from the pandas engine's rows."""
    from cxmine.core.timings import promise_counts  # noqa: PLC0415

    out = []
    for index, _promise in enumerate(config.promises):
        mine = promise_rows.loc[promise_rows["promise"] == index] if promise_rows is not None else pd.DataFrame(columns=["state"])
        out.append(promise_counts(mine))
    return out


def _headline(cases: PeriodCases, config: Config, friction: FrictionReport, totals: tuple[int, int], promise_counts: list[dict[str, Any]]) -> Headline:
    """`totals`: (cases, events) of the period; `promise_counts`: per configured promise, its cases per state."""
    starts = cases.starts
    rows: list[dict[str, Any]] = []
    kept_total = due_total = 0
    for promise, counts in zip(config.promises, promise_counts):
        kept_total += counts["kept"]
        due_total += counts["due"]
        rows.append(
            {
                "name": promise.name,
                "from_activity": promise.from_activity,
                "to_activity": promise.to_activity,
                "within_seconds": float(promise.within_seconds),
                "cases": counts["due"],
                "kept": counts["kept"],
                "kept_share": _r(counts["kept"] / counts["due"]) if counts["due"] else None,
                **{k: counts[k] for k in ("applies", "late", "open_past_due", "void", "pending", "breach_rate")},
            }
        )
    # Lead times over the cases that have ended: an open case's lead time so far is not its lead time.
    ended = cases.ended
    lead = np.asarray(cases.lead_seconds, dtype=float)[ended]
    durations = {"p50": float(np.percentile(lead, 50)), "p90": float(np.percentile(lead, 90))} if lead.size else {}
    has_complaints = friction.complaints_total > 0 or friction.complaint_rate is not None
    value = friction.to_dict()["value"] if friction.currency is not None else None
    return Headline(
        value=value,
        open_cases=int((~ended).sum()),
        cases=int(totals[0]),
        events=int(totals[1]),
        first_case_start=starts.min().isoformat() if len(starts) else None,
        last_case_start=starts.max().isoformat() if len(starts) else None,
        lead_time_p50_seconds=durations.get("p50"),
        lead_time_p90_seconds=durations.get("p90"),
        complaints=int(friction.complaints_matched) if has_complaints else None,
        complaint_rate=friction.complaint_rate if has_complaints else None,
        promise_keeping=kept_total / due_total if due_total else None,
        promises=tuple(rows),
    )


def _distribution(values: np.ndarray) -> dict[str, float]:
    names = ("p5", "p25", "p50", "p75", "p95", "max")
    quantiles = np.percentile(values, [5, 25, 50, 75, 95, 100])
    return {n: float(q) for n, q in zip(names, quantiles)}


def _wait_distributions(points, by_key: dict[MatchKey, Any], top: int) -> tuple[WaitDistribution, ...]:
    from cxmine.friction import kinds  # noqa: PLC0415

    out = []
    for point in points[:top]:
        if not kinds.get(point.kind).customer_time:
            continue
        candidate = by_key.get(point_key(point))
        if candidate is None:
            continue
        values = np.asarray(candidate.values, dtype=float)
        values = values[np.isfinite(values)]
        if values.size == 0:
            continue
        out.append(WaitDistribution(point.rank, point.kind, point.label, point_key(point), int(values.size), point.threshold_seconds, _distribution(values)))
        if len(out) == WAIT_POINTS:
            break
    return tuple(out)


def _trend_points(points) -> list:
    """The critical few, topped up with the next points, at most TREND_POINTS."""
    chosen = [p for p in points if p.critical][:TREND_POINTS]
    target = max(len(chosen), min(5, TREND_POINTS))
    ranks = {p.rank for p in chosen}
    for point in points:
        if len(chosen) >= target:
            break
        if point.rank not in ranks:
            chosen.append(point)
            ranks.add(point.rank)
    return sorted(chosen, key=lambda p: p.rank)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _overlaps(period: Period, monday: date) -> bool:
    """Does the ISO week starting on `monday` overlap the period?"""
    start = _local_midnight(monday, period.timezone)
    end = _local_midnight(monday + timedelta(weeks=1), period.timezone)
    return (period.until is None or start < period.until) and (period.since is None or end > period.since)


def _trend(history: PeriodCases, points, period: Period, weeks: int, last_monday: date) -> Trend:
    """Share of cases affected per ISO week, for each trend point: one scatter-add over (case, point).

    Leading weeks before the first case are left out (a log shorter than the window). A point that is not
    a candidate over the trend weeks (e.g. a complaint hotspot only in this period) gets no values. A week is
    incomplete when more than INCOMPLETE_SHARE of its cases are still open (by the config's end activities,
    as the headline counts them)."""
    first_monday = last_monday - timedelta(weeks=weeks - 1)
    starts = history.starts
    local = starts.dt.tz_convert(period.timezone).dt.tz_localize(None).dt.normalize()
    days = ((local - pd.Timestamp(first_monday)) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    week_of_case = np.floor(days / 7).astype(np.int64)
    valid = (week_of_case >= 0) & (week_of_case < weeks)
    cases_per_week = np.bincount(week_of_case[valid], minlength=weeks)
    still_open = ~np.asarray(history.ended, dtype=bool)
    open_per_week = np.bincount(week_of_case[valid], weights=still_open[valid], minlength=weeks)
    first_week = int(np.flatnonzero(cases_per_week)[0]) if cases_per_week.any() else weeks - 1
    mondays = [first_monday + timedelta(weeks=i) for i in range(first_week, weeks)]

    chosen = _trend_points(points)
    by_key: dict[MatchKey, Any] = {}
    for c in history.candidates:
        by_key.setdefault(candidate_key(c), c)
    found = [by_key.get(point_key(point)) for point in chosen]
    masks = np.zeros((len(week_of_case), len(chosen)), dtype=np.int64)
    for column, candidate in enumerate(found):
        if candidate is not None:
            masks[candidate.cases, column] = 1
    affected = np.zeros((weeks, len(chosen)), dtype=np.int64)
    np.add.at(affected, week_of_case[valid], masks[valid])
    affected = affected[first_week:]
    cases_per_week = cases_per_week[first_week:]
    open_share = np.where(cases_per_week > 0, open_per_week[first_week:] / np.maximum(cases_per_week, 1), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(cases_per_week[:, None] > 0, affected / np.maximum(cases_per_week[:, None], 1), np.nan)
    series = []
    for column, (point, candidate) in enumerate(zip(chosen, found)):
        if candidate is None:
            values: tuple = (None,) * len(mondays)
            counts: tuple = (None,) * len(mondays)
        else:
            values = tuple(None if np.isnan(s) else float(s) for s in shares[:, column])
            counts = tuple(int(a) for a in affected[:, column])
        series.append(TrendSeries(point.rank, point.kind, point.label, point_key(point), counts, values))
    return Trend(
        weeks=tuple(iso_week_label(m) for m in mondays),
        week_starts=tuple(m.isoformat() for m in mondays),
        cases=tuple(int(c) for c in cases_per_week),
        in_period=tuple(_overlaps(period, m) for m in mondays),
        series=tuple(series),
        open_share=tuple(float(x) for x in open_share),
        incomplete=tuple(bool(x > INCOMPLETE_SHARE) for x in open_share),
    )


def _complaint_tags(located: pd.DataFrame | None) -> tuple[TagCount, ...]:
    if located is None or located.empty:
        return ()
    tags = located["tag"].astype(str)
    grouped = pd.DataFrame({"tag": tags.to_numpy(), "case": located["case"].to_numpy()}).groupby("tag", sort=True)
    total = len(located)
    rows = [TagCount(str(name), int(len(group)), int(group["case"].nunique()), len(group) / total) for name, group in grouped]
    return tuple(sorted(rows, key=lambda t: (-t.complaints, t.name)))


def history_window(starts: pd.Series | None, period: Period, weeks: int) -> tuple[pd.Timestamp, date]:
    """(first instant, last Monday) of the `weeks` ISO weeks that end with the period (or with the week of the
    last case start, `starts`' latest, when the period has no end)."""
    if period.until is not None:
        last = (period.until - pd.Timedelta(microseconds=1)).tz_convert(period.timezone)
    else:
        last = starts.max().tz_convert(period.timezone)
    last_monday = _monday(last.date())
    first_monday = last_monday - timedelta(weeks=weeks - 1)
    return _local_midnight(first_monday, period.timezone), last_monday


def same_cases(current: PeriodCases, period: Period, since: pd.Timestamp) -> bool:
    """Do the cases starting in [since, period.until) equal the period's own? (Then the trend reuses its candidates.)"""
    return (period.since is None or since >= period.since) and (len(current.starts) == 0 or since <= current.starts.min())


def build_report(
    log: EventLog,
    config: Config,
    complaints: pd.DataFrame | None = None,
    *,
    period: Period = WHOLE_LOG,
    top: int = 10,
    trend_weeks: int = 12,
    complaint_notes: tuple[Warning_, ...] = (),
    now: pd.Timestamp | None = None,
    progress: Progress | None = None,
    describe: Callable[[Any], str] | None = None,
    scores: dict[str, pd.DataFrame] | None = None,
) -> Report:
    """The report for the cases of `log` that start in `period` (the log may hold more: earlier weeks feed
    the trend). `complaints` is the table from `cxmine.io.complaints` (None: no complaint source).
    The friction signals run once on the period (and once more on the trend weeks only when those hold
    other cases); `describe` writes the points' sentences (cxmine.render.sentences.sentence)."""
    from cxmine.core.summary import summarise  # noqa: PLC0415
    from cxmine.friction.engine import detect, rank  # noqa: PLC0415

    say = progress or (lambda _message: None)
    if trend_weeks < 1:
        raise UsageError("--trend-weeks must be at least 1")
    say(f"Selecting {period.label}…")
    current = slice_log(log, period.since, period.until, what=f"{period.label}")
    sliced = current is not log
    current_complaints = complaints_for(complaints, current.events) if sliced else complaints

    say(f"Ranking friction in {period.label}…")
    stage = detect(current, config, current_complaints, notes=list(complaint_notes), scores=scores)
    friction = rank(stage, config, describe=describe)
    located = stage.located if stage.have_complaints and not stage.located.empty else None
    say("Summarising the log…")
    summary = summarise(current, top_variants=1, now=now)
    case_ids = stage.journey.case_ids

    def history_of(since: pd.Timestamp) -> PeriodCases | None:
        try:
            history = slice_log(log, since, period.until, what="the trend weeks")
        except InputError:
            return None
        history_complaints = complaints_for(complaints, history.events)
        found = detect(history, config, history_complaints if history_complaints is not None and len(history_complaints) else None, scores=scores).candidates
        return PeriodCases.of_log(history, config, found)

    return assemble_report(
        log.source, period, config, friction, PeriodCases.of_log(current, config, stage.candidates),
        totals=(summary.cases, summary.events), quality=tuple(summary.quality), promise_counts=promise_counts_of(config, stage.journey.promise_outcomes),
        name_cases=lambda index: [str(case_ids[i]) for i in index], history_of=history_of, located=located, top=top, trend_weeks=trend_weeks, progress=say,
    )


def assemble_report(
    source: str,
    period: Period,
    config: Config,
    friction: FrictionReport,
    current: PeriodCases,
    *,
    totals: tuple[int, int],
    quality: tuple[QualityFinding, ...],
    promise_counts: list[dict[str, Any]],
    name_cases: Callable[[np.ndarray], list[str]],
    history_of: Callable[[pd.Timestamp], PeriodCases | None],
    located: pd.DataFrame | None = None,
    top: int = 10,
    trend_weeks: int = 12,
    progress: Progress | None = None,
) -> Report:
    """The report from one period's ranked friction and cases, whichever engine computed them: `totals` are
    its (cases, events), `promise_counts` each promise's cases per state, `name_cases` the case ids of case
    indices, `history_of(since)` the cases starting in [since, period.until) for the trend (None: none; only
    asked when those are other cases than the period's), `located` the complaints matched to its cases."""
    say = progress or (lambda _message: None)
    points = friction.friction_points
    say("Collecting evidence…")
    by_key: dict[MatchKey, Any] = {}
    for c in current.candidates:
        by_key.setdefault(candidate_key(c), c)
    keys = tuple(point_key(p) for p in points)
    chosen = [np.asarray(by_key[key].cases[:EXAMPLE_CASES], dtype=np.int64) if key in by_key else np.empty(0, dtype=np.int64) for key in keys]
    every = np.concatenate(chosen) if chosen else np.empty(0, dtype=np.int64)
    names = iter(name_cases(every) if every.size else [])
    examples = [tuple(next(names) for _ in range(len(index))) for index in chosen]
    headline = _headline(current, config, friction, totals, promise_counts)

    say("Weekly trend…")
    trend_since, last_monday = history_window(current.starts, period, trend_weeks)
    history = current if same_cases(current, period, trend_since) else (history_of(trend_since) or current)
    trend = _trend(history, points, period, trend_weeks, last_monday)

    return Report(
        source=source,
        period=period,
        headline=headline,
        friction=friction,
        keys=keys,
        example_cases=tuple(examples),
        trend=trend,
        wait_distributions=_wait_distributions(points, by_key, top),
        complaint_tags=_complaint_tags(located),
        quality=quality,
        top=top,
    )
