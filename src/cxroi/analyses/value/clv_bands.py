"""Lifetime models per monthly-revenue band, and the value they imply within any horizon.

Each band is fitted twice on the same left-truncated, right-censored monthly survival:

- the shifted-beta-geometric (sBG, :mod:`sbg_truncated`): churn varies between customers, so the
  base's churn falls with tenure as the fragile leave — long tails;
- the geometric: one constant monthly churn, the rate observed in the band — short tails.

Within the span the data observe, both describe the observed survival; beyond it they are two
readings of the future the data cannot tell apart. The CLV's extrapolation interval joins their
parametric intervals (:mod:`clv`). When the sBG is not identified (no heterogeneity), the
geometric is the band's model.

Values are sums over the band's active customers of ``monthly_revenue x`` expected discounted
months alive, ``sum over k = 1..H of z^k S(n + k) / S(n)`` for a customer ``n`` renewals in (the
full DERL when ``H`` is None). For the sBG the partial sums follow the recursion
``P_h(n) = z r(n + 1) (1 + P_{h-1}(n + 1))``; for the geometric they are a geometric series.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxroi.analyses.value.sbg_truncated import TruncatedShiftedBetaGeometric, derl_by_renewals
from cxroi.stats.result import CannotCompute

FloatArray = npt.NDArray[np.float64]
MONTH_DAYS = 365.25 / 12.0


@dataclass(frozen=True)
class BandFit:
    """One revenue band's lifetime models, parameter draws and active revenue by tenure."""

    lower: float | None  # monthly revenue from (None = no lower cut)
    upper: float | None
    model: str  # "sbg" or "geometric": the band's lifetime model
    alpha: float | None
    beta: float | None
    alpha_draws: FloatArray | None
    beta_draws: FloatArray | None
    theta: float  # constant monthly churn: the model when geometric, else the alternative
    theta_draws: FloatArray
    rev_by_renewals: FloatArray  # active customers' monthly revenue summed by renewals done
    n_active: int
    fitted: int

    def value(self, discount: float, horizon: int | None = None, geometric: bool = False) -> float:
        """Revenue x expected discounted months alive, summed over the band's active customers.

        ``discount``: monthly rate; ``horizon``: months ahead (None = lifetime); ``geometric``:
        use the constant-churn alternative even when the band's model is the sBG.
        """
        if geometric or self.model == "geometric":
            months = _geometric_partial(np.array([self.theta]), discount, horizon)[0]
            return float(months * self.rev_total)
        assert self.alpha is not None and self.beta is not None
        table = _sbg_partial(
            np.array([self.alpha]), np.array([self.beta]), discount, self.max_n, horizon
        )
        return float(table[0] @ self.rev_by_renewals)

    def value_draws(
        self,
        discount: float,
        horizon: int | None = None,
        geometric: bool = False,
        draws: int | None = None,
    ) -> FloatArray:
        """:meth:`value` for each parametric draw of the parameters (the first ``draws``)."""
        cut = slice(None) if draws is None else slice(0, draws)
        if geometric or self.model == "geometric":
            return _geometric_partial(self.theta_draws[cut], discount, horizon) * self.rev_total
        assert self.alpha_draws is not None and self.beta_draws is not None
        table = _sbg_partial(
            self.alpha_draws[cut], self.beta_draws[cut], discount, self.max_n, horizon
        )
        return np.asarray(table @ self.rev_by_renewals, dtype=np.float64)

    @property
    def rev_total(self) -> float:
        return float(self.rev_by_renewals.sum())

    @property
    def max_n(self) -> int:
        return self.rev_by_renewals.size - 1


def _geometric_partial(theta: FloatArray, discount: float, horizon: int | None) -> FloatArray:
    q = (1.0 - theta) / (1.0 + discount)
    full = q / (1.0 - q)
    if horizon is None:
        return np.asarray(full, dtype=np.float64)
    return np.asarray(full * (1.0 - q**horizon), dtype=np.float64)


def _sbg_partial(
    alpha: FloatArray, beta: FloatArray, discount: float, max_n: int, horizon: int | None
) -> FloatArray:
    """Expected discounted months alive within ``horizon``, for renewals 0..max_n: (k, max_n+1)."""
    if horizon is None:
        return derl_by_renewals(alpha, beta, discount, max_n)
    z = 1.0 / (1.0 + discount)
    a = np.asarray(alpha, dtype=np.float64)[:, None]
    b = np.asarray(beta, dtype=np.float64)[:, None]
    top = max_n + horizon
    n = np.arange(top + 1, dtype=np.float64)[None, :]
    r_next = (b + n) / (a + b + n)  # P(renew at n + 1 | alive after n renewals)
    p = np.zeros((a.shape[0], top + 2))
    for _ in range(horizon):
        p[:, :-1] = z * r_next * (1.0 + p[:, 1:])
        p[:, -1] = 0.0
    return np.asarray(p[:, : max_n + 1], dtype=np.float64)


def _months(delta: pd.Series) -> FloatArray:
    return np.asarray(delta.dt.total_seconds() / (86400.0 * MONTH_DAYS), dtype=np.float64)


def survival_rows(
    frame: pd.DataFrame, obs_start: datetime, as_of: datetime
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """(entry, periods, churned) per customer, in whole months since acquisition.

    Lost in period ``ceil(months to churn)``; still active after ``floor(months to as_of)``
    renewals. Entry = renewals completed before the first contact in the data. Customers who
    churned before that are dropped: under truncation they were never at risk in the data.
    """
    acq = frame["acquired_at"]
    churn = frame["churned_at"]
    keep = (acq <= as_of) & ~(churn.notna() & (churn < obs_start))
    acq, churn = acq[keep], churn[keep]
    lost = (churn.notna() & (churn <= as_of)).to_numpy()
    to_churn = _months(churn.where(pd.Series(lost, index=churn.index)) - acq)
    to_end = _months(pd.Series(as_of, index=acq.index) - acq)
    entry = np.floor(np.maximum(_months(pd.Series(obs_start, index=acq.index) - acq), 0.0))
    periods = np.where(lost, np.maximum(np.ceil(np.nan_to_num(to_churn)), 1.0), np.floor(to_end))
    # rounding can put a loss on its entry month; it was observed after entry
    periods = np.where(lost, np.maximum(periods, entry + 1), np.maximum(periods, entry))
    return entry, periods, lost


def renewals_done(acquired: pd.Series, at: datetime | pd.Series) -> npt.NDArray[np.int64]:
    """Whole months completed between acquisition and ``at`` (>= 0)."""
    when = at if isinstance(at, pd.Series) else pd.Series(at, index=acquired.index)
    n = np.floor(_months(when - acquired))
    done: npt.NDArray[np.int64] = np.maximum(np.nan_to_num(n), 0).astype(np.int64)
    return done


def fit_band(
    frame: pd.DataFrame,
    obs_start: datetime,
    as_of: datetime,
    monthly_discount: float,
    draws: int,
    rng: np.random.Generator,
    edges: tuple[float | None, float | None],
) -> BandFit | CannotCompute:
    """Both lifetime models for one band, with ``draws`` parametric draws of each."""
    entry, periods, lost = survival_rows(frame, obs_start, as_of)
    rows = pd.DataFrame({"e": entry, "t": periods, "lost": lost})
    grouped = rows.groupby(["e", "t", "lost"], sort=True).size().reset_index(name="w")
    active = frame[
        (frame["acquired_at"] <= as_of)
        & (frame["churned_at"].isna() | (frame["churned_at"] > as_of))
    ]
    renewals = renewals_done(active["acquired_at"], as_of)
    rev_by_n = np.bincount(
        renewals, weights=active["monthly_revenue"].to_numpy(dtype=float), minlength=1
    ).astype(np.float64)
    geo = _geometric(grouped, draws, rng)
    if isinstance(geo, CannotCompute):
        return geo
    theta, theta_draws, fitted_geo = geo
    model = TruncatedShiftedBetaGeometric(discount_rate=monthly_discount)
    try:
        model.fit_truncated(grouped["e"], grouped["t"], grouped["lost"], grouped["w"])
    except ValueError as exc:
        if "heterogeneity" not in str(exc):
            return CannotCompute(f"the sBG retention model cannot be fitted: {exc}")
        return BandFit(
            lower=edges[0],
            upper=edges[1],
            model="geometric",
            alpha=None,
            beta=None,
            alpha_draws=None,
            beta_draws=None,
            theta=theta,
            theta_draws=theta_draws,
            rev_by_renewals=rev_by_n,
            n_active=len(active),
            fitted=fitted_geo,
        )
    mean_log = np.log([model.alpha_, model.beta_])
    sample = rng.multivariate_normal(mean_log, model.log_covariance_, size=draws, method="cholesky")
    return BandFit(
        lower=edges[0],
        upper=edges[1],
        model="sbg",
        alpha=model.alpha_,
        beta=model.beta_,
        alpha_draws=np.exp(sample[:, 0]),
        beta_draws=np.exp(sample[:, 1]),
        theta=theta,
        theta_draws=theta_draws,
        rev_by_renewals=rev_by_n,
        n_active=len(active),
        fitted=round(model.n_customers_),
    )


def _geometric(
    grouped: pd.DataFrame, draws: int, rng: np.random.Generator
) -> tuple[float, FloatArray, int] | CannotCompute:
    """Constant monthly churn (memoryless, so truncation leaves its MLE simple) and draws."""
    lost = grouped["lost"].to_numpy(dtype=bool)
    w = grouped["w"].to_numpy(dtype=float)
    e, t = grouped["e"].to_numpy(dtype=float), grouped["t"].to_numpy(dtype=float)
    n_lost = float(w[lost].sum())
    renew = float(np.sum(w * np.where(lost, t - e - 1, np.maximum(t - e, 0))))
    if n_lost == 0 or renew == 0:
        return CannotCompute("no loss (or no renewal) observed: monthly churn is not identified")
    theta = n_lost / (n_lost + renew)
    se = math.sqrt(1.0 / (n_lost / theta**2 + renew / (1 - theta) ** 2))
    sample = np.clip(rng.normal(theta, se, draws), 1e-9, 1 - 1e-9)
    return theta, sample, int(w[lost | (t > e)].sum())
