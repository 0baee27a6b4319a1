"""Shifted-beta-geometric fit for customers first seen part-way through their life (left truncation).

A customers table built from a window of data usually holds the customers alive when the window
opened plus those acquired during it: older customers are there only because they survived. Fitting
them as if observed from acquisition overstates retention. Conditioning on survival to entry,

    lost in period t, entered after e renewals:     P(T = t) / S(e) = S(t - 1) (1 - r(t)) / S(e)
    still active after t renewals, entered at e:     S(t) / S(e)

keeps every customer (Fader & Hardie's sBG with the usual truncated-likelihood adjustment). With
``e = 0`` for everyone this is exactly the likelihood of :class:`ShiftedBetaGeometric`, whose DERL,
CLV and summary the subclass inherits unchanged.

Also: :func:`derl_by_renewals`, DERL for renewals 0..n for many (alpha, beta) at once, by the
backward recursion ``DERL(n) = z r(n + 1) (1 + DERL(n + 1))`` from one closed form at the top;
the recursion shrinks errors by ``z r < 1`` at each step, so it is stable.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import numpy.typing as npt
from scipy import optimize, special

from cxroi.stats.sbg import ShiftedBetaGeometric

FloatArray = npt.NDArray[np.float64]
_STEP = 1e-5
_MAX_ABS_LOG = 25.0


class TruncatedShiftedBetaGeometric(ShiftedBetaGeometric):
    """sBG maximum likelihood from (entry, periods, churned) per customer, entry = renewals seen."""

    def fit_truncated(
        self,
        entry: npt.ArrayLike,
        periods: npt.ArrayLike,
        churned: npt.ArrayLike,
        weights: npt.ArrayLike | None = None,
    ) -> Self:
        """``entry``: renewals before observation began (0 = seen from acquisition).

        ``periods``: for a churned customer the period of loss (``> entry``); for an active one
        the renewals completed by the end of the data (``>= entry``; equal carries no information).
        ``weights``: counts of identical rows. Raises ``ValueError`` when alpha and beta are not
        identified (no loss, no heterogeneity, or no interior maximum).
        """
        e = np.asarray(entry, dtype=np.float64)
        t = np.asarray(periods, dtype=np.float64)
        lost = np.asarray(churned, dtype=bool)
        w = np.ones_like(e) if weights is None else np.asarray(weights, dtype=np.float64)
        if not (e.shape == t.shape == lost.shape == w.shape) or e.ndim != 1:
            raise ValueError("entry, periods, churned and weights must be 1-d of equal length")
        if np.any(e < 0) or np.any(e != np.round(e)) or np.any(t != np.round(t)):
            raise ValueError("entry and periods must be whole numbers >= 0")
        if np.any(lost & (t <= e)) or np.any(~lost & (t < e)):
            raise ValueError("a loss must come after entry, and censoring not before it")
        keep = (w > 0) & (lost | (t > e))
        e, t, lost, w = e[keep], t[keep], lost[keep], w[keep]
        if w[lost].sum() <= 0:
            raise ValueError("no customer was lost after entry: churn (alpha) is not identified")
        e_i, t_i = e.astype(np.int64), t.astype(np.int64)
        horizon = int(t_i.max())
        total = float(w.sum())

        def parts(log_params: FloatArray) -> tuple[float, FloatArray]:
            a, b = np.exp(log_params)
            j = np.arange(1, horizon + 1, dtype=np.float64)
            denom = a + b + j - 1
            # log S(k) and its derivatives for k = 0..horizon
            log_s = np.concatenate([[0.0], np.cumsum(-np.log1p(a / (b + j - 1)))])
            da = np.concatenate([[0.0], np.cumsum(-1.0 / denom)])
            db = np.concatenate([[0.0], np.cumsum(1.0 / (b + j - 1) - 1.0 / denom)])
            den_t = a + b + t - 1
            ll_rows = np.where(lost, log_s[t_i - 1] + np.log(a / den_t), log_s[t_i]) - log_s[e_i]
            ga_rows = np.where(lost, da[t_i - 1] + 1.0 / a - 1.0 / den_t, da[t_i]) - da[e_i]
            gb_rows = np.where(lost, db[t_i - 1] - 1.0 / den_t, db[t_i]) - db[e_i]
            ll = float(np.sum(w * ll_rows))
            grad = np.array([np.sum(w * ga_rows) * a, np.sum(w * gb_rows) * b])
            return ll, grad  # gradient on the log-parameter scale

        def objective(x: FloatArray) -> tuple[float, FloatArray]:
            ll, g = parts(x)
            return -ll / total, -g / total

        # Bounded on the log scale: on homogeneous data an unbounded search can step to
        # alpha, beta ~ exp(-460), where the likelihood is not even finite; the box is wide
        # enough that a fit at its edge is refused below as "no interior maximum".
        res = optimize.minimize(
            objective,
            np.zeros(2),
            jac=True,
            method="L-BFGS-B",
            bounds=[(-_MAX_ABS_LOG, _MAX_ABS_LOG)] * 2,
            options={"gtol": 1e-10, "ftol": 1e-15, "maxiter": 1000},
        )
        x = np.asarray(res.x, dtype=np.float64)
        ll_max = parts(x)[0]
        # Geometric (no heterogeneity) is memoryless, so truncation leaves its MLE simple.
        renewals = float(np.sum(w * np.where(lost, t - e - 1, t - e)))
        n_lost = float(w[lost].sum())
        theta = n_lost / (n_lost + renewals)
        ll_geom = n_lost * np.log(theta) + renewals * np.log1p(-theta)
        if ll_max < ll_geom + 1e-9 * total:
            raise ValueError(
                "these customers show no churn heterogeneity (a constant monthly churn of "
                f"{theta:.4g} fits as well): the sBG alpha and beta are not identified"
            )
        cols = [
            -(parts(x + _STEP * u)[1] - parts(x - _STEP * u)[1]) / (2 * _STEP) for u in np.eye(2)
        ]
        hess = np.column_stack(cols)
        hess = (hess + hess.T) / 2
        if (
            np.any(np.abs(x) > _MAX_ABS_LOG)
            or np.max(np.abs(parts(x)[1])) > 1e-4 * total
            or not np.all(np.linalg.eigvalsh(hess) > 0)
        ):
            raise ValueError(
                "the truncated sBG fit found no interior maximum with a positive definite "
                "information; alpha and beta are not identified from these customers"
            )
        self._set_fit(
            x,
            hess,
            ll_max,
            total,
            horizon,
            "left-truncated sBG maximum likelihood; Wald interval on log scale",
        )
        return self

    @property
    def log_covariance_(self) -> FloatArray:
        """Covariance of (log alpha, log beta): what parametric draws are made from."""
        self._params()
        return np.asarray(self._cov_log, dtype=np.float64)


def derl_by_renewals(
    alpha: npt.ArrayLike, beta: npt.ArrayLike, discount_rate: float, max_renewals: int
) -> FloatArray:
    """DERL(n) for n = 0..max_renewals, one row per (alpha, beta) pair: shape (k, max + 1)."""
    a = np.atleast_1d(np.asarray(alpha, dtype=np.float64))[:, None]
    b = np.atleast_1d(np.asarray(beta, dtype=np.float64))[:, None]
    z = 1.0 / (1.0 + discount_rate)
    out = np.empty((a.shape[0], max_renewals + 1), dtype=np.float64)
    top = b + max_renewals
    out[:, -1:] = top / (a + top) * z * special.hyp2f1(1.0, top + 1.0, a + top + 1.0, z)
    for n in range(max_renewals - 1, -1, -1):
        r_next = (b[:, 0] + n) / (a[:, 0] + b[:, 0] + n)
        out[:, n] = z * r_next * (1.0 + out[:, n + 1])
    return out
