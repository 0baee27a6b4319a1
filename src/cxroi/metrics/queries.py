"""Contacts enriched with what every resolution metric needs, as Ibis expressions (any backend).

Repeat detection (inbound contacts only), eligibility per window, the effective cost (observed or
modelled) and escalation. Sums over these columns are ``cxroi.metrics.customer_sums``'s job;
turning them into rates and intervals is ``cxroi.metrics.exact``'s, so engines never compute a
ratio or an interval.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from cxroi.metrics.cost_model import CostModel
from cxroi.io.contract import MODES, SELF_SERVICE_TOUCHPOINTS

# Money and durations are summed as decimals: exact, hence identical whatever order parallel
# threads add them in, which keeps results.json byte-identical across runs.
# 38 digits before squaring: a DECIMAL(18) product overflows at ~1e9 scaled units.
_MONEY = dt.Decimal(38, 6)
_EXACT = dt.Decimal(38, 12)


def is_inbound(contacts: ir.Table) -> ir.BooleanValue:
    """The customer reached out: ``direction`` absent, empty or ``inbound`` (docs/data-contract.md)."""
    if "direction" not in contacts.columns:
        return ibis.literal(True)
    direction = contacts.direction.cast("string")  # an all-empty extra column has no type
    return direction.isnull() | (direction == "inbound")


def first_contacts(contacts: ir.Table) -> ir.Table:
    """Each customer's first contact (earliest ``started_at``, ties to the smallest ``contact_id``).

    By aggregates and joins instead of a window sorting every customer's contacts: the earliest
    start, then the smallest id among the contacts at that instant (``contact_id`` is unique and
    ``started_at`` required by the contract). Returns the contacts' own columns.
    """
    c = contacts
    at = c.group_by(_cust=c.customer_id).aggregate(_first=c.started_at.min())
    tied = c.join(at, (c.customer_id == at._cust) & (c.started_at == at._first))
    pick = tied.group_by(_cust2=tied.customer_id).aggregate(_id=tied.contact_id.min())
    first = c.join(pick, c.contact_id == pick._id)
    return first.select(*c.columns)


def next_compatible_contact(contacts: ir.Table) -> ir.Table:
    """Each contact with ``next_compatible_at``: the first later contact that would repeat it.

    A later contact c' repeats c when it is the same customer, strictly later, and the intents
    match (a missing intent on either side matches any). Only inbound contacts take part, as c
    and as c': a call-back or campaign is not the customer coming back (docs/metrics.md), so an
    outbound contact has no ``next_compatible_at`` and is never anyone's.

    Windows, not a self-join (a customer with thousands of contacts costs O(n log n), not
    O(n²)): the earliest start in a frame that begins one microsecond after the contact's own
    (instants are microseconds on every engine) is the next strictly later start, so ties are
    never "later", and a minimum over a frame of values does not depend on how ties are ordered.
    Partitioning by the inbound flag keeps outbound contacts out of every inbound contact's
    search. The windows run over the few columns they need; the result joins back on the
    contract key ``contact_id`` (unique once validated).
    """
    inbound = is_inbound(contacts)
    c = contacts.select("contact_id", "customer_id", "started_at", "intent", _inbound=inbound)
    later = (ibis.interval(microseconds=1), None)
    by_customer = ibis.window(
        group_by=[c.customer_id, c._inbound], order_by=c.started_at, range=later
    )
    by_intent = ibis.window(
        group_by=[c.customer_id, c._inbound, c.intent], order_by=c.started_at, range=later
    )
    next_any = c.started_at.min().over(by_customer)
    next_missing = ibis.ifelse(c.intent.isnull(), c.started_at, None).min().over(by_customer)
    next_same = c.started_at.min().over(by_intent)
    # least() of the two kinds of compatible later contact, either of which may be missing
    earliest = ibis.cases(
        (next_same.isnull(), next_missing),
        (next_missing.isnull(), next_same),
        else_=ibis.least(next_same, next_missing),
    )
    following = ibis.ifelse(c.intent.isnull(), next_any, earliest)
    found = c.select(
        "contact_id", next_compatible_at=ibis.ifelse(c._inbound, following, None)
    )
    return contacts.left_join(found, "contact_id").select(contacts, found.next_compatible_at)


def known_handle(t: ir.Table, mean_handle: Mapping[str, float]) -> ir.NumericValue:
    """Handle time, or (unknown) the mean known handle time of the contact's mode.

    Only the cost model uses it: an unknown handle time is priced at its mode's mean rather than
    at 0 (``metrics.counts.handle_imputed`` counts those contacts); AHT uses known values only.
    """
    imputed = ibis.cases(
        *[(t.ai_mode == mode, ibis.literal(_rounded(mean_handle.get(mode, 0.0)))) for mode in MODES]
    )
    return t.handle_seconds.fill_null(imputed)


def mean_known_handle(contacts: ir.Table) -> dict[str, float]:
    """The mean known handle time per mode (0 for a mode with none)."""
    if "handle_seconds" not in contacts.columns:
        return {}
    frame = (
        contacts.group_by("ai_mode").aggregate(mean=contacts.handle_seconds.mean()).to_pandas()
    )
    return {
        str(r["ai_mode"]): float(r["mean"])
        for r in frame.to_dict("records")
        if r["mean"] is not None and r["mean"] == r["mean"]
    }


def _rounded(x: float) -> float:
    # six decimals, like every money and duration sum (DECIMAL(38, 6)): an exact, stable literal
    return float(Decimal(repr(x)).quantize(Decimal("0.000001")))


def effective_cost(
    t: ir.Table, model: CostModel, mean_handle: Mapping[str, float] | None = None
) -> ir.FloatingValue:
    """Observed cost, else the configured cost model for the contact's mode."""
    minutes = known_handle(t, mean_handle or {}) / 60.0
    modelled = ibis.cases(
        *[
            (t.ai_mode == mode, model.by_mode[mode].per_contact + model.by_mode[mode].per_minute * minutes)
            for mode in MODES
        ]
    )
    return t.cost.fill_null(modelled)


def cost_times_60(
    t: ir.Table, model: CostModel, mean_handle: Mapping[str, float] | None = None
) -> ir.NumericValue:
    """60 × the contact's cost as an exact decimal, observed or modelled.

    The cost model is ``per_contact + per_minute × handle_seconds / 60``; times 60 it is
    ``60·per_contact + per_minute·handle_seconds``, a product of two 6-decimal numbers that a
    DECIMAL(38, 12) holds exactly, where the cost itself (a division by 60) would have to be
    rounded. Sums of it are exact, hence identical in whatever order parallel threads add them;
    dividing the sum by 60 happens once, in Python, with exact fractions (docs/methods.md).
    """
    observed = _dec(t.cost) * ibis.literal(60).cast(_MONEY)
    modelled = ibis.cases(
        *[
            (
                t.ai_mode == mode,
                _money_literal(model.by_mode[mode].per_contact, times=60)
                + _money_literal(model.by_mode[mode].per_minute)
                * _dec(known_handle(t, mean_handle or {})),
            )
            for mode in MODES
        ]
    )
    return observed.fill_null(modelled).cast(_EXACT)


def _money_literal(value: float, times: int = 1) -> ir.NumericValue:
    # A configured rate such as 0.85 is meant as the decimal 0.85, not the nearest binary double.
    return ibis.literal(Decimal(repr(float(value))) * times, type=_MONEY)


def effective_escalated(t: ir.Table) -> ir.BooleanValue:
    """The ``escalated`` flag, else (absent) a hybrid contact that began with a self-service bot."""
    derived = (t.ai_mode == "hybrid") & t.touchpoint.isin(list(SELF_SERVICE_TOUCHPOINTS))
    return t.escalated.fill_null(derived.fill_null(False))


def enrich(
    contacts: ir.Table, model: CostModel | None, as_of: datetime, windows: tuple[int, ...]
) -> ir.Table:
    """Contacts with the columns every resolution metric needs.

    The cost columns come only with a cost ``model``: analyses that only look for repeats pass
    None and do not price anything.

    ``inbound`` marks the contacts the resolution metrics are about; an outbound contact is
    never eligible (``eligible_<W>`` false) and never a repeat. ``proactive`` marks the
    ``proactive`` AI touchpoint, reported apart from the service metrics.
    """
    t = next_compatible_contact(contacts)
    inbound = is_inbound(t)
    cols: dict[str, ir.Value] = {
        "inbound": inbound,
        "proactive": (t.touchpoint == "proactive").fill_null(False),
        "escalated_value": effective_escalated(t),
        "month": t.started_at.strftime("%Y-%m"),
    }
    if model is not None:
        means = mean_known_handle(contacts)
        cols["cost_value"] = effective_cost(t, model, means)
        cols["cost_x60"] = cost_times_60(t, model, means)
        cols["cost_modelled"] = t.cost.isnull()
        cols["handle_imputed"] = t.cost.isnull() & t.handle_seconds.isnull()
    for w in windows:
        cutoff = ibis.literal(as_of - timedelta(days=w), type=dt.Timestamp(timezone="UTC"))
        limit = t.started_at + ibis.interval(seconds=w * 86400)
        cols[f"eligible_{w}"] = inbound & (t.started_at <= cutoff)
        cols[f"repeat_{w}"] = t.next_compatible_at.notnull() & (t.next_compatible_at <= limit)
    return t.mutate(**cols)


def _dec(x: ir.NumericValue) -> ir.NumericValue:
    return x.cast(_MONEY)
