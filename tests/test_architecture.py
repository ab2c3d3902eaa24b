"""Dependencies point inward: the core, the model and the readers never pull in the CLI or pm4py.

Each check runs in a fresh interpreter, because this test session has long since imported everything.
"""
from __future__ import annotations

import json
import pkgutil
from pathlib import Path

import pytest

import cxmine

from conftest import run_subprocess

PACKAGE_ROOT = Path(cxmine.__file__).parent
FORBIDDEN = ("rich", "typer", "pm4py")


def _modules(package: str) -> list[str]:
    folder = PACKAGE_ROOT / package.split(".", 1)[1].replace(".", "/")
    if not folder.is_dir():
        return []
    return [package] + [f"{package}.{info.name}" for info in pkgutil.iter_modules([str(folder)])]


def _imported_after(modules: list[str]) -> list[str]:
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in {FORBIDDEN!r} if m in sys.modules)))\n"
    )
    completed = run_subprocess("-c", script)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


LAYERS = {
    "core": _modules("cxmine.core"),
    "model and errors": ["cxmine.model", "cxmine.errors"],
    "io": _modules("cxmine.io"),
    "friction": _modules("cxmine.friction"),
    "report": _modules("cxmine.report"),
}


def test_the_layers_exist():
    assert "cxmine.core.normalise" in LAYERS["core"]
    assert "cxmine.core.summary" in LAYERS["core"]
    assert "cxmine.io.xes" in LAYERS["io"]


@pytest.mark.parametrize("layer", [name for name, modules in LAYERS.items() if modules])
def test_layer_imports_neither_cli_nor_pm4py(layer):
    assert _imported_after(LAYERS[layer]) == []


def test_the_check_can_fail():
    """The same probe does see rich/typer when the CLI is imported (so an empty list means something)."""
    assert set(_imported_after(["cxmine.cli.app"])) >= {"typer"}


def test_reading_a_log_pulls_in_no_cli_or_pm4py():
    path = Path(__file__).parent / "data" / "running-example.xes"
    script = (
        "import json, sys\n"
        "from cxmine.io import load_log\n"
        "from cxmine.core.summary import summarise\n"
        f"summary = summarise(load_log({str(path)!r}))\n"
        f"print(json.dumps([summary.events, sorted(m for m in {FORBIDDEN!r} if m in sys.modules)]))\n"
    )
    completed = run_subprocess("-c", script)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout.strip().splitlines()[-1]) == [42, []]
