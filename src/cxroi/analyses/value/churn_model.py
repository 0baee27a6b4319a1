"""The churn-risk model behind revenue at risk, and the Shapley split of the loss over weak links.

Model: logistic regression of "churned within 12 months" on standardised columns (a weak ridge,
lambda = 1, intercept free), fitted by Newton's method (:func:`glm.fit_logistic`); its
covariance is the inverse penalised information, and uncertainty is carried by draws of the
coefficients from that normal approximation. Out-of-fold predictions from 5 folds give honest
discrimination (AUC), calibration (Brier, mean predicted vs observed) and the observed vs
predicted 12-month revenue lost at the training landmark.

Timing (revenue lost, not revenue of churners). The model gives ``p`` = P(churn within 12
months); within those months the hazard is taken as constant, so the customer is expected to stay
``12 p / -log(1 - p)`` months and loses ``12 - 12 p / -log(1 - p)`` months of recurring revenue
(about half a year per expected churner when ``p`` is small). The training-landmark comparison
of observed and predicted months lost checks the assumption on the data.

Attribution (order-independent). Each weak link (e.g. an unresolved AI contact) is a 0/1
column. For a customer, ``v(S)`` = expected loss with the links outside ``S`` switched off and
those in ``S`` as observed. The Shapley value of link ``k`` averages ``v(S + k) - v(S)`` over
every order in which the links could be switched on (Shapley 1953; its use for splitting a
model's prediction over features: Lundberg & Lee 2017), so the parts add up exactly to
``v(all) - v(none)`` whatever the order, unlike switching links off one after another.
``v(none)`` summed over customers is the ordinary churn exposure: what the active customers would
still be expected to lose with no weak link.
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import expit
from sklearn.metrics import roc_auc_score

from cxroi.analyses.value.glm import fit_logistic

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
FOLDS = 5
PENALTY = 1.0
P_CLIP = 1e-12


def months_lost(p: FloatArray) -> FloatArray:
    """Expected months of revenue lost in 12 months at churn probability ``p`` (constant hazard)."""
    # 12 - 12 q / -log1p(-q), operation by operation in two buffers (the same bits as the
    # expression, without its five temporaries)
    lost: FloatArray = np.clip(p, P_CLIP, 1.0 - P_CLIP)
    log = np.negative(lost)
    np.log1p(log, out=log)
    np.negative(log, out=log)
    np.multiply(lost, 12.0, out=lost)
    np.divide(lost, log, out=lost)
    np.subtract(12.0, lost, out=lost)
    lost[p <= 0.0] = 0.0
    return lost


class RiskDesign:
    """Column recipe learnt on the training landmark, applied unchanged to the scoring one.

    Categorical columns become dummies (first sorted level = reference), numeric columns are
    filled with the training median; every column is standardised with training means and SDs,
    and columns constant in training are dropped.
    """

    def __init__(
        self, train: pd.DataFrame, categorical: list[str], numeric: list[str], flags: list[str]
    ) -> None:
        self.levels = {
            c: sorted(str(v) for v in train[c].dropna().unique())[1:] for c in categorical
        }
        self.numeric = numeric
        self.fill = {c: float(train[c].median()) for c in numeric}
        self.flags = flags
        raw = self._raw(train)
        self.mean = raw.mean(axis=0)
        sd = raw.std(axis=0)
        self.keep = sd > 0
        self.sd = np.where(sd > 0, sd, 1.0)
        self.names = [n for n, k in zip(self._names(), self.keep) if k]

    def _names(self) -> list[str]:
        return (
            [f"{c}={lv}" for c, lvs in self.levels.items() for lv in lvs]
            + self.numeric
            + self.flags
        )

    def _raw(self, df: pd.DataFrame) -> FloatArray:
        cols = [
            (df[c].astype("string") == lv).fillna(False).to_numpy(dtype=float)
            for c, lvs in self.levels.items()
            for lv in lvs
        ]
        cols += [df[c].astype(float).fillna(self.fill[c]).to_numpy() for c in self.numeric]
        cols += [df[c].to_numpy(dtype=float) for c in self.flags]
        return np.column_stack(cols) if cols else np.zeros((len(df), 0))

    def matrix(self, df: pd.DataFrame) -> FloatArray:
        z = ((self._raw(df) - self.mean) / self.sd)[:, self.keep]
        return np.column_stack([np.ones(len(df)), z])

    def flag_column(self, flag: str) -> int | None:
        """Column index (in ``matrix``) of a flag, or None when it was constant in training."""
        i = self._names().index(flag)
        if not self.keep[i]:
            return None
        return 1 + int(np.sum(self.keep[:i]))

    def off_value(self, flag: str) -> float:
        """The standardised value of a flag switched off (0)."""
        i = self._names().index(flag)
        return float(-self.mean[i] / self.sd[i])


def cross_fitted(x: FloatArray, y: FloatArray, rng: np.random.Generator) -> FloatArray:
    """Out-of-fold predicted probabilities from ``FOLDS`` random folds."""
    folds = rng.permutation(len(y)) % FOLDS
    oof = np.empty(len(y))
    for k in range(FOLDS):
        test = folds == k
        b, _ = fit_logistic(x[~test], y[~test], PENALTY)
        oof[test] = expit(x[test] @ b)
    return oof


def discrimination(y: FloatArray, oof: FloatArray) -> tuple[float, float]:
    """(AUC, Brier score) of out-of-fold predictions."""
    return float(roc_auc_score(y, oof)), float(np.mean((oof - y) ** 2))


def shapley_weights(n_links: int) -> dict[tuple[int, tuple[int, ...]], float]:
    """Weight of ``v(S + k) - v(S)`` in link k's Shapley value, keyed (k, S)."""
    out: dict[tuple[int, tuple[int, ...]], float] = {}
    for k in range(n_links):
        others = [j for j in range(n_links) if j != k]
        for size in range(n_links):
            w = math.factorial(size) * math.factorial(n_links - size - 1) / math.factorial(n_links)
            for s in combinations(others, size):
                out[(k, s)] = w
    return out


def switched_off(
    x: FloatArray, on: tuple[int, ...], link_cols: list[int], off_values: list[float]
) -> FloatArray:
    """A copy of ``x`` with every link outside ``on`` set to its off value."""
    z = x.copy()
    for k, (col, off) in enumerate(zip(link_cols, off_values, strict=True)):
        if k not in on:
            z[:, col] = off
    return z


def attribute_loss(
    x: FloatArray,
    betas: FloatArray,
    revenue: FloatArray,
    link_cols: list[int],
    off_values: list[float],
) -> dict[str, FloatArray]:
    """Per coefficient draw: total expected loss, ordinary exposure, and each link's Shapley part.

    ``x``: scoring matrix (customers x columns); ``betas``: draws x columns; ``revenue``: monthly
    recurring revenue per customer; ``link_cols[k]`` is link k's column, ``off_values[k]`` its
    standardised value when switched off. Returns arrays of length ``draws`` keyed ``total``,
    ``ordinary``, ``churners`` (expected number) and ``link:<k>``. Memory holds customers x draws
    matrices: the fitted coefficients, or a few draws of a small base
    (:mod:`cxroi.analyses.value.churn_risk`; large bases: :mod:`loss_expansion`).

    ``v(S)`` of a customer switches off the links outside ``S``; a customer without any link
    loses the same under every ``S``, so only customers with a link are scored under each subset.
    """
    n_links = len(link_cols)
    p = expit(x @ betas.T)  # customers x draws
    total = (revenue[:, None] * months_lost(p)).sum(axis=0)
    out = {"total": total, "churners": p.sum(axis=0)}
    has_link = np.zeros(len(x), dtype=bool)
    for col, off in zip(link_cols, off_values, strict=True):
        has_link |= ~np.isclose(x[:, col], off)
    xl, rl = x[has_link], revenue[has_link]
    value: dict[tuple[int, ...], FloatArray] = {}
    for size in range(n_links + 1):
        for s in combinations(range(n_links), size):
            xs = switched_off(xl, s, link_cols, off_values)
            value[s] = rl[:, None] * months_lost(expit(xs @ betas.T))

    def gain(with_k: tuple[int, ...], s: tuple[int, ...]) -> FloatArray:
        return np.asarray((value[with_k] - value[s]).sum(axis=0), dtype=np.float64)

    # customers without a weak link lose the same with or without switching anything off
    out["ordinary"] = total - gain(tuple(range(n_links)), ())
    for k in range(n_links):
        part = np.zeros(len(betas))
        for (kk, s), w in shapley_weights(n_links).items():
            if kk == k:
                part += w * gain(tuple(sorted((*s, k))), s)
        out[f"link:{k}"] = part
    return out
