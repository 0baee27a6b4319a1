"""The ``metrics`` section of the results tree, from the exact metrics' typed summaries."""

from __future__ import annotations

from collections.abc import Mapping

from cxroi.metrics.exact import NO_SURVEYS, ExactMetrics
from cxroi.results.model.common import ModeCounts, PerMode
from cxroi.results.model.metrics import (
    MetricCounts,
    MetricsSection,
    MonthlyDifference,
    MonthlyMetrics,
    SurveyMetrics,
)
from cxroi.stats.result import CannotCompute, Estimate, Result


def metrics_section(m: ExactMetrics) -> MetricsSection:
    return MetricsSection(
        windows_days=tuple(m.windows),
        fcr={w: PerMode.from_mapping(m.fcr[w]) for w in m.windows},
        cost_per_resolution={w: PerMode.from_mapping(m.cost_per_resolution[w]) for w in m.windows},
        cost_per_contact=PerMode.from_mapping(m.cost_per_contact),
        aht_seconds=PerMode.from_mapping(m.aht_seconds),
        csat=PerMode.from_mapping(m.surveys["csat"]),
        csat_mean=PerMode.from_mapping(m.surveys["csat_mean"]),
        nps=PerMode.from_mapping(m.surveys["nps"]),
        ces=PerMode.from_mapping(m.surveys["ces"]),
        containment_rate=m.containment_rate,
        false_containment_7d=m.false_containment_7d,
        post_ai_nps=m.post_ai_nps,
        by_channel={k: _surveys(v) for k, v in m.by_channel.items()},
        by_touchpoint={k: _surveys(v) for k, v in m.by_touchpoint.items()},
        relationship_surveys=_surveys(m.relationship),
        csat_delta_hybrid_vs_human_monthly=tuple(
            MonthlyDifference.of(month, r) for month, r in m.csat_delta_monthly
        ),
        monthly=tuple(_month(month, values, m.windows) for month, values in m.monthly),
        counts=MetricCounts(
            contacts=ModeCounts.of(m.contacts),
            escalated=ModeCounts.of(m.escalated),
            cost_modelled=m.cost_modelled,
        ),
    )


def _surveys(values: Mapping[str, Result]) -> SurveyMetrics:
    missing = CannotCompute(NO_SURVEYS)
    return SurveyMetrics(
        csat=values.get("csat", missing),
        csat_mean=values.get("csat_mean", missing),
        nps=values.get("nps", missing),
        ces=values.get("ces", missing),
    )


def _month(month: str, values: Mapping[str, Result], windows: tuple[int, ...]) -> MonthlyMetrics:
    contacts = values["contacts"]
    return MonthlyMetrics(
        month=month,
        contacts=int(contacts.n or 0) if isinstance(contacts, Estimate) else 0,
        containment_rate=values["containment_rate"],
        fcr={w: values[f"fcr_{w}d"] for w in windows},
        false_containment_7d=values["false_containment_7d"],
        csat=values["csat"],
        ces=values["ces"],
    )
