"""The ``agents`` section of the results tree from the agents analysis' result."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from cxroi.analyses.agents.index import CENTRE, INDEX_COMPONENTS, COUNTS, DEFINITIONS, SIGNS, Standardised
from cxroi.analyses.agents.leadlag import NO_LAG_INTERVAL
from cxroi.analyses.agents.leadlag import LeadLag as LeadLagFit
from cxroi.analyses.agents.run import AgentsResult, MetricFit
from cxroi.analyses.agents.settings import LOYALTY_METRICS, AgentsSettings
from cxroi.analyses.agents.warning import METRIC_LABELS, week_label
from cxroi.results.model.agents import (
    AgentIndex,
    AgentsSection,
    ComponentValue,
    Drop,
    DropRule,
    EarlyWarning,
    IndexComponent,
    IndexPeriod,
    LagCorrelation,
    LeadLag,
    LeadLagByMetric,
    TeamLatest,
)
from cxroi.stats.result import CannotCompute

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
STANDARDISED_OVER = (
    "all weeks (months) of the analysis period; teams over all team-weeks (team-months) pooled, "
    "so teams compare with each other"
)


def agents_section(res: AgentsResult) -> AgentsSection:
    if res.weekly is None or res.monthly is None:
        missing = CannotCompute(res.reason)
        return AgentsSection(
            notes=tuple(res.notes),
            index=missing,
            lead_lag=missing,
            lead_lag_by_metric=LeadLagByMetric(missing, missing, missing, missing),
            early_warnings=missing,
        )
    fits = {
        m: _lead_lag(m, fit, res.population) if isinstance(fit, MetricFit) else fit
        for m in LOYALTY_METRICS
        for fit in (res.fits.get(m, CannotCompute("not estimated")),)
    }
    return AgentsSection(
        notes=tuple(res.notes),
        index=_index(res),
        lead_lag=fits[res.settings.primary_metric],
        lead_lag_by_metric=LeadLagByMetric(**fits),
        early_warnings=tuple(EarlyWarning(**_warning(w)) for w in res.warnings),
    )


def _warning(w: Any) -> dict[str, Any]:
    out = dict(w)
    if "expected_window" in out:
        out["expected_window"] = tuple(out["expected_window"])
    return out


def _num(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _row(
    start: pd.Timestamp, r: pd.Series, used: tuple[str, ...], weekly: bool, min_cell: int
) -> IndexPeriod:
    comps = {
        c: ComponentValue(
            _num(r[c]), _num(r[f"z_{c}"]), int(r[COUNTS[c]]), int(r[COUNTS[c]]) < min_cell
        )
        for c in used
    }
    label = week_label(start) if weekly else f"{start.year:04d}-{start.month:02d}"
    return IndexPeriod(
        label, start.date().isoformat(), _num(r["index"]), bool(r["partial"]), comps
    )


def _series(s: Standardised, group: str, weekly: bool, min_cell: int) -> tuple[IndexPeriod, ...]:
    f = s.frame.xs(group, level="group")
    return tuple(_row(pd.Timestamp(p), r, s.used, weekly, min_cell) for p, r in f.iterrows())


def _latest(s: Standardised, group: str, weekly: bool, min_cell: int) -> IndexPeriod | None:
    f = s.frame.xs(group, level="group")
    f = f[~f["partial"].astype(bool) & np.isfinite(f["index"].astype(float))]
    if f.empty:
        return None
    return _row(pd.Timestamp(f.index[-1]), f.iloc[-1], s.used, weekly, min_cell)


def _definition(s: Standardised) -> tuple[IndexComponent, ...]:
    return tuple(
        IndexComponent(c, SIGNS[c], s.weights[c], DEFINITIONS[c], s.means[c], s.sds[c])
        for c in s.used
    )


def _index(res: AgentsResult) -> AgentIndex:
    weekly, monthly, min_cell = res.weekly, res.monthly, res.min_cell
    assert weekly is not None and monthly is not None
    tw, tm = res.team_weekly, res.team_monthly
    teams: dict[str, TeamLatest] | CannotCompute
    if tw is None or tm is None:
        teams = CannotCompute("needs the agents table with a team column")
    else:
        teams = {
            t: TeamLatest(_latest(tw, t, True, min_cell), _latest(tm, t, False, min_cell))
            for t in sorted(set(tw.frame.index.get_level_values("group")))
        }
    return AgentIndex(
        scale=SCALE,
        standardised_over=STANDARDISED_OVER,
        components=_definition(weekly),
        components_monthly=_definition(monthly),
        left_out=tuple(c for c in INDEX_COMPONENTS if c not in weekly.used),
        weekly=_series(weekly, CENTRE, True, min_cell),
        monthly=_series(monthly, CENTRE, False, min_cell),
        latest_week=_latest(weekly, CENTRE, True, min_cell),
        latest_month=_latest(monthly, CENTRE, False, min_cell),
        drops=tuple(Drop(d.period, d.index, d.baseline, d.drop_sd) for d in res.history),
        drop_rule=DropRule(res.settings.warning_drop_sd, res.settings.warning_baseline_weeks),
        teams=teams,
        team_components=_definition(tw) if tw is not None and tm is not None else None,
    )


def _lead_lag(metric: str, mf: MetricFit, population: str) -> LeadLag:
    f = mf.fit
    best = int(np.flatnonzero(f.lags_ == f.best_lag_)[0])
    return LeadLag(
        f.correlation_,
        f.ci_[0],
        f.ci_[1],
        method=f.method,
        se=f.se_,
        metric=metric,
        population=POPULATIONS.get(population, population),
        best_lag_days=int(f.best_lag_days_),
        best_lag_weeks=int(f.best_lag_),
        correlation=f.correlation_,
        lag_interval=CannotCompute(NO_LAG_INTERVAL),
        band_lags_days=None
        if f.band_lags_ is None
        else (f.band_lags_[0] * f.period_days, f.band_lags_[1] * f.period_days),
        p_value=f.p_value_,
        p_adjusted=mf.p_adjusted,
        significant=bool(mf.significant),
        decision_rule=DECISION_RULE,
        alpha=f.alpha,
        granger_p=f.granger_p_,
        granger_lag_weeks=int(f.granger_lag_),
        band_pointwise=f.band_,
        band_familywise=f.band_familywise_,
        seasonal_adjustment=season_text(f),
        n_weeks=int(f.n_periods_),
        n_pairs=int(f.n_pairs_[best]),
        first_week=week_label(mf.first_week),
        last_week=week_label(mf.last_week),
        interpolated_weeks=mf.interpolated_weeks,
        ar_order=int(f.ar_order_),
        block_weeks=int(f.block_length_),
        bootstrap_replicates=int(f.n_boot),
        ccf=tuple(
            LagCorrelation(int(k) * f.period_days, _num(r))
            for k, r in zip(f.lags_, f.ccf_, strict=True)
        ),
    )


def season_text(f: LeadLagFit) -> str:
    if f.seasonal_adjusted_:
        return f"trend and {f.seasonal_harmonics} annual harmonics removed from both series"
    if f.seasonal_harmonics == 0:
        return "none: seasonal_harmonics = 0"
    return f"none: the series span less than {f.min_seasons:g} years"


def summary_lines(section: AgentsSection, settings: AgentsSettings) -> list[str]:
    """Lines for the terminal: the latest index, each lead and its decision, the warnings."""
    if isinstance(section.index, CannotCompute):
        return [f"Agent experience: not computed — {section.index.reason}"]
    lines = []
    latest = section.index.latest_week
    if latest is not None and latest.index is not None:
        parts = ", ".join(_component_text(c, v.value) for c, v in latest.components.items())
        lines.append(f"Agent Experience Index {latest.period}: {latest.index:+.2f} ({parts})")
    for metric in LOYALTY_METRICS:
        fit = getattr(section.lead_lag_by_metric, metric)
        label = METRIC_LABELS.get(metric, metric)
        if isinstance(fit, CannotCompute):
            if metric == settings.primary_metric:
                lines.append(f"Lead-lag of the index over {label}: not computed — {fit.reason}")
            continue
        lines.append(f"Lead of the index over {label}: " + lead_line(fit))
    warnings = section.early_warnings
    if isinstance(warnings, tuple) and warnings:
        lines.extend(f"Early warning: {w.message}" for w in warnings)
    else:
        lines.append(
            f"No early warning: the latest week is within {settings.warning_drop_sd:g} SD of "
            f"its {settings.warning_baseline_weeks}-week mean"
        )
    return lines


def lead_line(fit: LeadLag) -> str:
    """One stated rule: the verdict and the number that decided it, Granger as a description."""
    verdict = (
        f"significant (adjusted p = {fit.p_adjusted:.2g} <= {fit.alpha:g})"
        if fit.significant
        else f"not significant (adjusted p = {fit.p_adjusted:.2g} > {fit.alpha:g})"
    )
    granger = "n/a" if fit.granger_p is None else f"{fit.granger_p:.2g}"
    interval = "" if fit.ci_low is None or fit.ci_high is None else (
        f" [{fit.ci_low:.2f}, {fit.ci_high:.2f}]"
    )
    return (
        f"best lag {fit.best_lag_days} days, r = {fit.correlation:.2f}{interval} "
        f"— {verdict}; p corrected for {len(fit.ccf)} lags and Holm over the loyalty metrics; "
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
