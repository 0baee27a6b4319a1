"""``retention``: survival by index-contact exposure, and the 12-month effect of AI.

Exposure is fixed at each customer's index contact (their first in the analysis window), so later
survival cannot leak into it (docs/metrics.md, Retention). Two adjusted estimands: the average
effect over all analysed customers (ATE, ``delta_12m_adjusted``) and over the customers whose
index contact was AI-assisted (ATT, ``delta_12m_att``, the basis of revenue protected). The
descriptive views by later interactions are kept apart and labelled.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxroi.results.layout import omitted_when_none, spec
from cxroi.stats.result import CannotCompute, Estimate, Result, Unit


@dataclass(frozen=True, kw_only=True)
class KaplanMeierRetention(Estimate):
    """Retention at the horizon from a Kaplan–Meier curve; ``at_risk`` customers remain there."""

    at_risk: int


@dataclass(frozen=True)
class RetentionByExposure:
    ai_assisted: KaplanMeierRetention | CannotCompute = spec(unit=Unit.FRACTION)
    human_only: KaplanMeierRetention | CannotCompute = spec(unit=Unit.FRACTION)


@dataclass(frozen=True, kw_only=True)
class NaiveDelta(Estimate):
    """AI-assisted minus human-only retention, unadjusted (a descriptive comparison)."""

    n_ai_assisted: int
    n_human_only: int


@dataclass(frozen=True)
class ByExposure:
    """A number for each exposure group."""

    ai_assisted: float
    human_only: float


@dataclass(frozen=True)
class CountByExposure:
    ai_assisted: int
    human_only: int


@dataclass(frozen=True, kw_only=True)
class AdjustedDelta(Estimate):
    """ATE: the adjusted 12-month retention effect of an AI-assisted index contact, everyone."""

    estimand: str
    ess: ByExposure
    overlap_warning: bool
    trimmed: int
    retention_ai_assisted: float
    retention_human_only: float
    overlap_note: str | None = omitted_when_none()


@dataclass(frozen=True, kw_only=True)
class AttDelta(Estimate):
    """ATT: the adjusted 12-month retention effect on the customers whose index contact was
    AI-assisted: their retention with AI minus their estimated retention without it."""

    estimand: str
    ai_assisted_customers: int
    trimmed: int
    trimmed_ai_assisted: int
    ess_human_only: float
    retention_ai_assisted: float
    retention_without_ai: float


@dataclass(frozen=True, kw_only=True)
class MonthsActive(Estimate):
    """Months active in the horizon gained per AI-assisted customer (restricted-mean ATT)."""

    horizon_months: float
    months_active_ai_assisted: float
    months_active_without_ai: float


@dataclass(frozen=True, kw_only=True)
class RiskRatio(Estimate):
    """Churn risk at the horizon, AI-assisted vs without AI (log-scale interval)."""

    churn_risk_ai_assisted: float
    churn_risk_without_ai: float
    se_scale: str


@dataclass(frozen=True)
class EValue:
    """How strong an unmeasured confounder would have to be (risk-ratio scale, with both the
    exposure and churn) to explain the effect, or its interval limit nearest 1, away."""

    churn_risk_ratio: RiskRatio = spec(unit=Unit.RATIO)
    e_value: float = 1.0
    e_value_ci: float = 1.0
    population: str = ""


@dataclass(frozen=True)
class RobustnessRow:
    """One estimand by three estimators: doubly robust, IPW only, outcome model only."""

    doubly_robust: Result = spec(unit=Unit.DIFFERENCE)
    ipw: Result = spec(unit=Unit.DIFFERENCE)
    g_formula: Result = spec(unit=Unit.DIFFERENCE)
    # the fitted model's overlap warning, repeated so the table is not read without it
    overlap_note: str | None = omitted_when_none()


@dataclass(frozen=True)
class Robustness:
    ate: RobustnessRow
    att: RobustnessRow


@dataclass(frozen=True)
class Sensitivity:
    """Sensitivity to unmeasured confounding (E-values) and to the estimator (robustness)."""

    ate: EValue | CannotCompute
    att: EValue | CannotCompute
    robustness: Robustness | CannotCompute
    scale: str


@dataclass(frozen=True)
class CurvePoint:
    day: int
    survival: float | None
    ci_low: float | None
    ci_high: float | None
    at_risk: int | None
    survival_note: str | None = omitted_when_none()


@dataclass(frozen=True)
class Curve:
    n: int
    small_cell: bool
    points: tuple[CurvePoint, ...]


@dataclass(frozen=True)
class Curves:
    horizon_days: int
    min_cell: int
    by_index_group: dict[str, Curve]
    by_index_mode: dict[str, Curve]


@dataclass(frozen=True)
class DescriptiveCurves:
    """Curves by later interactions: descriptive only (immortal-time bias), never an effect."""

    descriptive: bool
    note: str
    by_last_mode: dict[str, Curve]
    by_primary_mode: dict[str, Curve]
    primary_mode_ties: str


@dataclass(frozen=True)
class Balance:
    covariate: str
    smd_unweighted: float
    smd_weighted: float


@dataclass(frozen=True, kw_only=True)
class Overlap:
    """Propensity overlap and covariate balance of the adjusted model."""

    propensity_quantiles: dict[str, dict[str, float]]
    n: CountByExposure
    trimmed: CountByExposure
    ess: ByExposure
    ess_share: ByExposure
    max_abs_smd_unweighted: float
    max_abs_smd_weighted: float
    balance: tuple[Balance, ...]
    overlap_warning: bool
    overlap_messages: tuple[str, ...]
    balance_warning: bool


@dataclass(frozen=True, kw_only=True)
class Diagnostics:
    """The adjusted model's covariates, overlap and balance."""

    covariates: tuple[str, ...]
    horizon_days: int
    index_before_acquired: int
    overlap: Overlap | None = omitted_when_none()
    g_formula_delta: float | None = omitted_when_none()


@dataclass(frozen=True)
class Excluded:
    """Customers left out of the cohort, by reason."""

    churned_before_index: int
    no_index_contact: int


@dataclass(frozen=True, kw_only=True)
class RetentionSection:
    """12-month retention by index-contact exposure: curves, naive and adjusted effects."""

    retention_12m: RetentionByExposure | CannotCompute
    delta_12m_naive: NaiveDelta | CannotCompute = spec(unit=Unit.DIFFERENCE)
    delta_12m_adjusted: AdjustedDelta | CannotCompute = spec(unit=Unit.DIFFERENCE)
    delta_12m_att: AttDelta | CannotCompute = spec(unit=Unit.DIFFERENCE)
    months_active_12m_att: MonthsActive | CannotCompute = spec(unit=Unit.MONTHS)
    sensitivity: Sensitivity | CannotCompute
    curves: Curves | CannotCompute
    descriptive: DescriptiveCurves | CannotCompute
    diagnostics: Diagnostics | CannotCompute
    n_customers: int | CannotCompute
    excluded: Excluded | CannotCompute
    notes: tuple[str, ...] = ()
