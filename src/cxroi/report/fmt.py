"""Number formatting for people: money, shares, points, intervals.

One place decides how a number reads, so the HTML, the PDF, the deck and the narrative agree to
the character. Negative numbers use the true minus sign (U+2212), the way finance reports print.
"""

from __future__ import annotations

import math
from typing import TypeGuard

MINUS = "\u2212"
DASH = "\u2013"
_SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€", "JPY": "¥", "INR": "₹", "AUD": "A$", "CAD": "C$"}


def _signed(text: str, negative: bool, plus: bool) -> str:
    if negative:
        return MINUS + text
    return ("+" + text) if plus else text


def currency_prefix(currency: str) -> str:
    return _SYMBOLS.get(currency.upper(), f"{currency.upper()} ")


def money(x: float, currency: str, plus: bool = False) -> str:
    """Compact money: $1.23M, $45.6k, $7.51 (cents only where they matter)."""
    a = abs(x)
    body = ""
    if a >= 1e4:
        # Pick the unit after rounding to three significant figures, so 999,960 reads $1M, not $1000k.
        for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            scaled = float(f"{a / div:.3g}")
            if scaled >= 1:
                body = f"{scaled:g}{suffix}"
                break
    elif a >= 100 or a == 0:
        body = f"{a:,.0f}"
    else:
        body = f"{a:.2f}"
    return _signed(currency_prefix(currency) + body, x < 0 and _nonzero(body), plus)


def pct(x: float, decimals: int = 1, plus: bool = False) -> str:
    """A fraction in [0, 1] as a percentage."""
    body = f"{abs(x) * 100:.{decimals}f}%"
    return _signed(body, x < 0 and _nonzero(body), plus)


def pp(x: float, decimals: int = 1) -> str:
    """A difference of fractions in percentage points, always signed."""
    body = f"{abs(x) * 100:.{decimals}f} pp"
    return _signed(body, x < 0 and _nonzero(body), _nonzero(body))


def points(x: float, decimals: int = 0, plus: bool = True) -> str:
    """NPS points (already on −100…100)."""
    body = f"{abs(x):.{decimals}f}"
    return _signed(body, x < 0 and _nonzero(body), plus and _nonzero(body))


def number(x: float, decimals: int = 2, plus: bool = False) -> str:
    body = f"{abs(x):,.{decimals}f}"
    return _signed(body, x < 0 and _nonzero(body), plus and _nonzero(body))


def count(n: float) -> str:
    return f"{round(n):,}"


def duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.0f} s"


def _nonzero(body: str) -> bool:
    return any(c in "123456789" for c in body)


def month_label(ym: str) -> str:
    """'2025-03' → 'Mar 2025' (falls back to the input for anything else)."""
    names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    parts = ym.split("-")
    if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit() and 1 <= int(parts[1]) <= 12:
        return f"{names[int(parts[1]) - 1]} {parts[0]}"
    return ym


def finite(x: object) -> TypeGuard[int | float]:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(float(x))
