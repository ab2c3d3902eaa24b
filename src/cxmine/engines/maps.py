"""The process map (core.maps.directly_follows) computed on an engine: the events per activity, the
directly-follows edges with their counts, cases and exact median and p90 seconds, and the cases starting and
ending in each activity come back as small tables; the sliders, sorting and the paths kept are core.maps'
own (`bound_activities`, `frequent_of`, `finish_map`), so the map is the pandas engine's."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cxmine.core.maps import MapFilters, ProcessMap, bound_activities, finish_map, frequent_of
from cxmine.engines.source import Source, run
from cxmine.engines.timings import _case_window, _isin, _seconds


def directly_follows(source: Source, filters: MapFilters | None = None, *, activity_limit: int | None = None, edge_limit: int | None = None) -> ProcessMap:
    """The map of the source's events after the activities slider (set automatically beyond `activity_limit`)
    and the paths slider; the top-variants slider is the pandas engine's alone."""
    import ibis  # noqa: PLC0415

    filters = filters or MapFilters()
    if filters.top_variants is not None:
        from cxmine.errors import UsageError  # noqa: PLC0415

        raise UsageError("the top-variants slider runs on the pandas engine only", hint="leave it out, or pass --engine pandas")
    names = np.asarray(source.activities, dtype=object)
    t = source.events
    per_code = run(t.group_by("code").aggregate(events=t.count(), cases=t.case_id.nunique()), "the map's activities")
    counts = pd.Series(per_code["events"].to_numpy(dtype=np.int64), index=names[per_code["code"].to_numpy(dtype=np.int64)])
    events_total = int(counts.sum())
    cases_total = int(run(t.case_id.nunique(), "the map's cases"))
    filters, bounds = bound_activities(filters, np.sort(counts.to_numpy())[::-1], activity_limit)
    if filters.activities is not None:
        kept = set(frequent_of(counts, filters.activities))
        t = t.filter(_isin(t.code, [i for i, name in enumerate(names) if name in kept]))
    w = _case_window(t)
    linked = t.mutate(previous_code=t.code.lag().over(w), previous_time=t.timestamp.lag().over(w), last=t.timestamp.lead().over(w).isnull())
    has_start = source.has_start and bool(int(run(t.start.notnull().sum(), "the start timestamps") or 0))
    # The wait into an event: from the previous completion to its start when it has one, else to its completion.
    seconds = _seconds(ibis.coalesce(linked.start, linked.timestamp) if has_start else linked.timestamp, linked.previous_time)
    pairs = linked.filter(linked.previous_code.notnull())
    flow = run(pairs.group_by(["previous_code", "code"]).aggregate(
        count=pairs.count(), cases=pairs.case_id.nunique(), p50_seconds=seconds.quantile(0.5), p90_seconds=seconds.quantile(0.9),
    ), "the map's transitions")  # fmt: skip
    flow_edges = pd.DataFrame({
        "from_activity": names[flow["previous_code"].to_numpy(dtype=np.int64)], "to_activity": names[flow["code"].to_numpy(dtype=np.int64)],
        "count": flow["count"].to_numpy(dtype=np.int64), "cases": flow["cases"].to_numpy(dtype=np.int64),
        "p50_seconds": flow["p50_seconds"].to_numpy(dtype=float), "p90_seconds": flow["p90_seconds"].to_numpy(dtype=float),
    })  # fmt: skip
    flow_edges = flow_edges.sort_values(["from_activity", "to_activity"], kind="stable").reset_index(drop=True)  # the pandas engine's key order
    ends = run(linked.group_by("code").aggregate(
        starts=linked.previous_code.isnull().sum(), ends=linked["last"].sum(),
        service=_seconds(linked.timestamp, linked.start).quantile(0.5) if has_start else ibis.literal(None, type="float64"),
    ), "the map's starts and ends")  # fmt: skip
    by_code = ends.set_index("code").reindex(range(len(names)))
    start_counts = by_code["starts"].fillna(0).to_numpy(dtype=np.int64)
    end_counts = by_code["ends"].fillna(0).to_numpy(dtype=np.int64)
    present = per_code.sort_values("code")
    if filters.activities is not None:  # cases counted again: the kept activities' events only
        present = run(t.group_by("code").aggregate(events=t.count(), cases=t.case_id.nunique()), "the map's activities").sort_values("code")
    codes = present["code"].to_numpy(dtype=np.int64)
    nodes = pd.DataFrame({
        "activity": names[codes], "events": present["events"].to_numpy(dtype=np.int64), "cases": present["cases"].to_numpy(dtype=np.int64),
        "service_p50_seconds": by_code["service"].to_numpy(dtype=float)[codes] if has_start else np.nan,
    })  # fmt: skip
    nodes = nodes.sort_values(["events", "activity"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return finish_map(
        nodes, flow_edges, names, start_counts, end_counts, events=int(nodes["events"].sum()), cases=int(start_counts.sum()),
        totals=(events_total, cases_total), basis="waiting" if has_start else "sojourn", filters=filters, bounds=bounds, edge_limit=edge_limit,
    )
