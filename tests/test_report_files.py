"""The three files as a reader gets them: the deck opened with python-pptx, the PDF rasterised
with pdftoppm, the HTML checked for anything that could reach the network, and all three checked
for identifiers and for byte-identical reruns.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from pptx import Presentation
from report_fixtures import SECRETS, full_results, rendered, results

from cxroi.report import write_report
from cxroi.report.privacy import find_identifiers

SLIDE_TITLES = [
    "AI in customer service: revenue, loyalty and cost",
    "Key messages",
    "Revenue protected, generated and at risk",
    "What if we stopped AI tomorrow?",
    "Do customers stay? Retention with and without AI",
    "The loyalty signal chain",
    "How customers feel: CSAT, NPS and effort",
    "Agent experience: the early warning",
    "Efficiency, as supporting evidence",
    "The metric stack: owners and triggers",
    "Measurement debt",
    "Methods and caveats",
]
needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
                                   reason="poppler-utils not installed (apt-get install -y poppler-utils)")


def _deck_text(path: Path) -> str:
    prs = Presentation(str(path))
    parts = []
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts += [c.text for row in shape.table.rows for c in row.cells]
            if shape.has_chart and shape.chart.has_title:
                parts.append(shape.chart.chart_title.text_frame.text)
    return "\n".join(parts)


@pytest.mark.parametrize("kind", ["full", "demo", "identifiers"])
def test_deck_has_the_board_story(kind: str) -> None:
    prs = Presentation(str(rendered(kind) / "board.pptx"))
    titles = [s.shapes.title.text if s.shapes.title is not None else "" for s in prs.slides]
    assert 8 <= len(titles) <= 12
    assert titles == SLIDE_TITLES
    charts = [sh.chart for s in prs.slides for sh in s.shapes if sh.has_chart]
    assert len(charts) >= (5 if kind == "full" else 2)
    for chart in charts:
        assert chart.has_title and chart.chart_title.text_frame.text
        assert chart.plots and all(len(list(s.values)) > 0 for s in chart.plots[0].series)
    text = _deck_text(rendered(kind) / "board.pptx")
    assert find_identifiers(text) == []


def test_native_chart_values_are_the_results() -> None:
    """The deck's resolution chart holds the results' FCR values, editable in PowerPoint."""
    r = full_results()
    prs = Presentation(str(rendered("full") / "board.pptx"))
    chart = next(sh.chart for s in prs.slides for sh in s.shapes
                 if sh.has_chart and sh.chart.chart_title.text_frame.text.startswith("True resolution by mode"))
    seven = chart.plots[0].series[0]
    assert list(chart.plots[0].categories) == ["AI only", "Hybrid", "Human only"]
    assert list(seven.values) == [r["metrics"]["fcr_7d"][m] for m in ("ai_only", "hybrid", "human_only")]
    xml = chart._chartSpace.xml
    assert "<c:errBars>" in xml and 'val="cust"' in xml  # the 95% intervals travel with the chart


def test_chain_slide_is_an_editable_table() -> None:
    prs = Presentation(str(rendered("full") / "board.pptx"))
    slide = prs.slides[SLIDE_TITLES.index("The loyalty signal chain")]
    table = next(sh.table for sh in slide.shapes if sh.has_table)
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == ["Touchpoint", "Effort reduction", "Resolution quality", "Sentiment shift", "Behavioural change"]
    assert ["Chatbot", "Positive · CES", "Negative · FCR 7d", "Inconclusive", "Unknown"] in cells


def _pages(pdf: Path, out: Path) -> list[Path]:
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(out / "page")], check=True, timeout=120)
    return sorted(out.glob("page-*.png"))


def _ink(png: Path) -> float:
    """Share of pixels that are not (near) white."""
    with Image.open(png) as im:
        grey = im.convert("L")
        hist = grey.histogram()
    return 1 - sum(hist[245:]) / sum(hist)


@needs_poppler
@pytest.mark.parametrize("kind", ["full", "demo"])
def test_pdf_pages_are_not_blank(kind: str, tmp_path: Path) -> None:
    pages = _pages(rendered(kind) / "report.pdf", tmp_path)
    assert len(pages) >= 3
    for page in pages:
        assert _ink(page) > 0.01, page.name
    text = subprocess.run(["pdftotext", str(rendered(kind) / "report.pdf"), "-"],
                          capture_output=True, text=True, check=True, timeout=60).stdout
    flat = " ".join(text.split())
    at = flat.find("Key messages")
    for title in SLIDE_TITLES[2:]:  # every section, in the story's order
        at = flat.find(title, at + 1)
        assert at >= 0, title
    assert find_identifiers(text) == []


@needs_poppler
def test_pdf_uses_an_embedded_unicode_font() -> None:
    fonts = subprocess.run(["pdffonts", str(rendered("full") / "report.pdf")], capture_output=True, text=True,
                           timeout=60).stdout if shutil.which("pdffonts") else ""
    if fonts:
        assert "DejaVu" in fonts and " yes " in fonts  # embedded: the minus signs print anywhere


@pytest.mark.parametrize("kind", ["full", "demo"])
def test_html_is_self_contained(kind: str) -> None:
    html = (rendered(kind) / "report.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "<script" not in html and "<link" not in html and "@import" not in html
    refs = re.findall(r'(?:src|href|xlink:href)="([^"]*)"', html)
    assert refs and all(r.startswith("#") for r in refs), [r for r in refs if not r.startswith("#")][:5]
    assert all(u.startswith("#") for u in re.findall(r"url\(([^)]*)\)", html))
    assert not re.search(r"https?://", re.sub(r'xmlns(:\w+)?="[^"]*"', "", html))
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # charts' internal ids do not collide


def test_no_identifier_survives_into_any_file() -> None:
    out = rendered("identifiers")
    html = (out / "report.html").read_text(encoding="utf-8")
    deck = _deck_text(out / "board.pptx")
    blobs = [html, deck]
    with zipfile.ZipFile(out / "board.pptx") as z:
        blobs += [z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")]
    if shutil.which("pdftotext"):
        blobs.append(subprocess.run(["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True,
                                    check=True, timeout=60).stdout)
    for blob in blobs:
        for secret in SECRETS:
            assert secret not in blob
    assert "[redacted]" in html and "[redacted]" in deck


def test_files_are_byte_identical_across_runs(tmp_path: Path) -> None:
    again = write_report(results("demo"), tmp_path, min_cell=10)
    first = rendered("demo")
    for name, path in (("report.html", again.html), ("report.pdf", again.pdf), ("board.pptx", again.pptx)):
        assert (first / name).read_bytes() == path.read_bytes(), name


def test_pptx_opens_as_a_valid_package() -> None:
    data = (rendered("full") / "board.pptx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        names = z.namelist()
    assert "ppt/presentation.xml" in names and any(n.startswith("ppt/charts/chart") for n in names)
    assert any(n.startswith("ppt/embeddings/") and n.endswith(".xlsx") for n in names)  # chart data is editable


def test_min_cell_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_report(full_results(), tmp_path, min_cell=0)


def test_odd_inputs_still_render(tmp_path: Path) -> None:
    """Nulls where numbers were expected, one-point series, negative money, unknown shapes: no crash."""
    r = full_results()
    r["metrics"]["csat"] = dict.fromkeys(r["metrics"]["csat"])
    r["metrics"]["intervals"]["csat"] = {"ai_only": None, "hybrid": {"estimate": 0.7, "ci_low": None, "ci_high": None},
                                         "human_only": None, "all": None}
    r["metrics"]["monthly"] = r["metrics"]["monthly"][:1]
    r["value"]["revenue_protected"] = {"estimate": -5e5, "ci_low": -9e5, "ci_high": -1e5}
    r["retention"]["curves"] = {"ai_assisted": [{"day": 0, "survival": 1.0}, {"day": 10, "survival": 0.99}]}
    r["agents"]["index"] = 55.0
    r["chain"] = [{"touchpoint": "ivr", "link": "effort", "status": "weird"}]
    r["stack"] = "nonsense"
    r["alerts"] = [{"kind": "x"}]
    r["audit"] = {"gaps": [{"name": "nps", "status": "gap"}]}
    files = write_report(r, tmp_path, min_cell=10)
    assert len(Presentation(str(files.pptx)).slides) == len(SLIDE_TITLES)
    html = files.html.read_text(encoding="utf-8")
    assert "lost revenue rather than protecting it" in html and "Unknown" in html
