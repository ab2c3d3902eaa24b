"""`inspect`: a correct, fast picture of a loaded log, and its data-quality findings."""
from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd

from cxmine.core import schema
from cxmine.core.journey import case_starts, case_table, variant_ids
from cxmine.model import AttributeInfo, CountShare, EventLog, LogSummary, QualityFinding, Variant

PERCENTILES = (("min", 0.0), ("p10", 0.10), ("p25", 0.25), ("p50", 0.50), ("p75", 0.75), ("p90", 0.90), ("p95", 0.95), ("max", 1.0))
EARLIEST_PLAUSIBLE = pd.Timestamp("1990-01-01", tz="UTC")
# Load warnings that are data-quality findings: rows that were dropped or not counted ...
UNUSABLE_WARNINGS = ("missing_", "bad_timestamp", "out_of_range_timestamp", "unmatched_start", "start_after")
# ... and times that were read with a correction.
TIME_WARNINGS = ("out_of_range_start", "ambiguous_timestamps", "nonexistent_timestamps", "mixed_timezones")


def distribution(values: pd.Series) -> dict[str, float]:
    """count, mean and the fixed percentile set, in the unit of `values`."""
    values = values.dropna()
    if values.empty:
        return {"count": 0}
    return described(len(values), values.mean(), values.quantile([q for _, q in PERCENTILES]).to_numpy())


def described(count: int, mean: float, quantiles) -> dict[str, float]:
    """The distribution's dict from its count, mean and the PERCENTILES' values (in their order), whichever
    engine computed them."""
    out = {"count": float(count), "mean": float(mean)}
    out.update({name: float(v) for (name, _), v in zip(PERCENTILES, quantiles)})
    return out


def _counts(values: pd.Series, total: int) -> tuple[CountShare, ...]:
    return count_shares(values.value_counts(sort=False).items(), total)


def count_shares(counts, total: int) -> tuple[CountShare, ...]:
    """(name, count) pairs as CountShares of `total`, most frequent first, ties by name; zero counts left out."""
    order = sorted(((name, int(n)) for name, n in counts if int(n) > 0), key=lambda item: (-item[1], str(item[0])))
    return tuple(CountShare(str(name), n, n / total if total else 0.0) for name, n in order)


def _iso(stamp: pd.Timestamp) -> str | None:
    return None if pd.isna(stamp) else stamp.isoformat()


def attribute_table(events: pd.DataFrame) -> tuple[AttributeInfo, ...]:
    """Every column but the roles: type, event- or case-level, fill rate, distinct values.

    `events` is sorted by case (the canonical order), so "one value per case" is checked by comparing
    each present value with the previous present value of the same case: integer codes, no group-by."""
    infos = []
    n = len(events)
    case_codes = events[schema.CASE].cat.codes.to_numpy()
    for column in events.columns:
        if column in (schema.CASE, schema.ACTIVITY, schema.TIMESTAMP):
            continue
        values = events[column]
        codes, distinct = _value_codes(values)
        present = np.flatnonzero(codes >= 0)
        cases_here, codes_here = case_codes[present], codes[present]
        same_case = cases_here[1:] == cases_here[:-1]
        # Case-level: at most one distinct value per case (XES trace attributes, or a constant per case),
        # and some case holds it on more than one event.
        one_per_case = not bool((same_case & (codes_here[1:] != codes_here[:-1])).any())
        level = "case" if column.startswith("case:") or (len(present) and one_per_case and bool(same_case.any())) else "event"
        infos.append(
            AttributeInfo(
                name=column,
                dtype=value_type(values),
                level=level,
                fill_rate=len(present) / n if n else 0.0,
                distinct=distinct,
            )
        )
    return tuple(infos)


def _value_codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """An integer per value (equal values, equal integers; -1 where missing) and the distinct count."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        return codes, int(np.count_nonzero(np.bincount(codes[codes >= 0], minlength=1)))
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(values.dtype):
        values = pd.Series(values.to_numpy(dtype="datetime64[us]"))  # no Timestamp object per value
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, len(uniques)


def value_type(values: pd.Series) -> str:
    """The attribute type shown by `inspect`: datetime, boolean, integer, float, category or string."""
    dtype = values.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        return "datetime"
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    return "string"


MARKERS = ("?", "NULL", "null", "N/A", "n/a", "NA", "-", "none", "None")


def _shape_findings(counts: dict[str, int], total: int) -> list[QualityFinding]:
    """Real log shapes that inflate friction, each with the setting that handles it."""
    total = max(1, total)
    found = []
    if counts["consecutive_repeats"] / total >= 0.1:
        found.append(QualityFinding(
            "consecutive_repeats", f"{100 * counts['consecutive_repeats'] / total:.0f}% of events repeat the activity just before them in their case "
            "(a snapshot log, one row per state update?) — consider [prepare] merge_repeats = true (or --merge-repeats)",
            counts["consecutive_repeats"], "events",
        ))  # fmt: skip
    if counts["marker_values"]:
        found.append(QualityFinding(
            "missing_markers", "values such as '?', 'NULL' or 'N/A' that probably mean missing — list them in [prepare] missing (or --missing)",
            counts["marker_values"], "values",
        ))  # fmt: skip
    if counts["non_complete_lifecycle"]:
        found.append(QualityFinding(
            "non_complete_lifecycle", "lifecycle events that are not completions (schedule, …): friction analysis does not count them as occurrences",
            counts["non_complete_lifecycle"], "events",
        ))  # fmt: skip
    return found


# What is counted for the quality findings, each engine its own way: code → (count, up to 3 examples).
Found = dict[str, tuple[int, tuple[str, ...]]]
SHAPES = ("consecutive_repeats", "marker_values", "non_complete_lifecycle")
_COUNTED = (
    ("single_event_cases", "cases with only one event (no journey to analyse)", "cases"),
    ("timestamp_ties", "events sharing their timestamp with the previous event of the same case (order within the tie is the file's)", "events"),
    ("future_timestamps", "timestamps after the time of analysis", "events"),
    ("early_timestamps", "timestamps before 1990 (often a default date such as 1970-01-01)", "events"),
)


def assemble_findings(warnings, found: Found, *, events: int, resource: bool) -> tuple[QualityFinding, ...]:
    """The quality findings in their fixed order and words, whichever engine counted them: the loader's
    warnings that are findings, then `found` (keys: duplicate_events, SHAPES and _COUNTED's codes).
    `resource`: duplicates were compared on the resource too."""
    findings: list[QualityFinding] = []
    for warning in warnings:
        if warning.code.startswith(UNUSABLE_WARNINGS):
            findings.append(QualityFinding(f"unusable:{warning.code}", warning.message, warning.count, "rows", warning.examples))
        elif warning.code in TIME_WARNINGS:
            findings.append(QualityFinding(warning.code, warning.message, warning.count, "events", warning.examples))
    count, examples = found["duplicate_events"]
    if count:
        findings.append(
            QualityFinding(
                "duplicate_events",
                "events repeated with the same case, activity, timestamp" + (" and resource" if resource else "")
                + " — they count as rework; set [prepare] drop_duplicates = true (or --drop-duplicates)",
                count,
                "events",
                examples,
            )
        )
    findings.extend(_shape_findings({code: found[code][0] for code in SHAPES}, events))
    for code, message, unit in _COUNTED:
        count, examples = found[code]
        if count:
            findings.append(QualityFinding(code, message, count, unit, examples))
    return tuple(findings)


def quality_findings(log: EventLog, *, now: pd.Timestamp | None = None) -> tuple[QualityFinding, ...]:
    from cxmine.core.shapes import shape_counts  # noqa: PLC0415

    events = log.events
    key = [schema.CASE, schema.ACTIVITY, schema.TIMESTAMP] + ([schema.RESOURCE] if schema.RESOURCE in events.columns else [])
    duplicated = events.duplicated(subset=key, keep="first").to_numpy()
    shapes = shape_counts(events, MARKERS)
    found: Found = {"duplicate_events": (int(duplicated.sum()), _case_examples(events, duplicated) if duplicated.any() else ())}
    found.update({code: (shapes[code], ()) for code in SHAPES})
    first = case_starts(events)
    sizes = np.diff(np.append(np.flatnonzero(first), len(events)))
    single = sizes == 1
    found["single_event_cases"] = (int(single.sum()), tuple(str(c) for c in events.loc[first, schema.CASE].to_numpy()[single][:3]))
    # Plain datetime64 (UTC): .to_numpy() on a tz-aware column builds one Timestamp object per event.
    times = events[schema.TIMESTAMP].to_numpy(dtype="datetime64[us]")
    tie = np.zeros(len(events), dtype=bool)
    tie[1:] = (times[1:] == times[:-1]) & ~first[1:]
    now = now or pd.Timestamp(datetime.now(timezone.utc))
    future = times > np.datetime64(now.tz_convert("UTC").tz_localize(None), "us")
    early = times < np.datetime64(EARLIEST_PLAUSIBLE.tz_localize(None), "us")
    for code, mask in (("timestamp_ties", tie), ("future_timestamps", future), ("early_timestamps", early)):
        found[code] = (int(mask.sum()), _case_examples(events, mask) if mask.any() else ())
    return assemble_findings(log.warnings, found, events=len(events), resource=len(key) == 4)


def _case_examples(events: pd.DataFrame, mask: np.ndarray) -> tuple[str, ...]:
    rows = events.loc[mask, [schema.CASE, schema.ACTIVITY, schema.TIMESTAMP]].head(3)
    return tuple(f"case {c!s}: {a!s} at {t.isoformat()}" for c, a, t in rows.itertuples(index=False))


def summarise(log: EventLog, *, top_variants: int = 10, now: pd.Timestamp | None = None) -> LogSummary:
    events = log.events
    n_events = len(events)
    cases = case_table(events)
    n_cases = len(cases)
    variants = variant_ids(events)
    per_variant = variants.drop_duplicates("variant").sort_values("variant").head(top_variants)
    first = case_starts(events)
    start_index = np.flatnonzero(first)
    # Where each case (by category code) begins. Codes need not be dense: a table filtered by a caller
    # keeps the categories of the cases it dropped.
    case_codes = events[schema.CASE].cat.codes.to_numpy()
    begins_at = np.full(len(events[schema.CASE].cat.categories), -1, dtype=np.int64)
    begins_at[case_codes[start_index]] = start_index
    top: list[Variant] = []
    # Codes and names, not a string per event: only the shown variants' steps are spelt out.
    activity_codes = events[schema.ACTIVITY].cat.codes.to_numpy()
    activity_names = [str(name) for name in events[schema.ACTIVITY].cat.categories]
    for row in per_variant.itertuples(index=False):  # one representative case per shown variant
        begin = begins_at[row.first_case]
        steps = tuple(activity_names[code] for code in activity_codes[begin : begin + row.length])
        top.append(Variant(int(row.variant) + 1, steps, int(row.cases), row.cases / n_cases))
    return LogSummary(
        source=log.source,
        format=log.format,
        events=n_events,
        cases=n_cases,
        activities=int(events[schema.ACTIVITY].nunique()),
        variants=int(variants["variant"].nunique()),
        first_timestamp=_iso(events[schema.TIMESTAMP].min()),
        last_timestamp=_iso(events[schema.TIMESTAMP].max()),
        has_start_timestamps=log.has_start,
        activity_counts=_counts(events[schema.ACTIVITY], n_events),
        top_variants=tuple(top),
        events_per_case=distribution(cases["events"].astype(float)),
        case_duration_seconds=distribution(cases["duration_seconds"]),
        start_activities=_counts(cases["start_activity"], n_cases),
        end_activities=_counts(cases["end_activity"], n_cases),
        attributes=attribute_table(events),
        quality=quality_findings(log, now=now),
        load=log,
    )
