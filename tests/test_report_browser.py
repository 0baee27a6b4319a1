"""report.html in a real browser: Debian's headless Chromium, driven over the DevTools protocol.

Checks what a reader would notice: the page loads with no console errors, asks the network for
nothing (the harness is shown to see requests with a page that does make one), every section
heading is on screen, the charts have a size, and a full-page screenshot is a real page (a dark
header band, colour, mostly light body), not a blank or an error page. Set
CXROI_KEEP_SCREENSHOTS=DIR to keep the screenshots for a person to look at.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from report_browser import Browser, chromium_binary
from report_fixtures import rendered

CHROMIUM = chromium_binary()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install -y chromium)")

SECTIONS = {
    "summary": "Key messages",
    "headline": "Revenue protected, generated and at risk",
    "what_if": "What if we stopped AI tomorrow?",
    "roi": "Return on AI spend and payback",
    "trend": "The rolling 12-month view",
    "assumptions": "Assumptions",
    "value_detail": "Behind the pillars: parts, gross amounts and lifetime",
    "retention": "Do customers stay? Retention with and without AI",
    "chain": "The loyalty signal chain",
    "experience": "How customers feel: CSAT, NPS and effort",
    "masking": "Containment masking: containing by making it hard to reach a human",
    "agents": "Agent experience: the early warning",
    "workforce": "The workforce: stability, and who gains from AI assistance",
    "efficiency": "Efficiency, as supporting evidence",
    "stack": "The metric stack: owners and triggers",
    "debt": "Measurement debt",
    "methods": "Methods and caveats",
}

_VISIBLE_HEADINGS = """
JSON.stringify([...document.querySelectorAll('section')].map(s => {
  const h = s.querySelector('h2'); const r = h.getBoundingClientRect(); const cs = getComputedStyle(h);
  return {id: s.id, text: h.firstChild.textContent.trim(), w: r.width, h: r.height,
          shown: cs.display !== 'none' && cs.visibility !== 'hidden' && parseFloat(cs.opacity) > 0};
}))
"""
_CHART_SIZES = """
JSON.stringify([...document.querySelectorAll('figure svg')].map(s => {
  const r = s.getBoundingClientRect(); return [s.closest('figure').id, r.width, r.height];
}))
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM is not None
    b = Browser(CHROMIUM)
    try:
        yield b
    finally:
        b.close()


def test_harness_sees_requests_and_console_errors(browser: Browser, tmp_path: Path) -> None:
    """Negative control: a page that does fetch something and does log an error is caught."""
    page = tmp_path / "leaky.html"
    # Port 9 on loopback: the request is attempted (and refused) without leaving the machine.
    page.write_text('<html><body><img src="http://127.0.0.1:9/x.png">'
                    '<script>console.error("boom")</script></body></html>', encoding="utf-8")
    load = browser.load(page.as_uri())
    assert "http://127.0.0.1:9/x.png" in load.requests
    assert any("boom" in e for e in load.errors)


@pytest.mark.parametrize("kind", ["demo", "configured"])
def test_report_loads_cleanly_and_offline(browser: Browser, kind: str, tmp_path: Path) -> None:
    path = rendered(kind) / "report.html"
    load = browser.load(path.as_uri())
    assert load.errors == []
    assert load.requests == [path.as_uri()]  # the document itself, nothing else
    assert load.failed == []

    headings = json.loads(browser.evaluate(_VISIBLE_HEADINGS))
    assert {h["id"]: h["text"] for h in headings} == SECTIONS
    for h in headings:
        assert h["shown"] and h["w"] > 100 and h["h"] > 10, h
    charts = json.loads(browser.evaluate(_CHART_SIZES))
    assert len(charts) >= 8
    for fig_id, w, h in charts:
        assert w > 250 and h > 80, fig_id

    shot = tmp_path / f"report-{kind}.png"
    shot.write_bytes(browser.screenshot())
    _looks_like_a_report(shot)
    keep = os.environ.get("CXROI_KEEP_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)


def _looks_like_a_report(png: Path) -> None:
    with Image.open(png) as im:
        rgb = im.convert("RGB")
        w, h = rgb.size
        assert w >= 1000 and h > 2500  # a long page, not an error stub
        header = rgb.crop((0, 0, w, 60)).resize((1, 1)).getpixel((0, 0))
        assert isinstance(header, tuple) and sum(header) < 300  # the dark title band rendered
        body = rgb.crop((0, 400, w, h)).convert("L").histogram()
        light = sum(body[200:]) / sum(body)
        assert 0.6 < light < 0.995  # mostly page background, but with text and charts on it
        colours = rgb.resize((64, 256)).getcolors(64 * 256) or []
        assert len(colours) > 200  # charts and tone colours, not a flat page
