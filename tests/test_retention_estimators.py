"""The adjusted retention estimators against independent references: lifelines (Cox robust
variance, restricted mean of Kaplan–Meier), scikit-learn (logistic regression), brute-force
recomputation of ATT and the revenue-weighted total, bootstrap standard errors for the
robustness estimates, and simulated data with planted truths (ATE vs ATT, restricted mean).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.utils import restricted_mean_survival_time
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from cxroi.analyses.retention.adjusted import AdjustedRetention
from cxroi.results.codec import encode
from cxroi.analyses.retention.cox import CoxPH
from cxroi.analyses.retention.revenue import revenue_protected_12m
from cxroi.analyses.retention.cox_influence import cox_influence
from cxroi.analyses.retention.estimands import att_contrast
from cxroi.analyses.retention.robustness import (
    Robustness,
    _g_formula_arm,
    _weighted_mean,
    fit_arm_model,
    robustness_table,
)
from cxroi.analyses.retention.logistic import fit_logistic
from cxroi.stats.result import CannotCompute, Estimate

H = 365.0


def _world(seed: int, n: int, hr: float = 0.5, strength: float = 1.5) -> dict[str, Any]:
    """Confounded exposure, exponential churn, administrative censoring; the effect on 365-day
    survival differs between customers, so ATT and ATE differ."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2))
    a = rng.random(n) < 1 / (1 + np.exp(-(strength * x[:, 0] - 0.5 * x[:, 1])))
    rate = -np.log(0.75) / H * np.exp(0.9 * x[:, 0] + 0.3 * x[:, 1])
    t = rng.exponential(1 / (rate * np.where(a, hr, 1.0)))
    follow = rng.uniform(0.0, 730.0, n)
    s1, s0 = np.exp(-rate * hr * H), np.exp(-rate * H)
    rm1 = -np.expm1(-rate * hr * H) / (rate * hr)
    rm0 = -np.expm1(-rate * H) / rate
    return {
        "x": x,
        "a": a,
        "t": np.minimum(t, follow),
        "e": t <= follow,
        "c": follow,
        "tau": s1 - s0,
        "months": (rm1 - rm0) * 12 / H,
    }


@pytest.fixture(scope="module")
def fitted() -> tuple[dict[str, Any], AdjustedRetention]:
    d = _world(21, 6000)
    return d, AdjustedRetention().fit(d["x"], d["a"], d["t"], d["e"], d["c"], ("x0", "x1"))


# ----------------------------------------------------------------------------- Cox influence
def test_cox_influence_gives_lifelines_robust_standard_errors() -> None:
    rng = np.random.default_rng(8)
    n, p = 1500, 3
    x = rng.standard_normal((n, p))
    t = rng.exponential(1.0 / np.exp(x @ np.array([0.5, -0.3, 0.0])))
    c = rng.uniform(0.0, 2.0, n)
    dur, ev = np.minimum(t, c), t <= c  # no ties: lifelines' Efron equals our Breslow
    model = CoxPH(penalizer=0.0).fit(x, dur, ev)
    infl = cox_influence(model, x, dur, ev, 1.0)
    ours = np.sqrt(np.diag(infl.beta.T @ infl.beta)) / model.scale_
    frame = pd.DataFrame(x, columns=[f"x{j}" for j in range(p)]).assign(t=dur, e=ev)
    ref = CoxPHFitter().fit(frame, "t", "e", robust=True)
    assert np.allclose(ours, ref.standard_errors_.to_numpy(), rtol=2e-3)
    assert infl.baseline_at_horizon == pytest.approx(
        float(model.cumulative_hazard_at(np.array([1.0]))[0])
    )


def test_cox_baseline_influence_matches_bootstrap() -> None:
    """The influence of Breslow's Λ0(H) (its SD) agrees with a bootstrap of the refitted model."""
    d = _world(5, 1200)
    x, t, e = d["x"], d["t"], d["e"]
    model = CoxPH().fit(x, t, e)
    se = math.sqrt(float(np.sum(cox_influence(model, x, t, e, H).baseline ** 2)))
    rng = np.random.default_rng(6)
    boot = []
    for _ in range(300):
        i = rng.integers(0, len(t), len(t))
        m = CoxPH().fit(x[i], t[i], e[i])
        # Λ0 is at the centred covariates of the fit; put both on the original means' scale
        centre = model.mean_
        shift = math.exp(float(((centre - m.mean_) / m.scale_) @ m.beta_std_))
        boot.append(float(m.cumulative_hazard_at(np.array([H]))[0]) * shift)
    sd = float(np.std(boot, ddof=1))
    # Monte Carlo error of a bootstrap SD with 300 draws is about 4%
    assert se == pytest.approx(sd, rel=0.15)


# ----------------------------------------------------------------------------- ATT and ATE
def test_att_and_ate_recover_their_own_planted_truths(
    fitted: tuple[dict[str, Any], AdjustedRetention],
) -> None:
    d, model = fitted
    att_truth = float(d["tau"][d["a"]].mean())
    ate_truth = float(d["tau"].mean())
    att, ate = model.att_result_, model.result_
    assert isinstance(att, Estimate) and isinstance(ate, Estimate)
    assert att.ci_low is not None and att.ci_high is not None
    assert att.ci_low <= att_truth <= att.ci_high
    assert ate.ci_low is not None and ate.ci_high is not None
    assert ate.ci_low <= ate_truth <= ate.ci_high
    # the two estimands differ here: exposed customers churn more, so they gain more survival
    # (over 20 such worlds the ATT's bias was +0.004 with Monte Carlo SE 0.006, SD/SE 1.05)
    assert att_truth - ate_truth > 0.02
    trimmed = att.trimmed_ai_assisted
    assert att.ai_assisted_customers == int(d["a"].sum()) - trimmed


def test_att_is_the_hand_formula_on_the_fitted_pieces(
    fitted: tuple[dict[str, Any], AdjustedRetention],
) -> None:
    d, model = fitted
    a, p = d["a"], model.propensity_
    s1, s0 = model.scores_[True], model.scores_[False]
    keep = p <= 0.99
    n1 = 0
    treated_sum = control_sum = 0.0
    for i in np.flatnonzero(keep):  # an explicit loop over customers, on purpose
        if a[i]:
            n1 += 1
            treated_sum += s1.u_survival[i]
            control_sum += s0.m_survival[i]
        else:
            control_sum += p[i] / (1 - p[i]) * (s0.u_survival[i] - s0.m_survival[i])
    att = model.att_result_
    assert isinstance(att, Estimate)
    assert att.estimate == pytest.approx(treated_sum / n1 - control_sum / n1, abs=1e-12)


def test_att_influence_function_is_the_delta_method_of_a_ratio() -> None:
    """ψ = Σ A·u / Σ A: its SE equals the textbook ratio-estimator SE."""
    rng = np.random.default_rng(3)
    n = 500
    a = rng.random(n) < 0.4
    u1 = rng.normal(0.8, 0.3, n)
    c = att_contrast(a, np.full(n, 0.4), u1, np.zeros(n), np.zeros(n))
    y = u1[a]
    ratio_se = float(np.std(y, ddof=0)) / math.sqrt(a.sum())
    assert c.treated_mean == pytest.approx(float(y.mean()))
    assert c.treated_se == pytest.approx(ratio_se, rel=1e-12)


# ----------------------------------------------------------------------------- restricted mean
def test_restricted_mean_without_covariates_is_kaplan_meier_restricted_mean() -> None:
    rng = np.random.default_rng(9)
    n = 4000
    a = rng.random(n) < 0.5
    t = rng.exponential(1500.0, n)
    c = rng.uniform(0.0, 730.0, n)
    dur, ev = np.minimum(t, c), t <= c
    model = AdjustedRetention().fit(np.zeros((n, 0)), a, dur, ev, c)
    rm = model.contrasts_.restricted_att
    for arm, value in ((a, rm.treated_mean), (~a, rm.control_mean)):
        km = KaplanMeierFitter().fit(dur[arm], ev[arm])
        # whole-day grid and trapezoid vs lifelines' exact step integral: well under 0.1%
        assert value == pytest.approx(restricted_mean_survival_time(km, t=H), rel=1e-3)


def test_restricted_mean_att_recovers_planted_months(
    fitted: tuple[dict[str, Any], AdjustedRetention],
) -> None:
    d, model = fitted
    c = model.contrasts_.restricted_att
    per_month = 12 / H
    low, high = (v * per_month for v in c.interval())
    assert low <= float(d["months"][d["a"]].mean()) <= high


# ----------------------------------------------------------------------------- revenue
def test_revenue_total_is_the_weighted_sum_of_the_att_pieces(
    fitted: tuple[dict[str, Any], AdjustedRetention],
) -> None:
    d, model = fitted
    n = len(d["a"])
    ids = np.array([f"K{i:05d}" for i in range(n)])
    scores = replace(model.restricted_, customer_ids=ids)
    # constant weight c: the total is c × n₁ × the restricted-mean ATT, in months
    c, months = 50.0, model.contrasts_.restricted_att.effect * 12 / H
    exposed = int((d["a"] & model.kept_att_).sum())  # the few above the trimming bound are out
    total = revenue_protected_12m(scores, np.full(n, c))
    assert isinstance(total, Estimate)
    assert total.estimate == pytest.approx(c * exposed * months, rel=1e-10)
    assert total.customers == exposed and total.horizon_months == pytest.approx(12.0)
    assert total.trimmed_customers == int(d["a"].sum()) - exposed
    assert total.basis == "att" and total.margin_applied is False
    # by customer id, or aligned: the same number
    revenue = np.exp(d["x"][:, 0]) * 40.0
    by_id = revenue_protected_12m(scores, dict(zip(ids, revenue, strict=True)))
    aligned = revenue_protected_12m(scores, revenue)
    assert isinstance(by_id, Estimate) and isinstance(aligned, Estimate)
    assert by_id.estimate == aligned.estimate and by_id.se == aligned.se
    as_dict = aligned.as_dict()
    assert as_dict["basis"] == "att" and as_dict["horizon_months"] == pytest.approx(12.0)


def test_revenue_total_recovers_its_planted_truth(
    fitted: tuple[dict[str, Any], AdjustedRetention],
) -> None:
    d, model = fitted
    revenue = np.exp(d["x"][:, 0]) * 40.0  # revenue grows with the churn-driving covariate
    total = revenue_protected_12m(model.restricted_, revenue)
    covered = d["a"] & model.kept_att_
    truth = float((revenue * d["months"])[covered].sum())
    # the per-customer weighting matters: the average gap × total revenue is another number
    flat = float(d["months"][covered].mean() * revenue[covered].sum())
    assert isinstance(total, Estimate) and total.ci_low is not None and total.ci_high is not None
    assert total.ci_low <= truth <= total.ci_high
    assert abs(flat - truth) > 0.1 * truth


def test_revenue_refuses_missing_or_negative_weights(
    fitted: tuple[dict[str, Any], AdjustedRetention],
) -> None:
    d, model = fitted
    n = len(d["a"])
    w = np.full(n, 10.0)
    w[3] = np.nan
    w[4] = -1.0
    got = revenue_protected_12m(model.restricted_, w)
    assert isinstance(got, CannotCompute) and "2 analysed customers" in got.reason
    assert isinstance(revenue_protected_12m(model.restricted_, np.ones(n - 1)), CannotCompute)
    no_ids = revenue_protected_12m(model.restricted_, {"K1": 1.0})
    assert isinstance(no_ids, CannotCompute) and "ids" in no_ids.reason


# ----------------------------------------------------------------------------- robustness
def test_logistic_matches_scikit_learn() -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal((800, 3)) * np.array([1.0, 5.0, 0.2]) + 3.0
    a = rng.random(800) < 1 / (1 + np.exp(-(x[:, 0] - 3.0)))
    ours = fit_logistic(x, a)
    ref = LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000).fit(
        StandardScaler().fit_transform(x), a
    )
    expected = ref.predict_proba(StandardScaler().fit_transform(x))[:, 1]
    assert np.allclose(ours.fitted, expected, atol=1e-6)


def test_logistic_on_a_fold_of_rows_is_the_pipeline_on_those_rows() -> None:
    """A cross-fitting fold: the fit on ``rows`` (no copy of x[rows]) is scikit-learn's
    standardised pipeline fitted on x[rows], predicting the held-out rows alike."""
    from sklearn.pipeline import make_pipeline

    rng = np.random.default_rng(7)
    n = 5000
    x = rng.standard_normal((n, 4)) * np.array([1.0, 30.0, 0.1, 4.0]) + np.array([0, 500, 2, -9])
    x[:, 3] = x[:, 3] > -9  # a flag, as the design's dummies are
    z = (x - x.mean(0)) / x.std(0)
    a = rng.random(n) < 1 / (1 + np.exp(-(0.3 + z @ np.array([1.2, -0.7, 0.4, 0.9]))))
    train, test = np.flatnonzero(np.arange(n) % 5 != 2), np.flatnonzero(np.arange(n) % 5 == 2)
    ours = fit_logistic(x, a[train], rows=train)
    ref = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000))
    ref.fit(x[train], a[train])
    assert np.allclose(ours.fitted, ref.predict_proba(x[train])[:, 1], atol=1e-8)
    assert np.allclose(ours.predict(x, test), ref.predict_proba(x[test])[:, 1], atol=1e-8)
    # brute force: the raw-scale coefficients give the same probabilities
    raw = ours.raw_coefficients()
    assert np.allclose(
        1 / (1 + np.exp(-(raw[0] + x[test] @ raw[1:]))), ours.predict(x, test), rtol=1e-12
    )


def test_logistic_reaches_the_same_maximum_from_another_folds_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each cross-fitting fold, and the robustness table's fit on all rows, starts where the
    previous fold ended: the start is put on the fit's own standardised scale correctly (same
    maximum), and saves Newton steps."""
    import cxroi.analyses.retention.logistic as lg

    rng = np.random.default_rng(21)
    n = 20_000
    x = rng.standard_normal((n, 4)) * np.array([1.0, 30.0, 0.1, 4.0]) + np.array([0, 500, 2, -9])
    z = (x - x.mean(0)) / x.std(0)
    a = rng.random(n) < 1 / (1 + np.exp(-(0.3 + z @ np.array([1.2, -0.7, 0.4, 0.9]))))
    fold = np.arange(4 * n // 5)
    start = fit_logistic(x, a[fold], rows=fold).raw_coefficients()

    passes = []
    real_pass = lg._pass

    def counted(*args: Any) -> Any:
        passes[-1] += 1
        return real_pass(*args)

    monkeypatch.setattr(lg, "_pass", counted)
    fits = []
    for begin in (None, start):
        passes.append(0)
        fits.append(fit_logistic(x, a, start=begin))
    cold, warm = fits
    assert np.allclose(warm.fitted, cold.fitted, rtol=1e-12, atol=0.0)
    assert np.allclose(warm.hessian, cold.hessian, rtol=1e-10, atol=0.0)
    assert passes[1] < passes[0]


def test_logistic_pilot_on_every_eighth_row_reaches_the_same_maximum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A cold start on many rows first fits every 8th row; finishing on all rows from there
    gives the maximum a fit without the pilot finds, in fewer passes over all the rows."""
    import cxroi.analyses.retention.logistic as lg

    rng = np.random.default_rng(8)
    n = 40_000
    x = rng.standard_normal((n, 5)) * np.array([1.0, 30.0, 0.1, 4.0, 1.0]) + 3.0
    x[:, 4] = x[:, 4] > 3.5
    z = (x - x.mean(0)) / x.std(0)
    a = rng.random(n) < 1 / (1 + np.exp(-(0.3 + z @ np.array([2.2, -1.7, 0.4, 0.9, 1.5]))))
    rows = np.flatnonzero(np.arange(n) % 5 != 0)  # a cross-fitting fold's training rows
    full_passes: list[int] = []
    real_pass = lg._pass

    def counted(part: Any, size: int, *rest: Any) -> Any:
        if size == len(rows):
            full_passes[-1] += 1
        return real_pass(part, size, *rest)

    monkeypatch.setattr(lg, "_pass", counted)
    fits = []
    for smallest in (10**9, 1_000):  # without, then with the pilot
        monkeypatch.setattr(lg, "PILOT_MIN_ROWS", smallest)
        full_passes.append(0)
        fits.append(fit_logistic(x, a[rows], rows=rows))
    plain, piloted = fits
    assert np.allclose(piloted.fitted, plain.fitted, rtol=1e-10, atol=0.0)
    assert np.allclose(piloted.hessian, plain.hessian, rtol=1e-9, atol=0.0)
    assert full_passes[1] < full_passes[0]


def test_logistic_halves_a_step_that_overshoots(monkeypatch: pytest.MonkeyPatch) -> None:
    """From a start far off (saturated probabilities, wrong signs) a full Newton step overshoots:
    the step is halved until the objective rises, and the fit reaches the maximum a cold start
    and scikit-learn find."""
    import cxroi.analyses.retention.logistic as lg

    rng = np.random.default_rng(5)
    n = 3000
    x = rng.standard_normal((n, 2))
    a = rng.random(n) < 1 / (1 + np.exp(-(0.5 + 1.5 * x[:, 0])))
    cold = fit_logistic(x, a)
    logliks: list[float] = []
    real_pass = lg._pass

    def recorded(*args: Any) -> Any:
        out = real_pass(*args)
        logliks.append(out.loglik)
        return out

    monkeypatch.setattr(lg, "_pass", recorded)
    far = fit_logistic(x, a, start=np.array([0.0, -30.0, 20.0]))
    assert min(logliks[1:]) < logliks[0]  # some full step overshot (and was halved)
    assert np.allclose(far.fitted, cold.fitted, rtol=1e-10, atol=1e-14)
    z = StandardScaler().fit_transform(x)
    ref = LogisticRegression(C=1.0, tol=1e-12, max_iter=100_000).fit(z, a)
    assert np.allclose(far.fitted, ref.predict_proba(z)[:, 1], atol=1e-6)


def test_arm_outcome_model_reaches_the_same_maximum_from_a_start() -> None:
    d = _world(33, 3000)
    x, a, t, e = d["x"], d["a"], d["t"], d["e"]
    cold = fit_arm_model(x, a, t, e, H, 0.01)
    fold = CoxPH(penalizer=0.01).fit(x, t, e, rows=np.flatnonzero(a)[:2000])
    warm = fit_arm_model(x, a, t, e, H, 0.01, start=fold.coef_)
    assert np.allclose(warm.cox.coef_, cold.cox.coef_, rtol=1e-11, atol=0.0)
    assert warm.influence.baseline_at_horizon == pytest.approx(
        cold.influence.baseline_at_horizon, rel=1e-12
    )


def test_ipw_standard_error_matches_a_bootstrap_of_the_propensity_fit() -> None:
    """Stacked estimating equations vs resampling customers and refitting the propensity."""
    rng = np.random.default_rng(12)
    n = 2000
    x = rng.standard_normal((n, 2))
    a = rng.random(n) < 1 / (1 + np.exp(-(1.0 * x[:, 0] + 0.5 * x[:, 1])))
    y = rng.normal(0.8 + 0.1 * x[:, 0] + 0.05 * a, 0.3)

    def hajek_att(i: np.ndarray) -> tuple[float, float]:
        fit = fit_logistic(x[i], a[i])
        e, ai, yi = fit.fitted, a[i], y[i]
        odds = e / (1 - e)
        mu1, if1 = _weighted_mean(ai.astype(float), yi, np.zeros(len(i)), fit)
        mu0, if0 = _weighted_mean(~ai * odds, yi, ~ai * odds, fit)
        return mu1 - mu0, math.sqrt(float((if1 - if0) @ (if1 - if0)))

    point, se = hajek_att(np.arange(n))
    boot = [hajek_att(rng.integers(0, n, n))[0] for _ in range(400)]
    assert se == pytest.approx(float(np.std(boot, ddof=1)), rel=0.12)


def test_g_formula_standard_error_matches_a_bootstrap_of_the_cox_fits() -> None:
    d = _world(30, 1000)
    x, a, t, e = d["x"], d["a"], d["t"], d["e"]

    def g_att(i: np.ndarray) -> tuple[float, float]:
        xi, ai = x[i], a[i]
        arms = [fit_arm_model(xi, own, t[i], e[i], H, 0.01) for own in (ai, ~ai)]
        mu1, if1 = _g_formula_arm(arms[0], xi, ai)
        mu0, if0 = _g_formula_arm(arms[1], xi, ai)
        return mu1 - mu0, math.sqrt(float((if1 - if0) @ (if1 - if0)))

    point, se = g_att(np.arange(len(a)))
    rng = np.random.default_rng(31)
    boot = [g_att(rng.integers(0, len(a), len(a)))[0] for _ in range(200)]
    # Monte Carlo error of a bootstrap SD with 200 draws is about 5%
    assert se == pytest.approx(float(np.std(boot, ddof=1)), rel=0.15)


def test_robustness_table_agrees_when_every_model_is_right(
    fitted: tuple[dict[str, Any], AdjustedRetention],
) -> None:
    d, model = fitted
    table = robustness_table(model, d["x"], d["a"], d["t"], d["e"])
    assert isinstance(table, Robustness)
    for row, truth in ((table.ate, d["tau"].mean()), (table.att, d["tau"][d["a"]].mean())):
        for est in (row.doubly_robust, row.ipw, row.g_formula):
            assert isinstance(est, Estimate) and est.ci_low is not None and est.ci_high is not None
            assert est.ci_low <= truth <= est.ci_high
    # the DR row is the fitted estimate itself, without the details it carries elsewhere
    assert table.ate.doubly_robust == model.result_.base()
    assert table.att.doubly_robust == model.att_result_.base()
    out = encode(table)
    assert set(out) == {"ate", "att"} and set(out["att"]) == {"doubly_robust", "ipw", "g_formula"}
