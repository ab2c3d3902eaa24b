"""Options shared by several commands, defined once as Annotated aliases."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

LOG_PANEL = "Reading the log"


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"
    csv = "csv"


LogArgument = Annotated[Path, typer.Argument(help="Event log: .xes, .xes.gz, .csv, .csv.gz, .tsv or .parquet.", show_default=False)]
Format = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format written to stdout (or --output).")]
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
Since = Annotated[Optional[str], typer.Option("--since", help="Keep cases that start on or after this date (ISO).", rich_help_panel=LOG_PANEL)]
Until = Annotated[Optional[str], typer.Option("--until", help="Keep cases that start before this date (ISO).", rich_help_panel=LOG_PANEL)]
Debug = Annotated[bool, typer.Option("--debug", help="Show the full traceback on errors.")]
