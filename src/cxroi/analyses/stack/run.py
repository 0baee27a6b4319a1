"""Entry point: the metric stack, masking, escalation quality, the chain map, the audit, alerts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from cxroi.analyses.alerts import Alert, agent_alerts, from_dicts, sort_alerts, trigger_alerts
from cxroi.analyses.audit import AuditResult, audit_measurement
from cxroi.analyses.chain import ChainResult, map_chain
from cxroi.analyses.escalation import EscalationResult, measure_escalation_quality
from cxroi.analyses.loyalty_stats import put
from cxroi.analyses.masking import MaskingResult, detect_masking
from cxroi.analyses.panel import CellKey, Panel, ai_assisted, build_panel, enriched_contacts, where
from cxroi.analyses.stack.evaluate import MetricState, evaluate_stack
from cxroi.analyses.stack.settings import StackSettings
from cxroi.analyses.stack.spec import Stack
from cxroi.io.dataset import Dataset
from cxroi.metrics.exact import ExactMetrics
from cxroi.stats.result import Estimate

GROUPS: dict[str, Callable[[CellKey], bool]] = {
    "ai_only": lambda k: k.mode == "ai_only",
    "hybrid": lambda k: k.mode == "hybrid",
    "human_only": lambda k: k.mode == "human_only",
    "ai_assisted": ai_assisted,
    "all": lambda k: True,
}


def stack_monthly(panel: Panel, min_cell: int) -> list[dict[str, Any]]:
    """Per month, by mode (and AI-assisted): 7-day FCR, CSAT, NPS, CES, and containment."""
    rows = []
    for month in panel.months:
        row: dict[str, Any] = {"month": month}
        put(
            row,
            "containment_rate",
            panel.containment(where(month)).estimate(f"{month}: no ai_only or escalated contacts"),
            min_cell,
            compact=True,
        )
        blocks: dict[str, dict[str, Any]] = {k: {} for k in ("fcr_7d", "csat", "nps", "ces")}
        for g, keep in GROUPS.items():
            s = panel.total(where(month, also=keep))
            label = f"{month}, {g}"
            put(
                blocks["fcr_7d"],
                g,
                s.fcr.estimate(f"{label}: no contact 7 days before as_of"),
                min_cell,
                compact=True,
            )
            put(
                blocks["csat"],
                g,
                s.csat.estimate(f"{label}: no CSAT answers"),
                min_cell,
                compact=True,
            )
            put(
                blocks["nps"], g, s.nps.estimate(f"{label}: no NPS answers"), min_cell, compact=True
            )
            put(blocks["ces"], g, s.ces.mean(f"{label}: no CES answers"), min_cell, compact=True)
        rows.append({**row, **blocks})
    return rows


@dataclass(frozen=True)
class StackReport:
    settings: StackSettings
    states: tuple[MetricState, ...]
    monthly: tuple[dict[str, Any], ...]
    masking: MaskingResult
    escalation: EscalationResult
    chain: ChainResult
    audit: AuditResult
    alerts: tuple[Alert, ...]

    @property
    def stack(self) -> Stack:
        return self.settings.stack

    def stack_section(self) -> dict[str, Any]:
        metrics = [s.to_results() for s in self.states]
        return {
            "source": self.stack.source,
            "size": len(metrics),
            "warnings": list(self.stack.warnings),
            "metrics": metrics,
            "fired": [m["id"] for m in metrics if m["state"] == "fired"],
            "cannot_evaluate": [m["id"] for m in metrics if m["state"] == "cannot_evaluate"],
            "monthly": list(self.monthly),
        }

    def to_results(self) -> dict[str, Any]:
        return {
            "alerts": [a.to_results() for a in self.alerts],
            "stack": self.stack_section(),
            "masking": self.masking.to_results(),
            "escalation_quality": self.escalation.to_results(),
            "chain": self.chain.to_results(),
            "audit": self.audit.to_results(),
        }

    def summary_lines(self, max_alerts: int = 10) -> list[str]:
        """Plain-text lines for the terminal summary (no customer data, aggregates only)."""
        flagged = self.masking.flagged_months
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
        for s in self.states:
            v = "n/a" if s.current.value is None else f"{s.current.value:.3g}"
            parts.append(f"{s.spec.id} {v} ({state[s.to_results()['state']]})")
        lines.append(f"Metric stack ({len(self.states)}): " + " · ".join(parts))
        q = self.escalation.overall.score
        if isinstance(q, Estimate) and q.ci_low is not None and q.ci_high is not None:
            lines.append(
                f"Escalation quality {q.estimate:.2f} [{q.ci_low:.2f}, {q.ci_high:.2f}] "
                f"from {', '.join(self.escalation.overall.used)}"
            )
        counts = self.chain.to_results()["status_counts"]
        gaps = self.audit.chain_unknown
        line = "Loyalty chain links: " + ", ".join(f"{v} {k}" for k, v in counts.items())
        if gaps:
            line += "; to measure: " + "; ".join(
                f"{tp} ({', '.join(ls)})" for tp, ls in gaps.items()
            )
        lines.append(line)
        no_path = self.audit.without_path
        lines.append(
            "Outcomes without a measurement path: " + (", ".join(no_path) if no_path else "none")
        )
        active = sum(1 for a in self.alerts if a.extra.get("active"))
        lines.append(f"Alerts: {len(self.alerts)} ({active} active)")
        for a in self.alerts[:max_alerts]:
            lines.append(f"  {a.period} {a.kind} {a.metric} -> {a.owner}: {a.action}")
        if len(self.alerts) > max_alerts:
            lines.append(f"  ... {len(self.alerts) - max_alerts} more in results.json (alerts)")
        return lines


def run_stack(
    ds: Dataset,
    exact: ExactMetrics | None,
    results: Mapping[str, Any],
    settings: StackSettings | None = None,
) -> StackReport:
    """Everything in this package for one dataset; ``results`` is read, never changed.

    Run it after the retention, value and agents sections are in ``results``: triggers read them.
    ``exact`` lends its repeat-flagged contacts; the panel query breaks them out by bot-entry
    population and touchpoint, which ExactMetrics does not.
    """
    settings = settings or StackSettings()
    min_cell = ds.config.min_cell
    enriched = enriched_contacts(ds, exact)
    panel = build_panel(ds, enriched)
    masking = detect_masking(panel, settings.masking, min_cell)
    escalation = measure_escalation_quality(ds, settings.escalation, enriched)
    chain = map_chain(ds, panel, settings.chain)
    monthly = tuple(stack_monthly(panel, min_cell))
    view: dict[str, Any] = {
        **results,
        "masking": masking.to_results(),
        "escalation_quality": escalation.to_results(),
        "chain": chain.to_results(),
        "stack": {"monthly": list(monthly)},
    }
    states = evaluate_stack(settings.stack, view)
    audit = audit_measurement(ds, panel, chain, view, settings.audit)
    as_of_month = ds.as_of.astimezone(ZoneInfo(ds.config.timezone)).strftime("%Y-%m")
    alerts = sort_alerts(
        [
            *from_dicts(masking.alerts()),
            *trigger_alerts(states, as_of_month),
            *agent_alerts(results, settings.agent_warning.owner, settings.agent_warning.action),
        ]
    )
    return StackReport(settings, states, monthly, masking, escalation, chain, audit, tuple(alerts))
