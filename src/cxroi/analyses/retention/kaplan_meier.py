"""Kaplan–Meier survival with Greenwood variance and log(−log) 95% intervals.

The same numbers as lifelines' ``KaplanMeierFitter`` (its default interval is also the
log(−log) "exponential Greenwood" one), computed on arrays so a curve costs one sort.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxroi.results.model.retention import KaplanMeierRetention, NaiveDelta
from cxroi.stats.result import CannotCompute
from cxroi.stats.summary import Z95

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CurvePoint:
    day: float
    survival: float
    ci_low: float | None
    ci_high: float | None
    se: float
    at_risk: int  # customers still followed at ``day`` (n(t) of the step at or after it)
    events: int  # events up to and including ``day``


class KaplanMeier:
    """``fit(durations, events)`` then read survival at any time; times in days."""

    def fit(self, durations: Array, events: npt.NDArray[np.bool_]) -> KaplanMeier:
        t = np.asarray(durations, dtype=np.float64)
        d = np.asarray(events, dtype=bool)
        self.n_ = len(t)
        self.max_time_ = float(t.max()) if len(t) else 0.0
        times, inverse = np.unique(t, return_inverse=True)
        deaths = np.bincount(inverse, weights=d.astype(np.float64), minlength=len(times))
        leaving = np.bincount(inverse, minlength=len(times)).astype(np.float64)
        at_risk = self.n_ - np.concatenate([[0.0], np.cumsum(leaving)[:-1]])
        keep = deaths > 0
        self.times_ = times[keep]
        self.deaths_ = deaths[keep]
        self.at_risk_ = at_risk[keep]
        factor = 1.0 - self.deaths_ / self.at_risk_
        self.survival_ = np.cumprod(factor)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = self.deaths_ / (self.at_risk_ * (self.at_risk_ - self.deaths_))
        # Once everyone at risk has died the Greenwood sum is infinite; so is the log scale.
        self.greenwood_ = np.cumsum(np.where(np.isfinite(terms), terms, np.inf))
        self._all_times = times
        self._all_at_risk = at_risk
        return self

    def _index(self, day: float) -> int:
        return int(np.searchsorted(self.times_, day, side="right")) - 1

    def survival_at(self, day: float) -> float:
        i = self._index(day)
        return 1.0 if i < 0 else float(self.survival_[i])

    def variance_at(self, day: float) -> float:
        """Greenwood variance S(t)² Σ d/(n(n−d)) (0 before the first event)."""
        i = self._index(day)
        if i < 0:
            return 0.0
        s, g = float(self.survival_[i]), float(self.greenwood_[i])
        return 0.0 if s == 0.0 else s * s * g

    def at_risk_at(self, day: float) -> int:
        pos = int(np.searchsorted(self._all_times, day, side="left"))
        return 0 if pos >= len(self._all_times) else int(self._all_at_risk[pos])

    def events_until(self, day: float) -> int:
        i = self._index(day)
        return 0 if i < 0 else int(self.deaths_[: i + 1].sum())

    def interval_at(self, day: float) -> tuple[float | None, float | None]:
        """Log(−log) interval: S^{exp(±z·√(Σd/(n(n−d)))/log S)}."""
        i = self._index(day)
        if i < 0:
            return 1.0, 1.0
        s, g = float(self.survival_[i]), float(self.greenwood_[i])
        if s <= 0.0 or not math.isfinite(g):
            return None, None
        if s >= 1.0:
            return 1.0, 1.0
        half = Z95 * math.sqrt(g) / math.log(s)
        return s ** math.exp(-half), s ** math.exp(half)

    def point(self, day: float) -> CurvePoint:
        low, high = self.interval_at(day)
        return CurvePoint(
            day=float(day),
            survival=self.survival_at(day),
            ci_low=low,
            ci_high=high,
            se=math.sqrt(self.variance_at(day)),
            at_risk=self.at_risk_at(day),
            events=self.events_until(day),
        )

    def estimate_at(self, day: float, what: str) -> KaplanMeierRetention | CannotCompute:
        """S(day) as an Estimate, or a refusal when follow-up never reaches ``day``."""
        if self.n_ == 0:
            return CannotCompute(f"no customers in {what}")
        if self.max_time_ < day and self.survival_at(day) > 0.0:
            return CannotCompute(
                f"no customer in {what} was followed for {day:g} days (longest follow-up "
                f"{self.max_time_:.0f} days): survival there is not identified"
            )
        p = self.point(day)
        return KaplanMeierRetention(
            p.survival,
            p.ci_low,
            p.ci_high,
            method="kaplan-meier, log(-log) greenwood",
            n=self.n_,
            se=p.se,
            at_risk=p.at_risk,
        )

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "day": self.times_,
                "at_risk": self.at_risk_,
                "events": self.deaths_,
                "survival": self.survival_,
            }
        )


def difference_at(
    a: KaplanMeier, b: KaplanMeier, day: float, what: str
) -> NaiveDelta | CannotCompute:
    """S_a(day) − S_b(day), independent groups, normal interval from the Greenwood variances."""
    for km, name in ((a, "the AI-assisted group"), (b, "the human-only group")):
        check = km.estimate_at(day, name)
        if isinstance(check, CannotCompute):
            return CannotCompute(f"{what}: {check.reason}")
    diff = a.survival_at(day) - b.survival_at(day)
    se = math.sqrt(a.variance_at(day) + b.variance_at(day))
    return NaiveDelta(
        diff,
        max(diff - Z95 * se, -1.0),
        min(diff + Z95 * se, 1.0),
        method="difference of kaplan-meier estimates, greenwood normal interval",
        n=a.n_ + b.n_,
        se=se,
        n_ai_assisted=a.n_,
        n_human_only=b.n_,
    )
