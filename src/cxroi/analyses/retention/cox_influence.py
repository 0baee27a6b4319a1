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
event times, so nothing larger than customers × covariates is built.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cxroi.analyses.retention.cox import CoxPH

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CoxInfluence:
    """Per-customer influence values (rows in the order of the fitting data)."""

    beta: Array  # n × p, on the model's standardised scale (``beta_std_``)
    baseline: Array  # n: of Λ0(horizon) on the centred scale
    baseline_at_horizon: float


def cox_influence(
    model: CoxPH, x: Array, durations: Array, events: npt.NDArray[np.bool_], horizon: float
) -> CoxInfluence:
    """Influence of β̂ and Λ̂0(horizon) for the data ``model`` was fitted on."""
    z = (np.asarray(x, dtype=np.float64) - model.mean_) / model.scale_
    t = np.asarray(durations, dtype=np.float64)
    d = np.asarray(events, dtype=bool)
    w = np.exp(z @ model.beta_std_)
    times = model.event_times_
    d_lambda = model.baseline_increments_
    # Risk-set sums at each event time: rows sorted by descending time form prefixes.
    order = np.argsort(-t, kind="stable")
    cum_w = np.cumsum(w[order])
    cum_wz = np.cumsum(w[order, None] * z[order], axis=0)
    last = np.searchsorted(-t[order], -times, side="right") - 1  # last row with T ≥ t_k
    s0 = cum_w[last]
    e_bar = cum_wz[last] / s0[:, None]

    cum_lambda = np.concatenate([[0.0], np.cumsum(d_lambda)])
    cum_e = np.vstack([np.zeros(z.shape[1]), np.cumsum(e_bar * d_lambda[:, None], axis=0)])
    cum_inv = np.concatenate([[0.0], np.cumsum(d_lambda / s0)])
    upto = np.searchsorted(times, t, side="right")  # event times ≤ T_i
    at = np.clip(upto - 1, 0, max(len(times) - 1, 0))  # T_i's own event time, for events
    score = -w[:, None] * (z * cum_lambda[upto, None] - cum_e[upto])
    if len(times):
        score[d] += z[d] - e_bar[at[d]]
    info = (z * (w * cum_lambda[upto])[:, None]).T @ z
    info -= (e_bar * d_lambda[:, None] * s0[:, None]).T @ e_bar
    info += model.penalizer * np.eye(z.shape[1])
    beta_if = np.linalg.solve(info, score.T).T if z.shape[1] else score

    upto_h = np.searchsorted(times, np.minimum(t, horizon), side="right")
    own = -w * cum_inv[upto_h]
    if len(times):
        counted = d & (t <= horizon)
        own[counted] += 1.0 / s0[at[counted]]
    k_h = int(np.searchsorted(times, horizon, side="right"))
    baseline_if = own - beta_if @ cum_e[k_h]
    return CoxInfluence(beta_if, baseline_if, float(cum_lambda[k_h]))
