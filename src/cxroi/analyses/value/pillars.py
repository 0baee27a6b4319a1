"""The three pillars in currency: revenue protected, revenue generated (and at risk, in churn_risk).

Revenue protected = adjusted 12-month retention delta x AI-assisted customers x CLV. CLV is
margin-adjusted (metrics.md), so this is margin protected, not gross revenue. The interval is
Monte Carlo: delta ~ Normal(estimate, se) from the retention analysis, CLV from its parametric
draws, the customer count fixed (counted, not estimated). The delta is an average effect over all
analysed customers (the retention analysis' estimand), applied to the exposed ones.

Revenue generated = upsell and cross-sell revenue attributed (``contact_id``) to AI-assisted
contacts + won opportunities sourced by AI-assisted contacts. A sale booking a won opportunity
(same contact and amount) is counted once, as won pipeline. Totals are observed; their interval
treats events as a compound Poisson process (se = sqrt of the sum of squared amounts), the
uncertainty of the rate at which such revenue arises. Conversion lift = win rate of AI-assisted
minus human-only sourced opportunities (Newcombe). CAC offset = AI-sourced won deals x configured
acquisition cost x the share of it a service-sourced deal avoids: an assumption, not a measurement.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxroi.analyses.value.queries import AI_MODES, attributed_sales, opportunity_sums
from cxroi.io.dataset import Dataset
from cxroi.stats.result import CannotCompute, Estimate, Result
from cxroi.stats.summary import Z95, Proportion, newcombe_difference

FloatArray = npt.NDArray[np.float64]


def sales_input(ds: Dataset) -> pd.DataFrame | CannotCompute:
    """Upsell/cross-sell sums by month and mode, or why they cannot be had."""
    if not ds.has("revenue"):
        return CannotCompute("the dataset has no revenue table")
    if not ds.has("revenue", "contact_id"):
        return CannotCompute("revenue.contact_id is absent: sales cannot be attributed to contacts")
    return attributed_sales(ds)


def opportunity_input(ds: Dataset) -> pd.DataFrame | CannotCompute:
    """Closed/won opportunity sums by month and sourcing mode, or why they cannot be had."""
    if not ds.has("opportunities"):
        return CannotCompute("the dataset has no opportunities table")
    for col in ("contact_id", "won"):
        if not ds.has("opportunities", col):
            return CannotCompute(f"opportunities.{col} is absent")
    return opportunity_sums(ds)


@dataclass(frozen=True)
class Delta:
    """The adjusted retention delta as read from the retention section."""

    estimate: float
    se: float
    source: dict[str, Any]


def read_delta(retention: Mapping[str, Any] | None) -> Delta | CannotCompute:
    if not isinstance(retention, Mapping):
        return CannotCompute("the retention section is missing, so there is no retention delta")
    obj = retention.get("delta_12m_adjusted")
    if not isinstance(obj, Mapping) or obj.get("estimate") is None:
        note = retention.get("delta_12m_adjusted_note") or "no reason given"
        return CannotCompute(f"the adjusted 12-month retention delta is not available: {note}")
    est = float(obj["estimate"])
    se = obj.get("se")
    lo, hi = obj.get("ci_low"), obj.get("ci_high")
    if se is None and lo is not None and hi is not None:
        se = (float(hi) - float(lo)) / (2 * Z95)
    keep = {k: obj[k] for k in ("estimate", "ci_low", "ci_high", "se", "method") if k in obj}
    return Delta(est, float(se) if se is not None else 0.0, keep)


def exposed_by_month(frame: pd.DataFrame) -> pd.Series:
    """AI-assisted customers (index contact ai_only or hybrid) by the month of that contact."""
    exposed = frame[frame["index_mode"].isin(list(AI_MODES))]
    return exposed.groupby("index_month").size().sort_index()


def revenue_protected(
    delta: Delta | CannotCompute,
    clv: Estimate | CannotCompute,
    clv_draws: FloatArray | None,
    n_exposed: int,
    rng: np.random.Generator,
) -> tuple[Result, FloatArray | None]:
    """The estimate and its Monte Carlo draws of ``delta x CLV`` (per exposed customer)."""
    if isinstance(delta, CannotCompute):
        return delta, None
    if isinstance(clv, CannotCompute) or clv_draws is None:
        reason = clv.reason if isinstance(clv, CannotCompute) else "no CLV draws"
        return CannotCompute(f"CLV is not available: {reason}"), None
    if n_exposed == 0:
        return CannotCompute("no customer's index contact was AI-assisted"), None
    d = delta.estimate + delta.se * rng.standard_normal(clv_draws.size)
    per_customer = d * clv_draws
    total = n_exposed * per_customer
    lo, hi = (float(v) for v in np.quantile(total, [0.025, 0.975]))
    note = "" if delta.se > 0 else "; the retention delta came without an interval (CLV only)"
    return (
        Estimate(
            n_exposed * delta.estimate * clv.estimate,
            lo,
            hi,
            method=(
                "adjusted retention delta x AI-assisted customers x CLV (margin-adjusted); "
                f"95% interval by Monte Carlo ({clv_draws.size} draws: delta normal, CLV from its "
                f"parametric draws){note}"
            ),
            n=n_exposed,
            se=float(np.std(total, ddof=1)),
            extra={
                "ai_assisted_customers": n_exposed,
                "delta_12m_adjusted": delta.source,
                "clv_per_customer": clv.estimate,
                "margin_adjusted": True,
            },
        ),
        per_customer,
    )


@dataclass(frozen=True)
class Generated:
    total: Result
    components: dict[str, Result]
    monthly: pd.Series  # attributed revenue (sales + won deals) of AI-assisted contacts by month
    cac_monthly: pd.Series
    se: float


def _observed_total(amount: float, amount_sq: float, n: int, what: str) -> Estimate:
    se = math.sqrt(max(amount_sq, 0.0))
    return Estimate(
        amount,
        amount - Z95 * se,
        amount + Z95 * se,
        method=f"observed total of {what}; interval treats events as compound Poisson "
        "(se = sqrt of the sum of squared amounts)",
        n=n,
        se=se,
    )


def revenue_generated(
    sales: pd.DataFrame | CannotCompute,
    opps: pd.DataFrame | CannotCompute,
    acquisition_cost: float | None,
    acquisition_cost_share: float,
) -> Generated:
    components: dict[str, Result] = {}
    monthly = pd.Series(dtype=float)
    cac_monthly = pd.Series(dtype=float)
    parts: list[Estimate] = []

    if isinstance(sales, CannotCompute):
        components["upsell_cross_sell"] = sales
    else:
        ai = sales[sales["ai_mode"].isin(list(AI_MODES))]
        human = sales[sales["ai_mode"] == "human_only"]
        est = _observed_total(
            float(ai["amount"].sum()),
            float(ai["amount_sq"].sum()),
            int(ai["n"].sum()),
            "upsell and cross-sell revenue attributed to AI-assisted contacts",
        )
        est = Estimate(
            est.estimate,
            est.ci_low,
            est.ci_high,
            method=est.method,
            n=est.n,
            se=est.se,
            extra={
                "human_only_total": float(human["amount"].sum()),
                "human_only_events": int(human["n"].sum()),
            },
        )
        components["upsell_cross_sell"] = est
        parts.append(est)
        monthly = monthly.add(ai.groupby("month")["amount"].sum(), fill_value=0.0)

    if isinstance(opps, CannotCompute):
        for key in ("won_pipeline", "conversion_lift", "cac_offset"):
            components[key] = opps
    else:
        ai = opps[opps["ai_mode"].isin(list(AI_MODES))]
        human = opps[opps["ai_mode"] == "human_only"]
        won_ai = int(ai["won"].sum())
        est = _observed_total(
            float(ai["won_amount"].fillna(0).sum()),
            float(ai["won_amount_sq"].fillna(0).sum()),
            won_ai,
            "won opportunities sourced by AI-assisted contacts",
        )
        components["won_pipeline"] = est
        parts.append(est)
        monthly = monthly.add(ai.groupby("month")["won_amount"].sum().fillna(0.0), fill_value=0.0)
        components["conversion_lift"] = _conversion_lift(ai, human)
        if acquisition_cost is None:
            components["cac_offset"] = CannotCompute(
                "no acquisition cost configured ([value] acquisition_cost)"
            )
        else:
            per_deal = acquisition_cost * acquisition_cost_share
            value = won_ai * per_deal
            components["cac_offset"] = Estimate(
                value,
                value,
                value,
                method="assumption: AI-sourced won deals x acquisition cost x share avoided "
                "(no sampling uncertainty; the range is in the assumption)",
                n=won_ai,
                extra={"acquisition_cost": acquisition_cost, "share": acquisition_cost_share},
            )
            cac_monthly = ai.groupby("month")["won"].sum().astype(float) * per_deal

    if not parts:
        reasons = "; ".join(
            r.reason
            for r in (components["upsell_cross_sell"], components["won_pipeline"])
            if isinstance(r, CannotCompute)
        )
        total: Result = CannotCompute(reasons)
        se = 0.0
    else:
        amount = sum(p.estimate for p in parts)
        se = math.sqrt(sum((p.se or 0.0) ** 2 for p in parts))
        missing = [
            k
            for k in ("upsell_cross_sell", "won_pipeline")
            if isinstance(components[k], CannotCompute)
        ]
        total = Estimate(
            amount,
            amount - Z95 * se,
            amount + Z95 * se,
            method="upsell/cross-sell attributed to AI-assisted contacts + won pipeline they "
            "sourced (gross revenue); normal interval, compound Poisson se",
            n=sum(p.n or 0 for p in parts),
            se=se,
            extra={"excludes": missing} if missing else {},
        )
    return Generated(total, components, monthly.sort_index(), cac_monthly.sort_index(), se)


def _conversion_lift(ai: pd.DataFrame, human: pd.DataFrame) -> Result:
    a = Proportion(int(ai["closed"].sum()), int(ai["won"].sum()))
    h = Proportion(int(human["closed"].sum()), int(human["won"].sum()))
    diff = newcombe_difference(
        a, h, "needs closed opportunities sourced by both AI-assisted and human-only contacts"
    )
    if isinstance(diff, CannotCompute):
        return diff
    rate_a = a.estimate("")
    rate_h = h.estimate("")
    assert isinstance(rate_a, Estimate) and isinstance(rate_h, Estimate)
    mean_won = float(ai["won_amount"].fillna(0).sum()) / a.k if a.k else 0.0
    assert diff.ci_low is not None and diff.ci_high is not None

    def incremental(lift: float) -> float:
        return a.n * lift * mean_won

    return Estimate(
        diff.estimate,
        diff.ci_low,
        diff.ci_high,
        method=diff.method,
        n=diff.n,
        extra={
            "n_a": a.n,
            "n_b": h.n,
            "win_rate_ai_assisted": rate_a.as_dict(),
            "win_rate_human_only": rate_h.as_dict(),
            "relative_lift": diff.estimate / rate_h.estimate if rate_h.estimate else None,
            # what AI-sourced deals won beyond the human-only win rate, at their mean deal size
            "incremental_won_amount": {
                "estimate": incremental(diff.estimate),
                "ci_low": incremental(diff.ci_low),
                "ci_high": incremental(diff.ci_high),
            },
            "descriptive": True,
        },
    )
