"""What several commands do the same way: open the inputs with a spinner and print their warnings,
refuse outputs that would overwrite an input, render a result in the chosen format and emit it.

Command modules import this module, `options` and `runtime` — never each other, never the app."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from cxmine.cli.runtime import check_outputs, emit, status, stderr_console, warn

if TYPE_CHECKING:  # pragma: no cover - types only
    from cxmine.config import Config
    from cxmine.inputs import Inputs
    from cxmine.model import EngineSettings, EventLog, LoadOptions


def read_log(path: Path, options: "LoadOptions") -> "EventLog":
    """A log alone (no config): inspect, convert and init."""
    from cxmine.inputs import check_timezone, shape  # noqa: PLC0415
    from cxmine.io import load_log  # noqa: PLC0415

    check_timezone(options.timezone, str(path))
    with status(f"Reading {path.name}…"):
        log, notes = shape(load_log(path, options), options, analysis=False)
    warn(log.warnings + notes)
    return log


def open_config(log: Path, config_path: Path | None) -> "tuple[Config, tuple]":
    """The config for this log and what finding it taught, saying on stderr which one is used (or why one
    found is not applied)."""
    from cxmine.inputs import open_config as find  # noqa: PLC0415

    config, notes = find(log, config_path)
    warn(notes)
    if config.path is not None:
        stderr_console().print(f"Using config {config.path}", markup=False, highlight=False)
    return config, notes


def read_paths(log: Path, config: "Config", *more: Path | None) -> tuple[Path, ...]:
    """Every file a run reads: the log, the config, its complaints and model files, and `more`."""
    from cxmine.inputs import paths_read  # noqa: PLC0415

    return paths_read(log, config) + tuple(p for p in more if p is not None)


def open_inputs(log: Path, options: "LoadOptions", opened: "tuple[Config, tuple]", outputs: Iterable[Path | None] = (), reads: Iterable[Path | None] = ()) -> "Inputs":
    """Refuse outputs that would overwrite an input (the log, the config's files and `reads`) before any
    work, then read the log and complaints. `opened` is what `open_config` returned."""
    from dataclasses import replace  # noqa: PLC0415

    from cxmine.inputs import load_inputs  # noqa: PLC0415

    config, found_notes = opened
    check_outputs(list(outputs), read_paths(log, config, *reads))
    with status(f"Reading {log.name}:") as progress:
        inputs = load_inputs(log, options, config=config, progress=progress)
    warn(inputs.warnings)
    return replace(inputs, notes=tuple(found_notes) + inputs.notes)  # already printed by open_config


def emit_result(kind: str, fmt: Any, result: Any, output: Path | None, reads: Iterable[Path], **render_options: Any) -> None:
    """Render `result` as `fmt` through the one format mechanism and write it to stdout or `output`."""
    from cxmine.render import RenderOptions, render  # noqa: PLC0415

    if output is not None:
        render_options.setdefault("color", False)  # files never get terminal colours
    text = render(kind, fmt.value if hasattr(fmt, "value") else fmt, result, RenderOptions(**render_options))
    emit(text, output, inputs=tuple(reads))


class EngineRun:
    """Where an analysing command runs (`plan_engine`): the engine settings, the log (a Path, or the URL
    Spark reads), the config as `open_config` returned it."""

    def __init__(self, settings: "EngineSettings", log: Path | str, opened: "tuple[Config, tuple]") -> None:
        self.settings, self.log, self.opened = settings, log, opened

    @property
    def pandas(self) -> bool:
        return self.settings.engine == "pandas"

    def reads(self, outputs: Iterable[Path | None]) -> tuple[Path, ...]:
        """The files this run reads (none for a URL), after refusing outputs that would overwrite one."""
        reads = read_paths(self.log, self.opened[0]) if isinstance(self.log, Path) else ()
        check_outputs(list(outputs), reads)
        return reads


def plan_engine(log: str | Path, config_path: Path | None, options: "LoadOptions", request: Any, gaps: Any = None, *, check: Any = None) -> EngineRun:
    """Open the config of `log` (a path, or with --engine spark a URL: s3a://, hdfs://) and choose the engine
    for `request` (cli.options.EngineRequest), said on stderr; `check(config)` runs in between (the command's
    own option checks, so a usage error comes before the engine line)."""
    url = "://" in str(log)  # only Spark reads these
    target: Path | str = str(log) if url else Path(log)
    opened = open_config(None if url else target, config_path)
    if check is not None:
        check(opened[0])
    return EngineRun(choose_engine(target, opened[0], options, request.name, request.limits, gaps=gaps), target, opened)


def choose_engine(
    log: Path, config: "Config", options: "LoadOptions", engine: Any, limits: dict[str, Any], gaps: Any = None, *, unsaid: str | None = None,
) -> "EngineSettings":
    """The engine for this run (cxmine.engines.choose), said on stderr (unless auto picks `unsaid`: inspect's
    first look stays quiet on pandas). `limits` are the engine flags as given (memory_limit, threads, temp_dir, spark_master,
    spark_conf); a flag for another engine than the one that runs is a usage error rather than silently ignored."""
    from cxmine.config import with_cli_overrides  # noqa: PLC0415
    from cxmine.engines import choose  # noqa: PLC0415
    from cxmine.errors import UsageError  # noqa: PLC0415
    from cxmine.inputs import as_source  # noqa: PLC0415
    from cxmine.model import EngineSettings  # noqa: PLC0415

    scoped = as_source(config, log)
    asked = str(getattr(engine, "value", engine))
    merged = with_cli_overrides(scoped, options)
    name, why = choose(asked, log, scoped, merged, gaps=None if gaps is None else (lambda path: gaps(path, scoped, merged)))
    flags = {"memory_limit": ("--memory-limit", "duckdb"), "threads": ("--threads", "duckdb"), "temp_dir": ("--temp-dir", "duckdb"),
             "spark_master": ("--spark-master", "spark"), "spark_conf": ("--spark-conf", "spark")}  # fmt: skip
    for key, (flag, owner) in flags.items():
        # auto may run DuckDB (its limits then apply), never Spark: Spark's settings need --engine spark.
        if limits.get(key) and asked != owner and not (asked == "auto" and owner == "duckdb"):
            raise UsageError(f"{flag} is a setting of the {owner} engine, and the engine is {asked}", hint=f"pass --engine {owner}, or leave {flag} out")
    conf = []
    for item in limits.get("spark_conf") or ():
        key, sep, value = str(item).partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--spark-conf {item!r} is not key=value", hint="e.g. --spark-conf spark.executor.memory=8g")
        conf.append((key.strip(), value.strip()))
    if (asked, name) != ("auto", unsaid):
        stderr_console().print(why, markup=False, highlight=False)
    temp_dir = limits.get("temp_dir")
    return EngineSettings(
        engine=name, memory_limit=limits.get("memory_limit"), threads=limits.get("threads"), temp_dir=str(temp_dir) if temp_dir else None,
        spark_master=limits.get("spark_master"), spark_conf=tuple(conf),
    )
