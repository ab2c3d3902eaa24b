"""Complaint sources → one table: case_id (or customer), timestamp (UTC), tag, severity.

Three sources, as configured in [complaints]: a separate CSV/Parquet file; events of the log whose
activity matches a pattern ("Complaint*"); or a case attribute holding a complaint tag.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cxmine.core import schema
from cxmine.matching import pattern_matches
from cxmine.core.normalise import parse_timestamps, row_number
from cxmine.errors import ConfigError, InputError
from cxmine.model import LoadOptions, Warning_

COLUMNS = ["case_id", "customer", "timestamp", "tag", "severity"]
# One schema for every source, also when it yields no complaint: the friction engine joins these
# columns with the log's, and an empty frame of object columns does not join with categories.
DTYPES = {"case_id": "string", "customer": "string", "timestamp": "datetime64[us, UTC]", "tag": "string", "severity": "float64"}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[COLUMNS].astype(DTYPES).reset_index(drop=True)


def _column(frame: pd.DataFrame, name: str | None, key: str, source: str, required: bool = True) -> str | None:
    if name is None:
        if required:
            raise ConfigError(
                f"[complaints] needs '{key}'",
                file=source,
                hint=f"set {key} = \"COLUMN\" in cxmine.toml; columns found: {', '.join(map(str, frame.columns))}",
            )
        return None
    if name not in frame.columns:
        raise InputError(
            f"complaints file has no column {name!r} (configured as [complaints] {key})",
            file=source,
            hint=f"columns found: {', '.join(map(str, frame.columns))}",
        )
    return name


def read_complaint_file(source_config, notes: list[Warning_]) -> pd.DataFrame:
    """A CSV/Parquet of complaints, mapped by the [complaints] keys."""
    from cxmine.io import check_readable, detect_format  # noqa: PLC0415
    from cxmine.io import tabular  # noqa: PLC0415

    path = Path(source_config.path)
    check_readable(path)
    source = str(path)
    kind = detect_format(path)
    if kind == "csv":
        raw, first_line = tabular.read_csv(path, encoding=source_config.encoding, notes=notes)
    elif kind == "parquet":
        raw, first_line = tabular.read_parquet(path, notes=notes), 1
    else:
        raise InputError("complaints must be a CSV or Parquet file", file=source, hint="export them as CSV")
    if raw.empty:
        raise InputError("the complaints file has no rows", file=source)
    if source_config.case is None and source_config.customer is None:
        raise ConfigError("[complaints] needs 'case' or 'customer'", hint=f"columns found: {', '.join(map(str, raw.columns))}")
    case_col = _column(raw, source_config.case, "case", source, required=False)
    customer_col = _column(raw, source_config.customer, "customer", source, required=False)
    time_col = _column(raw, source_config.timestamp, "timestamp", source)
    tag_col = _column(raw, source_config.tag, "tag", source, required=False)
    severity_col = _column(raw, source_config.severity, "severity", source, required=False)
    origin = np.arange(len(raw))
    times = parse_timestamps(
        raw[time_col],
        column=time_col,
        options=LoadOptions(),
        source=source,
        # Line numbers only hold when no quoted value spans lines; else name rows instead.
        row_label=row_number if kind == "csv" and tabular.spans_lines(raw) else (lambda i: f"line {i + first_line}"),
        origin=origin,
        flag="[complaints] timestamp",
        notes=notes,
    )
    frame = pd.DataFrame(
        {
            "case_id": raw[case_col].astype("string").str.strip() if case_col else pd.Series(pd.NA, index=raw.index, dtype="string"),
            "customer": raw[customer_col].astype("string").str.strip() if customer_col else pd.Series(pd.NA, index=raw.index, dtype="string"),
            "timestamp": times,
            "tag": raw[tag_col].astype("string").fillna("(untagged)") if tag_col else "(untagged)",
            "severity": pd.to_numeric(raw[severity_col], errors="coerce") if severity_col else np.nan,
        }
    )
    bad = frame["timestamp"].isna().to_numpy()
    if bad.any():
        notes.append(Warning_("complaint_without_time", "complaints without a usable timestamp were ignored", int(bad.sum())))
        frame = frame.loc[~bad].reset_index(drop=True)
    return _typed(frame)


def complaints_from_events(events: pd.DataFrame, pattern: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Events whose activity matches `pattern` are complaints (tag = the activity). Returns the complaints
    and a mask of those events, which the caller removes from the process events."""
    names = [str(c) for c in events[schema.ACTIVITY].cat.categories]
    matching = sorted(pattern_matches(names, pattern))  # the one matcher: an exact name wins over a glob
    mask = events[schema.ACTIVITY].isin(matching).to_numpy()
    frame = pd.DataFrame(
        {
            "case_id": events.loc[mask, schema.CASE].astype("string").to_numpy(),
            "customer": pd.array([pd.NA] * int(mask.sum()), dtype="string"),
            "timestamp": events.loc[mask, schema.TIMESTAMP].to_numpy(dtype="datetime64[us]"),
            "tag": events.loc[mask, schema.ACTIVITY].astype("string").to_numpy(),
            "severity": np.nan,
        }
    )
    frame["timestamp"] = frame["timestamp"].dt.tz_localize("UTC")
    return _typed(frame), mask


def complaints_from_attribute(events: pd.DataFrame, attribute: str) -> pd.DataFrame:
    """A case attribute holding a complaint tag: one complaint per case where it is set, at the case's end."""
    if attribute not in events.columns:
        raise ConfigError(
            f"[complaints] attribute {attribute!r} is not a column of the log",
            hint=f"columns: {', '.join(map(str, events.columns))}",
        )
    grouped = events.groupby(schema.CASE, observed=True, sort=True)
    tags = grouped[attribute].first()
    ends = grouped[schema.TIMESTAMP].max()
    present = tags.notna() & (tags.astype("string").str.strip() != "")
    return _typed(
        pd.DataFrame(
            {
                "case_id": tags.index[present].astype("string"),
                "customer": pd.array([pd.NA] * int(present.sum()), dtype="string"),
                "timestamp": ends[present].to_numpy(dtype="datetime64[us]"),
                "tag": tags[present].astype("string").to_numpy(),
                "severity": np.nan,
            }
        ).assign(timestamp=lambda f: f["timestamp"].dt.tz_localize("UTC"))
    )
