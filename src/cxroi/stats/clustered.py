"""Customer-clustered intervals from per-customer sums: one customer's contacts are not independent.

Every contact-level metric is a ratio of totals, ``r = Σx / Σy``, where each customer *i*
contributes its own totals ``x_i`` and ``y_i`` (e.g. resolved and eligible contacts for FCR, cost
and contacts for cost per contact, top-box and CSAT answers for CSAT). Treating the contacts as
independent understates the variance whenever a customer's contacts resemble each other
(a frailty): the issue measured 88% and 78% coverage for nominal 95% Wilson intervals with five
contacts per customer. Here the variance is the linearisation (ratio, "sandwich") estimator over
customers, the standard cluster-robust variance of survey sampling and econometrics:

    var(r) = G / (G − 1) · Σ_i (x_i − r·y_i)² / (Σ_i y_i)²

with ``G`` the customers that have a contact in the metric's population. Expanding the square
needs only ``Σx, Σy, Σx², Σy², Σxy`` over customers, so an engine returns five sums per group and
the one-pass design stays. The sums arrive exactly (integers and decimals) and are combined here
with exact rational arithmetic, so no cancellation between large sums can make a variance negative
or non-deterministic.

Choices (docs/methods.md, "Customer-clustered intervals"):

* **Small-sample correction** ``G/(G−1)``: the residuals are taken around the estimated ratio,
  which shrinks their sum of squares by about ``(G−1)/G``; the factor undoes it, exactly as
  ``n/(n−1)`` does for independent observations (the "CR1" correction for a mean). The critical
  value is Student's t with ``G − 1`` degrees of freedom (one per customer, not per contact),
  which matters only when there are few customers.
* **Shares** use a Wilson score interval at the *effective* number of contacts
  ``n_eff = p(1−p) / var(r)`` (Kish's design effect ``deff = n / n_eff``), truncated at the actual
  number so that the design effect is never below 1 (Korn & Graubard 1998 make the same choice for
  their clustered Clopper–Pearson interval). Wilson keeps the interval inside [0, 1] and sensible
  near 0 and 1, where a Wald interval collapses. When the share is exactly 0 or 1 the variance
  estimate is 0 and says nothing about clustering, so ``n_eff = (Σy)² / Σy²``: the effective size
  if each customer's contacts were perfectly alike (at most ``G``) — deliberately cautious. With a
  single customer the same effective size (1) is used with the normal quantile: a wide but honest
  interval, where a mean or ratio gets none.
* **Means and ratios** (cost per contact, AHT, CSAT mean, CES, cost per resolution, NPS) use
  ``r ± t·se``.
* **A difference of two shares** in which the same customer may appear on both sides (monthly
  CSAT hybrid − human-only) uses the MOVER construction of Zou & Donner (2008), Newcombe's hybrid
  score interval extended with the correlation of the two estimates: each side's clustered Wilson
  limits, combined with ``ρ = Σ e_a·e_b / √(Σe_a² · Σe_b²)`` computed from the customers' residuals
  ``e = x − r·y`` on both sides. A customer seen on one side only contributes zero to the other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from scipy import stats as sps

from cxroi.stats.result import CannotCompute, Estimate, Result
from cxroi.stats.summary import Z95

CLUSTERED = "clustered by customer"
SHARE_METHOD = f"wilson, effective n from the design effect, {CLUSTERED}"
MEAN_METHOD = f"t, {CLUSTERED}"
RATIO_METHOD = f"ratio, delta method, {CLUSTERED}"
NPS_METHOD = f"nps as a ratio, delta method, {CLUSTERED}"
DIFFERENCE_METHOD = f"mover wilson difference with correlation, {CLUSTERED}"


def exact_fraction(value: Any) -> Fraction:
    """An engine sum (int, Decimal, float; None or NaN when there was nothing to sum) exactly."""
    if value is None:
        return Fraction(0)
    try:
        if value != value:  # NaN, or a missing value that is not equal to itself
            return Fraction(0)
    except TypeError:  # pandas' NA cannot be compared
        return Fraction(0)
    return Fraction(value)


def t_quantile(customers: int) -> float:
    """Two-sided 95% critical value with one degree of freedom per customer beyond the first."""
    return float(sps.t.ppf(0.975, customers - 1))


@dataclass(frozen=True, kw_only=True)
class ClusteredEstimate(Estimate):
    """An estimate whose interval allows for clustering: ``n`` contacts from ``customers``."""

    customers: int
    design_effect: float | None = None



@dataclass(frozen=True, kw_only=True)
class ClusteredDifference(Estimate):
    """``a − b`` of two clustered shares; ``customers`` counts those on either side once."""

    n_a: int
    n_b: int
    customers: int
    customers_a: int
    customers_b: int
    correlation: float | None = None



@dataclass(frozen=True)
class RatioSums:
    """Sums over customers of their totals ``x_i`` and ``y_i``, for the ratio ``Σx / Σy``.

    ``customers`` is the number of customers in the metric's population (e.g. with an eligible
    contact), the ``G`` of the small-sample correction.
    """

    customers: int = 0
    x: Fraction = Fraction(0)
    y: Fraction = Fraction(0)
    xx: Fraction = Fraction(0)
    yy: Fraction = Fraction(0)
    xy: Fraction = Fraction(0)

    @classmethod
    def of(cls, customers: Any, x: Any, y: Any, xx: Any, yy: Any, xy: Any) -> RatioSums:
        g = int(exact_fraction(customers))
        sums = (exact_fraction(v) for v in (x, y, xx, yy, xy))
        return cls(g, *sums)

    def scaled(self, k: Fraction) -> RatioSums:
        """The same customers with every ``x_i`` multiplied by ``k`` (e.g. 60 × cost → cost)."""
        return RatioSums(self.customers, self.x * k, self.y, self.xx * k * k, self.yy, self.xy * k)

    @property
    def ratio(self) -> Fraction:
        return self.x / self.y

    def residual_ss(self) -> Fraction:
        """Σ_i (x_i − r·y_i)², exactly."""
        r = self.ratio
        return max(self.xx - 2 * r * self.xy + r * r * self.yy, Fraction(0))

    def variance(self) -> float | None:
        """Cluster-robust variance of the ratio (with G/(G−1)); None with fewer than 2 customers."""
        if self.customers < 2 or self.y == 0:
            return None
        g = self.customers
        return float(Fraction(g, g - 1) * self.residual_ss() / (self.y * self.y))

    def share(self, reason: str) -> Result:
        """Σx/Σy as a share in [0, 1] with the clustered Wilson interval."""
        if self.y == 0:
            return CannotCompute(reason)
        p, n = float(self.ratio), int(self.y)
        var = self.variance()
        if var is None:
            # One customer: nothing tells how alike its contacts are, so assume perfectly alike
            # (one effective observation) and use the normal quantile (no degrees of freedom).
            n_eff = self.alike_n()
            low, high = wilson_bounds(p, n_eff, Z95)
            return ClusteredEstimate(
                p, low, high, method=SHARE_METHOD, n=n, customers=self.customers,
                design_effect=self.y_float / n_eff,
            )
        n_eff = self.effective_n(p, var)
        low, high = wilson_bounds(p, n_eff, t_quantile(self.customers))
        return ClusteredEstimate(
            p,
            low,
            high,
            method=SHARE_METHOD,
            n=n,
            se=math.sqrt(var),
            customers=self.customers,
            design_effect=self.y_float / n_eff,
        )

    @property
    def y_float(self) -> float:
        return float(self.y)

    def effective_n(self, p: float, var: float) -> float:
        n = self.y_float
        if 0.0 < p < 1.0 and var > 0.0:
            return min(n, p * (1.0 - p) / var)
        if 0.0 < p < 1.0:
            return n
        # p is 0 or 1: no residual to learn the clustering from; assume alike contacts per customer
        return self.alike_n()

    def alike_n(self) -> float:
        """(Σy)² / Σy²: the effective number of contacts if each customer's were all alike."""
        return float(self.y * self.y / self.yy) if self.yy else self.y_float

    def mean(
        self,
        reason: str,
        *,
        scale: float = 1.0,
        method: str = MEAN_METHOD,
        bounds: tuple[float, float] | None = None,
        n: int | None = None,
    ) -> Result:
        """``scale · Σx/Σy`` with ``± t·se`` (optionally clipped to ``bounds``).

        ``n`` is the number of contacts (or answers) behind it; by default ``Σy``.
        """
        if self.y == 0:
            return CannotCompute(reason)
        r = scale * float(self.ratio)
        var = self.variance()
        n = int(self.y) if n is None else n
        if var is None:
            return ClusteredEstimate(r, method=method, n=n, customers=self.customers)
        se = abs(scale) * math.sqrt(var)
        half = t_quantile(self.customers) * se
        low, high = r - half, r + half
        if bounds is not None:
            low, high = max(low, bounds[0]), min(high, bounds[1])
        return ClusteredEstimate(
            r, low, high, method=method, n=n, se=se, customers=self.customers
        )


@dataclass(frozen=True)
class PairedRatioSums:
    """Two ratios over the same customers plus the cross sums that give their covariance.

    ``customers`` counts customers on either side once; ``xa_xb`` is Σ x_a,i · x_b,i, and so on.
    """

    a: RatioSums
    b: RatioSums
    customers: int = 0
    xa_xb: Fraction = Fraction(0)
    xa_yb: Fraction = Fraction(0)
    ya_xb: Fraction = Fraction(0)
    ya_yb: Fraction = Fraction(0)

    def residual_cross(self) -> Fraction:
        """Σ_i e_a,i · e_b,i with e = x − r·y, exactly."""
        ra, rb = self.a.ratio, self.b.ratio
        return self.xa_xb - rb * self.xa_yb - ra * self.ya_xb + ra * rb * self.ya_yb

    def difference_variance(self) -> float | None:
        """Cluster-robust variance of ratio(a) − ratio(b), customers on both sides counted once."""
        if self.customers < 2 or self.a.y == 0 or self.b.y == 0:
            return None
        ya, yb, g = self.a.y, self.b.y, self.customers
        ss = (
            self.a.residual_ss() / (ya * ya)
            + self.b.residual_ss() / (yb * yb)
            - 2 * self.residual_cross() / (ya * yb)
        )
        return float(Fraction(g, g - 1) * max(ss, Fraction(0)))

    def correlation(self) -> float | None:
        """Correlation of the two ratio estimates from the customers' residuals on both sides."""
        if self.a.y == 0 or self.b.y == 0:
            return None
        cross = self.residual_cross()
        ssa, ssb = self.a.residual_ss(), self.b.residual_ss()
        if ssa == 0 or ssb == 0:
            return None
        rho = float(cross) / math.sqrt(float(ssa) * float(ssb))
        return max(-1.0, min(1.0, rho))

    def share_difference(self, reason: str) -> Result:
        """share(a) − share(b) with the MOVER interval (Zou & Donner 2008) and the correlation."""
        if self.a.y == 0 or self.b.y == 0:
            return CannotCompute(reason)
        sa, sb = self.a.share(reason), self.b.share(reason)
        assert isinstance(sa, Estimate) and isinstance(sb, Estimate)
        pa, pb = sa.estimate, sb.estimate
        diff = pa - pb
        rho = self.correlation()
        la, ua, lb, ub = sa.ci_low, sa.ci_high, sb.ci_low, sb.ci_high
        low: float | None = None
        high: float | None = None
        if la is not None and ua is not None and lb is not None and ub is not None:
            r = rho or 0.0
            low = diff - _mover(pa - la, ub - pb, r)
            high = diff + _mover(ua - pa, pb - lb, r)
        var = self.difference_variance()
        return ClusteredDifference(
            diff,
            low,
            high,
            method=DIFFERENCE_METHOD,
            se=None if var is None else math.sqrt(var),
            n=int(self.a.y + self.b.y),
            n_a=int(self.a.y),
            n_b=int(self.b.y),
            customers=self.customers,
            customers_a=self.a.customers,
            customers_b=self.b.customers,
            correlation=rho,
        )


def _mover(d1: float, d2: float, rho: float) -> float:
    return math.sqrt(max(d1 * d1 + d2 * d2 - 2.0 * rho * d1 * d2, 0.0))


def wilson_bounds(p: float, n: float, z: float) -> tuple[float, float]:
    """Wilson (1927) score interval for a share ``p`` observed on ``n`` (possibly effective) trials."""
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denom
    half = z * math.sqrt(max(p * (1.0 - p), 0.0) / n + z * z / (4.0 * n * n)) / denom
    # at p = 0 (or 1) the bound is exactly 0 (or 1); rounding would leave a 1e-17 residue
    low = 0.0 if p <= 0.0 else max(0.0, centre - half)
    high = 1.0 if p >= 1.0 else min(1.0, centre + half)
    return low, high
