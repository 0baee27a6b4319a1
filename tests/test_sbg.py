"""sBG against Fader & Hardie's published fits and against independent computations.

Published reference: Fader & Hardie, "How to Project Customer Retention" (J. Interactive
Marketing 2007), survivors of 1000-customer cohorts over years 0..7 and the sBG maximum-likelihood
estimates: regular alpha = 0.704, beta = 1.182; high end alpha = 0.668, beta = 3.806.

Independent computations: the likelihood and survival curve by numerical integration over the
beta mixing distribution, the observed information by second differences of that likelihood on
the natural scale, DERL as a long discounted sum of survival probabilities built from the
published retention-rate recursion, and simulations with planted parameters.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, optimize, special

from cxroi.analyses.value.sbg_truncated import TruncatedShiftedBetaGeometric
from cxroi.stats.sbg import ShiftedBetaGeometric, _derl_series, derl_closed_form
from cxroi.stats.sbg_likelihood import truncated_log_likelihood

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]
PUBLISHED = {"regular": (REGULAR, 0.704, 1.182), "high_end": (HIGH_END, 0.668, 3.806)}


def mixture_expectation(func: object, a: float, b: float) -> float:
    """E[func(theta)] for theta ~ Beta(a, b), by quadrature.

    QUADPACK's algebraic weight x**(a-1) (1-x)**(b-1) absorbs the endpoint singularities of the
    beta density, so ``func`` itself stays smooth.
    """
    assert callable(func)
    value = integrate.quad(func, 0.0, 1.0, weight="alg", wvar=(a - 1.0, b - 1.0))[0]
    return float(value / math.exp(special.betaln(a, b)))


def quad_log_likelihood(a: float, b: float, lost: list[float], censored: list[float]) -> float:
    ll = 0.0
    for k, (n_lost, n_cens) in enumerate(zip(lost, censored), start=1):
        if n_lost:
            ll += n_lost * math.log(
                mixture_expectation(lambda th, k=k: th * (1 - th) ** (k - 1), a, b)
            )
        if n_cens:
            ll += n_cens * math.log(mixture_expectation(lambda th, k=k: (1 - th) ** k, a, b))
    return ll


def cohort_counts(active: list[int]) -> tuple[list[float], list[float]]:
    lost = [float(active[i] - active[i + 1]) for i in range(len(active) - 1)]
    censored = [0.0] * (len(active) - 2) + [float(active[-1])]
    return lost, censored


def brute_force_derl(a: float, b: float, d: float, renewals: int, horizon: int = 3000) -> float:
    # Survival from the retention-rate recursion r(t) = (b + t - 1) / (a + b + t - 1).
    t = np.arange(1, renewals + horizon + 1)
    surv = np.concatenate([[1.0], np.cumprod((b + t - 1) / (a + b + t - 1))])
    k = np.arange(1, horizon + 1)
    return float(np.sum(surv[renewals + k] / surv[renewals] / (1 + d) ** k))


@pytest.mark.parametrize("name", ["regular", "high_end"])
def test_published_mle(name: str) -> None:
    data, alpha, beta = PUBLISHED[name]
    m = ShiftedBetaGeometric().fit(data)
    assert m.alpha_ == pytest.approx(alpha, abs=5e-4)
    assert m.beta_ == pytest.approx(beta, abs=5e-4)
    assert m.alpha_ci_[0] < m.alpha_ < m.alpha_ci_[1]
    assert m.beta_ci_[0] < m.beta_ < m.beta_ci_[1]


@pytest.mark.parametrize("name", ["regular", "high_end"])
def test_likelihood_and_information_against_quadrature(name: str) -> None:
    data, _, _ = PUBLISHED[name]
    lost, censored = cohort_counts(data)
    m = ShiftedBetaGeometric().fit(data)
    a, b = m.alpha_, m.beta_

    def ll(x: float, y: float) -> float:
        return quad_log_likelihood(x, y, lost, censored)

    assert m.log_likelihood_ == pytest.approx(ll(a, b), rel=1e-8)
    # A maximum: every nearby point of the independent likelihood is lower.
    for da, db in [(1e-3, 0), (-1e-3, 0), (0, 1e-3), (0, -1e-3), (1e-3, -1e-3)]:
        assert ll(a + da, b + db) < m.log_likelihood_
    # Observed information by second differences on the natural scale.
    h = 2e-3
    f0 = ll(a, b)
    haa = (ll(a + h, b) - 2 * f0 + ll(a - h, b)) / h**2
    hbb = (ll(a, b + h) - 2 * f0 + ll(a, b - h)) / h**2
    hab = (ll(a + h, b + h) - ll(a + h, b - h) - ll(a - h, b + h) + ll(a - h, b - h)) / (4 * h**2)
    cov = np.linalg.inv(-np.array([[haa, hab], [hab, hbb]]))
    np.testing.assert_allclose(m.covariance_, cov, rtol=2e-3)
    assert m.alpha_se_ == pytest.approx(math.sqrt(cov[0, 0]), rel=2e-3)
    assert m.beta_se_ == pytest.approx(math.sqrt(cov[1, 1]), rel=2e-3)


def test_survival_and_retention_against_quadrature() -> None:
    m = ShiftedBetaGeometric().fit(HIGH_END)
    a, b = m.alpha_, m.beta_
    ts = [0, 1, 2, 7, 12]
    expected = [mixture_expectation(lambda th, t=t: (1 - th) ** t, a, b) for t in ts]
    np.testing.assert_allclose(m.survival(ts), expected, rtol=1e-8)
    assert m.survival(7) == pytest.approx(expected[3], rel=1e-8)
    for t in [1, 2, 5, 12]:
        ratio = mixture_expectation(lambda th, t=t: (1 - th) ** t, a, b) / mixture_expectation(
            lambda th, t=t: (1 - th) ** (t - 1), a, b
        )
        assert m.retention_rate(t) == pytest.approx(ratio, rel=1e-8)


@pytest.mark.parametrize(("a", "b"), [(0.704, 1.182), (0.668, 3.806 + 7), (3.0, 150.0)])
def test_the_derl_series_equals_the_closed_form_where_scipy_evaluates_it(a: float, b: float) -> None:
    z = 1 / 1.1 ** (1 / 12)
    closed = derl_closed_form(np.array([a]), np.array([b]), z)
    assert np.isfinite(closed).all()
    assert _derl_series(np.array([a]), np.array([b]), z) == pytest.approx(closed, rel=1e-12)


def test_derl_near_the_geometric_limit_is_the_geometric_value() -> None:
    # SciPy's hyp2f1 gives NaN this far out; a parameter draw of a band fitted near the
    # geometric boundary lands here (the demo with seed 3 drew this pair). The sBG is then a
    # constant churn a / (a + b): DERL = q / (1 - q) with q = z (1 - theta).
    a = np.array([461412884935656.0, 2e7])
    b = np.array([2.60209632666284e16, 1e9])
    z = 1 / 1.1 ** (1 / 12)
    assert np.isnan(b / (a + b) * z * special.hyp2f1(1.0, b + 1.0, a + b + 1.0, z)).all()
    q = z * (1 - a / (a + b))
    got = derl_closed_form(a, b, z)
    np.testing.assert_allclose(got, q / (1 - q), rtol=1e-6)  # 1e-6: b = 1e9 is not quite the limit
    assert got[0] == pytest.approx(q[0] / (1 - q[0]), rel=1e-12)


@pytest.mark.parametrize("discount", [0.1, 0.05, 0.25])
@pytest.mark.parametrize("renewals", [0, 1, 4, 10])
def test_derl_against_discounted_survival_sum(discount: float, renewals: int) -> None:
    m = ShiftedBetaGeometric(discount_rate=discount).fit(REGULAR)
    expected = brute_force_derl(m.alpha_, m.beta_, discount, renewals)
    assert m.derl(renewals) == pytest.approx(expected, rel=1e-9)
    # Same quantity as a posterior expectation: theta | n renewals ~ Beta(a, b + n), and a
    # customer with churn probability theta has DERL (1 - theta) / (d + theta).
    post = mixture_expectation(lambda th: (1 - th) / (discount + th), m.alpha_, m.beta_ + renewals)
    assert m.derl(renewals) == pytest.approx(post, rel=1e-7)
    clv = m.expected_clv(margin=0.3, revenue_per_period=120.0, renewals=renewals)
    assert clv == pytest.approx(0.3 * 120.0 * expected, rel=1e-9)


def test_derl_interval_matches_parametric_simulation() -> None:
    m = ShiftedBetaGeometric().fit(REGULAR)
    est = m.derl_estimate(renewals=2)
    assert est.ci_low is not None and est.ci_high is not None
    rng = np.random.default_rng(7)
    cov_log = m.covariance_ / np.outer([m.alpha_, m.beta_], [m.alpha_, m.beta_])
    draws = np.exp(rng.multivariate_normal(np.log([m.alpha_, m.beta_]), cov_log, size=4000))
    sims = np.array([brute_force_derl(a, b, 0.1, 2, horizon=600) for a, b in draws])
    lo, hi = np.quantile(sims, [0.025, 0.975])
    assert est.ci_low == pytest.approx(lo, rel=0.03)
    assert est.ci_high == pytest.approx(hi, rel=0.03)
    clv = m.clv_estimate(0.4, 50.0, renewals=2)
    assert clv.estimate == pytest.approx(20.0 * brute_force_derl(m.alpha_, m.beta_, 0.1, 2))
    assert clv.ci_low == pytest.approx(20.0 * est.ci_low)
    assert clv.ci_high == pytest.approx(20.0 * est.ci_high)


def simulate(
    rng: np.random.Generator, a: float, b: float, size: int, horizon: np.ndarray | int
) -> tuple[np.ndarray, np.ndarray]:
    theta = rng.beta(a, b, size)
    lifetime = rng.geometric(theta)  # period of loss, >= 1
    churned = lifetime <= horizon
    return np.where(churned, lifetime, horizon), churned


def test_planted_parameters_recovered_and_interval_coverage() -> None:
    rng = np.random.default_rng(2007)
    a, b = 0.8, 2.5
    periods, churned = simulate(rng, a, b, 40_000, 8)
    m = ShiftedBetaGeometric().fit_lifetimes(periods, churned)
    assert m.alpha_ci_[0] < a < m.alpha_ci_[1]
    assert m.beta_ci_[0] < b < m.beta_ci_[1]
    assert m.alpha_ == pytest.approx(a, rel=0.05)
    assert m.beta_ == pytest.approx(b, rel=0.1)
    # 95% intervals should cover the truth about 95% of the time.
    reps, hits = 150, np.zeros(2)
    for _ in range(reps):
        periods, churned = simulate(rng, a, b, 1500, 8)
        fit = ShiftedBetaGeometric().fit_lifetimes(periods, churned)
        hits += [fit.alpha_ci_[0] < a < fit.alpha_ci_[1], fit.beta_ci_[0] < b < fit.beta_ci_[1]]
    coverage = hits / reps
    assert np.all(coverage > 0.90) and np.all(coverage < 0.99), coverage


def test_staggered_cohorts_right_censoring() -> None:
    """Cohorts acquired in different years are censored at different tenures."""
    rng = np.random.default_rng(11)
    a, b = 0.7, 1.2
    horizon = rng.integers(1, 9, size=30_000)  # each customer's observable span
    periods, churned = simulate(rng, a, b, horizon.size, horizon)
    m = ShiftedBetaGeometric().fit_lifetimes(periods, churned)
    assert m.alpha_ci_[0] < a < m.alpha_ci_[1]
    assert m.beta_ci_[0] < b < m.beta_ci_[1]
    # Same data as aggregated counts, and the likelihood by quadrature.
    lost = [float(np.sum(churned & (periods == k))) for k in range(1, 9)]
    cens = [float(np.sum(~churned & (periods == k))) for k in range(1, 9)]
    m2 = ShiftedBetaGeometric().fit_counts(lost, cens)
    assert m2.alpha_ == pytest.approx(m.alpha_, rel=1e-8)
    assert m2.beta_ == pytest.approx(m.beta_, rel=1e-8)
    assert m.log_likelihood_ == pytest.approx(
        quad_log_likelihood(m.alpha_, m.beta_, lost, cens), rel=1e-8
    )


def _truncated_rows(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    entry = rng.integers(0, 6, n)
    periods = entry + rng.integers(1, 10, n)
    lost = rng.random(n) < 0.4
    weights = rng.integers(1, 50, n).astype(np.float64)
    return entry, periods, lost, weights


def test_truncated_likelihood_against_beta_functions_and_its_derivatives_against_differences() -> (
    None
):
    rng = np.random.default_rng(3)
    e, t, lost, w = _truncated_rows(rng, 400)
    x = np.log([0.8, 2.5])
    f = truncated_log_likelihood(x, e, t, lost, w)
    # the value from S(t) = B(a, b + t) / B(a, b) and P(T = t) = B(a + 1, b + t - 1) / B(a, b)
    a, b = np.exp(x)
    log_s = lambda k: special.betaln(a, b + k) - special.betaln(a, b)
    rows = np.where(
        lost, special.betaln(a + 1, b + t - 1) - special.betaln(a, b), log_s(t)
    ) - log_s(e)
    assert f.value == pytest.approx(float(np.sum(w * rows)), rel=1e-12)
    # first and second derivatives of the value by central differences on the log scale
    h = 1e-4
    value = lambda y: truncated_log_likelihood(y, e, t, lost, w).value
    unit = np.eye(2)
    grad = [(value(x + h * u) - value(x - h * u)) / (2 * h) for u in unit]
    np.testing.assert_allclose(f.grad, grad, rtol=1e-7)
    hess = [
        [
            (value(x + h * u + h * v) - value(x + h * u - h * v) - value(x - h * u + h * v)
             + value(x - h * u - h * v)) / (4 * h * h)
            for v in unit
        ]
        for u in unit
    ]
    np.testing.assert_allclose(f.hess, hess, rtol=1e-5)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fits_end_at_the_maximum_not_where_the_quasi_newton_search_stopped(seed: int) -> None:
    # L-BFGS-B alone stops ~1e-8 short in the parameters (wherever its path and the machine's
    # rounding leave it); the Newton polish must leave no step worth taking.
    rng = np.random.default_rng(seed)
    theta = rng.beta(0.9, 3.0, 20_000)
    life = rng.geometric(theta)  # period of loss, >= 1
    entry = rng.integers(0, 6, theta.size)
    end = entry + rng.integers(1, 12, theta.size)
    seen = life > entry  # left truncation: only customers alive when the window opened
    lost = (life <= end)[seen]
    e, t = entry[seen], np.minimum(life, end)[seen]
    w = np.ones(e.size)
    fit = TruncatedShiftedBetaGeometric().fit_truncated(e, t, lost, w)
    x = np.log([fit.alpha_, fit.beta_])
    f = truncated_log_likelihood(x, e, t, lost, w)
    left = np.linalg.solve(-f.hess, f.grad)
    assert np.max(np.abs(left)) < 1e-12
    total = float(w.sum())
    def negated(y: np.ndarray) -> tuple[float, np.ndarray]:
        g = truncated_log_likelihood(y, e, t, lost, w)
        return -g.value / total, -g.grad / total

    search = optimize.minimize(
        negated, np.zeros(2), jac=True, method="L-BFGS-B", bounds=[(-30.0, 30.0)] * 2,
        options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 5000},
    )
    assert np.max(np.abs(search.x - x)) > 100 * np.max(np.abs(left))  # the polish did something


def test_summary_reports_fitted_parameters() -> None:
    m = ShiftedBetaGeometric().fit(REGULAR)
    s = m.summary
    assert list(s.index) == ["alpha", "beta"]
    assert list(s.columns) == ["estimate", "se", "ci_low", "ci_high"]
    assert s.loc["beta", "estimate"] == pytest.approx(1.182, abs=5e-4)
    assert s.loc["alpha", "ci_low"] == m.alpha_ci_[0]
    assert s.attrs["n_customers"] == 1000
    assert m.estimates_["alpha"].n == 1000


@pytest.mark.parametrize(
    "call",
    [
        lambda: ShiftedBetaGeometric().fit([1000, 1100, 900]),
        lambda: ShiftedBetaGeometric().fit([1000, 1000, 1000]),
        # Beta heterogeneity can only make retention rise with tenure; constant (geometric) or
        # falling retention has its likelihood supremum at alpha, beta -> infinity.
        lambda: ShiftedBetaGeometric().fit([1000, 500, 250, 125, 62]),
        lambda: ShiftedBetaGeometric().fit([1000, 900, 700, 400, 100]),
        lambda: ShiftedBetaGeometric().fit([1000]),
        lambda: ShiftedBetaGeometric().fit([1000, 0]),
        lambda: ShiftedBetaGeometric().fit_counts([1, 2], [3]),
        lambda: ShiftedBetaGeometric(discount_rate=0.0),
        lambda: ShiftedBetaGeometric().fit(REGULAR).derl(-1),
        lambda: ShiftedBetaGeometric().fit(REGULAR).expected_clv(1.5, 10.0),
        lambda: ShiftedBetaGeometric().fit(REGULAR).survival(-1),
        lambda: ShiftedBetaGeometric().fit(REGULAR).retention_rate(0),
        lambda: ShiftedBetaGeometric().fit_lifetimes([0, 2], [True, False]),
    ],
)
def test_invalid_input_raises(call: object) -> None:
    assert callable(call)
    with pytest.raises(ValueError):
        call()


def test_unfitted_model_refuses_to_predict() -> None:
    with pytest.raises(RuntimeError):
        ShiftedBetaGeometric().derl()


# -- DERL timing: cxroi's standing point and Fader & Hardie's eq. 6 ------------------------------
@pytest.mark.parametrize("renewals", [0, 3, 7])
def test_derl_at_renewal_is_fader_hardie_eq6_and_brute_force(renewals: int) -> None:
    """Eq. 6 stands at the next renewal and counts its payment undiscounted:
    sum_{k>=1} z^(k-1) S(n + k) / S(n); cxroi's DERL discounts that first payment a period."""
    d = 0.1
    m = ShiftedBetaGeometric(discount_rate=d).fit(HIGH_END)
    a, b = m.alpha_, m.beta_
    n = renewals
    eq6 = (b + n) / (a + b + n) * special.hyp2f1(1.0, b + n + 1.0, a + b + n + 1.0, 1 / (1 + d))
    brute = brute_force_derl(a, b, d, n) * (1 + d)  # the same series, one discount factor less
    assert m.derl_at_renewal(n) == pytest.approx(eq6, rel=1e-12)
    assert m.derl_at_renewal(n) == pytest.approx(brute, rel=1e-9)
    assert m.derl(n) == pytest.approx(eq6 / (1 + d), rel=1e-12)


def test_derl_against_a_published_value_and_a_closed_form() -> None:
    # A published implementation of eq. 6 (jdmaturen/shifted_beta_geometric_py, README) fits the
    # high-end cohort and reports DERL = 7.530 at d = 10% for survivors after 7 renewals.
    m = ShiftedBetaGeometric(discount_rate=0.1).fit(HIGH_END)
    assert m.derl_at_renewal(7) == pytest.approx(7.530, abs=5e-4)
    assert m.derl(7) == pytest.approx(7.530 / 1.1, abs=5e-4)
    # theta uniform (alpha = beta = 1), no renewal yet: E[(1 - theta)^k] = 1 / (1 + k), so
    # DERL = sum_{k>=1} z^k / (1 + k) = (-ln(1 - z) - z) / z.
    z = 1 / 1.1
    uniform = ShiftedBetaGeometric(discount_rate=0.1)
    uniform.alpha_, uniform.beta_ = 1.0, 1.0
    assert uniform.derl(0) == pytest.approx((-math.log(1 - z) - z) / z, rel=1e-12)
