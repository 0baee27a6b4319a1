"""The report as data: sections of sentences, tables and chart specifications.

``build_report`` (in ``sections``) turns the typed results tree into a :class:`Report`; the HTML,
PDF and deck writers only lay it out. So the three files tell the same story with the same numbers,
and a test can read the story without parsing any of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Status = Literal["full", "partial", "missing"]
Tone = Literal["", "positive", "negative", "inconclusive", "unknown", "fired", "ok", "muted"]
Unit = Literal["pct", "money", "nps", "number", "pp", "seconds", "corr"]


@dataclass(frozen=True)
class Cell:
    text: str
    tone: Tone = ""


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]
    lows: tuple[float | None, ...] = ()
    highs: tuple[float | None, ...] = ()
    x: tuple[float, ...] = ()  # numeric x for curves; empty = use the chart's categories
    color: str = ""
    point_colors: tuple[str, ...] = ()  # one colour per category (bars of a single series)
    labels: tuple[str, ...] = ()  # the text beside each point (a figure at its own precision)


@dataclass(frozen=True)
class Chart:
    """What to draw; ``charts.py`` draws it, ``pptx.py`` maps it to a native chart.

    kind: ``bars`` (categories × series, optional error bars), ``lines`` (categories on x, optional
    interval band), ``curves`` (numeric x, step lines with bands), ``forest`` (one row per
    category: point and interval, with a zero line).
    """

    key: str
    kind: Literal["bars", "lines", "curves", "forest"]
    title: str
    alt: str
    unit: Unit
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    x_label: str = ""
    y_label: str = ""
    shade: tuple[tuple[str, str], ...] = ()  # (first, last) category spans to highlight
    shade_label: str = ""
    reference: float | None = None  # a horizontal (or, for forest, vertical) reference line
    horizontal: bool = False


@dataclass(frozen=True)
class Tile:
    """A headline number: label, value, interval text, and a tone for the colour."""

    label: str
    value: str
    detail: str
    tone: Tone = ""


@dataclass(frozen=True)
class Banner:
    """A warning that frames everything in its section (e.g. an ROI on default costs)."""

    title: str
    text: str


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    status: Status
    lead: str  # one sentence a board member reads even if nothing else
    paragraphs: tuple[str, ...] = ()
    tiles: tuple[Tile, ...] = ()
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()
    bullets: tuple[str, ...] = ()
    unlock: tuple[str, ...] = ()  # what data or analysis would fill the missing parts
    banner: Banner | None = None  # shown above everything else in the section


@dataclass(frozen=True)
class Report:
    title: str
    subtitle: str
    as_of: str
    currency: str
    key_messages: tuple[str, ...]
    sections: tuple[Section, ...]
    footer: str
    min_cell: int
    facts: dict[str, str] = field(default_factory=dict)  # small label → value pairs for the cover

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)
