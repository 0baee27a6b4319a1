"""The ``metrics`` section of the results tree, from the exact metrics' typed summaries."""

from __future__ import annotations

from collections.abc import Mapping

from cxroi.metrics.exact import ExactMetrics
from cxroi.metrics.resolution import ContactsApart as ApartSums
from cxroi.metrics.surveys import NO_SURVEYS
from cxroi.results.model.common import ModeCounts
from cxroi.results.model.metrics import (
    ContactsApart,
    DirectionCounts,
    MetricCounts,
    PerMode,
    MetricsSection,
    MonthlyDifference,
    MonthlyMetrics,
    SurveyMetrics,
)
from cxroi.results.model.metrics import as_clustered
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
        containment_rate=as_clustered(m.containment_rate),
        false_containment_7d=as_clustered(m.false_containment_7d),
        post_ai_nps=as_clustered(m.post_ai_nps),
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
            handle_imputed=m.handle_imputed,
            by_direction=DirectionCounts(
                inbound=_counts(m.contacts_by_direction.get("inbound", {})),
                outbound=_counts(m.contacts_by_direction.get("outbound", {})),
            ),
        ),
        outbound=_apart(m.outbound),
        proactive=_apart(m.proactive),
    )


def _counts(by_group: Mapping[str, int]) -> ModeCounts:
    return ModeCounts.of({k: v for k, v in by_group.items() if k != "all"})


def _apart(a: ApartSums | None) -> ContactsApart:
    if a is None:
        none = PerMode.from_mapping(
            {g: CannotCompute("no such contacts") for g in ("ai_only", "hybrid", "human_only", "all")}
        )
        return ContactsApart(ModeCounts.of({}), none, none)
    return ContactsApart(
        contacts=_counts(a.contacts),
        cost_per_contact=PerMode.from_mapping(a.cost_per_contact),
        aht_seconds=PerMode.from_mapping(a.aht_seconds),
    )


def _surveys(values: Mapping[str, Result]) -> SurveyMetrics:
    missing = CannotCompute(NO_SURVEYS)
    return SurveyMetrics(
        **{k: as_clustered(values.get(k, missing)) for k in ("csat", "csat_mean", "nps", "ces")}
    )


def _month(month: str, values: Mapping[str, Result], windows: tuple[int, ...]) -> MonthlyMetrics:
    contacts = values["contacts"]
    return MonthlyMetrics(
        month=month,
        contacts=int(contacts.n or 0) if isinstance(contacts, Estimate) else 0,
        containment_rate=as_clustered(values["containment_rate"]),
        fcr={w: as_clustered(values[f"fcr_{w}d"]) for w in windows},
        false_containment_7d=as_clustered(values["false_containment_7d"]),
        csat=as_clustered(values["csat"]),
        ces=as_clustered(values["ces"]),
    )
