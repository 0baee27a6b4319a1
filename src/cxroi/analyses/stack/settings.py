"""Settings of the stack analysis (``[stack]`` and ``[audit]`` in the configuration).

Kept free of engine imports (no Ibis, no Dataset) so ``cxroi.config`` can import it and the parser
without an import cycle; the analyses import their settings from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cxroi.analyses.stack.spec import Stack

# escalation quality components, in reporting order
COMPONENTS: tuple[str, ...] = (
    "context_passed",
    "resolved_without_repeat",
    "post_escalation_csat",
    "qa_score",
)
# business outcomes of the audit, and the kinds a reported metric can be
OUTCOMES: tuple[str, ...] = ("retention", "revenue", "loyalty", "effort", "resolution")
REPORTED_KINDS: tuple[str, ...] = ("activity", "outcome")


@dataclass(frozen=True)
class MaskingSettings:
    reference_months: int = 6
    owner: str = "Head of Digital Care"
    action: str = "review bot escalation paths"


@dataclass(frozen=True)
class EscalationSettings:
    weights: dict[str, float] = field(default_factory=lambda: {c: 1.0 for c in COMPONENTS})


@dataclass(frozen=True)
class ChainSettings:
    followup_days: int = 365


@dataclass(frozen=True)
class ReportedMetric:
    """One metric the organisation reports today (``[[audit.reported]]``)."""

    name: str
    kind: str | None = None  # activity | outcome; None = infer from the name
    outcome: str | None = None  # one of OUTCOMES or "none"; None = infer


@dataclass(frozen=True)
class AuditSettings:
    reported: tuple[ReportedMetric, ...] = ()
    min_survey_response_rate: float = 0.05
    min_customer_match_rate: float = 0.95
    min_fill_rate: float = 0.5


@dataclass(frozen=True)
class AgentWarningSettings:
    """Owner and action for the agents analysis' early warnings when they become alerts."""

    owner: str = "Head of Contact Centre Operations"
    action: str = (
        "check agent workload and pulse on the affected teams before customer "
        "loyalty metrics follow"
    )


def _default_stack() -> Stack:
    from cxroi.analyses.stack.parse import default_stack

    return default_stack()


@dataclass(frozen=True)
class StackSettings:
    stack: Stack = field(default_factory=_default_stack)
    masking: MaskingSettings = field(default_factory=MaskingSettings)
    escalation: EscalationSettings = field(default_factory=EscalationSettings)
    chain: ChainSettings = field(default_factory=ChainSettings)
    audit: AuditSettings = field(default_factory=AuditSettings)
    agent_warning: AgentWarningSettings = field(default_factory=AgentWarningSettings)
