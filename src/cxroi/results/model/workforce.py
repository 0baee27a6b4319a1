"""``workforce``: agent turnover and tenure, and how AI assistance helps novice vs experienced agents.

Methods: docs/value.md (workforce).
"""

from __future__ import annotations

from dataclasses import dataclass

from cxroi.results.model.money import Effect
from cxroi.stats.result import CannotCompute, Estimate, Result


@dataclass(frozen=True)
class TurnoverRate:
    """Leavers per agent-year over the period, for one kind of leaving."""

    kind: str  # "all", "voluntary", "involuntary" or "reason_not_given"
    leavers: int
    rate: Estimate  # per agent-year, exact Poisson interval
    annual_probability: Estimate  # 1 - exp(-rate), same interval mapped


@dataclass(frozen=True)
class TenureBand:
    label: str
    agents: int
    small_cell: bool


@dataclass(frozen=True)
class Tenure:
    employed_at_end: int
    median_months: float | None
    p25_months: float | None
    p75_months: float | None
    bands: tuple[TenureBand, ...]
    early_leaver_share: Result  # leavers in the period who left within the novice months


@dataclass(frozen=True)
class Turnover:
    period_start: str
    period_end: str
    agent_years: float
    headcount_start: int
    headcount_end: int
    rates: tuple[TurnoverRate, ...]
    tenure: Tenure


@dataclass(frozen=True)
class GroupEffect:
    """The effect of AI assistance on one group's assisted contacts."""

    group: str
    assisted_contacts: int
    comparison_contacts: int
    handle_seconds: Effect | CannotCompute  # per assisted contact
    handle_relative: Effect | CannotCompute  # share of the unassisted handle time
    productivity: Effect | CannotCompute  # contacts per handle-hour, relative
    resolution: Effect | CannotCompute  # difference in the resolved share


@dataclass(frozen=True)
class AssistEffects:
    definition: str
    novice_months: int
    resolution_window_days: int
    agents: int
    groups: tuple[GroupEffect, ...]
    handle_relative_gap: Effect | CannotCompute  # novice - experienced
    resolution_gap: Effect | CannotCompute


@dataclass(frozen=True)
class WorkforceResult:
    turnover: Turnover | CannotCompute
    assist: AssistEffects | CannotCompute
