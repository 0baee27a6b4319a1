"""Typed figures of the what-if and ROI: an interval from Monte Carlo draws, with honest precision.

A scenario number such as "extra cost if AI stopped" rests on data (per-cell means, each with a
customer-clustered standard error) and on assumptions (priors such as the share of hybrid work
that would move to agents). Its interval comes from Monte Carlo draws of both, so it is as wide
as the assumptions make it, and :func:`significant_figures` says how many figures of the point
are worth printing: rounding is set by the interval's half-width (the Particle Data Group's
rule), so "$238,697.84 [$120k, $360k]" is shown as "$240k".

Evidence classes (docs/metrics.md, "Value"): ``adjusted_estimate`` (a causal estimate adjusted for
confounders), ``descriptive_comparison`` (groups compared as they are) and ``assumption`` (a
scenario computed from observed rates under stated assumptions, such as the what-if, or an input
the user or a default supplies, such as a cost).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import numpy.typing as npt

from cxroi.analyses.value.settings import Triangular
from cxroi.results.model.money import Evidence, Figure
from cxroi.stats.result import Unit

FloatArray = npt.NDArray[np.float64]
UnitName = Literal["money", "hours", "fte", "contacts", "ratio", "share", "ces_points", "months"]
UNITS: dict[str, Unit] = {
    "money": Unit.MONEY,
    "hours": Unit.HOURS,
    "fte": Unit.FTE,
    "contacts": Unit.COUNT,
    "ratio": Unit.RATIO,
    "share": Unit.FRACTION,
    "ces_points": Unit.SCORE_DIFFERENCE,
    "months": Unit.MONTHS,
}
# Shown when an interval has no width (e.g. every input fixed by the user): three figures.
DEFAULT_FIGURES = 3


def significant_figures(estimate: float, ci_low: float, ci_high: float) -> int:
    """Significant figures of ``estimate`` rounded where its uncertainty is rounded.

    The Particle Data Group's rule (Review of Particle Physics, introduction, "Rounding"), with
    the interval's half-width as the uncertainty: its three leading digits 100-354 keep two
    significant digits, 355-949 one, 950-999 round up to 1000 and keep two; the estimate is
    rounded at the same decimal place. Half-width 149k on 462k -> "150k", unit 10k -> 2 figures
    ("460k"); half-width 60k on 239k -> "60k", unit 10k -> 2 figures ("240k").
    """
    half = (ci_high - ci_low) / 2.0
    size = max(abs(estimate), abs(ci_low), abs(ci_high))
    if not (math.isfinite(half) and math.isfinite(size)) or half <= 0 or size == 0:
        return DEFAULT_FIGURES
    exp = math.floor(math.log10(half))
    leading = int(half / 10.0 ** (exp - 2))  # three leading digits, 100..999
    if leading >= 950:
        exp, keep = exp + 1, 2
    else:
        keep = 2 if leading <= 354 else 1
    unit_exp = exp - keep + 1
    size_exp = math.floor(math.log10(size))
    return max(1, size_exp - unit_exp + 1)


def from_draws(
    central: float,
    draws: FloatArray,
    *,
    method: str,
    unit: UnitName,
    horizon_months: int | None,
    evidence: Evidence,
    n: int | None = None,
) -> Figure:
    """The central value (inputs at their central values) with the draws' 2.5-97.5% interval."""
    finite = draws[np.isfinite(draws)]
    if finite.size == 0:
        raise ValueError(f"no finite Monte Carlo draws for: {method}")
    lo, hi = (float(v) for v in np.quantile(finite, [0.025, 0.975]))
    return Figure(
        float(central),
        lo,
        hi,
        method=method,
        n=n,
        se=float(np.std(finite, ddof=1)) if finite.size > 1 else None,
        unit=UNITS[unit],
        horizon_months=horizon_months,
        evidence=evidence,
        significant_figures=significant_figures(float(central), lo, hi),
    )


def draw_prior(prior: Triangular, rng: np.random.Generator, draws: int) -> FloatArray:
    """``draws`` values of a triangular prior (a fixed value when low == high)."""
    return prior.draw(rng, draws)


def normal_draws(
    mean: FloatArray, se: FloatArray, rng: np.random.Generator, draws: int
) -> FloatArray:
    """(draws, cells) normal draws around each cell mean; a missing se adds no noise."""
    noise = rng.standard_normal((draws, mean.size))
    return np.asarray(mean[None, :] + np.nan_to_num(se, nan=0.0)[None, :] * noise, dtype=float)


__all__ = [
    "UnitName",
    "draw_prior",
    "from_draws",
    "normal_draws",
    "significant_figures",
]
