"""Doubly robust effect on the treated (ATT) from cell totals, with cluster-robust intervals.

Estimand. For the treated units (e.g. AI-assisted contacts) the total
``T = sum over treated i of (Y_i(1) - Y_i(0))``: what the treated units produced beyond what the
same units would have produced untreated (e.g. with human handling). ``T / n1`` is the ATT per
treated unit.

Estimator. The doubly robust ATT (the cross-section estimator of Sant'Anna & Zhao 2020; see also
Imbens & Wooldridge 2009, section 5.5):

    T_hat = sum_i A_i (Y_i - m0(X_i)) - sum_i (1 - A_i) e(X_i) / (1 - e(X_i)) (Y_i - m0(X_i)),

with ``e`` a logistic propensity and ``m0`` an outcome model fitted on the untreated (log link
for a non-negative outcome, whose mean multiplies across covariates; else linear). It is
consistent when either model is right. Both use categorical covariates only (intent, channel,
month, customer segment, ...), so they are constant within a cell and are fitted on one row per
cell (:mod:`cxroi.analyses.value.glm`); the engine never sends individual units to pandas.
Propensities are capped at ``max_propensity`` (treated units with no comparable untreated ones
would otherwise get unbounded weights); how many treated units hit the cap is reported.

Interval. Per unit, the influence function of ``T_hat`` is
``phi_i = A_i (Y_i - m0_i - tau) - (1 - A_i) odds_i (Y_i - m0_i)`` with ``tau = T_hat / n1``.
Units of one cluster (a customer's contacts, an agent's contacts) are dependent, so
``Var(T_hat) = G / (G - 1) * sum over clusters g of (sum of phi_i in g)^2`` and the interval uses
Student's t with ``G - 1`` degrees of freedom (Cameron & Miller 2015). The nuisance models are
treated as known: for a doubly robust estimator their estimation does not change the first-order
variance when both are right; ``scripts/calibrate_value.py`` measures coverage
(docs/value.md).

Everything the consumers need is a linear functional of per-cluster sums (effect totals, treated
totals, relative effects, differences between strata), so the engine returns the cross-product
moments of a handful of per-cluster sums (:mod:`cxroi.analyses.value.att_queries`) and every
variance is a quadratic form in them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats as sps
from scipy.special import expit
from threadpoolctl import threadpool_limits

from cxroi.analyses.value.att_queries import (
    TREATED,
    AttUnits,
    cell_sums,
    cluster_moment_scopes,
    cluster_moments,
    vector_names,
)
from cxroi.analyses.value.glm import CategoricalDesign, fit_logistic, fit_poisson, fit_wls
from cxroi.stats.clustered import ClusteredEstimate
from cxroi.stats.result import CannotCompute, Result
from cxroi.results.model.value import Overlap

FloatArray = npt.NDArray[np.float64]
ALL = "all"


@dataclass(frozen=True)
class Linear:
    """A statistic and the coefficients of its influence function on the per-cluster sums."""

    value: float
    coef: FloatArray

    def __add__(self, other: Linear) -> Linear:
        return Linear(self.value + other.value, self.coef + other.coef)

    def __sub__(self, other: Linear) -> Linear:
        return Linear(self.value - other.value, self.coef - other.coef)

    def scale(self, k: float) -> Linear:
        return Linear(self.value * k, self.coef * k)


@dataclass(frozen=True)
class Scope:
    """Estimates over one set of units (all, a window of periods, or one period)."""

    label: str
    names: tuple[str, ...]
    moments: FloatArray  # sum over clusters of v v^T, v = per-cluster sums in ``names`` order
    clusters: int
    effect: dict[tuple[str, str], float]  # T per (outcome, stratum)
    treated_sum: dict[tuple[str, str], float]  # S1 = sum of treated outcomes
    untreated_sum: dict[tuple[str, str], float]
    treated_n: dict[str, int]
    untreated_n: dict[str, int]

    def _unit(self, name: str) -> FloatArray:
        e = np.zeros(len(self.names))
        e[self.names.index(name)] = 1.0
        return e

    def effect_total(self, outcome: str, stratum: str = ALL) -> Linear:
        n1 = self.treated_n[stratum]
        t = self.effect[(outcome, stratum)]
        tau = t / n1 if n1 else 0.0
        return Linear(t, self._unit(f"psi:{outcome}:{stratum}") - tau * self._unit(f"n1:{stratum}"))

    def treated_total(self, outcome: str, stratum: str = ALL) -> Linear:
        n1 = self.treated_n[stratum]
        s1 = self.treated_sum[(outcome, stratum)]
        mu = s1 / n1 if n1 else 0.0
        return Linear(s1, self._unit(f"y1:{outcome}:{stratum}") - mu * self._unit(f"n1:{stratum}"))

    def effect_mean(self, outcome: str, stratum: str = ALL) -> Linear:
        return self.effect_total(outcome, stratum).scale(1.0 / self.treated_n[stratum])

    def relative(self, outcome: str, stratum: str = ALL) -> Linear:
        """``T / (S1 - T)``: the effect as a share of the treated units' untreated outcome."""
        t, s1 = self.effect_total(outcome, stratum), self.treated_total(outcome, stratum)
        base = s1.value - t.value
        coef = (s1.value * t.coef - t.value * s1.coef) / base**2
        return Linear(t.value / base, coef)

    def variance(self, stat: Linear) -> float:
        if self.clusters < 2:
            return math.nan
        # elementwise products and an exactly rounded sum: a BLAS matrix-vector product can add
        # in an order that depends on memory alignment, and results.json must not change a bit
        q = math.fsum((np.outer(stat.coef, stat.coef) * self.moments).ravel().tolist())
        return max(q, 0.0) * self.clusters / (self.clusters - 1)

    def estimate(self, stat: Linear, method: str, n: int) -> Result:
        """``stat`` with a cluster-robust t interval (G - 1 degrees of freedom)."""
        var = self.variance(stat)
        if not math.isfinite(var) or not math.isfinite(stat.value):
            return CannotCompute("fewer than two clusters: no cluster-robust interval")
        se = math.sqrt(var)
        half = float(sps.t.ppf(0.975, self.clusters - 1)) * se
        return ClusteredEstimate(
            stat.value,
            stat.value - half,
            stat.value + half,
            method=method,
            n=n,
            se=se,
            customers=self.clusters,
        )


@dataclass
class _Models:
    weights: pd.DataFrame
    overlap: Overlap


class DoublyRobustAtt:
    """Cross-section doubly robust ATT with cluster-robust variance (see the module docstring)."""

    def __init__(
        self,
        interactions: tuple[tuple[str, str], ...] = (),
        max_propensity: float = 0.99,
        penalty: float = 1.0,
        ridge: float = 1.0,
        min_per_arm: int = 20,
        outcome_link: str = "log",
    ) -> None:
        self.interactions = interactions
        self.outcome_link = outcome_link
        self.max_propensity = max_propensity
        self.penalty = penalty
        self.ridge = ridge
        self.min_per_arm = min_per_arm

    def fit(
        self,
        units: AttUnits,
        window: tuple[str, ...] | None = None,
        cells: pd.DataFrame | None = None,
    ) -> Self:
        """Fit on ``units``; ``window`` (periods) adds a scope restricted to those periods.
        ``cells``: :func:`cell_sums` of the units when the caller has them already."""
        with threadpool_limits(limits=1):  # same summation order on every run
            return self._fit(units, window, cell_sums(units) if cells is None else cells)

    def _fit(self, units: AttUnits, window: tuple[str, ...] | None, cells: pd.DataFrame) -> Self:
        self.cells_ = cells
        self.units_ = units
        strata = (
            tuple(sorted(str(s) for s in cells[units.stratum].unique()))
            if units.stratum
            else (ALL,)
        )
        self.refused_: dict[str, CannotCompute] = {}
        self.window_: Scope | None = None
        self.periods_: dict[str, Scope] = {}
        models: dict[str, _Models] = {}
        for s in strata:
            part = cells[cells[units.stratum] == s] if units.stratum else cells
            got = self._models(part, units)
            if isinstance(got, CannotCompute):
                self.refused_[s] = got
            else:
                models[s] = got
        self.strata_ = tuple(s for s in strata if s in models)
        self.overlap_ = {s: m.overlap for s, m in models.items()}
        if not self.strata_:
            return self
        weights = pd.concat([models[s].weights for s in self.strata_], ignore_index=True)
        self.weights_ = weights
        cell_w = cells.merge(weights, on=units.keys, how="inner")
        if not units.period:
            moments = cluster_moments(units, weights, self.strata_)
            self.overall_ = make_scope(units, self.strata_, ALL, cell_w, moments)
            return self
        # one query for the three scopes: the units are joined to their weights once
        moments, in_window_mom, by_period = cluster_moment_scopes(
            units, weights, self.strata_, window
        )
        self.overall_ = make_scope(units, self.strata_, ALL, cell_w, moments)
        if window is not None and in_window_mom is not None:
            in_window = cell_w[cell_w[units.period].isin(list(window))]
            self.window_ = make_scope(units, self.strata_, "window", in_window, in_window_mom)
        if units.period:
            mom = by_period
            for _, row in mom.iterrows():
                p = str(row[units.period])
                part = cell_w[cell_w[units.period] == p]
                self.periods_[p] = make_scope(units, self.strata_, p, part, row.to_frame().T)
        return self

    def _models(self, part: pd.DataFrame, units: AttUnits) -> _Models | CannotCompute:
        treated = part[part[TREATED]]
        control = part[~part[TREATED]]
        n1, n0 = int(treated["n"].sum()), int(control["n"].sum())
        if n1 < self.min_per_arm or n0 < self.min_per_arm:
            return CannotCompute(
                f"{n1} treated and {n0} untreated units: at least {self.min_per_arm} of each "
                "are needed to fit the adjustment models"
            )
        keys = units.keys
        counted = part.assign(k=part["n"].where(part[TREATED], 0))
        grid = counted.groupby(keys, sort=True).agg(n=("n", "sum"), k=("k", "sum")).reset_index()
        design = CategoricalDesign(grid, units.covariates, self.interactions)
        x = design.matrix(grid)
        share = grid["k"].to_numpy(dtype=float) / grid["n"].to_numpy(dtype=float)
        beta, _ = fit_logistic(x, share, self.penalty, grid["n"].to_numpy(dtype=float))
        e = np.minimum(expit(x @ beta), self.max_propensity)
        odds = e / (1.0 - e)
        weights = grid[keys].copy()
        weights["w:odds"] = odds
        xc = design.matrix(control)
        n_c = control["n"].to_numpy(dtype=float)
        self.links_: dict[str, str] = {}
        for o in units.outcomes:
            mean_c = control[f"y:{o}"].to_numpy(dtype=float) / n_c
            weights[f"w:m0:{o}"], self.links_[o] = self._outcome_model(xc, mean_c, n_c, x)
        at_cap = int(grid.loc[expit(x @ beta) >= self.max_propensity, "k"].sum())
        n_control_cell = grid["n"].to_numpy(dtype=float) - grid["k"].to_numpy(dtype=float)
        wsum = float(np.sum(odds * n_control_cell))
        wsq = float(np.sum(odds**2 * n_control_cell))
        overlap = Overlap(
            treated=n1,
            untreated=n0,
            treated_at_cap=at_cap,
            control_ess=wsum**2 / wsq if wsq > 0 else 0.0,
            max_odds=float(odds[n_control_cell > 0].max()) if (n_control_cell > 0).any() else 0.0,
        )
        return _Models(weights, overlap)

    def _outcome_model(
        self, xc: FloatArray, mean_c: FloatArray, n_c: FloatArray, x: FloatArray
    ) -> tuple[FloatArray, str]:
        """Predicted untreated mean for every cell, and the link used.

        A non-negative outcome gets a log link (its mean multiplies across covariates); one
        with negative values, or none at all, a linear model.
        """
        if self.outcome_link == "log" and np.all(mean_c >= 0) and float(mean_c @ n_c) > 0:
            coef = fit_poisson(xc, mean_c, n_c, self.ridge)
            return np.exp(x @ coef), "log"
        coef = fit_wls(xc, mean_c, n_c, self.ridge)
        return x @ coef, "identity"

def make_scope(
    units: AttUnits,
    strata: tuple[str, ...],
    label: str,
    cell_w: pd.DataFrame,
    moments: pd.DataFrame,
) -> Scope:
    """A :class:`Scope` from cell sums joined to their weights and the cluster moments."""
    names = vector_names(units.outcomes, strata)
    k = len(names)
    m = np.zeros((k, k))
    row = moments.iloc[0]
    for i, a in enumerate(names):
        for j in range(i, k):
            v = float(row[f"m:{a}|{names[j]}"])
            m[i, j] = m[j, i] = v
    effect: dict[tuple[str, str], float] = {}
    treated_sum: dict[tuple[str, str], float] = {}
    untreated_sum: dict[tuple[str, str], float] = {}
    treated_n: dict[str, int] = {}
    untreated_n: dict[str, int] = {}
    for s in strata:
        part = cell_w[cell_w[units.stratum] == s] if units.stratum else cell_w
        arm = part[TREATED].to_numpy(dtype=bool)
        n = part["n"].to_numpy(dtype=float)
        odds = part["w:odds"].to_numpy(dtype=float)
        treated_n[s] = int(n[arm].sum())
        untreated_n[s] = int(n[~arm].sum())
        for o in units.outcomes:
            y = part[f"y:{o}"].to_numpy(dtype=float)
            resid = y - n * part[f"w:m0:{o}"].to_numpy(dtype=float)
            effect[(o, s)] = math.fsum(resid[arm].tolist()) - math.fsum(
                (odds[~arm] * resid[~arm]).tolist()
            )
            treated_sum[(o, s)] = math.fsum(y[arm].tolist())
            untreated_sum[(o, s)] = math.fsum(y[~arm].tolist())
    return Scope(
        label,
        tuple(names),
        m,
        int(row["clusters"]),
        effect,
        treated_sum,
        untreated_sum,
        treated_n,
        untreated_n,
    )


def treated_scope(units: AttUnits, periods: tuple[str, ...] | None = None) -> Scope:
    """Totals of the treated units only, with clustered intervals, and no adjustment at all.

    For what needs no comparison (the gross amount that followed treated units) when the
    adjustment models cannot be fitted: every cell gets ``odds = 0`` and ``m0 = 0``, so the
    scope's ``treated_total`` is the plain sum and its influence function ``y - mean``.
    """
    cells = cell_sums(units)
    if periods is not None and units.period:
        cells = cells[cells[units.period].isin(list(periods))]
    keys = units.keys
    weights = cells[keys].drop_duplicates().reset_index(drop=True)
    weights["w:odds"] = 0.0
    for o in units.outcomes:
        weights[f"w:m0:{o}"] = 0.0
    strata = (
        tuple(sorted(str(s) for s in cells[units.stratum].unique())) if units.stratum else (ALL,)
    )
    moments = cluster_moments(units, weights, strata, periods=periods)
    return make_scope(units, strata, "treated", cells.merge(weights, on=keys), moments)


