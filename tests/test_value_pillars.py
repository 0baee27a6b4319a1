"""The pillars on a tiny hand-made dataset: exposure counts with tied index contacts, revenue
protected from retention's typed per-customer scores against hand arithmetic (and its refusals),
the logistic fitter against statsmodels, and a reason for every figure an absent table rules out.
The generated pillar on the same dataset is in test_value_generated."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm

import cxroi
from cxroi.analyses.retention.result import RetentionResult, unavailable
from cxroi.analyses.retention.revenue import RestrictedMeanScores
from cxroi.analyses.retention.run import run_retention
from cxroi.analyses.value import queries as q
from cxroi.analyses.value.glm import fit_logistic
from cxroi.analyses.value.pillars import exposed_by_month
from cxroi.analyses.value.run import run_value
from cxroi.analyses.value.settings import ValueSettings, parse_value_settings
from cxroi.errors import Problem
from cxroi.results.codec import canonical, encode
from cxroi.results.model.money import Basis, Evidence, RevenueProtected
from cxroi.results.model.scenario import Range, WhatIfResult
from cxroi.results.model.value import ValueSection
from cxroi.stats.result import CannotCompute
from helpers import contact, write_csv

CUSTOMERS = [
    {"customer_id": f"K{i}", "acquired_at": "2023-01-01T00:00:00Z", "monthly_revenue": 10.0 * i}
    for i in range(1, 5)
]
CONTACTS = [
    # C1 and C2 start together: the index is C1 (ties by contact_id), so K1 is AI-assisted
    contact("C1", "K1", "2024-01-05T10:00:00Z", "ai_only", channel="chat", cost=0.5, handle=100),
    contact("C2", "K1", "2024-01-05T10:00:00Z", "human_only", cost=6.0, handle=600),
    contact("C3", "K2", "2024-02-01T10:00:00Z", "human_only", cost=6.0, handle=600),
    contact("C4", "K2", "2024-03-01T10:00:00Z", "hybrid", cost=2.0, handle=500),
    contact("C5", "K3", "2024-02-10T10:00:00Z", "hybrid", cost=2.0, handle=500),
    contact("C6", "K4", "2024-03-01T10:00:00Z", "human_only", cost=6.0, handle=600),
    contact("C7", "K3", "2024-06-30T10:00:00Z", "ai_only", channel="chat", cost=0.5, handle=100),
]
REVENUE = [
    {
        "customer_id": "K1",
        "occurred_at": "2024-01-05T11:00:00Z",
        "amount": 100.0,
        "kind": "upsell",
        "contact_id": "C1",
    },
    {
        "customer_id": "K3",
        "occurred_at": "2024-02-10T11:00:00Z",
        "amount": 50.0,
        "kind": "cross_sell",
        "contact_id": "C5",
    },
    {
        "customer_id": "K2",
        "occurred_at": "2024-02-01T11:00:00Z",
        "amount": 70.0,
        "kind": "upsell",
        "contact_id": "C3",
    },
    # books the won opportunity O1: counted once, as won pipeline
    {
        "customer_id": "K3",
        "occurred_at": "2024-06-30T12:00:00Z",
        "amount": 300.0,
        "kind": "upsell",
        "contact_id": "C7",
    },
    {
        "customer_id": "K1",
        "occurred_at": "2024-01-06T11:00:00Z",
        "amount": -20.0,
        "kind": "refund",
        "contact_id": "C1",
    },
    {
        "customer_id": "K4",
        "occurred_at": "2024-04-01T11:00:00Z",
        "amount": 40.0,
        "kind": "one_time",
        "contact_id": None,
    },
]
OPPS = [
    {
        "opportunity_id": "O1",
        "customer_id": "K3",
        "contact_id": "C7",
        "created_at": "2024-06-30T10:30:00Z",
        "amount": 300.0,
        "won": True,
        "closed_at": "2024-06-30T12:00:00Z",
    },
    {
        "opportunity_id": "O2",
        "customer_id": "K1",
        "contact_id": "C1",
        "created_at": "2024-01-05T10:30:00Z",
        "amount": 200.0,
        "won": False,
        "closed_at": "2024-02-01T00:00:00Z",
    },
    {
        "opportunity_id": "O3",
        "customer_id": "K2",
        "contact_id": "C3",
        "created_at": "2024-02-01T10:30:00Z",
        "amount": 500.0,
        "won": True,
        "closed_at": "2024-03-01T00:00:00Z",
    },
    {
        "opportunity_id": "O4",
        "customer_id": "K4",
        "contact_id": "C6",
        "created_at": "2024-03-01T10:30:00Z",
        "amount": 100.0,
        "won": False,
        "closed_at": "2024-04-01T00:00:00Z",
    },
    {
        "opportunity_id": "O5",
        "customer_id": "K4",
        "contact_id": "C6",
        "created_at": "2024-03-01T10:40:00Z",
        "amount": 80.0,
        "won": False,
        "closed_at": "2024-04-01T00:00:00Z",
    },
    {
        "opportunity_id": "O6",
        "customer_id": "K3",
        "contact_id": "C5",
        "created_at": "2024-02-10T10:30:00Z",
        "amount": 999.0,
        "won": None,
        "closed_at": None,
    },
]


def write(
    folder: Path, revenue: bool = True, opps: bool = True, monthly_revenue: bool = True
) -> Path:
    folder.mkdir(parents=True)
    customers = (
        CUSTOMERS
        if monthly_revenue
        else [{k: v for k, v in c.items() if k != "monthly_revenue"} for c in CUSTOMERS]
    )
    write_csv(folder / "customers.csv", customers)
    write_csv(folder / "contacts.csv", CONTACTS)
    if revenue:
        write_csv(folder / "revenue.csv", REVENUE)
    if opps:
        write_csv(folder / "opportunities.csv", OPPS)
    return folder


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> cxroi.Dataset:
    return cxroi.load_dataset(write(tmp_path_factory.mktemp("v") / "full"))


def test_exposed_customers_use_the_first_contact_with_ties_by_id(full: cxroi.Dataset) -> None:
    frame = q.customer_frame(full)
    by_month = exposed_by_month(frame)
    assert by_month.to_dict() == {"2024-01": 1, "2024-02": 1}  # K1 (C1 beats C2), K3 (C5)
    modes = dict(zip(frame["customer_id"], frame["index_mode"]))
    assert modes == {"K1": "ai_only", "K2": "human_only", "K3": "hybrid", "K4": "human_only"}


DEFAULTS = ValueSettings(monte_carlo_draws=1000)


def value_of(
    ds: cxroi.Dataset, retention: RetentionResult, settings: ValueSettings = DEFAULTS
) -> ValueSection:
    return run_value(ds, cxroi.compute_exact_metrics(ds), retention, settings)


def test_absent_tables_give_nulls_with_reasons(tmp_path: Path) -> None:
    # the whole run never crashes on a dataset this small: every value is a number or a reason
    bare = cxroi.load_dataset(
        write(tmp_path / "c", revenue=False, opps=False, monthly_revenue=False)
    )
    retention = run_retention(bare)  # no churned_at column: retention refuses, with its reason
    assert isinstance(retention.restricted_mean, CannotCompute)
    why = retention.restricted_mean.reason
    assert "retention" in why
    s = value_of(bare, retention)
    assert isinstance(s.clv, CannotCompute) and "monthly_revenue" in s.clv.reason
    assert isinstance(s.clv_honesty, CannotCompute)
    assert s.revenue_protected_12m == CannotCompute(why)
    assert s.revenue_protected_12m_margin is None
    assert s.revenue_protected_lifetime == CannotCompute(why)
    incremental, attributed = s.generated.incremental, s.generated.attributed
    assert isinstance(incremental, CannotCompute) and "revenue table" in incremental.reason
    assert isinstance(attributed, CannotCompute) and "opportunities table" in attributed.reason
    assert isinstance(s.risk, CannotCompute) and "monthly_revenue" in s.risk.reason
    assert isinstance(s.revenue_per_retained_customer, CannotCompute)
    assert isinstance(s.what_if_stopped, WhatIfResult)
    assert s.what_if_stopped.revenue_protected_lost == CannotCompute(why)
    # cost savings alone still make a worksheet; the missing benefits say why they are missing
    assert not isinstance(s.roi_worksheet.roi, CannotCompute)
    excluded = s.roi_worksheet.excluded_benefits
    assert set(excluded) == {"revenue_protected_12m", "revenue_generated_incremental", "cac_offset"}
    assert excluded["revenue_protected_12m"] == why
    assert excluded["revenue_generated_incremental"] == incremental.reason
    # in results.json: null with the reason in a sibling <key>_note (results-contract.md)
    out = encode(canonical(s))
    for key, reason in (
        ("revenue_protected_12m", why),
        ("revenue_protected", why),
        ("revenue_generated", incremental.reason),
        ("revenue_generated_attributed", attributed.reason),
        ("revenue_at_risk", s.risk.reason),
        ("clv", s.clv.reason),
    ):
        assert out[key] is None and out[f"{key}_note"] == reason, key
    assert "revenue_protected_12m_margin" not in out
    assert out["what_if_stopped"]["revenue_protected_lost"] is None
    assert out["what_if_stopped"]["revenue_protected_lost_note"] == why


# Retention's per-customer pieces as run_retention hands them to value, made by hand: K1 and K3
# AI-assisted, K3 trimmed (propensity above the bound); months gained, residuals and odds chosen
# so every product below is exact.
SCORES = RestrictedMeanScores(
    exposed=np.array([True, False, True, False]),
    kept=np.array([True, True, False, True]),
    odds=np.array([0.0, 0.5, 4.0, 2.0]),
    treated_gain=np.array([0.5, 0.0, 0.2, 0.0]),
    control_residual=np.array([0.0, 0.3, 0.0, -0.1]),
    horizon_days=365,
    customer_ids=np.array(["K1", "K2", "K3", "K4"]),
)
def given(scores: RestrictedMeanScores) -> RetentionResult:
    return RetentionResult(unavailable("scores made by hand").section, scores)


def _margin_settings(margin: float) -> ValueSettings:
    problems: list[Problem] = []
    s = parse_value_settings({"margin": margin, "monte_carlo_draws": 1000}, problems)
    assert problems == []
    return s


@pytest.fixture(scope="module")
def by_hand(full: cxroi.Dataset) -> ValueSection:
    return value_of(full, given(SCORES), _margin_settings(0.4))


@pytest.fixture(scope="module")
def by_default(full: cxroi.Dataset) -> ValueSection:
    return value_of(full, given(SCORES))


def test_revenue_protected_by_hand(by_hand: ValueSection, by_default: ValueSection) -> None:
    # monthly revenue K1..K4 = 10, 20, 30, 40; kept: K1 (treated), K2 and K4 (controls).
    # phi = w x gain for the treated, -w x odds x residual for the controls:
    # K1 10 x 0.5 = 5, K2 -20 x 0.5 x 0.3 = -3, K4 -40 x 2 x (-0.1) = 8; total 10.
    phi = np.array([5.0, -3.0, 8.0])
    se = math.sqrt(float(((phi - phi.mean()) ** 2).sum()))
    rp = by_default.revenue_protected_12m
    assert isinstance(rp, RevenueProtected)
    assert rp.estimate == pytest.approx(10.0, rel=1e-12)
    assert rp.se == pytest.approx(se, rel=1e-12)
    assert (rp.ci_low, rp.ci_high) == pytest.approx((10 - 1.959963984540054 * se,
                                                     10 + 1.959963984540054 * se))
    assert (rp.n, rp.customers, rp.trimmed_customers) == (3, 1, 1)
    assert rp.trimmed_weight_share == pytest.approx(30 / 40)  # K3's revenue of the AI-assisted
    assert rp.top10_variance_share == pytest.approx(1.0)
    assert (rp.basis, rp.evidence, rp.horizon_months, rp.margin_applied) == (
        Basis.ATT, Evidence.ADJUSTED, 12, False
    )
    # margin version only when a margin is configured: revenue x margin, the same sum scaled
    assert by_default.revenue_protected_12m_margin is None
    assert by_hand.revenue_protected_12m == rp
    at_margin = by_hand.revenue_protected_12m_margin
    assert at_margin is not None and at_margin.margin_applied
    assert at_margin.estimate == pytest.approx(0.4 * 10.0)
    assert at_margin.se == pytest.approx(0.4 * se)


def test_revenue_protected_enters_the_roi_by_index_month(by_hand: ValueSection) -> None:
    # per AI-assisted customer 10 / 1 = 10; customers indexed by month: K1 2024-01, K3 2024-02
    # (test_exposed_customers_...); the worksheet's months are the months with contacts
    w = by_hand.roi_worksheet
    assert "revenue_protected_12m" not in w.excluded_benefits
    got = {row.month: row.benefits["revenue_protected_12m"] for row in w.monthly}
    assert got == pytest.approx(
        {"2024-01": 0.4 * 10, "2024-02": 0.4 * 10, "2024-03": 0.0, "2024-06": 0.0}
    )
    line = next(b for b in w.benefits if b.name == "revenue_protected_12m")
    assert line.margin_factor == 0.4 and not line.spread_evenly
    # four months of history annualised to 12: 12 / 4 x (10 + 10) x 0.4
    assert line.value_12m.estimate == pytest.approx(12 / 4 * 20 * 0.4)
    assert line.value_12m.horizon_months == 12


@pytest.mark.parametrize(
    "scores,reason",
    [
        (dataclasses.replace(SCORES, customer_ids=None), "did not keep its customers' ids"),
        (
            dataclasses.replace(SCORES, customer_ids=np.array(["K1", "K2", "K3", "K9"])),
            "1 analysed customers have no usable weight",
        ),
    ],
    ids=["no_ids", "unknown_customer"],
)
def test_revenue_protected_refuses_without_a_weight_for_every_customer(
    full: cxroi.Dataset, scores: RestrictedMeanScores, reason: str
) -> None:
    s = value_of(full, given(scores))
    rp = s.revenue_protected_12m
    assert isinstance(rp, CannotCompute) and reason in rp.reason
    assert s.revenue_protected_lifetime == rp
    assert s.roi_worksheet.excluded_benefits["revenue_protected_12m"] == rp.reason


def test_logistic_fit_matches_statsmodels_without_penalty() -> None:
    rng = np.random.default_rng(4)
    x = np.column_stack([np.ones(3000), rng.standard_normal((3000, 3))])
    y = (rng.random(3000) < 1 / (1 + np.exp(-(x @ np.array([-1.0, 0.5, -0.3, 0.0]))))).astype(float)
    beta, cov = fit_logistic(x, y, penalty=0.0)
    ref = sm.Logit(y, x).fit(disp=0)
    assert beta == pytest.approx(ref.params, rel=1e-7, abs=1e-9)
    assert np.sqrt(np.diag(cov)) == pytest.approx(ref.bse, rel=1e-6)


def test_value_settings_in_assumptions_are_labelled(
    by_default: ValueSection, by_hand: ValueSection
) -> None:
    rows = {r.key: r for r in by_default.assumptions}
    margin = rows["value.margin"]
    assert (margin.source, margin.meaning, margin.number) == (
        "default", "contribution margin on revenue", 0.3
    )
    assert rows["value.roi.implementation"].range == Range(50_000.0, 75_000.0, 120_000.0)
    assert rows["value.roi.implementation"].number is None
    configured = {r.key: r for r in by_hand.assumptions}["value.margin"]
    assert (configured.source, configured.number) == ("configured", 0.4)
    # each benefit the worksheet counts is described, with its class of evidence
    benefit = rows["roi.benefit.revenue_protected_12m"]
    assert benefit.source == "structural" and benefit.text == "adjusted_estimate"
    assert "margin applied" in benefit.meaning
    # in results.json a row holds the one value field it has (number, text or range)
    out = encode(by_default)["assumptions"]
    row = next(r for r in out if r["key"] == "value.margin")
    assert row == {
        "key": "value.margin",
        "source": "default",
        "meaning": "contribution margin on revenue",
        "number": 0.3,
    }
    row = next(r for r in out if r["key"] == "value.roi.implementation")
    assert row["range"] == {"low": 50_000.0, "mode": 75_000.0, "high": 120_000.0}
    assert "number" not in row and "text" not in row
