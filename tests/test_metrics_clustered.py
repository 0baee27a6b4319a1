"""Customer-clustered intervals: checked against statsmodels, by hand, and by a frailty simulation.

* A clustered mean or share is the intercept of an OLS regression on a constant with a
  cluster-robust covariance; statsmodels' CR1 correction for one parameter is exactly G/(G−1), and
  with ``use_t`` its interval uses t with G − 1 degrees of freedom, as ours does.
* The share interval is Wilson's at the effective number of contacts (statsmodels' Wilson at a
  fractional count and the t critical value).
* The monthly CSAT gap: Newcombe's hybrid score interval when the sides share no customer, and a
  correlation equal to the residuals' correlation when they do.
* The frailty study (``scripts/frailty_coverage.py``, reduced here to seconds) shows coverage near
  95% where contact-level intervals fall to about 88% and 78%.
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from cxroi.stats.clustered import (
    ClusteredDifference,
    ClusteredEstimate,
    PairedRatioSums,
    RatioSums,
    t_quantile,
)
from cxroi.stats.result import CannotCompute, Estimate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import frailty_coverage as F  # noqa: E402


def _sums(customer: np.ndarray, x: np.ndarray, y: np.ndarray) -> RatioSums:
    xs = np.bincount(customer, weights=x)
    ys = np.bincount(customer, weights=y)
    present = np.bincount(customer) > 0
    xs, ys = xs[present], ys[present]
    return RatioSums(
        int(present.sum()),
        Fraction(float(xs.sum())),
        Fraction(float(ys.sum())),
        Fraction(float((xs * xs).sum())),
        Fraction(float((ys * ys).sum())),
        Fraction(float((xs * ys).sum())),
    )


def _statsmodels(customer: np.ndarray, values: np.ndarray) -> tuple[float, float, float]:
    fit = sm.OLS(values, np.ones((len(values), 1))).fit(
        cov_type="cluster", cov_kwds={"groups": customer}, use_t=True
    )
    low, high = fit.conf_int()[0]
    return float(fit.bse[0]), float(low), float(high)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clustered_mean_matches_statsmodels_cluster_robust_ols(seed: int) -> None:
    rng = np.random.default_rng(seed)
    customer = np.repeat(np.arange(40), rng.integers(1, 9, size=40))
    values = np.round(rng.gamma(2.0, 3.0, size=len(customer)) + 2.0 * (customer % 3), 2)
    got = _sums(customer, values, np.ones(len(customer))).mean("none")
    se, low, high = _statsmodels(customer, values)
    assert isinstance(got, ClusteredEstimate)
    assert got.estimate == pytest.approx(values.mean(), rel=1e-12)
    assert (got.se, got.ci_low, got.ci_high) == pytest.approx((se, low, high), rel=1e-9)
    assert got.customers == 40 and got.n == len(customer)


def test_clustered_share_is_wilson_at_the_effective_n() -> None:
    rng = np.random.default_rng(7)
    customer = np.repeat(np.arange(60), rng.integers(1, 7, size=60))
    frailty = rng.normal(0, 1.2, size=60)
    hit = (rng.random(len(customer)) < 1 / (1 + np.exp(-(0.8 + frailty[customer])))).astype(float)
    got = _sums(customer, hit, np.ones(len(customer))).share("none")
    se, _, _ = _statsmodels(customer, hit)
    p = hit.mean()
    assert isinstance(got, ClusteredEstimate) and got.se == pytest.approx(se, rel=1e-9)
    n_eff = min(len(hit), p * (1 - p) / se**2)
    assert got.design_effect == pytest.approx(len(hit) / n_eff, rel=1e-9)
    assert got.design_effect is not None and got.design_effect > 1.2  # the frailty shows
    alpha = 2 * sps.norm.sf(t_quantile(60))  # the normal tail matching t with 59 df
    low, high = proportion_confint(p * n_eff, n_eff, alpha=alpha, method="wilson")
    assert (got.ci_low, got.ci_high) == pytest.approx((low, high), rel=1e-9)


def test_share_at_zero_and_a_single_customer_assume_alike_contacts() -> None:
    # 0 resolved of 2 + 3 + 5 contacts: n_eff = 10² / (4 + 9 + 25) = 2.63, not 10
    zero = RatioSums(3, Fraction(0), Fraction(10), Fraction(0), Fraction(38), Fraction(0)).share("x")
    assert isinstance(zero, Estimate) and zero.estimate == 0.0 and zero.ci_low == 0.0
    _, high = proportion_confint(0, 100 / 38, alpha=2 * sps.norm.sf(t_quantile(3)), method="wilson")
    assert zero.ci_high == pytest.approx(high, rel=1e-9)
    # a single customer: one effective contact, normal quantile; a mean gets no interval at all
    one = RatioSums(1, Fraction(2), Fraction(5), Fraction(4), Fraction(25), Fraction(10))
    share = one.share("x")
    assert isinstance(share, ClusteredEstimate) and share.estimate == 0.4 and share.design_effect == 5.0
    assert (share.ci_low, share.ci_high) == pytest.approx(proportion_confint(0.4, 1, method="wilson"))
    mean = one.mean("x")
    assert isinstance(mean, Estimate) and mean.ci_low is None and mean.ci_high is None
    assert isinstance(RatioSums().share("nothing"), CannotCompute)


def test_difference_without_shared_customers_is_newcombes_hybrid_score() -> None:
    # every customer answered once, on one side: no clustering, correlation 0. With one answer
    # per customer the G/(G-1) correction makes the effective n exactly n - 1.
    a = RatioSums(80, Fraction(60), Fraction(80), Fraction(60), Fraction(80), Fraction(60))
    b = RatioSums(50, Fraction(30), Fraction(50), Fraction(30), Fraction(50), Fraction(30))
    got = PairedRatioSums(a, b, 130).share_difference("x")
    assert isinstance(got, ClusteredDifference) and got.correlation == 0.0
    la, ua = _wilson(0.75, 79, t_quantile(80))
    lb, ub = _wilson(0.6, 49, t_quantile(50))
    low = 0.15 - math.sqrt((0.75 - la) ** 2 + (ub - 0.6) ** 2)
    high = 0.15 + math.sqrt((ua - 0.75) ** 2 + (0.6 - lb) ** 2)
    assert (got.estimate, got.ci_low, got.ci_high) == pytest.approx((0.15, low, high), rel=1e-9)


def _wilson(p: float, n: float, z: float) -> tuple[float, float]:
    alpha = 2 * sps.norm.sf(z)
    low, high = proportion_confint(p * n, n, alpha=alpha, method="wilson")
    return float(low), float(high)


def test_difference_with_shared_customers_uses_their_correlation() -> None:
    rng = np.random.default_rng(11)
    g = 200
    mood = rng.normal(0, 1.5, size=g)  # a customer's mood lifts both sides
    n_a, n_b = rng.poisson(1.2, size=g), rng.poisson(1.2, size=g)
    x_a = rng.binomial(n_a, 1 / (1 + np.exp(-(0.5 + mood))))
    x_b = rng.binomial(n_b, 1 / (1 + np.exp(-(0.2 + mood))))
    on_a, on_b = n_a > 0, n_b > 0

    def side(x: np.ndarray, n: np.ndarray, present: np.ndarray) -> RatioSums:
        x, n = x[present], n[present]
        return RatioSums(int(present.sum()), *(Fraction(int(v)) for v in (x.sum(), n.sum(), (x * x).sum(), (n * n).sum(), (x * n).sum())))

    pair = PairedRatioSums(
        side(x_a, n_a, on_a),
        side(x_b, n_b, on_b),
        int((on_a | on_b).sum()),
        *(Fraction(int(v)) for v in ((x_a * x_b).sum(), (x_a * n_b).sum(), (n_a * x_b).sum(), (n_a * n_b).sum())),
    )
    got = pair.share_difference("x")
    ra, rb = x_a.sum() / n_a.sum(), x_b.sum() / n_b.sum()
    e_a, e_b = x_a - ra * n_a, x_b - rb * n_b  # zero for a customer absent from a side
    rho = (e_a * e_b).sum() / math.sqrt((e_a**2).sum() * (e_b**2).sum())
    assert isinstance(got, ClusteredDifference) and got.correlation == pytest.approx(rho, rel=1e-9)
    # its standard error: each customer's influence on the difference, summed over customers
    present = on_a | on_b
    u = e_a / n_a.sum() - e_b / n_b.sum()
    k = int(present.sum())
    assert got.se == pytest.approx(math.sqrt(k / (k - 1) * (u[present] ** 2).sum()), rel=1e-9)
    assert got.correlation is not None and got.correlation > 0.2
    assert got.customers == int((on_a | on_b).sum())
    independent = PairedRatioSums(pair.a, pair.b, pair.customers).share_difference("x")
    assert isinstance(independent, Estimate) and independent.ci_low is not None
    assert got.ci_low is not None and got.ci_high is not None and independent.ci_high is not None
    # positive correlation: the gap is known better than from two independent samples
    assert got.ci_high - got.ci_low < independent.ci_high - independent.ci_low


REPLICATES, CUSTOMERS = 300, 300


@pytest.mark.parametrize("metric", F.METRICS)
@pytest.mark.parametrize("scenario", F.SCENARIOS[2:], ids=["strong-5", "strong-uneven"])
def test_frailty_study_clustered_coverage_is_nominal(scenario: F.Scenario, metric: str) -> None:
    row = F.study(scenario, metric, REPLICATES, CUSTOMERS, seed=42)
    mc = math.sqrt(0.95 * 0.05 / REPLICATES)  # 0.0126
    # within 3 Monte Carlo SEs of 95% (a fixed seed: the check is deterministic)
    assert abs(row.coverage_clustered - 0.95) < 3 * mc, row
    assert abs(row.bias) < 0.02 * row.truth, row
    # and wider than the contact-level interval, which under-covers
    assert row.width_ratio > 1.1, row
    assert row.coverage_contact < row.coverage_clustered, row


def test_frailty_study_reproduces_the_contact_level_shortfall() -> None:
    moderate, strong = F.SCENARIOS[1], F.SCENARIOS[2]
    mod = F.study(moderate, "fcr", REPLICATES, CUSTOMERS, seed=42)
    sev = F.study(strong, "fcr", REPLICATES, CUSTOMERS, seed=42)
    # the issue measured about 88% and 78% for nominal 95% Wilson intervals
    assert 0.82 < mod.coverage_contact < 0.92 and 0.72 < sev.coverage_contact < 0.84
    none = F.study(F.SCENARIOS[0], "fcr", REPLICATES, CUSTOMERS, seed=42)
    assert abs(none.coverage_contact - 0.95) < 0.04 and abs(none.coverage_clustered - 0.95) < 0.04
