"""board.pptx: a twelve-slide board deck with native, editable charts and tables.

Bars, lines and survival curves become PowerPoint charts (their data sits in the embedded
workbook, so a reader can restyle or re-plot them); 95% intervals ride along as custom error bars.
Forest plots have no native equivalent and go in as pictures. The zip is rewritten with fixed
timestamps (and the embedded workbooks' dates pinned) so equal results give equal bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData, XyChartData
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_TICK_LABEL_POSITION
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.presentation import Presentation as Deck
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from cxroi.report import style
from cxroi.report.model import Chart, Report, Section, Table, Tile
from cxroi.report.pptx_parts import add_text, number_format, rgb

# Positions are plain EMU ints here and wrapped in Emu() only at python-pptx calls.
W, H = int(Inches(13.333)), int(Inches(7.5))
LEFT = int(Inches(0.6))
CONTENT_W = W - 2 * LEFT
ROW_H = int(Inches(0.36))


def inch(x: float) -> int:
    return int(Inches(x))


_FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def _slide(prs: Deck, title: str, lead: str = "") -> Slide:
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
    para.runs[0].font.size = Pt(28)
    para.runs[0].font.bold = True
    para.runs[0].font.color.rgb = rgb(style.ACCENT)
    t.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    if lead:
        add_text(slide, LEFT, inch(1.1), CONTENT_W, inch(0.85), [lead], size=16, color=style.INK)
    return slide


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


def _tiles(slide: Slide, tiles: Sequence[Tile], top: int) -> int:
    tiles = list(tiles)[:4]
    gap = inch(0.2)
    width = int((CONTENT_W - gap * (len(tiles) - 1)) / len(tiles))
    height = inch(1.25)
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
                                                     (t.value, 24 if len(t.value) < 14 else 16, True, fg),
                                                     (t.detail, 10, False, style.MUTED))):
            p = tf.paragraphs[0] if j == 0 else tf.add_paragraph()
            p.alignment = PP_ALIGN.LEFT
            run = p.add_run()
            run.text = text
            run.font.size, run.font.bold, run.font.color.rgb = Pt(size), bold, rgb(col)
    return top + height + inch(0.2)


def _error_bars(chart_xml: etree._Element, c: Chart) -> None:
    """Add each series' 95% interval as custom error bars (PowerPoint and LibreOffice draw them)."""
    for ser, s in zip(chart_xml.iter(qn("c:ser")), c.series):
        if not (s.lows and s.highs):
            continue
        plus = [(h - v) if h is not None and v is not None else 0.0 for v, h in zip(s.values, s.highs)]
        minus = [(v - lo) if lo is not None and v is not None else 0.0 for v, lo in zip(s.values, s.lows)]
        err = etree.SubElement(ser, qn("c:errBars"))
        etree.SubElement(err, qn("c:errDir")).set("val", "y")
        etree.SubElement(err, qn("c:errBarType")).set("val", "both")
        etree.SubElement(err, qn("c:errValType")).set("val", "cust")
        etree.SubElement(err, qn("c:noEndCap")).set("val", "0")
        for tag, vals in (("c:plus", plus), ("c:minus", minus)):
            lit = etree.SubElement(etree.SubElement(err, qn(tag)), qn("c:numLit"))
            etree.SubElement(lit, qn("c:ptCount")).set("val", str(len(vals)))
            for i, v in enumerate(vals):
                pt = etree.SubElement(lit, qn("c:pt"))
                pt.set("idx", str(i))
                etree.SubElement(pt, qn("c:v")).text = repr(max(float(v), 0.0))
        cat = ser.find(qn("c:cat"))  # the schema wants errBars before cat/val
        if cat is not None:
            cat.addprevious(err)


def _chart(slide: Slide, c: Chart, pngs: dict[str, bytes], cur: str, x: int, y: int, w: int, h: int) -> None:
    if c.kind == "forest" or (c.kind == "lines" and len(c.series) == 1 and c.series[0].lows and c.unit == "pp"):
        # Intervals are the message here, and a native chart cannot draw a band or a forest.
        if c.key in pngs:
            pic = slide.shapes.add_picture(io.BytesIO(pngs[c.key]), Emu(x), Emu(y), width=Emu(w))
            if pic.height > h:
                ratio = h / pic.height
                pic.height, pic.width = Emu(h), Emu(int(pic.width * ratio))
        return
    if c.kind == "curves":
        xy = XyChartData()  # type: ignore[no-untyped-call]
        for s in c.series:
            ser = xy.add_series(s.name, number_format=number_format(c.unit, cur))  # type: ignore[no-untyped-call]
            prev: float | None = None
            for xv, yv in zip(s.x, s.values):
                if yv is None:
                    continue
                if prev is not None:  # a survival curve is a step function: hold, then drop
                    ser.add_data_point(xv, prev)
                ser.add_data_point(xv, yv)
                prev = yv
        data: Any = xy
        kind = XL_CHART_TYPE.XY_SCATTER_LINES_NO_MARKERS
    else:
        data = CategoryChartData(number_format=number_format(c.unit, cur))  # type: ignore[no-untyped-call]
        data.categories = list(c.categories)
        for s in c.series:
            data.add_series(s.name, list(s.values))
        kind = XL_CHART_TYPE.COLUMN_CLUSTERED if c.kind == "bars" else XL_CHART_TYPE.LINE_MARKERS
    # python-pptx annotates add_chart as returning a Chart; it returns the GraphicFrame holding it.
    frame: Any = slide.shapes.add_chart(kind, Emu(x), Emu(y), Emu(w), Emu(h), data)
    chart: Any = frame.chart
    chart.has_title = True
    assert chart.chart_title is not None
    chart.chart_title.text_frame.text = c.title
    title_run = chart.chart_title.text_frame.paragraphs[0].runs[0]
    title_run.font.size, title_run.font.bold = Pt(13), True
    chart.font.size = Pt(11)
    chart.has_legend = len(c.series) > 1
    if chart.has_legend:
        assert chart.legend is not None
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    value_axis = chart.value_axis
    value_axis.has_major_gridlines = True
    value_axis.tick_labels.number_format = number_format(c.unit, cur)
    value_axis.tick_labels.number_format_is_linked = False
    if c.kind == "bars" and all(v is None or v >= 0 for s in c.series for v in s.values):
        value_axis.minimum_scale = 0.0  # bars that do not start at zero exaggerate differences
    for i, s in enumerate(c.series):
        plot_series = chart.plots[0].series[i]
        colour = s.color or style.mode_color("", i)
        if c.kind == "bars":
            plot_series.format.fill.solid()
            plot_series.format.fill.fore_color.rgb = rgb(colour)
            for j, point_colour in enumerate(s.point_colors if len(s.point_colors) == len(s.values) else ()):
                point = plot_series.points[j]
                point.format.fill.solid()
                point.format.fill.fore_color.rgb = rgb(point_colour)
        else:
            plot_series.format.line.color.rgb = rgb(colour)
            plot_series.format.line.width = Pt(2.25)
    if c.kind == "lines":
        chart.category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW  # below negative values too
        skip = -(-len(c.categories) // 8)
        if skip > 1:  # at most eight labels, horizontal, like the report's charts
            ax = chart.category_axis._element
            skip_el = ax.makeelement(qn("c:tickLblSkip"), {"val": str(skip)})
            # Schema order: ... lblOffset, tickLblSkip, tickMarkSkip, noMultiLvlLbl, extLst.
            later = [ax.find(qn(tag)) for tag in ("c:tickMarkSkip", "c:noMultiLvlLbl", "c:extLst")]
            anchor = next((el for el in later if el is not None), None)
            if anchor is not None:
                anchor.addprevious(skip_el)
            else:
                ax.append(skip_el)
    if c.kind == "bars":
        plot = chart.plots[0]
        plot.has_data_labels = True
        plot.data_labels.number_format = "0.0%" if c.unit == "pct" else number_format(c.unit, cur)
        plot.data_labels.number_format_is_linked = False
        plot.data_labels.font.size = Pt(10)
        _error_bars(chart._chartSpace, c)


CELL_PT = 10.5
CELL_MAX_CHARS = 110  # a slide cell is a summary; the full text is in report.html


def _widths(t: Table, w: int) -> list[int]:
    first = 0.26 if len(t.header) >= 4 else 0.34
    n = len(t.header)
    return [int(w * first) if j == 0 else int(w * (1 - first) / max(n - 1, 1)) for j in range(n)]


def _short(text: str) -> str:
    return text if len(text) <= CELL_MAX_CHARS else text[: CELL_MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _row_height(cells: Sequence[str], widths: Sequence[int]) -> int:
    """Estimated height of a table row once its text wraps (PowerPoint grows rows to fit)."""
    lines = 1
    for text, width in zip(cells, widths):
        chars_per_line = max(int((width - inch(0.2)) / (Pt(CELL_PT) * 0.52)), 4)
        lines = max(lines, -(-len(text) // chars_per_line))
    return int(Pt(CELL_PT) * 1.22 * lines + inch(0.1))


def _table(slide: Slide, t: Table, x: int, y: int, w: int, height: int) -> int:
    """Draw as many rows as fit in ``height``; return the height used (0 if not even two rows fit)."""
    widths = _widths(t, w)
    head_h = _row_height(t.header, widths)
    rows: list[tuple[str, ...]] = []
    used = head_h
    for row in t.rows:
        texts = tuple(_short(c.text) for c in row)
        h = _row_height(texts, widths)
        if used + h > height - (inch(0.35) if len(rows) + 1 < len(t.rows) else 0):
            break
        rows.append(texts)
        used += h
    if len(rows) < min(2, len(t.rows)):
        return 0
    shape = slide.shapes.add_table(len(rows) + 1, len(t.header), Emu(x), Emu(y), Emu(w), Emu(used))
    table = shape.table
    for j, width in enumerate(widths):
        table.columns[j].width = Emu(width)
    for j, head in enumerate(t.header):
        _cell(table.cell(0, j), head, 11, True, "#ffffff", style.ACCENT)
    for i, texts in enumerate(rows, start=1):
        for j, (text, c) in enumerate(zip(texts, t.rows[i - 1])):
            bg = style.TONE_BG.get(c.tone, "#ffffff" if i % 2 else "#f9fafb")
            _cell(table.cell(i, j), text, CELL_PT, bool(c.tone), style.TONE_FG.get(c.tone, style.INK), bg)
    if len(t.rows) > len(rows):
        add_text(slide, x, y + used + inch(0.02), w, inch(0.3),
                 [f"+ {len(t.rows) - len(rows)} more rows in report.html"], size=10, color=style.MUTED)
        used += inch(0.3)
    return used


def _cell(cell: Any, text: str, size: float, bold: bool, fg: str, bg: str) -> None:
    cell.text = text
    cell.fill.solid()
    cell.fill.fore_color.rgb = rgb(bg)
    cell.margin_top = cell.margin_bottom = Inches(0.04)
    for p in cell.text_frame.paragraphs:
        for r in p.runs:
            r.font.size, r.font.bold, r.font.color.rgb = Pt(size), bold, rgb(fg)


def _unlock(slide: Slide, sec: Section, top: int, size: float = 12) -> None:
    box = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Emu(LEFT), Emu(top), Emu(CONTENT_W), Emu(int(Inches(1.3) * size / 12)))
    box.fill.solid()
    box.fill.fore_color.rgb = rgb("#fffbeb")
    box.line.color.rgb = rgb("#f59e0b")
    box.shadow.inherit = False
    tf = box.text_frame
    tf.word_wrap = True
    lines = [("What would unlock this", True)] + [(u, False) for u in sec.unlock[:2]]
    for j, (text, bold) in enumerate(lines):
        p = tf.paragraphs[0] if j == 0 else tf.add_paragraph()
        p.alignment = PP_ALIGN.LEFT
        run = p.add_run()
        run.text = text
        run.font.size, run.font.bold, run.font.color.rgb = Pt(size), bold, rgb(style.INK)


def _section_slide(prs: Deck, report: Report, sec: Section, pngs: dict[str, bytes],
                   chart_keys: Sequence[str] = (), text_lines: int = 3, table: bool = True) -> Slide:
    slide = _slide(prs, sec.title, sec.lead)
    top = inch(2.0)
    if sec.tiles:
        top = _tiles(slide, sec.tiles, top)
    bottom = H - inch(0.6) - (inch(1.45) if sec.unlock else 0)
    charts = [c for c in sec.charts if c.key in chart_keys] or ([] if chart_keys else list(sec.charts[:1]))
    avail = bottom - top
    text = [*sec.paragraphs, *sec.bullets][:text_lines]
    if charts and avail > inch(1.5):
        if len(charts) == 1 and text:
            _chart(slide, charts[0], pngs, report.currency, LEFT, top, inch(7.4), avail)
            add_text(slide, LEFT + inch(7.7), top, CONTENT_W - inch(7.7), avail, text, size=14, bullets=True)
        else:
            width = int((CONTENT_W - inch(0.3) * (len(charts) - 1)) / len(charts))
            for i, c in enumerate(charts):
                _chart(slide, c, pngs, report.currency, LEFT + i * (width + inch(0.3)), top, width, avail)
    elif table and sec.tables and avail > inch(1.0):
        y = top
        for t in sec.tables:
            used = _table(slide, t, LEFT, y, CONTENT_W, bottom - y)
            if not used:
                break
            y = y + used + inch(0.25)
    elif text:
        add_text(slide, LEFT, top, CONTENT_W, avail, text, size=15, bullets=True)
    if sec.unlock and not (sec.tiles or charts or sec.tables or text):
        # Nothing measured yet: the way to unlock it is the content of the slide.
        _unlock(slide, sec, inch(2.2), size=16)
    elif sec.unlock:
        _unlock(slide, sec, H - inch(2.0))
    return slide


def render_pptx(report: Report, pngs: dict[str, bytes]) -> bytes:
    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(W), Emu(H)
    s = {sec.key: sec for sec in report.sections}
    _title_slide(prs, report)
    km = _slide(prs, "Key messages")
    add_text(km, LEFT, inch(1.4), CONTENT_W, inch(5.4), list(report.key_messages), size=18, bullets=True)
    _section_slide(prs, report, s["headline"], pngs, ("pillars",))
    _section_slide(prs, report, s["what_if"], pngs)
    _section_slide(prs, report, s["retention"], pngs, ("retention_curves", "retention_delta"))
    _section_slide(prs, report, s["chain"], pngs)
    _section_slide(prs, report, s["experience"], pngs, ("csat_by_mode",))
    _section_slide(prs, report, s["agents"], pngs, ("agent_index", "lead_lag"))
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
