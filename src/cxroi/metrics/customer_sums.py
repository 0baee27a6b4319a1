"""Per-customer sufficient statistics, the engine side of customer-clustered intervals.

A clustered variance needs each customer's own totals (``cxroi.stats.clustered``), yet only
per-group numbers may leave the engine. Two steps, both plain aggregations in Ibis:

1. **Customer totals** (``customer_totals``): the rows (enriched contacts, or survey cells)
   summed per customer × group into the *variables* a metric needs (e.g. eligible and resolved
   contacts). The contacts are summed straight into these totals: a customer has a handful of
   contacts in a month, so an intermediate table per customer × month × mode would be nearly as
   large as the contacts and only add a pass. Survey answers are first summed per customer and
   answer cell (``survey_cells``), which several groupings then share.
2. **Moment sums** (``moment_sums``): the totals summed per group into ``Σv`` and ``Σv²`` for
   each variable, ``Σ num·den`` for each ratio and the number of customers in each ratio's
   population. "All" is its own grouping: a customer's totals over every mode are the sums of
   its per-mode totals (``rolled_up``), but its square is not the sum of its per-mode squares.

``clustered_sums`` does both steps for one grouping.

Every sum is of integers or exact decimals, so the result does not depend on the order in which
parallel threads add rows and ``results.json`` stays byte-identical. Money enters as 60 × cost at
12 decimals (``queries.cost_times_60``), exact; its squares are taken of the per-customer total
rounded to 6 decimals (an error below 1e-6 currency units per customer, in the variance only;
the point estimates use the exact sums). With whole seconds and rates of up to 6 decimals the
rounding changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
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
    """Per group in ``by``, the sums over customers that clustered intervals need.

    Only the variables that ``ratios``, ``pairs`` and ``counts`` name are computed.
    """
    used = used_variables(ratios, pairs, counts)
    per = customer_totals(cells, by, variables, used)
    return moment_sums(per, by, used, ratios, pairs)


def used_variables(
    ratios: Sequence[Ratio], pairs: Sequence[Pair] = (), counts: Sequence[str] = ()
) -> set[str]:
    """The variables that ``ratios``, ``pairs`` and ``counts`` name."""
    used = set(counts)
    for r in [*ratios, *(side for p in pairs for side in (p.a, p.b))]:
        used |= {r.num, r.den, r.population}
    return used


def customer_totals(
    rows: ir.Table, by: Sequence[str], variables: Variables, names: Collection[str]
) -> ir.Table:
    """Each customer's totals of the named variables per group in ``by`` (0 where it has none)."""
    wanted = {k: v for k, v in variables(rows).items() if k in names}
    return rows.group_by([CUSTOMER, *by]).aggregate(
        **{name: expr.fill_null(0) for name, expr in wanted.items()}
    )


def rolled_up(per: ir.Table, names: Collection[str], keep: Sequence[str] = ()) -> ir.Table:
    """Each customer's totals over every group of ``per`` (per value of ``keep``): sums.

    A customer's totals over all modes are the sums of its per-mode totals, so "all" is
    computed from the per-mode totals (one row per customer and mode) instead of from the
    contacts again.
    """
    named = [c for c in per.columns if c in names]
    return per.group_by([CUSTOMER, *keep]).aggregate(**{name: per[name].sum() for name in named})


def moment_sums(
    per: ir.Table,
    by: Sequence[str],
    names: Collection[str],
    ratios: Sequence[Ratio],
    pairs: Sequence[Pair] = (),
) -> ir.Table:
    """Step 2: from customer totals (``customer_totals``), per group in ``by`` the sums over
    customers: ``Σv`` and ``Σv²`` of each named variable, ``Σ num·den`` of each ratio and the
    customers in each ratio's population."""
    named = [c for c in per.columns if c in names]  # in the table's order: a stable query
    moment = {name: _for_moments(per[name]) for name in named}
    aggs: dict[str, ir.Value] = {}
    for name in named:
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
        # round(), not a cast: the same value (half away from zero on both engines), and DuckDB
        # rounds a 38-digit decimal about 1.5x as fast as it casts it to a smaller scale
        assert isinstance(v, ir.NumericValue)
        return v.round(6).cast(_MONEY)
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
