"""The report's process map: the period's directly-follows map with friction heat, as inline SVG that fits
the page. The map is an extra: the report stands without it, so any failure becomes a note in the page."""
from __future__ import annotations

MAP_PATHS = 0.8  # the report's map shows the most frequent transitions holding 80% of all (plus what keeps it connected)
MAP_TIMEOUT_SECONDS = 60


def report_filters():
    """The sliders of the report's map (core.maps.MapFilters): the paths holding MAP_PATHS of all transitions."""
    from cxmine.core import maps  # noqa: PLC0415

    return maps.MapFilters(paths=MAP_PATHS)


def process_map(log, report, *, computed=None) -> tuple[str | None, str | None]:
    """The period's process map with friction heat as inline SVG, or (None, why not). The map is an extra:
    the report stands without it, so any failure here becomes a note in the page. `computed`: the map
    already computed from the period's events (by an engine other than pandas); else from `log`."""
    try:
        from cxmine.core import maps  # noqa: PLC0415
        from cxmine.render import processmap  # noqa: PLC0415
    except ImportError:
        return None, "the process-map module is not installed in this version of cxmine"
    from cxmine.errors import MiningError  # noqa: PLC0415

    try:
        friction = report.friction
        process_map = computed if computed is not None else maps.directly_follows(log.events, report_filters(), activity_limit=maps.MAP_ACTIVITY_LIMIT, edge_limit=maps.MAP_EDGE_LIMIT)
        touchpoints = friction.touchpoints if friction.touchpoints_configured else ()
        title = f"{report.period.label} — {process_map.cases:,} cases"
        view = processmap.view(process_map, "friction", friction, touchpoints, title=title)
        svg = processmap.page_svg(view, title=f"Process map of {report.period.label} with friction heat", timeout=MAP_TIMEOUT_SECONDS)
    except MiningError as exc:
        return None, exc.what
    except (ImportError, AttributeError, TypeError) as exc:  # a map module of another version
        return None, f"the process-map module could not draw it ({exc.__class__.__name__})"
    return svg, None
