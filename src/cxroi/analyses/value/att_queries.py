"""The engine side of :mod:`cxroi.analyses.value.att`: cell totals and cluster moments.

Two queries, both returning small frames:

- :func:`cell_sums`: per cell of the covariates (and stratum) and arm, the number of units and the
  exact sum of each outcome. The nuisance models are fitted on these rows in pandas.
- :func:`cluster_moments`: with the fitted cell weights joined back onto the units, each unit's
  influence-function pieces are summed per cluster (customer or agent), and the cross-products of
  those cluster sums are summed over clusters, overall or per group (e.g. month). The variance of
  any linear combination of the estimates is a quadratic form in these moments.

Sums are exact decimals, as everywhere in cxroi (``cxroi.metrics.queries``): a float sum depends
on the order parallel threads add values in, and results.json must be byte-identical run to run.
The influence pieces are rounded to 1e-6 currency units (or seconds, or shares) before summing.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pandas as pd

_DEC = dt.Decimal(38, 6)
_DEC_SQ = dt.Decimal(38, 12)
TREATED = "treated"
CLUSTER = "cluster"


@dataclass(frozen=True)
class AttUnits:
    """The units an ATT is estimated on, as an Ibis table with these columns.

    ``covariates``: categorical text columns without nulls (the caller fills missing values with
    a level of their own). ``treated``: boolean. ``cluster``: the id whose units are dependent
    (customer, agent). ``stratum``: optional text column; each level gets its own models and
    estimates (e.g. novice / experienced agents). ``period``: optional covariate column (a month)
    for the per-period series.
    """

    table: ir.Table
    covariates: tuple[str, ...]
    outcomes: tuple[str, ...]
    stratum: str | None = None
    period: str | None = None

    @property
    def keys(self) -> list[str]:
        return ([self.stratum] if self.stratum else []) + list(self.covariates)


def cell_sums(units: AttUnits) -> pd.DataFrame:
    """Per (stratum, covariate cell, arm): ``n`` units and ``y:<outcome>`` sums, sorted."""
    t = units.table
    aggs: dict[str, ir.Value] = {"n": t.count()}
    for o in units.outcomes:
        # exact decimal sum, then one conversion to float: deterministic and fast to fetch
        aggs[f"y:{o}"] = t[o].cast(_DEC).sum().cast(_DEC).cast("float64")
    keys = [*units.keys, TREATED]
    out = t.group_by(keys).aggregate(**aggs).order_by(keys).execute()
    for o in units.outcomes:
        out[f"y:{o}"] = out[f"y:{o}"].fillna(0.0).astype(float)
    return out


def vector_names(outcomes: tuple[str, ...], strata: tuple[str, ...]) -> list[str]:
    """The per-cluster sums, in the order of the moment matrix: psi, y1 per outcome, n1 last."""
    names: list[str] = []
    for s in strata:
        names += [f"psi:{o}:{s}" for o in outcomes]
        names += [f"y1:{o}:{s}" for o in outcomes]
        names.append(f"n1:{s}")
    return names


def _cluster_sums(
    units: AttUnits, weights: pd.DataFrame, strata: tuple[str, ...], t: ir.Table, group: list[str]
) -> ir.Table:
    """Per ``group`` (the cluster, maybe a period): the sums of :func:`vector_names`."""
    w = ibis.memtable(weights)
    # a fresh view: ibis would otherwise try to extend a join chain the units were built from
    j = t.view().inner_join(w, units.keys)
    arm = j[TREATED]
    level = j[units.stratum] if units.stratum else None
    sums: dict[str, ir.Value] = {}
    for s in strata:
        # without strata every unit counts: no filter at all (the same sums)
        in_s = level == s if level is not None else None
        treated = arm if in_s is None else in_s & arm
        for o in units.outcomes:
            # float arithmetic made explicit: ibis types decimal - float64 as a decimal and would
            # then drop the cast below, leaving DuckDB to sum doubles in a thread-dependent order
            resid = j[o].cast("float64") - j[f"w:m0:{o}"]
            psi = ibis.ifelse(arm, resid, -j["w:odds"] * resid).cast(_DEC)
            sums[f"psi:{o}:{s}"] = psi.sum(where=in_s).cast(_DEC)
        for o in units.outcomes:
            sums[f"y1:{o}:{s}"] = j[o].cast(_DEC).sum(where=treated).cast(_DEC)
        sums[f"n1:{s}"] = arm.cast("int64").sum(where=in_s).cast(_DEC)
    return j.group_by(group).aggregate(**sums)


def _products(pc: ir.Table, names: list[str]) -> dict[str, ir.Value]:
    prods: dict[str, ir.Value] = {"clusters": pc.count()}
    for i, a in enumerate(names):
        for b in names[i:]:
            prods[f"m:{a}|{b}"] = (pc[a] * pc[b]).cast(_DEC_SQ).sum().cast(_DEC_SQ).cast("float64")
    return prods


def _zero_missing(out: pd.DataFrame) -> pd.DataFrame:
    for col in out.columns:
        if col.startswith("m:"):
            out[col] = out[col].fillna(0.0).astype(float)
    return out


def cluster_moments(
    units: AttUnits,
    weights: pd.DataFrame,
    strata: tuple[str, ...],
    by: str | None = None,
    periods: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Sums over clusters of the products of per-cluster sums (and the number of clusters).

    ``weights``: one row per cell (``units.keys``) with ``w:odds`` and ``w:m0:<outcome>``.
    Per unit, ``psi = y - m0`` when treated and ``-odds (y - m0)`` otherwise; per cluster the
    sums of ``psi`` and of treated ``y`` per outcome and stratum, and the treated count per
    stratum. Returns one row (or one per value of ``by``) with ``clusters`` and ``m:<a>|<b>`` for
    every pair of vector names ``a <= b``. ``periods`` restricts the units to those periods.
    """
    t = units.table
    if periods is not None:
        assert units.period is not None
        t = t.filter(t[units.period].isin(list(periods)))
    group = [CLUSTER] + ([by] if by else [])
    per_cluster = _cluster_sums(units, weights, strata, t, group)
    names = vector_names(units.outcomes, strata)
    pc = per_cluster.mutate(**{k: per_cluster[k].fill_null(0) for k in names})
    prods = _products(pc, names)
    if by:
        out = pc.group_by(by).aggregate(**prods).order_by(by).execute()
    else:
        out = pc.aggregate(**prods).execute()
    return _zero_missing(out)


_SCOPE = "_scope"
_OVERALL, _WINDOW, _PERIOD = 0, 1, 2


def cluster_moment_scopes(
    units: AttUnits,
    weights: pd.DataFrame,
    strata: tuple[str, ...],
    window: tuple[str, ...] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame]:
    """:func:`cluster_moments` overall, over the ``window`` periods and per period, in one query.

    Needs ``units.period``. The units are joined to their weights and summed per cluster and
    period once; the per-cluster sums overall and over the window are sums of those (exact
    decimals: the same values as summing the units directly). Returns the overall row, the
    window row (None without a window) and one row per period, sorted.
    """
    period = units.period
    assert period is not None
    names = vector_names(units.outcomes, strata)
    per = _cluster_sums(units, weights, strata, units.table, [CLUSTER, period])

    def regroup(part: ir.Table) -> ir.Table:
        pc = part.group_by(CLUSTER).aggregate(**{k: part[k].sum().cast(_DEC) for k in names})
        return pc.mutate(**{k: pc[k].fill_null(0) for k in names})

    no_period = ibis.null().cast(per[period].type())
    branches = [
        regroup(per).aggregate(**_products(regroup(per), names)).mutate(
            **{_SCOPE: ibis.literal(_OVERALL), period: no_period}
        )
    ]
    if window is not None:
        inside = regroup(per.filter(per[period].isin(list(window))))
        branches.append(
            inside.aggregate(**_products(inside, names)).mutate(
                **{_SCOPE: ibis.literal(_WINDOW), period: no_period}
            )
        )
    pcp = per.mutate(**{k: per[k].fill_null(0) for k in names})
    branches.append(
        pcp.group_by(period).aggregate(**_products(pcp, names)).mutate(
            **{_SCOPE: ibis.literal(_PERIOD)}
        )
    )
    cols = [_SCOPE, period, "clusters", *[c for c in branches[0].columns if c.startswith("m:")]]
    union = ibis.union(*[b.select(*cols) for b in branches], distinct=False)
    out = _zero_missing(union.execute())
    scope = out[_SCOPE].to_numpy()

    def rows(which: int) -> pd.DataFrame:
        part = out[scope == which].drop(columns=[_SCOPE])
        return part.sort_values(period, kind="stable").reset_index(drop=True)

    overall = rows(_OVERALL).drop(columns=[period])
    in_window = rows(_WINDOW).drop(columns=[period]) if window is not None else None
    return overall, in_window, rows(_PERIOD)
