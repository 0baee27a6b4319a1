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
from typing import Any

import pytest
from PIL import Image
from pptx import Presentation

from cxroi.report import build_report, write_report
from cxroi.report import figures as F
from cxroi.report.privacy import find_identifiers
from cxroi.results.model.money import Figure
from cxroi.results.model.value import Roi
from cxroi.stats.result import Estimate
from report_fixtures import SECRETS, rendered, results, swap

SLIDE_TITLES = [
    "AI in customer service: revenue, loyalty and cost",
    "Key messages",
    "Revenue protected, generated and at risk",
    "What if we stopped AI tomorrow?",
    "Return on AI spend and payback",
    "The rolling 12-month view",
    "Assumptions",
    "Do customers stay? Retention with and without AI",
    "The loyalty signal chain",
    "How customers feel: CSAT, NPS and effort",
    "Containment masking: containing by making it hard to reach a human",
    "Agent experience: the early warning",
    "The workforce: stability, and who gains from AI assistance",
    "Efficiency, as supporting evidence",
    "The metric stack: owners and triggers",
    "Measurement debt",
    "Methods and caveats",
]
BANNER = "Illustrative — configure your costs"
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


def _titles(prs: Any) -> list[str]:
    return [s.shapes.title.text if s.shapes.title is not None else "" for s in prs.slides]


def _slide(prs: Any, title: str) -> Any:
    return prs.slides[_titles(prs).index(title)]


def _slide_text(slide: Any) -> str:
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts += [c.text for row in shape.table.rows for c in row.cells]
    return "\n".join(parts)


def _chart_names(slide: Any) -> list[str]:
    """Native charts' titles and pictures' alternative text (charts drawn as pictures)."""
    names = [sh.chart.chart_title.text_frame.text for sh in slide.shapes if sh.has_chart and sh.chart.has_title]
    names += [sh._element.nvPicPr.cNvPr.get("descr", "") for sh in slide.shapes if sh.shape_type == 13]
    return names


@pytest.mark.parametrize("kind", ["demo", "configured", "identifiers"])
def test_deck_has_the_board_story(kind: str) -> None:
    prs = Presentation(str(rendered(kind) / "board.pptx"))
    titles = _titles(prs)
    # a long table (the assumptions) continues on further slides; everything else is one slide
    assert [t for t in titles if not t.endswith(" (continued)")] == SLIDE_TITLES
    assert {t.removesuffix(" (continued)") for t in titles if t.endswith(" (continued)")} <= {"Assumptions"}
    charts = [sh.chart for s in prs.slides for sh in s.shapes if sh.has_chart]
    assert len(charts) >= 5
    for chart in charts:
        assert chart.has_title and chart.chart_title.text_frame.text
        assert chart.plots and all(len(list(s.values)) > 0 for s in chart.plots[0].series)
    text = _deck_text(rendered(kind) / "board.pptx")
    assert find_identifiers(text) == []


def test_native_chart_values_are_the_results() -> None:
    """The deck's resolution chart holds the results' FCR values, editable in PowerPoint."""
    m = results("demo").metrics
    prs = Presentation(str(rendered("demo") / "board.pptx"))
    chart = next(sh.chart for s in prs.slides for sh in s.shapes
                 if sh.has_chart and sh.chart.chart_title.text_frame.text.startswith("True resolution by mode"))
    short = chart.plots[0].series[0]
    assert list(chart.plots[0].categories) == ["AI only", "Hybrid", "Human only"]
    expected = [m.fcr[min(m.fcr)].get(mode) for mode in ("ai_only", "hybrid", "human_only")]
    assert all(isinstance(e, Estimate) for e in expected)
    assert list(short.values) == pytest.approx([e.estimate for e in expected], abs=1e-12)
    xml = chart._chartSpace.xml
    assert "<c:errBars>" in xml and 'val="cust"' in xml  # the 95% intervals travel with the chart


def test_chain_slide_is_an_editable_table() -> None:
    chain = results("demo").chain
    prs = Presentation(str(rendered("demo") / "board.pptx"))
    table = next(sh.table for sh in _slide(prs, "The loyalty signal chain").shapes if sh.has_table)
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == ["Touchpoint", "Effort reduction", "Resolution quality", "Sentiment shift", "Behavioural change"]
    assert len(cells) - 1 == min(len(chain.touchpoints), len(cells) - 1) and len(cells) > 1
    for row, (_, body) in zip(cells[1:], sorted(chain.touchpoints.items())):
        statuses = [link.status for _, link in body.links.items()]
        assert [c.split(" · ")[0].lower() for c in row[1:]] == statuses


# --- issue 10: the money slides, the illustrative banner, trend, masking, CSAT gap, workforce ------------


def test_default_costs_put_roi_and_payback_under_the_banner_in_the_deck() -> None:
    v = results("demo").value
    assert v.roi_worksheet.illustrative
    prs = Presentation(str(rendered("demo") / "board.pptx"))
    roi_text = _slide_text(_slide(prs, "Return on AI spend and payback"))
    assert BANNER in roi_text and "PAYBACK" in roi_text
    assert BANNER in _slide_text(_slide(prs, "The rolling 12-month view"))
    key = _slide_text(_slide(prs, "Key messages"))
    assert all(m[:40] in key for m in build_report(results("demo"), 10).key_messages)
    assert not re.search(r"\broi\b|payback|return on", key.lower())  # "cxroi" in the footer is no match
    configured = Presentation(str(rendered("configured") / "board.pptx"))
    assert BANNER not in _deck_text(rendered("configured") / "board.pptx")
    assert "ROI" in _slide_text(_slide(configured, "Key messages"))


def test_payback_slide_shows_the_payback_figure() -> None:
    v = results("configured").value
    prs = Presentation(str(rendered("configured") / "board.pptx"))
    text = _slide_text(_slide(prs, "Return on AI spend and payback"))
    assert isinstance(v.roi, Roi) and not v.roi.illustrative
    assert "PAYBACK" in text  # the tile's label (tiles print their labels in capitals)
    pay = v.roi.payback_months
    if isinstance(pay, Figure):
        assert F.amount(pay, "") in text and F.interval(pay, "") in text
    else:
        assert "Never" in text


def test_deck_carries_trend_masking_csat_gap_and_workforce() -> None:
    r = results("demo")
    prs = Presentation(str(rendered("demo") / "board.pptx"))
    report = build_report(r, 10)
    trend_charts = [c.title for c in report.section("trend").charts]
    assert len(trend_charts) == 2
    trend = " ".join(_chart_names(_slide(prs, "The rolling 12-month view")))
    assert all(t in trend for t in trend_charts)
    masking = _chart_names(_slide(prs, "Containment masking: containing by making it hard to reach a human"))
    assert masking == ["Containment vs resolution of bot-entry contacts, month by month"]
    gap = " ".join(_chart_names(_slide(prs, "How customers feel: CSAT, NPS and effort")))
    assert "CSAT gap each month: hybrid minus human only" in gap
    workforce = _slide(prs, "The workforce: stability, and who gains from AI assistance")
    tables = [[[c.text for c in row.cells] for row in sh.table.rows] for sh in workforce.shapes if sh.has_table]
    assert len(tables) == 2
    groups = [row[0] for row in tables[1][1:]]
    assert groups[:2] == ["Novice", "Experienced"] and groups[-1] == "Gap, novice minus experienced"
    assert "NBER" in _slide_text(workforce) or "NBER" in " ".join(report.section("workforce").paragraphs)


def test_assumptions_slides_list_every_assumption() -> None:
    rows = results("demo").value.assumptions
    prs = Presentation(str(rendered("demo") / "board.pptx"))
    keys = []
    for slide in prs.slides:
        if slide.shapes.title is not None and slide.shapes.title.text.startswith("Assumptions"):
            for sh in slide.shapes:
                if sh.has_table:
                    keys += [row.cells[0].text for row in list(sh.table.rows)[1:]]
    assert keys == [a.key for a in rows]


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
@pytest.mark.parametrize("kind", ["demo", "configured"])
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
    fonts = subprocess.run(["pdffonts", str(rendered("demo") / "report.pdf")], capture_output=True, text=True,
                           check=False, timeout=60).stdout if shutil.which("pdffonts") else ""
    if fonts:
        assert "DejaVu" in fonts and " yes " in fonts  # embedded: the minus signs print anywhere


@pytest.mark.parametrize("kind", ["demo", "sparse"])
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
    # the labels were kept, redacted (the deck shows only part of the tables these labels are in)
    assert html.count("[redacted]") >= 3


def test_files_are_byte_identical_across_runs(tmp_path: Path) -> None:
    again = write_report(results("demo"), tmp_path, min_cell=10)
    first = rendered("demo")
    for name, path in (("report.html", again.html), ("report.pdf", again.pdf), ("board.pptx", again.pptx)):
        assert (first / name).read_bytes() == path.read_bytes(), name


def test_pptx_opens_as_a_valid_package() -> None:
    data = (rendered("demo") / "board.pptx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        names = z.namelist()
    assert "ppt/presentation.xml" in names and any(n.startswith("ppt/charts/chart") for n in names)
    assert any(n.startswith("ppt/embeddings/") and n.endswith(".xlsx") for n in names)  # chart data is editable


def test_min_cell_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_report(results("demo"), tmp_path, min_cell=0)


@pytest.mark.parametrize("kind", ["sparse", "negative", "inconclusive", "small_hybrid"])
def test_odd_inputs_still_render(kind: str, tmp_path: Path) -> None:
    """Nothing computable, losses, intervals over zero, suppressed cells: every file is written."""
    files = write_report(results(kind), tmp_path, min_cell=10)
    titles = _titles(Presentation(str(files.pptx)))
    assert [t for t in titles if not t.endswith(" (continued)")] == SLIDE_TITLES
    html = files.html.read_text(encoding="utf-8")
    assert files.pdf.read_bytes().startswith(b"%PDF")
    if kind == "sparse":
        assert "What would unlock this" in html or "unlock" in html.lower()
    if kind == "negative":
        assert "keep less revenue with AI than without" in html


def test_a_one_month_series_still_renders(tmp_path: Path) -> None:
    r = results("demo")
    r = swap(r, ("metrics", "monthly"), r.metrics.monthly[:1])
    files = write_report(r, tmp_path, min_cell=10)
    assert "Efficiency, as supporting evidence" in files.html.read_text(encoding="utf-8")
