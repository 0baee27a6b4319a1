"""Lifetime revenue protected: the 12-month effect carried over 3 years, 5 years and a lifetime.

Input: the revenue-weighted 12-month revenue protected (an adjusted estimate: for the customers
whose index contact was AI-assisted, the sum of monthly recurring revenue x the extra months
active in the 12 months after it), those customers' monthly revenue and tenure at the index, and
the CLV's lifetime models (:mod:`clv_bands`). Output: the same effect over longer horizons, shown
apart from the board's 12-month figure and labelled extrapolation.

How. Each customer's survival from the index without AI, ``S0(k)``, is their revenue band's
lifetime model conditioned on their tenure at the index (sBG: ``S(n + k) / S(n)``; constant
churn: ``(1 - theta)^k``). With AI the hazard is scaled by one ratio ``HR``,
``S1(k) = S0(k)^HR``; ``HR`` is solved so that the revenue-weighted extra months in the first 12
months reproduce the 12-month estimate exactly. Two readings of what happens next:

- ``persists``: the hazard ratio holds for the whole horizon (the effect keeps compounding);
- ``fades``: from month 12 both groups churn at the baseline rate (the customers kept in the
  first year stay kept; no further gain).

Amounts are revenue before margin, discounted monthly at the CLV's rate (months active are the
trapezoid integral of the discounted survival on a monthly grid), and also with margin applied.
Intervals: Monte Carlo over the 12-month estimate (normal with its standard error) and over the
lifetime models' parameter draws, ``HR`` re-solved on every draw. Survival is evaluated monthly
for ten years, then every six months; the lifetime horizon stops at ``LIFETIME_MONTHS`` (100
years: discounting makes the rest negligible).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxroi.analyses.value.clv import ClvFit
from cxroi.analyses.value.clv_bands import BandFit, renewals_done
from cxroi.results.model.money import Basis, Evidence, Money, RevenueProtected
from cxroi.analyses.value.queries import AI_MODES
from cxroi.analyses.value.recurring_revenue import MonthlyRecurringRevenue
from cxroi.stats.result import CannotCompute, Estimate
from cxroi.stats.summary import Z95
from cxroi.results.model.value import HorizonRow, LifetimeSensitivity, Persistence

FloatArray = npt.NDArray[np.float64]
LIFETIME_MONTHS = 1200
ANCHOR_MONTHS = 12
_BISECT_STEPS = 60
_FINE_MONTHS = 120
_COARSE_STEP = 6


@dataclass(frozen=True)
class _Cells:
    band: npt.NDArray[np.int64]
    renewals: npt.NDArray[np.int64]
    revenue: FloatArray  # summed monthly revenue per (band, renewals) cell


def _cells(customers: pd.DataFrame, bands: tuple[BandFit, ...]) -> _Cells:
    rev = customers["monthly_revenue"].to_numpy(dtype=float)
    band = np.zeros(len(customers), dtype=np.int64)
    for i, b in enumerate(bands[1:], start=1):
        assert b.lower is not None
        band[rev >= b.lower] = i
    n = renewals_done(customers["acquired_at"], customers["index_at"])
    frame = pd.DataFrame({"band": band, "n": n, "rev": rev})
    g = frame.groupby(["band", "n"], sort=True)["rev"].sum().reset_index()
    return _Cells(
        g["band"].to_numpy(dtype=np.int64),
        g["n"].to_numpy(dtype=np.int64),
        g["rev"].to_numpy(dtype=float),
    )


def month_grid() -> FloatArray:
    """Months at which survival is evaluated: monthly for 10 years, then every 6 months."""
    fine = np.arange(0, _FINE_MONTHS + 1, dtype=np.float64)
    coarse = np.arange(
        _FINE_MONTHS + _COARSE_STEP, LIFETIME_MONTHS + 1, _COARSE_STEP, dtype=np.float64
    )
    return np.concatenate([fine, coarse])


def _log_baseline(
    cells: _Cells, bands: tuple[BandFit, ...], draw: int | None, grid: FloatArray
) -> FloatArray:
    """log S0(k) at the grid's months per cell: (cells, grid size)."""
    out = np.empty((len(cells.revenue), grid.size))
    for i, b in enumerate(bands):
        sel = cells.band == i
        if not sel.any():
            continue
        if b.model == "geometric":
            theta = b.theta if draw is None else float(b.theta_draws[draw])
            out[sel] = np.log1p(-theta) * grid[None, :]  # broadcast over the band's cells
            continue
        assert b.alpha is not None and b.beta is not None
        assert b.alpha_draws is not None and b.beta_draws is not None
        a = b.alpha if draw is None else float(b.alpha_draws[draw])
        be = b.beta if draw is None else float(b.beta_draws[draw])
        out[sel] = _sbg_log_survival_after(a, be, cells.renewals[sel], grid)
    return out


def _sbg_log_survival_after(
    alpha: float, beta: float, renewals: npt.NDArray[np.int64], grid: FloatArray
) -> FloatArray:
    """``log S(n + k) / S(n)`` under the sBG for each renewal count ``n`` and grid month ``k``.

    ``S(m) / S(m - 1) = (beta + m - 1) / (alpha + beta + m - 1)``, so the log is a sum of
    ``log1p(-alpha / (alpha + beta + j))`` for ``j = n .. n + k - 1``: a table of cumulative
    sums, read at both ends. Not as the difference of log-gammas it also equals: near the
    geometric limit (a parameter draw with alpha and beta ~1e15, their ratio the churn rate),
    those log-gammas are ~1e16 and their difference is rounding noise in the hundreds, which
    overflowed ``exp``. Months are whole (renewals plus grid months).
    """
    months = renewals[:, None] + grid.astype(np.int64)[None, :]
    steps = np.log1p(-alpha / (alpha + beta + np.arange(int(months.max()), dtype=np.float64)))
    cumulative = np.concatenate([[0.0], np.cumsum(steps)])
    return np.asarray(cumulative[months] - cumulative[renewals][:, None], dtype=np.float64)


def _integral(curve: FloatArray, weights: FloatArray, grid: FloatArray) -> FloatArray:
    """Trapezoid integral of ``weights x curve`` over the grid, from 0 to every grid point."""
    v = curve * weights
    return np.concatenate([[0.0], np.cumsum(0.5 * (v[:-1] + v[1:]) * np.diff(grid))])


def _solve_hr(log_s0: FloatArray, rev: FloatArray, target: float, grid: FloatArray) -> tuple[float, bool]:
    """HR with revenue-weighted 12-month extra months = target (monotone in log HR)."""
    head = log_s0[:, : ANCHOR_MONTHS + 1]
    g12 = grid[: ANCHOR_MONTHS + 1]
    flat = np.ones(ANCHOR_MONTHS + 1)
    base = _integral(rev @ np.exp(head), flat, g12)[-1]

    def gain(hr: float) -> float:
        return float(_integral(rev @ np.exp(hr * head), flat, g12)[-1] - base)

    if target >= float(rev.sum()) * ANCHOR_MONTHS - base:
        return 1e-6, True  # not even keeping everyone (HR -> 0) reaches the target
    lo, hi = -12.0, 12.0  # log HR
    for _ in range(_BISECT_STEPS):
        mid = 0.5 * (lo + hi)
        if gain(float(np.exp(mid))) > target:
            lo = mid
        else:
            hi = mid
    return float(np.exp(0.5 * (lo + hi))), False


def ai_assisted_customers(frame: pd.DataFrame, mrr: MonthlyRecurringRevenue) -> pd.DataFrame:
    """The customers whose index contact was AI-assisted, with their monthly recurring revenue.

    ``frame`` is :func:`queries.customer_frame`; ``mrr`` is :func:`monthly_recurring_revenue`.
    Returns ``monthly_revenue``, ``acquired_at`` and ``index_at``, the input of
    :func:`lifetime_sensitivity`.
    """
    exposed = frame[frame["index_mode"].isin(list(AI_MODES))].reset_index(drop=True)
    out = exposed[["acquired_at", "index_at"]].copy()
    out["monthly_revenue"] = exposed["customer_id"].astype(str).map(mrr.by_customer).astype(float)
    return out


def lifetime_sensitivity(
    anchor_12m: RevenueProtected,
    customers: pd.DataFrame,
    clv: ClvFit,
    observed_months: int,
    rng: np.random.Generator,
    horizons: tuple[int | None, ...] = (36, 60, None),
    draws: int = 400,
) -> LifetimeSensitivity | CannotCompute:
    """The sensitivity table from the CLV fit (see :func:`sensitivity_from_bands`)."""
    return sensitivity_from_bands(
        anchor_12m, customers, clv.bands, clv.monthly_discount, clv.margin, observed_months, rng,
        horizons, draws,
    )


def sensitivity_from_bands(
    anchor_12m: RevenueProtected,
    customers: pd.DataFrame,
    bands: tuple[BandFit, ...],
    monthly_discount: float,
    margin: float,
    observed_months: int,
    rng: np.random.Generator,
    horizons: tuple[int | None, ...] = (36, 60, None),
    draws: int = 400,
) -> LifetimeSensitivity | CannotCompute:
    """The sensitivity table; ``customers``: the AI-assisted (index) customers with
    ``monthly_revenue``, ``acquired_at`` and ``index_at`` (:func:`ai_assisted_customers`);
    ``bands``: the CLV's lifetime models by monthly-revenue band."""
    keep = customers["monthly_revenue"].notna() & customers["index_at"].notna()
    customers = customers[keep]
    if customers.empty:
        return CannotCompute("no AI-assisted customer with a monthly revenue")
    se = anchor_12m.se
    if se is None and anchor_12m.ci_low is not None and anchor_12m.ci_high is not None:
        se = (anchor_12m.ci_high - anchor_12m.ci_low) / (2 * Z95)
    cells = _cells(customers, bands)
    n_draws = min(draws, min(len(b.theta_draws) for b in bands))
    targets = anchor_12m.estimate + (se or 0.0) * rng.standard_normal(n_draws)
    scenarios = [(h, p) for p in Persistence for h in horizons]
    point, hr, _ = _evaluate(cells, bands, None, anchor_12m.estimate, monthly_discount, scenarios)
    sims = np.empty((n_draws, len(scenarios)))
    hr_sims = np.empty(n_draws)
    capped = 0
    for d in range(n_draws):
        sims[d], hr_sims[d], cap = _evaluate(
            cells, bands, d, float(targets[d]), monthly_discount, scenarios
        )
        capped += int(cap)
    rows = tuple(
        _row(h, p, float(point[i]), sims[:, i], margin, len(customers), observed_months)
        for i, (h, p) in enumerate(scenarios)
    )
    lo, hi = (float(v) for v in np.quantile(hr_sims, [0.025, 0.975]))
    implied = Estimate(hr, lo, hi, method="hazard ratio reproducing the 12-month estimate on the "
                       "lifetime models' baseline survival", n=len(customers))
    return LifetimeSensitivity(
        anchor_12m=anchor_12m, implied_hazard_ratio=implied, rows=rows,
        observed_months=observed_months, customers=len(customers), anchor_capped_draws=capped,
    )


def _evaluate(
    cells: _Cells,
    bands: tuple[BandFit, ...],
    draw: int | None,
    target: float,
    discount: float,
    scenarios: list[tuple[int | None, Persistence]],
) -> tuple[FloatArray, float, bool]:
    """Every scenario's gain for one draw (or the point), from revenue-weighted curves."""
    grid = month_grid()
    weights = (1.0 + discount) ** -grid
    log_s0 = _log_baseline(cells, bands, draw, grid)
    hr, capped = _solve_hr(log_s0, cells.revenue, target, grid)
    s0, s1 = np.exp(log_s0), np.exp(hr * log_s0)
    a = ANCHOR_MONTHS
    ratio = s1[:, a] / np.maximum(s0[:, a], 1e-300)
    base = _integral(cells.revenue @ s0, weights, grid)
    kept = _integral(cells.revenue @ s1, weights, grid)
    faded = _integral((cells.revenue * ratio) @ s0, weights, grid)
    at = {m: int(np.searchsorted(grid, m)) for m in {a, LIFETIME_MONTHS, *(h for h, _ in scenarios if h)}}
    out = np.empty(len(scenarios))
    for i, (h, p) in enumerate(scenarios):
        m = at[LIFETIME_MONTHS if h is None else h]
        if p is Persistence.FADES and m > at[a]:
            out[i] = kept[at[a]] + faded[m] - faded[at[a]] - base[m]
        else:
            out[i] = kept[m] - base[m]
    return out, hr, capped


def _row(
    horizon: int | None,
    persistence: Persistence,
    point: float,
    sims: FloatArray,
    margin: float,
    n: int,
    observed: int,
) -> HorizonRow:
    lo, hi = (float(v) for v in np.quantile(sims, [0.025, 0.975]))
    label = "lifetime" if horizon is None else f"{horizon} months"
    evidence = (
        Evidence.EXTRAPOLATION if horizon is None or horizon > observed else Evidence.ADJUSTED
    )
    method = (
        f"12-month revenue protected carried over {label} with a constant hazard ratio "
        f"({'held throughout' if persistence is Persistence.PERSISTS else 'after month 12 both groups churn alike'}); "
        "baseline survival from the CLV's lifetime models; discounted monthly; 95% interval by "
        f"Monte Carlo ({sims.size} draws) over the 12-month estimate and the lifetime models"
    )

    def money(k: float, applied: bool) -> Money:
        return Money(
            point * k, lo * k, hi * k, method=method, n=n, se=float(np.std(sims, ddof=1)) * k,
            horizon_months=horizon, basis=Basis.INCREMENTAL_ATT, margin_applied=applied,
            evidence=evidence,
            population="customers whose index contact was AI-assisted",
        )

    return HorizonRow(horizon, persistence, money(1.0, False), money(margin, True))
