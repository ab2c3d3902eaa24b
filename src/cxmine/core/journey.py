"""Per-case building blocks, all vectorised on the sorted canonical table: position in case,
previous event, variants (by hashing each case's activity sequence), case durations."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cxmine.core import schema

# Two independent odd multipliers: a variant is identified by (hash1, hash2, length).
_BASE_1 = np.uint64(0x9E3779B97F4A7C15)
_BASE_2 = np.uint64(0xC2B2AE3D27D4EB4F)


def case_starts(events: pd.DataFrame) -> np.ndarray:
    """Boolean mask: the event is the first of its case (table sorted by case)."""
    codes = events[schema.CASE].cat.codes.to_numpy()
    first = np.ones(len(codes), dtype=bool)
    first[1:] = codes[1:] != codes[:-1]
    return first


def distinct(indices: np.ndarray, size: int) -> np.ndarray:
    """The sorted distinct values of non-negative integers below `size` (case indices), in O(n + size)
    instead of np.unique's sort."""
    indices = np.asarray(indices, dtype=np.int64)
    return np.flatnonzero(np.bincount(indices, minlength=size)) if indices.size else np.empty(0, dtype=np.int64)


def first_known(known: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per case run (the rows from each of `starts` to the next): the first row where `known` is true, or -1
    when none is. One reduceat over the sorted table, no group-by."""
    n = known.size
    if starts.size == 0:
        return np.empty(0, dtype=np.int64)
    first = np.minimum.reduceat(np.where(known, np.arange(n), n), starts)
    return np.where(first < n, first, -1)


def seen_before(case: np.ndarray, code: np.ndarray) -> np.ndarray:
    """Per event: has its case had this code before (an earlier row with the same case and code)?
    One int64 key and a hash table, instead of a two-column DataFrame.duplicated."""
    code = np.asarray(code, dtype=np.int64)
    width = np.int64(max(int(code.max(initial=0)), 0) + 2)
    key = np.asarray(case, dtype=np.int64) * width + (code + 1)
    return pd.Series(key).duplicated().to_numpy()


def position_in_case(events: pd.DataFrame) -> np.ndarray:
    """0-based index of each event within its case."""
    first = case_starts(events)
    index = np.arange(len(events))
    start_index = np.maximum.accumulate(np.where(first, index, 0))
    return index - start_index


def variant_ids(events: pd.DataFrame) -> pd.DataFrame:
    """One row per case: case_id, variant (dense id, 0 = most frequent), length.

    A case's variant is its activity sequence; it is identified by two polynomial hashes of the
    activity codes (mod 2^64) plus the length, computed with cumulative products instead of a loop.
    """
    codes = events[schema.ACTIVITY].cat.codes.to_numpy().astype(np.uint64) + np.uint64(1)
    position = position_in_case(events).astype(np.uint64)
    with np.errstate(over="ignore"):
        h1 = codes * _power(_BASE_1, position)
        h2 = (codes * np.uint64(0x100000001B3)) ^ _power(_BASE_2, position)
        h2 = h2 * _power(_BASE_1, position + np.uint64(7))
    case_codes = events[schema.CASE].cat.codes.to_numpy()
    frame = pd.DataFrame({"case": case_codes, "h1": h1, "h2": h2})
    with np.errstate(over="ignore"):
        per_case = frame.groupby("case", sort=True).agg(h1=("h1", "sum"), h2=("h2", "sum"), length=("h1", "size"))
    keys = per_case[["h1", "h2", "length"]]
    counts = keys.value_counts(sort=False).rename("cases").reset_index()
    # Most frequent first; ties broken by the first case (lexical id) having that variant, for stability.
    first_case = keys.reset_index().groupby(["h1", "h2", "length"], sort=False)["case"].min().rename("first_case").reset_index()
    counts = counts.merge(first_case, on=["h1", "h2", "length"])
    counts = counts.sort_values(["cases", "first_case"], ascending=[False, True], kind="stable").reset_index(drop=True)
    counts["variant"] = np.arange(len(counts))
    per_case = per_case.reset_index().merge(counts[["h1", "h2", "length", "variant", "cases", "first_case"]], on=["h1", "h2", "length"], how="left")
    per_case = per_case.sort_values("case", kind="stable").reset_index(drop=True)
    per_case[schema.CASE] = pd.Categorical.from_codes(per_case["case"], events[schema.CASE].cat.categories)
    return per_case[[schema.CASE, "case", "variant", "cases", "first_case", "length"]]


def _power(base: np.uint64, exponent: np.ndarray) -> np.ndarray:
    """base ** exponent mod 2^64, elementwise, by square-and-multiply over the exponent bits."""
    result = np.ones(len(exponent), dtype=np.uint64)
    factor = base
    remaining = exponent.copy()
    with np.errstate(over="ignore"):
        while remaining.any():
            odd = (remaining & np.uint64(1)).astype(bool)
            result[odd] *= factor
            factor = factor * factor
            remaining >>= np.uint64(1)
    return result


PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}


def utc_datetime64(values: pd.Series) -> np.ndarray:
    """A time column as numpy datetime64 (UTC, the column's own unit), without a copy."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert(None).to_numpy()
    return values.to_numpy()


def case_durations(events: pd.DataFrame) -> np.ndarray:
    """Per case (in case order): seconds from its first event's start (or completion) to its last
    completion; NaN without timestamps. On the integer ticks, one reduceat per case run."""
    starts = np.flatnonzero(case_starts(events))
    if starts.size == 0:
        return np.empty(0)
    times = utc_datetime64(events[schema.TIMESTAMP])
    big, small = np.iinfo(np.int64).max, np.iinfo(np.int64).min
    missing = np.isnat(times)
    low = np.minimum.reduceat(np.where(missing, big, times.view(np.int64)), starts)
    high = np.maximum.reduceat(np.where(missing, small, times.view(np.int64)), starts)
    if schema.START in events.columns:
        begun = utc_datetime64(events[schema.START]).astype(times.dtype)
        begun_low = np.minimum.reduceat(np.where(np.isnat(begun), big, begun.view(np.int64)), starts)
        low = np.minimum(low, begun_low)
    out = (high - low) / PER_SECOND[np.datetime_data(times.dtype)[0]]
    out[(low == big) | (high == small)] = np.nan
    return out


def case_table(events: pd.DataFrame) -> pd.DataFrame:
    """One row per case: first/last timestamp, duration in seconds, number of events, first/last activity."""
    grouped = events.groupby(schema.CASE, observed=True, sort=True)
    table = pd.DataFrame(
        {
            "first": grouped[schema.TIMESTAMP].min(),
            "last": grouped[schema.TIMESTAMP].max(),
            "events": grouped.size(),
        }
    )
    if schema.START in events.columns:
        first_start = grouped[schema.START].min()
        table["first"] = first_start.where(first_start.notna() & (first_start < table["first"]), table["first"])
    table["duration_seconds"] = (table["last"] - table["first"]).dt.total_seconds()
    first = case_starts(events)
    last = np.roll(first, -1)
    table["start_activity"] = events.loc[first, schema.ACTIVITY].to_numpy()
    table["end_activity"] = events.loc[last, schema.ACTIVITY].to_numpy()
    return table
