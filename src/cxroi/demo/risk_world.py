"""A simulated customer base whose churn depends on planted loyalty-chain links (revenue at risk).

For checking :func:`cxroi.analyses.value.churn_risk.fit_and_attribute` against a known truth
(``scripts/calibrate_value.py`` and the tests): customers with a segment, tenure and monthly
revenue, whether they made contact (and AI-assisted contact) in the lookback window, and the
three weak links — an unresolved AI contact (only with an AI contact), high effort and negative
sentiment (only with a contact). Churn within 12 months is logistic in these with the planted
log-odds ``links``; within the year the hazard is constant, as the estimator assumes. Two
independent draws give the training landmark (with outcomes) and the scoring one. The truth is
the estimator's own targets computed with the planted coefficients: expected 12-month loss,
ordinary exposure and each link's Shapley part, computed here from first principles (the
expected months lost by quadrature over the churn-time density, Shapley values by averaging over
every order of switching the links on), independently of the estimator's own formulas.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import permutations

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
LINKS = ("unresolved_ai", "high_effort", "negative_sentiment")
SEGMENT_LOG_ODDS = (0.0, -0.4, -0.9)


@dataclass(frozen=True)
class RiskWorld:
    train: pd.DataFrame
    score: pd.DataFrame
    truth: dict[str, float]  # total, ordinary, link:<k> in LINKS order


def _customers(rng: np.random.Generator, n: int) -> pd.DataFrame:
    seg = rng.choice(3, size=n, p=(0.7, 0.22, 0.08))
    tenure = rng.gamma(2.0, 1.2, size=n)
    revenue = np.round(np.exp(3.4 + 1.2 * seg + 0.5 * rng.standard_normal(n)), 2)
    contact = rng.random(n) < 0.45
    ai = contact & (rng.random(n) < 0.55)
    unresolved = ai & (rng.random(n) < 0.3)
    effort = contact & (rng.random(n) < 0.08)
    negative = contact & (rng.random(n) < 0.15)
    frame = pd.DataFrame(
        {
            "segment": np.asarray(("consumer", "smb", "enterprise"))[seg],
            "tenure_years": tenure,
            "monthly_revenue": revenue,
            "log_revenue": np.log1p(revenue),
            "recent_contact": contact,
            "recent_ai_contact": ai,
            "unresolved_ai": unresolved,
            "high_effort": effort,
            "negative_sentiment": negative,
        }
    )
    return frame


def _raw(frame: pd.DataFrame) -> FloatArray:
    cols = [
        np.ones(len(frame)),
        (frame["segment"] == "smb").to_numpy(dtype=float),
        (frame["segment"] == "enterprise").to_numpy(dtype=float),
        frame["tenure_years"].to_numpy(dtype=float),
        frame["log_revenue"].to_numpy(dtype=float),
        frame["recent_contact"].to_numpy(dtype=float),
        frame["recent_ai_contact"].to_numpy(dtype=float),
        *[frame[k].to_numpy(dtype=float) for k in LINKS],
    ]
    return np.column_stack(cols)


def _beta(links: tuple[float, float, float]) -> FloatArray:
    base = [-0.9, SEGMENT_LOG_ODDS[1], SEGMENT_LOG_ODDS[2], -0.12, -0.15, 0.2, -0.2]
    return np.array([*base, *links])


def simulate_risk_world(
    rng: np.random.Generator,
    customers: int = 8000,
    links: tuple[float, float, float] = (0.6, 0.0, 0.4),
) -> RiskWorld:
    beta = _beta(links)
    train = _customers(rng, customers)
    p = 1.0 / (1.0 + np.exp(-(_raw(train) @ beta)))
    churn = rng.random(customers) < p
    # constant hazard within the year: the churn month given churn, by inversion
    rate = -np.log1p(-p) / 12.0
    u = rng.random(customers)
    month = -np.log1p(-u * p) / rate
    train["label"] = churn.astype(float)
    train["months_lost"] = np.where(churn, 12.0 - month, 0.0)
    score = _customers(rng, customers)
    x = _raw(score)
    revenue = score["monthly_revenue"].to_numpy(dtype=float)
    return RiskWorld(train, score, _truth(x, beta, revenue))


def _expected_months_lost(p: FloatArray) -> FloatArray:
    """E[months of the year left after churning] at 12-month churn probability ``p``, with a
    constant hazard within the year: the integral of (12 - t) over the churn-time density."""
    nodes, weights = np.polynomial.legendre.leggauss(64)
    t = 6.0 * (nodes + 1.0)  # [-1, 1] -> [0, 12]
    rate = -np.log1p(-p)[:, None] / 12.0
    density = rate * np.exp(-rate * t[None, :])
    out: FloatArray = 6.0 * ((12.0 - t)[None, :] * density) @ weights
    return out


def _truth(x: FloatArray, beta: FloatArray, revenue: FloatArray) -> dict[str, float]:
    """Expected 12-month loss, the loss with every link off, and each link's Shapley part."""
    link_cols = {name: 7 + k for k, name in enumerate(LINKS)}

    def loss(on: frozenset[str]) -> float:
        xs = x.copy()
        for name, col in link_cols.items():
            if name not in on:
                xs[:, col] = 0.0
        p = 1.0 / (1.0 + np.exp(-(xs @ beta)))
        return float(np.sum(revenue * _expected_months_lost(p)))

    orders = list(permutations(LINKS))
    parts = dict.fromkeys(LINKS, 0.0)
    for order in orders:
        on: frozenset[str] = frozenset()
        for name in order:
            parts[name] += (loss(on | {name}) - loss(on)) / len(orders)
            on = on | {name}
    return {"total": loss(frozenset(LINKS)), "ordinary": loss(frozenset()), **parts}
