"""Per-arm pieces of the adjusted estimators: outcome-model predictions and censoring-augmented
pseudo-outcomes, for survival at the horizon and for the restricted mean (time active until it).

Censoring is administrative: each customer's potential follow-up C = as_of − index is known, so
an outcome that needs follow-up to the horizon H is missing exactly for customers indexed less
than H days before as_of who have not churned. On a grid of whole days (churn in day
e = ⌈T⌉, observed through day c = ⌊C⌋) the augmented inverse-probability-of-censoring-weighted
outcome of Y, for a customer of arm a, is (Tsiatis 2006, ch. 9–10; Bai, Tsiatis & O'Brien 2013)

    U = Δ·Y / K(e ∧ H) + Σ_k dM_C(k) · Q(k) / K(k+1),    Q(k) = E[Y | T > k, X, A = a],

with K(k) = P(C ≥ k) the censoring survival (by arm and strata of predicted follow-up), M_C its
martingale and Δ = 1{c ≥ e ∧ H}. Two outcomes share one pass over the days:

- survival, Y = 1{T > H}: Q(k) = S_a(H | X) / S_a(k | X);
- restricted mean, Y = min(T, H) days: Q(k) = k + ∫_k^H S_a(t | X) / S_a(k | X) dt
  (trapezoid between whole days), which gives the expected days active in the horizon.

U is unbiased for E[Y | X, A = a] when either the censoring model or the outcome model S_a is
right. S_a is a Cox model per arm, cross-fitted: a customer's prediction comes from the model
fitted without their fold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cxroi.analyses.retention.cox import CoxPH
from cxroi.stats.result import CannotCompute

Array = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ArmScores:
    """One arm's per-customer pieces; ``m_*`` for every customer, ``u_*`` meaningful only for
    the arm's own customers (zero elsewhere). Restricted means are in days."""

    m_survival: Array  # S_a(H | X_i)
    u_survival: Array  # augmented IPCW outcome of 1{T > H}
    m_restricted: Array  # ∫_0^H S_a(t | X_i) dt
    u_restricted: Array  # augmented IPCW outcome of min(T, H)
    # the last cross-fitting fold's Cox coefficients: where a fit of the same model on the
    # arm's customers may start Newton's method (the robustness table's outcome model)
    outcome_coef: Array


@dataclass(frozen=True)
class Follow:
    """The censoring side of the data, on whole days, shared by both arms."""

    churn_day: Array  # e = ⌈T⌉ when the churn is observed (e ≤ c), else +inf
    duration: Array  # T ∧ C in days
    observed_through: Ints  # c = ⌊C⌋
    strata: Ints  # censoring strata (never shared between arms)


def follow_from(duration: Array, event: Bools, followup: Array, strata: Ints) -> Follow:
    c = np.floor(np.maximum(followup, 0.0)).astype(np.int64)
    e = np.where(event, np.ceil(duration), np.inf)
    # A churn inside the last partial day of follow-up counts as censored there.
    e = np.where(e <= c, e, np.inf)
    return Follow(e, np.asarray(duration, dtype=np.float64), c, strata)


def censoring_survival(follow: Follow, own: Bools, horizon: int) -> Array:
    """K[s, k] = P(C ≥ k) within stratum s, k = 0 … H+1 (rows of strata without own customers
    stay zero)."""
    c, strata = follow.observed_through, follow.strata
    surv = np.zeros((int(strata.max()) + 1, horizon + 2))
    for s in np.unique(strata[own]):
        cs = c[own & (strata == s)]
        counts = np.bincount(np.minimum(cs, horizon + 1), minlength=horizon + 2)[: horizon + 2]
        surv[s] = counts[::-1].cumsum()[::-1] / len(cs)
    return surv


def cross_fit_cox(
    x: Array,
    own: Bools,
    fold: Ints,
    folds: int,
    follow: Follow,
    event: Bools,
    horizon: int,
    penalizer: float,
) -> tuple[Array, Array, Array]:
    """Relative risk exp(η_i) from the model without i's fold, each fold's baseline Λ0 on
    whole days 0 … H (rows: folds), and the last fold's coefficients."""
    grid = np.arange(horizon + 1, dtype=np.float64)
    eta = np.zeros(len(own))
    lam = np.zeros((folds, horizon + 1))
    start = None  # each fold's fit starts from the previous fold's coefficients
    for k in range(folds):
        train = np.flatnonzero((fold != k) & own)
        model = CoxPH(penalizer=penalizer).fit(x, follow.duration, event, rows=train, start=start)
        start = model.coef_
        test = np.flatnonzero(fold == k)
        eta[test] = model.linear_predictor(x, rows=test)
        lam[k] = model.cumulative_hazard_at(grid)
    assert start is not None  # folds ≥ 2
    return np.exp(eta), lam, start


def arm_scores(
    x: Array,
    own: Bools,
    fold: Ints,
    folds: int,
    follow: Follow,
    event: Bools,
    horizon: int,
    penalizer: float,
    arm_name: str,
) -> ArmScores | CannotCompute:
    h = horizon
    risk, lam, coef = cross_fit_cox(x, own, fold, folds, follow, event, h, penalizer)
    k_surv = censoring_survival(follow, own, h)
    e, c, strata = follow.churn_day, follow.observed_through, follow.strata
    k_h = k_surv[strata, h]
    censored = own & (c < h) & ~np.isfinite(e)
    if not (k_h[own] > 0).any() or (censored & (k_h <= 0)).any():
        return CannotCompute(
            f"no {arm_name} customer in some follow-up stratum was indexed {h} days before "
            f"as_of: retention over {h} days is not identified without longer data"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(k_surv > 0, 1.0 / k_surv, 0.0)
    # h_C(k) / K(k+1) = 1/K(k+1) − 1/K(k): the censoring compensator's weight on day k.
    step = np.diff(inv, axis=1)[:, :h]

    survived = own & (e > h) & (c >= h)
    churned = own & (e <= h)  # observed churn within the horizon (e ≤ c by construction)
    w_surv = np.where(survived, inv[strata, h], 0.0)
    churn_day = np.where(churned, e, h).astype(np.int64)
    w_rest = np.where(survived, h * inv[strata, h], 0.0)
    w_rest = np.where(churned, follow.duration * inv[strata, churn_day], w_rest)

    # One backward pass over the days; per customer, tail = S(H)/S(k) and
    # mean_left = ∫_k^H S(t)/S(k) dt, so no customer × day matrix is ever built.
    last = np.minimum(np.minimum(e - 1, c), h - 1)  # at risk of censoring on days 0 … last
    sums = _backward_pass(risk, lam, fold, _OwnAtRisk(own, last, strata, censored, c, h), step, inv)
    mean_left, comp_surv, comp_rest, cens_surv, cens_rest = sums
    start = np.exp(-lam[fold, 0] * risk)  # S(0): below 1 only if someone churned at the index
    return ArmScores(
        m_survival=np.exp(-lam[fold, h] * risk),
        u_survival=np.where(own, w_surv + cens_surv - comp_surv, 0.0),
        m_restricted=start * mean_left,
        u_restricted=np.where(own, w_rest + cens_rest - comp_rest, 0.0),
        outcome_coef=coef,
    )


class _OwnAtRisk:
    """The arm's own customers, those at risk of censoring longest first, so that the ones at
    risk on any day are a prefix; and who leaves follow-up (censored) on which day."""

    def __init__(
        self, own: Bools, last: Array, strata: Ints, censored: Bools, c: Ints, horizon: int
    ) -> None:
        rows = np.flatnonzero(own)
        self.rows = rows[np.argsort(-last[rows], kind="stable")]
        self.strata = strata[self.rows]
        # on day k, the first at_risk[k] of them (last ≥ k)
        self.at_risk = np.searchsorted(-last[self.rows], -np.arange(horizon), side="right")
        leaving = np.flatnonzero(censored[self.rows])
        days = c[self.rows][leaving]
        self.leaving: dict[int, Ints] = {
            int(day): leaving[days == day] for day in np.unique(days)
        }


def _backward_pass(
    risk: Array, lam: Array, fold: Ints, own: _OwnAtRisk, step: Array, inv: Array
) -> tuple[Array, Array, Array, Array, Array]:
    """Days H−1 … 0: mean_left for every customer, the compensator and censoring terms for the
    arm's own (zero elsewhere). Each customer's arithmetic is that of the plain recursion
    over all customers and days; customers not at risk on a day are skipped (they would add
    zero)."""
    n, h = len(risk), lam.shape[1] - 1
    others = np.ones(n, dtype=bool)
    others[own.rows] = False
    order = np.concatenate([own.rows, np.flatnonzero(others)])
    n_own = len(own.rows)
    risk_o, fold_o = risk[order], fold[order]
    mean_left = np.zeros(n)
    ratio, half = np.empty(n), np.empty(n)
    tail = np.ones(n_own)
    comp_surv, comp_rest = np.zeros(n_own), np.zeros(n_own)
    cens_surv, cens_rest = np.zeros(n_own), np.zeros(n_own)
    for day in range(h - 1, -1, -1):
        # S(day+1)/S(day) = exp(−(Λ0(day+1) − Λ0(day)) · risk), Λ0 of the customer's fold
        np.multiply((-(lam[:, day + 1] - lam[:, day]))[fold_o], risk_o, out=ratio)
        np.exp(ratio, out=ratio)
        # mean_left = ratio · mean_left + 0.5 · (1 + ratio)
        np.multiply(ratio, mean_left, out=mean_left)
        np.add(1.0, ratio, out=half)
        np.multiply(0.5, half, out=half)
        np.add(mean_left, half, out=mean_left)
        np.multiply(ratio[:n_own], tail, out=tail)
        k = int(own.at_risk[day])
        q_rest = day + mean_left[:k]
        weight = step[:, day][own.strata[:k]]
        comp_surv[:k] += weight * tail[:k]
        comp_rest[:k] += weight * q_rest
        leaving = own.leaving.get(day)
        if leaving is not None:
            w_leave = inv[own.strata[leaving], day + 1]
            cens_surv[leaving] = tail[leaving] * w_leave
            cens_rest[leaving] = q_rest[leaving] * w_leave
    out = np.empty(n)
    out[order] = mean_left
    pieces = [out]
    for values in (comp_surv, comp_rest, cens_surv, cens_rest):
        full = np.zeros(n)
        full[own.rows] = values
        pieces.append(full)
    return pieces[0], pieces[1], pieces[2], pieces[3], pieces[4]
