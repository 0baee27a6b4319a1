"""Two-group contrasts the loyalty analyses share, and their small-cell marking.

Built on the additive summaries of :mod:`cxroi.stats.summary`: a difference of means (Welch), a
difference of NPS (normal, trinomial variances) and the Newcombe difference of shares already
there. Each returns an :class:`Estimate` or a :class:`CannotCompute` with the reason.
"""

from __future__ import annotations

import math
from dataclasses import fields, replace
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

from scipy import stats as sps

from cxroi.stats.result import CannotCompute, Contrast, ContrastResult, Estimate, Result
from cxroi.stats.summary import Z95, Moments, NpsCounts

R = TypeVar("R", bound=Estimate | CannotCompute)
D = TypeVar("D", bound="DataclassInstance")


def welch_difference(a: Moments, b: Moments, reason: str) -> ContrastResult:
    """mean(a) − mean(b) with a Welch–Satterthwaite t interval (unequal variances)."""
    if a.n < 2 or b.n < 2:
        return CannotCompute(reason)
    va, vb = a.variance() / a.n, b.variance() / b.n
    diff = a.total / a.n - b.total / b.n
    se = math.sqrt(va + vb)
    if se == 0.0:
        # both groups constant: the difference is known exactly
        return Contrast(diff, diff, diff, method="welch t", n=a.n + b.n, se=0.0, n_a=a.n, n_b=b.n)
    df = (va + vb) ** 2 / (va * va / (a.n - 1) + vb * vb / (b.n - 1))
    half = float(sps.t.ppf(0.975, df)) * se
    return Contrast(
        diff, diff - half, diff + half, method="welch t", n=a.n + b.n, se=se, n_a=a.n, n_b=b.n
    )


def nps_difference(a: NpsCounts, b: NpsCounts, reason: str) -> ContrastResult:
    """NPS(a) − NPS(b) in points, normal interval from the two trinomial variances."""
    if a.n == 0 or b.n == 0:
        return CannotCompute(reason)

    def part(c: NpsCounts) -> tuple[float, float]:
        p, d = c.promoters / c.n, c.detractors / c.n
        return 100.0 * (p - d), 100.0 * 100.0 * max(p + d - (p - d) ** 2, 0.0) / c.n

    (na, va), (nb, vb) = part(a), part(b)
    se = math.sqrt(va + vb)
    diff = na - nb
    return Contrast(
        diff,
        diff - Z95 * se,
        diff + Z95 * se,
        method="trinomial normal",
        n=a.n + b.n,
        se=se,
        n_a=a.n,
        n_b=b.n,
    )


def with_small_cell(result: R, min_cell: int) -> R:
    """``result`` marked ``small_cell`` when it rests on fewer than ``min_cell`` observations.

    A contrast is as private as its smaller side; the report suppresses small cells.
    """
    if isinstance(result, CannotCompute):
        return result
    smallest = result.smallest_side if isinstance(result, Contrast) else int(result.n or 0)
    return replace(result, small_cell=smallest < min_cell)


def mark_small_cells(measures: D, min_cell: int) -> D:
    """Every estimate field of a dataclass of measures, marked as :func:`with_small_cell` does."""
    changes = {
        f.name: with_small_cell(getattr(measures, f.name), min_cell) for f in fields(measures)
    }
    out: D = replace(measures, **changes)
    return out


def excludes_zero(result: Result) -> int:
    """+1 when the interval lies above 0, −1 below, 0 when it covers 0 (or is not computable)."""
    if isinstance(result, CannotCompute) or result.ci_low is None or result.ci_high is None:
        return 0
    if result.ci_low > 0:
        return 1
    if result.ci_high < 0:
        return -1
    return 0
