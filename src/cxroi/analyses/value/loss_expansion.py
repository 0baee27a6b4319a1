"""The revenue-at-risk sums as quadratics in the churn model's coefficients, for their intervals.

Every sum the revenue-at-risk result reports (the expected loss with a set ``S`` of weak links as
observed and the others switched off, ``V_S``, and the expected number of churners) is a sum over
active customers of a smooth function of one linear predictor: ``V_S(b) = Σ_i r_i f(x_i^S b)``
with ``f = months_lost ∘ expit`` (:mod:`cxroi.analyses.value.churn_model`). Its interval comes
from draws ``b = β̂ + δ`` of the coefficients' normal approximation. Scoring every customer
against every draw costs customers × draws × subsets evaluations (2,000 draws × 12.5M customers
× 8 subsets at 100M contacts: half an hour); the second-order expansion

    V_S(β̂ + δ) ≈ V_S(β̂) + g_Sᵀ δ + ½ δᵀ H_S δ,   g_S = Σ r f'(η) x,   H_S = Σ r f''(η) x xᵀ

costs one pass over the customers per subset, after which a draw is a quadratic form in a few
dozen coefficients. The error is of third order in δ, whose spread shrinks as 1/√n with the
training customers: the draws it replaces carry Monte Carlo error of a larger order
(``tests/test_loss_expansion.py`` compares both on the simulated risk world).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import numpy.typing as npt
from scipy.special import expit

from cxroi.analyses.value.churn_model import P_CLIP, shapley_weights, switched_off
from cxroi.stats.row_blocks import RowsOf, row_blocks

FloatArray = npt.NDArray[np.float64]
Subset = tuple[int, ...]


def loss_derivatives(eta: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``f(η)``, ``f'(η)``, ``f''(η)`` of the months lost at churn probability ``expit(η)``.

    With ``p = expit(η)``, ``q = 1 - p``, ``L = -log q``: ``f = 12 - 12 p / L``,
    ``f' = -12 A / L²`` with ``A = p q L - p²``, and ``f'' = -12 ((q - p) L - p) p q / L²
    + 24 p A / L³`` (``dp/dη = p q``, ``dL/dη = p``).
    """
    p = np.clip(expit(eta), P_CLIP, 1.0 - P_CLIP)
    q = 1.0 - p
    log = -np.log1p(-p)
    a = p * q * log - p * p
    f = 12.0 - 12.0 * p / log
    f1 = -12.0 * a / log**2
    f2 = -12.0 * ((q - p) * log - p) * p * q / log**2 + 24.0 * p * a / log**3
    return f, f1, f2


def _churn_derivatives(eta: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    p = expit(eta)
    pq = p * (1.0 - p)
    return p, pq, pq * (1.0 - 2.0 * p)


@dataclass(frozen=True)
class Quadratic:
    """``value + gradientᵀ δ + ½ δᵀ hessian δ``: a sum's expansion around the fitted coefficients."""

    value: float
    gradient: FloatArray
    hessian: FloatArray

    def at(self, deltas: FloatArray) -> FloatArray:
        """The sum at each row of ``deltas`` (draws × coefficients)."""
        curvature = np.einsum("dj,jk,dk->d", deltas, self.hessian, deltas)
        return np.asarray(self.value + deltas @ self.gradient + 0.5 * curvature, dtype=np.float64)

    def minus(self, other: Quadratic) -> Quadratic:
        return Quadratic(
            self.value - other.value, self.gradient - other.gradient, self.hessian - other.hessian
        )


def _expand(
    rows_of: RowsOf, n: int, beta: FloatArray, revenue: FloatArray, churn: bool
) -> Quadratic:
    value, gradient, hessian = 0.0, np.zeros(len(beta)), np.zeros((len(beta), len(beta)))
    derivatives = _churn_derivatives if churn else loss_derivatives
    for s in row_blocks(n):
        z = rows_of(s)
        f, f1, f2 = derivatives(z @ beta)
        value += float(np.sum(revenue[s] * f))
        gradient += z.T @ (revenue[s] * f1)
        hessian += (z * (revenue[s] * f2)[:, None]).T @ z
    return Quadratic(value, gradient, hessian)


def _off_outside(
    x: FloatArray, on: Subset, link_cols: list[int], off_values: list[float]
) -> RowsOf:
    """Blocks of ``x`` with every link outside ``on`` switched off (:func:`switched_off`)."""
    return lambda s: switched_off(x[s], on, link_cols, off_values)


@dataclass(frozen=True)
class LossExpansion:
    """Expansions of the expected loss under every subset of the links, and of the churners."""

    losses: dict[Subset, Quadratic]
    churners: Quadratic
    n_links: int

    def draws(self, deltas: FloatArray) -> dict[str, FloatArray]:
        """Per draw (row of ``deltas``), the keys of :func:`churn_model.attribute_loss`."""
        everything = tuple(range(self.n_links))
        out = {
            "total": self.losses[everything].at(deltas),
            "churners": self.churners.at(deltas),
            "ordinary": self.losses[()].at(deltas),
        }
        for k in range(self.n_links):
            part = np.zeros(len(deltas))
            for (kk, s), w in shapley_weights(self.n_links).items():
                if kk == k:
                    with_k = tuple(sorted((*s, k)))
                    part += w * self.losses[with_k].minus(self.losses[s]).at(deltas)
            out[f"link:{k}"] = part
        return out


def expand_losses(
    x: FloatArray,
    beta: FloatArray,
    revenue: FloatArray,
    link_cols: list[int],
    off_values: list[float],
) -> LossExpansion:
    """One pass over the customers per subset of the links (2^links passes, and one for churn)."""
    n_links = len(link_cols)
    losses: dict[Subset, Quadratic] = {}
    for size in range(n_links + 1):
        for s in combinations(range(n_links), size):
            losses[s] = _expand(
                _off_outside(x, s, link_cols, off_values), len(x), beta, revenue, False
            )
    churners = _expand(lambda s: x[s], len(x), beta, np.ones(len(x)), True)
    return LossExpansion(losses, churners, n_links)


__all__ = ["LossExpansion", "Quadratic", "expand_losses", "loss_derivatives"]
