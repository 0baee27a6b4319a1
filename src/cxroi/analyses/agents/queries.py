"""Ibis queries behind the Agent Experience Index and the weekly loyalty series.

Each query returns small per-(agent or team, period) sums; ratios, z-scores and models are built
in pandas afterwards, so any Ibis backend can run these. Periods are calendar buckets in the
session zone: ISO weeks (Monday start) or calendar months, returned as the local start ``date``.
"""

from __future__ import annotations

from typing import Literal

import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from cxroi.metrics.queries import effective_escalated

Period = Literal["week", "month"]
# Sums of seconds and scores as decimals: exact, so the order in which parallel threads add them
# cannot change a bit of results.json (same reason as cxroi.metrics.queries).
_SUM = dt.Decimal(38, 6)


def _exact_sum(x: ir.NumericValue, where: ir.BooleanValue | None = None) -> ir.FloatingScalar:
    # the exact sum, fetched as a float: a decimal column reaches pandas as one Python object per
    # row (31,000 agent-weeks at 1M contacts)
    return x.cast(_SUM).sum(where=where).cast(_SUM).cast("float64")


_UNIT: dict[str, str] = {"week": "W", "month": "M"}
AGENT_MODES: tuple[str, ...] = ("hybrid", "human_only")


def period_start(ts: ir.TimestampValue, period: Period) -> ir.DateValue:
    """Local start date of the ISO week / month holding ``ts`` (the session zone decides)."""
    return ts.truncate(_UNIT[period]).date()


def agent_contact_sums(contacts: ir.Table, period: Period) -> ir.Table:
    """Per agent and period: contacts handled, escalated ones and their handle time.

    Only contacts with an ``agent_id`` count: the index describes the work humans receive.
    Escalated = the ``escalated`` flag, else a hybrid contact that began in a bot (docs/metrics.md).
    """
    c = contacts.filter(contacts.agent_id.notnull())
    c = c.mutate(period=period_start(c.started_at, period), esc=effective_escalated(c))
    return c.group_by(["agent_id", "period"]).aggregate(
        contacts=c.count(),
        escalated=c.esc.sum(),
        escalated_handle_sum=_exact_sum(c.handle_seconds, c.esc),
        escalated_handle_n=c.handle_seconds.count(where=c.esc),
    )


def pulse_sums(pulse: ir.Table, period: Period) -> ir.Table:
    """Per agent and period: pulse answers and their score sum."""
    p = pulse.mutate(period=period_start(pulse.answered_at, period))
    return p.group_by(["agent_id", "period"]).aggregate(
        answers=p.count(), score_sum=_exact_sum(p.score)
    )


def agent_spans(agents: ir.Table, period: Period) -> ir.Table:
    """One row per agent: team, leave reason, and the periods of hiring and of leaving."""
    a = agents
    return a.select(
        "agent_id",
        "team",
        "leave_reason",
        hired=period_start(a.hired_at, period),
        left=period_start(a.left_at, period),
    )


def loyalty_sums(
    enriched: ir.Table,
    surveys: ir.Table | None,
    modes: tuple[str, ...] | None,
) -> tuple[ir.Table, ir.Table | None]:
    """Weekly sufficient statistics of the loyalty metrics, by the contact's week.

    Returns (FCR 7d sums per week over eligible contacts, survey sums per week and kind). ``modes``
    restricts both to contacts of those modes (None: all contacts). Surveys are bucketed by the
    week of the contact they rate, because that is when the agent's experience could act.
    ``enriched`` is contacts with ``eligible_7``/``repeat_7`` (``cxroi.metrics.queries.enrich``).
    """
    e = enriched
    if modes is not None:
        e = e.filter(e.ai_mode.isin(list(modes)))
    e = e.mutate(period=period_start(e.started_at, "week"))
    fcr = e.group_by("period").aggregate(
        eligible=e.eligible_7.sum(),
        resolved=(e.eligible_7 & ~e.repeat_7).sum(),
    )
    if surveys is None:
        return fcr, None
    s = surveys.filter(surveys.contact_id.notnull())
    j = s.join(e.select("contact_id", "period"), "contact_id")
    sums = j.group_by(["period", "kind"]).aggregate(
        n=j.count(),
        score_sum=_exact_sum(j.score),
        top_box=(j.score >= 4).sum(),
        promoters=(j.score >= 9).sum(),
        detractors=(j.score <= 6).sum(),
    )
    return fcr, sums
