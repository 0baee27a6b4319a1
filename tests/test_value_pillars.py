"""The pillars on a tiny hand-made dataset: exposure counts with tied index contacts, the
revenue-protected Monte Carlo against its closed form, the logistic fitter against statsmodels,
and null-with-reason for every absent table. The generated pillar on the same dataset is in
test_value_generated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm

import cxroi
from cxroi.analyses.value.run import run_value
from cxroi.analyses.value.settings import ValueSettings
from cxroi.analyses.value import queries as q
from cxroi.analyses.value.glm import fit_logistic
from cxroi.analyses.value.pillars import (
    Delta,
    exposed_by_month,
    read_delta,
    revenue_protected,
)
from cxroi.stats.result import CannotCompute, Estimate
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


def test_absent_tables_give_nulls_with_reasons(tmp_path: Path) -> None:
    # the whole run never crashes on a dataset this small: every value is a number or a note
    bare = cxroi.load_dataset(
        write(tmp_path / "c", revenue=False, opps=False, monthly_revenue=False)
    )
    out = run_value(
        bare, cxroi.compute_exact_metrics(bare), {}, ValueSettings(monte_carlo_draws=1000)
    ).to_results()
    assert out["clv"] is None and "monthly_revenue" in out["clv_note"]
    assert out["revenue_protected"] is None and "retention" in out["revenue_protected_note"]
    assert out["revenue_generated"] is None and "revenue table" in out["revenue_generated_note"]
    assert out["revenue_generated_attributed"] is None
    assert "opportunities table" in out["revenue_generated_attributed_note"]
    assert out["revenue_at_risk"] is None and "monthly_revenue" in out["revenue_at_risk_note"]
    assert out["revenue_per_retained_customer"] is None
    assert out["what_if_stopped"]["revenue_protected_lost"] is None
    assert out["what_if_stopped"]["revenue_protected_lost_note"] == out["revenue_protected_note"]
    assert out["roi"] is not None  # cost savings alone still make a worksheet
    assert set(out["roi"]["excluded_benefits"]) == {
        "revenue_protected",
        "revenue_generated_margin",
        "cac_offset",
    }


def test_read_delta() -> None:
    missing = read_delta(
        {"delta_12m_adjusted": None, "delta_12m_adjusted_note": "too few customers"}
    )
    assert isinstance(missing, CannotCompute) and "too few customers" in missing.reason
    assert isinstance(read_delta(None), CannotCompute)
    from_ci = read_delta(
        {"delta_12m_adjusted": {"estimate": 0.04, "ci_low": 0.02, "ci_high": 0.06}}
    )
    assert isinstance(from_ci, Delta)
    assert from_ci.se == pytest.approx(0.02 / 1.959963984540054)


def test_revenue_protected_monte_carlo_matches_closed_form() -> None:
    # CLV known exactly (constant draws): the total is normal with mean n d CLV, sd n se CLV.
    clv = Estimate(2000.0, 2000.0, 2000.0)
    delta = Delta(0.03, 0.01, {"estimate": 0.03})
    res, per_customer = revenue_protected(
        delta, clv, np.full(200_000, 2000.0), 500, np.random.default_rng(3)
    )
    assert isinstance(res, Estimate) and per_customer is not None
    assert res.estimate == pytest.approx(500 * 0.03 * 2000.0)
    sd = 500 * 0.01 * 2000.0
    assert res.ci_low == pytest.approx(res.estimate - 1.959963984540054 * sd, rel=0.01)
    assert res.ci_high == pytest.approx(res.estimate + 1.959963984540054 * sd, rel=0.01)
    null, _ = revenue_protected(
        CannotCompute("no delta: why"), clv, np.ones(3), 5, np.random.default_rng(0)
    )
    assert isinstance(null, CannotCompute) and null.reason == "no delta: why"


def test_logistic_fit_matches_statsmodels_without_penalty() -> None:
    rng = np.random.default_rng(4)
    x = np.column_stack([np.ones(3000), rng.standard_normal((3000, 3))])
    y = (rng.random(3000) < 1 / (1 + np.exp(-(x @ np.array([-1.0, 0.5, -0.3, 0.0]))))).astype(float)
    beta, cov = fit_logistic(x, y, penalty=0.0)
    ref = sm.Logit(y, x).fit(disp=0)
    assert beta == pytest.approx(ref.params, rel=1e-7, abs=1e-9)
    assert np.sqrt(np.diag(cov)) == pytest.approx(ref.bse, rel=1e-6)


def test_value_settings_in_assumptions_are_labelled(full: cxroi.Dataset) -> None:
    out: dict[str, Any] = run_value(
        full, cxroi.compute_exact_metrics(full), {}, ValueSettings(monte_carlo_draws=1000)
    ).to_results()
    a = out["assumptions"]
    assert a["value.margin"] == {
        "value": 0.3,
        "source": "default assumption",
        "meaning": "contribution margin on revenue",
    }
    assert a["value.roi.implementation"]["value"] == {
        "low": 50000.0,
        "mode": 75000.0,
        "high": 120000.0,
    }
