"""Rows of ``metrics`` and ``stack_monthly``: one per period × dimension × group × metric.

``metrics`` reads the metrics section (customer-clustered intervals): the whole span by AI mode,
channel, touchpoint and survey kind, and the monthly series of all contacts. ``stack_monthly``
reads the stack's monthly panel by AI mode, the numbers its triggers compare. The tree holds no
metric by intent, so neither table has one (docs/bi-tables.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from cxroi.io.contract import ALL, MODES
from cxroi.outputs.cells import Row, count_cells, month_start, number_cells
from cxroi.results.model.common import ModeCounts
from cxroi.results.model.governance import StackGroups, StackMonth
from cxroi.results.model.metrics import (
    ContactsApart,
    MetricsSection,
    MonthlyDifference,
    MonthlyMetrics,
    PerMode,
    SurveyMetrics,
)
from cxroi.stats.result import CannotCompute, Estimate, Unit

WHOLE_SPAN = "all"
Number = Estimate | CannotCompute


def _row(
    period: str, dimension: str, group: str, metric: str, cells: Row, source: str
) -> Row:
    return {
        "period": period, "month_start": month_start(period), "dimension": dimension,
        "group": group, "metric": metric, **cells, "source": source,
    }


class _Rows:
    """Collects rows of one table at one privacy threshold."""

    def __init__(self, min_cell: int) -> None:
        self.min_cell = min_cell
        self.rows: list[Row] = []

    def number(
        self, period: str, dimension: str, group: str, metric: str, value: Number | None,
        unit: Unit | None, source: str,
    ) -> None:
        cells = number_cells(value, self.min_cell, unit)
        self.rows.append(_row(period, dimension, group, metric, cells, source))

    def count(
        self, period: str, dimension: str, group: str, metric: str, count: int, source: str
    ) -> None:
        cells = count_cells(count, self.min_cell)
        self.rows.append(_row(period, dimension, group, metric, cells, source))

    def per_mode(self, metric: str, values: PerMode, unit: Unit | None, path: str) -> None:
        for mode in MODES:
            self.number(WHOLE_SPAN, "mode", mode, metric, values.get(mode), unit, f"{path}.{mode}")
        self.number(WHOLE_SPAN, ALL, ALL, metric, values.all, unit, f"{path}.{ALL}")

    def mode_counts(self, metric: str, counts: ModeCounts, path: str) -> None:
        for mode in MODES:
            self.count(WHOLE_SPAN, "mode", mode, metric, counts.get(mode), f"{path}.{mode}")
        self.count(WHOLE_SPAN, ALL, ALL, metric, counts.all, f"{path}.{ALL}")

    def surveys(self, dimension: str, group: str, s: SurveyMetrics, path: str) -> None:
        for metric, value, unit in (
            ("csat", s.csat, Unit.FRACTION),
            ("csat_mean", s.csat_mean, Unit.CSAT_SCORE),
            ("nps", s.nps, Unit.NPS),
            ("ces", s.ces, Unit.CES),
        ):
            self.number(WHOLE_SPAN, dimension, group, metric, value, unit, f"{path}.{metric}")


def metrics_rows(m: MetricsSection, min_cell: int) -> list[Row]:
    out = _Rows(min_cell)
    _whole_span(out, m)
    _apart(out, "outbound", m.outbound)
    _apart(out, "proactive", m.proactive)
    for channel, surveys in _sorted(m.by_channel):
        out.surveys("channel", channel, surveys, f"metrics.by_channel.{channel}")
    for touchpoint, surveys in _sorted(m.by_touchpoint):
        out.surveys("touchpoint", touchpoint, surveys, f"metrics.by_touchpoint.{touchpoint}")
    out.surveys("survey", "relationship", m.relationship_surveys, "metrics.relationship_surveys")
    for month in m.monthly:
        _month(out, month)
    for gap in m.csat_delta_hybrid_vs_human_monthly:
        _csat_gap(out, gap)
    return out.rows


def _sorted(values: Mapping[str, SurveyMetrics]) -> list[tuple[str, SurveyMetrics]]:
    return sorted(values.items())


def _whole_span(out: _Rows, m: MetricsSection) -> None:
    for window, values in sorted(m.fcr.items()):
        out.per_mode(f"fcr_{window}d", values, Unit.FRACTION, f"metrics.fcr_{window}d")
    for window, values in sorted(m.cost_per_resolution.items()):
        name = f"cost_per_resolution_{window}d"
        out.per_mode(name, values, Unit.MONEY, f"metrics.{name}")
    for name, values, unit in (
        ("cost_per_contact", m.cost_per_contact, Unit.MONEY),
        ("aht_seconds", m.aht_seconds, Unit.SECONDS),
        ("csat", m.csat, Unit.FRACTION),
        ("csat_mean", m.csat_mean, Unit.CSAT_SCORE),
        ("nps", m.nps, Unit.NPS),
        ("ces", m.ces, Unit.CES),
    ):
        out.per_mode(name, values, unit, f"metrics.{name}")
    for name, value, unit in (
        ("containment_rate", m.containment_rate, Unit.FRACTION),
        ("false_containment_7d", m.false_containment_7d, Unit.FRACTION),
        ("post_ai_nps", m.post_ai_nps, Unit.NPS),
    ):
        out.number(WHOLE_SPAN, ALL, ALL, name, value, unit, f"metrics.{name}")
    counts = m.counts
    out.mode_counts("contacts", counts.contacts, "metrics.counts.contacts")
    out.mode_counts("escalated", counts.escalated, "metrics.counts.escalated")
    inbound = counts.by_direction.inbound
    out.mode_counts("inbound_contacts", inbound, "metrics.counts.by_direction.inbound")
    out.count(WHOLE_SPAN, ALL, ALL, "cost_modelled", counts.cost_modelled,
              "metrics.counts.cost_modelled")
    out.count(WHOLE_SPAN, ALL, ALL, "handle_imputed", counts.handle_imputed,
              "metrics.counts.handle_imputed")


def _apart(out: _Rows, kind: str, apart: ContactsApart) -> None:
    """Outbound or proactive contacts, kept out of the service metrics (``<kind>_<metric>``)."""
    out.mode_counts(f"{kind}_contacts", apart.contacts, f"metrics.{kind}.contacts")
    out.per_mode(f"{kind}_cost_per_contact", apart.cost_per_contact, Unit.MONEY,
                 f"metrics.{kind}.cost_per_contact")
    out.per_mode(f"{kind}_aht_seconds", apart.aht_seconds, Unit.SECONDS,
                 f"metrics.{kind}.aht_seconds")


def _month(out: _Rows, month: MonthlyMetrics) -> None:
    p = month.month
    series = "metrics.monthly[*]"
    out.count(p, ALL, ALL, "contacts", month.contacts, f"{series}.contacts")
    values: list[tuple[str, Number, Unit]] = [
        ("containment_rate", month.containment_rate, Unit.FRACTION),
        *((f"fcr_{w}d", v, Unit.FRACTION) for w, v in sorted(month.fcr.items())),
        ("false_containment_7d", month.false_containment_7d, Unit.FRACTION),
        ("csat", month.csat, Unit.FRACTION),
        ("ces", month.ces, Unit.CES),
    ]
    for name, value, unit in values:
        out.number(p, ALL, ALL, name, value, unit, f"{series}.{name}")


def _csat_gap(out: _Rows, gap: MonthlyDifference) -> None:
    """CSAT(hybrid) − CSAT(human_only): private as its smaller side."""
    cells = number_cells(_gap_estimate(gap), out.min_cell, Unit.DIFFERENCE)
    source = "metrics.csat_delta_hybrid_vs_human_monthly[*]"
    out.rows.append(
        _row(gap.month, "mode_contrast", "hybrid_vs_human_only", "csat_delta", cells, source)
    )


def _gap_estimate(gap: MonthlyDifference) -> Number:
    if gap.estimate is None:
        return CannotCompute(gap.note or "not computed")
    sides = [s for s in (gap.n_hybrid, gap.n_human_only) if s is not None]
    return Estimate(
        gap.estimate, gap.ci_low, gap.ci_high, method=gap.method or "", se=gap.se,
        n=min(sides) if sides else None, unit=gap.unit,
    )


def stack_monthly_rows(months: tuple[StackMonth, ...], min_cell: int) -> list[Row]:
    out = _Rows(min_cell)
    series = "stack.monthly[*]"
    for month in months:
        p = month.month
        out.number(p, ALL, ALL, "containment_rate", month.containment_rate, Unit.FRACTION,
                   f"{series}.containment_rate")
        for name, groups, unit in (
            ("fcr_7d", month.fcr_7d, Unit.FRACTION),
            ("csat", month.csat, Unit.FRACTION),
            ("nps", month.nps, Unit.NPS),
            ("ces", month.ces, Unit.CES),
        ):
            _stack_groups(out, p, name, groups, unit, f"{series}.{name}")
    return out.rows


def _stack_groups(
    out: _Rows, period: str, metric: str, groups: StackGroups, unit: Unit, path: str
) -> None:
    for group in (*MODES, "ai_assisted"):
        value = getattr(groups, group)
        out.number(period, "mode", group, metric, value, unit, f"{path}.{group}")
    out.number(period, ALL, ALL, metric, groups.all, unit, f"{path}.{ALL}")

