"""Customer lifetime value per active customer, with the share of it the data cannot see.

CLV per customer = mean over customers active at ``as_of`` of
``margin x monthly_revenue_i x DERL(renewals_i)``: the margin on each active customer's remaining
discounted lifetime, given the months they have already stayed (Fader & Hardie 2010). The
lifetime model is fitted on monthly contractual survival from acquisition, left-truncated at the
first contact in the data (:mod:`sbg_truncated`) and right-censored at ``as_of``, separately
within quartiles of monthly revenue (spend and lifetime are correlated; on the demo one pooled
fit undervalues the base by a third). Customers without a monthly revenue are left out.

Honesty about extrapolation (docs/metrics.md: "the share of it that lies beyond the observed data is
reported"). The data follow customers for ``observed_months`` (first contact to ``as_of``); any
value further ahead is the model's projection. Reported per band and overall: the share of the
CLV beyond the observed span and beyond 3 and 5 years, and the CLV within and beyond the span.
Two lifetime models are fitted to every band (:mod:`clv_bands`): the sBG (churn falls with
tenure) and a constant monthly churn. They agree where the data are and part ways in the tail, so
the CLV's interval is the union of their 95% parametric intervals (a structural range, wider
where more value lies beyond the data), not the sBG's parametric interval alone, which is kept
beside it as ``parametric`` and assumes the sBG is right for decades.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxroi.analyses.value.clv_bands import MONTH_DAYS, BandFit, fit_band, survival_rows
from cxroi.results.model.money import Basis, Evidence, Money
from cxroi.stats.result import CannotCompute, Estimate
from cxroi.stats.summary import Moments
from cxroi.results.model.value import ClvBandSummary, ClvHonesty, RetainedRevenue
from cxroi.results.model.money import Effect
from cxroi.results.model.value import ClvEstimate

FloatArray = npt.NDArray[np.float64]
NO_REVENUE = "customers.monthly_revenue is absent, so no revenue per period is known"
LONG_HORIZONS = (36, 60)
HONESTY_DRAWS = 2000
__all__ = ["MONTH_DAYS", "survival_rows"]


@dataclass(frozen=True)
class ClvFit:
    """CLV per active customer, its parametric draws, and the band fits behind it."""

    estimate: ClvEstimate  # interval: union of the sBG and constant-churn intervals
    parametric: Estimate  # the band models' own parametric interval
    draws: FloatArray  # parametric draws of CLV per customer (reused by other Monte Carlos)
    honesty: ClvHonesty
    bands: tuple[BandFit, ...]
    margin: float
    monthly_discount: float


def observed_months(obs_start: datetime, as_of: datetime) -> int:
    """Whole months between the first contact in the data and ``as_of`` (at least 1)."""
    return max(1, math.floor((as_of - obs_start).total_seconds() / 86400.0 / MONTH_DAYS))


def fit_clv(
    frame: pd.DataFrame,
    obs_start: datetime,
    as_of: datetime,
    margin: float,
    monthly_discount: float,
    draws: int,
    rng: np.random.Generator,
    strata: int = 4,
) -> ClvFit | CannotCompute:
    """CLV per active customer, the lifetime models fitted within ``strata`` revenue bands."""
    if frame["monthly_revenue"].notna().sum() == 0:
        return CannotCompute(NO_REVENUE)
    f = frame[frame["monthly_revenue"].notna()]
    band, edges = _revenue_bands(f["monthly_revenue"], strata)
    fits: list[BandFit] = []
    for b in sorted(band.unique()):
        cuts = (edges[b] if b > 0 else None, edges[b + 1] if b + 1 < len(edges) - 1 else None)
        res = fit_band(f[band == b], obs_start, as_of, monthly_discount, draws, rng, cuts)
        if isinstance(res, CannotCompute):
            return CannotCompute(f"monthly-revenue band {b + 1} of {band.nunique()}: {res.reason}")
        fits.append(res)
    n_active = sum(b.n_active for b in fits)
    if n_active == 0:
        return CannotCompute("no customer with a monthly_revenue is active at as_of")
    return _assemble(tuple(fits), obs_start, as_of, margin, monthly_discount, draws, n_active)


def _per_customer(
    fits: tuple[BandFit, ...],
    d: float,
    margin: float,
    n: int,
    horizon: int | None,
    geometric: bool,
    draws: int | None = None,
) -> tuple[float, FloatArray]:
    """CLV per customer and its draws (the first ``draws`` of them; all when None)."""
    point = sum(b.value(d, horizon, geometric) for b in fits)
    sims = np.sum([b.value_draws(d, horizon, geometric, draws) for b in fits], axis=0)
    return margin * point / n, margin * np.asarray(sims, dtype=np.float64) / n


def _union(a: FloatArray, b: FloatArray) -> tuple[float, float]:
    qa, qb = np.quantile(a, [0.025, 0.975]), np.quantile(b, [0.025, 0.975])
    return float(min(qa[0], qb[0])), float(max(qa[1], qb[1]))


def _assemble(
    fits: tuple[BandFit, ...],
    obs_start: datetime,
    as_of: datetime,
    margin: float,
    d: float,
    draws: int,
    n: int,
) -> ClvFit:
    span = observed_months(obs_start, as_of)
    point, sims = _per_customer(fits, d, margin, n, None, False)
    alt_point, alt_sims = _per_customer(fits, d, margin, n, None, True)
    low, high = _union(sims, alt_sims)
    # the split within / beyond the observed span needs interval ends, not the full Monte Carlo
    k = min(draws, HONESTY_DRAWS)
    in_point, in_sims = _per_customer(fits, d, margin, n, span, False, k)
    _, in_alt = _per_customer(fits, d, margin, n, span, True, k)
    p_low, p_high = (float(v) for v in np.quantile(sims, [0.025, 0.975]))
    summaries = tuple(_band_summary(b, d, margin, span) for b in fits)
    method = (
        f"sBG on monthly survival within {len(fits)} monthly-revenue bands (left-truncated at the "
        "first contact, right-censored at as_of); CLV = margin x monthly_revenue x DERL(tenure), "
        "mean over active customers; 95% interval = union of the sBG's and a constant-churn "
        f"model's parametric intervals ({draws} draws each): the spread of lifetime models the "
        f"data cannot tell apart beyond their {span} months"
    )
    estimate = ClvEstimate(
        point,
        low,
        high,
        method=method,
        n=n,
        se=float(np.std(sims, ddof=1)),
        horizon_months=None,
        basis=Basis.LIFETIME_VALUE,
        margin_applied=True,
        evidence=Evidence.EXTRAPOLATION,
        population="customers active at as_of (per customer)",
        customers_fitted=sum(b.fitted for b in fits),
        margin=margin,
        monthly_discount_rate=d,
        mean_monthly_revenue_active=sum(b.rev_total for b in fits) / n,
        observed_months=span,
        share_beyond_observed=1.0 - in_point / point if point else 0.0,
        parametric_ci_low=p_low,
        parametric_ci_high=p_high,
    )
    parametric = Estimate(
        point, p_low, p_high, method="sBG parametric draws (assumes the model holds)", n=n,
        se=float(np.std(sims, ddof=1)),
    )
    honesty = _honesty(fits, summaries, d, margin, n, span, (in_point, in_sims, in_alt),
                       (point, sims, alt_sims))
    return ClvFit(estimate, parametric, sims, honesty, fits, margin, d)


def _lifetime_money(
    point: float,
    low: float,
    high: float,
    n: int,
    horizon: int | None,
    evidence: Evidence,
    population: str,
    method: str,
) -> Money:
    return Money(
        point, low, high, method=method, n=n, horizon_months=horizon,
        basis=Basis.LIFETIME_VALUE, margin_applied=True, evidence=evidence, population=population,
    )


def _honesty(
    fits: tuple[BandFit, ...],
    summaries: tuple[ClvBandSummary, ...],
    d: float,
    margin: float,
    n: int,
    span: int,
    within: tuple[float, FloatArray, FloatArray],
    total: tuple[float, FloatArray, FloatArray],
) -> ClvHonesty:
    in_point, in_sims, in_alt = within
    point, sims, alt = total
    k = in_sims.size
    out_sims, out_alt = sims[:k] - in_sims, alt[:k] - in_alt
    per = "customers active at as_of (per customer)"
    lo, hi = _union(in_sims, in_alt)
    within_m = _lifetime_money(
        in_point, lo, hi, n, span, Evidence.DESCRIPTIVE, per,
        f"CLV from the next {span} months only (the span the data observe); interval: union of "
        "the two lifetime models",
    )
    lo, hi = _union(out_sims, out_alt)
    beyond_m = _lifetime_money(
        point - in_point, lo, hi, n, None, Evidence.EXTRAPOLATION, per,
        f"CLV from beyond the next {span} months: the lifetime model's projection; interval: "
        "union of the two models",
    )

    def share(h: int) -> float:
        part = sum(b.value(d, h) for b in fits)
        whole = sum(b.value(d) for b in fits)
        return 1.0 - part / whole if whole else 0.0

    return ClvHonesty(
        observed_months=span,
        within_observed=within_m,
        beyond_observed=beyond_m,
        share_beyond_observed=share(span),
        share_beyond_36m=share(LONG_HORIZONS[0]),
        share_beyond_60m=share(LONG_HORIZONS[1]),
        bands=summaries,
    )


def _band_summary(b: BandFit, d: float, margin: float, span: int) -> ClvBandSummary:
    whole = b.value(d)

    def beyond(h: int) -> float:
        return 1.0 - b.value(d, h) / whole if whole else 0.0

    n = max(b.n_active, 1)
    return ClvBandSummary(
        monthly_revenue_from=b.lower,
        monthly_revenue_to=b.upper,
        model=b.model,
        alpha=b.alpha,
        beta=b.beta,
        monthly_churn_constant=b.theta,
        active_customers=b.n_active,
        clv_per_customer=margin * whole / n,
        clv_per_customer_constant_churn=margin * b.value(d, geometric=True) / n,
        share_beyond_observed=beyond(span),
        share_beyond_36m=beyond(LONG_HORIZONS[0]),
        share_beyond_60m=beyond(LONG_HORIZONS[1]),
    )


def _revenue_bands(revenue: pd.Series, strata: int) -> tuple[pd.Series, list[float]]:
    """Band number per customer and the band edges (quantiles of monthly revenue)."""
    if strata <= 1 or revenue.nunique() < 2:
        return pd.Series(0, index=revenue.index), [float(revenue.min()), float(revenue.max())]
    # Heavy ties (flat price lists) merge bands rather than leave empty ones.
    codes, edges = pd.qcut(revenue, strata, labels=False, duplicates="drop", retbins=True)
    return (
        pd.Series(np.asarray(codes, dtype=np.int64), index=revenue.index),
        [float(e) for e in edges],
    )


def revenue_per_retained_customer(
    frame: pd.DataFrame,
    events: pd.DataFrame | None,
    recurring_from_table: bool,
    as_of: datetime,
    min_cell: int,
) -> RetainedRevenue | CannotCompute:
    """12-month revenue per customer still a customer 12 months after the index contact.

    Customers whose index contact is at least 365 days before ``as_of``; retained = no churn
    within 365 days of it. Revenue = recurring (12 x monthly_revenue, or the revenue table's
    ``recurring`` rows when it has any) + every other revenue event in those 365 days (refunds
    negative). Descriptive: exposure groups differ in who they are, nothing is adjusted.
    """
    has_monthly = frame["monthly_revenue"].notna().any()
    if not has_monthly and events is None:
        return CannotCompute("neither customers.monthly_revenue nor a revenue table is present")
    f = frame[frame["index_at"].notna()]
    horizon = pd.Timedelta(days=365)
    f = f[f["index_at"] <= as_of - horizon]
    f = f[f["churned_at"].isna() | (f["churned_at"] > f["index_at"] + horizon)]
    if f.empty:
        return CannotCompute("no customer has an index contact 365 days before as_of and stayed")
    total = pd.Series(0.0, index=f.index)
    parts = []
    if events is not None:
        ev = f[["customer_id"]].merge(events, on="customer_id", how="left")
        ev_total = ev["events_total"].fillna(0.0).to_numpy()
        if recurring_from_table:
            parts.append("revenue table (all kinds)")
        else:
            ev_total = ev_total - ev["recurring_total"].fillna(0.0).to_numpy()
            parts.append("revenue table events")
        total += ev_total
    if not recurring_from_table and has_monthly:
        total += 12.0 * f["monthly_revenue"].fillna(0.0)
        parts.append("12 x monthly_revenue")
    exposed = f["index_mode"].isin(["ai_only", "hybrid"]).to_numpy()
    values = total.to_numpy(dtype=float)
    method = f"t interval; revenue = {' + '.join(parts)} over 365 days from the index contact"

    def group(sel: npt.NDArray[np.bool_], name: str) -> Effect | CannotCompute:
        x = values[sel]
        m = Moments(len(x), float(x.sum()), float((x * x).sum()))
        res = m.mean(f"no retained {name} customer with 12 months of follow-up")
        if isinstance(res, CannotCompute):
            return res
        return Effect(
            res.estimate,
            res.ci_low,
            res.ci_high,
            method=method,
            n=res.n,
            se=res.se,
            small_cell=len(x) < min_cell,
            evidence=Evidence.DESCRIPTIVE,
            population=f"{name} customers still active 12 months after the index contact",
        )

    ai, human = group(exposed, "AI-assisted"), group(~exposed, "human-only")
    diff: Effect | CannotCompute = CannotCompute("needs retained customers in both exposure groups")
    if isinstance(ai, Estimate) and isinstance(human, Estimate) and ai.se and human.se:
        d = ai.estimate - human.estimate
        se = math.sqrt(ai.se**2 + human.se**2)
        diff = Effect(
            d,
            d - 1.959963984540054 * se,
            d + 1.959963984540054 * se,
            method="difference of means, Welch normal interval (descriptive, not adjusted)",
            n=(ai.n or 0) + (human.n or 0),
            se=se,
            evidence=Evidence.DESCRIPTIVE,
            population="retained customers, AI-assisted minus human-only index contact",
        )
    return RetainedRevenue(ai, human, diff)
