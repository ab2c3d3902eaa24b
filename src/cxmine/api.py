"""The library's public calls: each takes the opened `Inputs` (cxmine.inputs.load_inputs) and returns a
result object with `to_dict()`. The CLI is a thin layer over exactly these functions.

Every example below runs in the test suite (tests/test_api.py runs the doctests from the repository root).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from cxmine.inputs import Inputs
from cxmine.model import FrictionReport, TimingsReport

if TYPE_CHECKING:  # pragma: no cover - result types only
    import numpy as np

    from cxmine.config import Config
    from cxmine.mining import ConformanceResult, DiscoveryResult
    from cxmine.model import CaseList, EngineSettings, LoadOptions, LogSummary
    from cxmine.report.build import Period, Report

Progress = Callable[[str], None]


def _describe(inputs: Inputs):
    """The sentence writer, with the configured outcome phrases ("are cancelled")."""
    return _describe_config(inputs.config)


def _phrases(config: Any) -> dict[str, str]:
    """How sentences say each outcome, and the score column of survey outcomes."""
    out = {outcome.name: outcome.said for outcome in config.outcomes}
    out.update({f"score:{outcome.name}": f"score:{outcome.score}" for outcome in config.outcomes if outcome.score})
    return out


def _deviations(inputs: Inputs, progress: Progress | None):
    """Per-case deviations from the configured [model] (pm4py, only when a model is configured)."""
    if not inputs.config.model.configured:
        return None
    from cxmine.mining import deviations_for_friction  # noqa: PLC0415

    if progress:
        progress("checking the model")
    return deviations_for_friction(inputs.log.events, inputs.config.model)


def rank_friction(inputs: Inputs, *, progress: Progress | None = None, rank_by: str = "score") -> FrictionReport:
    """Rank the friction points of the inputs, with evidence and the critical few.

    >>> from cxmine import load_inputs
    >>> report = rank_friction(load_inputs("examples/orders.csv"))
    >>> report.friction_points[0].kind, report.friction_points[0].critical
    ('broken_promise', True)
    """
    from dataclasses import replace  # noqa: PLC0415

    from cxmine.friction.engine import detect, rank  # noqa: PLC0415

    deviations = _deviations(inputs, progress)
    stage = detect(inputs.log, inputs.config, inputs.complaints, notes=[], progress=progress, deviations=deviations, scores=inputs.scores)
    report = rank(stage, inputs.config, describe=_describe(inputs), progress=progress, rank_by=rank_by)
    return replace(report, notes=tuple(inputs.notes) + report.notes)


def customer_timings(inputs: Inputs) -> TimingsReport:
    """Service and waiting time per step and transition, customer-visible gaps, promise keeping.

    >>> from cxmine import load_inputs
    >>> timings = customer_timings(load_inputs("examples/orders.csv"))
    >>> timings.wait_basis, len(timings.promises)
    ('waiting', 2)
    """
    from cxmine.core.timing_report import timings_report  # noqa: PLC0415

    return timings_report(inputs.log, inputs.config)


def customer_timings_on_engine(log_path: Path | str, options: "LoadOptions", config: "Config", settings: "EngineSettings") -> TimingsReport:
    """`customer_timings` computed by an engine other than pandas (DuckDB, out of core; or Spark) on a Parquet
    file or dataset, without loading the events into memory; the same result as the pandas engine.

    >>> from cxmine.model import EngineSettings, LoadOptions
    >>> from cxmine.config import Config
    >>> customer_timings_on_engine("missing.parquet", LoadOptions(), Config(), EngineSettings(engine="duckdb"))
    Traceback (most recent call last):
    ...
    cxmine.errors.InputError: file not found in missing.parquet — check the path
    """
    from cxmine.engines.source import engine_errors  # noqa: PLC0415
    from cxmine.engines.timings import report  # noqa: PLC0415

    path, config, merged = _engine_input(log_path, options, config)
    with engine_errors("the timings"):
        return report(_open_on_engine(path, merged, settings), config)


def _engine_input(log_path: Path | str, options: "LoadOptions", config: "Config") -> tuple[Path | str, "Config", "Config"]:
    """The input of an engine run: the path (a str only for a URL Spark reads: s3a://, hdfs://), checked
    readable, the config scoped to it, and the config merged with the CLI's options (timezone checked)."""
    from cxmine.config import with_cli_overrides  # noqa: PLC0415
    from cxmine.inputs import as_source, check_timezone  # noqa: PLC0415
    from cxmine.io import check_readable  # noqa: PLC0415

    url = isinstance(log_path, str) and "://" in log_path  # s3a://, hdfs://: read by Spark itself
    path = log_path if url else Path(log_path)
    if not url:
        check_readable(path)
        config = as_source(config, path)
    merged = with_cli_overrides(config, options)
    check_timezone(merged.timezone, str(path))
    return path, config, merged


def _open_on_engine(path: Path | str, merged: "Config", settings: "EngineSettings", *, attributes: bool = False, keep_lifecycle: bool = False):
    """The events as a Source on the engine the settings name (DuckDB, or Spark); `keep_lifecycle`: lifecycle
    events that are not completions stay (inspect), else they are left out as the analyses leave them out."""
    if settings.engine == "spark":
        from cxmine.engines.spark import open_spark_source  # noqa: PLC0415

        return open_spark_source(path, merged, settings, keep_lifecycle=keep_lifecycle, attributes=attributes)
    from cxmine.engines.source import open_source  # noqa: PLC0415

    return open_source(path, merged, settings, attributes=attributes, keep_lifecycle=keep_lifecycle)


def friction_engine_gaps(log_path: Path, config: "Config", options: "LoadOptions") -> str | None:
    """What ranking friction on this Parquet input and configuration needs that the engines other than pandas
    do not compute yet (None: nothing), read from the file's columns only."""
    from cxmine.core.normalise import resolve_mapping  # noqa: PLC0415
    from cxmine.friction.onengine import unsupported  # noqa: PLC0415
    from cxmine.io.tabular import parquet_columns, parquet_text_columns  # noqa: PLC0415

    try:
        resolve_mapping(parquet_columns(Path(log_path)), options, source=str(log_path))
    except Exception:  # noqa: BLE001 - the reader reports an unreadable input with its own message
        return None
    columns = parquet_columns(Path(log_path))
    unread = tuple(o.attribute for o in config.outcomes if o.source == "attribute" and not {o.attribute, f"case:{o.attribute}"} & set(columns))
    missing = unsupported(config, team_is_text=bool(config.team) and config.team in parquet_text_columns(Path(log_path)), customer_carried=config.customer in columns, unread=unread)
    return f"it does not rank friction with {'; '.join(missing)} yet" if missing else None


def rank_friction_on_engine(
    log_path: Path | str, options: "LoadOptions", config: "Config", settings: "EngineSettings", *, rank_by: str = "score", notes: tuple = (),
) -> FrictionReport:
    """`rank_friction` computed by an engine other than pandas (DuckDB, out of core; or Spark) on a Parquet file
    or dataset: the event-level work runs on the engine (cxmine.engines.friction), and the same candidate
    builders, scoring and wording as the pandas engine run on what comes back (cxmine.friction.onengine).
    A configuration that needs a kind the engines do not compute yet is a usage error (exit 2), never a
    ranking without it. `notes` are the config's (open_config).

    >>> from cxmine.model import EngineSettings, LoadOptions
    >>> from cxmine.config import Config
    >>> rank_friction_on_engine("missing.parquet", LoadOptions(), Config(), EngineSettings(engine="duckdb"))
    Traceback (most recent call last):
    ...
    cxmine.errors.InputError: file not found in missing.parquet — check the path
    """
    from dataclasses import replace  # noqa: PLC0415

    from cxmine.friction.engine import rank  # noqa: PLC0415
    from cxmine.inputs import outcome_notes  # noqa: PLC0415

    path, config, merged = _engine_input(log_path, options, config)
    complaints, complaint_notes = _read_complaints(config)
    scores, score_notes = _read_scores(config)
    source, computed, staged, scope_notes = _stage_on_engine(path, config, merged, settings, "the friction points", complaints=complaints, scores=scores)
    found = outcome_notes(config, computed.activities, windowed=bool(merged.since or merged.until))
    report = rank(staged, config, describe=_describe_config(config), rank_by=rank_by)
    return replace(report, notes=tuple(notes) + tuple(source.notes) + found + complaint_notes + scope_notes + score_notes + report.notes)


def _read_scores(config: "Config") -> tuple[dict, tuple]:
    """The survey answers of every [[outcomes]] read from a file, as the pandas engine reads them, and notes."""
    from cxmine.inputs import _scores  # noqa: PLC0415

    return _scores(config)


def _stage_on_engine(
    path: Path | str, config: "Config", merged: "Config", settings: "EngineSettings", what: str, *, complaints: Any = None, say_scope: bool = True,
    windowed: bool | None = None, scores: dict | None = None, **computing: Any,
) -> tuple:
    """Friction's Stage of the events `merged` reads, computed on the engine (engines.friction.tables with
    `computing`'s options, friction.onengine.stage): (source, tables, stage, notes about the complaints'
    scope). `scores`: the survey answers of [[outcomes]] read from a file (inputs' `_scores`). A configuration the engines do not compute yet is a usage error (exit 2), never a ranking
    without it. `complaints`: read by `_read_complaints`; those about cases outside the window (`windowed`,
    default: --since/--until given) are out of scope, said in a note unless `say_scope` is false."""
    from cxmine.engines.friction import tables, team_column  # noqa: PLC0415
    from cxmine.engines.source import engine_errors  # noqa: PLC0415
    from cxmine.errors import UsageError  # noqa: PLC0415
    from cxmine.friction.onengine import stage, unsupported  # noqa: PLC0415

    with engine_errors(what):
        source = _open_on_engine(path, merged, settings, attributes=True)
        missing = unsupported(config, team_is_text=team_column(source, config) is not None, customer_carried=config.customer in source.attributes, unread=_unread_outcomes(source, config))
        if missing:
            raise UsageError(f"the {settings.engine} engine cannot run this: it does not rank friction with {'; '.join(missing)} yet", file=str(path), hint="or pass --engine pandas")
        computed = tables(source, config, _whole_columns(path) if not isinstance(path, str) else frozenset(), complaints=complaints, scores=scores, **computing)
    windowed = bool(merged.since or merged.until) if windowed is None else windowed
    mine, scope_notes = _in_scope(complaints, computed.named[0].index if computed.named is not None else (), windowed=windowed, say=say_scope)
    return source, computed, stage(computed, config, source.load, mine, scores), scope_notes


def _period_summary(path: Path | str, merged: "Config", settings: "EngineSettings", label: str, now: Any) -> "LogSummary":
    """inspect's summary of the cases `merged` reads, on the engine (the report's totals and quality findings)."""
    from cxmine.core.normalise import window_months  # noqa: PLC0415
    from cxmine.engines.inspect import stored_columns, summary  # noqa: PLC0415
    from cxmine.engines.source import engine_errors  # noqa: PLC0415
    from cxmine.errors import InputError  # noqa: PLC0415

    with engine_errors("the report"):
        try:
            inspected = _open_on_engine(path, merged, settings)
        except InputError as exc:
            raise InputError(f"no case starts in {label}", file=exc.file, hint=exc.hint) if exc.what.startswith("no case starts inside") else exc from None
        found = summary(inspected, top_variants=1, now=now, stored=stored_columns(path) if not isinstance(path, str) else None, months=window_months(merged))
    _close(inspected)
    return found


def _known_ids(path: Path | str, merged: "Config", settings: "EngineSettings", complaints: Any) -> list[str]:
    """Which case ids the complaints name are cases starting in the window `merged` reads."""
    from cxmine.engines.source import run  # noqa: PLC0415
    from cxmine.errors import InputError  # noqa: PLC0415

    named = sorted({str(x) for x in complaints["case_id"].dropna()})
    known: list = []
    if named:
        try:
            source = _open_on_engine(path, merged, settings)
        except InputError as exc:  # no case in the window: none is known
            if not exc.what.startswith("no case starts inside"):
                raise
        else:
            found = source.events.filter(source.events.case_id.isin(named)).select("case_id").distinct()
            known = run(found, "the complaints' cases")["case_id"].astype(str).tolist()
            _close(source)
    return known


def _read_complaints(config: "Config", path: Path | str | None = None, settings: "EngineSettings | None" = None, scope: "LoadOptions | None" = None) -> tuple[Any, tuple]:
    """The complaints file of the config, read as the pandas engine reads it (None without one), and its notes;
    with `scope` (the window a report reads), those about cases outside it are left out with a counted note,
    as inputs.load_inputs leaves them out."""
    if config.complaints is None or config.complaints.path is None:
        return None, ()
    from cxmine.io.complaints import read_complaint_file  # noqa: PLC0415

    notes: list = []
    complaints = read_complaint_file(config.complaints, notes)
    if scope is not None and (scope.since or scope.until):
        from cxmine.config import with_cli_overrides  # noqa: PLC0415

        complaints, said = _in_scope(complaints, _known_ids(path, with_cli_overrides(config, scope), settings, complaints), windowed=True)  # as inputs.load_inputs
        notes.extend(said)
    return complaints, tuple(notes)


def _in_scope(complaints: Any, known: Any, *, windowed: bool, say: bool = True) -> tuple[Any, tuple]:
    """With --since/--until, the complaints about cases the window left out (`known`: the ids of the named
    cases in it) are out of scope, not unmatched (inputs.load_inputs' rule): dropped, and counted in a note
    (`say`)."""
    if complaints is None or not windowed:
        return complaints, ()
    import pandas as pd  # noqa: PLC0415

    from cxmine.core.outcomes import complaints_about, out_of_scope  # noqa: PLC0415

    kept, left_out = complaints_about(complaints, pd.Index(known, dtype=object))
    return kept, (out_of_scope(left_out),) if say and left_out else ()


def _unread_outcomes(source: Any, config: "Config") -> tuple[str, ...]:
    """The attributes of [[outcomes]] that the engine's events do not carry (engines.friction.outcome_column)."""
    from cxmine.engines.friction import outcome_column  # noqa: PLC0415

    return tuple(o.attribute for o in config.outcomes if o.source == "attribute" and outcome_column(source, o) is None)


def _whole_columns(path: Path) -> frozenset[str]:
    from cxmine.io.tabular import stored_pandas_types  # noqa: PLC0415

    return frozenset(name for name, kind in stored_pandas_types(path).items() if kind.startswith(("Int", "UInt")))


def _describe_config(config: Any):
    from cxmine.render.sentences import describer  # noqa: PLC0415

    return describer(_phrases(config))


def build_report(
    inputs: Inputs, *, period: "Period | None" = None, top: int = 10, trend_weeks: int = 12, progress: Progress | None = None, now: Any = None,
) -> "Report":
    """The weekly CX report of the cases that start in `period` (default: the whole log).

    >>> from cxmine import load_inputs
    >>> from cxmine.report import parse_period
    >>> report = build_report(load_inputs("examples/orders.csv"), period=parse_period("2026-W10"))
    >>> report.period.label, report.headline.cases > 0
    ('2026-W10', True)
    """
    from cxmine.report import build  # noqa: PLC0415

    return build.build_report(
        inputs.log, inputs.config, inputs.complaints, period=period or build.WHOLE_LOG, top=top, trend_weeks=trend_weeks,
        complaint_notes=tuple(inputs.notes), progress=progress, describe=_describe(inputs), now=now, scores=inputs.scores,
    )


def build_report_on_engine(
    log_path: Path | str, options: "LoadOptions", config: "Config", settings: "EngineSettings", *, period: "Period | None" = None,
    top: int = 10, trend_weeks: int = 12, progress: Progress | None = None, now: Any = None, notes: tuple = (), scope: "LoadOptions | None" = None,
) -> "Report":
    """`build_report` computed by an engine other than pandas (DuckDB, out of core; or Spark) on a Parquet file
    or dataset: the period's friction (as `rank_friction_on_engine`), its cases' starts, ends and lead times
    and its data quality (as `summarise_on_engine`) come from the engine; the trend weeks, when they hold other
    cases, are a second engine run; the headline, trend and evidence are assembled as the pandas engine's
    (cxmine.report.build.assemble_report). `notes` are the config's (open_config); `scope`: the window the
    run reads (cxmine.report.window.ReportWindow.load): complaints about cases outside it are out of scope.

    >>> from cxmine.model import EngineSettings, LoadOptions
    >>> from cxmine.config import Config
    >>> build_report_on_engine("missing.parquet", LoadOptions(), Config(), EngineSettings(engine="duckdb"))
    Traceback (most recent call last):
    ...
    cxmine.errors.InputError: file not found in missing.parquet — check the path
    """
    from dataclasses import replace  # noqa: PLC0415

    import pandas as pd  # noqa: PLC0415

    from cxmine.config import with_cli_overrides  # noqa: PLC0415
    from cxmine.engines.source import engine_errors  # noqa: PLC0415
    from cxmine.errors import InputError, UsageError  # noqa: PLC0415
    from cxmine.friction.engine import rank  # noqa: PLC0415
    from cxmine.inputs import outcome_notes  # noqa: PLC0415
    from cxmine.report import build  # noqa: PLC0415

    period = period or build.WHOLE_LOG
    say = progress or (lambda _message: None)
    if trend_weeks < 1:
        raise UsageError("--trend-weeks must be at least 1")
    path, config, _merged = _engine_input(log_path, options, config)

    def window(since: Any, until: Any) -> "Config":
        return with_cli_overrides(config, _between(options, since, until))

    def cases_of(computed) -> "build.PeriodCases":
        starts = pd.Series(pd.to_datetime(computed.first_us, unit="us", utc=True))
        return build.PeriodCases(starts, computed.ended, computed.lead_seconds, [])

    merged = window(period.since, period.until)
    say(f"Summarising {period.label}…")
    found_summary = _period_summary(path, merged, settings, period.label, now)
    say(f"Ranking friction in {period.label}…")
    complaints, complaint_notes = _read_complaints(config, path, settings, scope)
    scores, score_notes = _read_scores(config)
    complaint_notes += score_notes
    # as build.complaints_for: the complaints about other periods' cases are left out, silently
    source, computed, staged, _ = _stage_on_engine(
        path, config, merged, settings, "the report", complaints=complaints, scores=scores, say_scope=False, windowed=bool(period.since or period.until), details=True, report=True,
    )
    found = outcome_notes(config, computed.activities, windowed=bool(period.since or period.until))
    friction = rank(staged, config, describe=_describe_config(config))
    friction = replace(friction, notes=tuple(notes) + tuple(source.notes) + found + complaint_notes + friction.notes)
    current = replace(cases_of(computed), candidates=staged.candidates)
    counts = computed.promises[1] if computed.promises is not None else {}
    case_rows, located = staged.case_rows, (staged.located if staged.have_complaints and not staged.located.empty else None)
    del computed, staged  # the period's occurrence tables go before the trend weeks' engine run: the peaks do not add up
    _release()

    def name_cases(index):
        with engine_errors("the example cases"):
            names = case_rows(index)["case_id"].tolist()
        _close(source)
        return names

    def history_of(since):
        say("Ranking friction over the trend weeks…")
        try:
            gone, more, earlier, _notes = _stage_on_engine(
                path, config, window(since, period.until), settings, "the trend", complaints=complaints, scores=scores, say_scope=False, windowed=True, report=True,
            )
        except InputError as exc:
            if exc.what.startswith("no case starts inside"):
                return None
            raise
        _close(gone)
        return replace(cases_of(more), candidates=earlier.candidates)  # the stage and tables go when this returns

    from cxmine.core.timings import counts_by_state  # noqa: PLC0415

    # The analysis left the lifecycle events that are not completions out (a note says so), as the pandas
    # engine's prepared log no longer holds them: its summary has no finding about them either.
    quality = tuple(q for q in found_summary.quality if q.code != "non_complete_lifecycle")
    report = build.assemble_report(
        source.load.source, period, config, friction, current, totals=(found_summary.cases, found_summary.events), quality=quality,
        promise_counts=[counts.get(i, counts_by_state({})) for i in range(len(config.promises))], name_cases=name_cases, history_of=history_of,
        located=located, top=top, trend_weeks=trend_weeks, progress=say,
    )
    _close(source)
    return report


def report_map_on_engine(log_path: Path | str, options: "LoadOptions", config: "Config", settings: "EngineSettings", period: "Period") -> Any:
    """The report's process map of the cases starting in `period` (core.maps.ProcessMap), computed by an engine
    other than pandas (cxmine.engines.maps): the same map as the pandas engine draws."""

    from cxmine.config import with_cli_overrides  # noqa: PLC0415
    from cxmine.core.maps import MAP_ACTIVITY_LIMIT, MAP_EDGE_LIMIT  # noqa: PLC0415
    from cxmine.engines.maps import directly_follows  # noqa: PLC0415
    from cxmine.engines.source import engine_errors  # noqa: PLC0415
    from cxmine.render.report_map import report_filters  # noqa: PLC0415

    path, config, _merged = _engine_input(log_path, options, config)
    with engine_errors("the process map"):
        source = _open_on_engine(path, with_cli_overrides(config, _between(options, period.since, period.until)), settings)
        found = directly_follows(source, report_filters(), activity_limit=MAP_ACTIVITY_LIMIT, edge_limit=MAP_EDGE_LIMIT)
    _close(source)
    return found


def _between(options: "LoadOptions", since: Any, until: Any) -> "LoadOptions":
    """`options` reading the whole cases that start in [since, until) (instants; None: open)."""
    from dataclasses import replace  # noqa: PLC0415

    return replace(options, since=None if since is None else since.isoformat(), until=None if until is None else until.isoformat())


def _release() -> None:
    """What Python and Arrow freed goes back to the system (before an engine run that may use it)."""
    import gc  # noqa: PLC0415

    import pyarrow as pa  # noqa: PLC0415

    gc.collect()
    pa.default_memory_pool().release_unused()


def _close(source: Any) -> None:
    """Let a DuckDB source's memory go (Spark's session is shared: it stays)."""
    if getattr(source.con, "name", "") == "duckdb":
        try:
            source.con.disconnect()
        except Exception:  # noqa: BLE001 - already closed
            pass


def discover(inputs: Inputs, *, progress: Progress | None = None, **options: Any) -> "DiscoveryResult":
    """The process map and a discovered model with its quality (options as `cxmine discover` takes them:
    algorithm, noise_threshold, dependency_threshold, filters, overlay, quality).

    >>> from cxmine import load_inputs
    >>> result = discover(load_inputs("examples/orders.csv"), algorithm="dfg", quality=False)
    >>> result.process_map.cases > 0
    True
    """
    from cxmine.mining import discover_process  # noqa: PLC0415

    return discover_process(inputs.log, inputs.config, inputs.complaints, progress=progress, **options)


def check_conformance(
    inputs: Inputs, model: Any = None, happy_path: str | None = None, *, alignments: bool = False, method: str = "auto", progress: Progress | None = None,
) -> "ConformanceResult":
    """Fitness, precision and per-activity deviations against a BPMN/PNML model or a happy path
    ("A,B,C"); without either, the config's [model].

    >>> from cxmine import load_inputs
    >>> result = check_conformance(load_inputs("examples/orders.csv"), happy_path="Order placed,Order confirmation sent,Delivered")
    >>> 0 <= result.fitness <= 1
    True
    """
    from cxmine.errors import UsageError  # noqa: PLC0415
    from cxmine.mining import check_conformance as conformance, load_model  # noqa: PLC0415

    settings = inputs.config.model
    if model is not None and not isinstance(model, (str, Path)):
        chosen = model  # already loaded (the CLI loads it first, so a bad model file fails before the log is read)
    elif model is None and happy_path is None:
        if not settings.configured:
            raise UsageError("no model to check against", hint="pass --model designed.bpmn or --happy-path 'A,B,C' (or set [model] in cxmine.toml)")
        chosen = load_model(settings.path, settings.happy_path or None)
        alignments = alignments or settings.alignments
    else:
        chosen = load_model(Path(model) if model is not None else None, happy_path)
    steps = happy_path.split(",") if isinstance(happy_path, str) else (list(settings.happy_path) if model is None else [])
    unknown = _unknown_steps(inputs, steps)
    result = conformance(inputs.log, chosen, inputs.config, inputs.complaints, alignments=alignments, method=method, progress=progress)
    if unknown:  # the same finding with "did you mean": replaces the model's own line about it
        from dataclasses import replace  # noqa: PLC0415

        result = replace(result, notes=tuple(unknown) + tuple(n for n in result.notes if n.code != "model_activity_not_in_log"))
    return result


def _unknown_steps(inputs: Inputs, steps: list[str]) -> list:
    """A happy-path step the log never does (usually a typo): one warning each, with the closest name."""
    from cxmine.matching import closest  # noqa: PLC0415
    from cxmine.model import Warning_  # noqa: PLC0415

    names = {str(c) for c in inputs.log.events["activity"].cat.categories}
    out = []
    for step in (s.strip() for s in steps):
        if step and step not in names:
            guess = closest(step, names)
            out.append(Warning_("activity_not_found", f"happy path: no activity {step!r} in the log" + (f" — did you mean {guess!r}?" if guess else "")))
    return out


def weekly_report(
    inputs: Inputs, window: Any, *, top: int = 10, trend_weeks: int = 12, rules: tuple = (), redact: Any = None,
    stamp: bool = False, progress: Progress | None = None,
) -> "Report":
    """What `cxmine report` produces: the report of `window.period` (cxmine.report.window.plan), compared
    with its baseline (a period of the same log, or a report.json), passed through `redact`
    (e.g. a partial of `cxmine.report.redact.redact_report`) when given, with the `--fail-on` rules evaluated."""

    def make(period, weeks, said):
        return build_report(inputs, period=period, top=top, trend_weeks=weeks, progress=said)

    return _weekly(make, inputs.config, window, trend_weeks=trend_weeks, rules=rules, redact=redact, stamp=stamp, progress=progress)


def weekly_report_on_engine(
    log_path: Path | str, options: "LoadOptions", config: "Config", settings: "EngineSettings", window: Any, *, top: int = 10, trend_weeks: int = 12,
    rules: tuple = (), redact: Any = None, stamp: bool = False, progress: Progress | None = None, notes: tuple = (),
) -> "Report":
    """`weekly_report` with every period computed by an engine other than pandas (`build_report_on_engine`)."""

    def make(period, weeks, said):
        return build_report_on_engine(log_path, options, config, settings, period=period, top=top, trend_weeks=weeks, progress=said, notes=notes, scope=window.load)

    return _weekly(make, config, window, trend_weeks=trend_weeks, rules=rules, redact=redact, stamp=stamp, progress=progress)


def _weekly(make: Any, config: "Config", window: Any, *, trend_weeks: int, rules: tuple, redact: Any, stamp: bool, progress: Progress | None) -> "Report":
    """The report of the window's period made by `make(period, trend_weeks, progress)`, with its baseline, redaction,
    journeys and gates."""
    from dataclasses import replace  # noqa: PLC0415
    from datetime import datetime, timezone  # noqa: PLC0415

    from cxmine.report.compare import compare, evaluate_gates  # noqa: PLC0415
    from cxmine.report.window import read_baseline  # noqa: PLC0415

    baseline_json = read_baseline(window.baseline_file) if window.baseline_file is not None else None
    if redact is not None and baseline_json is not None and not baseline_json.get("redaction"):
        from cxmine.errors import UsageError  # noqa: PLC0415

        raise UsageError(
            "--redact with a baseline report that is not redacted would show its names", file=str(window.baseline_file),
            hint="compare with a report.json written with --redact, or with --compare previous",
        )
    result = make(window.period, trend_weeks, progress)
    if redact is not None:
        result = redact(result)
    comparison = None
    if window.baseline_period is not None:
        if progress:
            progress(f"Building the baseline {window.baseline_period.label}…")
        base = make(window.baseline_period, 1, None)
        base = redact(base) if redact is not None else base
        comparison = compare(result.to_dict(), base.to_dict(), label=window.baseline_period.label)
    elif baseline_json is not None:
        comparison = compare(result.to_dict(), baseline_json, label=str(window.baseline_file), source=str(window.baseline_file))
    result = replace(result, comparison=comparison)
    if config.sources and config.path is not None:
        if progress:
            progress("Following the customers across processes…")
        result = replace(result, journeys=journeys_section(config.path))
    result = replace(result, gates=evaluate_gates(tuple(rules), result.to_dict(), comparison))
    if stamp:
        result = replace(result, generated_at=datetime.now(timezone.utc).replace(microsecond=0).isoformat())
    return result


def list_cases(
    inputs: Inputs, *, point: int | None = None, kind: str | None = None, activity: str | None = None,
    open_now: bool = False, limit: int | None = None, progress: Progress | None = None,
) -> "CaseList":
    """The cases behind friction point `point` (its rank in `rank_friction`), or behind every candidate of
    `kind` (at `activity`, or a transition "A → B"), or — `open_now` — the open cases in a friction
    condition now (a wait past its threshold, a promise overdue or due within a day).

    >>> from cxmine import load_inputs
    >>> listed = list_cases(load_inputs("examples/orders.csv"), point=1)
    >>> listed.cases_total == rank_friction(load_inputs("examples/orders.csv")).friction_points[0].cases_affected
    True
    """
    from dataclasses import replace  # noqa: PLC0415

    from cxmine.friction.engine import detect  # noqa: PLC0415

    _one_choice(point, kind, open_now)
    stage = detect(inputs.log, inputs.config, inputs.complaints, notes=[], progress=progress, deviations=_deviations(inputs, progress), scores=inputs.scores)
    listed = _cases_of(stage, inputs.config, point=point, kind=kind, activity=activity, open_now=open_now, limit=limit)
    return replace(listed, notes=tuple(inputs.notes))


def list_cases_on_engine(
    log_path: Path | str, options: "LoadOptions", config: "Config", settings: "EngineSettings", *, point: int | None = None, kind: str | None = None,
    activity: str | None = None, open_now: bool = False, limit: int | None = None, notes: tuple = (),
) -> "CaseList":
    """`list_cases` on an engine other than pandas: friction is ranked as `rank_friction_on_engine` ranks it
    (--open: the open cases' last touchpoints and owed promises are computed there too), and the listed cases
    are looked up on the engine, which keeps a table of them until they are.

    >>> from cxmine.model import EngineSettings, LoadOptions
    >>> from cxmine.config import Config
    >>> list_cases_on_engine("missing.parquet", LoadOptions(), Config(), EngineSettings(engine="duckdb"), point=1)
    Traceback (most recent call last):
    ...
    cxmine.errors.InputError: file not found in missing.parquet — check the path
    """
    from dataclasses import replace  # noqa: PLC0415

    from cxmine.engines.source import engine_errors  # noqa: PLC0415
    from cxmine.inputs import outcome_notes  # noqa: PLC0415

    _one_choice(point, kind, open_now)
    path, config, merged = _engine_input(log_path, options, config)
    complaints, complaint_notes = _read_complaints(config)
    scores, score_notes = _read_scores(config)
    source, computed, staged, scope_notes = _stage_on_engine(path, config, merged, settings, "the cases", complaints=complaints, scores=scores, details=True, open_now=open_now)
    with engine_errors("the cases"):
        listed = _cases_of(staged, config, point=point, kind=kind, activity=activity, open_now=open_now, limit=limit)
    found = outcome_notes(config, computed.activities, windowed=bool(merged.since or merged.until))
    return replace(listed, notes=tuple(notes) + tuple(source.notes) + found + complaint_notes + scope_notes + score_notes)


def _one_choice(point: int | None, kind: str | None, open_now: bool) -> None:
    from cxmine.errors import UsageError  # noqa: PLC0415

    chosen = sum(x is not None and x is not False for x in (point, kind, open_now or None))
    if chosen != 1:
        what = "choose one of --point, --kind and --open" if chosen > 1 else "say which cases: --point N, --kind KIND (with --at PLACE), or --open"
        raise UsageError(what, hint="e.g. cxmine cases log.csv --point 1")


def _cases_of(stage: Any, config: Any, *, point: int | None, kind: str | None, activity: str | None, open_now: bool, limit: int | None) -> "CaseList":
    """The cases a `cxmine cases` selection names, from a detection Stage (any engine)."""
    import math  # noqa: PLC0415

    from cxmine.friction import drill  # noqa: PLC0415
    from cxmine.model import CaseList  # noqa: PLC0415

    described = None
    if open_now:
        frame = drill.open_trouble(stage, config.friction.wait_factor, config.friction.min_wait_seconds)
        selection = "open cases in a friction condition now (a wait past its threshold, a promise overdue or due within a day)"
    elif point is not None:
        frame, selection, described = _point_cases(stage, config, point)
    else:
        frame, selection = _kind_cases(stage, kind, activity)
    total = len(frame)
    if limit is not None:
        frame = frame.head(limit)
    rows = tuple({k: (None if isinstance(v, float) and math.isnan(v) else (v.item() if hasattr(v, "item") else v)) for k, v in row.items()} for row in frame.to_dict("records"))
    return CaseList(stage.log.source, selection, tuple(map(str, frame.columns)), rows, total, described, load=stage.log)


def _point_cases(stage: Any, config: Any, point: int) -> tuple[Any, str, dict]:
    """The cases behind the point ranked `point` (its candidate and those folded into it)."""
    from cxmine.errors import UsageError  # noqa: PLC0415
    from cxmine.friction import drill  # noqa: PLC0415
    from cxmine.friction.engine import rank  # noqa: PLC0415
    from cxmine.report.keys import candidate_key, point_key  # noqa: PLC0415

    report = rank(stage, config, describe=_describe_config(config))
    if not 1 <= point <= len(report.friction_points):
        raise UsageError(f"there is no friction point {point}", hint=f"the ranking has {len(report.friction_points)} points (cxmine friction lists them)")
    target = report.friction_points[point - 1]
    found = [c for c in stage.candidates if candidate_key(c) == point_key(target)]
    described = {"rank": target.rank, "kind": target.kind, "label": target.label, "sentence": target.sentence}
    return drill.point_cases(stage, found), f"point {point}: {target.label}", described


def _kind_cases(stage: Any, kind: str | None, activity: str | None) -> tuple[Any, str]:
    """The cases behind every candidate of `kind` (at `activity`, or a transition "A → B")."""
    from cxmine.errors import UsageError  # noqa: PLC0415
    from cxmine.friction import drill, kinds  # noqa: PLC0415

    if kind not in kinds.REGISTRY:
        raise UsageError(f"unknown friction kind {kind!r}", hint=f"kinds: {', '.join(kinds.types())}")
    found = [c for c in stage.candidates if c.kind == kind and _at(c, activity)]
    if not found:
        raise UsageError(f"no {kind} friction" + (f" at {activity!r}" if activity else ""), hint="cxmine friction --format json lists every point with its place")
    return drill.point_cases(stage, found), f"{kind}" + (f" at {activity}" if activity else "") + f" ({len(found)} candidate(s))"


def _at(candidate: Any, activity: str | None) -> bool:
    """Is the candidate at this place: an activity, or a transition written "A → B" (or "A -> B")?"""
    if activity is None:
        return True
    text = activity.replace("->", "→")
    if "→" in text:
        a, b = (part.strip() for part in text.split("→", 1))
        return (candidate.from_activity, candidate.to_activity) == (a, b)
    return activity in (candidate.activity, candidate.from_activity, candidate.to_activity, candidate.details.get("x"), candidate.details.get("y"))


_ANALYSED: dict[int, tuple[Any, list]] = {}


def _analyse_processes(journey: Any, progress: Progress | None = None) -> list:
    """Each process of a journey ranked on its own, with the config as that process sees it (once per
    opened journey: the journey, the portfolio and the report's section share it)."""
    cached = _ANALYSED.get(id(journey))
    if cached is not None and cached[0] is journey:
        return cached[1]
    out = _analyse(journey, progress)
    _ANALYSED.clear()
    _ANALYSED[id(journey)] = (journey, out)
    return out


_TIMELINES: dict[int, tuple[Any, Any]] = {}


def _timeline(analyses: list) -> Any:
    """The customer timeline of these analyses (built once per analysis)."""
    from cxmine.friction.crossprocess import customer_timeline  # noqa: PLC0415

    cached = _TIMELINES.get(id(analyses))
    if cached is not None and cached[0] is analyses:
        return cached[1]
    _TIMELINES.clear()
    timeline = customer_timeline(analyses)
    _TIMELINES[id(analyses)] = (analyses, timeline)
    return timeline


def _analyse(journey: Any, progress: Progress | None = None) -> list:
    from cxmine.config.settings import for_process  # noqa: PLC0415
    from cxmine.friction.crossprocess import ProcessAnalysis  # noqa: PLC0415
    from cxmine.friction.engine import detect, rank  # noqa: PLC0415
    from cxmine.render.sentences import describer  # noqa: PLC0415

    names = tuple(p.name for p in journey.processes)
    phrases = _phrases(journey.config)
    out = []
    for process in journey.processes:
        if progress:
            progress(process.name)
        own = process.config or journey.config  # a portfolio's log keeps the config found beside it
        config = _present(for_process(own, process.name, names), process.log)
        stage = detect(process.log, config, process.complaints, notes=[], scores=journey.scores, contacts=process.contacts)
        out.append(ProcessAnalysis(process.name, process.log, stage, rank(stage, config, describe=describer(phrases)), process.contacts))
    return out


def _present(config: Any, log: Any) -> Any:
    """The config without the outcomes whose activities this process never does (they are another
    process's outcomes; the journey checks that some process has them)."""
    from dataclasses import replace  # noqa: PLC0415

    from cxmine.matching import matches  # noqa: PLC0415

    names = [str(c) for c in log.events["activity"].cat.categories]
    kept = tuple(o for o in config.outcomes if not o.activities or matches(names, list(o.activities)))
    return replace(config, outcomes=kept)


def _per_customer(events, contact_names: list[str]) -> "tuple[np.ndarray, np.ndarray | None, np.ndarray]":
    """Per customer of the timeline (its cases are customers, every one with events): journeys (distinct
    process cases), contacts (distinct cases of contact processes) and processes touched. Counted as first
    occurrences on the customer-sorted table (core.journey.seen_before), not with group-by nunique."""
    import numpy as np  # noqa: PLC0415

    from cxmine.core.journey import seen_before  # noqa: PLC0415

    customer = events["case_id"].cat.codes.to_numpy()
    n = len(events["case_id"].cat.categories)
    case = events["process_case"].cat.codes.to_numpy()
    first_case = ~seen_before(customer, case)
    cases = np.bincount(customer[first_case], minlength=n)
    processes = np.bincount(customer[~seen_before(customer, events["process"].cat.codes.to_numpy())], minlength=n)
    if not contact_names:
        return cases, None, processes
    contact = events["process"].isin(contact_names).to_numpy()
    return cases, np.bincount(customer[first_case & contact], minlength=n), processes


def customer_journey(journey: Any, *, progress: Progress | None = None, rank_by: str = "score") -> Any:
    """The customer-level view across processes and the cross-process friction: contacts during waits,
    repeat contacts across channels, friction that spills over into outcomes recorded elsewhere.

    >>> from cxmine.inputs import load_journey_inputs
    >>> report = customer_journey(load_journey_inputs("examples/journeys/cxmine.toml"))
    >>> report.friction.friction_points[0].kind in ("contact_during_wait", "spillover", "cross_channel_repeat")
    True
    """
    from dataclasses import replace  # noqa: PLC0415

    import numpy as np  # noqa: PLC0415

    from cxmine.config.settings import Touchpoints, for_process  # noqa: PLC0415
    from cxmine.friction.engine import detect, rank  # noqa: PLC0415
    from cxmine.model import JourneyReport  # noqa: PLC0415
    from cxmine.render.sentences import describer  # noqa: PLC0415

    analyses = _analyse_processes(journey, progress)
    timeline = _timeline(analyses)
    names = tuple(p.name for p in journey.processes)
    config = replace(for_process(journey.config, None, names), touchpoints=Touchpoints(), promises=(), customer=None, team=None)
    scores = {name: table.assign(case_id=table["customer"]) for name, table in journey.scores.items()}
    stage = detect(timeline, config, None, notes=[], scores=scores, processes=tuple(analyses))
    stage.notes[:] = [n for n in stage.notes if n.code != "no_touchpoints"]  # customers have no touchpoints of their own
    phrases = _phrases(journey.config)
    friction = rank(stage, config, describe=describer(phrases), rank_by=rank_by)
    cases, contacts, processes_touched = _per_customer(timeline.events, [p.name for p in analyses if p.contacts])
    hours = sum(sum(p.excess_customer_hours for p in a.report.friction_points) for a in analyses)
    summary = {
        "journeys_per_customer_mean": round(float(cases.mean()), 4), "journeys_per_customer_p50": float(np.median(cases)),
        "contacts_per_customer_mean": None if contacts is None else round(float(contacts.mean()), 4),
        "customers_with_contacts": None if contacts is None else int((contacts > 0).sum()),
        "processes_per_customer_mean": round(float(processes_touched.mean()), 4),
        "customers_in_several_processes": int((processes_touched > 1).sum()),
        "customer_hours_of_friction": round(hours, 3), "customer_hours_per_customer": round(hours / max(1, len(cases)), 4),
    }
    processes = tuple(
        {"name": a.name, "cases": a.stage.n_cases, "events": len(a.log.events), "customers": int(a.log.events["customer"].nunique()) if "customer" in a.log.events.columns else 0, "contacts": a.contacts}
        for a in analyses
    )
    return JourneyReport(str(journey.config.path or "journey"), processes, len(cases), summary, friction, tuple(journey.notes))


def journeys_section(config_path: Any, progress: Progress | None = None) -> dict[str, Any]:
    """What the weekly report adds when the config has [[sources]]: the portfolio, the top cross-process
    points and the journey map (processes as lanes, contacts drawn where they happen)."""
    from cxmine.friction.crossprocess import journey_lanes  # noqa: PLC0415
    from cxmine.inputs import load_journey_inputs  # noqa: PLC0415

    opened = load_journey_inputs(config_path, progress=progress)
    report = customer_journey(opened, progress=progress)
    ranked = portfolio(opened, progress=progress)
    analyses = _analyse_processes(opened)
    return {
        "customers": report.customers,
        "summary": report.summary,
        "portfolio": ranked.to_dict(),
        "cross_process_points": [p.to_dict() for p in report.friction.friction_points[:5]],
        "map": journey_lanes(analyses, report.friction),
    }


def portfolio(journey: Any, *, progress: Progress | None = None) -> Any:
    """The critical few processes: each ranked by the customer harm it causes (customer-hours, outcomes
    raised, contacts it generates in other processes, value), with its top friction points.

    >>> from cxmine.inputs import load_journey_inputs
    >>> ranked = portfolio(load_journey_inputs("examples/journeys/cxmine.toml"))
    >>> [p.rank for p in ranked.processes]
    [1, 2]
    """
    from cxmine.friction import crossprocess  # noqa: PLC0415
    from cxmine.model import PortfolioReport  # noqa: PLC0415

    analyses = _analyse_processes(journey, progress)
    timeline = _timeline(analyses)
    contacts = crossprocess.contact_during_wait(analyses, timeline, 60.0 * journey.config.friction.contact_minutes)
    # The prices: the journey's [value], else the first process config that has one (a portfolio of logs).
    value = journey.config.value or next((p.config.value for p in journey.processes if p.config and p.config.value), None)
    ranked = crossprocess.portfolio(analyses, contacts, journey.config.friction.critical_share, value)
    currency = value.currency if value is not None else None
    return PortfolioReport(str(journey.config.path or "journey"), tuple(ranked), currency, tuple(journey.notes))


def summarise_on_engine(log_path: Path | str, options: "LoadOptions", settings: "EngineSettings", *, top_variants: int = 10, now: Any = None) -> "LogSummary":
    """`inspect`'s summary (cxmine.core.summary.summarise) computed by an engine other than pandas (DuckDB, out of
    core; or Spark) on a Parquet file or dataset, without loading the events into memory; the same result as
    the pandas engine. Like `cxmine inspect`, it reads the log alone: no config applies.

    >>> from cxmine.model import EngineSettings, LoadOptions
    >>> summarise_on_engine("missing.parquet", LoadOptions(), EngineSettings(engine="duckdb"))
    Traceback (most recent call last):
    ...
    cxmine.errors.InputError: file not found in missing.parquet — check the path
    """
    from cxmine.config import Config  # noqa: PLC0415
    from cxmine.core.normalise import window_months  # noqa: PLC0415
    from cxmine.engines.inspect import stored_columns, summary  # noqa: PLC0415
    from cxmine.engines.source import engine_errors  # noqa: PLC0415

    path, _, merged = _engine_input(log_path, options, Config())
    stored = stored_columns(path) if not isinstance(path, str) else None  # a URL: Spark's types say
    with engine_errors("the summary"):
        source = _open_on_engine(path, merged, settings, keep_lifecycle=True)
        return summary(source, top_variants=top_variants, now=now, stored=stored, months=window_months(merged))
