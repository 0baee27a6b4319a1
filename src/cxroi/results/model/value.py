"""``value``: CLV, the three pillars (protected, generated, at risk), their parts and labels.

Every money figure is a :class:`~cxroi.results.model.money.Money`: horizon, basis, margin applied
and class of evidence are typed fields (docs/metrics.md, "Value"). Methods: docs/value.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from cxroi.results.layout import derived, omitted_when_none, spec
from cxroi.results.model.money import Effect, LinkVerdict, Money, RevenueProtected
from cxroi.results.model.scenario import AssumptionRow, Roi, RoiWorksheet, WhatIfResult
from cxroi.stats.result import CannotCompute, Estimate, Unit


@dataclass(frozen=True)
class Overlap:
    """How well the untreated units stand in for the treated ones, per stratum."""

    treated: int
    untreated: int
    treated_at_cap: int  # treated units whose propensity was capped
    control_ess: float  # effective number of untreated units after weighting
    max_odds: float


@dataclass(frozen=True)
class PeriodAmount:
    """One period's amount (e.g. a calendar month of contacts)."""

    period: str
    amount: Money | CannotCompute = spec(unit=Unit.MONEY)


@dataclass(frozen=True)
class AttDiagnostics:
    """Overlap per stratum and the strata that could not be estimated."""

    overlap: dict[str, Overlap] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GeneratedRevenue:
    """The generated-revenue pillar, typed; amounts before margin."""

    incremental: Money | CannotCompute
    incremental_parts: dict[str, Money | CannotCompute]  # upsell_cross_sell, won_pipeline
    attributed: Money | CannotCompute
    attributed_parts: dict[str, Money | CannotCompute]
    human_only_attributed: Money | CannotCompute  # gross sourced by human-only contacts, beside
    monthly: tuple[PeriodAmount, ...]  # incremental by calendar month of the contact
    conversion_lift: Effect | CannotCompute  # adjusted; difference of win probabilities
    conversion_lift_descriptive: Effect | CannotCompute
    incremental_won_deals: Effect | CannotCompute  # in the window
    cac_offset: Money | CannotCompute
    cac_offset_monthly: tuple[PeriodAmount, ...]
    window: tuple[str, ...]  # calendar months of the headline figures
    diagnostics: AttDiagnostics


@dataclass(frozen=True)
class LinkPart:
    """The part of revenue at risk one weak link explains (Shapley), with its verdict."""

    link: str
    customers: int  # active customers with the link
    small_cell: bool
    attributable: Money
    verdict: LinkVerdict


@dataclass(frozen=True)
class RiskDiagnostics:
    """How well the model predicts, out of fold, at the training landmark."""

    training_customers: int
    training_churn_rate: float
    auc_out_of_fold: float
    brier_out_of_fold: float
    mean_predicted_out_of_fold: float
    months_lost_observed: float  # revenue-weighted months lost, training landmark, per customer
    months_lost_predicted: float  # the same predicted out of fold (checks the timing model)
    features: tuple[str, ...]


@dataclass(frozen=True)
class RevenueAtRisk:
    """Revenue at risk (12 months, before margin) and its split."""

    total: Money  # expected loss of active customers
    ordinary: Money  # what they would lose with every weak link switched off
    chain_weakness: Money  # total - ordinary = the sum of the link parts
    links: tuple[LinkPart, ...]
    unavailable_links: dict[str, str]  # link -> why it is not in the model
    expected_churners: Estimate
    active_customers: int
    recurring_revenue_12m: float  # 12 x monthly revenue of the active customers (the base)
    diagnostics: RiskDiagnostics


@dataclass(frozen=True, kw_only=True)
class ClvEstimate(Money):
    """CLV per active customer: margin-adjusted, discounted revenue over the expected remaining
    lifetime (an extrapolation: most of it lies beyond the observed months)."""

    customers_fitted: int
    margin: float
    monthly_discount_rate: float
    mean_monthly_revenue_active: float
    observed_months: int
    share_beyond_observed: float
    # the band models' own interval (assumes the sBG holds), inside the reported one
    parametric_ci_low: float
    parametric_ci_high: float


@dataclass(frozen=True)
class ClvBandSummary:
    """One monthly-revenue band: its lifetime model and where its value lies."""

    monthly_revenue_from: float | None
    monthly_revenue_to: float | None
    model: str
    alpha: float | None
    beta: float | None
    monthly_churn_constant: float  # the constant-churn alternative (the model when geometric)
    active_customers: int
    clv_per_customer: float  # the band's model
    clv_per_customer_constant_churn: float
    share_beyond_observed: float
    share_beyond_36m: float
    share_beyond_60m: float


@dataclass(frozen=True)
class ClvHonesty:
    """How much of the CLV the data observe, and how much is projection."""

    observed_months: int
    within_observed: Money  # CLV per customer from the months the data span
    beyond_observed: Money  # the rest: extrapolation
    share_beyond_observed: float
    share_beyond_36m: float
    share_beyond_60m: float
    bands: tuple[ClvBandSummary, ...]


@dataclass(frozen=True)
class RetainedRevenue:
    """Twelve-month revenue per retained customer by index-contact exposure (descriptive)."""

    ai_assisted: Effect | CannotCompute = spec(unit=Unit.MONEY)
    human_only: Effect | CannotCompute = spec(unit=Unit.MONEY)
    difference: Effect | CannotCompute = spec(unit=Unit.MONEY)


class Persistence(StrEnum):
    PERSISTS = "persists"  # the hazard ratio holds over the whole horizon
    FADES = "fades"  # after 12 months both groups churn at the baseline rate


@dataclass(frozen=True)
class HorizonRow:
    """Revenue protected over one horizon under one reading of the effect's persistence."""

    horizon_months: int | None  # None = lifetime
    persistence: Persistence
    revenue: Money  # before margin, discounted
    margin: Money  # margin applied


@dataclass(frozen=True, kw_only=True)
class LifetimeSensitivity:
    # the input: revenue protected over 12 months (undiscounted)
    anchor_12m: RevenueProtected = spec(unit=Unit.MONEY)
    implied_hazard_ratio: Estimate
    rows: tuple[HorizonRow, ...]
    observed_months: int
    customers: int
    anchor_capped_draws: int  # draws whose 12-month effect no hazard ratio can reach


@dataclass(frozen=True, kw_only=True)
class ValueSection:
    """CLV, the three pillars on one 12-month horizon, what-if-we-stopped-AI and ROI/TCO.

    ``revenue_protected``, ``revenue_generated`` and ``revenue_at_risk`` are the board's figures
    (the 12-month revenue protected, the incremental revenue generated, the revenue at risk over
    12 months): views of the fields that hold them, so each figure exists once.
    """

    clv: ClvEstimate | CannotCompute = spec(unit=Unit.MONEY)
    clv_honesty: ClvHonesty | CannotCompute
    revenue_per_retained_customer: RetainedRevenue | CannotCompute
    revenue_protected_12m: RevenueProtected | CannotCompute = spec(unit=Unit.MONEY)
    # the same at the configured margin (only when a margin is configured)
    revenue_protected_12m_margin: RevenueProtected | None = omitted_when_none(unit=Unit.MONEY)
    revenue_protected_lifetime: LifetimeSensitivity | CannotCompute
    generated: GeneratedRevenue
    risk: RevenueAtRisk | CannotCompute
    what_if_stopped: WhatIfResult | CannotCompute
    roi_worksheet: RoiWorksheet
    assumptions: tuple[AssumptionRow, ...]

    @derived(unit=Unit.MONEY)
    def revenue_protected(self) -> RevenueProtected | CannotCompute:
        """The board's revenue protected: the 12-month, revenue-weighted ATT, before margin."""
        return self.revenue_protected_12m

    @derived(unit=Unit.MONEY)
    def revenue_generated(self) -> Money | CannotCompute:
        """The board's revenue generated: the incremental figure, never the attributed one."""
        return self.generated.incremental

    @derived(unit=Unit.MONEY)
    def revenue_generated_incremental(self) -> Money | CannotCompute:
        return self.generated.incremental

    @derived(unit=Unit.MONEY)
    def revenue_generated_attributed(self) -> Money | CannotCompute:
        """Gross revenue following AI-assisted contacts: descriptive, never called generated."""
        return self.generated.attributed

    @derived(unit=Unit.MONEY)
    def revenue_at_risk(self) -> Money | CannotCompute:
        """Recurring revenue active customers are expected to lose in the next 12 months."""
        return self.risk if isinstance(self.risk, CannotCompute) else self.risk.total

    @derived
    def roi(self) -> Roi | CannotCompute:
        w = self.roi_worksheet
        if isinstance(w.roi, CannotCompute):
            return w.roi
        return Roi(
            w.roi.estimate,
            w.roi.ci_low,
            w.roi.ci_high,
            method=w.roi.method,
            n=w.roi.n,
            se=w.roi.se,
            evidence=w.roi.evidence,
            horizon_months=w.roi.horizon_months,
            significant_figures=w.roi.significant_figures,
            p_roi_positive=w.p_roi_positive,
            payback_months=w.payback_months,
            p_never_pays_back=w.p_never_pays_back,
            tco_source=w.tco_source,
            illustrative=w.illustrative,
        )
