"""Revenue generated: attributed (gross) by hand on a tiny dataset, and the incremental figure
recovering the demo's planted truth — non-zero by default, zero in the variant where AI adds no
sales (interval covers 0) — with the per-month series adding up to the 12-month figure."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import confint_proportions_2indep

import cxroi
from cxroi.analyses.value import queries as q
from cxroi.analyses.value.generated import revenue_generated
from cxroi.analyses.value.sales_units import revenue_band_edges
from cxroi.demo import generate_demo
from cxroi.results.model.money import Basis, Evidence, Money
from cxroi.results.model.value import GeneratedRevenue
from cxroi.stats.result import CannotCompute, Estimate
from test_value_pillars import write

N = 40_000


def _generated(ds: cxroi.Dataset, cost: float | None = None) -> GeneratedRevenue:
    edges = revenue_band_edges(q.customer_frame(ds)["monthly_revenue"])
    return revenue_generated(ds, edges, cost, 0.5, cost is not None)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> GeneratedRevenue:
    return _generated(cxroi.load_dataset(write(tmp_path_factory.mktemp("g") / "tiny")), 400.0)


def test_attributed_gross_by_hand(tiny: GeneratedRevenue) -> None:
    # AI-assisted contacts: C1 upsell 100, C4 nothing, C5 cross-sell 50, C7 won O1 300 (its
    # 300 upsell row books O1: counted once); human-only: C3 upsell 70 + won O3 500.
    gross = tiny.attributed
    assert isinstance(gross, Money)
    assert gross.estimate == pytest.approx(450.0)
    assert (gross.evidence, gross.basis, gross.margin_applied) == (
        Evidence.DESCRIPTIVE, Basis.ATTRIBUTED, False
    )
    assert gross.horizon_months == 6 and tiny.window == tuple(f"2024-0{m}" for m in range(1, 7))
    parts = tiny.attributed_parts
    assert isinstance(parts["upsell_cross_sell"], Estimate)
    assert isinstance(parts["won_pipeline"], Estimate)
    assert parts["upsell_cross_sell"].estimate == pytest.approx(150.0)
    assert parts["won_pipeline"].estimate == pytest.approx(300.0)
    assert isinstance(tiny.human_only_attributed, Estimate)
    assert tiny.human_only_attributed.estimate == pytest.approx(570.0)
    # clustered by customer: treated contacts C1 (K1), C4 (K2), C5 and C7 (K3)
    per = pd.DataFrame(
        {"k": ["K1", "K2", "K3", "K3"], "y": [100.0, 0.0, 50.0, 300.0]}
    )
    phi = (per["y"] - per["y"].mean()).groupby(per["k"]).sum()
    g = 4  # every customer is a cluster, K4 contributes zero
    se = math.sqrt((phi**2).sum() * g / (g - 1))
    assert gross.se == pytest.approx(se)
    assert gross.ci_high == pytest.approx(450.0 + sps.t.ppf(0.975, g - 1) * se)


def test_too_few_contacts_give_reasons_not_numbers(tiny: GeneratedRevenue) -> None:
    assert isinstance(tiny.incremental, CannotCompute)
    assert "at least 20 of each" in tiny.incremental.reason
    assert isinstance(tiny.cac_offset, CannotCompute)
    # the unadjusted win-rate difference is still shown, labelled descriptive
    lift = tiny.conversion_lift_descriptive
    assert isinstance(lift, Estimate) and lift.evidence is Evidence.DESCRIPTIVE
    assert lift.estimate == pytest.approx(1 / 2 - 1 / 3)
    low, high = confint_proportions_2indep(1, 2, 1, 3, method="newcomb", compare="diff")
    assert (lift.ci_low, lift.ci_high) == pytest.approx((low, high))


@pytest.fixture(scope="module", params=[True, False], ids=["ai_sells_more", "no_ai_effect"])
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Any, GeneratedRevenue]:
    folder = tmp_path_factory.mktemp("gen") / "demo"
    truths = generate_demo(folder, contacts=N, seed=11, ai_sales_effect=request.param)
    return truths, _generated(cxroi.load_dataset(folder), 400.0)


def test_incremental_recovers_the_planted_truth(demo: tuple[Any, GeneratedRevenue]) -> None:
    truths, gen = demo
    inc = gen.incremental
    assert isinstance(inc, Money)
    truth = truths.revenue_generated_incremental_12m
    assert inc.ci_low <= truth <= inc.ci_high
    if not truths.ai_sales_effect:
        assert truth == 0.0
    assert (inc.evidence, inc.basis, inc.horizon_months, inc.margin_applied) == (
        Evidence.ADJUSTED, Basis.INCREMENTAL_ATT, 12, False
    )
    assert gen.window == tuple(truths.revenue_generated_window)
    for part, value in truths.revenue_generated_incremental_parts_12m.items():
        est = gen.incremental_parts[part]
        assert isinstance(est, Estimate)
        assert est.ci_low <= value <= est.ci_high, part
    # gross attributed revenue is far above what AI added: human contacts would have sold too
    assert isinstance(gen.attributed, Estimate) and gen.attributed.estimate > inc.estimate


def test_monthly_series_adds_up_to_the_12_month_figure(
    demo: tuple[Any, GeneratedRevenue],
) -> None:
    _, gen = demo
    inc = gen.incremental
    assert isinstance(inc, Estimate)
    in_window = [m.amount for m in gen.monthly if m.period in gen.window]
    assert all(isinstance(a, Estimate) for a in in_window) and len(in_window) == 12
    total = sum(a.estimate for a in in_window if isinstance(a, Estimate))
    assert total == pytest.approx(inc.estimate, rel=1e-9)
    assert len(gen.monthly) == 24


def test_conversion_lift_and_cac_offset(demo: tuple[Any, GeneratedRevenue]) -> None:
    truths, gen = demo
    lift = gen.conversion_lift
    assert isinstance(lift, Estimate) and lift.evidence is Evidence.ADJUSTED
    planted = (
        truths.opportunity_win_rate_ai_assisted - truths.opportunity_win_rate_human_only
        if truths.ai_sales_effect
        else 0.0
    )
    assert lift.ci_low <= planted <= lift.ci_high
    deals, cac = gen.incremental_won_deals, gen.cac_offset
    assert isinstance(deals, Estimate) and isinstance(cac, Money)
    assert cac.estimate == pytest.approx(deals.estimate * 400.0 * 0.5)
    assert cac.basis is Basis.ASSUMED_COST
    monthly = [m.amount.estimate for m in gen.cac_offset_monthly if m.period in gen.window
               and isinstance(m.amount, Estimate)]
    assert np.sum(monthly) == pytest.approx(cac.estimate, rel=1e-9)
