"""E-values (VanderWeele & Ding 2017) against the paper's worked examples and hand computation,
and the churn risk ratio's delta-method interval against the textbook two-proportion one."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cxroi.analyses.retention.adjusted import AdjustedRetention
from cxroi.analyses.retention.sensitivity import e_value
from cxroi.results.model.retention import EValue
from cxroi.analyses.retention.estimands import ate_contrast
from cxroi.analyses.retention.sensitivity import churn_risk_ratio, e_value_of_interval, e_values
from cxroi.stats.result import CannotCompute, Estimate


def test_e_value_worked_examples_of_the_paper() -> None:
    # Breastfeeding and infant respiratory death (Victora et al. 1987), as worked in
    # VanderWeele & Ding (2017): RR 3.9 (95% CI 1.8 to 8.7) gives E-values 7.26 and 3.0.
    assert e_value(3.9) == pytest.approx(7.26, abs=0.005)
    assert e_value_of_interval(1.8, 8.7) == pytest.approx(3.0, abs=1e-12)
    # A protective risk ratio is inverted first: RR 0.80 (0.71 to 0.91), the paper's leukaemia
    # example, by hand: 1.25 + √(1.25 · 0.25) = 1.809; 1/0.91 + √(1/0.91 · (1/0.91 − 1)) = 1.429.
    assert e_value(0.80) == pytest.approx(1.25 + math.sqrt(1.25 * 0.25), abs=1e-12)
    assert e_value(0.80) == pytest.approx(1.81, abs=0.005)
    assert e_value_of_interval(0.71, 0.91) == pytest.approx(1.43, abs=0.005)
    assert e_value(1 / 0.80) == pytest.approx(e_value(0.80), abs=1e-12)


def test_e_value_is_one_at_the_null_and_when_the_interval_includes_it() -> None:
    assert e_value(1.0) == 1.0
    assert e_value_of_interval(0.8, 1.1) == 1.0
    assert e_value_of_interval(1.0, 1.3) == 1.0
    with pytest.raises(ValueError):
        e_value(0.0)


def test_churn_risk_ratio_interval_is_the_textbook_one_without_covariates() -> None:
    """No confounders, no censoring: with the outcome model a model without covariates gives
    (each arm's share), the adjusted arm means are the two survival shares, and the
    delta-method interval of log RR is the classic √((1−p₁)/(n₁p₁) + (1−p₀)/(n₀p₀))."""
    rng = np.random.default_rng(2)
    n = 20_000
    a = rng.random(n) < 0.4
    churn = rng.random(n) < np.where(a, 0.15, 0.20)
    survived = (~churn).astype(np.float64)
    p = np.full(n, a.mean())
    m1, m0 = np.full(n, survived[a].mean()), np.full(n, survived[~a].mean())
    contrast = ate_contrast(a, p, m1, survived * a, m0, survived * ~a)
    rr = churn_risk_ratio(contrast, 365)
    assert isinstance(rr, Estimate) and rr.se is not None
    p1, p0, n1, n0 = churn[a].mean(), churn[~a].mean(), a.sum(), (~a).sum()
    assert rr.estimate == pytest.approx(p1 / p0, rel=1e-12)
    classic = math.sqrt((1 - p1) / (n1 * p1) + (1 - p0) / (n0 * p0))
    assert rr.se == pytest.approx(classic, rel=1e-3)


def test_e_values_of_a_fitted_model_and_refusal() -> None:
    rng = np.random.default_rng(5)
    n = 3000
    x = rng.standard_normal((n, 1))
    a = rng.random(n) < 1 / (1 + np.exp(-x[:, 0]))
    t = rng.exponential(1 / (0.001 * np.exp(0.5 * x[:, 0]) * np.where(a, 0.5, 1.0)))
    c = rng.uniform(0, 730, n)
    model = AdjustedRetention().fit(x, a, np.minimum(t, c), t <= c, c)
    ev = e_values(model.contrasts_.att, 365, "AI-assisted customers")
    assert isinstance(ev, EValue)
    rr = ev.churn_risk_ratio
    assert rr.estimate < 1 and rr.ci_high is not None and rr.ci_low is not None
    assert ev.e_value == pytest.approx(e_value(rr.estimate))
    expected_ci = 1.0 if rr.ci_high >= 1 else e_value(rr.ci_high)
    assert ev.e_value_ci == pytest.approx(expected_ci)
    assert ev.e_value >= ev.e_value_ci >= 1.0
    assert ev.population == "AI-assisted customers"
    # nobody churns: no risk ratio, a reason instead
    flat = ate_contrast(a, np.full(n, 0.5), np.ones(n), np.ones(n), np.ones(n), np.ones(n))
    assert isinstance(churn_risk_ratio(flat, 365), CannotCompute)
