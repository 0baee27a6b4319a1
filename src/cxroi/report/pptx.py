"""board.pptx: the board deck, one slide per part of the story, with native charts and tables.

The money comes first (the pillars, what if we stopped AI, ROI and payback, the rolling 12-month
trend, the assumptions), then loyalty (retention, the signal chain, the monthly CSAT gap,
containment masking), the people (agents, the workforce), efficiency and governance. A section
with a banner (an ROI on default costs) shows it under the title, above everything else. A long
table continues on further slides rather than being cut. The zip is rewritten with fixed
timestamps (and the embedded workbooks' dates pinned) so equal results give equal bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.presentation import Presentation as Deck
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from cxroi.report import style
from cxroi.report.model import Banner, Report, Section, Tile
from cxroi.report.pptx_charts import draw_chart
from cxroi.report.pptx_parts import (
    CONTENT_W,
    LEFT,
    H,
    W,
    add_text,
    draw_table,
    inch,
    rgb,
    rows_that_fit,
)

_FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
BOTTOM = H - inch(0.6)  # above the footer


def _text_height(text: str, size: float, width: int) -> int:
    chars_per_line = max(int(width / (Pt(size) * 0.5)), 10)
    lines = -(-len(text) // chars_per_line)
    return int(Pt(size) * 1.25 * lines + inch(0.12))


def _slide(prs: Deck, title: str, lead: str = "") -> tuple[Slide, int]:
    """A titled slide with its lead sentence; returns the slide and where content may start."""
    slide: Slide = prs.slides.add_slide(prs.slide_layouts[5])  # "Title Only": a real title placeholder
    bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Emu(0), Emu(0), Inches(0.18), Inches(1.2))
    bar.fill.solid()
    bar.fill.fore_color.rgb = rgb(style.ACCENT)
    bar.line.fill.background()
    t = slide.shapes.title
    assert t is not None
    t.left, t.top, t.width, t.height = Emu(LEFT), Inches(0.3), Emu(CONTENT_W), Inches(0.8)
    t.text = title
    para = t.text_frame.paragraphs[0]
    para.alignment = PP_ALIGN.LEFT
    para.runs[0].font.size = Pt(26 if len(title) < 60 else 20)
    para.runs[0].font.bold = True
    para.runs[0].font.color.rgb = rgb(style.ACCENT)
    t.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    top = inch(1.15)
    if lead:
        size = 16 if len(lead) < 220 else 13
        height = _text_height(lead, size, CONTENT_W)
        add_text(slide, LEFT, top, CONTENT_W, height, [lead], size=size, color=style.INK)
        top += height
    return slide, top + inch(0.1)


def _title_slide(prs: Deck, report: Report) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[0])
    slide.background.fill.solid()
    slide.background.fill.fore_color.rgb = rgb(style.ACCENT)
    title = slide.shapes.title
    assert title is not None
    title.left, title.top, title.width, title.height = Emu(LEFT), Inches(2.0), Emu(CONTENT_W), Inches(1.6)
    title.text = report.title
    sub: Any = slide.placeholders[1]
    sub.left, sub.top, sub.width, sub.height = Emu(LEFT), Inches(3.8), Emu(CONTENT_W), Inches(1.6)
    lines = [report.subtitle, "   ".join(f"{k}: {v}" for k, v in report.facts.items())]
    sub.text_frame.text = lines[0]
    sub.text_frame.add_paragraph().text = lines[1]
    for shape, size, bold in ((title, 40, True), (sub, 18, False)):
        for j, p in enumerate(shape.text_frame.paragraphs):
            p.alignment = PP_ALIGN.LEFT
            for r in p.runs:
                r.font.size, r.font.bold = Pt(size if j == 0 else 14), bold
                r.font.color.rgb = rgb("#ffffff" if shape is title or j == 0 else "#dbeafe")


def _footer(slide: Slide, report: Report, number: int) -> None:
    add_text(slide, LEFT, H - inch(0.45), CONTENT_W - inch(1), inch(0.3), [report.footer], size=9, color=style.MUTED)
    add_text(slide, W - LEFT - inch(1), H - inch(0.45), inch(1), inch(0.3), [str(number)], size=9,
             color=style.MUTED, align=PP_ALIGN.RIGHT)


def _box(slide: Slide, top: int, lines: Sequence[tuple[str, bool]], fill: str, line: str, size: float) -> int:
    height = sum(_text_height(t, size, CONTENT_W - inch(0.3)) for t, _ in lines) + inch(0.1)
    box = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Emu(LEFT), Emu(top), Emu(CONTENT_W), Emu(height))
    box.fill.solid()
    box.fill.fore_color.rgb = rgb(fill)
    box.line.color.rgb = rgb(line)
    box.shadow.inherit = False
    tf = box.text_frame
    tf.word_wrap = True
    tf.vertical_anchor = MSO_ANCHOR.TOP
    for j, (text, bold) in enumerate(lines):
        p = tf.paragraphs[0] if j == 0 else tf.add_paragraph()
        p.alignment = PP_ALIGN.LEFT
        run = p.add_run()
        run.text = text
        run.font.size, run.font.bold, run.font.color.rgb = Pt(size), bold, rgb(style.INK)
    return top + height + inch(0.15)


def _banner(slide: Slide, banner: Banner, top: int) -> int:
    return _box(slide, top, [(banner.title, True), (banner.text, False)], "#fef3c7", "#d97706", 12)


def _tiles(slide: Slide, tiles: Sequence[Tile], top: int) -> int:
    tiles = list(tiles)[:4]
    gap = inch(0.2)
    width = int((CONTENT_W - gap * (len(tiles) - 1)) / len(tiles))
    height = inch(1.3)
    for i, t in enumerate(tiles):
        left = LEFT + i * (width + gap)
        box = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Emu(left), Emu(top), Emu(width), Emu(height))
        box.adjustments[0] = 0.08
        box.fill.solid()
        box.fill.fore_color.rgb = rgb(style.TONE_BG.get(t.tone, "#f3f4f6"))
        box.line.fill.background()
        box.shadow.inherit = False
        tf = box.text_frame
        tf.word_wrap = True
        tf.vertical_anchor = MSO_ANCHOR.TOP
        fg = style.TONE_FG.get(t.tone, style.INK)
        for j, (text, size, bold, col) in enumerate(((t.label.upper(), 10, False, style.MUTED),
                                                     (t.value, 22 if len(t.value) < 14 else 15, True, fg),
                                                     (t.detail, 9.5, False, style.MUTED))):
            p = tf.paragraphs[0] if j == 0 else tf.add_paragraph()
            p.alignment = PP_ALIGN.LEFT
            run = p.add_run()
            run.text = text
            run.font.size, run.font.bold, run.font.color.rgb = Pt(size), bold, rgb(col)
    return top + height + inch(0.2)


def _tables(slide: Slide, sec: Section, top: int, bottom: int) -> None:
    y = top
    for t in sec.tables:
        if bottom - y < inch(1.0) or not t.rows:
            break
        n = rows_that_fit(t, 0, CONTENT_W, bottom - y - inch(0.35))
        y += draw_table(slide, t, LEFT, y, CONTENT_W, range(n))
        if n < len(t.rows):
            add_text(slide, LEFT, y + inch(0.02), CONTENT_W, inch(0.3),
                     [f"+ {len(t.rows) - n} more rows in report.html"], size=10, color=style.MUTED)
            break
        y += inch(0.25)


def _section_slide(prs: Deck, report: Report, sec: Section, pngs: dict[str, bytes],
                   chart_keys: Sequence[str] = (), text_lines: int = 3, prefer_table: bool = False) -> Slide:
    slide, top = _slide(prs, sec.title, sec.lead)
    if sec.banner is not None:
        top = _banner(slide, sec.banner, top)
    if sec.tiles:
        top = _tiles(slide, sec.tiles, top)
    bottom = BOTTOM - (inch(1.45) if sec.unlock else 0)
    charts = [c for c in sec.charts if c.key in chart_keys] or ([] if chart_keys else list(sec.charts[:1]))
    avail = bottom - top
    text = [*sec.paragraphs, *sec.bullets][:text_lines]
    if prefer_table and sec.tables:
        _tables(slide, sec, top, bottom)
    elif charts and avail > inch(1.5):
        if len(charts) == 1 and text:
            draw_chart(slide, charts[0], pngs, report.currency, LEFT, top, inch(7.4), avail)
            add_text(slide, LEFT + inch(7.7), top, CONTENT_W - inch(7.7), avail, text, size=13, bullets=True)
        else:
            width = int((CONTENT_W - inch(0.3) * (len(charts) - 1)) / len(charts))
            for i, c in enumerate(charts):
                draw_chart(slide, c, pngs, report.currency, LEFT + i * (width + inch(0.3)), top, width, avail)
    elif sec.tables and avail > inch(1.0):
        _tables(slide, sec, top, bottom)
    elif text:
        add_text(slide, LEFT, top, CONTENT_W, avail, text, size=14, bullets=True)
    if sec.unlock:
        lines = [("What would unlock this", True)] + [(u, False) for u in sec.unlock[:2]]
        _box(slide, max(top, BOTTOM - inch(1.35)), lines, "#fffbeb", "#f59e0b", 12)
    return slide


def _table_slides(prs: Deck, sec: Section, size: float = 9.5, most: int = 5) -> None:
    """A long table (the assumptions) over as many slides as it needs, up to ``most``."""
    if not sec.tables:
        _section_slide_text(prs, sec)
        return
    t = sec.tables[0]
    start, page = 0, 0
    while start < len(t.rows) and page < most:
        title = sec.title + (" (continued)" if page else "")
        slide, top = _slide(prs, title, sec.lead if page == 0 else "")
        n = rows_that_fit(t, start, CONTENT_W, BOTTOM - top - inch(0.35), size)
        used = draw_table(slide, t, LEFT, top, CONTENT_W, range(start, start + n), size)
        start, page = start + n, page + 1
        if start < len(t.rows) and page == most:
            add_text(slide, LEFT, top + used, CONTENT_W, inch(0.3),
                     [f"+ {len(t.rows) - start} more rows in report.html"], size=10, color=style.MUTED)


def _section_slide_text(prs: Deck, sec: Section) -> None:
    slide, top = _slide(prs, sec.title, sec.lead)
    add_text(slide, LEFT, top, CONTENT_W, BOTTOM - top, list(sec.paragraphs[:5]), size=14, bullets=True)


def render_pptx(report: Report, pngs: dict[str, bytes]) -> bytes:
    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(W), Emu(H)
    s = {sec.key: sec for sec in report.sections}
    _title_slide(prs, report)
    km, top = _slide(prs, "Key messages")
    add_text(km, LEFT, top + inch(0.1), CONTENT_W, BOTTOM - top, list(report.key_messages), size=15, bullets=True)
    _section_slide(prs, report, s["headline"], pngs, prefer_table=True)
    _section_slide(prs, report, s["what_if"], pngs, prefer_table=True)
    _section_slide(prs, report, s["roi"], pngs, text_lines=4)
    _section_slide(prs, report, s["trend"], pngs, ("trend_benefits", "trend_roi"))
    _table_slides(prs, s["assumptions"])
    _section_slide(prs, report, s["retention"], pngs, ("retention_curves", "retention_delta"))
    _section_slide(prs, report, s["chain"], pngs)
    _section_slide(prs, report, s["experience"], pngs, ("csat_by_mode", "csat_delta_monthly"))
    _section_slide(prs, report, s["masking"], pngs, ("masking_monthly",))
    _section_slide(prs, report, s["agents"], pngs, ("agent_index", "lead_lag"))
    _section_slide(prs, report, s["workforce"], pngs, prefer_table=True)
    _section_slide(prs, report, s["efficiency"], pngs, ("resolution_by_mode", "cost_by_mode"))
    _section_slide(prs, report, s["stack"], pngs)
    _section_slide(prs, report, s["debt"], pngs)
    _section_slide(prs, report, s["methods"], pngs, text_lines=5)
    for i, slide in enumerate(prs.slides, start=1):
        if i > 1:
            _footer(slide, report, i)
    stamp = _stamp(report.as_of)
    prs.core_properties.title = report.title
    prs.core_properties.author = prs.core_properties.last_modified_by = "cxroi"
    prs.core_properties.created = prs.core_properties.modified = stamp
    prs.core_properties.revision = 1
    buf = io.BytesIO()
    prs.save(buf)
    return _normalise_zip(buf.getvalue(), stamp)


def _stamp(as_of: str) -> datetime:
    try:
        return datetime.fromisoformat(as_of.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None, microsecond=0)
    except ValueError:
        return datetime(2000, 1, 1)


def _normalise_zip(data: bytes, stamp: datetime) -> bytes:
    """Same content → same bytes: fixed zip times, and the embedded workbooks' dates pinned."""
    out = io.BytesIO()
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename.endswith(".xlsx"):
                blob = _normalise_zip(blob, stamp)
            elif info.filename == "docProps/core.xml":
                blob = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", lambda m: m.group(1) + iso.encode(), blob)
            dst.writestr(zipfile.ZipInfo(info.filename, _FIXED_ZIP_TIME), blob, zipfile.ZIP_DEFLATED)
    return out.getvalue()
