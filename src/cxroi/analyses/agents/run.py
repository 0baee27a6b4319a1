"""The agents analysis end to end: index per team and centre, lead-lag, early warning."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from cxroi.analyses.agents import queries as Q
from cxroi.analyses.agents.index import (
    CENTRE,
    DEFINITIONS,
    AgentData,
    Standardised,
    group_components,
    period_range,
    standardise,
)
from cxroi.analyses.agents.leadlag import LeadLag, NotEnoughData
from cxroi.analyses.agents.settings import LOYALTY_METRICS, AgentsSettings
from cxroi.analyses.agents.warning import Drop, Lead, drops, latest_drop, warnings_for
from cxroi.io.dataset import Dataset
from cxroi.metrics.exact import ExactMetrics
from cxroi.metrics.queries import enrich
from cxroi.stats.multiplicity import holm
from cxroi.stats.result import CannotCompute

NO_AGENT_DATA = (
    "no agent data: the index needs at least one of agent_pulse (pulse), agents with "
    "hired_at/left_at (voluntary turnover) or contacts.agent_id (escalation workload)"
)


@dataclass(frozen=True)
class MetricFit:
    """A fitted lead-lag for one loyalty metric, with the weeks it used and the decision.

    ``p_adjusted`` is the fit's lag-corrected p-value Holm-adjusted across the loyalty metrics
    that could be estimated; ``significant`` is ``p_adjusted <= alpha``: the one decision rule
    the results, the summary and the warnings use.
    """

    fit: LeadLag
    first_week: pd.Timestamp
    last_week: pd.Timestamp
    interpolated_weeks: int
    p_adjusted: float = math.nan
    significant: bool = False


@dataclass(frozen=True)
class AgentsResult:
    """Everything the agents analysis found; ``section.agents_section`` types it for results."""

    settings: AgentsSettings
    notes: tuple[str, ...]
    weekly: Standardised | None = None
    monthly: Standardised | None = None
    team_weekly: Standardised | None = None
    team_monthly: Standardised | None = None
    fits: dict[str, MetricFit | CannotCompute] = field(default_factory=dict)
    population: str = ""
    history: tuple[Drop, ...] = ()
    warnings: tuple[dict[str, Any], ...] = ()
    min_cell: int = 10
    reason: str = ""  # why there is no index at all


def run_agents(
    ds: Dataset,
    exact: ExactMetrics | None = None,
    settings: AgentsSettings | None = None,
    min_cell: int = 10,
) -> AgentsResult:
    """Agent Experience Index, its lead over the loyalty metrics, and the early warning.

    ``exact`` lends its repeat-flagged contacts (computed again without it).
    """
    settings = settings or AgentsSettings()
    notes: list[str] = []
    zone = ZoneInfo(ds.timezone)
    weekly_data, teams_known = _agent_data(ds, "week", notes)
    monthly_data, _ = _agent_data(ds, "month", [])
    available = weekly_data.available()
    if not available:
        return AgentsResult(settings, tuple(notes), reason=NO_AGENT_DATA)
    first = _local(ds.tables["contacts"].started_at.min().execute(), zone)
    last = ds.as_of.astimezone(zone)
    weeks = period_range(_week_start(first), _week_start(last), "week")
    months = period_range(_month_start(first), _month_start(last), "month")
    weights = settings.weights
    built: dict[str, Standardised] = {}
    for key, data, periods, by_team in (
        ("weekly", weekly_data, weeks, False),
        ("monthly", monthly_data, months, False),
        ("team_weekly", weekly_data, weeks, True),
        ("team_monthly", monthly_data, months, True),
    ):
        if by_team and not teams_known:
            continue
        raw = group_components(data, periods, by_team)
        raw["partial"] = [_partial(p, key, last) for p in raw.index.get_level_values("period")]
        where = key.replace("_", " ")
        built[key] = standardise(raw, weights, available, notes if key == "weekly" else [], where)
    centre = built["weekly"]
    if not centre.used:
        why = "no index component has a positive weight and values that vary over 3+ weeks"
        return AgentsResult(settings, tuple(notes), reason=why)
    for comp in (c for c in DEFINITIONS if c not in available):
        notes.append(f"{comp} is left out of the index: its data is missing")

    series = _centre_series(centre)
    loyalty = _loyalty(ds, exact, settings, notes)
    fits = _decide({m: _fit(series, loyalty, m, settings) for m in LOYALTY_METRICS}, settings)
    leads: dict[str, Lead | None] = {}
    for m, mf in fits.items():
        if isinstance(mf, MetricFit) and mf.significant:
            f = mf.fit
            band = f.band_lags_ or (f.best_lag_, f.best_lag_)
            leads[m] = Lead(
                f.best_lag_days_, band[0] * f.period_days, band[1] * f.period_days, f.correlation_
            )
    history = drops(series, settings.warning_drop_sd, settings.warning_baseline_weeks)
    live = latest_drop(series, settings.warning_drop_sd, settings.warning_baseline_weeks)
    return AgentsResult(
        settings=settings,
        notes=tuple(notes),
        weekly=centre,
        monthly=built["monthly"],
        team_weekly=built.get("team_weekly"),
        team_monthly=built.get("team_monthly"),
        fits=fits,
        population=settings.loyalty_contacts,
        history=tuple(history),
        warnings=tuple(warnings_for(live, leads)),
        min_cell=min_cell,
    )


# -- data --------------------------------------------------------------------------------------
def _agent_data(ds: Dataset, period: Q.Period, notes: list[str]) -> tuple[AgentData, bool]:
    contacts = pulse = spans = None
    if not ds.has("contacts", "agent_id"):
        notes.append(
            "contacts.agent_id is absent: escalation share and escalated handle time per agent "
            "(workload complexity) need it"
        )
    else:
        contacts = _periods(Q.agent_contact_sums(ds.tables["contacts"], period).to_pandas())
        if contacts.empty:
            notes.append("no contact has an agent_id: no workload components")
            contacts = None
    if not ds.has("agent_pulse"):
        notes.append("no agent_pulse table: the pulse component needs it")
    else:
        pulse = _periods(Q.pulse_sums(ds.tables["agent_pulse"], period).to_pandas())
        if pulse.empty:
            notes.append("agent_pulse has no rows: no pulse component")
            pulse = None
    turnover = voluntary = teams = False
    if not ds.has("agents"):
        notes.append("no agents table: voluntary turnover and the per-team index need it")
    else:
        spans = Q.agent_spans(ds.tables["agents"], period).to_pandas()
        for col in ("hired", "left"):
            spans[col] = pd.to_datetime(spans[col])
        turnover = ds.has("agents", "left_at")
        voluntary = ds.has("agents", "leave_reason")
        teams = ds.has("agents", "team")
        if not turnover:
            notes.append("agents.left_at is absent: no voluntary turnover component")
        elif not voluntary:
            notes.append("agents.leave_reason is absent: every departure counts as voluntary")
        if not teams:
            notes.append("agents.team is absent: the index is reported for the centre only")
    return AgentData(contacts, pulse, spans, turnover, voluntary), teams


def _periods(frame: pd.DataFrame) -> pd.DataFrame:
    frame["period"] = pd.to_datetime(frame["period"])
    for col in frame.columns:
        if frame[col].dtype == object and col not in ("agent_id", "period", "kind"):
            frame[col] = frame[col].astype(float)  # decimal sums
    return frame


def _local(value: Any, zone: ZoneInfo) -> datetime:
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts
    local: datetime = ts.tz_convert(zone).to_pydatetime()
    return local


def _week_start(moment: datetime) -> pd.Timestamp:
    day = pd.Timestamp(moment.date())
    return day - pd.Timedelta(days=day.weekday())


def _month_start(moment: datetime) -> pd.Timestamp:
    return pd.Timestamp(moment.date().replace(day=1))


def _partial(start: pd.Timestamp, key: str, last: datetime) -> bool:
    """A period the data does not cover to its end: it holds as_of, which is not its last day."""
    end = start + (pd.Timedelta(days=7) if "weekly" in key else pd.DateOffset(months=1))
    return bool(pd.Timestamp(last.date()) < end - pd.Timedelta(days=1))


def _centre_series(centre: Standardised) -> pd.DataFrame:
    f = centre.frame.xs(CENTRE, level="group")
    return pd.DataFrame(
        {"period": f.index, "index": f["index"].to_numpy(), "partial": f["partial"].to_numpy()}
    ).reset_index(drop=True)


def _loyalty(
    ds: Dataset, exact: ExactMetrics | None, settings: AgentsSettings, notes: list[str]
) -> pd.DataFrame:
    """Weekly CSAT (share 4-5), NPS, CES mean and FCR 7d, by the week of the rated contact."""
    modes = Q.AGENT_MODES if settings.loyalty_contacts == "agent_handled" else None
    surveys = ds.table("surveys")
    enriched = exact.enriched if exact is not None else None
    if enriched is None:
        enriched = enrich(ds.tables["contacts"], None, ds.as_of, (7,))
    fcr_q, survey_q = Q.loyalty_sums(enriched, surveys, modes)
    fcr = _periods(fcr_q.to_pandas()).set_index("period").sort_index()
    out = pd.DataFrame(index=fcr.index)
    out["fcr_7d"] = fcr["resolved"] / fcr["eligible"].where(fcr["eligible"] > 0)
    if survey_q is None:
        notes.append("no surveys table: CSAT, NPS and CES lead-lag need it")
        return out
    s = _periods(survey_q.to_pandas())
    rows = {k: s[s["kind"] == k].set_index("period") for k in ("csat", "nps", "ces")}
    values = {
        "csat": rows["csat"]["top_box"] / rows["csat"]["n"],
        "nps": 100.0 * (rows["nps"]["promoters"] - rows["nps"]["detractors"]) / rows["nps"]["n"],
        "ces": rows["ces"]["score_sum"] / rows["ces"]["n"],
    }
    for kind, series in values.items():
        out = out.join(series.rename(kind), how="outer")
    return out.sort_index()


def _decide(
    fits: dict[str, MetricFit | CannotCompute], settings: AgentsSettings
) -> dict[str, MetricFit | CannotCompute]:
    """Holm across the metrics that were estimated: the one significance decision."""
    done = {m: f for m, f in fits.items() if isinstance(f, MetricFit)}
    adjusted = holm({m: f.fit.p_value_ for m, f in done.items()})
    return {
        m: replace(f, p_adjusted=adjusted[m], significant=adjusted[m] <= settings.alpha)
        if isinstance(f, MetricFit)
        else f
        for m, f in fits.items()
    }


def _fit(
    series: pd.DataFrame, loyalty: pd.DataFrame, metric: str, settings: AgentsSettings
) -> MetricFit | CannotCompute:
    if metric not in loyalty.columns:
        return CannotCompute(f"no {metric} series (the surveys table is missing)")
    x = series[~series["partial"]].set_index("period")["index"]
    joined = pd.concat([x.rename("x"), loyalty[metric].rename("y")], axis=1, join="inner")
    have = joined.notna().all(axis=1).to_numpy()
    if not have.any():
        return CannotCompute(f"no week has both the index and {metric}")
    first, last = int(np.argmax(have)), len(have) - int(np.argmax(have[::-1]))
    joined = joined.iloc[first:last]
    gaps = int(joined.isna().any(axis=1).sum())
    if gaps > 0.2 * len(joined):
        return CannotCompute(f"{metric}: {gaps} of {len(joined)} weeks have no value")
    joined = joined.interpolate(limit_area="inside")
    try:
        fit = LeadLag(
            max_lag=settings.max_lag_weeks,
            max_ar_order=settings.max_ar_order,
            direction="absolute" if settings.direction == "absolute" else "positive",
            alpha=settings.alpha,
            n_boot=settings.bootstrap_replicates,
            block_length=settings.block_weeks or None,
            min_periods=settings.min_weeks,
            smooth=settings.smooth_lags,
            seed=settings.seed,
            seasonal_harmonics=settings.seasonal_harmonics,
        ).fit(joined["x"].to_numpy(), joined["y"].to_numpy())
    except NotEnoughData as exc:
        return CannotCompute(f"{metric}: {exc} (weekly index and {metric} overlap)")
    return MetricFit(fit, pd.Timestamp(joined.index[0]), pd.Timestamp(joined.index[-1]), gaps)
