"""The process map: the directly-follows graph computed by us on the sorted canonical table, and the
Disco-style sliders that simplify it.

A node is an activity (events, cases); an edge A → B counts how often B directly follows A within a
case, with the time in between (median and p90, in seconds: A's completion → B's start when start
timestamps exist, else A's completion → B's completion, like `core.timings`). Each case also contributes
one start edge (into its first activity) and one end edge (out of its last one).

Sliders, applied in this order:
- `top_variants N`: keep the cases of the N most frequent variants;
- `activities 0.8`: keep the most frequent activities that together hold at least 80% of the events,
  drop the other activities' events and re-link what is left (the shift within the case does that);
- `paths 0.5`: show the most frequent edges that together hold at least 50% of all transitions (start
  and end edges included), then add back the strongest missing edges until every activity is reachable
  from the start and can reach the end. Counts never change; only which edges are drawn.

Bounds (`cxmine discover`): a map of thousands of activities or transitions is neither readable nor
drawable (graphviz needs minutes for a few hundred labelled edges). When the caller passes
`activity_limit` / `edge_limit` and the user set no slider of that kind, the slider is set to the share
that keeps the `limit` most frequent activities / transitions, and `ProcessMap.bounds` says what was cut,
so the caller can warn. A slider the user set is never overridden.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from cxmine.core import schema
from cxmine.core.journey import case_starts, variant_ids
from cxmine.errors import UsageError

START = "▶"  # pseudo-node names used only inside the path filter and in renderers
END = "■"

MAP_ACTIVITY_LIMIT = 100  # activities a drawn map keeps at most unless --activities says otherwise
MAP_EDGE_LIMIT = 300  # transitions drawn at most unless --paths says otherwise (graphviz: ~5 s for 300, ~20 s for 500)

_SHARE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(%?)\s*$")


def parse_share(text: str | float | None, option: str) -> float | None:
    """'80%', '80', '0.8' → 0.8 (a bare number above 1 is read as a percentage). None stays None."""
    if text is None:
        return None
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        match = _SHARE.match(text)
        if not match:
            raise UsageError(f"{option} {text!r} is not a share", hint=f"write a percentage such as {option} 80%")
        value = float(match.group(1))
        if match.group(2) or value > 1:
            value /= 100.0
    if not 0 < value <= 1:
        raise UsageError(f"{option} {text!r} must be more than 0% and at most 100%", hint=f"write e.g. {option} 80%")
    return value


@dataclass(frozen=True)
class MapFilters:
    """The sliders. None leaves that dimension untouched."""

    activities: float | None = None
    paths: float | None = None
    top_variants: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"activities_share": self.activities, "paths_share": self.paths, "top_variants": self.top_variants}


@dataclass(frozen=True)
class ProcessMap:
    """The directly-follows graph after the sliders.

    `nodes`: activity, events, cases, service_p50_seconds (NaN without start timestamps).
    `edges`: from_activity, to_activity, count, cases, p50_seconds, p90_seconds, shown (paths slider);
    rows with from_activity == START are start edges, to_activity == END end edges.
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame
    events: int
    cases: int
    events_total: int
    cases_total: int
    wait_basis: str
    filters: MapFilters = field(default_factory=MapFilters)
    bounds: tuple["Bound", ...] = ()

    @property
    def flow(self) -> pd.DataFrame:
        """The activity → activity edges (no start/end edges)."""
        return self.edges.loc[(self.edges["from_activity"] != START) & (self.edges["to_activity"] != END)]

    @property
    def shown_edges(self) -> pd.DataFrame:
        return self.edges.loc[self.edges["shown"]]

    def to_dict(self) -> dict[str, Any]:
        def seconds(value: float) -> float | None:
            return None if value is None or (isinstance(value, float) and math.isnan(value)) else round(float(value), 3)

        def edge(row) -> dict[str, Any]:
            return {
                "from": None if row.from_activity == START else row.from_activity,
                "to": None if row.to_activity == END else row.to_activity,
                "count": int(row.count),
                "cases": int(row.cases),
                "p50_seconds": seconds(row.p50_seconds),
                "p90_seconds": seconds(row.p90_seconds),
                "shown": bool(row.shown),
            }

        edges = self.edges
        starts = edges.loc[edges["from_activity"] == START]
        ends = edges.loc[edges["to_activity"] == END]
        return {
            "events": int(self.events),
            "cases": int(self.cases),
            "events_total": int(self.events_total),
            "cases_total": int(self.cases_total),
            "wait_basis": self.wait_basis,
            "filters": self.filters.to_dict(),
            "nodes": [
                {
                    "activity": row.activity,
                    "events": int(row.events),
                    "cases": int(row.cases),
                    "service_p50_seconds": seconds(row.service_p50_seconds),
                }
                for row in self.nodes.itertuples(index=False)
            ],
            "edges": [edge(row) for row in self.flow.itertuples(index=False)],
            "start_activities": [{"activity": row.to_activity, "cases": int(row.count), "shown": bool(row.shown)} for row in starts.itertuples(index=False)],
            "end_activities": [{"activity": row.from_activity, "cases": int(row.count), "shown": bool(row.shown)} for row in ends.itertuples(index=False)],
        }


@dataclass(frozen=True)
class Bound:
    """A slider set automatically because the map had more than `limit` of something (`what`:
    "activities" or "paths"): `total` before, `kept` after, `share` the slider value chosen (of events
    for activities, of transitions for paths)."""

    what: str
    limit: int
    total: int
    kept: int
    share: float


def share_of_top(counts: np.ndarray, limit: int) -> float:
    """The share of the total that the `limit` largest counts hold (counts sorted largest first), such
    that the share sliders keep exactly those `limit` items."""
    total = float(counts.sum())
    return float(counts[:limit].sum()) / total if total > 0 else 1.0


def _activity_counts(events: pd.DataFrame) -> np.ndarray:
    counts = events[schema.ACTIVITY].value_counts()
    counts = counts[counts > 0]
    return np.array(sorted(counts.tolist(), reverse=True), dtype=np.int64)


def keep_top_variants(events: pd.DataFrame, top: int) -> pd.DataFrame:
    """The events of the cases whose variant is among the `top` most frequent."""
    if top < 1:
        raise UsageError("--top-variants must be at least 1")
    variants = variant_ids(events)
    keep_case = np.zeros(len(events[schema.CASE].cat.categories), dtype=bool)
    keep_case[variants.loc[variants["variant"] < top, "case"].to_numpy()] = True
    return events.loc[keep_case[events[schema.CASE].cat.codes.to_numpy()]]


def frequent_activities(events: pd.DataFrame, share: float) -> list[str]:
    """The most frequent activities whose events together reach `share` of all events (ties by name)."""
    return frequent_of(events[schema.ACTIVITY].value_counts(), share)


def frequent_of(counts: pd.Series, share: float) -> list[str]:
    """`frequent_activities` from the events per activity (name → count), on any engine."""
    counts = counts[counts > 0]
    order = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    total = sum(n for _, n in order)
    kept, running = [], 0
    for name, n in order:
        kept.append(str(name))
        running += n
        if running >= share * total - 1e-9:
            break
    return kept


def keep_activities(events: pd.DataFrame, activities: list[str]) -> pd.DataFrame:
    """Only these activities' events; the shift within the case re-links what remains."""
    return events.loc[events[schema.ACTIVITY].isin(activities).to_numpy()]


def directly_follows(
    events: pd.DataFrame,
    filters: MapFilters | None = None,
    *,
    activity_limit: int | None = None,
    edge_limit: int | None = None,
) -> ProcessMap:
    """The process map of the sorted canonical table, after the sliders in `filters` (and the automatic
    bounds, when limits are given and the user left that slider unset: see the module docstring)."""
    filters = filters or MapFilters()
    events_total = len(events)
    cases_total = int(case_starts(events).sum())
    if filters.top_variants is not None:
        events = keep_top_variants(events, filters.top_variants)
    filters, bounds = bound_activities(filters, _activity_counts(events), activity_limit)
    if filters.activities is not None:
        events = keep_activities(events, frequent_activities(events, filters.activities))

    names = np.asarray(events[schema.ACTIVITY].cat.categories.astype(str), dtype=object)
    n_names = len(names)
    activity = events[schema.ACTIVITY].cat.codes.to_numpy().astype(np.int64)
    case = events[schema.CASE].cat.codes.to_numpy().astype(np.int64)
    first = case_starts(events)
    last = np.ones(len(events), dtype=bool)
    last[:-1] = first[1:]
    times = events[schema.TIMESTAMP]
    has_start = schema.START in events.columns and bool(events[schema.START].notna().any())
    basis = "waiting" if has_start else "sojourn"

    # Nodes.
    event_counts = np.bincount(activity, minlength=n_names)
    pairs = pd.DataFrame({"case": case, "activity": activity}).drop_duplicates()
    case_counts = np.bincount(pairs["activity"].to_numpy(), minlength=n_names)
    present = np.flatnonzero(event_counts > 0)
    nodes = pd.DataFrame({"code": present, "activity": names[present], "events": event_counts[present], "cases": case_counts[present]})
    if has_start:
        service = (times - events[schema.START]).dt.total_seconds().to_numpy()
        service_p50 = pd.Series(service).groupby(activity).median()
        nodes["service_p50_seconds"] = service_p50.reindex(present).to_numpy()
    else:
        nodes["service_p50_seconds"] = np.nan
    nodes = nodes.sort_values(["events", "activity"], ascending=[False, True], kind="stable").drop(columns="code").reset_index(drop=True)

    # Flow edges: each non-first event and the one before it in its case.
    rows = np.flatnonzero(~first)
    previous = rows - 1
    end_time = times.iloc[rows].reset_index(drop=True)
    if has_start:
        start = events[schema.START].iloc[rows].reset_index(drop=True)
        end_time = start.where(start.notna(), end_time)
    seconds = (end_time - times.iloc[previous].reset_index(drop=True)).dt.total_seconds().to_numpy()
    flow = pd.DataFrame({"from": activity[previous], "to": activity[rows], "case": case[rows], "seconds": seconds})
    start_counts = np.bincount(activity[first], minlength=n_names)
    end_counts = np.bincount(activity[last], minlength=n_names) if len(events) else np.zeros(n_names, dtype=np.int64)
    return finish_map(
        nodes, _edge_table(flow, names), names, start_counts, end_counts, events=len(events), cases=int(first.sum()),
        totals=(events_total, cases_total), basis=basis, filters=filters, bounds=bounds, edge_limit=edge_limit,
    )


def bound_activities(filters: MapFilters, counts: np.ndarray, activity_limit: int | None) -> tuple[MapFilters, list[Bound]]:
    """The activities slider set automatically when the user left it unset and there are more than
    `activity_limit` activities (`counts`: events per activity, largest first)."""
    if filters.activities is None and activity_limit is not None and len(counts) > activity_limit:
        share = share_of_top(counts, activity_limit)
        return replace(filters, activities=share), [Bound("activities", activity_limit, len(counts), activity_limit, share)]
    return filters, []


def finish_map(
    nodes: pd.DataFrame, flow_edges: pd.DataFrame, names: np.ndarray, start_counts: np.ndarray, end_counts: np.ndarray, *, events: int, cases: int,
    totals: tuple[int, int], basis: str, filters: MapFilters, bounds: list[Bound], edge_limit: int | None,
) -> ProcessMap:
    """The map from its aggregates, whichever engine computed them: `nodes` (activity, events, cases,
    service_p50_seconds, sorted), the activity → activity edges (`_edge_table`'s columns), the cases starting
    and ending in each activity (by code into `names`); then the paths slider (and its bound)."""
    events_total, cases_total = totals
    edge_frames = [flow_edges]
    n_cases = cases
    for counts, is_start in ((start_counts, True), (end_counts, False)):
        hit = np.flatnonzero(counts)
        edge_frames.append(
            pd.DataFrame(
                {
                    "from_activity": [START] * len(hit) if is_start else names[hit],
                    "to_activity": names[hit] if is_start else [END] * len(hit),
                    "count": counts[hit],
                    "cases": counts[hit],
                    "p50_seconds": np.nan,
                    "p90_seconds": np.nan,
                }
            )
        )
    edges = pd.concat(edge_frames, ignore_index=True)
    edges["from_activity"] = edges["from_activity"].astype(object)
    edges["to_activity"] = edges["to_activity"].astype(object)
    edges = edges.sort_values(["count", "from_activity", "to_activity"], ascending=[False, True, True], kind="stable").reset_index(drop=True)
    paths_bounded = filters.paths is None and edge_limit is not None and len(edges) > edge_limit
    if paths_bounded:
        filters = replace(filters, paths=share_of_top(edges["count"].to_numpy(), edge_limit))
    edges["shown"] = _shown_paths(edges, set(nodes["activity"]), filters.paths) if filters.paths is not None else True
    if paths_bounded:  # the edges added back to keep every activity connected are counted in `kept`
        bounds.append(Bound("paths", int(edge_limit), len(edges), int(edges["shown"].sum()), float(filters.paths)))
    return ProcessMap(
        nodes=nodes,
        edges=edges,
        events=events,
        cases=n_cases,
        events_total=events_total,
        cases_total=cases_total,
        wait_basis=basis,
        filters=filters,
        bounds=tuple(bounds),
    )


def _edge_table(flow: pd.DataFrame, names: np.ndarray) -> pd.DataFrame:
    columns = ["from_activity", "to_activity", "count", "cases", "p50_seconds", "p90_seconds"]
    if flow.empty:
        return pd.DataFrame(columns=columns)
    key = flow["from"].to_numpy() * len(names) + flow["to"].to_numpy()
    grouped = pd.Series(flow["seconds"].to_numpy()).groupby(key)
    stats = pd.DataFrame({"count": grouped.size(), "p50_seconds": grouped.median(), "p90_seconds": grouped.quantile(0.9)})
    stats["cases"] = pd.DataFrame({"key": key, "case": flow["case"].to_numpy()}).drop_duplicates().groupby("key").size()
    keys = stats.index.to_numpy()
    stats["from_activity"] = names[keys // len(names)]
    stats["to_activity"] = names[keys % len(names)]
    return stats.reset_index(drop=True)[columns]


def _shown_paths(edges: pd.DataFrame, activities: set[str], share: float) -> np.ndarray:
    """Which edges the paths slider keeps: the most frequent ones up to `share` of all transitions, then
    the strongest missing edges until every activity is reachable from START and reaches END.

    Loops run over activities and edges (tens to hundreds), never over events."""
    counts = edges["count"].to_numpy()
    total = counts.sum()
    keep = np.zeros(len(edges), dtype=bool)
    if total == 0:
        return keep
    # edges are sorted by count (desc), then names: the prefix is the frequent set
    cumulative = np.cumsum(counts)
    cut = int(np.searchsorted(cumulative, share * total - 1e-9)) + 1
    keep[:cut] = True
    sources = edges["from_activity"].tolist()
    targets = edges["to_activity"].tolist()

    def closure(seed: str, forward: bool) -> set[str]:
        seen = {seed}
        frontier = [seed]
        adjacency: dict[str, list[str]] = {}
        for index in np.flatnonzero(keep):
            a, b = (sources[index], targets[index]) if forward else (targets[index], sources[index])
            adjacency.setdefault(a, []).append(b)
        while frontier:
            node = frontier.pop()
            for nxt in adjacency.get(node, ()):
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append(nxt)
        return seen

    for seed, target_set, forward in ((START, activities | {END}, True), (END, activities | {START}, False)):
        while True:
            reached = closure(seed, forward)
            if target_set <= reached:
                break
            # The strongest edge leading from the reached part to a node outside it (edges are sorted).
            best = None
            for index in range(len(edges)):
                if keep[index]:
                    continue
                a, b = (sources[index], targets[index]) if forward else (targets[index], sources[index])
                if a in reached and b not in reached:
                    best = index
                    break
            if best is None:  # cannot happen on a map built from whole cases; never loop forever
                break
            keep[best] = True
    return keep
