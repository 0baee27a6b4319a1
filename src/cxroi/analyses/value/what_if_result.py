"""Typed results of "what if we stopped AI" (``value.what_if_stopped`` in results.json).

Every figure is a :class:`LabelledEstimate` (unit, horizon, evidence class, honest precision) or
a :class:`CannotCompute` with its reason. The lead's serialiser reads these dataclasses;
``what_if_json`` keeps today's results.json keys working until it does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from cxroi.analyses.value.uncertainty import LabelledEstimate
from cxroi.analyses.value.what_if_staffing import QueueDetail, WorkloadDetail
from cxroi.stats.result import CannotCompute, Result

FloatArray = npt.NDArray[np.float64]
Figure = LabelledEstimate | CannotCompute


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
    avoided_repeats: Figure
    """Repeats that would not happen: ``failure_repeat_share`` x the AI's excess repeats."""


@dataclass(frozen=True)
class Effort:
    """CES of the moved contacts today and, standardised by intent x channel, with humans.

    Descriptive: customers who answer surveys after AI and after humans differ in more than the
    handling (the cell standardisation removes intent and channel mix only).
    """

    ces_ai_assisted_today: Figure
    ces_with_humans: Figure
    difference: Figure
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
    fte_today: Figure
    fte_without_ai: Figure
    extra_fte: Figure
    staffed_per_modelled_fte: Figure
    """Average staffed headcount / modelled FTE today (1 = the model matches the staffing)."""
    extra_share_of_staffed: Figure
    """Extra FTE as a share of today's staffed headcount."""
    extra_headcount_at_staffed_ratio: Figure
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
    extra_cost: Figure


@dataclass(frozen=True)
class WhatIfResult:
    period: Period
    extra_cost: Figure
    extra_handle_hours: Figure
    volume: Volume | CannotCompute
    effort: Effort | CannotCompute
    staffing: Staffing | CannotCompute
    revenue_protected_lost: Result
    """The board's revenue-protected figure, passed through: what AI keeps that would be lost."""
    pricing: tuple[PricingShare, ...]
    monthly: tuple[MonthlyCost, ...]


@dataclass(frozen=True, eq=False)
class CostSeries:
    """The monthly extra cost (= the AI's cost saving) for the ROI: row 0 central, then draws."""

    months: tuple[str, ...]
    values: FloatArray


__all__ = [
    "CostSeries",
    "Effort",
    "Figure",
    "MonthlyCost",
    "Patience",
    "Period",
    "PricingShare",
    "Staffing",
    "StaffingModel",
    "Volume",
    "WhatIfResult",
]
