"""Revenue at risk over the next 12 months: the planted truth, from the generator's own hazards.

Churn is exponential in the demo (constant hazard ``h`` per customer from the index contact on;
before it, or without contacts, the unexposed hazard at the window start), so a customer active
at the window end keeps ``E[months active in the next 365 days] = (1 - exp(-365 h)) / h`` days
of 365/12, and loses ``12 - that`` months of ``monthly_revenue``. No loyalty-chain link
(unresolved AI contacts, effort, sentiment) enters the hazard: the part of the risk attributable
to each link is zero by construction.
"""

from __future__ import annotations

import numpy as np

from cxroi.demo import _params as P
from cxroi.demo._arrow import FloatArray
from cxroi.demo._population import Population

_YEAR_DAYS = 365.0
_MONTH_DAYS = _YEAR_DAYS / 12.0


def current_hazard(pop: Population) -> FloatArray:
    """Each customer's daily churn hazard at the window end (exposure applied)."""
    log_rev = np.log(pop.monthly_revenue)
    static = (
        np.asarray(P.CHURN_SEGMENT)[pop.segment]
        + np.asarray(P.CHURN_PLAN)[pop.plan]
        + np.asarray(P.CHURN_REGION)[pop.region]
        + P.CHURN_LOG_REVENUE * (log_rev - log_rev.mean())
    )
    tenure_at_start = (np.maximum(pop.acquired_days, 0.0) - pop.acquired_days) / 365.25
    h_before = P.BASE_DAILY_HAZARD * np.exp(static + P.CHURN_TENURE_PER_YEAR * tenure_at_start)
    h_after = pop.hazard_at_index * np.where(pop.exposed, P.HAZARD_RATIO, 1.0)
    hazard: FloatArray = np.where(pop.has_contact, h_after, h_before)
    return hazard


def revenue_at_risk_truth(pop: Population) -> float:
    """Expected recurring revenue lost in the 12 months after the window end, before margin."""
    active = ~np.isfinite(pop.churn_days)
    h = current_hazard(pop)[active]
    months_active = (1.0 - np.exp(-_YEAR_DAYS * h)) / h / _MONTH_DAYS
    return float(np.sum(pop.monthly_revenue[active] * (12.0 - months_active)))
