"""Agent turnover and tenure from the ``agents`` table: is the workforce stable?

Turnover over the analysis period (first contact to ``as_of``) is a rate: leavers per agent-year
employed in the period (each agent counts the time between the later of hiring and the period
start and the earlier of leaving and ``as_of``). That is the annualised turnover HR teams quote
(leavers / average headcount per year). Its 95% interval is the exact Poisson (Garwood 1936)
interval for a count over a known exposure; ``annual_probability = 1 - exp(-rate)`` is the chance
that a given agent leaves within a year at that rate. Reported for all leavers and by reason
(``voluntary`` / ``involuntary`` / reason not given).

Tenure: of the agents employed at ``as_of``, quartiles of months since hiring and counts per
band (the first band is the novice period), and of the leavers in the period, the share who
left within their first ``novice_months`` (early attrition, Wilson interval).
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pandas as pd
from scipy import stats as sps

from cxroi.stats.result import CannotCompute, Estimate
from cxroi.stats.summary import Proportion
from cxroi.results.model.workforce import Tenure, TenureBand, Turnover, TurnoverRate

MONTH_DAYS = 365.25 / 12.0
YEAR_DAYS = 365.25
REASONS = ("voluntary", "involuntary")
TENURE_BANDS_MONTHS = (6, 12, 24, 60)


def poisson_rate(count: int, exposure: float) -> tuple[float, float, float]:
    """Rate, and its exact (Garwood) 95% interval, of ``count`` events over ``exposure``."""
    low = 0.0 if count == 0 else float(sps.chi2.ppf(0.025, 2 * count)) / 2.0
    high = float(sps.chi2.ppf(0.975, 2 * count + 2)) / 2.0
    return count / exposure, low / exposure, high / exposure


def _rate(kind: str, leavers: int, agent_years: float) -> TurnoverRate:
    r, lo, hi = poisson_rate(leavers, agent_years)
    method = f"leavers / agent-years employed in the period; exact Poisson interval ({kind})"
    rate = Estimate(r, lo, hi, method=method, n=leavers)
    prob = Estimate(
        1 - math.exp(-r),
        1 - math.exp(-lo),
        1 - math.exp(-hi),
        method="1 - exp(-rate): chance an agent leaves within a year at that rate",
        n=leavers,
    )
    return TurnoverRate(kind, leavers, rate, prob)


def _days(delta: pd.Series) -> np.ndarray:
    return np.asarray(delta.dt.total_seconds() / 86400.0, dtype=np.float64)


def turnover(
    agents: pd.DataFrame, start: datetime, end: datetime, novice_months: int, min_cell: int
) -> Turnover | CannotCompute:
    """``agents``: one row per agent with ``hired_at``, ``left_at`` and ``leave_reason``."""
    a = agents[agents["hired_at"] <= end]
    if a.empty:
        return CannotCompute("no agent was hired by the end of the data")
    begin = pd.Series(pd.Timestamp(start), index=a.index)
    finish = pd.Series(pd.Timestamp(end), index=a.index)
    left = a["left_at"]
    from_ = a["hired_at"].where(a["hired_at"] > begin, begin)
    to = left.where(left.notna() & (left < finish), finish)
    exposure = np.maximum(_days(to - from_), 0.0).sum() / YEAR_DAYS
    if exposure <= 0:
        return CannotCompute("no agent was employed during the analysis period")
    in_period = left.notna() & (left > begin) & (left <= finish)
    reason = a["leave_reason"].where(a["leave_reason"].isin(REASONS), "reason_not_given")
    rates = [_rate("all", int(in_period.sum()), exposure)]
    for kind in (*REASONS, "reason_not_given"):
        count = int((in_period & (reason == kind)).sum())
        if kind != "reason_not_given" or count:
            rates.append(_rate(kind, count, exposure))

    def employed(at: pd.Timestamp) -> pd.Series:
        return (a["hired_at"] <= at) & (left.isna() | (left > at))

    return Turnover(
        period_start=pd.Timestamp(start).isoformat(),
        period_end=pd.Timestamp(end).isoformat(),
        agent_years=float(exposure),
        headcount_start=int(employed(pd.Timestamp(start)).sum()),
        headcount_end=int(employed(pd.Timestamp(end)).sum()),
        rates=tuple(rates),
        tenure=_tenure(a, employed(pd.Timestamp(end)), in_period, end, novice_months, min_cell),
    )


def _tenure(
    a: pd.DataFrame,
    employed: pd.Series,
    in_period: pd.Series,
    end: datetime,
    novice_months: int,
    min_cell: int,
) -> Tenure:
    now = a[employed]
    months = _days(pd.Series(pd.Timestamp(end), index=now.index) - now["hired_at"]) / MONTH_DAYS
    edges = (novice_months, *[b for b in TENURE_BANDS_MONTHS if b > novice_months])
    bands: list[TenureBand] = []
    lower = 0
    for upper in edges:
        k = int(((months >= lower) & (months < upper)).sum())
        bands.append(TenureBand(f"{lower}-{upper} months", k, 0 < k < min_cell))
        lower = upper
    k = int((months >= lower).sum())
    bands.append(TenureBand(f"{lower}+ months", k, 0 < k < min_cell))
    leavers = a[in_period]
    stayed = _days(leavers["left_at"] - leavers["hired_at"]) / MONTH_DAYS
    early = Proportion(len(leavers), int((stayed < novice_months).sum())).estimate(
        "no agent left during the period"
    )
    q = np.quantile(months, [0.25, 0.5, 0.75]) if months.size else [None, None, None]
    return Tenure(
        employed_at_end=len(now),
        median_months=None if q[1] is None else float(q[1]),
        p25_months=None if q[0] is None else float(q[0]),
        p75_months=None if q[2] is None else float(q[2]),
        bands=tuple(bands),
        early_leaver_share=early,
    )
