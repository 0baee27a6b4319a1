"""Sufficient statistics that add up, and the intervals computed from them.

Engines return per-group sums (n, Σx, Σx², ...); totals over groups are sums of those summaries,
so "all" is exactly the sum of the modes and no second pass over the data is needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats as sps

from cxroi.stats.result import CannotCompute, Contrast, ContrastResult, Estimate, Result

Z95 = float(sps.norm.ppf(0.975))


@dataclass(frozen=True)
class Proportion:
    """k successes out of n."""

    n: int = 0
    k: int = 0

    def __add__(self, other: Proportion) -> Proportion:
        return Proportion(self.n + other.n, self.k + other.k)

    def estimate(self, reason: str) -> Result:
        if self.n == 0:
            return CannotCompute(reason)
        low, high = wilson_interval(self.k, self.n)
        return Estimate(self.k / self.n, low, high, method="wilson", n=self.n)


@dataclass(frozen=True)
class Moments:
    """n, Σx and Σx² of a variable."""

    n: int = 0
    total: float = 0.0
    total_sq: float = 0.0

    def __add__(self, other: Moments) -> Moments:
        return Moments(self.n + other.n, self.total + other.total, self.total_sq + other.total_sq)

    def variance(self) -> float:
        if self.n < 2:
            return math.nan
        mean = self.total / self.n
        # max() guards against a tiny negative from rounding when every value is equal
        return max(self.total_sq - self.n * mean * mean, 0.0) / (self.n - 1)

    def mean(self, reason: str) -> Result:
        if self.n == 0:
            return CannotCompute(reason)
        mean = self.total / self.n
        if self.n < 2:
            return Estimate(mean, None, None, method="t", n=self.n)
        se = math.sqrt(self.variance() / self.n)
        half = float(sps.t.ppf(0.975, self.n - 1)) * se
        return Estimate(mean, mean - half, mean + half, method="t", n=self.n, se=se)


@dataclass(frozen=True)
class RatioMoments:
    """Pairs (x, y) summed, for a ratio of totals Σx / Σy such as cost per resolution."""

    n: int = 0
    sx: float = 0.0
    sy: float = 0.0
    sxx: float = 0.0
    syy: float = 0.0
    sxy: float = 0.0

    def __add__(self, o: RatioMoments) -> RatioMoments:
        return RatioMoments(
            self.n + o.n,
            self.sx + o.sx,
            self.sy + o.sy,
            self.sxx + o.sxx,
            self.syy + o.syy,
            self.sxy + o.sxy,
        )

    def ratio(self, reason: str) -> Result:
        """Σx/Σy with a delta-method (linearisation) 95% interval."""
        if self.n == 0 or self.sy == 0:
            return CannotCompute(reason)
        r = self.sx / self.sy
        if self.n < 2:
            return Estimate(r, None, None, method="delta", n=self.n)
        n = self.n
        mx, my = self.sx / n, self.sy / n
        vxx = (self.sxx - n * mx * mx) / (n - 1)
        vyy = (self.syy - n * my * my) / (n - 1)
        vxy = (self.sxy - n * mx * my) / (n - 1)
        var = max(vxx - 2 * r * vxy + r * r * vyy, 0.0) / (n * my * my)
        se = math.sqrt(var)
        return Estimate(r, r - Z95 * se, r + Z95 * se, method="delta", n=n, se=se)


@dataclass(frozen=True)
class NpsCounts:
    n: int = 0
    promoters: int = 0
    detractors: int = 0

    def __add__(self, o: NpsCounts) -> NpsCounts:
        return NpsCounts(self.n + o.n, self.promoters + o.promoters, self.detractors + o.detractors)

    def estimate(self, reason: str) -> Result:
        """NPS in points with a normal interval from the trinomial variance."""
        if self.n == 0:
            return CannotCompute(reason)
        p, d = self.promoters / self.n, self.detractors / self.n
        nps = 100.0 * (p - d)
        se = 100.0 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / self.n)
        low, high = max(nps - Z95 * se, -100.0), min(nps + Z95 * se, 100.0)
        return Estimate(nps, low, high, method="trinomial normal", n=self.n, se=se)


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (Wilson 1927)."""
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_difference(a: Proportion, b: Proportion, reason: str) -> ContrastResult:
    """p_a − p_b with Newcombe's hybrid score interval (method 10, Newcombe 1998)."""
    if a.n == 0 or b.n == 0:
        return CannotCompute(reason)
    pa, pb = a.k / a.n, b.k / b.n
    la, ua = wilson_interval(a.k, a.n)
    lb, ub = wilson_interval(b.k, b.n)
    diff = pa - pb
    low = diff - math.sqrt((pa - la) ** 2 + (ub - pb) ** 2)
    high = diff + math.sqrt((ua - pa) ** 2 + (pb - lb) ** 2)
    return Contrast(
        diff, low, high, method="newcombe hybrid score", n=a.n + b.n, n_a=a.n, n_b=b.n
    )
