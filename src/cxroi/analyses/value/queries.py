"""Ibis queries behind the value analyses; each returns a small frame for pandas to model.

Customer ids leave the engine only inside these per-customer frames, which never reach an output.
Calendar months are buckets in the session zone (``strftime('%Y-%m')``), as in the exact metrics.
Windows over contacts order by ``started_at`` then ``contact_id``: a full ordering, so the index
contact is the same on every backend and run.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pandas as pd

from cxroi.io.dataset import Dataset
from cxroi.io.fetch import fetch_frame
from cxroi.metrics.queries import enrich, first_contacts

AI_MODES: tuple[str, ...] = ("ai_only", "hybrid")
# Sums of money, durations and scores are exact decimals, as in cxroi.metrics.queries: a float sum
# depends on the order parallel threads add values in, and results.json must be byte-identical.
_MONEY = dt.Decimal(38, 6)
_SQ = dt.Decimal(38, 12)


def _sum(x: ir.NumericValue, where: ir.BooleanValue | None = None) -> ir.NumericScalar:
    return x.cast(_MONEY).sum(where=where).cast(_MONEY)


def _sum_sq(x: ir.NumericValue, where: ir.BooleanValue | None = None) -> ir.NumericScalar:
    d = x.cast(_MONEY)
    return (d * d).sum(where=where).cast(_SQ)


def _floats(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    # Decimals arrive as Python objects (None when a group has no value): make them floats.
    for c in cols:
        df[c] = [float(v) if v is not None and not pd.isna(v) else float("nan") for v in df[c]]
    return df


CUSTOMER_BASE: tuple[str, ...] = ("segment", "plan", "region")


def instant(value: datetime) -> ir.TimestampScalar:
    return ibis.literal(value, type=dt.Timestamp(timezone="UTC"))


def index_contacts(contacts: ir.Table) -> ir.Table:
    """One row per customer: the first contact (ties broken by contact_id), its time and mode."""
    first = first_contacts(contacts)
    return first.select(
        "customer_id",
        index_at=first.started_at,
        index_mode=first.ai_mode,
        index_month=first.started_at.strftime("%Y-%m"),
    )


def customer_frame(ds: Dataset, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """Customers with their index contact (NaT/None for customers who never made contact)."""
    cust = ds.tables["customers"]
    idx = index_contacts(ds.tables["contacts"])
    wanted = ["acquired_at", "churned_at", "monthly_revenue", *CUSTOMER_BASE]
    wanted += [c for c in extra if c in cust.columns and c not in wanted and c != "customer_id"]
    j = cust.left_join(idx, "customer_id")
    expr = j.select(
        cust.customer_id, *[cust[c] for c in wanted], idx.index_at, idx.index_mode, idx.index_month
    ).order_by("customer_id")
    return fetch_frame(expr)


def observation_start(ds: Dataset) -> datetime:
    """The first contact: before it, the data saw nobody, so earlier tenure is left-truncated."""
    value = ds.tables["contacts"].started_at.min().execute()
    stamp = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
    assert isinstance(stamp, datetime)
    return stamp


def monthly_mode_counts(contacts: ir.Table) -> pd.DataFrame:
    """Contacts per calendar month and mode (rates come from the exact metrics)."""
    c = contacts.mutate(month=contacts.started_at.strftime("%Y-%m"))
    out = c.group_by(["month", "ai_mode"]).aggregate(n=c.count())
    return out.order_by(["month", "ai_mode"]).execute()


def revenue_after_index(ds: Dataset, horizon_days: int) -> pd.DataFrame:
    """Per customer: revenue events in [index, index + horizon), and recurring ones apart."""
    rev = ds.tables["revenue"]
    idx = index_contacts(ds.tables["contacts"])
    j = rev.join(idx, "customer_id")
    j = j.filter(
        (j.occurred_at >= j.index_at)
        & (j.occurred_at < j.index_at + ibis.interval(seconds=horizon_days * 86400))
    )
    sums = j.group_by("customer_id").aggregate(
        events_total=_sum(j.amount).cast("float64"),
        recurring_total=_sum(j.amount, where=j.kind == "recurring").cast("float64"),
    )
    return fetch_frame(sums.order_by("customer_id"))


def has_recurring_rows(ds: Dataset) -> bool:
    rev = ds.tables["revenue"]
    return bool(rev.filter(rev.kind == "recurring").count().execute() > 0)


def upsell_cross_sell_rows(ds: Dataset) -> ir.Table:
    """Upsell and cross-sell revenue rows attributed (contact_id) to a contact.

    A sale that books a won opportunity (same contact and amount) is left out: it is counted
    once, under won pipeline, when the dataset has opportunities.
    """
    rev = ds.tables["revenue"]
    sales = rev.filter(rev.kind.isin(["upsell", "cross_sell"]) & rev.contact_id.notnull())
    if ds.has("opportunities") and ds.has("opportunities", "won"):
        opp = ds.tables["opportunities"]
        won = opp.filter(opp.won.fill_null(False) & opp.contact_id.notnull())
        won = won.select(w_contact=won.contact_id, w_amount=won.amount).distinct()
        sales = sales.anti_join(
            won, [sales.contact_id == won.w_contact, sales.amount == won.w_amount]
        )
    return sales


def experience_features(
    ds: Dataset, landmark: datetime, lookback_days: int, ces_max: float
) -> pd.DataFrame:
    """Per customer, from contacts in (landmark - lookback, landmark]: the loyalty-chain links.

    ``ai_contact``: an AI-assisted contact in the window (whether or not it resolved).
    ``unresolved_ai``: an AI-assisted contact with a repeat within 7 days, among contacts at least
    7 days before the landmark (so the repeat, if any, happened before it: no look-ahead).
    ``high_effort``: a CES answer <= ``ces_max`` on a contact in the window, answered by then.
    ``sentiment_shift``: mean of ``sentiment_end - sentiment_start`` over the window's contacts.
    """
    start = landmark - timedelta(days=lookback_days)
    contacts = ds.tables["contacts"]
    window = contacts.filter(
        (contacts.started_at > instant(start)) & (contacts.started_at <= instant(landmark))
    )
    # Repeats are looked for inside the window only: anything later is after the landmark.
    e = enrich(window, None, landmark, (7,))
    unresolved = e.ai_mode.isin(list(AI_MODES)) & e.eligible_7 & e.repeat_7
    aggs: dict[str, ir.Value] = {
        "contacts": e.count(),
        "ai_contact": e.ai_mode.isin(list(AI_MODES)).any(),
        "unresolved_ai": unresolved.any(),
    }
    if ds.has("contacts", "sentiment_start") and ds.has("contacts", "sentiment_end"):
        shift = e.sentiment_end - e.sentiment_start
        aggs["shift_sum"] = _sum(shift).cast("float64")  # one row per customer: fetched as floats
        aggs["shift_n"] = shift.count()
    feats = e.group_by("customer_id").aggregate(**aggs)
    if ds.has("surveys"):
        s = ds.tables["surveys"]
        s = s.filter(
            (s.kind == "ces") & s.contact_id.notnull() & (s.answered_at <= instant(landmark))
        )
        w = window.select("contact_id", "customer_id")
        sj = s.join(w, "contact_id")
        effort = sj.group_by(w.customer_id).aggregate(
            ces_answers=sj.count(), high_effort=(sj.score <= ces_max).any()
        )
        feats = feats.outer_join(effort, "customer_id").select(
            customer_id=ibis.coalesce(feats.customer_id, effort.customer_id),
            contacts=feats.contacts.fill_null(0),
            ai_contact=feats.ai_contact.fill_null(False),
            unresolved_ai=feats.unresolved_ai.fill_null(False),
            **(
                {"shift_sum": feats.shift_sum, "shift_n": feats.shift_n.fill_null(0)}
                if "shift_sum" in aggs
                else {}
            ),
            ces_answers=effort.ces_answers.fill_null(0),
            high_effort=effort.high_effort.fill_null(False),
        )
    out = fetch_frame(feats.order_by("customer_id"))
    if "shift_sum" in out:
        out["sentiment_shift"] = out["shift_sum"] / out["shift_n"].where(out["shift_n"] > 0)
        out = out.drop(columns=["shift_sum", "shift_n"])
    return out


# ------------------------------------------------ what if we stopped AI (what_if*.py owns these)
NO_INTENT = "(no intent)"
WHAT_IF_CELL: tuple[str, ...] = ("intent_key", "channel", "ai_mode", "inbound")
# ratio name -> (numerator, denominator) among the per-customer sums of clustered_cell_sums
RATIOS: dict[str, tuple[str, str]] = {
    "cost": ("cost", "n"),
    "handle": ("handle", "n"),
    "repeat": ("rep", "elig"),
    "ces": ("ces", "ces_n"),
}


def what_if_contacts(enriched: ir.Table, first_month: str | None = None) -> ir.Table:
    """Enriched contacts (from ``first_month`` on) with the cell keys of the what-if.

    ``intent_key`` names a missing intent; ``inbound`` is true unless ``direction`` says
    outbound (a dataset without the column is all inbound).
    """
    e = enriched if first_month is None else enriched.filter(enriched.month >= first_month)
    inbound = (
        e.direction.isnull() | (e.direction == "inbound")
        if "direction" in e.columns
        else ibis.literal(True)
    )
    return e.mutate(intent_key=e.intent.fill_null(NO_INTENT), inbound=inbound)


_PER_CUSTOMER = ("n", "cost", "handle", "elig", "rep", "ces_n", "ces")


def _per_customer_cell(
    contacts: ir.Table, surveys: ir.Table | None, keys: tuple[str, ...]
) -> ir.Table:
    """Per customer and cell: the sums :func:`clustered_cell_sums` works on."""
    e = contacts
    group = ["customer_id", *keys]
    per = e.group_by(group).aggregate(
        n=e.count(),
        cost=_sum(e.cost_value),
        handle=_sum(e.handle_seconds),
        elig=e.eligible_7.sum(),
        rep=(e.eligible_7 & e.repeat_7).sum(),
    )
    if surveys is not None:
        s = surveys.filter((surveys.kind == "ces") & surveys.contact_id.notnull())
        j = s.join(e.select("contact_id", *group), "contact_id")
        ces = j.group_by(group).aggregate(ces_n=j.count(), ces=_sum(j.score))
        per = per.left_join(ces, group).select(
            per, ces_n=ces.ces_n.fill_null(0), ces=ces.ces.fill_null(0).cast(_MONEY)
        )
    else:
        per = per.mutate(ces_n=ibis.literal(0, type="int64"), ces=ibis.literal(0).cast(_MONEY))
    return per


def _cell_moments(per: ir.Table) -> dict[str, ir.Value]:
    aggs: dict[str, ir.Value] = {"customers": per.count()}
    for name in _PER_CUSTOMER:
        y = per[name].cast(_MONEY)
        aggs[name] = y.sum().cast(_MONEY)
        aggs[f"{name}_sq"] = (y * y).sum().cast(_SQ)
    # cross products of each ratio's numerator and denominator
    for num, den in RATIOS.values():
        y, x = per[num].cast(_MONEY), per[den].cast(_MONEY)
        aggs[f"{num}_x_{den}"] = (y * x).sum().cast(_SQ)
    return aggs


def clustered_cell_sums(
    contacts: ir.Table, surveys: ir.Table | None, keys: tuple[str, ...]
) -> pd.DataFrame:
    """Per cell: totals and the customer-level second moments of a cluster-robust variance.

    ``contacts`` comes from :func:`what_if_contacts`. For each per-customer sum ``y_i`` (cost,
    handle seconds, eligible contacts, their repeats, CES answers and scores) and contact count
    ``n_i`` the cell carries ``sum y_i``, ``sum y_i^2`` and ``sum y_i n_i``: enough for the
    variance of any ratio of two of them with customers as clusters. Repeats use the 7-day window.
    """
    per = _per_customer_cell(contacts, surveys, keys)
    out = per.group_by(list(keys)).aggregate(**_cell_moments(per))
    out = out.order_by(list(keys)).execute()
    money = [c for c in out.columns if c not in (*keys, "customers")]
    return _floats(out, money)


def clustered_cell_sums_nested(
    contacts: ir.Table, surveys: ir.Table | None, key_sets: tuple[tuple[str, ...], ...]
) -> list[pd.DataFrame]:
    """:func:`clustered_cell_sums` at each of ``key_sets`` in one query.

    The first key set is the finest; every other one picks some of its keys, in its order. The
    contacts are summed per customer and finest cell once; a coarser cell's per-customer sums are
    sums of those (counts and exact decimals: the same values as summing the contacts).
    """
    finest = key_sets[0]
    for keys in key_sets:
        if [k for k in finest if k in keys] != list(keys):
            return [clustered_cell_sums(contacts, surveys, keys) for keys in key_sets]
    per = _per_customer_cell(contacts, surveys, finest)
    branches: list[ir.Table] = []
    for i, keys in enumerate(key_sets):
        part = per
        if keys != finest:
            part = per.group_by(["customer_id", *keys]).aggregate(
                **{name: per[name].sum() for name in _PER_CUSTOMER}
            )
        cells = part.group_by(list(keys)).aggregate(**_cell_moments(part))
        absent = {k: ibis.null().cast(per[k].type()) for k in finest if k not in keys}
        cells = cells.mutate(_scope=ibis.literal(i), **absent)
        branches.append(cells.select("_scope", *finest, *_cell_moments(per)))
    union = ibis.union(*branches, distinct=False)
    out = union.order_by(["_scope", *finest]).execute()
    frames: list[pd.DataFrame] = []
    for i, keys in enumerate(key_sets):
        part = out[out["_scope"] == i]
        part = part[[*keys, *[c for c in part.columns if c not in ("_scope", *finest)]]]
        part = part.reset_index(drop=True)
        money = [c for c in part.columns if c not in (*keys, "customers")]
        frames.append(_floats(part, money))
    return frames


def what_if_monthly_cells(contacts: ir.Table) -> pd.DataFrame:
    """Contacts, cost and handle seconds per calendar month and what-if cell (all months)."""
    e = contacts
    out = (
        e.group_by(["month", *WHAT_IF_CELL])
        .aggregate(n=e.count(), cost=_sum(e.cost_value), handle=_sum(e.handle_seconds))
        .order_by(["month", *WHAT_IF_CELL])
        .execute()
    )
    return _floats(out, ["cost", "handle"])


def hour_of_week_counts(contacts: ir.Table) -> pd.DataFrame:
    """Contacts per channel, mode, direction and hour of the week (0 = Monday 00:00-01:00).

    Hours are read in the session zone, like the calendar months.
    """
    e = contacts
    e = e.mutate(hour_of_week=e.started_at.day_of_week.index() * 24 + e.started_at.hour())
    keys = ["channel", "ai_mode", "inbound", "hour_of_week"]
    return e.group_by(keys).aggregate(n=e.count()).order_by(keys).execute()


def agents_active(ds: Dataset, start: datetime, end: datetime) -> tuple[int, float]:
    """Agents employed at any time in [start, end), and the average headcount over it."""
    a = ds.tables["agents"]
    lo, hi = instant(start), instant(end)
    left = a.left_at.fill_null(hi)
    active = a.filter((a.hired_at < hi) & (left > lo))
    until = ibis.least(left, hi).epoch_seconds()
    overlap = until - ibis.greatest(active.hired_at, lo).epoch_seconds()
    row = active.aggregate(
        headcount=active.count(), person_seconds=_sum(ibis.greatest(overlap, 0))
    ).execute()
    seconds = (end - start).total_seconds()
    person = row["person_seconds"].iloc[0]
    person_s = 0.0 if person is None or pd.isna(person) else float(person)
    return int(row["headcount"].iloc[0]), person_s / seconds


def abandonment_sums(ds: Dataset, first_month: str, channels: tuple[str, ...]) -> tuple[int, float]:
    """Abandoned contacts and total seconds waited (all queued contacts) on live channels.

    Needs an ``abandoned`` boolean column on contacts (an extra column the contract keeps) and
    ``wait_seconds``; ``theta = abandoned / waited`` is the maximum-likelihood patience rate of
    the exponential model (each wait is censored by service or ended by abandonment).
    """
    c = ds.tables["contacts"]
    c = c.filter(
        (c.started_at.strftime("%Y-%m") >= first_month)
        & c.channel.isin(list(channels))
        & c.wait_seconds.notnull()
    )
    row = c.aggregate(
        abandoned=c.abandoned.cast("boolean").sum(), waited=_sum(c.wait_seconds)
    ).execute()
    ab = row["abandoned"].iloc[0]
    waited = row["waited"].iloc[0]
    return (
        0 if ab is None or pd.isna(ab) else int(ab),
        0.0 if waited is None or pd.isna(waited) else float(waited),
    )
