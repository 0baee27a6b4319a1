"""Sentences from numbers, with the honesty rules in one place.

Rules (every section follows them, the tests hold them):
- an effect whose 95% interval excludes 0 is stated with its direction ("raised", "lowered");
- an interval that includes 0 reads "no clear effect (−x to +y)", whatever the point estimate;
- an effect without an interval is "indicative", never stated as established;
- two groups are called different only when their intervals do not overlap (conservative);
- every figure comes from the results passed in: nothing here holds a number about the business.
"""

from __future__ import annotations

from cxroi.report import fmt
from cxroi.report.access import Est, Missing, Suppressed, Value
from cxroi.report.model import Unit


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


def with_interval(e: Est, unit: Unit, currency: str, plus: bool = False) -> str:
    """'$1.2M (95% interval $0.6M to $1.8M)' or the bare value marked as without interval."""
    main = show(e.estimate, unit, currency, plus=plus)
    if e.ci_low is None or e.ci_high is None:
        return f"{main} (no interval available)"
    return f"{main} (95% interval {span(e.ci_low, e.ci_high, unit, currency)})"


def cell(v: Value, unit: Unit, currency: str, min_cell: int) -> str:
    """A table cell: the value, '<10' when suppressed, '—' when missing."""
    if isinstance(v, Est):
        return show(v.estimate, unit, currency)
    if isinstance(v, Suppressed):
        return f"<{min_cell}"
    return "—"


def cell_ci(v: Value, unit: Unit, currency: str) -> str:
    if isinstance(v, Est) and v.ci_low is not None and v.ci_high is not None:
        return span(v.ci_low, v.ci_high, unit, currency)
    return ""


def effect(subject: str, outcome: str, e: Est, unit: Unit, currency: str) -> str:
    """The core honesty rule as a sentence."""
    size = show(abs(e.estimate), unit, currency)
    if unit == "pp":
        size = fmt.pp(abs(e.estimate)).lstrip("+")
    sign = e.sign()
    if sign is None:
        return (
            f"{subject} changed {outcome} by an estimated {show(e.estimate, unit, currency, plus=True)}; "
            "no interval is available, so treat it as indicative."
        )
    rng = span(e.ci_low or 0.0, e.ci_high or 0.0, unit, currency)
    if sign > 0:
        return f"{subject} raised {outcome} by {size} (95% interval {rng})."
    if sign < 0:
        return f"{subject} lowered {outcome} by {size} (95% interval {rng})."
    return (
        f"{subject} had no clear effect on {outcome} ({rng}): the data cannot yet tell "
        "a gain from a loss."
    )


def compare(a: Value, b: Value) -> int | None:
    """+1 if a is clearly above b, −1 clearly below, 0 if intervals overlap, None if unknown."""
    if not (isinstance(a, Est) and isinstance(b, Est) and a.has_ci and b.has_ci):
        return None
    if (a.ci_low or 0.0) > (b.ci_high or 0.0):
        return 1
    if (a.ci_high or 0.0) < (b.ci_low or 0.0):
        return -1
    return 0


def versus(
    metric: str, name_a: str, a: Value, name_b: str, b: Value, unit: Unit, currency: str,
    higher_is: str = "higher", lower_is: str = "lower",
) -> str | None:
    """'CSAT is lower for AI only (65.4%) than for human only (71.8%); the intervals do not overlap.'"""
    if not (isinstance(a, Est) and isinstance(b, Est)):
        return None
    va, vb = show(a.estimate, unit, currency), show(b.estimate, unit, currency)
    c = compare(a, b)
    if c is None:
        return f"{metric}: {name_a} {va}, {name_b} {vb} (no intervals to compare)."
    if c == 0:
        return f"{metric} is not clearly different between {name_a} ({va}) and {name_b} ({vb})."
    word = higher_is if c > 0 else lower_is
    return f"{metric} is {word} for {name_a} ({va}) than for {name_b} ({vb}); the intervals do not overlap."


def mode_line(metric: str, vals: dict[str, Value], unit: Unit, currency: str) -> str | None:
    """'CSAT: human-only 72.0%; AI-only 60.0% is clearly lower and hybrid 75.0% is not clearly different.'"""
    ref = vals.get("human_only")
    if not isinstance(ref, Est):
        return None
    parts = []
    for mode, name in (("ai_only", "AI-only"), ("hybrid", "hybrid")):
        v = vals.get(mode)
        if not isinstance(v, Est):
            continue
        c = compare(v, ref)
        verdict = {1: "is clearly higher", -1: "is clearly lower", 0: "is not clearly different"}.get(
            c if c is not None else 2, "has no interval to compare")
        parts.append(f"{name} {show(v.estimate, unit, currency)} {verdict}")
    if not parts:
        return None
    return f"{metric}: human-only {show(ref.estimate, unit, currency)}; {join_names(parts)}."


def missing_reason(v: Value, what: str) -> str:
    if isinstance(v, Suppressed):
        return f"{what} rests on fewer than the minimum group size and is suppressed."
    if isinstance(v, Missing):
        return f"{what} is not available: {v.reason}."
    return ""


def join_names(names: list[str]) -> str:
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def times_cheaper(cheap: Est, dear: Est) -> str | None:
    if cheap.estimate <= 0 or dear.estimate <= 0:
        return None
    r = dear.estimate / cheap.estimate
    if r >= 1.05:
        return f"{r:.0f}×" if r >= 10 else f"{r:.1f}×"
    return None
