"""The typed result of the retention analysis, and its ``results.json`` section (for now).

Every number is an :class:`Estimate` or a :class:`CannotCompute` with the reason; the sections
that are still plain mappings (curves, descriptive views, diagnostics) are display tables.
``restricted_mean`` carries the per-customer pieces the value analysis weights by revenue
(``revenue.revenue_protected_12m``); it is never serialised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cxroi.analyses.retention.revenue import RestrictedMeanScores
from cxroi.analyses.retention.robustness import Robustness
from cxroi.analyses.retention.sensitivity import EValue
from cxroi.stats.result import CannotCompute, Estimate, Result

NOT_COMPUTED = CannotCompute("not computed")


@dataclass(frozen=True)
class RetentionSensitivity:
    """``retention.sensitivity``: E-values for ATE and ATT, and the robustness table."""

    ate: EValue | CannotCompute
    att: EValue | CannotCompute
    robustness: Robustness | CannotCompute
    scale: str  # what the E-values are computed on

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"scale": self.scale}
        for key, value in (("ate", self.ate), ("att", self.att), ("robustness", self.robustness)):
            out[key] = value.as_dict()
            if isinstance(value, CannotCompute):
                out[f"{key}_note"] = value.reason
        return out


@dataclass(frozen=True)
class RetentionResult:
    retention_12m: dict[str, Result] | CannotCompute
    delta_12m_naive: Result
    delta_12m_adjusted: Result  # ATE, all analysed customers
    delta_12m_att: Result = NOT_COMPUTED  # ATT, customers with an AI-assisted index contact
    months_active_12m_att: Result = NOT_COMPUTED  # restricted-mean ATT, months per customer
    sensitivity: RetentionSensitivity | CannotCompute = NOT_COMPUTED
    restricted_mean: RestrictedMeanScores | CannotCompute = NOT_COMPUTED
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
            ("delta_12m_att", self.delta_12m_att),
            ("months_active_12m_att", self.months_active_12m_att),
        ):
            out[key] = _obj(value)
            if isinstance(value, CannotCompute):
                out[f"{key}_note"] = value.reason
        out["sensitivity"] = _clean(self.sensitivity.as_dict())
        if isinstance(self.sensitivity, CannotCompute):
            out["sensitivity_note"] = self.sensitivity.reason
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
            ("adjusted, all customers (ATE)", self.delta_12m_adjusted),
            ("adjusted, AI-assisted customers (ATT)", self.delta_12m_att),
        ):
            if isinstance(value, Estimate):
                lines.append(
                    f"retention delta 12m, {label}: {100 * value.estimate:+.1f} pts "
                    f"(95% CI {100 * (value.ci_low or 0):+.1f} "
                    f"to {100 * (value.ci_high or 0):+.1f})"
                )
            else:
                lines.append(f"retention delta 12m, {label}: not computed — {value.reason}")
        if isinstance(self.sensitivity, RetentionSensitivity) and isinstance(
            self.sensitivity.att, EValue
        ):
            ev = self.sensitivity.att
            lines.append(
                f"E-value (ATT, churn risk ratio {ev.churn_risk_ratio.estimate:.2f}): "
                f"{ev.e_value:.2f} for the estimate, {ev.e_value_ci:.2f} for the interval"
            )
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
    cleaned: dict[str, Any] = _clean(value.as_dict())
    return cleaned


def _clean(value: Any) -> Any:
    """Non-finite floats become null, recursively (results.json is strict JSON)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _first_reason(r: RetentionResult) -> str:
    for value in (r.retention_12m, r.delta_12m_naive, r.delta_12m_adjusted):
        if isinstance(value, CannotCompute):
            return value.reason
    return "not computed"


def unavailable(reason: str, excluded: dict[str, int] | None = None) -> RetentionResult:
    refusal = CannotCompute(reason)
    return RetentionResult(
        refusal,
        refusal,
        refusal,
        delta_12m_att=refusal,
        months_active_12m_att=refusal,
        sensitivity=refusal,
        restricted_mean=refusal,
        excluded=excluded,
    )
