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
) -> tuple[Array, Array]:
    """Relative risk exp(η_i) from the model without i's fold, and each fold's baseline Λ0 on
    whole days 0 … H (rows: folds)."""
    grid = np.arange(horizon + 1, dtype=np.float64)
    eta = np.zeros(len(own))
    lam = np.zeros((folds, horizon + 1))
    for k in range(folds):
        train = (fold != k) & own
        model = CoxPH(penalizer=penalizer).fit(x[train], follow.duration[train], event[train])
        test = fold == k
        eta[test] = model.linear_predictor(x[test])
        lam[k] = model.cumulative_hazard_at(grid)
    return np.exp(eta), lam


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
    risk, lam = cross_fit_cox(x, own, fold, folds, follow, event, h, penalizer)
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
    tail = np.ones(len(own))
    mean_left = np.zeros(len(own))
    comp_surv = np.zeros(len(own))
    comp_rest = np.zeros(len(own))
    cens_surv = np.zeros(len(own))
    cens_rest = np.zeros(len(own))
    upper = lam[fold, h]
    for day in range(h - 1, -1, -1):
        lower = lam[fold, day]
        ratio = np.exp(-(upper - lower) * risk)  # S(day+1)/S(day)
        upper = lower
        mean_left = ratio * mean_left + 0.5 * (1.0 + ratio)
        tail = ratio * tail
        q_rest = day + mean_left
        at_risk = own & (last >= day)
        weight = np.where(at_risk, step[strata, day], 0.0)
        comp_surv += weight * tail
        comp_rest += weight * q_rest
        leaving = censored & (c == day)
        if leaving.any():
            w_leave = inv[strata[leaving], day + 1]
            cens_surv[leaving] = tail[leaving] * w_leave
            cens_rest[leaving] = q_rest[leaving] * w_leave
    start = np.exp(-lam[fold, 0] * risk)  # S(0): below 1 only if someone churned at the index
    return ArmScores(
        m_survival=np.exp(-lam[fold, h] * risk),
        u_survival=np.where(own, w_surv + cens_surv - comp_surv, 0.0),
        m_restricted=start * mean_left,
        u_restricted=np.where(own, w_rest + cens_rest - comp_rest, 0.0),
    )
