"""The DuckDB engine gives the pandas engine's answers: `cxmine timings` on the bundled example and on the
real logs, converted to Parquet, the same on both engines (counts exact; seconds equal to the millisecond
the output is rounded to — both engines compute exact percentiles with linear interpolation, and their
arithmetic can land a value either side of a rounding boundary). Plus the engine choice, datasets, and
clear errors for what the DuckDB engine does not do yet."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from cxmine.api import customer_timings, customer_timings_on_engine
from cxmine.config import load_config
from cxmine.inputs import load_inputs
from cxmine.io import load_log
from cxmine.io.writers import write_dataset, write_parquet
from cxmine.model import EngineSettings, LoadOptions

from conftest import run_subprocess

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
SHARED = ROOT.parent / "shared" / "data"
REAL = ROOT / "examples" / "real"
DUCKDB = EngineSettings(engine="duckdb", memory_limit="1GB", threads=2)


def _config_without(source: Path, folder: Path, *sections: str) -> Path:
    """A copy of a cxmine.toml without some sections ([log] names the CSV's columns, not the canonical ones)."""
    kept, skip = [], False
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            skip = line.strip().strip("[]") in sections
        if not skip:
            kept.append(line.replace('path = "complaints.csv"', ""))
    target = folder / f"{source.stem}-engine.toml"
    target.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def parquet(tmp_path_factory):
    """Each log converted once to Parquet (as `cxmine convert` writes it), with its config."""
    folder = tmp_path_factory.mktemp("engines")
    made: dict[str, tuple[Path, Path]] = {}

    def convert(name: str, log: Path, config: Path) -> tuple[Path, Path]:
        if name not in made:
            if not log.exists():
                pytest.skip(f"{log.name} is not in ../shared/data")
            target = folder / f"{name}.parquet"
            write_parquet(load_log(log, load_config(config).load if config.name == "cxmine.toml" else None), target)
            made[name] = (target, _config_without(config, folder, "log", "complaints", "prepare"))
        return made[name]

    return convert


LOGS = {
    "orders": (ROOT / "examples" / "orders.csv", ROOT / "examples" / "cxmine.toml"),
    "helpdesk": (DATA / "helpdesk.xes.gz", REAL / "helpdesk.toml"),
    "sepsis": (DATA / "sepsis_cases.csv.gz", REAL / "sepsis.toml"),
    "receipt": (DATA / "receipt.xes.gz", REAL / "receipt.toml"),
    "road-traffic": (SHARED / "Road_Traffic_Fine_Management_Process.xes.gz", REAL / "road-traffic.toml"),
    # Start times, schedule events (left out with a note), a promise, outbound calls: the loan applications.
    "bpi2012": (SHARED / "BPI_Challenge_2012.xes.gz", REAL / "bpi2012.toml"),
}


def _same(a, b, where: str = "") -> list[str]:
    """Differences between two JSON values: exact, except seconds and shares to within 1 ms (0.001)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return [f"{where}: keys {list(a)} != {list(b)}"]
        return [d for key in a for d in _same(a[key], b[key], f"{where}.{key}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} rows != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _same(x, y, f"{where}[{i}]")]
    if isinstance(a, float) and isinstance(b, float) and not isinstance(a, bool):
        return [] if math.isclose(a, b, abs_tol=0.0011, rel_tol=1e-12) else [f"{where}: {a} != {b}"]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


COMPARED = ("wait_basis", "touchpoints_configured", "rows_read", "rows_ignored", "steps", "transitions", "customer_gaps", "promises")


def _on_both(parquet, name: str, engine: EngineSettings) -> tuple[dict, dict]:
    """`timings` of one log on pandas and on `engine`, with every compared section checked equal."""
    path, config_path = parquet(name, *LOGS[name])
    config = load_config(config_path)
    expected = customer_timings(load_inputs(path, config=config)).to_dict()
    found = customer_timings_on_engine(path, LoadOptions(), config, engine).to_dict()
    assert found["steps"] and found["transitions"]
    for key in COMPARED:
        assert _same(expected[key], found[key], key) == []
    return expected, found


@pytest.mark.parametrize("name", list(LOGS))
def test_timings_are_the_same_on_duckdb_and_pandas(parquet, name):
    expected, found = _on_both(parquet, name, DUCKDB)
    assert _same(expected["warnings"], found["warnings"]) == []  # DuckDB gives the example rows too
    if name in ("orders", "road-traffic", "sepsis"):
        assert found["customer_gaps"], "the touchpoint gaps are compared, not two empty lists"
    if name == "orders":
        assert [p["applies"] for p in found["promises"]] == [p["applies"] for p in expected["promises"]] and found["promises"][0]["applies"] > 0


def test_the_same_on_a_monthly_dataset_with_a_window(parquet, tmp_path):
    """A `convert --partition month` dataset and --since/--until: the same cases, on both engines."""
    path, config_path = parquet("orders", *LOGS["orders"])
    dataset = tmp_path / "orders-by-month"
    write_dataset(load_log(path), dataset)
    options = LoadOptions(since="2026-03-01", until="2026-04-01")
    config = load_config(config_path)
    expected = customer_timings(load_inputs(dataset, options, config=config)).to_dict()
    found = customer_timings_on_engine(dataset, options, config, DUCKDB).to_dict()
    assert _same(expected["steps"], found["steps"]) == [] and _same(expected["customer_gaps"], found["customer_gaps"]) == []
    assert found["rows_read"] == expected["rows_read"] < len(load_log(path).events)  # months outside were not read


def test_unusable_rows_are_counted_the_same(tmp_path):
    """Blank ids and activities, padded names, missing times: dropped and counted as the pandas engine does."""
    frame = pd.DataFrame({
        "case_id": ["a", "a", " a ", None, "b", "b", "", "c"],
        "activity": ["Open", " Work ", "Close", "Open", "Open", None, "Open", "Close"],
        "timestamp": pd.to_datetime(["2026-01-01 10:00", "2026-01-01 11:00", "2026-01-02 00:00", "2026-01-01 00:00", "2026-01-03 00:00", "2026-01-04 00:00", "2026-01-05 00:00", None], utc=True),
    })  # fmt: skip
    path = tmp_path / "messy.parquet"
    frame.to_parquet(path)
    expected = customer_timings(load_inputs(path)).to_dict()
    found = customer_timings_on_engine(path, LoadOptions(), load_inputs(path).config, DUCKDB).to_dict()
    assert _same([expected[k] for k in ("rows_read", "rows_ignored", "warnings")], [found[k] for k in ("rows_read", "rows_ignored", "warnings")]) == []
    assert {w["code"]: w["count"] for w in found["warnings"]} == {"missing_case_id": 2, "missing_activity": 1, "bad_timestamp": 1}
    assert _same(expected["transitions"], found["transitions"]) == []
    assert [row["activity"] for row in found["steps"]] == ["Close", "Open", "Work"]


def test_the_cli_runs_duckdb_and_says_so(parquet, run):
    path, config_path = parquet("orders", *LOGS["orders"])
    outcome = run("timings", path, "--config", config_path, "--engine", "duckdb", "--memory-limit", "1GB", "--threads", "1", "--format", "json")
    assert outcome.exit_code == 0, outcome.stderr
    assert "engine: duckdb" in outcome.stderr
    assert json.loads(outcome.stdout)["kind"] == "timings"
    auto = run("timings", path, "--config", config_path, "--format", "json")
    assert auto.exit_code == 0 and "engine: pandas (auto: 22,984 rows fit in memory)" in auto.stderr
    assert _same(json.loads(auto.stdout)["customer_gaps"], json.loads(outcome.stdout)["customer_gaps"]) == []


def test_auto_picks_duckdb_for_a_dataset_in_a_real_process(parquet, tmp_path, monkeypatch):
    path, config_path = parquet("orders", *LOGS["orders"])
    dataset = tmp_path / "by-month"
    write_dataset(load_log(path), dataset)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))  # where DuckDB's spill folder goes
    done = run_subprocess("-m", "cxmine", "timings", str(dataset), "--config", str(config_path), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert "engine: duckdb (auto: a Parquet dataset)" in done.stderr
    assert len(json.loads(done.stdout)["steps"]) == 18
    assert list(scratch.iterdir()) == []  # the spill folder is removed when cxmine exits


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["--engine", "duckdb"], 2, "it reads Parquet"),  # a CSV log
        (["--engine", "pandas", "--threads", "2"], 2, "--threads is a setting of the duckdb engine, and the engine is pandas"),
        (["--engine", "duckdb", "--where", "channel=web"], 2, "--where is not supported on it yet"),
        (["--engine", "duckdb", "--drop-duplicates"], 2, "[prepare]"),
    ],
)
def test_what_duckdb_cannot_do_is_one_clear_line(run, args, code, says, parquet):
    path, config_path = parquet("orders", *LOGS["orders"])
    log = ROOT / "examples" / "orders.csv" if args == ["--engine", "duckdb"] else path
    outcome = run("timings", log, "--config", ROOT / "examples" / "cxmine.toml" if log.suffix == ".csv" else config_path, *args)
    assert outcome.exit_code == code
    assert says in outcome.stderr and "Traceback" not in outcome.stderr


def test_bad_engine_settings_and_shapes(run, parquet, tmp_path):
    path, config_path = parquet("orders", *LOGS["orders"])
    bad_limit = run("timings", path, "--config", config_path, "--engine", "duckdb", "--memory-limit", "lots")
    assert bad_limit.exit_code == 2 and "--memory-limit 'lots'" in bad_limit.stderr
    text_times = tmp_path / "text.parquet"
    pd.DataFrame({"case_id": ["a", "a"], "activity": ["x", "y"], "timestamp": ["2026-01-01", "2026-01-02"]}).to_parquet(text_times)
    typed = run("timings", text_times, "--engine", "duckdb")
    assert typed.exit_code == 2 and "needs typed timestamps" in typed.stderr and "cxmine convert" in typed.stderr
    lifecycle = tmp_path / "lifecycle.parquet"
    pd.DataFrame({
        "case_id": ["a", "a"], "activity": ["x", "x"], "lifecycle:transition": ["start", "complete"],
        "timestamp": pd.to_datetime(["2026-01-01", "2026-01-02"], utc=True),
    }).to_parquet(lifecycle)  # fmt: skip
    paired = run("timings", lifecycle, "--engine", "duckdb")
    assert paired.exit_code == 2 and "lifecycle start events to pair" in paired.stderr and "cxmine convert" in paired.stderr
    assert run("timings", lifecycle, "--format", "json").exit_code == 0  # auto: pandas pairs them
    folder = tmp_path / "dataset"  # a dataset would go to DuckDB under auto: with start events to pair it stays on pandas
    folder.mkdir()
    (folder / "part-0.parquet").write_bytes(lifecycle.read_bytes())
    auto = run("timings", folder, "--format", "json")
    assert auto.exit_code == 0 and "engine: pandas (auto:" in auto.stderr, auto.stderr


def test_running_out_of_memory_is_an_engine_error(parquet, run):
    path, config_path = parquet("orders", *LOGS["orders"])
    outcome = run("timings", path, "--config", config_path, "--engine", "duckdb", "--memory-limit", "2MB")
    assert outcome.exit_code == 4, outcome.stderr
    assert "DuckDB ran out of memory" in outcome.stderr and "--memory-limit" in outcome.stderr


def test_a_spark_driver_that_stops_is_an_engine_error_in_one_line():
    """A Spark driver out of heap while collecting a kind's results (the JVM shuts the context down) is exit 4
    with the setting to raise, never an internal error asking for --debug."""
    from cxmine.engines.source import engine_errors
    from cxmine.errors import EngineError

    with pytest.raises(EngineError) as caught, engine_errors("the customer gaps"):
        raise RuntimeError("An error occurred while calling o545.getResult. : org.apache.spark.SparkException: Job 54 cancelled because SparkContext was shut down")
    assert caught.value.exit_code == 4
    assert "Spark stopped while computing the customer gaps" in str(caught.value) and "spark.driver.memory=8g" in str(caught.value)


# --- Spark (local mode): the same ibis analytics on PySpark --------------------------------------------

def _spark_ready() -> str | None:
    import importlib.util
    import shutil

    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install -e '.[test]')"
    if shutil.which("java") is None:
        return "no Java runtime on this machine (.ci/run installs default-jre-headless where apt-get exists)"
    return None


SPARK = EngineSettings(engine="spark", spark_master="local[2]")
needs_spark = pytest.mark.skipif(_spark_ready() is not None, reason=_spark_ready() or "")


@needs_spark
@pytest.mark.parametrize("name", ["orders", "sepsis"])
def test_timings_are_the_same_on_spark(parquet, name):
    expected, found = _on_both(parquet, name, SPARK)
    assert found["customer_gaps"]
    assert [(w["code"], w["count"]) for w in found["warnings"]] == [(w["code"], w["count"]) for w in expected["warnings"]]


@needs_spark
def test_spark_in_a_real_process_keeps_the_jvm_off_stderr(parquet, tmp_path):
    path, config_path = parquet("orders", *LOGS["orders"])
    dataset = tmp_path / "by-month"
    write_dataset(load_log(path), dataset)
    done = run_subprocess(
        "-m", "cxmine", "timings", str(dataset), "--config", str(config_path), "--engine", "spark", "--spark-master", "local[1]",
        "--spark-conf", "spark.sql.shuffle.partitions=2", "--since", "2026-02-01", "--format", "json", timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows_read"] < len(load_log(path).events)  # January was not read
    noise = [line for line in done.stderr.splitlines() if line.strip() and not line.startswith(("Using config", "engine: spark"))]
    assert noise == [], noise  # no log4j banner, no JVM warnings, no progress bars


def test_spark_settings_are_checked_before_a_jvm_starts(run, parquet):
    path, config_path = parquet("orders", *LOGS["orders"])
    unreachable = run("timings", path, "--config", config_path, "--engine", "spark", "--spark-master", "spark://127.0.0.1:9")
    assert unreachable.exit_code == 2 and "cannot reach the Spark master spark://127.0.0.1:9" in unreachable.stderr
    malformed = run("timings", path, "--config", config_path, "--engine", "spark", "--spark-conf", "no-equals-sign")
    assert malformed.exit_code == 2 and "is not key=value" in malformed.stderr
    wrong_engine = run("timings", path, "--config", config_path, "--engine", "duckdb", "--spark-master", "local[2]")
    assert wrong_engine.exit_code == 2 and "--spark-master is a setting of the spark engine" in wrong_engine.stderr
    auto = run("timings", path, "--config", config_path, "--spark-master", "local[2]")  # auto never runs Spark
    assert auto.exit_code == 2 and "--spark-master is a setting of the spark engine, and the engine is auto" in auto.stderr


# --- friction on the engines ---------------------------------------------------------------------------

def _friction_on_both(path: Path, config, engine: EngineSettings) -> tuple[dict, dict]:
    """`friction` of one log on pandas and on `engine`, as JSON."""
    from cxmine.api import rank_friction, rank_friction_on_engine

    expected = rank_friction(load_inputs(path, config=config)).to_dict()
    found = rank_friction_on_engine(path, LoadOptions(), config, engine).to_dict()
    return expected, found


@pytest.mark.parametrize("name", ["orders", "sepsis", "receipt", "road-traffic", "bpi2012"])
def test_friction_is_the_same_on_duckdb_and_pandas(parquet, name):
    """Every point — kind, place, cases, excess hours, outcome 2×2 tables, percentiles, drivers, sentences —
    and every count and warning of the friction JSON, the same on both engines."""
    path, config_path = parquet(name, *LOGS[name])
    expected, found = _friction_on_both(path, load_config(config_path), DUCKDB)
    assert len(found["friction_points"]) > 10
    assert {p["kind"] for p in found["friction_points"]} >= {"wait", "hidden_wait"}
    assert any(p["drivers"] for p in found["friction_points"]), "drivers are compared, not two empty lists"
    assert _same(expected, found) == []
    if name == "bpi2012":  # the kinds only this log has: slow steps, follow-up calls, the broken promise
        kinds = {p["kind"] for p in found["friction_points"]} | {r["kind"] for p in found["friction_points"] for r in p["related"]}
        assert kinds >= {"slow_step", "outbound_contact", "broken_promise"}, kinds
        assert "non_complete_events" in [w["code"] for w in found["warnings"]]


def planted_log(seed: int = 7, cases: int = 400) -> pd.DataFrame:
    """A seeded log with each kind the engines compute planted in some cases: long waits, a hidden wait after
    a pause, rework by the same and by another resource, direct and indirect ping-pong, hand-backs, and
    customers chasing (a customer-initiated contact repeated); ties in time for the tie rules."""
    import numpy as np

    rng = np.random.default_rng(seed)
    rows = []
    start = pd.Timestamp("2026-01-05 09:00", tz="UTC")
    for case in range(cases):
        t = start + pd.Timedelta(hours=int(rng.integers(0, 24 * 60)))
        steps = [("Request", "cust"), ("Check", "ana"), ("Quote", "sales"), ("Review", "rev")]
        if case % 5 == 0:
            steps += [("Check", "ana"), ("Review", "bob")]  # rework, ping-pong Check ⇄ Review
        if case % 7 == 0:
            steps += [("Quote", "sales"), ("Check", "ana"), ("Approve", "boss"), ("Quote", "sales")]  # indirect loop
        if case % 8 == 0:
            steps += [("Fix", "ops"), ("Test", "qa"), ("Fix", "ops")]  # a hand-back ops → qa → ops
        if case % 4 == 0:
            steps += [("Request", "cust"), ("Request", "cust")]  # chasing
        steps += [("Deliver", "ops"), ("Cancel" if case % 6 == 0 else "Close", "ops")]
        for i, (activity, resource) in enumerate(steps):
            gap = rng.exponential(20 if case % 9 else 400) if activity != "Deliver" else rng.exponential(50)
            t = t + pd.Timedelta(hours=float(gap)) if not (case % 11 == 0 and i == 2) else t  # a tie now and then
            # Microseconds, as real logs (seconds, milliseconds) are: DuckDB and Spark keep no finer times.
            rows.append({"case_id": f"C{case:04d}", "activity": activity, "timestamp": t.floor("us"), "resource": resource, "segment": "gold" if case % 3 else "silver", "amount": float(100 + case % 17 * 50)})
    return pd.DataFrame(rows)


PLANTED_CONFIG = """
[touchpoints]
activities = ["Request", "Quote", "Deliver", "Close"]
customer_initiated = ["Request"]

[journey]
pauses = ["Quote"]

[[outcomes]]
name = "cancellation"
ends_with = ["Cancel"]
"""


def test_friction_is_the_same_on_duckdb_on_a_planted_log(tmp_path):
    path = tmp_path / "planted.parquet"
    planted_log().to_parquet(path)
    config_path = tmp_path / "cxmine.toml"
    config_path.write_text(PLANTED_CONFIG, encoding="utf-8")
    expected, found = _friction_on_both(path, load_config(config_path), DUCKDB)
    kinds = {p["kind"] for p in expected["friction_points"]} | {r["kind"] for p in expected["friction_points"] for r in p["related"]}
    assert kinds >= {"wait", "rework", "ping_pong", "handback", "chasing"}, kinds  # every engine kind is exercised
    assert _same(expected, found) == []


def test_friction_cli_on_duckdb_and_what_it_refuses(parquet, run, tmp_path):
    path, config_path = parquet("sepsis", *LOGS["sepsis"])
    outcome = run("friction", path, "--config", config_path, "--engine", "duckdb", "--memory-limit", "1GB", "--format", "json")
    assert outcome.exit_code == 0, outcome.stderr
    assert "engine: duckdb (as asked)" in outcome.stderr
    assert json.loads(outcome.stdout)["friction_points"]
    orders, orders_config = parquet("orders", *LOGS["orders"])
    with_model = tmp_path / "cxmine.toml"  # deviations from a designed model are not ranked on the engines yet
    with_model.write_text(orders_config.read_text(encoding="utf-8") + '\n[model]\nhappy_path = ["Order placed", "Delivered"]\n', encoding="utf-8")
    refused = run("friction", orders, "--config", with_model, "--engine", "duckdb")
    assert refused.exit_code == 2 and "does not rank friction with deviations from a [model]" in refused.stderr and "--engine pandas" in refused.stderr
    auto = run("friction", orders, "--config", with_model, "--format", "json")
    assert auto.exit_code == 0 and "engine: pandas (auto:" in auto.stderr


def on_a_sepsis_dataset(parquet, tmp_path, command: str, *args: str):
    """`cxmine COMMAND` in a real process on sepsis written as a monthly dataset (auto must pick DuckDB):
    the finished process, and the single Parquet file and config it was written from."""
    path, config_path = parquet("sepsis", *LOGS["sepsis"])
    dataset = tmp_path / "by-month"
    write_dataset(load_log(path), dataset)
    done = run_subprocess("-m", "cxmine", command, str(dataset), "--config", str(config_path), *args)
    assert done.returncode == 0, done.stderr
    assert "engine: duckdb (auto: a Parquet dataset)" in done.stderr
    return done, path, config_path


def test_friction_on_a_dataset_in_a_real_process(parquet, tmp_path):
    """auto picks DuckDB for a dataset; stdout is the JSON alone."""
    done, path, config_path = on_a_sepsis_dataset(parquet, tmp_path, "friction", "--format", "json")
    expected = json.loads(run_subprocess("-m", "cxmine", "friction", str(path), "--config", str(config_path), "--engine", "pandas", "--format", "json").stdout)
    found = json.loads(done.stdout)
    assert _same(expected["friction_points"], found["friction_points"]) == []


@needs_spark
@pytest.mark.parametrize("name", ["sepsis", "bpi2012"])  # bpi2012: start times, SCHEDULE events left out, a promise, follow-up calls
def test_friction_is_the_same_on_spark(parquet, name):
    path, config_path = parquet(name, *LOGS[name])
    expected, found = _friction_on_both(path, load_config(config_path), SPARK)
    assert any(p["drivers"] for p in found["friction_points"]), "drivers are compared, not two empty lists"
    assert _same(expected, found) == []


def _cases_on_both(path: Path, config, engine: EngineSettings, **selection) -> tuple[dict, dict]:
    """`cases` of one selection on pandas and on `engine`, as JSON."""
    from cxmine.api import list_cases, list_cases_on_engine

    expected = list_cases(load_inputs(path, config=config), **selection).to_dict()
    found = list_cases_on_engine(path, LoadOptions(), config, engine, **selection).to_dict()
    return expected, found


@pytest.mark.parametrize("name", ["sepsis", "receipt", "bpi2012"])
def test_the_cases_behind_each_top_point_are_the_same_on_duckdb(parquet, name):
    """The drill-down of the top points — which cases, ids, start, last event and activity, open or not,
    outcomes, what each lost — the same on both engines; and of a kind at a place."""
    path, config_path = parquet(name, *LOGS[name])
    config = load_config(config_path)
    for point in (1, 2, 3):
        expected, found = _cases_on_both(path, config, DUCKDB, point=point)
        assert expected["cases_total"] > 0 and {"case_id", "last_activity", "open"} <= set(expected["columns"])
        assert _same(expected, found) == []
    expected, found = _cases_on_both(path, config, DUCKDB, kind="wait", limit=5)
    assert len(found["cases"]) == 5 and _same(expected, found) == []


def test_the_cases_of_a_planted_log_are_the_same_on_duckdb(tmp_path):
    path = tmp_path / "planted.parquet"
    planted_log().to_parquet(path)
    config_path = tmp_path / "cxmine.toml"
    config_path.write_text(PLANTED_CONFIG, encoding="utf-8")
    for kind in ("rework", "ping_pong", "handback", "chasing"):
        expected, found = _cases_on_both(path, load_config(config_path), DUCKDB, kind=kind)
        assert expected["cases_total"] > 0, kind
        assert _same(expected, found) == [], kind


def test_cases_cli_on_duckdb_and_what_it_refuses(parquet, run):
    path, config_path = parquet("sepsis", *LOGS["sepsis"])
    outcome = run("cases", path, "--config", config_path, "--point", "1", "--engine", "duckdb", "--format", "json", "--redact")
    assert outcome.exit_code == 0, outcome.stderr
    assert "engine: duckdb (as asked)" in outcome.stderr
    listed = json.loads(outcome.stdout)
    assert listed["cases_total"] > 0 and all(str(row["case_id"]).startswith("case-") for row in listed["cases"])
    opened = run("cases", path, "--config", config_path, "--open", "--engine", "duckdb", "--format", "json")
    assert opened.exit_code == 0 and "engine: duckdb (as asked)" in opened.stderr and json.loads(opened.stdout)["cases_total"] >= 0
    refused = run("cases", path, "--config", config_path, "--point", "1", "--engine", "duckdb", "--where", "x=y")
    assert refused.exit_code == 2 and "--where is not supported" in refused.stderr


@needs_spark
def test_the_cases_behind_the_top_point_are_the_same_on_spark(parquet):
    path, config_path = parquet("sepsis", *LOGS["sepsis"])
    expected, found = _cases_on_both(path, load_config(config_path), SPARK, point=1)
    assert expected["cases_total"] > 0
    assert _same(expected, found) == []


@pytest.mark.parametrize("engine", [DUCKDB, pytest.param(SPARK, marks=needs_spark)], ids=["duckdb", "spark"])
def test_hand_backs_between_teams_are_the_same_on_the_engines(parquet, tmp_path, engine):
    """[log] team: work handed straight back between the example's teams, on every engine."""
    path, config_path = parquet("orders", *LOGS["orders"])
    with_team = tmp_path / "cxmine.toml"
    with_team.write_text(config_path.read_text(encoding="utf-8") + '\n[log]\nteam = "team"\n', encoding="utf-8")
    expected, found = _friction_on_both(path, load_config(with_team), engine)
    handbacks = [p for p in expected["friction_points"] if p["kind"] == "handback"] + [r for p in expected["friction_points"] for r in p["related"] if r["kind"] == "handback"]
    assert handbacks and "team" in json.dumps(handbacks), "the hand-backs are the teams'"
    assert _same(expected, found) == []


def test_repeat_contacts_and_their_cases_are_the_same_on_duckdb(parquet, tmp_path):
    """[log] customer: customers back with a new case, ranked and drilled into, on both engines."""
    path, config_path = parquet("orders", *LOGS["orders"])
    with_customer = tmp_path / "cxmine.toml"
    with_customer.write_text(config_path.read_text(encoding="utf-8") + '\n[log]\ncustomer = "customer_id"\n', encoding="utf-8")
    config = load_config(with_customer)
    expected, found = _friction_on_both(path, config, DUCKDB)
    kinds = [p["kind"] for p in expected["friction_points"]] + [r["kind"] for p in expected["friction_points"] for r in p["related"]]
    assert "repeat_contact" in kinds
    assert _same(expected, found) == []
    expected, found = _cases_on_both(path, config, DUCKDB, kind="repeat_contact", limit=20)
    assert "customer" in expected["columns"] and expected["cases_total"] > 0
    assert _same(expected, found) == []



@pytest.mark.parametrize(("name", "condition"), [("receipt", "waiting"), ("road-traffic", "waiting"), ("bpi2012", "promise")])
def test_the_open_cases_in_trouble_are_the_same_on_duckdb(parquet, name, condition):
    """`cases --open`: open cases waiting past what is typical, promises overdue or due within a day — the
    week's list, the same on both engines."""
    path, config_path = parquet(name, *LOGS[name])
    expected, found = _cases_on_both(path, load_config(config_path), DUCKDB, open_now=True)
    assert expected["cases_total"] > 0, "compared, not two empty lists"
    assert condition in {row["condition"].split(" ")[0] for row in expected["cases"]}
    assert _same(expected, found) == []


def test_outcomes_read_from_an_attribute_are_the_same_on_duckdb(tmp_path):
    """[[outcomes]] attribute = … equals = …: text compared ignoring case, and a number compared as its text."""
    path = tmp_path / "planted.parquet"
    planted_log().to_parquet(path)
    config_path = tmp_path / "cxmine.toml"
    config_path.write_text(PLANTED_CONFIG + '''
[[outcomes]]
name = "silver"
attribute = "segment"
equals = "SILVER"

[[outcomes]]
name = "priced at 250"
attribute = "amount"
equals = "250.0"
''', encoding="utf-8")
    expected, found = _friction_on_both(path, load_config(config_path), DUCKDB)
    found_in = {o["name"] for p in expected["friction_points"] for o in p["outcomes"] if o["cases_with_outcome"]}
    assert {"silver", "priced at 250"} <= found_in, found_in
    assert _same(expected, found) == []
