"""The ridge logistic propensity of the retention estimators, fitted by Newton's method.

One model serves the DR estimator's cross-fitted propensity (``adjusted.py``) and the robustness
table's IPW-only estimate (``robustness.py``): the maximum of

    Σ_i [A_i η_i − log(1 + exp η_i)] − (l2 / 2) ‖γ_slopes‖²,   η = x̃ γ,

with x̃ = (1, standardised covariates) and the intercept not penalised — scikit-learn's
``make_pipeline(StandardScaler(), LogisticRegression(C=1))``, maximised to a step below 1e-10
instead of stopping at L-BFGS's gradient tolerance.

The rows are read a block at a time and never copied whole: a cross-fitting fold is a list of
row numbers, not ``x[rows]``. Each Newton step is one pass over the rows: the covariates are
centred per block and the scaling applied to the p × p sums, not to every row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import expit

from cxroi.stats.row_blocks import (
    Ints,
    RowsOf,
    column_mean_std,
    row_blocks,
    standardised,
    subset,
    times,
    with_intercept,
)

Array = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
LOGISTIC_L2 = 1.0  # scikit-learn's C = 1 on standardised covariates
STEP_TOLERANCE = 1e-10  # largest Newton step (standardised scale) at which the fit stops
MAX_STEPS = 100
MAX_HALVINGS = 30
# a cold start on this many rows or more begins with a fit on every PILOT_EVERY-th row
PILOT_MIN_ROWS = 80_000
PILOT_EVERY = 8


@dataclass(frozen=True)
class Logistic:
    """A fitted ridge logistic regression, with what the variance needs.

    ``rows``: the rows of ``x`` it was fitted on (None = all); ``fitted`` and ``outcome`` are in
    their order. The design x̃ is made a block of rows at a time and never stored, nor is the
    n × (1 + p) influence H⁻¹ x̃_i (A_i − π_i): it is only ever needed times a vector
    (``influence_times``)."""

    x: Array
    rows: Ints | None
    mean: Array
    scale: Array
    outcome: Array  # A_i as 0/1
    coef: Array  # γ: intercept and slopes on the standardised scale
    fitted: Array  # π_i
    hessian: Array  # (1 + p) × (1 + p), penalised, at the fit

    def design(self) -> RowsOf:
        return with_intercept(standardised(self.x, self.mean, self.scale, self.rows))

    def influence_times(self, slope: Array) -> Array:
        """Σ_j influence_ij slope_j per row: (A_i − π_i) x̃_i · H⁻¹ slope."""
        u = np.asarray(np.linalg.solve(self.hessian, slope), dtype=np.float64)
        residual: Array = self.outcome - self.fitted
        out: Array = residual * times(self.design(), len(self.outcome), u)
        return out

    def raw_coefficients(self) -> Array:
        """(intercept, slopes) on the covariates' own scale: η = b0 + x·b."""
        slopes = self.coef[1:] / self.scale
        return np.concatenate([[float(self.coef[0]) - float(slopes @ self.mean)], slopes])

    def predict(self, x: Array, rows: Ints | None = None) -> Array:
        """π at ``x[rows]`` (all rows when None), e.g. a cross-fitting fold's held-out rows."""
        raw = self.raw_coefficients()
        n = len(x) if rows is None else len(rows)
        return _sigmoid(times(subset(x, rows), n, raw[1:]) + raw[0])


def fit_logistic(
    x: Array,
    a: Bools,
    l2: float = LOGISTIC_L2,
    start: Array | None = None,
    rows: Ints | None = None,
) -> Logistic:
    """Newton–Raphson on the penalised log-likelihood, on ``x[rows]`` (all rows when None).

    ``a``: the outcome of those rows, in their order. ``start``: (intercept, slopes) on the
    covariates' own scale (``Logistic.raw_coefficients``), e.g. another fold's fit, to begin
    from instead of zero. The objective is strictly concave, so the maximum is the same; it is
    reached in fewer steps. A step that lowers the objective is halved until it does not (far
    from the maximum a full Newton step can overshoot)."""
    x = np.asarray(x, dtype=np.float64)
    n, p = (len(x) if rows is None else len(rows)), x.shape[1]
    y = np.asarray(a, dtype=np.float64)
    if start is None and n >= PILOT_MIN_ROWS:
        # Far from the maximum Newton's steps gain little each (16 full passes at 1M): take
        # those on every PILOT_EVERY-th row, then finish on all rows from the pilot's maximum.
        every = np.arange(0, n, PILOT_EVERY)
        pilot_rows = every if rows is None else rows[every]
        start = fit_logistic(x, a[every], l2 / PILOT_EVERY, rows=pilot_rows).raw_coefficients()

    part = subset(x, rows)
    mean, sd = column_mean_std(part, n, p)
    scale = np.where(sd > 0, sd, 1.0)
    penalty = np.full(p + 1, l2)
    penalty[0] = 0.0
    gamma = np.zeros(p + 1) if start is None else _standardised(start, mean, scale)
    current = _pass(part, n, mean, scale, y, gamma)
    for _ in range(MAX_STEPS):
        step = np.linalg.solve(current.info + np.diag(penalty), current.grad - penalty * gamma)
        if float(np.abs(step).max()) < STEP_TOLERANCE:
            # the maximum is within the tolerance of gamma (Newton converges quadratically):
            # no further pass
            break
        objective = current.loglik - 0.5 * float(penalty @ gamma**2)
        for _ in range(MAX_HALVINGS):
            trial = _pass(part, n, mean, scale, y, gamma + step)
            gained = trial.loglik - 0.5 * float(penalty @ (gamma + step) ** 2) - objective
            # Relative slack, as in the Cox fit: near the maximum a step's gain is below the
            # rounding of the objective itself
            if gained >= -1e-12 * abs(objective):
                break
            step = step / 2.0
        gamma, current = gamma + step, trial
    return Logistic(
        x=x,
        rows=rows,
        mean=mean,
        scale=scale,
        outcome=y,
        coef=gamma,
        fitted=current.fitted,
        hessian=current.info + np.diag(penalty),
    )


@dataclass(frozen=True)
class _Pass:
    fitted: Array
    loglik: float
    grad: Array  # x̃ᵀ(A − π)
    info: Array  # x̃ᵀ diag(π(1 − π)) x̃


def _pass(
    part: RowsOf, n: int, mean: Array, scale: Array, y: Array, gamma: Array
) -> _Pass:
    """π, the log-likelihood, its gradient and information at ``gamma``, in one pass.

    Per block only the centred covariates d = x − mean are made; with x̃ = (1, d / scale),
    x̃ᵀ r = (Σ r, dᵀr / scale) and x̃ᵀ W x̃ has Σ w, dᵀw / scale and dᵀ W d / (scale scaleᵀ)."""
    p = len(mean)
    slopes = gamma[1:] / scale
    fitted = np.empty(n)
    loglik = 0.0
    r_sum, w_sum = 0.0, 0.0
    dr, dw = np.zeros(p), np.zeros(p)
    dwd = np.zeros((p, p))
    for s in row_blocks(n):
        d = part(s) - mean
        eta = d @ slopes + gamma[0]
        f = _sigmoid(eta)
        fitted[s] = f
        ys = y[s]
        # log(1 + e^η) without overflow
        loglik += float(ys @ eta - np.logaddexp(0.0, eta).sum())
        r = ys - f
        w = f * (1.0 - f)
        r_sum += float(r.sum())
        w_sum += float(w.sum())
        dr += d.T @ r
        dw += d.T @ w
        dwd += (d * w[:, None]).T @ d
    grad = np.concatenate([[r_sum], dr / scale])
    info = np.empty((p + 1, p + 1))
    info[0, 0] = w_sum
    info[0, 1:] = info[1:, 0] = dw / scale
    info[1:, 1:] = dwd / np.outer(scale, scale)
    return _Pass(fitted, loglik, grad, info)


def _sigmoid(eta: Array) -> Array:
    out: Array = expit(eta)  # no overflow warning far in the tails
    return out


def _standardised(start: Array, mean: Array, scale: Array) -> Array:
    # η = b0 + xβ = (b0 + mean·β) + ((x − mean)/scale)·(β·scale)
    slopes = np.asarray(start[1:], dtype=np.float64)
    return np.concatenate([[float(start[0]) + float(slopes @ mean)], slopes * scale])
