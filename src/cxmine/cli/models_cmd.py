"""`cxmine discover` and `cxmine conformance`: draw the process map (with friction on it), discover a
model and measure it, and check a log against a designed model or a happy path.

Both are plain functions registered on the app in cli/app.py, written like the other commands:
validate the options, one library call (cxmine.mining), render, write atomically. pm4py is reached only
through cxmine.mining, imported inside the bodies.
"""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from cxmine.cli import options as opt
from cxmine.cli.runtime import handled

DISCOVER_EPILOG = (
    "Examples:\n\n"
    "  cxmine discover examples/orders.csv -o map.svg                       # frequency map + inductive model quality\n\n"
    "  cxmine discover examples/orders.csv --overlay friction -o friction.svg -o friction.mmd\n\n"
    "  cxmine discover log.xes.gz --algorithm inductive --noise 0.2 -o model.bpmn -o model.pnml\n\n"
    "  cxmine discover log.xes.gz --algorithm dfg --activities 80% --paths 50% --overlay performance -o map.png\n\n"
    "  cxmine discover log.xes.gz --top-variants 10 --format json | jq .quality\n\n"
    "Outputs by extension: .pnml .bpmn .ptml (the model; .ptml inductive only) and .dot .svg .png .mmd .json\n"
    "(the map; .svg and .png need graphviz's `dot`)."
)

CONFORMANCE_EPILOG = (
    "Examples:\n\n"
    "  cxmine conformance examples/orders.csv --happy-path 'Order placed,Order confirmation sent,Pick items,Pack parcel,Delivered'\n\n"
    "  cxmine conformance log.xes.gz --model designed.bpmn --format markdown\n\n"
    "  cxmine conformance log.xes.gz --model designed.pnml --alignments --format json | jq '.deviations[0]'\n\n"
    "Skipped = the model wanted the step and the case did not do it; inserted = the case did a step the model\n"
    "does not allow there; out of order = both, for the same step in the same case. Alignments (exact) are used\n"
    "when the log's variants are few enough, else token replay (fast, approximate about where) — the output says\n"
    "which and why; --alignments or --token-replay forces one."
)


class Algorithm(str, Enum):
    dfg = "dfg"
    inductive = "inductive"
    heuristics = "heuristics"
    alpha = "alpha"


class Overlay(str, Enum):
    frequency = "frequency"
    performance = "performance"
    friction = "friction"


DiscoverFormats = opt.format_choice("discover")
ConformanceFormats = opt.format_choice("conformance")


MODEL_SUFFIXES = (".pnml", ".bpmn", ".ptml")
MAP_SUFFIXES = (".dot", ".svg", ".png", ".mmd", ".json")
PANEL = "Map and model"

AlgorithmOption = Annotated[Algorithm, typer.Option("--algorithm", "-a", help="dfg: the map only; inductive, heuristics, alpha: also a Petri net (pm4py).", rich_help_panel=PANEL)]
Noise = Annotated[float, typer.Option("--noise", min=0.0, max=1.0, help="Inductive miner noise threshold (0 keeps all behaviour; 0.2 gives a simpler model).", rich_help_panel=PANEL)]
Dependency = Annotated[float, typer.Option("--dependency", min=0.0, max=1.0, help="Heuristics miner dependency threshold.", rich_help_panel=PANEL)]
Outputs = Annotated[
    Optional[list[Path]],
    typer.Option("--output", "-o", help="Write the model or map to this file (format by extension); repeat for several.", show_default=False),
]
Activities = Annotated[Optional[str], typer.Option("--activities", help="Keep the most frequent activities covering this share of events, e.g. 80%.", rich_help_panel=PANEL)]
Paths = Annotated[Optional[str], typer.Option("--paths", help="Draw the most frequent transitions covering this share, e.g. 50% (every activity stays connected).", rich_help_panel=PANEL)]
TopVariants = Annotated[Optional[int], typer.Option("--top-variants", min=1, help="Keep only the cases of the N most frequent variants.", rich_help_panel=PANEL)]
OverlayOption = Annotated[Overlay, typer.Option("--overlay", help="What the map shows: frequency, performance (times) or friction (ranked friction points).", rich_help_panel=PANEL)]
Quality = Annotated[bool, typer.Option("--quality/--no-quality", help="Measure the model's fitness and simplicity on the log.", rich_help_panel=PANEL)]
Precision = Annotated[bool, typer.Option("--precision", help="Also measure the model's precision (ETConformance; can be slow on complex models).", rich_help_panel=PANEL)]
FormatOption = opt.format_option(DiscoverFormats, "Summary on stdout: table, json or markdown (with --output, only json is printed).")
ModelFile = Annotated[Optional[Path], typer.Option("--model", "-m", help="The intended process: a .bpmn or .pnml file.", show_default=False)]
HappyPath = Annotated[Optional[str], typer.Option("--happy-path", help="The intended process as activities in order, comma-separated: 'A,B,C'.", show_default=False)]
Alignments = Annotated[bool, typer.Option("--alignments", help="Always use alignments (exact deviations), even over the automatic budget.")]
TokenReplay = Annotated[bool, typer.Option("--token-replay", help="Always use token replay (fast; where a deviation is counted is approximate).")]
ConformanceFormat = opt.format_option(ConformanceFormats)
TopDeviations = Annotated[int, typer.Option("--top", min=1, help="How many activities to show in table/markdown output.")]


def _suffix(path: Path) -> str:
    return path.suffix.lower()


def _check_outputs(outputs: list[Path], algorithm: Algorithm) -> None:
    """Every output names a known format the chosen algorithm can make, once; images need graphviz."""
    from cxmine.errors import MiningError, UsageError  # noqa: PLC0415
    from cxmine.render import processmap  # noqa: PLC0415

    seen: set[Path] = set()
    for path in outputs:
        kind = _suffix(path)
        if kind not in MODEL_SUFFIXES + MAP_SUFFIXES:
            raise UsageError("unknown output format", file=str(path), hint=f"use one of: {', '.join(MODEL_SUFFIXES + MAP_SUFFIXES)}")
        if kind in MODEL_SUFFIXES and algorithm is Algorithm.dfg:
            raise UsageError(f"--algorithm dfg makes no model to write as {kind}", file=str(path), hint="use --algorithm inductive, heuristics or alpha, or write a map (.dot .svg .png .mmd .json)")
        if kind == ".ptml" and algorithm is not Algorithm.inductive:
            raise UsageError(".ptml needs a process tree, which only the inductive miner makes", file=str(path), hint="use --algorithm inductive, or write .pnml or .bpmn")
        if path.resolve() in seen:
            raise UsageError("the same output file is given twice", file=str(path))
        seen.add(path.resolve())
    if any(_suffix(p) in processmap.IMAGE_FORMATS for p in outputs) and not processmap.graphviz_available():
        raise MiningError("drawing .svg or .png needs graphviz's `dot` program, which is not installed", hint=processmap.INSTALL_GRAPHVIZ)


def _write_outputs(result, outputs: list[Path], reads: tuple[Path, ...]):
    """Write the model and map files (all or nothing) and return the result that lists them."""
    from dataclasses import replace  # noqa: PLC0415

    from cxmine.cli.runtime import status, warn, write_all  # noqa: PLC0415
    from cxmine.mining import pm4py_adapter  # noqa: PLC0415
    from cxmine.render import processmap  # noqa: PLC0415

    layout_notes: list = []
    writers = {
        ".pnml": lambda model: pm4py_adapter.pnml_bytes(model, layout_notes),
        ".bpmn": lambda model: pm4py_adapter.bpmn_bytes(model, layout_notes),
        ".ptml": lambda model: pm4py_adapter.ptml_bytes(model, layout_notes),
    }
    mv = processmap.view_of(result)
    with status("Drawing…"):
        files = [(path, writers[_suffix(path)](result.model) if _suffix(path) in writers else processmap.draw(mv, _suffix(path))) for path in outputs]
    write_all(files, reads=reads)
    unique = list({(n.code, n.message): n for n in layout_notes}.values())  # each note once, even for several files
    warn(unique)
    return replace(result, outputs=tuple(str(p) for p in outputs), notes=tuple(unique) + result.notes)


@opt.log_options()
def discover(
    log: opt.LogArgument,
    algorithm: AlgorithmOption = Algorithm.inductive,
    noise: Noise = 0.0,
    dependency: Dependency = 0.5,
    output: Outputs = None,
    activities: Activities = None,
    paths: Paths = None,
    top_variants: TopVariants = None,
    overlay: OverlayOption = Overlay.frequency,
    quality: Quality = True,
    precision: Precision = False,
    config: opt.ConfigOption = None,
    format: FormatOption = DiscoverFormats.table,
    options: object = None,
    debug: opt.Debug = False,
) -> None:
    """Draw the process map (frequency, performance or friction overlay) and discover a process model
    (inductive, heuristics or alpha miner) with its fitness, precision and simplicity."""
    with handled(debug):
        from dataclasses import replace  # noqa: PLC0415

        from cxmine.api import discover as discover_process  # noqa: PLC0415
        from cxmine.cli.common import emit_result, open_config, open_inputs  # noqa: PLC0415
        from cxmine.cli.runtime import status, stderr_console, warn  # noqa: PLC0415
        from cxmine.core.maps import MapFilters, parse_share  # noqa: PLC0415
        from cxmine.render import processmap  # noqa: PLC0415

        outputs = list(output or [])
        filters = MapFilters(parse_share(activities, "--activities"), parse_share(paths, "--paths"), top_variants)
        _check_outputs(outputs, algorithm)
        inputs = open_inputs(log, options, open_config(log, config), outputs)
        with status("Discovering the process:") as progress:
            result = discover_process(
                inputs, algorithm=algorithm.value, noise_threshold=noise, dependency_threshold=dependency,
                filters=filters, overlay=overlay.value, quality=quality, precision=precision, progress=progress,
            )  # fmt: skip
        warn(result.notes)
        if result.model is not None:
            stderr_console().print(processmap.quality_sentence(result), markup=False)
        result = replace(_write_outputs(result, outputs, inputs.paths) if outputs else result, notes=tuple(inputs.notes) + result.notes)
        if format.value == "json" or not outputs:
            emit_result("discover", format, result, None, inputs.paths)


@opt.log_options()
def conformance(
    log: opt.LogArgument,
    model: ModelFile = None,
    happy_path: HappyPath = None,
    alignments: Alignments = False,
    token_replay: TokenReplay = False,
    config: opt.ConfigOption = None,
    format: ConformanceFormat = ConformanceFormats.table,
    output: opt.Output = None,
    top: TopDeviations = 20,
    options: object = None,
    debug: opt.Debug = False,
) -> None:
    """Check the log against the intended process (a BPMN/PNML model or a happy path): fitness,
    precision, and per activity the cases that skip it, insert it or do it out of order — and, with
    complaints configured, how much more those cases complain."""
    with handled(debug):
        from dataclasses import replace  # noqa: PLC0415

        from cxmine.api import check_conformance  # noqa: PLC0415
        from cxmine.cli.common import emit_result, open_config, open_inputs  # noqa: PLC0415
        from cxmine.cli.runtime import status, warn  # noqa: PLC0415
        from cxmine.errors import UsageError  # noqa: PLC0415
        from cxmine.mining import load_model  # noqa: PLC0415

        if model is not None and happy_path is not None:
            raise UsageError("give --model or --happy-path, not both")
        if alignments and token_replay:
            raise UsageError("give --alignments or --token-replay, not both")
        chosen = load_model(model, happy_path) if (model is not None or happy_path is not None) else None  # bad model files fail before the log is read
        inputs = open_inputs(log, options, open_config(log, config), [output], reads=[model])
        with status("Checking conformance:") as progress:
            result = check_conformance(inputs, chosen, happy_path=happy_path, alignments=alignments, method="token_replay" if token_replay else "auto", progress=progress)
        warn(result.notes)
        result = replace(result, notes=tuple(inputs.notes) + result.notes)
        emit_result("conformance", format, result, output, inputs.paths + ((model,) if model is not None else ()), top=top)
