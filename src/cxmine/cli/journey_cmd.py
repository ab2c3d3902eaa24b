"""`cxmine journey SOURCE` and `cxmine portfolio SOURCE`: the customer's whole journey across several
processes (a cxmine.toml with [[sources]], or an OCEL 2.0 file), and the critical few processes."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cxmine.cli import options as opt
from cxmine.cli.runtime import handled

JOURNEY_EPILOG = (
    "Examples:\n\n"
    "  cxmine journey examples/journeys/cxmine.toml                  # orders + support + survey, tied by customer\n\n"
    "  cxmine journey tests/data/ocel20_example.jsonocel --customer-type 'Purchase Requisition' --format json\n\n"
    "  cxmine journey examples/journeys/cxmine.toml --rank-by value --format markdown -o journey.md"
)
PORTFOLIO_EPILOG = (
    "Examples:\n\n"
    "  cxmine portfolio examples/journeys/cxmine.toml\n\n"
    "  cxmine portfolio examples/journeys/cxmine.toml --format json | jq '.processes[] | select(.critical) | .name'\n\n"
    "  cxmine portfolio tests/data/helpdesk.xes.gz examples/orders.csv     # several logs, each one process"
)

Source = Annotated[Path, typer.Argument(help="A cxmine.toml with [[sources]], or an OCEL 2.0 file (.jsonocel, .xmlocel, .sqlite).", show_default=False)]
Sources = Annotated[list[Path], typer.Argument(help="One or more: a cxmine.toml with [[sources]], an OCEL 2.0 file, or a log (one process, with the config beside it).", show_default=False)]
CustomerType = Annotated[Optional[str], typer.Option("--customer-type", help="OCEL input: the object type that plays the customer (every other type becomes a process).")]
JourneyFormats = opt.format_choice("journey")
PortfolioFormats = opt.format_choice("portfolio")
JourneyFormat = opt.format_option(JourneyFormats)
PortfolioFormat = opt.format_option(PortfolioFormats)
Top = Annotated[int, typer.Option("--top", min=1, help="How many cross-process points to show in table/markdown output.")]
RankBy = Annotated[str, typer.Option("--rank-by", help="score, or value (needs [value] prices).")]


def _open(source: Path, customer_type: str | None, outputs: list):
    from cxmine.cli.runtime import check_outputs, status, warn  # noqa: PLC0415
    from cxmine.inputs import load_journey_inputs  # noqa: PLC0415

    with status(f"Reading {source.name}:") as progress:
        journey = load_journey_inputs(source, customer_type=customer_type, progress=progress)
    check_outputs(outputs, journey.paths)
    warn(journey.notes)
    return journey


def journey(
    source: Source,
    customer_type: CustomerType = None,
    format: JourneyFormat = JourneyFormats.table,
    output: opt.Output = None,
    top: Top = 10,
    rank_by: RankBy = "score",
    debug: opt.Debug = False,
) -> None:
    """The customer's whole journey across processes: customers, journeys and contacts per customer, and the
    cross-process friction — contacts during a wait, repeat contacts across channels, friction that spills
    over into outcomes recorded elsewhere."""
    with handled(debug):
        from cxmine.api import customer_journey  # noqa: PLC0415
        from cxmine.cli.common import emit_result  # noqa: PLC0415
        from cxmine.cli.runtime import check_outputs, status  # noqa: PLC0415
        from cxmine.errors import UsageError  # noqa: PLC0415

        if rank_by not in ("score", "value"):
            raise UsageError(f"--rank-by {rank_by!r} is not score or value")
        check_outputs([output], [source])
        opened = _open(source, customer_type, [output])
        with status("Following the customers:") as progress:
            result = customer_journey(opened, progress=progress, rank_by=rank_by)
        emit_result("journey", format, result, output, opened.paths, top=top)


def portfolio(
    source: Sources,
    customer_type: CustomerType = None,
    format: PortfolioFormat = PortfolioFormats.table,
    output: opt.Output = None,
    debug: opt.Debug = False,
) -> None:
    """The critical few processes: each ranked by the customer harm it causes — customer-hours, outcomes
    raised, contacts it generates in other processes, value — with its top friction points."""
    with handled(debug):
        from cxmine.api import portfolio as rank_processes  # noqa: PLC0415
        from cxmine.cli.common import emit_result  # noqa: PLC0415
        from cxmine.cli.runtime import check_outputs, status  # noqa: PLC0415

        from cxmine.inputs import load_portfolio_inputs  # noqa: PLC0415
        from cxmine.cli.runtime import warn  # noqa: PLC0415

        with status("Reading the processes:") as progress:
            opened = load_portfolio_inputs(list(source), customer_type=customer_type, progress=progress)
        check_outputs([output], opened.paths)
        warn(opened.notes)
        with status("Ranking the processes:") as progress:
            result = rank_processes(opened, progress=progress)
        emit_result("portfolio", format, result, output, opened.paths)
