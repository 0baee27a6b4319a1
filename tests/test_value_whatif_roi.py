"""What-if-we-stopped-AI against hand arithmetic and the published Erlang C example; the ROI Monte
Carlo against closed-form quantiles of a triangular cost; determinism; settings parsing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cxroi.analyses.value.roi import Benefit, linear_benefit, roi_worksheet
from cxroi.analyses.value.settings import (
    RoiSettings,
    Triangular,
    ValueSettings,
    WhatIfSettings,
    parse_value_settings,
)
from cxroi.analyses.value.what_if import Rates, what_if_stopped
from cxroi.errors import Problem
from cxroi.stats import erlang
from cxroi.stats.result import CannotCompute, Estimate


def monthly(rows: dict[str, dict[str, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"month": m, "ai_mode": mode, "n": n} for m, by in rows.items() for mode, n in by.items()]
    )


def fixed_rates(cost: dict[str, float], aht: dict[str, float], draws: int = 50) -> Rates:
    return Rates(
        {m: np.full(draws + 1, v) for m, v in cost.items()},
        {m: np.full(draws + 1, v) for m, v in aht.items()},
    )


COST = {"ai_only": 0.5, "hybrid": 2.0, "human_only": 6.0}
AHT = {"ai_only": 120.0, "hybrid": 480.0, "human_only": 600.0}


def test_extra_cost_and_handle_time_by_hand() -> None:
    months = {
        f"2025-{m:02d}": {"ai_only": 100, "hybrid": 40, "human_only": 200} for m in range(1, 13)
    }
    months["2024-12"] = {"ai_only": 999, "hybrid": 999, "human_only": 999}  # outside the 12 months
    out = what_if_stopped(
        monthly(months),
        fixed_rates(COST, AHT),
        WhatIfSettings(hybrid_ai_share=0.25),
        CannotCompute("no delta"),
    )
    cost, hours = out["extra_cost"], out["extra_handle_hours"]
    assert isinstance(cost, Estimate) and isinstance(hours, Estimate)
    assert cost.estimate == pytest.approx(1200 * (6.0 - 0.5) + 0.25 * 480 * (6.0 - 2.0))
    assert hours.estimate == pytest.approx((1200 * 600 + 0.25 * 480 * (600 - 480)) / 3600)
    assert cost.extra["period"] == {
        "from": "2025-01",
        "to": "2025-12",
        "months": 12,
        "annualised": False,
    }
    lost = out["revenue_protected_lost"]
    assert isinstance(lost, CannotCompute) and lost.reason == "no delta"


def test_short_history_is_annualised() -> None:
    months = {
        "2025-01": {"ai_only": 30, "human_only": 10},
        "2025-02": {"ai_only": 30, "human_only": 10},
    }
    out = what_if_stopped(
        monthly(months), fixed_rates(COST, AHT), WhatIfSettings(), CannotCompute("x")
    )
    cost = out["extra_cost"]
    assert isinstance(cost, Estimate)
    assert cost.estimate == pytest.approx(6 * 60 * 5.5)
    assert cost.extra["period"]["annualised"] is True


def test_staffing_reproduces_the_published_erlang_example() -> None:
    # Call Centre Helper worked example: 200 calls an hour, AHT 180 s, 80% in 20 s, occupancy cap
    # 85%, shrinkage 30% -> 14 agents on the phones, 20 scheduled. One hour of operation a month
    # turns the busiest month into that hour: 100 human calls today, 100 more from the bot.
    months = {
        "2025-01": {"ai_only": 100, "human_only": 100},
        "2025-02": {"ai_only": 50, "human_only": 50},
    }
    settings = WhatIfSettings(hours_per_month=1.0, max_occupancy=0.85, shrinkage=0.30)
    aht = {"ai_only": 60.0, "hybrid": 180.0, "human_only": 180.0}
    out = what_if_stopped(monthly(months), fixed_rates(COST, aht), settings, CannotCompute("x"))
    agents = out["extra_agents"]
    assert isinstance(agents, Estimate)
    without = agents.extra["without_ai"]
    assert without["agents"] == 14 and without["scheduled_agents"] == 20
    assert without["service_level"] == pytest.approx(0.888, abs=5e-4)
    today = erlang.agents_needed(100.0, 180.0, 0.8, 20.0, 0.85, 0.30)
    assert agents.extra["today"]["scheduled_agents"] == today.scheduled_agents
    assert agents.estimate == 20 - today.scheduled_agents
    assert agents.extra["busiest_month"] == "2025-01"
    assert (agents.ci_low, agents.ci_high) == (agents.estimate, agents.estimate)


def test_no_human_rates_or_no_ai_volume_give_reasons() -> None:
    months = {"2025-01": {"human_only": 10}}
    out = what_if_stopped(
        monthly(months), fixed_rates(COST, AHT), WhatIfSettings(), CannotCompute("x")
    )
    assert isinstance(out["extra_cost"], CannotCompute)
    assert "no AI-handled contacts" in out["extra_cost"].reason
    out = what_if_stopped(
        monthly(months),
        CannotCompute("no human_only contacts: ..."),
        WhatIfSettings(),
        CannotCompute("x"),
    )
    assert isinstance(out["extra_agents"], CannotCompute)


# ----------------------------------------------------------------------------------------- ROI
def flat_benefit(per_month: float, months: int) -> Benefit:
    return linear_benefit(np.full(200_001, per_month), np.ones(months))


def test_roi_quantiles_match_closed_form_for_a_triangular_cost() -> None:
    # Benefits fixed at B a month, no running cost, implementation I ~ triangular amortised over
    # 12 months: ROI = 12 B / I - 1 falls as I rises, so its q-quantile is 12 B / F^-1(1 - q) - 1.
    b, lo, mode, hi = 10_000.0, 60_000.0, 100_000.0, 200_000.0
    settings = RoiSettings(
        implementation=Triangular(lo, mode, hi),
        licence_per_month=Triangular.fixed(0.0),
        run_cost_per_month=Triangular.fixed(0.0),
        amortisation_months=12,
        risk_savings_per_year=(),
    )
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    res = roi_worksheet(
        months, {"cost_savings": flat_benefit(b, 12)}, settings, 200_000, np.random.default_rng(1)
    )
    roi = res.roi
    assert isinstance(roi, Estimate)
    dist = stats.triang((mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
    for key, q in (("p5", 0.05), ("p50", 0.5), ("p95", 0.95)):
        assert roi.extra[key] == pytest.approx(12 * b / dist.ppf(1 - q) - 1, abs=0.01)
    assert roi.estimate == pytest.approx(roi.extra["p50"])
    assert roi.extra["p_roi_positive"] == pytest.approx(dist.cdf(12 * b), abs=0.004)
    # payback = I / B months
    pay = roi.extra["payback_months"]
    assert pay["estimate"] == pytest.approx(dist.ppf(0.5) / b, rel=0.005)
    assert pay["ci_high"] == pytest.approx(dist.ppf(0.975) / b, rel=0.005)


def test_rolling_view_and_excluded_benefits() -> None:
    months = [f"2024-{m:02d}" for m in range(1, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]
    ramp = linear_benefit(np.ones(1001), np.arange(1.0, 16.0) * 1000)
    settings = RoiSettings(
        implementation=Triangular.fixed(36_000.0),
        licence_per_month=Triangular.fixed(500.0),
        run_cost_per_month=Triangular.fixed(500.0),
        amortisation_months=36,
        risk_savings_per_year=(("fraud", Triangular.fixed(1200.0)),),
    )
    res = roi_worksheet(
        months,
        {"cost_savings": ramp, "revenue_protected": CannotCompute("no delta")},
        settings,
        1000,
        np.random.default_rng(0),
    )
    rows = res.monthly
    assert [r["roi_trailing_12m"] is None for r in rows] == [True] * 11 + [False] * 4
    assert rows[0]["roi_trailing_12m_note"]
    # month 15: trailing benefits 4000..15000 plus 100 a month of fraud savings
    benefits = sum(range(4, 16)) * 1000 + 12 * 100
    tco = 12 * (1000 + 1000)
    assert rows[-1]["roi_trailing_12m"]["estimate"] == pytest.approx((benefits - tco) / tco)
    assert rows[-1]["benefits"] == {"cost_savings": 15000.0, "risk_savings": pytest.approx(100.0)}
    assert rows[-1]["net"] == pytest.approx(15000 + 100 - 1000 - 1000)
    assert isinstance(res.roi, Estimate)
    assert res.roi.extra["excluded_benefits"] == {"revenue_protected": "no delta"}
    assert res.roi.extra["payback_months"]["estimate"] == pytest.approx(
        36_000 / (benefits / 12 - 1000)
    )


def test_never_paying_back_is_null_not_infinite() -> None:
    settings = RoiSettings(risk_savings_per_year=())
    res = roi_worksheet(
        ["2025-01"],
        {"cost_savings": linear_benefit(np.zeros(501), np.ones(1))},
        settings,
        500,
        np.random.default_rng(0),
    )
    assert isinstance(res.roi, Estimate)
    assert res.roi.extra["payback_months"]["estimate"] is None
    assert res.roi.extra["payback_months"]["p_never"] == 1.0
    assert res.roi.extra["p_roi_positive"] == 0.0
    assert res.roi.estimate == pytest.approx(-1.0)


def test_same_seed_same_numbers() -> None:
    def run(seed: int) -> Any:
        noisy = Benefit(np.full(12, 5000.0), np.random.default_rng(9).normal(5000, 500, (2000, 12)))
        return roi_worksheet(
            [f"2025-{m:02d}" for m in range(1, 13)],
            {"cost_savings": noisy},
            RoiSettings(),
            2000,
            np.random.default_rng(seed),
        ).roi

    assert run(1) == run(1)
    assert run(1) != run(2)


# ------------------------------------------------------------------------------------ settings
def test_parse_settings_reads_every_section() -> None:
    problems: list[Problem] = []
    s = parse_value_settings(
        {
            "margin": 0.4,
            "acquisition_cost": 350,
            "monte_carlo_draws": 5000,
            "what_if": {"hybrid_ai_share": 0.3, "max_occupancy": 0.85},
            "roi": {
                "implementation": [10, 20, 40],
                "licence_per_month": 1000,
                "run_cost_per_month": {"low": 1, "mode": 2, "high": 3},
                "risk_savings_per_year": {"fraud": [0, 100, 500]},
            },
        },
        problems,
    )
    assert problems == []
    assert s.margin == 0.4 and s.acquisition_cost == 350 and s.monte_carlo_draws == 5000
    assert s.what_if.hybrid_ai_share == 0.3 and s.what_if.max_occupancy == 0.85
    assert s.roi.implementation == Triangular(10, 20, 40)
    assert s.roi.licence_per_month == Triangular.fixed(1000.0)
    assert s.roi.run_cost_per_month == Triangular(1, 2, 3)
    assert s.roi.risk_savings_per_year == (("fraud", Triangular(0, 100, 500)),)
    assert "value.margin" in s.configured and "value.what_if.max_occupancy" in s.configured
    assert s.monthly_discount_rate == pytest.approx(1.1 ** (1 / 12) - 1)


def test_parse_settings_reports_bad_entries_and_keeps_defaults() -> None:
    problems: list[Problem] = []
    s = parse_value_settings(
        {
            "margin": 1.5,
            "colour": "red",
            "seed": True,
            "what_if": {"shrinkage": 1.0},
            "roi": {"implementation": [30, 20, 10], "risk_savings_per_year": {"fraud": "lots"}},
        },
        problems,
    )
    where = sorted(p.where for p in problems)
    assert where == [
        "value.colour",
        "value.margin",
        "value.roi.implementation",
        "value.roi.risk_savings_per_year.fraud",
        "value.seed",
        "value.what_if.shrinkage",
    ]
    assert s == ValueSettings()
    bad: list[Problem] = []
    assert parse_value_settings("nope", bad) == ValueSettings()  # type: ignore[arg-type]
    assert bad[0].rule == "not_a_table"
