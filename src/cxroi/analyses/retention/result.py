"""The retention analysis' result: the typed ``retention`` section, and the per-customer pieces
the value analysis weights by revenue (``restricted_mean``, never serialised)."""

from __future__ import annotations

from dataclasses import dataclass

from cxroi.analyses.retention.revenue import RestrictedMeanScores
from cxroi.results.model.retention import Excluded, RetentionSection
from cxroi.stats.result import CannotCompute, Estimate


@dataclass(frozen=True)
class RetentionResult:
    section: RetentionSection
    restricted_mean: RestrictedMeanScores | CannotCompute


def unavailable(reason: str, excluded: Excluded | None = None) -> RetentionResult:
    refusal = CannotCompute(reason)
    section = RetentionSection(
        retention_12m=refusal,
        delta_12m_naive=refusal,
        delta_12m_adjusted=refusal,
        delta_12m_att=refusal,
        months_active_12m_att=refusal,
        sensitivity=refusal,
        curves=refusal,
        descriptive=refusal,
        diagnostics=refusal,
        n_customers=refusal,
        excluded=excluded if excluded is not None else refusal,
    )
    return RetentionResult(section, refusal)


def summary_lines(r: RetentionSection) -> list[str]:
    """Lines for the terminal summary."""
    lines: list[str] = []
    if not isinstance(r.retention_12m, CannotCompute):
        parts = [
            f"{k.replace('_', '-')} {v.estimate:.1%}"
            for k, v in (("ai_assisted", r.retention_12m.ai_assisted),
                         ("human_only", r.retention_12m.human_only))
            if isinstance(v, Estimate)
        ]
        lines.append("12-month retention (KM): " + ", ".join(parts))
    for label, value in (
        ("naive", r.delta_12m_naive),
        ("adjusted, all customers (ATE)", r.delta_12m_adjusted),
        ("adjusted, AI-assisted customers (ATT)", r.delta_12m_att),
    ):
        if isinstance(value, Estimate):
            lines.append(
                f"retention delta 12m, {label}: {100 * value.estimate:+.1f} pts "
                f"(95% CI {100 * (value.ci_low or 0):+.1f} "
                f"to {100 * (value.ci_high or 0):+.1f})"
            )
        else:
            lines.append(f"retention delta 12m, {label}: not computed — {value.reason}")
    s = r.sensitivity
    if not isinstance(s, CannotCompute) and not isinstance(s.att, CannotCompute):
        ev = s.att
        lines.append(
            f"E-value (ATT, churn risk ratio {ev.churn_risk_ratio.estimate:.2f}): "
            f"{ev.e_value:.2f} for the estimate, {ev.e_value_ci:.2f} for the interval"
        )
    ate = r.delta_12m_adjusted
    if not isinstance(ate, CannotCompute):
        if ate.overlap_warning:
            lines.append("warning: poor overlap between AI-assisted and human-only customers")
        if ate.trimmed:
            lines.append(f"{ate.trimmed} customers trimmed (extreme propensity)")
    return lines
