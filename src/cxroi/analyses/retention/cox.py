"""A small Cox proportional-hazards model (Breslow ties, ridge): the adjusted estimator's outcome.

Written here rather than borrowed because it is fitted 2 × folds times per run on plain arrays and
must be fast and bit-for-bit deterministic; tests check it against lifelines' ``CoxPHFitter``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxroi.stats.row_blocks import (
    column_mean_std,
    prefix_sums_at,
    row_blocks,
    standardised,
    times,
    weighted_gram,
)

Array = npt.NDArray[np.float64]
_STEP_TOL = 1e-7


class CoxPH:
    """Cox model with Breslow's baseline cumulative hazard.

    ``penalizer`` is a ridge penalty ``penalizer/2 · ||β||²`` on standardised covariates; the
    default keeps coefficients finite when a category has no events, and is negligible otherwise.
    """

    def __init__(self, penalizer: float = 0.01, max_iter: int = 50, tol: float = 1e-10) -> None:
        self.penalizer = penalizer
        self.max_iter = max_iter
        self.tol = tol

    def fit(
        self,
        x: Array,
        durations: Array,
        events: npt.NDArray[np.bool_],
        rows: npt.NDArray[np.intp] | None = None,
        start: Array | None = None,
    ) -> CoxPH:
        """Fit on ``x``, or on its ``rows`` only (``durations`` and ``events`` are then those of
        all of ``x``'s rows): one sorted copy of the fitting rows, not a subset and a copy.

        ``start``: coefficients (``coef_`` of a fit on similar rows, e.g. another cross-fitting
        fold) to begin Newton's method from instead of zero. The maximum is the same; it is
        reached in fewer steps."""
        x = np.asarray(x, dtype=np.float64)
        if rows is None:
            rows = np.arange(len(x))
        durations, events = durations[rows], events[rows]
        # Descending time: a prefix is a risk set. Ties share the risk set of their whole group.
        order = np.lexsort((~events, -durations))
        z = x[rows[order]]  # standardised in place below
        self.mean_, scale = column_mean_std(lambda s: z[s], len(z), z.shape[1])
        self.scale_ = np.where(scale > 0, scale, 1.0)
        for s in row_blocks(len(z)):
            z[s] -= self.mean_
            z[s] /= self.scale_
        t, d = durations[order], events[order]
        risk_sets = _RiskSets(z, d, np.searchsorted(-t, -t, side="right") - 1)
        beta = np.zeros(z.shape[1]) if start is None else np.asarray(start) * self.scale_
        loglik = self._loglik(risk_sets, beta)
        for _ in range(self.max_iter if z.shape[1] else 0):
            grad, hess = self._derivatives(risk_sets, beta)
            step = np.linalg.solve(hess, grad)
            for _halving in range(30):
                candidate = beta + step
                with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
                    new = self._loglik(risk_sets, candidate)
                # Relative slack: near the maximum the last Newton step changes the
                # log-likelihood by less than its own rounding (~1e-16 of its size), and an
                # absolute threshold refused that step, leaving β one step short.
                if np.isfinite(new) and new >= loglik - 1e-12 * (1.0 + abs(loglik)):
                    break
                step = step / 2.0
            else:
                break  # no step improves the likelihood any more: keep the current β
            converged = abs(new - loglik) < self.tol * (1.0 + abs(loglik)) and bool(
                np.abs(step).max() < _STEP_TOL
            )
            beta, loglik = candidate, new
            if converged:
                break
        self.beta_std_ = beta
        self.coef_ = beta / self.scale_
        self.log_likelihood_ = loglik
        eta = z @ beta
        event_times, deaths = np.unique(t[d], return_counts=True)
        # Breslow: ΔΛ0(t) = deaths at t / Σ_{risk set} exp(η), η on the centred scale.
        first = np.searchsorted(-t, -event_times, side="left")
        risk = np.cumsum(np.exp(eta))[risk_sets.group_end[first]]
        self.event_times_ = event_times
        self.baseline_increments_ = deaths / risk if len(first) else np.zeros(0)
        self.baseline_cumhaz_ = np.cumsum(self.baseline_increments_)
        return self

    def _loglik(self, sets: _RiskSets, beta: Array) -> float:
        eta = sets.z @ beta
        shift = eta.max() if len(eta) else 0.0
        log_risk = np.log(np.cumsum(np.exp(eta - shift))[sets.event_groups]) + shift
        events_term = eta[sets.d].sum() - sets.events_in_group @ log_risk
        return float(events_term - 0.5 * self.penalizer * beta @ beta)

    def _derivatives(self, sets: _RiskSets, beta: Array) -> tuple[Array, Array]:
        z = sets.z
        eta = z @ beta
        w = np.exp(eta - eta.max())
        # Risk-set sums once per tie group with events; its events share them.
        s0 = np.cumsum(w)[sets.event_groups]
        s1 = prefix_sums_at(lambda s: z[s], w, sets.event_groups, z.shape[1])
        mean_at = s1 / s0[:, None]
        grad = sets.z_events_sum - sets.events_in_group @ mean_at - self.penalizer * beta
        # Σ_events S2/S0 = Σ_i w_i z_i z_iᵀ · Σ_{e: t_e ≤ t_i} 1/S0(t_e), so no n×p×p array.
        inv = np.zeros(len(z))
        inv[sets.event_groups] = sets.events_in_group / s0
        # Events at or before t_i sit at or after i's tie group in the descending order.
        acc = np.cumsum(inv[::-1])[::-1]
        weight = w * acc[sets.group_start]
        info = weighted_gram(lambda s: z[s], weight) - (
            mean_at * sets.events_in_group[:, None]
        ).T @ mean_at
        info += self.penalizer * np.eye(z.shape[1])
        return grad, info

    def cumulative_hazard_at(self, times: Array) -> Array:
        """Baseline Λ0 (centred covariates) at each time, right-continuous."""
        pos = np.searchsorted(self.event_times_, times, side="right")
        padded = np.concatenate([[0.0], self.baseline_cumhaz_])
        out: Array = padded[pos]
        return out

    def linear_predictor(self, x: Array, rows: npt.NDArray[np.intp] | None = None) -> Array:
        """η = z β for ``x`` (or its ``rows``), a block of rows at a time."""
        x = np.asarray(x, dtype=np.float64)
        n = len(x) if rows is None else len(rows)
        return times(standardised(x, self.mean_, self.scale_, rows), n, self.beta_std_)

    def survival_at(self, x: Array, time: float) -> Array:
        base = float(self.cumulative_hazard_at(np.array([time]))[0])
        out: Array = np.exp(-base * np.exp(self.linear_predictor(x)))
        return out

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({"coef": self.coef_, "coef_standardised": self.beta_std_})


class _RiskSets:
    """The fitting data sorted by descending time, with what every Newton step reuses."""

    def __init__(self, z: Array, d: npt.NDArray[np.bool_], group_end: npt.NDArray[np.intp]):
        self.z = z  # standardised covariates, rows by descending time
        self.d = d
        self.group_end = group_end  # last row of each row's tie group
        # the tie groups holding events (their last rows) and how many events each holds
        groups, counts = np.unique(group_end[d], return_counts=True)
        self.event_groups: npt.NDArray[np.intp] = groups
        self.events_in_group: Array = counts.astype(np.float64)
        self.group_start = _first_of_group(group_end)
        self.z_events_sum: Array = z[d].sum(axis=0)


def _first_of_group(group_end: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    # In descending order a tie group spans [start, end]; events at or before t_i are those
    # from the group's start onwards.
    n = len(group_end)
    starts = np.empty(n, dtype=np.intp)
    is_start = np.ones(n, dtype=bool)
    is_start[1:] = group_end[1:] != group_end[:-1]
    idx = np.flatnonzero(is_start)
    starts[:] = idx[np.searchsorted(idx, np.arange(n), side="right") - 1]
    return starts
