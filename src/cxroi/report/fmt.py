"""Number formatting for people: money, shares, points, intervals, and honest precision.

One place decides how a number reads, so the HTML, the PDF, the deck, the narrative and the
terminal agree to the character. Negative numbers use the true minus sign (U+2212), the way
finance reports print.

Precision follows the uncertainty. A figure and its interval are rounded at one decimal place,
set by the interval's half-width with the Particle Data Group's rule (the rule the value analyses
use for ``significant_figures``, docs/what-if-roi.md): so "$238,697.84 [$120k, $360k]" reads
"$240k (95% interval $120k to $360k)", never with cents it cannot vouch for.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TypeGuard

MINUS = "\u2212"
DASH = "\u2013"
_SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€", "JPY": "¥", "INR": "₹", "AUD": "A$", "CAD": "C$"}
# figures shown when nothing says how precise a number is (no interval, or one of no width)
DEFAULT_FIGURES = 3


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


# ------------------------------------------------------------------------ honest precision


def rounding_exponent(estimate: float, low: float | None, high: float | None,
                      significant: int | None = None) -> int:
    """The power of ten a figure and its interval are rounded at.

    ``significant`` (a figure's own ``significant_figures``) wins; otherwise the Particle Data
    Group's rule on the interval's half-width: three leading digits 100–354 keep two significant
    digits, 355–949 one, 950–999 round up and keep two. Without an interval of some width, three
    significant figures of the largest of the three numbers.
    """
    size = max(abs(v) for v in (estimate, low, high) if v is not None)
    if size == 0 or not math.isfinite(size):
        return 0
    size_exp = math.floor(math.log10(size))
    if significant is not None:
        return size_exp - max(significant, 1) + 1
    half = (high - low) / 2.0 if low is not None and high is not None else 0.0
    if not math.isfinite(half) or half <= 0:
        return size_exp - DEFAULT_FIGURES + 1
    exp = math.floor(math.log10(half))
    leading = int(half / 10.0 ** (exp - 2))
    if leading >= 950:
        exp, keep = exp + 1, 2
    else:
        keep = 2 if leading <= 354 else 1
    return exp - keep + 1


def round_at(x: float, exp: int) -> float:
    """``x`` rounded at 10**exp, halves away from zero as a finance reader expects ($650k at the
    $100k place reads $700k, as $750k reads $800k; Python's ``round`` would give $600k).

    Decimal arithmetic on the shortest repr of ``x``, so 0.15 at one decimal is 0.2, not the 0.1
    its binary value would round to.
    """
    if not math.isfinite(x):
        return x
    try:
        return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(exp), rounding=ROUND_HALF_UP))
    except InvalidOperation:  # more digits than the decimal context holds: nothing left to round
        return x


def money_at(x: float, currency: str, exp: int, plus: bool = False) -> str:
    """Money rounded at 10**exp and written compactly with exactly the digits that survive."""
    r = round_at(x, exp)
    a = abs(r)
    body = ""
    for div_exp, suffix in ((9, "B"), (6, "M"), (3, "k")):
        # a suffix only while it keeps every surviving digit within three decimals ($1.235M)
        if a >= 10.0 ** div_exp and (div_exp > 3 or a >= 1e4) and div_exp - exp <= 3:
            body = f"{a / 10.0 ** div_exp:,.{max(div_exp - exp, 0)}f}{suffix}"
            break
    if not body:
        body = f"{a:,.{min(max(-exp, 0), 4)}f}"
    return _signed(currency_prefix(currency) + body, r < 0 and _nonzero(body), plus and _nonzero(body))


def number_at(x: float, exp: int, plus: bool = False) -> str:
    """A plain number rounded at 10**exp, with thousands separators: 11.3, 6,300, 0.55."""
    r = round_at(x, exp)
    body = f"{abs(r):,.{min(max(-exp, 0), 4)}f}"
    return _signed(body, r < 0 and _nonzero(body), plus and _nonzero(body))


# ---------------------------------------------------------------------------- plain formats


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


def grouped(text: str) -> str:
    """Long digit runs written with thousands separators ("seed 20250101" → "seed 20,250,101"), as
    the report writes its own numbers: a bare run of seven or more digits is what the privacy check
    treats as an account or phone number. Only for text cxroi wrote from settings (the assumptions),
    never for text from data, where such a run must reach the privacy check as it is."""
    return _DIGITS.sub(lambda m: f"{int(m.group(0)):,}", text)


_DIGITS = re.compile(r"(?<![\w.,-])\d{5,}(?!\w|[.,]\d)")


def finite(x: object) -> TypeGuard[int | float]:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(float(x))
