"""The value section's results.json keys for the generated and at-risk pillars (interim).

The typed results (:class:`~cxroi.analyses.value.generated.GeneratedRevenue`,
:class:`~cxroi.analyses.value.churn_risk.RevenueAtRisk`) are what other code should read; these
functions only keep ``ValueResult.to_results()`` producing the contract's keys
(results-contract.md: ``value.revenue_generated`` = the incremental figure,
``value.revenue_generated_incremental``, ``value.revenue_generated_attributed``,
``value.revenue_at_risk``) until the one serialiser of the typed results tree replaces them.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from cxroi.analyses.value.att import PeriodAmount
from cxroi.analyses.value.churn_risk import RevenueAtRisk
from cxroi.analyses.value.clv import ClvHonesty
from cxroi.analyses.value.generated import GeneratedRevenue
from cxroi.stats.result import CannotCompute, Result


def put(target: dict[str, Any], key: str, result: Result) -> None:
    """``target[key]`` = the estimate object, or None with ``<key>_note`` = the reason."""
    if isinstance(result, CannotCompute):
        target[key] = None
        target[f"{key}_note"] = result.reason
    else:
        target[key] = result.as_dict()


def series(items: tuple[PeriodAmount, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        row: dict[str, Any] = {"month": item.period}
        if isinstance(item.amount, CannotCompute):
            row.update(estimate=None, ci_low=None, ci_high=None, note=item.amount.reason)
        else:
            row.update(item.amount.as_dict())
        out.append(row)
    return out


def generated_section(gen: GeneratedRevenue) -> dict[str, Any]:
    incremental: dict[str, Any] = {}
    put(incremental, "revenue_generated_incremental", gen.incremental)
    body = incremental["revenue_generated_incremental"]
    if body is not None:
        for key, res in gen.incremental_parts.items():
            put(body, key, res)
        extras: tuple[tuple[str, Result], ...] = (
            ("conversion_lift", gen.conversion_lift),
            ("conversion_lift_descriptive", gen.conversion_lift_descriptive),
            ("incremental_won_deals", gen.incremental_won_deals),
            ("cac_offset", gen.cac_offset),
        )
        for key, extra in extras:
            put(body, key, extra)
        body["window"] = list(gen.window)
        body["overlap"] = {s: asdict(o) for s, o in gen.diagnostics.overlap.items()}
    attributed: dict[str, Any] = {}
    put(attributed, "revenue_generated_attributed", gen.attributed)
    abody = attributed["revenue_generated_attributed"]
    if abody is not None:
        for key, res in gen.attributed_parts.items():
            put(abody, key, res)
        put(abody, "human_only", gen.human_only_attributed)
    out: dict[str, Any] = {}
    out.update(incremental)
    out.update(attributed)
    # the board's figure is the incremental one (results-contract.md)
    out["revenue_generated"] = body
    if body is None:
        out["revenue_generated_note"] = incremental["revenue_generated_incremental_note"]
    out["revenue_generated_monthly"] = series(gen.monthly)
    out["cac_offset_monthly"] = series(gen.cac_offset_monthly)
    return out


def risk_section(risk: RevenueAtRisk | CannotCompute) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(risk, CannotCompute):
        put(out, "revenue_at_risk", risk)
        return out
    body = risk.total.as_dict()
    body["ordinary_exposure"] = risk.ordinary.as_dict()
    body["chain_weakness"] = risk.chain_weakness.as_dict()
    by_link: dict[str, Any] = {}
    for part in risk.links:
        entry = part.attributable.as_dict()
        entry.update(
            customers=part.customers, small_cell=part.small_cell, verdict=str(part.verdict)
        )
        by_link[part.link] = entry
    for link, why in risk.unavailable_links.items():
        by_link[link] = None
        by_link[f"{link}_note"] = why
    body["by_link"] = by_link
    body["expected_churners"] = risk.expected_churners.as_dict()
    body["active_customers"] = risk.active_customers
    body["recurring_revenue_12m"] = risk.recurring_revenue_12m
    diag = asdict(risk.diagnostics)
    diag["features"] = list(risk.diagnostics.features)
    body["model"] = diag
    out["revenue_at_risk"] = body
    return out


def clv_honesty_section(honesty: ClvHonesty | CannotCompute) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(honesty, CannotCompute):
        put(out, "clv_honesty", honesty)
        return out
    body = {
        "observed_months": honesty.observed_months,
        "within_observed": honesty.within_observed.as_dict(),
        "beyond_observed": honesty.beyond_observed.as_dict(),
        "share_beyond_observed": honesty.share_beyond_observed,
        "share_beyond_36m": honesty.share_beyond_36m,
        "share_beyond_60m": honesty.share_beyond_60m,
        "bands": [asdict(b) for b in honesty.bands],
    }
    out["clv_honesty"] = body
    return out
