"""Sentences from numbers, with the honesty rules in one place.

Rules (every section follows them, the tests hold them):
- an effect whose 95% interval excludes 0 is stated with its direction ("raised", "lowered");
- an interval that includes 0 reads "no clear effect (−x to +y)", whatever the point estimate;
- an effect without an interval is "indicative", never stated as established;
- two groups are called different only when their intervals do not overlap (conservative);
- a suppressed cell reads "n<10" (a count of rows), never "<10", which would read as a value in
  the row's unit ("under 10 seconds");
- every figure comes from the results passed in: nothing here holds a number about the business.
"""

from __future__ import annotations

from cxroi.report import fmt
from cxroi.report.model import Unit
from cxroi.report.privacy import redact
from cxroi.report.read import Shown, Suppressed, has_interval, join_names, sign
from cxroi.stats.result import CannotCompute, Estimate
from cxroi.stats.result import Unit as ResultUnit

_DISPLAY: dict[ResultUnit, Unit] = {
    ResultUnit.FRACTION: "pct",
    ResultUnit.DIFFERENCE: "pp",
    ResultUnit.NPS: "nps",
    ResultUnit.NPS_DIFFERENCE: "nps",
    ResultUnit.MONEY: "money",
    ResultUnit.SECONDS: "seconds",
    ResultUnit.CORRELATION: "corr",
}


def display_unit(unit: ResultUnit | None) -> Unit:
    """How a result's declared unit is shown (scores, counts and ratios as plain numbers)."""
    return _DISPLAY.get(unit, "number") if unit is not None else "number"


def suppressed(min_cell: int) -> str:
    """The text of a suppressed cell: a count of rows, not a value in the row's unit."""
    return f"n<{min_cell}"


def suppressed_note(min_cell: int) -> str:
    return (f"n<{min_cell}: fewer than {min_cell} contacts, answers or customers behind the cell, "
            "so it is suppressed for privacy (it is not a value).")


def show(x: float, unit: Unit, currency: str, plus: bool = False) -> str:
    if unit == "pct":
        return fmt.pct(x, plus=plus)
    if unit == "pp":
        return fmt.pp(x)
    if unit == "money":
        return fmt.money(x, currency, plus=plus)
    if unit == "nps":
        return fmt.points(x)  # NPS always carries its sign
    if unit == "seconds":
        return fmt.duration(x)
    if unit == "corr":
        return fmt.number(x, 2, plus=plus)
    return fmt.number(x, 2 if abs(x) < 100 else 0, plus=plus)


def span(lo: float, hi: float, unit: Unit, currency: str) -> str:
    """'−1.2 to +3.4 pp', '$0.6M to $1.8M', '61.2% to 75.4%'."""
    if unit == "pp":
        return f"{fmt.number(lo * 100, 1, plus=True)} to {fmt.number(hi * 100, 1, plus=True)} pp"
    if unit == "nps":
        return f"{fmt.points(lo)} to {fmt.points(hi)} points"
    signed = lo < 0 < hi or unit == "corr"
    return f"{show(lo, unit, currency, plus=signed and lo > 0)} to {show(hi, unit, currency, plus=signed)}"


def interval_of(e: Estimate, unit: Unit, currency: str) -> str:
    """'95% interval a to b', or 'no interval available'."""
    if e.ci_low is None or e.ci_high is None:
        return "no interval available"
    return f"95% interval {span(e.ci_low, e.ci_high, unit, currency)}"


def with_interval(e: Estimate, unit: Unit, currency: str, plus: bool = False) -> str:
    """'$1.2M (95% interval $0.6M to $1.8M)' or the bare value marked as without interval."""
    return f"{show(e.estimate, unit, currency, plus=plus)} ({interval_of(e, unit, currency)})"


def cell(v: Shown, unit: Unit, currency: str, min_cell: int) -> str:
    """A table cell: the value, 'n<10' when suppressed, '—' when not computed."""
    if isinstance(v, Estimate):
        return show(v.estimate, unit, currency)
    if isinstance(v, Suppressed):
        return suppressed(min_cell)
    return "—"


def compact(v: Shown, unit: Unit, cur: str, min_cell: int) -> str:
    """'65.4% (63.2 to 67.6)' for tables; 'n<10' or '—' otherwise."""
    if not isinstance(v, Estimate):
        return cell(v, unit, cur, min_cell)
    main = show(v.estimate, unit, cur)
    if v.ci_low is None or v.ci_high is None:
        return main
    scale = 100.0 if unit in ("pct", "pp") else 1.0
    dec = 1 if unit in ("pct", "pp") else (0 if unit == "nps" or abs(v.estimate) >= 100 else 2)
    return f"{main} ({fmt.number(v.ci_low * scale, dec)} to {fmt.number(v.ci_high * scale, dec)})"


def effect(subject: str, outcome: str, e: Estimate, unit: Unit, currency: str,
           estimated: bool = False, tag: str = "") -> str:
    """The core honesty rule as a sentence. ``estimated``: an adjusted estimate ("is estimated to
    have raised"); ``tag`` is added inside the interval's brackets (e.g. "ATT, adjusted estimate")."""
    size = show(abs(e.estimate), unit, currency)
    if unit == "pp":
        size = fmt.pp(abs(e.estimate)).lstrip("+")
    extra = f"; {tag}" if tag else ""
    direction = sign(e)
    if direction is None:
        return (
            f"{subject} changed {outcome} by an estimated {show(e.estimate, unit, currency, plus=True)} "
            f"(no interval available{extra}), so treat it as indicative."
        )
    rng = span(e.ci_low or 0.0, e.ci_high or 0.0, unit, currency)
    verb = "is estimated to have " if estimated else ""
    if direction > 0:
        return f"{subject} {verb}raised {outcome} by {size} (95% interval {rng}{extra})."
    if direction < 0:
        return f"{subject} {verb}lowered {outcome} by {size} (95% interval {rng}{extra})."
    return (
        f"{subject} had no clear effect on {outcome} ({rng}{extra}): the data cannot yet tell "
        "a gain from a loss."
    )


def compare(a: Shown, b: Shown) -> int | None:
    """+1 if a is clearly above b, −1 clearly below, 0 if intervals overlap, None if unknown."""
    if not (isinstance(a, Estimate) and isinstance(b, Estimate) and has_interval(a) and has_interval(b)):
        return None
    if (a.ci_low or 0.0) > (b.ci_high or 0.0):
        return 1
    if (a.ci_high or 0.0) < (b.ci_low or 0.0):
        return -1
    return 0


def mode_line(metric: str, vals: dict[str, Shown], unit: Unit, currency: str) -> str | None:
    """'CSAT: human-only 72.0%; AI-only 60.0% is clearly lower and hybrid 75.0% is not clearly different.'"""
    ref = vals.get("human_only")
    if not isinstance(ref, Estimate):
        return None
    parts = []
    for mode, name in (("ai_only", "AI-only"), ("hybrid", "hybrid")):
        v = vals.get(mode)
        if not isinstance(v, Estimate):
            continue
        c = compare(v, ref)
        verdict = {1: "is clearly higher", -1: "is clearly lower", 0: "is not clearly different"}.get(
            c if c is not None else 2, "has no interval to compare")
        parts.append(f"{name} {show(v.estimate, unit, currency)} {verdict}")
    if not parts:
        return None
    return f"{metric}: human-only {show(ref.estimate, unit, currency)}; {join_names(parts)}."


def missing_reason(v: Shown, what: str) -> str:
    if isinstance(v, Suppressed):
        return f"{what} rests on fewer than the minimum group size and is suppressed."
    if isinstance(v, CannotCompute):
        return f"{what} is not available: {redact(v.reason)}."
    return ""


def times_cheaper(cheap: Estimate, dear: Estimate) -> str | None:
    if cheap.estimate <= 0 or dear.estimate <= 0:
        return None
    r = dear.estimate / cheap.estimate
    if r >= 1.05:
        return f"{r:.0f}×" if r >= 10 else f"{r:.1f}×"
    return None


def reason(v: Shown | None, default: str = "not computed") -> str:
    """The reason a value is not shown, as a clause."""
    if isinstance(v, CannotCompute):
        return redact(v.reason)
    if isinstance(v, Suppressed):
        return "too few rows to show (privacy)"
    return default
