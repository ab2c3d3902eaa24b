"""The scale benchmark's data builder and growth exponent (the benchmark itself is not part of the test run)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def scale():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location("scale_benchmark", ROOT / "benchmarks" / "scale.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def test_replicas_share_no_case_and_move_by_four_weeks(scale, tmp_path, run):
    base = tmp_path / "base.parquet"
    assert run("convert", ROOT / "tests" / "data" / "running-example.xes", base).exit_code == 0
    built = scale.build(base, 3, tmp_path / "x3.parquet")
    original, replicated = pq.read_table(base).to_pandas(), pq.read_table(tmp_path / "x3.parquet").to_pandas()
    assert built["events"] == len(replicated) == 3 * len(original)
    assert replicated["case_id"].nunique() == 3 * original["case_id"].nunique()
    assert set(replicated["case_id"].str[-5:]) == {"-r000", "-r001", "-r002"}
    first = replicated.loc[replicated["case_id"].str.endswith("-r000"), "timestamp"].min()
    third = replicated.loc[replicated["case_id"].str.endswith("-r002"), "timestamp"].min()
    assert (third - first).days == 56 and third.weekday() == first.weekday()


def test_growth_exponent(scale):
    rows = [{"ok": True, "events": 1_000, "seconds": 1.0}, {"ok": True, "events": 10_000, "seconds": 10.0}]
    assert scale.growth(rows) == 1.0
    rows[1]["seconds"] = 100.0
    assert scale.growth(rows) == 2.0
    assert scale.growth(rows[:1]) is None
    assert scale.growth([rows[0], {"ok": False, "events": 5, "seconds": None}]) is None


def test_targets_and_agreement(scale):
    answer = {"steps": [{"activity": "a", "wait_p50_seconds": 1.0004}]}
    close = {"steps": [{"activity": "a", "wait_p50_seconds": 1.0013}]}
    assert scale.agree(answer, close) and not scale.agree(answer, {"steps": [{"activity": "b", "wait_p50_seconds": 1.0004}]})
    results = {
        "pandas": [{"ok": True, "size": 20, "seconds": 30.0, "peak_rss_mb": 4000.0, "answer": answer}],
        "duckdb": [
            {"ok": True, "size": 20, "seconds": 12.0, "peak_rss_mb": 2000.0, "answer": close},
            {"ok": True, "size": 100, "seconds": 200.0, "peak_rss_mb": 4500.0, "memory_limit": "4GB", "answer": None},
        ],
    }
    lines = scale.targets(results)
    assert lines[0].endswith("PASS") and "0.40" in lines[0]  # time 12/30
    assert lines[1].endswith("MISS") and "0.50" in lines[1]  # memory 2000/4000 > 0.35
    assert lines[2].endswith("PASS") and lines[3].endswith("PASS")
