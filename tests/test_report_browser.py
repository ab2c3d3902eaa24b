"""The HTML report in a real headless browser (Debian's chromium): the page loads from a file with no
network, its sections are all there after load, it logs no console error, nothing runs off the right of
the page (at desktop, A4 and phone widths), the process map's labels do not overlap and stay legible at
A4 width, and a screenshot is saved as the CI artefact (tests/artifacts/report.png). Skipped, with the
reason, only when chromium is absent."""
from __future__ import annotations

import json
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


# Layout is measured by a script added to a copy of the page (the page itself forbids scripts by its CSP):
# every element's box against the viewport, and each text of the map against every other.
MEASURE = """
(function () {
  var width = document.documentElement.clientWidth, over = [];
  document.querySelectorAll("body *").forEach(function (el) {
    var r = el.getBoundingClientRect();
    if ((r.width || r.height) && (r.right > width + 0.5 || r.left < -0.5)) {
      over.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " + Math.round(r.left) + ".." + Math.round(r.right));
    }
  });
  var texts = [], overlaps = [], smallest = null, svg = document.querySelector("#map svg");
  if (svg) {
    svg.querySelectorAll("text").forEach(function (t) {
      var r = t.getBoundingClientRect();
      if (!t.textContent.trim() || !r.width) return;
      texts.push({text: t.textContent, l: r.left, r: r.right, t: r.top, b: r.bottom});
      var size = parseFloat(t.getAttribute("font-size") || getComputedStyle(t).fontSize) * t.getScreenCTM().a;
      if (smallest === null || size < smallest) smallest = size;
    });
    for (var i = 0; i < texts.length; i++) for (var j = i + 1; j < texts.length; j++) {
      var a = texts[i], b = texts[j];
      if (Math.min(a.r, b.r) - Math.max(a.l, b.l) > 1 && Math.min(a.b, b.b) - Math.max(a.t, b.t) > 1) overlaps.push(a.text + " / " + b.text);
    }
  }
  var out = document.createElement("pre");
  out.id = "measured";
  out.textContent = JSON.stringify({width: width, scroll_width: document.documentElement.scrollWidth, overflowing: over.slice(0, 20),
    map_texts: texts.length, overlaps: overlaps, smallest_map_font_px: smallest});
  document.body.appendChild(out);
})();
"""
A4_CONTENT_WIDTH_PX = 703  # 210 mm − 2 × 12 mm margins, at 96 px per inch (the page's @page rule)


def _measure(page: Path, tmp_path: Path, width: int) -> dict:
    copy = tmp_path / f"measured-{width}.html"
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page.read_text(encoding="utf-8"), count=1)
    copy.write_text(html.replace("</body>", f"<script>{MEASURE}</script></body>", 1), encoding="utf-8")
    completed = _chromium(copy, tmp_path / f"profile-{width}", f"--window-size={width},2000", "--dump-dom")
    assert completed.returncode == 0, completed.stderr[-2000:]
    found = re.search(r'<pre id="measured">(.*?)</pre>', completed.stdout, re.S)
    assert found, "the measuring script did not run"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))


@pytest.mark.parametrize("width", [1280, A4_CONTENT_WIDTH_PX, 500], ids=["desktop", "a4", "narrow"])  # 500: headless chromium's narrowest window
def test_nothing_runs_off_the_right_of_the_page(page, tmp_path, width):
    measured = _measure(page, tmp_path, width)
    assert measured["width"] == width
    assert measured["overflowing"] == [], measured["overflowing"]
    assert measured["scroll_width"] <= width


@pytest.mark.skipif(not shutil.which("dot"), reason="graphviz draws the map; without it the page has none")
def test_the_map_labels_do_not_overlap_and_read_at_a4_width(page, tmp_path):
    measured = _measure(page, tmp_path, A4_CONTENT_WIDTH_PX)
    assert measured["map_texts"] >= 20  # activities, counts, edge labels: the map is there
    assert measured["overlaps"] == [], measured["overlaps"]
    # 8 CSS px = 6 pt: the smallest type a printed page can carry (the report's map is drawn for the page)
    assert measured["smallest_map_font_px"] >= 8, (measured["smallest_map_font_px"], "the report's map must be drawn for the page (processmap.page_svg)")
