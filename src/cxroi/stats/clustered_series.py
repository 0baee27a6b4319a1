"""A monthly series of a ratio measure with its customer-clustered covariance across months.

Contacts of one customer are not independent (the same person, the same product; a repeat is by
definition a second contact of the same customer), so the variance of a monthly share or mean is
built from per-customer sums: the cluster-robust ("sandwich") estimator of a ratio of totals.
With ``u_im`` the linearised contribution of customer *i* to month *m*'s level,

    Var(level_m) ≈ G/(G−1) Σ_i u_im²,    Cov(level_m, level_k) ≈ G/(G−1) Σ_i u_im u_ik,

G being the number of customers with any unit. The covariance across months matters because the
same customers appear in a month and in the months it is compared with: a contrast
``Σ_m c_m level_m`` has variance ``c' Σ c`` with the whole matrix, not just its diagonal.

**Intent standardisation** (indirect, "observed minus expected"): with strata *s* (intents) and
their rates over the whole history ``p̄_s``, a month is summarised by

    L_m = (Y_m − Σ_s N_ms p̄_s) / N_m,

its excess over what its own intent mix predicts. A change in the mix alone leaves every ``L_m``
unchanged; a change within intents moves it. The adjusted level is the overall rate + ``L_m``.
Linearising the ratio (``p̄_s``, estimated from all months together, is treated as fixed) gives
the per-unit residual ``y − (p̄_s + L_m) n``; its sum over a customer's units in month *m*,
divided by ``N_m``, is ``u_im``. With one stratum this is the plain ratio ``Y_m / N_m`` and its
usual linearisation, so with one unit per customer the variance is the binomial ``p(1−p)/N``.

The engine-facing part (who sums what per customer and month) lives with the analysis; this
module turns the sums into levels, covariances and contrasts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class StratifiedTotals:
    """Units ``n`` and outcome sums ``y`` per month (rows) and stratum (columns)."""

    months: tuple[str, ...]
    strata: tuple[str, ...]
    n: FloatArray
    y: FloatArray

    def collapsed(self, label: str = "all") -> StratifiedTotals:
        return StratifiedTotals(
            self.months, (label,), self.n.sum(axis=1, keepdims=True), self.y.sum(axis=1, keepdims=True)
        )


@dataclass(frozen=True)
class Rates:
    """Levels of the months with any unit, and the offset every unit's residual is taken from."""

    months: tuple[str, ...]  # months with units
    rows: IntArray  # their rows in the totals
    units: FloatArray  # N_m
    raw: FloatArray  # Y_m / N_m
    excess: FloatArray  # L_m
    overall: float
    offsets: FloatArray  # [month row, stratum] = p̄_s + L_m (0 where unused)


def rates(totals: StratifiedTotals) -> Rates | None:
    """Expected rate per stratum over all months, each month's level and excess; None if empty."""
    n, y = totals.n, totals.y
    n_stratum = n.sum(axis=0)
    expected = np.divide(y.sum(axis=0), n_stratum, out=np.zeros_like(n_stratum), where=n_stratum > 0)
    units = n.sum(axis=1)
    rows = np.flatnonzero(units > 0)
    if len(rows) == 0:
        return None
    excess = np.zeros(len(units))
    excess[rows] = (y.sum(axis=1)[rows] - (n @ expected)[rows]) / units[rows]
    offsets = np.where(n > 0, expected[None, :] + excess[:, None], 0.0)
    return Rates(
        months=tuple(totals.months[i] for i in rows),
        rows=rows.astype(np.int64),
        units=units[rows],
        raw=y.sum(axis=1)[rows] / units[rows],
        excess=excess[rows],
        overall=float(y.sum() / n.sum()),
        offsets=offsets,
    )


@dataclass(frozen=True)
class ClusteredSeries:
    """Monthly levels of one measure, the units behind them and their clustered covariance."""

    months: tuple[str, ...]
    level: tuple[float, ...]  # raw, or overall + L_m when standardised
    units: tuple[float, ...]
    covariance: tuple[tuple[float, ...], ...]
    customers: int
    standardised: bool

    def has(self, month: str) -> bool:
        return month in self.months

    def se(self, month: str) -> float:
        i = self.months.index(month)
        return math.sqrt(max(self.covariance[i][i], 0.0))

    def contrast(self, weights: Mapping[str, float]) -> tuple[float, float]:
        """Σ w_m level_m and its standard error from the full covariance (nan if undefined)."""
        idx = [self.months.index(m) for m in weights]
        w = np.array([weights[m] for m in weights], dtype=np.float64)
        level = np.asarray(self.level, dtype=np.float64)[idx]
        cov = np.asarray(self.covariance, dtype=np.float64)[np.ix_(idx, idx)]
        var = float(w @ cov @ w)
        return float(w @ level), math.sqrt(var) if var >= 0 else math.nan


class CustomerMonthIndex:
    """Entries per customer and month, sorted by customer then month once for every measure.

    ``customer``: integer codes (any, not necessarily contiguous); ``month_row``: each entry's
    row in the totals. At most one entry per customer and month.
    """

    def __init__(self, customer: IntArray, month_row: IntArray) -> None:
        self.order = np.lexsort((month_row, customer))
        self.customer = np.asarray(customer[self.order], dtype=np.int64)
        self.month_row = np.asarray(month_row[self.order], dtype=np.int64)


def clustered_series(
    r: Rates,
    index: CustomerMonthIndex,
    residual: FloatArray,
    units: FloatArray,
    standardised: bool,
) -> ClusteredSeries:
    """Per entry of ``index`` (in its unsorted order): the sum of ``y − offset · n`` over the
    customer's units that month, and their units that month.

    Entries with no unit or in a month without units are ignored.
    """
    pos = np.full(int(max(r.rows.max(), index.month_row.max(initial=0))) + 1, -1, dtype=np.int64)
    pos[r.rows] = np.arange(len(r.rows))  # ascending, as r.rows: sorting by month sorts by col
    keep_sorted = (units[index.order] > 0) & (pos[index.month_row] >= 0)
    cust = index.customer[keep_sorted]
    col = pos[index.month_row[keep_sorted]]
    u = residual[index.order][keep_sorted] / r.units[col]
    # customers renumbered 0..g-1 in their sorted order: one CSR row each, entries by month
    first = np.ones(len(cust), dtype=bool)
    first[1:] = cust[1:] != cust[:-1]
    g = int(first.sum())
    indptr = np.append(np.flatnonzero(first), len(cust)).astype(np.int64)
    mat = sparse.csr_matrix((u, col, indptr), shape=(g, len(r.months)))
    gram = np.asarray((mat.T @ mat).toarray(), dtype=np.float64)
    cov = gram * (g / (g - 1)) if g > 1 else np.full_like(gram, np.nan)
    level = r.overall + r.excess if standardised else r.raw
    return ClusteredSeries(
        months=r.months,
        level=tuple(float(v) for v in level),
        units=tuple(float(v) for v in r.units),
        covariance=tuple(tuple(float(v) for v in row) for row in cov),
        customers=g,
        standardised=standardised,
    )
