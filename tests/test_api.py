"""The public API: every call named in `cxmine.__all__` exists, has a docstring with an example, and the
examples run (doctest, from the repository root where examples/ lives)."""
from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

import cxmine

ROOT = Path(__file__).resolve().parents[1]
CALLS = ("load_log", "load_inputs", "rank_friction", "customer_timings", "build_report", "discover", "check_conformance")


def test_the_public_api_is_complete():
    assert set(CALLS) <= set(cxmine.__all__)
    for name in CALLS:
        function = getattr(cxmine, name)
        assert callable(function) and function.__doc__, name


@pytest.mark.parametrize("name", CALLS)
def test_docstring_example_runs(name, monkeypatch):
    monkeypatch.chdir(ROOT)
    function = getattr(cxmine, name)
    assert ">>>" in function.__doc__, f"{name} has no example"
    module = importlib.import_module(function.__module__)
    finder = doctest.DocTestFinder()
    tests = [t for t in finder.find(module, globs=vars(module).copy()) if t.name.endswith("." + name)]
    assert tests, name
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in tests:
        runner.run(test)
    assert runner.failures == 0 and runner.tries > 0, name
