"""Influence functions of a fitted Cox model: its coefficients and its baseline at one time.

Used for the standard error of the outcome-model-only (g-formula) robustness estimate, which is
a smooth function of β and of Breslow's Λ0(H). With z the centred, scaled covariates, risk
w = exp(zβ), S0(t) = Σ_{T_j ≥ t} w_j, Ē(t) = Σ_{T_j ≥ t} w_j z_j / S0(t) and dΛ0 = d / S0 at
each event time (Andersen & Gill 1982; Lin & Wei 1989; Therneau & Grambsch 2000, ch. 7):

- β̂ − β ≈ I⁻¹ Σ_i U_i, U_i = ∫ (z_i − Ē) dM_i
  = Δ_i (z_i − Ē(T_i)) − w_i (z_i Λ0(T_i) − Σ_{t ≤ T_i} Ē(t) dΛ0(t))  (score residual);
  Σ I⁻¹ U_i U_iᵀ I⁻¹ is the Lin–Wei robust variance, which lifelines' ``robust=True`` reports.
- Λ̂0(H) − Λ0(H) ≈ Σ_i [ ∫_0^H dM_i / S0 − (∫_0^H Ē dΛ0)ᵀ I⁻¹ U_i ],
  ∫_0^H dM_i / S0 = Δ_i 1{T_i ≤ H} / S0(T_i) − w_i Σ_{t ≤ T_i ∧ H} dΛ0(t) / S0(t).

I is the observed information of the (ridge-penalised) partial likelihood. All sums run over
event times or over blocks of rows (``cxroi.stats.row_blocks``), and the n × p influence of β̂ is
never stored: what the g-formula needs is its product with a p-vector, I⁻¹ applied first, then
the score residuals made block by block from the covariates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cxroi.analyses.retention.cox import CoxPH
from cxroi.stats.row_blocks import (
    prefix_sums_at,
    row_blocks,
    standardised,
    weighted_gram,
)

Array = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]


@dataclass(frozen=True)
class _ScoreResiduals:
    """U_i, the score residual of each fitting row, made on demand a block at a time."""

    x: Array
    rows: Ints  # the fitting rows of x, in the order of the fitting data
    mean: Array
    scale: Array
    w: Array  # exp(z β) per fitting row
    event: npt.NDArray[np.bool_]
    cum_lambda: Array  # Λ0 through each event time, 0 first
    cum_e: Array  # Σ_{t ≤ t_k} Ē(t) dΛ0(t), a zero row first
    e_bar: Array  # Ē at each event time
    upto: Ints  # event times ≤ T_i
    at: Ints  # T_i's own event time, for events

    def times(self, u: Array) -> Array:
        """U u: n, or n × k for a p × k ``u``."""
        z_of = standardised(self.x, self.mean, self.scale, self.rows)
        out = np.empty((len(self.rows), *u.shape[1:]))
        for s in row_blocks(len(self.rows)):
            z, upto = z_of(s), self.upto[s]
            score = -self.w[s, None] * (z * self.cum_lambda[upto, None] - self.cum_e[upto])
            d = self.event[s]
            if len(self.e_bar):
                score[d] += z[d] - self.e_bar[self.at[s][d]]
            out[s] = score @ u
        return out


@dataclass(frozen=True)
class CoxInfluence:
    """Influence values of a fitted Cox model, for its fitting rows in their order."""

    scores: _ScoreResiduals
    information: Array  # p × p, observed (penalised)
    own_baseline: Array  # n: ∫_0^H dM_i / S0, the part of Λ̂0(H)'s influence not through β̂
    cum_e_at_horizon: Array  # p: ∫_0^H Ē dΛ0
    baseline_at_horizon: float

    def beta_times(self, v: Array) -> Array:
        """Influence of β̂ (standardised scale) times ``v``: I⁻¹ U_i · v per row, n."""
        u = np.asarray(np.linalg.solve(self.information, v), dtype=np.float64)
        return self.scores.times(u)

    @property
    def baseline(self) -> Array:
        """Influence of Λ̂0(horizon) on the centred scale, per row."""
        out: Array = self.own_baseline - self.beta_times(self.cum_e_at_horizon)
        return out

    @property
    def beta(self) -> Array:
        """The n × p influence of β̂, built whole: for tests and small data."""
        p = len(self.information)
        inverse = np.asarray(np.linalg.solve(self.information, np.eye(p)), dtype=np.float64)
        return self.scores.times(inverse)


def cox_influence(
    model: CoxPH,
    x: Array,
    durations: Array,
    events: npt.NDArray[np.bool_],
    horizon: float,
    rows: Ints | None = None,
) -> CoxInfluence:
    """Influence of β̂ and Λ̂0(horizon) for the data ``model`` was fitted on (``x``, or its
    ``rows``, with ``durations`` and ``events`` of all of ``x``'s rows)."""
    x = np.asarray(x, dtype=np.float64)
    rows = np.arange(len(x)) if rows is None else rows
    t = np.asarray(durations, dtype=np.float64)[rows]
    d = np.asarray(events, dtype=bool)[rows]
    p = x.shape[1]
    z_of = standardised(x, model.mean_, model.scale_, rows)
    w = np.exp(model.linear_predictor(x, rows))
    times = model.event_times_
    d_lambda = model.baseline_increments_
    # Risk-set sums at each event time: rows sorted by descending time form prefixes.
    order = np.argsort(-t, kind="stable")
    cum_w = np.cumsum(w[order])
    last = np.searchsorted(-t[order], -times, side="right") - 1  # last row with T ≥ t_k
    s0 = cum_w[last]
    sorted_z = standardised(x, model.mean_, model.scale_, rows[order])
    e_bar = prefix_sums_at(sorted_z, w[order], last, p) / s0[:, None]

    cum_lambda = np.concatenate([[0.0], np.cumsum(d_lambda)])
    cum_e = np.vstack([np.zeros(p), np.cumsum(e_bar * d_lambda[:, None], axis=0)])
    cum_inv = np.concatenate([[0.0], np.cumsum(d_lambda / s0)])
    upto = np.searchsorted(times, t, side="right")  # event times ≤ T_i
    at = np.clip(upto - 1, 0, max(len(times) - 1, 0))  # T_i's own event time, for events
    info = weighted_gram(z_of, w * cum_lambda[upto])
    info -= (e_bar * d_lambda[:, None] * s0[:, None]).T @ e_bar
    info += model.penalizer * np.eye(p)
    scores = _ScoreResiduals(x, rows, model.mean_, model.scale_, w, d, cum_lambda, cum_e, e_bar,
                             upto, at)

    upto_h = np.searchsorted(times, np.minimum(t, horizon), side="right")
    own = -w * cum_inv[upto_h]
    if len(times):
        counted = d & (t <= horizon)
        own[counted] += 1.0 / s0[at[counted]]
    k_h = int(np.searchsorted(times, horizon, side="right"))
    return CoxInfluence(scores, info, own, cum_e[k_h], float(cum_lambda[k_h]))
