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
from cxroi.analyses.value.churn_risk import RiskResult, revenue_at_risk
from cxroi.analyses.value.clv import ClvFit, RetainedRevenue, fit_clv, revenue_per_retained_customer
from cxroi.analyses.value.pillars import (
    Generated,
    exposed_by_month,
    opportunity_input,
    read_delta,
    revenue_generated,
    revenue_protected,
    sales_input,
)
from cxroi.analyses.value.assumptions import AssumptionRow, value_assumptions
from cxroi.analyses.value.roi import RoiResult, roi_worksheet
from cxroi.analyses.value.roi_inputs import (
    BenefitInput,
    BenefitSeries,
    cost_savings_series,
    input_series,
    risk_savings_series,
)
from cxroi.analyses.value.settings import (
    RoiSettings,
    Triangular,
    ValueSettings,
    WhatIfSettings,
    assumptions_table,
    parse_value_settings,
)
from cxroi.analyses.value.what_if import what_if_stopped
from cxroi.analyses.value.what_if_data import load_what_if_data
from cxroi.analyses.value.what_if_json import plain, roi_block, what_if_block
from cxroi.analyses.value.what_if_result import WhatIfResult
from cxroi.io.dataset import Dataset
from cxroi.metrics.exact import ExactMetrics
from cxroi.metrics.queries import enrich
from cxroi.stats.result import CannotCompute, Estimate, Result

# the what-if draws from the stream the old per-mode rates used: other streams stay as they were
_STREAMS = ("clv", "protected", "risk", "what_if", "roi", "generated")


@dataclass(frozen=True)
class ValueResult:
    clv: Result
    revenue_per_retained_customer: RetainedRevenue | CannotCompute
    revenue_protected: Result
    revenue_generated: Generated
    revenue_at_risk: RiskResult | CannotCompute
    what_if_stopped: WhatIfResult | CannotCompute
    roi: RoiResult
    assumptions: dict[str, Any]
    assumption_rows: tuple[AssumptionRow, ...] = ()

    def to_results(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        _put(out, "clv", self.clv)
        rr = self.revenue_per_retained_customer
        if isinstance(rr, CannotCompute):
            _put(out, "revenue_per_retained_customer", rr)
        else:
            block: dict[str, Any] = {}
            for key in ("ai_assisted", "human_only", "difference"):
                _put(block, key, getattr(rr, key))
            out["revenue_per_retained_customer"] = block
        _put(out, "revenue_protected", self.revenue_protected)
        gen = self.revenue_generated
        _put(out, "revenue_generated", gen.total)
        if out["revenue_generated"] is not None:
            for key, res in gen.components.items():
                _put(out["revenue_generated"], key, res)
        risk = self.revenue_at_risk
        if isinstance(risk, CannotCompute):
            _put(out, "revenue_at_risk", risk)
        else:
            _put(out, "revenue_at_risk", risk.total)
            by_link: dict[str, Any] = {}
            for key, res in risk.by_link.items():
                _put(by_link, key, res)
            out["revenue_at_risk"]["by_link"] = by_link
            out["revenue_at_risk"]["model"] = dict(risk.diagnostics)
        wi = self.what_if_stopped
        if isinstance(wi, CannotCompute):
            _put(out, "what_if_stopped", wi)
        else:
            out["what_if_stopped"] = what_if_block(wi)
        out.update(roi_block(self.roi))
        out["assumptions"] = self.assumptions
        out["assumption_rows"] = plain(self.assumption_rows)
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
        sales_input(ds), opportunity_input(ds), s.acquisition_cost, s.acquisition_cost_share
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

    enriched = exact.enriched
    if enriched is None:
        cfg = ds.config
        enriched = enrich(ds.tables["contacts"], cfg.cost_model, ds.as_of, cfg.windows_days)
    data = load_what_if_data(ds, enriched, s.what_if.live_channels)
    what_if, cost = what_if_stopped(
        data, s.what_if, protected, s.monte_carlo_draws, rngs["what_if"]
    )

    monthly = q.monthly_mode_counts(ds.tables["contacts"])
    months = tuple(sorted(monthly["month"].astype(str).unique()))
    inputs = _benefit_inputs(months, protected, per_customer, exposed_months, generated)
    series, excluded = _benefit_series(months, cost, inputs, s, rngs["generated"])
    roi = roi_worksheet(
        months, series, excluded, s.roi, s.configured, s.monte_carlo_draws, rngs["roi"]
    )
    return ValueResult(
        clv=clv,
        revenue_per_retained_customer=retained,
        revenue_protected=protected,
        revenue_generated=generated,
        revenue_at_risk=risk,
        what_if_stopped=what_if,
        roi=roi,
        assumptions=assumptions_table(s, ds.config.currency),
        assumption_rows=value_assumptions(
            s, ds.config.currency, [i for i in inputs if isinstance(i, BenefitInput)]
        ),
    )


def _window_total(point: float, se: float) -> Estimate:
    return Estimate(point, point - 1.96 * se, point + 1.96 * se, se=se)


def _benefit_inputs(
    months: tuple[str, ...],
    protected: Result,
    per_customer: np.ndarray[Any, np.dtype[np.float64]] | None,
    exposed_months: pd.Series,
    generated: Generated,
) -> list[BenefitInput | tuple[str, str]]:
    """TRANSITIONAL stand-ins until the pillars deliver ``revenue_protected_12m`` and
    ``revenue_generated_incremental`` as BenefitInputs (the lead rewires this)."""
    window = list(months[-12:])
    out: list[BenefitInput | tuple[str, str]] = []
    if isinstance(protected, CannotCompute) or per_customer is None or not protected.n:
        reason = protected.reason if isinstance(protected, CannotCompute) else "no draws"
        out.append(("revenue_protected", reason))
    else:
        per = protected.estimate / protected.n
        units = exposed_months.reindex(list(months), fill_value=0).astype(float)
        n_window = float(units[window].sum())
        out.append(
            BenefitInput(
                "revenue_protected",
                _window_total(per * n_window, float(np.std(per_customer)) * n_window),
                tuple((m, per * float(units[m])) for m in months),
                is_revenue=True,
                margin_applied=True,
                description="retention delta x CLV of each month's newly AI-assisted customers "
                "(lifetime, margin-adjusted; stand-in for revenue_protected_12m)",
            )
        )
    total = generated.total
    if isinstance(total, CannotCompute):
        out.append(("revenue_generated_margin", total.reason))
    else:
        series = generated.monthly.reindex(list(months), fill_value=0.0).astype(float)
        in_window = float(series[window].sum())
        rel = generated.se / total.estimate if total.estimate else 0.0
        out.append(
            BenefitInput(
                "revenue_generated_margin",
                _window_total(in_window, abs(rel * in_window)),
                tuple((m, float(series[m])) for m in months),
                description="revenue attributed to AI-assisted contacts (gross; stand-in for "
                "revenue_generated_incremental)",
                evidence="descriptive_comparison",
            )
        )
    cac = generated.components.get("cac_offset")
    if cac is None or isinstance(cac, CannotCompute):
        out.append(("cac_offset", cac.reason if cac else "no acquisition cost configured"))
    else:
        series = generated.cac_monthly.reindex(list(months), fill_value=0.0).astype(float)
        out.append(
            BenefitInput(
                "cac_offset",
                _window_total(float(series[window].sum()), 0.0),
                tuple((m, float(series[m])) for m in months),
                is_revenue=False,
                description="acquisition cost avoided by service-sourced won deals",
                evidence="assumption",
            )
        )
    return out


def _benefit_series(
    months: tuple[str, ...],
    cost: Any,
    inputs: list[BenefitInput | tuple[str, str]],
    s: ValueSettings,
    rng: np.random.Generator,
) -> tuple[list[BenefitSeries], tuple[tuple[str, str], ...]]:
    series: list[BenefitSeries] = []
    excluded: list[tuple[str, str]] = []
    if isinstance(cost, CannotCompute):
        excluded.append(("cost_savings", cost.reason))
    else:
        series.append(cost_savings_series(cost, months))
    window = months[-12:]
    for item in inputs:
        if isinstance(item, BenefitInput):
            series.append(input_series(item, months, window, s.margin, s.monte_carlo_draws, rng))
        else:
            excluded.append(item)
    series.append(risk_savings_series(s.roi, months, s.monte_carlo_draws, rng))
    return series, tuple(sorted(excluded))


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
