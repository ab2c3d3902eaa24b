"""`cxmine friction LOG`: rank the friction points with evidence and mark the critical few."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from cxmine.cli import options as opt
from cxmine.cli.runtime import handled

EPILOG = (
    "Examples:\n\n"
    "  cxmine friction examples/orders.csv                  # uses examples/cxmine.toml\n\n"
    "  cxmine friction log.xes.gz --format json | jq '.friction_points[0]'\n\n"
    "  cxmine friction log.csv --config my.toml --since 2026-03-01 --top 5 --format markdown"
)

class RankBy(str, Enum):
    score = "score"
    value = "value"


Formats = opt.format_choice("friction")
RankByOption = Annotated[RankBy, typer.Option("--rank-by", help="Order the points by their friction score, or by the money fixing them would save ([value] prices).")]
Format = opt.format_option(Formats)
Top = Annotated[
    Optional[int],
    typer.Option("--top", min=1, help="How many friction points to show in table/markdown output (default: [friction] top in the config, 10).", show_default=False),
]




@opt.engine_options()
@opt.log_options()
def friction(
    log: opt.LogOrUrl,
    config: opt.ConfigOption = None,
    format: Format = Formats.table,
    output: opt.Output = None,
    top: Top = None,
    rank_by: RankByOption = RankBy.score,
    engine: object = None,
    options: object = None,
    debug: opt.Debug = False,
) -> None:
    """Rank the friction points that hurt customers (waits, slow steps, rework, ping-pong, chasing, broken
    promises, complaint hotspots), with evidence, and mark the critical few."""
    with handled(debug):
        from cxmine.api import friction_engine_gaps, rank_friction, rank_friction_on_engine  # noqa: PLC0415
        from cxmine.cli.common import emit_result, open_inputs, plan_engine  # noqa: PLC0415
        from cxmine.cli.runtime import status, warn  # noqa: PLC0415

        run = plan_engine(log, config, options, engine, gaps=friction_engine_gaps)
        if run.pandas:
            inputs = open_inputs(run.log, options, run.opened, [output])
            with status("Ranking friction:") as progress:
                report = rank_friction(inputs, progress=progress, rank_by=rank_by.value)
            warn(report.notes[len(inputs.notes):])
            emit_result("friction", format, report, output, inputs.paths, top=top or inputs.config.friction.top)
            return
        reads = run.reads([output])
        with status(f"Ranking friction in {Path(str(run.log)).name} on {run.settings.engine}:"):
            report = rank_friction_on_engine(run.log, options, run.opened[0], run.settings, rank_by=rank_by.value, notes=run.opened[1])
        warn((report.load.warnings if report.load is not None else ()) + report.notes[len(run.opened[1]):])
        emit_result("friction", format, report, output, reads, top=top or run.opened[0].friction.top)
