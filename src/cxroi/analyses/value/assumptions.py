"""The assumptions table of the value figures as typed rows: every default and every structure.

Two kinds of rows. Settings (``source`` "default" or "configured"): every ``[value]`` key with
its value, so a reader sees which numbers a user chose. Structural assumptions (``source``
"structural"): choices of method no setting changes but a CFO must know, such as the estimand of
each benefit, the one horizon, the margin rule and the absence of discounting. The report and
the deck print both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cxroi.analyses.value.roi import WINDOW, tco_source
from cxroi.analyses.value.roi_inputs import BenefitInput
from cxroi.analyses.value.settings import Triangular, ValueSettings, WhatIfSettings
from cxroi.results.model.scenario import AssumptionRow, Range, Source


def assumptions_table(s: ValueSettings, currency: str) -> dict[str, Any]:
    """Every setting the value numbers rest on, with whether the user chose it."""

    def entry(key: str, value: Any, meaning: str) -> dict[str, Any]:
        if isinstance(value, Triangular):
            value = {"low": value.low, "mode": value.mode, "high": value.high}
        return {
            "value": value,
            "source": "configured" if key in s.configured else "default assumption",
            "meaning": meaning,
        }

    r = s.roi
    out = {
        "value.margin": entry("value.margin", s.margin, "contribution margin on revenue"),
        "value.annual_discount_rate": entry(
            "value.annual_discount_rate",
            s.annual_discount_rate,
            f"discount rate per year (per month: {s.monthly_discount_rate:.6f})",
        ),
        "value.acquisition_cost": entry(
            "value.acquisition_cost",
            s.acquisition_cost,
            f"cost to acquire a customer ({currency}); unset = no CAC offset",
        ),
        "value.acquisition_cost_share": entry(
            "value.acquisition_cost_share",
            s.acquisition_cost_share,
            "share of the acquisition cost a service-sourced won deal avoids",
        ),
        "value.lookback_days": entry(
            "value.lookback_days", s.lookback_days, "days of contacts behind churn-risk features"
        ),
        "value.high_effort_ces_max": entry(
            "value.high_effort_ces_max",
            s.high_effort_ces_max,
            "a CES answer at or below is high effort",
        ),
        "value.monte_carlo_draws": entry(
            "value.monte_carlo_draws", s.monte_carlo_draws, "Monte Carlo draws per analysis"
        ),
        "value.seed": entry("value.seed", s.seed, "random seed of every Monte Carlo"),
    }
    for key, value, meaning in what_if_assumptions(s.what_if):
        out[f"value.what_if.{key}"] = entry(f"value.what_if.{key}", value, meaning)
    costs: tuple[tuple[str, Triangular | int, str], ...] = (
        ("implementation", r.implementation, f"one-off implementation cost ({currency})"),
        ("licence_per_month", r.licence_per_month, f"AI licences per month ({currency})"),
        ("run_cost_per_month", r.run_cost_per_month, f"AI run cost per month ({currency})"),
        ("amortisation_months", r.amortisation_months, "months the implementation is spread over"),
    )
    for key, amount, meaning in costs:
        out[f"value.roi.{key}"] = entry(f"value.roi.{key}", amount, meaning)
    for name, tri in r.risk_savings_per_year:
        out[f"value.roi.risk_savings_per_year.{name}"] = entry(
            "value.roi.risk_savings_per_year",
            tri,
            f"risk-adjusted expected saving per year ({currency}): {name}",
        )
    return out


def what_if_assumptions(w: WhatIfSettings) -> tuple[tuple[str, Any, str], ...]:
    """(key, value, meaning) of every ``[value.what_if]`` setting."""
    return (
        (
            "hybrid_ai_share",
            w.hybrid_ai_share,
            "share of a hybrid contact's AI work moved to humans",
        ),
        (
            "failure_repeat_share",
            w.failure_repeat_share,
            "share of the AI contacts' excess repeats (over humans, same intent and channel) that "
            "a human would have avoided",
        ),
        ("shrinkage", w.shrinkage, "share of paid agent time off the queues"),
        (
            "patience_seconds",
            w.patience_seconds,
            "mean time a caller waits before hanging up (Erlang A), unless the data estimates it",
        ),
        ("target_service_level", w.target_service_level, "share answered within the target"),
        ("target_answer_seconds", w.target_answer_seconds, "answer target, seconds"),
        ("max_occupancy", w.max_occupancy, "occupancy cap on live queues (none = no cap)"),
        ("async_occupancy", w.async_occupancy, "productive share of on-shift time on async work"),
        ("live_channels", ", ".join(w.live_channels), "channels queued in real time (Erlang)"),
        (
            "paid_hours_per_agent_month",
            w.paid_hours_per_agent_month,
            "paid hours of one full-time agent per month",
        ),
        (
            "min_cell_contacts",
            w.min_cell_contacts,
            "human contacts an intent x channel cell needs before its own means are used",
        ),
        ("staffing_draws", w.staffing_draws, "Monte Carlo draws of the staffing model"),
    )


def _typed(value: Any) -> dict[str, Any]:
    """The row's value field: a number, a text or a range."""
    if isinstance(value, dict) and set(value) == {"low", "mode", "high"}:
        return {"range": Range(float(value["low"]), float(value["mode"]), float(value["high"]))}
    if isinstance(value, Triangular):
        return {"range": Range(value.low, value.mode, value.high)}
    if isinstance(value, bool):
        return {"text": str(value).lower()}
    if isinstance(value, (int, float)):
        return {"number": float(value)}
    return {} if value is None else {"text": str(value)}


def _setting_rows(s: ValueSettings, currency: str) -> list[AssumptionRow]:
    rows = []
    for key, entry in sorted(assumptions_table(s, currency).items()):
        source: Source = "configured" if entry["source"] == "configured" else "default"
        rows.append(
            AssumptionRow(
                key=key, source=source, meaning=str(entry["meaning"]), **_typed(entry["value"])
            )
        )
    return rows


def _structural(s: ValueSettings, benefits: Sequence[BenefitInput]) -> list[AssumptionRow]:
    w, r = s.what_if, s.roi
    src = tco_source(s.configured)
    rows: list[tuple[str, float | int | str, str]] = [
        (
            "roi.horizon",
            f"rolling {WINDOW} calendar months",
            "benefits and costs of the same 12 months; the latest 12 are the headline and each "
            "earlier month ends a trailing window (a shorter history is annualised)",
        ),
        (
            "roi.margin_rule",
            s.margin,
            "revenue benefits counted at this margin unless already at margin; cost savings in "
            "full",
        ),
        ("roi.discount", "none", "no discounting within the 12-month horizon"),
        (
            "roi.implementation",
            r.amortisation_months,
            "months the implementation is amortised over, straight line; payback = "
            "implementation / monthly net run-rate benefit",
        ),
        (
            "roi.tco_source",
            src,
            "configured only when implementation, licence and run costs are all set; with "
            "defaults the ROI is illustrative",
        ),
        (
            "roi.benefit.cost_savings",
            "what-if extra cost",
            "human cost of the AI-handled volume (intent x channel standardised) minus its AI "
            "cost, net of AI-failure repeats; a cost, so no margin",
        ),
        (
            "what_if.estimand",
            "latest 12 months",
            "the inbound AI-handled volume of the latest 12 calendar months moves to human "
            "agents; outbound contacts are unchanged",
        ),
        (
            "what_if.standardisation",
            w.min_cell_contacts,
            "each AI contact priced at the mean human cost, handle time, repeat rate and CES of "
            "its intent x channel; cells with fewer human contacts fall back to the channel, "
            "then to all human contacts",
        ),
        (
            "what_if.prices",
            "latest 12 months",
            "rates and prices of the latest 12 months applied to every month's volumes",
        ),
        (
            "what_if.repeats",
            "7 days",
            "repeats netted: failure_repeat_share x (AI 7-day repeat rate - human rate of the "
            "same cell); repeats of repeats ignored",
        ),
        (
            "what_if.staffing",
            ", ".join(w.live_channels),
            "live channels by Erlang C and Erlang A per hour of the week in the busiest month; "
            "other channels by workload; FTE = agent-hours / (paid hours x (1 - shrinkage)); "
            "every agent in the agents table counted as one full-time person",
        ),
        (
            "monte_carlo",
            f"{s.monte_carlo_draws} draws, seed {s.seed}",
            "intervals are the 2.5-97.5% range of draws over data means and assumption priors; "
            "figures are the central case",
        ),
    ]
    for b in benefits:
        margin = "at margin already" if b.margin_applied or not b.is_revenue else "margin applied"
        rows.append(
            (f"roi.benefit.{b.name}", b.evidence, f"{b.description or b.name} ({margin})")
        )
    return [AssumptionRow(key=k, source="structural", meaning=m, **_typed(v)) for k, v, m in rows]


def value_assumptions(
    s: ValueSettings, currency: str, benefits: Sequence[BenefitInput] = ()
) -> tuple[AssumptionRow, ...]:
    """Setting rows (sorted by key), then the structural rows."""
    return (*_setting_rows(s, currency), *_structural(s, benefits))


__all__ = ["AssumptionRow", "value_assumptions"]
