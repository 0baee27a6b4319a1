"""Small python-pptx helpers: geometry, colours, text boxes, number formats and tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from cxroi.report import fmt, style
from cxroi.report.model import Table, Unit

# Positions are plain EMU ints here and wrapped in Emu() only at python-pptx calls.
W, H = int(Inches(13.333)), int(Inches(7.5))
LEFT = int(Inches(0.6))
CONTENT_W = W - 2 * LEFT
CELL_PT = 10.5
CELL_MAX_CHARS = 110  # a slide cell is a summary; the full text is in report.html


def inch(x: float) -> int:
    return int(Inches(x))


def rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())  # type: ignore[no-untyped-call, no-any-return]


def number_format(unit: Unit, currency: str) -> str:
    if unit == "pct":
        return "0%"
    if unit == "pp":
        return '+0.0" pp";-0.0" pp"'
    if unit == "money":
        prefix = fmt.currency_prefix(currency).strip()
        return f'"{prefix}"#,##0.00'
    if unit == "nps":
        return "+0;-0;0"
    if unit == "corr":
        return "0.00"
    return "General"


def add_text(
    slide: Slide,
    left: int,
    top: int,
    width: int,
    height: int,
    lines: Sequence[str],
    size: float = 14,
    color: str = "#1f2a37",
    bullets: bool = False,
    align: PP_ALIGN = PP_ALIGN.LEFT,
) -> None:
    box = slide.shapes.add_textbox(Emu(left), Emu(top), Emu(width), Emu(height))
    tf = box.text_frame
    tf.word_wrap = True
    tf.vertical_anchor = MSO_ANCHOR.TOP
    for i, line in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.alignment = align
        if bullets:
            _bullet(p)
            p.space_after = Pt(8)
        run = p.add_run()
        run.text = line
        run.font.size = Pt(size)
        run.font.color.rgb = rgb(color)


def _bullet(paragraph: object) -> None:
    """A real bullet (a text box has none by default): hanging indent and a • character."""
    ppr = paragraph._p.get_or_add_pPr()  # type: ignore[attr-defined]
    ppr.set("marL", "285750")
    ppr.set("indent", "-285750")
    for tag in ("a:buNone", "a:buChar", "a:buAutoNum"):
        for old in ppr.findall(qn(tag)):
            ppr.remove(old)
    char = ppr.makeelement(qn("a:buChar"), {"char": "•"})
    ppr.append(char)


# ---------------------------------------------------------------------------------- tables


def widths(t: Table, w: int) -> list[int]:
    first = 0.26 if len(t.header) >= 4 else 0.34
    n = len(t.header)
    return [int(w * first) if j == 0 else int(w * (1 - first) / max(n - 1, 1)) for j in range(n)]


def short(text: str) -> str:
    return text if len(text) <= CELL_MAX_CHARS else text[: CELL_MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"


def row_height(cells: Sequence[str], col_widths: Sequence[int], size: float = CELL_PT) -> int:
    """Estimated height of a table row once its text wraps (PowerPoint grows rows to fit)."""
    lines = 1
    for text, width in zip(cells, col_widths):
        chars_per_line = max(int((width - inch(0.2)) / (Pt(size) * 0.52)), 4)
        lines = max(lines, -(-len(text) // chars_per_line))
    return int(Pt(size) * 1.22 * lines + inch(0.1))


def rows_that_fit(t: Table, start: int, w: int, height: int, size: float = CELL_PT) -> int:
    """How many rows of ``t`` from ``start`` fit in ``height`` under the header (at least one)."""
    col_widths = widths(t, w)
    used = row_height(t.header, col_widths, size)
    n = 0
    for row in t.rows[start:]:
        h = row_height(tuple(short(c.text) for c in row), col_widths, size)
        if used + h > height and n:
            break
        used += h
        n += 1
    return n


def draw_table(slide: Slide, t: Table, x: int, y: int, w: int, rows: range, size: float = CELL_PT) -> int:
    """Draw the header and ``rows`` of ``t``; return the height used."""
    col_widths = widths(t, w)
    texts = [tuple(short(c.text) for c in t.rows[i]) for i in rows]
    used = row_height(t.header, col_widths, size) + sum(row_height(r, col_widths, size) for r in texts)
    shape = slide.shapes.add_table(len(texts) + 1, len(t.header), Emu(x), Emu(y), Emu(w), Emu(used))
    table = shape.table
    for j, width in enumerate(col_widths):
        table.columns[j].width = Emu(width)
    for j, head in enumerate(t.header):
        _cell(table.cell(0, j), head, size + 0.5, True, "#ffffff", style.ACCENT)
    for i, (row_texts, src) in enumerate(zip(texts, rows), start=1):
        for j, (text, c) in enumerate(zip(row_texts, t.rows[src])):
            bg = style.TONE_BG.get(c.tone, "#ffffff" if i % 2 else "#f9fafb")
            _cell(table.cell(i, j), text, size, bool(c.tone), style.TONE_FG.get(c.tone, style.INK), bg)
    return used


def _cell(cell: Any, text: str, size: float, bold: bool, fg: str, bg: str) -> None:
    cell.text = text
    cell.fill.solid()
    cell.fill.fore_color.rgb = rgb(bg)
    cell.margin_top = cell.margin_bottom = Inches(0.04)
    for p in cell.text_frame.paragraphs:
        for r in p.runs:
            r.font.size, r.font.bold, r.font.color.rgb = Pt(size), bold, rgb(fg)
