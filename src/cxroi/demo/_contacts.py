"""Contacts: routing, containment masking (planted truth 2), resolution and repeats.

Primary contacts are a Poisson process per customer from the index contact until churn or the
window end. Each contact is routed (mode, then channel, then touchpoint), truly resolved or not,
and an unresolved one spawns a follow-up of the same intent 0.5-6 days later with high
probability; follow-ups are routed again, so repeats chain. Each generation is one vectorised
pass; there are a handful of generations, never a loop over rows. Finally some follow-ups of
contacts an agent handled become the agent's call-back instead (``direction`` outbound; human_only
voice follow-ups only): the customer did not come back, the centre reached out, so they must
never count as a repeat.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from cxroi.demo import _arrow as A
from cxroi.demo import _params as P
from cxroi.demo._agents import Staff
from cxroi.demo._arrow import BoolArray, FloatArray, IntArray
from cxroi.demo._population import Population, ai_share
from cxroi.io.contract import CHANNELS, DIRECTIONS, MODES, TOUCHPOINTS

Int8Array = npt.NDArray[np.int8]

AI_ONLY, HYBRID, HUMAN = (MODES.index(m) for m in ("ai_only", "hybrid", "human_only"))
VOICE = CHANNELS.index("voice")
CHATBOT, VOICEBOT, IVR, ROUTING, AGENT_ASSIST, NONE = (
    TOUCHPOINTS.index(t) for t in ("chatbot", "voicebot", "ivr", "routing", "agent_assist", "none")
)
_BOT_CHANNEL = np.isin(np.arange(len(CHANNELS)), [CHANNELS.index(c) for c in P.BOT_CHANNELS])
# Email and social are not queues; their wait is unknown, not zero.
_QUEUED_CHANNEL = ~np.isin(
    np.arange(len(CHANNELS)), [CHANNELS.index("email"), CHANNELS.index("social")]
)
_MASK_START = A.month_number(P.MASKING_MONTHS[0])


def _sigmoid(x: FloatArray) -> FloatArray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: FloatArray) -> FloatArray:
    return np.log(p / (1.0 - p))


@dataclass(frozen=True)
class Contacts:
    """Column arrays in output order (by started_at), plus latent truths the tables do not show."""

    cust: IntArray
    sec: IntArray
    mode: Int8Array
    channel: Int8Array
    touchpoint: Int8Array
    escalated: BoolArray
    intent: Int8Array  # -1 = missing
    agent: IntArray  # -1 = no agent
    handle: FloatArray
    wait: FloatArray  # NaN = not queued
    resolved: BoolArray  # as the source system reports it
    true_resolved: BoolArray
    masked: BoolArray  # would have been escalated, kept in the bot by the masking policy
    followup: BoolArray
    cost: FloatArray
    sentiment_start: FloatArray
    sentiment_end: FloatArray
    sales_transfer: BoolArray
    handoff: Int8Array  # -1 = not an escalation, else 0/1
    outbound: BoolArray  # an agent's call-back: the centre reached out

    @property
    def n(self) -> int:
        return len(self.sec)


@dataclass(frozen=True)
class _Gen:
    cust: IntArray
    days: FloatArray
    is_index: BoolArray
    intent: Int8Array
    followup: BoolArray
    mode: Int8Array
    channel: Int8Array
    touchpoint: Int8Array
    escalated: BoolArray
    masked: BoolArray
    true_resolved: BoolArray
    after_agent: BoolArray  # a follow-up of a contact an agent handled without a bot escalation
    outbound: BoolArray


def _draw_intent(rng: np.random.Generator, n: int) -> Int8Array:
    intent = rng.choice(len(P.INTENTS), size=n, p=P.INTENT_P).astype(np.int8)
    return np.where(rng.random(n) < P.INTENT_MISSING_P, np.int8(-1), intent).astype(np.int8)


def _month_step(days: FloatArray) -> IntArray:
    """Months since the first masking month (negative before it)."""
    return A.month_index(np.floor(days * P.DAY_S).astype(np.int64)) - _MASK_START


def _generation(
    rng: np.random.Generator,
    pop: Population,
    cust: IntArray,
    days: FloatArray,
    is_index: BoolArray,
    intent: Int8Array,
    parent_channel: Int8Array,
    after_bot: BoolArray,
    after_agent: BoolArray,
) -> _Gen:
    n = len(days)
    logit = (
        _logit(ai_share(days))
        + P.NON_INDEX_PROPENSITY_WEIGHT * pop.propensity_lin[cust]
        + np.where(after_bot, P.FOLLOWUP_AFTER_BOT_AI_LOGIT, 0.0)
    )
    # The index contact's exposure was fixed with the churn clock (planted truth 1).
    ai = np.where(is_index, pop.exposed[cust], rng.random(n) < _sigmoid(logit))
    ai_only = ai & (rng.random(n) < P.AI_ONLY_SHARE_OF_AI)
    mode = np.where(ai_only, AI_ONLY, np.where(ai, HYBRID, HUMAN)).astype(np.int8)

    u = rng.random(n)
    channel = np.empty(n, dtype=np.int8)
    for m, probs in enumerate(P.CHANNEL_P_BY_MODE):
        sel = mode == m
        cum = np.cumsum(probs)
        channel[sel] = np.minimum(np.searchsorted(cum, u[sel], side="right"), len(probs) - 1)
    keep = (
        (parent_channel >= 0)
        & (rng.random(n) < P.SAME_CHANNEL_FOLLOWUP_P)
        & ((mode != AI_ONLY) | _BOT_CHANNEL[np.maximum(parent_channel, 0)])
    )
    channel = np.where(keep, parent_channel, channel).astype(np.int8)

    bot_tp = np.where(
        channel == VOICE,
        np.where(rng.random(n) < P.VOICEBOT_SHARE_OF_VOICE, VOICEBOT, IVR),
        CHATBOT,
    )
    escalated = (mode == HYBRID) & _BOT_CHANNEL[channel] & (rng.random(n) < P.HYBRID_ESCALATION_P)
    assisted_tp = np.where(rng.random(n) < P.AGENT_ASSIST_SHARE, AGENT_ASSIST, ROUTING)
    human_tp = np.where(rng.random(n) < P.HUMAN_ROUTING_SHARE, ROUTING, NONE)
    touchpoint = np.select(
        [mode == AI_ONLY, escalated, mode == HYBRID], [bot_tp, bot_tp, assisted_tp], human_tp
    ).astype(np.int8)

    step = _month_step(days)
    in_masking = (step >= 0) & (step < len(P.MASKING_MONTHS))
    share = np.asarray(P.MASKING_CONTAINED_SHARE)[np.clip(step, 0, len(P.MASKING_MONTHS) - 1)]
    masked = escalated & in_masking & (rng.random(n) < share)
    mode = np.where(masked, np.int8(AI_ONLY), mode).astype(np.int8)
    escalated &= ~masked

    base = 1.0 - np.asarray(P.TRUE_UNRESOLVED_P)[mode]
    shift = np.where(intent >= 0, np.asarray(P.INTENT_RESOLUTION_LOGIT)[np.maximum(intent, 0)], 0.0)
    p_resolved = np.where(masked, P.MASKED_TRUE_RESOLVED_P, _sigmoid(_logit(base) + shift))
    return _Gen(
        cust=cust,
        days=days,
        is_index=is_index,
        intent=intent,
        followup=parent_channel >= 0,
        mode=mode,
        channel=channel,
        touchpoint=touchpoint,
        escalated=escalated,
        masked=masked,
        true_resolved=rng.random(n) < p_resolved,
        after_agent=after_agent,
        outbound=np.zeros(n, dtype=np.bool_),
    )


def _simulate(rng: np.random.Generator, pop: Population) -> _Gen:
    idx = np.flatnonzero(pop.has_contact).astype(np.int64)
    span = pop.active_until[idx] - pop.index_days[idx]
    n_extra = rng.poisson(pop.contact_rate[idx] * span)
    extra = np.repeat(idx, n_extra)
    extra_days = pop.index_days[extra] + rng.random(len(extra)) * np.repeat(span, n_extra)
    cust = np.concatenate([idx, extra])
    days = np.concatenate([pop.index_days[idx], extra_days])
    is_index = np.arange(len(cust)) < len(idx)
    intent = _draw_intent(rng, len(cust))
    # The index contact's intent was drawn with its exposure (planted truth 1); drawing the rest
    # as before keeps every other contact's draws unchanged.
    intent[: len(idx)] = pop.index_intent[idx]
    parent_channel = np.full(len(cust), -1, dtype=np.int8)
    after_bot = np.zeros(len(cust), dtype=np.bool_)
    after_agent = np.zeros(len(cust), dtype=np.bool_)

    gens: list[_Gen] = []
    for _ in range(P.MAX_GENERATIONS):
        if len(cust) == 0:
            break
        gen = _generation(
            rng, pop, cust, days, is_index, intent, parent_channel, after_bot, after_agent
        )
        gens.append(gen)
        again = ~gen.true_resolved & (rng.random(len(cust)) < P.FOLLOWUP_P)
        gap = rng.uniform(P.FOLLOWUP_MIN_DAYS, P.FOLLOWUP_MAX_DAYS, size=len(cust))
        child_days = days + gap
        # Only an active customer calls back.
        again &= child_days < pop.active_until[cust]
        cust, days = cust[again], child_days[again]
        is_index = np.zeros(len(cust), dtype=np.bool_)
        intent = gen.intent[again]
        parent_channel = gen.channel[again]
        after_bot = gen.mode[again] == AI_ONLY
        after_agent = ~after_bot & ~gen.escalated[again]
    merged = {f.name: np.concatenate([getattr(g, f.name) for g in gens]) for f in fields(_Gen)}
    return _call_backs(rng, _Gen(**merged))


def _call_backs(rng: np.random.Generator, gen: _Gen) -> _Gen:
    """Turn some human-handled voice follow-ups into agents' outbound call-backs.

    Drawn from a child generator: the parent stream, hence every other draw of the demo, is the
    same as without call-backs, and so is the number of contacts.
    """
    child = rng.spawn(1)[0]
    candidate = gen.after_agent & (gen.mode == HUMAN) & (gen.channel == VOICE)
    outbound = candidate & (child.random(len(gen.days)) < P.CALLBACK_P)
    return replace(gen, outbound=outbound)


def draw_contacts(rng: np.random.Generator, pop: Population, staff: Staff) -> Contacts:
    gen = _simulate(rng, pop)
    sec = np.floor(gen.days * P.DAY_S).astype(np.int64)
    index_sec = np.floor(np.nan_to_num(pop.index_days, nan=0.0) * P.DAY_S).astype(np.int64)
    # The index contact must stay the customer's first, even after rounding to whole seconds.
    sec = np.where(gen.is_index, sec, np.maximum(sec, index_sec[gen.cust] + 1))
    churn_sec = np.floor(np.minimum(pop.churn_days, 1e9) * P.DAY_S).astype(np.int64)
    ok = (sec <= P.END_S) & (sec <= churn_sec[gen.cust])
    if not ok[gen.is_index].all():
        raise AssertionError("an index contact fell outside its customer's active period")
    order = np.flatnonzero(ok)
    # One int64 key (time, then customer) sorts much faster than lexsort; equal keys (same
    # customer, same second) are left in an arbitrary but reproducible order.
    key = sec[order] * np.int64(pop.n) + gen.cust[order]
    order = order[np.argsort(key)]

    cust, sec = gen.cust[order], sec[order]
    mode, channel, intent = gen.mode[order], gen.channel[order], gen.intent[order]
    escalated, masked = gen.escalated[order], gen.masked[order]
    true_resolved, followup = gen.true_resolved[order], gen.followup[order]
    outbound = gen.outbound[order]
    n = len(sec)

    human = mode != AI_ONLY
    agent = np.full(n, -1, dtype=np.int64)
    agent[human] = staff.pick(rng, sec[human] // P.DAY_S)

    intent_i = np.maximum(intent, 0)
    handle_factor = np.where(intent >= 0, np.asarray(P.HANDLE_FACTOR_BY_INTENT)[intent_i], 1.0)
    handle_factor = handle_factor * np.where(masked, P.MASKED_HANDLE_FACTOR, 1.0)
    handle = np.asarray(P.HANDLE_MEDIAN_BY_MODE)[mode] * handle_factor
    handle = np.maximum(np.round(handle * np.exp(P.HANDLE_SIGMA * rng.standard_normal(n))), 10.0)

    queued = human & _QUEUED_CHANNEL[channel]
    wait = np.asarray(P.WAIT_MEDIAN_BY_MODE)[mode] * np.exp(P.WAIT_SIGMA * rng.standard_normal(n))
    wait = np.where(queued, np.round(wait), np.nan)

    cap = np.asarray(P.COST_HANDLE_CAP_BY_MODE)[mode]
    cost = np.asarray(P.COST_FIXED_BY_MODE)[mode] + np.asarray(P.COST_VARIABLE_BY_MODE)[
        mode
    ] * np.minimum(handle / cap, 1.0)
    cost = np.round(cost, 2)

    upset = np.isin(intent, [P.INTENTS.index("complaint"), P.INTENTS.index("cancellation")])
    # Angry issues and callers coming back start lower.
    s_start = -0.05 - 0.35 * upset.astype(np.float64) - 0.20 * followup.astype(np.float64)
    s_start = s_start + 0.30 * rng.standard_normal(n)
    s_start = np.clip(s_start, -1.0, 1.0).round(3)
    s_end = s_start + np.where(true_resolved, 0.35, -0.20) - 0.10 * masked.astype(np.float64)
    s_end = np.clip(s_end + 0.20 * rng.standard_normal(n), -1.0, 1.0).round(3)

    p_sales = np.where(
        intent >= 0,
        np.asarray(P.SALES_TRANSFER_P_BY_INTENT)[intent_i],
        P.SALES_TRANSFER_P_NO_INTENT,
    )
    sales_transfer = rng.random(n) < p_sales
    handoff = np.where(
        escalated, (rng.random(n) < P.HANDOFF_CONTEXT_P).astype(np.int8), np.int8(-1)
    ).astype(np.int8)

    u = rng.random(n)
    resolved = np.where(
        mode == AI_ONLY,
        true_resolved | (u < P.BOT_REPORTS_UNRESOLVED_AS_RESOLVED_P),
        np.where(
            true_resolved,
            u < P.AGENT_REPORTS_RESOLVED_P,
            u < P.AGENT_REPORTS_UNRESOLVED_AS_RESOLVED_P,
        ),
    )
    return Contacts(
        cust=cust,
        sec=sec,
        mode=mode,
        channel=channel,
        touchpoint=gen.touchpoint[order],
        escalated=escalated,
        intent=intent,
        agent=agent,
        handle=handle,
        wait=wait,
        resolved=resolved,
        true_resolved=true_resolved,
        masked=masked,
        followup=followup,
        cost=cost,
        sentiment_start=s_start,
        sentiment_end=s_end,
        sales_transfer=sales_transfer,
        handoff=handoff,
        outbound=outbound,
    )


def contact_format(contacts: Contacts) -> A.IdFormat:
    return A.IdFormat.for_count("C", contacts.n, 7)


def contacts_table(
    contacts: Contacts, customer_ids: A.IdFormat, agent_ids: A.IdFormat, rows: slice
) -> pa.Table:
    """The contract table for ``rows`` of the contacts (built in slices to bound memory)."""
    c = contacts
    start, stop, _ = rows.indices(c.n)
    wait = c.wait[rows]
    no_wait = np.isnan(wait)
    agent = c.agent[rows]
    handoff = c.handoff[rows]
    return A.contract_table(
        "contacts",
        {
            "contact_id": contact_format(c).of(np.arange(start, stop, dtype=np.int64)),
            "customer_id": customer_ids.of(c.cust[rows]),
            "started_at": A.timestamps(c.sec[rows]),
            "channel": A.labels(CHANNELS, c.channel[rows]),
            "ai_mode": A.labels(MODES, c.mode[rows]),
            "touchpoint": A.labels(TOUCHPOINTS, c.touchpoint[rows]),
            "escalated": A.bools(c.escalated[rows]),
            "intent": A.labels(P.INTENTS, c.intent[rows]),
            "agent_id": agent_ids.of(agent, agent < 0),
            "handle_seconds": A.numbers(c.handle[rows]),
            "wait_seconds": A.numbers(np.where(no_wait, 0.0, wait), no_wait),
            "resolved": A.bools(c.resolved[rows]),
            "cost": A.numbers(c.cost[rows]),
            "sentiment_start": A.numbers(c.sentiment_start[rows]),
            "sentiment_end": A.numbers(c.sentiment_end[rows]),
            "sales_transfer": A.bools(c.sales_transfer[rows]),
            "handoff_context": A.bools(handoff == 1, handoff < 0),
            "direction": A.labels(DIRECTIONS, c.outbound[rows].astype(np.int8)),
        },
    )
