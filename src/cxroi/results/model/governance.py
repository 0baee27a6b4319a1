"""``stack``, ``audit`` and ``alerts``: who owns which number, what fired, what is not measured."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cxroi.results.layout import omitted_when_none, spec
from cxroi.results.model.metrics import Clustered
from cxroi.stats.result import Result, Unit

TriggerStateName = Literal["fired", "not_fired", "cannot_evaluate"]
OUTCOMES: tuple[str, ...] = ("retention", "revenue", "loyalty", "effort", "resolution")
OutcomeStatus = Literal["reported", "measurable", "reported_without_data", "no_measurement_path"]


# ---------------------------------------------------------------------------------------------
# the stack


@dataclass(frozen=True)
class Episode:
    """Consecutive months in which a monthly trigger held."""

    start: str
    end: str


@dataclass(frozen=True)
class TriggerState:
    when: str  # as written in the configuration
    condition: str  # as understood (normalised)
    action: str
    owner: str
    state: TriggerStateName
    value: float | None
    compared_with: float | None
    reason: str | None = omitted_when_none()
    latest_month: str | None = omitted_when_none()
    fired_months: tuple[str, ...] | None = omitted_when_none()
    episodes: tuple[Episode, ...] | None = omitted_when_none()


@dataclass(frozen=True, kw_only=True)
class MetricState:
    """One metric of the stack: its definition, its current value, its triggers' states."""

    id: str
    name: str
    path: str
    owner: str
    data_source: str
    cadence: str
    direction: str
    kind: str
    level: str
    chain_link: str
    value: float | None
    triggers: tuple[TriggerState, ...]
    state: TriggerStateName
    why: str | None = omitted_when_none()
    value_month: str | None = omitted_when_none()
    value_note: str | None = omitted_when_none()


@dataclass(frozen=True)
class StackGroups:
    """One monthly value per mode, and for AI-assisted contacts (ai_only + hybrid), each with a
    customer-clustered interval."""

    ai_only: Clustered
    hybrid: Clustered
    human_only: Clustered
    ai_assisted: Clustered
    all: Clustered


@dataclass(frozen=True)
class StackMonth:
    """The monthly panel the stack's default triggers watch."""

    month: str
    containment_rate: Clustered = spec(unit=Unit.FRACTION)
    fcr_7d: StackGroups = spec(unit=Unit.FRACTION)
    csat: StackGroups = spec(unit=Unit.FRACTION)
    nps: StackGroups = spec(unit=Unit.NPS)
    ces: StackGroups = spec(unit=Unit.CES)


@dataclass(frozen=True)
class StackSection:
    """The outcome metric stack: 6–8 metrics with owners and decision triggers."""

    source: str
    size: int
    warnings: tuple[str, ...]
    metrics: tuple[MetricState, ...]
    fired: tuple[str, ...]
    cannot_evaluate: tuple[str, ...]
    monthly: tuple[StackMonth, ...]


# ---------------------------------------------------------------------------------------------
# the audit


@dataclass(frozen=True)
class TableAudit:
    present: bool
    rows_read: int | None
    rows_accepted: int | None
    missing_columns: tuple[str, ...]


@dataclass(frozen=True)
class Coverage:
    """Fill and match rates of what the loyalty analyses need."""

    survey_response_rate: Result = spec(unit=Unit.FRACTION)
    customer_id_match_rate: Result = spec(unit=Unit.FRACTION)
    intent: Result = spec(unit=Unit.FRACTION)
    touchpoint: Result = spec(unit=Unit.FRACTION)
    escalated: Result = spec(unit=Unit.FRACTION)
    agent_id: Result = spec(unit=Unit.FRACTION)
    sentiment_start: Result = spec(unit=Unit.FRACTION)
    cost: Result = spec(unit=Unit.FRACTION)
    handoff_context_on_escalated: Result = spec(unit=Unit.FRACTION)
    qa_reviews_on_escalated: Result = spec(unit=Unit.FRACTION)
    monthly_revenue: Result = spec(unit=Unit.FRACTION)


@dataclass(frozen=True)
class ClassifiedMetric:
    """A metric the organisation reports today, classified."""

    name: str
    kind: str
    kind_source: Literal["declared", "inferred", "unclassified"]
    outcome: str
    outcome_source: Literal["declared", "inferred", "none"]


@dataclass(frozen=True)
class MeasurementPath:
    path: str
    needs: str
    measurable: bool
    computed: bool
    note: str | None = omitted_when_none()


@dataclass(frozen=True)
class OutcomeAudit:
    status: OutcomeStatus
    paths: tuple[MeasurementPath, ...]
    reported_by: tuple[str, ...]


@dataclass(frozen=True)
class DebtItem:
    priority: int
    tier: int
    kind: str
    item: str
    action: str


@dataclass(frozen=True)
class AuditSection:
    """What is measured today against what is needed, and the measurement debt."""

    tables: dict[str, TableAudit]
    coverage: Coverage
    reported: tuple[ClassifiedMetric, ...]
    outcomes: dict[str, OutcomeAudit] = spec(keys=OUTCOMES)
    outcomes_without_measurement_path: tuple[str, ...] = ()
    debt: tuple[DebtItem, ...] = ()
    reported_counts: dict[str, int] | None = omitted_when_none()
    reported_note: str | None = omitted_when_none()


# ---------------------------------------------------------------------------------------------
# alerts


@dataclass(frozen=True)
class TriggerSource:
    """Which stack trigger raised an alert."""

    stack_metric: str
    path: str
    when: str


@dataclass(frozen=True)
class ExpectedFall:
    """When a loyalty metric should follow a drop of the Agent Experience Index."""

    expected_on: str
    expected_window: tuple[str, ...]
    lag_days: int


@dataclass(frozen=True)
class AgentDrop:
    """The Agent Experience Index drop behind an early warning."""

    index: float
    baseline: float
    drop_sd: float
    expected: ExpectedFall | None = omitted_when_none()


@dataclass(frozen=True)
class ChangeEstimate:
    estimate: float
    ci_low: float | None
    ci_high: float | None
    p_value: float | None = omitted_when_none()


@dataclass(frozen=True, kw_only=True)
class MaskingEvidence:
    """The changes against the reference months that made a month a masking month."""

    reference_months: tuple[str, ...]
    containment_change: ChangeEstimate | None
    resolution_change: ChangeEstimate | None
    ces_change: ChangeEstimate | None
    stage: str
    level: float | None


@dataclass(frozen=True, kw_only=True)
class Alert:
    """Something that fired: when, on which metric, who owns it and what to do."""

    kind: str
    period: str
    metric: str
    message: str
    owner: str
    action: str
    active: bool
    period_end: str | None = omitted_when_none()
    evidence: MaskingEvidence | None = omitted_when_none()
    trigger: TriggerSource | None = omitted_when_none()
    drop: AgentDrop | None = omitted_when_none()

    def sort_key(self) -> tuple[str, int, str, str]:
        order = {"containment_masking": 0, "stack_trigger": 1, "agent_experience_drop": 2}
        return (self.period, order.get(self.kind, 9), self.metric, self.message)
