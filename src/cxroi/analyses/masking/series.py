"""The monthly series the masking detector compares, with customer-clustered covariances.

Three measures on the **bot-entry contacts** (inbound, and ai_only or escalated: the population
containment is a share of, see docs/metrics.md and docs/metric-stack.md):

* containment = ai_only / bot-entry contacts (docs/metrics.md's definition);
* 7-day FCR of the bot-entry contacts eligible for 7 days;
* mean CES (1–7, higher = easier) of their transactional CES answers.

FCR and CES come twice: as reported (the level readers know) and **intent-standardised**
(observed minus what the month's intent mix predicts, :mod:`cxroi.stats.clustered_series`), which
is what months are compared on, so that a drifting intent mix is not read as customers faring
worse. Every level carries the covariance across months from per-customer sums.

Two passes over the contacts, both Ibis (any engine): totals per month and intent, then each
customer's residuals per month against those totals. Only the per-customer-month sums come into
Python, as arrays (customer ids as integer codes made in pyarrow). :func:`series_from_units` does
the same arithmetic on an in-memory frame of bot-entry contacts (the simulation study's path; a
test checks both give the same numbers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxroi.io.contract import ALL
from cxroi.stats.clustered_series import (
    ClusteredSeries,
    CustomerMonthIndex,
    Rates,
    StratifiedTotals,
    clustered_series,
    rates,
)

WINDOW = 7
UNKNOWN_INTENT = "unknown"
# exact sums whatever order threads add them in (results.json stays byte-identical)
DEC = dt.Decimal(38, 6)
RESIDUAL = dt.Decimal(38, 18)
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Measure:
    name: str
    y: str  # outcome summed per unit
    n: str  # units (contacts or answers)
    standardised: bool


MEASURES: tuple[Measure, ...] = (
    Measure("containment", "ai", "one", False),
    Measure("resolution", "resolved", "eligible", False),
    Measure("resolution_adjusted", "resolved", "eligible", True),
    Measure("effort", "ces_sum", "ces_n", False),
    Measure("effort_adjusted", "ces_sum", "ces_n", True),
)
UNIT_COLUMNS = ("one", "ai", "eligible", "resolved", "ces_n", "ces_sum")


@dataclass(frozen=True)
class MaskingSeries:
    """The five monthly series (None where there is no unit at all, e.g. no CES answer)."""

    containment: ClusteredSeries | None
    resolution: ClusteredSeries | None
    resolution_adjusted: ClusteredSeries | None
    effort: ClusteredSeries | None
    effort_adjusted: ClusteredSeries | None
    has_surveys: bool
    strata: tuple[str, ...]

    @property
    def months(self) -> tuple[str, ...]:
        return self.containment.months if self.containment is not None else ()


@dataclass(frozen=True)
class CustomerMonthSums:
    """One entry per customer and month: ``r_<measure>`` (Σ y − offset · n) and ``n_<measure>``.

    ``customer``: codes in the order of the customers' ids (so every run adds the same numbers
    in the same order); ``month``: codes into ``month_labels``.
    """

    customer: IntArray
    month: IntArray
    month_labels: tuple[str, ...]
    values: dict[str, FloatArray]


Residuals = Callable[[pd.DataFrame], CustomerMonthSums]


def _assemble(cells: pd.DataFrame, residuals: Residuals, has_surveys: bool) -> MaskingSeries:
    """Levels from the totals per (month, stratum), covariances from per-customer residuals.

    ``cells``: month, stratum and the UNIT_COLUMNS summed. ``residuals(offsets)`` gets one row per
    (month, stratum) with ``off_<measure>`` and returns one row per customer and month with
    ``r_<measure>`` (Σ y − offset · n) and ``n_<measure>`` (units).
    """
    month_code, month_index = pd.factorize(cells["month"].astype(str), sort=True)
    stratum_code, stratum_index = pd.factorize(cells["stratum"].astype(str), sort=True)
    months = tuple(str(m) for m in month_index)
    strata = tuple(str(s) for s in stratum_index)
    if not months:
        return MaskingSeries(None, None, None, None, None, has_surveys, ())
    grid: dict[str, np.ndarray] = {}
    for col in UNIT_COLUMNS:
        g = np.zeros((len(months), len(strata)))
        np.add.at(g, (month_code, stratum_code), cells[col].to_numpy(dtype=np.float64))
        grid[col] = g
    found: dict[str, Rates | None] = {}
    offsets = pd.DataFrame(
        {"month": np.asarray(months, dtype=object)[month_code],
         "stratum": np.asarray(strata, dtype=object)[stratum_code]}
    )
    for m in MEASURES:
        totals = StratifiedTotals(months, strata, grid[m.n], grid[m.y])
        r = rates(totals if m.standardised else totals.collapsed(ALL))
        found[m.name] = r
        off = np.zeros((len(months), len(strata))) if r is None else r.offsets
        offsets[f"off_{m.name}"] = off[month_code, stratum_code if m.standardised else 0]
    sums = residuals(offsets.sort_values(["month", "stratum"]).reset_index(drop=True))
    month_row = pd.Index(months).get_indexer(list(sums.month_labels))[sums.month]
    index = CustomerMonthIndex(sums.customer, month_row.astype(np.int64))
    built: dict[str, ClusteredSeries | None] = {}
    for m in MEASURES:
        r = found[m.name]
        built[m.name] = (
            None
            if r is None
            else clustered_series(
                r, index, sums.values[f"r_{m.name}"], sums.values[f"n_{m.name}"], m.standardised
            )
        )
    return MaskingSeries(
        built["containment"],
        built["resolution"],
        built["resolution_adjusted"],
        built["effort"],
        built["effort_adjusted"],
        has_surveys,
        strata,
    )


# -- the production path: Ibis ---------------------------------------------------------------
def bot_entry_units(enriched: ir.Table, surveys: ir.Table | None) -> ir.Table:
    """One row per bot-entry contact with the unit columns every measure sums.

    Inbound contacts only, as ``metrics.containment_rate`` counts them: an outbound contact (a
    call-back, a campaign) is never in the containment or resolution denominators.
    """
    bot = (enriched.ai_mode == "ai_only") | enriched.escalated_value
    e = enriched.filter(enriched.inbound & bot)
    eligible = e[f"eligible_{WINDOW}"]
    e = e.mutate(
        stratum=e.intent.fill_null(UNKNOWN_INTENT),
        one=ibis.literal(1),
        ai=(e.ai_mode == "ai_only").cast("int64"),
        eligible=eligible.cast("int64"),
        resolved=(eligible & ~e[f"repeat_{WINDOW}"]).cast("int64"),
    )
    if surveys is None:
        return e.mutate(ces_n=ibis.literal(0), ces_sum=ibis.literal(0).cast(DEC))
    s = surveys.filter((surveys.kind == "ces") & surveys.contact_id.notnull())
    answers = s.group_by("contact_id").aggregate(
        ces_n=s.count(), ces_sum=s.score.cast(DEC).sum().cast(DEC)
    )
    j = e.left_join(answers, "contact_id").select(e, answers.ces_n, answers.ces_sum)
    return j.mutate(ces_n=j.ces_n.fill_null(0), ces_sum=j.ces_sum.fill_null(0).cast(DEC))


def masking_series(enriched: ir.Table, surveys: ir.Table | None) -> MaskingSeries:
    units = bot_entry_units(enriched, surveys).select(
        "customer_id", "month", "stratum", *UNIT_COLUMNS
    )
    # exact (integer or decimal) sums, turned into doubles once summed: deterministic, and
    # doubles come into pandas without a per-value Decimal conversion
    cells_expr = units.group_by(["month", "stratum"]).aggregate(
        **{c: units[c].sum().cast("float64") for c in UNIT_COLUMNS}
    )
    cells = _numeric(cells_expr.execute())

    def residuals(offsets: pd.DataFrame) -> pd.DataFrame:
        off = ibis.memtable(offsets)
        j = units.join(off, ["month", "stratum"])
        aggs: dict[str, ir.Value] = {}
        for m in MEASURES:
            r = j[m.y].cast("float64") - j[f"off_{m.name}"] * j[m.n].cast("float64")
            aggs[f"r_{m.name}"] = r.cast(RESIDUAL).sum().cast("float64")
            aggs[f"n_{m.name}"] = j[m.n].sum().cast("float64")
        grouped = j.group_by(customer=j.customer_id, month=j.month).aggregate(**aggs)
        return _customer_month_sums(grouped.to_pyarrow())

    return _assemble(cells, residuals, surveys is not None)


def _customer_month_sums(table: pa.Table) -> CustomerMonthSums:
    """Codes for the customer and month columns in pyarrow: millions of customer ids never
    become Python objects."""
    customer, _ = _sorted_codes(table.column("customer"))
    month, labels = _sorted_codes(table.column("month"))
    values = {
        name: np.asarray(table.column(name).to_numpy(), dtype=np.float64)
        for name in table.column_names
        if name not in ("customer", "month")
    }
    return CustomerMonthSums(customer, month, tuple(str(v) for v in labels), values)


def _sorted_codes(column: pa.ChunkedArray) -> tuple[IntArray, list[object]]:
    """Each value's rank among the distinct values (ascending), and those values in order."""
    encoded = column.combine_chunks().dictionary_encode()
    order = np.asarray(pc.sort_indices(encoded.dictionary), dtype=np.int64)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    codes = rank[np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)]
    return codes, encoded.dictionary.take(pa.array(order)).to_pylist()


def _numeric(frame: pd.DataFrame) -> pd.DataFrame:
    """Decimal sums -> float; month and stratum as text."""
    for col in frame.columns:
        if col in ("month", "stratum", "customer"):
            frame[col] = frame[col].astype(str) if col != "customer" else frame[col]
        else:
            frame[col] = frame[col].astype(float)
    return frame


# -- the same arithmetic on an in-memory frame ---------------------------------------------------
def series_from_units(units: pd.DataFrame, has_surveys: bool = True) -> MaskingSeries:
    """``units``: one row per bot-entry contact: customer, month, stratum and UNIT_COLUMNS.

    The group-bys are integer bin counts (the simulation study runs this thousands of times).
    """
    month_code, months = pd.factorize(units["month"].astype(str), sort=True)
    stratum_code, strata = pd.factorize(units["stratum"].astype(str), sort=True)
    customer_code, customers = pd.factorize(units["customer"], sort=True)
    n_months, n_strata = len(months), len(strata)
    cell = month_code * n_strata + stratum_code
    values = {c: units[c].to_numpy(dtype=np.float64) for c in UNIT_COLUMNS}
    cells = pd.DataFrame(
        {
            "month": np.repeat(np.asarray(months, dtype=object), n_strata),
            "stratum": np.tile(np.asarray(strata, dtype=object), n_months),
            **{c: np.bincount(cell, values[c], n_months * n_strata) for c in UNIT_COLUMNS},
        }
    )
    cells = cells[cells["one"] > 0].reset_index(drop=True)
    key = customer_code * n_months + month_code
    present = np.flatnonzero(np.bincount(key, minlength=len(customers) * n_months))

    def residuals(offsets: pd.DataFrame) -> CustomerMonthSums:
        where = (
            pd.Index(months).get_indexer(offsets["month"]) * n_strata
            + pd.Index(strata).get_indexer(offsets["stratum"])
        )
        cols: dict[str, FloatArray] = {}
        size = len(customers) * n_months
        for m in MEASURES:
            off = np.zeros(n_months * n_strata)
            off[where] = offsets[f"off_{m.name}"].to_numpy(dtype=np.float64)
            r = values[m.y] - off[cell] * values[m.n]
            cols[f"r_{m.name}"] = np.asarray(np.bincount(key, r, size)[present], np.float64)
            cols[f"n_{m.name}"] = np.asarray(np.bincount(key, values[m.n], size)[present], np.float64)
        return CustomerMonthSums(
            (present // n_months).astype(np.int64),
            (present % n_months).astype(np.int64),
            tuple(str(m) for m in months),
            cols,
        )

    return _assemble(cells, residuals, has_surveys)
