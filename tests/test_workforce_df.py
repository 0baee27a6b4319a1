"""Agent-clustered intervals with few agents (cxroi.analyses.workforce.agent_df).

The effective degrees of freedom are checked by hand, and the interval's coverage is measured in
a fast simulated world with the demo's shape: 20 agents, of whom 5 (of very unequal sizes) carry
the novice stratum, an agent effect on the outcome and no assistance effect (truth 0). The cluster
sums are built in numpy and fed to the same ``Scope`` / ``small_sample_estimate`` code the
analysis uses. The full study on the demo is scripts/calibrate_workforce.py
(docs/workforce-calibration.md).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from cxroi.analyses.value.att import Linear, Scope
from cxroi.analyses.value.att_queries import CLUSTER, TREATED, vector_names
from cxroi.analyses.workforce.agent_df import (
    _trace_and_squares,
    agent_design,
    small_sample_estimate,
)
from cxroi.stats.result import Estimate

STRATA = ("experienced", "novice")  # sorted, as DoublyRobustAtt orders them
OUT = "resolved"
NAMES = tuple(vector_names((OUT,), STRATA))
ODDS = 0.4 / 0.6  # a constant propensity of 0.4


def _scope(v: np.ndarray, n1: dict[str, int]) -> Scope:
    """A scope from per-agent vectors ``v`` (agents x names), as make_scope builds it."""
    total = v.sum(axis=0)
    at = {name: float(total[i]) for i, name in enumerate(NAMES)}
    return Scope(
        "all",
        NAMES,
        v.T @ v,
        v.shape[0],
        {(OUT, s): at[f"psi:{OUT}:{s}"] for s in STRATA},
        {(OUT, s): at[f"y1:{OUT}:{s}"] for s in STRATA},
        {(OUT, s): 0.0 for s in STRATA},
        n1,
        {s: 1 for s in STRATA},
    )


def _brute_force(units: list[tuple[str, str, bool, float]], scope: Scope, gap: Linear) -> float:
    """``trace(B)^2 / sum B^2`` with ``B = M M'`` built contact by contact: row ``g`` of ``M``
    holds agent ``g``'s contact weights minus its treated share of its stratum's weights."""
    coef = dict(zip(scope.names, gap.coef.tolist(), strict=True))
    a = np.array(
        [
            coef[f"psi:{OUT}:{s}"] + coef[f"y1:{OUT}:{s}"] if t else -coef[f"psi:{OUT}:{s}"] * odds
            for _, s, t, odds in units
        ]
    )
    agents = sorted({g for g, *_ in units})
    m = np.zeros((len(agents), len(units)))
    for row, g in enumerate(agents):
        for s in STRATA:
            in_s = np.array([u[1] == s for u in units])
            n1_s = sum(u[2] for u in units if u[1] == s)
            share = sum(u[2] for u in units if u[0] == g and u[1] == s) / n1_s
            own = np.array([u[0] == g and u[1] == s for u in units])
            m[row] += a * own - share * a * in_s
    b = m @ m.T
    return float(np.trace(b) ** 2 / np.sum(b**2))


def test_effective_df_against_brute_force() -> None:
    # agents a (novice, 10 treated + 20 untreated; experienced later, 3 + 4), b (novice, 5 + 0),
    # c and d (experienced, 8 + 8 and 2 + 6); odds vary by contact
    rng = np.random.default_rng(7)
    plan = [("a", "novice", 10, 20), ("a", "experienced", 3, 4), ("b", "novice", 5, 0)]
    plan += [("c", "experienced", 8, 8), ("d", "experienced", 2, 6)]
    units: list[tuple[str, str, bool, float]] = []
    for g, s, k1, k0 in plan:
        units += [(g, s, True, 0.0)] * k1
        units += [(g, s, False, float(o)) for o in rng.uniform(0.2, 3.0, k0)]
    frame = pd.DataFrame(units, columns=[CLUSTER, "agent_group", TREATED, "odds"])
    per_agent = (
        frame.assign(n=1, q=frame["odds"] ** 2)
        .groupby([CLUSTER, "agent_group", TREATED], as_index=False)[["n", "q"]]
        .sum()
    )
    # 40 agents in all, so the cap G - 1 does not bind; the df depends on the design only
    scope = _scope(np.zeros((40, len(NAMES))), {"novice": 15, "experienced": 13})
    gap = scope.effect_mean(OUT, "novice") - scope.effect_mean(OUT, "experienced")
    got = agent_design(scope, gap, per_agent, "agent_group")
    assert got.df == pytest.approx(_brute_force(units, scope, gap), rel=1e-9)
    assert 1.0 < got.df < 4.0  # four agents, dominated by the novices a and b
    # with two equal agents and one stratum, the bias is the usual (G - 1) / G
    two = pd.DataFrame(
        {
            CLUSTER: ["x", "y"],
            "agent_group": ["novice"] * 2,
            TREATED: [True] * 2,
            "n": [5, 5],
            "q": [0.0, 0.0],
        }
    )
    only = scope.effect_mean(OUT, "novice")
    assert agent_design(scope, only, two, "agent_group").bias == pytest.approx(0.5)


def _world(
    rng: np.random.Generator, sizes: np.ndarray, novice: np.ndarray
) -> tuple[np.ndarray, dict[str, int]]:
    """Per-agent vectors of one replicate: treated with probability 0.4, outcome = agent effect
    (sd 0.05) + noise (sd 0.45), no treatment effect; ``m0`` = 0 is the true untreated mean."""
    g = len(sizes)
    n1 = rng.binomial(sizes, 0.4)
    n0 = sizes - n1
    u = rng.normal(0.0, 0.05, g)
    y1 = u * n1 + rng.normal(0.0, 0.45, g) * np.sqrt(n1)
    y0 = u * n0 + rng.normal(0.0, 0.45, g) * np.sqrt(n0)
    v = np.zeros((g, len(NAMES)))
    for k, s in enumerate(STRATA):
        on = novice == (s == "novice")
        v[on, NAMES.index(f"psi:{OUT}:{s}")] = y1[on] - ODDS * y0[on]
        v[on, NAMES.index(f"y1:{OUT}:{s}")] = y1[on]
        v[on, NAMES.index(f"n1:{s}")] = n1[on]
    counts = {s: int(n1[novice == (s == "novice")].sum()) for s in STRATA}
    return v, counts


def _per_agent(sizes: np.ndarray, novice: np.ndarray, v: np.ndarray) -> pd.DataFrame:
    rows = []
    for i, size in enumerate(sizes):
        s = "novice" if novice[i] else "experienced"
        n1 = int(v[i, NAMES.index(f"n1:{s}")])
        rows.append({CLUSTER: f"A{i:02d}", "agent_group": s, TREATED: True, "n": n1, "q": 0.0})
        rows.append(
            {
                CLUSTER: f"A{i:02d}",
                "agent_group": s,
                TREATED: False,
                "n": int(size) - n1,
                "q": (int(size) - n1) * ODDS**2,
            }
        )
    return pd.DataFrame(rows)


def test_interval_covers_with_few_novice_agents() -> None:
    rng = np.random.default_rng(20261130)
    sizes = np.array([600, 250, 120, 60, 30] + [900] * 15)
    novice = np.arange(len(sizes)) < 5
    reps, covered, covered_old = 800, 0, 0
    t_old = float(sps.t.ppf(0.975, len(sizes) - 1))
    for _ in range(reps):
        v, n1 = _world(rng, sizes, novice)
        scope = _scope(v, n1)
        gap = scope.effect_mean(OUT, "novice") - scope.effect_mean(OUT, "experienced")
        got = small_sample_estimate(
            scope, gap, "gap", 1, _per_agent(sizes, novice, v), "agent_group"
        )
        assert isinstance(got, Estimate) and got.se is not None
        assert got.ci_low is not None and got.ci_high is not None
        covered += got.ci_low <= 0.0 <= got.ci_high
        former = scope.estimate(gap, "gap", 1)  # CR1 and t on all agents - 1
        assert isinstance(former, Estimate) and former.se is not None
        covered_old += abs(former.estimate) <= t_old * former.se
    mc = math.sqrt(0.95 * 0.05 / reps)  # 0.0077
    coverage, old = covered / reps, covered_old / reps
    assert abs(coverage - 0.95) < 4 * mc, coverage  # nominal within Monte Carlo error
    assert old < 0.95 - 4 * mc, old  # t on all agents - 1 under-covers here


def test_trace_and_squares_equal_those_of_the_dense_matrix() -> None:
    """The agents × agents matrix is never built; its trace and Σ d² from vectors agree with it."""
    rng = np.random.default_rng(17)
    g = 40
    diagonal = np.zeros(g)
    a: list[np.ndarray] = []
    b: list[np.ndarray] = []
    dense = np.zeros((g, g))
    for _ in range(2):  # two levels, as novice / experienced
        s = rng.exponential(3.0, g)
        p = rng.dirichlet(np.ones(g))
        big_s = float(s.sum())
        diagonal += s
        a += [-s, -p, big_s * p]
        b += [p, s, p]
        dense += np.diag(s) - np.outer(s, p) - np.outer(p, s) + big_s * np.outer(p, p)
    trace, squares = _trace_and_squares(diagonal, a, b)
    assert trace == pytest.approx(float(np.trace(dense)), rel=1e-12)
    assert squares == pytest.approx(float((dense**2).sum()), rel=1e-12)
