"""Typed results of the masking detector: per-month evidence, the flagged months, the alerts.

Every number is an :class:`Estimate` (with its customer-clustered 95% interval) or a
:class:`CannotCompute` with the reason; a change against the reference months is a :class:`Move`,
an Estimate that also carries its one-sided test in the masking direction.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxroi.analyses.loyalty_stats import with_small_cell
from cxroi.analyses.masking.settings import MaskingSettings
from cxroi.results.model.governance import Alert, ChangeEstimate, MaskingEvidence
from cxroi.results.model.masking import (
    Change,
    MaskingMonth,
    MaskingSection,
    MinimumMoves,
    Move,
)
from cxroi.stats.result import CannotCompute, Estimate, Result

KIND = "containment_masking"
POPULATION = "bot-entry contacts (ai_only + escalated)"
RESOLUTION_MEASURE = "fcr_7d on bot-entry contacts (ai_only + escalated)"
EFFORT_MEASURE = "mean CES (1-7, higher = easier) on bot-entry contacts"
NOT_TESTED, FAMILY, EPISODE = "not tested", "family-wise", "episode"


@dataclass(frozen=True)
class MonthEvidence:
    month: str
    reference: tuple[str, ...]
    containment: Result  # levels, with customer-clustered intervals
    resolution: Result
    ces: Result
    containment_change: Change
    resolution_change: Change  # intent-adjusted unless adjust_for_intent = false
    ces_change: Change
    level: float | None  # the level the month was last judged at (None: never tested)
    stage: str  # NOT_TESTED, FAMILY (level alpha / tests) or EPISODE (next to a flagged month)
    containment_rises: bool
    resolution_falls: bool
    effort_worsens: bool
    flagged: bool

    def message(self) -> str:
        ref = _span(self.reference)
        parts = [
            f"containment {_level(self.containment)} "
            f"({_move(self.containment_change, 'pp')} vs {ref})"
        ]
        if self.resolution_falls:
            parts.append(
                f"7-day FCR of bot-entry contacts {_level(self.resolution)} "
                f"({_move(self.resolution_change, 'pp')} at the same intent mix)"
            )
        if self.effort_worsens:
            parts.append(
                f"CES of bot-entry contacts {_level(self.ces, pct=False)} "
                f"({_move(self.ces_change, 'pts')} at the same intent mix)"
            )
        return (
            f"{self.month}: " + "; ".join(parts) + " - containment rose while customers fared worse"
        )


@dataclass(frozen=True)
class MaskingResult:
    settings: MaskingSettings
    months: tuple[MonthEvidence, ...]
    has_surveys: bool
    tests: int  # months compared with a reference: the family alpha is split over
    method: str
    min_cell: int = 10

    @property
    def flagged_months(self) -> tuple[str, ...]:
        return tuple(m.month for m in self.months if m.flagged)

    @property
    def family_level(self) -> float:
        return self.settings.alpha / max(self.tests, 1)

    def alerts(self) -> list[Alert]:
        last = self.months[-1].month if self.months else ""
        return [
            Alert(
                kind=KIND,
                period=m.month,
                metric="containment_rate",
                message=m.message(),
                owner=self.settings.owner,
                action=self.settings.action,
                active=m.month == last,
                evidence=MaskingEvidence(
                    reference_months=m.reference,
                    containment_change=_change(m.containment_change),
                    resolution_change=_change(m.resolution_change),
                    ces_change=_change(m.ces_change),
                    stage=m.stage,
                    level=m.level,
                ),
            )
            for m in self.months
            if m.flagged
        ]

    def section(self) -> MaskingSection:
        s = self.settings
        return MaskingSection(
            method=self.method,
            population=POPULATION,
            resolution_measure=RESOLUTION_MEASURE,
            effort_measure=EFFORT_MEASURE,
            adjusted_for_intent=s.adjust_for_intent,
            reference_months=s.reference_months,
            alpha=s.alpha,
            tests=self.tests,
            family_level=self.family_level,
            minimum_moves=MinimumMoves(
                s.min_containment_rise, s.min_resolution_fall, s.min_effort_fall
            ),
            flagged_months=self.flagged_months,
            months=tuple(self._row(m) for m in self.months),
            effort_measure_note=None
            if self.has_surveys
            else "the dataset has no surveys table: only resolution is tested",
        )

    def _row(self, m: MonthEvidence) -> MaskingMonth:
        cell = self.min_cell
        return MaskingMonth(
            month=m.month,
            reference_months=m.reference,
            containment_rate=with_small_cell(m.containment, cell),
            resolution=with_small_cell(m.resolution, cell),
            ces=with_small_cell(m.ces, cell),
            containment_change=with_small_cell(m.containment_change, cell),
            resolution_change=with_small_cell(m.resolution_change, cell),
            ces_change=with_small_cell(m.ces_change, cell),
            tested_at=m.level,
            stage=m.stage,
            containment_rises=m.containment_rises,
            resolution_falls=m.resolution_falls,
            effort_worsens=m.effort_worsens,
            flagged=m.flagged,
        )


def _span(ref: tuple[str, ...]) -> str:
    if not ref:
        return "no reference"
    return ref[0] if len(ref) == 1 else f"{ref[0]}..{ref[-1]}"


def _level(r: Result, pct: bool = True) -> str:
    if isinstance(r, CannotCompute):
        return "n/a"
    return f"{r.estimate:.1%}" if pct else f"{r.estimate:.2f}"


def _move(r: Result, unit: str) -> str:
    if not isinstance(r, Estimate) or r.ci_low is None or r.ci_high is None:
        return "n/a"
    k = 100.0 if unit == "pp" else 1.0
    fmt = "+.1f" if unit == "pp" else "+.2f"
    return f"{k * r.estimate:{fmt}} {unit}, 95% CI {k * r.ci_low:{fmt}} to {k * r.ci_high:{fmt}}"


def _change(r: Result) -> ChangeEstimate | None:
    if not isinstance(r, Estimate):
        return None
    p_value = r.p_value if isinstance(r, Move) else None
    return ChangeEstimate(r.estimate, r.ci_low, r.ci_high, p_value)
