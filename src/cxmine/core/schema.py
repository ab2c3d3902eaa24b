"""The canonical event table: column names, and the source names we recognise for each role."""
from __future__ import annotations

CASE = "case_id"
ACTIVITY = "activity"
TIMESTAMP = "timestamp"
START = "start_timestamp"
RESOURCE = "resource"
LIFECYCLE = "lifecycle"

ROLES = (CASE, ACTIVITY, TIMESTAMP, START, RESOURCE)

# CLI flag that maps each role, used in error messages ("pass --timestamp").
FLAG = {CASE: "--case", ACTIVITY: "--activity", TIMESTAMP: "--timestamp", START: "--start-timestamp", RESOURCE: "--resource"}

# Names tried in order when a role is not mapped explicitly; compared case-insensitively with spaces,
# dashes and underscores folded, so "Case ID", "case_id" and "caseid" all match "case id".
CANDIDATES: dict[str, tuple[str, ...]] = {
    CASE: (
        "case:concept:name", "case_id", "case id", "case", "caseid", "case_key", "trace_id", "traceid",
        "process_instance", "order_id", "ticket_id", "ticket", "sessionid", "session_id",
    ),
    ACTIVITY: (
        "concept:name", "activity", "activity_name", "activity name", "event", "event_name", "task", "action",
        "step", "page_name",
    ),
    TIMESTAMP: (
        "time:timestamp", "timestamp", "complete timestamp", "complete_timestamp", "completion_time",
        "end_timestamp", "end_time", "endtime", "end", "time", "datetime", "date", "event_time",
    ),
    START: (
        "start_timestamp", "start timestamp", "start_time", "starttime", "start", "time:start", "begin",
    ),
    RESOURCE: (
        "org:resource", "resource", "user", "agent", "employee", "performer", "handler", "owner",
    ),
}

LIFECYCLE_CANDIDATES = ("lifecycle", "lifecycle:transition", "lifecycle_transition", "transition")


def fold(name: str) -> str:
    """Key used to compare column names loosely."""
    return "".join(ch for ch in name.casefold() if ch not in " _-")


def detect(columns: list[str], role: str, taken: set[str]) -> str | None:
    """First column (in candidate order) that plausibly plays `role` and is not already taken."""
    # A file cxmine wrote carries the canonical names: they win over anything that looks alike.
    if role in columns and role not in taken:
        return role
    by_fold: dict[str, str] = {}
    for column in columns:
        by_fold.setdefault(fold(column), column)
    for candidate in CANDIDATES[role]:
        column = by_fold.get(fold(candidate))
        if column is not None and column not in taken:
            return column
    return None


def detect_lifecycle(columns: list[str]) -> str | None:
    by_fold = {fold(c): c for c in columns}
    for candidate in LIFECYCLE_CANDIDATES:
        if fold(candidate) in by_fold:
            return by_fold[fold(candidate)]
    return None
