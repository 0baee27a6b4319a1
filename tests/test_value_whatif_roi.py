"""ROI / TCO worksheet against hand arithmetic and closed-form quantiles; benefit inputs; the
illustrative flag and the worksheet's JSON layout; typed assumption rows; honest precision;
settings parsing; determinism."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats

from cxroi.analyses.value.assumptions import value_assumptions
from cxroi.analyses.value.roi import roi_worksheet, tco_source
from cxroi.analyses.value.roi_inputs import (
    BenefitInput,
    BenefitSeries,
    input_series,
    risk_savings_series,
)
from cxroi.analyses.value.settings import (
    RoiSettings,
    Triangular,
    ValueSettings,
    WhatIfSettings,
    parse_value_settings,
)
from cxroi.analyses.value.assumptions import assumptions_table
from cxroi.analyses.value.uncertainty import significant_figures
from cxroi.errors import Problem
from cxroi.results.codec import canonical, encode
from cxroi.results.model.money import Evidence, Figure
from cxroi.results.model.scenario import Range, RoiWorksheet, TrailingWindow
from cxroi.stats.result import CannotCompute, Estimate

MONTHS = tuple([f"2024-{m:02d}" for m in range(1, 13)] + [f"2025-{m:02d}" for m in range(1, 4)])
FIXED_COSTS = RoiSettings(
    implementation=Triangular.fixed(36_000.0),
    licence_per_month=Triangular.fixed(500.0),
    run_cost_per_month=Triangular.fixed(500.0),
    amortisation_months=36,
    risk_savings_per_year=(),
)


def fixed_series(name: str, per_month: np.ndarray, draws: int) -> BenefitSeries:
    values = np.repeat(per_month[None, :], draws + 1, axis=0)
    return BenefitSeries(name, values, Evidence.ASSUMPTION, 1.0, False)


def est(x: object) -> Figure:
    assert isinstance(x, Figure), x
    return x


def hand_worksheet(draws: int = 200, configured: tuple[str, ...] = ()) -> RoiWorksheet:
    rng = np.random.default_rng(0)
    ramp = fixed_series("cost_savings", 1000.0 * np.arange(1, 16), draws)
    revenue = input_series(
        BenefitInput("revenue_protected_12m", Estimate(120_000.0, 120_000.0, 120_000.0, se=0.0)),
        MONTHS,
        MONTHS[-12:],
        margin=0.3,
        draws=draws,
        rng=rng,
    )
    return roi_worksheet(
        MONTHS,
        [ramp, revenue, risk_savings_series(FIXED_COSTS, MONTHS, draws, rng)],
        {"cac_offset": "no acquisition cost configured"},
        FIXED_COSTS,
        configured,
        draws,
        rng,
    )


def test_worksheet_by_hand() -> None:
    res = hand_worksheet()
    # latest 12 months: savings 4000..15000, revenue 120k spread evenly at 30% margin
    benefits = 1000.0 * sum(range(4, 16)) + 0.3 * 120_000.0
    tco = 12 * (500 + 500) + 12 * 36_000 / 36
    assert est(res.total_benefit).estimate == pytest.approx(benefits)
    assert est(res.tco.total_12m).estimate == pytest.approx(tco)
    assert est(res.roi).estimate == pytest.approx((benefits - tco) / tco)
    assert est(res.payback_months).estimate == pytest.approx(36_000 / (benefits / 12 - 1000))
    assert res.p_roi_positive == 1.0 and res.p_never_pays_back == 0.0
    names = [b.name for b in res.benefits]
    assert names == ["cost_savings", "revenue_protected_12m", "risk_savings"]
    protected = res.benefits[1]
    assert protected.margin_factor == 0.3 and protected.spread_evenly
    assert res.excluded_benefits == {"cac_offset": "no acquisition cost configured"}
    assert res.window is not None
    assert (res.window.first_month, res.window.last_month) == ("2024-04", "2025-03")

    last = res.monthly[-1]
    assert last.month == "2025-03"
    assert dict(last.benefits) == {
        "cost_savings": 15_000.0,
        "revenue_protected_12m": pytest.approx(3000.0),
        "risk_savings": 0.0,
    }
    assert last.net == pytest.approx(15_000 + 3000 - 1000 - 1000)
    assert isinstance(last.trailing_12m, TrailingWindow)
    assert est(last.trailing_12m.roi).estimate == pytest.approx((benefits - tco) / tco)
    # revenue protected has no monthly values before the latest 12 months
    first = res.monthly[0]
    assert dict(first.benefits)["revenue_protected_12m"] is None and first.net is None
    assert isinstance(first.trailing_12m, CannotCompute)
    dec = res.monthly[11]
    assert isinstance(dec.trailing_12m, CannotCompute)
    assert "revenue_protected_12m" in dec.trailing_12m.reason


def test_default_costs_make_the_roi_illustrative() -> None:
    res = hand_worksheet()
    assert res.tco_source == "default" and res.illustrative
    costs = ("implementation", "licence_per_month", "run_cost_per_month")
    keys = tuple(f"value.roi.{k}" for k in costs)
    assert tco_source(keys[:2]) == "default"
    configured = hand_worksheet(configured=keys)
    assert configured.tco_source == "configured" and not configured.illustrative
    # value.roi_worksheet in results.json, as the pipeline writes it (the canonical tree)
    block = encode(canonical(res))
    assert block["illustrative"] is True and block["tco_source"] == "default"
    assert block["roi"]["unit"] == "ratio" and block["roi"]["horizon_months"] == 12
    assert block["payback_months"]["unit"] == "months"
    assert block["excluded_benefits"] == {"cac_offset": "no acquisition cost configured"}
    assert len(block["monthly"]) == len(MONTHS)
    first = block["monthly"][0]
    assert first["trailing_12m"] is None
    assert first["trailing_12m_note"] == "fewer than 12 months of data up to this month"
    assert first["benefits"]["revenue_protected_12m"] is None and first["net"] is None


def test_quantiles_match_closed_form_for_a_triangular_implementation() -> None:
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
    draws = 200_000
    months = tuple(f"2025-{m:02d}" for m in range(1, 13))
    res = roi_worksheet(
        months,
        [fixed_series("s", np.full(12, b), draws)],
        {},
        settings,
        (),
        draws,
        np.random.default_rng(1),
    )
    dist = stats.triang((mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
    roi = est(res.roi)
    assert roi.estimate == pytest.approx(12 * b / dist.mean() - 1)  # central case: the mean cost
    assert roi.ci_low == pytest.approx(12 * b / dist.ppf(0.975) - 1, abs=0.01)
    assert roi.ci_high == pytest.approx(12 * b / dist.ppf(0.025) - 1, abs=0.01)
    assert res.p_roi_positive == pytest.approx(dist.cdf(12 * b), abs=0.004)
    pay = est(res.payback_months)
    assert pay.estimate == pytest.approx(dist.mean() / b)
    assert pay.ci_high == pytest.approx(dist.ppf(0.975) / b, rel=0.005)


def test_input_uncertainty_and_margin() -> None:
    draws = 100_000
    inp = BenefitInput(
        "revenue_generated_incremental",
        Estimate(60_000.0, 40_400.0, 79_600.0),  # se from the interval: 19_600 / 1.96 = 10_000
        tuple((m, 5000.0) for m in MONTHS[-12:]),
    )
    s = input_series(inp, MONTHS, MONTHS[-12:], 0.25, draws, np.random.default_rng(2))
    assert s.margin_factor == 0.25 and not s.spread_evenly
    totals = s.values[1:, -12:].sum(axis=1)
    assert totals.mean() == pytest.approx(0.25 * 60_000, rel=0.01)
    assert totals.std() == pytest.approx(0.25 * 10_000, rel=0.01)
    assert np.isnan(s.values[0, 0])  # months the input does not cover are unknown
    cost = BenefitInput("cac_offset", Estimate(1200.0, se=0.0), is_revenue=False)
    saved = input_series(cost, MONTHS, MONTHS[-12:], 0.25, 10, np.random.default_rng(0))
    assert saved.margin_factor == 1.0


def test_never_paying_back() -> None:
    months = ("2025-01",)
    res = roi_worksheet(
        months, [fixed_series("s", np.zeros(1), 500)], {}, RoiSettings(risk_savings_per_year=()),
        (), 500, np.random.default_rng(0),
    )
    assert isinstance(res.payback_months, CannotCompute)
    assert res.p_never_pays_back == 1.0 and res.p_roi_positive == 0.0
    assert est(res.roi).estimate == pytest.approx(-1.0)
    assert res.window is not None and res.window.annualised


def test_same_seed_same_numbers() -> None:
    def run(seed: int) -> Any:
        noisy = BenefitSeries(
            "s",
            np.random.default_rng(9).normal(5000, 500, (2001, 12)),
            Evidence.ASSUMPTION,
            1.0,
            False,
        )
        months = tuple(f"2025-{m:02d}" for m in range(1, 13))
        rng = np.random.default_rng(seed)
        return roi_worksheet(months, [noisy], {}, RoiSettings(), (), 2000, rng)

    assert run(1) == run(1)
    assert run(1).roi != run(2).roi


# ------------------------------------------------------------------------------- precision
@pytest.mark.parametrize(
    "estimate,lo,hi,figures",
    [
        (462_000, 313_000, 611_000, 2),  # half-width 149k -> "150k": unit 10k -> 460k
        (239_000, 179_000, 299_000, 2),  # 60k -> one digit: 240k
        (238_697.84, 238_584.7, 238_814.4, 5),  # half-width 115 -> "115": unit 1 -> 238,698
        (7.44, 5.59, 9.80, 2),  # 2.1 -> "2.1" (two digits): unit 0.1 -> 7.4
        (3.0, 3.0, 3.0, 3),  # no width: the default
        (0.39, 0.32, 0.46, 2),  # 0.07 -> one digit: 0.39
        (10.0, 9.6, 10.6, 3),  # half-width 0.5 -> "0.5": unit 0.1 -> 10.0
        (1234.0, 1134.0, 1334.0, 3),  # 100 -> "100" (two digits): unit 10 -> 1230
        (1234.0, 1000.0, 1468.0, 3),  # 234 -> "230" (two digits): unit 10 -> 1230
        (1234.0, 734.0, 1734.0, 2),  # 500 -> one digit: unit 100 -> 1200
        (123.0, 23.0, 222.0, 2),  # 99.5 -> 950-999: "100", two digits: unit 10 -> 120
    ],
)
def test_significant_figures_follow_the_pdg_rule(
    estimate: float, lo: float, hi: float, figures: int
) -> None:
    assert significant_figures(estimate, lo, hi) == figures


# ------------------------------------------------------------------------------- settings
def test_parse_settings_reads_what_if_and_roi() -> None:
    problems: list[Problem] = []
    s = parse_value_settings(
        {
            "margin": 0.4,
            "what_if": {
                "hybrid_ai_share": 0.3,
                "failure_repeat_share": [0.6, 0.8, 0.9],
                "patience_seconds": [60, 120, 300],
                "max_occupancy": False,
                "live_channels": ["Voice", "chat", "messaging"],
                "paid_hours_per_agent_month": 150,
                "staffing_draws": 100,
            },
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
    w = s.what_if
    assert w.hybrid_ai_share == Triangular.fixed(0.3)
    assert w.failure_repeat_share == Triangular(0.6, 0.8, 0.9)
    assert w.patience_seconds == Triangular(60, 120, 300)
    assert w.max_occupancy is None
    assert w.live_channels == ("chat", "messaging", "voice")
    assert w.paid_hours_per_agent_month == 150 and w.staffing_draws == 100
    assert s.roi.implementation == Triangular(10, 20, 40)
    assert s.roi.run_cost_per_month == Triangular(1, 2, 3)
    assert tco_source(s.configured) == "configured"
    assert "value.what_if.max_occupancy" in s.configured


def test_parse_settings_reports_bad_entries_and_keeps_defaults() -> None:
    problems: list[Problem] = []
    s = parse_value_settings(
        {
            "what_if": {
                "shrinkage": 1.0,
                "patience_seconds": [1, 2, 3],
                "live_channels": ["fax"],
                "hybrid_ai_share": [0.2, 0.1, 0.5],
                "hours_per_month": 365.25,
            },
            "roi": {"implementation": [30, 20, 10], "risk_savings_per_year": {"fraud": "lots"}},
        },
        problems,
    )
    assert sorted(p.where for p in problems) == [
        "value.roi.implementation",
        "value.roi.risk_savings_per_year.fraud",
        "value.what_if.hours_per_month",
        "value.what_if.hybrid_ai_share",
        "value.what_if.live_channels",
        "value.what_if.patience_seconds",
        "value.what_if.shrinkage",
    ]
    assert s == ValueSettings()


# ------------------------------------------------------------------------------- assumptions
def test_assumption_rows_cover_every_setting_and_the_structure() -> None:
    problems: list[Problem] = []
    s = parse_value_settings({"what_if": {"shrinkage": 0.35}}, problems)
    inp = BenefitInput(
        "revenue_protected_12m",
        Estimate(1.0, se=0.0),
        description="recurring revenue AI-assisted customers keep in 12 months (ATT, gross)",
    )
    rows = value_assumptions(s, "EUR", [inp])
    by_key = {r.key: r for r in rows}
    assert set(assumptions_table(s, "EUR")) <= set(by_key)
    assert by_key["value.what_if.shrinkage"].source == "configured"
    assert by_key["value.what_if.shrinkage"].range == Range(0.35, 0.35, 0.35)
    assert by_key["value.what_if.hybrid_ai_share"].source == "default"
    share = WhatIfSettings().hybrid_ai_share
    assert by_key["value.what_if.hybrid_ai_share"].range == Range(share.low, share.mode, share.high)
    assert by_key["value.margin"].number == 0.3
    for key in ("roi.horizon", "roi.margin_rule", "roi.discount", "roi.tco_source",
                "what_if.standardisation", "what_if.repeats", "what_if.staffing",
                "roi.benefit.revenue_protected_12m"):
        assert by_key[key].source == "structural", key
    assert by_key["roi.tco_source"].text == "default"
    assert by_key["roi.benefit.revenue_protected_12m"].text == "adjusted_estimate"
    assert "margin applied" in by_key["roi.benefit.revenue_protected_12m"].meaning
