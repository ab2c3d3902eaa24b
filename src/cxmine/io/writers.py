"""Writers for `cxmine convert`: the canonical table as Parquet, CSV or XES.

Parquet keeps the canonical names (and a `cxmine` metadata key), so every command reads it back with no
flags and no parsing: a big log is parsed once and analysed fast afterwards.

XES is XML 1.0, which cannot carry most control characters (NUL, ESC, …) at all: a value holding one is
written with U+FFFD in its place, counted in a warning. Tabs and line breaks are written as character
references, so they survive XML's attribute-value normalisation. CSV keeps the data exact unless
`safe_csv` asks for spreadsheet-safe cells (formula injection, see `render.escape.csv_cell`).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from cxmine.core import schema
from cxmine.core.journey import case_starts
from cxmine.core.summary import value_type
from cxmine.model import EventLog, Warning_

OUTPUT_FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".xes": "xes"}


def output_format(path: Path) -> str | None:
    name = path.name.lower()
    for suffix, kind in OUTPUT_FORMATS.items():
        if name.endswith(suffix) or name.endswith(suffix + ".gz") and kind != "parquet":
            return kind
    return None


def write_parquet(log: EventLog, path: Path) -> None:
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    table = pa.Table.from_pandas(log.events, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"cxmine"] = json.dumps({"table": "events", "version": 1, "source": log.source}).encode()
    table = table.replace_schema_metadata(meta)
    pq.write_table(table, path, compression="zstd")


def write_dataset(log: EventLog, folder: Path) -> int:
    """A hive-partitioned Parquet dataset: one folder per month (UTC) in which cases start,
    `case_month=2026-03/…parquet`, so `--since/--until` read only the months they need. Returns the number of
    partitions written. Whole cases stay in their start month's partition."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.dataset as ds  # noqa: PLC0415

    events = log.events
    starts = events.groupby("case_id", observed=True, sort=False)["timestamp"].transform("min")
    months = starts.dt.tz_convert("UTC").dt.strftime("%Y-%m")
    table = pa.Table.from_pandas(events.assign(case_month=months.to_numpy()), preserve_index=False)
    ds.write_dataset(
        table, folder, format="parquet", partitioning=["case_month"], partitioning_flavor="hive",
        existing_data_behavior="error", basename_template="part-{i}.parquet",
    )
    return int(months.nunique())


def write_csv(log: EventLog, path: Path, *, gzip: bool = False, safe_csv: bool = False) -> None:
    """`safe_csv`: text cells (and column names) that a spreadsheet would run as a formula get a leading
    `'`; plain numbers stay numbers. Off by default: the file is then the data, exactly."""
    events = log.events
    if safe_csv:
        from cxmine.render.escape import csv_cell, csv_safe_series  # noqa: PLC0415 - a leaf module, no dependencies

        events = pd.DataFrame({index: csv_safe_series(events[column]) for index, column in enumerate(events.columns)})
        events.columns = [csv_cell(str(column)) for column in log.events.columns]
    events.to_csv(path, index=False, compression="gzip" if gzip else None, date_format="%Y-%m-%dT%H:%M:%S.%f%z")


# XML 1.0 allows tab, LF, CR and everything from U+0020 except surrogates (which a pandas string cannot
# hold), U+FFFE and U+FFFF. Written out, not as escapes: the pattern must suit Python's re and Arrow's RE2.
_XML_FORBIDDEN = "[" + "".join(map(chr, (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)))) + "\ufffe\uffff]"
_XML_WHITESPACE = {"\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}  # kept through attribute-value normalisation


def _xml_escape(values: pd.Series, counts: dict[str, int] | None = None, key: str = "") -> pd.Series:
    """Attribute-value text: markup escaped, tab/LF/CR as references, characters XML cannot hold → U+FFFD
    (the number of values changed is added to `counts[key]`). Vectorised; the rare cases cost a scan each."""
    bad = values.str.contains(_XML_FORBIDDEN, regex=True)
    if bool(bad.any()):
        if counts is not None:
            counts[key] = counts.get(key, 0) + int(bad.sum())
        values = values.str.replace(_XML_FORBIDDEN, "\ufffd", regex=True)
    values = (
        values.str.replace("&", "&amp;", regex=False)
        .str.replace("<", "&lt;", regex=False)
        .str.replace(">", "&gt;", regex=False)
        .str.replace('"', "&quot;", regex=False)
    )
    if bool(values.str.contains("[\t\n\r]", regex=True).any()):
        for char, reference in _XML_WHITESPACE.items():
            values = values.str.replace(char, reference, regex=False)
    return values


_XES_TYPES = {"datetime": "date", "boolean": "boolean", "integer": "int", "float": "float"}


def _xes_type(values: pd.Series) -> str:
    return _XES_TYPES.get(value_type(values), "string")


def _xes_attribute(key: str, values: pd.Series, counts: dict[str, int] | None = None) -> pd.Series:
    """`<type key="k" value="v"/>` per row, empty where the value is missing (vectorised)."""
    kind = _xes_type(values)
    present = values.notna()
    if kind == "date":
        text = values.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
        if bool((values.dt.microsecond[present] % 1000 == 0).all()):
            text = text.str[:-3]  # milliseconds, as XES tools write them, unless that would lose precision
        text = text + "+00:00"
    elif kind == "boolean":
        text = values.map({True: "true", False: "false"})
    else:
        text = values.astype("string")
    text = _xml_escape(text.astype("string"), counts, key)
    tag = f'<{kind} key="{_xml_escape(pd.Series([key], dtype="string"), counts, key).iloc[0]}" value="'
    return (tag + text + '"/>').where(present, "").astype(object).fillna("")


def xes_text(log: EventLog, notes: list[Warning_] | None = None) -> str:
    """The whole log as XES 1.0 text; activity instances with a start time become start + complete events.
    Values holding characters XML 1.0 cannot carry are written with U+FFFD and reported in `notes`."""
    counts: dict[str, int] = {}
    events = log.events
    standard = {schema.CASE, schema.ACTIVITY, schema.TIMESTAMP, schema.START, schema.RESOURCE, schema.LIFECYCLE}
    reserved = {"concept:name", "time:timestamp", "org:resource", "lifecycle:transition"}
    frame = events.copy()
    has_start = schema.START in frame.columns and frame[schema.START].notna().any()
    writes_lifecycle = has_start or schema.LIFECYCLE in frame.columns
    if writes_lifecycle:
        lifecycle = frame[schema.LIFECYCLE].astype("string") if schema.LIFECYCLE in frame.columns else pd.Series("complete", index=frame.index, dtype="string")
        frame["_lifecycle"] = lifecycle.fillna("complete")
    if has_start:
        starts = frame.loc[frame[schema.START].notna()].copy()
        starts[schema.TIMESTAMP] = starts[schema.START]
        starts["_lifecycle"] = "start"
        frame["_order"] = 1
        starts["_order"] = 0
        frame = pd.concat([starts, frame], ignore_index=True)
        frame = frame.sort_values([schema.CASE, schema.TIMESTAMP, "_order"], kind="stable").reset_index(drop=True)
    event_parts = [
        _xes_attribute("concept:name", frame[schema.ACTIVITY].astype("string"), counts),
        _xes_attribute("time:timestamp", frame[schema.TIMESTAMP], counts),
    ]
    if schema.RESOURCE in frame.columns:
        event_parts.append(_xes_attribute("org:resource", frame[schema.RESOURCE].astype("string"), counts))
    if writes_lifecycle:
        event_parts.append(_xes_attribute("lifecycle:transition", frame["_lifecycle"], counts))
    case_columns = [c for c in frame.columns if c.startswith("case:") and c not in reserved]
    other = [c for c in frame.columns if c not in standard and c not in reserved and c not in case_columns and not c.startswith("_")]
    for column in other:
        event_parts.append(_xes_attribute(column, frame[column], counts))
    body = event_parts[0]
    for part in event_parts[1:]:
        body = body + part
    body = "<event>" + body + "</event>\n"

    first = case_starts(frame)
    last = np.roll(first, -1)
    # A trace attribute is written once per trace: count it on the first rows only.
    trace_counts: dict[str, int] = {}
    heads = frame.loc[first]
    trace_head = "<trace>" + _xes_attribute("concept:name", heads[schema.CASE].astype("string"), trace_counts)
    for column in case_columns:
        trace_head = trace_head + _xes_attribute(column[len("case:"):], heads[column], trace_counts)
    trace_head = trace_head.reindex(frame.index, fill_value="")
    for key, count in trace_counts.items():
        counts[key] = counts.get(key, 0) + count
    if counts and notes is not None:
        keys = sorted(counts, key=lambda k: (-counts[k], k))
        notes.append(
            Warning_(
                "xes_invalid_characters",
                "values holding control characters XML 1.0 cannot carry (NUL, ESC, …); each such character was written as U+FFFD",
                sum(counts.values()),
                tuple(repr(k)[1:-1] for k in keys[:5]),
            )
        )
    opening = trace_head + np.where(first, "\n", "")
    closing = pd.Series(np.where(last, "</trace>\n", ""), index=frame.index)
    lines = opening + body + closing
    header = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<log xes.version="1.0" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">\n'
        '<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>\n'
        '<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>\n'
        '<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>\n'
        '<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>\n'
        '<classifier name="Activity" keys="concept:name"/>\n'
    )
    return header + "".join(lines.tolist()) + "</log>\n"


def write_xes(log: EventLog, path: Path, *, gzip: bool = False, notes: list[Warning_] | None = None) -> None:
    text = xes_text(log, notes).encode("utf-8")
    if gzip:
        import gzip as gz  # noqa: PLC0415

        text = gz.compress(text, mtime=0)
    Path(path).write_bytes(text)


def write(log: EventLog, path: Path, kind: str, *, gzip: bool = False, safe_csv: bool = False) -> tuple[Warning_, ...]:
    """Write `log` as `kind`; returns the warnings about what could not be written exactly (for stderr).
    `safe_csv` applies to CSV only (see `write_csv`)."""
    notes: list[Warning_] = []
    if kind == "parquet":
        write_parquet(log, path)
    elif kind == "csv":
        write_csv(log, path, gzip=gzip, safe_csv=safe_csv)
    else:
        write_xes(log, path, gzip=gzip, notes=notes)
    return tuple(notes)
