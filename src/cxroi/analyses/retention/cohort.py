"""The per-customer retention frame: index contact, exposure, follow-up and covariates.

The per-contact work (first and last contact, mode counts, the index contact's intent, channel
and calendar month) is an Ibis query, so it runs in the engine; only one row per customer comes
back to pandas for modelling. Customer ids order the rows reproducibly; they are kept apart from
the modelling frame (``Cohort.customer_ids``) so that a per-customer weight, such as monthly
revenue, can be aligned to the fitted model, and they never reach the results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import ibis
import ibis.expr.types as ir
import numpy as np
import numpy.typing as npt
import pandas as pd

from cxroi.io.contract import MODES
from cxroi.io.dataset import Dataset

DAY_SECONDS = 86_400.0
BASE_COVARIATES: tuple[str, ...] = ("segment", "plan", "region", "monthly_revenue")
AI_ASSISTED: tuple[str, ...] = ("ai_only", "hybrid")


@dataclass(frozen=True)
class Cohort:
    """One row per analysed customer (no ids), plus what was left out and why."""

    frame: pd.DataFrame  # index_mode, last_mode, primary_mode, exposed, duration, event, followup,
    #                      tenure_days, index_intent, index_channel, index_month, the covariates
    customer_ids: npt.NDArray[np.str_]  # aligned with frame's rows, sorted
    customers_total: int
    no_index_contact: int
    churned_before_index: int
    index_before_acquired: int
    extra_covariates: tuple[str, ...]  # configured extras found in the customers table
    notes: tuple[str, ...] = field(default=())


# The index contact's own confounders (settings name -> frame column); month is "YYYY-MM".
INDEX_COLUMNS: dict[str, str] = {
    "intent": "index_intent",
    "channel": "index_channel",
    "month": "index_month",
}


def _index_and_history(contacts: ir.Table) -> ir.Table:
    """Per customer: index (first) contact with its mode, intent, channel and calendar month;
    last contact's mode; counts by mode."""
    intent = contacts.intent if "intent" in contacts.columns else ibis.null(str)
    c = contacts.select(
        "customer_id",
        "contact_id",
        "started_at",
        "ai_mode",
        "channel",
        intent=intent.cast("string"),
    )
    first = ibis.window(group_by=c.customer_id, order_by=[c.started_at, c.contact_id])
    last = ibis.window(group_by=c.customer_id, order_by=[c.started_at.desc(), c.contact_id.desc()])
    ranked = c.mutate(
        first_rank=ibis.row_number().over(first), last_rank=ibis.row_number().over(last)
    )
    index = ranked.filter(ranked.first_rank == 0).select(
        "customer_id",
        index_at=ranked.started_at,
        index_mode=ranked.ai_mode,
        index_intent=ranked.intent,
        index_channel=ranked.channel,
        index_month=ranked.started_at.strftime("%Y-%m"),
    )
    latest = ranked.filter(ranked.last_rank == 0).select("customer_id", last_mode=ranked.ai_mode)
    counts = c.group_by("customer_id").aggregate(
        **{f"n_{m}": (c.ai_mode == m).cast("int64").sum() for m in MODES}
    )
    return index.join(latest, "customer_id").join(counts, "customer_id")


def build_cohort(
    ds: Dataset,
    extra_covariates: tuple[str, ...],
    window_start: datetime | None = None,
    window_end: datetime | None = None,
) -> Cohort:
    contacts = ds.tables["contacts"]
    if window_start is not None:
        contacts = contacts.filter(contacts.started_at >= window_start)
    if window_end is not None:
        contacts = contacts.filter(contacts.started_at <= window_end)
    customers = ds.tables["customers"]
    available = set(customers.columns)
    extras = tuple(c for c in extra_covariates if c in available and c not in BASE_COVARIATES)
    notes = [
        f"configured covariate {c!r} is not a column of the customers table; not used"
        for c in extra_covariates
        if c not in available
    ]
    wanted = ["customer_id", "acquired_at", "churned_at", *BASE_COVARIATES, *extras]
    per_customer = customers.select(*dict.fromkeys(wanted)).join(
        _index_and_history(contacts), "customer_id", how="left"
    )
    df = per_customer.order_by("customer_id").execute()
    total = len(df)
    has_index = df["index_at"].notna().to_numpy()
    df = df.loc[has_index].reset_index(drop=True)

    as_of = pd.Timestamp(ds.as_of)
    index_at = pd.to_datetime(df["index_at"], utc=True)
    churned_at = pd.to_datetime(df["churned_at"], utc=True)
    acquired_at = pd.to_datetime(df["acquired_at"], utc=True)
    before = (churned_at < index_at).fillna(False).to_numpy(dtype=bool)
    df, index_at, churned_at, acquired_at = (
        df.loc[~before].reset_index(drop=True),
        index_at[~before].reset_index(drop=True),
        churned_at[~before].reset_index(drop=True),
        acquired_at[~before].reset_index(drop=True),
    )
    # Churn after as_of is not yet known at as_of: censored there.
    event = (churned_at.notna() & (churned_at <= as_of)).to_numpy(dtype=bool)
    end = churned_at.where(event, as_of)
    seconds = (end - index_at).dt.total_seconds().to_numpy(dtype=np.float64)
    followup = (as_of - index_at).dt.total_seconds().to_numpy(dtype=np.float64)
    tenure = (index_at - acquired_at).dt.total_seconds().to_numpy(dtype=np.float64)
    counts = df[[f"n_{m}" for m in MODES]].to_numpy(dtype=np.int64)
    frame = pd.DataFrame(
        {
            "index_mode": df["index_mode"].astype(str).to_numpy(),
            "last_mode": df["last_mode"].astype(str).to_numpy(),
            # Most frequent mode; ties go to the first in MODES order (argmax keeps the first).
            "primary_mode": np.asarray(MODES)[counts.argmax(axis=1)],
            "exposed": df["index_mode"].isin(AI_ASSISTED).to_numpy(dtype=bool),
            "duration": seconds / DAY_SECONDS,
            "event": event,
            "followup": followup / DAY_SECONDS,
            "tenure_days": tenure / DAY_SECONDS,
            "index_intent": df["index_intent"].to_numpy(dtype=object),
            "index_channel": df["index_channel"].to_numpy(dtype=object),
            "index_month": df["index_month"].to_numpy(dtype=object),
        }
    )
    for col in (*BASE_COVARIATES, *extras):
        frame[col] = df[col].to_numpy()
    return Cohort(
        frame=frame,
        customer_ids=df["customer_id"].astype(str).to_numpy(dtype=np.str_),
        customers_total=total,
        no_index_contact=int((~has_index).sum()),
        churned_before_index=int(before.sum()),
        index_before_acquired=int((tenure < 0).sum()),
        extra_covariates=extras,
        notes=tuple(notes),
    )
