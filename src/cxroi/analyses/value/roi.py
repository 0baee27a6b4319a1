"""ROI / TCO worksheet: rolling 12-month benefits against the cost of owning the AI, by Monte Carlo.

Benefits per month (each skipped, with its reason, when its input is missing):
- cost savings: AI-handled volume priced at human minus AI cost per contact (the what-if rule),
- revenue protected: retention delta x CLV for that month's newly AI-assisted customers (CLV is
  margin-adjusted already, so no margin again),
- revenue generated x margin (attributed sales and won pipeline are gross revenue),
- CAC offset (when an acquisition cost is configured),
- risk-adjusted savings (fraud, compliance, ...): configured yearly ranges, spread evenly.
TCO per month: licences + run cost + implementation amortised over ``amortisation_months``.
ROI over a 12-month window = (benefits - TCO) / TCO; payback = implementation / monthly net
run-rate benefit (benefits - licences - run cost), in months.

Monte Carlo: one draw = one value of every uncertain input (cost means, retention delta x CLV,
generated-revenue rate, each triangular assumption), shared by all months so windows stay
coherent. Reported: median, 2.5/97.5% (the interval), p5/p50/p95, mean and P(ROI > 0). The
monthly rows show central values (estimates, triangular means); those add up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from cxroi.analyses.value.settings import RoiSettings
from cxroi.stats.result import CannotCompute, Estimate, Result

FloatArray = npt.NDArray[np.float64]
WINDOW = 12


@dataclass(frozen=True)
class Benefit:
    """A benefit per month: ``central`` (months,) and ``draws`` (draws, months)."""

    central: FloatArray
    draws: FloatArray


@dataclass(frozen=True)
class RoiResult:
    roi: Result
    monthly: list[dict[str, Any]]


def linear_benefit(per_unit: FloatArray, units: FloatArray) -> Benefit:
    """``per_unit[0]`` central, ``per_unit[1:]`` draws, times a monthly volume."""
    return Benefit(per_unit[0] * units, np.outer(per_unit[1:], units))


def _quantile(sims: FloatArray, qs: list[float]) -> FloatArray:
    """Quantiles that tolerate +inf (never pays back): no interpolation between draws."""
    if np.all(np.isfinite(sims)):
        return np.asarray(np.quantile(sims, qs), dtype=np.float64)
    return np.asarray(np.quantile(sims, qs, method="inverted_cdf"), dtype=np.float64)


def _summary(sims: FloatArray, central: float) -> dict[str, Any]:
    finite = np.isfinite(sims)
    q = _quantile(sims, [0.025, 0.05, 0.5, 0.95, 0.975])
    return {
        "p2_5": float(q[0]),
        "p5": float(q[1]),
        "p50": float(q[2]),
        "p95": float(q[3]),
        "p97_5": float(q[4]),
        "mean": float(sims[finite].mean()) if finite.any() else None,
        "central": central,
    }


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def roi_worksheet(
    months: list[str],
    benefits: dict[str, Benefit | CannotCompute],
    settings: RoiSettings,
    draws: int,
    rng: np.random.Generator,
) -> RoiResult:
    m = len(months)
    if m == 0:
        return RoiResult(CannotCompute("no months of contacts"), [])
    excluded = {k: b.reason for k, b in benefits.items() if isinstance(b, CannotCompute)}
    used = {k: b for k, b in benefits.items() if isinstance(b, Benefit)}
    risk_central = sum(t.mean for _, t in settings.risk_savings_per_year) / 12.0
    risk_draws = np.zeros(draws)
    for _, tri in settings.risk_savings_per_year:
        risk_draws += tri.draw(rng, draws) / 12.0
    used["risk_savings"] = Benefit(np.full(m, risk_central), np.outer(risk_draws, np.ones(m)))

    r = settings
    running_c = r.licence_per_month.mean + r.run_cost_per_month.mean
    running_d = r.licence_per_month.draw(rng, draws) + r.run_cost_per_month.draw(rng, draws)
    impl_c, impl_d = r.implementation.mean, r.implementation.draw(rng, draws)
    amort_c, amort_d = impl_c / r.amortisation_months, impl_d / r.amortisation_months

    total_c = sum(b.central for b in used.values())
    total_d = sum(b.draws for b in used.values())
    assert isinstance(total_c, np.ndarray) and isinstance(total_d, np.ndarray)
    w = min(WINDOW, m)
    scale = WINDOW / w  # annualise a shorter history

    def window(j: int) -> tuple[float, FloatArray, float, FloatArray, float, FloatArray]:
        b_c = scale * float(total_c[j - w + 1 : j + 1].sum())
        b_d = scale * total_d[:, j - w + 1 : j + 1].sum(axis=1)
        c_c = WINDOW * (running_c + amort_c)
        c_d = WINDOW * (running_d + amort_d)
        with np.errstate(divide="ignore", invalid="ignore"):
            roi_c = (b_c - c_c) / c_c if c_c > 0 else np.inf
            roi_d = np.where(c_d > 0, (b_d - c_d) / np.where(c_d > 0, c_d, 1.0), np.inf)
            net_c = b_c / WINDOW - running_c
            net_d = b_d / WINDOW - running_d
            pay_c = impl_c / net_c if net_c > 0 else np.inf
            pay_d = np.where(net_d > 0, impl_d / np.where(net_d > 0, net_d, 1.0), np.inf)
        return roi_c, roi_d, b_c, b_d, pay_c, pay_d

    rows: list[dict[str, Any]] = []
    for j, month in enumerate(months):
        row: dict[str, Any] = {
            "month": month,
            "benefits": {k: float(b.central[j]) for k, b in sorted(used.items())},
            "licences_and_run_cost": running_c,
            "amortised_implementation": amort_c,
        }
        row["net"] = float(total_c[j]) - running_c - amort_c
        if j >= w - 1 and w == WINDOW:
            roi_c, roi_d, *_ = window(j)
            lo, mid, hi = _quantile(roi_d, [0.025, 0.5, 0.975])
            row["roi_trailing_12m"] = {
                "estimate": _num(mid),
                "ci_low": _num(lo),
                "ci_high": _num(hi),
                "p_roi_positive": float(np.mean(roi_d > 0)),
            }
        else:
            row["roi_trailing_12m"] = None
            row["roi_trailing_12m_note"] = "fewer than 12 months of data up to this month"
        rows.append(row)

    roi_c, roi_d, b_c, b_d, _, pay_d = window(m - 1)
    lo, mid, hi = _quantile(roi_d, [0.025, 0.5, 0.975])
    if not np.isfinite(mid):
        return RoiResult(
            CannotCompute("the total cost of ownership is zero: ROI is undefined"), rows
        )
    comp = {}
    for k, b in sorted(used.items()):
        c = scale * float(b.central[m - w :].sum())
        d = scale * b.draws[:, m - w :].sum(axis=1)
        q = np.quantile(d, [0.025, 0.975])
        comp[k] = {"estimate": c, "ci_low": float(q[0]), "ci_high": float(q[1])}
    pay_q = _quantile(pay_d, [0.025, 0.5, 0.975])
    est = Estimate(
        float(mid),
        _num(lo),
        _num(hi),
        method=(
            f"Monte Carlo ({draws} draws, fixed seed) over uncertain inputs; estimate = median; "
            "ROI = (12-month benefits - TCO) / TCO, implementation amortised over "
            f"{r.amortisation_months} months"
        ),
        n=draws,
        extra={
            **{k: v for k, v in _summary(roi_d, _num(roi_c) or 0.0).items()},
            "p_roi_positive": float(np.mean(roi_d > 0)),
            "window": {
                "from": months[m - w],
                "to": months[-1],
                "months": w,
                "annualised": w < WINDOW,
            },
            "benefits_12m": comp,
            "benefits_total_12m": {
                "estimate": b_c,
                "ci_low": float(np.quantile(b_d, 0.025)),
                "ci_high": float(np.quantile(b_d, 0.975)),
            },
            "tco_12m": {
                "licences_and_run_cost": WINDOW * running_c,
                "amortised_implementation": WINDOW * amort_c,
                "implementation_one_off": impl_c,
                "total": WINDOW * (running_c + amort_c),
            },
            "payback_months": {
                "estimate": _num(pay_q[1]),
                "ci_low": _num(pay_q[0]),
                "ci_high": _num(pay_q[2]),
                "p_never": float(np.mean(~np.isfinite(pay_d))),
                "note": "implementation / monthly net run-rate benefit; null = does not pay back",
            },
            "excluded_benefits": excluded,
            "margin_note": "generated revenue is counted at margin; protected revenue is CLV-based "
            "and already margin-adjusted",
        },
    )
    return RoiResult(est, rows)
