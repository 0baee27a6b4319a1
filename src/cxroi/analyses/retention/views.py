"""``run_retention``: curves, 12-month retention, naive and adjusted deltas, descriptive views."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cxroi.analyses.retention.adjusted import AdjustedRetention
from cxroi.analyses.retention.cohort import BASE_COVARIATES, Cohort, build_cohort
from cxroi.analyses.retention.design import Design, build_design
from cxroi.analyses.retention.kaplan_meier import KaplanMeier, difference_at
from cxroi.analyses.retention.settings import RetentionSettings
from cxroi.io.contract import MODES
from cxroi.io.dataset import Dataset
from cxroi.metrics.exact import ExactMetrics
from cxroi.stats.result import CannotCompute, Estimate, Result

KEYS: tuple[str, ...] = ("retention_12m", "delta_12m_naive", "delta_12m_adjusted")
IMMORTAL_TIME_NOTE = (
    "Descriptive only, not an effect: customers are grouped by interactions that happen during "
    "follow-up (their last, or most frequent, contact mode), so staying longer creates more "
    "chances to be in a group (immortal-time bias). Use delta_12m_adjusted, whose exposure is "
    "fixed at the index contact."
)


@dataclass(frozen=True)
class RetentionResult:
    retention_12m: dict[str, Result] | CannotCompute
    delta_12m_naive: Result
    delta_12m_adjusted: Result
    curves: dict[str, Any] | None = None
    descriptive: dict[str, Any] | None = None
    diagnostics: dict[str, Any] | None = None
    n_customers: int | None = None
    excluded: dict[str, int] | None = None
    notes: tuple[str, ...] = field(default=())

    def to_results(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if isinstance(self.retention_12m, CannotCompute):
            out["retention_12m"], out["retention_12m_note"] = None, self.retention_12m.reason
        else:
            out["retention_12m"] = {k: _obj(v) for k, v in self.retention_12m.items()}
        for key, value in (
            ("delta_12m_naive", self.delta_12m_naive),
            ("delta_12m_adjusted", self.delta_12m_adjusted),
        ):
            out[key] = _obj(value)
            if isinstance(value, CannotCompute):
                out[f"{key}_note"] = value.reason
        reason = _first_reason(self)
        rest: dict[str, Any] = {
            "curves": self.curves,
            "descriptive": self.descriptive,
            "diagnostics": self.diagnostics,
            "n_customers": self.n_customers,
            "excluded": self.excluded,
        }
        for key, section in rest.items():
            out[key] = section
            if section is None:
                out[f"{key}_note"] = reason
        out["notes"] = list(self.notes)
        return out

    def summary_lines(self) -> list[str]:
        """Lines for the terminal summary."""
        lines: list[str] = []
        if isinstance(self.retention_12m, dict):
            parts = [
                f"{k.replace('_', '-')} {v.estimate:.1%}"
                for k, v in self.retention_12m.items()
                if isinstance(v, Estimate)
            ]
            lines.append("12-month retention (KM): " + ", ".join(parts))
        for label, value in (
            ("naive", self.delta_12m_naive),
            ("adjusted", self.delta_12m_adjusted),
        ):
            if isinstance(value, Estimate):
                lines.append(
                    f"retention delta 12m, {label}: {100 * value.estimate:+.1f} pts "
                    f"(95% CI {100 * (value.ci_low or 0):+.1f} "
                    f"to {100 * (value.ci_high or 0):+.1f})"
                )
            else:
                lines.append(f"retention delta 12m, {label}: not computed — {value.reason}")
        if isinstance(self.delta_12m_adjusted, Estimate):
            extra = self.delta_12m_adjusted.extra
            if extra.get("overlap_warning"):
                lines.append("warning: poor overlap between AI-assisted and human-only customers")
            if extra.get("trimmed"):
                lines.append(f"{extra['trimmed']} customers trimmed (extreme propensity)")
        return lines


def _obj(value: Result) -> dict[str, Any] | None:
    if isinstance(value, CannotCompute):
        return None
    out: dict[str, Any] = {}
    for k, v in value.as_dict().items():
        out[k] = None if isinstance(v, float) and not np.isfinite(v) else v
    return out


def _first_reason(r: RetentionResult) -> str:
    for value in (r.retention_12m, r.delta_12m_naive, r.delta_12m_adjusted):
        if isinstance(value, CannotCompute):
            return value.reason
    return "not computed"


def _unavailable(reason: str, excluded: dict[str, int] | None = None) -> RetentionResult:
    refusal = CannotCompute(reason)
    return RetentionResult(refusal, refusal, refusal, excluded=excluded)


def run_retention(
    ds: Dataset,
    exact: ExactMetrics | None,
    results: Mapping[str, Any],
    settings: RetentionSettings | None = None,
) -> RetentionResult:
    """Retention by index-contact exposure. ``exact`` and ``results`` are not needed here."""
    settings = settings or RetentionSettings()
    if "customers" not in ds.tables or not ds.has("customers", "churned_at"):
        return _unavailable(
            "the customers table has no churned_at column: retention needs each customer's churn "
            "date (empty = still a customer)"
        )
    cohort = build_cohort(ds, ds.config.covariates, settings.window_start, settings.window_end)
    excluded = {
        "churned_before_index": cohort.churned_before_index,
        "no_index_contact": cohort.no_index_contact,
    }
    frame = cohort.frame
    if len(frame) == 0:
        return _unavailable("no customer has a contact in the analysis window", excluded)
    h = float(settings.horizon_days)
    min_cell = ds.config.min_cell

    km = {g: _km(frame[mask]) for g, mask in _groups(frame, "index").items()}
    exp_, ctl = km["ai_assisted"], km["human_only"]
    r12 = {
        "ai_assisted": exp_.estimate_at(h, "the AI-assisted group"),
        "human_only": ctl.estimate_at(h, "the human-only group"),
    }
    retention: dict[str, Result] | CannotCompute = r12
    refusals = [v for v in r12.values() if isinstance(v, CannotCompute)]
    if refusals:
        retention = CannotCompute("; ".join(r.reason for r in refusals))
    naive = difference_at(exp_, ctl, h, "naive delta")

    design = _design(frame, cohort, ds)
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
    adjusted: Result
    diagnostics: dict[str, Any] = {
        "covariates": list(design.columns),
        "horizon_days": settings.horizon_days,
        "index_before_acquired": cohort.index_before_acquired,
    }
    if isinstance(naive, CannotCompute):
        adjusted = CannotCompute(naive.reason.replace("naive delta", "adjusted delta"))
    else:
        model.fit(
            design.matrix,
            frame["exposed"].to_numpy(dtype=bool),
            frame["duration"].to_numpy(dtype=np.float64),
            frame["event"].to_numpy(dtype=bool),
            frame["followup"].to_numpy(dtype=np.float64),
            design.columns,
        )
        adjusted = model.result_
        if isinstance(adjusted, Estimate):
            adjusted = _with_overlap_message(adjusted, model)
            diagnostics.update(model.diagnostics_.as_dict())
            diagnostics["g_formula_delta"] = model.g_formula_
    curves = {
        "horizon_days": settings.horizon_days,
        "min_cell": min_cell,
        "by_index_group": {g: _curve(k, settings, min_cell) for g, k in km.items()},
        "by_index_mode": {
            g: _curve(_km(frame[m]), settings, min_cell) for g, m in _groups(frame, "mode").items()
        },
    }
    descriptive = {
        "descriptive": True,
        "note": IMMORTAL_TIME_NOTE,
        "by_last_mode": {
            g: _curve(_km(frame[m]), settings, min_cell) for g, m in _groups(frame, "last").items()
        },
        "by_primary_mode": {
            g: _curve(_km(frame[m]), settings, min_cell)
            for g, m in _groups(frame, "primary").items()
        },
        "primary_mode_ties": "a tie goes to the first of " + ", ".join(MODES),
    }
    return RetentionResult(
        retention_12m=retention,
        delta_12m_naive=naive,
        delta_12m_adjusted=adjusted,
        curves=curves,
        descriptive=descriptive,
        diagnostics=diagnostics,
        n_customers=len(frame),
        excluded=excluded,
        notes=(*cohort.notes, *design.notes),
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


def _curve(km: KaplanMeier, settings: RetentionSettings, min_cell: int) -> dict[str, Any]:
    points: list[dict[str, Any]] = []
    for day in settings.curve_days:
        p = km.point(float(day))
        if p.at_risk < min_cell or day > km.max_time_:
            reason = (
                "no customer followed this long"
                if day > km.max_time_
                else f"fewer than {min_cell} customers at risk"
            )
            points.append(
                {
                    "day": day,
                    "survival": None,
                    "ci_low": None,
                    "ci_high": None,
                    "at_risk": None,
                    "survival_note": reason,
                }
            )
        else:
            points.append(
                {
                    "day": day,
                    "survival": p.survival,
                    "ci_low": p.ci_low,
                    "ci_high": p.ci_high,
                    "at_risk": p.at_risk,
                }
            )
    return {"n": km.n_, "small_cell": km.n_ < min_cell, "points": points}


def _design(frame: pd.DataFrame, cohort: Cohort, ds: Dataset) -> Design:
    work = pd.DataFrame(index=frame.index)
    categorical: list[str] = []
    numeric: dict[str, bool] = {}
    notes: list[str] = []
    for col in BASE_COVARIATES:
        if not ds.has("customers", col):
            notes.append(f"customers.{col} is absent: not adjusted for")
            continue
        if col == "monthly_revenue":
            revenue = pd.to_numeric(frame[col], errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan
            )
            work["log1p(monthly_revenue)"] = np.log1p(np.maximum(revenue, 0.0))
            numeric["log1p(monthly_revenue)"] = True
        else:
            work[col] = frame[col]
            categorical.append(col)
    work["tenure_years"] = frame["tenure_days"].to_numpy(dtype=np.float64) / 365.25
    numeric["tenure_years"] = True
    for col in cohort.extra_covariates:
        values = frame[col]
        if pd.api.types.is_datetime64_any_dtype(values):
            notes.append(f"covariate {col!r} is a timestamp: not used (give a number or a label)")
        elif pd.api.types.is_bool_dtype(values) or not _numeric_like(values):
            work[col] = values.astype("string")
            categorical.append(col)
        else:
            work[col] = pd.to_numeric(values, errors="coerce")
            numeric[col] = True
    built = build_design(work, categorical, numeric, min_level=max(ds.config.min_cell, 1))
    return Design(built.matrix, built.columns, (*notes, *built.notes))


def _numeric_like(values: pd.Series) -> bool:
    present = values.dropna()
    if len(present) == 0:
        return False
    return bool(pd.to_numeric(present, errors="coerce").notna().all())


def _with_overlap_message(est: Estimate, model: AdjustedRetention) -> Estimate:
    messages = model.diagnostics_.messages
    if not messages:
        return est
    extra = {**est.extra, "overlap_note": "; ".join(messages)}
    return Estimate(
        est.estimate, est.ci_low, est.ci_high, method=est.method, n=est.n, se=est.se, extra=extra
    )
