"""``metrics``: resolution, effort, cost and surveys (docs/metrics.md, exact definitions).

Per-mode metrics are written twice by the serialiser — plain numbers at ``metrics.<name>`` and the
estimate objects under ``metrics.intervals.<name>`` (results contract) — but exist once here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cxroi.results.layout import derived, detail, flatten, omitted_when_none, spec
from cxroi.io.contract import CHANNELS, GROUPS, TOUCHPOINTS
from cxroi.results.model.common import ModeCounts
from cxroi.stats.clustered import ClusteredDifference, ClusteredEstimate
from cxroi.stats.result import CannotCompute, Estimate, Result, Unit

# every contact-level metric: an interval clustered by customer, or the reason it has none
Clustered = ClusteredEstimate | CannotCompute

INTERVALS = "intervals"


@dataclass(frozen=True)
class PerMode:
    """One customer-clustered estimate per AI mode and for all contacts."""

    ai_only: Clustered
    hybrid: Clustered
    human_only: Clustered
    all: Clustered

    @classmethod
    def from_mapping(cls, values: Mapping[str, Result]) -> PerMode:
        return cls(**{g: as_clustered(values[g]) for g in GROUPS})

    def get(self, group: str) -> Clustered:
        value: Clustered = getattr(self, group)
        return value


def as_clustered(r: Result) -> Clustered:
    if not isinstance(r, (ClusteredEstimate, CannotCompute)):
        raise TypeError(f"a contact-level metric needs a clustered interval, got {type(r).__name__}")
    return r


@dataclass(frozen=True)
class SurveyMetrics:
    """CSAT (top-two share and mean score), NPS and CES over one set of contacts or answers."""

    csat: Clustered = spec(unit=Unit.FRACTION)
    csat_mean: Clustered = spec(unit=Unit.CSAT_SCORE)
    nps: Clustered = spec(unit=Unit.NPS)
    ces: Clustered = spec(unit=Unit.CES)


@dataclass(frozen=True)
class DirectionCounts:
    """Contacts by direction: outbound contacts are never repeats nor in resolution metrics."""

    inbound: ModeCounts
    outbound: ModeCounts


@dataclass(frozen=True)
class MetricCounts:
    contacts: ModeCounts
    # inbound escalations: what containment counts
    escalated: ModeCounts
    # contacts whose cost came from the configured cost model, not the data
    cost_modelled: int
    # of those, contacts whose handle time was unknown: priced at their mode's mean known one
    handle_imputed: int
    by_direction: DirectionCounts


@dataclass(frozen=True)
class ContactsApart:
    """Contacts kept out of the service metrics (outbound, or the proactive touchpoint)."""

    contacts: ModeCounts
    cost_per_contact: PerMode = spec(unit=Unit.MONEY)
    aht_seconds: PerMode = spec(unit=Unit.SECONDS)


@dataclass(frozen=True, kw_only=True)
class MonthlyDifference:
    """CSAT(hybrid) − CSAT(human_only) in one calendar month; null with a note when not computable.

    The interval is clustered by customer and allows for customers on both sides (``correlation``).
    """

    month: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    method: str | None
    se: float | None
    n_hybrid: int | None
    n_human_only: int | None
    customers_hybrid: int | None
    customers_human_only: int | None
    correlation: float | None
    unit: Unit = Unit.DIFFERENCE
    note: str | None = omitted_when_none()

    @classmethod
    def of(cls, month: str, result: Result) -> MonthlyDifference:
        if isinstance(result, CannotCompute):
            return cls(
                month=month, estimate=None, ci_low=None, ci_high=None, method=None, se=None,
                n_hybrid=None, n_human_only=None, customers_hybrid=None,
                customers_human_only=None, correlation=None, note=result.reason,
            )
        if not isinstance(result, ClusteredDifference):
            raise TypeError("the monthly CSAT gap is a clustered difference")
        return cls(
            month=month,
            estimate=result.estimate,
            ci_low=result.ci_low,
            ci_high=result.ci_high,
            method=result.method,
            se=result.se,
            n_hybrid=result.n_a,
            n_human_only=result.n_b,
            customers_hybrid=result.customers_a,
            customers_human_only=result.customers_b,
            correlation=result.correlation,
        )


@dataclass(frozen=True, kw_only=True)
class MonthlyMetrics:
    """One calendar month (configured zone) of the series the stack and masking watch."""

    month: str
    contacts: int
    containment_rate: Clustered = spec(unit=Unit.FRACTION)
    fcr: dict[int, Clustered] = flatten("fcr_{}d", unit=Unit.FRACTION)
    false_containment_7d: Clustered = spec(unit=Unit.FRACTION)
    csat: Clustered = spec(unit=Unit.FRACTION)
    ces: Clustered = spec(unit=Unit.CES)


@dataclass(frozen=True, kw_only=True)
class MetricsSection:
    """Resolution, effort, cost and survey metrics by AI mode, channel, touchpoint and month."""

    windows_days: tuple[int, ...]
    fcr: dict[int, PerMode] = flatten("fcr_{}d", under=INTERVALS, unit=Unit.FRACTION)
    cost_per_resolution: dict[int, PerMode] = flatten(
        "cost_per_resolution_{}d", under=INTERVALS, unit=Unit.MONEY
    )
    cost_per_contact: PerMode = detail(INTERVALS, unit=Unit.MONEY)
    aht_seconds: PerMode = detail(INTERVALS, unit=Unit.SECONDS)
    csat: PerMode = detail(INTERVALS, unit=Unit.FRACTION)
    csat_mean: PerMode = detail(INTERVALS, unit=Unit.CSAT_SCORE)
    nps: PerMode = detail(INTERVALS, unit=Unit.NPS)
    ces: PerMode = detail(INTERVALS, unit=Unit.CES)
    containment_rate: Clustered = detail(INTERVALS, unit=Unit.FRACTION)
    false_containment_7d: Clustered = detail(INTERVALS, unit=Unit.FRACTION)
    post_ai_nps: Clustered = detail(INTERVALS, unit=Unit.NPS)
    by_channel: dict[str, SurveyMetrics] = spec(keys=CHANNELS)
    by_touchpoint: dict[str, SurveyMetrics] = spec(keys=(*TOUCHPOINTS, "unknown"))
    relationship_surveys: SurveyMetrics
    csat_delta_hybrid_vs_human_monthly: tuple[MonthlyDifference, ...]
    monthly: tuple[MonthlyMetrics, ...]
    counts: MetricCounts
    outbound: ContactsApart
    proactive: ContactsApart

    @derived(unit=Unit.CES)
    def ces_by_channel(self) -> dict[str, float]:
        """Mean CES per channel (results contract): a view of ``by_channel``."""
        return {
            ch: v.ces.estimate for ch, v in self.by_channel.items() if isinstance(v.ces, Estimate)
        }
