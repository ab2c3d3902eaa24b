"""Typed errors. Each carries a user-facing sentence; the CLI turns them into one line on stderr.

Exit codes are part of the contract (see README): InputError and ConfigError → 2, MiningError → 4,
anything unexpected → 3.
"""
from __future__ import annotations


class CxmineError(Exception):
    """Base class: `what` went wrong, optionally `where` (file, line) and `hint` (what to do)."""

    exit_code = 3

    def __init__(
        self,
        what: str,
        *,
        file: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(what)
        self.what = what
        self.file = file
        self.line = line
        self.hint = hint

    def user_message(self) -> str:
        """`<what> in <file>:<line> — <hint>`, the parts that are known."""
        message = self.what
        if self.file:
            location = f"{self.file}:{self.line}" if self.line is not None else self.file
            message += f" in {location}"
        if self.hint:
            message += f" — {self.hint}"
        return message

    def __str__(self) -> str:
        return self.user_message()


class InputError(CxmineError):
    """The input (a log, a complaints file, a model) cannot be used as given."""

    exit_code = 2


class UsageError(InputError):
    """Options that do not fit together or name something that does not exist."""


class ConfigError(InputError):
    """cxmine.toml is malformed or names something that does not exist."""


class MiningError(CxmineError):
    """A mining algorithm (pm4py) or an external tool (graphviz) failed on valid input."""

    exit_code = 4


class EngineError(CxmineError):
    """The engine (DuckDB) could not run valid input: out of memory within --memory-limit, a spill directory
    that cannot be written."""

    exit_code = 4
