"""``run_retention``: curves, 12-month retention, naive and adjusted effects, sensitivity and the
per-customer pieces of revenue protected; descriptive views apart."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from cxroi.analyses.retention.adjusted import AdjustedRetention
from cxroi.analyses.retention.cohort import build_cohort
from cxroi.analyses.retention.covariates import confounder_design
from cxroi.analyses.retention.kaplan_meier import KaplanMeier, difference_at
from cxroi.analyses.retention.result import RetentionResult, unavailable
from cxroi.analyses.retention.revenue import RestrictedMeanScores, months_in, months_per_day
from cxroi.analyses.retention.robustness import robustness_table
from cxroi.analyses.retention.sensitivity import e_values
from cxroi.analyses.retention.settings import RetentionSettings
from cxroi.io.contract import MODES
from cxroi.io.dataset import Dataset
from cxroi.results.model.retention import (
    Robustness,
    AdjustedDelta,
    AttDelta,
    Curve,
    CurvePoint,
    Curves,
    DescriptiveCurves,
    Diagnostics,
    Excluded,
    MonthsActive,
    RetentionByExposure,
    RetentionSection,
    Sensitivity,
)
from cxroi.stats.result import CannotCompute
from cxroi.stats.summary import Z95

IMMORTAL_TIME_NOTE = (
    "Descriptive only, not an effect: customers are grouped by interactions that happen during "
    "follow-up (their last, or most frequent, contact mode), so staying longer creates more "
    "chances to be in a group (immortal-time bias). Use delta_12m_adjusted, whose exposure is "
    "fixed at the index contact."
)


def run_retention(
    ds: Dataset, settings: RetentionSettings | None = None, min_cell: int = 10
) -> RetentionResult:
    """Retention by index-contact exposure; groups under ``min_cell`` customers are flagged."""
    settings = settings or RetentionSettings()
    if "customers" not in ds.tables or not ds.has("customers", "churned_at"):
        return unavailable(
            "the customers table has no churned_at column: retention needs each customer's churn "
            "date (empty = still a customer)"
        )
    cohort = build_cohort(ds, settings.covariates, settings.window_start, settings.window_end)
    excluded = Excluded(cohort.churned_before_index, cohort.no_index_contact)
    frame = cohort.frame
    if len(frame) == 0:
        return unavailable("no customer has a contact in the analysis window", excluded)
    h = float(settings.horizon_days)

    km = {g: _km(frame[mask]) for g, mask in _groups(frame, "index").items()}
    exp_, ctl = km["ai_assisted"], km["human_only"]
    r12 = RetentionByExposure(
        exp_.estimate_at(h, "the AI-assisted group"), ctl.estimate_at(h, "the human-only group")
    )
    refusals = [v for v in (r12.ai_assisted, r12.human_only) if isinstance(v, CannotCompute)]
    retention: RetentionByExposure | CannotCompute = (
        CannotCompute("; ".join(r.reason for r in refusals)) if refusals else r12
    )
    naive = difference_at(exp_, ctl, h, "naive delta")

    design = confounder_design(cohort, ds, settings, min_level=max(min_cell, 1))
    diagnostics = Diagnostics(
        covariates=tuple(design.columns),
        horizon_days=settings.horizon_days,
        index_before_acquired=cohort.index_before_acquired,
    )
    if isinstance(naive, CannotCompute):
        refusal = CannotCompute(naive.reason.replace("naive delta", "adjusted delta"))
        adjusted = _Adjusted(refusal, refusal, refusal, refusal, refusal, diagnostics)
    else:
        adjusted = _fit_adjusted(frame, design.matrix, design.columns, settings, diagnostics)
    restricted = adjusted.restricted
    if isinstance(restricted, RestrictedMeanScores):
        restricted = replace(restricted, customer_ids=cohort.customer_ids)
    section = RetentionSection(
        retention_12m=retention,
        delta_12m_naive=naive,
        delta_12m_adjusted=adjusted.ate,
        delta_12m_att=adjusted.att,
        months_active_12m_att=adjusted.months_active,
        sensitivity=adjusted.sensitivity,
        curves=_curves(frame, km, settings, min_cell),
        descriptive=_descriptive(frame, settings, min_cell),
        diagnostics=adjusted.diagnostics,
        n_customers=len(frame),
        excluded=excluded,
        notes=(*cohort.notes, *design.notes),
    )
    return RetentionResult(section, restricted)


@dataclass(frozen=True)
class _Adjusted:
    ate: AdjustedDelta | CannotCompute
    att: AttDelta | CannotCompute
    months_active: MonthsActive | CannotCompute
    sensitivity: Sensitivity | CannotCompute
    restricted: RestrictedMeanScores | CannotCompute
    diagnostics: Diagnostics


def _fit_adjusted(
    frame: pd.DataFrame,
    x: np.ndarray,
    columns: tuple[str, ...],
    settings: RetentionSettings,
    diagnostics: Diagnostics,
) -> _Adjusted:
    """Fit the DR model; ATE, ATT, restricted-mean ATT, E-values and the robustness table."""
    model = AdjustedRetention(
        horizon_days=settings.horizon_days,
        folds=settings.folds,
        seed=settings.seed,
        trim=(settings.trim_low, settings.trim_high),
        propensity_model=settings.propensity_model,
        censoring_model=settings.censoring_model,
        overlap_max_trimmed_share=settings.overlap_max_trimmed_share,
        overlap_min_ess_share=settings.overlap_min_ess_share,
        overlap_max_weighted_smd=settings.overlap_max_weighted_smd,
    )
    exposed = frame["exposed"].to_numpy(dtype=bool)
    duration = frame["duration"].to_numpy(dtype=np.float64)
    event = frame["event"].to_numpy(dtype=bool)
    model.fit(x, exposed, duration, event, frame["followup"].to_numpy(dtype=np.float64), columns)
    ate = model.result_
    if isinstance(ate, CannotCompute):
        return _Adjusted(ate, model.att_result_, ate, ate, ate, diagnostics)
    diagnostics = replace(
        diagnostics, overlap=model.diagnostics_.model(), g_formula_delta=model.g_formula_
    )
    h = settings.horizon_days
    robustness = robustness_table(model, x, exposed, duration, event)
    if isinstance(robustness, Robustness):  # the DR row carries the overlap note too
        robustness = replace(robustness, ate=replace(robustness.ate, overlap_note=ate.overlap_note))
    sensitivity = Sensitivity(
        ate=e_values(model.contrasts_.ate, h, "all analysed customers"),
        att=e_values(model.contrasts_.att, h, "customers whose index contact was AI-assisted"),
        robustness=robustness,
        scale=f"{h}-day churn risk ratio (AI-assisted vs without AI); E-values of VanderWeele "
        "& Ding (2017) for the estimate and for the interval limit nearest 1",
    )
    return _Adjusted(
        ate, model.att_result_, _months_active(model), sensitivity, model.restricted_, diagnostics
    )


def _months_active(model: AdjustedRetention) -> MonthsActive:
    """Restricted-mean ATT: months active in the horizon gained per AI-assisted customer."""
    c = model.contrasts_.restricted_att
    per_month = months_per_day()
    months = months_in(model.horizon_days)
    effect, se = c.effect * per_month, c.effect_se * per_month
    return MonthsActive(
        effect,
        effect - Z95 * se,
        effect + Z95 * se,
        method=f"doubly robust restricted-mean effect over {months:g} months on the AI-assisted "
        "(AIPW with augmented IPCW, cross-fitted); influence-function SE",
        n=c.n,
        se=se,
        horizon_months=months,
        months_active_ai_assisted=c.treated_mean * per_month,
        months_active_without_ai=c.control_mean * per_month,
    )


def _curves(
    frame: pd.DataFrame, km: dict[str, KaplanMeier], settings: RetentionSettings, min_cell: int
) -> Curves:
    return Curves(
        horizon_days=settings.horizon_days,
        min_cell=min_cell,
        by_index_group={g: _curve(k, settings, min_cell) for g, k in km.items()},
        by_index_mode={
            g: _curve(_km(frame[m]), settings, min_cell) for g, m in _groups(frame, "mode").items()
        },
    )


def _descriptive(frame: pd.DataFrame, settings: RetentionSettings, min_cell: int) -> DescriptiveCurves:
    return DescriptiveCurves(
        descriptive=True,
        note=IMMORTAL_TIME_NOTE,
        by_last_mode={
            g: _curve(_km(frame[m]), settings, min_cell) for g, m in _groups(frame, "last").items()
        },
        by_primary_mode={
            g: _curve(_km(frame[m]), settings, min_cell)
            for g, m in _groups(frame, "primary").items()
        },
        primary_mode_ties="a tie goes to the first of " + ", ".join(MODES),
    )


def _groups(frame: pd.DataFrame, by: str) -> dict[str, pd.Series]:
    if by == "index":
        return {"ai_assisted": frame["exposed"], "human_only": ~frame["exposed"]}
    column = {"mode": "index_mode", "last": "last_mode", "primary": "primary_mode"}[by]
    return {m: frame[column] == m for m in MODES}


def _km(part: pd.DataFrame) -> KaplanMeier:
    return KaplanMeier().fit(
        part["duration"].to_numpy(dtype=np.float64), part["event"].to_numpy(dtype=bool)
    )


def _curve(km: KaplanMeier, settings: RetentionSettings, min_cell: int) -> Curve:
    points: list[CurvePoint] = []
    for day in settings.curve_days:
        p = km.point(float(day))
        if p.at_risk < min_cell or day > km.max_time_:
            reason = (
                "no customer followed this long"
                if day > km.max_time_
                else f"fewer than {min_cell} customers at risk"
            )
            points.append(CurvePoint(day, None, None, None, None, reason))
        else:
            points.append(CurvePoint(day, p.survival, p.ci_low, p.ci_high, p.at_risk))
    return Curve(km.n_, km.n_ < min_cell, tuple(points))
