"""Early warning: the Agent Experience Index fell; which loyalty metrics should follow, and when.

Rule: the latest complete week's index is at least ``drop_sd`` index-SDs below the mean of the
``baseline_weeks`` complete weeks before it. The SD is the index's own SD over the analysis period
(a weighted mean of z-scores is not itself unit-variance). For every loyalty metric whose lead is
significant (Holm-adjusted across the metrics, see leadlag.py), the warning dates the expected
move: latest week start + the estimated lead. The window is the range of lags at which the
correlation is significant (the familywise band), not a confidence interval for the lead: a
discrete best lag has none with known coverage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd

KIND = "agent_experience_drop"
METRIC_LABELS: dict[str, str] = {
    "csat": "CSAT",
    "nps": "NPS",
    "ces": "CES",
    "fcr_7d": "7-day FCR",
}


@dataclass(frozen=True)
class Lead:
    """What the warning needs from one significant lead-lag fit."""

    lag_days: int
    window_low_days: int  # lags (days) around the best where the correlation is significant
    window_high_days: int
    correlation: float


@dataclass(frozen=True)
class Drop:
    period: str  # "YYYY-Www"
    start: pd.Timestamp
    index: float
    baseline: float
    drop_sd: float  # (baseline - index) / SD of the index


def week_label(start: pd.Timestamp) -> str:
    year, week, _ = start.isocalendar()
    return f"{year}-W{week:02d}"


def drops(weekly: pd.DataFrame, drop_sd: float, baseline_weeks: int) -> list[Drop]:
    """Every complete week where the rule fires (the last one is the live warning).

    ``weekly`` has columns period (Timestamp, week start), index and partial.
    """
    w = weekly[~weekly["partial"] & np.isfinite(weekly["index"])].sort_values("period")
    values = w["index"].to_numpy(dtype=float)
    if len(values) <= baseline_weeks + 1:
        return []
    sd = float(np.std(values, ddof=1))
    if not sd > 0:
        return []
    out = []
    for i in range(baseline_weeks, len(values)):
        baseline = float(values[i - baseline_weeks : i].mean())
        size = (baseline - values[i]) / sd
        if size >= drop_sd:
            start = pd.Timestamp(w["period"].iloc[i])
            out.append(Drop(week_label(start), start, float(values[i]), baseline, float(size)))
    return out


def latest_drop(weekly: pd.DataFrame, drop_sd: float, baseline_weeks: int) -> Drop | None:
    """The drop in the latest complete week, if the rule fires there."""
    complete = weekly[~weekly["partial"] & np.isfinite(weekly["index"])]
    if complete.empty:
        return None
    last = pd.Timestamp(complete["period"].max())
    found = [d for d in drops(weekly, drop_sd, baseline_weeks) if d.start == last]
    return found[0] if found else None


def warnings_for(drop: Drop | None, leads: Mapping[str, Lead | None]) -> list[dict[str, object]]:
    """Alert entries for a drop: one per metric with a significant lead, or one saying none."""
    if drop is None:
        return []
    head = (
        f"Agent Experience Index fell to {drop.index:.2f} in {drop.period}, "
        f"{drop.drop_sd:.1f} SD below its mean of the previous weeks ({drop.baseline:.2f})"
    )
    base: dict[str, object] = {
        "kind": KIND,
        "period": drop.period,
        "index": drop.index,
        "baseline": drop.baseline,
        "drop_sd": drop.drop_sd,
    }
    out: list[dict[str, object]] = []
    for metric, lead in leads.items():
        if lead is None:
            continue
        when = (drop.start + timedelta(days=lead.lag_days)).date()
        low = (drop.start + timedelta(days=lead.window_low_days)).date()
        high = (drop.start + timedelta(days=lead.window_high_days)).date()
        label = METRIC_LABELS.get(metric, metric)
        out.append(
            {
                **base,
                "metric": metric,
                "expected_on": when.isoformat(),
                "expected_window": [low.isoformat(), high.isoformat()],
                "lag_days": lead.lag_days,
                "message": (
                    f"{head}; {label} is expected to fall about {lead.lag_days} days later, "
                    f"around {when.isoformat()} (the relation is significant at leads of "
                    f"{lead.window_low_days}-{lead.window_high_days} days: {low.isoformat()} to "
                    f"{high.isoformat()}; lead-lag correlation {lead.correlation:.2f})"
                ),
            }
        )
    if not out:
        out.append(
            {
                **base,
                "metric": "agent_experience_index",
                "expected_on": None,
                "message": f"{head}; no loyalty metric has a significant lead on this data, "
                "so no date is forecast",
            }
        )
    return out
