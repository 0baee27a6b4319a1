"""ROI / TCO worksheet on one horizon: rolling 12 calendar months, benefits and costs alike.

docs/metrics.md ("Value"): benefits against the total cost of ownership over the same horizon, with
Monte Carlo intervals over uncertain assumptions; with default costs the ROI is illustrative.

Per calendar month the worksheet has each benefit (``roi_inputs``), the running cost (licences +
run cost) and the implementation amortised straight-line over ``amortisation_months``. For the
12 months ending at each month (the latest window is the headline):

- ``ROI = (benefits - TCO) / TCO`` with ``TCO = 12 x (licences + run cost) + 12 x
  implementation / amortisation_months``: lifetime benefits are never set against a year of cost;
- ``payback months = implementation / (benefits / 12 - licences - run cost)``: the months of net
  run-rate benefit that repay the one-off cost (no payback when that net is not positive).

One Monte Carlo draw = one value of every uncertain input (each benefit's draw, each triangular
cost), shared by all months so that windows stay coherent. Figures are the central case (inputs
at their central values; triangular costs at their means), so the monthly rows add up to them by
hand; intervals are the draws' 2.5-97.5% range; P(ROI > 0) is the share of draws. No discounting:
within 12 months it would move figures by less than half the annual rate.

``tco_source`` is "configured" only when the user set implementation, licence and run costs;
otherwise the ROI rests on illustrative defaults, ``illustrative`` is true, and the report must
show it only under an "illustrative - configure your costs" banner, never in key messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from cxroi.analyses.value.roi_inputs import BenefitSeries
from cxroi.analyses.value.settings import COST_KEYS, SECTION, RoiSettings
from cxroi.analyses.value.uncertainty import UnitName, from_draws, significant_figures
from cxroi.results.model.money import Evidence, Figure
from cxroi.stats.result import CannotCompute, Unit
from cxroi.results.model.scenario import BenefitLine, Period, RoiMonth, RoiWorksheet, Tco, TrailingWindow

FloatArray = npt.NDArray[np.float64]
WINDOW = 12


def tco_source(configured: tuple[str, ...]) -> Literal["default", "configured"]:
    keys = {f"{SECTION}.roi.{k}" for k in COST_KEYS}
    return "configured" if keys <= set(configured) else "default"


@dataclass(frozen=True)
class _Costs:
    """Row 0 = triangular means, then draws: monthly running cost and one-off implementation."""

    running: FloatArray
    implementation: FloatArray
    amortisation_months: int

    @property
    def tco_12m(self) -> FloatArray:
        return WINDOW * (self.running + self.implementation / self.amortisation_months)


def _costs(r: RoiSettings, rng: np.random.Generator, draws: int) -> _Costs:
    running = np.concatenate(
        [
            [r.licence_per_month.mean + r.run_cost_per_month.mean],
            r.licence_per_month.draw(rng, draws) + r.run_cost_per_month.draw(rng, draws),
        ]
    )
    impl = np.concatenate([[r.implementation.mean], r.implementation.draw(rng, draws)])
    return _Costs(running, impl, r.amortisation_months)


def _figure(
    values: FloatArray, what: str, unit: UnitName, evidence: Evidence, draws: int
) -> Figure:
    return from_draws(
        values[0],
        values[1:],
        method=f"{what}; Monte Carlo over every uncertain input ({draws} draws, fixed seed)",
        unit=unit,
        horizon_months=None if unit == "months" else WINDOW,
        evidence=evidence,
    )


def _sums(
    used: list[BenefitSeries], cols: slice, scale: float
) -> dict[str, FloatArray] | CannotCompute:
    """Each benefit summed over the window's months, per draw (row 0 central)."""
    unknown = [b.name for b in used if np.isnan(b.values[0, cols]).any()]
    if unknown:
        return CannotCompute(f"no monthly values for {', '.join(unknown)} in this window")
    return {b.name: scale * b.values[:, cols].sum(axis=1) for b in used}


def _window(
    used: list[BenefitSeries],
    per: dict[str, FloatArray],
    costs: _Costs,
    draws: int,
) -> TrailingWindow:
    total = np.sum(list(per.values()), axis=0) if per else np.zeros(draws + 1)
    tco = costs.tco_12m
    roi = (total - tco) / tco
    return TrailingWindow(
        benefits={
            b.name: _figure(per[b.name], f"{b.name} over 12 months", "money", b.evidence, draws)
            for b in used
        },
        total_benefit=_figure(total, "benefits over 12 months", "money", Evidence.ASSUMPTION, draws),
        tco=_figure(tco, "total cost of ownership over 12 months", "money", Evidence.ASSUMPTION, draws),
        roi=_figure(roi, "(benefits - TCO) / TCO over 12 months", "ratio", Evidence.ASSUMPTION, draws),
        p_roi_positive=float(np.mean(roi[1:] > 0)),
    )


def _trailing(
    used: list[BenefitSeries], costs: _Costs, cols: slice, scale: float, draws: int
) -> TrailingWindow | CannotCompute:
    per = _sums(used, cols, scale)
    return per if isinstance(per, CannotCompute) else _window(used, per, costs, draws)


def _payback(
    total: FloatArray, costs: _Costs, draws: int
) -> tuple[Figure | CannotCompute, float]:
    """Implementation / monthly net run-rate benefit; +inf in draws that never pay back."""
    net = total / WINDOW - costs.running
    months = np.where(net > 0, costs.implementation / np.where(net > 0, net, 1.0), np.inf)
    never = float(np.mean(~np.isfinite(months[1:])))
    if not np.isfinite(months[0]):
        reason = (
            "the monthly benefit does not cover licences and run cost: the implementation is "
            "never paid back"
        )
        return CannotCompute(reason), never
    lo, hi = (float(v) for v in np.quantile(months[1:], [0.025, 0.975], method="inverted_cdf"))
    return Figure(
        float(months[0]),
        lo,
        hi if np.isfinite(hi) else None,
        method=(
            "implementation / monthly net run-rate benefit (12-month benefits / 12 - licences - "
            f"run cost); {never:.1%} of {draws} draws never pay back (upper bound then open)"
        ),
        unit=Unit.MONTHS,
        horizon_months=None,
        evidence=Evidence.ASSUMPTION,
        significant_figures=significant_figures(float(months[0]), lo, hi) if np.isfinite(hi) else 1,
    ), never


def _tco(costs: _Costs, draws: int) -> Tco:
    amort = costs.amortisation_months
    return Tco(
        licences_and_run_12m=_figure(
            WINDOW * costs.running, "licences and run cost", "money", Evidence.ASSUMPTION, draws
        ),
        amortised_implementation_12m=_figure(
            WINDOW * costs.implementation / amort,
            f"implementation amortised over {amort} months",
            "money",
            Evidence.ASSUMPTION,
            draws,
        ),
        implementation_one_off=_figure(
            costs.implementation, "one-off implementation", "money", Evidence.ASSUMPTION, draws
        ),
        total_12m=_figure(costs.tco_12m, "total cost of ownership", "money", Evidence.ASSUMPTION, draws),
    )


def roi_worksheet(
    months: tuple[str, ...],
    benefits: list[BenefitSeries],
    excluded: dict[str, str],
    settings: RoiSettings,
    configured: tuple[str, ...],
    draws: int,
    rng: np.random.Generator,
) -> RoiWorksheet:
    """The worksheet over ``months`` (sorted calendar months); benefits share those columns."""
    source = tco_source(configured)
    costs = _costs(settings, rng, draws)
    m = len(months)
    w = min(WINDOW, m)
    period = Period(months[m - w], months[-1], w, w < WINDOW) if m else None
    rows = _rows(months, benefits, costs, draws)
    per = (
        _sums(benefits, slice(m - w, m), WINDOW / w)
        if m
        else CannotCompute("no months of contacts")
    )
    if isinstance(per, CannotCompute):
        return RoiWorksheet(
            per, None, per, None, (), excluded, per, _tco(costs, draws), source,
            source == "default", period, rows,
        )
    latest = _window(benefits, per, costs, draws)
    total = np.sum(list(per.values()), axis=0) if per else np.zeros(draws + 1)
    payback, never = _payback(total, costs, draws)
    return RoiWorksheet(
        roi=latest.roi,
        p_roi_positive=latest.p_roi_positive,
        payback_months=payback,
        p_never_pays_back=never,
        benefits=tuple(
            BenefitLine(b.name, fig, b.margin_factor, b.spread_evenly)
            for b, fig in zip(benefits, latest.benefits.values(), strict=True)
        ),
        excluded_benefits=excluded,
        total_benefit=latest.total_benefit,
        tco=_tco(costs, draws),
        tco_source=source,
        illustrative=source == "default",
        window=period,
        monthly=rows,
    )


def _rows(
    months: tuple[str, ...], benefits: list[BenefitSeries], costs: _Costs, draws: int
) -> tuple[RoiMonth, ...]:
    out: list[RoiMonth] = []
    amort = float(costs.implementation[0] / costs.amortisation_months)
    running = float(costs.running[0])
    for j, month in enumerate(months):
        central = [(b.name, float(b.values[0, j])) for b in benefits]
        known = all(np.isfinite(v) for _, v in central)
        trailing: TrailingWindow | CannotCompute = (
            _trailing(benefits, costs, slice(j - WINDOW + 1, j + 1), 1.0, draws)
            if j >= WINDOW - 1
            else CannotCompute("fewer than 12 months of data up to this month")
        )
        out.append(
            RoiMonth(
                month=month,
                benefits={n: v if np.isfinite(v) else None for n, v in central},
                licences_and_run_cost=running,
                amortised_implementation=amort,
                net=float(sum(v for _, v in central) - running - amort) if known else None,
                trailing_12m=trailing,
            )
        )
    return tuple(out)


__all__ = [
    "BenefitLine",
    "RoiMonth",
    "RoiWorksheet",
    "Tco",
    "TrailingWindow",
    "roi_worksheet",
    "tco_source",
]
