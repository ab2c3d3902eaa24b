"""The HTML report in a real headless browser (Debian's chromium): the page loads from a file with no
network, its sections are all there after load, it logs no console error, and a screenshot is saved as
the CI artefact (tests/artifacts/report.png). Skipped, with the reason, only when chromium is absent."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from test_report import ORDERS, SECTIONS, report_app

from conftest import CLI_ENV

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = next((p for p in (shutil.which("chromium"), "/usr/bin/chromium", shutil.which("chromium-browser")) if p and os.path.exists(p)), None)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install -y chromium)")


def _chromium(page: Path, profile: Path, *action: str) -> subprocess.CompletedProcess:
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
        f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *action, page.resolve().as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    """Week 12 of the example against week 11, with a gate that fires (so the banner shows too)."""
    from typer.testing import CliRunner

    target = tmp_path_factory.mktemp("browser") / "report.html"
    result = CliRunner().invoke(
        report_app(),
        ["report", str(ORDERS), "--period", "2026-W12", "--compare", "previous", "--fail-on", "score>20", "-o", str(target)],
        env=CLI_ENV,
    )
    assert result.exit_code == 1, result.stderr
    return target


def _console_messages(stderr: str) -> list[str]:
    """Messages the page wrote to its console, or that the browser logged about it (CSP, failed loads)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Refused to" in line or "net::ERR" in line]


def test_the_page_loads_with_every_section_and_no_console_error(page, tmp_path):
    completed = _chromium(page, tmp_path / "profile", "--dump-dom")
    assert completed.returncode == 0, completed.stderr[-2000:]
    dom = completed.stdout
    assert "<title>CX friction report · 2026-W12</title>" in dom
    for section in SECTIONS + ("gates",):
        assert re.search(rf'id="{section}"', dom), section
    assert "CI gate failed" in dom
    if shutil.which("dot"):  # graphviz draws the map; without it the page says the map is unavailable
        assert 'id="map-title"' in dom
    else:
        assert "Process map unavailable" in dom
    assert len(re.findall(r"<svg\b", dom)) >= 2  # the charts survived parsing as inline SVG
    assert _console_messages(completed.stderr) == []


def test_screenshot_for_the_ci_artefact(page, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    if shot.exists():
        shot.unlink()
    completed = _chromium(page, tmp_path / "profile", "--window-size=1280,4800", f"--screenshot={shot}")
    assert completed.returncode == 0, completed.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
    assert _console_messages(completed.stderr) == []


def test_it_prints(page, tmp_path):
    pdf = tmp_path / "report.pdf"
    completed = _chromium(page, tmp_path / "profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    assert completed.returncode == 0, completed.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", data)) >= 2
