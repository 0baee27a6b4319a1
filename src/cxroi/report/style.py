"""Colours shared by the charts, the HTML, the PDF and the deck (colour-blind-safe, Okabe–Ito based)."""

from __future__ import annotations

INK = "#1f2a37"
MUTED = "#6b7280"
GRID = "#e5e7eb"
ACCENT = "#0f4c81"

MODE = {
    "ai_only": "#0072b2",
    "hybrid": "#cc79a7",
    "human_only": "#e69f00",
    "all": "#4b5563",
    "ai_assisted": "#0072b2",
}
POSITIVE = "#009e73"
NEGATIVE = "#d55e00"
NEUTRAL = "#0072b2"
SHADE = "#fde68a"

TONE_BG = {
    "positive": "#d1fae5",
    "negative": "#fee2e2",
    "inconclusive": "#fef3c7",
    "unknown": "#f3f4f6",
    "fired": "#fee2e2",
    "ok": "#d1fae5",
    "muted": "#f3f4f6",
}
TONE_FG = {
    "positive": "#065f46",
    "negative": "#991b1b",
    "inconclusive": "#92400e",
    "unknown": "#4b5563",
    "fired": "#991b1b",
    "ok": "#065f46",
    "muted": "#4b5563",
}


def mode_color(key: str, index: int = 0) -> str:
    cycle = ("#0072b2", "#e69f00", "#cc79a7", "#009e73", "#56b4e9", "#d55e00", "#4b5563")
    return MODE.get(key, cycle[index % len(cycle)])
