"""cxmine.toml: loading, checking, errors with lines and suggestions, finding, CLI overrides, starter config, init."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cxmine.cli.init_cmd import EPILOG, init
from cxmine.config import (
    Calendar,
    ComplaintSource,
    Config,
    FrictionSettings,
    Promise,
    Touchpoints,
    find_config,
    format_duration,
    load_config,
    matches,
    parse_duration,
    starter_config,
    unmatched_patterns,
    with_cli_overrides,
)
from cxmine.errors import ConfigError
from cxmine.io import load_log
from cxmine.model import LoadOptions

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
DATA = Path(__file__).resolve().parent / "data"


def write(tmp_path: Path, text: str, name: str = "cxmine.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def config_error(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    return caught.value


# -- the example file ------------------------------------------------------------------------------------------


def test_example_config_loads() -> None:
    config = load_config(EXAMPLES / "cxmine.toml")
    assert config.log_path == EXAMPLES / "orders.csv"
    assert config.load.case == "order_id"
    assert config.load.timestamp == "end_time"
    assert config.load.start_timestamp == "start_time"
    assert config.customer == "customer_id"
    assert config.team in (None, "team")
    assert config.touchpoints.configured
    assert "Customer calls about status" in config.touchpoints.activities
    assert config.touchpoints.customer_initiated == ("Order placed", "Customer calls about status", "Refund requested", "Survey answered")
    assert config.touchpoints.chasing in ((), ("Customer calls about status",))
    assert config.promises == (
        Promise("Order placed", "Delivered", 5 * 86400, "Order placed → Delivered within 5d"),
        Promise("Refund requested", "Refund issued", 3 * 86400, "Refund requested → Refund issued within 3d"),
    )
    assert config.complaints is not None
    assert config.complaints.path == EXAMPLES / "complaints.csv"
    assert (config.complaints.case, config.complaints.tag, config.complaints.severity) == ("order_id", "tag", "severity")
    assert config.calendar is None
    assert config.friction == FrictionSettings()


def test_example_config_maps_the_example_log() -> None:
    config = load_config(EXAMPLES / "cxmine.toml")
    log = load_log(config.log_path, config.load, attributes=[config.customer])
    assert log.columns_used["case_id"] == "order_id"
    assert config.customer in log.events.columns
    names = list(log.events["activity"].cat.categories)
    assert matches(names, config.touchpoints.activities) == set(config.touchpoints.activities)
    assert unmatched_patterns(names, config.touchpoints.activities) == ()


def test_to_dict_is_json_ready_with_stable_keys() -> None:
    config = load_config(EXAMPLES / "cxmine.toml")
    data = config.to_dict()
    assert list(data) == ["path", "log", "touchpoints", "promises", "complaints", "calendar", "friction", "model", "outcomes", "prepare", "journey", "redact", "sources", "value"]
    assert data["promises"][0] == {
        "name": "Order placed → Delivered within 5d", "from": "Order placed", "to": "Delivered", "within_seconds": 432000.0,
        "applies_when": [], "void_when": [],
    }
    assert json.loads(json.dumps(data)) == data
    assert hash(config) == hash(load_config(EXAMPLES / "cxmine.toml"))


def test_defaults_without_a_file() -> None:
    config = load_config(None)
    assert config == Config()
    assert config.path is None and config.log_path is None
    assert config.load == LoadOptions()
    assert not config.touchpoints.configured
    assert config.promises == () and config.complaints is None and config.calendar is None
    assert config.friction.wait_factor == 2.0 and config.friction.min_cases == 20


def test_empty_file_gives_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "# nothing yet\n"))
    assert config.promises == () and config.load == LoadOptions()


# -- durations ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90), ("45m", 2700), ("24h", 86400), ("5d", 432000), ("2w", 1209600), ("1d12h", 129600),
        ("1.5h", 5400), ("90", 90), ("2.5", 2.5), (" 1d 12h ", 129600), ("2 days", 172800), ("3 hours", 10800),
        ("1h30m", 5400), ("0s", 0), (".5h", 1800),
    ],
)  # fmt: skip
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "5x", "-5s", "1h1h", "1d x", "h", "3mo", "1 year", "5 d s"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_duration(text)
    assert caught.value.hint  # says what to write


def test_parse_duration_numbers_are_seconds() -> None:
    assert parse_duration(30) == 30.0
    with pytest.raises(ConfigError):
        parse_duration(True)


@pytest.mark.parametrize("seconds", [1, 59, 60, 90, 3600, 5400, 86400, 129600, 432000, 604800, 0.5])
def test_format_duration_reads_back(seconds: float) -> None:
    assert parse_duration(format_duration(seconds)) == pytest.approx(seconds)


# -- errors: syntax, unknown names, types ----------------------------------------------------------------------


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    error = config_error(tmp_path, '[log]\ncase = "order_id"\npath = "orders.csv\n')
    assert error.line == 3
    assert error.file == str(tmp_path / "cxmine.toml")
    assert "TOML syntax error" in error.what
    assert "cxmine.toml:3 — " in error.user_message()
    assert error.exit_code == 2


def test_duplicate_key_is_a_syntax_error_with_line(tmp_path: Path) -> None:
    assert config_error(tmp_path, '[log]\ncase = "a"\n\ncase = "b"\n').line == 4


def test_unknown_key_suggests_the_closest(tmp_path: Path) -> None:
    text = '[log]\npath = "x.csv"\n\n[[promises]]\nfrom = "A"\nto = "B"\nwithn = "5d"\n'
    error = config_error(tmp_path, text)
    assert "unknown key 'withn'" in error.what
    assert error.line == 7
    assert "did you mean 'within'?" in error.hint


def test_unknown_key_in_second_promise_points_at_its_line(tmp_path: Path) -> None:
    text = '[[promises]]\nfrom = "A"\nto = "B"\nwithin = "1d"\n\n[[promises]]\nfrom = "A"\nto = "B"\nwithin = "1d"\nnmae = "x"\n'
    error = config_error(tmp_path, text)
    assert "#2" in error.what and error.line == 10 and "'name'" in error.hint


def test_unknown_section_suggests_the_closest(tmp_path: Path) -> None:
    error = config_error(tmp_path, '[log]\npath = "x.csv"\n\n[touchpoint]\nactivities = ["A"]\n')
    assert error.what == "unknown section [touchpoint]"
    assert error.line == 4
    assert "did you mean [touchpoints]?" in error.hint


def test_unknown_subtable_suggests_the_closest(tmp_path: Path) -> None:
    error = config_error(tmp_path, '[touchpoints]\nactivities = ["A"]\n\n[touchpoints.channels]\nA = "web"\n')
    assert "'channels'" in error.what and error.line == 4 and "'channel'" in error.hint


def test_top_level_key_is_sent_to_its_section(tmp_path: Path) -> None:
    error = config_error(tmp_path, 'timezone = "Europe/Amsterdam"\n')
    assert "at the top level" in error.what and error.line == 1
    assert "[log]" in error.hint and "[calendar]" in error.hint


def test_keys_are_case_sensitive_but_suggested(tmp_path: Path) -> None:
    error = config_error(tmp_path, '[log]\nCase = "order_id"\n')
    assert "did you mean 'case'?" in error.hint


@pytest.mark.parametrize(
    ("text", "key", "expected", "line"),
    [
        ('[[promises]]\nfrom = "A"\nto = "B"\nwithin = 5\n', "within", "duration", 4),
        ('[touchpoints]\nactivities = "Order placed"\n', "activities", "list of strings", 2),
        ('[touchpoints]\nactivities = ["A", 3]\n', "activities", "list of strings", 2),
        ('[log]\ncase = 3\n', "case", "string", 2),
        ('[friction]\ntop = "ten"\n', "top", "whole number", 2),
        ('[friction]\nmin_cases = 2.5\n', "min_cases", "whole number", 2),
        ('[friction]\nwait_factor = "2"\n', "wait_factor", "number", 2),
        ('[log]\nlifecycle_in_activity = "yes"\n', "lifecycle_in_activity", "true or false", 2),
        ('[calendar]\nworking_days = "mon"\n', "working_days", "list of days", 2),
        ('[calendar]\nholidays = "2026-12-25"\n', "holidays", "list of dates", 2),
        ('[calendar]\nstart = 9\n', "start", "time of day", 2),
    ],
)
def test_wrong_types_name_the_key_and_what_is_expected(tmp_path: Path, text: str, key: str, expected: str, line: int) -> None:
    error = config_error(tmp_path, text)
    assert f"'{key}'" in error.what
    assert expected in error.what
    assert error.line == line
    assert error.hint


def test_within_as_a_number_suggests_quoting_it(tmp_path: Path) -> None:
    error = config_error(tmp_path, '[[promises]]\nfrom = "A"\nto = "B"\nwithin = 5\n')
    assert '"5d"' in error.hint


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('[[promises]]\nfrom = "A"\nto = "B"\nwithin = "0h"\n', "longer than zero"),
        ('[[promises]]\nfrom = "A"\nto = "B"\nwithin = "5 parsecs"\n', "not a duration"),
        ('[[promises]]\nfrom = "A"\nwithin = "5d"\n', "needs 'to'"),
        ('[[promises]]\nto = "A"\nwithin = "5d"\n', "needs 'from'"),
        ('[[promises]]\nfrom = "A"\nto = "B"\n', "needs 'within'"),
        ('[[promises]]\nfrom = ""\nto = "B"\nwithin = "1d"\n', "is empty"),
        ('[promises]\nfrom = "A"\n', "[[promises]] blocks"),
        ('log = "orders.csv"\n', "must be a section"),
        ('[complaints]\nencoding = "utf-8"\n', "nowhere to find complaints"),
        ('[calendar]\ntimezone = "Europe/Amsterdm"\n', "unknown timezone"),
        ('[log]\ntimezone = "Mars/Olympus"\n', "unknown timezone"),
        ('[log]\nencoding = "utf-9"\n', "unknown text encoding"),
        ('[calendar]\nworking_days = ["mon", "funday"]\n', "not a day of the week"),
        ('[calendar]\nworking_days = [7]\n', "not a day of the week"),
        ('[calendar]\nworking_days = []\n', "non-empty list"),
        ('[calendar]\nstart = "17:00"\nend = "09:00"\n', "end (09:00) before they start"),
        ('[calendar]\nstart = "25:00"\n', "not a time of day"),
        ('[calendar]\nholidays = ["2026-13-01"]\n', "not a date"),
        ('[touchpoints.dimension]\n"Order placed" = "eas"\n', "unknown CX dimension"),
        ('[touchpoints.channel]\n"Order placed" = 3\n', "non-empty string"),
        ('[touchpoints]\nchannel = "web"\n', "table of touchpoint"),
        ('[friction]\ntime_weight = 1.5\n', "at most 1"),
        ('[friction]\ncritical_share = 0\n', "more than 0"),
        ('[friction]\nmin_cases = 0\n', "at least 1"),
    ],
)
def test_invalid_values(tmp_path: Path, text: str, fragment: str) -> None:
    error = config_error(tmp_path, text)
    assert fragment in error.what
    assert error.line is not None
    assert error.hint


def test_dimension_error_suggests_the_closest(tmp_path: Path) -> None:
    error = config_error(tmp_path, '[touchpoints.dimension]\n"Order placed" = "eas"\n')
    assert error.line == 2 and "did you mean 'ease'?" in error.hint


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "cxmine.toml"
    path.write_bytes(b'[log]\ncase = "caf\xe9"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "UTF-8" in caught.value.what and caught.value.line == 2


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.toml")
    assert "not found" in caught.value.what


# -- values -----------------------------------------------------------------------------------------------------


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    folder = tmp_path / "project" / "config"
    folder.mkdir(parents=True)
    text = '[log]\npath = "../data/log.csv"\n\n[complaints]\npath = "complaints.csv"\n'
    config = load_config(write(folder, text))
    assert config.log_path == folder / "../data/log.csv"
    assert config.log_path.resolve() == (tmp_path / "project" / "data" / "log.csv").resolve()
    assert config.complaints is not None and config.complaints.path == folder / "complaints.csv"
    absolute = tmp_path / "elsewhere.csv"
    config = load_config(write(folder, f'[log]\npath = "{absolute.as_posix()}"\n'))
    assert config.log_path == absolute


def test_relative_config_path_gives_relative_log_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, '[log]\npath = "orders.csv"\n')
    assert load_config(Path("cxmine.toml")).log_path == Path("orders.csv")


def test_full_configuration(tmp_path: Path) -> None:
    text = """
[log]
path = "log.csv"
case = "ticket"
activity = "step"
timestamp = "closed"
start_timestamp = "opened"
resource = "agent"
timestamp_format = "%d/%m/%Y %H:%M"
timezone = "Europe/Amsterdam"
encoding = "latin-1"
lifecycle_in_activity = true
customer = "client"
team = "queue"

[touchpoints]
activities = ["Customer*", "Ticket opened", "Customer*"]
attribute = "channel"
customer_initiated = ["Ticket opened"]
chasing = ["Customer chases*"]

[touchpoints.channel]
"Ticket opened" = "web"
"Customer*" = "phone"

[touchpoints.dimension]
"Ticket opened" = "Ease"

[[promises]]
from = "Ticket opened"
to = "Ticket closed"
within = "1d12h"
name = "Resolution SLA"

[complaints]
activity_pattern = "Complaint*"

[calendar]
working_days = ["Mon", "tuesday", 2, "thu", "fri", "sat"]
start = 08:30:00
end = "24:00"
timezone = "Europe/Amsterdam"
holidays = ["2026-12-25", 2026-12-26, "2026-12-25"]

[friction]
wait_factor = 3
min_cases = 5
top = 25
critical_share = 0.9
time_weight = 0
"""
    config = load_config(write(tmp_path, text))
    assert config.load == LoadOptions(
        case="ticket", activity="step", timestamp="closed", start_timestamp="opened", resource="agent",
        timestamp_format="%d/%m/%Y %H:%M", timezone="Europe/Amsterdam", encoding="latin-1", lifecycle_in_activity=True,
    )  # fmt: skip
    assert (config.customer, config.team) == ("client", "queue")
    touchpoints = config.touchpoints
    assert touchpoints.activities == ("Customer*", "Ticket opened")  # duplicates dropped, order kept
    assert touchpoints.attribute == "channel" and touchpoints.configured
    assert touchpoints.channel_of("Ticket opened") == "web"
    assert touchpoints.channel_of("Customer calls") == "phone"
    assert touchpoints.channel_of("Back office") is None
    assert touchpoints.dimension_of("Ticket opened") == "ease"
    assert config.promises == (Promise("Ticket opened", "Ticket closed", 129600.0, "Resolution SLA"),)
    assert config.complaints == ComplaintSource(activity_pattern="Complaint*")
    assert config.calendar == Calendar(
        working_days=(0, 1, 2, 3, 4, 5), start="08:30", end="24:00", timezone="Europe/Amsterdam", holidays=("2026-12-25", "2026-12-26")
    )
    assert config.calendar.end_seconds == 86400
    assert config.friction == FrictionSettings(wait_factor=3.0, min_cases=5, top=25, critical_share=0.9, time_weight=0.0)
    assert json.loads(json.dumps(config.to_dict()))["calendar"]["working_days"] == ["mon", "tue", "wed", "thu", "fri", "sat"]
    hash(config)


def test_empty_calendar_section_means_default_office_hours(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[calendar]\n"))
    assert config.calendar == Calendar()
    assert config.calendar.weekmask == (1, 1, 1, 1, 1, 0, 0)


def test_touchpoints_accept_plain_dicts() -> None:
    touchpoints = Touchpoints(activities=["A"], channel={"A": "web"})
    assert touchpoints.activities == ("A",) and touchpoints.channel == {"A": "web"}
    assert hash(touchpoints) == hash(Touchpoints(activities=("A",), channel={"A": "web"}))
    with pytest.raises(TypeError):
        touchpoints.channel["B"] = "phone"  # type: ignore[index]
    assert not Touchpoints().configured and Touchpoints(attribute="channel").configured


def test_promise_default_name() -> None:
    assert Promise("A", "B", 86400).name == "A → B within 1d"


def test_matches_and_unmatched_patterns() -> None:
    names = ["Customer calls", "Customer writes", "Ship [express]", "Invoice"]
    assert matches(names, ["Customer*"]) == {"Customer calls", "Customer writes"}
    assert matches(names, ["Ship [express]"]) == {"Ship [express]"}  # exact names win over glob syntax
    assert matches(names, ["customer*"]) == set()  # case-sensitive
    assert matches(names, []) == set()
    assert unmatched_patterns(names, ["Customer*", "Refund*", "Invoice", "invoice"]) == ("Refund*", "invoice")


# -- finding the file and merging with the CLI -----------------------------------------------------------------


def test_find_config_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    logs = tmp_path / "logs"
    work = tmp_path / "work"
    logs.mkdir()
    work.mkdir()
    log = logs / "log.csv"
    log.write_text("x\n")
    monkeypatch.chdir(work)
    assert find_config(log, None) is None
    here = write(work, "")
    assert find_config(log, None) == work / "cxmine.toml" == here
    beside = write(logs, "")
    assert find_config(log, None) == beside  # next to the log beats the working folder
    explicit = write(tmp_path, "", "special.toml")
    assert find_config(log, explicit) == explicit  # explicit beats both
    assert find_config(None, None) == here


def test_find_config_explicit_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        find_config(None, tmp_path / "missing.toml")
    assert caught.value.exit_code == 2 and "not found" in caught.value.what
    with pytest.raises(ConfigError):
        find_config(None, tmp_path)


def test_cli_values_win_over_the_config(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[log]\ncase = "order_id"\ntimestamp = "end_time"\ntimezone = "Europe/Amsterdam"\n'))
    merged = with_cli_overrides(config, LoadOptions(case="ticket", since="2026-01-01"))
    assert merged.case == "ticket"  # given on the command line
    assert merged.timestamp == "end_time"  # only in the file
    assert merged.timezone == "Europe/Amsterdam"  # CLI left at its default
    assert merged.since == "2026-01-01"
    assert with_cli_overrides(config, LoadOptions(timezone="America/New_York")).timezone == "America/New_York"
    assert with_cli_overrides(load_config(None), LoadOptions()) == LoadOptions()


# -- starter config --------------------------------------------------------------------------------------------

_COMMENTED_SETTING = re.compile(r"^# (?=\[|\]| +\"|[A-Za-z_\"][^=\n]*= )", re.MULTILINE)


@pytest.mark.parametrize(
    "log_path",
    [EXAMPLES / "orders.csv", DATA / "running-example.xes", DATA / "helpdesk.xes.gz", DATA / "running-example.csv"],
    ids=lambda p: p.name,
)
def test_starter_config_round_trips(tmp_path: Path, log_path: Path) -> None:
    log = load_log(log_path)
    text = starter_config(log, config_dir=tmp_path)
    config = load_config(write(tmp_path, text))
    # The mapping it writes reproduces the same load.
    assert config.log_path is not None and config.log_path.resolve() == log_path.resolve()
    again = load_log(config.log_path, config.load)
    assert again.columns_used == log.columns_used
    assert len(again.events) == len(log.events)
    # Every activity is listed, with its count, ready to be uncommented.
    for name in log.events["activity"].cat.categories:
        assert f'"{name}",' in text
    assert not config.touchpoints.configured and config.promises == () and config.calendar is None
    # Uncommenting every setting still gives a valid file.
    everything = load_config(write(tmp_path, _COMMENTED_SETTING.sub("", text), "all.toml"))
    assert set(everything.touchpoints.activities) == {str(name) for name in log.events["activity"].cat.categories}
    assert len(everything.promises) == 1 and everything.promises[0].within_seconds > 0
    assert everything.calendar is not None and everything.complaints is not None


def test_starter_config_suggests_customer_team_and_channel() -> None:
    orders = starter_config(load_log(EXAMPLES / "orders.csv"), config_dir=EXAMPLES)
    assert 'path = "orders.csv"' in orders
    assert 'customer = "customer_id"' in orders and 'team = "team"' in orders
    assert '# attribute = "channel"' in orders
    assert re.search(r'#\s+"Delivered",\s+# 2,000 events', orders)
    helpdesk = starter_config(load_log(DATA / "helpdesk.xes.gz"), config_dir=DATA)
    assert 'case = "case:concept:name"' in helpdesk
    assert 'customer = "customer"' in helpdesk and 'team = "workgroup"' in helpdesk
    assert '# from = "Take in charge ticket"\n# to = "Resolve ticket"' in helpdesk


def test_starter_config_keeps_parsing_hints_and_quotes_names(tmp_path: Path) -> None:
    log_path = tmp_path / "odd.csv"
    log_path.write_text('case,activity,time\n1,"Say ""hi"" \\ wave",2026-01-05 10:00\n1,Close,2026-01-05 11:00\n', encoding="utf-8")
    options = LoadOptions(timezone="Europe/Amsterdam")
    log = load_log(log_path, options)
    text = starter_config(log, options=options)
    config = load_config(write(tmp_path, text))
    assert config.load.timezone == "Europe/Amsterdam"
    everything = load_config(write(tmp_path, _COMMENTED_SETTING.sub("", text), "all.toml"))
    assert 'Say "hi" \\ wave' in everything.touchpoints.activities


def test_config_module_is_pure() -> None:
    code = "import sys, cxmine.config; bad = {'pandas', 'rich', 'typer', 'pm4py'} & set(sys.modules); assert not bad, bad"
    subprocess.run([sys.executable, "-c", code], check=True)


# -- cxmine init -----------------------------------------------------------------------------------------------


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()
    app.command(epilog=EPILOG)(init)

    @app.callback()
    def main() -> None:  # a callback keeps `init` a named subcommand, as in the real app
        """Test app."""

    return app


@pytest.fixture
def log_copy(tmp_path: Path) -> Path:
    target = tmp_path / "running-example.csv"
    shutil.copy(DATA / "running-example.csv", target)
    return target


def test_init_writes_next_to_the_log(cli: typer.Typer, log_copy: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(log_copy)])
    assert result.exit_code == 0, result.output
    target = log_copy.parent / "cxmine.toml"
    assert result.stdout == ""
    assert f"Wrote {target}" in result.stderr
    config = load_config(target)
    assert config.log_path == log_copy.parent / "running-example.csv"
    assert config.load.case == "case:concept:name"


def test_init_refuses_to_overwrite(cli: typer.Typer, log_copy: Path) -> None:
    target = log_copy.parent / "cxmine.toml"
    target.write_text("# mine\n")
    result = CliRunner().invoke(cli, ["init", str(log_copy)])
    assert result.exit_code == 2
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert "Traceback" not in result.output
    assert target.read_text() == "# mine\n"
    forced = CliRunner().invoke(cli, ["init", str(log_copy), "--force"])
    assert forced.exit_code == 0
    assert "[log]" in target.read_text()


def test_init_output_and_mapping_flags(cli: typer.Typer, log_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "sub" / "my.toml"
    out.parent.mkdir()
    result = CliRunner().invoke(cli, ["init", str(log_copy), "-o", str(out), "--resource", "Resource", "--timezone", "Europe/Amsterdam"])
    assert result.exit_code == 0, result.output
    config = load_config(out)
    assert config.log_path == out.parent / "../running-example.csv"
    assert config.load.resource == "Resource" and config.load.timezone == "Europe/Amsterdam"


def test_init_to_stdout(cli: typer.Typer, log_copy: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(log_copy), "-o", "-"])
    assert result.exit_code == 0
    assert result.stdout.startswith("# cxmine configuration for running-example.csv")
    assert not (log_copy.parent / "cxmine.toml").exists()


def test_init_bad_log(cli: typer.Typer, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2 and "file not found" in result.stderr
    assert not (tmp_path / "cxmine.toml").exists()


def test_init_help_has_text_and_examples(cli: typer.Typer) -> None:
    result = CliRunner().invoke(cli, ["init", "--help"])
    assert result.exit_code == 0
    assert "starter cxmine.toml" in result.stdout
    assert "cxmine init examples/orders.csv" in result.stdout
    assert "--force" in result.stdout and "--output" in result.stdout
