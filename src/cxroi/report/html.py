"""report.html: one self-contained file (inline CSS and SVG, a CSP that forbids every request)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import jinja2
from markupsafe import Markup

from cxroi.report import style
from cxroi.report.model import Report

_TEMPLATES = Path(__file__).with_name("templates")


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )


def render_html(report: Report, svgs: Mapping[str, str]) -> str:
    """The page; ``svgs`` maps chart keys to inline SVG text made by :mod:`cxroi.report.charts`."""
    template = _env().get_template("report.html.j2")
    colours = {k: getattr(style, k) for k in ("INK", "MUTED", "GRID", "ACCENT", "TONE_BG", "TONE_FG")}
    # The SVG comes from our own chart code (text as paths, alt text escaped), so it is trusted markup.
    safe = {k: Markup(v) for k, v in svgs.items()}
    return template.render(r=report, c=colours, svgs=safe)
