"""Which cases a report run needs: the period asked for, the baseline (a period or a report.json), and the
load window that covers both plus the trend weeks — so the log is read once, and only what is needed."""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cxmine.errors import InputError, UsageError
from cxmine.model import LoadOptions
from cxmine.report.build import Period, history_window, is_period, parse_period, range_period


@dataclass(frozen=True)
class ReportWindow:
    period: Period
    baseline_period: Period | None = None
    baseline_file: Path | None = None
    load: LoadOptions = LoadOptions()  # the log-reading options, with since/until covering every period needed

    @property
    def baseline_label(self) -> str | None:
        if self.baseline_period is not None:
            return self.baseline_period.label
        return str(self.baseline_file) if self.baseline_file is not None else None


def baseline_file_of(compare: str | None) -> Path | None:
    """`--compare` names a file when it is neither 'previous' nor a period."""
    return Path(compare) if compare and compare != "previous" and not is_period(compare) else None


def plan(period: str | None, since: str | None, until: str | None, compare: str | None, options: LoadOptions, trend_weeks: int) -> ReportWindow:
    """The report's period, its baseline and the load window, from the command's options (the timezone of
    local calendar periods is the log's: `options.timezone`)."""
    if period and (since or until):
        raise UsageError("--period cannot be combined with --since/--until", hint="use one of them to choose the period")
    chosen = parse_period(period, options.timezone) if period else range_period(since, until, options.timezone)
    baseline_file = baseline_file_of(compare)
    baseline_period = None
    if compare == "previous":
        baseline_period = chosen.previous()
    elif compare and baseline_file is None:
        baseline_period = parse_period(compare, options.timezone)
    return ReportWindow(chosen, baseline_period, baseline_file, _load_window(chosen, baseline_period, options, trend_weeks))


def _load_window(chosen: Period, baseline: Period | None, options: LoadOptions, trend_weeks: int) -> LoadOptions:
    """since/until covering the period, the trend weeks before it and the baseline period."""
    if chosen.kind == "all":
        return replace(options, since=None, until=None)
    starts = [chosen.since]
    if chosen.until is not None:
        starts.append(history_window(None, chosen, trend_weeks)[0])
    if baseline is not None:
        starts.append(baseline.since)
    earliest = None if any(s is None for s in starts) else min(starts)
    ends = [chosen.until] + ([baseline.until] if baseline is not None and baseline.until is not None else [])
    latest = None if chosen.until is None else max(ends)
    return replace(options, since=earliest.isoformat() if earliest is not None else None, until=latest.isoformat() if latest is not None else None)


def read_baseline(path: Path) -> dict[str, Any]:
    """A report.json written earlier, as a dict (InputError with the line when it is not JSON)."""
    if not path.is_file():
        raise InputError("baseline file not found", file=str(path), hint="pass a report.json written earlier, 'previous' or a period such as 2026-W11")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError("the baseline is not valid JSON", file=str(path), line=getattr(exc, "lineno", None), hint="pass a report.json written by 'cxmine report'") from None


def no_case_in(window: ReportWindow, exc: InputError) -> InputError:
    """The loader's "no case starts inside --since/--until" in the user's words (the window is ours)."""
    if not exc.what.startswith("no case starts inside"):
        return exc
    label = window.period.label + (f" or {window.baseline_period.label}" if window.baseline_period is not None else "")
    return InputError(f"no case starts in {label}", file=exc.file, hint=exc.hint)
