"""The two adjusted estimands, ATE and ATT, from per-customer pieces, with influence functions.

Given, for each customer, the outcome-model predictions m_a(X) and the censoring-augmented
pseudo-outcomes U_a (``aipcw.py``), and the cross-fitted propensity π(X) = P(A = 1 | X):

- ATE, average over all analysed customers (Robins, Rotnitzky & Zhao 1994; the AIPW form):
  ψ_a = mean[ m_a + 1{A=a}/π_a · (U_a − m_a) ].
- ATT, average over the customers whose index contact was AI-assisted (Hahn 1998; Moodie,
  Saarela & Stephens 2018 give the doubly robust form):
  ψ_1 = Σ A·U_1 / n_1,   ψ_0 = Σ [ A·m_0 + (1−A)·π/(1−π)·(U_0 − m_0) ] / n_1.
  ψ_0 is consistent when the human-only outcome model is right, or when the propensity (and
  censoring) models are; the AI-assisted side needs no model beyond censoring.

Each mean comes with its influence values φ_i (ψ̂ − ψ ≈ Σ φ_i / n), so standard errors, and the
standard error of any smooth function of the two means (the churn risk ratio of the E-value), are
√(Σ φ_i²) / n. Cross-fitting lets these ignore the estimation of the nuisance models.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cxroi.stats.summary import Z95

Array = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class ArmContrast:
    """Two counterfactual means over one population and their influence values (one per
    customer of the population the estimator averages over)."""

    treated_mean: float  # with AI
    control_mean: float  # without AI
    treated_influence: Array
    control_influence: Array

    @property
    def n(self) -> int:
        return len(self.treated_influence)

    @property
    def effect(self) -> float:
        return self.treated_mean - self.control_mean

    @property
    def effect_se(self) -> float:
        return standard_error(self.treated_influence - self.control_influence)

    @property
    def treated_se(self) -> float:
        return standard_error(self.treated_influence)

    @property
    def control_se(self) -> float:
        return standard_error(self.control_influence)

    def interval(self) -> tuple[float, float]:
        half = Z95 * self.effect_se
        return self.effect - half, self.effect + half


def standard_error(influence: Array) -> float:
    n = len(influence)
    return math.sqrt(float(influence @ influence)) / n if n else float("nan")


def ate_contrast(
    exposed: Bools, propensity: Array, m1: Array, u1: Array, m0: Array, u0: Array
) -> ArmContrast:
    """AIPW average treatment effect over the customers given (already trimmed)."""
    a = exposed
    t1 = m1 + a / propensity * (u1 - m1)
    t0 = m0 + (~a) / (1.0 - propensity) * (u0 - m0)
    return ArmContrast(
        float(t1.mean()), float(t0.mean()), t1 - t1.mean(), t0 - t0.mean()
    )


def att_contrast(
    exposed: Bools, propensity: Array, u1: Array, m0: Array, u0: Array
) -> ArmContrast:
    """Doubly robust effect on the exposed customers among those given (already trimmed)."""
    a = exposed.astype(np.float64)
    share = float(a.mean())
    odds = propensity / (1.0 - propensity)
    own = a * u1
    counterfactual = a * m0 + (1.0 - a) * odds * (u0 - m0)
    psi1 = float(own.sum() / a.sum())
    psi0 = float(counterfactual.sum() / a.sum())
    return ArmContrast(
        psi1,
        psi0,
        (own - a * psi1) / share,
        (counterfactual - a * psi0) / share,
    )
