"""Process maps, discovery and conformance: our directly-follows graph against pm4py's, our replay
figures against pm4py's own, exported models re-imported by pm4py, drawings, the two commands end to
end, and that pm4py stays out of every other command."""
from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from cxmine.cli.models_cmd import CONFORMANCE_EPILOG, DISCOVER_EPILOG, conformance, discover
from cxmine.core import schema
from cxmine.core.maps import END, START, MapFilters, directly_follows, parse_share
from cxmine.errors import MiningError, UsageError
from cxmine.mining import pm4py_adapter as adapter

from conftest import CLI_ENV, DATA, run_subprocess

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HAS_DOT = shutil.which("dot") is not None
RUNNING = "running-example.xes"
RUNNING_HAPPY = "register request,examine casually,check ticket,decide,pay compensation"


@pytest.fixture(scope="module")
def pm4py():
    return adapter._pm4py()


@pytest.fixture(scope="module")
def cli():
    """A small app holding just the two commands (the lead registers them on the real app)."""
    app = typer.Typer(pretty_exceptions_show_locals=False)
    app.command(name="discover", epilog=DISCOVER_EPILOG)(discover)
    app.command(name="conformance", epilog=CONFORMANCE_EPILOG)(conformance)
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(app, [str(a) for a in args], env=CLI_ENV)

    return invoke


def _events(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """A tiny canonical table from (case, activity, ISO time) rows."""
    frame = pd.DataFrame(rows, columns=[schema.CASE, schema.ACTIVITY, schema.TIMESTAMP])
    frame[schema.TIMESTAMP] = pd.to_datetime(frame[schema.TIMESTAMP], utc=True)
    frame = frame.sort_values([schema.CASE, schema.TIMESTAMP], kind="stable").reset_index(drop=True)
    frame[schema.CASE] = frame[schema.CASE].astype("category")
    frame[schema.ACTIVITY] = frame[schema.ACTIVITY].astype("category")
    return frame


# --- the map (pure pandas) ------------------------------------------------------------------------


@pytest.mark.parametrize("name", [RUNNING, "receipt.xes.gz", "helpdesk.xes.gz"])
def test_directly_follows_counts_equal_pm4py(real_log, pm4py, name):
    events = real_log(name).events
    process_map = directly_follows(events)
    dfg, starts, ends = pm4py.discover_dfg(adapter.pm4py_frame(events))
    edges = process_map.edges
    assert {(r.from_activity, r.to_activity): r.count for r in process_map.flow.itertuples()} == dict(dfg)
    assert {r.to_activity: r.count for r in edges.loc[edges["from_activity"] == START].itertuples()} == dict(starts)
    assert {r.from_activity: r.count for r in edges.loc[edges["to_activity"] == END].itertuples()} == dict(ends)
    assert process_map.nodes["events"].sum() == len(events)


def test_edge_times_are_median_and_p90_of_the_gaps():
    events = _events(
        [("c1", "A", "2026-01-01T00:00"), ("c1", "B", "2026-01-01T01:00"), ("c2", "A", "2026-01-01T00:00"),
         ("c2", "B", "2026-01-01T03:00"), ("c3", "A", "2026-01-01T00:00"), ("c3", "B", "2026-01-01T02:00")]
    )  # fmt: skip
    edge = directly_follows(events).flow.iloc[0]
    assert (edge.from_activity, edge.to_activity, edge["count"], edge["cases"]) == ("A", "B", 3, 3)
    assert edge.p50_seconds == 7200.0
    assert edge.p90_seconds == pytest.approx(np.percentile([3600, 7200, 10800], 90))


def test_activity_slider_drops_rare_events_and_relinks():
    rows = []
    for case in range(9):
        rows += [(f"c{case}", "A", "2026-01-01T00:00"), (f"c{case}", "C", "2026-01-01T02:00")]
    rows += [("c9", "A", "2026-01-01T00:00"), ("c9", "B", "2026-01-01T01:00"), ("c9", "C", "2026-01-01T02:00")]
    process_map = directly_follows(_events(rows), MapFilters(activities=0.9))
    assert set(process_map.nodes["activity"]) == {"A", "C"}
    assert process_map.flow[["from_activity", "to_activity", "count"]].values.tolist() == [["A", "C", 10]]
    assert (process_map.events, process_map.events_total) == (20, 21)


def test_paths_slider_never_disconnects_an_activity(real_log):
    process_map = directly_follows(real_log("receipt.xes.gz").events, MapFilters(paths=0.1))
    shown = process_map.shown_edges
    assert 0 < len(shown) < len(process_map.edges)

    def reach(seed, forward):
        graph = {}
        for a, b in zip(shown["from_activity"], shown["to_activity"]):
            graph.setdefault(a if forward else b, []).append(b if forward else a)
        seen, stack = {seed}, [seed]
        while stack:
            for nxt in graph.get(stack.pop(), []):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

    activities = set(process_map.nodes["activity"])
    assert activities | {END} <= reach(START, True)
    assert activities | {START} <= reach(END, False)


def test_top_variants_keeps_the_cases_of_the_most_frequent_variants(real_log):
    events = real_log("helpdesk.xes.gz").events
    variants = adapter.variants_of(events)
    process_map = directly_follows(events, MapFilters(top_variants=3))
    assert process_map.cases == int(variants.counts[:3].sum())
    assert process_map.cases_total == variants.cases == 4_580


@pytest.mark.parametrize(("text", "share"), [("80%", 0.8), ("80", 0.8), ("0.8", 0.8), ("100%", 1.0), (" 5 % ", 0.05)])
def test_parse_share(text, share):
    assert parse_share(text, "--activities") == pytest.approx(share)


@pytest.mark.parametrize("text", ["0%", "150%", "eighty", "-5%"])
def test_parse_share_rejects_nonsense(text):
    with pytest.raises(UsageError):
        parse_share(text, "--paths")


# --- pm4py through the adapter: same figures as pm4py itself ----------------------------------------


MODELS = [("inductive", {}), ("inductive", {"noise_threshold": 0.2}), ("heuristics", {}), ("alpha", {})]


@pytest.mark.parametrize("name", [RUNNING, "receipt.xes.gz"])
@pytest.mark.parametrize(("algorithm", "options"), MODELS, ids=["im", "imf", "heuristics", "alpha"])
def test_token_replay_fitness_equals_pm4py(real_log, pm4py, name, algorithm, options):
    events = real_log(name).events
    model = adapter.discover(events, algorithm, **options)
    ours = adapter.token_replay_fitness(events, model)
    with adapter.quiet():
        theirs = pm4py.fitness_token_based_replay(adapter.pm4py_frame(events), *model)
    assert abs(ours.fitness - theirs["log_fitness"]) <= 1e-9
    assert abs(ours.average_trace_fitness - theirs["average_trace_fitness"]) <= 1e-9
    assert abs(100 * ours.fitting_cases_share - theirs["perc_fit_traces"]) <= 1e-9


@pytest.mark.parametrize("name", [RUNNING, "receipt.xes.gz"])
def test_precision_equals_pm4py(real_log, pm4py, name):
    events = real_log(name).events
    for model in (adapter.discover(events, "inductive", noise_threshold=0.2), adapter.discover(events, "heuristics")):
        with adapter.quiet():
            theirs = pm4py.precision_token_based_replay(adapter.pm4py_frame(events), *model)
        assert abs(adapter.precision(events, model) - theirs) <= 1e-9


def test_happy_path_fitness_equals_pm4py_for_both_methods(real_log, pm4py):
    events = real_log(RUNNING).events
    model = adapter.happy_path(adapter.parse_happy_path(RUNNING_HAPPY))
    frame = adapter.pm4py_frame(events)
    with adapter.quiet():
        tbr = pm4py.fitness_token_based_replay(frame, *model)
        aligned = pm4py.fitness_alignments(frame, *model)
    assert abs(adapter.token_replay_fitness(events, model).fitness - tbr["log_fitness"]) <= 1e-9
    ours = adapter.alignment_fitness(events, model)
    assert abs(ours.fitness - aligned["log_fitness"]) <= 1e-9
    assert abs(ours.average_trace_fitness - aligned["average_trace_fitness"]) <= 1e-9


def test_inductive_miner_on_our_variants_finds_pm4pys_tree(real_log, pm4py):
    events = real_log("receipt.xes.gz").events
    for noise in (0.0, 0.2):
        with adapter.quiet():
            theirs = pm4py.discover_process_tree_inductive(adapter.pm4py_frame(events), noise_threshold=noise)
        assert str(adapter.discover(events, "inductive", noise_threshold=noise).tree) == str(theirs)


def test_alignment_deviations_name_skips_inserts_and_order(real_log):
    events = real_log(RUNNING).events
    model = adapter.happy_path(adapter.parse_happy_path(RUNNING_HAPPY))
    replay = adapter.alignment_fitness(events, model)
    found = dict(zip(adapter.variants_of(events).sequences, replay.deviations))
    # check ticket before examine casually: one of the two happened in the wrong place (both
    # alignments cost the same; pm4py may return either)
    assert found[("register request", "check ticket", "examine casually", "decide", "pay compensation")] in (
        {("examine casually", "out_of_order"): 1}, {("check ticket", "out_of_order"): 1},
    )  # fmt: skip
    assert found[("register request", "examine thoroughly", "check ticket", "decide", "reject request")] == {
        ("examine casually", "skipped"): 1, ("examine thoroughly", "inserted"): 1, ("pay compensation", "skipped"): 1, ("reject request", "inserted"): 1,
    }  # fmt: skip
    assert found[tuple(RUNNING_HAPPY.split(","))] == {}
    per_case = adapter.deviations_per_case(replay)
    assert set(per_case.columns) == {"case", "activity", "kind", "count"}
    assert per_case["case"].nunique() == 5  # every case but the happy one deviates


# --- model files ------------------------------------------------------------------------------------


def test_exported_pnml_and_bpmn_reimport_and_replay(cli, tmp_path, pm4py, real_log):
    pnml, bpmn, ptml = tmp_path / "model.pnml", tmp_path / "model.bpmn", tmp_path / "model.ptml"
    result = cli("discover", DATA / "receipt.xes.gz", "--noise", "0.2", "-o", pnml, "-o", bpmn, "-o", ptml, "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["outputs"] == [str(pnml), str(bpmn), str(ptml)]
    frame = adapter.pm4py_frame(real_log("receipt.xes.gz").events)
    with adapter.quiet():
        net, im, fm = pm4py.read_pnml(str(pnml))
        assert pm4py.fitness_token_based_replay(frame, net, im, fm)["log_fitness"] == pytest.approx(document["quality"]["fitness"], abs=1e-9)
        bpmn_net = pm4py.convert_to_petri_net(pm4py.read_bpmn(str(bpmn)))
        bpmn_fitness = pm4py.fitness_token_based_replay(frame, *bpmn_net)["log_fitness"]
        tree = pm4py.read_ptml(str(ptml))
    assert 0.9 < bpmn_fitness <= 1.0
    assert {t.label for t in bpmn_net[0].transitions if t.label} == {t.label for t in net.transitions if t.label}
    assert str(tree) == str(adapter.discover(real_log("receipt.xes.gz").events, "inductive", noise_threshold=0.2).tree)


def test_read_model_round_trip(tmp_path, real_log):
    events = real_log(RUNNING).events
    model = adapter.discover(events, "inductive")
    path = tmp_path / "m.pnml"
    adapter.write_pnml(*model, path)
    again = adapter.read_model(path)
    assert again.activities == model.activities
    assert adapter.token_replay_fitness(events, again).fitness == adapter.token_replay_fitness(events, model).fitness


def _bad_models(tmp_path: Path) -> dict[str, Path]:
    garbage = tmp_path / "garbage.pnml"
    garbage.write_bytes(b"\x00\x01 this is not xml at all \xff")
    model = adapter.discover(adapter_events(), "inductive")
    full = tmp_path / "full.bpmn"
    full.write_bytes(adapter.bpmn_bytes(model))
    truncated = tmp_path / "truncated.bpmn"
    truncated.write_bytes(full.read_bytes()[: len(full.read_bytes()) // 2])
    empty = tmp_path / "empty.pnml"
    empty.write_bytes(b"")
    tasks = tmp_path / "no_tasks.pnml"
    tasks.write_text('<?xml version="1.0"?><pnml><net id="n" type="x"><page id="p"/></net></pnml>')
    return {"garbage": garbage, "truncated": truncated, "missing": tmp_path / "missing.bpmn", "empty": empty, "no_tasks": tasks, "wrong_kind": DATA / RUNNING}


def adapter_events():
    from cxmine.io import load_log

    return load_log(DATA / RUNNING).events


@pytest.mark.parametrize("kind", ["garbage", "truncated", "missing", "empty", "no_tasks", "wrong_kind"])
def test_bad_model_files_exit_2_with_one_error_line(cli, tmp_path, kind):
    path = _bad_models(tmp_path)[kind]
    result = cli("conformance", DATA / RUNNING, "--model", path)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:"), result.stderr
    assert path.name in lines[0]
    assert "Traceback" not in result.stderr


# --- drawings ----------------------------------------------------------------------------------------


@pytest.mark.skipif(not HAS_DOT, reason="graphviz's dot is not installed (apt-get install graphviz)")
def test_svg_is_valid_xml_with_every_activity(cli, tmp_path, real_log):
    svg = tmp_path / "map.svg"
    result = cli("discover", DATA / "helpdesk.xes.gz", "--algorithm", "dfg", "--paths", "60%", "-o", svg, "-o", tmp_path / "map.png")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""  # files are the product; the summary is not printed
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    texts = {"".join(node.itertext()) for node in root.iter() if node.tag.endswith("text")}
    for activity in real_log("helpdesk.xes.gz").events[schema.ACTIVITY].cat.categories:
        assert activity in texts
    assert (tmp_path / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_dot_images_fail_clearly_and_text_formats_still_work(cli, tmp_path, monkeypatch):
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "dot" else real_which(name, *a, **k))
    result = cli("discover", DATA / RUNNING, "--algorithm", "dfg", "-o", tmp_path / "map.svg")
    assert result.exit_code == 4
    assert "install graphviz (apt-get install graphviz" in result.stderr
    assert not (tmp_path / "map.svg").exists()
    result = cli("discover", DATA / RUNNING, "--algorithm", "dfg", "-o", tmp_path / "map.dot", "-o", tmp_path / "map.mmd", "-o", tmp_path / "map.json")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "map.dot").read_text().startswith("digraph")
    assert (tmp_path / "map.mmd").read_text().startswith("flowchart LR")
    with pytest.raises(MiningError, match="install graphviz"):
        from cxmine.render.processmap import render_image

        render_image("digraph { a -> b }", "svg")


def test_mermaid_and_dot_escape_labels():
    from cxmine.render import processmap

    events = _events([("c1", 'Say "hi" [now] <b>|x', "2026-01-01T00:00"), ("c1", "back\\slash {y}", "2026-01-01T00:05")])
    mv = processmap.view(directly_follows(events), "performance")
    mermaid = processmap.to_mermaid(mv)
    node_lines = [line for line in mermaid.splitlines() if line.strip().startswith("n")]
    for line in node_lines:
        label = line.split('"', 1)[1].rsplit('"', 1)[0].replace("<br/>", "")
        assert not set(label) & set('"[]|<>{}'), line  # only entity codes (and line breaks) inside labels
    assert "#quot;hi#quot;" in mermaid
    dot = processmap.to_dot(mv)
    assert 'label="Say \\"hi\\" [now] <b>|x\\n' in dot
    assert "back\\\\slash" in dot
    if HAS_DOT:
        ET.fromstring(processmap.render_image(dot, "svg"))


def test_friction_overlay_puts_the_ranked_points_on_the_map(cli, tmp_path):
    out = tmp_path / "friction.json"
    result = cli("discover", EXAMPLES / "orders.csv", "--algorithm", "dfg", "--overlay", "friction", "--paths", "40%", "-o", out, "-o", tmp_path / "f.dot")
    assert result.exit_code == 0, result.stderr
    document = json.loads(out.read_text())
    assert document["overlay"] == "friction"
    nodes = {n["activity"]: n for n in document["nodes"]}
    assert nodes["Order placed"]["touchpoint"] and not nodes["Pick items"]["touchpoint"]
    assert sum(n["complaints"] for n in nodes.values()) > 0
    # the top point, a broken delivery promise, spans back-office steps: a dashed link, not an edge
    assert document["friction_links"][0]["from"] == "Order placed" and document["friction_links"][0]["to"] == "Delivered"
    assert nodes["Address verification"]["friction_score"] > 0  # rework
    dot = (tmp_path / "f.dot").read_text()
    assert "subgraph cluster_customer" in dot and 'style="dashed"' in dot and "legend" in dot
    hot = [e for e in document["edges"] if e["friction_score"]]
    assert hot and all(e["shown"] or e["friction_score"] > 0 for e in hot)


def test_an_edge_with_friction_is_drawn_even_when_the_paths_slider_hides_it():
    from cxmine.render import processmap

    rows = [(f"c{i}", a, f"2026-01-01T0{j}:00") for i in range(9) for j, a in enumerate("ABC")]
    rows += [("c9", "A", "2026-01-01T00:00"), ("c9", "A", "2026-01-01T01:00"), ("c9", "B", "2026-01-01T02:00"), ("c9", "C", "2026-01-01T03:00")]
    process_map = directly_follows(_events(rows), MapFilters(paths=0.5))
    loop = process_map.edges.loc[(process_map.edges["from_activity"] == "A") & (process_map.edges["to_activity"] == "A")].iloc[0]
    assert not loop["shown"]  # one case in ten: below the slider
    plain = processmap.to_dot(processmap.MapView(process_map, "friction"))
    hot = processmap.MapView(process_map, "friction", processmap.Heat(edges={("A", "A"): 5.0}, labels={("A", "A"): ["#1 rework"]}))
    node_id = next(line.split()[0] for line in processmap.to_dot(hot).splitlines() if 'label="A\\n' in line)
    assert f"  {node_id} -> {node_id} [" in processmap.to_dot(hot)
    assert f"  {node_id} -> {node_id} [" not in plain


# --- the commands end to end ------------------------------------------------------------------------


def test_discover_json_carries_quality_and_equals_the_library(cli, real_log):
    from cxmine.config import load_config
    from cxmine.mining import discover_process

    result = cli("discover", DATA / RUNNING, "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    library = discover_process(real_log(RUNNING), load_config(None)).to_dict()
    assert document == library
    assert document["quality"]["fitness"] == pytest.approx(1.0)
    assert document["quality"]["precision"] is None and 0 < document["quality"]["simplicity"] <= 1  # precision is opt-in
    assert "Model quality (inductive miner, token replay): fitness 1.000 · precision not measured (--precision)" in result.stderr
    with_precision = cli("discover", DATA / RUNNING, "--precision", "--format", "json")
    assert with_precision.exit_code == 0, with_precision.stderr
    quality = json.loads(with_precision.stdout)["quality"]
    assert quality == discover_process(real_log(RUNNING), load_config(None), precision=True).to_dict()["quality"]
    assert 0 < quality["precision"] <= 1 and quality["fitness"] == document["quality"]["fitness"]


def test_discover_table_summary_without_outputs(cli):
    result = cli("discover", DATA / RUNNING, "--algorithm", "heuristics", "--top-variants", "3")
    assert result.exit_code == 0, result.stderr
    assert "Most frequent transitions" in result.stdout and "heuristics miner" in result.stdout
    assert "Model quality" in result.stderr and "Model quality" not in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--algorithm", "dfg", "-o", "m.pnml"], "--algorithm dfg makes no model"),
        (["--algorithm", "alpha", "-o", "m.ptml"], ".ptml needs a process tree"),
        (["-o", "m.txt"], "unknown output format"),
        (["--activities", "150%"], "--activities"),
        (["-o", "a.dot", "-o", "a.dot"], "given twice"),
    ],
)
def test_discover_rejects_bad_option_combinations(cli, tmp_path, args, message):
    args = [str(tmp_path / a) if a.startswith(("m.", "a.")) else a for a in args]
    result = cli("discover", DATA / RUNNING, *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error:") and message in result.stderr


def test_conformance_json_equals_the_library(cli, real_log):
    from cxmine.mining import check_conformance, load_model

    result = cli("conformance", DATA / RUNNING, "--happy-path", RUNNING_HAPPY, "--alignments", "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    library = check_conformance(real_log(RUNNING), load_model(happy_path=RUNNING_HAPPY), alignments=True).to_dict()
    # Equal-cost alignments may place a move on either of two steps: compare the deviations by total.
    assert {k: v for k, v in document.items() if k != "deviations"} == {k: v for k, v in library.items() if k != "deviations"}
    assert document["method"] == "alignments" and document["fitness"] == pytest.approx(2 / 3)
    deviations = {d["activity"]: d for d in document["deviations"]}
    assert sum(d["out_of_order"]["cases"] for d in deviations.values()) == 1
    assert deviations["pay compensation"]["skipped"]["cases"] == 3
    assert document["activities_not_in_model"] == ["examine thoroughly", "reinitiate request", "reject request"]


def test_conformance_complaint_lift_from_the_config(cli, tmp_path):
    happy = "Order placed,Order confirmation sent,Stock check,Pick items,Pack parcel,Handover to carrier,Invoice issued,Shipping notification sent,Delivered"
    report = tmp_path / "conformance.md"
    result = cli("conformance", EXAMPLES / "orders.csv", "--happy-path", happy, "--format", "markdown", "-o", report)
    assert result.exit_code == 0, result.stderr
    text = report.read_text()
    assert "| Backorder at supplier |" in text and "complaint lift (95% CI)" in text
    row = next(line for line in text.splitlines() if line.startswith("| Backorder at supplier |"))
    assert "×" in row  # lift computed from the configured complaints


def test_conformance_needs_exactly_one_model_and_never_overwrites_it(cli, tmp_path):
    assert cli("conformance", DATA / RUNNING).exit_code == 2
    both = cli("conformance", DATA / RUNNING, "--happy-path", "a,b", "--model", tmp_path / "x.pnml")
    assert both.exit_code == 2 and "not both" in both.stderr
    model = tmp_path / "m.pnml"
    model.write_bytes(adapter.pnml_bytes(adapter.discover(adapter_events(), "inductive")))
    before = model.read_bytes()
    result = cli("conformance", DATA / RUNNING, "--model", model, "-o", model)
    assert result.exit_code == 2 and "overwrite an input" in result.stderr
    assert model.read_bytes() == before


def test_every_command_has_help_and_an_example(cli):
    for name in ("discover", "conformance"):
        result = cli(name, "--help")
        assert result.exit_code == 0
        assert "Examples:" in result.stdout and f"cxmine {name} " in result.stdout


# --- friction: the deviation kind ---------------------------------------------------------------------


def test_deviation_candidates_from_per_case_deviations():
    from cxmine.friction.contract import Journey
    from cxmine.friction.deviation import complaint_lift, deviation_candidates

    hour = 3600e9
    window_start = np.zeros(4)
    window_end = np.array([1, 1, 5, 9]) * hour
    ctx = Journey(
        events=pd.DataFrame({"timestamp": pd.Series(dtype="datetime64[ns, UTC]")}), n_cases=4, case_ids=pd.Index(["a", "b", "c", "d"]), case=np.array([], dtype=int), first=np.array([], dtype=bool), begin=pd.Series(dtype="datetime64[ns, UTC]"),
        window_start=window_start, window_end=window_end, touchpoint=np.array([], dtype=bool), chasing=np.array([], dtype=bool), wait_factor=2.0,
    )  # fmt: skip
    per_case = pd.DataFrame({"case": [2, 3, 3], "activity": ["Pay", "Pay", "Ship"], "kind": ["skipped", "skipped", "out_of_order"], "count": [1, 1, 2]})
    found = {(c.activity, c.details["deviation"]): c for c in deviation_candidates(ctx, per_case, "happy path")}
    assert set(found) == {("Pay", "skipped"), ("Ship", "out_of_order")}
    pay = found[("Pay", "skipped")]
    assert pay.kind == "deviation" and pay.cases.tolist() == [2, 3] and pay.mask(4).tolist() == [False, False, True, True]
    assert pay.threshold_seconds == 3600.0  # median window of the cases without this deviation
    assert pay.excess_seconds.tolist() == [4 * 3600.0, 8 * 3600.0]  # per affected case, aligned with `cases`
    assert found[("Ship", "out_of_order")].details["events"] == 2
    lift = complaint_lift(np.array([True, True, False, False]), np.array([True, True, True, False]))
    assert lift["complaint_rate_affected"] == 1.0 and lift["complaint_rate_unaffected"] == 0.5


def test_deviations_for_friction_from_a_model_setting(real_log):
    from types import SimpleNamespace

    from cxmine.mining import deviations_for_friction

    rows, description = deviations_for_friction(real_log(RUNNING).events, SimpleNamespace(path=None, happy_path=tuple(RUNNING_HAPPY.split(",")), alignments=False))
    assert description == "the happy path"
    assert {"skipped", "inserted", "out_of_order"} >= set(rows["kind"])
    assert rows["case"].nunique() == 5


# --- architecture ---------------------------------------------------------------------------------------


def test_pm4py_and_cxmine_mining_load_only_for_these_commands():
    script = (
        "import json, sys\n"
        "import cxmine.cli.app, cxmine.cli.models_cmd, cxmine.core.maps, cxmine.friction.deviation, cxmine.render.processmap\n"
        "print(json.dumps(sorted(m for m in ('pm4py', 'cxmine.mining') if m in sys.modules)))\n"
    )
    completed = run_subprocess("-c", script)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout.strip().splitlines()[-1]) == []


def test_the_adapter_is_the_only_module_naming_pm4py():
    package = Path(adapter.__file__).resolve().parents[1]
    importers = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if any(line.lstrip().startswith(("import pm4py", "from pm4py")) for line in path.read_text(encoding="utf-8").splitlines())
    )
    assert importers == ["mining/pm4py_adapter.py"]
