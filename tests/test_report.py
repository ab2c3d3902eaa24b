"""The weekly report (`cxmine report`): periods, the comparison and its significance test, gates, redaction,
the weekly trend, charts, the three renderers, and the command through CliRunner on a small Typer app
that registers `report` the way cli/app.py does."""
from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from conftest import CLI_ENV, DATA, Outcome, run_subprocess

ROOT = Path(__file__).parent.parent
ORDERS = ROOT / "examples" / "orders.csv"
SECTIONS = ("headline", "critical", "changes", "map", "charts", "waits", "trend", "others", "tags", "quality", "about")


def report_app() -> typer.Typer:
    from cxmine.cli.report_cmd import EPILOG, report

    app = typer.Typer(pretty_exceptions_show_locals=False)
    app.command(name="report", epilog=EPILOG)(report)

    @app.callback()
    def _root() -> None:
        """A test app holding only `report`."""

    return app


@pytest.fixture(scope="module")
def run_report():
    runner = CliRunner()
    app = report_app()

    def invoke(*args: object) -> Outcome:
        result = runner.invoke(app, ["report", *[str(a) for a in args]], env=CLI_ENV)
        return Outcome(result.exit_code, result.stdout, result.stderr, result.exception)

    return invoke


def _weekly(run_report, folder: Path, *extra: object) -> tuple[Outcome, dict[str, Path]]:
    paths = {kind: folder / f"report.{kind}" for kind in ("html", "md", "json")}
    outcome = run_report(ORDERS, "--period", "2026-W12", "--compare", "previous", *[a for p in paths.values() for a in ("-o", p)], *extra)
    return outcome, paths


@pytest.fixture(scope="module")
def weekly(run_report, tmp_path_factory):
    """The example log's week 12 against week 11, in all three formats (one run shared by many tests)."""
    return _weekly(run_report, tmp_path_factory.mktemp("weekly"))


@pytest.fixture(scope="module")
def orders_report():
    """The library's own report for week 12 of the example (no CLI involved)."""
    from cxmine import build_report, load_inputs
    from cxmine.report.build import parse_period

    inputs = load_inputs(ORDERS)
    return build_report(inputs, period=parse_period("2026-W12")), inputs.config


# ---------------------------------------------------------------------------------------------------------------
# Periods


def test_periods_are_calendar_windows_in_the_timezone():
    from cxmine.report.build import parse_period

    week = parse_period("2026-W12")
    assert (week.label, week.since.isoformat(), week.until.isoformat()) == ("2026-W12", "2026-03-16T00:00:00+00:00", "2026-03-23T00:00:00+00:00")
    assert parse_period("2026w1").previous().label == "2025-W52"  # ISO years wrap
    assert parse_period("2026-01").previous().label == "2025-12"
    assert parse_period("2026-Q1").until == pd.Timestamp("2026-04-01", tz="UTC")
    assert parse_period("2026").previous().label == "2025"
    assert parse_period("2026-03-16").until == pd.Timestamp("2026-03-17", tz="UTC")
    amsterdam = parse_period("2026-W12", "Europe/Amsterdam")
    assert amsterdam.since.isoformat() == "2026-03-15T23:00:00+00:00"


@pytest.mark.parametrize("text", ["2026-W54", "March", "2026-13", "26-W12", "2026-02-30"])
def test_bad_periods_are_usage_errors(text):
    from cxmine.errors import UsageError
    from cxmine.report.build import parse_period

    with pytest.raises(UsageError):
        parse_period(text)


def test_a_since_until_range_has_a_previous_of_the_same_length():
    from cxmine.errors import UsageError
    from cxmine.report.build import range_period

    period = range_period("2026-03-10", "2026-03-24")
    previous = period.previous()
    assert (previous.since, previous.until) == (pd.Timestamp("2026-02-24", tz="UTC"), period.since)
    with pytest.raises(UsageError):
        range_period("2026-03-10", None).previous()
    with pytest.raises(UsageError):
        range_period("2026-03-10", "2026-03-01")


# ---------------------------------------------------------------------------------------------------------------
# Comparison and gates, on hand-built report dictionaries


def _point(rank, kind, cases, *, critical=False, score=1.0, activity=None, source=None, target=None, label=None, related=()):
    return {
        "rank": rank, "kind": kind, "label": label or f"{kind} {activity or ''}{source or ''}→{target or ''}", "activity": activity,
        "from_activity": source, "to_activity": target, "details": {}, "critical": critical, "score": score,
        "cases_affected": cases, "related": list(related),
    }


def _doc(cases, points, complaint_rate=None):
    return {"kind": "report", "headline": {"cases": cases, "complaint_rate": complaint_rate, "promises": []}, "friction": {"friction_points": points}}


def test_only_significant_changes_are_worse_or_better():
    from cxmine.report.compare import compare

    before = _doc(1000, [
        _point(1, "rework", 100, activity="A"),
        _point(2, "rework", 50, activity="B"),
        _point(3, "rework", 200, activity="C"),
        _point(4, "rework", 40, activity="Gone"),
        _point(5, "wait", 30, source="X", target="Y", related=[{"kind": "chasing", "label": "chasing Z", "cases_affected": 25, "overlap": 0.9}]),
    ])
    now = _doc(1000, [
        _point(1, "rework", 110, activity="A"),  # noise: 10% → 11%
        _point(2, "rework", 200, activity="B"),  # 5% → 20%
        _point(3, "rework", 50, activity="C"),  # 20% → 5%
        _point(4, "slow_step", 90, activity="New"),
        _point(5, "wait", 31, source="X", target="Y"),
        _point(6, "chasing", 27, activity="Z", label="chasing Z"),  # folded into point 5 before: not new
    ])
    comparison = compare(now, before, label="2026-W11")
    status = {c.label: c.status for c in comparison.changes}
    assert status["rework A→"] == "unchanged"
    assert status["rework B→"] == "worse"
    assert status["rework C→"] == "better"
    assert status["slow_step New→"] == "new"
    assert status["rework Gone→"] == "resolved"
    assert status["chasing Z"] == "unchanged"
    assert [c.folded for c in comparison.changes if c.label == "chasing Z"] == ["before"]
    assert all(c.q_value >= c.p_value for c in comparison.changes)  # Benjamini–Hochberg never lowers a p-value
    assert [c.rank_now for c in comparison.changes][-1] is None  # resolved points come last
    assert comparison.to_dict()["counts"] == {"new": 1, "worse": 1, "better": 1, "unchanged": 3, "resolved": 1}


def test_new_critical_fires_only_on_a_significant_new_or_worse_critical_point():
    from cxmine.report.compare import compare, evaluate_gates, parse_gate

    rules = (parse_gate("new-critical"),)
    before = _doc(500, [_point(1, "rework", 40, activity="A", critical=True), _point(2, "rework", 20, activity="B")])
    tiny = _doc(500, [_point(1, "rework", 40, activity="A", critical=True), _point(2, "complaint_hotspot", 2, source="P", target="Q", critical=True)])
    big = _doc(500, [_point(1, "rework", 40, activity="A", critical=True), _point(2, "slow_step", 120, activity="S", critical=True)])
    grown = _doc(500, [_point(1, "rework", 40, activity="A", critical=True), _point(2, "rework", 150, activity="B", critical=True)])
    assert not evaluate_gates(rules, tiny, compare(tiny, before, label="W11"))[0].fired  # 2 cases: noise
    fired = evaluate_gates(rules, big, compare(big, before, label="W11"))[0]
    assert fired.fired and "new since W11" in fired.reasons[0]
    assert "became critical" in evaluate_gates(rules, grown, compare(grown, before, label="W11"))[0].reasons[0]
    same = compare(before, before, label="W11")
    assert not evaluate_gates(rules, before, same)[0].fired


def test_score_and_complaint_rate_gates():
    from cxmine.errors import UsageError
    from cxmine.report.compare import evaluate_gates, parse_gate

    doc = _doc(100, [_point(1, "rework", 40, activity="A", score=62.5), _point(2, "rework", 10, activity="B", score=37.5)], complaint_rate=0.09)
    results = evaluate_gates((parse_gate("score>50"), parse_gate("score > 70"), parse_gate("complaint-rate>8%"), parse_gate("complaint-rate>0.1")), doc, None)
    assert [(r.rule, r.fired) for r in results] == [("score>50", True), ("score>70", False), ("complaint-rate>0.08", True), ("complaint-rate>0.1", False)]
    assert results[0].reasons == ("'rework A→' scores 62.5 > 50",)
    assert parse_gate("complaint-rate>8").threshold == parse_gate("complaint-rate>0.08").threshold
    for bad in ("score<5", "new critical", "score>120", "complaint-rate>120%", "lead-time>3d"):
        with pytest.raises(UsageError):
            parse_gate(bad)
    with pytest.raises(UsageError):
        evaluate_gates((parse_gate("complaint-rate>5%"),), _doc(100, []), None)
    with pytest.raises(UsageError):
        evaluate_gates((parse_gate("new-critical"),), _doc(100, []), None)


def test_a_baseline_must_be_a_report():
    from cxmine.errors import InputError
    from cxmine.report.compare import compare

    with pytest.raises(InputError):
        compare(_doc(10, []), {"kind": "inspect"}, label="x")


# ---------------------------------------------------------------------------------------------------------------
# The library report


def test_trend_share_of_the_period_week_equals_the_points_share(orders_report):
    """The vectorised weekly trend agrees with the period's own count for a fixed-threshold point."""
    report, _config = orders_report
    promise = next(p for p in report.points if p.kind == "broken_promise")
    series = next(s for s in report.trend.series if s.rank == promise.rank)
    week = report.trend.weeks.index("2026-W12")
    assert report.trend.in_period[week] and sum(report.trend.in_period) == 1
    assert report.trend.cases[week] == report.headline.cases
    assert series.affected[week] == promise.cases_affected
    assert series.shares[week] == pytest.approx(promise.cases_affected / report.headline.cases)
    assert report.trend.weeks[0] == "2026-W02"  # the weeks before the log's first case are left out


def test_report_evidence(orders_report):
    report, _config = orders_report
    data = report.to_dict()
    assert (data["schema_version"], data["kind"], data["period"]["label"]) == ("1.0", "report", "2026-W12")
    assert "generated_at" not in data
    assert data["headline"]["cases"] == 180 and 0 < data["headline"]["complaint_rate"] < 1
    assert [p["name"] for p in data["headline"]["promises"]] == ["Order placed → Delivered within 5d", "Refund requested → Refund issued within 3d"]
    first = data["friction"]["friction_points"][0]
    assert first["match_key"][0] == first["kind"] and all(c.startswith("O-") for c in first["example_cases"])
    assert data["wait_distributions"] and all(d["quantiles_seconds"]["p25"] <= d["quantiles_seconds"]["p75"] for d in data["wait_distributions"])
    assert sum(t["complaints"] for t in data["complaint_tags"]) == report.friction.complaints_matched
    json.dumps(data, allow_nan=False)


def test_redaction(orders_report):
    from cxmine.report.redact import DEFAULT_SALT, redact_report, stable_id

    report, config = orders_report
    assert stable_id("O-1", "case") == stable_id("O-1", "case") != stable_id("O-1", "case", "other salt")
    assert re.fullmatch(r"case-[0-9a-f]{12}", stable_id("O-1", "case"))
    redacted = redact_report(report, min_group=10, customer_column=config.customer)
    text = json.dumps(redacted.to_dict(), ensure_ascii=False)
    assert not re.search(r"O-1\d{4}", text)
    assert redacted.example_cases[0][0] == stable_id(report.example_cases[0][0], "case", DEFAULT_SALT)
    for point in redacted.points:
        assert all(round(d["share_affected"] * point.cases_affected) >= 10 for d in point.drivers)
        assert all(t.count >= 10 for t in point.top_complaint_tags)
    assert all(t.cases >= 10 for t in redacted.complaint_tags)
    assert all(not w["examples"] for w in redacted.to_dict()["friction"]["warnings"])
    assert redacted.redaction["min_group"] == 10 and redacted.redaction["hidden"]["complaint_tags"] > 0
    # ping-pong between resources: the names become pseudonyms, consistently in label, details and key
    point = replace(report.points[0], kind="ping_pong", label="ping-pong between resources 'Ann' ⇄ 'Bob'", sentence="5% of cases bounce Ann ⇄ Bob.", details={"between": "resources", "style": "direct", "x": "Ann", "y": "Bob"})
    one = redact_report(replace(report, friction=replace(report.friction, friction_points=(point,)), keys=(report.keys[0],), example_cases=((),)))
    shown = json.dumps(one.to_dict()["friction"]["friction_points"], ensure_ascii=False)
    assert "Ann" not in shown and "Bob" not in shown and stable_id("Ann", "resource") in one.keys[0][4]


def test_charts_are_deterministic_inline_svg(orders_report):
    from cxmine.render import charts
    from cxmine.report.build import Trend

    report, _config = orders_report
    waits, again = charts.wait_chart(report.wait_distributions), charts.wait_chart(report.wait_distributions)
    trend = charts.trend_chart(report.trend)
    assert waits == again and waits.startswith("<svg") and trend.startswith("<svg")
    for svg, name in ((waits, "waits"), (trend, "trend")):
        assert "<?xml" not in svg and "<metadata" not in svg and "Date" not in svg
        assert all(i.startswith(f"{name}-") for i in re.findall(r'\bid="([^"]+)"', svg))
    assert charts.wait_chart(()) is None and charts.trend_chart(Trend()) is None


def test_report_modules_stay_out_of_the_cli():
    modules = ["cxmine.report.build", "cxmine.report.compare", "cxmine.report.redact", "cxmine.render.report_md"]
    script = "import importlib, json, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    script += "print(json.dumps(sorted(m for m in ('rich', 'typer', 'pm4py', 'matplotlib') if m in sys.modules)))\n"
    completed = run_subprocess("-c", script)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout.strip().splitlines()[-1]) == []


# ---------------------------------------------------------------------------------------------------------------
# The command


def test_weekly_report_in_three_formats(weekly):
    outcome, paths = weekly
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stdout == ""
    assert "\x1b[" not in outcome.stderr  # no spinner or colour when stderr is not a terminal
    assert "Report 2026-W12: 180 cases" in outcome.stderr
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert data["kind"] == "report" and data["comparison"]["baseline"] == "2026-W11"
    assert data["comparison"]["cases_before"] == 183
    markdown = paths["md"].read_text(encoding="utf-8")
    for heading in ("# CX friction report · 2026-W12", "## Headline", "## The critical few", "## What changed since 2026-W11", "## Complaint tags", "## Data quality"):
        assert heading in markdown
    html = paths["html"].read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f'id="{section}"' in html
    assert html.count("<svg") >= 2


def test_json_is_the_librarys_report(weekly, orders_report):
    _outcome, paths = weekly
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    library = orders_report[0].to_dict()
    assert data["friction"]["friction_points"] == library["friction"]["friction_points"]
    assert data["headline"] == library["headline"] and data["trend"] == library["trend"]


def test_html_is_self_contained_and_printable(weekly):
    html = weekly[1]["html"].read_text(encoding="utf-8")
    assert "<script" not in html and "@import" not in html and "<link rel=\"stylesheet\"" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert not re.search(r"url\(\s*['\"]?(https?:|//)", html)
    assert set(re.findall(r"https?://[^\s\"'<>)]+", html)) <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert "@media print" in html and "Content-Security-Policy" in html


def test_same_input_gives_byte_identical_outputs(run_report, weekly, tmp_path):
    _outcome, first = weekly
    outcome, second = _weekly(run_report, tmp_path)
    assert outcome.exit_code == 0, outcome.stderr
    for kind in ("html", "md", "json"):
        assert first[kind].read_bytes() == second[kind].read_bytes(), kind


def test_baseline_json_and_gates(run_report, weekly, tmp_path):
    """Against its own report.json nothing changed; the complaint-rate rule fires and the outputs are still written."""
    _outcome, paths = weekly
    out = tmp_path / "again.json"
    outcome = run_report(ORDERS, "--period", "2026-W12", "--compare", paths["json"], "--fail-on", "new-critical", "--fail-on", "complaint-rate>1%", "-o", out)
    assert outcome.exit_code == 1, outcome.stderr
    assert "Gate failed: complaint-rate>0.01 — complaint rate 8.3% > 1%" in outcome.stderr
    assert "Gate failed: new-critical" not in outcome.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["comparison"]["counts"] == {"new": 0, "worse": 0, "better": 0, "resolved": 0, "unchanged": len(data["friction"]["friction_points"])}
    assert [g["fired"] for g in data["gates"]] == [False, True]


def test_markdown_on_stdout_by_default_and_score_gate(run_report):
    outcome = run_report(DATA / "running-example.xes", "--fail-on", "score>0")
    assert outcome.exit_code == 1
    assert outcome.stdout.startswith("# CX friction report · whole log\n")
    assert "Gate `score>0` failed" in outcome.stdout
    assert "Gate failed: score>0 — " in outcome.stderr and "# CX friction report" not in outcome.stderr


def test_stamp_and_whole_log_html(run_report, tmp_path):
    html, js = tmp_path / "r.html", tmp_path / "r.json"
    outcome = run_report(DATA / "running-example.xes", "--stamp", "-o", html, "-o", js)
    assert outcome.exit_code == 0, outcome.stderr
    stamp = json.loads(js.read_text(encoding="utf-8"))["generated_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", stamp)
    assert f"Made with cxmine · {stamp}" in html.read_text(encoding="utf-8")


def test_helpdesk_month_against_the_previous_month_redacted(run_report, tmp_path, real_log):
    out, md = tmp_path / "h.json", tmp_path / "h.md"
    outcome = run_report(DATA / "helpdesk.xes.gz", "--period", "2012-03", "--compare", "previous", "--redact", "--min-group", "8", "-o", out, "-o", md)
    assert outcome.exit_code == 0, outcome.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["comparison"]["baseline"] == "2012-02" and data["redaction"]["min_group"] == 8
    case_ids = set(real_log("helpdesk.xes.gz").events["case_id"].astype(str))
    resources = set(real_log("helpdesk.xes.gz").events["resource"].astype(str))
    shown = [c for p in data["friction"]["friction_points"] for c in p["example_cases"]]
    assert shown and not case_ids & set(shown)
    for point in data["friction"]["friction_points"]:
        if point["kind"] == "ping_pong" and point["details"]["between"] == "resources":
            assert point["details"]["x"] not in resources and point["details"]["x"].startswith("resource-")
    for week, cases in enumerate(data["trend"]["cases"]):
        if cases < 8:  # a small week shows no share
            assert all(s["shares"][week] is None for s in data["trend"]["series"])


def test_help_has_examples(run_report):
    outcome = run_report("--help")
    assert outcome.exit_code == 0
    assert "Examples:" in outcome.stdout and "--fail-on" in outcome.stdout and "--compare" in outcome.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--period", "2026-W12", "--since", "2026-03-01"), "--period cannot be combined"),
        (("-o", "report.pdf"), "unknown report format"),
        (("--fail-on", "lead-time>3d"), "is not a rule"),
        (("--fail-on", "new-critical"), "needs a baseline"),
        (("--compare", "no-such-baseline.json"), "baseline file not found"),
        (("--period", "2026-W60"), "not a valid date"),
        (("--min-group", "3"), "only applies with --redact"),
        (("--compare", "previous"), "needs a period with a start and an end"),
        (("--period", "2031-W01"), "no case starts in 2031-W01"),
        (("--compare", "2031-W01"), "no case starts in 2031-W01"),
        (("--fail-on", "complaint-rate>5%"), "needs complaints"),
    ],
)
def test_usage_errors_exit_2(run_report, args, message):
    outcome = run_report(DATA / "running-example.xes", *args)
    assert outcome.exit_code == 2, (outcome.stdout, outcome.stderr)
    # Option errors come first; errors found in the data may follow the line saying which engine runs.
    said = outcome.stderr.removeprefix("engine: pandas (auto: a small or non-Parquet input, or settings only pandas supports)\n")
    assert message in said and said.startswith("Error:")
    assert ("engine:" in outcome.stderr) == (message in ("no case starts in 2031-W01", "needs complaints"))
    assert outcome.stdout == ""


def test_missing_log_exits_2(run_report, tmp_path):
    outcome = run_report(tmp_path / "nope.csv")
    assert outcome.exit_code == 2 and "file not found" in outcome.stderr
