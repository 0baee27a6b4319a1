"""Revenue at risk: the timing rule against numerical integration, the Shapley split against a
brute force over every order of the links, the parts adding up, and a reduced calibration on a
simulated base with planted link effects (full study: scripts/calibrate_value.py)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import integrate
from scipy.special import expit

from cxroi.analyses.value.churn_model import attribute_loss, months_lost, shapley_weights
from cxroi.analyses.value.churn_risk import fit_and_attribute
from cxroi.demo.risk_world import LINKS, simulate_risk_world
from cxroi.stats.result import Estimate
from cxroi.results.model.money import LinkVerdict, verdict


@pytest.mark.parametrize("p", [1e-6, 0.05, 0.2, 0.6, 0.99])
def test_months_lost_is_the_constant_hazard_integral(p: float) -> None:
    rate = -math.log(1 - p) / 12.0
    stayed, _ = integrate.quad(lambda t: math.exp(-rate * t), 0.0, 12.0)
    assert months_lost(np.array([p]))[0] == pytest.approx(12.0 - stayed, rel=1e-9, abs=1e-12)
    assert months_lost(np.array([0.0]))[0] == 0.0


def _loss(x: np.ndarray, beta: np.ndarray, rev: np.ndarray) -> float:
    return float(np.sum(rev * months_lost(expit(x @ beta))))


def test_shapley_split_matches_every_order_brute_force() -> None:
    rng = np.random.default_rng(1)
    n = 300
    x = np.column_stack(
        [np.ones(n), rng.standard_normal(n), *(rng.random((3, n)) < [[0.3], [0.2], [0.4]])]
    ).astype(float)
    beta = np.array([-1.2, 0.3, 0.9, -0.4, 0.5])
    rev = rng.gamma(2.0, 50.0, n)
    cols, offs = [2, 3, 4], [0.0, 0.0, 0.0]
    got = {k: float(v[0]) for k, v in attribute_loss(x, beta[None, :], rev, cols, offs).items()}
    # brute force: average marginal contribution of each link over the 3! orders of switching on
    base = x.copy()
    base[:, cols] = 0.0
    parts = np.zeros(3)
    for order in itertools.permutations(range(3)):
        current = base.copy()
        before = _loss(current, beta, rev)
        for k in order:
            current[:, cols[k]] = x[:, cols[k]]
            after = _loss(current, beta, rev)
            parts[k] += (after - before) / 6.0
            before = after
    assert [got[f"link:{k}"] for k in range(3)] == pytest.approx(list(parts), rel=1e-9)
    assert got["ordinary"] == pytest.approx(_loss(base, beta, rev), rel=1e-12)
    assert got["total"] == pytest.approx(got["ordinary"] + parts.sum(), rel=1e-12)
    assert sum(shapley_weights(3)[(0, s)] for s in [(), (1,), (2,), (1, 2)]) == pytest.approx(1.0)


def test_verdict_reads_the_interval() -> None:
    assert verdict(Estimate(5.0, 1.0, 9.0)) is LinkVerdict.RAISES_RISK
    assert verdict(Estimate(-5.0, -9.0, -1.0)) is LinkVerdict.LOWERS_RISK
    assert verdict(Estimate(5.0, -1.0, 9.0)) is LinkVerdict.NO_CLEAR_LINK_EFFECT
    assert verdict(Estimate(5.0)) is LinkVerdict.NO_CLEAR_LINK_EFFECT


def test_reduced_calibration_with_planted_link_effects() -> None:
    """15 replicates of 5,000 customers; links planted at log-odds (0.6, 0, 0.4): intervals cover
    the planted loss, ordinary exposure and Shapley parts (nominal 95%), the parts add up."""
    keys = ["total", "ordinary", *LINKS]
    covered = dict.fromkeys(keys, 0)
    errors: dict[str, list[float]] = {k: [] for k in keys}
    reps = 15
    for r in range(reps):
        world = simulate_risk_world(np.random.default_rng(r), customers=5000)
        fit = fit_and_attribute(
            world.train, world.score, ["segment"], ["tenure_years", "log_revenue"], list(LINKS),
            500, np.random.default_rng(100 + r),
        )
        assert fit.modelled == list(LINKS)
        links = sum(fit.point[f"link:{k}"] for k in range(3))
        assert fit.point["total"] == pytest.approx(fit.point["ordinary"] + links, rel=1e-9)
        for key in keys:
            name = key if key in ("total", "ordinary") else f"link:{LINKS.index(key)}"
            low, high = np.quantile(fit.sims[name], [0.025, 0.975])
            covered[key] += int(low <= world.truth[key] <= high)
            errors[key].append(fit.point[name] - world.truth[key])
    for key in keys:
        err = np.asarray(errors[key])
        assert abs(err.mean()) < 3 * err.std(ddof=1) / math.sqrt(reps) + 1e-9, key
        assert covered[key] >= 12, (key, covered[key])  # nominal 14.25 of 15
