"""Lifetime revenue protected: with a constant-churn baseline and a constant hazard ratio the
sensitivity table equals closed-form integrals (the 12-month anchor gives back the planted hazard
ratio); the sBG baseline equals the product of retention rates; longer horizons and a persisting
effect never give less. And the monthly recurring revenue vector, by hand."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxroi
from cxroi.analyses.value import queries as q
from cxroi.analyses.value.clv import ClvFit, fit_clv
from cxroi.analyses.value.clv_bands import BandFit
from cxroi.analyses.value.lifetime import _Cells, _log_baseline, ai_assisted_customers, lifetime_sensitivity, month_grid, sensitivity_from_bands
from cxroi.analyses.value.recurring_revenue import monthly_recurring_revenue
from cxroi.demo import generate_demo
from cxroi.demo._population import draw_population
from cxroi.stats.result import CannotCompute, Estimate
from cxroi.results.model.money import Evidence
from cxroi.results.model.value import Persistence
from helpers import contact, write_csv

THETA = 0.02  # monthly churn
D = 1.1 ** (1 / 12) - 1


def _geometric_band(draws: int = 50) -> BandFit:
    return BandFit(
        lower=None, upper=None, model="geometric", alpha=None, beta=None, alpha_draws=None,
        beta_draws=None, theta=THETA, theta_draws=np.full(draws, THETA),
        rev_by_renewals=np.array([1.0]), n_active=1, fitted=1,
    )


def _customers(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    index = pd.Timestamp("2024-06-01", tz="UTC")
    return pd.DataFrame(
        {
            "monthly_revenue": rng.gamma(2.0, 40.0, n),
            "acquired_at": [index - pd.Timedelta(days=int(d)) for d in rng.integers(0, 900, n)],
            "index_at": index,
        }
    )


def _gain(lam: float, hr: float, horizon: float, delta: float) -> float:
    """Closed form of the integral from 0 to horizon of exp(-delta t) (S1 - S0)."""

    def part(rate: float) -> float:
        return (1 - math.exp(-horizon * (delta + rate))) / (delta + rate)

    return part(hr * lam) - part(lam)


def test_constant_churn_and_hazard_ratio_match_closed_forms() -> None:
    customers = _customers()
    revenue = float(customers["monthly_revenue"].sum())
    lam, hr = -math.log1p(-THETA), 0.7
    anchor = revenue * _gain(lam, hr, 12, 0.0)
    got = sensitivity_from_bands(
        Estimate(anchor, se=0.0), customers, (_geometric_band(),), D, 0.3, 24,
        np.random.default_rng(1), horizons=(36, 60, None), draws=20,
    )
    assert not isinstance(got, CannotCompute)
    # the monthly trapezoid rule against exact integrals: agreement to ~1e-4
    assert got.implied_hazard_ratio.estimate == pytest.approx(hr, rel=2e-4)
    delta = math.log1p(D)
    rows = {(r.horizon_months, r.persistence): r for r in got.rows}
    for h in (36, 60):
        expected = revenue * _gain(lam, hr, h, delta)
        row = rows[(h, Persistence.PERSISTS)]
        assert row.revenue.estimate == pytest.approx(expected, rel=1e-3)
        assert row.margin.estimate == pytest.approx(0.3 * row.revenue.estimate)
        assert row.revenue.evidence is Evidence.EXTRAPOLATION and not row.revenue.margin_applied
        # fading: after month 12 the kept customers churn at the baseline rate
        kept = math.exp(-hr * lam * 12) / math.exp(-lam * 12)
        tail = (kept - 1) * (
            math.exp(-12 * (delta + lam)) - math.exp(-h * (delta + lam))
        ) / (delta + lam)
        fading = revenue * (_gain(lam, hr, 12, delta) + tail)
        assert rows[(h, Persistence.FADES)].revenue.estimate == pytest.approx(fading, rel=1e-3)
    lifetime = rows[(None, Persistence.PERSISTS)].revenue.estimate
    assert lifetime == pytest.approx(revenue * _gain(lam, hr, 1200, delta), rel=1e-3)
    # no uncertainty in the inputs: a degenerate interval, honestly
    assert rows[(60, Persistence.PERSISTS)].revenue.ci_low == pytest.approx(
        rows[(60, Persistence.PERSISTS)].revenue.estimate, rel=1e-9
    )


def _sbg_band(a: float, b: float) -> BandFit:
    """One sBG band whose point and only draw are (a, b)."""
    return BandFit(
        lower=None, upper=None, model="sbg", alpha=a, beta=b, alpha_draws=np.array([a]),
        beta_draws=np.array([b]), theta=0.05, theta_draws=np.array([0.05]),
        rev_by_renewals=np.array([1.0]), n_active=1, fitted=1,
    )


def test_sbg_baseline_is_the_product_of_retention_rates() -> None:
    a, b = 0.8, 12.0
    band = _sbg_band(a, b)
    cells = _Cells(np.array([0, 0]), np.array([0, 17]), np.array([1.0, 1.0]))
    grid = month_grid()
    got = np.exp(_log_baseline(cells, (band,), None, grid))
    for row, n in enumerate((0, 17)):
        for k in (1, 12, 60, 204):  # monthly to 120, then every 6 months
            ratio = np.prod([(b + j - 1) / (a + b + j - 1) for j in range(n + 1, n + k + 1)])
            assert got[row, list(grid).index(k)] == pytest.approx(ratio, rel=1e-10)


def test_sbg_baseline_near_the_geometric_limit_is_geometric() -> None:
    # A parameter draw of a band whose fit sits near the geometric boundary (the demo with seed 3
    # made this one): as log-gamma differences, log S came out at +256 and exp overflowed.
    a, b = 461412884935656.0, 2.60209632666284e16
    band = _sbg_band(a, b)
    cells = _Cells(np.array([0, 0]), np.array([0, 40]), np.array([1.0, 1.0]))
    grid = month_grid()
    with np.errstate(all="raise"):
        got = _log_baseline(cells, (band,), 0, grid)
    # retention (b + j) / (a + b + j) is 1 - a / (a + b) to within 1e-15 for every month here
    expected = np.log1p(-a / (a + b)) * grid
    np.testing.assert_allclose(got, np.vstack([expected, expected]), rtol=1e-12, atol=1e-13)


def test_longer_and_persisting_never_give_less() -> None:
    got = sensitivity_from_bands(
        Estimate(5_000.0, se=1_000.0), _customers(), (_geometric_band(200),), D, 0.3, 24,
        np.random.default_rng(2), draws=200,
    )
    assert not isinstance(got, CannotCompute) and got.anchor_capped_draws == 0
    rows = {(r.horizon_months, r.persistence): r.revenue for r in got.rows}
    for p in Persistence:
        assert rows[(36, p)].estimate <= rows[(60, p)].estimate <= rows[(None, p)].estimate
    for h in (36, 60, None):
        assert rows[(h, Persistence.FADES)].estimate <= rows[(h, Persistence.PERSISTS)].estimate
        assert rows[(h, Persistence.PERSISTS)].ci_low < rows[(h, Persistence.PERSISTS)].estimate


def test_monthly_recurring_revenue_by_hand(tmp_path: Path) -> None:
    folder = tmp_path / "mrr"
    folder.mkdir()
    write_csv(
        folder / "customers.csv",
        [
            {"customer_id": "A", "acquired_at": "2023-01-01T00:00:00Z", "monthly_revenue": 50},
            {"customer_id": "B", "acquired_at": "2023-06-01T00:00:00Z"},
            {"customer_id": "C", "acquired_at": "2024-02-01T00:00:00Z",
             "churned_at": "2024-03-01T00:00:00Z"},
            {"customer_id": "D", "acquired_at": "2023-06-01T00:00:00Z"},
        ],
    )
    write_csv(
        folder / "contacts.csv",
        [contact("C1", "A", "2024-01-05T00:00:00Z"), contact("C2", "D", "2024-04-01T00:00:00Z")],
    )
    rows = [("A", "2024-01-01", 999.0), ("B", "2024-01-01", 30.0), ("B", "2024-02-01", 30.0),
            ("B", "2024-03-01", 30.0), ("C", "2024-02-01", 40.0)]
    write_csv(
        folder / "revenue.csv",
        [{"customer_id": c, "occurred_at": f"{d}T00:00:00Z", "amount": a, "kind": "recurring"}
         for c, d, a in rows],
    )
    got = monthly_recurring_revenue(cxroi.load_dataset(folder))
    month = 365.25 / 12
    assert got.by_customer["A"] == 50.0  # customers.monthly_revenue wins
    assert got.by_customer["B"] == pytest.approx(90.0 / (91.0 / month))  # Jan 1 - Apr 1
    assert got.by_customer["C"] == pytest.approx(40.0)  # under a month: at least one month
    assert math.isnan(got.by_customer["D"])
    assert (got.from_customers_table, got.from_revenue_table, got.unknown) == (1, 2, 1)
    assert got.source == "customers.monthly_revenue, else revenue table recurring rows"


def test_an_anchor_no_hazard_ratio_can_reach_is_flagged() -> None:
    # 200 customers x ~80 a month churning 2% a month cannot lose 50,000 in 12 months
    got = sensitivity_from_bands(
        Estimate(50_000.0, se=1.0), _customers(), (_geometric_band(),), D, 0.3, 24,
        np.random.default_rng(3), draws=20,
    )
    assert not isinstance(got, CannotCompute)
    assert got.anchor_capped_draws == 20


def test_demo_projection_covers_the_planted_multi_year_effect(tmp_path: Path) -> None:
    """The demo's churn is exponential with a constant hazard ratio from the index contact: fed
    the planted 12-month revenue protected, the 'persists' rows cover the planted 3-year,
    5-year and lifetime amounts (discounted, before margin)."""
    n, seed = 60_000, 7
    generate_demo(tmp_path / "demo", contacts=n, seed=seed)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence([seed, n]).spawn(8)]
    pop = draw_population(streams[0], n)
    lam0 = pop.hazard_at_index[pop.exposed] * 365.25 / 12
    lam1 = lam0 * 0.8  # the planted hazard ratio
    rev = pop.monthly_revenue[pop.exposed]
    delta = math.log1p(D)

    def planted(h: float, discount: float) -> float:
        def part(lam: np.ndarray) -> np.ndarray:
            return (1 - np.exp(-h * (discount + lam))) / (discount + lam)

        return float(np.sum(rev * (part(lam1) - part(lam0))))

    ds = cxroi.load_dataset(tmp_path / "demo")
    frame = q.customer_frame(ds)
    clv = fit_clv(frame, q.observation_start(ds), ds.as_of, 0.3, D, 1000, np.random.default_rng(0))
    assert isinstance(clv, ClvFit)
    anchor = planted(12, 0.0)
    got = lifetime_sensitivity(
        Estimate(anchor, se=0.1 * anchor), ai_assisted_customers(frame, monthly_recurring_revenue(ds)),
        clv, clv.honesty.observed_months, np.random.default_rng(1), draws=200,
    )
    assert not isinstance(got, CannotCompute)
    for row in got.rows:
        if row.persistence is Persistence.PERSISTS:
            truth = planted(1200 if row.horizon_months is None else row.horizon_months, delta)
            assert row.revenue.ci_low <= truth <= row.revenue.ci_high, row.horizon_months
