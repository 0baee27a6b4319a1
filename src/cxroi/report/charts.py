"""Draw :class:`Chart` specs with matplotlib: inline SVG for the HTML, PNG for the PDF and deck.

No pyplot (no global state, no GUI backend): each chart is a fresh ``Figure`` on the Agg canvas.
Output is deterministic: DejaVu Sans (shipped with matplotlib) at fixed sizes, a fixed
``svg.hashsalt``, no dates or software versions in the metadata, and ids prefixed per chart so
several SVGs can live in one HTML page.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from cxroi.report import fmt
from cxroi.report.model import Chart, Series, Unit
from cxroi.report.style import ACCENT, GRID, INK, MUTED, SHADE, mode_color

_RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 10.0,
    "axes.titlesize": 11.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": INK,
    "ytick.color": INK,
    "legend.frameon": False,
    "legend.fontsize": 9.5,
    "svg.hashsalt": "cxroi-report",
    "svg.fonttype": "path",  # text as outlines: looks the same with or without the font installed
    "path.simplify": True,
    "figure.dpi": 100,
}
SIZE = (6.4, 3.4)


@contextmanager
def _style() -> Iterator[None]:
    with matplotlib.rc_context(_RC):  # type: ignore[arg-type]
        yield


def tick_formatter(unit: Unit, currency: str) -> FuncFormatter:
    def f(x: float, _pos: object = None) -> str:
        if unit == "pct":
            return f"{x * 100:.0f}%"
        if unit == "pp":
            return fmt.number(x * 100, 0, plus=True) + " pp"
        if unit == "money":
            return fmt.money(x, currency)
        if unit == "nps":
            return fmt.points(x)
        if unit == "corr":
            return fmt.number(x, 1)
        return f"{x:,.3g}" if abs(x) < 1e4 else fmt.count(x)

    return FuncFormatter(f)


def label_value(x: float, unit: Unit, currency: str) -> str:
    if unit == "pct":
        return fmt.pct(x)
    if unit == "pp":
        return fmt.pp(x)
    if unit == "money":
        return fmt.money(x, currency)
    if unit == "nps":
        return fmt.points(x)
    return fmt.number(x, 2)


def _nums(xs: Sequence[float | None]) -> list[float]:
    return [math.nan if x is None else float(x) for x in xs]


def _color(s: Series, i: int) -> str:
    return s.color or mode_color("", i)


def _bars(ax: Axes, c: Chart, currency: str) -> None:
    n = max(len(c.series), 1)
    width = 0.8 / n
    for i, s in enumerate(c.series):
        xs = [j + (i - (n - 1) / 2) * width for j in range(len(c.categories))]
        vals = _nums(s.values)
        colours = list(s.point_colors) if len(s.point_colors) == len(vals) else _color(s, i)
        ax.bar(xs, [0.0 if math.isnan(v) else v for v in vals], width * 0.92, color=colours, label=s.name, zorder=2)
        if s.lows and s.highs:
            lo, hi = _nums(s.lows), _nums(s.highs)
            err = [[max(v - a, 0.0) for v, a in zip(vals, lo)], [max(b - v, 0.0) for v, b in zip(vals, hi)]]
            ax.errorbar(xs, vals, yerr=err, fmt="none", ecolor=INK, elinewidth=1, capsize=3, zorder=3)
        for x, v, h in zip(xs, vals, _nums(s.highs) if s.highs else vals):
            if not math.isnan(v):
                top = h if not math.isnan(h) else v
                ax.annotate(label_value(v, c.unit, currency), (x, top), xytext=(0, 3), textcoords="offset points",
                            ha="center", va="bottom", fontsize=9, color=INK)
            else:
                ax.annotate("n/a", (x, 0), xytext=(0, 3), textcoords="offset points", ha="center", fontsize=9, color=MUTED)
    ax.set_xticks(range(len(c.categories)), list(c.categories))
    ax.margins(y=0.15)
    if len(c.series) > 1:
        _legend_on_top(ax, len(c.series))
    ax.set_ylim(bottom=min(0.0, ax.get_ylim()[0]))


def _lines(ax: Axes, c: Chart) -> None:
    x = list(range(len(c.categories)))
    for a, b in c.shade:
        if a in c.categories and b in c.categories:
            ax.axvspan(c.categories.index(a) - 0.5, c.categories.index(b) + 0.5, color=SHADE, alpha=0.7, lw=0, zorder=0)
    if c.shade and c.shade_label:
        ax.plot([], [], color=SHADE, lw=8, label=c.shade_label)
    for i, s in enumerate(c.series):
        vals = _nums(s.values)
        col = _color(s, i) if s.color or len(c.series) > 1 else ACCENT
        if s.lows and s.highs:
            ax.fill_between(x, _nums(s.lows), _nums(s.highs), color=col, alpha=0.18, lw=0, zorder=1)
        ax.plot(x, vals, color=col, lw=2, marker="o" if len(x) <= 30 else None, ms=3, label=s.name, zorder=2)
    step = max(1, math.ceil(len(x) / 8))
    ticks = x[::step]
    # Month labels ("Mar 2025") stack on two lines so eight of them fit under a half-width chart.
    ax.set_xticks(ticks, [c.categories[i].replace(" ", "\n", 1) if len(c.categories[i]) > 5 else c.categories[i] for i in ticks])
    ax.tick_params(axis="x", labelsize=8.5)
    if len(c.series) > 1 or c.shade_label:
        _legend_on_top(ax, len(c.series) + (1 if c.shade_label else 0))


def _curves(ax: Axes, c: Chart) -> None:
    for i, s in enumerate(c.series):
        col = _color(s, i)
        if s.lows and s.highs:
            ax.fill_between(s.x, _nums(s.lows), _nums(s.highs), step="post", color=col, alpha=0.15, lw=0)
        ax.step(s.x, _nums(s.values), where="post", color=col, lw=2, label=s.name)
    _legend_on_top(ax, len(c.series))
    ax.xaxis.set_major_locator(MaxNLocator(8, integer=True))


def _legend_cols(entries: int) -> int:
    return entries if entries <= 3 else 2


def _legend_on_top(ax: Axes, entries: int) -> None:
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=_legend_cols(entries), borderaxespad=0.2,
              handlelength=1.4, columnspacing=1.2)


def _forest(ax: Axes, c: Chart, currency: str) -> None:
    s = c.series[0]
    ys = list(range(len(c.categories)))[::-1]
    vals, lo, hi = _nums(s.values), _nums(s.lows), _nums(s.highs)
    texts = list(s.labels) if len(s.labels) == len(vals) else [label_value(v, c.unit, currency) for v in vals]
    for y, v, a, b, text in zip(ys, vals, lo, hi, texts):
        col = ACCENT if math.isnan(a) or a > 0 or b < 0 else MUTED
        if not (math.isnan(a) or math.isnan(b)):
            ax.plot([a, b], [y, y], color=col, lw=3, solid_capstyle="round", alpha=0.6)
        ax.plot([v], [y], "o", color=col, ms=8)
        ax.annotate(text, (v, y), xytext=(0, 8), textcoords="offset points",
                    ha="center", va="bottom", fontsize=8.5, color=INK)
    if c.reference is not None:
        ax.axvline(c.reference, color=INK, lw=1, ls="--")
    ax.set_yticks(ys, list(c.categories))
    ax.set_ylim(-0.7, len(ys) - 0.3)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    ax.margins(x=0.12)


def figure(c: Chart, currency: str) -> Figure:
    n_rows = len(c.categories) if c.kind == "forest" else 0
    size = (SIZE[0], max(2.0, 0.7 * n_rows + 1.1)) if c.kind == "forest" else SIZE
    fig = Figure(figsize=size)
    ax = fig.add_subplot()
    entries = len(c.series) + (1 if c.shade_label else 0)
    legend = (c.kind in ("bars", "lines") and entries > 1) or c.kind == "curves"
    rows = math.ceil(entries / _legend_cols(entries)) if legend else 0
    ax.set_title(c.title, color=INK, pad=12 + 18 * rows)
    ax.grid(True, axis="x" if c.kind == "forest" else "y", color=GRID, lw=0.8, zorder=0)
    ax.set_axisbelow(True)
    if c.kind == "bars":
        _bars(ax, c, currency)
    elif c.kind == "lines":
        _lines(ax, c)
    elif c.kind == "curves":
        _curves(ax, c)
    else:
        _forest(ax, c, currency)
    axis = ax.xaxis if c.kind == "forest" else ax.yaxis
    axis.set_major_formatter(tick_formatter(c.unit, currency))
    if c.reference is not None and c.kind != "forest":
        ax.axhline(c.reference, color=INK, lw=1, ls="--", zorder=1)
    if c.x_label:
        ax.set_xlabel(c.x_label, color=MUTED)
    if c.y_label:
        ax.set_ylabel(c.y_label, color=MUTED)
    fig.tight_layout()
    return fig


def render(c: Chart, currency: str, dpi: int = 160) -> tuple[str, bytes]:
    """One figure, two files: an inline-ready <svg> for the HTML and a PNG for the PDF and deck."""
    with _style():
        fig = figure(c, currency)
        text_buf = io.StringIO()
        fig.savefig(text_buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
        png_buf = io.BytesIO()
        fig.savefig(png_buf, format="png", dpi=dpi, metadata={"Software": None}, facecolor="white")
    return _inline_svg(text_buf.getvalue(), c), png_buf.getvalue()


def _inline_svg(text: str, c: Chart) -> str:
    """No XML prolog, responsive, ids unique to this chart (several SVGs share one page)."""
    text = text[text.index("<svg"):]
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", text, count=1)
    text = text.replace("<svg", f'<svg role="img" aria-label="{_attr(c.alt)}" preserveAspectRatio="xMidYMid meet"', 1)
    prefix = re.sub(r"[^A-Za-z0-9]", "", c.key) or "c"
    text = re.sub(r'id="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', text)
    text = re.sub(r'(xlink:href|href)="#([^"]+)"', lambda m: f'{m.group(1)}="#{prefix}-{m.group(2)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})", text)
    return text.strip()


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
