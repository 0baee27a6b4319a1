"""The ``retention`` section of the results tree from the retention analysis' result."""

from __future__ import annotations

from typing import Any

from cxroi.analyses.retention.views import RetentionResult
from cxroi.results.model.retention import (
    AdjustedDelta,
    Balance,
    ByExposure,
    CountByExposure,
    Curve,
    CurvePoint,
    Curves,
    DescriptiveCurves,
    Diagnostics,
    Excluded,
    KaplanMeierRetention,
    NaiveDelta,
    RetentionByExposure,
    RetentionSection,
)
from cxroi.stats.result import CannotCompute, Estimate


def retention_section(r: RetentionResult) -> RetentionSection:
    missing = _first_reason(r)
    return RetentionSection(
        retention_12m=_retention(r.retention_12m),
        delta_12m_naive=_naive(r.delta_12m_naive),
        delta_12m_adjusted=_adjusted(r.delta_12m_adjusted),
        curves=_curves(r.curves) if r.curves is not None else missing,
        descriptive=_descriptive(r.descriptive) if r.descriptive is not None else missing,
        diagnostics=_diagnostics(r.diagnostics) if r.diagnostics is not None else missing,
        n_customers=r.n_customers if r.n_customers is not None else missing,
        excluded=Excluded(**r.excluded) if r.excluded is not None else missing,
        notes=tuple(r.notes),
    )


def _first_reason(r: RetentionResult) -> CannotCompute:
    for value in (r.retention_12m, r.delta_12m_naive, r.delta_12m_adjusted):
        if isinstance(value, CannotCompute):
            return value
    return CannotCompute("not computed")


def _base(e: Estimate) -> dict[str, Any]:
    return dict(
        estimate=e.estimate, ci_low=e.ci_low, ci_high=e.ci_high, method=e.method, n=e.n, se=e.se
    )


def _retention(value: Any) -> RetentionByExposure | CannotCompute:
    if isinstance(value, CannotCompute):
        return value
    return RetentionByExposure(
        **{
            g: KaplanMeierRetention(**_base(e), at_risk=int(e.extra["at_risk"]))
            for g, e in value.items()
        }
    )


def _naive(e: Estimate | CannotCompute) -> NaiveDelta | CannotCompute:
    if isinstance(e, CannotCompute):
        return e
    return NaiveDelta(
        **_base(e),
        n_ai_assisted=int(e.extra["n_ai_assisted"]),
        n_human_only=int(e.extra["n_human_only"]),
    )


def _adjusted(e: Estimate | CannotCompute) -> AdjustedDelta | CannotCompute:
    if isinstance(e, CannotCompute):
        return e
    x = e.extra
    return AdjustedDelta(
        **_base(e),
        estimand=str(x["estimand"]),
        ess=ByExposure(**x["ess"]),
        overlap_warning=bool(x["overlap_warning"]),
        trimmed=int(x["trimmed"]),
        retention_ai_assisted=float(x["retention_ai_assisted"]),
        retention_human_only=float(x["retention_human_only"]),
        overlap_note=x.get("overlap_note"),
    )


def _curve(c: dict[str, Any]) -> Curve:
    return Curve(
        n=int(c["n"]),
        small_cell=bool(c["small_cell"]),
        points=tuple(CurvePoint(**p) for p in c["points"]),
    )


def _curves(c: dict[str, Any]) -> Curves:
    return Curves(
        horizon_days=int(c["horizon_days"]),
        min_cell=int(c["min_cell"]),
        by_index_group={g: _curve(v) for g, v in c["by_index_group"].items()},
        by_index_mode={g: _curve(v) for g, v in c["by_index_mode"].items()},
    )


def _descriptive(d: dict[str, Any]) -> DescriptiveCurves:
    return DescriptiveCurves(
        descriptive=bool(d["descriptive"]),
        note=str(d["note"]),
        by_last_mode={g: _curve(v) for g, v in d["by_last_mode"].items()},
        by_primary_mode={g: _curve(v) for g, v in d["by_primary_mode"].items()},
        primary_mode_ties=str(d["primary_mode_ties"]),
    )


def _diagnostics(d: dict[str, Any]) -> Diagnostics:
    def opt(key: str, make: Any) -> Any:
        return make(d[key]) if key in d else None

    return Diagnostics(
        covariates=tuple(d["covariates"]),
        horizon_days=int(d["horizon_days"]),
        index_before_acquired=int(d["index_before_acquired"]),
        propensity_quantiles=opt("propensity_quantiles", dict),
        n=opt("n", lambda v: CountByExposure(**v)),
        trimmed=opt("trimmed", lambda v: CountByExposure(**v)),
        ess=opt("ess", lambda v: ByExposure(**v)),
        ess_share=opt("ess_share", lambda v: ByExposure(**v)),
        max_abs_smd_unweighted=opt("max_abs_smd_unweighted", float),
        max_abs_smd_weighted=opt("max_abs_smd_weighted", float),
        balance=opt("balance", lambda v: tuple(Balance(**b) for b in v)),
        overlap_warning=opt("overlap_warning", bool),
        overlap_messages=opt("overlap_messages", tuple),
        balance_warning=opt("balance_warning", bool),
        g_formula_delta=opt("g_formula_delta", float),
    )
