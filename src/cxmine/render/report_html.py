"""The report as one self-contained HTML page: inline CSS and SVG, no script, no network, no external
fonts; readable on screen and on paper. Rendered with Jinja2 from `templates/report.html.j2`.

The page is built from the same `Report` as the Markdown and JSON, with the same wording helpers
(`render.report_md`). Charts come from `render.charts`; the process map SVG, when the map module is
available, is drawn by the caller (it needs the log) and passed in.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from cxmine.render import report_md as words
from cxmine.render.units import duration, number, percent

TEMPLATE = "report.html.j2"


@lru_cache(maxsize=1)
def _template():
    from importlib.resources import files  # noqa: PLC0415

    import jinja2  # noqa: PLC0415

    source = (files("cxmine.render") / "templates" / TEMPLATE).read_text(encoding="utf-8")
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    return environment.from_string(source)


def spark_svg(values, width: int = 120, height: int = 22) -> str:
    """A tiny inline SVG line of a weekly series (gaps where a week has no value); fixed formatting."""
    present = [v for v in values if v is not None]
    if len(values) < 2 or not present:
        return ""
    top = max(present) or 1.0
    step = (width - 4) / (len(values) - 1)
    runs: list[list[str]] = [[]]
    last_xy = ""
    for index, value in enumerate(values):
        if value is None:
            runs.append([])
            continue
        last_xy = f"{2 + index * step:.1f},{height - 2 - (height - 4) * value / top:.1f}"
        runs[-1].append(last_xy)
    lines = "".join(f'<polyline points="{" ".join(run)}"/>' for run in runs if len(run) > 1)
    x, y = last_xy.split(",")
    return (
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" aria-hidden="true">'
        f'<g fill="none" stroke="#c2410c" stroke-width="1.6" stroke-linejoin="round">{lines}</g>'
        f'<circle cx="{x}" cy="{y}" r="2.2" fill="#c2410c"/></svg>'
    )


def _evidence(report, point) -> list[dict[str, Any]]:
    items = []
    for name, text in words.evidence_items(report, point):
        item = {"name": name, "text": text, "svg": ""}
        if name == "Trend":
            series = words.trend_of(report, point)
            item["svg"] = spark_svg(series.shares) if series is not None else ""
            item["text"] = text.split(" ", 1)[1] if item["svg"] else text  # the drawn line replaces the text sparkline
        items.append(item)
    return items


def _point(report, point) -> dict[str, Any]:
    total = point.score or 0.0
    return {
        "rank": point.rank,
        "kind": point.kind.replace("_", " "),
        "label": point.label,
        "where": words.where(point),
        "score": f"{point.score:.1f}",
        "score_width": f"{min(100.0, max(0.0, total)):.1f}",
        "time_width": f"{min(100.0, max(0.0, point.score_time_part)):.1f}",
        "complaint_width": f"{min(100.0, max(0.0, point.score_complaint_part)):.1f}",
        "score_parts": f"time {point.score_time_part:.1f} + complaints {point.score_complaint_part:.1f}",
        "sentence": point.sentence,
        "cases": number(point.cases_affected),
        "share": percent(point.cases_affected_share),
        "hours": number(round(point.excess_customer_hours)),
        "lift": words.lift_text(point),
        "low_evidence": point.low_evidence,
        "low_evidence_reasons": "; ".join(point.low_evidence_reasons),
        "evidence": _evidence(report, point),
        "status": (words.change_of(report, point).status if words.change_of(report, point) is not None else None),
    }


def _changes(report) -> dict[str, Any] | None:
    c = report.comparison
    if c is None:
        return None
    return {
        "baseline": c.baseline,
        "summary": [{"status": s, "count": c.count(s), "word": words.STATUS_WORD[s]} for s in ("new", "worse", "better", "resolved", "unchanged")],
        "rows": [
            {
                "status": ch.status,
                "word": words.STATUS_WORD[ch.status],
                "rank": ch.rank_now or "–",
                "label": ch.label,
                "critical": ch.critical_now,
                "share_now": percent(ch.share_now),
                "share_before": percent(ch.share_before),
                "q": words.q_text(ch.q_value),
                "folded": ch.folded,
            }
            for ch in c.changes
            if ch.status != "unchanged"
        ],
        "unchanged": c.count("unchanged"),
        "cases_now": number(c.cases_now),
        "cases_before": number(c.cases_before),
        "notes": list(c.notes),
    }


def _tags(report) -> list[dict[str, Any]]:
    top = max((t.complaints for t in report.complaint_tags), default=1) or 1
    return [
        {"name": t.name, "complaints": number(t.complaints), "cases": number(t.cases), "share": percent(t.share), "width": f"{100 * t.complaints / top:.1f}"}
        for t in report.complaint_tags
    ]


def _quality(report) -> list[str]:
    """The data-quality list once: a load warning that is also a data-quality finding (rows dropped
    for a missing timestamp, say) is listed as the finding only, with the words of `report_md`."""
    from types import SimpleNamespace  # noqa: PLC0415

    findings = {q.message for q in report.quality}
    warnings = [w for w in report.warnings if w.get("message") not in findings]
    lines = words.quality_lines(SimpleNamespace(quality=report.quality, warnings=warnings))
    return list(dict.fromkeys(lines))


def context(report, *, process_map: str | None = None, map_note: str | None = None, charts: dict[str, str | None] | None = None) -> dict[str, Any]:
    """Everything the template shows, as plain strings, numbers, lists and dicts."""
    charts = charts if charts is not None else default_charts(report)
    critical = [_point(report, p) for p in report.critical]
    others = [_point(report, p) for p in report.points if not p.critical][: max(0, report.top - len(critical))]
    promises = [
        {"name": p["name"], "kept": percent(p["kept_share"]), "detail": f"{number(p['kept'])} of {number(p['cases'])} cases", "width": f"{100 * (p['kept_share'] or 0):.1f}"}
        for p in report.headline.promises
        if p["cases"]
    ]
    return {
        "title": f"CX friction report · {report.period.label}",
        "period": report.period.label,
        "source": report.source,
        "period_sentence": words.period_sentence(report),
        "baseline": report.comparison.baseline if report.comparison is not None else None,
        "gates": [{"rule": g.rule, "fired": g.fired, "reasons": list(g.reasons)} for g in report.gates],
        "gates_fired": any(g.fired for g in report.gates),
        "headline": words.headline_rows(report),
        "promises": promises,
        "critical": critical,
        "critical_share": words.report_share(report),
        "changes": _changes(report),
        "others": others,
        "more_points": max(0, len(report.points) - len(critical) - len(others)),
        "process_map": process_map,
        "map_note": map_note,
        "wait_chart": charts.get("waits"),
        "trend_chart": charts.get("trend"),
        "trend_weeks": f"{report.trend.weeks[0]} – {report.trend.weeks[-1]}" if report.trend.weeks else "",
        "tags": _tags(report),
        "quality": _quality(report),
        "about": words.about_lines(report),
        "redacted": bool(report.redaction),
        "generated_at": report.generated_at,
        "lead_time_p50": duration(report.headline.lead_time_p50_seconds),
        "journeys": _journeys(report),
    }


def _journeys(report) -> dict[str, Any] | None:
    """The section on the customer's whole journey (with [[sources]]): portfolio rows, top cross-process
    sentences and the journey map as inline SVG (or why it is missing)."""
    data = getattr(report, "journeys", None)
    if not data:
        return None
    portfolio = data["portfolio"]
    rows = [
        {
            "rank": p["rank"], "name": p["name"], "critical": p["critical"], "score": f"{p['score']:.1f}", "customers_affected": number(p["customers_affected"]),
            "customer_hours": number(round(p["customer_hours"])), "contacts": f"{p['contacts_generated']:,.0f}",
            "value": "–" if p["value"] is None else f"{number(round(p['value']))} {portfolio['currency']}",
        }
        for p in portfolio["processes"]
    ]
    svg, note = None, None
    try:
        from cxmine.errors import MiningError  # noqa: PLC0415
        from cxmine.render import journeymap, processmap  # noqa: PLC0415
        from cxmine.render.charts import clean_svg  # noqa: PLC0415

        image = processmap.render_image(journeymap.to_dot(data["map"]), "svg", timeout=30)
        svg = clean_svg(image.decode("utf-8"), "journey", "The customer journey across processes", scale=processmap.PAGE_SCALE)
    except MiningError as exc:
        note = exc.what
    return {"customers": number(data["customers"]), "rows": rows, "points": [p["sentence"] for p in data["cross_process_points"][:3]], "map": svg, "map_note": note}


def default_charts(report) -> dict[str, str | None]:
    from cxmine.render import charts  # noqa: PLC0415 - matplotlib only when HTML is asked for

    return {"waits": charts.wait_chart(report.wait_distributions), "trend": charts.trend_chart(report.trend)}


def render_html(report, *, process_map: str | None = None, map_note: str | None = None, charts: dict[str, str | None] | None = None) -> str:
    return _template().render(**context(report, process_map=process_map, map_note=map_note, charts=charts))
