"""Deterministic demo dataset: a contact centre over 2024-2025 with truths planted to be recovered.

``generate_demo(out_dir, contacts, seed)`` writes the eight contract tables as Parquet
(``<table>.parquet``) plus ``truths.json`` and returns the same truths as :class:`DemoTruths`.
Equal ``(contacts, seed)`` give byte-identical files. Timestamps are
``timestamp("ns", tz="UTC")`` (what pandas writes by default); ids are zero-padded strings
(``C0000123`` contacts, ``K00001`` customers, ``A042`` agents, ``S…`` surveys, ``O…``
opportunities, ``T01`` teams; wider when the count needs it). ``contacts`` is a target: the
realised number (``row_counts["contacts"]``) is within about 1% of it. Parameters live in
``cxroi.demo._params``.

The world
---------
Customers (``contacts / 8``; ~60% acquired up to 6 years before the window, ~40% during it)
have a segment, plan, region and a lognormal ``monthly_revenue``. From their first contact in the
window (the *index contact*) they contact the centre as a Poisson process until they churn or the
window ends (2025-12-31T23:59Z); about one in six customers never makes contact (they churn or
the window ends first) and is not analysed. Agents number ``max(20, contacts / 5000)`` in teams
of 15-25, hired before or during the window; a tenth of the early hires never leave.
AI-assisted share grows from ~30% to ~60%. ``ai_only`` contacts are bots (chatbot on
chat/messaging/web, voicebot/IVR on voice) with no agent; ``hybrid`` is a bot escalation (``escalated`` true) or agent assist/routing; ``human_only`` has touchpoint ``none`` or
``routing``. A truly unresolved contact (base rates by mode 30% / 20% / 15%) brings the customer
back about the same intent 0.5-6 days later with probability 0.85. The ``resolved`` column is what
the source reports: bots report ~97% of their contacts as resolved, which is false containment.
Recurring revenue is carried by ``customers.monthly_revenue``; the ``revenue`` table holds only
upsell, cross-sell, one-time and refund (negative) events.

Planted truths (keys of ``truths.json``)
----------------------------------------
1. Confounded retention. Exposure = the index contact is AI-assisted, drawn from a logistic
   propensity in the observed covariates (segment, plan, region, log monthly_revenue, tenure at
   the index) and the adoption ramp. From the index the churn hazard is exponential,
   ``h_i = h0 * exp(gamma . x_i) * HR**exposed`` with the same covariates lowering churn for the
   groups that use AI more, so the naive delta overstates the effect (``naive_bias_sign`` = +1).
   ``hazard_ratio`` = 0.80; 12-month churn without AI is about 20%. ``retention_effect_12m`` =
   mean over analysed customers (those with a contact) of ``exp(-h_i*HR*365) - exp(-h_i*365)``:
   the adjusted retention delta's target.
   ``retention_effect_12m_exposed`` is the same over exposed customers only;
   ``naive_delta_12m_uncensored`` is the naive contrast without censoring, for orientation.
2. Containment masking in ``masking_months`` (2025-03..05): a rising share of would-be bot
   escalations (``masking_contained_escalation_share``) is kept in the bot; those contacts are
   mostly not resolved (more repeats, lower true FCR) and CES drops. Restored from 2025-06.
3. Agent experience leads CSAT by ``agent_lead_days`` = 75: a weekly latent series
   (``agent_latent_weekly``, AR(1) with two dips) sets pulse scores and voluntary turnover at the
   same time, and the odds of CSAT 4-5 (and NPS) on hybrid/human contacts 75 days later.
4. Conversion lift: opportunities sourced by AI-assisted warm transfers win with probability
   ``opportunity_win_rate_ai_assisted`` (0.34), human-only ones with
   ``opportunity_win_rate_human_only`` (0.24); close timing does not depend on the outcome.
   Realised counts are in ``opportunities_closed`` / ``opportunities_won``.
5. Exact counts: ``row_counts`` per table, ``contacts_by_mode``, ``escalated_contacts`` and
   ``containment_rate`` = ai_only / (ai_only + escalated) as metrics.md defines it, and
   ``containment_by_month``.
6. Revenue generated: AI-assisted contacts win sourced opportunities more often (truth 4) and
   upsell plan changes more often (8% vs 6%) than the same contacts would with human handling.
   ``revenue_generated_incremental_monthly`` is the expected extra upsell/cross-sell and won
   pipeline by month of the contact (realised by the window end), ``..._12m`` its sum over
   ``revenue_generated_window`` (2025) and ``..._parts_12m`` the split. With
   ``ai_sales_effect=False`` AI-assisted contacts sell and win at the human rates: all zero.
7. Novice agents: in their first ``agent_novice_days`` agents handle contacts 30% slower; AI
   assistance (hybrid contact with an agent) cuts handle time by 25% for novices and 5% for the
   experienced, on top of the hybrid/human gap. ``assist_handle_effect_seconds`` /
   ``..._relative``: the expected effect on the assisted contacts of each group. Resolution does
   not depend on the agent (``assist_resolution_gap_novice_minus_experienced`` = 0).
8. ``revenue_at_risk_12m``: recurring revenue that customers active at the end are expected to
   lose in the next 12 months (exponential churn at their planted hazard; a churner loses only
   the months after churning). No loyalty-chain link drives churn:
   ``revenue_at_risk_link_effects`` are all 0.

``as_of`` (the latest ``started_at``) is the end of the data for every metric.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from cxroi.demo import _arrow as A
from cxroi.demo import _params as P
from cxroi.demo._agents import (
    agent_format,
    agents_table,
    draw_staff,
    latent_weekly_truth,
    pulse_table,
)
from cxroi.demo._contacts import AI_ONLY, Contacts, contact_format, contacts_table, draw_contacts
from cxroi.demo._outcomes import (
    Opportunities,
    draw_opportunities,
    incremental_sales_truth,
    opportunities_table,
    qa_table,
    revenue_table,
    surveys_table,
)
from cxroi.demo._population import Population, draw_population, retention_truth
from cxroi.demo._risk_truth import revenue_at_risk_truth
from cxroi.demo._truths import DemoTruths
from cxroi.demo._workforce import apply_agent_experience, assist_handle_truth
from cxroi.io.contract import MODES

MIN_CONTACTS = 1_000
_NOTES = {
    "retention": "Exposure = index contact (first in window) ai_only or hybrid. Hazard from the "
    "index is exponential; retention_effect_12m is the average effect on 365-day survival over "
    "analysed customers, the target of the adjusted retention delta. Naive comparison overstates "
    "it because enterprise/premium/long-tenure customers both use AI more and churn less.",
    "masking": "In masking_months a rising share of bot escalations is kept in the bot; these "
    "contacts are reported resolved but mostly come back, so containment rises while 7-day FCR "
    "and CES fall.",
    "agents": "agent_latent_weekly drives pulse and voluntary turnover now and CSAT/NPS on "
    "hybrid/human contacts agent_lead_days later.",
    "revenue": "Recurring revenue is customers.monthly_revenue; the revenue table has no "
    "recurring rows.",
    "size": "contacts is a target: the realised count is row_counts.contacts (within a few "
    "percent).",
    "revenue_generated": "Incremental = expected extra upsell/cross-sell and won pipeline of "
    "AI-assisted contacts over the same contacts handled by humans, conditional on the realised "
    "sales transfers and close dates; by month of the contact; realised by the window end.",
    "novice_agents": "Handle time: novices (first agent_novice_days) x1.30; AI-assisted "
    "contacts x0.75 (novices) or x0.95 (experienced) on top of the hybrid median. The effect is "
    "relative to the same contact handled human-only by the same kind of agent.",
    "revenue_at_risk": "revenue_at_risk_12m = sum over customers active at the end of "
    "monthly_revenue x (12 - expected months active in the next 365 days) at the planted "
    "exponential hazard; no loyalty-chain link affects churn.",
}


def _iso(seconds: int) -> str:
    instant = P.WINDOW_START + np.timedelta64(int(seconds), "s")
    return f"{instant}Z"


def _customers_table(pop: Population, customer_ids: A.IdFormat) -> pa.Table:
    churned = np.isfinite(pop.churn_days)
    churn_sec = np.floor(np.where(churned, pop.churn_days, 0.0) * P.DAY_S).astype(np.int64)
    return A.contract_table(
        "customers",
        {
            "customer_id": customer_ids.first(pop.n),
            "acquired_at": A.timestamps(np.floor(pop.acquired_days * P.DAY_S).astype(np.int64)),
            "churned_at": A.timestamps(churn_sec, ~churned),
            "monthly_revenue": A.numbers(pop.monthly_revenue),
            "segment": A.labels(P.SEGMENTS, pop.segment),
            "plan": A.labels(P.PLANS, pop.plan),
            "region": A.labels(P.REGIONS, pop.region),
        },
    )


def _containment(c: Contacts) -> tuple[int, float, dict[str, float]]:
    ai_only = c.mode == AI_ONLY
    month_idx = A.month_index(c.sec)
    n_months = int(month_idx.max()) + 1
    contained = np.bincount(month_idx, weights=ai_only, minlength=n_months)
    escalated = np.bincount(month_idx, weights=c.escalated, minlength=n_months)
    by_month = {
        A.month_label(m): float(contained[m] / (contained[m] + escalated[m]))
        for m in range(n_months)
        if contained[m] + escalated[m] > 0
    }
    n_ai_only, n_esc = int(ai_only.sum()), int(c.escalated.sum())
    return n_esc, n_ai_only / (n_ai_only + n_esc), by_month


def _share_by_mode(c: Contacts, values: np.ndarray) -> dict[str, float]:
    return {
        mode: float(values[c.mode == m].mean()) if (c.mode == m).any() else 0.0
        for m, mode in enumerate(MODES)
    }


def _opportunity_counts(opps: Opportunities) -> tuple[dict[str, int], dict[str, int]]:
    closed = opps.closed >= 0
    groups = {"ai_assisted": opps.ai_assisted, "human_only": ~opps.ai_assisted}
    return (
        {g: int((closed & sel).sum()) for g, sel in groups.items()},
        {g: int((closed & sel & opps.won).sum()) for g, sel in groups.items()},
    )


def _generated_truth(
    pop: Population, c: Contacts, opps: Opportunities, ai_sales_effect: bool
) -> tuple[dict[str, float], dict[str, float], tuple[str, ...]]:
    parts = incremental_sales_truth(pop, c, opps, ai_sales_effect)
    months = sorted(parts["won_pipeline"])
    window = tuple(months[-P.INCREMENTAL_WINDOW_MONTHS :])
    monthly = {m: sum(part[m] for part in parts.values()) for m in months}
    by_part = {k: float(sum(v[m] for m in window)) for k, v in parts.items()}
    return monthly, by_part, window


def generate_demo(
    out_dir: Path, contacts: int = 200_000, seed: int = 7, *, ai_sales_effect: bool = True
) -> DemoTruths:
    """Write the demo dataset and ``truths.json`` into ``out_dir``; return the truths.

    ``ai_sales_effect=False`` is the zero-effect variant of truth 6: AI-assisted contacts sell
    and win exactly as human-only ones would (every other draw is unchanged).
    """
    if contacts < MIN_CONTACTS:
        raise ValueError(f"contacts must be at least {MIN_CONTACTS}, got {contacts}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # One independent stream per component: tuning one part does not reshuffle the others.
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence([seed, contacts]).spawn(8)]
    rng_pop, rng_staff, rng_contacts, rng_pulse, rng_surveys, rng_opps, rng_rev, rng_qa = streams

    pop = draw_population(rng_pop, contacts)
    staff = draw_staff(rng_staff, contacts)
    c = apply_agent_experience(draw_contacts(rng_contacts, pop, staff), staff)
    customer_ids = A.IdFormat.for_count("K", pop.n, 5)
    c_ids = contact_format(c)
    agent_ids = agent_format(staff)

    writer = A.TableWriter(out)
    try:
        writer.write("customers", _customers_table(pop, customer_ids))
        writer.write_in_slices(
            "contacts", c.n, lambda rows: contacts_table(c, customer_ids, agent_ids, rows)
        )
        writer.write("surveys", surveys_table(rng_surveys, pop, c, staff, c_ids, customer_ids))
        opps = draw_opportunities(rng_opps, pop, c, ai_sales_effect)
        writer.write(
            "revenue", revenue_table(rng_rev, pop, c, opps, c_ids, customer_ids, ai_sales_effect)
        )
        writer.write("opportunities", opportunities_table(opps, c, c_ids, customer_ids))
        writer.write("agents", agents_table(staff))
        writer.write("agent_pulse", pulse_table(rng_pulse, staff))
        writer.write("qa_reviews", qa_table(rng_qa, c, c_ids))
    finally:
        writer.close()
    counts = dict(writer.row_counts)

    retention = retention_truth(pop)
    n_esc, containment, by_month = _containment(c)
    closed, won = _opportunity_counts(opps)
    generated_monthly, generated_parts, generated_window = _generated_truth(
        pop, c, opps, ai_sales_effect
    )
    assist = assist_handle_truth(c, staff)
    truths = DemoTruths(
        seed=seed,
        contacts_requested=contacts,
        window_start=_iso(0),
        window_end=_iso(P.END_S),
        as_of=_iso(int(c.sec.max())),
        row_counts=counts,
        contacts_by_mode={mode: int((c.mode == m).sum()) for m, mode in enumerate(MODES)},
        escalated_contacts=n_esc,
        containment_rate=containment,
        containment_by_month=by_month,
        hazard_ratio=P.HAZARD_RATIO,
        retention_effect_12m=retention.effect_12m,
        retention_effect_12m_exposed=retention.effect_12m_exposed,
        retention_12m_all_ai_assisted=retention.retention_12m_all_ai,
        retention_12m_all_human_only=retention.retention_12m_all_human,
        naive_delta_12m_uncensored=retention.naive_delta_12m,
        naive_bias_sign=int(np.sign(retention.naive_delta_12m - retention.effect_12m)),
        analysed_customers=retention.analysed_customers,
        exposed_customers=retention.exposed_customers,
        retention_covariates=tuple(P.RETENTION_COVARIATES),
        masking_months=tuple(P.MASKING_MONTHS),
        masking_contained_escalation_share=dict(
            zip(P.MASKING_MONTHS, P.MASKING_CONTAINED_SHARE, strict=True)
        ),
        masked_contacts=int(c.masked.sum()),
        true_unresolved_rate_by_mode=dict(zip(MODES, P.TRUE_UNRESOLVED_P, strict=True)),
        true_resolved_share_by_mode=_share_by_mode(c, c.true_resolved),
        agent_lead_days=P.AGENT_LEAD_DAYS,
        agent_latent_weekly=latent_weekly_truth(staff),
        opportunity_win_rate_ai_assisted=P.WIN_P_AI_ASSISTED,
        opportunity_win_rate_human_only=P.WIN_P_HUMAN_ONLY,
        opportunities_closed=closed,
        opportunities_won=won,
        recurring_revenue="customers.monthly_revenue",
        notes=dict(_NOTES),
        ai_sales_effect=ai_sales_effect,
        revenue_generated_incremental_12m=float(sum(generated_parts.values())),
        revenue_generated_incremental_parts_12m=generated_parts,
        revenue_generated_incremental_monthly=generated_monthly,
        revenue_generated_window=generated_window,
        agent_novice_days=P.AGENT_NOVICE_DAYS,
        assist_handle_effect_seconds=assist["seconds"],
        assist_handle_effect_relative=assist["relative"],
        assist_resolution_gap_novice_minus_experienced=0.0,
        revenue_at_risk_12m=revenue_at_risk_truth(pop),
        revenue_at_risk_link_effects={
            "unresolved_ai": 0.0,
            "high_effort": 0.0,
            "negative_sentiment": 0.0,
        },
    )
    (out / "truths.json").write_text(truths.to_json(), encoding="utf-8")
    return truths


__all__ = ["DemoTruths", "generate_demo"]
