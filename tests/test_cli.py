"""The CLI end to end: through CliRunner (exit code, stdout, stderr apart), and once as a real process."""
from __future__ import annotations

import json
import os
import sys

import pytest
import typer.main

from cxmine import __version__
from cxmine.cli.app import app
from cxmine.cli.runtime import ExitCode
from cxmine.core.summary import summarise
from cxmine.errors import ConfigError, CxmineError, InputError, MiningError, UsageError
from cxmine.io import load_log

from conftest import DATA, REAL_LOGS, run_subprocess

INSPECTED = ["running-example.xes", "receipt.xes.gz", "receipt.csv.gz"]


# --- inspect --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", INSPECTED)
def test_inspect_json_equals_the_library_result(run, name):
    path = DATA / name
    result = run("inspect", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert json.loads(result.stdout) == summarise(load_log(path)).to_dict()


@pytest.mark.parametrize("name", INSPECTED)
def test_inspect_json_has_integer_counts(run, name):
    document = json.loads(run("inspect", DATA / name, "-f", "json").stdout)
    events, cases, activities = REAL_LOGS[name]
    for key in ("events", "cases", "activities", "variants"):
        assert type(document[key]) is int, key
    assert (document["events"], document["cases"], document["activities"]) == (events, cases, activities)
    assert document["schema_version"] == "1.0"
    assert document["kind"] == "inspect"
    assert list(document)[:3] == ["schema_version", "kind", "source"]  # stable key order


def test_inspect_json_stdout_holds_only_json_and_warnings_go_to_stderr(run):
    result = run("inspect", DATA / "sepsis_cases.csv.gz", "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)  # would fail if a warning leaked into stdout
    assert document["events"] == 15_214
    assert document["warning_count"] == 1
    assert document["warnings"][0]["code"] == "naive_timestamps"
    assert result.stderr_lines == [
        "Warning: column 'Complete Timestamp' has no timezone; read as UTC (pass --timezone to change) (15,214)"
    ]


@pytest.mark.parametrize("name", ["running-example.xes", "receipt.xes.gz"])
def test_inspect_table(run, name):
    events, cases, activities = REAL_LOGS[name]
    result = run("inspect", DATA / name)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert any(line.split() == ["Events", f"{events:,}"] for line in lines), result.stdout[:500]
    assert any(line.split() == ["Cases", f"{cases:,}"] for line in lines)
    assert any(line.split() == ["Activities", str(activities)] for line in lines)
    for title in ("Activities", "Top variants", "Start and end activities", "Attributes", "Data quality"):
        assert title in result.stdout
    assert "\x1b[" not in result.stdout  # no colour codes when stdout is not a terminal


@pytest.mark.parametrize("name", ["running-example.xes", "receipt.xes.gz"])
def test_inspect_markdown(run, name):
    events, cases, activities = REAL_LOGS[name]
    result = run("inspect", DATA / name, "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert text.startswith(f"# Event log: `{DATA / name}`")
    assert f"| events | {events:,} |" in text
    assert f"| cases | {cases:,} |" in text
    assert f"| activities | {activities} |" in text
    for heading in ("## Activities", "## Top variants", "## Attributes", "## Data quality"):
        assert heading in text
    # Every table row has as many cells as its header.
    for block in text.split("\n\n"):
        rows = [line for line in block.splitlines() if line.startswith("| ")]
        if rows:
            widths = {len(row.replace("\\|", "").split(" | ")) for row in rows}
            assert len(widths) == 1, block


def test_inspect_top_variants_option(run):
    document = json.loads(run("inspect", DATA / "receipt.xes.gz", "-f", "json", "--top-variants", "3").stdout)
    assert [v["rank"] for v in document["top_variants"]] == [1, 2, 3]
    assert document["variants"] == 116
    assert document["top_variants"][0]["cases"] >= document["top_variants"][1]["cases"]


def test_inspect_output_writes_the_file_atomically(run, tmp_path):
    out = tmp_path / "summary.json"
    out.write_text("old content")
    keep = tmp_path / "hard-link-to-old"
    os.link(out, keep)
    result = run("inspect", DATA / "running-example.xes", "--format", "json", "--output", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr_lines == [f"Wrote {out}"]
    assert json.loads(out.read_text())["events"] == 42
    # Replaced by a rename, not rewritten in place: the old inode still holds the old bytes.
    assert keep.read_text() == "old content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hard-link-to-old", "summary.json"]


def test_inspect_output_to_a_missing_folder_is_a_usage_error(run, tmp_path):
    result = run("inspect", DATA / "running-example.xes", "--output", tmp_path / "no" / "such" / "out.md")
    assert result.exit_code == 2
    assert result.stderr_lines[0].startswith("Error: the output folder does not exist")


def test_a_format_a_command_does_not_offer_is_refused(run):
    result = run("inspect", DATA / "running-example.xes", "--format", "csv")
    assert result.exit_code == 2
    assert "csv" in result.stderr and "Traceback" not in result.stderr


def test_since_and_until_keep_whole_cases(run):
    everything = json.loads(run("inspect", DATA / "receipt.xes.gz", "-f", "json").stdout)
    window = json.loads(run("inspect", DATA / "receipt.xes.gz", "-f", "json", "--since", "2011-01-01", "--until", "2011-07-01").stdout)
    assert 0 < window["cases"] < everything["cases"]
    assert window["time_span"]["first"] >= "2011-01-01"
    assert window["time_span"]["first"] < "2011-07-01"


# --- convert --------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".csv.gz", ".xes", ".xes.gz"])
def test_convert_writes_each_format(run, tmp_path, suffix):
    out = tmp_path / f"receipt{suffix}"
    result = run("convert", DATA / "receipt.xes.gz", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr_lines == [f"Wrote {out} (8,577 events, 1,434 cases)"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # no temp file left behind
    again = load_log(out)
    assert (len(again.events), again.events["case_id"].nunique()) == (8_577, 1_434)


def test_convert_then_inspect_with_no_flags(run, tmp_path):
    out = tmp_path / "sepsis.parquet"
    assert run("convert", DATA / "sepsis_cases.csv.gz", out).exit_code == 0
    result = run("inspect", out, "--format", "json")
    assert result.exit_code == 0
    assert result.stderr == ""  # no timezone warning: the Parquet file carries UTC times
    assert json.loads(result.stdout)["events"] == 15_214


# --- help, version, exit codes --------------------------------------------------------------------


def test_version(run):
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"cxmine {__version__}"
    assert __version__ == "0.1.0"


def test_no_arguments_shows_help(run):
    result = run()
    assert "inspect" in result.stdout + result.stderr
    assert "Usage" in result.stdout + result.stderr
    assert result.exit_code == 2  # click's convention for "no command given": a usage problem


COMMANDS = sorted(typer.main.get_command(app).commands)


def test_the_commands_are_known():
    assert {"inspect", "convert"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_an_example(run, command):
    click_command = typer.main.get_command(app).commands[command]
    assert click_command.help and len(click_command.help.strip()) > 20
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout
    assert f"cxmine {command} " in result.stdout  # the example shows this command
    assert click_command.help.split(".")[0].split(":")[0][:30] in " ".join(result.stdout.split())


def test_top_level_help_lists_commands_and_exit_codes(run):
    result = run("--help")
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.stdout
    assert "Exit codes" in result.stdout


def test_exit_codes_are_the_documented_contract():
    assert {code.name: int(code) for code in ExitCode} == {"OK": 0, "FINDINGS": 1, "BAD_INPUT": 2, "INTERNAL": 3, "MINING": 4}
    assert InputError.exit_code == UsageError.exit_code == ConfigError.exit_code == ExitCode.BAD_INPUT
    assert MiningError.exit_code == ExitCode.MINING
    assert CxmineError.exit_code == ExitCode.INTERNAL


def test_an_unexpected_exception_exits_3_without_traceback(run, monkeypatch):
    import cxmine.core.summary

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(cxmine.core.summary, "summarise", broken)
    result = run("inspect", DATA / "running-example.xes")
    assert result.exit_code == ExitCode.INTERNAL == 3
    assert "Traceback" not in result.stderr
    assert result.stderr_lines == ["Error: internal error (RuntimeError: boom) — rerun with --debug and report it"]
    with_debug = run("inspect", DATA / "running-example.xes", "--debug")
    assert with_debug.exit_code == 3
    assert "Traceback (most recent call last)" in with_debug.stderr


def test_a_mining_error_exits_4(run, monkeypatch):
    import cxmine.core.summary

    def failing(*args, **kwargs):
        raise MiningError("discovery failed", hint="try a smaller log")

    monkeypatch.setattr(cxmine.core.summary, "summarise", failing)
    result = run("inspect", DATA / "running-example.xes")
    assert result.exit_code == ExitCode.MINING == 4
    assert result.stderr_lines == ["Error: discovery failed — try a smaller log"]


# --- real processes -------------------------------------------------------------------------------


def test_python_m_cxmine_inspect_json():
    path = DATA / "running-example.xes"
    completed = run_subprocess("-m", "cxmine", "inspect", str(path), "--format", "json")
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    document = json.loads(completed.stdout)
    assert (document["events"], document["cases"], document["activities"], document["variants"]) == (42, 6, 8, 6)
    assert document == json.loads(json.dumps(summarise(load_log(path)).to_dict()))


def test_python_m_cxmine_bad_input_exit_code(tmp_path):
    completed = run_subprocess("-m", "cxmine", "inspect", str(tmp_path / "missing.xes"))
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.strip() == f"Error: file not found in {tmp_path / 'missing.xes'} — check the path"


HELP_IMPORTS = """
import sys
from cxmine.cli.app import app
try:
    app(["--help"])
except SystemExit as exc:
    code = exc.code
print("\\nIMPORTED", sorted(m for m in ("pandas", "numpy", "pyarrow", "pm4py", "polars", "rustxes") if m in sys.modules), code)
"""


@pytest.mark.parametrize("arguments", [["--help"], ["inspect", "--help"], ["convert", "--help"], ["--version"]])
def test_help_does_not_import_pandas_or_pm4py(arguments):
    completed = run_subprocess("-c", HELP_IMPORTS.replace('["--help"]', repr(arguments)))
    assert completed.returncode == 0, completed.stderr
    last = completed.stdout.strip().splitlines()[-1]
    assert last in ("IMPORTED [] 0", "IMPORTED [] None"), last


def test_console_script_runs():
    script = os.path.join(os.path.dirname(sys.executable), "cxmine")
    if not os.path.exists(script):
        pytest.skip("the cxmine console script is not installed in this environment")
    import subprocess

    completed = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 0
    assert completed.stdout.strip() == f"cxmine {__version__}"
