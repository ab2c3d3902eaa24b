"""Shared fixtures: paths to the real logs in tests/data, a cache of loaded logs, and `run`, which calls
the CLI in-process and hands back exit code, stdout and stderr separately."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxmine.cli.app import app

DATA = Path(__file__).parent / "data"

# Counts published with each dataset (tests/data/README.md): events, cases, activities.
REAL_LOGS = {
    "running-example.xes": (42, 6, 8),
    "running-example.csv": (42, 6, 8),
    "receipt.xes.gz": (8_577, 1_434, 27),
    "receipt.csv.gz": (8_577, 1_434, 27),
    "sepsis_cases.csv.gz": (15_214, 1_050, 16),
    "helpdesk.xes.gz": (21_348, 4_580, 14),
}

# No colour, no spinner, a wide terminal: output that tests can compare.
CLI_ENV = {"NO_COLOR": "1", "CI": "1", "COLUMNS": "200", "TERM": "dumb"}


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None = None

    @property
    def stderr_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


@pytest.fixture(scope="session")
def data() -> Path:
    return DATA


@pytest.fixture
def run():
    """`run("inspect", path, "--format", "json")` → Outcome(exit_code, stdout, stderr)."""
    runner = CliRunner()

    def invoke(*args: object) -> Outcome:
        result = runner.invoke(app, [str(a) for a in args], env=CLI_ENV)
        return Outcome(result.exit_code, result.stdout, result.stderr, result.exception)

    return invoke


def run_subprocess(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """A real interpreter, for what CliRunner cannot show (module imports, the console entry point)."""
    env = {**os.environ, "NO_COLOR": "1", "CI": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout, check=False
    )


@lru_cache(maxsize=None)
def _load_cached(name: str):
    from cxmine.io import load_log

    return load_log(DATA / name)


@pytest.fixture(scope="session")
def real_log():
    """Load a real log once per session (tests must not modify the returned frame)."""
    return _load_cached


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
