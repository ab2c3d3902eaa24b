"""`cxmine inspect` on the engines (DuckDB, Spark): the event-level work as ibis expressions, written once for
both backends, giving the LogSummary core.summary.summarise gives.

One sort of the events (case, time, file order `pos`) serves the case table, the variants (each case's
activity codes in that order, as text), the ties and the repeats. The attribute statistics read the input
as it was read (the view `raw`) joined to the usable events on `pos`, and type each column as the pandas
reader types it. Only small tables come back: per activity, per start and end activity, the top variants,
the distributions' percentiles (exact, with linear interpolation, on every engine), one row per attribute,
and up to three example rows per finding. The findings' words and order, the shares' order and the
distributions' keys are core.summary's.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from cxmine.core import schema
from cxmine.core.summary import EARLIEST_PLAUSIBLE, MARKERS, PERCENTILES, assemble_findings, count_shares, described
from cxmine.engines.source import PARTITION, Source, attribute_names, run
from cxmine.engines.timings import _case_window, _seconds
from cxmine.model import AttributeInfo, LogSummary, Variant

# The blanks Python's str.strip() removes (pandas strips with the same set), as a class RE2 (DuckDB) and
# Java (Spark) both read.
_BLANK = r"[\x{9}-\x{d}\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
# A value that probably means missing ("NULL", "N/A" …), blanks around it allowed (core.shapes' rule).
MARKER_PATTERN = f"^{_BLANK}*(" + "|".join(re.escape(marker) for marker in MARKERS) + f"){_BLANK}*$"
# Columns of the `raw` view that are not the input's: the tie order, DuckDB's row numbers, the month partition.
_NOT_INPUT = ("_pos", "file_row_number", "file_index", PARTITION)


def summary(
    source: Source, *, top_variants: int = 10, now: pd.Timestamp | None = None, stored: dict[str, str] | None = None, months: tuple[str | None, str | None] = (None, None),
) -> LogSummary:
    """The `inspect` summary of the events of `source`. `stored`: the input's columns as stored, in their
    order, each with the kind the pandas reader gives it (`stored_columns`; None: the engine's types say);
    `months`: the case-start months --since/--until read (core.normalise.window_months)."""
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    raw = _as_read(source.con.table("raw"), months)
    columns = attribute_columns(source, raw, stored or {})
    gaps = _integer_gaps(raw, columns)
    steps = source.materialise("inspect_steps", _ordered(source.events))  # the one sort of the events
    source.drop("events", "loaded")
    cases = source.materialise("inspect_cases", _per_case(steps))
    totals = _totals(source, steps, now)
    n_events, activity = int(totals["events"]), run(steps.group_by("code").aggregate(n=steps.count()), "the activity counts")
    per_case = _case_figures(source, cases)
    top = _top_variants(source, cases, top_variants, per_case["cases"])
    attributes, markers = attribute_table(raw, steps, columns, gaps=gaps, events=n_events, most=int(per_case["events_per_case"]["max"]))
    names = source.activities
    markers += int(totals["case_markers"]) + int(totals["resource_markers"])
    markers += int(activity["n"][activity["code"].isin([i for i, name in enumerate(names) if name in MARKERS])].sum())
    quality = assemble_findings(source.load.warnings, _found(source, steps, cases, totals, per_case, markers, now), events=n_events, resource=source.has_resource)
    source.drop("inspect_steps", "inspect_cases")
    return LogSummary(
        source=source.load.source, format=source.load.format, events=n_events, cases=per_case["cases"], activities=int((activity["n"] > 0).sum()),
        variants=per_case["variants"], first_timestamp=_iso(totals["first"]), last_timestamp=_iso(totals["last"]),
        has_start_timestamps=source.has_start and int(totals["starts"]) > 0,
        activity_counts=count_shares(((names[int(code)], n) for code, n in zip(activity["code"], activity["n"])), n_events),
        top_variants=top, events_per_case=per_case["events_per_case"], case_duration_seconds=per_case["case_duration_seconds"],
        start_activities=per_case["start_activities"], end_activities=per_case["end_activities"],
        attributes=attributes, quality=quality, load=source.load,
    )


def _ordered(events):
    """The events with their place in the case (`seq`, from 0), whether each is its case's last, repeats the
    activity just before it, shares its time with the event before it (`tie`) or with a neighbour (`tied`)."""
    import ibis  # noqa: PLC0415

    window = _case_window(events)
    previous, following = events.timestamp.lag().over(window), events.timestamp.lead().over(window)
    tie = ibis.coalesce(events.timestamp == previous, False)
    return events.select(
        "case_id", "code", "timestamp", "start", "resource", "pos", seq=ibis.row_number().over(window), last=following.isnull(),
        repeat=ibis.coalesce(events.code == events.code.lag().over(window), False), tie=tie, tied=tie | ibis.coalesce(events.timestamp == following, False),
    )


def _per_case(steps):
    """One row per case (core.journey.case_table and variant_ids): events, duration (from the earliest start
    when it is earlier than the first completion), first and last activity, and the variant: the activity
    codes in case order, as text."""
    import ibis  # noqa: PLC0415

    in_order = ibis.struct({"seq": steps.seq, "code": steps.code}).collect().sort()
    cases = steps.group_by("case_id").aggregate(
        events=steps.count(), first=steps.timestamp.min(), last=steps.timestamp.max(), first_start=steps.start.min(),
        start_code=steps.code.max(where=steps.seq == 0), end_code=steps.code.max(where=steps["last"]),
        variant=in_order.map(lambda step: step.code.cast("string")).join(","),
    )
    begin = ibis.ifelse(cases.first_start.notnull() & (cases.first_start < cases["first"]), cases.first_start, cases["first"])
    return cases.select("case_id", "events", "start_code", "end_code", "variant", duration=_seconds(cases["last"], begin))


def _count(condition):
    return condition.cast("int64").sum()


def _totals(source: Source, steps, now: pd.Timestamp) -> pd.Series:
    """Counts over all events: events, time span, start times, repeats, ties, times after `now` or before 1990,
    case ids and resources that are missing-value markers."""
    import ibis  # noqa: PLC0415

    marked = [code for code, name in enumerate(source.resources) if name in MARKERS]
    totals = steps.aggregate(
        events=steps.count(), first=steps.timestamp.min(), last=steps.timestamp.max(), starts=steps.start.count(),
        repeats=_count(steps.repeat), ties=_count(steps.tie), tied=_count(steps.tied),
        future=_count(steps.timestamp > _instant(now)), early=_count(steps.timestamp < _instant(EARLIEST_PLAUSIBLE)),
        case_markers=_count(steps.case_id.isin(list(MARKERS))), resource_markers=_count(steps.resource.isin(marked)) if marked else ibis.literal(0),
    )
    return run(totals, "the log's totals").iloc[0]


def _case_figures(source: Source, cases) -> dict[str, Any]:
    """Cases, single-event cases, variants, the events-per-case and duration distributions, start and end
    activities."""
    quantiles = [q for _, q in PERCENTILES]
    sizes = cases.events.cast("float64")
    row = run(cases.aggregate(
        cases=cases.count(), single=_count(cases.events == 1), variants=cases.variant.nunique(), events_mean=sizes.mean(), events_q=sizes.quantile(quantiles),
        duration_mean=cases.duration.mean(), duration_q=cases.duration.quantile(quantiles),
    ), "the case distributions").iloc[0]  # fmt: skip
    n_cases = int(row["cases"])
    out: dict[str, Any] = {
        "cases": n_cases, "single": int(row["single"]), "variants": int(row["variants"]),
        "events_per_case": described(n_cases, row["events_mean"], row["events_q"]),
        "case_duration_seconds": described(n_cases, row["duration_mean"], row["duration_q"]),
    }
    ends = run(cases.group_by(["start_code", "end_code"]).aggregate(n=cases.count()), "the start and end activities")
    for side in ("start", "end"):
        counts = ends.groupby(f"{side}_code")["n"].sum()  # a few rows: at most one per pair of activities
        out[f"{side}_activities"] = count_shares(((source.activities[int(code)], n) for code, n in counts.items()), n_cases)
    return out


def _top_variants(source: Source, cases, top: int, n_cases: int) -> tuple[Variant, ...]:
    """The `top` most frequent variants, ties to the one whose first case (by id) comes first."""
    import ibis  # noqa: PLC0415

    if not top:
        return ()
    groups = cases.group_by("variant").aggregate(cases=cases.count(), first_case=cases.case_id.min())
    shown = run(groups.order_by([ibis.desc("cases"), "first_case"]).limit(top), "the top variants")
    names = source.activities
    return tuple(
        Variant(rank, tuple(names[int(code)] for code in str(variant).split(",")), int(n), int(n) / n_cases)
        for rank, (variant, n) in enumerate(zip(shown["variant"], shown["cases"]), start=1)
    )


def _found(source: Source, steps, cases, totals: pd.Series, per_case: dict[str, Any], markers: int, now: pd.Timestamp) -> dict[str, tuple[int, tuple[str, ...]]]:
    """What core.summary.assemble_findings words: counts, and the first three examples in (case, time, file
    order), as the pandas engine picks them."""

    def flagged(condition, count: int) -> tuple[int, tuple[str, ...]]:
        return count, (_examples(source, steps.filter(condition)) if count else ())

    single = int(per_case["single"])
    lonely = run(cases.filter(cases.events == 1).order_by("case_id").limit(3).select("case_id"), "the single-event cases") if single else None
    return {
        "duplicate_events": _duplicates(source, steps, int(totals["tied"])),
        "consecutive_repeats": (int(totals["repeats"]), ()), "marker_values": (markers, ()),
        # Counted when the source was opened (engines.source._not_completions; kept for inspect, as pandas keeps them).
        "non_complete_lifecycle": (sum(int(note.count or 0) for note in source.notes if note.code == "non_complete_events"), ()),
        "single_event_cases": (single, tuple(str(case) for case in lonely["case_id"]) if single else ()),
        "timestamp_ties": flagged(steps.tie, int(totals["ties"])),
        "future_timestamps": flagged(steps.timestamp > _instant(now), int(totals["future"])),
        "early_timestamps": flagged(steps.timestamp < _instant(EARLIEST_PLAUSIBLE), int(totals["early"])),
    }


def _duplicates(source: Source, steps, tied: int) -> tuple[int, tuple[str, ...]]:
    """Events repeated with the same case, activity, time and resource, each but its first copy (file order).
    Copies share their time, so only the events in a tie are looked at."""
    import ibis  # noqa: PLC0415

    if not tied:
        return 0, ()
    candidates = steps.filter(steps.tied)
    copy = ibis.row_number().over(ibis.window(group_by=[candidates.case_id, candidates.code, candidates.timestamp, candidates.resource], order_by=candidates.pos))
    later = candidates.mutate(copy=copy).filter(lambda t: t.copy > 0)
    count = int(run(later.count(), "the duplicate events"))
    return count, (_examples(source, later) if count else ())


def _examples(source: Source, rows) -> tuple[str, ...]:
    """The first three rows in (case, time, file order), as "case X: A at T"."""
    first = run(rows.order_by(["case_id", "timestamp", "pos"]).limit(3).select("case_id", "code", "timestamp"), "the examples")
    return tuple(f"case {case!s}: {source.activities[int(code)]} at {_iso(stamp)}" for case, code, stamp in first.itertuples(index=False))


def _instant(stamp: pd.Timestamp):
    """A time as a literal the events' times compare with: naive UTC, in microseconds (as core.summary compares)."""
    import ibis  # noqa: PLC0415

    return ibis.literal(stamp.tz_convert("UTC").tz_localize(None).floor("us").to_pydatetime())


def _iso(value: Any) -> str | None:
    """A UTC time as the pandas engine writes it (ISO 8601 with +00:00)."""
    if value is None or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    return (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")).isoformat()


# --- attributes ------------------------------------------------------------------------------------------

_STRIP = f"^{_BLANK}+|{_BLANK}+$"
_SAMPLE = 16  # the first look for values that vary within a case: one case in _SAMPLE (by a hash of its id)


class _Column(NamedTuple):
    """An attribute: its name in the canonical table, its kind (`stored_columns`), and its names in the input
    as stored and as the engine reads them (None: a column of the events, start or resource)."""

    name: str
    kind: str
    stored: str | None = None
    read: str | None = None


def stored_columns(path: Path) -> dict[str, str]:
    """A local Parquet input's columns as stored, in their order, each with the kind the pandas reader
    (pyarrow's to_pandas, then core.normalise._compact_attributes) gives it: datetime, boolean, whole (an
    integer that pandas metadata keeps Int64), integer (a float in pandas when it has gaps), float, duration
    (kept as read: `inspect` shows it as string), or text (strings, dictionaries and what pandas reads as
    objects: dates, decimals, bytes): a category or a string by its distinct values."""
    import json  # noqa: PLC0415

    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.dataset as ds  # noqa: PLC0415

    schema_ = ds.dataset(path, format="parquet", partitioning="hive").schema
    meta = json.loads((schema_.metadata or {}).get(b"pandas", b"{}"))
    whole = {str(c["name"]) for c in meta.get("columns", []) if str(c.get("numpy_type")).startswith(("Int", "UInt"))}
    tests = ((pa.types.is_dictionary, "text"), (pa.types.is_timestamp, "datetime"), (pa.types.is_boolean, "boolean"), (pa.types.is_integer, "integer"),
             (pa.types.is_floating, "float"), (pa.types.is_duration, "duration"))  # fmt: skip

    def kind(field) -> str:
        found = next((name for test, name in tests if test(field.type)), "text")
        return "whole" if found == "integer" and field.name in whole else found

    return {field.name: kind(field) for field in schema_ if field.name != PARTITION}


def _kind(dtype) -> str:
    """`stored_columns`' kind from the engine's type, for inputs only the engine reads (a URL on Spark)."""
    for test, kind in ((dtype.is_timestamp, "datetime"), (dtype.is_boolean, "boolean"), (dtype.is_integer, "integer"), (dtype.is_floating, "float"), (dtype.is_interval, "duration")):
        if test():
            return kind
    return "text"


def attribute_columns(source: Source, raw, kinds: dict[str, str]) -> list[_Column]:
    """The attributes in the pandas table's column order: start, resource and lifecycle, then the other input
    columns by name (XES trace attributes, `case:…`, last), named as core.normalise names them. `kinds`:
    `stored_columns` ({}: the engine's names and types)."""
    stored = _stored_names(raw, list(kinds))
    engine_name = {name: column for column, name in stored.items()}
    used = {role: stored.get(column, column) for role, column in source.load.columns_used.items()}
    lifecycle = used.get("lifecycle")
    roles = {role: used.get(role) for role in schema.ROLES}
    others = sorted(attribute_names(list(stored.values()), roles, lifecycle).items(), key=lambda item: (item[1].startswith("case:"), item[1]))
    columns = [column for column, present in ((_Column(schema.START, "datetime"), source.has_start), (_Column(schema.RESOURCE, "category"), source.has_resource)) if present]
    if lifecycle is not None:
        columns.append(_Column(schema.LIFECYCLE, "category", lifecycle, engine_name[lifecycle]))
    return columns + [_Column(name, kinds.get(column) or _kind(raw[engine_name[column]].type()), column, engine_name[column]) for column, name in others]


def _stored_names(raw, names: list[str]) -> dict[str, str]:
    """The engine's column name → the name as stored: the same, but where DuckDB renamed a name that differs
    from another only in case (Activity_1), matched by place."""
    read = [column for column in raw.columns if column not in _NOT_INPUT]
    return dict(zip(read, names)) if len(names) == len(read) else {column: column for column in read}


def _values(raw, steps, columns: list[_Column]):
    """The usable events' case id (cx_case) and each attribute's values (v<i>), as the pandas table holds
    them: joined on `pos` to the input as read when any column beyond the events' is needed; lifecycle
    stripped with blank as missing, NaN as missing."""
    import ibis  # noqa: PLC0415

    mine, theirs = {"cx_case": steps.case_id, "cx_pos": steps.pos}, {}
    for i, column in enumerate(columns):
        if column.read is None:
            mine[f"v{i}"] = steps.start if column.name == schema.START else steps.resource
            continue
        value = raw[column.read]
        if column.name == schema.LIFECYCLE and column.kind == "category":
            value = value.cast("string").re_replace(_STRIP, "").nullif("")
        elif column.kind == "float":
            value = ibis.ifelse(value.isnan(), None, value)
        theirs[f"v{i}"] = value
    table = steps.select(**mine)
    if not theirs:
        return table
    right = raw.select(cx_at=raw._pos, **theirs)
    return table.join(right, table.cx_pos == right.cx_at)


def attribute_table(raw, steps, columns: list[_Column], *, gaps: set[str], events: int, most: int) -> tuple[tuple[AttributeInfo, ...], int]:
    """Every column but the case, activity and time (core.summary.attribute_table): its type as the pandas
    reader types it, event or case level, fill rate and distinct values; and how many text values are
    missing-value markers ("NULL", "N/A" …). `gaps`: the integer columns read as floats; `most`: the most
    events a case has."""
    table = _values(raw, steps, columns)
    keys = {f"v{i}": column for i, column in enumerate(columns)}
    present, distinct, markers = _overall(table, keys)
    named = {key for key, column in keys.items() if column.name.startswith("case:")}  # case level by name (XES trace attributes)
    single = named | _one_per_case(table, {key for key in keys if present[key]} - named, present, distinct, events, most)
    return tuple(
        AttributeInfo(column.name, _shown_type(column.kind, column.stored in gaps, distinct[key], events), "case" if key in single else "event", present[key] / max(events, 1), distinct[key])
        for key, column in keys.items()
    ), markers


def _overall(table, keys: dict[str, _Column]) -> tuple[dict[str, int], dict[str, int], int]:
    """Per attribute: values present, distinct values; and the missing-value markers among the input's texts."""
    texts = [key for key, column in keys.items() if column.read is not None and table[key].type().is_string()]
    row = run(table.aggregate(
        **{f"n_{key}": table[key].count() for key in keys}, **{f"d_{key}": table[key].nunique() for key in keys},
        **{f"m_{key}": _count(table[key].re_search(MARKER_PATTERN)) for key in texts},
    ), "the attributes").iloc[0]  # fmt: skip
    return {key: _int(row[f"n_{key}"]) for key in keys}, {key: _int(row[f"d_{key}"]) for key in keys}, sum(_int(row[f"m_{key}"]) for key in texts)


def _one_per_case(table, candidates: set[str], present: dict[str, int], distinct: dict[str, int], events: int, most: int) -> set[str]:
    """The `candidates` that are case level: some case holds one on more than one event, and no case holds
    two different values. A look at one case in _SAMPLE settles most attributes that vary; the rest are
    counted per case over all cases (the most values a case holds; its smallest and largest value). Three
    narrow passes: one wide pass over every case with every minimum and maximum takes longer."""
    several = {key for key in candidates if distinct[key] > 1}
    varying = _within_cases(table, compared=several, sample=True)[1]
    everywhere = {key for key in candidates if present[key] == events}  # a value on every event: as many as the largest case
    holding = dict.fromkeys(everywhere, most) | _within_cases(table, counted=candidates - everywhere - varying)[0]
    repeated = {key for key, count in holding.items() if count >= 2} - varying
    return repeated - _within_cases(table, compared=repeated & several)[1]


def _within_cases(table, *, counted: set[str] = frozenset(), compared: set[str] = frozenset(), sample: bool = False) -> tuple[dict[str, int], set[str]]:
    """Per case: how many values of each `counted` attribute it holds, and whether a `compared` attribute takes
    two different values in it; folded over the cases: the most values, and the attributes some case holds
    two values of. `sample`: one case in _SAMPLE only (by a hash of its id)."""
    if not (counted or compared):
        return {}, set()
    if sample:
        table = table.filter(table.cx_case.hash() % _SAMPLE == 0)
    per_case = table.group_by("cx_case").aggregate(**_per_case_parts(table, counted, compared))
    folded = {f"n_{key}": per_case[f"n_{key}"].max() for key in counted} | {f"d_{key}": (per_case[f"lo_{key}"] != per_case[f"hi_{key}"]).any() for key in compared}
    row = run(per_case.aggregate(**folded), "the attributes per case").iloc[0]
    return {key: _int(row[f"n_{key}"]) for key in counted}, {key for key in compared if _flag(row[f"d_{key}"])}


def _per_case_parts(table, counted: set[str], compared: set[str]) -> dict[str, Any]:
    parts = {f"n_{key}": table[key].count() for key in counted}
    for key in compared:
        parts |= {f"lo_{key}": table[key].min(), f"hi_{key}": table[key].max()}
    return parts


def _int(value: Any) -> int:
    """An engine's count or sum as an int (a sum over no rows is missing: 0)."""
    return 0 if value is None or pd.isna(value) else int(value)


def _flag(value: Any) -> bool:
    return False if value is None or pd.isna(value) else bool(value)


def _shown_type(kind: str, gaps: bool, distinct: int, rows: int) -> str:
    """The type `inspect` shows (core.summary.value_type of the column the pandas reader builds)."""
    if kind in ("integer", "whole"):
        return "float" if gaps else "integer"
    if kind == "text":
        return "category" if distinct <= max(0.5 * rows, 1) else "string"
    return "string" if kind == "duration" else kind


def _integer_gaps(raw, columns: list[_Column]) -> set[str]:
    """The integer input columns the pandas reader reads as floats: a gap among the rows read (usable or not),
    and no pandas metadata that keeps them Int64."""
    candidates = {f"g{i}": column for i, column in enumerate(columns) if column.kind == "integer"}
    if not candidates:
        return set()
    found = run(raw.aggregate(**{key: _count(raw[column.read].isnull()) for key, column in candidates.items()}), "the integer columns").iloc[0]
    return {column.stored for key, column in candidates.items() if _int(found[key])}


def _as_read(raw, months: tuple[str | None, str | None]):
    """The input's rows the events were read from: a `case_month` dataset without the months --since/--until
    leave out, as engines.source reads it (DuckDB numbers only the files it reads, and `pos` with them)."""
    since, until = months
    if PARTITION not in raw.columns:
        return raw
    month = raw[PARTITION].cast("string")
    if since:
        raw = raw.filter(month >= since)
    if until:
        raw = raw.filter(month <= until)
    return raw


def unsupported(path: Path, config: Any = None, options: Any = None) -> str | None:
    """What `inspect` on the engines does not read yet in this Parquet input (None: nothing), from the schema
    alone: nested columns (structs, lists, maps), which the pandas reader flattens."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.dataset as ds  # noqa: PLC0415

    try:
        stored = ds.dataset(path, format="parquet", partitioning="hive").schema
    except Exception:  # noqa: BLE001 - an unreadable input is reported by the reader with its own message
        return None

    def nested(kind) -> bool:
        return pa.types.is_nested(kind) or pa.types.is_union(kind) or (pa.types.is_dictionary(kind) and pa.types.is_nested(kind.value_type))

    found = [field.name for field in stored if nested(field.type)]
    return f"it does not read nested columns ({', '.join(found[:3])}{', …' if len(found) > 3 else ''}) yet" if found else None
