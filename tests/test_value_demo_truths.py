"""The demo's value truths: the zero-effect variant changes only the sales tables and plants
zero, the incremental truth by hand from the tables, the novice uplift equals its parameters,
and revenue at risk is a plausible share of the active base."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxroi.demo import DemoTruths, generate_demo
from cxroi.demo import _params as P

N = 20_000
SEED = 3


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoTruths, Path, DemoTruths]:
    base = tmp_path_factory.mktemp("truths")
    effect = generate_demo(base / "effect", contacts=N, seed=SEED)
    null = generate_demo(base / "null", contacts=N, seed=SEED, ai_sales_effect=False)
    return base / "effect", effect, base / "null", null


def test_zero_effect_variant_changes_only_sales(
    pair: tuple[Path, DemoTruths, Path, DemoTruths],
) -> None:
    effect_dir, effect, null_dir, null = pair
    for table in ("customers", "contacts", "surveys", "agents", "agent_pulse", "qa_reviews"):
        assert _digest(effect_dir / f"{table}.parquet") == _digest(null_dir / f"{table}.parquet")
    assert null.revenue_generated_incremental_12m == 0.0
    assert all(v == 0.0 for v in null.revenue_generated_incremental_monthly.values())
    assert effect.revenue_generated_incremental_12m > 0
    assert DemoTruths.load(null_dir) == null  # truths.json round-trips the new fields


def test_incremental_truth_by_hand(pair: tuple[Path, DemoTruths, Path, DemoTruths]) -> None:
    folder, truths, _, _ = pair
    contacts = pd.read_parquet(folder / "contacts.parquet")
    customers = pd.read_parquet(folder / "customers.parquet")
    opps = pd.read_parquet(folder / "opportunities.parquet")
    c = contacts.merge(customers[["customer_id", "segment", "churned_at"]], on="customer_id")
    c["ai"] = c["ai_mode"] != "human_only"
    c["month"] = c["started_at"].dt.strftime("%Y-%m")
    window = set(truths.revenue_generated_window)
    o = opps[opps["won"].notna()].merge(c, on="contact_id", suffixes=("", "_c"))
    o = o[o["ai"] & o["month"].isin(window)]
    median = o["segment"].map(dict(zip(P.SEGMENTS, P.OPP_MEDIAN_BY_SEGMENT)))
    pipeline = float(
        ((P.WIN_P_AI_ASSISTED - P.WIN_P_HUMAN_ONLY) * median * np.exp(0.18)).sum()
    )
    sale_at = c["started_at"] + pd.to_timedelta(c["handle_seconds"], unit="s")
    end = pd.Timestamp(truths.window_end)
    plan = c[
        (c["intent"] == "plan_change") & ~c["sales_transfer"] & c["ai"] & c["month"].isin(window)
        & (sale_at <= end) & (c["churned_at"].isna() | (sale_at <= c["churned_at"]))
    ]
    sales = len(plan) * 0.02 * 120.0 * np.exp(0.125)
    parts = truths.revenue_generated_incremental_parts_12m
    assert parts["won_pipeline"] == pytest.approx(pipeline, rel=1e-9)
    assert parts["upsell_cross_sell"] == pytest.approx(sales, rel=1e-6)
    assert truths.revenue_generated_incremental_12m == pytest.approx(pipeline + sales, rel=1e-9)


def test_novice_uplift_equals_its_parameters(
    pair: tuple[Path, DemoTruths, Path, DemoTruths],
) -> None:
    _, truths, _, _ = pair
    gap = P.HANDLE_MEDIAN_BY_MODE[1] / P.HANDLE_MEDIAN_BY_MODE[2]
    rel = truths.assist_handle_effect_relative
    assert rel["novice"] == pytest.approx(gap * P.ASSIST_HANDLE_FACTOR_NOVICE - 1)
    assert rel["experienced"] == pytest.approx(gap * P.ASSIST_HANDLE_FACTOR_EXPERIENCED - 1)
    assert truths.assist_handle_effect_seconds["novice"] < truths.assist_handle_effect_seconds[
        "experienced"
    ] < 0
    assert truths.assist_resolution_gap_novice_minus_experienced == 0.0
    assert truths.agent_novice_days == P.AGENT_NOVICE_DAYS


def test_revenue_at_risk_truth_is_a_share_of_the_active_base(
    pair: tuple[Path, DemoTruths, Path, DemoTruths],
) -> None:
    folder, truths, _, _ = pair
    customers = pd.read_parquet(folder / "customers.parquet")
    active = customers[customers["churned_at"].isna()]
    base = 12 * active["monthly_revenue"].sum()
    # about a fifth churn within a year and lose half the year on average
    assert 0.03 * base < truths.revenue_at_risk_12m < 0.2 * base
    assert set(truths.revenue_at_risk_link_effects.values()) == {0.0}
