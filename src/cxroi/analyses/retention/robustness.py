"""Robustness table: the doubly robust estimates beside an IPW-only and an outcome-model-only one.

The doubly robust (DR) estimate needs either the outcome model or the propensity (and censoring)
model to be right. Its two halves, each estimated on its own, show which of them carries the
result; when the three disagree by more than their intervals allow, a model is wrong somewhere.

- **IPW only** (for exposure): Hájek-weighted means of each customer's censoring-augmented
  outcome U (``aipcw.py``), with a logistic propensity fitted on all analysed customers: ATE
  weights 1/π and 1/(1 − π), ATT weights 1 and π/(1 − π) (Hirano, Imbens & Ridder 2003). No
  outcome model enters the adjustment for confounding. Censoring is handled as in the DR
  estimate, because administrative follow-up is set by the index date, which is itself a
  confounder (the month): plain inverse-probability-of-censoring weights within strata of
  follow-up assume that recently indexed customers churn like earlier ones in their stratum,
  and the calibration study found them biased where new customers are indexed later.
  Standard error from the stacked estimating equations, so the estimation of the propensity is
  accounted for (Lunceford & Davidian 2004); U is treated as given, as in the DR variance.
- **Outcome model only (g-formula)**: the mean of S_1(H | X) − S_0(H | X) over the population,
  one Cox model per arm fitted on all its customers (Robins 1986). Standard error by the delta
  method over each model's coefficients and Breslow baseline (``cox_influence.py``).

Both use the same customers (after the same trimming) as the DR estimate they stand beside.
They are fitted without cross-fitting, as their variance formulas assume.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from cxroi.analyses.retention.adjusted import AdjustedRetention
from cxroi.analyses.retention.cox import CoxPH
from cxroi.analyses.retention.cox_influence import CoxInfluence, cox_influence
from cxroi.analyses.retention.logistic import Logistic, fit_logistic
from cxroi.results.model.retention import Robustness, RobustnessRow
from cxroi.stats.result import CannotCompute, Estimate, Result
from cxroi.stats.row_blocks import standardised, transposed_times
from cxroi.stats.summary import Z95

Array = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


def _weighted_mean(
    weights: Array, outcome: Array, derivative: Array, fit: Logistic
) -> tuple[float, Array]:
    """Hájek mean Σ v·Y / Σ v and its influence values (sum scale); ``derivative`` is ∂v/∂γ
    divided by x̃, per customer."""
    total = float(weights.sum())
    mean = float((weights * outcome).sum() / total)
    residual = outcome - mean
    slope = transposed_times(fit.design(), derivative * residual)
    return mean, (weights * residual + fit.influence_times(slope)) / total


def _ipw(
    model: AdjustedRetention, fit: Logistic, a: Bools, estimand: str
) -> Result:
    e = fit.fitted
    y1 = model.scores_[True].u_survival
    y0 = model.scores_[False].u_survival
    if estimand == "ate":
        k = model.kept_.astype(np.float64)
        mu1, if1 = _weighted_mean(k * a / e, y1, -k * a * (1.0 - e) / e, fit)
        mu0, if0 = _weighted_mean(k * ~a / (1.0 - e), y0, k * ~a * e / (1.0 - e), fit)
    else:
        k = model.kept_att_.astype(np.float64)
        odds = e / (1.0 - e)
        mu1, if1 = _weighted_mean(k * a, y1, np.zeros(len(a)), fit)
        mu0, if0 = _weighted_mean(k * ~a * odds, y0, k * ~a * odds, fit)
    se = math.sqrt(float((if1 - if0) @ (if1 - if0)))
    return _estimate(
        mu1 - mu0,
        se,
        "IPW only (exposure): Hájek weights from a logistic propensity (all customers), "
        "censoring-augmented outcome; SE from stacked estimating equations (propensity "
        "estimation included)",
        int(k.sum()),
    )


@dataclass(frozen=True)
class ArmOutcomeModel:
    """One arm's Cox model on all its customers, with its influence values."""

    own: Bools
    cox: CoxPH
    influence: CoxInfluence


def fit_arm_model(
    x: Array,
    own: Bools,
    duration: Array,
    event: Bools,
    horizon: float,
    penalizer: float,
    start: Array | None = None,
) -> ArmOutcomeModel:
    """``start``: Cox coefficients to begin from (``CoxPH.fit``), e.g. a cross-fitting fold's."""
    rows = np.flatnonzero(own)
    cox = CoxPH(penalizer=penalizer).fit(x, duration, event, rows=rows, start=start)
    return ArmOutcomeModel(own, cox, cox_influence(cox, x, duration, event, horizon, rows))


def _g_formula_arm(arm: ArmOutcomeModel, x: Array, population: Bools) -> tuple[float, Array]:
    """Mean of S_a(H | X) over ``population`` and its influence values (sum scale)."""
    cox, infl = arm.cox, arm.influence
    rows = np.flatnonzero(population)
    z = standardised(x, cox.mean_, cox.scale_, rows)
    risk = np.exp(cox.linear_predictor(x, rows))
    g = np.exp(-infl.baseline_at_horizon * risk)
    size = float(len(rows))
    theta = float(g.mean())
    d_beta = transposed_times(z, -g * infl.baseline_at_horizon * risk) / size
    d_baseline = float((-g * risk).sum() / size)
    influence = np.zeros(len(population))
    influence[population] += (g - theta) / size
    # β̂'s and Λ̂0(H)'s influence, each times its derivative, in one pass over the rows
    influence[arm.own] += infl.beta_times(d_beta - d_baseline * infl.cum_e_at_horizon)
    influence[arm.own] += d_baseline * infl.own_baseline
    return theta, influence


def _g_formula(
    model: AdjustedRetention,
    arms: tuple[ArmOutcomeModel, ArmOutcomeModel],
    x: Array,
    a: Bools,
    estimand: str,
) -> Result:
    population = model.kept_ if estimand == "ate" else model.kept_att_ & a
    mu1, if1 = _g_formula_arm(arms[0], x, population)
    mu0, if0 = _g_formula_arm(arms[1], x, population)
    se = math.sqrt(float((if1 - if0) @ (if1 - if0)))
    return _estimate(
        mu1 - mu0,
        se,
        "outcome model only (g-formula): Cox model per group on all its customers, averaged "
        "over the population; delta-method SE over coefficients and Breslow baseline",
        int(population.sum()),
    )


def _estimate(effect: float, se: float, method: str, n: int) -> Result:
    if not (math.isfinite(effect) and math.isfinite(se)):
        return CannotCompute(f"{method.split(':')[0]}: the estimate is not finite")
    return Estimate(effect, effect - Z95 * se, effect + Z95 * se, method=method, n=n, se=se)


def robustness_table(
    model: AdjustedRetention, x: Array, exposed: Bools, duration: Array, event: Bools
) -> Robustness | CannotCompute:
    """IPW-only and g-formula estimates beside the fitted DR ones, for ATE and ATT."""
    if isinstance(model.result_, CannotCompute):
        return CannotCompute(model.result_.reason)
    # One thread, as in the DR fit: small matrices, a shared machine, reproducible sums.
    with threadpool_limits(limits=1):
        return _robustness(model, x, exposed, duration, event)


def _robustness(
    model: AdjustedRetention, x: Array, exposed: Bools, duration: Array, event: Bools
) -> Robustness:
    x = np.asarray(x, dtype=np.float64)
    a = np.asarray(exposed, dtype=bool)
    event = np.asarray(event, dtype=bool)
    duration = np.asarray(duration, dtype=np.float64)
    # Each fit starts where the DR estimator's last cross-fitting fold ended (the same models on
    # (K−1)/K of the rows): at 1M, 14 → 6 Newton steps for the propensity, 12 → 7 derivative
    # evaluations for the two Cox models.
    propensity = fit_logistic(x, a, start=model.propensity_coef_)
    h, pen = float(model.horizon_days), model.cox_penalizer
    starts = model.scores_[True].outcome_coef, model.scores_[False].outcome_coef
    arms = (
        fit_arm_model(x, a, duration, event, h, pen, starts[0]),
        fit_arm_model(x, ~a, duration, event, h, pen, starts[1]),
    )
    rows = {
        estimand: RobustnessRow(
            # the DR estimate itself, apart from its overlap and arm details (those live once, in
            # delta_12m_adjusted / att_12m): this row only compares estimators
            doubly_robust=dr if isinstance(dr, CannotCompute) else dr.base(),
            ipw=_ipw(model, propensity, a, estimand),
            g_formula=_g_formula(model, arms, x, a, estimand),
        )
        for estimand, dr in (("ate", model.result_), ("att", model.att_result_))
    }
    return Robustness(ate=rows["ate"], att=rows["att"])
