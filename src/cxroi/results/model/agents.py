"""``agents``: the Agent Experience Index, how far it leads loyalty, and early warnings."""

from __future__ import annotations

from dataclasses import dataclass

from cxroi.results.layout import omitted_when_none, spec
from cxroi.stats.result import CannotCompute, Estimate, Unit


@dataclass(frozen=True)
class ComponentValue:
    """One component of the index in one period: raw value, z-score, and its base."""

    value: float | None
    z: float | None
    n: int
    low_n: bool


@dataclass(frozen=True)
class IndexPeriod:
    period: str  # YYYY-Www or YYYY-MM
    start: str  # ISO date
    index: float | None
    partial: bool
    components: dict[str, ComponentValue]


@dataclass(frozen=True)
class IndexComponent:
    """How a component enters the index: its sign, weight and standardisation."""

    name: str
    sign: int
    weight: float
    definition: str
    mean: float
    sd: float


@dataclass(frozen=True)
class TeamLatest:
    latest_week: IndexPeriod | None
    latest_month: IndexPeriod | None


@dataclass(frozen=True)
class Drop:
    """A week where the index fell below its recent mean by more than the drop rule."""

    period: str
    index: float
    baseline: float
    drop_sd: float


@dataclass(frozen=True)
class DropRule:
    drop_sd: float
    baseline_weeks: int


@dataclass(frozen=True, kw_only=True)
class AgentIndex:
    """The Agent Experience Index for the centre (weekly, monthly) and per team."""

    scale: str
    standardised_over: str
    components: tuple[IndexComponent, ...]
    components_monthly: tuple[IndexComponent, ...]
    left_out: tuple[str, ...]
    weekly: tuple[IndexPeriod, ...]
    monthly: tuple[IndexPeriod, ...]
    latest_week: IndexPeriod | None
    latest_month: IndexPeriod | None
    drops: tuple[Drop, ...]
    drop_rule: DropRule
    teams: dict[str, TeamLatest] | CannotCompute
    team_components: tuple[IndexComponent, ...] | None = omitted_when_none()


@dataclass(frozen=True)
class LagCorrelation:
    lag_days: int
    correlation: float | None


@dataclass(frozen=True, kw_only=True)
class LeadLag(Estimate):
    """How many days the index leads a loyalty metric; the estimate is the correlation there."""

    metric: str
    population: str
    best_lag_days: int
    best_lag_weeks: int
    correlation: float
    # no interval on the lag itself: a percentile interval on a discrete best lag has no coverage
    # theory; the lags whose correlation is significant are given instead
    lag_interval: tuple[int, ...] | CannotCompute
    band_lags_days: tuple[int, ...] | None
    p_value: float  # at the best lag, corrected for the lags searched
    p_adjusted: float  # Holm-adjusted across the loyalty metrics
    significant: bool  # p_adjusted <= alpha: the one decision rule
    decision_rule: str
    alpha: float
    granger_p: float | None  # description only
    granger_lag_weeks: int
    band_pointwise: float
    band_familywise: float
    seasonal_adjustment: str
    n_weeks: int
    n_pairs: int
    first_week: str
    last_week: str
    interpolated_weeks: int
    ar_order: int
    block_weeks: int
    bootstrap_replicates: int
    ccf: tuple[LagCorrelation, ...]


@dataclass(frozen=True)
class LeadLagByMetric:
    csat: LeadLag | CannotCompute = spec(unit=Unit.CORRELATION)
    nps: LeadLag | CannotCompute = spec(unit=Unit.CORRELATION)
    ces: LeadLag | CannotCompute = spec(unit=Unit.CORRELATION)
    fcr_7d: LeadLag | CannotCompute = spec(unit=Unit.CORRELATION)


@dataclass(frozen=True, kw_only=True)
class EarlyWarning:
    """The index fell in the latest week; which loyalty metric should follow, and when."""

    kind: str
    period: str
    metric: str
    message: str
    index: float
    baseline: float
    drop_sd: float
    expected_on: str | None = omitted_when_none()
    expected_window: tuple[str, ...] | None = omitted_when_none()
    lag_days: int | None = omitted_when_none()


@dataclass(frozen=True)
class AgentsSection:
    """Agents as a leading indicator of customer loyalty."""

    notes: tuple[str, ...]
    index: AgentIndex | CannotCompute
    lead_lag: LeadLag | CannotCompute = spec(unit=Unit.CORRELATION)
    lead_lag_by_metric: LeadLagByMetric = spec()
    early_warnings: tuple[EarlyWarning, ...] | CannotCompute = CannotCompute("not computed")
