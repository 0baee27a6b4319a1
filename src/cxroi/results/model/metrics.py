"""``metrics``: resolution, effort, cost and surveys (metrics.md, exact definitions).

Per-mode metrics are written twice by the serialiser — plain numbers at ``metrics.<name>`` and the
estimate objects under ``metrics.intervals.<name>`` (results contract) — but exist once here.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxroi.results.codec import derived, detail, flatten, omitted_when_none, spec
from cxroi.io.contract import CHANNELS, TOUCHPOINTS
from cxroi.results.model.common import ModeCounts, PerMode
from cxroi.stats.result import CannotCompute, Contrast, Estimate, Result, Unit

INTERVALS = "intervals"


@dataclass(frozen=True)
class SurveyMetrics:
    """CSAT (top-two share and mean score), NPS and CES over one set of contacts or answers."""

    csat: Result = spec(unit=Unit.FRACTION)
    csat_mean: Result = spec(unit=Unit.CSAT_SCORE)
    nps: Result = spec(unit=Unit.NPS)
    ces: Result = spec(unit=Unit.CES)


@dataclass(frozen=True)
class MetricCounts:
    contacts: ModeCounts
    escalated: ModeCounts
    # contacts whose cost came from the configured cost model, not the data
    cost_modelled: int


@dataclass(frozen=True)
class MonthlyDifference:
    """CSAT(hybrid) − CSAT(human_only) in one calendar month; null with a note when not computable."""

    month: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    method: str | None
    n_hybrid: int | None
    n_human_only: int | None
    note: str | None = omitted_when_none()

    @classmethod
    def of(cls, month: str, result: Result) -> MonthlyDifference:
        if isinstance(result, CannotCompute):
            return cls(month, None, None, None, None, None, None, result.reason)
        return cls(
            month,
            result.estimate,
            result.ci_low,
            result.ci_high,
            result.method,
            result.n_a if isinstance(result, Contrast) else None,
            result.n_b if isinstance(result, Contrast) else None,
            None,
        )


@dataclass(frozen=True, kw_only=True)
class MonthlyMetrics:
    """One calendar month (configured zone) of the series the stack and masking watch."""

    month: str
    contacts: int
    containment_rate: Result = spec(unit=Unit.FRACTION)
    fcr: dict[int, Result] = flatten("fcr_{}d", unit=Unit.FRACTION)
    false_containment_7d: Result = spec(unit=Unit.FRACTION)
    csat: Result = spec(unit=Unit.FRACTION)
    ces: Result = spec(unit=Unit.CES)


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
    containment_rate: Result = detail(INTERVALS, unit=Unit.FRACTION)
    false_containment_7d: Result = detail(INTERVALS, unit=Unit.FRACTION)
    post_ai_nps: Result = detail(INTERVALS, unit=Unit.NPS)
    by_channel: dict[str, SurveyMetrics] = spec(keys=CHANNELS)
    by_touchpoint: dict[str, SurveyMetrics] = spec(keys=(*TOUCHPOINTS, "unknown"))
    relationship_surveys: SurveyMetrics
    csat_delta_hybrid_vs_human_monthly: tuple[MonthlyDifference, ...]
    monthly: tuple[MonthlyMetrics, ...]
    counts: MetricCounts

    @derived
    def ces_by_channel(self) -> dict[str, float]:
        """Mean CES per channel (results contract): a view of ``by_channel``."""
        return {
            ch: v.ces.estimate for ch, v in self.by_channel.items() if isinstance(v.ces, Estimate)
        }
