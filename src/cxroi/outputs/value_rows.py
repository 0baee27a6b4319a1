"""Rows of ``pillars``, ``pillars_monthly`` and ``roi_monthly``, from the typed value section.

Each money figure keeps the labels docs/metrics.md requires of it (horizon, basis, margin,
class of evidence), so a dashboard built on these tables can say what a number is. The board's
figure of each pillar is marked ``headline``; ROI figures resting on default costs are marked
``illustrative`` (the report shows them only under that banner, and so should a dashboard).
"""

from __future__ import annotations

from dataclasses import dataclass

from cxroi.outputs.cells import Row, figure_cells, month_start
from cxroi.results.model.money import Evidence
from cxroi.results.model.scenario import (
    BenefitLine,
    RoiMonth,
    RoiWorksheet,
    WhatIfResult,
)
from cxroi.results.model.value import GeneratedRevenue, RevenueAtRisk, ValueSection
from cxroi.stats.result import CannotCompute, Estimate, Unit

Value = Estimate | CannotCompute | None


@dataclass(frozen=True)
class Figure:
    """One row of ``pillars`` before it becomes cells."""

    pillar: str
    name: str
    value: Value
    unit: Unit | None
    source: str
    headline: bool = False
    small: bool = False  # the tree marks the figure's group as too small (a risk link)


def pillar_rows(v: ValueSection, min_cell: int) -> list[Row]:
    illustrative = v.roi_worksheet.illustrative
    rows = []
    for f in _figures(v):
        cells = figure_cells(f.value, min_cell, f.unit, small=f.small)
        rows.append({
            "pillar": f.pillar, "name": f.name, "headline": f.headline, **cells,
            "illustrative": illustrative and f.pillar == "roi", "source": f.source,
        })
    return rows


def _figures(v: ValueSection) -> list[Figure]:
    return [
        *_protected(v),
        *_generated(v.generated),
        *_at_risk(v.risk),
        Figure("clv", "clv.per_customer", v.clv, Unit.MONEY, "value.clv", headline=True),
        *_what_if(v.what_if_stopped),
        *_roi(v.roi_worksheet),
    ]


def _protected(v: ValueSection) -> list[Figure]:
    p = "revenue_protected"
    out = [Figure(p, f"{p}.12m", v.revenue_protected_12m, Unit.MONEY,
                  "value.revenue_protected_12m", headline=True)]
    if v.revenue_protected_12m_margin is not None:
        out.append(Figure(p, f"{p}.12m_margin", v.revenue_protected_12m_margin, Unit.MONEY,
                          "value.revenue_protected_12m_margin"))
    lifetime = v.revenue_protected_lifetime
    if isinstance(lifetime, CannotCompute):
        return [*out, Figure(p, f"{p}.lifetime", lifetime, Unit.MONEY,
                             "value.revenue_protected_lifetime")]
    for i, row in enumerate(lifetime.rows):
        horizon = "lifetime" if row.horizon_months is None else f"{row.horizon_months}m"
        stem = f"{p}.{horizon}_{row.persistence.value}"
        where = f"value.revenue_protected_lifetime.rows[{i}]"
        out.append(Figure(p, stem, row.revenue, Unit.MONEY, f"{where}.revenue"))
        out.append(Figure(p, f"{stem}_margin", row.margin, Unit.MONEY, f"{where}.margin"))
    return out


def _generated(g: GeneratedRevenue) -> list[Figure]:
    p = "revenue_generated"
    at = "value.generated"
    out = [Figure(p, f"{p}.incremental", g.incremental, Unit.MONEY, f"{at}.incremental",
                  headline=True)]
    for part, value in sorted(g.incremental_parts.items()):
        out.append(Figure(p, f"{p}.incremental.{part}", value, Unit.MONEY,
                          f"{at}.incremental_parts.{part}"))
    out.append(Figure(p, f"{p}.attributed", g.attributed, Unit.MONEY, f"{at}.attributed"))
    for part, value in sorted(g.attributed_parts.items()):
        out.append(Figure(p, f"{p}.attributed.{part}", value, Unit.MONEY,
                          f"{at}.attributed_parts.{part}"))
    out += [
        Figure(p, f"{p}.human_only_attributed", g.human_only_attributed, Unit.MONEY,
               f"{at}.human_only_attributed"),
        Figure(p, f"{p}.conversion_lift", g.conversion_lift, Unit.DIFFERENCE,
               f"{at}.conversion_lift"),
        Figure(p, f"{p}.conversion_lift_descriptive", g.conversion_lift_descriptive,
               Unit.DIFFERENCE, f"{at}.conversion_lift_descriptive"),
        Figure(p, f"{p}.incremental_won_deals", g.incremental_won_deals, Unit.COUNT,
               f"{at}.incremental_won_deals"),
        Figure(p, f"{p}.cac_offset", g.cac_offset, Unit.MONEY, f"{at}.cac_offset"),
    ]
    return out


def _at_risk(risk: RevenueAtRisk | CannotCompute) -> list[Figure]:
    p = "revenue_at_risk"
    if isinstance(risk, CannotCompute):
        return [Figure(p, f"{p}.total", risk, Unit.MONEY, "value.risk", headline=True)]
    out = [
        Figure(p, f"{p}.total", risk.total, Unit.MONEY, "value.risk.total", headline=True),
        Figure(p, f"{p}.ordinary", risk.ordinary, Unit.MONEY, "value.risk.ordinary"),
        Figure(p, f"{p}.chain_weakness", risk.chain_weakness, Unit.MONEY,
               "value.risk.chain_weakness"),
        Figure(p, f"{p}.expected_churners", risk.expected_churners, Unit.COUNT,
               "value.risk.expected_churners"),
    ]
    for i, part in enumerate(risk.links):
        out.append(Figure(p, f"{p}.link.{part.link}", part.attributable, Unit.MONEY,
                          f"value.risk.links[{i}].attributable", small=part.small_cell))
    for name, reason in sorted(risk.unavailable_links.items()):
        out.append(Figure(p, f"{p}.link.{name}", CannotCompute(reason), Unit.MONEY,
                          f"value.risk.unavailable_links.{name}"))
    return out


def _what_if(w: WhatIfResult | CannotCompute) -> list[Figure]:
    p = "what_if_stopped"
    at = "value.what_if_stopped"
    if isinstance(w, CannotCompute):
        return [Figure(p, f"{p}.extra_cost", w, Unit.MONEY, at, headline=True)]
    out = [
        Figure(p, f"{p}.extra_cost", w.extra_cost, Unit.MONEY, f"{at}.extra_cost", headline=True),
        Figure(p, f"{p}.extra_handle_hours", w.extra_handle_hours, Unit.HOURS,
               f"{at}.extra_handle_hours"),
    ]
    staffing = w.staffing
    for model in ("erlang_a", "erlang_c"):
        value = (staffing if isinstance(staffing, CannotCompute)
                 else getattr(staffing, model).extra_fte)
        out.append(Figure(p, f"{p}.extra_fte_{model}", value, Unit.FTE,
                          f"{at}.staffing.{model}.extra_fte"))
    return out


def _roi(w: RoiWorksheet) -> list[Figure]:
    p = "roi"
    at = "value.roi_worksheet"
    out = [
        Figure(p, f"{p}.ratio", w.roi, Unit.RATIO, f"{at}.roi", headline=True),
        Figure(p, f"{p}.p_roi_positive", _share(w.p_roi_positive, "P(ROI > 0)"), Unit.FRACTION,
               f"{at}.p_roi_positive"),
        Figure(p, f"{p}.payback_months", w.payback_months, Unit.MONTHS, f"{at}.payback_months"),
        Figure(p, f"{p}.total_benefit", w.total_benefit, Unit.MONEY, f"{at}.total_benefit"),
        Figure(p, f"{p}.tco_12m", w.tco.total_12m, Unit.MONEY, f"{at}.tco.total_12m"),
    ]
    for i, line in enumerate(w.benefits):
        out.append(Figure(p, f"{p}.benefit.{line.name}", line.value_12m, Unit.MONEY,
                          f"{at}.benefits[{i}].value_12m"))
    return out


def _share(p: float | None, what: str) -> Estimate | CannotCompute:
    if p is None:
        return CannotCompute(f"{what} is not available")
    return Estimate(p, method="share of the Monte Carlo draws", unit=Unit.FRACTION)


# ------------------------------------------------------------------------- pillars_monthly


def pillar_monthly_rows(v: ValueSection, min_cell: int) -> list[Row]:
    rows: list[Row] = []
    g = v.generated

    def add(period: str, pillar: str, name: str, value: Value, source: str) -> None:
        cells = figure_cells(value, min_cell, Unit.MONEY)
        rows.append({"period": period, "month_start": month_start(period), "pillar": pillar,
                     "name": name, **cells, "illustrative": False, "source": source})

    for item in g.monthly:
        add(item.period, "revenue_generated", "revenue_generated.incremental", item.amount,
            "value.generated.monthly[*].amount")
    for item in g.cac_offset_monthly:
        add(item.period, "revenue_generated", "revenue_generated.cac_offset", item.amount,
            "value.generated.cac_offset_monthly[*].amount")
    if not isinstance(v.what_if_stopped, CannotCompute):
        for cost in v.what_if_stopped.monthly:
            add(cost.month, "what_if_stopped", "what_if_stopped.extra_cost", cost.extra_cost,
                "value.what_if_stopped.monthly[*].extra_cost")
    return rows


# ----------------------------------------------------------------------------- roi_monthly


def roi_monthly_rows(w: RoiWorksheet, min_cell: int) -> list[Row]:
    evidence = {line.name: _evidence(line) for line in w.benefits}
    rows: list[Row] = []
    for month in w.monthly:
        rows += _month_lines(month, evidence, w, min_cell)
        rows += _trailing_lines(month, w, min_cell)
    return rows


def _evidence(line: BenefitLine) -> str:
    return line.value_12m.evidence.value


def _line(
    month: str, window: str, line: str, cells: Row, w: RoiWorksheet, source: str
) -> Row:
    return {"period": month, "month_start": month_start(month), "window": window, "line": line,
            **cells, "tco_source": w.tco_source, "illustrative": w.illustrative, "source": source}


def _month_lines(
    m: RoiMonth, evidence: dict[str, str], w: RoiWorksheet, min_cell: int
) -> list[Row]:
    at = "value.roi_worksheet.monthly[*]"
    central = "central value of the month"
    lines: list[tuple[str, float | None, str | None, str]] = [
        *((name, value, evidence.get(name), f"{at}.benefits.{name}")
          for name, value in sorted(m.benefits.items())),
        ("licences_and_run_cost", m.licences_and_run_cost, Evidence.ASSUMPTION.value,
         f"{at}.licences_and_run_cost"),
        ("amortised_implementation", m.amortised_implementation, Evidence.ASSUMPTION.value,
         f"{at}.amortised_implementation"),
        ("net", m.net, None, f"{at}.net"),
    ]
    rows = []
    for name, amount, kind, source in lines:
        value: Value = (CannotCompute("unknown in this month") if amount is None
                        else Estimate(amount, method=central, unit=Unit.MONEY))
        cells = figure_cells(value, min_cell, Unit.MONEY)
        cells.update(horizon_months=1, evidence=kind)
        rows.append(_line(m.month, "month", name, cells, w, source))
    return rows


def _trailing_lines(m: RoiMonth, w: RoiWorksheet, min_cell: int) -> list[Row]:
    at = "value.roi_worksheet.monthly[*].trailing_12m"
    t = m.trailing_12m
    if isinstance(t, CannotCompute):
        cells = figure_cells(t, min_cell, Unit.RATIO)
        return [_line(m.month, "trailing_12m", "roi", cells, w, at)]
    lines: list[tuple[str, Value, Unit, str]] = [
        *((name, value, Unit.MONEY, f"{at}.benefits.{name}")
          for name, value in sorted(t.benefits.items())),
        ("total_benefit", t.total_benefit, Unit.MONEY, f"{at}.total_benefit"),
        ("tco", t.tco, Unit.MONEY, f"{at}.tco"),
        ("roi", t.roi, Unit.RATIO, f"{at}.roi"),
        ("p_roi_positive", _share(t.p_roi_positive, "P(ROI > 0)"), Unit.FRACTION,
         f"{at}.p_roi_positive"),
    ]
    return [_line(m.month, "trailing_12m", name, figure_cells(value, min_cell, unit), w, source)
            for name, value, unit, source in lines]

