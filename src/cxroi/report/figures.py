"""Money and scenario figures as a finance reader needs them.

A money figure on the page carries five things beside its amount (docs/metrics.md, "Value"): its
95% interval, its horizon, whom and what contrast it is about (the basis: ATT, incremental,
attributed, expected loss), whether it is revenue or margin, and its class of evidence (adjusted
estimate, descriptive comparison, assumption, extrapolation). All five are typed fields of
:class:`~cxroi.results.model.money.Money`; this module turns them into words, and rounds the
amount and its interval at one decimal place chosen by the uncertainty (:mod:`cxroi.report.fmt`).
"""

from __future__ import annotations

from cxroi.report import fmt
from cxroi.results.model.money import Basis, Effect, Evidence, Figure, Money
from cxroi.stats.result import Estimate, Unit

EVIDENCE = {
    Evidence.ADJUSTED: "adjusted estimate",
    Evidence.DESCRIPTIVE: "descriptive comparison",
    Evidence.ASSUMPTION: "assumption",
    Evidence.EXTRAPOLATION: "extrapolation",
}
BASIS = {
    Basis.ATT: "AI-assisted customers, with AI minus without (ATT)",
    Basis.INCREMENTAL_ATT: "AI-assisted contacts beyond human handling of the same contacts (incremental ATT)",
    Basis.ATTRIBUTED: "gross amount following AI-assisted contacts (attributed, not an effect)",
    Basis.EXPECTED_LOSS: "active customers' expected loss to churn",
    Basis.LIFETIME_VALUE: "per active customer, discounted remaining lifetime",
    Basis.ASSUMED_COST: "measured volumes priced at assumed costs",
}
SHORT_BASIS = {
    Basis.ATT: "ATT",
    Basis.INCREMENTAL_ATT: "incremental ATT",
    Basis.ATTRIBUTED: "attributed (gross)",
    Basis.EXPECTED_LOSS: "expected loss",
    Basis.LIFETIME_VALUE: "lifetime value",
    Basis.ASSUMED_COST: "assumed cost",
}
_SUFFIX = {Unit.HOURS: " hours", Unit.FTE: " FTE", Unit.MONTHS: " months", Unit.DAYS: " days"}


def exponent(e: Estimate) -> int:
    """The power of ten the figure and its interval are rounded at."""
    sig = e.significant_figures if isinstance(e, Figure) else None
    return fmt.rounding_exponent(e.estimate, e.ci_low, e.ci_high, sig)


def _one(x: float, e: Estimate, cur: str, exp: int, plus: bool, suffix: bool = True) -> str:
    if isinstance(e, Money) or e.unit == Unit.MONEY:
        return fmt.money_at(x, cur, exp, plus=plus)
    if e.unit == Unit.FRACTION:
        return fmt.number_at(x * 100, exp + 2, plus=plus) + "%"
    tail = _SUFFIX.get(e.unit, "") if e.unit is not None and suffix else ""
    return fmt.number_at(x, exp, plus=plus) + tail


def amount(e: Estimate, cur: str, plus: bool = False) -> str:
    """The point value at the figure's precision: '$750k', '11.3 FTE', '6,300 hours'."""
    return _one(e.estimate, e, cur, exponent(e), plus)


def roi_pct(e: Estimate) -> str:
    """An ROI (a ratio, 1.0 = 100%) as a percentage at its precision: '180%'."""
    return fmt.number_at(e.estimate * 100, exponent(e) + 2) + "%"


def roi_interval(e: Estimate) -> str:
    if e.ci_low is None or e.ci_high is None:
        return "no interval available"
    exp = exponent(e) + 2
    lo, hi = fmt.number_at(e.ci_low * 100, exp), fmt.number_at(e.ci_high * 100, exp)
    return "no interval: its inputs are fixed" if lo == hi else f"95% interval {lo}% to {hi}%"


def interval(e: Estimate, cur: str) -> str:
    """'95% interval $70k to $1.44M' at the figure's precision; never a degenerate '3 to 3'."""
    if e.ci_low is None or e.ci_high is None:
        return "no interval available"
    exp = exponent(e)
    signed = e.ci_low < 0 < e.ci_high
    lo = _one(e.ci_low, e, cur, exp, False, suffix=False)
    hi = _one(e.ci_high, e, cur, exp, signed)
    if _one(e.ci_low, e, cur, exp, False) == hi.lstrip("+"):
        return "no interval: its inputs are fixed" if e.ci_low == e.ci_high else f"95% interval about {lo}"
    return f"95% interval {lo} to {hi}"


def with_interval(e: Estimate, cur: str, plus: bool = False) -> str:
    """'$750k (95% interval $70k to $1.44M)'."""
    return f"{amount(e, cur, plus)} ({interval(e, cur)})"


def horizon(months: int | None, lifetime: bool = True) -> str:
    if months is None:
        return "remaining lifetime" if lifetime else ""
    return "1 month" if months == 1 else f"{months} months"


def labels(e: Effect, short: bool = False, with_horizon: bool = True) -> str:
    """'12 months · ATT · revenue before margin · adjusted estimate' (what a CFO asks next)."""
    parts: list[str] = []
    if isinstance(e, Figure) and with_horizon:
        h = horizon(e.horizon_months, lifetime=isinstance(e, Money))
        if h:
            parts.append(h)
    if isinstance(e, Money):
        parts.append(SHORT_BASIS[e.basis] if short else BASIS[e.basis])
        parts.append("margin" if e.margin_applied else "revenue before margin")
    parts.append(EVIDENCE[e.evidence])
    return " · ".join(parts)


def tags(e: Effect) -> str:
    """'ATT, revenue before margin, adjusted estimate': the labels a sentence that already says
    its horizon carries in brackets."""
    return labels(e, short=True, with_horizon=False).replace(" · ", ", ")


def clear_sign(e: Estimate) -> int | None:
    """+1/−1 when the interval lies on one side of zero, 0 when it covers it, None without one."""
    if e.ci_low is None or e.ci_high is None:
        return None
    return 1 if e.ci_low > 0 else (-1 if e.ci_high < 0 else 0)
