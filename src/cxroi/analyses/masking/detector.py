"""Containment masking: months where containment rises while resolution or effort worsens.

"Containing by making it hard to reach a human" (docs/metrics.md#alerts). Each month *m* is compared
with its **reference**: the pooled ``reference_months`` most recent earlier months not flagged
themselves (so a sustained episode is compared with the months before it). Three moves, each a
contrast of monthly levels with a customer-clustered standard error that includes the covariance
between the month and its reference (the same customers appear in both):

* containment(m) − containment(ref) on bot-entry contacts, as reported;
* 7-day FCR(m) − FCR(ref) and mean CES(m) − CES(ref) of bot-entry contacts, each at the month's
  own intent mix (observed minus intent-expected, :mod:`cxroi.stats.clustered_series`), so a
  drifting intent mix is not read as customers faring worse.

A month is **masking at level a** when containment rises (estimate ≥ ``min_containment_rise``,
one-sided p ≤ a) **and** FCR falls or CES worsens (estimate beyond ``min_resolution_fall`` or
``min_effort_fall``, one-sided p ≤ a/2: Bonferroni over the two measures; a/1 without surveys).
The month's null — containment does not rise, or nothing worsens — is a union, so each part is
tested at the month's level (intersection–union test).

**Multiplicity over months.** Stage 1 judges every month with a reference at ``alpha / K`` (K
months compared): Bonferroni, so in a history without masking the chance of any false month is at
most ``alpha`` whatever the dependence between months, and it stays valid with the sequential
reference (before the first false flag every reference is what it would be with no flag at all).
Stage 2 (``extend_episodes``) judges the unflagged neighbours of flagged months at level
``alpha / 2`` each (Bonferroni over an episode's two edges), outward while months pass: masking
comes in episodes, and a month next to one needs less evidence. Stage 2 only runs after a
stage-1 flag, so the no-masking guarantee is unchanged; what it costs, a month next to a real
episode wrongly added (at most about ``alpha`` per episode), is measured in
docs/metric-stack.md.
Months flagged in stage 2 keep their place in later references, which only makes the later
comparisons conservative.
"""

from __future__ import annotations

import math
from typing import Self

from scipy import stats as sps

from cxroi.analyses.masking.result import (
    EPISODE,
    FAMILY,
    NOT_TESTED,
    MaskingResult,
    MonthEvidence,
)
from cxroi.analyses.masking.series import MaskingSeries
from cxroi.analyses.masking.settings import MaskingSettings
from cxroi.analyses.panel import Panel
from cxroi.results.model.masking import Change, Move
from cxroi.stats.clustered_series import ClusteredSeries
from cxroi.stats.result import CannotCompute, Estimate, Result
from cxroi.stats.summary import Z95

LEVEL_METHOD = "customer-clustered normal interval"
MOVE_METHOD = "month minus pooled reference months; customer-clustered se with cross-month covariance"


class MaskingDetector:
    """Fit on a :class:`MaskingSeries`; ``months_`` holds the per-month evidence."""

    def __init__(self, settings: MaskingSettings | None = None) -> None:
        self.settings = settings or MaskingSettings()

    def fit(self, series: MaskingSeries) -> Self:
        s = self.settings
        months = series.months
        self.series_ = series
        self.tests_ = max(len(months) - 1, 0)
        self.splits_ = 2 if series.has_surveys else 1
        family = s.alpha / max(self.tests_, 1)
        evidence: dict[str, MonthEvidence] = {}
        flagged: set[str] = set()
        for i, month in enumerate(months):
            ref = tuple(p for p in months[:i] if p not in flagged)[-s.reference_months :]
            ev = self._judge(month, ref, family if ref else None, FAMILY)
            evidence[month] = ev
            if ev.flagged:
                flagged.add(month)
        if s.extend_episodes and flagged:
            self._extend(months, evidence, flagged)
        self.months_ = tuple(evidence[m] for m in months)
        return self

    def _extend(
        self, months: tuple[str, ...], evidence: dict[str, MonthEvidence], flagged: set[str]
    ) -> None:
        """Stage 2: neighbours of flagged months at level alpha / 2, outward while they pass."""
        tried: set[str] = set()
        grown = True
        while grown:
            grown = False
            for i, month in enumerate(months):
                near = {months[j] for j in (i - 1, i + 1) if 0 <= j < len(months)}
                if month in flagged or month in tried or not near & flagged:
                    continue
                tried.add(month)
                ev = evidence[month]
                if not ev.reference:
                    continue
                ev = self._judge(month, ev.reference, self.settings.alpha / 2, EPISODE)
                evidence[month] = ev
                if ev.flagged:
                    flagged.add(month)
                    grown = True

    def _resolution(self) -> ClusteredSeries | None:
        sr = self.series_
        return sr.resolution_adjusted if self.settings.adjust_for_intent else sr.resolution

    def _effort(self) -> ClusteredSeries | None:
        sr = self.series_
        return sr.effort_adjusted if self.settings.adjust_for_intent else sr.effort

    def _judge(
        self, month: str, ref: tuple[str, ...], level: float | None, stage: str
    ) -> MonthEvidence:
        s, sr = self.settings, self.series_
        c = _move(sr.containment, month, ref, +1, s.min_containment_rise, "bot-entry contacts")
        r = _move(self._resolution(), month, ref, -1, s.min_resolution_fall, "eligible bot-entry contacts")
        e = _move(self._effort(), month, ref, -1, s.min_effort_fall, "CES answers on bot-entry contacts")
        rises = falls = worsens = False
        if level is not None:
            rises = isinstance(c, Move) and c.passes(level)
            falls = isinstance(r, Move) and r.passes(level / self.splits_)
            worsens = self.splits_ == 2 and isinstance(e, Move) and e.passes(level / self.splits_)
        return MonthEvidence(
            month=month,
            reference=ref,
            containment=_level(sr.containment, month, "no ai_only or escalated contacts", True),
            resolution=_level(sr.resolution, month, "no bot-entry contact eligible for 7 days", True),
            ces=_level(sr.effort, month, "no CES answers on bot-entry contacts", False),
            containment_change=c,
            resolution_change=r,
            ces_change=e,
            level=level,
            stage=stage if level is not None else NOT_TESTED,
            containment_rises=rises,
            resolution_falls=falls,
            effort_worsens=worsens,
            flagged=rises and (falls or worsens),
        )

    def result(self, min_cell: int = 10) -> MaskingResult:
        return MaskingResult(
            self.settings,
            self.months_,
            self.series_.has_surveys,
            self.tests_,
            method(self.settings, self.series_.has_surveys),
            min_cell,
        )


def detect_masking(
    panel: Panel, settings: MaskingSettings, min_cell: int = 10
) -> MaskingResult:
    """The detector on the panel's masking series (an empty result when the panel has none)."""
    s = settings
    series = panel.masking or MaskingSeries(None, None, None, None, None, panel.has_surveys, ())
    return MaskingDetector(s).fit(series).result(min_cell)


def method(s: MaskingSettings, has_surveys: bool) -> str:
    measures = "7-day FCR or CES" if has_surveys else "7-day FCR"
    mix = " at the month's own intent mix" if s.adjust_for_intent else ""
    extension = (
        f"; then neighbours of flagged months at level {s.alpha / 2:g} (episode extension)"
        if s.extend_episodes
        else ""
    )
    return (
        f"each month vs the pooled {s.reference_months} previous unflagged months on bot-entry "
        f"contacts; flagged when containment rises by at least {100 * s.min_containment_rise:g} pp "
        f"and {measures}{mix} worsens by at least {100 * s.min_resolution_fall:g} pp "
        f"(CES {s.min_effort_fall:g} points), one-sided tests with customer-clustered standard "
        f"errors at level {s.alpha:g} / months compared (Bonferroni; the worsening level split "
        f"over the measures){extension}"
    )


def _move(
    series: ClusteredSeries | None,
    month: str,
    ref: tuple[str, ...],
    direction: int,
    minimum: float,
    units: str,
) -> Change:
    if not ref:
        return CannotCompute("no earlier month to compare with")
    if series is None or not series.has(month):
        return CannotCompute(f"{month} has no {units}")
    pool = [p for p in ref if series.has(p)]
    if not pool:
        return CannotCompute(f"the reference months have no {units}")
    size = {p: series.units[series.months.index(p)] for p in pool}
    total = sum(size.values())
    weights = {month: 1.0, **{p: -size[p] / total for p in pool}}
    diff, se = series.contrast(weights)
    if not math.isfinite(se) or not math.isfinite(diff):
        return CannotCompute(f"{month}: too few customers for a clustered standard error")
    toward = direction * diff
    if se > 0:
        p = float(sps.norm.sf(toward / se))
    else:
        p = 0.0 if toward > 0 else 1.0
    n_month = series.units[series.months.index(month)]
    return Move(
        diff,
        diff - Z95 * se,
        diff + Z95 * se,
        method=MOVE_METHOD,
        n=round(n_month + total),
        se=se,
        p_value=p,
        minimum=minimum,
        beyond_minimum=toward >= minimum,
    )


def _level(series: ClusteredSeries | None, month: str, reason: str, share: bool) -> Result:
    if series is None or not series.has(month):
        return CannotCompute(f"{month}: {reason}")
    i = series.months.index(month)
    value, se = series.level[i], series.se(month)
    low, high = value - Z95 * se, value + Z95 * se
    if share:
        low, high = max(low, 0.0), min(high, 1.0)
    return Estimate(value, low, high, method=LEVEL_METHOD, n=round(series.units[i]), se=se)
