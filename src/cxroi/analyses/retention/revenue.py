"""Revenue protected over the horizon: a revenue-weighted restricted-mean effect on the treated.

docs/metrics.md "Value" defines revenue protected (12 months) as the recurring revenue that the
customers whose index contact was AI-assisted keep in the 12 months after it, with AI minus
without:

    θ = Σ_{i: A_i = 1} w_i · ( E[months active in the 12 months | AI, X_i]
                               − E[months active in the 12 months | no AI, X_i] ),

w_i the customer's monthly recurring revenue. Revenue and churn risk differ between customers
(large accounts churn less), so the weighting is per customer: an average survival gap times
total revenue would weight every account alike and is wrong.

The estimator is the doubly robust ATT of ``estimands.py`` applied to the restricted mean
min(T, H) (``aipcw.py``), weighted and summed instead of averaged:

    θ̂ = Σ_i w_i · [ A_i · (U_1,i − m_0,i) − (1 − A_i) · π_i / (1 − π_i) · (U_0,i − m_0,i) ],

in months (H days = 12·H/365 months). The treated term is each AI-assisted customer's observed
months active (censoring-augmented) minus their predicted months without AI; the control term
corrects the human-only outcome model with the human-only customers, reweighted to look like
the AI-assisted ones. The weight must not depend on the exposure (monthly revenue at the index
is fine). Standard error: √(Σ (φ_i − φ̄)²) over the customers kept, φ_i the summand above; with
cross-fitted nuisance models this is the influence-function variance of a total over a fixed
number of customers. Customers whose propensity is above the upper trimming bound are left out
of the sum (their human-only comparison rests on weights without support); how many and how
much of the revenue that is, is reported.

Revenue is heavy-tailed, and the accounts that bring most of it are often the ones most likely
to be routed to AI, so a few human-only large accounts with high propensity can carry most of
the variance: the estimate's distribution is skewed and its interval covers less than 95%
(docs/retention-calibration.md measures by how much). ``top10_variance_share`` says how much of
the variance the ten most influential customers carry; it describes that concentration, it is
not a test (in the calibration worlds it was usually 0.6–0.9 and did not predict coverage).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cxroi.stats.result import CannotCompute
from cxroi.stats.summary import Z95
from cxroi.results.model.money import Basis, Evidence, RevenueProtected

Array = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
DAYS_PER_YEAR = 365.0


def months_per_day() -> float:
    """A month is a twelfth of 365 days, so a 365-day horizon is 12 months."""
    return 12.0 / DAYS_PER_YEAR


def months_in(days: float) -> float:
    """``days`` in months (365 days = exactly 12)."""
    return days * 12.0 / DAYS_PER_YEAR


@dataclass(frozen=True)
class RestrictedMeanScores:
    """Per-customer pieces of the restricted-mean ATT, aligned with ``customer_ids``.

    ``treated_gain`` = U_1 − m_0 (months; exposed customers), ``control_residual`` = U_0 − m_0
    (months; human-only customers), ``odds`` = π / (1 − π), ``kept`` = propensity within the
    upper trimming bound.
    """

    exposed: Bools
    kept: Bools
    odds: Array
    treated_gain: Array
    control_residual: Array
    horizon_days: int
    customer_ids: npt.NDArray[np.str_] | None = None

    @property
    def horizon_months(self) -> float:
        return months_in(self.horizon_days)


def align_weights(
    scores: RestrictedMeanScores, weights: Mapping[str, float] | Array
) -> Array | CannotCompute:
    """Weights as an array aligned with the scores: given aligned, or looked up by customer id."""
    if isinstance(weights, np.ndarray):
        if len(weights) != len(scores.exposed):
            return CannotCompute(
                f"{len(weights)} weights for {len(scores.exposed)} analysed customers"
            )
        w = np.asarray(weights, dtype=np.float64)
    else:
        if scores.customer_ids is None:
            return CannotCompute("the retention fit carries no customer ids to align weights by")
        w = np.array([weights.get(str(c), np.nan) for c in scores.customer_ids], dtype=np.float64)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        return CannotCompute(
            f"{int(bad.sum())} analysed customers have no usable weight (missing, negative or "
            "not finite): revenue protected needs one for every analysed customer"
        )
    return w


def weighted_restricted_mean_att(
    scores: RestrictedMeanScores,
    weights: Mapping[str, float] | Array,
    margin_applied: bool = False,
    unit: str = "revenue",
) -> RevenueProtected | CannotCompute:
    """θ̂ and its 95% interval for the given per-customer weights (see the module docstring)."""
    w = align_weights(scores, weights)
    if isinstance(w, CannotCompute):
        return w
    a, k = scores.exposed, scores.kept
    if not (a & k).any() or not (~a & k).any():
        return CannotCompute("after trimming, one exposure group has no customers")
    phi = w * np.where(a, scores.treated_gain, -scores.odds * scores.control_residual)
    phi = phi[k]
    total = float(phi.sum())
    centred = phi - phi.mean()
    squares = centred * centred
    variance = float(squares.sum())
    se = math.sqrt(variance)
    top10 = float(np.sort(squares)[-10:].sum() / variance) if variance > 0 else 0.0
    trimmed = a & ~k
    weight_exposed = float(w[a].sum())
    months = scores.horizon_months
    return RevenueProtected(
        total,
        total - Z95 * se,
        total + Z95 * se,
        method=(
            f"doubly robust restricted-mean effect on the AI-assisted over {months:g} months "
            f"(AIPW with augmented IPCW, cross-fitted), weighted by each customer's {unit}; "
            "influence-function SE"
        ),
        n=int(k.sum()),
        se=se,
        evidence=Evidence.ADJUSTED,
        population="customers whose index contact was AI-assisted",
        horizon_months=round(months),
        basis=Basis.ATT,
        margin_applied=margin_applied,
        customers=int((a & k).sum()),
        trimmed_customers=int(trimmed.sum()),
        trimmed_weight_share=float(w[trimmed].sum() / weight_exposed) if weight_exposed else 0.0,
        top10_variance_share=top10,
    )


def revenue_protected_12m(
    scores: RestrictedMeanScores,
    monthly_revenue: Mapping[str, float] | Array,
    margin_applied: bool = False,
) -> RevenueProtected | CannotCompute:
    """Revenue protected over the retention horizon (12 months by default): Σ over AI-assisted
    customers of monthly recurring revenue × months active gained. ``monthly_revenue`` maps
    customer id -> revenue, or is an array aligned with ``scores.customer_ids``; pass revenue ×
    margin with ``margin_applied=True`` for the margin version."""
    return weighted_restricted_mean_att(
        scores,
        monthly_revenue,
        margin_applied,
        unit="monthly margin" if margin_applied else "monthly recurring revenue",
    )
