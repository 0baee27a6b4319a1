"""LeadLag against statsmodels/scipy references, planted lags, independent series (the null), a
shared seasonal cycle (the null the seasonal adjustment is for) and Holm across metrics."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import signal
from scipy import stats as sps
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests
from statsmodels.tsa.ar_model import AutoReg, ar_select_order

from cxroi.analyses.agents.leadlag import LeadLag, NotEnoughData
from cxroi.analyses.agents.leadlag import smooth_lags
from cxroi.stats.multiplicity import holm


def _ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    e = rng.standard_normal(n + 50)
    v = np.empty(n + 50)
    v[0] = e[0]
    for t in range(1, n + 50):
        v[t] = phi * v[t - 1] + e[t]
    return v[50:]


def _planted(
    seed: int, lag: int, n: int = 104, phi: float = 0.8, beta: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """x AR(1); y_t = beta * x_{t-lag} + N(0, 1): x leads y by ``lag`` periods."""
    rng = np.random.default_rng([seed, 2])
    x = _ar1(rng, n + lag, phi)
    y = beta * x[:n] + rng.standard_normal(n)
    return x[lag:], y


def test_prewhitened_ccf_matches_statsmodels_and_scipy_filter() -> None:
    x, y = _planted(3, 6)
    fit = LeadLag(n_boot=99, seasonal_harmonics=0).fit(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' notes about index-less arrays
        sel = ar_select_order(x, maxlag=4, ic="aic", trend="c")
    p = max(sel.ar_lags or [0])
    assert fit.ar_order_ == p
    res = AutoReg(x, lags=p, trend="c").fit()
    np.testing.assert_allclose(fit.ar_coefs_, res.params[1:], rtol=1e-10)
    xw = np.asarray(res.resid)  # statsmodels' innovations of x
    yw = signal.lfilter(np.r_[1.0, -np.asarray(res.params[1:])], [1.0], y)[p:]  # same filter on y
    m = len(xw)
    for k in fit.lags_:
        expected = np.corrcoef(xw[: m - k], yw[k:])[0, 1]
        assert fit.ccf_[k] == pytest.approx(expected, abs=1e-10)


def test_granger_p_matches_an_ols_f_test_by_hand() -> None:
    x, y = _planted(5, 3)
    fit = LeadLag(n_boot=99, seasonal_harmonics=0).fit(x, y)
    lag = fit.granger_lag_
    rows = range(lag, len(y))
    own = np.array([[y[t - i] for i in range(1, lag + 1)] for t in rows])
    other = np.array([[x[t - i] for i in range(1, lag + 1)] for t in rows])
    target = y[lag:]
    ones = np.ones((len(target), 1))

    def rss(design: np.ndarray) -> float:
        beta, *_ = np.linalg.lstsq(design, target, rcond=None)
        return float(((target - design @ beta) ** 2).sum())

    restricted, full = rss(np.hstack([ones, own])), rss(np.hstack([ones, own, other]))
    dof = len(target) - 2 * lag - 1
    f_stat = (restricted - full) / lag / (full / dof)
    assert fit.granger_p_ == pytest.approx(float(sps.f.sf(f_stat, lag, dof)), rel=1e-8)


@pytest.mark.parametrize("lag", [0, 3, 10, 20])
def test_planted_lag_is_recovered_and_inside_the_significant_band(lag: int) -> None:
    x, y = _planted(1, lag)
    fit = LeadLag(n_boot=499).fit(x, y)
    assert fit.best_lag_ == lag and fit.best_lag_days_ == 7 * lag
    assert fit.significant_ and fit.seasonal_adjusted_
    assert fit.band_lags_ is not None and fit.band_lags_[0] <= lag <= fit.band_lags_[1]
    assert fit.ci_[0] < fit.correlation_ < fit.ci_[1]
    # Granger tests all lags 1..k jointly, so power falls with k (p = 0.06 at k = 20 here, on
    # the deseasonalised series; it is a description, not the decision)
    assert fit.granger_p_ is not None and (lag in (0, 20) or fit.granger_p_ < 0.05)


def test_bias_and_coverage_on_planted_correlation() -> None:
    # After filtering with x's AR(1), y~_t = beta u_{t-k} + e_t - phi e_{t-1}, so the true
    # prewhitened correlation at lag k is beta / sqrt(beta^2 + 1 + phi^2) (unit innovations).
    phi, beta, k, reps = 0.8, 0.5, 10, 60
    truth = beta / math.sqrt(beta**2 + 1 + phi**2)
    est, covered, lag_hits = [], 0, 0
    for seed in range(reps):
        fit = LeadLag(n_boot=299).fit(*_planted(seed, k, phi=phi, beta=beta))
        est.append(fit.correlation_)
        covered += fit.ci_[0] <= truth <= fit.ci_[1]
        lag_hits += fit.best_lag_ == k
    bias = float(np.mean(est)) - truth
    # measured: bias -0.014, coverage 0.90 (100 replicates, 499 resamples), lag found 95%
    assert abs(bias) < 0.04
    assert covered / reps >= 0.83
    assert lag_hits / reps >= 0.85


def test_independent_series_rarely_show_a_significant_lead() -> None:
    """The false-positive check: 50 pairs of independent AR(1) series of the demo's length."""
    rejections, granger = 0, 0
    for i in range(50):
        rng = np.random.default_rng([i, 1])
        phi = 0.3 + 0.6 * (i % 5) / 4  # 0.3 .. 0.9: persistence is what prewhitening handles
        fit = LeadLag(n_boot=99).fit(_ar1(rng, 104, phi), _ar1(rng, 104, phi))
        rejections += fit.significant_
        granger += fit.granger_p_ is not None and fit.granger_p_ < 0.05
    # measured: 0/50 here; 4-4.5% over 200 pairs each at phi 0.5, 0.85, 0.95
    assert rejections / 50 <= 0.10
    # Granger at the data-chosen lag is not a confirmatory test (the lag was picked on the same
    # data): 8/50 here, 8-11% over 200 pairs per phi; it must not be wildly off either.
    assert granger / 50 <= 0.2


def test_without_prewhitening_persistent_series_would_mislead() -> None:
    # Why prewhitening: two independent, very persistent series have raw cross-correlations far
    # outside ±1.96/sqrt(n); after the AR filter they fall back inside the familywise band.
    rng = np.random.default_rng(42)
    x, y = _ar1(rng, 104, 0.95), _ar1(rng, 104, 0.95)
    raw = max(abs(np.corrcoef(x[: 104 - k], y[k:])[0, 1]) for k in range(27))
    fit = LeadLag(n_boot=99, direction="absolute").fit(x, y)
    assert raw > 1.96 / math.sqrt(104)
    assert not fit.significant_


def test_absolute_direction_finds_a_negative_lead_positive_does_not_flag_it() -> None:
    x, y = _planted(2, 5)
    absolute = LeadLag(n_boot=99, direction="absolute").fit(x, -y)
    assert absolute.best_lag_ == 5 and absolute.correlation_ < 0 and absolute.significant_
    positive = LeadLag(n_boot=99).fit(x, -y)
    assert not positive.significant_


def test_smoothing_matches_brute_force() -> None:
    c = np.array([[0.1, 0.5, 0.2, -0.3, 0.4]])
    expected = [
        (0.5 * 0.1 + 0.25 * 0.5) / 0.75,
        0.25 * 0.1 + 0.5 * 0.5 + 0.25 * 0.2,
        0.25 * 0.5 + 0.5 * 0.2 + 0.25 * -0.3,
        0.25 * 0.2 + 0.5 * -0.3 + 0.25 * 0.4,
        (0.25 * -0.3 + 0.5 * 0.4) / 0.75,
    ]
    np.testing.assert_allclose(smooth_lags(c)[0], expected)


def test_same_input_same_numbers_bit_for_bit() -> None:
    x, y = _planted(9, 4)
    a, b = LeadLag().fit(x, y), LeadLag().fit(x, y)
    assert a.ci_ == b.ci_ and a.band_lags_ == b.band_lags_ and a.granger_p_ == b.granger_p_
    assert a.p_value_ == b.p_value_ and np.array_equal(a.ccf_, b.ccf_)


def test_summary_has_one_row_per_lag() -> None:
    fit = LeadLag(n_boot=99).fit(*_planted(4, 2))
    s = fit.summary
    assert list(s["lag"]) == list(range(27)) and list(s["lag_days"]) == [7 * k for k in range(27)]
    assert int(s.loc[s["best"], "lag"].iloc[0]) == fit.best_lag_
    assert "prewhitened" in fit.method


def test_refusals() -> None:
    x, y = _planted(1, 2, n=29)
    with pytest.raises(NotEnoughData, match="at least 30"):
        LeadLag().fit(x, y)
    with pytest.raises(NotEnoughData, match="does not vary"):
        LeadLag().fit(np.arange(40.0), np.ones(40))
    with pytest.raises(ValueError, match="same length"):
        LeadLag().fit(np.arange(40.0), np.arange(41.0))
    with pytest.raises(ValueError, match="finite"):
        LeadLag().fit(np.r_[np.nan, np.arange(39.0)], np.arange(40.0))
    # a short series searches fewer lags rather than correlating a handful of pairs
    fit = LeadLag(n_boot=99).fit(*_planted(1, 2, n=40))
    assert fit.max_lag_used_ == len(fit.ccf_) - 1 < 26
    assert int(fit.n_pairs_.min()) >= 20


# -- the decision, the season and several metrics ------------------------------------------------
def test_p_value_and_band_give_the_same_decision() -> None:
    for seed in range(30):
        x, y = _planted(seed, 4, beta=0.25)
        fit = LeadLag(n_boot=99).fit(x, y)
        n = int(fit.n_pairs_[fit.best_lag_])
        expected = min(1.0, len(fit.lags_) * float(sps.norm.sf(fit.correlation_ * math.sqrt(n))))
        assert fit.p_value_ == pytest.approx(expected, rel=1e-12)
        assert fit.significant_ == (fit.correlation_ > fit.band_familywise_)
        assert fit.significant_ == (fit.p_value_ <= fit.alpha)


def test_season_and_trend_are_removed_by_least_squares() -> None:
    rng = np.random.default_rng(8)
    n = 104
    t = np.arange(n)
    season = np.sin(2 * math.pi * t / (365.25 / 7))
    x = 0.02 * t + 2 * season + _ar1(rng, n, 0.5)
    y = 1.5 * season + _ar1(rng, n, 0.5)
    fit = LeadLag(n_boot=99, max_ar_order=0).fit(x, y)
    angle = 2 * math.pi * t / (365.25 / 7)
    design = np.column_stack(
        [np.ones(n), t / n, np.sin(angle), np.cos(angle), np.sin(2 * angle), np.cos(2 * angle)]
    )
    rx = sm.OLS(x, design).fit().resid
    ry = sm.OLS(y, design).fit().resid
    # with AR order 0 the correlogram is that of the OLS residuals themselves
    assert fit.ar_order_ == 0
    for k in (0, 5, 12):
        expected = np.corrcoef(rx[: n - k], ry[k:])[0, 1]
        assert fit.ccf_[k] == pytest.approx(expected, abs=1e-10)
    # too short for a season: nothing is removed, and the method says so
    short = LeadLag(n_boot=99).fit(x[:60], y[:60])
    assert not short.seasonal_adjusted_ and "harmonics" not in short.method


def _shared_season(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng([seed, 31])
    n = 104
    cycle = 1.5 * np.sin(2 * math.pi * np.arange(n) / (365.25 / 7) + rng.uniform(0, 2 * math.pi))
    return cycle + _ar1(rng, n, 0.3), cycle + _ar1(rng, n, 0.3)


def test_a_shared_season_without_a_link_is_rarely_a_lead() -> None:
    """Independent AR(1) series (phi 0.3) sharing an annual cycle, 104 weeks, 150 replicates.

    Measured here: significant in 20 of 150 (13.3%) without the seasonal adjustment, 9 (6.0%)
    with it; the full study (scripts/leadlag_study.py, docs/agents.md) has 400 replicates.
    Monte Carlo error of a 5% rate over 150 replicates: 1.8 points.
    """
    before = after = 0
    for seed in range(150):
        x, y = _shared_season(seed)
        before += LeadLag(n_boot=99, seasonal_harmonics=0).fit(x, y).significant_
        after += LeadLag(n_boot=99).fit(x, y).significant_
    mc = math.sqrt(0.05 * 0.95 / 150)
    assert after / 150 <= 0.05 + 2 * mc
    assert before / 150 >= after / 150 + 0.04


def test_holm_matches_statsmodels_and_tames_four_metrics() -> None:
    p = {"csat": 0.01, "nps": 0.04, "ces": 0.03, "fcr_7d": 0.2}
    ours = holm(p)
    _, ref, _, _ = multipletests(list(p.values()), method="holm")
    assert list(ours.values()) == pytest.approx(list(ref), rel=1e-12)
    assert holm({}) == {}
    # four independent loyalty series and no lead: any metric significant
    single = adjusted = 0
    reps = 60
    for seed in range(reps):
        rng = np.random.default_rng([seed, 41])
        x = _ar1(rng, 104, 0.5)
        fits = [LeadLag(n_boot=99).fit(x, _ar1(rng, 104, 0.5)) for _ in range(4)]
        single += any(f.significant_ for f in fits)
        adjusted += any(q <= 0.05 for q in holm({str(i): f.p_value_ for i, f in enumerate(fits)}).values())
    # measured on these 60: 13 with a metric significant on its own, 4 after Holm
    assert adjusted <= single
    assert adjusted / reps <= 0.05 + 2 * math.sqrt(0.05 * 0.95 / reps)
    assert single / reps >= 0.12
