"""Each customer's monthly recurring revenue, exactly as docs/metrics.md defines it.

docs/metrics.md ("Revenue protected"): monthly recurring revenue is ``customers.monthly_revenue``,
else the revenue table's recurring rows. Per customer: the ``monthly_revenue`` value when the
customer has one; otherwise the sum of their ``recurring`` rows divided by the months they were
a customer while the revenue table was recording (from the later of acquisition and the table's
first recurring row, to the earlier of churn and ``as_of``; at least one month). That handles
monthly, quarterly and annual billing alike. Customers with neither get no value (missing), and
the counts by source say how many.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis.expr.datatypes as dt
import numpy as np
import pandas as pd

from cxroi.io.dataset import Dataset

MONTH_DAYS = 365.25 / 12.0
_MONEY = dt.Decimal(38, 6)


@dataclass(frozen=True)
class MonthlyRecurringRevenue:
    """Monthly recurring revenue per customer (sorted by customer_id) and where it came from."""

    by_customer: pd.Series  # float, index customer_id; NaN = unknown
    from_customers_table: int
    from_revenue_table: int
    unknown: int

    @property
    def source(self) -> str:
        parts = []
        if self.from_customers_table:
            parts.append("customers.monthly_revenue")
        if self.from_revenue_table:
            parts.append("revenue table recurring rows")
        return ", else ".join(parts) if parts else "none"


def _recurring_rows(ds: Dataset) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    """Per customer: the sum of recurring rows; and the table's first recurring instant."""
    rev = ds.tables["revenue"]
    rec = rev.filter(rev.kind == "recurring")
    per = (
        rec.group_by("customer_id")
        .aggregate(recurring=rec.amount.cast(_MONEY).sum().cast(_MONEY).cast("float64"))
        .order_by("customer_id")
        .execute()
    )
    first = rec.occurred_at.min().execute()
    return per, (None if first is None or pd.isna(first) else pd.Timestamp(first))


def monthly_recurring_revenue(ds: Dataset) -> MonthlyRecurringRevenue:
    """The per-customer vector the revenue-protected estimator weights customers by."""
    cust = ds.tables["customers"]
    cols = ["customer_id", "acquired_at", "churned_at"]
    if ds.has("customers", "monthly_revenue"):
        cols.append("monthly_revenue")
    frame = cust.select(*cols).order_by("customer_id").execute()
    direct = (
        frame["monthly_revenue"].astype(float)
        if "monthly_revenue" in frame
        else pd.Series(np.nan, index=frame.index)
    )
    from_rows = pd.Series(np.nan, index=frame.index)
    if ds.has("revenue"):
        per, first = _recurring_rows(ds)
        if first is not None and not per.empty:
            f = frame.merge(per, on="customer_id", how="left")
            start = f["acquired_at"].where(f["acquired_at"] > first, first)
            end = f["churned_at"].where(f["churned_at"].notna() & (f["churned_at"] < ds.as_of))
            end = end.fillna(pd.Timestamp(ds.as_of))
            months = ((end - start).dt.total_seconds() / 86400.0 / MONTH_DAYS).clip(lower=1.0)
            from_rows = pd.Series(
                f["recurring"].to_numpy(dtype=float) / months.to_numpy(dtype=float),
                index=frame.index,
            )
    value = direct.where(direct.notna(), from_rows)
    by_customer = pd.Series(value.to_numpy(dtype=float), index=frame["customer_id"].astype(str))
    by_customer.index.name = "customer_id"
    return MonthlyRecurringRevenue(
        by_customer=by_customer,
        from_customers_table=int(direct.notna().sum()),
        from_revenue_table=int((direct.isna() & from_rows.notna()).sum()),
        unknown=int(value.isna().sum()),
    )
