"""The loyalty analyses the stack draws on (masking, escalation quality, the chain map), then the
stack's verdicts on the measured results: trigger states, the measurement audit, the alerts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from zoneinfo import ZoneInfo

from cxroi.analyses.alerts import sort_alerts, trigger_alerts
from cxroi.analyses.audit import AuditSettings, audit_measurement
from cxroi.analyses.chain import ChainSettings, map_chain
from cxroi.analyses.escalation import EscalationSettings, measure_escalation_quality
from cxroi.analyses.loyalty_stats import with_small_cell
from cxroi.analyses.masking.detector import detect_masking
from cxroi.analyses.masking.result import MaskingResult
from cxroi.analyses.masking.settings import MaskingSettings
from cxroi.analyses.panel import GROUPS, ClusteredCell, Panel, build_panel, enriched_contacts
from cxroi.analyses.stack.evaluate import evaluate_stack
from cxroi.analyses.stack.scope import StackPanel, TriggerScope
from cxroi.analyses.stack.settings import StackSettings
from cxroi.io.dataset import Dataset
from cxroi.metrics.exact import ExactMetrics
from cxroi.results import refs
from cxroi.results.model.governance import (
    Alert,
    AuditSection,
    StackGroups,
    StackMonth,
    StackSection,
)
from cxroi.results.model.loyalty import ChainSection, EscalationSection
from cxroi.results.model.metrics import as_clustered
from cxroi.results.tree import Measured, Results
from cxroi.stats.clustered import NPS_METHOD
from cxroi.stats.result import Estimate, Result

NPS_BOUNDS = (-100.0, 100.0)


def stack_monthly(panel: Panel, min_cell: int) -> tuple[StackMonth, ...]:
    """Per month, by mode (and AI-assisted): 7-day FCR, CSAT, NPS, CES, and containment.

    Each a ratio of the customers' totals with a customer-clustered interval, as the month's
    ``metrics.monthly`` entry has (docs/metrics.md, "Intervals of contact-level metrics").
    """
    rows = []
    for month in panel.months:
        sums = {g: panel.clustered_cell(month, g) for g in GROUPS}

        def groups(make: Callable[[str, ClusteredCell], Result]) -> StackGroups:
            return StackGroups(
                **{
                    g: with_small_cell(as_clustered(make(f"{month}, {g}", s)), min_cell)
                    for g, s in sums.items()
                }
            )

        containment = sums["all"].containment.share(
            f"{month}: no inbound ai_only or escalated contacts"
        )
        rows.append(
            StackMonth(
                month=month,
                containment_rate=with_small_cell(as_clustered(containment), min_cell),
                fcr_7d=groups(
                    lambda lab, s: s.fcr.share(f"{lab}: no inbound contact 7 days before as_of")
                ),
                csat=groups(lambda lab, s: s.csat.share(f"{lab}: no CSAT answers")),
                nps=groups(
                    lambda lab, s: s.nps.mean(
                        f"{lab}: no NPS answers", scale=100.0, method=NPS_METHOD, bounds=NPS_BOUNDS
                    )
                ),
                ces=groups(lambda lab, s: s.ces.mean(f"{lab}: no CES answers")),
            )
        )
    return tuple(rows)


@dataclass(frozen=True)
class Loyalty:
    """The loyalty analyses the stack draws on, from one panel of the contacts."""

    panel: Panel
    masking: MaskingResult
    escalation_quality: EscalationSection
    chain: ChainSection
    monthly: tuple[StackMonth, ...]


def measure_loyalty(
    ds: Dataset,
    exact: ExactMetrics | None,
    min_cell: int,
    masking: MaskingSettings | None = None,
    escalation: EscalationSettings | None = None,
    chain: ChainSettings | None = None,
) -> Loyalty:
    """Masking, escalation quality, the chain map and the monthly panel the triggers watch.

    ``exact`` lends its repeat-flagged contacts; the panel query breaks them out by bot-entry
    population and touchpoint, which the exact metrics do not.
    """
    enriched = enriched_contacts(ds, exact)
    panel = build_panel(ds, enriched)
    return Loyalty(
        panel=panel,
        masking=detect_masking(panel, masking or MaskingSettings(), min_cell),
        escalation_quality=measure_escalation_quality(
            ds, escalation or EscalationSettings(), enriched, min_cell
        ),
        chain=map_chain(ds, panel, chain or ChainSettings(), min_cell),
        monthly=stack_monthly(panel, min_cell),
    )


@dataclass(frozen=True)
class Verdicts:
    """What the stack decides about the measured results: states, the audit, the alerts."""

    stack: StackSection
    audit: AuditSection
    alerts: tuple[Alert, ...]


def judge(
    ds: Dataset,
    loyalty: Loyalty,
    measured: Measured,
    settings: StackSettings | None = None,
    audit: AuditSettings | None = None,
    agent_alerts: tuple[Alert, ...] = (),
) -> Verdicts:
    """Evaluate the stack's triggers on the measured results; audit them; gather the alerts."""
    settings = settings or StackSettings()
    scope = TriggerScope(
        **{f.name: getattr(measured, f.name) for f in fields(measured)},
        stack=StackPanel(loyalty.monthly),
    )
    states = evaluate_stack(settings.stack, scope)
    measurement = audit_measurement(
        ds, loyalty.panel, loyalty.chain, lambda path: _computed(scope, path),
        audit or AuditSettings(),
    )
    as_of_month = ds.as_of.astimezone(ZoneInfo(ds.timezone)).strftime("%Y-%m")
    alerts = sort_alerts(
        [*loyalty.masking.alerts(), *trigger_alerts(states, as_of_month), *agent_alerts]
    )
    metric_states = tuple(s.section() for s in states)
    stack = StackSection(
        source=settings.stack.source,
        size=len(metric_states),
        warnings=settings.stack.warnings,
        metrics=metric_states,
        fired=tuple(m.id for m in metric_states if m.state == "fired"),
        cannot_evaluate=tuple(m.id for m in metric_states if m.state == "cannot_evaluate"),
        monthly=loyalty.monthly,
    )
    return Verdicts(stack, measurement, alerts)


def _computed(scope: TriggerScope, path: str) -> tuple[bool, str]:
    """Did this run compute the value at ``path`` (any kind of node), else why not?"""
    try:
        node, why = refs.resolve_node(refs.parse(path, TriggerScope, numbers_only=False), scope)
    except refs.RefError as exc:
        return False, str(exc)
    return (True, "") if node is not None else (False, why)


def summary_lines(r: Results, max_alerts: int = 10) -> list[str]:
    """Plain-text lines for the terminal summary (no customer data, aggregates only)."""
    flagged = r.masking.flagged_months
    lines = [
        "Containment masking: "
        + (
            ", ".join(flagged) + " (containment up while bot-entry FCR or CES fell)"
            if flagged
            else "no month flagged"
        )
    ]
    state = {"fired": "FIRED", "not_fired": "ok", "cannot_evaluate": "cannot evaluate"}
    parts = []
    for m in r.stack.metrics:
        v = "n/a" if m.value is None else f"{m.value:.3g}"
        parts.append(f"{m.id} {v} ({state[m.state]})")
    lines.append(f"Metric stack ({len(r.stack.metrics)}): " + " · ".join(parts))
    q = r.escalation_quality.score
    if isinstance(q, Estimate) and q.ci_low is not None and q.ci_high is not None:
        lines.append(
            f"Escalation quality {q.estimate:.2f} [{q.ci_low:.2f}, {q.ci_high:.2f}] "
            f"from {', '.join(r.escalation_quality.components_used)}"
        )
    counts = r.chain.status_counts
    line = "Loyalty chain links: " + ", ".join(
        f"{getattr(counts, k)} {k}" for k in ("positive", "negative", "inconclusive", "unknown")
    )
    gaps: dict[str, list[str]] = {}
    for p in r.chain.priorities:
        gaps.setdefault(p.touchpoint, []).append(p.link)
    if gaps:
        line += "; to measure: " + "; ".join(f"{tp} ({', '.join(ls)})" for tp, ls in gaps.items())
    lines.append(line)
    no_path = r.audit.outcomes_without_measurement_path
    lines.append(
        "Outcomes without a measurement path: " + (", ".join(no_path) if no_path else "none")
    )
    active = sum(1 for a in r.alerts if a.active)
    lines.append(f"Alerts: {len(r.alerts)} ({active} active)")
    for a in r.alerts[:max_alerts]:
        lines.append(f"  {a.period} {a.kind} {a.metric} -> {a.owner}: {a.action}")
    if len(r.alerts) > max_alerts:
        lines.append(f"  ... {len(r.alerts) - max_alerts} more in results.json (alerts)")
    return lines
