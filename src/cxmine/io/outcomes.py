"""Score files for `[[outcomes]]` read from a survey (NPS, CSAT): one row per answer, joined to cases by
case id, or by customer and time (the customer's case that started last before the answer)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from cxmine.errors import InputError
from cxmine.model import Warning_


def read_scores(outcome: Any, notes: list[Warning_]) -> pd.DataFrame:
    """The answers of a scores file: columns case_id, customer, timestamp (UTC or NaT) and score (float).
    Rows whose score is not a number are dropped and counted."""
    path = Path(outcome.path)
    if not path.is_file():
        raise InputError(f"[[outcomes]] {outcome.name!r}: scores file not found", file=str(path), hint="check `path` (relative to cxmine.toml)")
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)  # typed columns stay typed (a timestamp is not parsed back from text)
        else:
            frame = pd.read_csv(path, dtype=str, sep=None, engine="python", encoding=outcome.encoding, keep_default_na=True)
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError, OSError) as exc:
        raise InputError(f"[[outcomes]] {outcome.name!r}: cannot read the scores file ({exc.__class__.__name__})", file=str(path), hint="use a CSV with a header row, or Parquet") from None
    columns = list(frame.columns)
    wanted = {"score": outcome.score, "case": outcome.case, "customer": outcome.customer, "timestamp": outcome.timestamp}
    for key, column in wanted.items():
        if column is not None and column not in columns:
            raise InputError(
                f"[[outcomes]] {outcome.name!r}: no column {column!r} for `{key}` in the scores file",
                file=str(path), hint=f"columns: {', '.join(map(str, columns[:20]))}",
            )
    score = pd.to_numeric(frame[outcome.score], errors="coerce")
    bad = score.isna() & frame[outcome.score].notna()
    if bad.any():
        notes.append(Warning_("scores_not_numbers", f"[[outcomes]] {outcome.name!r}: scores that are not numbers were ignored", int(bad.sum()), tuple(frame.loc[bad, outcome.score].astype(str).head(3))))
    out = pd.DataFrame(
        {
            "case_id": frame[outcome.case].astype("string") if outcome.case else pd.array([pd.NA] * len(frame), dtype="string"),
            "customer": frame[outcome.customer].astype("string") if outcome.customer else pd.array([pd.NA] * len(frame), dtype="string"),
            "timestamp": _instants(frame[outcome.timestamp]) if outcome.timestamp else pd.NaT,
            "score": score,
        }
    )
    return out.loc[out["score"].notna()].reset_index(drop=True)


def _instants(values: pd.Series) -> pd.Series:
    """Answer times in UTC (naive ones read as UTC); text that is not a time becomes NaT."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return pd.to_datetime(values, utc=True)
    return pd.to_datetime(values.astype("string"), utc=True, errors="coerce", format="mixed")
