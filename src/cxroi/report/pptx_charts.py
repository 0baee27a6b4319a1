"""Charts on slides: native, editable PowerPoint charts where they can say it, pictures otherwise.

Bars, lines and survival curves become PowerPoint charts (their data sits in the embedded
workbook, so a reader can restyle or re-plot them); bars carry their 95% intervals as custom error
bars. Forest plots and lines with an interval band have no native equivalent and go in as the same
pictures the PDF uses, since there the intervals are the message.
"""

from __future__ import annotations

import io
from typing import Any

from lxml import etree
from pptx.chart.data import CategoryChartData, XyChartData
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_TICK_LABEL_POSITION
from pptx.oxml.ns import qn
from pptx.slide import Slide
from pptx.util import Emu, Pt

from cxroi.report import style
from cxroi.report.model import Chart
from cxroi.report.pptx_parts import number_format, rgb


def as_picture(c: Chart) -> bool:
    """Forests, and lines whose intervals are drawn as a band."""
    return c.kind == "forest" or (c.kind == "lines" and any(s.lows and s.highs for s in c.series))


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


def _picture(slide: Slide, c: Chart, png: bytes, x: int, y: int, w: int, h: int) -> None:
    pic = slide.shapes.add_picture(io.BytesIO(png), Emu(x), Emu(y), width=Emu(w))
    # the alternative text a screen reader (and a test) reads: the chart's title and description
    element: Any = pic._element
    element.nvPicPr.cNvPr.set("descr", f"{c.title}. {c.alt}")
    if pic.height > h:
        ratio = h / pic.height
        pic.height, pic.width = Emu(h), Emu(int(pic.width * ratio))


def _data(c: Chart, cur: str) -> tuple[Any, XL_CHART_TYPE]:
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
        return xy, XL_CHART_TYPE.XY_SCATTER_LINES_NO_MARKERS
    data: Any = CategoryChartData(number_format=number_format(c.unit, cur))  # type: ignore[no-untyped-call]
    data.categories = list(c.categories)
    for s in c.series:
        data.add_series(s.name, list(s.values))
    return data, XL_CHART_TYPE.COLUMN_CLUSTERED if c.kind == "bars" else XL_CHART_TYPE.LINE_MARKERS


def _skip_labels(chart: Any, categories: int) -> None:
    chart.category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW  # below negative values too
    skip = -(-categories // 8)
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


def draw_chart(slide: Slide, c: Chart, pngs: dict[str, bytes], cur: str, x: int, y: int, w: int, h: int) -> None:
    if as_picture(c):
        if c.key in pngs:
            _picture(slide, c, pngs[c.key], x, y, w, h)
        return
    data, kind = _data(c, cur)
    # python-pptx annotates add_chart as returning a Chart; it returns the GraphicFrame holding it.
    frame: Any = slide.shapes.add_chart(kind, Emu(x), Emu(y), Emu(w), Emu(h), data)
    chart: Any = frame.chart
    chart.has_title = True
    chart.chart_title.text_frame.text = c.title
    title_run = chart.chart_title.text_frame.paragraphs[0].runs[0]
    title_run.font.size, title_run.font.bold = Pt(13), True
    chart.font.size = Pt(11)
    chart.has_legend = len(c.series) > 1
    if chart.has_legend:
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
        _skip_labels(chart, len(c.categories))
    if c.kind == "bars":
        plot = chart.plots[0]
        plot.has_data_labels = True
        plot.data_labels.number_format = "0.0%" if c.unit == "pct" else number_format(c.unit, cur)
        plot.data_labels.number_format_is_linked = False
        plot.data_labels.font.size = Pt(10)
        _error_bars(chart._chartSpace, c)
