"""Small python-pptx helpers: colours, text boxes, number formats."""

from __future__ import annotations

from collections.abc import Sequence

from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.slide import Slide
from pptx.util import Emu, Pt

from cxroi.report import fmt
from cxroi.report.model import Unit


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
