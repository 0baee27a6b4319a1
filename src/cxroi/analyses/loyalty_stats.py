"""Two-group contrasts the loyalty analyses share, and their JSON form.

Built on the additive summaries of :mod:`cxroi.stats.summary`: a difference of means (Welch), a
difference of NPS (normal, trinomial variances) and the Newcombe difference of shares already
there. Each returns an :class:`Estimate` or a :class:`CannotCompute` with the reason.
"""

from __future__ import annotations

import math
from typing import Any

from scipy import stats as sps

from cxroi.stats.result import CannotCompute, Estimate, Result
from cxroi.stats.summary import Z95, Moments, NpsCounts


def welch_difference(a: Moments, b: Moments, reason: str) -> Result:
    """mean(a) − mean(b) with a Welch–Satterthwaite t interval (unequal variances)."""
    if a.n < 2 or b.n < 2:
        return CannotCompute(reason)
    va, vb = a.variance() / a.n, b.variance() / b.n
    diff = a.total / a.n - b.total / b.n
    se = math.sqrt(va + vb)
    if se == 0.0:
        # both groups constant: the difference is known exactly
        return Estimate(
            diff, diff, diff, method="welch t", n=a.n + b.n, se=0.0, extra={"n_a": a.n, "n_b": b.n}
        )
    df = (va + vb) ** 2 / (va * va / (a.n - 1) + vb * vb / (b.n - 1))
    half = float(sps.t.ppf(0.975, df)) * se
    return Estimate(
        diff,
        diff - half,
        diff + half,
        method="welch t",
        n=a.n + b.n,
        se=se,
        extra={"n_a": a.n, "n_b": b.n},
    )


def nps_difference(a: NpsCounts, b: NpsCounts, reason: str) -> Result:
    """NPS(a) − NPS(b) in points, normal interval from the two trinomial variances."""
    if a.n == 0 or b.n == 0:
        return CannotCompute(reason)

    def part(c: NpsCounts) -> tuple[float, float]:
        p, d = c.promoters / c.n, c.detractors / c.n
        return 100.0 * (p - d), 100.0 * 100.0 * max(p + d - (p - d) ** 2, 0.0) / c.n

    (na, va), (nb, vb) = part(a), part(b)
    se = math.sqrt(va + vb)
    diff = na - nb
    return Estimate(
        diff,
        diff - Z95 * se,
        diff + Z95 * se,
        method="trinomial normal",
        n=a.n + b.n,
        se=se,
        extra={"n_a": a.n, "n_b": b.n},
    )


def obj(
    result: Result, min_cell: int | None = None, compact: bool = False
) -> dict[str, Any] | None:
    """An estimate object for results.json (None when not computable; the caller adds the note).

    ``compact`` keeps estimate, interval and n only (long monthly series). A cell resting on fewer
    than ``min_cell`` observations is marked ``small_cell`` (the summary suppresses it).
    """
    if isinstance(result, CannotCompute):
        return None
    if compact:
        out: dict[str, Any] = {
            "estimate": result.estimate,
            "ci_low": result.ci_low,
            "ci_high": result.ci_high,
            "n": result.n,
        }
    else:
        out = result.as_dict()
    for key, value in list(out.items()):
        if isinstance(value, float) and not math.isfinite(value):
            out[key] = None
    if min_cell is not None and result.n is not None:
        out["small_cell"] = _smallest_n(result) < min_cell
    return out


def _smallest_n(result: Estimate) -> int:
    # a contrast is as private as its smaller side
    sides = [v for k, v in result.extra.items() if k in ("n_a", "n_b") and isinstance(v, int)]
    return min(sides) if sides else int(result.n or 0)


def put(
    target: dict[str, Any],
    key: str,
    result: Result,
    min_cell: int | None = None,
    compact: bool = False,
) -> None:
    """``target[key]`` = estimate object, or null with ``<key>_note`` saying why."""
    target[key] = obj(result, min_cell, compact)
    if isinstance(result, CannotCompute):
        target[f"{key}_note"] = result.reason


def excludes_zero(result: Result) -> int:
    """+1 when the interval lies above 0, −1 below, 0 when it covers 0 (or is not computable)."""
    if isinstance(result, CannotCompute) or result.ci_low is None or result.ci_high is None:
        return 0
    if result.ci_low > 0:
        return 1
    if result.ci_high < 0:
        return -1
    return 0
