"""``retention``: survival by index-contact exposure, and the 12-month effect of AI.

Exposure is fixed at each customer's index contact (their first in the analysis window), so later
survival cannot leak into it (metrics.md, Retention). The descriptive views by later interactions
are kept apart and labelled.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxroi.results.codec import omitted_when_none, spec
from cxroi.stats.result import CannotCompute, Estimate, Unit


@dataclass(frozen=True, kw_only=True)
class KaplanMeierRetention(Estimate):
    """Retention at the horizon from a Kaplan–Meier curve; ``at_risk`` customers remain there."""

    at_risk: int


@dataclass(frozen=True)
class RetentionByExposure:
    ai_assisted: KaplanMeierRetention = spec(unit=Unit.FRACTION)
    human_only: KaplanMeierRetention = spec(unit=Unit.FRACTION)


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
    """The 12-month retention effect of an AI-assisted index contact, adjusted for confounders."""

    estimand: str
    ess: ByExposure
    overlap_warning: bool
    trimmed: int
    retention_ai_assisted: float
    retention_human_only: float
    overlap_note: str | None = omitted_when_none()


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
class Diagnostics:
    """The adjusted model's covariates, overlap and balance."""

    covariates: tuple[str, ...]
    horizon_days: int
    index_before_acquired: int
    propensity_quantiles: dict[str, dict[str, float]] | None = omitted_when_none()
    n: CountByExposure | None = omitted_when_none()
    trimmed: CountByExposure | None = omitted_when_none()
    ess: ByExposure | None = omitted_when_none()
    ess_share: ByExposure | None = omitted_when_none()
    max_abs_smd_unweighted: float | None = omitted_when_none()
    max_abs_smd_weighted: float | None = omitted_when_none()
    balance: tuple[Balance, ...] | None = omitted_when_none()
    overlap_warning: bool | None = omitted_when_none()
    overlap_messages: tuple[str, ...] | None = omitted_when_none()
    balance_warning: bool | None = omitted_when_none()
    g_formula_delta: float | None = omitted_when_none()


@dataclass(frozen=True)
class Excluded:
    """Customers left out of the cohort, by reason."""

    churned_before_index: int
    no_index_contact: int


@dataclass(frozen=True)
class RetentionSection:
    """12-month retention by index-contact exposure: curves, naive and adjusted deltas."""

    retention_12m: RetentionByExposure | CannotCompute
    delta_12m_naive: NaiveDelta | CannotCompute = spec(unit=Unit.DIFFERENCE)
    delta_12m_adjusted: AdjustedDelta | CannotCompute = spec(unit=Unit.DIFFERENCE)
    curves: Curves | CannotCompute = CannotCompute("not computed")
    descriptive: DescriptiveCurves | CannotCompute = CannotCompute("not computed")
    diagnostics: Diagnostics | CannotCompute = CannotCompute("not computed")
    n_customers: int | CannotCompute = CannotCompute("not computed")
    excluded: Excluded | CannotCompute = CannotCompute("not computed")
    notes: tuple[str, ...] = ()
