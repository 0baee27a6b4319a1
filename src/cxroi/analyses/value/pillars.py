"""Revenue protected (interim): the retention delta read from the retention section, x CLV.

Revenue protected = adjusted 12-month retention delta x AI-assisted customers x CLV. CLV is
margin-adjusted (metrics.md), so this is margin protected, not gross revenue. The interval is
Monte Carlo: delta ~ Normal(estimate, se) from the retention analysis, CLV from its parametric
draws, the customer count fixed (counted, not estimated). The delta is an average effect over all
analysed customers (the retention analysis' estimand), applied to the exposed ones.

The other pillars live apart: revenue generated in :mod:`generated`, revenue at risk in
:mod:`churn_risk`; the lifetime sensitivity of revenue protected in :mod:`lifetime`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxroi.analyses.value.queries import AI_MODES
from cxroi.stats.result import CannotCompute, Estimate, Result
from cxroi.stats.summary import Z95

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Delta:
    """The adjusted retention delta as read from the retention section."""

    estimate: float
    se: float
    source: dict[str, Any]


def read_delta(retention: Mapping[str, Any] | None) -> Delta | CannotCompute:
    if not isinstance(retention, Mapping):
        return CannotCompute("the retention section is missing, so there is no retention delta")
    obj = retention.get("delta_12m_adjusted")
    if not isinstance(obj, Mapping) or obj.get("estimate") is None:
        note = retention.get("delta_12m_adjusted_note") or "no reason given"
        return CannotCompute(f"the adjusted 12-month retention delta is not available: {note}")
    est = float(obj["estimate"])
    se = obj.get("se")
    lo, hi = obj.get("ci_low"), obj.get("ci_high")
    if se is None and lo is not None and hi is not None:
        se = (float(hi) - float(lo)) / (2 * Z95)
    keep = {k: obj[k] for k in ("estimate", "ci_low", "ci_high", "se", "method") if k in obj}
    return Delta(est, float(se) if se is not None else 0.0, keep)


def exposed_by_month(frame: pd.DataFrame) -> pd.Series:
    """AI-assisted customers (index contact ai_only or hybrid) by the month of that contact."""
    exposed = frame[frame["index_mode"].isin(list(AI_MODES))]
    return exposed.groupby("index_month").size().sort_index()


def revenue_protected(
    delta: Delta | CannotCompute,
    clv: Estimate | CannotCompute,
    clv_draws: FloatArray | None,
    n_exposed: int,
    rng: np.random.Generator,
) -> tuple[Result, FloatArray | None]:
    """The estimate and its Monte Carlo draws of ``delta x CLV`` (per exposed customer)."""
    if isinstance(delta, CannotCompute):
        return delta, None
    if isinstance(clv, CannotCompute) or clv_draws is None:
        reason = clv.reason if isinstance(clv, CannotCompute) else "no CLV draws"
        return CannotCompute(f"CLV is not available: {reason}"), None
    if n_exposed == 0:
        return CannotCompute("no customer's index contact was AI-assisted"), None
    d = delta.estimate + delta.se * rng.standard_normal(clv_draws.size)
    per_customer = d * clv_draws
    total = n_exposed * per_customer
    lo, hi = (float(v) for v in np.quantile(total, [0.025, 0.975]))
    note = "" if delta.se > 0 else "; the retention delta came without an interval (CLV only)"
    return (
        Estimate(
            n_exposed * delta.estimate * clv.estimate,
            lo,
            hi,
            method=(
                "adjusted retention delta x AI-assisted customers x CLV (margin-adjusted); "
                f"95% interval by Monte Carlo ({clv_draws.size} draws: delta normal, CLV from its "
                f"parametric draws){note}"
            ),
            n=n_exposed,
            se=float(np.std(total, ddof=1)),
            extra={
                "ai_assisted_customers": n_exposed,
                "delta_12m_adjusted": delta.source,
                "clv_per_customer": clv.estimate,
                "margin_adjusted": True,
            },
        ),
        per_customer,
    )
