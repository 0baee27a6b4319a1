"""JSON-ready views of the agents analysis and its lines for the terminal summary."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cxroi.analyses.agents.index import CENTRE, COMPONENTS, COUNTS, DEFINITIONS, SIGNS, Standardised
from cxroi.analyses.agents.leadlag import NO_LAG_INTERVAL, LeadLag
from cxroi.analyses.agents.warning import METRIC_LABELS, week_label
from cxroi.stats.result import CannotCompute

if TYPE_CHECKING:
    from cxroi.analyses.agents.run import AgentsResult, MetricFit

SCALE = (
    "weighted mean of signed z-scores of the components: 0 = the average period of the "
    "analysis, +1 = one component-SD better agent experience; higher = better"
)
DECISION_RULE = (
    "significant when the p-value of the prewhitened correlation at the chosen lag, multiplied "
    "by the number of lags searched (Bonferroni) and then Holm-adjusted across the loyalty "
    "metrics estimated, is at most alpha; the Granger p-value is a description, not the decision"
)
POPULATIONS = {
    "agent_handled": "hybrid and human_only contacts (where an agent's experience can act)",
    "all": "all contacts",
}


def num(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _label(start: pd.Timestamp, weekly: bool) -> str:
    return week_label(start) if weekly else f"{start.year:04d}-{start.month:02d}"


def _row(
    start: pd.Timestamp, r: pd.Series, used: tuple[str, ...], weekly: bool, min_cell: int
) -> dict[str, Any]:
    comps: dict[str, Any] = {}
    for c in used:
        n = int(r[COUNTS[c]])
        comps[c] = {"value": num(r[c]), "z": num(r[f"z_{c}"]), "n": n, "low_n": n < min_cell}
    return {
        "period": _label(start, weekly),
        "start": start.date().isoformat(),
        "index": num(r["index"]),
        "partial": bool(r["partial"]),
        "components": comps,
    }


def _series(s: Standardised, group: str, weekly: bool, min_cell: int) -> list[dict[str, Any]]:
    f = s.frame.xs(group, level="group")
    return [_row(pd.Timestamp(p), r, s.used, weekly, min_cell) for p, r in f.iterrows()]


def _latest(s: Standardised, group: str, weekly: bool, min_cell: int) -> dict[str, Any] | None:
    f = s.frame.xs(group, level="group")
    f = f[~f["partial"].astype(bool) & np.isfinite(f["index"].astype(float))]
    if f.empty:
        return None
    p = f.index[-1]
    return _row(pd.Timestamp(p), f.iloc[-1], s.used, weekly, min_cell)


def _definition(s: Standardised) -> list[dict[str, Any]]:
    return [
        {
            "name": c,
            "sign": SIGNS[c],
            "weight": s.weights[c],
            "definition": DEFINITIONS[c],
            "mean": s.means[c],
            "sd": s.sds[c],
        }
        for c in s.used
    ]


def index_section(res: AgentsResult, min_cell: int) -> dict[str, Any]:
    weekly, monthly = res.weekly, res.monthly
    assert weekly is not None and monthly is not None
    out: dict[str, Any] = {
        "scale": SCALE,
        "standardised_over": "all weeks (months) of the analysis period; teams over all "
        "team-weeks (team-months) pooled, so teams compare with each other",
        "components": _definition(weekly),
        "components_monthly": _definition(monthly),
        "left_out": [c for c in COMPONENTS if c not in weekly.used],
        "weekly": _series(weekly, CENTRE, True, min_cell),
        "monthly": _series(monthly, CENTRE, False, min_cell),
        "latest_week": _latest(weekly, CENTRE, True, min_cell),
        "latest_month": _latest(monthly, CENTRE, False, min_cell),
        "drops": [
            {"period": d.period, "index": d.index, "baseline": d.baseline, "drop_sd": d.drop_sd}
            for d in res.history
        ],
        "drop_rule": {
            "drop_sd": res.settings.warning_drop_sd,
            "baseline_weeks": res.settings.warning_baseline_weeks,
        },
    }
    tw, tm = res.team_weekly, res.team_monthly
    if tw is None or tm is None:
        out["teams"] = None
        out["teams_note"] = "needs the agents table with a team column"
    else:
        teams = sorted(set(tw.frame.index.get_level_values("group")))
        out["teams"] = {
            t: {
                "latest_week": _latest(tw, t, True, min_cell),
                "latest_month": _latest(tm, t, False, min_cell),
            }
            for t in teams
        }
        out["team_components"] = _definition(tw)
    return out


def lead_lag_object(metric: str, mf: MetricFit, population: str) -> dict[str, Any]:
    f = mf.fit
    best = int(np.flatnonzero(f.lags_ == f.best_lag_)[0])
    band = f.band_lags_
    return {
        "metric": metric,
        "population": POPULATIONS.get(population, population),
        "best_lag_days": int(f.best_lag_days_),
        "best_lag_weeks": int(f.best_lag_),
        "correlation": f.correlation_,
        "estimate": f.correlation_,
        "ci_low": f.ci_[0],
        "ci_high": f.ci_[1],
        "se": f.se_,
        "lag_interval": None,
        "lag_interval_note": NO_LAG_INTERVAL,
        "band_lags_days": None if band is None else [band[0] * f.period_days, band[1] * f.period_days],
        "p_value": f.p_value_,
        "p_adjusted": mf.p_adjusted,
        "significant": bool(mf.significant),
        "decision_rule": DECISION_RULE,
        "alpha": f.alpha,
        "granger_p": f.granger_p_,
        "granger_lag_weeks": int(f.granger_lag_),
        "band_pointwise": f.band_,
        "band_familywise": f.band_familywise_,
        "seasonal_adjustment": season_text(f),
        "n_weeks": int(f.n_periods_),
        "n_pairs": int(f.n_pairs_[best]),
        "first_week": week_label(mf.first_week),
        "last_week": week_label(mf.last_week),
        "interpolated_weeks": mf.interpolated_weeks,
        "ar_order": int(f.ar_order_),
        "block_weeks": int(f.block_length_),
        "bootstrap_replicates": int(f.n_boot),
        "method": f.method,
        "ccf": [
            {"lag_days": int(k) * f.period_days, "correlation": num(r)}
            for k, r in zip(f.lags_, f.ccf_, strict=True)
        ],
    }


def summary_lines(res: AgentsResult) -> list[str]:
    if res.weekly is None:
        return [f"Agent experience: not computed — {res.reason}"]
    lines = []
    latest = _latest(res.weekly, CENTRE, True, res.min_cell)
    if latest is not None:
        parts = ", ".join(_component_text(c, v["value"]) for c, v in latest["components"].items())
        lines.append(f"Agent Experience Index {latest['period']}: {latest['index']:+.2f} ({parts})")
    for metric, mf in res.fits.items():
        label = METRIC_LABELS.get(metric, metric)
        if isinstance(mf, CannotCompute):
            if metric == res.settings.primary_metric:
                lines.append(f"Lead-lag of the index over {label}: not computed — {mf.reason}")
            continue
        lines.append(f"Lead of the index over {label}: " + lead_line(mf, res.settings.alpha))
    if res.warnings:
        lines.extend(f"Early warning: {w['message']}" for w in res.warnings)
    else:
        lines.append(
            f"No early warning: the latest week is within {res.settings.warning_drop_sd:g} SD of "
            f"its {res.settings.warning_baseline_weeks}-week mean"
        )
    return lines


def season_text(f: LeadLag) -> str:
    if f.seasonal_adjusted_:
        return f"trend and {f.seasonal_harmonics} annual harmonics removed from both series"
    if f.seasonal_harmonics == 0:
        return "none: seasonal_harmonics = 0"
    return f"none: the series span less than {f.min_seasons:g} years"


def lead_line(mf: MetricFit, alpha: float) -> str:
    """One stated rule: the verdict and the number that decided it, Granger as a description."""
    f = mf.fit
    verdict = (
        f"significant (adjusted p = {mf.p_adjusted:.2g} <= {alpha:g})"
        if mf.significant
        else f"not significant (adjusted p = {mf.p_adjusted:.2g} > {alpha:g})"
    )
    granger = "n/a" if f.granger_p_ is None else f"{f.granger_p_:.2g}"
    return (
        f"best lag {f.best_lag_days_} days, r = {f.correlation_:.2f} "
        f"[{f.ci_[0]:.2f}, {f.ci_[1]:.2f}] "
        f"— {verdict}; p corrected for {len(f.lags_)} lags and Holm over the loyalty metrics; "
        f"Granger p = {granger} (description only)"
    )


def _component_text(name: str, value: float | None) -> str:
    if value is None:
        return f"{name} n/a"
    if name == "pulse":
        return f"pulse {value:.1f}/10"
    if name == "escalation_share":
        return f"escalated {100 * value:.0f}% of agent contacts"
    if name == "escalation_handle_seconds":
        return f"escalated handle {value / 60:.1f} min"
    return f"voluntary turnover {100 * value:.2f}%/week"
