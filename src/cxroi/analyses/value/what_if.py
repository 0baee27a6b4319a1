"""What if we stopped AI: the latest 12 months of AI-handled volume moves to human agents.

docs/metrics.md (Value): cost, handle time and agents needed for the same service level, reconciled
with the agents actually staffed, and the revenue protected that would be lost, with intervals
that include the uncertainty of the assumptions, not only of the data.

Steps (each in its own module):

1. ``what_if_cells``: the human reference of every AI cell (intent x channel): cost, handle
   time, 7-day repeat rate and CES of human contacts of the same intent and channel, with a
   documented fallback for thin cells and customer-clustered standard errors.
2. ``what_if_cost``: every AI contact priced at its cell's human cost, hybrid contacts moved a
   share of the way, net of the repeats the AI's failures caused (false containment beyond the
   human repeat rate of the same cell, times the share a human would have avoided).
3. ``what_if_staffing``: FTE today and without AI; live channels by Erlang C and Erlang A hour
   by hour over the busiest month, asynchronous work by workload; reconciled with the
   ``agents`` table.
4. Monte Carlo (this module): one draw = one value of every uncertain input. Data: each cell's
   means, normal with their clustered standard errors. Assumptions: triangular priors on the
   hybrid share, the failure-repeat share, shrinkage and patience (patience is estimated from
   abandoned waits instead when the data records abandonment). The figure is the central case
   (data means, priors at their means); its interval is the draws' 2.5-97.5% range, and its
   precision (significant figures) follows from that range. Staffing runs the Erlang models
   hour by hour, so it uses the first ``staffing_draws`` draws.

Money is cost, not revenue: no margin applies. Effort is a descriptive comparison; everything
else is a scenario under stated assumptions (evidence class Evidence.ASSUMPTION).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from cxroi.analyses.value.settings import WhatIfSettings
from cxroi.analyses.value.uncertainty import UnitName, from_draws, normal_draws
from cxroi.results.model.money import Evidence, Figure, RevenueProtected
from cxroi.analyses.value.what_if_cells import LEVELS, References, clustered_ratio, human_references
from cxroi.analyses.value.what_if_cost import (
    Consequences,
    Volumes,
    ai_volumes,
    consequences,
    draw_rates,
)
from cxroi.analyses.value.what_if_data import WhatIfData
from cxroi.analyses.value.what_if_priors import draw_priors
from cxroi.analyses.value.what_if_result import CostSeries
from cxroi.analyses.value.what_if_staffing_summary import summarise_staffing
from cxroi.stats.result import CannotCompute
from cxroi.results.model.scenario import Effort, MonthlyCost, Period, PricingShare, Volume, WhatIfResult

FloatArray = npt.NDArray[np.float64]
YEAR = 12


def _period(window: tuple[str, ...]) -> Period:
    return Period(window[0], window[-1], len(window), len(window) < YEAR)


def _columns(months: tuple[str, ...], window: tuple[str, ...]) -> npt.NDArray[np.int64]:
    return np.array([months.index(m) for m in window], dtype=np.int64)


def _pricing(refs: References, weights: FloatArray) -> tuple[PricingShare, ...]:
    total = weights.sum()
    out: list[PricingShare] = []
    for stat, used in sorted(refs.level.items()):
        for level in (*LEVELS, "none"):
            share = float(weights[used == level].sum() / total) if total > 0 else 0.0
            if share > 0:
                out.append(PricingShare(stat, level, share))
    return tuple(out)


def _effort(
    refs: References,
    data: WhatIfData,
    weights: FloatArray,
    rng: np.random.Generator,
    draws: int,
) -> Effort | CannotCompute:
    rows = data.by_cell
    ai = rows[rows["ai_mode"].isin(["ai_only", "hybrid"]) & rows["inbound"].astype(bool)]
    totals = ai.drop(columns=["intent_key", "channel", "ai_mode", "inbound"]).sum().to_frame().T
    observed = clustered_ratio(totals, "ces")
    ref = refs.human["ces"]
    usable = np.isfinite(ref.mean) & (weights > 0)
    if not np.isfinite(observed.mean[0]) or not usable.any():
        return CannotCompute("no CES answers on AI-assisted contacts or on human contacts")
    w = np.where(usable, weights, 0.0) / weights[usable].sum()
    sims = normal_draws(np.nan_to_num(ref.mean), np.nan_to_num(ref.se), rng, draws)
    human = np.concatenate([[np.nansum(w * ref.mean)], sims @ w])
    se_obs = float(np.nan_to_num(observed.se[0]))
    today = np.concatenate(
        [[observed.mean[0]], observed.mean[0] + se_obs * rng.standard_normal(draws)]
    )
    def ces(values: FloatArray, method: str) -> Figure:
        return from_draws(
            values[0], values[1:], method=method, unit="ces_points", horizon_months=None,
            evidence=Evidence.DESCRIPTIVE,
        )

    base = "CES (1-7, higher = easier) of inbound contacts in the latest 12 months"
    return Effort(
        ces_ai_assisted_today=ces(today, f"{base}, AI-assisted, customer-clustered"),
        ces_with_humans=ces(
            human, f"{base}: human CES of each intent x channel cell weighted by the AI volume"
        ),
        difference=ces(
            human - today, "standardised human CES minus the AI-assisted CES (descriptive)"
        ),
        reference_coverage=float(weights[usable].sum() / weights.sum()),
    )


def _monthly(vol: Volumes, cons: Consequences) -> tuple[MonthlyCost, ...]:
    return tuple(
        MonthlyCost(
            month,
            from_draws(
                cons.extra_cost[0, j],
                cons.extra_cost[1:, j],
                method="extra cost of that month's AI volume moved to humans",
                unit="money",
                horizon_months=1,
                evidence=Evidence.ASSUMPTION,
            ),
        )
        for j, month in enumerate(vol.months)
    )


def what_if_stopped(
    data: WhatIfData | CannotCompute,
    settings: WhatIfSettings,
    revenue_protected: RevenueProtected | CannotCompute,
    draws: int,
    rng: np.random.Generator,
) -> tuple[WhatIfResult | CannotCompute, CostSeries | CannotCompute]:
    """The scenario for the latest 12 months, and the monthly cost series the ROI counts."""
    if isinstance(data, CannotCompute):
        return data, data
    vol = ai_volumes(data.monthly)
    cols = _columns(vol.months, data.window)
    window_ai = vol.n_ai[:, cols].sum() + vol.n_hybrid[:, cols].sum()
    if len(vol.keys) == 0 or window_ai == 0:
        reason = CannotCompute("no AI-handled inbound contacts in the latest 12 months")
        return reason, reason
    refs = human_references(
        vol.keys, data.by_cell, data.by_channel, data.overall, settings.min_cell_contacts
    )
    if not np.isfinite(refs.human["cost"].mean).any():
        reason = CannotCompute(
            "no inbound human_only contacts in the latest 12 months: no human cost to price "
            "the moved volume"
        )
        return reason, reason
    priors = draw_priors(settings, data, rng, draws)
    rates = draw_rates(refs, rng, draws)
    cons = consequences(vol, rates, priors.hybrid_share, priors.failure_share)
    scale = YEAR / len(cols)
    mc = f"Monte Carlo over cell means and assumption priors ({draws} draws)"

    def total(values: FloatArray, what: str, unit: UnitName) -> Figure:
        t = scale * values[:, cols].sum(axis=1)
        return from_draws(
            t[0], t[1:], method=f"{what}; {mc}", unit=unit, horizon_months=YEAR,
            evidence=Evidence.ASSUMPTION,
        )

    weights = vol.n_ai[:, cols].sum(axis=1) + vol.n_hybrid[:, cols].sum(axis=1)
    result = WhatIfResult(
        period=_period(data.window),
        extra_cost=total(
            cons.extra_cost,
            "12-month extra cost: AI contacts priced at the human cost of their intent x "
            "channel, net of the repeats AI failures caused",
            "money",
        ),
        extra_handle_hours=total(cons.extra_hours, "12-month extra human handle hours", "hours"),
        volume=Volume(
            ai_only_contacts=scale * float(vol.n_ai[:, cols].sum()),
            hybrid_contacts=scale * float(vol.n_hybrid[:, cols].sum()),
            avoided_repeats=total(
                cons.avoided_repeats, "12-month repeats that would not happen", "contacts"
            ),
        ),
        effort=_effort(refs, data, weights, rng, draws),
        staffing=summarise_staffing(data, vol, rates, priors, settings),
        revenue_protected_lost=revenue_protected,
        pricing=_pricing(refs, weights),
        monthly=_monthly(vol, cons),
    )
    return result, CostSeries(vol.months, cons.extra_cost)


__all__ = ["what_if_stopped"]
