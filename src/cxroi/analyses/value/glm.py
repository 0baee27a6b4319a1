"""Small regression fitters and a categorical design, shared by the value estimators.

The value estimators fit their nuisance models on grouped data: one row per cell of categorical
covariates with a count, a number of successes or a sum. A logistic regression on such binomial
rows and a weighted least-squares fit on cell means give exactly the estimates of the same models
fitted on the individual rows (the cell totals are sufficient statistics), so the engine only ever
hands pandas one row per cell, whatever the number of contacts.

- :func:`fit_logistic`: ridge logistic regression by Newton's method, optionally on binomial rows
  (``y`` = share of successes, ``weights`` = trials); the covariance is the inverse penalised
  information.
- :func:`fit_wls`: weighted least squares with a small ridge (an empty level gets coefficient 0
  rather than making the system singular).
- :func:`fit_poisson`: log-link quasi-Poisson regression on cell means (a non-negative outcome
  whose mean multiplies across covariates, such as a sale's probability x its size).
- :class:`CategoricalDesign`: one-hot columns learnt once (levels sorted, the first is the
  reference) and optional pairwise interactions, applied unchanged to any frame.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import expit

FloatArray = npt.NDArray[np.float64]
_MAX_NEWTON = 100
_MAX_STEP = 5.0


def fit_logistic(
    x: FloatArray,
    y: FloatArray,
    penalty: float = 1.0,
    weights: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Ridge logistic regression by Newton's method; column 0 (intercept) is not penalised.

    ``weights`` are trial counts when ``y`` holds shares (binomial rows); None = one trial each.
    Returns the coefficients and the inverse penalised information (their covariance).
    """
    p = x.shape[1]
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
    pen = np.full(p, penalty)
    pen[0] = 0.0
    beta = np.zeros(p)
    hess = np.eye(p)
    for _ in range(_MAX_NEWTON):
        mu = expit(x @ beta)
        grad = x.T @ (w * (y - mu)) - pen * beta
        hess = (x * (w * mu * (1 - mu))[:, None]).T @ x + np.diag(pen)
        step = np.linalg.solve(hess, grad)
        # Newton on a penalised logistic likelihood rarely overshoots; the cap guards separation.
        scale = min(1.0, _MAX_STEP / max(float(np.max(np.abs(step))), 1e-300))
        beta = beta + scale * step
        if float(np.max(np.abs(step))) < 1e-10:
            break
    return beta, np.asarray(np.linalg.inv(hess), dtype=np.float64)


def fit_wls(x: FloatArray, y: FloatArray, weights: FloatArray, ridge: float = 1e-6) -> FloatArray:
    """Weighted least squares ``argmin sum w (y - x b)^2 + ridge |b[1:]|^2``."""
    w = np.asarray(weights, dtype=np.float64)
    pen = np.full(x.shape[1], ridge)
    pen[0] = 0.0
    gram = (x * w[:, None]).T @ x + np.diag(pen)
    return np.asarray(np.linalg.solve(gram, x.T @ (w * y)), dtype=np.float64)


def fit_poisson(
    x: FloatArray, y: FloatArray, weights: FloatArray, ridge: float = 1e-6
) -> FloatArray:
    """Log-link quasi-Poisson regression of means ``y`` (>= 0) with ``weights`` units per row.

    Maximises ``sum w (y eta - exp(eta)) - ridge |b[1:]|^2 / 2`` by Newton's method with step
    halving; a non-negative outcome's mean is then multiplicative in the covariates (a sale is
    worth more for a larger customer *and* more likely for some intents), which a linear model
    cannot express. Returns the coefficients.
    """
    w = np.asarray(weights, dtype=np.float64)
    p = x.shape[1]
    pen = np.full(p, ridge)
    pen[0] = 0.0
    beta = np.zeros(p)
    beta[0] = math.log(max(float(np.sum(w * y) / np.sum(w)), 1e-12))

    def objective(b: FloatArray) -> float:
        eta = x @ b
        return float(np.sum(w * (y * eta - np.exp(eta))) - 0.5 * np.sum(pen * b * b))

    current = objective(beta)
    for _ in range(_MAX_NEWTON):
        mu = np.exp(x @ beta)
        grad = x.T @ (w * (y - mu)) - pen * beta
        hess = (x * (w * mu)[:, None]).T @ x + np.diag(pen)
        step = np.linalg.solve(hess, grad)
        scale = 1.0
        while scale > 1e-6:
            trial = beta + scale * step
            value = objective(trial)
            if value >= current - 1e-12 * abs(current):
                break
            scale /= 2.0
        beta, current = trial, value
        if float(np.max(np.abs(scale * step))) < 1e-9:
            break
    return beta


class CategoricalDesign:
    """One-hot main effects (and chosen pairwise interactions) of categorical columns.

    Levels are learnt from ``frame`` in sorted order; the first level of each column is the
    reference. A level unseen at learning time gets zeros (the reference) when applied.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        columns: tuple[str, ...],
        interactions: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.columns = columns
        self.levels: dict[str, list[str]] = {
            c: sorted(str(v) for v in frame[c].unique())[1:] for c in columns
        }
        self.interactions = tuple((a, b) for a, b in interactions if a in columns and b in columns)
        self.names: list[str] = ["(intercept)"]
        for c in columns:
            self.names += [f"{c}={lv}" for lv in self.levels[c]]
        for a, b in self.interactions:
            self.names += [
                f"{a}={la}:{b}={lb}" for la in self.levels[a] for lb in self.levels[b]
            ]

    def matrix(self, frame: pd.DataFrame) -> FloatArray:
        n = len(frame)
        dummies: dict[str, dict[str, FloatArray]] = {}
        for c, lvs in self.levels.items():
            # each value's position among the levels (-1: the reference or unseen), compared
            # once per level: the same 0/1 columns as comparing the strings, without doing so
            text = frame[c].astype(str)
            if len(set(lvs)) < len(lvs):  # values whose texts coincide (1 and "1")
                dummies[c] = {lv: (text == lv).to_numpy(dtype=np.float64) for lv in lvs}
                continue
            codes = pd.Categorical(text, categories=lvs).codes
            dummies[c] = {lv: (codes == i).astype(np.float64) for i, lv in enumerate(lvs)}
        cols: list[FloatArray] = [np.ones(n)]
        for c in self.columns:
            cols += [dummies[c][lv] for lv in self.levels[c]]
        for a, b in self.interactions:
            cols += [
                dummies[a][la] * dummies[b][lb] for la in self.levels[a] for lb in self.levels[b]
            ]
        return np.column_stack(cols)
