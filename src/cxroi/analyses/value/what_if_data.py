"""The small frames the what-if needs, read once from the engine (see ``queries``).

Everything per customer stays in the engine: only per-cell, per-month, per-hour-of-week and
per-design-month aggregates reach pandas.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pandas as pd

from cxroi.analyses.value import queries as q
from cxroi.io.dataset import Dataset
from cxroi.stats.result import CannotCompute

WINDOW_MONTHS = 12


@dataclass(frozen=True)
class Staffed:
    """Agents in the ``agents`` table during the design month."""

    headcount: int
    """Employed at any time in the month."""
    average_headcount: float
    """Person-time employed over the month / the month's length."""


@dataclass(frozen=True)
class Abandonment:
    """Abandoned contacts and total seconds waited on live channels (latest 12 months)."""

    abandoned: int
    waited_seconds: float


@dataclass(frozen=True)
class WhatIfData:
    monthly: pd.DataFrame
    """:func:`queries.what_if_monthly_cells` over all months."""
    window: tuple[str, ...]
    """The latest (up to) 12 calendar months."""
    design_month: str
    """The busiest month of the window by inbound contacts: the staffing design point."""
    days_in_design_month: int
    by_cell: pd.DataFrame
    by_channel: pd.DataFrame
    overall: pd.DataFrame
    hours: pd.DataFrame
    """:func:`queries.hour_of_week_counts` over the window."""
    staffed: Staffed | CannotCompute
    abandonment: Abandonment | None


def _busiest(monthly: pd.DataFrame, window: tuple[str, ...]) -> str:
    inbound = monthly[monthly["inbound"].astype(bool) & monthly["month"].isin(window)]
    per_month = inbound.groupby("month")["n"].sum().reindex(list(window), fill_value=0)
    # ties go to the latest month
    return str(per_month[::-1].idxmax())


def _month_bounds(month: str, zone: str) -> tuple[datetime, datetime, int]:
    year, mon = (int(x) for x in month.split("-"))
    days = monthrange(year, mon)[1]
    tz = ZoneInfo(zone)
    start = datetime(year, mon, 1, tzinfo=tz)
    end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=tz)
    return start, end, days


def _staffed(ds: Dataset, month: str) -> Staffed | CannotCompute:
    if not ds.has("agents"):
        return CannotCompute("the dataset has no agents table: staffed headcount is unknown")
    start, end, _ = _month_bounds(month, ds.timezone)
    headcount, average = q.agents_active(ds, start, end)
    if headcount == 0:
        return CannotCompute(f"the agents table has nobody employed in {month}")
    return Staffed(headcount, average)


def _abandonment(ds: Dataset, first_month: str, live: tuple[str, ...]) -> Abandonment | None:
    contacts = ds.tables["contacts"]
    if "abandoned" not in contacts.columns or not ds.has("contacts", "wait_seconds"):
        return None
    if not isinstance(contacts.abandoned.type(), dt.Boolean):
        return None
    abandoned, waited = q.abandonment_sums(ds, first_month, live)
    return Abandonment(abandoned, waited) if waited > 0 else None


def load_what_if_data(
    ds: Dataset, enriched: ir.Table, live_channels: tuple[str, ...]
) -> WhatIfData | CannotCompute:
    """Run the what-if queries on the enriched contacts (``ExactMetrics.enriched``)."""
    monthly = q.what_if_monthly_cells(q.what_if_contacts(enriched))
    if monthly.empty:
        return CannotCompute("no contacts")
    months = sorted(monthly["month"].astype(str).unique())
    window = tuple(months[-WINDOW_MONTHS:])
    recent = q.what_if_contacts(enriched, window[0])
    surveys = ds.tables["surveys"] if ds.has("surveys") else None
    design = _busiest(monthly, window)
    by_cell, by_channel, overall = q.clustered_cell_sums_nested(
        recent, surveys, (q.WHAT_IF_CELL, ("channel", "ai_mode", "inbound"), ("ai_mode", "inbound"))
    )
    return WhatIfData(
        monthly=monthly,
        window=window,
        design_month=design,
        days_in_design_month=_month_bounds(design, ds.timezone)[2],
        by_cell=by_cell,
        by_channel=by_channel,
        overall=overall,
        hours=q.hour_of_week_counts(recent),
        staffed=_staffed(ds, design),
        abandonment=_abandonment(ds, window[0], live_channels),
    )


__all__ = ["Abandonment", "Staffed", "WhatIfData", "load_what_if_data"]
