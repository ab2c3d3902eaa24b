"""The one door to pm4py: discovery (inductive, heuristics, alpha), model files (PNML, BPMN, PTML),
token-based replay, alignments, precision and simplicity.

pm4py is imported here only, lazily, inside functions, with its progress bars and start-up banner off
and its own printing swallowed; its exceptions become MiningError with a sentence a user understands.
pm4py gets a copy of only the columns it needs, renamed to `case:concept:name`, `concept:name`,
`time:timestamp`, or better, our own variants.

Why replay here is fast yet gives pm4py's own figures: each distinct variant is replayed once and
weighted by its number of cases, and pm4py's per-trace token replay (`apply_trace`) is driven one
event at a time, memoised on the marking. In pm4py's token replay the outcome of an event (the next
marking, the missing, consumed and produced tokens) depends only on the marking before it and the
activity, so variants that pass through the same marking with the same next activity share the work.
Fitness is the same sums of the same integer token counts pm4py computes (`tests/test_mining.py`
checks equality with `pm4py.fitness_token_based_replay` and `pm4py.precision_token_based_replay`).
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import warnings
import weakref
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxmine.core import schema
from cxmine.core.journey import case_starts, variant_ids
from cxmine.errors import CxmineError, InputError, MiningError, UsageError

ALGORITHMS = ("inductive", "heuristics", "alpha")
CASE_KEY, ACTIVITY_KEY, TIME_KEY = "case:concept:name", "concept:name", "time:timestamp"
SKIPPED, INSERTED, OUT_OF_ORDER = "skipped", "inserted", "out_of_order"
DEVIATION_KINDS = (SKIPPED, INSERTED, OUT_OF_ORDER)

_PM4PY: Any = None


def _pm4py():
    """pm4py, imported once with its progress bars, banner and internal warnings off."""
    global _PM4PY
    if _PM4PY is None:
        os.environ["TQDM_DISABLE"] = "1"
        os.environ["PM4PY_SHOW_PROGRESS_BAR"] = "False"
        os.environ["PM4PY_SHOW_INTERNAL_WARNINGS"] = "False"
        sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]  # no banner on import
        with quiet():
            try:
                import pm4py  # noqa: PLC0415
                from pm4py.util import constants  # noqa: PLC0415
            except ImportError as exc:
                raise MiningError(f"pm4py cannot be imported ({exc})", hint="reinstall cxmine: pip install -e .") from None
        constants.SHOW_PROGRESS_BAR = False
        constants.SHOW_INTERNAL_WARNINGS = False
        _PM4PY = pm4py
    return _PM4PY


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Swallow what pm4py prints and warns: our stdout carries only the product."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@contextlib.contextmanager
def guarded(what: str) -> Iterator[None]:
    """pm4py failures → MiningError that says what we were doing; our own errors pass through."""
    try:
        with quiet():
            yield
    except (CxmineError, KeyboardInterrupt):
        raise
    except RecursionError:
        raise MiningError(f"pm4py ran out of recursion depth while {what}", hint="simplify the log first, e.g. --top-variants 50 or --activities 80%") from None
    except MemoryError:
        raise MiningError(f"pm4py ran out of memory while {what}", hint="filter the log first, e.g. --top-variants 50") from None
    except Exception as exc:  # noqa: BLE001 - any pm4py failure becomes one sentence
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else exc.__class__.__name__
        raise MiningError(f"pm4py failed while {what} ({exc.__class__.__name__}: {detail})", hint="rerun with --debug and report it if the log looks fine") from None


# ---------------------------------------------------------------------------------------------------------------
# What pm4py is handed


def pm4py_frame(events: pd.DataFrame) -> pd.DataFrame:
    """A copy of only case, activity and timestamp, under pm4py's names, as strings, in our sort order."""
    frame = pd.DataFrame(
        {
            CASE_KEY: events[schema.CASE].astype(str).to_numpy(dtype=object),
            ACTIVITY_KEY: events[schema.ACTIVITY].astype(str).to_numpy(dtype=object),
            TIME_KEY: events[schema.TIMESTAMP].to_numpy(),
        }
    )
    frame[TIME_KEY] = pd.to_datetime(frame[TIME_KEY], utc=True)
    return frame


@dataclass(frozen=True)
class Variants:
    """Each distinct activity sequence once (index = variant id, 0 = most frequent) with its case count.

    `case_variant[code]` is the variant of case code `code` (-1 for codes without events);
    `pm4py_order` lists the variant ids in the order pm4py meets them (cases sorted by id as text), so
    the discovery input is the same object pm4py would build from the full log."""

    sequences: tuple[tuple[str, ...], ...]
    counts: np.ndarray
    case_variant: np.ndarray
    pm4py_order: tuple[int, ...]

    @property
    def cases(self) -> int:
        return int(self.counts.sum())


def variants_of(events: pd.DataFrame) -> Variants:
    """The one-trace-per-variant log of the sorted canonical table (via core.journey.variant_ids)."""
    if events.empty:
        return Variants((), np.zeros(0, dtype=np.int64), np.full(len(events[schema.CASE].cat.categories), -1), ())
    per_case = variant_ids(events)
    codes = events[schema.CASE].cat.codes.to_numpy()
    starts = np.flatnonzero(case_starts(events))
    start_of = np.full(len(events[schema.CASE].cat.categories), -1, dtype=np.int64)
    start_of[codes[starts]] = starts
    first = per_case.drop_duplicates("variant").sort_values("variant", kind="stable")
    activity_codes = events[schema.ACTIVITY].cat.codes.to_numpy()
    names = np.asarray(events[schema.ACTIVITY].cat.categories.astype(str), dtype=object)
    sequences = tuple(
        tuple(names[activity_codes[s : s + n]].tolist()) for s, n in zip(start_of[first["case"].to_numpy()], first["length"].to_numpy())
    )
    case_variant = np.full(len(start_of), -1, dtype=np.int64)
    case_variant[per_case["case"].to_numpy()] = per_case["variant"].to_numpy()
    case_names = np.asarray(events[schema.CASE].cat.categories.astype(str), dtype=object)[per_case["case"].to_numpy()]
    text_rank = np.empty(len(case_names), dtype=np.int64)
    text_rank[np.argsort(case_names, kind="stable")] = np.arange(len(case_names))
    first_met = pd.Series(text_rank).groupby(per_case["variant"].to_numpy()).min().sort_values(kind="stable")
    return Variants(sequences, first["cases"].to_numpy(dtype=np.int64), case_variant, tuple(int(v) for v in first_met.index))


# ---------------------------------------------------------------------------------------------------------------
# Models


@dataclass(frozen=True)
class ProcessModel:
    """A Petri net with its initial and final marking; unpacks as `net, im, fm`. `tree` is the process
    tree when the inductive miner made it (needed for .ptml and a tidier BPMN)."""

    net: Any
    initial_marking: Any
    final_marking: Any
    tree: Any = None
    description: str = ""

    def __iter__(self):
        return iter((self.net, self.initial_marking, self.final_marking))

    @property
    def activities(self) -> tuple[str, ...]:
        return tuple(sorted({t.label for t in self.net.transitions if t.label is not None}))


def discover(
    events: pd.DataFrame,
    algorithm: str = "inductive",
    noise_threshold: float = 0.0,
    dependency_threshold: float = 0.5,
    *,
    variants: Variants | None = None,
) -> ProcessModel:
    """Discover a Petri net. inductive: pm4py's IM (IMf when noise_threshold > 0) on our variants;
    heuristics and alpha: pm4py on the three-column copy."""
    if algorithm not in ALGORITHMS:
        raise UsageError(f"unknown algorithm {algorithm!r}", hint=f"use one of: {', '.join(ALGORITHMS)}")
    if events.empty:
        raise UsageError("no events left to discover a model from", hint="loosen --since/--until or the filters")
    if not 0 <= noise_threshold <= 1:
        raise UsageError(f"--noise {noise_threshold} must be between 0 and 1", hint="0 keeps all behaviour; 0.2 is a common choice")
    if not 0 <= dependency_threshold <= 1:
        raise UsageError(f"--dependency {dependency_threshold} must be between 0 and 1", hint="the default is 0.5")
    pm4py = _pm4py()
    if algorithm == "inductive":
        variants = variants or variants_of(events)
        with guarded("discovering the model with the inductive miner"):
            # What pm4py.discover_process_tree_inductive does after projecting the log to its variants.
            from pm4py.algo.discovery.inductive.dtypes.im_ds import IMDataStructureUVCL  # noqa: PLC0415
            from pm4py.algo.discovery.inductive.variants.im import IMUVCL  # noqa: PLC0415
            from pm4py.algo.discovery.inductive.variants.imf import IMFUVCL  # noqa: PLC0415
            from pm4py.objects.process_tree.utils import generic as tree_utils  # noqa: PLC0415

            log: Counter = Counter()
            for index in variants.pm4py_order:
                log[variants.sequences[index]] = int(variants.counts[index])
            parameters = {"noise_threshold": noise_threshold, "multiprocessing": False, "disable_fallthroughs": False}
            miner = IMFUVCL(parameters) if noise_threshold > 0 else IMUVCL(parameters)
            tree = tree_utils.fold(miner.apply(IMDataStructureUVCL(log), parameters))
            tree_utils.tree_sort(tree)
            net, im, fm = pm4py.convert_to_petri_net(tree)
        label = f"inductive miner (noise {noise_threshold:g})" if noise_threshold > 0 else "inductive miner"
        return ProcessModel(net, im, fm, tree, label)
    frame = pm4py_frame(events)
    if algorithm == "heuristics":
        with guarded("discovering the model with the heuristics miner"):
            net, im, fm = pm4py.discover_petri_net_heuristics(frame, dependency_threshold=dependency_threshold)
        return ProcessModel(net, im, fm, None, f"heuristics miner (dependency {dependency_threshold:g})")
    with guarded("discovering the model with the alpha miner"):
        net, im, fm = pm4py.discover_petri_net_alpha(frame)
    return ProcessModel(net, im, fm, None, "alpha miner")


def parse_happy_path(text: str) -> list[str]:
    """'Order placed, Paid, Shipped' → the activity names (comma-separated, spaces around names ignored)."""
    steps = [part.strip() for part in text.split(",")]
    steps = [step for step in steps if step]
    if not steps:
        raise UsageError("--happy-path names no activity", hint='write the steps in order, e.g. --happy-path "Order placed,Paid,Shipped"')
    return steps


def happy_path(activities: Sequence[str]) -> ProcessModel:
    """The sequence model A → B → C as a Petri net (one place between consecutive steps)."""
    _pm4py()
    from pm4py.objects.petri_net.obj import Marking, PetriNet  # noqa: PLC0415
    from pm4py.objects.petri_net.utils import petri_utils  # noqa: PLC0415

    net = PetriNet("happy path")
    places = [PetriNet.Place(f"p{i}") for i in range(len(activities) + 1)]
    for place in places:
        net.places.add(place)
    for index, name in enumerate(activities):
        transition = PetriNet.Transition(f"t{index}", name)
        net.transitions.add(transition)
        petri_utils.add_arc_from_to(places[index], transition, net)
        petri_utils.add_arc_from_to(transition, places[index + 1], net)
    return ProcessModel(net, Marking({places[0]: 1}), Marking({places[-1]: 1}), None, "happy path " + " → ".join(activities))


def read_model(path: str | Path) -> ProcessModel:
    """A .pnml or .bpmn file as a Petri net. A missing, empty or broken file is an InputError (exit 2)."""
    path = Path(path)
    kind = path.suffix.lower()
    if kind not in (".pnml", ".bpmn"):
        raise UsageError("unknown model format", file=str(path), hint="use a .pnml (Petri net) or .bpmn (BPMN 2.0) file")
    if not path.exists():
        raise InputError("model file not found", file=str(path), hint="check the --model path")
    if path.is_dir() or path.stat().st_size == 0:
        raise InputError("the model file is empty" if not path.is_dir() else "the model path is a folder", file=str(path), hint="export the model again")
    pm4py = _pm4py()
    name = "PNML" if kind == ".pnml" else "BPMN"
    try:
        with quiet():
            if kind == ".pnml":
                from pm4py.objects.petri_net.importer.variants import pnml as pnml_importer  # noqa: PLC0415

                net, im, fm = pnml_importer.import_net(str(path))
            else:
                from pm4py.objects.bpmn.importer.variants import lxml as bpmn_importer  # noqa: PLC0415

                bpmn = bpmn_importer.apply(str(path))
                net, im, fm = pm4py.convert_to_petri_net(bpmn)
    except Exception as exc:  # noqa: BLE001 - any parse failure is a bad input file
        line = getattr(exc, "lineno", None)
        text = str(getattr(exc, "msg", None) or exc).strip()
        reason = text.splitlines()[0][:160] if text else exc.__class__.__name__
        raise InputError(f"not a valid {name} model ({reason})", file=str(path), line=line, hint=f"export the model again as {name} from your modelling tool") from None
    visible = [t for t in net.transitions if t.label is not None]
    if not visible:
        raise InputError(f"the {name} model has no named activities", file=str(path), hint=f"export the model again as {name}; its tasks need names that match the log's activities")
    with guarded(f"completing the markings of {path.name}"):
        if not im:
            from pm4py.objects.petri_net.utils.initial_marking import discover_initial_marking  # noqa: PLC0415

            im = discover_initial_marking(net)
        if not fm:
            from pm4py.objects.petri_net.utils.final_marking import discover_final_marking  # noqa: PLC0415

            fm = discover_final_marking(net)
    if not im or not fm:
        raise InputError(f"the {name} model has no clear start or end", file=str(path), hint="the model needs one start place (or start event) and one end place (or end event)")
    return ProcessModel(net, im, fm, None, str(path))


# XML 1.0 cannot carry C0 control characters other than tab, line feed and carriage return, lone
# surrogates or U+FFFE/U+FFFF; lxml refuses them outright. An activity name holding one is written with
# U+FFFD in its place (and a note says so): the file stays valid, and every other name stays exact.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(name: str) -> str:
    return _NOT_XML.sub("\ufffd", name)


def _unsafe_labels(model: ProcessModel) -> list[str]:
    return sorted({t.label for t in model.net.transitions if t.label is not None and _NOT_XML.search(t.label)})


def _note_replaced(names: list[str], notes: list | None, kind: str) -> None:
    if names and notes is not None:
        from cxmine.model import Warning_  # noqa: PLC0415

        shown = tuple(repr(name)[1:-1][:60] for name in names[:3])
        notes.append(Warning_("model_names_not_xml", f"activity names with control characters XML cannot hold; the {kind} file has U+FFFD in their place", len(names), shown))


def _with_xml_safe_labels(model: ProcessModel) -> ProcessModel:
    """The model itself when every label is XML-safe, else a relabelled deep copy (the caller's model,
    which replay and conformance use, keeps the names of the log)."""
    if not _unsafe_labels(model):
        return model
    import copy  # noqa: PLC0415

    net, im, fm, tree = copy.deepcopy((model.net, model.initial_marking, model.final_marking, model.tree))
    for transition in net.transitions:
        if transition.label is not None:
            transition.label = xml_safe(transition.label)
    if tree is not None:
        stack = [tree]
        while stack:
            node = stack.pop()
            if node.label is not None:
                node.label = xml_safe(node.label)
            stack.extend(node.children)
    return ProcessModel(net, im, fm, tree, model.description)


def pnml_bytes(model: ProcessModel, notes: list | None = None) -> bytes:
    _pm4py()
    _note_replaced(_unsafe_labels(model), notes, "PNML")
    safe = _with_xml_safe_labels(model)
    with guarded("writing the Petri net as PNML"):
        from pm4py.objects.petri_net.exporter.variants import pnml  # noqa: PLC0415

        return pnml.export_petri_as_string(safe.net, safe.initial_marking, safe.final_marking)


def to_bpmn(model: ProcessModel):
    """A BPMN diagram of the model: from the process tree when there is one, else from the Petri net."""
    pm4py = _pm4py()
    with guarded("converting the model to BPMN"):
        if model.tree is not None:
            return pm4py.convert_to_bpmn(model.tree)
        return pm4py.convert_to_bpmn(model.net, model.initial_marking, model.final_marking)


def _lay_out(bpmn) -> str | None:
    """Give the BPMN diagram its layout with pm4py's graphviz layouter; None when done, else why not.

    The layouter writes each task's name into a DOT label through the `graphviz` package, where a name
    such as `<urgent>` becomes an HTML-like label and a trailing backslash escapes the closing quote, so
    dot fails. The layout only needs each box's size: the names are swapped for placeholders of the
    same length while dot runs, and put back afterwards."""
    import shutil  # noqa: PLC0415

    if shutil.which("dot") is None:
        return "graphviz's `dot` is not installed — install graphviz for a laid-out diagram"
    nodes = list(bpmn.get_nodes())
    names = [node.get_name() for node in nodes]
    try:
        for node, name in zip(nodes, names):
            if name:
                node.set_name("x" * len(str(name)))
        with quiet():
            from pm4py.objects.bpmn.layout import layouter  # noqa: PLC0415

            layouter.apply(bpmn)
    except Exception as exc:  # noqa: BLE001 - a missing layout is not worth failing for
        detail = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else exc.__class__.__name__
        return f"graphviz could not lay the diagram out ({detail})"
    finally:
        for node, name in zip(nodes, names):
            node.set_name(name)
    return None


def bpmn_bytes(model: ProcessModel, notes: list | None = None) -> bytes:
    """BPMN 2.0 XML with a diagram layout; without graphviz's `dot` (or when it fails) the layout is
    skipped (every shape at 0,0) and a note says why."""
    _note_replaced(_unsafe_labels(model), notes, "BPMN")
    bpmn = to_bpmn(_with_xml_safe_labels(model))
    why = _lay_out(bpmn)
    if why is not None and notes is not None:
        from cxmine.model import Warning_  # noqa: PLC0415

        notes.append(Warning_("bpmn_without_layout", f"the BPMN file has no diagram layout, so modelling tools will stack the shapes: {why}"))
    with guarded("writing the model as BPMN"):
        from pm4py.objects.bpmn.exporter.variants import etree  # noqa: PLC0415

        return etree.get_xml_string(bpmn)


def ptml_bytes(model: ProcessModel, notes: list | None = None) -> bytes:
    if model.tree is None:
        raise UsageError(".ptml needs a process tree, which only the inductive miner makes", hint="use --algorithm inductive, or write .pnml or .bpmn")
    _pm4py()
    _note_replaced(_unsafe_labels(model), notes, "PTML")
    safe = _with_xml_safe_labels(model)
    with guarded("writing the process tree as PTML"):
        from pm4py.objects.process_tree.exporter.variants import ptml  # noqa: PLC0415

        return ptml.export_tree_as_string(safe.tree)


def write_pnml(net, im, fm, path: str | Path) -> None:
    Path(path).write_bytes(pnml_bytes(ProcessModel(net, im, fm)))


# ---------------------------------------------------------------------------------------------------------------
# Token-based replay, memoised on the marking


class _Replayer:
    """pm4py's `apply_trace`, one event at a time from a given marking, memoised.

    States are markings, numbered in the order met; a marking's key is its items in order (pm4py keeps
    zero counts and breaks some ties by place order, so both are part of the key). `step` replays one
    event with no end phase; `finish` runs only pm4py's end phase (reaching the final marking through
    hidden transitions, counting remaining and missing tokens)."""

    def __init__(self, model: ProcessModel) -> None:
        from pm4py.algo.conformance.tokenreplay.variants import token_replay  # noqa: PLC0415
        from pm4py.objects.log.obj import Event, Trace  # noqa: PLC0415
        from pm4py.objects.petri_net.obj import Marking  # noqa: PLC0415

        self._tr = token_replay
        self._Trace, self._Event, self._Marking = Trace, Event, Marking
        self.net, self.im, self.fm = model
        self._shortest = token_replay.get_places_shortest_path_by_hidden(self.net, token_replay.TechnicalParameters.MAX_REC_DEPTH.value)
        self.transitions: dict[str, Any] = {}
        for transition in sorted(self.net.transitions, key=lambda t: t.name):  # as pm4py's apply_log builds it
            self.transitions[transition.label] = transition
        self.markings: list[Any] = []
        self._index: dict[tuple, int] = {}
        self._steps: dict[tuple[int, str], tuple[int, int, int, int, bool]] = {}
        self._ends: dict[int, tuple[int, int, int, int, tuple[str, ...]]] = {}
        self._enabled: dict[int, frozenset[str]] = {}
        self.initial = self._state(self.im)
        self.initial_tokens = int(sum(self.im.values()))

    def _state(self, marking) -> int:
        key = tuple((place, int(count)) for place, count in marking.items())
        found = self._index.get(key)
        if found is None:
            found = self._index[key] = len(self.markings)
            self.markings.append(self._Marking(marking))
        return found

    def _apply(self, activities: Sequence[str], state: int, final, reach_final: bool):
        trace = self._Trace([self._Event({ACTIVITY_KEY: a}) for a in activities])
        return self._tr.apply_trace(
            trace, self.net, self._Marking(self.markings[state]), final, self.transitions, False, {}, {}, {}, self._shortest, True,
            activity_key=ACTIVITY_KEY, try_to_reach_final_marking_through_hidden=reach_final,
            post_fix_caching=self._tr.PostFixCaching(), marking_to_activity_caching=self._tr.MarkingToActivityCaching(),
        )  # fmt: skip

    def step(self, state: int, activity: str) -> tuple[int, int, int, int, bool]:
        """(next state, missing, consumed, produced, fired without being enabled) for one event."""
        key = (state, activity)
        found = self._steps.get(key)
        if found is None and activity not in self.transitions:
            # pm4py's apply_trace only records an activity the model does not know: no token moves.
            found = self._steps[key] = (state, 0, 0, 0, False)
        if found is None:
            with _no_end_diagnostics(self._tr):
                result = self._apply([activity], state, self._Marking(), False)
            before = int(sum(self.markings[state].values()))
            found = (self._state(result[4]), int(result[6]), int(result[7]), int(result[9]) - before, bool(result[3]))
            self._steps[key] = found
        return found

    def finish(self, state: int) -> tuple[int, int, int, int, tuple[str, ...]]:
        """pm4py's end phase from this state: (missing, consumed, remaining, produced, activities the
        model was still waiting for)."""
        found = self._ends.get(state)
        if found is None:
            result = self._apply([], state, self.fm, True)
            before = int(sum(self.markings[state].values()))
            waiting = tuple(sorted({t.label for t in result[5] if t.label is not None}))
            found = (int(result[6]), int(result[7]), int(result[8]), int(result[9]) - before, waiting)
            self._ends[state] = found
        return found

    def enabled(self, state: int) -> frozenset[str]:
        """Visible activities the model allows next in this state (through hidden transitions too)."""
        found = self._enabled.get(state)
        if found is None:
            from pm4py.objects.petri_net.utils.align_utils import get_visible_transitions_eventually_enabled_by_marking  # noqa: PLC0415

            found = frozenset(t.label for t in get_visible_transitions_eventually_enabled_by_marking(self.net, self.markings[state]) if t.label is not None)
            self._enabled[state] = found
        return found


class _NoDiagnostics:
    """Stands in for pm4py's align_utils inside one step: the 'transitions enabled at the end' list it
    computes there is a diagnostic we never read for a single step, and it is the slowest part."""

    @staticmethod
    def get_visible_transitions_eventually_enabled_by_marking(net, marking):  # noqa: ARG004
        return set()


@contextlib.contextmanager
def _no_end_diagnostics(token_replay) -> Iterator[None]:
    real = getattr(token_replay, "align_utils", None)
    if real is None:  # pm4py moved things: stay correct, just slower
        yield
        return
    token_replay.align_utils = _NoDiagnostics
    try:
        yield
    finally:
        token_replay.align_utils = real


_REPLAYERS: "weakref.WeakKeyDictionary[Any, _Replayer]" = weakref.WeakKeyDictionary()


def _replayer(model: ProcessModel) -> _Replayer:
    _pm4py()
    found = _REPLAYERS.get(model.net)
    if found is None or found.im != model.initial_marking or found.fm != model.final_marking:
        with guarded("preparing the token replay"):
            found = _Replayer(model)
        _REPLAYERS[model.net] = found
    return found


@dataclass(frozen=True)
class Replay:
    """Conformance of a log against a model, per variant and in total (weighted by cases).

    `fitness`: pm4py's log fitness (token replay: ½(1 − missing/consumed) + ½(1 − remaining/produced)
    over all tokens; alignments: 1 − Σcost / Σworst-case cost). `deviations[v]` counts, for variant v,
    (activity, kind) → events, kind in skipped / inserted / out_of_order."""

    method: str
    fitness: float
    average_trace_fitness: float
    fitting_cases_share: float
    variant_fitness: np.ndarray
    variant_fits: np.ndarray
    deviations: tuple[dict[tuple[str, str], int], ...]
    variants: Variants = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "fitness": round(float(self.fitness), 9),
            "average_case_fitness": round(float(self.average_trace_fitness), 9),
            "fitting_cases_share": round(float(self.fitting_cases_share), 6),
        }


def _with_order(found: Counter) -> dict[tuple[str, str], int]:
    """An activity both inserted and skipped in one case happened, but not where the model wants it."""
    out: dict[tuple[str, str], int] = {}
    activities = {activity for activity, _ in found}
    for activity in sorted(activities):
        inserted = found.get((activity, INSERTED), 0)
        skipped = found.get((activity, SKIPPED), 0)
        moved = min(inserted, skipped)
        for kind, count in ((SKIPPED, skipped - moved), (INSERTED, inserted - moved), (OUT_OF_ORDER, moved)):
            if count:
                out[(activity, kind)] = count
    return out


def token_replay_fitness(events: pd.DataFrame | None, model: ProcessModel, *, variants: Variants | None = None) -> Replay:
    """pm4py's token-based replay fitness, each variant replayed once (memoised per marking) and
    weighted by its cases. Deviations: inserted = an event the model did not allow at that point (or
    does not know); skipped = a step the model was still waiting for when the case ended."""
    variants = variants or variants_of(events)
    replayer = _replayer(model)
    n = len(variants.sequences)
    missing = np.zeros(n, dtype=np.int64)
    consumed = np.zeros(n, dtype=np.int64)
    remaining = np.zeros(n, dtype=np.int64)
    produced = np.zeros(n, dtype=np.int64)
    deviations = []
    with guarded("replaying the log on the model (token replay)"):
        for index, sequence in enumerate(variants.sequences):
            state, m, c, p = replayer.initial, 0, 0, replayer.initial_tokens
            found: Counter = Counter()
            for activity in sequence:
                state, dm, dc, dp, problem = replayer.step(state, activity)
                m, c, p = m + dm, c + dc, p + dp
                if problem or activity not in replayer.transitions:
                    found[(activity, INSERTED)] += 1
            em, ec, er, ep, waiting = replayer.finish(state)
            m, c, p = m + em, c + ec, p + ep
            if m or er:
                for activity in waiting:
                    found[(activity, SKIPPED)] += 1
            missing[index], consumed[index], remaining[index], produced[index] = m, c, er, p
            deviations.append(_with_order(found))
    weights = variants.counts
    with np.errstate(divide="ignore", invalid="ignore"):
        per_variant = np.where((consumed > 0) & (produced > 0), 0.5 * (1 - missing / consumed) + 0.5 * (1 - remaining / produced), 1.0)
    fits = (missing == 0) & (remaining == 0)
    total_c, total_p = int((weights * consumed).sum()), int((weights * produced).sum())
    fitness = 0.5 * (1 - int((weights * missing).sum()) / total_c) + 0.5 * (1 - int((weights * remaining).sum()) / total_p) if total_c > 0 and total_p > 0 else 0.0
    cases = max(variants.cases, 1)
    return Replay(
        "token_replay", fitness, float((weights * per_variant).sum() / cases), float(weights[fits].sum() / cases),
        per_variant, fits, tuple(deviations), variants,
    )  # fmt: skip


class AlignmentsOverTime(MiningError):
    """Alignments did not finish within the time limit they were given (automatic method choice only)."""


def alignment_work(variants: Variants, model: ProcessModel) -> int:
    """What aligning every variant costs, in the unit of the alignment budget: events of the distinct
    variants (plus one per variant for the end) × transitions of the net. pm4py's A* search grows with
    both; measured at 16–40 µs per unit (helpdesk with a happy path and with an inductive model, BPI
    Challenge 2012 with a happy path), see `cxmine.mining.ALIGNMENT_BUDGET`."""
    events = sum(len(sequence) for sequence in variants.sequences) + len(variants.sequences)
    return int(events) * max(len(model.net.transitions), 1)


def alignable(model: ProcessModel) -> bool:
    """Whether pm4py can align against the net: its alignments need an easy-sound workflow net (the
    final marking reachable). Discovered inductive models and happy paths always are."""
    _pm4py()
    try:
        with quiet():
            from pm4py.objects.petri_net.utils import check_soundness  # noqa: PLC0415 - the check alignments.apply runs

            return bool(check_soundness.check_easy_soundness_net_in_fin_marking(model.net, model.initial_marking, model.final_marking))
    except Exception:  # noqa: BLE001 - when in doubt, do not align
        return False


def alignment_fitness(events: pd.DataFrame | None, model: ProcessModel, *, variants: Variants | None = None, time_limit: float | None = None) -> Replay:
    """Alignment-based fitness and exact deviations (model move = skipped, log move = inserted), one
    alignment per variant, weighted by its cases. With `time_limit` (seconds for all variants), running
    over raises AlignmentsOverTime so the caller can fall back to token replay."""
    variants = variants or variants_of(events)
    _pm4py()
    with guarded("aligning the log with the model"):
        from pm4py.algo.conformance.alignments.petri_net import algorithm as alignments  # noqa: PLC0415
        from pm4py.objects.log.obj import Event, EventLog, Trace  # noqa: PLC0415

        log = EventLog([Trace([Event({ACTIVITY_KEY: a}) for a in sequence]) for sequence in variants.sequences])
        parameters: dict[Any, Any] = {"show_progress_bar": False}
        if time_limit is not None:
            parameters[alignments.Parameters.PARAM_MAX_ALIGN_TIME] = float(time_limit)
        aligned = alignments.apply(log, model.net, model.initial_marking, model.final_marking, parameters=parameters)
    n = len(variants.sequences)
    cost = np.zeros(n)
    worst = np.zeros(n)
    per_variant = np.zeros(n)
    deviations = []
    if time_limit is not None and any(result is None for result in aligned):
        raise AlignmentsOverTime(f"alignments took longer than {time_limit:g} s", hint="pass --alignments to wait for them")
    for index, result in enumerate(aligned):
        if result is None:
            raise MiningError("pm4py could not align a variant with the model in time", hint="use token replay (drop --alignments) or a simpler model")
        per_variant[index] = float(result["fitness"])
        cost[index] = float(result.get("cost", 0.0))
        worst[index] = float(result.get("bwc", 0.0))
        found: Counter = Counter()
        for log_label, model_label in result["alignment"]:
            if model_label == ">>" and log_label not in (">>", None):
                found[(log_label, INSERTED)] += 1
            elif log_label == ">>" and model_label not in (">>", None):
                found[(model_label, SKIPPED)] += 1
        deviations.append(_with_order(found))
    weights = variants.counts
    total_worst = float((weights * worst).sum())
    fitness = 1.0 - float((weights * cost).sum()) / total_worst if total_worst > 0 else 0.0
    fits = per_variant == 1.0
    cases = max(variants.cases, 1)
    return Replay("alignments", fitness, float((weights * per_variant).sum() / cases), float(weights[fits].sum() / cases), per_variant, fits, tuple(deviations), variants)


def precision(events: pd.DataFrame | None, model: ProcessModel, *, variants: Variants | None = None) -> float:
    """pm4py's ETConformance precision (token replay), computed on the prefix tree of the variants with
    the same memoised replay: 1 − escaping edges / allowed edges, over every prefix that replays without
    missing tokens, weighted by how many cases pass through it."""
    variants = variants or variants_of(events)
    replayer = _replayer(model)
    with guarded("measuring precision"):
        n_cases = variants.cases
        initially = replayer.enabled(replayer.initial)
        starts = {sequence[0] for sequence in variants.sequences if sequence}
        allowed = n_cases * len(initially)
        escaping = n_cases * len(initially - starts)
        # Prefix tree: node = (parent node, activity); each non-final prefix knows what followed it.
        nodes: dict[tuple[int, str], int] = {}
        state_of = [replayer.initial]
        fit_of = [True]
        count_of = [0]
        next_of: list[set[str]] = [set()]
        for sequence, weight in zip(variants.sequences, variants.counts.tolist()):
            node = 0
            for position, activity in enumerate(sequence):
                if position > 0:  # the prefix sequence[:position] is followed by `activity`
                    count_of[node] += weight
                    next_of[node].add(activity)
                child = nodes.get((node, activity))
                if child is None:
                    child = nodes[(node, activity)] = len(state_of)
                    if fit_of[node]:
                        state, missing, _, _, _ = replayer.step(state_of[node], activity)
                        state_of.append(state)
                        fit_of.append(missing == 0)
                    else:
                        state_of.append(-1)
                        fit_of.append(False)
                    count_of.append(0)
                    next_of.append(set())
                node = child
        for node in range(1, len(state_of)):
            if count_of[node] and fit_of[node]:
                enabled = replayer.enabled(state_of[node])
                allowed += count_of[node] * len(enabled)
                escaping += count_of[node] * len(enabled - next_of[node])
    return 1.0 - escaping / allowed if allowed > 0 else 1.0


def simplicity(model: ProcessModel) -> float:
    """pm4py's arc-degree simplicity of the Petri net (1 = every node has one arc in and one out)."""
    _pm4py()
    with guarded("measuring simplicity"):
        from pm4py.algo.evaluation.simplicity import algorithm as simplicity_algorithm  # noqa: PLC0415

        return float(simplicity_algorithm.apply(model.net))


def deviations_per_case(replay: Replay) -> pd.DataFrame:
    """One row per (case code, activity, kind) with the number of events: the per-variant deviations
    spread over the cases of each variant."""
    rows = [(variant, activity, kind, count) for variant, found in enumerate(replay.deviations) for (activity, kind), count in found.items()]
    columns = ["case", "activity", "kind", "count"]
    if not rows:
        return pd.DataFrame({name: pd.Series(dtype="int64" if name in ("case", "count") else object) for name in columns})
    per_variant = pd.DataFrame(rows, columns=["variant", "activity", "kind", "count"])
    case_variant = replay.variants.case_variant
    cases = pd.DataFrame({"case": np.flatnonzero(case_variant >= 0), "variant": case_variant[case_variant >= 0]})
    out = cases.merge(per_variant, on="variant", how="inner").drop(columns="variant")
    return out.sort_values(["case", "activity", "kind"], kind="stable").reset_index(drop=True)[columns]


# ---------------------------------------------------------------------------------------------------------------
# OCEL 2.0 files (object-centric event logs), read by pm4py and handed over as plain tables

# Suffix → pm4py's OCEL 2.0 importer. The pure-Python variants, not the rustxes ones `pm4py.read_ocel2_*`
# picks when rustxes is installed: those panic (a BaseException, with a Rust trace on stderr) on a time
# without a UTC offset and hand back naive times, so the answer would depend on what is installed.
OCEL_FORMATS = {".jsonocel": "JSON", ".json": "JSON", ".xmlocel": "XML", ".xml": "XML", ".sqlite": "SQLite"}


def ocel_format(path: str | Path) -> str:
    """"JSON", "XML" or "SQLite", by the file's suffix; anything else is an InputError."""
    path = Path(path)
    kind = OCEL_FORMATS.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            "unknown OCEL 2.0 format", file=str(path),
            hint="use an OCEL 2.0 file ending in .jsonocel (or .json), .xmlocel (or .xml) or .sqlite",
        )  # fmt: skip
    return kind


def read_ocel2(path: str | Path):
    """pm4py's OCEL object for an OCEL 2.0 file (JSON, XML or SQLite by the suffix). A file pm4py cannot
    read is an InputError naming the file."""
    path = Path(path)
    kind = ocel_format(path)
    _pm4py()
    try:
        with quiet(), _keeping_objects_without_events():
            if kind == "JSON":
                from pm4py.objects.ocel.importer.jsonocel import importer  # noqa: PLC0415

                return importer.apply(str(path), variant=importer.Variants.OCEL20_STANDARD)
            if kind == "XML":
                from pm4py.objects.ocel.importer.xmlocel import importer  # noqa: PLC0415

                return importer.apply(str(path), variant=importer.Variants.OCEL20)
            from pm4py.objects.ocel.importer.sqlite import importer  # noqa: PLC0415

            return importer.apply(str(path), variant=importer.Variants.OCEL20)
    except (CxmineError, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - any parse failure is a bad input file
        text = str(getattr(exc, "msg", None) or exc).strip()
        reason = f"{exc.__class__.__name__}: {text.splitlines()[0][:160]}" if text else exc.__class__.__name__
        raise InputError(
            f"not a readable OCEL 2.0 {kind} file ({reason})", file=str(path), line=getattr(exc, "lineno", None),
            hint=f"export the log again as OCEL 2.0 {kind} (cxmine reads OCEL 2.0 JSON, XML and SQLite, not OCEL 1.0)",
        ) from None  # fmt: skip


@contextlib.contextmanager
def _keeping_objects_without_events() -> Iterator[None]:
    """pm4py's OCEL 2.0 importers end with `filtering_utils.propagate_relations_filtering`, which drops
    every object no event relates to, and its object-to-object links with it. A customer is often such
    an object (master data that orders link to), so inside this block that last step leaves the log as
    read; the rows it would also drop (relations to unknown events or objects) the flattening skips."""
    from pm4py.objects.ocel.util import filtering_utils  # noqa: PLC0415

    real = getattr(filtering_utils, "propagate_relations_filtering", None)
    if real is None:  # pm4py moved things: objects without events are lost, the rest stays right
        yield
        return
    filtering_utils.propagate_relations_filtering = lambda ocel, parameters=None: ocel  # noqa: ARG005
    try:
        yield
    finally:
        filtering_utils.propagate_relations_filtering = real


@dataclass(frozen=True)
class OcelTables:
    """An OCEL 2.0 log as plain pandas tables under our own column names (pm4py's object never leaves
    this module through it).

    events: event_id, activity, timestamp (tz-aware UTC), then the event attributes.
    objects: object_id, object_type, then the object attributes (their first recorded values).
    relations (event to object): event_id, object_id, object_type, qualifier.
    object_links (object to object, as written: from object_id to linked_object_id): object_id,
    linked_object_id, qualifier.
    """

    events: pd.DataFrame
    objects: pd.DataFrame
    relations: pd.DataFrame
    object_links: pd.DataFrame


def ocel_tables(ocel) -> OcelTables:
    """pm4py's OCEL object → OcelTables (copies, renamed; times made tz-aware UTC, naive ones read as UTC,
    which is what pm4py's importers already assume)."""
    event_id, activity, timestamp = ocel.event_id_column, ocel.event_activity, ocel.event_timestamp
    object_id, object_type, qualifier = ocel.object_id_column, ocel.object_type_column, ocel.qualifier
    linked = object_id + "_2"

    def renamed(frame: pd.DataFrame, names: dict[str, str], first: list[str]) -> pd.DataFrame:
        frame = frame.reset_index(drop=True)
        # An attribute that happens to carry one of our names keeps its data under another name.
        clashes = {c: f"{c}_attribute" for c in frame.columns if c in set(names.values()) and c not in names}
        frame = frame.rename(columns={**clashes, **names})
        for name in first:
            if name not in frame.columns:
                frame[name] = pd.Series(pd.NA, index=frame.index, dtype="string")
        return frame[first + [c for c in frame.columns if c not in first]]

    events = renamed(ocel.events, {event_id: "event_id", activity: "activity", timestamp: "timestamp"}, ["event_id", "activity", "timestamp"])
    times = pd.to_datetime(events["timestamp"], errors="coerce", utc=False)
    events["timestamp"] = times.dt.tz_convert("UTC") if isinstance(times.dtype, pd.DatetimeTZDtype) else times.dt.tz_localize("UTC")
    objects = renamed(ocel.objects, {object_id: "object_id", object_type: "object_type"}, ["object_id", "object_type"])
    relations = renamed(
        ocel.relations[[c for c in (event_id, object_id, object_type, qualifier) if c in ocel.relations.columns]],
        {event_id: "event_id", object_id: "object_id", object_type: "object_type", qualifier: "qualifier"},
        ["event_id", "object_id", "object_type", "qualifier"],
    )
    o2o = getattr(ocel, "o2o", None)
    if o2o is None or not {object_id, linked} <= set(o2o.columns):
        o2o = pd.DataFrame({object_id: pd.Series(dtype="string"), linked: pd.Series(dtype="string")})
    links = renamed(
        o2o[[c for c in (object_id, linked, qualifier) if c in o2o.columns]],
        {object_id: "object_id", linked: "linked_object_id", qualifier: "qualifier"},
        ["object_id", "linked_object_id", "qualifier"],
    )
    return OcelTables(events, objects, relations, links)


def read_ocel_tables(path: str | Path) -> OcelTables:
    """An OCEL 2.0 file (JSON, XML or SQLite) as OcelTables."""
    return ocel_tables(read_ocel2(path))
