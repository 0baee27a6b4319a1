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
the recursion shrinks errors by ``z r < 1`` at each step, so it is stable. DERL here is
:meth:`ShiftedBetaGeometric.derl`'s: valued just after the latest payment, the next one a period
away, which is Fader & Hardie's (2010) eq. 6 divided by ``1 + d`` (their eq. 6 stands at the next
renewal and counts its payment undiscounted).
"""

from __future__ import annotations

from typing import Self

import numpy as np
import numpy.typing as npt

from cxroi.stats.sbg import ShiftedBetaGeometric, derl_closed_form
from cxroi.stats.sbg_likelihood import (
    MAX_ABS_LOG_PARAM,
    LogLikelihood,
    maximise_log_likelihood,
    truncated_log_likelihood,
)

FloatArray = npt.NDArray[np.float64]


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

        def loglik(log_params: FloatArray) -> LogLikelihood:
            return truncated_log_likelihood(log_params, e_i, t_i, lost, w)

        x, fitted = maximise_log_likelihood(loglik, total)
        ll_max = fitted.value
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
        hess = -fitted.hess
        if (
            np.any(np.abs(x) > MAX_ABS_LOG_PARAM)
            or np.max(np.abs(fitted.grad)) > 1e-4 * total
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
    """DERL(n) for n = 0..max_renewals, one row per (alpha, beta) pair: shape (k, max + 1).

    Same timing as :meth:`ShiftedBetaGeometric.derl` (next payment one period away).
    """
    a = np.atleast_1d(np.asarray(alpha, dtype=np.float64))[:, None]
    b = np.atleast_1d(np.asarray(beta, dtype=np.float64))[:, None]
    z = 1.0 / (1.0 + discount_rate)
    out = np.empty((a.shape[0], max_renewals + 1), dtype=np.float64)
    top = b + max_renewals
    out[:, -1] = derl_closed_form(a[:, 0], top[:, 0], z)
    for n in range(max_renewals - 1, -1, -1):
        r_next = (b[:, 0] + n) / (a[:, 0] + b[:, 0] + n)
        out[:, n] = z * r_next * (1.0 + out[:, n + 1])
    return out
