"""The starter cxmine.toml that `cxmine init` writes, built from the log's own columns and activities."""
from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxmine.config.settings import FrictionSettings
from cxmine.model import LoadOptions

if TYPE_CHECKING:  # pandas is only needed when building a starter config
    from cxmine.model import EventLog

_CUSTOMER_NAMES = ("customer_id", "customer", "customerid", "customer_key", "client_id", "client", "account_id", "account", "customer_number", "customer_no")
_TEAM_NAMES = ("team", "org:group", "group", "department", "workgroup", "work_group", "support_section", "section", "responsible_section", "queue", "org:role", "role", "unit")
_CHANNEL_NAMES = ("channel", "contact_channel", "touchpoint_channel", "medium", "contact_type", "contact_medium")


def _column_like(columns: Sequence[str], candidates: Sequence[str]) -> list[str]:
    """Columns whose folded name (ignoring a `case:` prefix) equals a candidate, in candidate order."""
    from cxmine.core.schema import fold  # noqa: PLC0415 - pure, but keeps the import graph small at load

    by_fold: dict[str, str] = {}
    for column in columns:
        bare = column[5:] if column.startswith("case:") else column
        by_fold.setdefault(fold(bare), column)
    found = []
    for candidate in candidates:
        column = by_fold.get(fold(candidate))
        if column is not None and column not in found:
            found.append(column)
    return found


def toml_string(text: str) -> str:
    """A TOML basic string literal for any text."""
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _round_up_duration(seconds: float) -> str:
    """A promise-like round duration at or above `seconds`."""
    if not math.isfinite(seconds) or seconds <= 0:
        return "24h"
    for size, unit, threshold in ((86400, "d", 2 * 86400), (3600, "h", 2 * 3600), (60, "m", 2 * 60)):
        if seconds >= threshold:
            return f"{math.ceil(seconds / size)}{unit}"
    return f"{max(1, math.ceil(seconds))}s"


_CHASING = re.compile(r"chas|remind|follow.?up|calls? about|status (?:request|inquiry|enquiry|call)", re.IGNORECASE)


def _most_common_start(events: Any) -> str | None:
    """The activity that most cases start with (events are sorted by case, then time)."""
    starts = events.drop_duplicates("case_id")["activity"].astype("string").value_counts()
    return str(starts.index[0]) if len(starts) else None


def _example_promise(events: Any, counts: Any) -> tuple[str, str, str] | None:
    """The two most frequent activities, in their usual order, and the time that 90 % of cases need."""
    import pandas as pd  # noqa: PLC0415

    frequent = [str(name) for name in counts.index[:2]]
    if len(frequent) < 2:
        return None
    subset = events.loc[events["activity"].astype("string").isin(frequent), ["case_id", "activity", "timestamp"]].copy()
    subset["activity"] = subset["activity"].astype("string")
    first = subset.groupby(["case_id", "activity"], observed=True)["timestamp"].min().unstack("activity")
    if not all(name in first.columns for name in frequent):
        return frequent[0], frequent[1], "24h"
    both = first.dropna(subset=frequent)
    a, b = frequent
    if len(both) and float((both[b] < both[a]).mean()) > 0.5:
        a, b = b, a
    gaps = (both[b] - both[a]).dt.total_seconds() if len(both) else pd.Series(dtype=float)
    gaps = gaps[gaps > 0]
    within = _round_up_duration(float(gaps.quantile(0.9))) if len(gaps) else "24h"
    return a, b, within


def _relative_path(target: Path, folder: Path) -> str:
    """`target` relative to `folder` when they share a project folder, else absolute (forward slashes)."""
    target, folder = target.resolve(), folder.resolve()
    try:
        common = Path(os.path.commonpath([target, folder]))
        relative = Path(os.path.relpath(target, folder))
    except ValueError:  # another drive on Windows
        return target.as_posix()
    if common == Path(common.anchor) or relative.parts[:3] == ("..", "..", ".."):
        return target.as_posix()
    return relative.as_posix()


_BAD_END = re.compile(r"cancel|declin|reject|abandon|withdr|collection|reopen|refus|lost|churn|escalat|terminat|expire|dismiss", re.IGNORECASE)
_SURVEY = re.compile(r"nps|csat|satisf|rating|score|survey", re.IGNORECASE)
_PAUSE = re.compile(r"release|discharg|deliver|sent to customer|offer sent|o_sent$|notification", re.IGNORECASE)


def _outcome_lines(events: Any, attributes: Sequence[str]) -> list[str]:
    """Proposed [[outcomes]]: end activities whose names sound final and bad, and survey-like columns."""
    last = events.drop_duplicates("case_id", keep="last")["activity"].astype("string").value_counts()
    cases = max(1, int(events["case_id"].nunique()))
    bad = [str(name) for name, count in last.items() if _BAD_END.search(str(name)) and count >= 0.01 * cases]
    lines = ["# Bad outcomes friction may raise (most logs have no complaints file: these are the harm that matters)."]
    for name in bad[:3]:
        share = 100 * int(last[name]) / cases
        slug = re.sub(r"[^a-z0-9]+", " ", name.lower()).strip() or "bad end"
        lines += ["[[outcomes]]", f"name = {toml_string(slug)}", f"ends_with = [{toml_string(name)}]   # ends {share:.0f}% of cases", ""]
    if not bad:
        lines += ["# [[outcomes]]", '# name = "cancelled"', '# ends_with = ["Cancelled"]      # or reaches = [...], or attribute = "made_sla" with equals = "false"', ""]
    survey = [c for c in attributes if _SURVEY.search(c)]
    lines += [
        "# A survey answer as an outcome (a scores file joined by case, or by customer and time):",
        "# [[outcomes]]",
        '# name = "detractor"',
        '# path = "survey.csv"',
        '# case = "case_id"',
        f'# score = {toml_string(survey[0]) if survey else chr(34) + "nps" + chr(34)}' + ("   # a survey-like column of this log" if survey else ""),
        "# bad_below = 7",
        "",
    ]
    return lines


def _shape_lines(events: Any) -> list[str]:
    """[prepare] and [journey] proposals from the log's own shape."""
    from cxmine.core.shapes import shape_counts  # noqa: PLC0415

    counts = shape_counts(events, ("?", "NULL", "N/A", "null", "-"))
    total = max(1, len(events))
    lines = ["# Real log shapes (each change is counted in the warnings)."]
    duplicate = counts["duplicate_events"] / total
    repeats = counts["consecutive_repeats"] / total
    lines.append("[prepare]" if duplicate >= 0.001 or repeats >= 0.2 else "# [prepare]")
    lines.append(("" if duplicate >= 0.001 else "# ") + f"drop_duplicates = true    # {counts['duplicate_events']:,} exact duplicate events")
    lines.append(("" if repeats >= 0.2 else "# ") + f"merge_repeats = true      # {counts['consecutive_repeats']:,} consecutive repeats (snapshot rows?)")
    lines.append(("" if counts["marker_values"] else "# ") + f'missing = ["?", "NULL", "N/A"]   # {counts["marker_values"]:,} such values in this log')
    pauses = [str(n) for n in events["activity"].astype("string").unique() if _PAUSE.search(str(n))]
    lines += ["", "# After these the customer is not waiting on us (a discharge, a delivery, an offer sent):", "# [journey]"]
    lines.append(f"# pauses = [{', '.join(toml_string(p) for p in sorted(pauses)[:4])}]" if pauses else '# pauses = ["Delivered"]')
    lines.append("")
    return lines


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def starter_config(log: EventLog, *, options: LoadOptions | None = None, config_dir: Path | None = None) -> str:
    """A commented cxmine.toml for this log: its column mapping, its activities (as a touchpoint list to
    edit), an example promise, and the other sections with their defaults, commented out.

    `config_dir` is where the file will be written (the log's folder by default), so [log] path is relative
    to it. `options` carries parsing hints (timezone, timestamp format, encoding) worth keeping.
    """
    options = options or LoadOptions()
    source = Path(log.source)
    folder = Path(config_dir) if config_dir is not None else source.parent
    relative = _relative_path(source, folder)

    events = log.events
    used = log.columns_used
    role_columns = {"case_id", "activity", "timestamp", "start_timestamp", "resource", "lifecycle"}
    attributes = [str(c) for c in events.columns if c not in role_columns]
    customer = _column_like(attributes, _CUSTOMER_NAMES)
    team = _column_like(attributes, _TEAM_NAMES)
    channel = _column_like(attributes, _CHANNEL_NAMES)
    counts = events["activity"].value_counts(sort=False)
    counts = counts[counts > 0]
    order = sorted(counts.index, key=lambda name: (-int(counts[name]), str(name)))
    counts = counts.reindex(order)

    out: list[str] = []
    add = out.append
    add(f"# cxmine configuration for {source.name}, written by `cxmine init`.")
    add("# Lines starting with # are comments: remove the # to use a setting. Reference: docs/config.md")
    add(f"# The log has {len(events):,} events in {events['case_id'].nunique():,} cases and {len(counts):,} activities.")
    add("")
    add("# The event log and which column plays which role (found automatically; change what is wrong).")
    add("# Flags given on the command line (--case, --timestamp, …) win over these.")
    add("[log]")
    add(f"path = {toml_string(relative)}")
    for role, key in (("case_id", "case"), ("activity", "activity"), ("timestamp", "timestamp"), ("start_timestamp", "start_timestamp"), ("resource", "resource")):
        column = used.get(role)
        if column:
            add(f"{key} = {toml_string(str(column))}")
        else:
            add(f'# {key} = "column name"' + ("   # no start-time column was found" if role == "start_timestamp" else ""))
    add(f"timezone = {toml_string(options.timezone)}" if options.timezone != "UTC" else '# timezone = "UTC"             # timezone of timestamps without an offset')
    add(f"timestamp_format = {toml_string(options.timestamp_format)}" if options.timestamp_format else '# timestamp_format = "%d/%m/%Y %H:%M"')
    add(f"encoding = {toml_string(options.encoding)}" if options.encoding != "utf-8" else '# encoding = "utf-8"')
    if options.lifecycle_in_activity:
        add("lifecycle_in_activity = true")
    if customer:
        add(f"customer = {toml_string(customer[0])}" + ("" if len(customer) == 1 else f"   # or: {', '.join(customer[1:])}"))
    else:
        add('# customer = "customer_id"   # column with a customer id (links cases of the same customer)')
    if team:
        add(f"team = {toml_string(team[0])}" + ("" if len(team) == 1 else f"   # or: {', '.join(team[1:])}"))
    else:
        add('# team = "team"              # column with the team or group doing the work (for ping-pong)')
    others = [c for c in attributes if c not in customer[:1] and c not in team[:1]]
    if others:
        shown = ", ".join(others[:25]) + (f", … ({len(others)} in all)" if len(others) > 25 else "")
        add(f"# Other columns in this log: {shown}")
    add("")

    add("# What the customer sees. Uncomment `activities` and keep only customer-facing activities")
    add('# (names, or patterns such as "Customer*"). Left out, every activity counts as a touchpoint.')
    add("[touchpoints]")
    add("# activities = [")
    width = max((len(toml_string(str(name))) for name in counts.index), default=0) + 1
    for name, count in counts.items():
        add(f"#   {(toml_string(str(name)) + ','):<{width}}  # {_plural(int(count), 'event')}")
    add("# ]")
    if channel:
        add(f"# attribute = {toml_string(channel[0])}   # or: events whose {channel[0]!r} is set are touchpoints (only if it is empty on back-office events)")
    else:
        add('# attribute = "channel"   # or: events where this column is set are touchpoints')
    first = _most_common_start(events) or "First activity"
    chasing = [str(name) for name in counts.index if _CHASING.search(str(name))]
    add(f"# customer_initiated = [{toml_string(first)}]   # touchpoints the customer starts")
    if chasing:
        add(f"# chasing = [{', '.join(toml_string(name) for name in chasing[:3])}]   # contacts that mean the customer is chasing us")
    else:
        add('# chasing = ["Customer calls*"]   # contacts that mean the customer is chasing us')
    add("# [touchpoints.channel]      # optional: the channel of each touchpoint")
    add(f'# {toml_string(first)} = "web"')
    add("# [touchpoints.dimension]    # optional: functionality, ease, connection or emotion")
    add(f'# {toml_string(first)} = "ease"')
    add("")

    add('# Promises made to the customer: "to" must follow "from" within the given time')
    add("# (durations: 90s, 45m, 24h, 5d, 2w, 1d12h). Add one [[promises]] block per promise.")
    example = _example_promise(events, counts)
    if example is not None:
        a, b, within = example
        add(f"# This example uses the two most frequent activities; 90 % of cases take at most {within}.")
    else:
        a, b, within = "First activity", "Second activity", "24h"
    add("# [[promises]]")
    add(f"# from = {toml_string(a)}")
    add(f"# to = {toml_string(b)}")
    add(f"# within = {toml_string(within)}")
    add(f"# name = {toml_string(f'{b} within {within}')}   # optional")
    add("")

    out.extend(_outcome_lines(events, attributes))
    out.extend(_shape_lines(events))

    complaint_activities = [str(name) for name in counts.index if "complain" in str(name).lower()]
    add("# Complaints, attributed to cases (and to where the customer was) by time. Use one source:")
    add("# [complaints]")
    add('# path = "complaints.csv"     # a CSV file, relative to this file; then name its columns:')
    add(f'# case = {toml_string(used.get("case_id") if log.format != "xes" and used.get("case_id") else "case_id")}')
    add('# customer = "customer_id"')
    add('# timestamp = "timestamp"')
    add('# tag = "tag"')
    add('# severity = "severity"')
    add('# text = "text"')
    add('# encoding = "utf-8"')
    if complaint_activities:
        add(f"# activity_pattern = {toml_string('*omplain*')}   # complaints recorded as events: {', '.join(complaint_activities[:5])}")
    else:
        add('# activity_pattern = "Complaint*"   # or: complaints recorded as events in the log')
    add('# attribute = "complaint"          # or: a case attribute holding a complaint tag')
    add("")

    add("# Working time: when set, waits are also measured in working hours.")
    add("# [calendar]")
    add('# working_days = ["mon", "tue", "wed", "thu", "fri"]')
    add('# start = "09:00"')
    add('# end = "17:00"')
    add(f'# timezone = {toml_string(options.timezone if options.timezone != "UTC" else "Europe/Amsterdam")}')
    add('# holidays = ["2026-01-01", "2026-12-25"]')
    add("")

    defaults = FrictionSettings()
    add("# How friction is found and ranked (the defaults are shown).")
    add("# [friction]")
    add(f"# wait_factor = {defaults.wait_factor}      # a wait is friction when longer than this × its median")
    add(f"# min_cases = {defaults.min_cases}        # fewer affected cases than this: low evidence")
    add(f"# top = {defaults.top}              # how many friction points to list")
    add(f"# critical_share = {defaults.critical_share}   # the critical few: the top points that together reach this share of the score")
    add(f"# time_weight = {defaults.time_weight}      # score = time_weight × time share + (1 − time_weight) × complaint share")
    add(f"# contact_minutes = {defaults.contact_minutes}  # customer effort of one chasing contact, counted as customer time")
    add("")
    return "\n".join(out)
