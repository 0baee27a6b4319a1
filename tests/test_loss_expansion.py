"""Revenue at risk's draws from second-order expansions, against scoring every customer again.

The reference is the brute force the expansion replaces: :func:`attribute_loss` (every customer
scored under every subset of the links) at each drawn coefficient vector. On the simulated risk
world, at the coefficient spread of a real fit, the draws agree to a small fraction of the
interval's width, and so do the 2.5% and 97.5% quantiles. The derivatives are checked against
finite differences and the expansion's value at the fit against the exact sums.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from cxroi.analyses.value.churn_model import RiskDesign, attribute_loss, months_lost
from cxroi.analyses.value import churn_risk
from cxroi.analyses.value.churn_risk import fit_and_attribute
from cxroi.analyses.value.glm import fit_logistic
from cxroi.analyses.value.loss_expansion import expand_losses, loss_derivatives
from cxroi.demo.risk_world import LINKS, simulate_risk_world


def test_derivatives_match_finite_differences() -> None:
    eta = np.linspace(-14.0, 6.0, 41)
    f, f1, f2 = loss_derivatives(eta)
    np.testing.assert_allclose(f, months_lost(expit(eta)), rtol=1e-12)

    def g(e: np.ndarray) -> np.ndarray:
        return months_lost(expit(e))

    h = 1e-4
    np.testing.assert_allclose(f1, (g(eta + h) - g(eta - h)) / (2 * h), rtol=1e-6, atol=1e-12)
    # f'' against differences of f' (those of f lose digits to 12 - 12 p / L at small p)
    second = (loss_derivatives(eta + h)[1] - loss_derivatives(eta - h)[1]) / (2 * h)
    np.testing.assert_allclose(f2, second, rtol=1e-6, atol=1e-12)


def _compare(customers: int) -> dict[str, object]:
    """The expansion's draws and the brute force's, at the spread of a fit on ``customers``."""
    world = simulate_risk_world(np.random.default_rng(3), customers=customers)
    flags = ["recent_contact", "recent_ai_contact", *LINKS]
    design = RiskDesign(world.train, ["segment"], ["tenure_years", "log_revenue"], flags)
    beta, cov = fit_logistic(design.matrix(world.train), world.train["label"].to_numpy(float), 1.0)
    cols = [int(design.flag_column(f) or 0) for f in LINKS]
    offs = [design.off_value(f) for f in LINKS]
    xs = design.matrix(world.score)
    revenue = world.score["monthly_revenue"].to_numpy(dtype=float)
    deltas = np.random.default_rng(9).standard_normal((200, len(beta))) @ np.linalg.cholesky(cov).T
    expansion = expand_losses(xs, beta, revenue, cols, offs)
    point = attribute_loss(xs, beta[None, :], revenue, cols, offs)
    return {
        "point": {k: float(v[0]) for k, v in point.items()},
        "approx": expansion.draws(deltas),
        "exact": attribute_loss(xs, beta[None, :] + deltas, revenue, cols, offs),
        "zero": expansion.draws(np.zeros((1, len(beta)))),
    }


def _worst_errors(c: dict) -> tuple[float, float]:  # type: ignore[type-arg]
    """Over every key: the largest draw error and quantile gap, as fractions of the width."""
    approx, exact = c["approx"], c["exact"]
    assert approx.keys() == exact.keys()
    draw, quantile = 0.0, 0.0
    for key in exact:
        width = np.quantile(exact[key], 0.975) - np.quantile(exact[key], 0.025)
        assert width > 0, key
        draw = max(draw, float(np.max(np.abs(approx[key] - exact[key]))) / width)
        for q in (0.025, 0.975):
            gap = abs(np.quantile(approx[key], q) - np.quantile(exact[key], q)) / width
            quantile = max(quantile, float(gap))
    return draw, quantile


@pytest.fixture(scope="module")
def fitted() -> dict[str, object]:
    return _compare(20_000)


def test_the_expansion_at_the_fit_is_the_exact_sums(fitted: dict) -> None:  # type: ignore[type-arg]
    for key, value in fitted["point"].items():
        assert fitted["zero"][key][0] == pytest.approx(value, rel=1e-9, abs=1e-9), key


def test_draws_agree_with_scoring_every_customer(fitted: dict) -> None:  # type: ignore[type-arg]
    # 20,000 training customers: every draw within 2% of the interval's width, the interval's
    # ends within 0.5% (2,000 draws' own Monte Carlo error on a 2.5% quantile is ~1.5%)
    draw, quantile = _worst_errors(fitted)
    assert draw < 0.02 and quantile < 0.005, (draw, quantile)


def test_the_error_is_of_third_order(fitted: dict) -> None:  # type: ignore[type-arg]
    # relative to the width (first order, 1/sqrt(n)) the third-order error falls as 1/n: four
    # times the customers, about a quarter of the error
    small, _ = _worst_errors(_compare(5_000))
    large, _ = _worst_errors(fitted)
    assert 2.5 < small / large < 6.5, (small, large)


def test_the_parts_add_up_per_draw(fitted: dict) -> None:  # type: ignore[type-arg]
    d = fitted["approx"]
    parts = sum(d[f"link:{k}"] for k in range(3))
    np.testing.assert_allclose(d["ordinary"] + parts, d["total"], rtol=1e-9)


def test_large_bases_take_the_expansion(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above ``EXACT_DRAWS_UP_TO`` the same draws come from the expansion: close, and said."""
    world = simulate_risk_world(np.random.default_rng(4), customers=20_000)
    args = (world.train, world.score, ["segment"], ["tenure_years", "log_revenue"], list(LINKS))
    exact = fit_and_attribute(*args, 300, np.random.default_rng(1))
    monkeypatch.setattr(churn_risk, "EXACT_DRAWS_UP_TO", 1_000)
    expanded = fit_and_attribute(*args, 300, np.random.default_rng(1))
    assert (exact.expanded, expanded.expanded) == (False, True)
    assert expanded.point == exact.point and expanded.sims.keys() == exact.sims.keys()
    for key, sims in exact.sims.items():
        width = np.quantile(sims, 0.975) - np.quantile(sims, 0.025)
        assert np.max(np.abs(expanded.sims[key] - sims)) < 0.02 * width, key
