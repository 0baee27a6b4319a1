"""The per-customer retention frame: index contact, exposure, follow-up and covariates.

The per-contact work (first and last contact, mode counts, the index contact's intent, channel
and calendar month) is one grouped Ibis query, so it runs in the engine; only one row per
customer comes back, as Arrow columns turned straight into NumPy arrays (labels as categoricals:
a code per customer, each label stored once). Customer ids order the rows reproducibly; they are
kept apart from the modelling frame (``Cohort.customer_ids``) so that a per-customer weight, such
as monthly revenue, can be aligned to the fitted model, and they never reach the results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import ibis
import ibis.expr.types as ir
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxroi.io.contract import MODES
from cxroi.io.dataset import Dataset

DAY_SECONDS = 86_400.0
BASE_COVARIATES: tuple[str, ...] = ("segment", "plan", "region", "monthly_revenue")
AI_ASSISTED: tuple[str, ...] = ("ai_only", "hybrid")
_LABELS: tuple[str, ...] = ("segment", "plan", "region")


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
    """Per customer, in one grouping: index (first) contact with its mode, intent, channel and
    calendar month; last contact's mode; counts by mode. First and last follow the order
    (started_at, contact_id); the values are taken as structs, which are never null, so a
    missing intent is kept rather than skipped."""
    intent = contacts.intent if "intent" in contacts.columns else ibis.null(str)
    c = contacts.select(
        "customer_id",
        "contact_id",
        "started_at",
        "ai_mode",
        "channel",
        intent=intent.cast("string"),
    )
    order = ibis.struct({"at": c.started_at, "id": c.contact_id})
    first = ibis.struct(
        {"at": c.started_at, "mode": c.ai_mode, "intent": c.intent, "channel": c.channel}
    )
    g = c.group_by("customer_id").aggregate(
        first=first.argmin(order),
        last=ibis.struct({"mode": c.ai_mode}).argmax(order),
        **{f"n_{m}": c.count(where=c.ai_mode == m) for m in MODES},
    )
    return g.select(
        "customer_id",
        index_at=g.first["at"],
        index_mode=g.first["mode"],
        index_intent=g.first["intent"],
        index_channel=g.first["channel"],
        index_month=g.first["at"].strftime("%Y-%m"),
        last_mode=g.last["mode"],
        **{f"n_{m}": g[f"n_{m}"] for m in MODES},
    )


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
    wanted = ["customer_id", "acquired_at", "churned_at", *BASE_COVARIATES]
    per_customer = customers.select(*dict.fromkeys(wanted)).join(
        _index_and_history(contacts), "customer_id", how="left"
    )
    table = per_customer.order_by("customer_id").to_pyarrow()
    total = table.num_rows
    index = _Instants(table["index_at"])
    churned = _Instants(table["churned_at"])
    acquired = _Instants(table["acquired_at"])
    has_index = index.valid
    before = has_index & churned.valid & (churned.micros < index.micros)
    keep = has_index & ~before

    as_of = _micros_of(ds.as_of)
    # Churn after as_of is not yet known at as_of: censored there.
    event = (churned.valid & (churned.micros <= as_of))[keep]
    end = np.where(event, churned.micros[keep], as_of)
    index_at = index.micros[keep]
    seconds = _seconds(end, index_at, churned.nanoseconds or index.nanoseconds)
    followup = _seconds(as_of, index_at, index.nanoseconds)
    tenure = _seconds(index_at, acquired.micros[keep], index.nanoseconds or acquired.nanoseconds)
    tenure[~acquired.valid[keep]] = np.nan
    counts = np.column_stack([_ints(table[f"n_{m}"])[keep] for m in MODES])
    index_mode = _labels(table["index_mode"], keep)
    frame = pd.DataFrame(
        {
            "index_mode": index_mode,
            "last_mode": _labels(table["last_mode"], keep),
            # Most frequent mode; ties go to the first in MODES order (argmax keeps the first).
            "primary_mode": pd.Categorical.from_codes(
                counts.argmax(axis=1), categories=list(MODES)
            ),
            "exposed": np.asarray(index_mode.isin(AI_ASSISTED), dtype=bool),
            "duration": seconds / DAY_SECONDS,
            "event": event,
            "followup": followup / DAY_SECONDS,
            "tenure_days": tenure / DAY_SECONDS,
            "index_intent": _labels(table["index_intent"], keep),
            "index_channel": _labels(table["index_channel"], keep),
            "index_month": _labels(table["index_month"], keep),
        }
    )
    for col in _LABELS:
        frame[col] = _labels(table[col], keep)
    frame["monthly_revenue"] = table["monthly_revenue"].to_pandas().to_numpy()[keep]
    if extras:
        frame = frame.join(_extras(customers, extras).loc[keep].reset_index(drop=True))
    ids = table["customer_id"].filter(pa.array(keep)).to_pylist()
    return Cohort(
        frame=frame,
        customer_ids=np.asarray([str(i) for i in ids], dtype=np.str_),
        customers_total=total,
        no_index_contact=int((~has_index).sum()),
        churned_before_index=int(before.sum()),
        index_before_acquired=int((tenure < 0).sum()),
        extra_covariates=extras,
        notes=tuple(notes),
    )


class _Instants:
    """A timestamp column as UTC microseconds since the epoch (0 where empty) and validity.

    ``nanoseconds``: whether its differences are divided down from nanoseconds, as pandas'
    ``total_seconds`` of the frames this module used to build did for a column with an empty
    value (microseconds otherwise); the two can differ in the last bit, and the estimates stay
    bit-for-bit those of earlier versions.
    """

    def __init__(self, column: pa.ChunkedArray) -> None:
        typ = column.type
        assert isinstance(typ, pa.TimestampType)
        micros = pc.cast(column, pa.timestamp("us", tz=typ.tz)).cast(pa.int64())
        self.valid: npt.NDArray[np.bool_] = np.asarray(
            pc.is_valid(micros).to_numpy(zero_copy_only=False), dtype=bool
        )
        self.micros: npt.NDArray[np.int64] = np.asarray(
            micros.fill_null(0).to_numpy(), dtype=np.int64
        )
        self.nanoseconds = column.null_count > 0 or typ.unit == "ns"


def _micros_of(moment: datetime) -> int:
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _seconds(
    later: npt.NDArray[np.int64] | int, earlier: npt.NDArray[np.int64], nanoseconds: bool
) -> npt.NDArray[np.float64]:
    diff = np.asarray(later - earlier, dtype=np.int64)
    out: npt.NDArray[np.float64] = diff * 1_000 / 10**9 if nanoseconds else diff / 10**6
    return out


def _ints(column: pa.ChunkedArray) -> npt.NDArray[np.int64]:
    return np.asarray(column.fill_null(0).to_numpy(), dtype=np.int64)


def _labels(column: pa.ChunkedArray, keep: npt.NDArray[np.bool_]) -> pd.Categorical:
    """A text column as a categorical (empty = missing), rows where ``keep``."""
    encoded = pc.dictionary_encode(column.combine_chunks())
    codes = np.asarray(encoded.indices.fill_null(-1).to_numpy(), dtype=np.int64)[keep]
    categories = [str(v) for v in encoded.dictionary.to_pylist()]
    return pd.Categorical.from_codes(codes, categories=categories)


def _extras(customers: ir.Table, extras: tuple[str, ...]) -> pd.DataFrame:
    """Configured extra covariates in customer order, as the engine's pandas conversion types
    them (numbers, labels, flags; ``confounder_design`` decides how each enters)."""
    df = customers.select("customer_id", *extras).order_by("customer_id").execute()
    return df.drop(columns="customer_id")
