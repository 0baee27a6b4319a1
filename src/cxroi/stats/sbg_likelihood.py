"""The sBG log-likelihood with exact derivatives, and its maximisation to rounding.

Shared by :class:`cxroi.stats.sbg.ShiftedBetaGeometric` (every customer seen from acquisition)
and :class:`cxroi.analyses.value.sbg_truncated.TruncatedShiftedBetaGeometric` (customers first
seen after some renewals). Parameters are on the log scale: both are positive, and the
likelihood is closer to quadratic there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from scipy import optimize

FloatArray = npt.NDArray[np.float64]

# Newton steps that polish L-BFGS-B's answer (see maximise_log_likelihood).
_POLISH_STEPS = 20
# Past this, the fit is drifting to a boundary rather than converging.
MAX_ABS_LOG_PARAM = 25.0
# The optimiser searches log(alpha), log(beta) within this box. Without heterogeneity the
# likelihood rises along a ridge towards alpha, beta -> infinity; unbounded, BFGS walked it until
# rounding noise threw it to absurd values (overflow warnings, nan). In the box it stops at the
# edge, where the fitters' geometric comparison and interior check refuse the fit.
_LOG_PARAM_BOUND = MAX_ABS_LOG_PARAM + 5.0


class LogLikelihood(NamedTuple):
    """The sBG log-likelihood with its gradient and Hessian in (log alpha, log beta)."""

    value: float
    grad: FloatArray
    hess: FloatArray


def maximise_log_likelihood(
    loglik: Callable[[FloatArray], LogLikelihood], total: float
) -> tuple[FloatArray, LogLikelihood]:
    """The (log alpha, log beta) maximising ``loglik`` within the box, and ``loglik`` there.

    L-BFGS-B on the per-customer scale (``total`` customers) finds the hill; it stops ~1e-8 from
    the top in the parameters, wherever its path and the machine's last bits take it, and the
    information matrix then moves in the eighth digit too. Newton steps with the exact Hessian
    finish the climb to rounding, so the fit and its intervals do not depend on the path.
    """
    res = optimize.minimize(
        lambda x: _negated(loglik(x), total),
        np.zeros(2),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-_LOG_PARAM_BOUND, _LOG_PARAM_BOUND)] * 2,
        options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 5000},
    )
    x = np.asarray(res.x, dtype=np.float64)
    here = loglik(x)
    for _ in range(_POLISH_STEPS):
        if not (np.all(np.isfinite(here.hess)) and np.all(np.linalg.eigvalsh(-here.hess) > 0)):
            break  # not at a proper maximum (e.g. the no-heterogeneity ridge): leave it be
        step = np.linalg.solve(-here.hess, here.grad)
        candidate = x + step
        if np.any(np.abs(candidate) > _LOG_PARAM_BOUND):
            break
        new = loglik(candidate)
        if not (np.isfinite(new.value) and new.value >= here.value - 1e-12 * abs(here.value)):
            break  # rounding noise now exceeds what a step could gain
        x, here = candidate, new
        if np.max(np.abs(step)) < 1e-13:
            break
    return x, here


def _negated(f: LogLikelihood, total: float) -> tuple[float, FloatArray]:
    return -f.value / total, -f.grad / total


def truncated_log_likelihood(
    log_params: FloatArray,
    entry: npt.NDArray[np.int64],
    periods: npt.NDArray[np.int64],
    lost: npt.NDArray[np.bool_],
    weights: FloatArray,
) -> LogLikelihood:
    """Log-likelihood of customers first seen after ``entry`` renewals, exact derivatives.

    A row lost in period ``t`` contributes ``log S(t - 1) + log(1 - r(t)) - log S(e)``; a row
    still active after ``t`` renewals ``log S(t) - log S(e)`` (``e = 0``: seen from acquisition,
    Fader & Hardie 2007). ``S(t) = prod_{j <= t} r(j)``, ``r(j) = (b + j - 1) / (a + b + j - 1)``.
    Summing logs of these ratios, rather than differencing ln B(a, b) terms, stays exact as a, b
    grow large, which the no-heterogeneity checks rely on. With ``D = a + b + j - 1`` and
    ``B = b + j - 1``: d log r / da = -1/D, d/db = 1/B - 1/D; d2/da2 = d2/dadb = 1/D^2,
    d2/db2 = 1/D^2 - 1/B^2; a loss adds log a - log D(t).
    """
    a, b = (float(v) for v in np.exp(log_params))
    j = np.arange(1, int(periods.max()) + 1, dtype=np.float64)
    d, bj = a + b + j - 1, b + j - 1

    def cumulated(v: FloatArray) -> FloatArray:
        return np.concatenate([[0.0], np.cumsum(v)])

    at = np.where(lost, periods - 1, periods)  # the S(.) each row's likelihood holds

    def rows(v: FloatArray) -> FloatArray:
        c = cumulated(v)
        return np.asarray(c[at] - c[entry], dtype=np.float64)

    d_t = a + b + periods - 1.0
    ll = rows(-np.log1p(a / bj)) + np.where(lost, np.log(a / d_t), 0.0)
    ga = rows(-1.0 / d) + np.where(lost, 1.0 / a - 1.0 / d_t, 0.0)
    gb = rows(1.0 / bj - 1.0 / d) + np.where(lost, -1.0 / d_t, 0.0)
    hab_rows = rows(1.0 / d**2) + np.where(lost, 1.0 / d_t**2, 0.0)
    haa = hab_rows + np.where(lost, -1.0 / a**2, 0.0)
    hbb = rows(1.0 / d**2 - 1.0 / bj**2) + np.where(lost, 1.0 / d_t**2, 0.0)
    g_a, g_b = float(np.sum(weights * ga)), float(np.sum(weights * gb))
    h_ab = float(np.sum(weights * hab_rows))
    # On the log scale: d/dx = a d/da, d2/dx2 = a^2 d2/da2 + a d/da.
    hess = np.array(
        [[a * a * float(np.sum(weights * haa)) + a * g_a, a * b * h_ab],
         [a * b * h_ab, b * b * float(np.sum(weights * hbb)) + b * g_b]]
    )
    return LogLikelihood(float(np.sum(weights * ll)), np.array([a * g_a, b * g_b]), hess)
