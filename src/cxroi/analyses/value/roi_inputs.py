"""Benefits the ROI worksheet counts, each as a monthly series with Monte Carlo draws.

Benefits come from other analyses: the cost saving from the what-if (its standardised extra cost
is what AI saves today), revenue protected over 12 months and incremental revenue generated from
the pillars. Each arrives as a :class:`BenefitInput`: its 12-month figure (an Estimate) and, when
the producing analysis has them, its values per calendar month.

Rules, stated once:

- Revenue is counted at margin (``value.margin``) unless the input says it already is; a cost
  saving is counted in full. ROI compares profit with cost, so gross revenue would overstate it.
- A benefit without monthly values is spread evenly over the latest 12 months and unknown before
  them (so earlier trailing windows cannot include it); one whose monthly values miss a month of
  the latest 12 is treated the same way.
- Uncertainty: the 12-month figure is drawn normal with its standard error (from ``se``, else
  the 95% interval's width / 3.92) and every month moves in proportion, so the draws of a
  benefit stay coherent across months.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cxroi.analyses.value.settings import RoiSettings
from cxroi.results.model.money import Evidence
from cxroi.analyses.value.what_if_result import CostSeries
from cxroi.stats.result import Estimate

FloatArray = npt.NDArray[np.float64]
Z95 = 1.959963984540054


@dataclass(frozen=True)
class BenefitInput:
    """A benefit produced by another analysis, for the ROI worksheet."""

    name: str
    total_12m: Estimate
    """The benefit over the latest 12 months."""
    monthly: tuple[tuple[str, float], ...] = ()
    """(calendar month, central value); empty when the analysis has no monthly view."""
    is_revenue: bool = True
    margin_applied: bool = False
    evidence: Evidence = Evidence.ADJUSTED
    description: str = ""
    """What the figure estimates (population, horizon, basis), for the assumptions table."""


@dataclass(frozen=True, eq=False)
class BenefitSeries:
    """Row 0 central, rows 1.. draws; columns = the worksheet's months; NaN = unknown month."""

    name: str
    values: FloatArray
    evidence: Evidence
    margin_factor: float
    """The factor the ROI applied (the margin, or 1 for costs and revenue already at margin)."""
    spread_evenly: bool


def _se(e: Estimate) -> float:
    if e.se is not None and np.isfinite(e.se):
        return float(e.se)
    if e.ci_low is not None and e.ci_high is not None:
        return float(e.ci_high - e.ci_low) / (2.0 * Z95)
    return 0.0


def cost_savings_series(cost: CostSeries, months: tuple[str, ...]) -> BenefitSeries:
    """The what-if's monthly extra cost, aligned to the worksheet's months."""
    values = np.full((cost.values.shape[0], len(months)), np.nan)
    for j, month in enumerate(months):
        if month in cost.months:
            values[:, j] = cost.values[:, cost.months.index(month)]
    return BenefitSeries("cost_savings", values, Evidence.ASSUMPTION, 1.0, False)


def input_series(
    inp: BenefitInput,
    months: tuple[str, ...],
    window: tuple[str, ...],
    margin: float,
    draws: int,
    rng: np.random.Generator,
) -> BenefitSeries:
    """A :class:`BenefitInput` as a monthly series with ``draws`` Monte Carlo rows."""
    given = dict(inp.monthly)
    central = np.array([given.get(m, np.nan) for m in months], dtype=float)
    in_window = np.isin(np.array(months), np.array(window))
    spread = not inp.monthly or bool(np.isnan(central[in_window]).any())
    if spread:
        central = np.where(in_window, inp.total_12m.estimate / max(int(in_window.sum()), 1), np.nan)
    factor = margin if inp.is_revenue and not inp.margin_applied else 1.0
    point = inp.total_12m.estimate
    totals = point + _se(inp.total_12m) * rng.standard_normal(draws)
    if point != 0:
        sims = central[None, :] * (totals / point)[:, None]
    else:
        known = np.isfinite(central)
        sims = central[None, :] + (totals[:, None] / max(int(known.sum()), 1))
    values = factor * np.vstack([central[None, :], sims])
    return BenefitSeries(inp.name, values, inp.evidence, factor, spread)


def risk_savings_series(
    settings: RoiSettings, months: tuple[str, ...], draws: int, rng: np.random.Generator
) -> BenefitSeries:
    """Configured yearly risk-adjusted savings (fraud, compliance, ...), a twelfth each month.

    Savings are costs avoided: no margin. Their triangular ranges are drawn once per Monte Carlo
    run and shared by all months.
    """
    central = sum(t.mean for _, t in settings.risk_savings_per_year) / 12.0
    sims = np.zeros(draws)
    for _, tri in settings.risk_savings_per_year:
        sims += tri.draw(rng, draws) / 12.0
    per_month = np.concatenate([[central], sims])
    values = np.repeat(per_month[:, None], len(months), axis=1)
    return BenefitSeries("risk_savings", values, Evidence.ASSUMPTION, 1.0, False)


__all__ = [
    "BenefitInput",
    "BenefitSeries",
    "cost_savings_series",
    "input_series",
    "risk_savings_series",
]
