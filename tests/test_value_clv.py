"""CLV: the left-truncated sBG against the plain sBG and Fader & Hardie, DERL against brute-force
discounted sums, the banded CLV against a brute-force per-customer sum and the delta method, the
demo's planted lifetimes, and revenue per retained customer against a hand computation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from scipy import special

from cxroi.analyses.value.clv import ClvFit, fit_clv, revenue_per_retained_customer, survival_rows
from cxroi.analyses.value.sbg_truncated import TruncatedShiftedBetaGeometric, derl_by_renewals
from cxroi.stats.result import CannotCompute, Estimate
from cxroi.stats.sbg import ShiftedBetaGeometric
from cxroi.results.model.value import RetainedRevenue

# Fader & Hardie (2007), "regular" customers: survivors of a 1000-customer cohort, years 0..7.
REGULAR = np.array([1000, 631, 468, 382, 326, 289, 262, 241], dtype=float)
MONTH = timedelta(days=365.25 / 12)


def regular_rows() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    lost = -np.diff(REGULAR)
    periods = np.r_[np.arange(1, 8), 7]
    churned = np.r_[np.ones(7, bool), False]
    return np.zeros(8), periods, churned, np.r_[lost, REGULAR[-1]]


def brute_derl(a: float, b: float, d: float, n: int, terms: int = 20_000) -> float:
    """sum_{t>=1} S(n + t) / S(n) / (1 + d)^t with S from log-beta functions."""
    t = np.arange(1, terms + 1)
    log_ratio = special.betaln(a, b + n + t) - special.betaln(a, b + n)
    return float(np.sum(np.exp(log_ratio - t * np.log1p(d))))


def test_no_truncation_reproduces_plain_sbg_and_published_fit() -> None:
    plain = ShiftedBetaGeometric(discount_rate=0.1).fit(REGULAR)
    trunc = TruncatedShiftedBetaGeometric(discount_rate=0.1).fit_truncated(*regular_rows())
    assert trunc.alpha_ == pytest.approx(0.704, abs=5e-4)
    assert trunc.beta_ == pytest.approx(1.182, abs=5e-4)
    assert trunc.alpha_ == pytest.approx(plain.alpha_, rel=1e-7)
    assert trunc.beta_ == pytest.approx(plain.beta_, rel=1e-7)
    assert trunc.log_likelihood_ == pytest.approx(plain.log_likelihood_, rel=1e-10)
    assert trunc.alpha_se_ == pytest.approx(plain.alpha_se_, rel=1e-5)
    # inherited DERL and its delta-method interval work on the truncated fit
    d_plain, d_trunc = plain.derl_estimate(3), trunc.derl_estimate(3)
    assert d_trunc.estimate == pytest.approx(d_plain.estimate, rel=1e-7)
    assert d_trunc.ci_low == pytest.approx(d_plain.ci_low, rel=1e-5)


def test_derl_recursion_matches_closed_form_and_brute_force() -> None:
    model = ShiftedBetaGeometric(discount_rate=0.1).fit(REGULAR)
    table = derl_by_renewals(model.alpha_, model.beta_, 0.1, 30)[0]
    for n in (0, 1, 4, 12, 30):
        assert table[n] == pytest.approx(model.derl(n), rel=1e-10)
        assert table[n] == pytest.approx(brute_derl(model.alpha_, model.beta_, 0.1, n), rel=1e-8)
    # monthly discounting, many parameter pairs at once
    d = 1.1 ** (1 / 12) - 1
    many = derl_by_renewals([0.5, 2.0], [30.0, 90.0], d, 60)
    assert many[1, 60] == pytest.approx(brute_derl(2.0, 90.0, d, 60, terms=60_000), rel=1e-8)
    assert many[0, 0] == pytest.approx(brute_derl(0.5, 30.0, d, 0, terms=200_000), rel=1e-6)


def simulate_truncated(n: int, a: float, b: float, seed: int) -> tuple[np.ndarray, ...]:
    """Customers acquired 0..59 months before the window; only survivors of its start are seen."""
    rng = np.random.default_rng(seed)
    lifetimes = rng.geometric(rng.beta(a, b, n))
    months_before = rng.integers(0, 60, n)
    alive = lifetimes > months_before
    e, life = months_before[alive], lifetimes[alive]
    end = e + 24  # 24 months observed
    churned = life <= end
    return e.astype(float), np.where(churned, life, end).astype(float), churned


def test_left_truncation_recovers_planted_parameters_where_ignoring_it_fails() -> None:
    e, t, churned = simulate_truncated(60_000, 0.7, 1.2, seed=11)
    fit = TruncatedShiftedBetaGeometric().fit_truncated(e, t, churned)
    assert fit.alpha_ci_[0] < 0.7 < fit.alpha_ci_[1]
    assert fit.beta_ci_[0] < 1.2 < fit.beta_ci_[1]
    # Treating survivors as if seen from acquisition flatters retention badly.
    naive = ShiftedBetaGeometric().fit_lifetimes(t, churned)
    assert naive.beta_ / (naive.alpha_ + naive.beta_) > 0.9 > 1.2 / 1.9


def test_truncated_fit_refuses_unidentified_data() -> None:
    with pytest.raises(ValueError, match="no customer was lost"):
        TruncatedShiftedBetaGeometric().fit_truncated([0, 0], [3, 4], [False, False])
    rng = np.random.default_rng(2)
    life = rng.geometric(0.05, 20_000)  # one churn rate for all: no heterogeneity
    with pytest.raises(ValueError, match="heterogeneity"):
        TruncatedShiftedBetaGeometric().fit_truncated(
            np.zeros(life.size), np.minimum(life, 36), life <= 36
        )


# ------------------------------------------------------------------------------ customer frames
AS_OF = datetime(2025, 12, 31, tzinfo=UTC)
OBS_START = datetime(2024, 1, 1, tzinfo=UTC)


def frame_from(
    e: np.ndarray, t: np.ndarray, churned: np.ndarray, revenue: np.ndarray
) -> pd.DataFrame:
    """Customers whose acquisition and churn reproduce (entry, periods, churned) in months."""
    acq = [OBS_START - MONTH * (ei + 0.5) for ei in e]
    churn = [a + MONTH * (ti - 0.4) if c else pd.NaT for a, ti, c in zip(acq, t, churned)]
    frame = pd.DataFrame(
        {
            "customer_id": [f"K{i:06d}" for i in range(len(e))],
            "acquired_at": pd.to_datetime(acq, utc=True),
            "churned_at": pd.to_datetime(churn, utc=True),
            "monthly_revenue": revenue,
        }
    )
    # the end of the data is 24 months after the window opened, as in the simulation
    return frame


def test_survival_rows_round_trip() -> None:
    e, t, churned = simulate_truncated(2_000, 0.7, 1.2, seed=5)
    frame = frame_from(e, t, churned, np.ones(e.size))
    as_of = OBS_START + 24 * MONTH
    e2, t2, c2 = survival_rows(frame, OBS_START, as_of)
    assert np.array_equal(c2, churned)
    assert np.array_equal(e2, e)
    assert np.array_equal(t2[c2], t[churned])
    # censored: floor of the months from acquisition to as_of = entry + 24
    assert np.array_equal(t2[~c2], e[~churned] + 24)


def test_clv_equals_brute_force_discounted_sum_per_customer() -> None:
    e, t, churned = simulate_truncated(20_000, 0.9, 8.0, seed=3)
    rng = np.random.default_rng(0)
    revenue = np.round(rng.lognormal(3.5, 0.5, e.size), 2)
    frame = frame_from(e, t, churned, revenue)
    as_of = OBS_START + 24 * MONTH
    d = 1.1 ** (1 / 12) - 1
    res = fit_clv(frame, OBS_START, as_of, 0.3, d, 2_000, np.random.default_rng(1), strata=1)
    assert isinstance(res, ClvFit)
    band = res.honesty.bands[0]
    a, b = band.alpha, band.beta
    active = ~churned
    renewals = (e + 24)[active].astype(int)
    cache = {n: brute_derl(a, b, d, n) for n in np.unique(renewals)}
    expected = 0.3 * np.mean(revenue[active] * np.array([cache[n] for n in renewals]))
    assert res.estimate.estimate == pytest.approx(expected, rel=1e-8)
    assert res.estimate.n == int(active.sum())
    assert res.estimate.ci_low < res.estimate.estimate < res.estimate.ci_high


def test_bootstrap_interval_agrees_with_delta_method_for_one_tenure() -> None:
    # Everyone seen from acquisition, one revenue level: CLV = margin x rev x DERL(24) exactly,
    # so the parametric draws must give the parent's delta-method interval (both log-normal).
    rng = np.random.default_rng(8)
    n = 30_000
    life = rng.geometric(rng.beta(0.8, 6.0, n))
    churned = life <= 24
    frame = frame_from(np.zeros(n), np.where(churned, life, 24), churned, np.full(n, 50.0))
    frame["acquired_at"] = OBS_START + pd.Timedelta(seconds=1)
    frame["churned_at"] = [
        OBS_START + MONTH * (lt - 0.5) if c else pd.NaT for lt, c in zip(life, churned)
    ]
    frame["churned_at"] = pd.to_datetime(frame["churned_at"], utc=True)
    as_of = OBS_START + 24 * MONTH + pd.Timedelta(days=1)
    d = 0.01
    res = fit_clv(frame, OBS_START, as_of, 0.25, d, 20_000, np.random.default_rng(4), strata=1)
    assert isinstance(res, ClvFit)
    band = res.honesty.bands[0]
    ref = TruncatedShiftedBetaGeometric(discount_rate=d)
    e, t, c = survival_rows(frame, OBS_START, as_of)
    ref.fit_truncated(e, t, c)
    delta = ref.clv_estimate(0.25, 50.0, renewals=24)
    assert band.alpha == pytest.approx(ref.alpha_, rel=1e-9)
    assert res.estimate.estimate == pytest.approx(delta.estimate, rel=1e-9)
    # the sBG's own parametric interval; the reported interval adds the constant-churn model
    assert res.parametric.ci_low == pytest.approx(delta.ci_low, rel=0.02)
    assert res.parametric.ci_high == pytest.approx(delta.ci_high, rel=0.02)
    assert res.estimate.ci_low <= res.parametric.ci_low
    assert res.estimate.ci_high >= res.parametric.ci_high


def test_homogeneous_band_falls_back_to_geometric() -> None:
    # Exactly halving cohorts: retention is constant, so no heterogeneity can be found.
    life = np.concatenate([np.full(2 ** (12 - k), k) for k in range(1, 13)] + [np.array([13])])
    churned = life <= 12
    n = life.size
    frame = frame_from(np.zeros(n), np.where(churned, life, 12), churned, np.full(n, 10.0))
    as_of = OBS_START + 12 * MONTH
    d = 0.008
    res = fit_clv(frame, OBS_START, as_of, 1.0, d, 2_000, np.random.default_rng(1), strata=1)
    assert isinstance(res, ClvFit)
    band = res.honesty.bands[0]
    assert band.model == "geometric"
    theta = band.monthly_churn_constant
    assert theta == pytest.approx(0.5, abs=1e-12)
    keep = (1 - theta) / (1 + d)
    assert res.estimate.estimate == pytest.approx(10.0 * keep / (1 - keep), rel=1e-9)


def test_clv_cannot_compute_without_monthly_revenue() -> None:
    e, t, churned = simulate_truncated(500, 0.7, 1.2, seed=1)
    frame = frame_from(e, t, churned, np.full(e.size, np.nan))
    res = fit_clv(frame, OBS_START, AS_OF, 0.3, 0.01, 100, np.random.default_rng(0))
    assert isinstance(res, CannotCompute)
    assert "monthly_revenue" in res.reason


# ------------------------------------------------------------------- revenue per retained customer
def test_revenue_per_retained_customer_by_hand() -> None:
    t0 = datetime(2024, 2, 1, tzinfo=UTC)
    rows = [
        # id, index mode, churned after (days) or None, monthly revenue
        ("A", "ai_only", None, 10.0),
        ("B", "hybrid", 500, 20.0),
        ("C", "ai_only", 100, 30.0),  # churned within 12 months: not retained
        ("D", "human_only", None, 5.0),
        ("E", "human_only", None, 7.0),
        ("F", "human_only", None, 9.0),
    ]
    frame = pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "acquired_at": pd.to_datetime([t0 - timedelta(days=30)] * len(rows), utc=True),
            "churned_at": pd.to_datetime(
                [t0 + timedelta(days=r[2]) if r[2] else pd.NaT for r in rows], utc=True
            ),
            "monthly_revenue": [r[3] for r in rows],
            "index_at": pd.to_datetime([t0] * len(rows), utc=True),
            "index_mode": [r[1] for r in rows],
        }
    )
    events = pd.DataFrame(
        {
            "customer_id": ["A", "C", "D"],
            "events_total": [100.0, 50.0, -12.0],
            "recurring_total": [np.nan, np.nan, np.nan],
        }
    )
    res = revenue_per_retained_customer(frame, events, False, AS_OF, min_cell=3)
    assert isinstance(res, RetainedRevenue)
    ai, human = res.ai_assisted, res.human_only
    assert isinstance(ai, Estimate) and isinstance(human, Estimate)
    a_vals = np.array([120 + 100, 240.0])
    h_vals = np.array([60 - 12, 84.0, 108.0])
    assert ai.estimate == pytest.approx(a_vals.mean())
    assert ai.n == 2 and ai.small_cell is True
    assert human.estimate == pytest.approx(h_vals.mean())
    assert human.se == pytest.approx(h_vals.std(ddof=1) / np.sqrt(3))
    assert isinstance(res.difference, Estimate)
    assert res.difference.estimate == pytest.approx(a_vals.mean() - h_vals.mean())

    recurring_only = revenue_per_retained_customer(frame, None, False, AS_OF, 3)
    assert isinstance(recurring_only, RetainedRevenue)
    assert isinstance(recurring_only.ai_assisted, Estimate)
    assert recurring_only.ai_assisted.estimate == pytest.approx((120 + 240) / 2)
    assert "12 x monthly_revenue" in recurring_only.ai_assisted.method

    none = revenue_per_retained_customer(
        frame.assign(monthly_revenue=np.nan), None, False, AS_OF, 3
    )
    assert isinstance(none, CannotCompute)
    assert "revenue table" in none.reason


# ------------------------------------------------------------------ honesty about extrapolation
def brute_partial(a: float, b: float, d: float, n: int, horizon: int) -> float:
    """sum_{t=1..horizon} S(n + t) / S(n) / (1 + d)^t."""
    t = np.arange(1, horizon + 1)
    log_ratio = special.betaln(a, b + n + t) - special.betaln(a, b + n)
    return float(np.sum(np.exp(log_ratio - t * np.log1p(d))))


def test_band_values_within_a_horizon_match_brute_force_sums() -> None:
    e, t, churned = simulate_truncated(20_000, 0.9, 8.0, seed=3)
    revenue = np.round(np.random.default_rng(0).lognormal(3.5, 0.5, e.size), 2)
    as_of = OBS_START + 24 * MONTH
    d = 1.1 ** (1 / 12) - 1
    res = fit_clv(
        frame_from(e, t, churned, revenue), OBS_START, as_of, 0.3, d, 500,
        np.random.default_rng(1), strata=1,
    )
    assert isinstance(res, ClvFit)
    band = res.bands[0]
    assert band.model == "sbg" and band.alpha is not None and band.beta is not None
    renewals = np.nonzero(band.rev_by_renewals)[0]
    for horizon in (1, 24, 60):
        expected = sum(
            band.rev_by_renewals[n] * brute_partial(band.alpha, band.beta, d, int(n), horizon)
            for n in renewals
        )
        assert band.value(d, horizon) == pytest.approx(expected, rel=1e-9)
    full = sum(band.rev_by_renewals[n] * brute_derl(band.alpha, band.beta, d, int(n)) for n in renewals)
    assert band.value(d) == pytest.approx(full, rel=1e-8)
    keep = (1 - band.theta) / (1 + d)
    assert band.value(d, 24, geometric=True) == pytest.approx(
        band.rev_total * keep * (1 - keep**24) / (1 - keep), rel=1e-12
    )
    h = res.honesty
    assert h.observed_months == 24
    assert h.share_beyond_observed == pytest.approx(1 - band.value(d, 24) / band.value(d))
    assert h.share_beyond_observed > h.share_beyond_36m > h.share_beyond_60m > 0
    assert h.within_observed.estimate + h.beyond_observed.estimate == pytest.approx(
        res.estimate.estimate
    )
    assert h.beyond_observed.evidence.value == "extrapolation"
    assert h.bands[0].share_beyond_60m == pytest.approx(h.share_beyond_60m)


def test_clv_interval_spans_both_lifetime_models() -> None:
    # heterogeneous churn: the sBG's tail is longer than constant churn at today's rate
    e, t, churned = simulate_truncated(20_000, 0.9, 8.0, seed=5)
    as_of = OBS_START + 24 * MONTH
    d = 1.1 ** (1 / 12) - 1
    res = fit_clv(
        frame_from(e, t, churned, np.full(e.size, 40.0)), OBS_START, as_of, 0.3, d, 2_000,
        np.random.default_rng(2), strata=1,
    )
    assert isinstance(res, ClvFit)
    band = res.bands[0]
    n = band.n_active
    geo = 0.3 * band.value_draws(d, geometric=True) / n
    lo, hi = np.quantile(geo, [0.025, 0.975])
    est, par = res.estimate, res.parametric
    assert est.ci_low == pytest.approx(min(lo, par.ci_low))
    assert est.ci_high == pytest.approx(max(hi, par.ci_high))
    assert est.ci_low < par.ci_low  # the constant-churn reading is lower: the range widens
    assert est.evidence.value == "extrapolation" and est.horizon_months is None
    assert est.margin_applied
