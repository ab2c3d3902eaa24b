"""Turn a raw frame (original column names, as read from any file) into the canonical event table.

One function, `normalise`, used by every reader, so XES, CSV and Parquet logs end up identical:
resolve the column mapping, parse only the mapped timestamp columns, drop (and count) unusable rows,
pair lifecycle start/complete events into one activity instance, make repeated strings categorical,
and sort by case, then time, keeping ties in file order.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from cxmine.core import schema
from cxmine.errors import InputError
from cxmine.model import LoadOptions, Warning_

TIME_DTYPE = "datetime64[us, UTC]"
# More unparsable timestamps than this share stops the load: it is a format problem, not a few bad rows.
UNPARSABLE_LIMIT = 0.01
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})\s*$")


@dataclass
class Normalised:
    events: pd.DataFrame
    columns_used: dict[str, str | None]
    warnings: list[Warning_] = field(default_factory=list)
    rows_unusable: int = 0


def resolve_mapping(columns: list[str], options: LoadOptions, *, source: str) -> dict[str, str | None]:
    """Which source column plays which role; explicit options win, then auto-detection."""
    explicit = {
        schema.CASE: options.case,
        schema.ACTIVITY: options.activity,
        schema.TIMESTAMP: options.timestamp,
        schema.START: options.start_timestamp,
        schema.RESOURCE: options.resource,
    }
    found = ", ".join(columns) if len(columns) <= 40 else ", ".join(columns[:40]) + f", … ({len(columns)} in all)"
    mapping: dict[str, str | None] = {}
    taken: set[str] = set()
    for role in schema.ROLES:
        name = explicit[role]
        if name is not None:
            if name not in columns:
                raise InputError(
                    f"column {name!r} given with {schema.FLAG[role]} does not exist",
                    file=source,
                    hint=f"found: {found}",
                )
        else:
            name = schema.detect(columns, role, taken)
        if name is not None:
            taken.add(name)
        mapping[role] = name
    for role in (schema.CASE, schema.ACTIVITY, schema.TIMESTAMP):
        if mapping[role] is None:
            what = {schema.CASE: "case id", schema.ACTIVITY: "activity", schema.TIMESTAMP: "timestamp"}[role]
            raise InputError(
                f"no {what} column",
                file=source,
                hint=f"found: {found}; pass {schema.FLAG[role]} COLUMN",
            )
    return mapping


RowLabel = Callable[[int], str]


def row_number(position: int) -> str:
    return f"row {position + 1}"


def _examples(row_label: RowLabel, origin: np.ndarray, values: pd.Series, mask: np.ndarray, limit: int = 3) -> tuple[str, ...]:
    idx = np.flatnonzero(mask)[:limit]
    return tuple(f"{row_label(int(origin[i]))}: {values.iloc[i]!r}" for i in idx)


def parse_timestamps(
    values: pd.Series,
    *,
    column: str,
    options: LoadOptions,
    source: str,
    row_label: RowLabel,
    origin: np.ndarray,
    flag: str,
    notes: list[Warning_],
) -> pd.Series:
    """Parse one mapped time column to tz-aware UTC. Returns NaT where unparsable (the caller counts those)."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").astype(TIME_DTYPE)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        if options.timezone == "UTC" and bool(values.notna().any()):
            notes.append(naive_warning(column, int(values.notna().sum())))
        return localise(
            values, options.timezone, ambiguous=_policy(options), column=column, source=source, notes=notes,
            examples=lambda mask: _examples(row_label, origin, values.astype("string"), mask),
        ).astype(TIME_DTYPE)

    text = values.astype("string").str.strip()
    text = text.mask(text == "")
    present = text.notna().to_numpy()
    if options.timestamp_format:
        fmt = options.timestamp_format
        has_offset = "%z" in fmt or "%Z" in fmt
    else:
        fmt = None
        sample = text.dropna()
        has_offset_mask = sample.str.contains(_OFFSET, regex=True)
        has_offset = bool(has_offset_mask.all()) if len(sample) else False
    mixed = fmt is None and not has_offset and bool(has_offset_mask.any())
    if mixed:
        # Values with an offset are exact; the others are local times in --timezone (not UTC).
        with_offset = np.zeros(len(text), dtype=bool)
        with_offset[np.flatnonzero(present)[has_offset_mask.to_numpy(dtype=bool)]] = True
        naive = present & ~with_offset
        notes.append(
            Warning_(
                "mixed_timezones",
                f"column {column!r} mixes timestamps with and without a UTC offset; those without are read in {options.timezone}"
                + (" (pass --timezone to change)" if options.timezone == "UTC" else ""),
                int(naive.sum()),
                _examples(row_label, origin, text, naive),
            )
        )
        exact = _parse_text(text.where(with_offset), None, utc=True, column=column, source=source, row_label=row_label, origin=origin, notes=notes)
        local = _parse_text(text.where(naive), None, utc=False, column=column, source=source, row_label=row_label, origin=origin, notes=notes)
        if isinstance(local.dtype, pd.DatetimeTZDtype):  # the "naive" ones carried a zone name after all
            local = local.dt.tz_convert("UTC")
        else:
            local = localise(
                local, options.timezone, ambiguous=_policy(options), column=column, source=source, notes=notes,
                examples=lambda mask: _examples(row_label, origin, text, mask),
            )
        parsed = exact.dt.tz_convert("UTC").astype(TIME_DTYPE).where(with_offset, local.dt.tz_convert("UTC").astype(TIME_DTYPE))
    else:
        parsed = _parse_text(text, fmt, utc=has_offset, column=column, source=source, row_label=row_label, origin=origin, notes=notes)
        if not isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = localise(
                parsed, options.timezone, ambiguous=_policy(options), column=column, source=source, notes=notes,
                examples=lambda mask: _examples(row_label, origin, text, mask),
            )
            if options.timezone == "UTC" and bool(present.any()):
                notes.append(naive_warning(column, int(present.sum())))
    parsed = parsed.dt.tz_convert("UTC").astype(TIME_DTYPE)

    bad = present & parsed.isna().to_numpy()
    n_bad = int(bad.sum())
    if n_bad:
        examples = _examples(row_label, origin, text, bad)
        if n_bad > UNPARSABLE_LIMIT * max(int(present.sum()), 1):
            raise InputError(
                f"{n_bad:,} of {int(present.sum()):,} values in column {column!r} are not timestamps "
                f"(e.g. {'; '.join(examples)})",
                file=source,
                hint=(
                    "pass --timestamp-format with a strftime pattern such as '%d/%m/%Y %H:%M'"
                    if not options.timestamp_format
                    else f"check --timestamp-format {options.timestamp_format!r}"
                )
                + f", or map another column with {flag}",
            )
    return parsed


def _parse_text(
    text: pd.Series, fmt: str | None, *, utc: bool, column: str, source: str, row_label: RowLabel, origin: np.ndarray, notes: list[Warning_]
) -> pd.Series:
    """Text → datetimes (NaT where unparsable): the format of the first value (ISO 8601 when it looks
    so), then value by value for the rows that do not fit it, with a warning that says so."""
    present = text.notna().to_numpy()
    first = text.dropna().head(1)
    iso_like = fmt is None and len(first) == 1 and bool(_ISO_DATE.match(str(first.iloc[0])))
    parsed = _to_datetime(text, "ISO8601" if iso_like else fmt, utc=utc, column=column, source=source)
    failed = present & parsed.isna().to_numpy()
    if fmt is None and failed.any():
        # The format inferred from the first value does not fit every row: retry those rows one by one.
        retried = _to_datetime(text[failed], "mixed", utc=utc, column=column, source=source)
        if retried.notna().any() and retried.dtype == parsed.dtype:
            parsed = parsed.copy()
            parsed[failed] = retried
            if not iso_like:
                # "1/3/2016" then "29/2/2016": the first value set month-first, the later ones only parse
                # day-first, so the column is read two ways. Say so rather than guess silently.
                rescued = failed.copy()
                rescued[failed] = retried.notna().to_numpy()
                notes.append(
                    Warning_(
                        "mixed_timestamp_formats",
                        f"column {column!r} has timestamps that do not fit the format of its first value "
                        f"({str(first.iloc[0])!r}); they were read one by one, so day and month may be mixed up "
                        "(pass --timestamp-format)",
                        int(rescued.sum()),
                        _examples(row_label, origin, text, rescued),
                    )
                )
    if parsed.dtype == object:  # mixed offsets
        parsed = pd.to_datetime(parsed, utc=True, errors="coerce")
    return parsed


def _policy(options: LoadOptions) -> str:
    """--ambiguous as plain text (the CLI hands over an Enum member)."""
    return str(getattr(options.ambiguous, "value", options.ambiguous))


# Timestamps every command can compute with: the range of pandas' nanosecond timestamps (durations,
# pm4py), whole days inside it.
_RANGE = (pd.Timestamp("1677-09-22", tz="UTC"), pd.Timestamp("2262-04-11", tz="UTC"))
_RANGE_TEXT = ("1677-09-22", "2262-04-11")


def _outside_range(times: pd.Series) -> np.ndarray:
    """Where a parsed (datetime64[us, UTC]) time lies outside _RANGE; vectorised on the integers."""
    stamps = times.to_numpy(dtype="datetime64[us]")
    low, high = (np.datetime64(bound.tz_localize(None), "us") for bound in _RANGE)
    return ~np.isnat(stamps) & ((stamps < low) | (stamps >= high))


# What each kind of unusable row is called, for every engine's reader (engines.source.dropped_rows too).
DROPPED = {
    "missing_case_id": "rows without a case id (column {column!r}) were dropped",
    "missing_activity": "rows without a activity (column {column!r}) were dropped",
    "bad_timestamp": "rows with an empty or unparsable timestamp (column {column!r}) were dropped",
    "out_of_range_timestamp": (
        f"rows with a timestamp before {_RANGE_TEXT[0]} or after {_RANGE_TEXT[1]} (column {{column!r}}; often a placeholder such as "
        "9999-12-31 for 'open') were dropped: durations are computed in nanoseconds, which cannot reach them"
    ),
    "out_of_range_start": (
        f"start timestamps before {_RANGE_TEXT[0]} or after {_RANGE_TEXT[1]} (column {{column!r}}) were ignored; those events keep "
        "their completion time only"
    ),
}


def dropped_warning(code: str, column: str, count: int, examples: tuple[str, ...] = ()) -> Warning_:
    """The warning for `count` rows (or start times) left out for reason `code` (a key of DROPPED)."""
    return Warning_(code, DROPPED[code].format(column=column), count, examples)


def window_months(options: LoadOptions) -> tuple[str | None, str | None]:
    """--since/--until as the case-start months (UTC, YYYY-MM) a `case_month` dataset can skip outside of."""
    since = parse_bound(options.since, flag="--since", timezone=options.timezone) if options.since else None
    until = parse_bound(options.until, flag="--until", timezone=options.timezone) if options.until else None
    return (since.strftime("%Y-%m") if since is not None else None, until.strftime("%Y-%m") if until is not None else None)


def naive_warning(column: str, count: int) -> Warning_:
    return Warning_(
        "naive_timestamps",
        f"column {column!r} has no timezone; read as UTC (pass --timezone to change)",
        count,
    )


def _to_datetime(text: pd.Series, fmt: str | None, *, utc: bool, column: str, source: str) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' format-inference chatter; failures are counted instead
        try:
            return pd.to_datetime(text, format=fmt, errors="coerce", utc=utc)
        except (ValueError, TypeError) as exc:
            raise InputError(
                f"cannot parse column {column!r} as timestamps ({exc})",
                file=source,
                hint="pass --timestamp-format, e.g. '%d/%m/%Y %H:%M'",
            ) from None


def localise(
    values: pd.Series,
    timezone: str,
    *,
    ambiguous: str = "earliest",
    column: str,
    source: str,
    notes: list[Warning_] | None = None,
    examples: Callable[[np.ndarray], tuple[str, ...]] | None = None,
) -> pd.Series:
    """Naive local times in `timezone` → tz-aware. Around daylight-saving changes: a time that occurs
    twice (clocks go back) is read per `ambiguous` ("earliest": the first, summer-time one; "latest";
    "error": an InputError), a time that never occurs (clocks go forward) moves forward to the first
    valid time; each with a counted warning. Nothing becomes missing."""
    try:
        exact = values.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
    except Exception as exc:  # unknown zone names come back as several exception types
        raise InputError(
            f"unknown timezone {timezone!r} ({exc})",
            file=source or None,
            hint="pass --timezone with an IANA name such as Europe/Amsterdam",
        ) from None
    unresolved = (exact.isna() & values.notna()).to_numpy()
    if not unresolved.any():
        return exact
    earliest = ambiguous != "latest"
    forward = values.dt.tz_localize(timezone, ambiguous=np.full(len(values), earliest), nonexistent="shift_forward")
    missing_time = unresolved & values.dt.tz_localize(timezone, ambiguous=np.full(len(values), earliest), nonexistent="NaT").isna().to_numpy()
    repeated = unresolved & ~missing_time
    show = examples or (lambda mask: ())
    if repeated.any():
        if ambiguous == "error":
            raise InputError(
                f"{int(repeated.sum()):,} timestamp(s) in column {column!r} fall in the hour that occurs twice when clocks go back "
                f"in {timezone} (e.g. {'; '.join(show(repeated)) or values[repeated].iloc[0]})",
                file=source or None,
                hint="pass --ambiguous earliest or --ambiguous latest, or export the times with their UTC offset",
            )
        if notes is not None:
            notes.append(
                Warning_(
                    "ambiguous_timestamps",
                    f"timestamps in column {column!r} fall in the hour that occurs twice when clocks go back in {timezone}; "
                    f"read as the {'earlier (summer time)' if earliest else 'later (winter time)'} one "
                    f"(pass --ambiguous {'latest' if earliest else 'earliest'} or --ambiguous error)",
                    int(repeated.sum()),
                    show(repeated),
                )
            )
    if missing_time.any() and notes is not None:
        notes.append(
            Warning_(
                "nonexistent_timestamps",
                f"timestamps in column {column!r} do not exist in {timezone} (the hour skipped when clocks go forward); "
                "moved forward to the first valid time",
                int(missing_time.sum()),
                show(missing_time),
            )
        )
    return forward


def _categorical(values: pd.Series, *, sort: bool = False) -> pd.Series:
    """Repeated strings as a category (memory and group-by speed); categories sorted when asked."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return _canonical_categories(values)  # drops unused categories too; a no-op when already canonical
    out = values.astype("string").astype("category")
    return _canonical_categories(out) if sort else out


def text_category(values: pd.Series) -> pd.Series:
    """Any column as a category of its text values (only those used, sorted), through the categories when it
    is one already: a journey's customer column, whatever type each log stores it in."""
    return _categorical(values, sort=True)


def _canonical_categories(values: pd.Series) -> pd.Series:
    """The same categorical whatever the reader: only used categories, as text, sorted.

    Readers hand over categories in different orders (file order from rustxes, sorted from CSV, the
    stored dictionary from Parquet); fixing one order makes the tables of one log equal across formats.
    Works on the codes, so no string is hashed twice.
    """
    codes = values.cat.codes.to_numpy()
    categories = values.cat.categories
    used = np.bincount(codes[codes >= 0], minlength=len(categories)) > 0
    if used.all() and categories.dtype == "str" and categories.is_monotonic_increasing:
        return values  # already canonical (a column done earlier, or a Parquet file cxmine wrote)
    names = categories.astype(str).to_numpy(dtype=object)
    keep = np.flatnonzero(used)
    order = keep[np.argsort(names[keep], kind="stable")] if len(keep) else keep
    new_names = names[order]
    if len(set(new_names)) != len(new_names):  # categories equal as text (1 and "1"): rebuild from values
        return values.astype("string").astype("category").pipe(_canonical_categories)
    remap = np.full(len(names) + 1, -1, dtype=np.int64)
    remap[order] = np.arange(len(order))
    new_codes = remap[codes]  # code -1 (missing) reads the last slot, which stays -1
    categories = pd.Index(list(new_names), dtype="str")
    return pd.Series(pd.Categorical.from_codes(new_codes, dtype=pd.CategoricalDtype(categories)), index=values.index, name=values.name)


def _stripped_category(values: pd.Series) -> pd.Series:
    """Text as a category with surrounding blanks removed and blank values missing. Non-text values
    (numeric case ids) become their text form, so ids compare equal across readers."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype("string").astype("category")
    names = values.cat.categories.astype(str)
    stripped = names.str.strip()
    if stripped.is_unique:  # renaming works on the categories only: one string operation per value
        values = values.cat.rename_categories(stripped)
    else:  # two names that differ only in blanks: merge them (rare, so the slow way)
        values = values.astype("string").str.strip().astype("category")
    if (values.cat.categories == "").any():
        values = values.cat.remove_categories([""])
    return values


def _string_like(values: pd.Series) -> bool:
    return values.dtype == object or isinstance(values.dtype, (pd.StringDtype, pd.CategoricalDtype)) or str(values.dtype) in ("str", "string")


def _all_bool(values: pd.Series) -> bool:
    if values.dtype != object:
        return False
    present = values.dropna()
    return len(present) > 0 and bool(present.map(type).eq(bool).all())


def _compact_attributes(
    frame: pd.DataFrame, skip: set[str], timezone: str = "UTC", ambiguous: str = "earliest", notes: list[Warning_] | None = None
) -> None:
    """One rule for every reader (in place), so one log gives one table whatever its format: strings
    repeated enough to pay for a dictionary become categories (sorted), the others plain strings;
    integers, floats and booleans take pandas' nullable types (Int64, Float64, boolean), so a gap does
    not turn an integer into a float; attribute times are tz-aware UTC in the event-time unit (naive
    ones, from an XES file without offsets or a Parquet file from another tool, are read in `timezone`)."""
    n = len(frame)
    for column in frame.columns:
        values = frame[column]
        if column in skip:
            if isinstance(values.dtype, pd.CategoricalDtype):
                frame[column] = _canonical_categories(values)
            continue
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            frame[column] = values.astype(TIME_DTYPE)
            continue
        if pd.api.types.is_datetime64_dtype(values.dtype):
            frame[column] = localise(values, timezone, ambiguous=ambiguous, column=column, source="", notes=notes).dt.tz_convert("UTC").astype(TIME_DTYPE)
            continue
        if pd.api.types.is_bool_dtype(values.dtype) or _all_bool(values):
            frame[column] = values.astype("boolean")
            continue
        if pd.api.types.is_integer_dtype(values.dtype):
            frame[column] = values.astype("Int64")
            continue
        if pd.api.types.is_float_dtype(values.dtype):
            frame[column] = values.astype("Float64")
            continue
        if not _string_like(values):
            continue
        distinct = values.nunique(dropna=True)
        if distinct <= max(0.5 * n, 1):
            frame[column] = _canonical_categories(_categorical(values))
        else:
            frame[column] = values.astype("string")


def pair_lifecycle(events: pd.DataFrame, notes: list[Warning_]) -> pd.DataFrame:
    """Merge `start` and `complete` events of the same activity in a case into one activity instance.

    The k-th start of an activity in a case pairs with its k-th complete (first in, first out), which is
    how XES lifecycle logs without instance ids are read by convention. Other lifecycle values stay as
    events. `events` must already be sorted by case and time.
    """
    lifecycle = events[schema.LIFECYCLE]
    folded = lifecycle.cat.categories.astype(str).str.casefold()
    codes = lifecycle.cat.codes.to_numpy()
    is_start = np.isin(codes, np.flatnonzero(folded == "start"))
    is_complete = np.isin(codes, np.flatnonzero(folded == "complete"))
    if not is_start.any():
        return events
    keys = [schema.CASE, schema.ACTIVITY]
    starts = events.loc[is_start, keys + [schema.TIMESTAMP]].copy()
    starts["_k"] = starts.groupby(keys, observed=True, sort=False).cumcount()
    starts["_start_row"] = np.flatnonzero(is_start)
    completes = events.loc[is_complete, keys].copy()
    completes["_k"] = completes.groupby(keys, observed=True, sort=False).cumcount()
    completes["_row"] = np.flatnonzero(is_complete)
    matched = completes.merge(starts[keys + ["_k", "_start_row"]], on=keys + ["_k"], how="left", sort=False)
    # Plain datetime64 (UTC) arrays: .to_numpy() on a tz-aware column builds one Timestamp object per row.
    times = events[schema.TIMESTAMP].to_numpy(dtype="datetime64[us]")
    rows = matched["_row"].to_numpy()
    start_rows = matched["_start_row"].to_numpy(dtype="float64", na_value=np.nan)
    has_start = ~np.isnan(start_rows)
    start_values = np.full(len(rows), np.datetime64("NaT", "us"))
    start_values[has_start] = times[start_rows[has_start].astype(np.int64)]
    inverted = has_start & (start_values > times[rows])
    if inverted.any():
        notes.append(
            Warning_(
                "start_after_complete",
                "start events later than their paired complete; their start time is ignored",
                int(inverted.sum()),
            )
        )
        start_values[inverted] = np.datetime64("NaT", "us")
    column = np.full(len(events), np.datetime64("NaT", "us"))
    column[rows] = start_values
    start_times = pd.Series(column, index=events.index).dt.tz_localize("UTC")
    unmatched = starts.merge(completes[keys + ["_k"]], on=keys + ["_k"], how="left", indicator=True, sort=False)
    unmatched = unmatched.loc[unmatched["_merge"] == "left_only"]
    if len(unmatched):
        notes.append(
            Warning_(
                "unmatched_start",
                "start events with no matching complete event (still running, or a gap in the log); "
                "they are not counted as activity instances",
                len(unmatched),
                tuple(
                    f"case {case}: {activity} started at {when.isoformat()}"
                    for case, activity, when in unmatched[keys + [schema.TIMESTAMP]].head(3).itertuples(index=False)
                ),
            )
        )
    if schema.START in events.columns:
        existing = events[schema.START]
        start_times = existing.where(existing.notna(), start_times)
    events = events.assign(**{schema.START: start_times})
    return events.loc[~is_start].reset_index(drop=True)


def normalise(
    raw: pd.DataFrame,
    options: LoadOptions,
    *,
    source: str,
    row_label: RowLabel = row_number,
    mapping: dict[str, str | None] | None = None,
) -> Normalised:
    """Build the canonical event table from `raw` (which is never modified).

    `row_label` names a raw row by its 0-based position, for messages ("line 18"); defaults to
    "row N" (1-based).
    """
    notes: list[Warning_] = []
    columns = [str(c) for c in raw.columns]
    if mapping is None:
        mapping = resolve_mapping(columns, options, source=source)
    origin = np.arange(len(raw))
    rows_read = len(raw)
    if rows_read == 0:
        raise InputError("the log has no events", file=source, hint="check the file, or the --since/--until window")

    lifecycle_column = schema.detect_lifecycle([c for c in columns if c not in mapping.values()])
    rename = {name: role for role, name in mapping.items() if name is not None}
    if lifecycle_column is not None:
        rename[lifecycle_column] = schema.LIFECYCLE
    # An unmapped attribute that happens to carry a canonical name keeps its data under another name.
    clashes = {c: f"{c}_attribute" for c in columns if c in set(rename.values()) and c not in rename}
    frame = raw.rename(columns={**clashes, **rename}).reset_index(drop=True)
    frame = frame.loc[:, ~frame.columns.duplicated()]

    # Role columns become stripped categories first: string work then happens once per distinct value,
    # and a value that is blank after stripping counts as missing.
    for role in (schema.CASE, schema.ACTIVITY, schema.RESOURCE, schema.LIFECYCLE):
        if role in frame.columns:
            frame[role] = _stripped_category(frame[role])
    unusable = np.zeros(len(frame), dtype=bool)
    for role, what in ((schema.CASE, "case id"), (schema.ACTIVITY, "activity")):
        values = frame[role]
        missing = values.isna().to_numpy().copy()
        if missing.all():
            raise InputError(
                f"column {mapping[role]!r} (the {what}) is empty in every row",
                file=source,
                hint=f"map another column with {schema.FLAG[role]}",
            )
        newly = missing & ~unusable  # each unusable row is counted in one warning only
        if newly.any():
            notes.append(
                dropped_warning(f"missing_{role}", mapping[role], int(newly.sum()), tuple(row_label(int(i)) for i in origin[newly][:3]))
            )
        unusable |= missing

    for role in (schema.TIMESTAMP, schema.START):
        if mapping[role] is None:
            continue
        parsed = parse_timestamps(
            frame[role],
            column=str(mapping[role]),
            options=options,
            source=source,
            row_label=row_label,
            origin=origin,
            flag=schema.FLAG[role],
            notes=notes,
        )
        if role == schema.TIMESTAMP:
            missing = parsed.isna().to_numpy()
            if missing.all():
                raise InputError(
                    f"column {mapping[role]!r} holds no usable timestamp",
                    file=source,
                    hint="pass --timestamp with the completion-time column, or --timestamp-format",
                )
            newly = missing & ~unusable  # rows already dropped for another reason are counted there
            if newly.any():
                notes.append(
                    dropped_warning("bad_timestamp", mapping[role], int(newly.sum()), _examples(row_label, origin, raw[mapping[role]].astype("string"), newly))
                )
            unusable |= missing
        outside = _outside_range(parsed)
        if outside.any():
            if role == schema.TIMESTAMP:
                newly = outside & ~unusable
                if newly.any():
                    notes.append(
                        dropped_warning("out_of_range_timestamp", mapping[role], int(newly.sum()), _examples(row_label, origin, raw[mapping[role]].astype("string"), newly))
                    )
                unusable |= outside
            else:
                notes.append(
                    dropped_warning("out_of_range_start", mapping[role], int(outside.sum()), _examples(row_label, origin, raw[mapping[role]].astype("string"), outside))
                )
                parsed = parsed.mask(outside)
        frame[role] = parsed

    if unusable.any():
        frame = frame.loc[~unusable].reset_index(drop=True)
        origin = origin[~unusable]
    if len(frame) == 0:
        raise InputError("no usable events are left after dropping unusable rows", file=source)

    frame[schema.CASE] = _categorical(frame[schema.CASE], sort=True)
    if schema.RESOURCE in frame.columns:
        frame[schema.RESOURCE] = _categorical(frame[schema.RESOURCE])

    frame = sort_events(frame)

    if schema.LIFECYCLE in frame.columns:
        frame[schema.LIFECYCLE] = _categorical(frame[schema.LIFECYCLE])
        if schema.START not in mapping or mapping[schema.START] is None:
            frame[schema.ACTIVITY] = _categorical(frame[schema.ACTIVITY])
            frame = pair_lifecycle(frame, notes)
        if options.lifecycle_in_activity:
            transition = frame[schema.LIFECYCLE].astype("string")
            other = transition.notna() & ~transition.str.casefold().isin(["start", "complete"])
            activity = frame[schema.ACTIVITY].astype("string")
            frame[schema.ACTIVITY] = activity.where(~other, activity + " (" + transition + ")")
    frame[schema.ACTIVITY] = _categorical(frame[schema.ACTIVITY], sort=True)

    if options.since or options.until:
        frame = _window(frame, options, source, notes)

    _compact_attributes(
        frame, skip={schema.CASE, schema.ACTIVITY, schema.RESOURCE, schema.LIFECYCLE}, timezone=options.timezone, ambiguous=_policy(options), notes=notes
    )
    ordered = [c for c in (schema.CASE, schema.ACTIVITY, schema.TIMESTAMP, schema.START, schema.RESOURCE, schema.LIFECYCLE) if c in frame.columns]
    rest = sorted((c for c in frame.columns if c not in ordered), key=lambda c: (c.startswith("case:"), c))
    frame = frame[ordered + rest]
    return Normalised(frame, dict(mapping, lifecycle=lifecycle_column), notes, int(unusable.sum()))


def sort_events(frame: pd.DataFrame) -> pd.DataFrame:
    """Sort by case (lexical), then timestamp; ties keep their current (file) order. Stable."""
    case_codes = frame[schema.CASE].cat.codes.to_numpy()
    times = frame[schema.TIMESTAMP].to_numpy(dtype="datetime64[us]").view("int64")
    step = np.diff(case_codes)
    if bool((step >= 0).all()) and bool(((step > 0) | (np.diff(times) >= 0)).all()):
        return frame  # already in order (a Parquet file cxmine wrote, most XES exports)
    order = np.lexsort((times, case_codes))  # lexsort is stable: ties keep their file order
    return frame.iloc[order].reset_index(drop=True)


def parse_bound(value: str, *, flag: str, timezone: str = "UTC") -> pd.Timestamp:
    """A --since/--until value: ISO date or date-time; naive values are in `timezone`."""
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise InputError(f"{flag} {value!r} is not a date", hint="use ISO format, e.g. 2026-03-01 or 2026-03-01T08:00") from None
    if stamp.tzinfo is None:
        try:
            stamp = stamp.tz_localize(timezone, ambiguous=True, nonexistent="shift_forward")
        except Exception as exc:  # unknown zone names come back as several exception types
            raise InputError(f"unknown timezone {timezone!r} ({exc})", hint="pass --timezone with an IANA name such as Europe/Amsterdam") from None
    return stamp.tz_convert("UTC")


def _window(frame: pd.DataFrame, options: LoadOptions, source: str, notes: list[Warning_]) -> pd.DataFrame:
    """Keep the cases that start in [since, until): whole cases, so journeys are never cut in half."""
    first = frame.groupby(schema.CASE, observed=True, sort=False)[schema.TIMESTAMP].transform("min")
    keep = pd.Series(True, index=frame.index)
    if options.since:
        keep &= first >= parse_bound(options.since, flag="--since", timezone=options.timezone)
    if options.until:
        keep &= first < parse_bound(options.until, flag="--until", timezone=options.timezone)
    if not keep.any():
        raise InputError(
            "no case starts inside the --since/--until window",
            file=source,
            hint=f"the log runs from {frame[schema.TIMESTAMP].min():%Y-%m-%d} to {frame[schema.TIMESTAMP].max():%Y-%m-%d}",
        )
    return frame.loc[keep.to_numpy()].reset_index(drop=True)
