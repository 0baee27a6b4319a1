"""Per-customer sufficient statistics, the engine side of customer-clustered intervals.

A clustered variance needs each customer's own totals (``cxroi.stats.clustered``), yet only
per-group numbers may leave the engine. Two steps, both plain aggregations in Ibis:

1. **Cells** (``contact_cells``, ``survey_cells``): the enriched contacts (or survey answers)
   summed per customer × month × mode × direction × proactive (surveys: × channel ×
   touchpoint). This is the one pass over the contacts; it is materialised once and is smaller
   than the contacts (a customer's contacts in one month and mode collapse into one row).
2. **Clustered sums** (``clustered_sums``): the cells summed per customer × group into the
   *variables* a metric needs (e.g. eligible and resolved contacts), then per group into
   ``Σv`` and ``Σv²`` for each variable, ``Σ num·den`` for each ratio and the number of customers
   in each ratio's population. "All" is its own grouping (no group key): a customer's totals
   over every mode are not the sum of its per-mode squares.

Every sum is of integers or exact decimals, so the result does not depend on the order in which
parallel threads add rows and ``results.json`` stays byte-identical. Money enters as 60 × cost at
12 decimals (``queries.cost_times_60``), exact; its squares are taken of the per-customer total
rounded to 6 decimals (an error below 1e-6 currency units per customer, in the variance only;
the point estimates use the exact sums). With whole seconds and rates of up to 6 decimals the
rounding changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from cxroi.stats.clustered import PairedRatioSums, RatioSums, exact_fraction

_MONEY = dt.Decimal(38, 6)
_MOMENT = dt.Decimal(38, 12)
CUSTOMER = "customer_id"

Variables = Callable[[ir.Table], Mapping[str, ir.Value]]


@dataclass(frozen=True)
class Ratio:
    """A metric ``Σ num / Σ den``; ``domain`` (default ``den``) > 0 puts a customer in its population."""

    name: str
    num: str
    den: str
    domain: str | None = None

    @property
    def population(self) -> str:
        return self.domain or self.den


@dataclass(frozen=True)
class Pair:
    """Two ratios whose difference is reported: needs the cross sums of both sides."""

    name: str
    a: Ratio
    b: Ratio


def contact_cells(enriched: ir.Table, windows: Sequence[int]) -> ir.Table:
    """Step 1 for contacts: sums per customer × month × mode × inbound × proactive."""
    e = enriched
    aggs: dict[str, ir.Value] = {
        "n": e.count(),
        "escalated": e.escalated_value.sum(),
        "cost_modelled": e.cost_modelled.sum(),
        "handle_imputed": e.handle_imputed.sum(),
        "cost_x60": e.cost_x60.sum(),
        "handle": e.handle_seconds.cast(_MONEY).sum(),
        "n_handle": e.handle_seconds.count(),
    }
    for w in windows:
        eligible = e[f"eligible_{w}"]
        aggs[f"eligible_{w}"] = eligible.sum()
        aggs[f"resolved_{w}"] = (eligible & ~e[f"repeat_{w}"]).sum()
        aggs[f"cost_x60_eligible_{w}"] = e.cost_x60.sum(where=eligible)
    keys = [CUSTOMER, "month", "ai_mode", "inbound", "proactive"]
    return e.group_by(keys).aggregate(**aggs)


def survey_cells(answers: ir.Table, keys: Sequence[str]) -> ir.Table:
    """Step 1 for survey answers (with ``customer_id``, ``kind``, ``score``): sums per ``keys``."""
    s = answers
    kind = s.kind
    score = s.score.cast(_MONEY)
    csat, nps, ces = kind == "csat", kind == "nps", kind == "ces"
    promoter, detractor = nps & (s.score >= 9), nps & (s.score <= 6)
    return s.group_by([CUSTOMER, *keys]).aggregate(
        csat_n=csat.sum(),
        csat_top=(csat & (s.score >= 4)).sum(),
        csat_score=score.sum(where=csat),
        nps_n=nps.sum(),
        promoters=promoter.sum(),
        detractors=detractor.sum(),
        ces_n=ces.sum(),
        ces_score=score.sum(where=ces),
    )


def clustered_sums(
    cells: ir.Table,
    by: Sequence[str],
    variables: Variables,
    ratios: Sequence[Ratio],
    pairs: Sequence[Pair] = (),
    counts: Sequence[str] = (),
) -> ir.Table:
    """Step 2: per group in ``by``, the sums over customers that clustered intervals need.

    Only the variables that ``ratios``, ``pairs`` and ``counts`` name are computed.
    """
    used = set(counts)
    for r in [*ratios, *(side for p in pairs for side in (p.a, p.b))]:
        used |= {r.num, r.den, r.population}
    wanted = {k: v for k, v in variables(cells).items() if k in used}
    per = cells.group_by([CUSTOMER, *by]).aggregate(
        **{name: expr.fill_null(0) for name, expr in wanted.items()}
    )
    return moment_sums(per, by, tuple(wanted), ratios, pairs)


def moment_sums(
    per: ir.Table,
    by: Sequence[str],
    wanted: Sequence[str],
    ratios: Sequence[Ratio],
    pairs: Sequence[Pair] = (),
) -> ir.Table:
    """The second half of :func:`clustered_sums`, for ``per`` already one row per customer ×
    ``by`` with the variables ``wanted`` (no nulls): their sums, squares and cross products per
    group in ``by``."""
    moment = {name: _for_moments(per[name]) for name in wanted}
    aggs: dict[str, ir.Value] = {}
    for name in wanted:
        aggs[f"s__{name}"] = per[name].sum()
        aggs[f"q__{name}"] = _moment_sum(moment[name] * moment[name])
    for r in [*ratios, *(side for p in pairs for side in (p.a, p.b))]:
        aggs[f"x__{r.num}__{r.den}"] = _moment_sum(moment[r.num] * moment[r.den])
        aggs[f"g__{r.name}"] = (per[r.population] > 0).sum()
    for p in pairs:
        for u in (p.a.num, p.a.den):
            for v in (p.b.num, p.b.den):
                aggs[f"x__{u}__{v}"] = _moment_sum(moment[u] * moment[v])
        either = (per[p.a.population] > 0) | (per[p.b.population] > 0)
        aggs[f"g__{p.name}"] = either.sum()
    return per.group_by(list(by)).aggregate(**aggs) if by else per.aggregate(**aggs)


def _for_moments(v: ir.Value) -> ir.Value:
    t = v.type()
    if t.is_decimal() and (t.scale or 0) > 6:
        return v.cast(_MONEY)
    return v


def _moment_sum(product: ir.NumericValue) -> ir.Value:
    return product.sum().cast(_MOMENT) if product.type().is_decimal() else product.sum()


def ratio_sums(row: Mapping[str, Any], r: Ratio, scale: Fraction = Fraction(1)) -> RatioSums:
    """The customers' sums for ratio ``r`` from one result row; ``scale`` multiplies ``num``."""
    sums = RatioSums.of(
        row.get(f"g__{r.name}"),
        row.get(f"s__{r.num}"),
        row.get(f"s__{r.den}"),
        row.get(f"q__{r.num}"),
        row.get(f"q__{r.den}"),
        row.get(f"x__{r.num}__{r.den}"),
    )
    return sums.scaled(scale) if scale != 1 else sums


def paired_sums(row: Mapping[str, Any], p: Pair) -> PairedRatioSums:
    def cross(u: str, v: str) -> Fraction:
        return exact_fraction(row.get(f"x__{u}__{v}"))

    return PairedRatioSums(
        ratio_sums(row, p.a),
        ratio_sums(row, p.b),
        int(row.get(f"g__{p.name}") or 0),
        cross(p.a.num, p.b.num),
        cross(p.a.num, p.b.den),
        cross(p.a.den, p.b.num),
        cross(p.a.den, p.b.den),
    )


def count(row: Mapping[str, Any] | None, name: str) -> int:
    """A summed count from a result row (0 when the group or the sum is missing)."""
    if row is None:
        return 0
    return int(exact_fraction(row.get(f"s__{name}")))
