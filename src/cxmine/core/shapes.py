"""Real log shapes, cleaned before analysis (`[prepare]` and the matching CLI flags), every change counted:

- values that mean "missing" ("?", "NULL", "N/A") become missing in every text column (resources and
  teams included); an event whose case or activity is such a marker cannot be used and is dropped;
- exact duplicate events (same case, activity, timestamp and resource) keep one copy (`drop_duplicates`);
- consecutive events of one activity in a case collapse into the first (`merge_repeats`, for snapshot logs
  that write one row per state update);
- lifecycle events that are not completions (`schedule`, custom statuses) are never an occurrence of the
  step: they are left out of the analysis (always; start/complete pairs are already one instance).

Vectorised: masks over the sorted canonical table, then one row selection.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from cxmine.core import schema
from cxmine.core.journey import case_starts
from cxmine.model import EventLog, Warning_


def shape_counts(events: pd.DataFrame, missing: tuple[str, ...] = ()) -> dict[str, int]:
    """What `inspect` reports: exact duplicate events, consecutive repeats, marker values, non-complete lifecycle events."""
    dup_columns = [c for c in (schema.CASE, schema.ACTIVITY, schema.TIMESTAMP, schema.RESOURCE) if c in events.columns]
    case = events[schema.CASE].cat.codes.to_numpy()
    activity = events[schema.ACTIVITY].cat.codes.to_numpy()
    repeat = np.zeros(len(events), dtype=bool)
    repeat[1:] = (case[1:] == case[:-1]) & (activity[1:] == activity[:-1])
    return {
        "duplicate_events": int(events.duplicated(subset=dup_columns).sum()) if len(events) else 0,
        "consecutive_repeats": int(repeat.sum()),
        "marker_values": int(sum(_marker_mask(events[c], missing).sum() for c in _text_columns(events))) if missing else 0,
        "non_complete_lifecycle": int(_not_complete(events).sum()),
    }


def _text_columns(events: pd.DataFrame) -> list[str]:
    skip = {schema.TIMESTAMP, schema.START}
    return [c for c in events.columns if c not in skip and (isinstance(events[c].dtype, pd.CategoricalDtype) or events[c].dtype == object or pd.api.types.is_string_dtype(events[c].dtype))]


def _marker_mask(column: pd.Series, missing: tuple[str, ...]) -> np.ndarray:
    if isinstance(column.dtype, pd.CategoricalDtype):
        hit = np.flatnonzero(pd.Index(column.cat.categories.astype(str).str.strip()).isin(missing))
        return np.isin(column.cat.codes.to_numpy(), hit) if hit.size else np.zeros(len(column), dtype=bool)
    return column.astype("string").str.strip().isin(missing).fillna(False).to_numpy(dtype=bool)


def _not_complete(events: pd.DataFrame) -> np.ndarray:
    if schema.LIFECYCLE not in events.columns:
        return np.zeros(len(events), dtype=bool)
    life = events[schema.LIFECYCLE]
    if not isinstance(life.dtype, pd.CategoricalDtype):
        life = life.astype("category")
    folded = life.cat.categories.astype(str).str.casefold()
    other = np.flatnonzero(~folded.isin(["complete", "completed"]))
    return np.isin(life.cat.codes.to_numpy(), other)


def prepare_log(
    log: EventLog, drop_duplicates: bool = False, merge_repeats: bool = False, missing: tuple[str, ...] = (), keep_lifecycle: bool = False,
) -> tuple[EventLog, tuple[Warning_, ...]]:
    """The log cleaned as `[prepare]` says (see the module docstring), and one counted note per change.
    `keep_lifecycle`: the lifecycle is part of the activity names (--lifecycle-in-activity), keep every event."""
    events = log.events
    notes: list[Warning_] = []
    if events.empty:
        return log, ()
    if missing:
        events = events.copy()
        marked = 0
        for column in _text_columns(events):
            mask = _marker_mask(events[column], missing)
            if mask.any():
                marked += int(mask.sum())
                if isinstance(events[column].dtype, pd.CategoricalDtype):
                    keep = [c for c in events[column].cat.categories if str(c).strip() not in missing]
                    events[column] = events[column].cat.set_categories(keep)
                else:
                    events[column] = events[column].mask(mask)
        if marked:
            notes.append(Warning_("missing_markers", f"values {', '.join(repr(m) for m in missing)} read as missing", marked))
    drop = np.zeros(len(events), dtype=bool)
    unusable = (events[schema.CASE].isna() | events[schema.ACTIVITY].isna()).to_numpy()
    if unusable.any():
        notes.append(Warning_("marker_rows_dropped", "events whose case or activity is a missing-value marker were dropped", int(unusable.sum())))
        drop |= unusable
    lifecycle = (_not_complete(events) & ~drop) if not keep_lifecycle else np.zeros(len(events), dtype=bool)
    if lifecycle.any():
        values = sorted(set(events.loc[lifecycle, schema.LIFECYCLE].astype(str)))[:3]
        notes.append(Warning_("non_complete_events", f"lifecycle events that are not completions ({', '.join(values)}) are not counted as occurrences of a step", int(lifecycle.sum())))
        drop |= lifecycle
    if drop_duplicates:
        columns = [c for c in (schema.CASE, schema.ACTIVITY, schema.TIMESTAMP, schema.RESOURCE) if c in events.columns]
        duplicate = events.duplicated(subset=columns).to_numpy() & ~drop
        if duplicate.any():
            notes.append(Warning_("duplicates_dropped", "exact duplicate events (same case, activity, timestamp, resource) dropped", int(duplicate.sum())))
            drop |= duplicate
    if merge_repeats:
        kept = np.flatnonzero(~drop)
        case = events[schema.CASE].cat.codes.to_numpy()[kept]
        activity = events[schema.ACTIVITY].cat.codes.to_numpy()[kept]
        repeat = np.zeros(len(kept), dtype=bool)
        repeat[1:] = (case[1:] == case[:-1]) & (activity[1:] == activity[:-1])
        if repeat.any():
            notes.append(Warning_("repeats_merged", "consecutive events of the same activity in a case merged into one (snapshot rows)", int(repeat.sum())))
            drop[kept[repeat]] = True
    if not drop.any():
        return (replace(log, events=events) if events is not log.events else log), tuple(notes)
    events = events.loc[~drop].reset_index(drop=True)
    for column in (schema.CASE, schema.ACTIVITY):  # per-case arrays are indexed by code: keep codes dense
        events[column] = events[column].cat.remove_unused_categories()
    return replace(log, events=events), tuple(notes)


def where_cases(log: EventLog, conditions: tuple[str, ...]) -> EventLog:
    """Keep the whole cases where every `attribute=value` condition holds for at least one event (case
    attributes hold on every event of the case). Raises InputError for a malformed condition or an
    unknown attribute, and when no case is left."""
    from cxmine.errors import InputError, UsageError  # noqa: PLC0415

    if not conditions:
        return log
    events = log.events
    keep = np.ones(events[schema.CASE].cat.categories.size, dtype=bool)
    case = events[schema.CASE].cat.codes.to_numpy()
    for condition in conditions:
        name, sep, value = condition.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name:
            raise UsageError(f"--where {condition!r} is not attribute=value", hint="write e.g. --where channel=phone (repeat for several)")
        column = name if name in events.columns else (f"case:{name}" if f"case:{name}" in events.columns else None)
        if column is None:
            from cxmine.matching import closest  # noqa: PLC0415

            guess = closest(name, [str(c) for c in events.columns])
            raise UsageError(f"--where: no attribute {name!r} in the log", hint=(f"did you mean {guess!r}? " if guess else "") + f"attributes: {', '.join(map(str, events.columns[:30]))}")
        hit = (events[column].astype("string") == value).fillna(False).to_numpy(dtype=bool)
        if not hit.any():
            present = events[column].dropna().astype("string").unique()[:12]
            raise UsageError(f"--where: no event has {name} = {value!r}", hint=f"values of {name}: {', '.join(map(str, present))} (compared as text, case-sensitive)")
        keep &= np.bincount(case[hit], minlength=keep.size) > 0
    if not keep.any():
        raise InputError(f"no case matches --where {' and '.join(conditions)}", file=log.source, hint="check the attribute value (it is compared as text)")
    rows = keep[case]
    events = events.loc[rows].reset_index(drop=True)
    for column in events.columns:
        if isinstance(events[column].dtype, pd.CategoricalDtype):
            events[column] = events[column].cat.remove_unused_categories()
    return replace(log, events=events, warnings=log.warnings + (Warning_("where", f"kept the {int(keep.sum()):,} cases where {' and '.join(conditions)}", 1),))


def case_status(events: pd.DataFrame, end_activities: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per case index: last event time and activity, and whether the case has ended or is still open at
    the log's end (right-censored).

    Ended: its last activity is a configured end activity; without configuration, an activity that is the
    last event of its case in at least 95% of its occurrences (and ends at least 1% of cases); or the
    case has been quiet for longer than 99% of the gaps between consecutive events of any case."""
    from cxmine.matching import matches  # noqa: PLC0415

    first = case_starts(events)
    last = np.roll(first, -1)
    if len(last):
        last[-1] = True
    codes = events[schema.ACTIVITY].cat.codes.to_numpy()
    names = [str(c) for c in events[schema.ACTIVITY].cat.categories]
    times = events[schema.TIMESTAMP]
    last_code = codes[last]
    if end_activities:
        chosen = matches(names, end_activities)
        terminal = np.array([name in chosen for name in names], dtype=bool)
    else:
        occurrences = np.bincount(codes, minlength=len(names))
        as_last = np.bincount(last_code, minlength=len(names))
        with np.errstate(divide="ignore", invalid="ignore"):
            terminal = (as_last >= 0.95 * occurrences) & (as_last >= max(1, 0.01 * last_code.size))
    time_ns = times.dt.as_unit("ns").astype("int64").to_numpy().astype(float)
    gaps = np.diff(time_ns)[~first[1:]] if len(time_ns) > 1 else np.array([])
    quiet = float(np.percentile(gaps, 99)) if gaps.size else 0.0
    log_end = float(np.nanmax(time_ns)) if time_ns.size else 0.0
    last_time = time_ns[last]
    ended = terminal[last_code] | ((log_end - last_time) > quiet)
    return pd.DataFrame({"last_ns": last_time, "last_activity": pd.Categorical.from_codes(last_code, events[schema.ACTIVITY].cat.categories), "ended": ended})
