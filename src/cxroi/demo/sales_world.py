"""A small simulated world of contacts and the sales they source, with a planted incremental effect.

For calibrating the incremental revenue-generated estimator (``scripts/calibrate_value.py``) and
its reduced check in the tests: thousands of replicates of the full demo would take hours, this
world takes a fraction of a second and has the same structure.

Customers have a segment (consumer / smb / enterprise) and a plan and a frailty that scales what
they buy (clustering: one customer's contacts are not independent). Each contact has a month, an
intent and a channel. Larger customers and later months use AI more (confounding: enterprise
deals are 25x consumer ones). A contact is transferred to sales with a probability set by its
intent; the opportunity is won with probability ``win_human`` or, when the contact is
AI-assisted, ``win_ai``; plan-change contacts also upsell in the contact. The truth is the sum
over AI-assisted contacts of the expected extra sales (conditional on the realised covariates and
transfers), as in the demo.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
SEGMENTS = ("consumer", "smb", "enterprise")
SEGMENT_P = (0.70, 0.22, 0.08)
DEAL_MEDIAN = (240.0, 1200.0, 6000.0)
DEAL_SIGMA = 0.6
INTENTS = ("billing", "order_status", "technical", "plan_change", "complaint")
INTENT_P = (0.30, 0.25, 0.20, 0.15, 0.10)
TRANSFER_P = (0.02, 0.02, 0.01, 0.12, 0.01)
INTENT_AI_LOGIT = (0.0, 0.4, -0.2, 0.2, -0.6)
SALE_MEDIAN, SALE_SIGMA = 120.0, 0.5
MONTHS = 12


@dataclass(frozen=True)
class SalesWorld:
    """Contact-level units (one row per contact) and the planted truth."""

    units: pd.DataFrame  # cluster, treated, intent, channel, month, segment, plan, outcomes
    truth_total: float
    truth_by_part: dict[str, float]


def simulate_sales_world(
    rng: np.random.Generator,
    customers: int = 4000,
    win_human: float = 0.24,
    win_ai: float = 0.34,
    sale_human: float = 0.06,
    sale_ai: float = 0.08,
    contacts_per_customer: float = 5.0,
) -> SalesWorld:
    seg = rng.choice(3, size=customers, p=SEGMENT_P)
    plan = rng.integers(0, 3, size=customers)
    frailty = np.exp(0.3 * rng.standard_normal(customers) - 0.045)
    k = 1 + rng.poisson(contacts_per_customer - 1, size=customers)
    cust = np.repeat(np.arange(customers), k)
    n = cust.size
    month = rng.integers(0, MONTHS, size=n)
    intent = rng.choice(len(INTENTS), size=n, p=INTENT_P)
    s = seg[cust]
    logit = -0.8 + 0.6 * (s == 1) + 1.2 * (s == 2) + 0.25 * plan[cust] + 0.08 * month
    logit = logit + np.asarray(INTENT_AI_LOGIT)[intent]
    treated = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    channel = np.where(
        treated,
        rng.choice(3, size=n, p=(0.4, 0.4, 0.2)),
        rng.choice(3, size=n, p=(0.5, 0.2, 0.3)),
    )
    transfer = rng.random(n) < np.asarray(TRANSFER_P)[intent]
    p_win = np.where(treated, win_ai, win_human)
    mean_deal = np.asarray(DEAL_MEDIAN)[s] * frailty[cust]
    deal = mean_deal * np.exp(DEAL_SIGMA * rng.standard_normal(n) - DEAL_SIGMA**2 / 2)
    pipeline = np.where(transfer & (rng.random(n) < p_win), deal, 0.0)
    plan_change = (intent == INTENTS.index("plan_change")) & ~transfer
    p_sale = np.where(treated, sale_ai, sale_human)
    sale_amount = SALE_MEDIAN * np.exp(SALE_SIGMA * rng.standard_normal(n) - SALE_SIGMA**2 / 2)
    sales = np.where(plan_change & (rng.random(n) < p_sale), sale_amount, 0.0)
    truth_pipeline = float(np.sum((transfer & treated) * (win_ai - win_human) * mean_deal))
    truth_sales = float(np.sum((plan_change & treated) * (sale_ai - sale_human) * SALE_MEDIAN))
    units = pd.DataFrame(
        {
            "cluster": [f"K{c:06d}" for c in cust],
            "treated": treated,
            "intent": np.asarray(INTENTS)[intent],
            "channel": np.asarray(("voice", "chat", "email"))[channel],
            "month": [f"2025-{m + 1:02d}" for m in month],
            "segment": np.asarray(SEGMENTS)[s],
            "plan": np.asarray(("basic", "plus", "premium"))[plan[cust]],
            "upsell_cross_sell": np.round(sales, 2),
            "won_pipeline": np.round(pipeline, 2),
        }
    )
    return SalesWorld(
        units,
        truth_sales + truth_pipeline,
        {"upsell_cross_sell": truth_sales, "won_pipeline": truth_pipeline},
    )
