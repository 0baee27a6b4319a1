"""The 200,000-contact demo recovers its planted retention truths: the effect on all analysed
customers (ATE), on the AI-assisted ones (ATT), the months active they gain in 12 months and the
revenue that keeps (truths.json, computed from the generator's own hazards). Without the index
contact's confounders the demo's planted contact-level confounding (cancellation requests routed
to humans, then more churn) pushes the estimates above the truth."""

from __future__ import annotations


import pytest

import cxroi
from cxroi.analyses.retention.result import RetentionResult
from cxroi.analyses.retention.revenue import RestrictedMeanScores, revenue_protected_12m
from cxroi.analyses.retention.run import run_retention
from cxroi.analyses.retention.settings import RetentionSettings
from cxroi.results.codec import encode
from cxroi.results.model.retention import Sensitivity as RetentionSensitivity
from cxroi.demo import DemoTruths, generate_demo
from cxroi.stats.result import Estimate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[cxroi.Dataset, DemoTruths]:
    out = tmp_path_factory.mktemp("retention_demo_200k")
    truths = generate_demo(out, contacts=200_000, seed=7)
    return cxroi.load_dataset(out, cxroi.Config()), truths


@pytest.fixture(scope="module")
def result(demo: tuple[cxroi.Dataset, DemoTruths]) -> RetentionResult:
    return run_retention(demo[0], RetentionSettings())


def _covers(value: object, truth: float) -> bool:
    assert isinstance(value, Estimate) and value.ci_low is not None and value.ci_high is not None
    return value.ci_low <= truth <= value.ci_high


def test_ate_att_and_months_active_cover_the_planted_truths(
    demo: tuple[cxroi.Dataset, DemoTruths], result: RetentionResult
) -> None:
    truths = demo[1]
    assert _covers(result.section.delta_12m_adjusted, truths.retention_effect_12m)
    assert _covers(result.section.delta_12m_att, truths.retention_effect_12m_exposed)
    assert _covers(result.section.months_active_12m_att, truths.months_active_gain_12m_exposed)
    # the ATT is the smaller effect here: the AI-assisted customers churn less anyway
    assert truths.retention_effect_12m_exposed < truths.retention_effect_12m


def test_revenue_protected_12m_covers_the_planted_truth(
    demo: tuple[cxroi.Dataset, DemoTruths], result: RetentionResult
) -> None:
    ds, truths = demo
    customers = ds.tables["customers"].select("customer_id", "monthly_revenue").execute()
    revenue = dict(zip(customers["customer_id"], customers["monthly_revenue"], strict=True))
    scores = result.restricted_mean
    assert isinstance(scores, RestrictedMeanScores)
    total = revenue_protected_12m(scores, revenue)
    assert _covers(total, truths.revenue_protected_12m)
    assert isinstance(total, Estimate)
    assert total.as_dict()["basis"] == "att" and total.as_dict()["margin_applied"] is False


def test_sensitivity_is_reported_for_both_estimands(result: RetentionResult) -> None:
    sens = result.section.sensitivity
    assert isinstance(sens, RetentionSensitivity)
    out = encode(result.section)["sensitivity"]
    for estimand in ("ate", "att"):
        ev = out[estimand]
        assert ev["churn_risk_ratio"]["estimate"] < 1  # AI lowers 12-month churn here
        assert ev["e_value"] > ev["e_value_ci"] >= 1
        row = out["robustness"][estimand]
        assert {"doubly_robust", "ipw", "g_formula"} <= set(row)
    assert "churn risk ratio" in out["scale"]


def test_without_the_index_contact_the_planted_confounding_shows(
    demo: tuple[cxroi.Dataset, DemoTruths],
) -> None:
    ds, truths = demo
    customer_only = run_retention(ds, RetentionSettings(index_confounders=()))
    for value, truth in (
        (customer_only.section.delta_12m_adjusted, truths.retention_effect_12m),
        (customer_only.section.delta_12m_att, truths.retention_effect_12m_exposed),
    ):
        assert isinstance(value, Estimate) and value.ci_low is not None
        assert value.ci_low > truth
