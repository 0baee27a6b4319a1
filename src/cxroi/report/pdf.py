"""report.pdf: the same report paginated for print, with reportlab (pure pip, no browser).

Text is set in DejaVu Sans, taken from matplotlib's own data so it exists wherever the charts
can be drawn, and embedded (subset) so minus signs, ≥ and × print everywhere. ``invariant=1``
drops the creation date and random document id: the same results give the same bytes.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import matplotlib
from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Image,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from cxroi.report import style
from cxroi.report.model import Banner, Report, Section
from cxroi.report.model import Table as RTable

FONT, BOLD = "CxDejaVu", "CxDejaVu-Bold"
PAGE_W, PAGE_H = A4
MARGIN = 16 * mm
FRAME_W = PAGE_W - 2 * MARGIN


def _fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(ttf / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(ttf / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    ink = colors.HexColor(style.INK)
    muted = colors.HexColor(style.MUTED)
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=13.5, textColor=ink, alignment=TA_LEFT, spaceAfter=5)
    return {
        "base": base,
        "lead": ParagraphStyle("lead", parent=base, fontSize=11.5, leading=15.5, spaceAfter=7),
        "h1": ParagraphStyle("h1", parent=base, fontName=BOLD, fontSize=22, leading=27, textColor=colors.white),
        "sub": ParagraphStyle("sub", parent=base, fontSize=11, leading=14, textColor=colors.white),
        "h2": ParagraphStyle("h2", parent=base, fontName=BOLD, fontSize=15, leading=19, spaceBefore=6, spaceAfter=6),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10.5, spaceAfter=0),
        "head": ParagraphStyle("head", parent=base, fontName=BOLD, fontSize=8, leading=10.5, spaceAfter=0),
        "caption": ParagraphStyle("caption", parent=base, fontName=BOLD, fontSize=9, leading=12, spaceBefore=4, spaceAfter=3,
                                  keepWithNext=1),
        "note": ParagraphStyle("note", parent=base, fontSize=7.5, leading=10, textColor=muted),
        "tlabel": ParagraphStyle("tlabel", parent=base, fontSize=7, leading=9, textColor=muted, spaceAfter=1),
        "tvalue": ParagraphStyle("tvalue", parent=base, fontName=BOLD, fontSize=15, leading=18, spaceAfter=1),
        "tdetail": ParagraphStyle("tdetail", parent=base, fontSize=7, leading=9, textColor=muted, spaceAfter=0),
    }


def _p(text: str, st: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), st)


def _tone(tone: str) -> tuple[Any, Any]:
    bg = style.TONE_BG.get(tone)
    fg = style.TONE_FG.get(tone, style.INK)
    return (colors.HexColor(bg) if bg else colors.HexColor("#f9fafb")), colors.HexColor(fg)


def _tiles(sec: Section, st: dict[str, ParagraphStyle]) -> Flowable:
    tiles = list(sec.tiles)
    per_row = min(4, len(tiles))
    width = FRAME_W / per_row
    cells: list[list[Any]] = []
    cmds: list[tuple[Any, ...]] = [("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 7), ("RIGHTPADDING", (0, 0), (-1, -1), 7),
                                   ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 7)]
    for r in range(0, len(tiles), per_row):
        row: list[Any] = []
        for c, t in enumerate(tiles[r:r + per_row]):
            bg, fg = _tone(t.tone)
            value_style = ParagraphStyle("tv", parent=st["tvalue"], textColor=fg if t.tone else colors.HexColor(style.INK),
                                         fontSize=15 if len(t.value) < 14 else 11)
            row.append([_p(t.label.upper(), st["tlabel"]), _p(t.value, value_style), _p(t.detail, st["tdetail"])])
            cmds.append(("BACKGROUND", (c, r // per_row), (c, r // per_row), bg))
            cmds.append(("BOX", (c, r // per_row), (c, r // per_row), 2, colors.white))
        row += [""] * (per_row - len(row))
        cells.append(row)
    table = Table(cells, colWidths=[width] * per_row)
    table.setStyle(TableStyle(cmds))
    return table


def _table(t: RTable, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    ncol = len(t.header)
    first = FRAME_W * (0.26 if ncol >= 4 else 0.34)
    widths = [first] + [(FRAME_W - first) / max(ncol - 1, 1)] * (ncol - 1) if ncol > 1 else [FRAME_W]
    data: list[list[Any]] = [[_p(h, st["head"]) for h in t.header]]
    cmds: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f4f6")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.HexColor(style.GRID)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for i, row in enumerate(t.rows, start=1):
        cells = []
        for j, c in enumerate(row):
            if c.tone:
                bg, fg = _tone(c.tone)
                cmds.append(("BACKGROUND", (j, i), (j, i), bg))
                cells.append(Paragraph(escape(c.text), ParagraphStyle("tc", parent=st["cell"], textColor=fg, fontName=BOLD)))
            else:
                cells.append(_p(c.text, st["cell"]))
        data.append(cells)
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(cmds))
    out: list[Flowable] = [_p(t.caption, st["caption"]), table]
    if t.note:
        out.append(_p(t.note, st["note"]))
    out.append(Spacer(1, 4))
    return out


def _unlock(lines: tuple[str, ...], st: dict[str, ParagraphStyle]) -> Flowable:
    body = [_p("What would unlock this", ParagraphStyle("ub", parent=st["cell"], fontName=BOLD))]
    body += [_p(u, st["cell"]) for u in lines]
    box = Table([[body]], colWidths=[FRAME_W])
    box.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#fffbeb")),
        ("LINEBEFORE", (0, 0), (0, -1), 3, colors.HexColor("#f59e0b")),
        ("LEFTPADDING", (0, 0), (-1, -1), 8), ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]))
    return box


def _banner(banner: Banner, st: dict[str, ParagraphStyle]) -> Flowable:
    body = [_p(banner.title, ParagraphStyle("bt", parent=st["base"], fontName=BOLD, spaceAfter=2)),
            _p(banner.text, st["cell"])]
    box = Table([[body]], colWidths=[FRAME_W])
    box.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#fef3c7")),
        ("BOX", (0, 0), (-1, -1), 1.2, colors.HexColor("#d97706")),
        ("LEFTPADDING", (0, 0), (-1, -1), 8), ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]))
    return box


def _image(png: bytes, width: float) -> Image:
    with PILImage.open(io.BytesIO(png)) as im:
        w, h = im.size
    return Image(io.BytesIO(png), width=width, height=width * h / w)


def _charts(sec: Section, pngs: dict[str, bytes], st: dict[str, ParagraphStyle]) -> list[Flowable]:
    """Charts two to a row (half width reads well at A4), a lone chart at three quarters."""
    drawn = [c for c in sec.charts if c.key in pngs]
    out: list[Flowable] = []
    if len(drawn) == 1:
        c = drawn[0]
        out.append(KeepTogether([_image(pngs[c.key], FRAME_W * 0.75), _p(c.alt, st["note"])]))
        return out
    half = FRAME_W / 2 - 3 * mm
    for i in range(0, len(drawn), 2):
        pair = drawn[i:i + 2]
        if len(pair) == 1:
            out.append(KeepTogether([_image(pngs[pair[0].key], FRAME_W * 0.75), _p(pair[0].alt, st["note"])]))
            break
        row: list[Any] = [[_image(pngs[c.key], half), _p(c.alt, st["note"])] for c in pair]
        row += [""] * (2 - len(pair))
        grid = Table([row], colWidths=[FRAME_W / 2] * 2)
        grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                  ("RIGHTPADDING", (0, 0), (-1, -1), 6)]))
        out += [grid, Spacer(1, 4)]
    return out


def _section(sec: Section, pngs: dict[str, bytes], st: dict[str, ParagraphStyle]) -> list[Flowable]:
    badge = {"partial": "  · partly measured", "missing": "  · not yet measured"}.get(sec.status, "")
    head: list[Flowable] = [Paragraph(escape(sec.title) + (f'<font size="9" color="{style.MUTED}">{badge}</font>' if badge else ""), st["h2"]),
            _p(sec.lead, st["lead"])]
    if sec.banner is not None:
        head.insert(1, _banner(sec.banner, st))
    out: list[Flowable] = [CondPageBreak(70 * mm), KeepTogether(head)]
    if sec.tiles:
        out += [_tiles(sec, st), Spacer(1, 6)]
    out += [_p(p, st["base"]) for p in sec.paragraphs]
    if sec.bullets:
        out.append(ListFlowable([ListItem(_p(b, st["base"]), leftIndent=12) for b in sec.bullets], bulletType="bullet",
                                start="•", leftIndent=12, bulletFontName=FONT))
    out += _charts(sec, pngs, st)
    for t in sec.tables:
        out += _table(t, st)
    if sec.unlock:
        out.append(_unlock(sec.unlock, st))
    out.append(Spacer(1, 10))
    return out


def render_pdf(report: Report, pngs: dict[str, bytes]) -> bytes:
    _fonts()
    st = _styles()
    buf = io.BytesIO()
    band = 62 * mm

    def first_page(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFillColor(colors.HexColor(style.ACCENT))
        canvas.rect(0, PAGE_H - band, PAGE_W, band, stroke=0, fill=1)
        canvas.restoreState()
        later_pages(canvas, doc)

    def later_pages(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(colors.HexColor(style.MUTED))
        canvas.drawString(MARGIN, 9 * mm, report.footer)
        canvas.drawRightString(PAGE_W - MARGIN, 9 * mm, f"page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=18 * mm, title=report.title, author="cxroi", subject=report.subtitle,
                            creator="cxroi", producer="cxroi", invariant=1)
    story: list[Flowable] = [Spacer(1, 4 * mm), _p(report.title, st["h1"]), _p(report.subtitle, st["sub"])]
    facts = "   ".join(f"{k}: <b>{escape(v)}</b>" for k, v in report.facts.items())
    story += [Paragraph(facts, ParagraphStyle("facts", parent=st["sub"], fontSize=8.5)), Spacer(1, band - 50 * mm)]
    story += [Paragraph("Key messages", st["h2"])]
    story.append(ListFlowable([ListItem(_p(m, st["lead"]), leftIndent=14) for m in report.key_messages],
                              bulletType="bullet", start="•", leftIndent=14, bulletFontName=FONT))
    story.append(Spacer(1, 8))
    for sec in report.sections:
        story += _section(sec, pngs, st)
    doc.build(story, onFirstPage=first_page, onLaterPages=later_pages)
    return buf.getvalue()
