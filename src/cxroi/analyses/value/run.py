"""Runner of the value analyses: CLV, the three pillars, what-if-we-stopped-AI, ROI/TCO.

Entry point :func:`run_value`; it returns the typed ``value`` section. The three pillars share one
horizon, 12 months, so they can stand side by side (docs/metrics.md, Value): revenue protected is
the revenue-weighted ATT of the retention analysis, revenue generated the incremental (adjusted)
figure, revenue at risk the revenue expected to be lost in the next 12 months. Lifetime figures
are shown apart, labelled extrapolation. Every random draw comes from one
``SeedSequence(settings.seed)`` split into a stream per analysis, so the output is identical run
to run and one analysis' draws never shift another's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from cxroi.analyses.retention.result import RetentionResult
from cxroi.analyses.retention.revenue import revenue_protected_12m
from cxroi.analyses.value import queries as q
from cxroi.analyses.value.assumptions import value_assumptions
from cxroi.analyses.value.churn_risk import revenue_at_risk
from cxroi.analyses.value.clv import ClvFit, fit_clv, revenue_per_retained_customer
from cxroi.analyses.value.generated import revenue_generated
from cxroi.analyses.value.lifetime import ai_assisted_customers, lifetime_sensitivity
from cxroi.analyses.value.pillars import exposed_by_month
from cxroi.analyses.value.recurring_revenue import (
    MonthlyRecurringRevenue,
    monthly_recurring_revenue,
)
from cxroi.analyses.value.roi import roi_worksheet
from cxroi.analyses.value.roi_inputs import (
    BenefitInput,
    BenefitSeries,
    cost_savings_series,
    input_series,
    risk_savings_series,
)
from cxroi.analyses.value.sales_units import revenue_band_edges
from cxroi.analyses.value.settings import ValueSettings
from cxroi.analyses.value.what_if import what_if_stopped
from cxroi.analyses.value.what_if_data import load_what_if_data
from cxroi.analyses.value.what_if_result import CostSeries
from cxroi.io.dataset import Dataset
from cxroi.metrics.exact import ExactMetrics
from cxroi.metrics.queries import enrich
from cxroi.results.model.money import Evidence, RevenueProtected
from cxroi.results.model.scenario import WhatIfResult
from cxroi.results.model.value import (
    GeneratedRevenue,
    RetainedRevenue,
    RevenueAtRisk,
    ValueSection,
)
from cxroi.stats.result import CannotCompute, Estimate

# the what-if draws from the stream the old per-mode rates used: other streams stay as they were
_STREAMS = ("clv", "protected", "risk", "what_if", "roi", "generated")
# what the what-if holds for the revenue protected until retention's effects are known
_NOT_YET_WEIGHED = CannotCompute("not weighed yet: needs the retention analysis")
NO_MONTHLY_REVENUE = "customers.monthly_revenue is absent, so no revenue per period is known"


@dataclass(frozen=True)
class ValueInputs:
    """What the value analyses need that does not depend on retention: queried and fitted by
    :func:`prepare_value`, which may run beside the retention analysis."""

    clv_fit: ClvFit | CannotCompute
    retained: RetainedRevenue | CannotCompute
    mrr: MonthlyRecurringRevenue
    ai_assisted: pd.DataFrame
    observed_months: int
    generated: GeneratedRevenue
    risk: RevenueAtRisk | CannotCompute
    # the scenario without the revenue protected it would lose, which needs retention
    what_if: WhatIfResult | CannotCompute
    cost: CostSeries | CannotCompute
    months: tuple[str, ...]
    exposed: pd.Series  # AI-assisted customers indexed per month


def _streams(seed: int) -> dict[str, np.random.Generator]:
    """One random stream per analysis, the same for a seed however the work is split."""
    seeds = np.random.SeedSequence(seed).spawn(len(_STREAMS))
    return {name: np.random.default_rng(c) for name, c in zip(_STREAMS, seeds, strict=True)}


def prepare_value(
    ds: Dataset, exact: ExactMetrics, settings: ValueSettings, covariates: tuple[str, ...] = ()
) -> ValueInputs:
    """The value analyses' part that needs no retention result: CLV, revenue generated and at
    risk, and the what-if scenario (all but the revenue protected it would lose).
    ``covariates``: the configured extra customer columns."""
    s = settings
    min_cell = exact.settings.min_cell
    rngs = _streams(s.seed)
    frame = q.customer_frame(ds, covariates)
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
        else CannotCompute(NO_MONTHLY_REVENUE)
    )
    events = q.revenue_after_index(ds, 365) if ds.has("revenue") else None
    recurring_table = ds.has("revenue") and q.has_recurring_rows(ds)
    if not ds.has("customers", "monthly_revenue"):
        frame["monthly_revenue"] = np.nan
    retained = revenue_per_retained_customer(
        frame, events, recurring_table, ds.as_of, min_cell
    )
    mrr = monthly_recurring_revenue(ds)
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
        covariates,
        min_cell,
    )
    enriched = exact.enriched
    if enriched is None:
        m = exact.settings
        enriched = enrich(ds.tables["contacts"], m.cost_model, ds.as_of, m.windows_days)
    monthly = q.monthly_mode_counts(ds.tables["contacts"])
    what_if, cost = what_if_stopped(
        load_what_if_data(ds, enriched, s.what_if.live_channels),
        s.what_if,
        _NOT_YET_WEIGHED,
        s.monte_carlo_draws,
        rngs["what_if"],
    )
    return ValueInputs(
        clv_fit=clv_fit,
        retained=retained,
        mrr=mrr,
        ai_assisted=ai_assisted_customers(frame, mrr),
        observed_months=_observed_months(obs_start, ds),
        generated=generated,
        risk=risk,
        what_if=what_if,
        cost=cost,
        months=tuple(sorted(monthly["month"].astype(str).unique())),
        exposed=exposed_by_month(frame),
    )


def finish_value(
    inputs: ValueInputs, retention: RetentionResult, settings: ValueSettings, currency: str = "USD"
) -> ValueSection:
    """The value section: what :func:`prepare_value` found, weighed with retention's
    per-customer effects. ``currency`` labels the assumptions table."""
    s, v = settings, inputs
    rngs = _streams(s.seed)
    clv_fit = v.clv_fit
    protected = _protected(retention, v.mrr.by_customer, margin=None)
    at_margin = _protected(retention, v.mrr.by_customer, margin=s.margin)
    protected_margin = (
        at_margin
        if "value.margin" in s.configured and isinstance(at_margin, RevenueProtected)
        else None
    )
    lifetime = (
        lifetime_sensitivity(
            protected, v.ai_assisted, clv_fit, v.observed_months, rngs["protected"]
        )
        if isinstance(protected, Estimate) and isinstance(clv_fit, ClvFit)
        else CannotCompute(
            protected.reason if isinstance(protected, CannotCompute) else _reason(clv_fit)
        )
    )
    what_if = v.what_if
    if isinstance(what_if, WhatIfResult):
        what_if = replace(what_if, revenue_protected_lost=protected)
    cost = v.cost
    benefits = _benefit_inputs(v.months, protected, v.exposed, v.generated)
    series, excluded = _benefit_series(v.months, cost, benefits, s, rngs["generated"])
    worksheet = roi_worksheet(
        v.months, series, excluded, s.roi, s.configured, s.monte_carlo_draws, rngs["roi"]
    )
    return ValueSection(
        clv=clv_fit.estimate if isinstance(clv_fit, ClvFit) else clv_fit,
        clv_honesty=clv_fit.honesty if isinstance(clv_fit, ClvFit) else clv_fit,
        revenue_per_retained_customer=v.retained,
        revenue_protected_12m=protected,
        revenue_protected_12m_margin=protected_margin,
        revenue_protected_lifetime=lifetime,
        generated=v.generated,
        risk=v.risk,
        what_if_stopped=what_if,
        roi_worksheet=worksheet,
        assumptions=value_assumptions(
            s, currency, [i for i in benefits if isinstance(i, BenefitInput)]
        ),
    )


def run_value(
    ds: Dataset,
    exact: ExactMetrics,
    retention: RetentionResult,
    settings: ValueSettings,
    covariates: tuple[str, ...] = (),
    currency: str = "USD",
) -> ValueSection:
    """``covariates``: the configured extra customer columns ([retention] covariates);
    ``currency`` labels the assumptions table. Cost model and privacy threshold come with
    ``exact`` (the settings the metrics were computed with)."""
    inputs = prepare_value(ds, exact, settings, covariates)
    return finish_value(inputs, retention, settings, currency)


def _protected(
    retention: RetentionResult, revenue: pd.Series, margin: float | None
) -> RevenueProtected | CannotCompute:
    """Revenue protected over 12 months (before margin, or at ``margin``)."""
    scores = retention.restricted_mean
    if isinstance(scores, CannotCompute):
        return scores
    if scores.customer_ids is None:
        return CannotCompute("the retention analysis did not keep its customers' ids")
    # aligned with the fitted customers (a missing revenue stays NaN and is refused there),
    # with no per-customer Python objects: millions of customers at scale
    weights = revenue.reindex(scores.customer_ids.astype(str).tolist())
    aligned = weights.to_numpy(dtype=np.float64, na_value=np.nan)
    if margin is not None:
        aligned = aligned * margin
    return revenue_protected_12m(scores, aligned, margin_applied=margin is not None)


def _observed_months(obs_start: object, ds: Dataset) -> int:
    start = pd.Timestamp(obs_start)  # type: ignore[arg-type]
    end = pd.Timestamp(ds.as_of)
    return max(1, int(round((end - start).days / 30.4375)))


def _reason(result: object) -> str:
    return result.reason if isinstance(result, CannotCompute) else "not computed"


def _window_total(point: float, se: float) -> Estimate:
    return Estimate(point, point - 1.96 * se, point + 1.96 * se, se=se)


def _benefit_inputs(
    months: tuple[str, ...],
    protected: RevenueProtected | CannotCompute,
    exposed_months: pd.Series,
    generated: GeneratedRevenue,
) -> list[BenefitInput | tuple[str, str]]:
    """The pillars as ROI benefits over the worksheet's months (the latest 12 are the window).

    Revenue protected accrues to each AI-assisted customer in the 12 months after the index
    contact: a month's share is the customers indexed that month, times the average per customer.
    """
    window = list(months[-12:])
    out: list[BenefitInput | tuple[str, str]] = []
    if isinstance(protected, CannotCompute) or not protected.customers:
        reason = protected.reason if isinstance(protected, CannotCompute) else "no customers"
        out.append(("revenue_protected_12m", reason))
    else:
        per = protected.estimate / protected.customers
        per_se = (protected.se or 0.0) / protected.customers
        units = _aligned(exposed_months, months)
        n_window = float(units[window].sum())
        out.append(
            BenefitInput(
                "revenue_protected_12m",
                _window_total(per * n_window, per_se * n_window),
                tuple((m, per * float(units[m])) for m in months),
                is_revenue=True,
                margin_applied=False,
                evidence=Evidence.ADJUSTED,
                description="recurring revenue kept in the 12 months after an AI-assisted index "
                "contact, with AI minus without (revenue-weighted ATT), for the customers indexed "
                "in each month",
            )
        )
    total = generated.incremental
    if isinstance(total, CannotCompute):
        out.append(("revenue_generated_incremental", total.reason))
    else:
        out.append(
            BenefitInput(
                "revenue_generated_incremental",
                total,
                _amounts(generated.monthly, months),
                is_revenue=True,
                margin_applied=False,
                evidence=Evidence.ADJUSTED,
                description="upsell, cross-sell and won pipeline AI-assisted contacts produced "
                "beyond human handling of the same contacts",
            )
        )
    cac = generated.cac_offset
    if isinstance(cac, CannotCompute):
        out.append(("cac_offset", cac.reason))
    else:
        out.append(
            BenefitInput(
                "cac_offset",
                cac,
                _amounts(generated.cac_offset_monthly, months),
                is_revenue=False,
                evidence=Evidence.ASSUMPTION,
                description="acquisition cost avoided by the incremental won deals",
            )
        )
    return out


def _aligned(exposed: pd.Series, months: tuple[str, ...]) -> pd.Series:
    return exposed.reindex(list(months), fill_value=0).astype(float)


def _amounts(series: tuple[object, ...], months: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
    by_month: dict[str, float] = {}
    for p in series:
        amount = getattr(p, "amount", None)
        if isinstance(amount, Estimate):
            by_month[str(getattr(p, "period"))] = amount.estimate
    return tuple((m, by_month[m]) for m in months if m in by_month)


def _benefit_series(
    months: tuple[str, ...],
    cost: CostSeries | CannotCompute,
    inputs: list[BenefitInput | tuple[str, str]],
    s: ValueSettings,
    rng: np.random.Generator,
) -> tuple[list[BenefitSeries], dict[str, str]]:
    series: list[BenefitSeries] = []
    excluded: dict[str, str] = {}
    if isinstance(cost, CannotCompute):
        excluded["cost_savings"] = cost.reason
    else:
        series.append(cost_savings_series(cost, months))
    window = months[-12:]
    for item in inputs:
        if isinstance(item, BenefitInput):
            series.append(input_series(item, months, window, s.margin, s.monte_carlo_draws, rng))
        else:
            excluded[item[0]] = item[1]
    series.append(risk_savings_series(s.roi, months, s.monte_carlo_draws, rng))
    return series, dict(sorted(excluded.items()))


__all__ = ["ValueInputs", "finish_value", "prepare_value", "run_value"]
