"""Small-sample agent-clustered intervals: when few agents carry an estimate.

The assist effects are clustered by agent, and a contact centre has tens of agents, not
thousands. Worse, an estimate rarely rests on all of them evenly: the novice effect is carried by
the handful of agents who were novices during the period, some with few contacts. The cluster-
robust variance is then a sum of a few squared cluster sums: itself very noisy (right on
average, far too small in many samples) and biased down, because each agent's sum is taken
around a mean its own contacts weigh heavily in. Student's t on ``G - 1`` degrees of freedom
(``G`` = all agents) ignores both: on 200 demos the former 95% interval covered the planted
novice-minus-experienced resolution gap 93.5% of the time (85% on the first 40, 4 of 8 on seeds
5-12) and the novice handle-time effect 91.5% (docs/workforce-calibration.md).

The correction follows Bell & McCaffrey (2002) and Imbens & Kolesar (2016), evaluated under a
working model of independent contacts with a common error variance ``sigma^2`` (the nuisance
models are treated as known, as in :mod:`cxroi.analyses.value.att`):

* Each estimate is linear in the contacts' errors, ``sum_i a_i e_i``. Per contact ``a_i`` is read
  off the statistic's coefficients (:class:`cxroi.analyses.value.att.Linear`): a treated contact
  of stratum ``s`` weighs ``c_psi + c_y1`` (its outcome enters the effect and the treated total),
  an untreated one ``-c_psi * odds``. The engine returns, per agent, stratum and arm, only the
  number of contacts and the sum of squared odds (:func:`agent_weights`).
* Agent ``g``'s centred cluster sum is ``w_g = sum_s (X_gs - p_gs A_s)``, with ``X_gs`` its part
  of stratum ``s``, ``A_s`` the stratum's total and ``p_gs`` the agent's share of the stratum's
  treated contacts. So ``w = M e`` and the uncorrected (CR0) variance ``sum_g w_g^2 = e' B e``
  with ``B_gh = m_g . m_h``; with ``s_gs = sum of a_i^2`` over the agent's contacts in ``s`` and
  ``S_s = sum_g s_gs``: ``B_gh = sum_s [delta_gh s_gs - p_hs s_gs - p_gs s_hs + p_gs p_hs S_s]``.
* Bias: ``E[CR0] = sigma^2 trace(B)`` against a true ``sigma^2 sum_s S_s``; the variance is
  divided by their ratio (for ``G`` equal agents this is the usual ``G / (G - 1)``).
* Degrees of freedom (Satterthwaite): ``df = trace(B)^2 / sum_gh B_gh^2``, the "effective number
  of agents", at most ``G - 1``; about the number of agents carrying the estimate when few do.

In a simulated world like the demo's (tests/test_workforce_df.py) and on the demo itself the
corrected interval covers at or slightly above its nominal 95%.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats as sps

from cxroi.analyses.value.att import DoublyRobustAtt, Linear, Scope
from cxroi.analyses.value.att_queries import CLUSTER, TREATED
from cxroi.stats.clustered import ClusteredEstimate
from cxroi.stats.result import CannotCompute, Result

_DEC = dt.Decimal(38, 9)


def agent_weights(fit: DoublyRobustAtt) -> pd.DataFrame:
    """Per agent, stratum and arm: contacts ``n`` and ``q`` = sum of squared odds, sorted."""
    units = fit.units_
    assert units.stratum is not None
    w = ibis.memtable(fit.weights_[[*units.keys, "w:odds"]])
    j = units.table.view().inner_join(w, units.keys)
    # an exact decimal sum: a float sum's last bits depend on the order threads add in
    squared = (j["w:odds"] * j["w:odds"]).cast(_DEC)
    per = j.group_by([CLUSTER, units.stratum, TREATED]).aggregate(
        n=j.count(), q=squared.sum().cast(_DEC).cast("float64")
    )
    keys = [CLUSTER, units.stratum, TREATED]
    out: pd.DataFrame = per.order_by(keys).execute()
    return out


@dataclass(frozen=True)
class AgentDesign:
    """What the working model says about ``stat``'s agent-clustered variance estimate."""

    df: float  # Satterthwaite degrees of freedom, at most G - 1
    bias: float  # E[CR0 variance] / true variance, in (0, 1]


def _unit_weights(scope: Scope, stat: Linear, level: str) -> tuple[float, float]:
    """``(c_psi + c_y1, c_psi)``: the weight of a treated contact of ``level`` and the factor of
    an untreated one's odds."""
    coef = dict(zip(scope.names, stat.coef.tolist(), strict=True))
    c_psi = math.fsum(
        v for k, v in coef.items() if k.startswith("psi:") and k.endswith(f":{level}")
    )
    c_y1 = math.fsum(v for k, v in coef.items() if k.startswith("y1:") and k.endswith(f":{level}"))
    return c_psi + c_y1, c_psi


def agent_design(scope: Scope, stat: Linear, per_agent: pd.DataFrame, stratum: str) -> AgentDesign:
    """Degrees of freedom and downward bias of ``stat``'s agent-clustered variance (module doc).

    Per agent ``g`` and stratum ``s``: ``s_gs`` = sum of the squared contact weights, ``p_gs`` =
    the agent's share of the stratum's treated contacts (the effect is centred on the stratum's
    mean, which removes ``p_gs`` of every agent's sum). Under the working model
    ``E[CR0] = sum_gs s_gs (1 - 2 p_gs) + p_gs^2 S_s`` against a true ``sum_s S_s``.
    """
    levels = sorted({str(v) for v in per_agent[stratum]})
    weights = {level: _unit_weights(scope, stat, level) for level in levels}
    frame = per_agent.assign(level=per_agent[stratum].astype(str))
    treated = frame[TREATED].astype(bool).to_numpy()
    w_treated = frame["level"].map(lambda v: weights[v][0]).to_numpy(dtype=float)
    w_odds = frame["level"].map(lambda v: weights[v][1]).to_numpy(dtype=float)
    n = frame["n"].to_numpy(dtype=float)
    q = frame["q"].to_numpy(dtype=float)
    frame = frame.assign(
        s=np.where(treated, w_treated**2 * n, w_odds**2 * q), n1=np.where(treated, n, 0.0)
    )
    cell = frame.groupby([CLUSTER, "level"], sort=True)[["s", "n1"]].sum()
    agents = sorted({str(a) for a in frame[CLUSTER]})
    # d = Σ_levels diag(s) − s pᵀ − p sᵀ + S p pᵀ (agents × agents) is a diagonal plus a few
    # rank-one terms a bᵀ; its trace and squared Frobenius norm come from the vectors alone,
    # so no agents × agents matrix is built (100M demo contacts: 20,000 agents, 3.2 GB a matrix and several temporaries as large).
    diagonal = np.zeros(len(agents))
    a_terms: list[npt.NDArray[np.float64]] = []
    b_terms: list[npt.NDArray[np.float64]] = []
    true = 0.0
    for level in levels:
        part = cell.xs(level, level="level").reindex(agents, fill_value=0.0)
        s_g = part["s"].to_numpy(dtype=float)
        n1 = float(part["n1"].sum())
        p_g = part["n1"].to_numpy(dtype=float) / n1 if n1 > 0 else np.zeros(len(agents))
        big_s = math.fsum(s_g.tolist())
        diagonal += s_g
        a_terms += [-s_g, -p_g, big_s * p_g]
        b_terms += [p_g, s_g, p_g]
        true += big_s
    expected, squares = _trace_and_squares(diagonal, a_terms, b_terms)
    cap = float(max(scope.clusters - 1, 1))
    if true <= 0.0 or squares <= 0.0 or expected <= 0.0:
        return AgentDesign(cap, 1.0)
    return AgentDesign(min(expected**2 / squares, cap), min(expected / true, 1.0))


def _trace_and_squares(
    diagonal: npt.NDArray[np.float64],
    a: list[npt.NDArray[np.float64]],
    b: list[npt.NDArray[np.float64]],
) -> tuple[float, float]:
    """Trace and Σ_ij d_ij² of d = diag(diagonal) + Σ_k a_k b_kᵀ, from vectors only:
    ||D + L||² = Σ_i D_i² + 2 Σ_i D_i L_ii + Σ_km (a_k·a_m)(b_k·b_m)."""
    low_rank_diagonal = np.zeros(len(diagonal))
    for ak, bk in zip(a, b, strict=True):
        low_rank_diagonal += ak * bk
    trace = math.fsum((diagonal + low_rank_diagonal).tolist())
    cross = [
        math.fsum((ak * am).tolist()) * math.fsum((bk * bm).tolist())
        for ak, bk in zip(a, b, strict=True)
        for am, bm in zip(a, b, strict=True)
    ]
    squares = math.fsum(
        [*(diagonal * diagonal).tolist(), *(2.0 * diagonal * low_rank_diagonal).tolist(), *cross]
    )
    return trace, squares


def small_sample_estimate(
    scope: Scope, stat: Linear, method: str, n: int, per_agent: pd.DataFrame, stratum: str
) -> Result:
    """``stat`` with its agent-clustered standard error and a t interval on the effective df."""
    got = scope.estimate(stat, method, n)
    if isinstance(got, CannotCompute) or got.se is None:
        return got
    design = agent_design(scope, stat, per_agent, stratum)
    g = scope.clusters
    # undo the G / (G - 1) of Scope.variance; the working model's bias replaces it
    se = got.se * math.sqrt((g - 1) / g / design.bias)
    half = float(sps.t.ppf(0.975, design.df)) * se
    return ClusteredEstimate(
        got.estimate,
        got.estimate - half,
        got.estimate + half,
        method=f"{method}; t on {design.df:.1f} effective agents' degrees of freedom",
        n=n,
        se=se,
        customers=g,
    )
