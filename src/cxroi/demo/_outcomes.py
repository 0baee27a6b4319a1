"""Tables that hang off contacts: surveys, opportunities (planted truth 4), revenue, QA reviews.

Survey scores are driven by true resolution (not the reported flag), by mode, by the masking
policy (CES) and, on contacts an agent handled, by agent experience ``AGENT_LEAD_DAYS`` earlier
(planted truth 3). Nothing is dated after the window end or after the customer's churn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from cxroi.demo import _arrow as A
from cxroi.demo import _params as P
from cxroi.demo._agents import Staff
from cxroi.demo._arrow import BoolArray, FloatArray, IntArray
from cxroi.demo._contacts import AI_ONLY, CHATBOT, HUMAN, HYBRID, IVR, VOICEBOT, Contacts
from cxroi.demo._population import Population
from cxroi.io.contract import REVENUE_KINDS, SURVEY_KINDS

CSAT, NPS, CES = (SURVEY_KINDS.index(k) for k in ("csat", "nps", "ces"))
UPSELL, CROSS_SELL, ONE_TIME, REFUND = (
    REVENUE_KINDS.index(k) for k in ("upsell", "cross_sell", "one_time", "refund")
)


def _sigmoid(x: FloatArray) -> FloatArray:
    return 1.0 / (1.0 + np.exp(-x))


def _uniform_seconds(
    rng: np.random.Generator, low_days: float, high_days: float, n: int
) -> IntArray:
    return np.floor(rng.uniform(low_days, high_days, size=n) * P.DAY_S).astype(np.int64)


def _churn_sec(pop: Population) -> IntArray:
    """Churn instant in seconds; far future for customers who stay."""
    churn: IntArray = np.floor(np.minimum(pop.churn_days, 1e9) * P.DAY_S).astype(np.int64)
    return churn


def _active_span_sec(pop: Population) -> tuple[IntArray, IntArray]:
    start = np.ceil(np.maximum(pop.acquired_days, 0.0) * P.DAY_S).astype(np.int64)
    end = np.minimum(_churn_sec(pop), P.END_S)
    return start, end


def _owners(n: int, counts: IntArray) -> IntArray:
    """Row owner per generated item: owner i repeated counts[i] times."""
    owners: IntArray = np.repeat(np.arange(n, dtype=np.int64), counts)
    return owners


def surveys_table(
    rng: np.random.Generator,
    pop: Population,
    contacts: Contacts,
    staff: Staff,
    contact_ids: A.IdFormat,
    customer_ids: A.IdFormat,
) -> pa.Table:
    c = contacts
    picked = np.flatnonzero(rng.random(c.n) < P.SURVEY_P)
    kind = rng.choice(len(SURVEY_KINDS), size=len(picked), p=P.SURVEY_KIND_P).astype(np.int64)
    m = c.mode[picked]
    resolved = c.true_resolved[picked].astype(np.float64)
    with_agent = (m == HYBRID) | (m == HUMAN)
    lagged = staff.latent_at(c.sec[picked] / P.DAY_S - P.AGENT_LEAD_DAYS)
    lagged = np.where(with_agent, lagged, 0.0)
    k = len(picked)

    mode_shift = np.select([m == AI_ONLY, m == HYBRID], [-0.2, 0.15], 0.0)
    satisfied = rng.random(k) < _sigmoid(
        -0.3 + 1.8 * resolved + mode_shift + P.CSAT_LATENT_LOGIT * lagged
    )
    high = np.where(rng.random(k) < 0.6, 5.0, 4.0)
    low = np.array([3.0, 2.0, 1.0])[rng.choice(3, size=k, p=(0.4, 0.3, 0.3))]
    csat = np.where(satisfied, high, low)

    nps = 7.3 + 1.3 * resolved + 0.3 * (m == HYBRID) - 0.4 * ((m == AI_ONLY) & (resolved == 0))
    nps = nps + P.NPS_LATENT_POINTS * lagged + 1.9 * rng.standard_normal(k)
    nps = np.clip(np.round(nps), 0.0, 10.0)

    esc = c.escalated[picked]
    step = A.month_index(c.sec[picked]) - A.month_number(P.MASKING_MONTHS[0])
    in_masking = (step >= 0) & (step < len(P.MASKING_MONTHS))
    bot_touch = np.isin(c.touchpoint[picked], [CHATBOT, VOICEBOT, IVR])
    effort = (
        5.2
        + 0.9 * resolved
        - np.where(esc, np.where(c.handoff[picked] == 1, 0.6, 1.2), 0.0)
        - P.MASKED_CES_PENALTY * c.masked[picked]
        - P.MASKING_MONTH_BOT_CES_PENALTY * (in_masking & bot_touch)
        + rng.standard_normal(k)
    )
    ces = np.clip(np.round(effort), 1.0, 7.0)
    score = np.select([kind == CSAT, kind == NPS], [csat, nps], ces)

    answered = c.sec[picked] + c.handle[picked].astype(np.int64) + _uniform_seconds(rng, 0, 2, k)
    cust = c.cust[picked]
    keep = (answered <= P.END_S) & (answered <= _churn_sec(pop)[cust])

    # Relationship NPS: no contact, at a random moment of the customer's active time.
    start, end = _active_span_sec(pop)
    span = np.maximum(end - start, 0)
    n_rel = rng.poisson(P.RELATIONSHIP_NPS_PER_CUSTOMER * span / (P.WINDOW_DAYS * P.DAY_S))
    rel_cust = _owners(pop.n, n_rel)
    rel_at = start[rel_cust] + np.floor(rng.random(len(rel_cust)) * span[rel_cust]).astype(np.int64)
    premium = (pop.plan[rel_cust] == P.PLANS.index("premium")).astype(np.float64)
    rel_score = 7.0 + 0.5 * premium + 2.2 * rng.standard_normal(len(rel_cust))
    rel_score = np.clip(np.round(rel_score), 0.0, 10.0)

    all_cust = np.concatenate([cust[keep], rel_cust])
    all_at = np.concatenate([answered[keep], rel_at])
    all_contact = np.concatenate([picked[keep], np.full(len(rel_cust), -1, dtype=np.int64)])
    all_kind = np.concatenate([kind[keep], np.full(len(rel_cust), NPS, dtype=np.int64)])
    all_score = np.concatenate([score[keep], rel_score])
    # Stable sort on time alone: ties keep generation order, which is reproducible.
    order = np.argsort(all_at, kind="stable")
    n = len(order)
    return A.contract_table(
        "surveys",
        {
            "survey_id": A.IdFormat.for_count("S", n, 7).first(n),
            "customer_id": customer_ids.of(all_cust[order]),
            "contact_id": contact_ids.of(all_contact[order], all_contact[order] < 0),
            "answered_at": A.timestamps(all_at[order]),
            "kind": A.labels(SURVEY_KINDS, all_kind[order]),
            "score": A.numbers(all_score[order]),
        },
    )


@dataclass(frozen=True)
class Opportunities:
    contact: IntArray
    created: IntArray
    amount: FloatArray
    closed: IntArray  # -1 = open
    won: BoolArray  # meaningful only when closed
    ai_assisted: BoolArray


def win_probability(ai_sales_effect: bool) -> tuple[float, float]:
    """(AI-assisted, human-only) win probability of a sourced opportunity."""
    ai = P.WIN_P_AI_ASSISTED if ai_sales_effect else P.WIN_P_HUMAN_ONLY
    return ai, P.WIN_P_HUMAN_ONLY


def plan_change_sale_probability(ai_sales_effect: bool) -> tuple[float, float]:
    """(AI-assisted, human-only) chance that a plan-change contact upsells without a transfer."""
    ai = P.PLAN_CHANGE_SALE_P_AI_ASSISTED if ai_sales_effect else P.PLAN_CHANGE_SALE_P_HUMAN_ONLY
    return ai, P.PLAN_CHANGE_SALE_P_HUMAN_ONLY


def draw_opportunities(
    rng: np.random.Generator, pop: Population, contacts: Contacts, ai_sales_effect: bool = True
) -> Opportunities:
    c = contacts
    idx = np.flatnonzero(c.sales_transfer)
    created = c.sec[idx] + c.handle[idx].astype(np.int64)
    ai_assisted = c.mode[idx] != HUMAN
    median = np.asarray(P.OPP_MEDIAN_BY_SEGMENT)[pop.segment[c.cust[idx]]]
    amount = np.round(median * np.exp(P.OPP_AMOUNT_SIGMA * rng.standard_normal(len(idx))), 2)
    p_ai, p_human = win_probability(ai_sales_effect)
    won = rng.random(len(idx)) < np.where(ai_assisted, p_ai, p_human)
    closed = created + _uniform_seconds(rng, 2, 45, len(idx))
    closed = np.where(closed <= P.END_S, closed, -1)
    keep = created <= P.END_S
    order = np.flatnonzero(keep)
    order = order[np.argsort(created[order], kind="stable")]
    return Opportunities(
        contact=idx[order],
        created=created[order],
        amount=amount[order],
        closed=closed[order],
        won=won[order],
        ai_assisted=ai_assisted[order],
    )


def opportunities_table(
    opps: Opportunities, contacts: Contacts, contact_ids: A.IdFormat, customer_ids: A.IdFormat
) -> pa.Table:
    n = len(opps.contact)
    open_ = opps.closed < 0
    return A.contract_table(
        "opportunities",
        {
            "opportunity_id": A.IdFormat.for_count("O", n, 6).first(n),
            "customer_id": customer_ids.of(contacts.cust[opps.contact]),
            "contact_id": contact_ids.of(opps.contact),
            "created_at": A.timestamps(opps.created),
            "amount": A.numbers(opps.amount),
            "won": A.bools(opps.won, open_),
            "closed_at": A.timestamps(np.where(open_, 0, opps.closed), open_),
        },
    )


def revenue_table(
    rng: np.random.Generator,
    pop: Population,
    contacts: Contacts,
    opps: Opportunities,
    contact_ids: A.IdFormat,
    customer_ids: A.IdFormat,
    ai_sales_effect: bool = True,
) -> pa.Table:
    """Non-recurring revenue events; recurring revenue is ``customers.monthly_revenue``."""
    c = contacts
    churn = _churn_sec(pop)
    # Won deals book their amount when they close.
    won = np.flatnonzero((opps.closed >= 0) & opps.won)
    w_contact = opps.contact[won]
    w_kind = np.where(rng.random(len(won)) < 0.6, UPSELL, CROSS_SELL)
    # In-contact sales without a transfer: the bot or agent upsells a plan change, cross-sells
    # on an order question.
    plan_change = c.intent == P.INTENTS.index("plan_change")
    order_status = c.intent == P.INTENTS.index("order_status")
    p_ai, p_human = plan_change_sale_probability(ai_sales_effect)
    p_sale = np.where(plan_change, np.where(c.mode != HUMAN, p_ai, p_human), 0.0)
    p_sale = p_sale + np.where(order_status, P.ORDER_STATUS_SALE_P, 0.0)
    sale = np.flatnonzero(~c.sales_transfer & (rng.random(c.n) < p_sale))
    s_kind = np.where(plan_change[sale], UPSELL, CROSS_SELL)
    s_amount = np.round(P.SALE_MEDIAN * np.exp(P.SALE_SIGMA * rng.standard_normal(len(sale))), 2)
    # Refunds follow billing disputes and complaints.
    disputes = np.isin(c.intent, [P.INTENTS.index("billing"), P.INTENTS.index("complaint")])
    refund = np.flatnonzero(disputes & (rng.random(c.n) < 0.05))
    r_amount = -np.round(25.0 * np.exp(0.7 * rng.standard_normal(len(refund))), 2)
    r_at = c.sec[refund] + c.handle[refund].astype(np.int64)
    r_at = r_at + _uniform_seconds(rng, 0, 3, len(refund))
    # One-off purchases (devices, fees) happen outside contacts.
    start, end = _active_span_sec(pop)
    span = np.maximum(end - start, 0)
    n_one = rng.poisson(0.25 * span / (365.0 * P.DAY_S))
    one_cust = _owners(pop.n, n_one)
    one_at = start[one_cust] + np.floor(rng.random(len(one_cust)) * span[one_cust]).astype(np.int64)
    one_amount = np.round(60.0 * np.exp(0.6 * rng.standard_normal(len(one_cust))), 2)

    contact = np.concatenate([w_contact, sale, refund, np.full(len(one_cust), -1, np.int64)])
    cust = np.where(contact >= 0, c.cust[np.maximum(contact, 0)], -1)
    cust[len(contact) - len(one_cust) :] = one_cust
    at = np.concatenate(
        [opps.closed[won], c.sec[sale] + c.handle[sale].astype(np.int64), r_at, one_at]
    )
    kind = np.concatenate(
        [w_kind, s_kind, np.full(len(refund), REFUND), np.full(len(one_cust), ONE_TIME)]
    )
    amount = np.concatenate([opps.amount[won], s_amount, r_amount, one_amount])
    keep = (at <= P.END_S) & (at <= churn[cust])
    order = np.flatnonzero(keep)
    order = order[np.argsort(at[order], kind="stable")]
    return A.contract_table(
        "revenue",
        {
            "customer_id": customer_ids.of(cust[order]),
            "occurred_at": A.timestamps(at[order]),
            "amount": A.numbers(amount[order]),
            "kind": A.labels(REVENUE_KINDS, kind[order]),
            "contact_id": contact_ids.of(contact[order], contact[order] < 0),
        },
    )


def incremental_sales_truth(
    pop: Population, contacts: Contacts, opps: Opportunities, ai_sales_effect: bool
) -> dict[str, dict[str, float]]:
    """Expected sales AI-assisted contacts add over human handling, by month of the contact.

    Conditional on what the data realised apart from the sale itself (which contacts were
    transferred to sales, when their opportunities closed, which plan-change contacts fell
    before the window end and the churn): per AI-assisted contact, the difference of the sale
    probabilities with and without AI times the expected amount. ``upsell_cross_sell`` holds
    the in-contact sales, ``won_pipeline`` the won opportunities closed by the window end.
    """
    c = contacts
    month = A.month_index(c.sec)
    n_months = int(month.max()) + 1
    p_ai, p_human = win_probability(ai_sales_effect)
    closed_ai = (opps.closed >= 0) & opps.ai_assisted
    seg = pop.segment[c.cust[opps.contact]]
    mean_deal = np.asarray(P.OPP_MEDIAN_BY_SEGMENT)[seg] * np.exp(P.OPP_AMOUNT_SIGMA**2 / 2)
    deals = np.bincount(
        month[opps.contact], weights=np.where(closed_ai, (p_ai - p_human) * mean_deal, 0.0),
        minlength=n_months,
    )
    s_ai, s_human = plan_change_sale_probability(ai_sales_effect)
    at = c.sec + c.handle.astype(np.int64)
    eligible = (
        (c.intent == P.INTENTS.index("plan_change"))
        & ~c.sales_transfer
        & (c.mode != HUMAN)
        & (at <= P.END_S)
        & (at <= _churn_sec(pop)[c.cust])
    )
    mean_sale = P.SALE_MEDIAN * np.exp(P.SALE_SIGMA**2 / 2)
    sales = np.bincount(
        month, weights=np.where(eligible, (s_ai - s_human) * mean_sale, 0.0), minlength=n_months
    )
    return {
        "upsell_cross_sell": {A.month_label(m): float(sales[m]) for m in range(n_months)},
        "won_pipeline": {A.month_label(m): float(deals[m]) for m in range(n_months)},
    }


def qa_table(rng: np.random.Generator, contacts: Contacts, contact_ids: A.IdFormat) -> pa.Table:
    c = contacts
    idx = np.flatnonzero(c.escalated & (rng.random(c.n) < P.QA_REVIEW_P))
    at = c.sec[idx] + c.handle[idx].astype(np.int64) + _uniform_seconds(rng, 1, 14, len(idx))
    score = 70.0 + 10.0 * (c.handoff[idx] == 1) - 5.0 * ~c.true_resolved[idx]
    score = np.clip(np.round(score + 9.0 * rng.standard_normal(len(idx))), 0.0, 100.0)
    keep = at <= P.END_S
    order = np.flatnonzero(keep)
    order = order[np.argsort(at[order], kind="stable")]
    return A.contract_table(
        "qa_reviews",
        {
            "contact_id": contact_ids.of(idx[order]),
            "reviewed_at": A.timestamps(at[order]),
            "score": A.numbers(score[order]),
        },
    )
