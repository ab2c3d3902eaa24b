"""Inputs at scale (issue 11, item 2): a directory of Parquet files or a hive-partitioned dataset written by
`cxmine convert LOG out/ --partition month` reads into the same canonical table; --since/--until read only
the months they need; bad datasets are one line, exit 2."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

DATA = Path(__file__).parent / "data"


def _inspect(run, path, *args):
    result = run("inspect", path, "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    return {k: data[k] for k in ("events", "cases", "activities", "variants", "time_span", "activity_counts", "case_duration_seconds")}


def test_a_partitioned_dataset_reads_like_the_log(run, tmp_path):
    out = tmp_path / "helpdesk"
    made = run("convert", DATA / "helpdesk.xes.gz", out, "--partition", "month")
    assert made.exit_code == 0, made.stderr
    parts = sorted(p.name for p in out.iterdir())
    assert parts[0].startswith("case_month=") and len(parts) > 10
    assert _inspect(run, out) == _inspect(run, DATA / "helpdesk.xes.gz")
    window = ("--since", "2011-01-01", "--until", "2011-04-01")
    assert _inspect(run, out, *window) == _inspect(run, DATA / "helpdesk.xes.gz", *window)
    again = run("convert", DATA / "helpdesk.xes.gz", out, "--partition", "month")
    assert again.exit_code == 2 and "not empty" in again.stderr


def test_friction_on_a_dataset_equals_friction_on_the_file(run, tmp_path):
    out = tmp_path / "receipt"
    assert run("convert", DATA / "receipt.xes.gz", out, "--partition", "month").exit_code == 0
    a = json.loads(run("friction", out, "--format", "json").stdout)
    b = json.loads(run("friction", DATA / "receipt.xes.gz", "--format", "json").stdout)
    assert [(p["kind"], p["label"], p["cases_affected"]) for p in a["friction_points"]] == [(p["kind"], p["label"], p["cases_affected"]) for p in b["friction_points"]]


def test_a_plain_folder_of_parquet_files_and_bad_datasets(run, tmp_path):
    log = pd.read_csv(DATA / "running-example.csv")
    folder = tmp_path / "plain"
    folder.mkdir()
    log.iloc[:20].to_parquet(folder / "a.parquet")
    log.iloc[20:].to_parquet(folder / "b.parquet")
    assert _inspect(run, folder)["events"] == 42
    broken = tmp_path / "broken"
    broken.mkdir()
    log.to_parquet(broken / "a.parquet")
    log.assign(**{"case:concept:name": 1.5}).to_parquet(broken / "b.parquet")
    result = run("inspect", broken)
    assert result.exit_code == 2 and "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("inspect", empty)
    assert result.exit_code == 2 and "without Parquet files" in result.stderr
