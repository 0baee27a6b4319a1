"""``value.what_if_stopped``, ``value.roi`` and ``value.assumptions``: scenarios and worksheets.

Every figure is a :class:`~cxroi.results.model.money.Figure` (horizon, evidence class, honest
precision) or a :class:`CannotCompute` with its reason. Methods: docs/what-if-roi.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cxroi.results.layout import derived, omitted_when_none, spec
from cxroi.results.model.money import Figure, RevenueProtected
from cxroi.stats.result import CannotCompute, Unit


@dataclass(frozen=True)
class QueueDetail:
    """A live channel in the central case: arrivals, handle time and agents at the peak hour."""

    channel: str
    contacts_today: float
    contacts_without_ai: float
    aht_seconds_today: float | None
    aht_seconds_without_ai: float | None
    peak_agents_today_erlang_c: int
    peak_agents_without_ai_erlang_c: int
    peak_agents_today_erlang_a: int
    peak_agents_without_ai_erlang_a: int
    agent_hours_today_erlang_a: float
    agent_hours_without_ai_erlang_a: float


@dataclass(frozen=True)
class WorkloadDetail:
    """An asynchronous channel (or outbound work) in the central case: hours of work."""

    channel: str
    handle_hours_today: float
    handle_hours_without_ai: float


FigureResult = Figure | CannotCompute


@dataclass(frozen=True)
class Period:
    """The calendar months the 12-month figures cover."""

    first_month: str
    last_month: str
    months: int
    annualised: bool
    """True when fewer than 12 months exist and totals were scaled up to 12."""


@dataclass(frozen=True)
class PricingShare:
    """Share of the period's AI-assisted volume whose human reference came from ``level``."""

    statistic: str
    level: str
    share: float


@dataclass(frozen=True)
class Volume:
    """Contacts of the period (12-month basis) that the scenario moves."""

    ai_only_contacts: float
    hybrid_contacts: float
    avoided_repeats: FigureResult
    """Repeats that would not happen: ``failure_repeat_share`` x the AI's excess repeats."""


@dataclass(frozen=True)
class Effort:
    """CES of the moved contacts today and, standardised by intent x channel, with humans.

    Descriptive: customers who answer surveys after AI and after humans differ in more than the
    handling (the cell standardisation removes intent and channel mix only).
    """

    ces_ai_assisted_today: FigureResult
    ces_with_humans: FigureResult
    difference: FigureResult
    """``ces_with_humans - ces_ai_assisted_today``: positive = humans were rated easier."""
    reference_coverage: float
    """Share of the AI-assisted volume whose cells have a human CES reference."""


@dataclass(frozen=True)
class Patience:
    """Mean caller patience used by Erlang A, and where it came from."""

    source: Literal["estimated", "assumed"]
    mean_seconds: float
    note: str


@dataclass(frozen=True)
class StaffingModel:
    """FTE needed by one queueing model, and how it compares with the agents actually staffed."""

    model: Literal["erlang_c", "erlang_a"]
    fte_today: FigureResult
    fte_without_ai: FigureResult
    extra_fte: FigureResult
    staffed_per_modelled_fte: FigureResult
    """Average staffed headcount / modelled FTE today (1 = the model matches the staffing)."""
    extra_share_of_staffed: FigureResult
    """Extra FTE as a share of today's staffed headcount."""
    extra_headcount_at_staffed_ratio: FigureResult
    """Extra FTE x staffed / modelled: the extra people if the centre keeps today's ratio."""


@dataclass(frozen=True)
class Staffing:
    design_month: str
    weeks_in_month: float
    erlang_c: StaffingModel
    erlang_a: StaffingModel
    staffed_headcount: int | CannotCompute
    staffed_average_headcount: float | None
    patience: Patience
    queues: tuple[QueueDetail, ...]
    workloads: tuple[WorkloadDetail, ...]
    explanation: str
    """Why modelled and staffed differ, in words, from the numbers above."""


@dataclass(frozen=True)
class MonthlyCost:
    """Extra cost of one calendar month's AI volume moved to humans (central, interval)."""

    month: str
    extra_cost: FigureResult


@dataclass(frozen=True, kw_only=True)
class WhatIfResult:
    period: Period
    extra_cost: FigureResult
    extra_handle_hours: FigureResult
    volume: Volume | CannotCompute
    effort: Effort | CannotCompute
    staffing: Staffing | CannotCompute
    revenue_protected_lost: RevenueProtected | CannotCompute = spec(unit=Unit.MONEY)
    """The board's revenue-protected figure, passed through: what AI keeps that would be lost."""
    pricing: tuple[PricingShare, ...]
    monthly: tuple[MonthlyCost, ...]

    @derived(unit=Unit.FTE)
    def extra_agents(self) -> FigureResult:
        """The contract's ``extra_agents``: extra FTE without AI by Erlang A (callers abandon),
        the more realistic of the two queueing models; a view of ``staffing.erlang_a``."""
        s = self.staffing
        return s if isinstance(s, CannotCompute) else s.erlang_a.extra_fte


@dataclass(frozen=True)
class BenefitLine:
    name: str
    value_12m: Figure
    margin_factor: float
    spread_evenly: bool
    """No monthly values were given: the 12-month figure was spread over the window's months."""


@dataclass(frozen=True)
class Tco:
    licences_and_run_12m: Figure
    amortised_implementation_12m: Figure
    implementation_one_off: Figure
    total_12m: Figure


@dataclass(frozen=True)
class TrailingWindow:
    """The 12 months ending at a month: each benefit, their total, the TCO and the ROI."""

    benefits: dict[str, Figure]
    total_benefit: Figure
    tco: Figure
    roi: Figure
    p_roi_positive: float


@dataclass(frozen=True)
class RoiMonth:
    month: str
    benefits: dict[str, float | None]
    """Central value of each benefit in this month (None = unknown)."""
    licences_and_run_cost: float
    amortised_implementation: float
    net: float | None
    trailing_12m: TrailingWindow | CannotCompute


@dataclass(frozen=True)
class RoiWorksheet:
    """The ROI worksheet: benefits and the cost of ownership on one rolling 12-month horizon."""

    roi: Figure | CannotCompute
    """(12-month benefits - TCO) / TCO over the latest window; 1.0 = 100%."""
    p_roi_positive: float | None
    payback_months: Figure | CannotCompute
    p_never_pays_back: float | None
    benefits: tuple[BenefitLine, ...]
    excluded_benefits: dict[str, str]
    total_benefit: Figure | CannotCompute
    tco: Tco
    tco_source: Literal["default", "configured"]
    illustrative: bool
    window: Period | None
    monthly: tuple[RoiMonth, ...]


Source = Literal["default", "configured", "structural"]


@dataclass(frozen=True)
class Range:
    """An uncertain input: triangular(low, mode, high)."""

    low: float
    mode: float
    high: float


@dataclass(frozen=True, kw_only=True)
class AssumptionRow:
    """One assumption: a setting (default or configured) or a structural choice of method.

    Its value is a number, a text or a range, whichever the assumption is.
    """

    key: str
    source: Source
    meaning: str
    number: float | None = omitted_when_none()
    text: str | None = omitted_when_none()
    range: Range | None = omitted_when_none()


@dataclass(frozen=True, kw_only=True)
class Roi(Figure):
    """ROI over the latest 12 months, (benefits − TCO) / TCO (1.0 = 100%), and its payback.

    ``illustrative`` when the costs are defaults rather than configured: the report then shows the
    ROI only under an "illustrative — configure your costs" banner, never as a key message.
    """

    p_roi_positive: float | None
    payback_months: Figure | CannotCompute
    p_never_pays_back: float | None
    tco_source: Literal["default", "configured"]
    illustrative: bool
