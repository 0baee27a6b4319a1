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
   the index), the index contact's intent and the adoption ramp. From the index the churn hazard
   is exponential, ``h_i = h0 * exp(gamma . x_i) * HR**exposed`` with the same covariates
   lowering churn for the groups that use AI more, so the naive delta overstates the effect
   (``naive_bias_sign`` = +1). A mild contact-level confounder: an index contact about a
   cancellation (or a complaint) is routed to a human more often and is followed by more churn,
   so adjusting for customer covariates alone still flatters AI; the index intent must be
   adjusted for too. ``hazard_ratio`` = 0.80; 12-month churn without AI is about 20%.
   ``retention_effect_12m`` = mean over analysed customers (those with a contact) of
   ``exp(-h_i*HR*365) - exp(-h_i*365)``: the target of ``retention.delta_12m_adjusted`` (ATE).
   ``retention_effect_12m_exposed`` is the same over exposed customers only: the target of
   ``retention.delta_12m_att`` (ATT). ``months_active_gain_12m_exposed`` is the mean over exposed
   customers of the expected months active in the 12 months after the index with AI minus
   without (``(1 - exp(-365 h)) / h`` days, a month = 365/12 days), and
   ``revenue_protected_12m`` the sum over exposed customers of ``monthly_revenue`` times that
   gain: the target of revenue protected over 12 months (before margin).
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
   ``containment_rate`` = ai_only / (ai_only + escalated) as docs/metrics.md defines it, and
   ``containment_by_month``. ``contacts_by_direction`` counts the inbound contacts and the
   agents' outbound call-backs: half of the human_only voice follow-ups of agent-handled contacts
   are the agent calling back rather than the customer calling again (about 1-2% of contacts;
   human_only, never escalated, so the containment truths are the same whether or not they are
   counted; drawn from their own random stream, so nothing else in the demo changes).

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

from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import pyarrow as pa

from cxroi.demo import _arrow as A
from cxroi.demo import _params as P
from cxroi.demo._arrow import IntArray
from cxroi.demo._agents import (
    Staff,
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
from cxroi.demo._workforce import AssistSums, apply_agent_experience, assist_handle_sums
from cxroi.io.contract import MODES

MIN_CONTACTS = 1_000
# Customers drawn and written together (about 10M contacts): bounds memory at any size. Fixed,
# because the data of a block depend on which customers share it.
BLOCK_CUSTOMERS = 1_250_000
_NOTES = {
    "retention": "Exposure = index contact (first in window) ai_only or hybrid. Hazard from the "
    "index is exponential; retention_effect_12m is the average effect on 365-day survival over "
    "analysed customers (ATE), retention_effect_12m_exposed over the exposed ones (ATT), "
    "revenue_protected_12m the exposed customers' monthly_revenue x months active gained in the "
    "12 months after the index. Naive comparison overstates the effect because "
    "enterprise/premium/long-tenure customers both use AI more and churn less; an index contact "
    "about a cancellation or a complaint is routed to humans more often and is followed by more "
    "churn, so its intent is a confounder too.",
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


def _customers_table(full: Population, customer_ids: A.IdFormat, rows: slice) -> pa.Table:
    pop = _population_block(full, rows)
    churned = np.isfinite(pop.churn_days)
    churn_sec = np.floor(np.where(churned, pop.churn_days, 0.0) * P.DAY_S).astype(np.int64)
    return A.contract_table(
        "customers",
        {
            "customer_id": customer_ids.shifted(rows.indices(full.n)[0]).first(pop.n),
            "acquired_at": A.timestamps(np.floor(pop.acquired_days * P.DAY_S).astype(np.int64)),
            "churned_at": A.timestamps(churn_sec, ~churned),
            "monthly_revenue": A.numbers(pop.monthly_revenue),
            "segment": A.labels(P.SEGMENTS, pop.segment),
            "plan": A.labels(P.PLANS, pop.plan),
            "region": A.labels(P.REGIONS, pop.region),
        },
    )


@dataclass
class _Tally:
    """Exact counts for the truths, summed block by block (integers, so the order is moot)."""

    last_sec: int = -1
    by_mode: IntArray = field(default_factory=lambda: np.zeros(len(MODES), np.int64))
    true_resolved_by_mode: IntArray = field(default_factory=lambda: np.zeros(len(MODES), np.int64))
    escalated: int = 0
    outbound: int = 0  # agents' call-backs
    masked: int = 0
    contained_by_month: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    escalated_by_month: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    closed: dict[str, int] = field(default_factory=lambda: {"ai_assisted": 0, "human_only": 0})
    won: dict[str, int] = field(default_factory=lambda: {"ai_assisted": 0, "human_only": 0})
    # expected extra sales of AI-assisted contacts, by part and month (truth 6)
    generated: dict[str, dict[str, float]] = field(default_factory=dict)
    assist: AssistSums = field(default_factory=AssistSums)

    def add_sales(self, parts: dict[str, dict[str, float]]) -> None:
        for part, by_month in parts.items():
            into = self.generated.setdefault(part, {})
            for month, amount in by_month.items():
                into[month] = into.get(month, 0.0) + amount

    def generated_truth(self) -> tuple[dict[str, float], dict[str, float], tuple[str, ...]]:
        months = sorted({m for part in self.generated.values() for m in part})
        window = tuple(months[-P.INCREMENTAL_WINDOW_MONTHS :])
        monthly = {m: sum(part.get(m, 0.0) for part in self.generated.values()) for m in months}
        by_part = {k: float(sum(v.get(m, 0.0) for m in window)) for k, v in self.generated.items()}
        return monthly, by_part, window

    def add(self, c: Contacts, opps: Opportunities) -> None:
        if c.n == 0:
            return
        self.last_sec = max(self.last_sec, int(c.sec.max()))
        self.by_mode += np.bincount(c.mode, minlength=len(MODES))
        resolved = np.bincount(c.mode, weights=c.true_resolved, minlength=len(MODES))
        self.true_resolved_by_mode += resolved.astype(np.int64)
        self.escalated += int(c.escalated.sum())
        self.outbound += int(c.outbound.sum())
        self.masked += int(c.masked.sum())
        month_idx = A.month_index(c.sec)
        ai_only = np.bincount(month_idx, weights=c.mode == AI_ONLY).astype(np.int64)
        esc = np.bincount(month_idx, weights=c.escalated).astype(np.int64)
        self.contained_by_month = _add_padded(self.contained_by_month, ai_only)
        self.escalated_by_month = _add_padded(self.escalated_by_month, esc)
        closed = opps.closed >= 0
        for group, sel in (("ai_assisted", opps.ai_assisted), ("human_only", ~opps.ai_assisted)):
            self.closed[group] += int((closed & sel).sum())
            self.won[group] += int((closed & sel & opps.won).sum())

    def containment(self) -> tuple[float, dict[str, float]]:
        n_ai_only = int(self.by_mode[AI_ONLY])
        rate = n_ai_only / (n_ai_only + self.escalated)
        by_month = {
            A.month_label(m): float(contained / (contained + escalated))
            for m, (contained, escalated) in enumerate(
                zip(self.contained_by_month, self.escalated_by_month, strict=True)
            )
            if contained + escalated > 0
        }
        return rate, by_month

    def true_resolved_share(self) -> dict[str, float]:
        return {
            mode: float(self.true_resolved_by_mode[m] / self.by_mode[m]) if self.by_mode[m] else 0.0
            for m, mode in enumerate(MODES)
        }


def _add_padded(total: IntArray, part: IntArray) -> IntArray:
    size = max(len(total), len(part))
    out = np.zeros(size, np.int64)
    out[: len(total)] += total
    out[: len(part)] += part
    return out


@dataclass(frozen=True)
class _Streams:
    contacts: np.random.Generator
    surveys: np.random.Generator
    opportunities: np.random.Generator
    revenue: np.random.Generator
    qa: np.random.Generator


def _block_streams(seed: int, contacts: int, block: int) -> _Streams:
    """Block 0 uses the dataset's own streams (see generate_demo); block k its own seeds."""
    seeds = np.random.SeedSequence([seed, contacts, block]).spawn(5)
    rngs = [np.random.default_rng(s) for s in seeds]
    return _Streams(*rngs)


def _population_block(pop: Population, rows: slice) -> Population:
    return Population(**{f.name: getattr(pop, f.name)[rows] for f in fields(Population)})


@dataclass(frozen=True)
class _Ids:
    """Id formats of one block: customers and contacts of earlier blocks come first."""

    customers: A.IdFormat
    # None (one block) = number the block's rows as a whole dataset is numbered
    contacts: A.IdFormat | None
    surveys: A.IdFormat | None
    opportunities: A.IdFormat | None


def _block_ids(
    n_blocks: int, width: int, customers: A.IdFormat, rows_before: dict[str, int]
) -> _Ids:
    if n_blocks == 1:
        return _Ids(customers, None, None, None)
    return _Ids(
        customers,
        A.IdFormat("C", width, rows_before["contacts"]),
        A.IdFormat("S", width, rows_before["surveys"]),
        A.IdFormat("O", width, rows_before["opportunities"]),
    )


def _renumber(table: pa.Table, column: str, ids: A.IdFormat | None) -> pa.Table:
    if ids is None:
        return table
    return table.set_column(table.schema.get_field_index(column), column, ids.first(table.num_rows))


def _write_block(
    writer: A.TableWriter,
    streams: _Streams,
    pop: Population,
    staff: Staff,
    agent_ids: A.IdFormat,
    ids: _Ids,
    tally: _Tally,
    ai_sales_effect: bool,
) -> None:
    """Draw one block of customers' contacts and everything hanging off them, and append it."""
    c = apply_agent_experience(draw_contacts(streams.contacts, pop, staff), staff)
    c_ids = ids.contacts or contact_format(c)

    def contacts_slice(rows: slice) -> pa.Table:
        table = contacts_table(c, ids.customers, agent_ids, rows)
        if ids.contacts is None:
            return table
        start, stop, _ = rows.indices(c.n)
        return table.set_column(0, "contact_id", c_ids.of(np.arange(start, stop, dtype=np.int64)))

    writer.write_in_slices("contacts", c.n, contacts_slice)
    surveys = surveys_table(streams.surveys, pop, c, staff, c_ids, ids.customers)
    writer.write("surveys", _renumber(surveys, "survey_id", ids.surveys))
    opps = draw_opportunities(streams.opportunities, pop, c, ai_sales_effect)
    writer.write(
        "revenue",
        revenue_table(streams.revenue, pop, c, opps, c_ids, ids.customers, ai_sales_effect),
    )
    table = opportunities_table(opps, c, c_ids, ids.customers)
    writer.write("opportunities", _renumber(table, "opportunity_id", ids.opportunities))
    writer.write("qa_reviews", qa_table(streams.qa, c, c_ids))
    tally.add(c, opps)
    tally.add_sales(incremental_sales_truth(pop, c, opps, ai_sales_effect))
    tally.assist = tally.assist + assist_handle_sums(c, staff)


def generate_demo(
    out_dir: Path, contacts: int = 200_000, seed: int = 7, *, ai_sales_effect: bool = True
) -> DemoTruths:
    """Write the demo dataset and ``truths.json`` into ``out_dir``; return the truths.

    ``ai_sales_effect=False`` is the zero-effect variant of truth 6: AI-assisted contacts sell
    and win exactly as human-only ones would (every other draw is unchanged).

    Customers are generated in blocks of ``BLOCK_CUSTOMERS`` (about 10M contacts each), so
    memory stays bounded at any size. The block size is fixed, so the data depend only on
    ``(contacts, seed)``; a dataset of one block is numbered and ordered exactly as before blocks
    existed. With several blocks, each block's rows follow the previous block's (contacts are in
    time order within a block) and ids are numbered across blocks.
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
    customer_ids = A.IdFormat.for_count("K", pop.n, 5)
    agent_ids = agent_format(staff)
    n_blocks = max(1, -(-pop.n // BLOCK_CUSTOMERS))
    # Several blocks: widths from the requested size, as the realised counts come block by block.
    wide = max(7, len(str(2 * contacts)))

    writer = A.TableWriter(out)
    tally = _Tally()
    try:
        writer.write_in_slices(
            "customers", pop.n, lambda rows: _customers_table(pop, customer_ids, rows)
        )
        rows_before = {"contacts": 0, "surveys": 0, "opportunities": 0}
        for block in range(n_blocks):
            part = slice(block * BLOCK_CUSTOMERS, min((block + 1) * BLOCK_CUSTOMERS, pop.n))
            block_streams = (
                _Streams(rng_contacts, rng_surveys, rng_opps, rng_rev, rng_qa)
                if block == 0
                else _block_streams(seed, contacts, block)
            )
            for name in rows_before:
                rows_before[name] = writer.row_counts.get(name, 0)
            ids = _block_ids(n_blocks, wide, customer_ids.shifted(part.start), rows_before)
            block_pop = _population_block(pop, part)
            _write_block(
                writer, block_streams, block_pop, staff, agent_ids, ids, tally, ai_sales_effect
            )
        writer.write("agents", agents_table(staff))
        writer.write("agent_pulse", pulse_table(rng_pulse, staff))
    finally:
        writer.close()
    truths = _truths(seed, contacts, pop, staff, dict(writer.row_counts), tally, ai_sales_effect)
    (out / "truths.json").write_text(truths.to_json(), encoding="utf-8")
    return truths


def _truths(
    seed: int,
    contacts: int,
    pop: Population,
    staff: Staff,
    counts: dict[str, int],
    tally: _Tally,
    ai_sales_effect: bool,
) -> DemoTruths:
    retention = retention_truth(pop)
    containment, by_month = tally.containment()
    generated_monthly, generated_parts, generated_window = tally.generated_truth()
    assist = tally.assist.truth()
    return DemoTruths(
        seed=seed,
        contacts_requested=contacts,
        window_start=_iso(0),
        window_end=_iso(P.END_S),
        as_of=_iso(tally.last_sec),
        row_counts=counts,
        contacts_by_mode={mode: int(tally.by_mode[m]) for m, mode in enumerate(MODES)},
        contacts_by_direction={
            "inbound": int(tally.by_mode.sum()) - tally.outbound,
            "outbound": tally.outbound,
        },
        escalated_contacts=tally.escalated,
        containment_rate=containment,
        containment_by_month=by_month,
        hazard_ratio=P.HAZARD_RATIO,
        retention_effect_12m=retention.effect_12m,
        retention_effect_12m_exposed=retention.effect_12m_exposed,
        months_active_gain_12m_exposed=retention.months_active_gain_12m_exposed,
        revenue_protected_12m=retention.revenue_protected_12m,
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
        masked_contacts=tally.masked,
        true_unresolved_rate_by_mode=dict(zip(MODES, P.TRUE_UNRESOLVED_P, strict=True)),
        true_resolved_share_by_mode=tally.true_resolved_share(),
        agent_lead_days=P.AGENT_LEAD_DAYS,
        agent_latent_weekly=latent_weekly_truth(staff),
        opportunity_win_rate_ai_assisted=P.WIN_P_AI_ASSISTED,
        opportunity_win_rate_human_only=P.WIN_P_HUMAN_ONLY,
        opportunities_closed=dict(tally.closed),
        opportunities_won=dict(tally.won),
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


__all__ = ["DemoTruths", "generate_demo"]
