"""How many periods a leading series x leads a follower y: prewhitened cross-correlation.

**Season and trend first.** Both series are regressed on a constant, a linear trend and
``seasonal_harmonics`` annual harmonics (sine and cosine of period 365.25 days, and half that,
...) when they span at least ``min_seasons`` years, and the rest works on the residuals. A cycle
that both series share (summer CSAT, summer staffing) with no link between them otherwise
survives the AR prewhitening below as a common slow swing and comes out as a "lead": measured on
two independent AR(1) series sharing an annual cycle, the lead was significant in about 11% of
histories without this step and about the nominal 5% with it (tests/test_agents_leadlag.py).

Box-Jenkins prewhitening: an AR(p) is fitted to x (p by AIC, 0..``max_ar_order``), and the same
filter is applied to both series, so x's own autocorrelation no longer inflates the
cross-correlation. With x white, each cross-correlation of the filtered series has standard error
~1/sqrt(n) whatever y's autocorrelation (Bartlett), which gives the significance bands.

The best lag is the one with the largest *positive* correlation by default: both x (the Agent
Experience Index) and the loyalty metrics are oriented so that higher is better, so a lead means
a positive relation; choosing by |r| would also accept "better agents, worse customers" as a lead.
The peak is located on the cross-correlogram smoothed over adjacent lags (weights 1/4, 1/2, 1/4):
a lead that is not a whole number of periods (75 days = 10.7 weeks), and periods that average over
days, spread a true peak over two neighbouring lags, while the noise of a prewhitened
cross-correlogram is nearly independent from lag to lag, so smoothing cuts the noise to ~60% of
its SD and keeps the peak. The strength reported is the unsmoothed correlation at that lag.

**The decision.** ``p_value_`` is the one-sided (two-sided for ``direction="absolute"``) normal
p-value of the correlation at the chosen lag, times the number of lags searched (Bonferroni: the
best of ``L`` lags was picked), capped at 1. ``significant_`` is ``p_value_ <= alpha``, the same
as the correlation exceeding the familywise band. Across several loyalty metrics the analysis
adjusts these p-values once more (Holm, :mod:`cxroi.stats.multiplicity`); that is the decision it
reports. The Granger test (statsmodels, F on the sum of squared residuals, on the deseasonalised
series at the chosen lag order) is reported beside it as a description: its lag order was chosen
on the same data.

**No interval for the lag.** The best lag is the argmax of a noisy correlogram over a discrete
grid; a bootstrap percentile interval of it has no coverage theory and behaved badly (with a
strong signal 14% of such intervals had zero width). What is reported instead is the range of lags
around the best whose correlation exceeds the familywise band (``band_lags_``): where the relation
is significant, a description rather than a confidence interval. The correlation at the chosen
lag gets a moving-block bootstrap percentile interval (fixed seed).
"""

from __future__ import annotations

import math
import warnings
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats as sps
from statsmodels.tsa.ar_model import AutoReg, ar_select_order
from statsmodels.tsa.stattools import grangercausalitytests

Array = npt.NDArray[np.float64]
NO_LAG_INTERVAL = (
    "no confidence interval for the lag: the best lag is the peak of a noisy correlogram on a "
    "weekly grid, and a bootstrap percentile interval of such a peak has no coverage guarantee "
    "(in a simulation with a strong signal 14% of them had zero width); band_lags_days gives the "
    "lags where the correlation is significant instead"
)


class NotEnoughData(ValueError):
    """Too few overlapping periods for a lead-lag estimate; the message says how many."""


class LeadLag:
    """Prewhitened lead-lag estimator of x leading y, lags 0..``max_lag`` periods."""

    def __init__(
        self,
        max_lag: int = 26,
        period_days: int = 7,
        max_ar_order: int = 4,
        direction: Literal["positive", "absolute"] = "positive",
        alpha: float = 0.05,
        n_boot: int = 999,
        block_length: int | None = None,
        min_periods: int = 30,
        min_pairs: int = 20,
        smooth: bool = True,
        seed: int = 20_250_101,
        seasonal_harmonics: int = 2,
        min_seasons: float = 1.5,
    ) -> None:
        self.max_lag = max_lag
        self.period_days = period_days
        self.max_ar_order = max_ar_order
        self.direction = direction
        self.alpha = alpha
        self.n_boot = n_boot
        self.block_length = block_length
        self.min_periods = min_periods
        self.min_pairs = min_pairs
        self.smooth = smooth
        self.seed = seed
        self.seasonal_harmonics = seasonal_harmonics
        self.min_seasons = min_seasons

    # -- fitting -------------------------------------------------------------------------------
    def fit(self, x: npt.ArrayLike, y: npt.ArrayLike) -> LeadLag:
        xa = np.asarray(x, dtype=np.float64)
        ya = np.asarray(y, dtype=np.float64)
        if xa.ndim != 1 or xa.shape != ya.shape:
            raise ValueError("x and y must be 1-D arrays of the same length")
        if not (np.isfinite(xa).all() and np.isfinite(ya).all()):
            raise ValueError("x and y must be finite (align and fill gaps first)")
        n = len(xa)
        if n < self.min_periods:
            raise NotEnoughData(f"{n} overlapping periods; at least {self.min_periods} are needed")
        if not (np.std(xa) > 0 and np.std(ya) > 0):
            raise NotEnoughData("a series does not vary, so no correlation is defined")
        self.n_periods_ = n
        xs, ys = self._deseasonalise(xa, ya)
        if not (np.std(xs) > 0 and np.std(ys) > 0):
            raise NotEnoughData("a series has no variation beyond its trend and season")
        self.ar_order_, coefs = self._ar_filter(xs)
        self.ar_coefs_ = coefs
        xw, yw = _apply_filter(xs, coefs), _apply_filter(ys, coefs)
        m = len(xw)
        self.max_lag_used_ = min(self.max_lag, m - self.min_pairs)
        if self.max_lag_used_ < 0:
            raise NotEnoughData(f"{m} periods after prewhitening; need {self.min_pairs}")
        lags = np.arange(self.max_lag_used_ + 1)
        self.lags_ = lags
        self.ccf_ = np.array([_corr(xw[: m - k], yw[k:]) for k in lags])
        self.n_pairs_ = m - lags
        best = self._pick(self.ccf_[None, :])[0]
        self.best_lag_ = int(lags[best])
        self.best_lag_days_ = self.best_lag_ * self.period_days
        self.correlation_ = float(self.ccf_[best])
        if not math.isfinite(self.correlation_):
            raise NotEnoughData("the filtered series do not vary at any lag")
        n_best = int(self.n_pairs_[best])
        self.band_ = float(sps.norm.ppf(0.975)) / math.sqrt(n_best)
        sides = 1 if self.direction == "positive" else 2
        z_fw = float(sps.norm.isf(self.alpha / (sides * len(lags))))
        self.band_familywise_ = z_fw / math.sqrt(n_best)
        stat = self.correlation_ if self.direction == "positive" else abs(self.correlation_)
        p_lag = sides * float(sps.norm.sf(stat * math.sqrt(n_best)))
        self.p_value_ = min(1.0, len(lags) * p_lag)
        self.significant_ = bool(self.p_value_ <= self.alpha)
        self.band_lags_ = self._band_lags(best, z_fw)
        self._bootstrap(xw, yw, best)
        self.granger_lag_ = max(self.best_lag_, 1)
        self.granger_p_ = _granger_p(xs, ys, self.granger_lag_)
        return self

    def _deseasonalise(self, x: Array, y: Array) -> tuple[Array, Array]:
        """Residuals of both series on a constant, a trend and annual harmonics (if long enough)."""
        n = len(x)
        season = 365.25 / self.period_days
        self.seasonal_adjusted_ = bool(
            self.seasonal_harmonics > 0 and n >= self.min_seasons * season
        )
        if not self.seasonal_adjusted_:
            return x, y
        t = np.arange(n, dtype=np.float64)
        cols = [np.ones(n), t / n]
        for k in range(1, self.seasonal_harmonics + 1):
            angle = 2.0 * math.pi * k * t / season
            cols += [np.sin(angle), np.cos(angle)]
        design = np.column_stack(cols)
        coef, *_ = np.linalg.lstsq(design, np.column_stack([x, y]), rcond=None)
        resid = np.column_stack([x, y]) - design @ coef
        return np.ascontiguousarray(resid[:, 0]), np.ascontiguousarray(resid[:, 1])

    def _band_lags(self, best: int, z_fw: float) -> tuple[int, int] | None:
        """The run of lags around the best whose correlation exceeds the familywise band."""
        score = self.ccf_ if self.direction == "positive" else np.abs(self.ccf_)
        above = np.isfinite(score) & (score > z_fw / np.sqrt(self.n_pairs_))
        if not above[best]:
            return None
        low = high = best
        while low > 0 and above[low - 1]:
            low -= 1
        while high < len(above) - 1 and above[high + 1]:
            high += 1
        return int(self.lags_[low]), int(self.lags_[high])

    def _ar_filter(self, x: Array) -> tuple[int, Array]:
        if self.max_ar_order < 1:
            return 0, np.zeros(0)
        with warnings.catch_warnings():
            # statsmodels warns about frequency-less arrays; the series is plainly regular
            warnings.simplefilter("ignore")
            sel = ar_select_order(x, maxlag=self.max_ar_order, ic="aic", trend="c")
            lags = sel.ar_lags or []
            p = int(max(lags)) if lags else 0
            if p == 0:
                return 0, np.zeros(0)
            res = AutoReg(x, lags=p, trend="c").fit()
        return p, np.asarray(res.params[1:], dtype=np.float64)

    def _pick(self, ccf: Array) -> npt.NDArray[np.int64]:
        """Index of the best lag per row of cross-correlations (rows: bootstrap replicates)."""
        score = ccf if self.direction == "positive" else np.abs(ccf)
        if self.smooth:
            score = smooth_lags(score)
        # nan (a constant resample) never wins; ties go to the shortest lag
        best: npt.NDArray[np.int64] = np.argmax(
            np.where(np.isfinite(score), score, -np.inf), axis=1
        )
        return best

    def _bootstrap(self, xw: Array, yw: Array, best: int) -> None:
        m = len(xw)
        b = min(self.block_length or max(2, math.ceil(m ** (1.0 / 3.0))), m)
        self.block_length_ = b
        rng = np.random.default_rng(self.seed)
        n_blocks = math.ceil(m / b)
        starts = rng.integers(0, m - b + 1, size=(self.n_boot, n_blocks))
        idx = (starts[:, :, None] + np.arange(b)[None, None, :]).reshape(self.n_boot, -1)[:, :m]
        ccf = np.empty((self.n_boot, len(self.lags_)))
        xs = xw[idx]
        for j, k in enumerate(self.lags_):
            valid = idx + k < m
            ys = yw[np.minimum(idx + k, m - 1)]
            ccf[:, j] = _masked_corr(xs, ys, valid)
        at_best = ccf[:, best]
        at_best = at_best[np.isfinite(at_best)]
        if len(at_best) < self.n_boot // 2:
            raise NotEnoughData("most bootstrap resamples have no variation at the chosen lag")
        q = (0.025, 0.975)  # intervals are 95% whatever the familywise alpha of the test
        lo, hi = np.quantile(at_best, q)
        self.ci_ = (float(lo), float(hi))
        self.se_ = float(np.std(at_best, ddof=1))

    # -- reporting -----------------------------------------------------------------------------
    @property
    def summary(self) -> pd.DataFrame:
        """One row per lag: the prewhitened cross-correlation, its pair count and bands."""
        return pd.DataFrame(
            {
                "lag": self.lags_,
                "lag_days": self.lags_ * self.period_days,
                "correlation": self.ccf_,
                "n_pairs": self.n_pairs_,
                "smoothed": smooth_lags(self.ccf_[None, :])[0],
                "band": float(sps.norm.ppf(0.975)) / np.sqrt(self.n_pairs_),
                "best": self.lags_ == self.best_lag_,
            }
        )

    @property
    def method(self) -> str:
        season = (
            f"trend and {self.seasonal_harmonics} annual harmonics removed, "
            if self.seasonal_adjusted_
            else ""
        )
        return (
            f"{season}prewhitened cross-correlation (AR({self.ar_order_}) by AIC), best lag by "
            f"{'largest positive' if self.direction == 'positive' else 'largest absolute'} "
            f"{'(1/4,1/2,1/4)-smoothed ' if self.smooth else ''}correlation over "
            f"0..{self.max_lag_used_} periods, p-value x {len(self.lags_)} lags (Bonferroni); "
            f"moving-block bootstrap interval of r ({self.n_boot} resamples, blocks of "
            f"{self.block_length_}); Granger F test reported as a description"
        )


def smooth_lags(ccf: Array) -> Array:
    """Weights (1/4, 1/2, 1/4) over neighbouring lags, renormalised at both ends, per row."""
    if ccf.shape[1] < 2:
        return ccf
    padded = np.pad(ccf, ((0, 0), (1, 1)))
    weights = np.pad(np.ones(ccf.shape[1]), 1)
    num = 0.25 * padded[:, :-2] + 0.5 * padded[:, 1:-1] + 0.25 * padded[:, 2:]
    den = 0.25 * weights[:-2] + 0.5 * weights[1:-1] + 0.25 * weights[2:]
    out: Array = num / den
    return out


def _apply_filter(v: Array, coefs: Array) -> Array:
    """Residuals of the AR filter: (v_t - mean) - sum_i phi_i (v_{t-i} - mean)."""
    c = v - v.mean()
    p = len(coefs)
    out: Array = c[p:].copy()
    for i, phi in enumerate(coefs, start=1):
        out -= phi * c[p - i : len(c) - i]
    return out


def _corr(a: Array, b: Array) -> float:
    a, b = a - a.mean(), b - b.mean()
    den = math.sqrt(float(a @ a) * float(b @ b))
    return float(a @ b) / den if den > 0 else math.nan


def _masked_corr(x: Array, y: Array, valid: npt.NDArray[np.bool_]) -> Array:
    """Pearson correlation per row over the valid cells."""
    w = valid.astype(np.float64)
    n = w.sum(axis=1)
    mx = (x * w).sum(axis=1) / n
    my = (y * w).sum(axis=1) / n
    dx, dy = (x - mx[:, None]) * w, (y - my[:, None]) * w
    sxy = (dx * dy).sum(axis=1)
    den = np.sqrt((dx * dx).sum(axis=1) * (dy * dy).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        r: Array = np.where(den > 0, sxy / np.where(den > 0, den, 1.0), np.nan)
    return r


def _granger_p(x: Array, y: Array, lag: int) -> float | None:
    """p-value that x does not Granger-cause y with ``lag`` lags of each (ssr F test)."""
    if len(x) <= 3 * lag + 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = grangercausalitytests(np.column_stack([y, x]), maxlag=[lag])
    p = float(res[lag][0]["ssr_ftest"][1])
    return p if math.isfinite(p) else None
