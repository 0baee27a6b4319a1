"""The stack's monthly panel has customer-clustered intervals (docs/metrics.md, "Intervals of
contact-level metrics"), checked against a brute-force computation from the contacts themselves:
per-customer totals in pandas, the textbook cluster-robust (CR1) variance of a ratio
``G/(G−1) Σ_i (x_i − r·y_i)² / (Σ_i y_i)²``, and statsmodels' clustered OLS for a mean.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as sps

import cxroi
from cxroi.analyses.panel import Panel, build_panel, enriched_contacts
from cxroi.analyses.stack.run import stack_monthly
from cxroi.demo import generate_demo
from cxroi.results.model.governance import StackMonth
from cxroi.stats.clustered import ClusteredEstimate

N_CONTACTS, SEED = 8_000, 5
GROUP_MODES = {
    "ai_only": ("ai_only",),
    "hybrid": ("hybrid",),
    "human_only": ("human_only",),
    "ai_assisted": ("ai_only", "hybrid"),
    "all": ("ai_only", "hybrid", "human_only"),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Panel, Any, pd.DataFrame, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("panel-clustered")
    generate_demo(folder, contacts=N_CONTACTS, seed=SEED)
    ds = cxroi.load_dataset(folder)
    contacts = enriched_contacts(ds).execute()
    surveys = ds.tables["surveys"].execute()
    return build_panel(ds), cxroi.compute_exact_metrics(ds), contacts, surveys


def _units(contacts: pd.DataFrame, surveys: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per measure, one row per unit (contact or answer): customer, month, ai_mode, x, y."""
    c = contacts.assign(customer=contacts["customer_id"])
    keep = ["customer", "month", "ai_mode"]
    inbound = c["inbound"].astype(bool)
    ai_only = c["ai_mode"] == "ai_only"
    bot = inbound & (ai_only | c["escalated_value"].astype(bool))
    eligible = c["eligible_7"].astype(bool)
    out = {
        "containment": c.loc[bot, keep].assign(x=ai_only[bot].astype(float), y=1.0),
        "fcr": c.loc[eligible, keep].assign(
            x=(~c.loc[eligible, "repeat_7"].astype(bool)).astype(float), y=1.0
        ),
    }
    answers = surveys[surveys["contact_id"].notna()].merge(
        c[["contact_id", *keep]], on="contact_id", how="inner"
    )
    score = answers["score"].astype(float)
    for kind, value in (
        ("csat", (score >= 4).astype(float)),
        ("nps", np.where(score >= 9, 1.0, np.where(score <= 6, -1.0, 0.0))),
        ("ces", score),
    ):
        mine = answers["kind"] == kind
        out[kind] = answers.loc[mine, keep].assign(x=np.asarray(value)[mine.to_numpy()], y=1.0)
    return out


def _cr1(units: pd.DataFrame) -> tuple[float, float, int, int]:
    """Ratio, CR1 variance, customers and units, from per-customer totals (the textbook way)."""
    per = units.groupby("customer")[["x", "y"]].sum()
    r = per["x"].sum() / per["y"].sum()
    g = len(per)
    var = g / (g - 1) * float(((per["x"] - r * per["y"]) ** 2).sum()) / per["y"].sum() ** 2
    return float(r), var, g, int(per["y"].sum())


def _wilson(p: float, n: float, z: float) -> tuple[float, float]:
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _check(est: Any, units: pd.DataFrame, kind: str) -> None:
    r, var, g, n = _cr1(units)
    assert isinstance(est, ClusteredEstimate)
    assert est.customers == g and est.n == n
    t = float(sps.t.ppf(0.975, g - 1))
    scale = 100.0 if kind == "nps" else 1.0
    assert est.estimate == pytest.approx(scale * r, rel=1e-12, abs=1e-12)
    assert est.se == pytest.approx(scale * math.sqrt(var), rel=1e-9, abs=1e-15)
    if kind in ("containment", "fcr", "csat"):
        n_eff = min(n, r * (1 - r) / var) if 0 < r < 1 and var > 0 else None
        if n_eff is not None:
            low, high = _wilson(r, n_eff, t)
            assert (est.ci_low, est.ci_high) == pytest.approx((low, high), rel=1e-9, abs=1e-12)
            assert est.design_effect == pytest.approx(n / n_eff, rel=1e-9)
    else:
        bound = 100.0 if kind == "nps" else math.inf
        low = max(scale * (r - t * math.sqrt(var)), -bound)
        high = min(scale * (r + t * math.sqrt(var)), bound)
        assert (est.ci_low, est.ci_high) == pytest.approx((low, high), rel=1e-9, abs=1e-12)


def _months(panel: Panel) -> dict[str, StackMonth]:
    return {row.month: row for row in stack_monthly(panel, 10)}


def test_every_monthly_cell_matches_the_textbook_cluster_robust_variance(
    world: tuple[Panel, Any, pd.DataFrame, pd.DataFrame],
) -> None:
    panel, _, contacts, surveys = world
    units = _units(contacts, surveys)
    checked = 0
    for month, row in _months(panel).items():
        _check(row.containment_rate, units["containment"].query("month == @month"), "containment")
        checked += 1
        for kind, field in (("fcr", "fcr_7d"), ("csat", "csat"), ("nps", "nps"), ("ces", "ces")):
            for group, modes in GROUP_MODES.items():
                u = units[kind]
                mine = u[(u["month"] == month) & u["ai_mode"].isin(modes)]
                est = getattr(getattr(row, field), group)
                if mine["customer"].nunique() < 2:
                    continue
                _check(est, mine, kind)
                checked += 1
    assert checked > 24 * 15  # nearly every cell has at least two customers


def test_the_se_is_statsmodels_clustered_ols_of_a_mean(
    world: tuple[Panel, Any, pd.DataFrame, pd.DataFrame],
) -> None:
    """An intercept-only OLS with CR1 cluster-robust errors (statsmodels' default correction,
    G/(G−1)·(N−1)/(N−K) with K = 1) gives exactly the ratio's clustered SE."""
    panel, _, contacts, surveys = world
    units = _units(contacts, surveys)
    rows = _months(panel)
    for kind, field, group, month in (
        ("fcr", "fcr_7d", "ai_assisted", "2024-06"),
        ("ces", "ces", "all", "2025-04"),
        ("csat", "csat", "human_only", "2025-11"),
    ):
        u = units[kind]
        u = u[(u["month"] == month) & u["ai_mode"].isin(GROUP_MODES[group])]
        codes = pd.factorize(u["customer"])[0]
        fit = sm.OLS(u["x"].to_numpy(), np.ones((len(u), 1))).fit(
            cov_type="cluster", cov_kwds={"groups": codes}
        )
        est = getattr(getattr(rows[month], field), group)
        assert isinstance(est, ClusteredEstimate)
        assert est.se == pytest.approx(float(fit.bse[0]), rel=1e-9)
        assert est.estimate == pytest.approx(float(fit.params[0]), rel=1e-12)


def test_the_all_group_is_the_metrics_monthly_entry(
    world: tuple[Panel, Any, pd.DataFrame, pd.DataFrame],
) -> None:
    """Same population, same sums, same interval as ``metrics.monthly`` (containment, FCR, CSAT,
    CES over every mode)."""
    panel, exact, _, _ = world
    theirs = dict(exact.monthly)
    for month, row in _months(panel).items():
        for ours, key in (
            (row.containment_rate, "containment_rate"),
            (row.fcr_7d.all, "fcr_7d"),
            (row.csat.all, "csat"),
            (row.ces.all, "ces"),
        ):
            reference = theirs[month][key]
            assert isinstance(ours, ClusteredEstimate) and isinstance(reference, ClusteredEstimate)
            for name in ("estimate", "ci_low", "ci_high", "se", "n", "customers", "method"):
                assert getattr(ours, name) == getattr(reference, name), (month, key, name)

