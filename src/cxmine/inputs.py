"""Everything a run reads, opened once: the config (found or given), the log under the merged column
mapping, the complaints, and the paths of every file read (so no output may overwrite one).

Pure: progress goes through an optional callback; warnings are returned, never printed.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from cxmine.config import Config, Preparation, find_config, load_config, with_cli_overrides
from cxmine.core.normalise import text_category
from cxmine.model import EventLog, LoadOptions, Warning_
from cxmine.errors import ConfigError

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Inputs:
    """One run's inputs. `notes` are what opening them taught (a config not applied, complaints not
    matched …); `log.warnings` are the loader's own."""

    log: EventLog
    config: Config
    complaints: pd.DataFrame | None = None
    notes: tuple[Warning_, ...] = ()
    paths: tuple[Path, ...] = field(default=())  # every file this run reads
    scores: dict[str, pd.DataFrame] = field(default_factory=dict)  # survey answers per [[outcomes]] name

    @property
    def warnings(self) -> tuple[Warning_, ...]:
        return tuple(self.log.warnings) + tuple(self.notes)


def open_config(log_path: Path | str | None, config_path: Path | str | None = None) -> tuple[Config, tuple[Warning_, ...]]:
    """The config to use and why: `config_path` (must exist), else cxmine.toml next to the log, else in the
    current folder. A config found on its own that names another log in `[log] path` is not applied (it
    belongs to that log): the defaults are used and a note says so."""
    explicit = Path(config_path) if config_path is not None else None
    found = find_config(Path(log_path) if log_path is not None else None, explicit)
    config = load_config(found)
    if explicit is None and found is not None and log_path is not None and config.log_path is not None and Path(log_path).exists():
        if not _same_file(config.log_path, Path(log_path)):
            note = Warning_(
                "config_for_another_log",
                f"{found} is for {config.log_path.name}, not {Path(log_path).name}: it is not applied (pass --config {found} to use it)",
            )
            return Config(), (note,)
    return config, ()


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def load_inputs(
    log_path: Path | str,
    options: LoadOptions | None = None,
    config_path: Path | str | None = None,
    *,
    config: Config | None = None,
    progress: Progress | None = None,
) -> Inputs:
    """Open the config, the log and the complaints once.

    >>> inputs = load_inputs("examples/orders.csv")
    >>> inputs.config.path.name, len(inputs.log.events) > 0, inputs.complaints is not None
    ('cxmine.toml', True, True)
    """
    say = progress or (lambda _m: None)
    notes: tuple[Warning_, ...] = ()
    if config is None:
        say("config")
        config, notes = open_config(log_path, config_path)
    config = as_source(config, log_path)
    merged = with_cli_overrides(config, options or LoadOptions())
    check_timezone(merged.timezone, str(log_path))
    say("log")
    from cxmine.io import load_log  # noqa: PLC0415 - pandas/pyarrow only when a log is read

    log = load_log(Path(log_path), merged)
    log, shape_notes = shape(log, merged, config.prepare, analysis=True)
    shape_notes = shape_notes + _outcome_names(config, log, windowed=bool(merged.since or merged.until or merged.where))
    say("complaints")
    complaints, log, complaint_notes = _complaints(config, log)
    if complaints is not None and (merged.where or merged.since or merged.until):
        # Complaints about cases the window or --where left out are not "unmatched": they are out of scope.
        from cxmine.core.outcomes import complaints_about, out_of_scope  # noqa: PLC0415

        cases = log.events["case_id"]
        complaints, left_out = complaints_about(complaints, pd.Index(cases.cat.categories[np.unique(cases.cat.codes.to_numpy())].astype(str)))
        if left_out:
            complaint_notes = complaint_notes + (out_of_scope(left_out),)
    scores, score_notes = _scores(config)
    return Inputs(
        log=log, config=config, complaints=complaints, notes=notes + shape_notes + complaint_notes + score_notes,
        paths=paths_read(log_path, config), scores=scores,
    )


def check_timezone(name: str, file: str | None = None) -> None:
    """An unknown --timezone is a usage error even when every timestamp carries its own offset."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones  # noqa: PLC0415

    from cxmine.errors import UsageError  # noqa: PLC0415

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        from cxmine.matching import closest  # noqa: PLC0415

        guess = closest(name, sorted(available_timezones()))
        raise UsageError(f"unknown timezone {name!r}", file=file, hint=(f"did you mean {guess!r}? " if guess else "") + "use an IANA name such as Europe/Amsterdam") from None


def shape(log: EventLog, options: LoadOptions, preparation: Preparation | None = None, *, analysis: bool) -> tuple[EventLog, tuple[Warning_, ...]]:
    """The log after `[prepare]` (and the CLI flags that add to it) and `--where`. For analysis, lifecycle
    events that are not completions are left out (they are no occurrence of a step); `inspect` and
    `convert` keep them."""
    from cxmine.core.shapes import prepare_log, where_cases  # noqa: PLC0415

    preparation = preparation or Preparation()
    log, notes = prepare_log(
        log,
        drop_duplicates=options.drop_duplicates or preparation.drop_duplicates,
        merge_repeats=options.merge_repeats or preparation.merge_repeats,
        missing=tuple(dict.fromkeys(tuple(preparation.missing) + tuple(options.missing))),
        keep_lifecycle=not analysis or options.lifecycle_in_activity,
    )
    return where_cases(log, tuple(options.where)), notes


def _outcome_names(config: Config, log: EventLog, *, windowed: bool) -> tuple[Warning_, ...]:
    return outcome_notes(config, [str(c) for c in log.events["activity"].cat.categories], windowed=windowed)


def outcome_notes(config: Config, names: list[str], *, windowed: bool) -> tuple[Warning_, ...]:
    """An outcome naming activities the log (its activity `names`) never has is a typo: an error — or, when
    --since/--until/--where cut the log, a warning (that window may simply hold none)."""
    from cxmine.matching import closest, matches  # noqa: PLC0415

    notes = []
    for outcome in config.outcomes:
        if outcome.activities and not matches(names, list(outcome.activities)):
            guess = closest(outcome.activities[0], names)
            what = f"[[outcomes]] {outcome.name!r}: no activity {', '.join(map(repr, outcome.activities))} in the log"
            hint = (f"did you mean {guess!r}? " if guess else "") + "check the activity names (cxmine inspect lists them)"
            if not windowed:
                raise ConfigError(what, file=str(config.path) if config.path else None, hint=hint)
            notes.append(Warning_("outcome_not_in_window", f"{what} window: no case has this outcome"))
    return tuple(notes)


def _scores(config: Config) -> tuple[dict[str, pd.DataFrame], tuple[Warning_, ...]]:
    """The survey answers of every [[outcomes]] read from a file."""
    from cxmine.io.outcomes import read_scores  # noqa: PLC0415

    notes: list[Warning_] = []
    found = {outcome.name: read_scores(outcome, notes) for outcome in config.outcomes if outcome.path is not None}
    return found, tuple(notes)


def as_source(config: Config, log_path: Path | str) -> Config:
    """A config with [[sources]] used on one of its logs: that source's mapping and customer column, and
    the journey-wide settings as that process sees them (`process:activity` names resolved; names of the
    other processes' activities are left out rather than reported as typos)."""
    if not config.sources:
        return config
    source = next((s for s in config.sources if s.path is not None and _same_file(Path(s.path), Path(log_path))), None)
    if source is None:
        return config
    from cxmine.config.settings import for_process  # noqa: PLC0415

    names = tuple(s.name for s in config.sources)
    scoped = for_process(config, source.name, names)
    return replace(scoped, load=source.load, customer=source.customer, log_path=Path(source.path), scoped_to=source.name)


def paths_read(log_path: Path | str, config: Config) -> tuple[Path, ...]:
    """Every file a run with this config reads: the log, the config, the complaints and the model file."""
    paths = [Path(log_path)]
    outcome_files = tuple(outcome.path for outcome in config.outcomes if outcome.path is not None)
    for extra in (config.path, config.log_path, config.complaints.path if config.complaints else None, config.model.path, *outcome_files):
        if extra is not None:
            paths.append(Path(extra))
    return tuple(dict.fromkeys(paths))


def _complaints(config: Config, log: EventLog) -> tuple[pd.DataFrame | None, EventLog, tuple[Warning_, ...]]:
    """Complaints from the configured source; events used as complaints are removed from the log."""
    from cxmine.io import complaints as complaint_io  # noqa: PLC0415

    source = config.complaints
    if source is None:
        return None, log, ()
    notes: list[Warning_] = []
    if source.path is not None:
        frame = complaint_io.read_complaint_file(source, notes)
    elif source.activity_pattern:
        frame, mask = complaint_io.complaints_from_events(log.events, source.activity_pattern)
        if mask.any():
            events = log.events.loc[~mask].reset_index(drop=True)
            events["activity"] = events["activity"].cat.remove_unused_categories()
            log = replace(log, events=events)
        else:
            notes.append(Warning_("complaint_pattern_not_found", f"[complaints] activity_pattern {source.activity_pattern!r} matches no activity in the log"))
            frame = None
    elif source.attribute:
        frame = complaint_io.complaints_from_attribute(log.events, source.attribute)
    else:
        return None, log, ()
    return frame, log, tuple(notes)


@dataclass(frozen=True)
class ProcessLog:
    """One process of the customer's journey: its name and its canonical log, with a `customer` column."""

    name: str
    log: EventLog
    contacts: bool = False  # its cases are the customer contacting us (tickets, calls)
    config: Config | None = None  # its own config (a log or config given beside others in a portfolio); None: the journey's
    complaints: pd.DataFrame | None = None  # its complaints (a log given in a portfolio, read with its own config)


@dataclass(frozen=True)
class JourneyInputs:
    """Everything a journey run reads: the processes, the config, the survey scores, what was learnt."""

    processes: tuple[ProcessLog, ...]
    config: Config
    notes: tuple[Warning_, ...] = ()
    paths: tuple[Path, ...] = ()
    scores: dict[str, pd.DataFrame] = field(default_factory=dict)


def load_journey_inputs(source: Path | str, *, customer_type: str | None = None, progress: Progress | None = None) -> JourneyInputs:
    """Open a journey: `source` is a cxmine.toml with [[sources]] (each read with its own mapping and
    customer column) or an OCEL 2.0 file (`customer_type` picks the object type that plays the customer;
    every other object type becomes a process).

    >>> journey = load_journey_inputs("examples/journeys/cxmine.toml")
    >>> [p.name for p in journey.processes]
    ['orders', 'support']
    """
    from cxmine.errors import ConfigError, InputError  # noqa: PLC0415

    say = progress or (lambda _m: None)
    path = Path(source)
    if not path.exists():
        raise InputError("file not found", file=str(path), hint="pass a cxmine.toml with [[sources]], or an OCEL 2.0 file (.jsonocel, .xmlocel, .sqlite)")
    notes: list[Warning_] = []
    if path.suffix.lower() in (".jsonocel", ".xmlocel", ".sqlite", ".json", ".xml"):
        config = Config(path=path)
        processes = _ocel_processes(path, customer_type, notes)
        paths: tuple[Path, ...] = (path,)
    else:
        if path.suffix.lower() != ".toml":
            from cxmine.errors import UsageError  # noqa: PLC0415

            raise UsageError("a journey needs a cxmine.toml with [[sources]], or an OCEL 2.0 file", file=str(path), hint="e.g. cxmine journey examples/journeys/cxmine.toml, or a .jsonocel/.xmlocel/.sqlite file with --customer-type")
        config = load_config(path)
        if not config.sources:
            raise ConfigError("the config has no [[sources]]", file=str(path), hint='add [[sources]] blocks: name = "orders", path = "orders.csv", customer = "customer_id", …')
        processes = []
        for source in config.sources:
            say(source.name)
            if source.customer_type is not None:
                processes += _ocel_processes(source.path, source.customer_type, notes)
                continue
            processes.append(_process(source, config, notes))
        paths = tuple(dict.fromkeys([path, *(s.path for s in config.sources if s.path is not None), *paths_read_outcomes(config)]))
    _check_outcomes(config, processes)
    scores, score_notes = _scores(config)
    return JourneyInputs(tuple(processes), config, tuple(notes) + score_notes, paths, scores)


def _check_outcomes(config: Config, processes: list[ProcessLog]) -> None:
    """An outcome must name activities that some process does (a typo would find nothing)."""
    from cxmine.matching import closest, matches  # noqa: PLC0415

    names = sorted({str(c) for p in processes for c in p.log.events["activity"].cat.categories})
    for outcome in config.outcomes:
        plain = [a.partition(":")[2] if a.partition(":")[0] in {p.name for p in processes} else a for a in outcome.activities]
        if plain and not matches(names, plain):
            guess = closest(plain[0], names)
            raise ConfigError(
                f"[[outcomes]] {outcome.name!r}: no process has {', '.join(map(repr, plain))}", file=str(config.path),
                hint=(f"did you mean {guess!r}? " if guess else "") + "check the activity names (cxmine inspect lists them)",
            )


def paths_read_outcomes(config: Config) -> tuple[Path, ...]:
    return tuple(outcome.path for outcome in config.outcomes if outcome.path is not None)


def _process(source, config: Config, notes: list[Warning_]) -> ProcessLog:
    """One [[sources]] entry read with its own mapping, cleaned, its customer column named `customer`."""
    from cxmine.io import load_log  # noqa: PLC0415

    log = load_log(Path(source.path), source.load)
    log, shape_notes = shape(log, source.load, config.prepare, analysis=True)
    notes.extend(Warning_(n.code, f"{source.name}: {n.message}", n.count, n.examples) for n in tuple(log.warnings) + shape_notes)
    events = log.events
    column = source.customer
    if column is not None and column not in events.columns:
        raise ConfigError(
            f"source {source.name!r}: no customer column {column!r} in {Path(source.path).name}", file=str(config.path),
            hint=f"columns: {', '.join(map(str, events.columns[:20]))}",
        )
    if column is not None and column != "customer":
        events = events.rename(columns={column: "customer"}) if "customer" not in events.columns else events.assign(customer=events[column])
    events = events.assign(customer=text_category(events["customer"])) if "customer" in events.columns else events
    return ProcessLog(source.name, replace(log, events=events), source.contacts)


def _ocel_processes(path: Path, customer_type: str | None, notes: list[Warning_]) -> list[ProcessLog]:
    from cxmine.io.ocel import read_ocel  # noqa: PLC0415

    return [ProcessLog(s.name, s.log) for s in read_ocel(Path(path), customer_type, notes)]


def _one_currency(configs: list[Config | None]) -> None:
    """Value adds up across processes only in one currency: cxmine does not convert, so configs that price
    in different currencies are refused (exit 2), naming each file and its currency."""
    priced = {str(c.path or "cxmine.toml"): c.value.currency for c in configs if c is not None and c.value is not None}
    if len(set(priced.values())) > 1:
        listed = ", ".join(f"{path}: {currency}" for path, currency in priced.items())
        raise ConfigError(f"the processes are priced in different currencies ({listed})", hint="price every process in one currency ([value] currency = ...); cxmine does not convert between currencies")


def load_portfolio_inputs(sources: list[Path | str], *, customer_type: str | None = None, progress: Progress | None = None) -> JourneyInputs:
    """Several configs and logs as one portfolio: each cxmine.toml with [[sources]] or OCEL file gives its
    processes, each other log is one process (named after the file, read with the config found beside it).
    Each process is ranked with its own config (touchpoints, promises, outcomes, value); the first config's
    journey settings (cross-process points, survey scores) apply to the whole portfolio. Process names must
    not repeat."""
    from cxmine.errors import UsageError  # noqa: PLC0415

    if len(sources) == 1:
        return load_journey_inputs(sources[0], customer_type=customer_type, progress=progress)
    processes: list[ProcessLog] = []
    notes: list[Warning_] = []
    paths: list[Path] = []
    config: Config | None = None
    for source in map(Path, sources):
        if source.suffix.lower() == ".toml" or source.suffix.lower() in (".jsonocel", ".xmlocel", ".sqlite"):
            part = load_journey_inputs(source, customer_type=customer_type, progress=progress)
            config = config or part.config
            processes += [replace(p, config=p.config or part.config) for p in part.processes]
            notes += part.notes
            paths += part.paths
        else:
            opened = load_inputs(source, progress=progress)
            events = opened.log.events
            column = opened.config.customer
            if column and column in events.columns:
                events = events.assign(customer=text_category(events[column]))
            processes.append(ProcessLog(source.name.split(".")[0], replace(opened.log, events=events), False, opened.config, opened.complaints))
            config = config or opened.config
            notes += opened.notes
            paths += opened.paths
    names = [p.name for p in processes]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UsageError(f"process name {twice[0]!r} comes twice in the portfolio", hint="rename a [[sources]] entry or a file")
    _one_currency([config, *(p.config for p in processes)])
    return JourneyInputs(tuple(processes), config or Config(), tuple(notes), tuple(dict.fromkeys(paths)), _scores(config or Config())[0])

