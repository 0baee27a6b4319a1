"""Containment masking: months where containment rises while resolution or effort worsens.

"Containing by making it hard to reach a human" (metrics.md, Alerts). For each month *m* the
detector compares three measures with a **reference**: the pooled ``reference_months`` most recent
earlier months that were not themselves flagged. Month *m* is flagged when

* containment rises: the Newcombe interval of containment(m) − containment(ref) lies above 0, and
* resolution falls (Newcombe interval of FCR₇(m) − FCR₇(ref) below 0) **or** effort worsens
  (Welch interval of CES(m) − CES(ref) below 0; CES is 1–7, higher = easier).

Resolution and effort are measured on the **bot-entry contacts** (ai_only or escalated): the very
population containment is a share of. A genuine containment gain leaves their resolution level or
better; keeping would-be escalations in the bot lowers it. Unlike FCR over all contacts it does not
drift when volume moves between human-only and bot channels, and unlike FCR on ai_only contacts it
does not fall merely because the bot now takes harder contacts it resolves as well as agents did.
Flagged months leave the reference, so a sustained episode is compared with the months before it,
not with its own first month. See docs/metric-stack.md for the choice and its checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxroi.analyses.loyalty_stats import excludes_zero, welch_difference, with_small_cell
from cxroi.analyses.panel import CellStats, Panel, bot_entry, where
from cxroi.analyses.stack.settings import MaskingSettings
from cxroi.results.model.governance import Alert, ChangeEstimate, MaskingEvidence
from cxroi.results.model.masking import MaskingMonth, MaskingSection
from cxroi.stats.result import CannotCompute, Estimate, Result
from cxroi.stats.summary import Moments, Proportion, newcombe_difference

KIND = "containment_masking"
RESOLUTION_MEASURE = "fcr_7d on bot-entry contacts (ai_only + escalated)"
EFFORT_MEASURE = "mean CES (1-7, higher = easier) on bot-entry contacts"


@dataclass(frozen=True)
class MonthMoves:
    month: str
    containment: Result
    resolution: Result
    ces: Result
    reference: tuple[str, ...]
    containment_change: Result
    resolution_change: Result
    ces_change: Result
    flagged: bool

    @property
    def containment_rises(self) -> bool:
        return excludes_zero(self.containment_change) > 0

    @property
    def resolution_falls(self) -> bool:
        return excludes_zero(self.resolution_change) < 0

    @property
    def effort_worsens(self) -> bool:
        return excludes_zero(self.ces_change) < 0

    def message(self) -> str:
        ref = _span(self.reference)
        parts = [
            (
                f"containment {_level(self.containment)} "
                f"({_move(self.containment_change, 'pp')} vs {ref})"
            )
        ]
        if self.resolution_falls:
            parts.append(
                f"7-day FCR of bot-entry contacts {_level(self.resolution)} "
                f"({_move(self.resolution_change, 'pp')})"
            )
        if self.effort_worsens:
            parts.append(
                f"CES of bot-entry contacts {_level(self.ces, pct=False)} "
                f"({_move(self.ces_change, 'pts')})"
            )
        return (
            f"{self.month}: " + "; ".join(parts) + " - containment rose while customers fared worse"
        )


@dataclass(frozen=True)
class MaskingResult:
    settings: MaskingSettings
    months: tuple[MonthMoves, ...]
    has_surveys: bool
    min_cell: int = 10

    @property
    def flagged_months(self) -> tuple[str, ...]:
        return tuple(m.month for m in self.months if m.flagged)

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
                    m.reference,
                    _change(m.containment_change),
                    _change(m.resolution_change),
                    _change(m.ces_change),
                ),
            )
            for m in self.months
            if m.flagged
        ]

    def section(self) -> MaskingSection:
        rows = tuple(
            MaskingMonth(
                month=m.month,
                reference_months=m.reference,
                containment_rate=with_small_cell(m.containment, self.min_cell),
                resolution=with_small_cell(m.resolution, self.min_cell),
                ces=with_small_cell(m.ces, self.min_cell),
                containment_change=with_small_cell(m.containment_change, self.min_cell),
                resolution_change=with_small_cell(m.resolution_change, self.min_cell),
                ces_change=with_small_cell(m.ces_change, self.min_cell),
                containment_rises=m.containment_rises,
                resolution_falls=m.resolution_falls,
                effort_worsens=m.effort_worsens,
                flagged=m.flagged,
            )
            for m in self.months
        )
        return MaskingSection(
            method="month vs pooled reference of the previous unflagged months; flagged when "
            "the containment rise's 95% interval is above 0 and the resolution or CES change's "
            "95% interval is below 0 (Newcombe for shares, Welch for CES)",
            resolution_measure=RESOLUTION_MEASURE,
            effort_measure=EFFORT_MEASURE,
            reference_months=self.settings.reference_months,
            flagged_months=self.flagged_months,
            months=rows,
            effort_measure_note=None
            if self.has_surveys
            else "the dataset has no surveys table: only resolution is tested",
        )


def detect_masking(panel: Panel, settings: MaskingSettings, min_cell: int = 10) -> MaskingResult:
    months = panel.months
    stats = {m: panel.total(where(m, also=bot_entry)) for m in months}
    contain = {m: panel.containment(where(m)) for m in months}
    out: list[MonthMoves] = []
    flagged: set[str] = set()
    for i, month in enumerate(months):
        ref = tuple(p for p in months[:i] if p not in flagged)[-settings.reference_months :]
        cur = stats[month]
        moves = _moves(month, contain[month], cur, ref, contain, stats)
        if moves.containment_rises and (moves.resolution_falls or moves.effort_worsens):
            flagged.add(month)
            moves = MonthMoves(**{**moves.__dict__, "flagged": True})
        out.append(moves)
    return MaskingResult(settings, tuple(out), panel.has_surveys, min_cell)


def _moves(
    month: str,
    containment: Proportion,
    cur: CellStats,
    ref: tuple[str, ...],
    contain: dict[str, Proportion],
    stats: dict[str, CellStats],
) -> MonthMoves:
    c_now = containment.estimate(f"{month}: no ai_only or escalated contacts")
    r_now = cur.fcr.estimate(f"{month}: no bot-entry contact at least 7 days before as_of")
    e_now = cur.ces.mean(f"{month}: no CES answers on bot-entry contacts")
    if not ref:
        none = CannotCompute("no earlier month to compare with")
        return MonthMoves(month, c_now, r_now, e_now, ref, none, none, none, False)
    c_ref, s_ref = Proportion(), CellStats()
    for p in ref:
        c_ref, s_ref = c_ref + contain[p], s_ref + stats[p]
    why = f"{month} or its reference months lack the data"
    return MonthMoves(
        month,
        c_now,
        r_now,
        e_now,
        ref,
        newcombe_difference(containment, c_ref, f"{why} (ai_only or escalated contacts)"),
        newcombe_difference(cur.fcr, s_ref.fcr, f"{why} (eligible bot-entry contacts)"),
        welch_difference(
            cur.ces,
            s_ref.ces if s_ref.ces.n else Moments(),
            f"{why} (at least 2 CES answers on bot-entry contacts each side)",
        ),
        False,
    )


def _span(ref: tuple[str, ...]) -> str:
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
    return ChangeEstimate(r.estimate, r.ci_low, r.ci_high)
