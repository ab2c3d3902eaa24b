"""Options shared by several commands, defined once as Annotated aliases."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

LOG_PANEL = "Reading the log"


LogArgument = Annotated[Path, typer.Argument(help="Event log: .xes, .xes.gz, .csv, .csv.gz, .tsv or .parquet.", show_default=False)]
LogOrUrl = Annotated[str, typer.Argument(help="Event log: .xes, .xes.gz, .csv, .csv.gz, .tsv, .parquet or a Parquet dataset folder; with --engine spark also a URL Spark reads (s3a://, hdfs://).", show_default=False)]
Output = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the result to this file (atomically) instead of stdout.")]
Case = Annotated[Optional[str], typer.Option("--case", help="Column holding the case id (default: auto-detect).", rich_help_panel=LOG_PANEL)]
Activity = Annotated[Optional[str], typer.Option("--activity", help="Column holding the activity name.", rich_help_panel=LOG_PANEL)]
Timestamp = Annotated[Optional[str], typer.Option("--timestamp", help="Column holding the (completion) timestamp.", rich_help_panel=LOG_PANEL)]
StartTimestamp = Annotated[Optional[str], typer.Option("--start-timestamp", help="Column holding the start timestamp, if any.", rich_help_panel=LOG_PANEL)]
Resource = Annotated[Optional[str], typer.Option("--resource", help="Column holding the resource (person, team, system).", rich_help_panel=LOG_PANEL)]
TimestampFormat = Annotated[Optional[str], typer.Option("--timestamp-format", help="strftime pattern for odd timestamps, e.g. '%d/%m/%Y %H:%M'.", rich_help_panel=LOG_PANEL)]
Timezone = Annotated[str, typer.Option("--timezone", help="Timezone of timestamps that carry no offset (IANA name).", rich_help_panel=LOG_PANEL)]
Encoding = Annotated[str, typer.Option("--encoding", help="Text encoding of CSV files.", rich_help_panel=LOG_PANEL)]
LifecycleInActivity = Annotated[bool, typer.Option("--lifecycle-in-activity", help="Append lifecycle values other than start/complete to the activity name.", rich_help_panel=LOG_PANEL)]
class AmbiguousTime(str, Enum):
    earliest = "earliest"
    latest = "latest"
    error = "error"


Ambiguous = Annotated[AmbiguousTime, typer.Option("--ambiguous", help="Local times that occur twice when clocks go back (--timezone): take the earliest, the latest, or stop with an error.", rich_help_panel=LOG_PANEL)]
Since = Annotated[Optional[str], typer.Option("--since", help="Keep cases that start on or after this date (ISO).", rich_help_panel=LOG_PANEL)]
Until = Annotated[Optional[str], typer.Option("--until", help="Keep cases that start before this date (ISO).", rich_help_panel=LOG_PANEL)]
Where = Annotated[Optional[list[str]], typer.Option("--where", help="Keep the whole cases where attribute=value (case or event attribute, compared as text); repeat to combine.", rich_help_panel=LOG_PANEL, show_default=False)]
DropDuplicates = Annotated[bool, typer.Option("--drop-duplicates", help="Drop exact duplicate events (same case, activity, timestamp, resource), counted ([prepare] drop_duplicates).", rich_help_panel=LOG_PANEL)]
MergeRepeats = Annotated[bool, typer.Option("--merge-repeats", help="Collapse consecutive events of one activity in a case (snapshot logs; [prepare] merge_repeats).", rich_help_panel=LOG_PANEL)]
Missing = Annotated[Optional[list[str]], typer.Option("--missing", help="A value that means missing, e.g. '?' or NULL; repeatable ([prepare] missing).", rich_help_panel=LOG_PANEL, show_default=False)]
Debug = Annotated[bool, typer.Option("--debug", help="Show the full traceback on errors.")]


# The log-reading options every command shares: (parameter, Annotated type, default).
_MAPPING = (
    ("case", Case, None),
    ("activity", Activity, None),
    ("timestamp", Timestamp, None),
    ("start_timestamp", StartTimestamp, None),
    ("resource", Resource, None),
    ("timestamp_format", TimestampFormat, None),
    ("timezone", Timezone, "UTC"),
    ("encoding", Encoding, "utf-8"),
    ("lifecycle_in_activity", LifecycleInActivity, False),
    ("ambiguous", Ambiguous, AmbiguousTime.earliest),
)
_WINDOW = (("since", Since, None), ("until", Until, None))
_SCOPE = (("where", Where, None), ("drop_duplicates", DropDuplicates, False), ("merge_repeats", MergeRepeats, False), ("missing", Missing, None))


def log_options(*, window: bool = True):
    """Give a command the shared log-reading options, declared once here, and hand it one
    `options: LoadOptions` instead of a dozen parameters. `window=False` leaves out --since/--until
    (for commands that define their own period)."""

    def pack(values: dict[str, Any]) -> Any:
        from cxmine.model import LoadOptions  # noqa: PLC0415

        for name in ("where", "missing"):
            values[name] = tuple(values.get(name) or ())
        return LoadOptions(**values)

    return _parameters("options", _MAPPING + (_WINDOW if window else ()) + _SCOPE, pack)


def engine_options():
    """Give a command --engine and the engines' settings (--memory-limit, --threads, --temp-dir,
    --spark-master, --spark-conf), declared once here, and hand it one `engine: EngineRequest`."""
    return _parameters("engine", _ENGINE, lambda values: EngineRequest(str(values.pop("engine").value), values))


def _parameters(name: str, added: tuple, pack: Any):
    """A decorator that replaces the command's parameter `name` by the `added` (parameter, Annotated type,
    default) options in the signature Typer reads, and calls the command with `name=pack(their values)`."""
    import functools  # noqa: PLC0415
    import inspect  # noqa: PLC0415

    def decorate(func):
        import typing  # noqa: PLC0415

        # Resolve the command's own (string, postponed) annotations here: Typer reads the signature we
        # build, and could not evaluate them in this module.
        hints = typing.get_type_hints(func, include_extras=True)
        signature = inspect.signature(func)
        kept = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values() if p.name != name]
        at = next((i for i, p in enumerate(kept) if p.name == "debug"), len(kept))  # --debug stays last
        extra = [inspect.Parameter(key, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default, annotation=kind) for key, kind, default in added]

        @functools.wraps(func)
        def command(*args, **kwargs):
            values = {key: kwargs.pop(key) for key, _, _ in added}
            return func(*args, **{name: pack(values)}, **kwargs)

        command.__signature__ = signature.replace(parameters=kept[:at] + extra + kept[at:])
        command.__annotations__ = {k: v for k, v in hints.items() if k != name} | {key: kind for key, kind, _ in added}
        return command

    return decorate


def format_choice(kind: str):
    """The `--format` choices of a command: exactly the formats the renderers offer for its result kind
    (cxmine.render.COMMAND_FORMATS), as an Enum Typer can show and check."""
    from cxmine.render import formats_for  # noqa: PLC0415 - a plain module: enums and a table, no renderers

    return Enum(f"{kind.title()}Format", {fmt.value: fmt.value for fmt in formats_for(kind)}, type=str)


def format_option(choices: Any, help: str = "Output format written to stdout (or --output).") -> Any:
    """`--format/-f` with the given choices (from `format_choice`)."""
    return Annotated[choices, typer.Option("--format", "-f", help=help)]


ConfigOption = Annotated[Optional[Path], typer.Option("--config", "-c", help="cxmine.toml to use (default: next to the log, else in the current folder).")]


ENGINE_PANEL = "Engine (big logs)"


class EngineChoice(str, Enum):
    auto = "auto"
    pandas = "pandas"
    duckdb = "duckdb"
    spark = "spark"


Engine = Annotated[EngineChoice, typer.Option("--engine", help="Where the work runs: pandas (in memory), duckdb (out of core, for Parquet bigger than memory), spark (a cluster; pip install 'cxmine[spark]'), or auto (duckdb for Parquet datasets and files of 5M+ rows it supports, else pandas; the choice is said on stderr).", rich_help_panel=ENGINE_PANEL)]
MemoryLimit = Annotated[Optional[str], typer.Option("--memory-limit", help="DuckDB's memory limit, e.g. 4GB (it spills to disk beyond it).", rich_help_panel=ENGINE_PANEL)]
Threads = Annotated[Optional[int], typer.Option("--threads", min=1, help="DuckDB's worker threads (default: all cores).", rich_help_panel=ENGINE_PANEL)]
TempDir = Annotated[Optional[Path], typer.Option("--temp-dir", help="Where DuckDB spills what does not fit in memory (default: a new folder in the system temp dir).", rich_help_panel=ENGINE_PANEL)]
SparkMaster = Annotated[Optional[str], typer.Option("--spark-master", help="Spark's master with --engine spark: local[*] (default), local[2], spark://host:7077, yarn.", rich_help_panel=ENGINE_PANEL)]
SparkConf = Annotated[Optional[list[str]], typer.Option("--spark-conf", help="A Spark setting key=value with --engine spark (repeatable), e.g. spark.executor.memory=8g.", rich_help_panel=ENGINE_PANEL, show_default=False)]

_ENGINE = (
    ("engine", Engine, EngineChoice.auto), ("memory_limit", MemoryLimit, None), ("threads", Threads, None), ("temp_dir", TempDir, None),
    ("spark_master", SparkMaster, None), ("spark_conf", SparkConf, None),
)


@dataclass(frozen=True)
class EngineRequest:
    """The engine a command was asked to run on, and the engine flags as given (cli.common.choose_engine
    checks and applies them)."""

    name: str = "auto"
    limits: dict[str, Any] = field(default_factory=dict)
