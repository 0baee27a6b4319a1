"""``chain`` and ``escalation_quality``: how each AI touchpoint fares along the loyalty chain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cxroi.io.contract import AI_TOUCHPOINTS, SELF_SERVICE_TOUCHPOINTS
from cxroi.results.layout import omitted_when_none, spec
from cxroi.stats.result import CannotCompute, ContrastResult, Estimate, Result, Unit

LinkStatus = Literal["positive", "negative", "inconclusive", "unknown"]
LINKS: tuple[str, ...] = ("effort", "resolution", "sentiment", "behaviour")
STATUSES: tuple[str, ...] = ("positive", "negative", "inconclusive", "unknown")


@dataclass(frozen=True)
class EffortMeasures:
    ces: ContrastResult = spec(unit=Unit.SCORE_DIFFERENCE)


@dataclass(frozen=True)
class ResolutionMeasures:
    fcr_7d: ContrastResult = spec(unit=Unit.DIFFERENCE)


@dataclass(frozen=True)
class SentimentMeasures:
    csat: ContrastResult = spec(unit=Unit.DIFFERENCE)
    nps: ContrastResult = spec(unit=Unit.NPS_DIFFERENCE)
    sentiment_shift: ContrastResult = spec(unit=Unit.SCORE_DIFFERENCE)


@dataclass(frozen=True)
class BehaviourMeasures:
    retention: ContrastResult = spec(unit=Unit.DIFFERENCE)
    spend: ContrastResult = spec(unit=Unit.MONEY)


Measures = EffortMeasures | ResolutionMeasures | SentimentMeasures | BehaviourMeasures


def measures_of(m: Measures) -> dict[str, ContrastResult]:
    """A link's measures by name (the names the stack and the report show)."""
    return {name: getattr(m, name) for name in type(m).__dataclass_fields__}


@dataclass(frozen=True)
class EffortLink:
    status: LinkStatus
    measures: EffortMeasures
    note: str | None = omitted_when_none()


@dataclass(frozen=True)
class ResolutionLink:
    status: LinkStatus
    measures: ResolutionMeasures
    note: str | None = omitted_when_none()


@dataclass(frozen=True)
class SentimentLink:
    status: LinkStatus
    measures: SentimentMeasures
    note: str | None = omitted_when_none()


@dataclass(frozen=True)
class BehaviourLink:
    status: LinkStatus
    measures: BehaviourMeasures
    note: str | None = omitted_when_none()


ChainLink = EffortLink | ResolutionLink | SentimentLink | BehaviourLink


@dataclass(frozen=True)
class ChainLinks:
    """Effort → resolution → sentiment → behaviour for one touchpoint, each vs the baseline."""

    effort: EffortLink
    resolution: ResolutionLink
    sentiment: SentimentLink
    behaviour: BehaviourLink

    def items(self) -> tuple[tuple[str, ChainLink], ...]:
        return tuple((name, getattr(self, name)) for name in LINKS)


@dataclass(frozen=True)
class ChainTouchpoint:
    contacts: int
    links: ChainLinks


@dataclass(frozen=True)
class StatusCounts:
    positive: int
    negative: int
    inconclusive: int
    unknown: int


@dataclass(frozen=True)
class ChainPriority:
    """An unknown link: what data would make it measurable."""

    touchpoint: str
    link: str
    reason: str
    unlock: str


@dataclass(frozen=True)
class ChainSection:
    """The loyalty signal chain per AI touchpoint (descriptive contrasts with the baseline)."""

    baseline: str
    baseline_contacts: int
    statuses: str
    behaviour_note: str
    touchpoints: dict[str, ChainTouchpoint] = spec(keys=AI_TOUCHPOINTS)
    status_counts: StatusCounts = spec()
    priorities: tuple[ChainPriority, ...] = spec()


@dataclass(frozen=True, kw_only=True)
class EscalationScore(Estimate):
    """The escalation quality score: a weighted mean of the components that have data."""

    weights: dict[str, float]


@dataclass(frozen=True)
class EscalationComponents:
    """Each in [0, 1]: context passed, resolved without repeat, post-escalation CSAT, QA score."""

    context_passed: Result = spec(unit=Unit.FRACTION)
    resolved_without_repeat: Result = spec(unit=Unit.FRACTION)
    post_escalation_csat: Result = spec(unit=Unit.FRACTION)
    qa_score: Result = spec(unit=Unit.FRACTION)


@dataclass(frozen=True)
class EscalationCell:
    """The score over one touchpoint's escalations."""

    score: EscalationScore | CannotCompute = spec(unit=Unit.FRACTION)
    escalated_contacts: int = 0
    components: EscalationComponents | None = omitted_when_none()


@dataclass(frozen=True)
class EscalationMonth:
    month: str
    score: EscalationScore | CannotCompute = spec(unit=Unit.FRACTION)
    escalated_contacts: int = 0


@dataclass(frozen=True)
class EscalationSection:
    """How well prepared the agent is when the AI hands over."""

    definition: str
    escalated_contacts: int
    weights: dict[str, float]
    score: EscalationScore | CannotCompute = spec(unit=Unit.FRACTION)
    components: EscalationComponents = spec()
    components_used: tuple[str, ...] = spec()
    by_touchpoint: dict[str, EscalationCell] = spec(keys=(*SELF_SERVICE_TOUCHPOINTS, "unknown"))
    monthly: tuple[EscalationMonth, ...] = spec()
