"""Customers, their index contact and their churn: planted truth 1 (confounded retention).

The index contact (a customer's first contact in the window) is drawn here, before the other
contacts, because exposure (index contact AI-assisted) and the churn clock both start at it.
Its intent is drawn here too: it shifts both the odds of AI routing and the churn hazard from
the index (contact-level confounding, ``INDEX_INTENT_*`` in ``_params``).
Before the index the customer churns at the unexposed hazard; a customer who churns before ever
calling has no contacts and is not analysed. From the index on, the hazard is
``h_i * HR**exposed``; being exponential, the survival from the index is exactly the planted one,
whatever happened before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cxroi.demo import _params as P
from cxroi.demo._arrow import BoolArray, FloatArray, IntArray

_YEAR = 365.25
_CALIBRATION_CUSTOMERS = 100_000


def _sigmoid(x: FloatArray) -> FloatArray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: FloatArray) -> FloatArray:
    return np.log(p / (1.0 - p))


def ai_share(days: FloatArray) -> FloatArray:
    """Centre-wide share of AI-assisted contacts on a given day: the adoption ramp."""
    frac = np.clip(days / P.END_DAYS, 0.0, 1.0)
    return P.AI_SHARE_START + (P.AI_SHARE_END - P.AI_SHARE_START) * frac


@dataclass(frozen=True)
class Population:
    segment: IntArray
    plan: IntArray
    region: IntArray
    monthly_revenue: FloatArray
    acquired_days: FloatArray
    contact_rate: FloatArray  # primary contacts per active day
    has_contact: BoolArray
    index_days: FloatArray  # NaN without contacts
    exposed: BoolArray  # index contact AI-assisted (False without contacts)
    churn_days: FloatArray  # +inf when still a customer at the window end
    hazard_at_index: FloatArray  # unexposed daily hazard from the index on (NaN without contacts)
    propensity_lin: FloatArray  # centred log-odds shift of using AI, customer part
    index_intent: npt.NDArray[np.int8]  # the index contact's intent (-1 = missing)

    @property
    def n(self) -> int:
        return len(self.segment)

    @property
    def active_until(self) -> FloatArray:
        return np.minimum(self.churn_days, P.END_DAYS)


@dataclass(frozen=True)
class _Draws:
    """Uniform-ish draws fixed before calibration, so calibration only rescales time."""

    rate_shape: FloatArray
    first_gap: FloatArray
    pre_churn: FloatArray
    post_churn: FloatArray
    exposure_u: FloatArray
    index_intent: npt.NDArray[np.int8]


def _draw_index_intent(rng: np.random.Generator, n: int) -> npt.NDArray[np.int8]:
    """The same distribution as every contact's intent (``_contacts``), 5% missing."""
    intent = rng.choice(len(P.INTENTS), size=n, p=P.INTENT_P).astype(np.int8)
    missing = rng.random(n) < P.INTENT_MISSING_P
    return np.where(missing, np.int8(-1), intent).astype(np.int8)


def draw_population(rng: np.random.Generator, contacts: int) -> Population:
    n = max(1, round(contacts / P.CONTACTS_PER_CUSTOMER))
    segment = rng.choice(len(P.SEGMENTS), size=n, p=P.SEGMENT_P).astype(np.int64)
    plan_cum = np.cumsum(np.asarray(P.PLAN_P_BY_SEGMENT), axis=1)[segment]
    plan = (rng.random(n)[:, None] > plan_cum[:, :-1]).sum(axis=1).astype(np.int64)
    region = rng.choice(len(P.REGIONS), size=n, p=P.REGION_P).astype(np.int64)
    median = (
        np.asarray(P.REVENUE_MEDIAN_BY_PLAN)[plan] * np.asarray(P.REVENUE_MULT_BY_SEGMENT)[segment]
    )
    revenue = np.round(median * np.exp(P.REVENUE_SIGMA * rng.standard_normal(n)), 2)
    revenue = np.maximum(revenue, 1.0)

    before = rng.random(n) < P.SHARE_ACQUIRED_BEFORE_WINDOW
    # Survivors of older cohorts are rarer, hence a tenure density falling towards 6 years.
    tenure = P.MAX_TENURE_YEARS * rng.beta(1.0, 1.6, size=n) * _YEAR + 1.0
    acquired = np.where(before, -tenure, rng.random(n) * (P.END_DAYS - 1.0))
    active_from = np.maximum(acquired, 0.0)

    log_rev = np.log(revenue)
    log_rev_c = log_rev - log_rev.mean()
    churn_static = (
        np.asarray(P.CHURN_SEGMENT)[segment]
        + np.asarray(P.CHURN_PLAN)[plan]
        + np.asarray(P.CHURN_REGION)[region]
        + P.CHURN_LOG_REVENUE * log_rev_c
    )
    prop_static = (
        np.asarray(P.PROP_SEGMENT)[segment]
        + np.asarray(P.PROP_PLAN)[plan]
        + np.asarray(P.PROP_REGION)[region]
        + P.PROP_LOG_REVENUE * log_rev_c
    )
    prop_static = prop_static - prop_static.mean()
    rate_shape = (
        rng.gamma(P.CONTACT_RATE_GAMMA_SHAPE, 1.0 / P.CONTACT_RATE_GAMMA_SHAPE, size=n)
        * np.asarray(P.CONTACT_RATE_BY_SEGMENT)[segment]
    )
    draws = _Draws(
        rate_shape=rate_shape,
        first_gap=rng.exponential(size=n),
        pre_churn=rng.exponential(size=n),
        post_churn=rng.exponential(size=n),
        exposure_u=rng.random(n),
        index_intent=_draw_index_intent(rng, n),
    )
    routing = np.asarray(P.INDEX_INTENT_ROUTING)
    intent_routing = np.where(
        draws.index_intent >= 0, routing[np.maximum(draws.index_intent, 0)], 0.0
    )
    intent_routing = intent_routing - intent_routing.mean()
    intent_churn = np.where(
        draws.index_intent >= 0,
        np.asarray(P.INDEX_INTENT_CHURN)[np.maximum(draws.index_intent, 0)],
        0.0,
    )

    def simulate(base_rate: float, part: slice) -> Population:
        acq, start, static = acquired[part], active_from[part], churn_static[part]
        rate = base_rate * draws.rate_shape[part]
        first = start + draws.first_gap[part] / rate
        tenure_from = (start - acq) / _YEAR
        h_pre = P.BASE_DAILY_HAZARD * np.exp(static + P.CHURN_TENURE_PER_YEAR * tenure_from)
        pre_churn = start + draws.pre_churn[part] / h_pre
        has = first < np.minimum(pre_churn, P.END_DAYS)
        # Customers without a contact get a harmless stand-in index (no overflow, no use).
        index = np.where(has, first, start)
        tenure_idx = (index - acq) / _YEAR
        h_idx = P.BASE_DAILY_HAZARD * np.exp(
            static + P.CHURN_TENURE_PER_YEAR * tenure_idx + intent_churn[part]
        )
        # Tenure is centred on a fixed 2.5 years so the ramp keeps its meaning on average.
        lin = prop_static[part] + P.PROP_TENURE_PER_YEAR * (tenure_idx - 2.5)
        lin_index = lin + intent_routing[part]
        p_ai = _sigmoid(_logit(ai_share(index)) + lin_index)
        exposed = has & (draws.exposure_u[part] < p_ai)
        hazard = h_idx * np.where(exposed, P.HAZARD_RATIO, 1.0)
        churn = np.where(has, index + draws.post_churn[part] / hazard, pre_churn)
        churn = np.where(churn <= P.END_DAYS, churn, np.inf)
        return Population(
            segment=segment[part],
            plan=plan[part],
            region=region[part],
            monthly_revenue=revenue[part],
            acquired_days=acq,
            contact_rate=rate,
            has_contact=has,
            index_days=np.where(has, index, np.nan),
            exposed=exposed,
            churn_days=churn,
            hazard_at_index=np.where(has, h_idx, np.nan),
            propensity_lin=lin,
            index_intent=draws.index_intent[part],
        )

    def expected_primaries(pop: Population) -> float:
        span = np.where(pop.has_contact, pop.active_until - pop.index_days, 0.0)
        return float(pop.has_contact.sum() + (pop.contact_rate * span).sum())

    # Bisection on the contact rate (log scale) so the requested size is met on average. The
    # customers are exchangeable, so a leading sample calibrates as well as all of them.
    sample = slice(0, min(n, _CALIBRATION_CUSTOMERS))
    target = contacts / P.REPEAT_MULTIPLIER * min(n, _CALIBRATION_CUSTOMERS) / n
    lo, hi = np.log(1e-4), np.log(1.0)
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        if expected_primaries(simulate(float(np.exp(mid)), sample)) < target:
            lo = mid
        else:
            hi = mid
    return simulate(float(np.exp(0.5 * (lo + hi))), slice(None))


@dataclass(frozen=True)
class RetentionTruth:
    analysed_customers: int
    exposed_customers: int
    effect_12m: float  # mean over analysed of S1(365) - S0(365)
    effect_12m_exposed: float
    retention_12m_all_ai: float
    retention_12m_all_human: float
    naive_delta_12m: float  # exposed mean S1 - unexposed mean S0, no censoring
    months_active_gain_12m_exposed: float  # mean over exposed of (RMST1 - RMST0) in months
    revenue_protected_12m: float  # sum over exposed of monthly_revenue x that gain


def _months_active_12m(daily_hazard: FloatArray) -> FloatArray:
    """Expected months active in the 365 days after the index, exponential churn:
    ∫_0^365 exp(-h t) dt = (1 - exp(-365 h)) / h days, a month being 365/12 days."""
    days: FloatArray = -np.expm1(-365.0 * daily_hazard) / daily_hazard
    return days * 12.0 / 365.0


def retention_truth(pop: Population) -> RetentionTruth:
    h = pop.hazard_at_index[pop.has_contact]
    exposed = pop.exposed[pop.has_contact]
    s0 = np.exp(-h * 365.0)
    s1 = np.exp(-h * P.HAZARD_RATIO * 365.0)
    gain = _months_active_12m(h * P.HAZARD_RATIO) - _months_active_12m(h)
    revenue = pop.monthly_revenue[pop.has_contact]
    return RetentionTruth(
        analysed_customers=int(pop.has_contact.sum()),
        exposed_customers=int(exposed.sum()),
        effect_12m=float(np.mean(s1 - s0)),
        effect_12m_exposed=float(np.mean((s1 - s0)[exposed])),
        retention_12m_all_ai=float(s1.mean()),
        retention_12m_all_human=float(s0.mean()),
        naive_delta_12m=float(s1[exposed].mean() - s0[~exposed].mean()),
        months_active_gain_12m_exposed=float(gain[exposed].mean()),
        revenue_protected_12m=float((revenue * gain)[exposed].sum()),
    )
