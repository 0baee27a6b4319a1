"""Runner of the value analyses: CLV, the three pillars, what-if-we-stopped-AI, ROI/TCO.

Entry point :func:`run_value`; :meth:`ValueResult.to_results` is the ``value`` section of
results.json. Every random draw comes from one ``SeedSequence(settings.seed)`` split into a stream
per analysis, so the output is identical run to run and one analysis' draws never shift another's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cxroi.analyses.value import queries as q
from cxroi.analyses.value.att import PeriodAmount
from cxroi.analyses.value.churn_risk import RevenueAtRisk, revenue_at_risk
from cxroi.analyses.value.clv import (
    ClvFit,
    ClvHonesty,
    RetainedRevenue,
    fit_clv,
    revenue_per_retained_customer,
)
from cxroi.analyses.value.generated import GeneratedRevenue, revenue_generated
from cxroi.analyses.value.pillars import (
    exposed_by_month,
    read_delta,
    revenue_protected,
)
from cxroi.analyses.value.results_compat import (
    clv_honesty_section,
    generated_section,
    risk_section,
)
from cxroi.analyses.value.sales_units import revenue_band_edges
from cxroi.analyses.value.roi import Benefit, RoiResult, linear_benefit, roi_worksheet
from cxroi.analyses.value.settings import (
    RoiSettings,
    Triangular,
    ValueSettings,
    WhatIfSettings,
    assumptions_table,
    parse_value_settings,
)
from cxroi.analyses.value.what_if import Rates, draw_rates, what_if_stopped
from cxroi.io.dataset import Dataset
from cxroi.metrics.exact import ExactMetrics
from cxroi.stats.result import CannotCompute, Estimate, Result

_STREAMS = ("clv", "protected", "risk", "rates", "roi", "generated")


@dataclass(frozen=True)
class ValueResult:
    clv: Result
    clv_honesty: ClvHonesty | CannotCompute
    revenue_per_retained_customer: RetainedRevenue | CannotCompute
    revenue_protected: Result
    revenue_generated: GeneratedRevenue
    revenue_at_risk: RevenueAtRisk | CannotCompute
    what_if_stopped: dict[str, Result | dict[str, Any]]
    roi: RoiResult
    assumptions: dict[str, Any]

    def to_results(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        _put(out, "clv", self.clv)
        out.update(clv_honesty_section(self.clv_honesty))
        rr = self.revenue_per_retained_customer
        if isinstance(rr, CannotCompute):
            _put(out, "revenue_per_retained_customer", rr)
        else:
            block: dict[str, Any] = {}
            for key in ("ai_assisted", "human_only", "difference"):
                _put(block, key, getattr(rr, key))
            out["revenue_per_retained_customer"] = block
        _put(out, "revenue_protected", self.revenue_protected)
        out.update(generated_section(self.revenue_generated))
        out.update(risk_section(self.revenue_at_risk))
        what_if: dict[str, Any] = {}
        for key, item in self.what_if_stopped.items():
            if isinstance(item, (Estimate, CannotCompute)):
                _put(what_if, key, item)
            else:
                what_if[key] = item
        cost = self.what_if_stopped.get("extra_cost")
        if isinstance(cost, Estimate):
            p = cost.extra["period"]
            scaled = f", annualised from {p['months']}" if p["annualised"] else ""
            what_if["horizon"] = f"12 months, {p['from']} to {p['to']}{scaled}"
        out["what_if_stopped"] = what_if
        _put(out, "roi", self.roi.roi)
        out["roi_monthly"] = self.roi.monthly
        out["assumptions"] = self.assumptions
        cleaned: dict[str, Any] = _clean(out)
        return cleaned


def run_value(
    ds: Dataset, exact: ExactMetrics, results: Mapping[str, Any], settings: ValueSettings
) -> ValueResult:
    s = settings
    rngs = dict(
        zip(
            _STREAMS,
            (np.random.default_rng(c) for c in np.random.SeedSequence(s.seed).spawn(len(_STREAMS))),
        )
    )
    frame = q.customer_frame(ds, ds.config.covariates)
    obs_start = q.observation_start(ds)

    clv_fit: ClvFit | CannotCompute = (
        fit_clv(
            frame,
            obs_start,
            ds.as_of,
            s.margin,
            s.monthly_discount_rate,
            s.monte_carlo_draws,
            rngs["clv"],
        )
        if ds.has("customers", "monthly_revenue")
        else CannotCompute("customers.monthly_revenue is absent, so no revenue per period is known")
    )
    clv = clv_fit.estimate if isinstance(clv_fit, ClvFit) else clv_fit

    events = q.revenue_after_index(ds, 365) if ds.has("revenue") else None
    recurring_table = ds.has("revenue") and q.has_recurring_rows(ds)
    if not ds.has("customers", "monthly_revenue"):
        frame["monthly_revenue"] = np.nan
    retained = revenue_per_retained_customer(
        frame, events, recurring_table, ds.as_of, ds.config.min_cell
    )

    delta = read_delta(results.get("retention"))
    exposed_months = exposed_by_month(frame)
    protected, per_customer = revenue_protected(
        delta,
        clv,
        clv_fit.draws if isinstance(clv_fit, ClvFit) else None,
        int(exposed_months.sum()),
        rngs["protected"],
    )

    generated = revenue_generated(
        ds,
        revenue_band_edges(frame["monthly_revenue"]),
        s.acquisition_cost,
        s.acquisition_cost_share,
        "value.acquisition_cost" in s.configured,
    )
    risk = revenue_at_risk(
        ds,
        frame,
        obs_start,
        s.lookback_days,
        s.high_effort_ces_max,
        s.monte_carlo_draws,
        rngs["risk"],
    )

    monthly = q.monthly_mode_counts(ds.tables["contacts"])
    rates = draw_rates(exact, s.monte_carlo_draws, rngs["rates"])
    what_if = what_if_stopped(monthly, rates, s.what_if, protected)

    months = sorted(monthly["month"].astype(str).unique())
    benefits = _benefits(
        months,
        monthly,
        rates,
        s,
        protected,
        per_customer,
        exposed_months,
        generated,
        rngs["generated"],
    )
    roi = roi_worksheet(months, benefits, s.roi, s.monte_carlo_draws, rngs["roi"])
    return ValueResult(
        clv=clv,
        clv_honesty=clv_fit.honesty if isinstance(clv_fit, ClvFit) else clv_fit,
        revenue_per_retained_customer=retained,
        revenue_protected=protected,
        revenue_generated=generated,
        revenue_at_risk=risk,
        what_if_stopped=what_if,
        roi=roi,
        assumptions=assumptions_table(s, ds.config.currency),
    )


def _benefits(
    months: list[str],
    monthly: pd.DataFrame,
    rates: Rates | CannotCompute,
    s: ValueSettings,
    protected: Result,
    per_customer: np.ndarray[Any, np.dtype[np.float64]] | None,
    exposed_months: pd.Series,
    generated: GeneratedRevenue,
    rng: np.random.Generator,
) -> dict[str, Benefit | CannotCompute]:
    out: dict[str, Benefit | CannotCompute] = {}
    wide_all = monthly.pivot_table(
        index="month", columns="ai_mode", values="n", aggfunc="sum", fill_value=0
    ).reindex(months, fill_value=0)

    def col(name: str) -> np.ndarray[Any, np.dtype[np.float64]]:
        return wide_all[name].to_numpy(dtype=float) if name in wide_all else np.zeros(len(months))

    if isinstance(rates, CannotCompute):
        out["cost_savings"] = rates
    else:
        c = rates.cost
        a = linear_benefit(c["human_only"] - c["ai_only"], col("ai_only"))
        h = linear_benefit(
            s.what_if.hybrid_ai_share * (c["human_only"] - c["hybrid"]), col("hybrid")
        )
        out["cost_savings"] = Benefit(a.central + h.central, a.draws + h.draws)

    if isinstance(protected, CannotCompute) or per_customer is None:
        out["revenue_protected"] = (
            protected if isinstance(protected, CannotCompute) else CannotCompute("no draws")
        )
    else:
        assert protected.n
        point = protected.estimate / protected.n
        units = exposed_months.reindex(months, fill_value=0).to_numpy(dtype=float)
        out["revenue_protected"] = linear_benefit(np.concatenate([[point], per_customer]), units)

    total = generated.incremental
    if isinstance(total, CannotCompute):
        out["revenue_generated_margin"] = total
    else:
        units = _monthly_amounts(generated.monthly, months)
        rel = abs((total.se or 0.0) / total.estimate) if total.estimate else 0.0
        factor = np.concatenate([[1.0], 1.0 + rel * rng.standard_normal(s.monte_carlo_draws)])
        out["revenue_generated_margin"] = linear_benefit(s.margin * factor, units)

    cac = generated.cac_offset
    if isinstance(cac, CannotCompute):
        out["cac_offset"] = cac
    else:
        units = _monthly_amounts(generated.cac_offset_monthly, months)
        out["cac_offset"] = linear_benefit(np.ones(s.monte_carlo_draws + 1), units)
    return out


def _monthly_amounts(series: tuple[PeriodAmount, ...], months: list[str]) -> np.ndarray[Any, np.dtype[np.float64]]:
    by_month = {p.period: p.amount.estimate for p in series if isinstance(p.amount, Estimate)}
    return np.array([by_month.get(m, 0.0) for m in months], dtype=np.float64)


def _put(target: dict[str, Any], key: str, result: Result) -> None:
    if isinstance(result, CannotCompute):
        target[key] = None
        target[f"{key}_note"] = result.reason
    else:
        target[key] = result.as_dict()


def _clean(value: Any) -> Any:
    """Plain JSON values: numpy scalars to Python, non-finite floats to None."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    return value


__all__ = ["ValueResult", "run_value"]
