"""The report as Markdown: for a CI job summary, a pull request or a chat message. Deterministic text.

Also holds the small wording helpers the HTML report shares (period sentence, change sentences,
sparklines), so both formats say the same thing in the same words. The helpers return plain text (the
HTML template escapes it); `render_markdown` escapes everything it writes with `render.escape`.
"""
from __future__ import annotations

from typing import Any

from cxmine.render.escape import Markdown, md, md_code
from cxmine.render.markdown import table as md_table
from cxmine.render.units import duration, number, percent

SPARK = "▁▂▃▄▅▆▇█"
STATUS_WORD = {"new": "new", "worse": "worse", "better": "better", "unchanged": "no significant change", "resolved": "resolved"}
STATUS_MARK = {"new": "🆕", "worse": "🔺", "better": "🔻", "unchanged": "＝", "resolved": "✅"}
MEASURE_NAME = {
    "cases": "cases",
    "lead_time_p50_seconds": "lead time (median)",
    "lead_time_p90_seconds": "lead time (90th percentile)",
    "complaint_rate": "complaint rate",
    "promise_keeping": "promises kept",
}


# ---------------------------------------------------------------------------------------------------------------
# Shared wording


def period_sentence(report) -> str:
    """'cases that started 2026-03-16 – 2026-03-22 (UTC)': the last day is inclusive when bounds are midnights."""
    import pandas as pd  # noqa: PLC0415

    period = report.period
    if period.kind == "all":
        return "all cases in the log"
    zone = period.timezone
    if period.since is not None and period.until is not None:
        last = period.until.tz_convert(zone)
        if (last.hour, last.minute, last.second) == (0, 0, 0):
            end = (last - pd.Timedelta(days=1)).strftime("%Y-%m-%d")
            start = _local_day(period.since, zone)
            return f"cases that started on {start} ({zone})" if start == end else f"cases that started {start} – {end} ({zone})"
        return f"cases that started from {_local_day(period.since, zone)} until {_local_day(period.until, zone)} ({zone})"
    if period.since is not None:
        return f"cases that started from {_local_day(period.since, zone)} on ({zone})"
    return f"cases that started before {_local_day(period.until, zone)} ({zone})"


def _local_day(instant, timezone: str) -> str:
    local = instant.tz_convert(timezone)
    return local.strftime("%Y-%m-%d") if (local.hour, local.minute) == (0, 0) else local.strftime("%Y-%m-%d %H:%M")


def where(point) -> str:
    if point.kind == "ping_pong" and point.details.get("x") is not None:
        return f"{point.details['x']} ⇄ {point.details['y']}"
    if point.from_activity and point.to_activity:
        return f"{point.from_activity} → {point.to_activity}"
    return point.activity or "–"


def lift_text(point) -> str:
    if point.complaint_lift is None:
        return "–"
    return f"{point.complaint_lift:.1f}× ({point.complaint_lift_ci_low:.1f}–{point.complaint_lift_ci_high:.1f})"


def q_text(value: float | None) -> str:
    if value is None:
        return "–"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def small_share(share: float | None) -> str:
    """Whole percents, with one decimal below 10% so small shares do not read as 0%."""
    return percent(share, 0 if share is None or share >= 0.1 else 1)


def sparkline(values) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return ""
    top = max(present) or 1.0
    return "".join("·" if v is None else SPARK[min(len(SPARK) - 1, int(round(v / top * (len(SPARK) - 1))))] for v in values)


def trend_of(report, point):
    for series in report.trend.series:
        if series.rank == point.rank:
            return series
    return None


def trend_text(report, series) -> str:
    values = [v for v in series.shares if v is not None]
    if not values:
        return ""
    weeks = report.trend.weeks
    span = f"{weeks[0]} – {weeks[-1]}" if len(weeks) > 1 else weeks[0]
    return f"{sparkline(series.shares)} {percent(values[0], 0)} → {percent(values[-1], 0)} of cases per week ({span})"


def change_of(report, point):
    if report.comparison is None:
        return None
    for change in report.comparison.changes:
        if change.rank_now == point.rank:
            return change
    return None


def change_text(change, baseline: str) -> str:
    shares = f"{percent(change.share_before)} → {percent(change.share_now)} of cases"
    if change.status == "new":
        return f"new since {baseline} ({shares})"
    if change.status == "unchanged":
        return f"no significant change since {baseline} ({shares}, q = {q_text(change.q_value)})"
    return f"{change.status} than in {baseline} ({shares}, q = {q_text(change.q_value)})"


def headline_rows(report) -> list[dict[str, Any]]:
    """One row per headline measure: name, now, before (or None), change (text or None)."""
    h = report.headline
    before = {row["measure"]: row for row in report.comparison.headline} if report.comparison else {}

    def row(measure: str, now_text: str, fmt, detail: str | None = None) -> dict[str, Any]:
        item = before.get(measure)
        out = {"measure": MEASURE_NAME[measure], "now": now_text, "detail": detail, "before": None, "change": None}
        if item is not None:
            out["before"] = fmt(item["before"]) if item["before"] is not None else "–"
            if item["change"] is not None:
                out["change"] = _delta(measure, item["change"])
                if item.get("p_value") is not None:
                    out["change"] += " (significant)" if item["p_value"] < 0.05 else " (not significant)"
        return out

    open_detail = f"{number(h.open_cases)} still open at the log's end" if getattr(h, "open_cases", 0) else None
    rows = [row("cases", number(h.cases), number, open_detail)]
    rows.append(row("lead_time_p50_seconds", duration(h.lead_time_p50_seconds), duration, "ended cases" if getattr(h, "open_cases", 0) else None))
    rows.append(row("lead_time_p90_seconds", duration(h.lead_time_p90_seconds), duration))
    if h.complaint_rate is not None:
        rows.append(row("complaint_rate", percent(h.complaint_rate), percent, f"{number(h.complaints)} complaint{'s' if h.complaints != 1 else ''}"))
    if h.promise_keeping is not None:
        rows.append(row("promise_keeping", percent(h.promise_keeping), percent))
    value = getattr(h, "value", None)
    if value:
        rows.append({"measure": "friction cost", "now": f"{number(round(value['total']))} {value['currency']}", "detail": f"{number(round(value['total_if_fixed']))} {value['currency']} if fixed", "before": None, "change": None})
    return rows


def _with_detail(row: dict[str, Any]) -> str:
    return f"{row['now']} ({row['detail']})" if row.get("detail") else row["now"]


def _delta(measure: str, change: float) -> str:
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    size = abs(change)
    if measure == "cases":
        return f"{sign}{number(int(size))}"
    if measure.endswith("_seconds"):
        return f"{sign}{duration(size)}"
    return f"{sign}{100 * size:.1f} pts"


def evidence_items(report, point) -> list[tuple[str, str]]:
    """(name, text) pairs describing a point's evidence, in reading order."""
    items = [("Cases", f"{number(point.cases_affected)} of {number(report.headline.cases)} ({percent(point.cases_affected_share)})")]
    if point.excess_customer_hours:
        items.append(("Customer time beyond the norm", f"{number(round(point.excess_customer_hours))} h"))
    if point.complaint_rate_affected is not None and point.complaint_rate_unaffected is not None:
        text = f"{percent(point.complaint_rate_affected)} of affected cases complained vs {percent(point.complaint_rate_unaffected)} of the others"
        if point.complaint_lift is not None:
            text += f" — {lift_text(point)}, q = {q_text(point.q_value)}"
        items.append(("Complaints", text))
    for outcome in getattr(point, "outcomes", ()):
        if outcome.name == "complaint" or not outcome.tested or outcome.rate_exposed is None:
            continue
        text = f"{percent(outcome.rate_exposed)} of affected cases vs {percent(outcome.rate_others)} of the others"
        if outcome.lift is not None:
            text += f" — {outcome.lift:.1f}× ({outcome.ci_low:.1f}–{outcome.ci_high:.1f}), q = {q_text(outcome.q_value)}"
        if outcome.mean_score_difference is not None:
            text += f"; mean score {outcome.mean_score_difference:+.1f}"
        items.append((f"Outcome: {outcome.name}", text))
    fixes = []
    if point.complaints_avoided_if_fixed >= 0.5:
        fixes.append(f"≈ {number(round(point.complaints_avoided_if_fixed))} fewer complaining cases")
    for outcome in getattr(point, "outcomes", ()):
        if outcome.name != "complaint" and outcome.excess_cases >= 0.5:
            fixes.append(f"≈ {number(round(outcome.excess_cases))} fewer cases {outcome.name}")
    if point.customer_hours_saved_if_fixed >= 0.5:
        fixes.append(f"{number(round(point.customer_hours_saved_if_fixed))} customer-hours saved")
    if fixes:
        items.append(("If fixed", ", ".join(fixes)))
    behind = point.details.get("behind_the_scenes")
    if behind:
        extra = []
        if point.details.get("behind_the_scenes_share_of_affected") is not None:
            extra.append(f"{percent(point.details['behind_the_scenes_share_of_affected'], 0)} of affected cases")
        if point.details.get("behind_the_scenes_p50_seconds") is not None:
            extra.append(f"median {duration(point.details['behind_the_scenes_p50_seconds'])}")
        items.append(("Behind the scenes", behind + (f" ({', '.join(extra)})" if extra else "")))
    if point.drivers:
        items.append(("Drivers", "; ".join(f"{d['attribute']} = {d['value']} ({small_share(d['share_affected'])} of affected vs {small_share(d['share_all'])} of all)" for d in point.drivers)))
    if point.top_complaint_tags:
        items.append(("Complaint tags", ", ".join(f"{t.name} ({t.count})" for t in point.top_complaint_tags)))
    if point.related:
        items.append(("Same problem, also seen as", "; ".join(f"{r.label} ({number(r.cases_affected)} cases)" for r in point.related)))
    series = trend_of(report, point)
    if series is not None and trend_text(report, series):
        items.append(("Trend", trend_text(report, series)))
    change = change_of(report, point)
    if change is not None:
        items.append(("Compared with " + report.comparison.baseline, change_text(change, report.comparison.baseline)))
    if point.low_evidence:
        items.append(("Low evidence", "; ".join(point.low_evidence_reasons)))
    examples = report.example_cases[point.rank - 1] if point.rank - 1 < len(report.example_cases) else ()
    if examples:
        items.append(("Example cases", ", ".join(examples)))
    return items


def quality_lines(report) -> list[str]:
    """Each data-quality finding once: a load warning that repeats a finding is left out."""
    lines = [f"{q.message}: {number(q.count)} {q.unit}" for q in report.quality]
    findings = {q.message for q in report.quality}
    for warning in report.warnings:
        if warning["message"] in findings:
            continue
        count = f" ({number(warning['count'])})" if warning.get("count", 1) != 1 else ""
        lines.append(f"{warning['message']}{count}")
    return lines


def about_lines(report) -> list[str]:
    f = report.friction
    lines = [
        f"{len(f.friction_points)} friction points from {f.candidates_evaluated} candidates; scores add up to 100 "
        f"(customer time and complaints, see docs/friction-score.md); the critical few carry "
        f"{report_share(report)} of the friction.",
        f"Waits measured as {f.wait_basis} time; touchpoints {'configured' if f.touchpoints_configured else 'not configured (every activity counts)'}.",
    ]
    if report.trend.weeks:
        lines.append(
            f"Trend: share of the cases starting each ISO week that a point affects, {report.trend.weeks[0]} – {report.trend.weeks[-1]}, "
            "with thresholds from those weeks together."
        )
        incomplete = [week for week, flag in zip(report.trend.weeks, getattr(report.trend, "incomplete", ())) if flag]
        if incomplete:
            lines.append(
                f"Incomplete weeks: {', '.join(incomplete)} — more than 10% of their cases are still open, so their shares will still grow."
            )
    if report.comparison is not None:
        lines.append(
            "Changes: a point is worse or better only when Fisher's exact test on its share of cases affected, "
            "Benjamini–Hochberg-corrected across points, gives q < 0.05."
        )
    if report.redaction:
        lines.append(
            f"Redacted: ids replaced by pseudonyms ({report.redaction['pseudonyms']}), examples from the data dropped, "
            f"groups under {report.redaction['min_group']} cases hidden."
        )
        kept = report.redaction.get("kept_attributes")
        if kept:
            lines[-1] += f" Values shown as they are: {', '.join(kept)}; other values from the data are pseudonyms too."
        else:
            lines[-1] += " Values from the data (drivers, complaint tags, teams) are pseudonyms too."
    lines.extend(report.notes)
    if report.generated_at:
        lines.append(f"Generated {report.generated_at}.")
    return lines


def report_share(report) -> str:
    return f"{sum(p.score for p in report.critical):.0f}%"


# ---------------------------------------------------------------------------------------------------------------
# Markdown


def journey_lines(journeys: dict[str, Any]) -> list[str]:
    """The report's section on the customer's whole journey: the critical few processes, the top
    cross-process points and the journey map (Mermaid)."""
    from cxmine.render.journeymap import to_mermaid  # noqa: PLC0415

    portfolio = journeys["portfolio"]
    out = ["## The customer's whole journey\n\n", f"{number(journeys['customers'])} customers across {len(portfolio['processes'])} processes.\n\n"]
    rows = []
    for p in portfolio["processes"]:
        value = "–" if p["value"] is None else f"{number(round(p['value']))} {portfolio['currency']}"
        rows.append([Markdown(f"**{p['rank']}**") if p["critical"] else p["rank"], p["name"], f"{p['score']:.1f}", number(p["customers_affected"]), number(round(p["customer_hours"])), f"{p['contacts_generated']:,.0f}", value])
    out.append(md_table(["#", "process", "score", "customers affected", "customer-hours", "contacts generated", "value"], rows, "rlrrrrr"))
    out.append("\nBold rank = one of the critical few processes.\n\n")
    for point in journeys["cross_process_points"][:3]:
        out.append(f"- {md(point['sentence'])}\n")
    out.append("\n" + to_mermaid(journeys["map"]) + "\n")
    return out


def render_markdown(report) -> str:
    out: list[str] = []
    title = f"# CX friction report · {md(report.period.label)}\n\n"
    out.append(title)
    context = f"{md_code(report.source)} · {md(period_sentence(report))}"
    if report.comparison is not None:
        context += f" · compared with {md(report.comparison.baseline)}"
    out.append(context + "\n\n")
    fired = [g for g in report.gates if g.fired]
    if report.gates:
        if fired:
            out.append("> [!CAUTION]\n")
            for gate in fired:
                out.append(f"> **Gate {md_code(gate.rule)} failed:** {md('; '.join(gate.reasons))}\n")
            out.append("\n")
        else:
            out.append(f"> Gates passed: {', '.join(md_code(g.rule) for g in report.gates)}\n\n")

    out.append("## Headline\n\n")
    rows = headline_rows(report)
    if report.comparison is not None:
        out.append(md_table(["", "this period", report.comparison.baseline, "change"], [[r["measure"], _with_detail(r), r["before"] or "–", r["change"] or "–"] for r in rows], "lrrl"))
    else:
        out.append(md_table(["", "this period"], [[r["measure"], _with_detail(r)] for r in rows], "lr"))
    for promise in report.headline.promises:
        if promise["cases"]:
            out.append(f"\n- {md(promise['name'])}: {percent(promise['kept_share'])} kept ({number(promise['kept'])} of {number(promise['cases'])} cases)")
    out.append("\n\n" if report.headline.promises else "\n")

    critical = report.critical
    out.append("## The critical few\n\n")
    if not critical:
        out.append("No friction points were found in this period.\n\n")
    else:
        out.append(f"{len(critical)} point{'s' if len(critical) != 1 else ''} carr{'y' if len(critical) != 1 else 'ies'} {report_share(report)} of the friction.\n\n")
    for point in critical:
        out.append(f"### {point.rank}. {md(point.label)} · score {point.score:.1f}\n\n")
        out.append(f"{md(point.sentence, line_start=True)}\n\n")
        for name, text in evidence_items(report, point):
            out.append(f"- **{md(name)}:** {md(text)}\n")
        out.append("\n")

    if report.comparison is not None:
        c = report.comparison
        out.append(f"## What changed since {md(c.baseline)}\n\n")
        out.append(
            f"{c.count('new')} new · {c.count('worse')} worse · {c.count('better')} better · {c.count('resolved')} resolved · "
            f"{c.count('unchanged')} without significant change ({number(c.cases_now)} cases now, {number(c.cases_before)} then).\n\n"
        )
        moved = [ch for ch in c.changes if ch.status != "unchanged"]
        if moved:
            out.append(
                md_table(
                    ["", "status", "#", "point", "share now", "share before", "q"],
                    [[STATUS_MARK[ch.status], ch.status + (" (folded)" if ch.folded else ""), ch.rank_now or "–", ch.label, percent(ch.share_now), percent(ch.share_before), q_text(ch.q_value)] for ch in moved],
                    "llrlrrr",
                )
            )
            out.append("\n")
        for note in c.notes:
            out.append(f"- {md(note)}\n")
        if c.notes:
            out.append("\n")

    if getattr(report, "journeys", None):
        out.extend(journey_lines(report.journeys))

    others = [p for p in report.points if not p.critical][: max(0, report.top - len(critical))]
    if others:
        out.append("## Other friction points\n\n")
        out.append(
            md_table(
                ["#", "kind", "where", "score", "cases", "customer-hours", "complaint lift (95% CI)", "evidence"],
                [[p.rank, p.kind, where(p), f"{p.score:.1f}", number(p.cases_affected), number(round(p.excess_customer_hours)), lift_text(p), p.sentence + (" (low evidence)" if p.low_evidence else "")] for p in others],
                "rllrrrrl",
            )
        )
        rest = len(report.points) - len(critical) - len(others)
        if rest > 0:
            out.append(f"\n{rest} more point{'s' if rest != 1 else ''} in report.json.\n")
        out.append("\n")

    if report.complaint_tags:
        out.append("## Complaint tags\n\n")
        out.append(md_table(["tag", "complaints", "cases", "share"], [[t.name, number(t.complaints), number(t.cases), percent(t.share)] for t in report.complaint_tags], "lrrr"))
        out.append("\n")

    out.append("## Data quality\n\n")
    lines = quality_lines(report)
    out.append("".join(f"- {md(line)}\n" for line in lines) if lines else "No data-quality findings.\n")
    out.append("\n## About this report\n\n")
    out.append("".join(f"- {md(line)}\n" for line in about_lines(report)))
    out.append("- The HTML report adds the process map and the charts.\n")
    return "".join(out)
