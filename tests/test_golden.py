"""Outputs stay byte-identical on the bundled example and on a real log (helpdesk) unless a change means
them to differ: tests/golden/ holds what each command printed, and `tests/golden/capture.py` rewrites
it after an intended change (say why in the commit)."""
from __future__ import annotations

import difflib
import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
ROOT = GOLDEN.parents[1]
sys.path.insert(0, str(GOLDEN))
from capture import CASES  # noqa: E402


@pytest.mark.parametrize("name", sorted(CASES))
def test_output_is_unchanged(run, name, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    result = run(*CASES[name])
    assert result.exit_code == 0, result.stderr
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    if result.stdout != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), result.stdout.splitlines(True), "golden", "now", n=1))
        pytest.fail(f"{name} changed (rerun tests/golden/capture.py if intended):\n{diff[:3000]}")
