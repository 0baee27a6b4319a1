"""Units of the revenue-generated estimators, as Ibis tables (one row per contact or opportunity).

Contacts: each contact with the sales it sourced — upsell and cross-sell revenue rows attributed
to it (``revenue.contact_id``; a row that books a won opportunity is counted once, as pipeline)
and the amount of won opportunities it sourced (``opportunities.contact_id``). Realised by
``as_of``: an opportunity still open counts nothing yet, for AI-assisted and human contacts alike.

Opportunities: each closed opportunity (``won`` set) with its sourcing contact; outcome won (0/1).

Covariates (categorical; a missing value is a level of its own): the contact's intent, channel
and calendar month, and the customer's segment, plan and region and monthly-revenue band, when
the dataset has them. ``treated`` = the contact is AI-assisted (``ai_only`` or ``hybrid``);
``cluster`` = the customer.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from cxroi.analyses.value.att_queries import CLUSTER, TREATED, AttUnits
from cxroi.analyses.value.queries import AI_MODES, CUSTOMER_BASE, upsell_cross_sell_rows
from cxroi.io.dataset import Dataset

MISSING = "(missing)"
SALES = "upsell_cross_sell"
PIPELINE = "won_pipeline"
WON = "won"
_MONEY = dt.Decimal(38, 6)
REVENUE_BANDS = 4


def revenue_band_edges(monthly_revenue: pd.Series, bands: int = REVENUE_BANDS) -> tuple[float, ...]:
    """Interior quantile cut points of customers' monthly revenue (empty when there is none)."""
    x = monthly_revenue.dropna().to_numpy(dtype=float)
    if x.size == 0:
        return ()
    cuts = np.quantile(x, np.arange(1, bands) / bands)
    return tuple(sorted({float(c) for c in cuts if x.min() < c <= x.max()}))


def _band(x: ir.NumericValue, edges: tuple[float, ...]) -> ir.StringValue:
    cases: list[tuple[ir.BooleanValue, str]] = [(x.isnull(), MISSING)]
    cases += [(x < e, f"band{i + 1}") for i, e in enumerate(edges)]
    return ibis.cases(*cases, else_=f"band{len(edges) + 1}")


def customer_covariates(ds: Dataset, edges: tuple[float, ...]) -> tuple[ir.Table, tuple[str, ...]]:
    """Per customer: the categorical descriptors present in the data, missing as a level."""
    cust = ds.tables["customers"]
    cols: dict[str, ir.Value] = {
        c: cust[c].cast("string").fill_null(MISSING) for c in CUSTOMER_BASE if ds.has("customers", c)
    }
    if edges and ds.has("customers", "monthly_revenue"):
        cols["revenue_band"] = _band(cust.monthly_revenue, edges)
    return cust.select(cust_id=cust.customer_id, **cols), tuple(cols)


def contact_covariates(ds: Dataset) -> tuple[str, ...]:
    return (("intent",) if ds.has("contacts", "intent") else ()) + ("channel", "month")


def _contact_frame(ds: Dataset) -> ir.Table:
    c = ds.tables["contacts"]
    return c.select(
        "contact_id",
        "customer_id",
        **{
            TREATED: c.ai_mode.isin(list(AI_MODES)),
            "month": c.started_at.strftime("%Y-%m"),
            "intent": c.intent.fill_null(MISSING),
            "channel": c.channel.fill_null(MISSING),
        },
    )


def contact_units(ds: Dataset, edges: tuple[float, ...]) -> AttUnits:
    """One row per contact with its sourced sales (``upsell_cross_sell``, ``won_pipeline``)."""
    c = _contact_frame(ds)
    outcomes: dict[str, str] = {}  # outcome -> column holding it
    if ds.has("revenue") and ds.has("revenue", "contact_id"):
        rows = upsell_cross_sell_rows(ds)
        sales = rows.group_by(s_contact=rows.contact_id).aggregate(
            s_amount=rows.amount.cast(_MONEY).sum()
        )
        c = c.left_join(sales, c.contact_id == sales.s_contact).select(c, sales.s_amount)
        outcomes[SALES] = "s_amount"
    if _has_closed_opportunities(ds):
        opp = ds.tables["opportunities"]
        won = opp.filter(opp.won.fill_null(False) & opp.contact_id.notnull())
        won = won.group_by(w_contact=won.contact_id).aggregate(
            w_amount=won.amount.cast(_MONEY).sum()
        )
        c = c.left_join(won, c.contact_id == won.w_contact).select(c, won.w_amount)
        outcomes[PIPELINE] = "w_amount"
    cust, cust_cols = customer_covariates(ds, edges)
    j = c.left_join(cust, c.customer_id == cust.cust_id)
    covariates = contact_covariates(ds) + cust_cols
    table = j.select(
        **{CLUSTER: j.customer_id, TREATED: j[TREATED]},
        **{k: j[k].fill_null(MISSING) for k in covariates},
        **{k: j[col].fill_null(0).cast(_MONEY) for k, col in outcomes.items()},
    )
    return AttUnits(table, covariates, tuple(outcomes), period="month")


def _has_closed_opportunities(ds: Dataset) -> bool:
    return ds.has("opportunities") and all(
        ds.has("opportunities", col) for col in ("contact_id", "won")
    )


def opportunity_units(ds: Dataset, edges: tuple[float, ...]) -> AttUnits:
    """One row per closed opportunity sourced by a contact; outcome ``won`` (0/1).

    Covariates and arm are those of the sourcing contact; the month is that contact's month.
    """
    opp = ds.tables["opportunities"]
    closed = opp.filter(opp.won.notnull() & opp.contact_id.notnull())
    c = _contact_frame(ds)
    j = closed.join(c, closed.contact_id == c.contact_id).select(
        c, won_flag=closed.won.cast("int64")
    )
    cust, cust_cols = customer_covariates(ds, edges)
    j = j.left_join(cust, j.customer_id == cust.cust_id)
    covariates = contact_covariates(ds) + cust_cols
    table = j.select(
        **{CLUSTER: j.customer_id, TREATED: j[TREATED]},
        **{k: j[k].fill_null(MISSING) for k in covariates},
        **{WON: j.won_flag.cast(_MONEY)},
    )
    return AttUnits(table, covariates, (WON,), period="month")
