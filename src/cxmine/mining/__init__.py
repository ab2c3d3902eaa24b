"""Process discovery and conformance, for the `discover` and `conformance` commands (and `friction`
when a [model] is configured).

Flow: the loaded log → the map sliders and our own directly-follows graph (core.maps) → pm4py through
`pm4py_adapter` only (discovery, model files, replay) → quality, deviations, complaint lifts → frozen
results with `to_dict()`. No other cxmine module imports this package, so pm4py stays out of every
other command; this module itself imports pm4py only through the adapter's lazy accessor.

Bounds, so that no log makes these commands run for minutes:
- discovery keeps at most MODEL_ACTIVITY_LIMIT activities (the most frequent; a warning says what was
  kept), and the map at most core.maps' MAP_ACTIVITY_LIMIT activities and MAP_EDGE_LIMIT drawn
  transitions, unless --activities / --paths say otherwise. The inductive miner's cost grows steeply
  with the number of activities and graphviz's with the number of edges; a map or model of hundreds of
  activities is unreadable anyway. Filtering (not refusing) gives a useful first answer in bounded time.
- precision (ETConformance) is opt-in for discovery: it explores the model's hidden transitions from
  every reachable marking, which is cheap on tidy models and unbounded on spaghetti ones.
- conformance aligns (exact deviations) when the alignment work fits ALIGNMENT_BUDGET and the model is a
  sound workflow net, else it uses token replay and says that its deviation counts are approximate.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from cxmine.config import Config
from cxmine.core import schema
from cxmine.core.maps import (
    MAP_ACTIVITY_LIMIT, MAP_EDGE_LIMIT, Bound, MapFilters, ProcessMap, directly_follows, frequent_activities, keep_activities,
    keep_top_variants, share_of_top,
)  # fmt: skip
from cxmine.errors import UsageError
from cxmine.mining import pm4py_adapter as adapter
from cxmine.mining.pm4py_adapter import DEVIATION_KINDS, ProcessModel
from cxmine.model import SCHEMA_VERSION, EventLog, FrictionReport, Warning_

ALGORITHMS = ("dfg",) + adapter.ALGORITHMS
OVERLAYS = ("frequency", "performance", "friction")
METHODS = ("auto", "alignments", "token_replay")
Progress = Callable[[str], None]

MODEL_ACTIVITY_LIMIT = 50
# Alignment work (adapter.alignment_work: variant events × net transitions) aligned automatically: at the
# measured 16–40 µs per unit, about 5–12 s. Helpdesk with a happy path is 7,300 units (0.2 s), with an
# inductive model 80,000 (2.4 s); BPI Challenge 2012 with a 12-step happy path is 1.6 million (25 s).
ALIGNMENT_BUDGET = 300_000
ALIGNMENT_TIME_LIMIT_SECONDS = 60.0  # automatic choice only: slower than this → token replay, said so


def _round(value: float | None, digits: int = 6) -> float | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return round(float(value), digits)


@dataclass(frozen=True)
class ModelQuality:
    """How well a model and a log agree: fitness (token replay or alignments), ETC precision, simplicity."""

    fitness: float
    precision: float | None
    simplicity: float | None
    method: str
    average_case_fitness: float
    fitting_cases_share: float
    cases: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "fitness": _round(self.fitness, 9),
            "precision": _round(self.precision, 9),
            "simplicity": _round(self.simplicity, 9),
            "fitness_method": self.method,
            "average_case_fitness": _round(self.average_case_fitness, 9),
            "fitting_cases_share": _round(self.fitting_cases_share),
            "measured_on_cases": int(self.cases),
        }


@dataclass(frozen=True)
class DiscoveryResult:
    """What `cxmine discover` returns: the map, the discovered model and its quality, the overlays."""

    source: str
    algorithm: str
    noise_threshold: float
    dependency_threshold: float
    overlay: str
    process_map: ProcessMap
    model: ProcessModel | None = field(default=None, compare=False, repr=False)
    quality: ModelQuality | None = None
    friction: FrictionReport | None = field(default=None, compare=False, repr=False)
    touchpoints: tuple[str, ...] = ()
    complaints_per_activity: dict[str, int] = field(default_factory=dict)
    variants: int = 0
    outputs: tuple[str, ...] = ()
    notes: tuple[Warning_, ...] = ()
    load: EventLog | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        load = self.load.to_dict() if self.load is not None else {}
        warnings = load.get("warnings", []) + [n.to_dict() for n in self.notes]
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "discover",
            "source": self.source,
            "algorithm": self.algorithm,
            "parameters": {"noise_threshold": self.noise_threshold, "dependency_threshold": self.dependency_threshold},
            "model": self.model.description if self.model is not None else None,
            "events": int(self.process_map.events_total),
            "cases": int(self.process_map.cases_total),
            "variants": int(self.variants),
            "quality": self.quality.to_dict() if self.quality is not None else None,
            "overlay": self.overlay,
            "touchpoints": list(self.touchpoints),
            "complaints_per_activity": {k: int(v) for k, v in self.complaints_per_activity.items()},
            "outputs": list(self.outputs),
            "warnings": warnings,
            "warning_count": len(warnings),
            "map": self.process_map.to_dict(),
        }


@dataclass(frozen=True)
class ActivityDeviation:
    """How the cases deviate from the model at one activity, and whether those cases complain more."""

    activity: str
    skipped_events: int
    skipped_cases: int
    inserted_events: int
    inserted_cases: int
    out_of_order_events: int
    out_of_order_cases: int
    cases_deviating: int
    cases_deviating_share: float
    complaint_rate_deviating: float | None = None
    complaint_rate_conforming: float | None = None
    complaint_lift: float | None = None
    complaint_lift_ci_low: float | None = None
    complaint_lift_ci_high: float | None = None
    p_value: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "activity": self.activity,
            "skipped": {"events": int(self.skipped_events), "cases": int(self.skipped_cases)},
            "inserted": {"events": int(self.inserted_events), "cases": int(self.inserted_cases)},
            "out_of_order": {"events": int(self.out_of_order_events), "cases": int(self.out_of_order_cases)},
            "cases_deviating": int(self.cases_deviating),
            "cases_deviating_share": _round(self.cases_deviating_share),
            "complaint_rate_deviating": _round(self.complaint_rate_deviating),
            "complaint_rate_conforming": _round(self.complaint_rate_conforming),
            "complaint_lift": _round(self.complaint_lift, 4),
            "complaint_lift_ci95": [_round(self.complaint_lift_ci_low, 4), _round(self.complaint_lift_ci_high, 4)],
            "p_value": None if self.p_value is None else float(f"{self.p_value:.6g}"),
        }


@dataclass(frozen=True)
class ConformanceResult:
    """What `cxmine conformance` returns: fitness, precision, deviations per activity, complaint lifts."""

    source: str
    model: str
    method: str
    events: int
    cases: int
    variants: int
    fitness: float
    average_case_fitness: float
    fitting_cases_share: float
    precision: float | None
    activities_not_in_model: tuple[str, ...]
    model_activities_not_in_log: tuple[str, ...]
    deviations: tuple[ActivityDeviation, ...]
    complaints_matched: int | None = None
    complaint_rate: float | None = None
    nonconforming_lift: dict[str, Any] | None = None
    notes: tuple[Warning_, ...] = ()
    load: EventLog | None = field(default=None, compare=False, repr=False)
    method_reason: str = ""

    @property
    def deviations_approximate(self) -> bool:
        """Token replay knows that a case deviates, not exactly where: its skipped/inserted counts per
        activity are approximate (alignments are exact)."""
        return self.method != "alignments"

    def to_dict(self) -> dict[str, Any]:
        load = self.load.to_dict() if self.load is not None else {}
        warnings = load.get("warnings", []) + [n.to_dict() for n in self.notes]
        lift = self.nonconforming_lift
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "conformance",
            "source": self.source,
            "model": self.model,
            "method": self.method,
            "method_reason": self.method_reason,
            "deviations_approximate": self.deviations_approximate,
            "events": int(self.events),
            "cases": int(self.cases),
            "variants": int(self.variants),
            "fitness": _round(self.fitness, 9),
            "average_case_fitness": _round(self.average_case_fitness, 9),
            "fitting_cases_share": _round(self.fitting_cases_share),
            "precision": _round(self.precision, 9),
            "precision_method": "token_replay",
            "activities_not_in_model": list(self.activities_not_in_model),
            "model_activities_not_in_log": list(self.model_activities_not_in_log),
            "complaints": None
            if self.complaints_matched is None
            else {
                "cases_complaining": int(self.complaints_matched),
                "case_complaint_rate": _round(self.complaint_rate),
                "complaint_rate_nonconforming": _round(lift["complaint_rate_affected"]) if lift else None,
                "complaint_rate_conforming": _round(lift["complaint_rate_unaffected"]) if lift else None,
                "complaint_lift_nonconforming": _round(lift["complaint_lift"], 4) if lift else None,
                "complaint_lift_ci95": [_round(lift["complaint_lift_ci_low"], 4), _round(lift["complaint_lift_ci_high"], 4)] if lift else [None, None],
            },
            "warnings": warnings,
            "warning_count": len(warnings),
            "deviations": [d.to_dict() for d in self.deviations],
        }


# ---------------------------------------------------------------------------------------------------------------


def _touchpoints(events: pd.DataFrame, config: Config, notes: list[Warning_]):
    """(touchpoint mask, chasing mask, touchpoint names, configured?) as the friction engine sees them."""
    from cxmine.core.touchpoints import touchpoint_masks  # noqa: PLC0415

    masks = touchpoint_masks(events, config.touchpoints, notes)
    return masks.touchpoint, masks.chasing, masks.names, masks.configured


def complained_cases(log: EventLog, config: Config, complaints: pd.DataFrame | None, notes: list[Warning_]) -> tuple[np.ndarray | None, pd.DataFrame | None]:
    """Per case code: did the case complain (matched as `friction` does)? And the located complaints."""
    if complaints is None:
        return None, None
    from cxmine.friction.engine import locate_complaints  # noqa: PLC0415

    events = log.events
    touchpoint, chasing, _, _ = _touchpoints(events, config, [])
    located, _unmatched = locate_complaints(complaints, events, touchpoint, chasing, config.customer, notes)
    complained = np.zeros(len(events[schema.CASE].cat.categories), dtype=bool)
    complained[located["case"].to_numpy(dtype=int)] = True
    return complained, located


def discover_process(
    log: EventLog,
    config: Config,
    complaints: pd.DataFrame | None = None,
    *,
    algorithm: str = "inductive",
    noise_threshold: float = 0.0,
    dependency_threshold: float = 0.5,
    filters: MapFilters | None = None,
    overlay: str = "frequency",
    quality: bool = True,
    precision: bool = False,
    progress: Progress | None = None,
) -> DiscoveryResult:
    """The process map of `log` after the sliders, plus (unless algorithm is 'dfg') a model discovered
    from the same filtered cases and its quality measured on all cases of the log (fitness and
    simplicity; precision too when `precision` is set). Beyond the activity and edge limits (module
    docstring) the map and the model keep the most frequent part, with a warning saying what."""
    say = progress or (lambda _message: None)
    if algorithm not in ALGORITHMS:
        raise UsageError(f"unknown algorithm {algorithm!r}", hint=f"use one of: {', '.join(ALGORITHMS)}")
    if overlay not in OVERLAYS:
        raise UsageError(f"unknown overlay {overlay!r}", hint=f"use one of: {', '.join(OVERLAYS)}")
    filters = filters or MapFilters()
    events = log.events
    if events.empty:
        raise UsageError("the log has no events left", file=log.source, hint="loosen --since/--until")
    notes: list[Warning_] = []
    say("process map")
    process_map = directly_follows(events, filters, activity_limit=MAP_ACTIVITY_LIMIT, edge_limit=MAP_EDGE_LIMIT)
    if process_map.events == 0:
        raise UsageError("the filters leave no events", hint="raise --activities or --top-variants")
    notes += [_bound_note(bound) for bound in process_map.bounds]

    touchpoint_names: tuple[str, ...] = ()
    if config.touchpoints.configured:
        _, _, names, configured = _touchpoints(events, config, notes)
        touchpoint_names = names if configured else ()
    counts: dict[str, int] = {}
    # The friction overlay's own analysis reports unmatched complaints; say it once.
    complained, located = complained_cases(log, config, complaints, [] if overlay == "friction" else notes)
    if located is not None and not located.empty:
        where = located["from_activity"].astype(str)
        where = where[~where.str.startswith("(")]
        counts = {str(k): int(v) for k, v in where.value_counts().items()}

    report = None
    if overlay == "friction":
        from cxmine.friction.engine import analyse  # noqa: PLC0415

        say("friction")
        report = analyse(log, config, complaints)

    full_variants = adapter.variants_of(events)
    model = None
    model_quality = None
    if algorithm != "dfg":
        say(f"discovering ({algorithm})")
        discovery_events = events
        used = process_map.filters  # the user's sliders, and the automatic activity bound
        if used.top_variants is not None:
            discovery_events = keep_top_variants(discovery_events, used.top_variants)
        if used.activities is not None:
            discovery_events = keep_activities(discovery_events, frequent_activities(discovery_events, used.activities))
        discovery_events, bound = _bounded_for_model(discovery_events)
        if bound is not None:
            notes.append(bound)
        same = len(discovery_events) == len(events)
        model = adapter.discover(
            discovery_events, algorithm, noise_threshold, dependency_threshold,
            variants=full_variants if same else None,
        )  # fmt: skip
        if quality:
            say("model quality")
            model_quality = measure_quality(model, full_variants, precision=precision)
    return DiscoveryResult(
        source=log.source,
        algorithm=algorithm,
        noise_threshold=float(noise_threshold),
        dependency_threshold=float(dependency_threshold),
        overlay=overlay,
        process_map=process_map,
        model=model,
        quality=model_quality,
        friction=report,
        touchpoints=touchpoint_names,
        complaints_per_activity=counts,
        variants=len(full_variants.sequences),
        notes=tuple(notes) + (report.notes if report is not None else ()),
        load=log,
    )


def _bound_note(bound: Bound) -> Warning_:
    if bound.what == "activities":
        return Warning_(
            "map_activities_limited",
            f"the log has {bound.total:,} activities; the map keeps the {bound.kept:,} most frequent ({bound.share:.1%} of the events) "
            "— choose with --activities, e.g. --activities 80%",
        )
    return Warning_(
        "map_paths_limited",
        f"the map has {bound.total:,} transitions; {bound.kept:,} are drawn (the most frequent, {bound.share:.1%} of all, and what keeps "
        "every activity connected) — choose with --paths, e.g. --paths 50%",
    )


def _bounded_for_model(events: pd.DataFrame) -> tuple[pd.DataFrame, Warning_ | None]:
    """At most MODEL_ACTIVITY_LIMIT activities for discovery: the most frequent, with a note."""
    counts = events[schema.ACTIVITY].value_counts()
    counts = counts[counts > 0]
    if len(counts) <= MODEL_ACTIVITY_LIMIT:
        return events, None
    ordered = np.array(sorted(counts.tolist(), reverse=True), dtype=np.int64)
    share = share_of_top(ordered, MODEL_ACTIVITY_LIMIT)
    kept = keep_activities(events, frequent_activities(events, share))
    note = Warning_(
        "model_activities_limited",
        f"the model is discovered from the {MODEL_ACTIVITY_LIMIT} most frequent of {len(counts):,} activities ({share:.1%} of their events); "
        "its quality is measured on all cases, where token replay passes over the activities the model leaves out "
        "— choose with --activities, e.g. --activities 80%",
    )
    return kept, note


def measure_quality(model: ProcessModel, variants: adapter.Variants, *, alignments: bool = False, precision: bool = True) -> ModelQuality:
    """Fitness (token replay, or alignments), simplicity, and precision when asked (it can be slow)."""
    replay = adapter.alignment_fitness(None, model, variants=variants) if alignments else adapter.token_replay_fitness(None, model, variants=variants)
    return ModelQuality(
        fitness=replay.fitness,
        precision=adapter.precision(None, model, variants=variants) if precision else None,
        simplicity=adapter.simplicity(model),
        method=replay.method,
        average_case_fitness=replay.average_trace_fitness,
        fitting_cases_share=replay.fitting_cases_share,
        cases=variants.cases,
    )


def load_model(model_path: Path | None = None, happy_path: str | list[str] | tuple[str, ...] | None = None) -> ProcessModel:
    """The model to check against: a .pnml/.bpmn file, or a happy path ("A,B,C" or a list of names)."""
    if (model_path is None) == (not happy_path):
        raise UsageError("give exactly one of --model FILE or --happy-path \"A,B,C\"", hint="or set [model] path or happy_path in cxmine.toml")
    if model_path is not None:
        return adapter.read_model(model_path)
    steps = adapter.parse_happy_path(happy_path) if isinstance(happy_path, str) else [s.strip() for s in happy_path if s.strip()]
    if not steps:
        raise UsageError("the happy path names no activity", hint='write the steps in order, e.g. --happy-path "Order placed,Paid,Shipped"')
    return adapter.happy_path(steps)


def choose_method(variants: adapter.Variants, model: ProcessModel, method: str = "auto") -> tuple[str, str]:
    """(method, why) for replaying `variants` on `model`. 'auto' aligns when the alignment work fits
    ALIGNMENT_BUDGET and pm4py can align against the net; otherwise token replay."""
    if method not in METHODS:
        raise UsageError(f"unknown conformance method {method!r}", hint=f"use one of: {', '.join(METHODS)}")
    if method == "alignments":
        return "alignments", "alignments: exact deviations (as asked)"
    if method == "token_replay":
        return "token_replay", "token replay: approximate deviation counts (as asked)"
    work = adapter.alignment_work(variants, model)
    if work > ALIGNMENT_BUDGET:
        return "token_replay", (
            f"token replay: approximate deviation counts (aligning {len(variants.sequences):,} variants with a model of "
            f"{len(model.net.transitions):,} transitions is beyond the automatic budget) — --alignments gives exact counts, slower"
        )
    if not adapter.alignable(model):
        return "token_replay", "token replay: approximate deviation counts (the model is not a sound workflow net, which alignments need)"
    return "alignments", f"alignments: exact deviations ({len(variants.sequences):,} variants, within the automatic budget)"


def replay_with_method(variants: adapter.Variants, model: ProcessModel, method: str = "auto") -> tuple[adapter.Replay, str]:
    """The replay by the chosen method, and why that method. An automatic alignment that runs over
    ALIGNMENT_TIME_LIMIT_SECONDS falls back to token replay (and says so)."""
    chosen, why = choose_method(variants, model, method)
    if chosen == "token_replay":
        return adapter.token_replay_fitness(None, model, variants=variants), why
    if method == "alignments":
        return adapter.alignment_fitness(None, model, variants=variants), why
    try:
        return adapter.alignment_fitness(None, model, variants=variants, time_limit=ALIGNMENT_TIME_LIMIT_SECONDS), why
    except adapter.AlignmentsOverTime:
        why = f"token replay: approximate deviation counts (alignments took longer than {ALIGNMENT_TIME_LIMIT_SECONDS:g} s) — --alignments waits for exact counts"
        return adapter.token_replay_fitness(None, model, variants=variants), why


def replay(
    events: pd.DataFrame, model: ProcessModel, *, alignments: bool = False, variants: adapter.Variants | None = None, method: str | None = None,
) -> adapter.Replay:
    """Replay by `method` ('auto', 'alignments', 'token_replay'); without it, `alignments` chooses
    between the two as before."""
    variants = variants or adapter.variants_of(events)
    if method is None:
        method = "alignments" if alignments else "token_replay"
    return replay_with_method(variants, model, method)[0]


def check_conformance(
    log: EventLog,
    model: ProcessModel,
    config: Config | None = None,
    complaints: pd.DataFrame | None = None,
    *,
    alignments: bool = False,
    method: str = "auto",
    progress: Progress | None = None,
) -> ConformanceResult:
    """Fitness and precision of `model` on `log`, deviations per activity, and — with complaints —
    whether deviating cases complain more (lift with 95% CI, as for friction points).

    `alignments=True` (as --alignments) forces alignments; otherwise `method` decides: 'auto' aligns
    when affordable (see choose_method), 'token_replay' forces token replay. The result says which
    method ran and why, and whether its deviation counts are approximate."""
    from cxmine.friction.deviation import complaint_lift  # noqa: PLC0415

    say = progress or (lambda _message: None)
    events = log.events
    if events.empty:
        raise UsageError("the log has no events left", file=log.source, hint="loosen --since/--until")
    notes: list[Warning_] = []
    variants = adapter.variants_of(events)
    say("replaying")
    result, method_reason = replay_with_method(variants, model, "alignments" if alignments else method)
    say("precision")
    model_precision = adapter.precision(None, model, variants=variants)

    log_activities = {str(a) for a in events[schema.ACTIVITY].astype(str).unique()}
    model_activities = set(model.activities)
    not_in_model = tuple(sorted(log_activities - model_activities))
    not_in_log = tuple(sorted(model_activities - log_activities))
    if not_in_log:
        notes.append(Warning_("model_activity_not_in_log", "model activities that never occur in the log (check the spelling)", len(not_in_log), not_in_log[:3]))

    complained, _located = complained_cases(log, config, complaints, notes) if complaints is not None else (None, None)
    n_codes = len(events[schema.CASE].cat.categories)
    has_case = result.variants.case_variant >= 0
    per_case = adapter.deviations_per_case(result)
    deviations = []
    if not per_case.empty:
        n_cases = int(has_case.sum())
        for activity, rows in per_case.groupby("activity", sort=True):
            numbers: dict[str, tuple[int, int]] = {}
            for kind in DEVIATION_KINDS:
                part = rows.loc[rows["kind"] == kind]
                numbers[kind] = (int(part["count"].sum()), int(part["case"].nunique()))
            affected = np.zeros(n_codes, dtype=bool)
            affected[rows["case"].to_numpy(dtype=np.int64)] = True
            lift: dict[str, Any] = {}
            if complained is not None:
                lift = complaint_lift(affected[has_case], complained[has_case])
            deviations.append(
                ActivityDeviation(
                    activity=str(activity),
                    skipped_events=numbers["skipped"][0], skipped_cases=numbers["skipped"][1],
                    inserted_events=numbers["inserted"][0], inserted_cases=numbers["inserted"][1],
                    out_of_order_events=numbers["out_of_order"][0], out_of_order_cases=numbers["out_of_order"][1],
                    cases_deviating=int(affected.sum()), cases_deviating_share=float(affected.sum()) / max(n_cases, 1),
                    complaint_rate_deviating=lift.get("complaint_rate_affected"),
                    complaint_rate_conforming=lift.get("complaint_rate_unaffected"),
                    complaint_lift=lift.get("complaint_lift"),
                    complaint_lift_ci_low=lift.get("complaint_lift_ci_low"),
                    complaint_lift_ci_high=lift.get("complaint_lift_ci_high"),
                    p_value=lift.get("p_value"),
                )  # fmt: skip
            )
    deviations.sort(key=lambda d: (-d.cases_deviating, d.activity))
    nonconforming = None
    complaint_rate = None
    matched = None
    if complained is not None:
        # Non-conforming = any deviation in the table (an activity the model lacks counts), so the
        # lift reads the same for token replay and alignments.
        deviating = np.zeros(n_codes, dtype=bool)
        if not per_case.empty:
            deviating[per_case["case"].to_numpy(dtype=np.int64)] = True
        nonconforming = complaint_lift(deviating[has_case], complained[has_case])
        complaint_rate = float(complained[has_case].mean()) if has_case.any() else None
        matched = int(complained.sum())
    return ConformanceResult(
        source=log.source,
        model=model.description,
        method=result.method,
        events=len(events),
        cases=variants.cases,
        variants=len(variants.sequences),
        fitness=result.fitness,
        average_case_fitness=result.average_trace_fitness,
        fitting_cases_share=result.fitting_cases_share,
        precision=model_precision,
        activities_not_in_model=not_in_model,
        model_activities_not_in_log=not_in_log,
        deviations=tuple(deviations),
        complaints_matched=matched,
        complaint_rate=complaint_rate,
        nonconforming_lift=nonconforming,
        notes=tuple(notes),
        load=log,
        method_reason=method_reason,
    )


def deviations_for_friction(events: pd.DataFrame, model_settings) -> tuple[pd.DataFrame, str]:
    """Per-case deviations from the configured [model] (path or happy_path), for the `deviation`
    friction kind: (rows case/activity/kind/count, what to call the model in a label). Aligned when
    affordable, as `conformance` does (choose_method); `alignments = true` always aligns."""
    path = getattr(model_settings, "path", None)
    model = load_model(path, getattr(model_settings, "happy_path", None) or None)
    result = replay(events, model, method="alignments" if getattr(model_settings, "alignments", False) else "auto")
    name = f"the model {Path(path).name}" if path is not None else "the happy path"
    return adapter.deviations_per_case(result), name
