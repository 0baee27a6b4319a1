"""The board report: report.html, report.pdf and board.pptx from the typed results tree.

Everything renders from :class:`cxroi.results.tree.Results` alone (what results.json holds, read
back with :func:`cxroi.results.files.load_results` or passed straight from an analysis), never
from raw data, so any dataset works and a section whose numbers cannot be computed says why and
what data would unlock it. Outputs hold aggregates only: any number resting on fewer than
``min_cell`` rows is shown as ``n<min_cell``, every label from data passes through redaction, and
the visible text of each file is checked for identifier-like strings before it is kept.
docs/report.md describes the story, its wording rules and the deck.

>>> files = write_report(results, Path("out"), min_cell=10)   # doctest: +SKIP
>>> files.html, files.pdf, files.pptx                          # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cxroi.report import charts
from cxroi.report.html import render_html
from cxroi.report.model import Report
from cxroi.report.pdf import render_pdf
from cxroi.report.pptx import render_pptx
from cxroi.report.privacy import PrivacyError, assert_clean
from cxroi.report.sections import build_report, report_text
from cxroi.results.tree import Results

__all__ = ["PrivacyError", "Report", "ReportFiles", "build_report", "report_text", "write_report"]


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    pdf: Path
    pptx: Path


def write_report(results: Results, out_dir: Path, min_cell: int = 10) -> ReportFiles:
    """Write report.html, report.pdf and board.pptx into ``out_dir``; return their paths.

    Raises :class:`PrivacyError` (and writes nothing) if rendered text would show an
    identifier-like string; that would be a bug upstream, never expected in normal use.
    """
    if min_cell < 1:
        raise ValueError("min_cell must be at least 1")
    report = build_report(results, min_cell)
    assert_clean(report_text(report), "report text")
    all_charts = [c for s in report.sections for c in s.charts]
    # Chart labels come from data too (channels, touchpoints, links): they are checked like the text.
    assert_clean(" ".join(x for c in all_charts for x in (c.title, *c.categories, *(s.name for s in c.series))),
                 "chart labels")
    drawn = {c.key: charts.render(c, report.currency) for c in all_charts}
    svgs = {k: v[0] for k, v in drawn.items()}
    pngs = {k: v[1] for k, v in drawn.items()}
    html = render_html(report, svgs)
    pdf = render_pdf(report, pngs)
    pptx = render_pptx(report, pngs)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = ReportFiles(out_dir / "report.html", out_dir / "report.pdf", out_dir / "board.pptx")
    files.html.write_text(html, encoding="utf-8")
    files.pdf.write_bytes(pdf)
    files.pptx.write_bytes(pptx)
    return files
