"""The exact resolution and survey metrics as Ibis expressions (written once, any backend).

Queries return per-group sufficient statistics only; turning them into rates and intervals is
``cxroi.metrics.exact``'s job, so engines never compute a ratio or an interval.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from cxroi.metrics.cost_model import CostModel
from cxroi.io.contract import MODES, SELF_SERVICE_TOUCHPOINTS

# Money and durations are summed as decimals: exact, hence identical whatever order parallel
# threads add them in, which keeps results.json byte-identical across runs.
# 38 digits before squaring: a DECIMAL(18) product overflows at ~1e9 scaled units.
_MONEY = dt.Decimal(38, 6)
_SUM = dt.Decimal(38, 6)
_SUM_SQ = dt.Decimal(38, 12)


def next_compatible_contact(contacts: ir.Table) -> ir.Table:
    """Each contact with ``next_compatible_at``: the first later contact that would repeat it.

    A later contact c' repeats c when it is the same customer, strictly later, and the intents
    match (a missing intent on either side matches any). Computed with windows over distinct
    instants (so every window has a full ordering and ties are never "later"), not a self-join:
    a customer with thousands of contacts costs O(n log n), not O(n²).
    """
    c = contacts.select("contact_id", "customer_id", "started_at", "intent")
    instants = c.group_by(["customer_id", "started_at"]).aggregate(
        any_missing_intent=c.intent.isnull().any()
    )
    by_time = ibis.window(group_by=instants.customer_id, order_by=instants.started_at)
    after = ibis.window(
        group_by=instants.customer_id, order_by=instants.started_at, rows=(1, None)
    )
    instants = instants.mutate(
        next_any=instants.started_at.lead().over(by_time),
        next_missing=ibis.ifelse(instants.any_missing_intent, instants.started_at, None)
        .min()
        .over(after),
    )
    same = c.filter(c.intent.notnull()).select("customer_id", "intent", "started_at").distinct()
    same = same.mutate(
        next_same=same.started_at.lead().over(
            ibis.window(group_by=[same.customer_id, same.intent], order_by=same.started_at)
        )
    )
    joined = (
        contacts.left_join(instants, ["customer_id", "started_at"])
        .select(contacts, instants.next_any, instants.next_missing)
    )
    joined = joined.left_join(same, ["customer_id", "intent", "started_at"]).select(
        joined, same.next_same
    )
    n_same, n_missing = joined.next_same, joined.next_missing
    earliest = ibis.cases(
        (n_same.isnull(), n_missing),
        (n_missing.isnull(), n_same),
        else_=ibis.least(n_same, n_missing),
    )
    return joined.mutate(
        next_compatible_at=ibis.ifelse(joined.intent.isnull(), joined.next_any, earliest)
    ).drop("next_any", "next_missing", "next_same")


def effective_cost(t: ir.Table, model: CostModel) -> ir.FloatingValue:
    """Observed cost, else the configured cost model for the contact's mode."""
    minutes = t.handle_seconds / 60.0
    modelled = ibis.cases(
        *[
            (t.ai_mode == mode, model.by_mode[mode].per_contact + model.by_mode[mode].per_minute * minutes)
            for mode in MODES
        ]
    )
    return t.cost.fill_null(modelled)


def effective_escalated(t: ir.Table) -> ir.BooleanValue:
    """The ``escalated`` flag, else (absent) a hybrid contact that began with a self-service bot."""
    derived = (t.ai_mode == "hybrid") & t.touchpoint.isin(list(SELF_SERVICE_TOUCHPOINTS))
    return t.escalated.fill_null(derived.fill_null(False))


def enrich(contacts: ir.Table, model: CostModel, as_of: datetime, windows: tuple[int, ...]) -> ir.Table:
    """Contacts with the columns every resolution metric needs."""
    t = next_compatible_contact(contacts)
    cols: dict[str, ir.Value] = {
        "cost_value": effective_cost(t, model),
        "cost_modelled": t.cost.isnull(),
        "escalated_value": effective_escalated(t),
        "month": t.started_at.strftime("%Y-%m"),
    }
    for w in windows:
        cutoff = ibis.literal(as_of - timedelta(days=w), type=dt.Timestamp(timezone="UTC"))
        limit = t.started_at + ibis.interval(seconds=w * 86400)
        cols[f"eligible_{w}"] = t.started_at <= cutoff
        cols[f"repeat_{w}"] = t.next_compatible_at.notnull() & (t.next_compatible_at <= limit)
    return t.mutate(**cols)


def _dec(x: ir.NumericValue) -> ir.NumericValue:
    return x.cast(_MONEY)


def resolution_sums(enriched: ir.Table, windows: tuple[int, ...], by: list[str]) -> ir.Table:
    """Per group: counts and exact sums for FCR, containment, cost and handle time."""
    e = enriched
    cost, handle = _dec(e.cost_value), _dec(e.handle_seconds)
    aggs: dict[str, ir.Value] = {
        "n": e.count(),
        "escalated": e.escalated_value.sum(),
        "cost_modelled": e.cost_modelled.sum(),
        "cost_sum": cost.sum().cast(_SUM),
        "cost_sq": (cost * cost).sum().cast(_SUM_SQ),
        "handle_sum": handle.sum().cast(_SUM),
        "handle_sq": (handle * handle).sum().cast(_SUM_SQ),
    }
    for w in windows:
        eligible = e[f"eligible_{w}"]
        resolved = eligible & ~e[f"repeat_{w}"]
        aggs[f"eligible_{w}"] = eligible.sum()
        aggs[f"resolved_{w}"] = resolved.sum()
        aggs[f"cost_eligible_{w}"] = cost.sum(where=eligible).cast(_SUM)
        aggs[f"cost_sq_eligible_{w}"] = (cost * cost).sum(where=eligible).cast(_SUM_SQ)
        aggs[f"cost_resolved_{w}"] = cost.sum(where=resolved).cast(_SUM)
    return e.group_by(by).aggregate(**aggs) if by else e.aggregate(**aggs)


def survey_sums(enriched: ir.Table, surveys: ir.Table) -> ir.Table:
    """Transactional survey answers summed per contact mode, channel, touchpoint, kind and month."""
    s = surveys.filter(surveys.contact_id.notnull())
    e = enriched.select("contact_id", "ai_mode", "channel", "touchpoint", "month")
    j = s.join(e, "contact_id")
    score = j.score.cast(_MONEY)
    return j.group_by(["ai_mode", "channel", "touchpoint", "kind", "month"]).aggregate(
        n=j.count(),
        score_sum=score.sum().cast(_SUM),
        score_sq=(score * score).sum().cast(_SUM_SQ),
        top_box=(j.score >= 4).sum(),
        promoters=(j.score >= 9).sum(),
        detractors=(j.score <= 6).sum(),
    )


def relationship_survey_sums(surveys: ir.Table) -> ir.Table:
    s = surveys.filter(surveys.contact_id.isnull())
    score = s.score.cast(_MONEY)
    return s.group_by("kind").aggregate(
        n=s.count(),
        score_sum=score.sum().cast(_SUM),
        score_sq=(score * score).sum().cast(_SUM_SQ),
        top_box=(s.score >= 4).sum(),
        promoters=(s.score >= 9).sum(),
        detractors=(s.score <= 6).sum(),
    )
