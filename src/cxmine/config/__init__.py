"""The `cxmine.toml` file: settings (frozen dataclasses), the reader with line numbers and "did you
mean", durations, and the starter config that `cxmine init` writes.

Pure: reads and checks the file, never prints. `docs/config.md` documents every key; keep the two in step.
"""
from __future__ import annotations

from cxmine.config.durations import DURATION_HINT, clock_seconds, format_duration, parse_duration
from cxmine.config.reader import find_config, load_config, with_cli_overrides
from cxmine.config.settings import (
    CONFIG_NAME,
    DAY_NAMES,
    DIMENSIONS,
    Calendar,
    ComplaintSource,
    Config,
    FrictionSettings,
    FrozenMap,
    JourneySettings,
    ModelSettings,
    Outcome,
    Preparation,
    Promise,
    RedactSettings,
    SourceSettings,
    Touchpoints,
    ValueSettings,
)
from cxmine.config.starter import starter_config, toml_string
from cxmine.matching import matches, unmatched_patterns

__all__ = [
    "CONFIG_NAME", "DAY_NAMES", "DIMENSIONS", "DURATION_HINT", "Calendar", "ComplaintSource", "Config", "FrictionSettings",
    "FrozenMap", "JourneySettings", "ModelSettings", "Outcome", "Preparation", "Promise", "RedactSettings", "SourceSettings", "Touchpoints", "ValueSettings", "clock_seconds", "find_config", "format_duration", "load_config",
    "matches", "parse_duration", "starter_config", "toml_string", "unmatched_patterns", "with_cli_overrides",
]
