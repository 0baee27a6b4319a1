"""What if we stopped AI: the AI-handled volume of the latest 12 months moves to humans.

Every ``ai_only`` contact becomes a human contact (human-only cost and handle time), and a share
``hybrid_ai_share`` of each hybrid contact's AI work moves to humans (its cost and handle time
move that share of the way to human-only levels). Rates are the per-mode means of the whole data
(``ExactMetrics``); volumes are the latest 12 calendar months (annualised when fewer exist).

Staffing: Erlang C (one queue, patient callers) on the busiest month's average hourly arrival
rate = contacts / hours of operation per month, for the human queue today (hybrid + human-only)
and without AI (plus the moved volume, at the shifted handle times). Extra agents = scheduled
agents (after shrinkage) without AI minus today. Average hours understate intraday peaks, and every
channel is treated as live; both make the staffing figure a floor. Intervals: Monte Carlo over the
per-mode cost and handle-time means (normal, their standard errors).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxroi.analyses.value.settings import WhatIfSettings
from cxroi.metrics.exact import ExactMetrics
from cxroi.stats import erlang
from cxroi.stats.result import CannotCompute, Estimate, Result

FloatArray = npt.NDArray[np.float64]
# Staffing is a step function of handle time; a few hundred draws pin its interval.
STAFFING_DRAWS = 400


@dataclass(frozen=True)
class Rates:
    """Per-draw cost per contact and AHT by mode; column 0 is the point estimate."""

    cost: dict[str, FloatArray]
    aht: dict[str, FloatArray]


def draw_rates(exact: ExactMetrics, draws: int, rng: np.random.Generator) -> Rates | CannotCompute:
    cost: dict[str, FloatArray] = {}
    aht: dict[str, FloatArray] = {}
    for mode in ("ai_only", "hybrid", "human_only"):
        for store, source, what in (
            (cost, exact.cost_per_contact, "cost"),
            (aht, exact.aht_seconds, "handle time"),
        ):
            r = source[mode]
            if isinstance(r, CannotCompute):
                if mode == "human_only":
                    return CannotCompute(
                        f"no human_only contacts: no human {what} to price the moved volume"
                    )
                store[mode] = np.zeros(draws + 1)
                continue
            se = r.se or 0.0
            noise = rng.standard_normal(draws)
            store[mode] = np.concatenate([[r.estimate], np.maximum(r.estimate + se * noise, 0.0)])
    return Rates(cost, aht)


def period_volumes(monthly: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Contacts per month and mode over the latest 12 months, and the annualising factor."""
    wide = monthly.pivot_table(
        index="month", columns="ai_mode", values="n", aggfunc="sum", fill_value=0
    ).sort_index()
    for mode in ("ai_only", "hybrid", "human_only"):
        if mode not in wide:
            wide[mode] = 0
    last = wide.iloc[-12:]
    return last, 12.0 / len(last)


def _interval(point: float, sims: FloatArray, method: str, extra: dict[str, Any]) -> Estimate:
    lo, hi = (float(v) for v in np.quantile(sims, [0.025, 0.975]))
    return Estimate(point, lo, hi, method=method, se=float(np.std(sims, ddof=1)), extra=extra)


def what_if_stopped(
    monthly: pd.DataFrame,
    rates: Rates | CannotCompute,
    settings: WhatIfSettings,
    revenue_protected: Result,
) -> dict[str, Result | dict[str, Any]]:
    out: dict[str, Result | dict[str, Any]] = {"revenue_protected_lost": revenue_protected}
    if isinstance(rates, CannotCompute):
        for key in ("extra_cost", "extra_handle_hours", "extra_agents"):
            out[key] = rates
        return out
    vol, factor = period_volumes(monthly)
    n_ai, n_hyb = float(vol["ai_only"].sum()), float(vol["hybrid"].sum())
    if n_ai + n_hyb == 0:
        reason = CannotCompute("no AI-handled contacts in the latest 12 months")
        for key in ("extra_cost", "extra_handle_hours", "extra_agents"):
            out[key] = reason
        return out
    s = settings.hybrid_ai_share
    c, a = rates.cost, rates.aht
    cost = factor * (
        n_ai * (c["human_only"] - c["ai_only"]) + s * n_hyb * (c["human_only"] - c["hybrid"])
    )
    hours = factor * (n_ai * a["human_only"] + s * n_hyb * (a["human_only"] - a["hybrid"])) / 3600.0
    period = {
        "from": str(vol.index[0]),
        "to": str(vol.index[-1]),
        "months": len(vol),
        "annualised": len(vol) < 12,
    }
    mc = f"Monte Carlo over per-mode cost and handle-time means ({cost.size - 1} draws)"
    extra = {
        "period": period,
        "ai_only_contacts_moved": n_ai * factor,
        "hybrid_contacts_shifted": n_hyb * factor,
        "hybrid_ai_share": s,
    }
    out["extra_cost"] = _interval(
        float(cost[0]), cost[1:], f"12-month extra cost of moving AI volume to humans; {mc}", extra
    )
    out["extra_handle_hours"] = _interval(
        float(hours[0]), hours[1:], f"12-month extra human handle hours; {mc}", extra
    )
    out["extra_agents"] = _staffing(vol, rates, settings)
    return out


def _queue(
    vol: pd.Series, aht: dict[str, float], s: float, hours: float
) -> tuple[tuple[float, float], tuple[float, float]]:
    """(arrivals per hour, AHT) of the human queue today and without AI, for one month."""
    n_h, n_y, n_a = float(vol["human_only"]), float(vol["hybrid"]), float(vol["ai_only"])
    today = n_h + n_y
    shifted = aht["hybrid"] + s * (aht["human_only"] - aht["hybrid"])
    base_aht = (
        (n_h * aht["human_only"] + n_y * aht["hybrid"]) / today if today else aht["human_only"]
    )
    total = today + n_a
    stop_aht = (n_h * aht["human_only"] + n_y * shifted + n_a * aht["human_only"]) / total
    return (today / hours, base_aht), (total / hours, stop_aht)


def _staff(rate: float, aht: float, st: WhatIfSettings) -> erlang.StaffingResult | None:
    if rate <= 0 or aht <= 0:
        return None
    return erlang.agents_needed(
        rate, aht, st.target_service_level, st.target_answer_seconds, st.max_occupancy, st.shrinkage
    )


def _staffing(vol: pd.DataFrame, rates: Rates, st: WhatIfSettings) -> Result:
    busiest = vol.sum(axis=1).idxmax()
    month = vol.loc[busiest]

    def extra_at(i: int) -> tuple[int, erlang.StaffingResult | None, erlang.StaffingResult | None]:
        aht = {m: float(rates.aht[m][i]) for m in rates.aht}
        (r0, a0), (r1, a1) = _queue(month, aht, st.hybrid_ai_share, st.hours_per_month)
        base, stop = _staff(r0, a0, st), _staff(r1, a1, st)
        if stop is None:
            return 0, base, stop
        return stop.scheduled_agents - (base.scheduled_agents if base else 0), base, stop

    point, base, stop = extra_at(0)
    if stop is None:
        return CannotCompute("no handle time to staff the moved volume with")
    n = min(STAFFING_DRAWS, rates.aht["human_only"].size - 1)
    sims = np.array([extra_at(i)[0] for i in range(1, n + 1)], dtype=float)
    lo, hi = (float(v) for v in np.quantile(sims, [0.025, 0.975]))

    def detail(r: erlang.StaffingResult | None) -> dict[str, Any] | None:
        if r is None:
            return None
        keep = (
            "agents",
            "scheduled_agents",
            "scheduled_fte",
            "traffic_erlangs",
            "arrival_rate_per_hour",
            "aht_seconds",
            "service_level",
            "occupancy",
            "average_speed_of_answer_seconds",
            "limited_by",
        )
        return {k: v for k, v in r.as_dict().items() if k in keep}

    return Estimate(
        float(point),
        lo,
        hi,
        method=(
            "Erlang C on the busiest month's average hourly arrivals; extra scheduled agents "
            f"(after shrinkage) without AI; interval over handle-time uncertainty ({n} draws)"
        ),
        extra={
            "busiest_month": str(busiest),
            "target": {
                "service_level": st.target_service_level,
                "answer_seconds": st.target_answer_seconds,
                "shrinkage": st.shrinkage,
                "max_occupancy": st.max_occupancy,
                "hours_per_month": st.hours_per_month,
            },
            "today": detail(base),
            "without_ai": detail(stop),
            "extra_agents_on_phones": (stop.agents - (base.agents if base else 0)),
        },
    )
