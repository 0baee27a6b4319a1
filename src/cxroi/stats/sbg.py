"""Shifted-beta-geometric (sBG) retention for contractual customers, and the CLV it implies.

Fader & Hardie, "How to Project Customer Retention" (J. Interactive Marketing, 2007) and
"Customer-Base Valuation in a Contractual Setting: The Perils of Ignoring Heterogeneity"
(Marketing Science, 2010). Each customer renews every period with a fixed churn probability
theta; theta varies across customers as Beta(alpha, beta). Heterogeneity is why cohort retention
rates rise with tenure, and ignoring it undervalues the customer base.

Notation: time ``t = 0`` is acquisition and period ``t`` ends at time ``t``, when the customer
renews or leaves. ``T >= 1`` is the period in which a customer is lost; ``S(t) = P(T > t)`` is
the share still active at time ``t`` (after ``t`` renewals), so ``S(0) = 1``. Residual value is
taken just after a payment: the next payment is one period away (see ``derl`` for how that
relates to Fader & Hardie's eq. 6, which stands one period later).
"""

from __future__ import annotations

from typing import Self, overload

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special, stats

from cxroi.stats.result import Estimate
from cxroi.stats.sbg_likelihood import (
    MAX_ABS_LOG_PARAM,
    LogLikelihood,
    maximise_log_likelihood,
    truncated_log_likelihood,
)

FloatArray = npt.NDArray[np.float64]

# Step for the central-difference gradient of log DERL (a hypergeometric function) on the
# log-parameter scale, for its delta-method interval.
_DERIVATIVE_STEP = 1e-5
# Log-likelihood gain per customer the sBG must show over a homogeneous geometric.
_MIN_HETEROGENEITY_GAIN = 1e-9


class ShiftedBetaGeometric:
    """Maximum-likelihood sBG fit with Wald intervals from the observed information.

    Intervals are built on the log scale and mapped back (both parameters are positive and their
    likelihood is skewed); standard errors are the delta-method ones on the natural scale.
    ``discount_rate`` is per period (a 10% annual rate for annual contracts).
    """

    alpha_: float
    beta_: float
    log_likelihood_: float
    covariance_: FloatArray
    """Covariance of (alpha, beta): inverse observed information."""
    alpha_se_: float
    beta_se_: float
    alpha_ci_: tuple[float, float]
    beta_ci_: tuple[float, float]
    n_customers_: float
    n_periods_: int
    estimates_: dict[str, Estimate]

    def __init__(self, discount_rate: float = 0.1, ci_level: float = 0.95) -> None:
        if not (np.isfinite(discount_rate) and discount_rate > 0):
            # With d = 0 the expected lifetime is infinite whenever alpha <= 1.
            raise ValueError(f"discount_rate must be > 0, got {discount_rate!r}")
        if not 0.0 < ci_level < 1.0:
            raise ValueError(f"ci_level must be in (0, 1), got {ci_level!r}")
        self.discount_rate = discount_rate
        self.ci_level = ci_level

    # ----------------------------------------------------------------------------------- fitting
    def fit(self, active_counts: npt.ArrayLike) -> Self:
        """Fit one cohort: ``active_counts[t]`` customers still active at time t (t renewals).

        ``active_counts[0]`` is the cohort size. Customers still active at the last time are
        right-censored: they contribute ``S(last)``, not a loss.
        """
        n = _as_counts("active_counts", active_counts)
        if n.size < 2 or n[0] <= 0:
            raise ValueError("active_counts needs a positive cohort size and at least one period")
        if np.any(np.diff(n) > 0):
            raise ValueError("active_counts must not increase: a cohort cannot gain customers")
        censored = np.zeros(n.size - 1)
        censored[-1] = n[-1]
        return self.fit_counts(-np.diff(n), censored)

    def fit_counts(self, lost: npt.ArrayLike, censored: npt.ArrayLike) -> Self:
        """Fit from loss and censoring counts, e.g. several cohorts observed for different spans.

        ``lost[k]``: customers lost in period ``k + 1`` (k renewals, then no renewal).
        ``censored[k]``: customers last seen active at time ``k + 1`` with no later observation,
        i.e. known only to have ``T > k + 1``. Raises ``ValueError`` when the data cannot identify
        alpha and beta (no losses, or retention rates that do not rise with tenure).
        """
        lost_a = _as_counts("lost", lost)
        cens_a = _as_counts("censored", censored)
        if lost_a.shape != cens_a.shape:
            raise ValueError("lost and censored must have the same length")
        if lost_a.sum() <= 0:
            raise ValueError("no customer was lost: churn (alpha) is not identified")
        if (lost_a[1:].sum() + cens_a.sum()) <= 0:
            raise ValueError("nobody survived the first period: heterogeneity is not identified")
        t = np.arange(1, lost_a.size + 1, dtype=np.float64)
        total = float(lost_a.sum() + cens_a.sum())
        # one row per period and outcome, weighted by its count, all seen from acquisition
        periods = np.concatenate([t, t]).astype(np.int64)
        lost_rows = np.repeat([True, False], lost_a.size)
        entry = np.zeros(periods.size, dtype=np.int64)
        weights = np.concatenate([lost_a, cens_a])

        def loglik(log_params: FloatArray) -> LogLikelihood:
            return truncated_log_likelihood(log_params, entry, periods, lost_rows, weights)

        log_params, fitted = maximise_log_likelihood(loglik, total)
        ll_max = fitted.value
        # The homogeneous geometric is the sBG's limit as alpha, beta -> infinity. If it fits as
        # well, the optimiser is walking up a ridge and any finite (alpha, beta) it stops at is
        # arbitrary: flat or falling retention rates carry no trace of heterogeneity.
        theta = lost_a.sum() / float(np.sum((lost_a + cens_a) * t))
        exposure = float(np.sum(lost_a * (t - 1) + cens_a * t))
        ll_geom = float(lost_a.sum() * np.log(theta) + exposure * np.log1p(-theta))
        if ll_max < ll_geom + _MIN_HETEROGENEITY_GAIN * total:
            raise ValueError(
                "these counts show no churn heterogeneity (retention rates do not rise with "
                f"tenure): a constant churn probability of {theta:.4g} fits as well, and the sBG "
                "alpha and beta are not identified"
            )
        hess = -fitted.hess
        if (
            np.any(np.abs(log_params) > MAX_ABS_LOG_PARAM)
            or np.max(np.abs(fitted.grad / total)) > 1e-6
            or not np.all(np.linalg.eigvalsh(hess) > 0)
        ):
            raise ValueError(
                "the sBG fit did not reach an interior maximum with a positive definite observed "
                "information for these counts; alpha and beta are not identified"
            )

        self._set_fit(
            log_params,
            hess,
            ll_max,
            total,
            int(lost_a.size),
            "sBG maximum likelihood; Wald interval on log scale, observed information",
        )
        return self

    def _set_fit(
        self,
        log_params: FloatArray,
        hess: FloatArray,
        ll: float,
        total: float,
        horizon: int,
        method: str,
    ) -> None:
        """Record a converged fit: parameters, Wald intervals on the log scale, estimates."""
        self._cov_log = np.linalg.inv(hess)
        params = np.exp(log_params)
        se_log = np.sqrt(np.diag(self._cov_log))
        z = float(stats.norm.ppf(0.5 + self.ci_level / 2))
        self.alpha_, self.beta_ = float(params[0]), float(params[1])
        self.alpha_se_, self.beta_se_ = (float(v) for v in params * se_log)
        self.alpha_ci_, self.beta_ci_ = (
            (float(p * np.exp(-z * s)), float(p * np.exp(z * s))) for p, s in zip(params, se_log)
        )
        self.covariance_ = np.outer(params, params) * self._cov_log
        self.log_likelihood_ = ll
        self.n_customers_ = total
        self.n_periods_ = horizon
        self.estimates_ = {
            name: Estimate(est, ci[0], ci[1], method=method, n=round(total), se=se)
            for name, est, ci, se in (
                ("alpha", self.alpha_, self.alpha_ci_, self.alpha_se_),
                ("beta", self.beta_, self.beta_ci_, self.beta_se_),
            )
        }

    def fit_lifetimes(self, periods: npt.ArrayLike, churned: npt.ArrayLike) -> Self:
        """Fit from one row per customer: periods observed, and whether the loss was seen.

        A churned customer with ``periods == k`` was lost in period k (k >= 1); a censored one
        was still active at time ``k`` with no later news, i.e. ``T > k``. Censored customers
        with ``periods == 0`` carry no information and are dropped.
        """
        p = np.asarray(periods)
        c = np.asarray(churned, dtype=bool)
        if p.ndim != 1 or p.shape != c.shape or p.size == 0:
            raise ValueError("periods and churned must be 1-d arrays of the same, non-zero length")
        if not np.all(np.isfinite(p)) or np.any(p < 0) or np.any(p != np.round(p)):
            raise ValueError("periods must be whole numbers >= 0")
        p = p.astype(np.int64)
        if np.any(p[c] < 1):
            raise ValueError("a churned customer must have been active for at least one period")
        horizon = max(int(p.max()), 1)
        lost = np.bincount(p[c] - 1, minlength=horizon).astype(np.float64)
        kept = p[~c]
        censored = np.bincount(kept[kept > 0] - 1, minlength=horizon).astype(np.float64)
        return self.fit_counts(lost, censored)

    # ------------------------------------------------------------------------------ predictions
    @overload
    def survival(self, t: int) -> float: ...
    @overload
    def survival(self, t: npt.ArrayLike) -> FloatArray: ...
    def survival(self, t: npt.ArrayLike) -> float | FloatArray:
        """``S(t) = B(alpha, beta + t) / B(alpha, beta)``: share of a new cohort active at t."""
        a, b = self._params()
        tt = _as_periods(t, minimum=0)
        out = np.exp(special.betaln(a, b + tt) - special.betaln(a, b))
        return float(out) if np.ndim(t) == 0 else np.asarray(out, dtype=np.float64)

    @overload
    def retention_rate(self, t: int) -> float: ...
    @overload
    def retention_rate(self, t: npt.ArrayLike) -> FloatArray: ...
    def retention_rate(self, t: npt.ArrayLike) -> float | FloatArray:
        """``r(t) = S(t) / S(t-1) = (beta + t - 1) / (alpha + beta + t - 1)`` for t >= 1."""
        a, b = self._params()
        tt = _as_periods(t, minimum=1)
        out = (b + tt - 1) / (a + b + tt - 1)
        return float(out) if np.ndim(t) == 0 else np.asarray(out, dtype=np.float64)

    def derl(self, renewals: int = 0) -> float:
        """Discounted expected residual lifetime, in periods, of a customer with ``renewals``.

        The customer has just made ``renewals`` renewals and paid for the period now starting;
        each later payment comes only if they renew, the first one period away:

            DERL(n) = sum_{k >= 1} z^k P(T > n + k | T > n),    z = 1 / (1 + d).

        Under the sBG the posterior of theta after n renewals is Beta(alpha, beta + n), so with
        ``b = beta + n``, ``P(T > n + k | T > n) = (b)_k / (a + b)_k`` and the sum is
        ``(b / (a + b)) z 2F1(1, b + 1; a + b + 1; z)`` (equivalently ``2F1(1, b; a + b; z) - 1``).

        Fader & Hardie (2010, "Customer-Base Valuation in a Contractual Setting: The Perils of
        Ignoring Heterogeneity", Marketing Science 29(1), eq. 6) value the same customer one
        period later in time: standing at the next renewal, just before its decision, with that
        renewal's payment counted undiscounted. Their DERL (for "n - 1 renewals", n - 1 =
        ``renewals``) is this quantity times ``1 + d``: :meth:`derl_at_renewal`. cxroi values
        customers at ``as_of``, after their latest payment, so it stands at the earlier,
        conservative point; for a customer part-way through a period the exact value lies between
        the two (a gap of one period's discount, 0.8% a month at 10% a year).
        """
        a, b = self._params()
        return _derl(a, b, self.discount_rate, _as_renewals(renewals))

    def derl_at_renewal(self, renewals: int = 0) -> float:
        """Fader & Hardie (2010) eq. 6: standing at the next renewal, its payment undiscounted.

        ``(b / (a + b)) 2F1(1, b + 1; a + b + 1; z)`` with ``b = beta + renewals``, i.e.
        ``sum_{k >= 1} z^(k-1) P(T > n + k | T > n)`` = :meth:`derl` times ``1 + d``.
        """
        return self.derl(renewals) * (1.0 + self.discount_rate)

    def derl_estimate(self, renewals: int = 0) -> Estimate:
        """DERL with a delta-method interval (on the log scale) from the parameter covariance."""
        a, b = self._params()
        n = _as_renewals(renewals)
        point = _derl(a, b, self.discount_rate, n)

        def log_derl(log_params: FloatArray) -> float:
            a_, b_ = np.exp(log_params)
            return float(np.log(_derl(float(a_), float(b_), self.discount_rate, n)))

        x0 = np.log([a, b])
        h = _DERIVATIVE_STEP
        grad = np.array(
            [(log_derl(x0 + h * e) - log_derl(x0 - h * e)) / (2 * h) for e in np.eye(2)]
        )
        se_log = float(np.sqrt(grad @ self._cov_log @ grad))
        z = float(stats.norm.ppf(0.5 + self.ci_level / 2))
        return Estimate(
            point,
            point * float(np.exp(-z * se_log)),
            point * float(np.exp(z * se_log)),
            method="sBG DERL (Fader-Hardie 2010); delta-method interval on log scale",
            n=round(self.n_customers_),
            se=point * se_log,
        )

    def expected_clv(self, margin: float, revenue_per_period: float, renewals: int = 0) -> float:
        """Residual CLV: ``margin * revenue_per_period * DERL(renewals)``."""
        _check_value_inputs(margin, revenue_per_period)
        return margin * revenue_per_period * self.derl(renewals)

    def clv_estimate(self, margin: float, revenue_per_period: float, renewals: int = 0) -> Estimate:
        """:meth:`expected_clv` with the DERL interval scaled by the (fixed) value per period."""
        _check_value_inputs(margin, revenue_per_period)
        d = self.derl_estimate(renewals)
        k = margin * revenue_per_period
        assert d.ci_low is not None and d.ci_high is not None and d.se is not None
        return Estimate(
            k * d.estimate,
            k * d.ci_low,
            k * d.ci_high,
            method=d.method.replace("DERL", "CLV = margin x revenue x DERL"),
            n=d.n,
            se=k * d.se,
        )

    @property
    def summary(self) -> pd.DataFrame:
        """One row per parameter: estimate, se, interval; log-likelihood and n in ``attrs``."""
        self._params()
        cols = ["estimate", "se", "ci_low", "ci_high"]
        rows = [[getattr(e, c) for c in cols] for e in self.estimates_.values()]
        df = pd.DataFrame(rows, columns=cols, index=pd.Index(self.estimates_, name="parameter"))
        df.attrs.update(
            log_likelihood=self.log_likelihood_,
            n_customers=self.n_customers_,
            n_periods=self.n_periods_,
            ci_level=self.ci_level,
        )
        return df

    def _params(self) -> tuple[float, float]:
        if not hasattr(self, "alpha_"):
            raise RuntimeError("this ShiftedBetaGeometric is not fitted yet; call fit() first")
        return self.alpha_, self.beta_


def _derl(a: float, b_prior: float, d: float, renewals: int) -> float:
    b = b_prior + renewals
    return float(derl_closed_form(np.array([a]), np.array([b]), 1.0 / (1.0 + d))[0])


# Most terms the direct series may take: at a 0.01% monthly discount and 0.1% churn, ~4e5.
_SERIES_TERMS = 10_000_000


def derl_closed_form(a: FloatArray, b: FloatArray, z: float) -> FloatArray:
    """``sum_{k >= 1} z^k (b)_k / (a + b)_k`` for each pair (``b`` = beta + renewals):
    ``(b / (a + b)) z 2F1(1, b + 1; a + b + 1; z)``.

    SciPy's ``hyp2f1`` returns NaN once ``b`` and ``a + b`` pass about 1e6, which a parameter
    draw near the geometric limit does (alpha and beta ~1e15, their ratio fixed). There the same
    series is summed term by term: its terms fall at least as fast as ``z^k (b / (a + b))^k``.
    """
    out = np.asarray(b / (a + b) * z * special.hyp2f1(1.0, b + 1.0, a + b + 1.0, z), np.float64)
    bad = ~np.isfinite(out)
    if bad.any():
        out[bad] = _derl_series(a[bad], b[bad], z)
    return out


def _derl_series(a: FloatArray, b: FloatArray, z: float) -> FloatArray:
    """The series summed directly, until each term is below the sum's rounding."""
    term = np.ones_like(a)
    total = np.zeros_like(a)
    for j in range(_SERIES_TERMS):
        term *= z * (b + j) / (a + b + j)
        total += term
        if np.all(term <= 1e-17 * total):
            return total
    raise ValueError("the DERL series did not converge (discount rate and churn both near 0)")


def _as_counts(name: str, values: npt.ArrayLike) -> FloatArray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be a 1-d sequence of finite counts >= 0")
    return arr


def _as_periods(t: npt.ArrayLike, minimum: int) -> FloatArray:
    arr = np.asarray(t, dtype=np.float64)
    if not np.all(np.isfinite(arr)) or np.any(arr < minimum) or np.any(arr != np.round(arr)):
        raise ValueError(f"periods must be whole numbers >= {minimum}")
    return arr


def _as_renewals(renewals: int) -> int:
    if isinstance(renewals, bool) or int(renewals) != renewals or renewals < 0:
        raise ValueError(f"renewals must be a whole number >= 0, got {renewals!r}")
    return int(renewals)


def _check_value_inputs(margin: float, revenue_per_period: float) -> None:
    if not (np.isfinite(margin) and 0.0 <= margin <= 1.0):
        raise ValueError(f"margin must be a share in [0, 1], got {margin!r}")
    if not (np.isfinite(revenue_per_period) and revenue_per_period >= 0):
        raise ValueError(f"revenue_per_period must be >= 0, got {revenue_per_period!r}")


__all__ = ["ShiftedBetaGeometric", "derl_closed_form"]
