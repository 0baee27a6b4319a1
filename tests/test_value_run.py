"""run_value end to end on the demo: planted truths (lifetimes, churn hazards, win rates), pandas
brute force for the per-customer views, determinism to the byte and no ids in the output. Nulls
for absent tables are tested on a tiny dataset in test_value_pillars."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import cxroi
from cxroi.analyses.value import ValueResult, ValueSettings, run_value
from cxroi.demo import _params as P
from cxroi.demo import generate_demo
from cxroi.demo._population import draw_population
from cxroi.results.files import dumps_json as dumps

N = 30_000
SEED = 7
DELTA = {"estimate": 0.036, "ci_low": 0.016, "ci_high": 0.056, "se": 0.0102, "method": "stub"}
SETTINGS = ValueSettings(monte_carlo_draws=4000)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    folder = tmp_path_factory.mktemp("value") / "demo"
    truths = generate_demo(folder, contacts=N, seed=SEED)
    return folder, truths


@pytest.fixture(scope="module")
def run(demo: tuple[Path, Any]) -> tuple[cxroi.Dataset, ValueResult, dict[str, Any]]:
    ds = cxroi.load_dataset(demo[0])
    result = run_value(
        ds, cxroi.compute_exact_metrics(ds), {"retention": {"delta_12m_adjusted": DELTA}}, SETTINGS
    )
    return ds, result, result.to_results()


def planted_hazards() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Daily churn hazard now, monthly revenue, and 'active at the end', from the generator."""
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence([SEED, N]).spawn(8)]
    pop = draw_population(streams[0], N)
    log_rev = np.log(pop.monthly_revenue)
    static = (
        np.asarray(P.CHURN_SEGMENT)[pop.segment]
        + np.asarray(P.CHURN_PLAN)[pop.plan]
        + np.asarray(P.CHURN_REGION)[pop.region]
        + P.CHURN_LOG_REVENUE * (log_rev - log_rev.mean())
    )
    tenure_at_start = (np.maximum(pop.acquired_days, 0) - pop.acquired_days) / 365.25
    h_before = P.BASE_DAILY_HAZARD * np.exp(static + P.CHURN_TENURE_PER_YEAR * tenure_at_start)
    h_after = pop.hazard_at_index * np.where(pop.exposed, P.HAZARD_RATIO, 1.0)
    hazard = np.where(pop.has_contact, h_after, h_before)
    return hazard, pop.monthly_revenue, ~np.isfinite(pop.churn_days)


def test_clv_covers_the_planted_lifetime_value(run: Any) -> None:
    out = run[2]
    hazard, revenue, active = planted_hazards()
    keep = np.exp(-hazard[active] * 365.25 / 12) / (1.1 ** (1 / 12))
    truth = 0.3 * np.mean(revenue[active] * keep / (1 - keep))
    clv = out["clv"]
    assert clv["ci_low"] < truth < clv["ci_high"]
    assert clv["n"] == int(active.sum())


def test_revenue_at_risk_covers_the_planted_12_month_loss(run: Any, demo: Any) -> None:
    risk = run[2]["revenue_at_risk"]
    truths = demo[1]
    assert risk["ci_low"] < truths.revenue_at_risk_12m < risk["ci_high"]
    assert (risk["horizon_months"], risk["margin_applied"]) == (12, False)
    links = [v for k, v in risk["by_link"].items() if isinstance(v, dict)]
    assert risk["ordinary_exposure"]["estimate"] + sum(v["estimate"] for v in links) == (
        pytest.approx(risk["estimate"], rel=1e-9)
    )
    # the demo plants no link effect: an interval that covers zero must say so
    for v in links:
        covers = v["ci_low"] <= 0 <= v["ci_high"]
        assert (v["verdict"] == "no_clear_link_effect") == covers
    assert 0.5 < risk["model"]["auc_out_of_fold"] < 1
    # the timing rule (constant hazard within the year) predicts the months lost it observes
    model = risk["model"]
    assert model["months_lost_predicted"] == pytest.approx(model["months_lost_observed"], rel=0.1)


def test_conversion_lift_covers_the_planted_win_rates(run: Any, demo: Any) -> None:
    truths = demo[1]
    planted = truths.opportunity_win_rate_ai_assisted - truths.opportunity_win_rate_human_only
    lift = run[2]["revenue_generated"]["conversion_lift"]
    assert lift["ci_low"] < planted < lift["ci_high"]
    assert lift["evidence"] == "adjusted"
    raw = run[2]["revenue_generated"]["conversion_lift_descriptive"]
    assert raw["evidence"] == "descriptive"
    assert raw["n_a"] == truths.opportunities_closed["ai_assisted"]
    assert raw["estimate"] == pytest.approx(
        truths.opportunities_won["ai_assisted"] / truths.opportunities_closed["ai_assisted"]
        - truths.opportunities_won["human_only"] / truths.opportunities_closed["human_only"]
    )


def test_revenue_protected_is_delta_times_exposed_times_clv(run: Any, demo: Any) -> None:
    out = run[2]
    rp = out["revenue_protected"]
    assert rp["ai_assisted_customers"] == demo[1].exposed_customers
    assert rp["estimate"] == pytest.approx(
        0.036 * demo[1].exposed_customers * out["clv"]["estimate"]
    )
    assert out["what_if_stopped"]["revenue_protected_lost"] == rp


def test_per_customer_views_match_pandas_brute_force(run: Any, demo: Any) -> None:
    folder, out = demo[0], run[2]
    contacts = pd.read_parquet(folder / "contacts.parquet")
    customers = pd.read_parquet(folder / "customers.parquet")
    revenue = pd.read_parquet(folder / "revenue.parquet")
    first = contacts.sort_values(["started_at", "contact_id"]).groupby("customer_id").head(1)
    c = customers.merge(first[["customer_id", "started_at", "ai_mode"]], on="customer_id")
    as_of = contacts["started_at"].max()
    year = pd.Timedelta(days=365)
    c = c[
        (c["started_at"] <= as_of - year)
        & (c["churned_at"].isna() | (c["churned_at"] > c["started_at"] + year))
    ]
    ev = revenue.merge(c[["customer_id", "started_at"]], on="customer_id")
    ev = ev[(ev["occurred_at"] >= ev["started_at"]) & (ev["occurred_at"] < ev["started_at"] + year)]
    extra = ev.groupby("customer_id")["amount"].sum()
    c["value"] = 12 * c["monthly_revenue"] + c["customer_id"].map(extra).fillna(0.0)
    exposed = c["ai_mode"].isin(["ai_only", "hybrid"])
    got = out["revenue_per_retained_customer"]
    assert got["ai_assisted"]["estimate"] == pytest.approx(c.loc[exposed, "value"].mean(), rel=1e-9)
    assert got["human_only"]["estimate"] == pytest.approx(c.loc[~exposed, "value"].mean(), rel=1e-9)
    assert got["human_only"]["n"] == int((~exposed).sum())
    # the what-if's cost has its own pandas brute force in test_value_whatif.py


def test_output_is_json_deterministic_and_free_of_ids(run: Any) -> None:
    ds, _, out = run
    text = dumps(out)
    assert json.loads(text) == out
    again = run_value(
        ds, cxroi.compute_exact_metrics(ds), {"retention": {"delta_12m_adjusted": DELTA}}, SETTINGS
    ).to_results()
    assert dumps(again) == text
    for prefix in ('"K0', '"C0', '"O0'):
        assert prefix not in text
    roi = out["roi"]
    assert roi["ci_low"] <= roi["estimate"] <= roi["ci_high"]
    assert 0 <= roi["p_roi_positive"] <= 1
    assert len(out["roi_monthly"]) == 24
