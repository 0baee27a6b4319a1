"""Retention: Kaplan–Meier and Cox against lifelines/statsmodels, the AIPW–AIPCW estimator
against Kaplan–Meier where they must agree, planted-truth recovery on the demo (ATE and ATT),
and null-with-reason.

The calibration study (bias, SD vs SE, coverage over hundreds of replicates) is
``scripts/calibrate_retention.py``; its table is in ``docs/retention-calibration.md``.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from statsmodels.duration.hazard_regression import PHReg
from tests.helpers import contact, write_csv

import cxroi
from cxroi.analyses.retention.adjusted import AdjustedRetention
from cxroi.analyses.retention.cohort import build_cohort
from cxroi.analyses.retention.cox import CoxPH
from cxroi.analyses.retention.kaplan_meier import KaplanMeier, difference_at
from cxroi.analyses.retention.run import run_retention
from cxroi.analyses.retention.settings import RetentionSettings, parse_retention_settings
from cxroi.results.codec import encode
from cxroi.demo import DemoTruths, generate_demo
from cxroi.errors import Problem
from cxroi.stats.result import CannotCompute, Estimate

DEMO_CONTACTS = 60_000
DEMO_SEED = 7


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoTruths]:
    out = tmp_path_factory.mktemp("retention_demo")
    return out, generate_demo(out, contacts=DEMO_CONTACTS, seed=DEMO_SEED)


@pytest.fixture(scope="module")
def demo_results(demo: tuple[Path, DemoTruths]) -> dict[str, Any]:
    path, _ = demo
    ds = cxroi.load_dataset(path, cxroi.Config())
    out: dict[str, Any] = encode(run_retention(ds, RetentionSettings()).section)
    return out


def _survival_data(seed: int, n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = rng.exponential(300.0, n)
    c = rng.uniform(0.0, 700.0, n)
    # Whole days make ties, which the estimators must handle like the references do.
    return np.ceil(np.minimum(t, c)), t <= c


# ----------------------------------------------------------------------------- Kaplan–Meier
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kaplan_meier_matches_lifelines(seed: int) -> None:
    durations, events = _survival_data(seed)
    km = KaplanMeier().fit(durations, events)
    ref = KaplanMeierFitter().fit(durations, events)
    days = np.array([0.0, 10.5, 30.0, 91.0, 182.0, 365.0, 500.0])
    expected = ref.survival_function_at_times(days).to_numpy()
    assert np.allclose([km.survival_at(d) for d in days], expected, atol=1e-12)
    # lifelines' default interval is the log(−log) one; compare at its own step times
    ci = ref.confidence_interval_survival_function_
    for day in ci.index[1:-1]:
        if ref.survival_function_.loc[day].iloc[0] in (0.0, 1.0):
            continue
        low, high = km.interval_at(float(day))
        assert low == pytest.approx(ci.loc[day].iloc[0], abs=1e-10)
        assert high == pytest.approx(ci.loc[day].iloc[1], abs=1e-10)


def test_kaplan_meier_greenwood_and_at_risk_brute_force() -> None:
    durations, events = _survival_data(4, n=150)
    km = KaplanMeier().fit(durations, events)
    for day in (50.0, 200.0, 365.0):
        s, g = 1.0, 0.0
        for t in np.unique(durations[events]):
            if t > day:
                break
            n_risk = int((durations >= t).sum())
            d = int(((durations == t) & events).sum())
            s *= 1 - d / n_risk
            g += d / (n_risk * (n_risk - d))
        assert km.survival_at(day) == pytest.approx(s, abs=1e-12)
        assert km.variance_at(day) == pytest.approx(s * s * g, rel=1e-10)
        assert km.at_risk_at(day) == int((durations >= day).sum())


def test_naive_difference_is_km_difference_with_greenwood_se() -> None:
    d1, e1 = _survival_data(5)
    d0, e0 = _survival_data(6)
    a, b = KaplanMeier().fit(d1, e1), KaplanMeier().fit(d0, e0)
    diff = difference_at(a, b, 365.0, "naive")
    assert isinstance(diff, Estimate)
    ref = [
        KaplanMeierFitter().fit(d, e).survival_function_at_times(365.0).iloc[0]
        for d, e in ((d1, e1), (d0, e0))
    ]
    assert diff.estimate == pytest.approx(ref[0] - ref[1], abs=1e-12)
    se = math.sqrt(a.variance_at(365.0) + b.variance_at(365.0))
    assert diff.ci_low == pytest.approx(diff.estimate - 1.959964 * se, abs=1e-6)


def test_kaplan_meier_refuses_beyond_follow_up() -> None:
    km = KaplanMeier().fit(np.array([10.0, 20.0, 100.0]), np.array([True, False, False]))
    assert isinstance(km.estimate_at(365.0, "the group"), CannotCompute)
    assert isinstance(km.estimate_at(90.0, "the group"), Estimate)


# ----------------------------------------------------------------------------- Cox
def test_cox_matches_lifelines_without_ties_and_statsmodels_breslow_with_ties() -> None:
    rng = np.random.default_rng(8)
    n, p = 1500, 4
    x = rng.standard_normal((n, p))
    t = rng.exponential(1.0 / np.exp(x @ np.array([0.5, -0.3, 0.0, 0.2])))
    c = rng.uniform(0.0, 2.0, n)
    dur, ev = np.minimum(t, c), t <= c
    ours = CoxPH(penalizer=0.0).fit(x, dur, ev)
    frame = pd.DataFrame(x, columns=[f"x{j}" for j in range(p)]).assign(t=dur, e=ev)
    ref = CoxPHFitter().fit(frame, "t", "e")
    # lifelines stops at a step tolerance of ~1e-7, hence the looser match
    assert np.allclose(ours.coef_, ref.params_.to_numpy(), atol=5e-6)
    assert ours.log_likelihood_ == pytest.approx(ref.log_likelihood_, rel=1e-9)

    tied = np.round(dur, 1)
    ours_t = CoxPH(penalizer=0.0).fit(x, tied, ev)
    sm = PHReg(tied, x, status=ev.astype(float), ties="breslow").fit()
    assert np.allclose(ours_t.coef_, sm.params, atol=1e-6)
    # Breslow baseline at the centred covariates = statsmodels' baseline scaled by exp(mean·β)
    times, cumhaz, _ = sm.baseline_cumulative_hazard[0]
    scale = math.exp(float(ours_t.mean_ @ sm.params))
    # statsmodels lists Λ0 just before each event time (its left limit)
    assert np.allclose(ours_t.cumulative_hazard_at(times - 1e-9), cumhaz * scale, rtol=1e-6)


def test_cox_reaches_the_same_maximum_from_any_start() -> None:
    # cross-fitting starts each fold from the previous fold's coefficients: the fit must not
    # depend on where Newton's method began (the stop asks for a tiny step, not only a tiny gain)
    rng = np.random.default_rng(9)
    n, p = 40_000, 6
    x = rng.standard_normal((n, p)) * rng.uniform(0.5, 20.0, p) + rng.uniform(-5.0, 5.0, p)
    t = rng.exponential(1.0 / np.exp((x - x.mean(0)) / x.std(0) @ rng.normal(0.0, 0.4, p)))
    c = rng.uniform(0.0, 2.0, n)
    dur, ev = np.round(np.minimum(t, c), 2), t <= c
    cold = CoxPH().fit(x, dur, ev)
    for start in (cold.coef_ * 0.5, cold.coef_ + rng.normal(0.0, 0.05, p), -cold.coef_):
        warm = CoxPH().fit(x, dur, ev, start=start)
        # the old stop (log-likelihood gain alone) left up to 3e-10 between these starts, and an
        # absolute line-search slack refused the last tiny step from -coef (4e-11)
        assert np.allclose(warm.coef_, cold.coef_, rtol=1e-11, atol=0.0)
        assert warm.log_likelihood_ == pytest.approx(cold.log_likelihood_, rel=1e-13)


# ----------------------------------------------------------------------------- adjusted
def _admin_censored(seed: int, n: int, hr: float, confounded: bool) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2))
    logit = (1.2 * x[:, 0] - 0.5 * x[:, 1]) if confounded else np.zeros(n)
    a = rng.random(n) < 1 / (1 + np.exp(-logit))
    hazard = -np.log(0.8) / 365 * np.exp(-0.5 * x[:, 0] + 0.3 * x[:, 1]) * np.where(a, hr, 1.0)
    t = rng.exponential(1 / hazard)
    follow = rng.uniform(0.0, 730.0, n)
    return {
        "x": x,
        "a": a,
        "t": np.minimum(t, follow),
        "e": t <= follow,
        "c": follow,
        "hazard": hazard / np.where(a, hr, 1.0),
    }


def test_adjusted_equals_kaplan_meier_without_covariates() -> None:
    """With no covariates the AIPCW arm means are IPCW/KM estimates: they must match KM."""
    d = _admin_censored(9, 4000, 0.8, confounded=False)
    model = AdjustedRetention().fit(np.zeros((4000, 0)), d["a"], d["t"], d["e"], d["c"])
    assert isinstance(model.result_, Estimate)
    for arm, name in ((d["a"], "ai_assisted"), (~d["a"], "human_only")):
        km = KaplanMeier().fit(d["t"][arm], d["e"][arm]).survival_at(365.0)
        assert model.arm_means_[name] == pytest.approx(km, abs=0.004)


def test_adjusted_recovers_planted_effect_in_simulated_confounded_data() -> None:
    d = _admin_censored(10, 8000, 0.6, confounded=True)
    truth = float(np.mean(np.exp(-d["hazard"] * 0.6 * 365) - np.exp(-d["hazard"] * 365)))
    model = AdjustedRetention().fit(d["x"], d["a"], d["t"], d["e"], d["c"])
    est = model.result_
    assert isinstance(est, Estimate) and est.ci_low is not None and est.ci_high is not None
    assert est.ci_low <= truth <= est.ci_high
    naive = difference_at(
        KaplanMeier().fit(d["t"][d["a"]], d["e"][d["a"]]),
        KaplanMeier().fit(d["t"][~d["a"]], d["e"][~d["a"]]),
        365.0,
        "naive",
    )
    assert isinstance(naive, Estimate) and naive.ci_low is not None
    assert naive.ci_low > truth  # confounding flatters exposure here


def test_censoring_strata_stay_within_exposure_group_and_reach_the_horizon() -> None:
    d = _admin_censored(12, 3000, 0.8, confounded=True)
    # Follow-up that depends on the covariates, so the strata matter.
    d["c"] = np.where(d["x"][:, 0] > 1.0, d["c"] * 0.55, d["c"])
    d["t"] = np.minimum(d["t"], d["c"])
    model = AdjustedRetention().fit(d["x"], d["a"], d["t"], d["e"] & (d["t"] < d["c"]), d["c"])
    strata = model.censoring_strata_
    assert not set(strata[d["a"]]) & set(strata[~d["a"]])
    for s in np.unique(strata):
        assert (d["c"][strata == s] >= 365).sum() >= 20


def test_poor_overlap_trims_and_warns() -> None:
    rng = np.random.default_rng(11)
    n = 3000
    x = rng.standard_normal((n, 1))
    a = rng.random(n) < 1 / (1 + np.exp(-4.5 * x[:, 0]))
    t = rng.exponential(1500.0, n)
    c = rng.uniform(0.0, 730.0, n)
    model = AdjustedRetention().fit(x, a, np.minimum(t, c), t <= c, c, ("x",))
    est = model.result_
    assert isinstance(est, Estimate)
    assert est.trimmed > 0 and est.overlap_warning is True
    assert "trimmed" in est.estimand or "[0.01, 0.99]" in est.estimand
    assert est.n == n - est.trimmed
    assert model.diagnostics_.messages


# ----------------------------------------------------------------------------- the demo
def test_demo_planted_truth_adjusted_covers_naive_biased(
    demo: tuple[Path, DemoTruths], demo_results: dict[str, Any]
) -> None:
    _, truths = demo
    target = truths.retention_effect_12m
    adj, naive = demo_results["delta_12m_adjusted"], demo_results["delta_12m_naive"]
    assert adj["ci_low"] <= target <= adj["ci_high"]
    # Naive is confounded upwards (naive_bias_sign = +1): the truth lies below its interval and
    # the naive error is several times the adjusted one.
    assert truths.naive_bias_sign == 1
    assert naive["ci_low"] > target
    assert naive["estimate"] - target > 3 * abs(adj["estimate"] - target)
    assert demo_results["n_customers"] == truths.analysed_customers
    # The demo draws a contact's channel after its mode, and the "other" channel only for
    # human-only contacts: those customers have no AI-assisted counterpart and are trimmed.
    assert 0 < adj["trimmed"] <= 0.02 * truths.analysed_customers
    assert adj["overlap_warning"] is False and "trimmed" in adj["estimand"]
    att = demo_results["delta_12m_att"]
    assert att["ci_low"] <= truths.retention_effect_12m_exposed <= att["ci_high"]
    assert att["ai_assisted_customers"] == truths.exposed_customers  # none trimmed from the ATT
    r12 = demo_results["retention_12m"]
    assert (
        r12["ai_assisted"]["ci_low"]
        < r12["ai_assisted"]["estimate"]
        < r12["ai_assisted"]["ci_high"]
    )


def test_demo_curves_descriptive_and_diagnostics(demo_results: dict[str, Any]) -> None:
    curves = demo_results["curves"]
    assert set(curves["by_index_group"]) == {"ai_assisted", "human_only"}
    assert set(curves["by_index_mode"]) == {"ai_only", "hybrid", "human_only"}
    points = curves["by_index_group"]["ai_assisted"]["points"]
    assert [p["day"] for p in points] == [
        0,
        30,
        61,
        91,
        122,
        152,
        182,
        213,
        243,
        274,
        304,
        335,
        365,
    ]
    values = [p["survival"] for p in points]
    assert values[0] == 1.0 and all(a >= b for a, b in itertools.pairwise(values))
    assert points[-1]["survival"] == pytest.approx(
        demo_results["retention_12m"]["ai_assisted"]["estimate"]
    )
    desc = demo_results["descriptive"]
    assert desc["descriptive"] is True and "immortal-time" in desc["note"]
    assert (
        set(desc["by_last_mode"])
        == set(desc["by_primary_mode"])
        == {"ai_only", "hybrid", "human_only"}
    )
    diag = demo_results["diagnostics"]
    assert diag["overlap"]["max_abs_smd_weighted"] < diag["overlap"]["max_abs_smd_unweighted"]
    overlap = diag["overlap"]
    assert 0 < overlap["ess"]["ai_assisted"] <= overlap["n"]["ai_assisted"]
    assert (
        overlap["propensity_quantiles"]["ai_assisted"]["q50"]
        > overlap["propensity_quantiles"]["human_only"]["q50"]
    )
    assert all("customer" not in c.lower() for c in diag["covariates"])
    # the index contact's own confounders are in the default design
    covariates = diag["covariates"]
    assert any(c.startswith("index_intent=") for c in covariates)
    assert any(c.startswith("index_channel=") for c in covariates)
    assert any(c.startswith("index_month_of_year=") for c in covariates)
    assert "index_months_since_start" in covariates
    json.dumps(demo_results, allow_nan=False)


def test_demo_is_deterministic(demo: tuple[Path, DemoTruths], demo_results: dict[str, Any]) -> None:
    ds = cxroi.load_dataset(demo[0], cxroi.Config())
    again = encode(run_retention(ds, RetentionSettings()).section)
    assert json.dumps(again, sort_keys=True) == json.dumps(demo_results, sort_keys=True)


# ----------------------------------------------------------------------------- small datasets
def _write(folder: Path, contacts: list[dict[str, Any]], customers: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "contacts.csv", contacts)
    write_csv(folder / "customers.csv", customers)
    return folder


def _small_world(n: int = 60) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    contacts, customers = [], []
    for i in range(n):
        cid = f"K{i:03d}"
        mode = "hybrid" if i % 2 else "human_only"
        day = 1 + i % 20
        contacts.append(contact(f"C{i:03d}a", cid, f"2024-01-{day:02d}T10:00:00Z", mode))
        contacts.append(contact(f"C{i:03d}b", cid, f"2025-06-{day:02d}T10:00:00Z", "ai_only"))
        churn = f"2024-{3 + i % 9:02d}-15T00:00:00Z" if i % 3 == 0 else None
        customers.append(
            {
                "customer_id": cid,
                "acquired_at": "2020-01-01T00:00:00Z",
                "churned_at": churn,
                "segment": "smb" if i % 4 else "consumer",
            }
        )
    contacts.append(contact("Z999", "K000", "2025-12-31T00:00:00Z", "human_only"))
    return contacts, customers


def test_without_churned_at_everything_is_null_with_reason(tmp_path: Path) -> None:
    contacts, customers = _small_world()
    for c in customers:
        c.pop("churned_at")
    ds = cxroi.load_dataset(_write(tmp_path / "d", contacts, customers), cxroi.Config())
    out = encode(run_retention(ds, RetentionSettings()).section)
    for key in (
        "retention_12m",
        "delta_12m_naive",
        "delta_12m_adjusted",
        "delta_12m_att",
        "months_active_12m_att",
        "sensitivity",
    ):
        assert out[key] is None and "churned_at" in out[f"{key}_note"]


def test_no_human_only_index_contacts_gives_null_deltas(tmp_path: Path) -> None:
    contacts, customers = _small_world()
    for c in contacts:
        if c["ai_mode"] == "human_only":
            c["ai_mode"] = "hybrid"
    ds = cxroi.load_dataset(_write(tmp_path / "d", contacts, customers), cxroi.Config())
    out = encode(run_retention(ds, RetentionSettings()).section)
    assert out["retention_12m"] is None and "human-only" in out["retention_12m_note"]
    assert out["delta_12m_naive"] is None and "human-only" in out["delta_12m_naive_note"]
    assert out["delta_12m_adjusted"] is None and out["delta_12m_adjusted_note"]
    assert out["delta_12m_att"] is None and "human-only" in out["delta_12m_att_note"]
    assert out["sensitivity"] is None and out["sensitivity_note"]
    assert out["curves"]["by_index_group"]["human_only"]["n"] == 0


def test_cohort_index_exclusions_and_missing_covariate(tmp_path: Path) -> None:
    contacts, customers = _small_world()
    # Same instant: the index is the smaller contact_id (human_only), not the hybrid one.
    contacts.append(contact("C0010", "K001", "2024-01-02T10:00:00Z", "human_only"))
    customers[2]["churned_at"] = "2023-06-01T00:00:00Z"  # before K002's index: excluded
    customers.append({"customer_id": "K999", "acquired_at": "2020-01-01T00:00:00Z"})
    cfg = cxroi.Config(min_cell=5)
    ds = cxroi.load_dataset(_write(tmp_path / "d", contacts, customers), cfg)
    result = run_retention(
        ds, RetentionSettings(covariates=("segment", "not_a_column")), cfg.min_cell
    )
    out = encode(result.section)
    assert out["excluded"] == {"churned_before_index": 1, "no_index_contact": 1}
    assert out["n_customers"] == 59
    assert any("not_a_column" in note for note in out["notes"])
    assert out["curves"]["by_index_mode"]["human_only"]["n"] == 30  # K001 moved to human_only
    # ties in mode counts go to the first of MODES; last contact is ai_only for most
    assert out["descriptive"]["by_last_mode"]["ai_only"]["n"] == 58
    suppressed = [
        p for p in out["curves"]["by_index_mode"]["ai_only"]["points"] if p["survival"] is None
    ]
    assert all(p["survival_note"] for p in suppressed)


@pytest.mark.parametrize("empty_churn", [True, False])
def test_cohort_follow_up_days_are_pandas_total_seconds(tmp_path: Path, empty_churn: bool) -> None:
    """Durations, follow-up and tenure as pandas' ``total_seconds`` of the timestamps gives them:
    at nanosecond resolution where the column (churn date, index contact) has an empty value,
    else at microseconds (the two differ in the last bit for spans of years; decade-long tenures
    make sure some do)."""
    contacts, customers = _small_world()
    rng = np.random.default_rng(5)
    for i, c in enumerate(customers):
        c["acquired_at"] = f"20{10 + i % 9:02d}-0{1 + i % 9}-0{1 + i % 7}T0{i % 10}:{i % 60:02d}:"
        c["acquired_at"] += f"{int(rng.integers(60)):02d}.{int(rng.integers(10**6)):06d}Z"
        if not empty_churn and c["churned_at"] is None:
            c["churned_at"] = f"2026-0{1 + i % 9}-11T07:{i % 60:02d}:13.{i:06d}Z"
    if empty_churn:  # and an empty index contact: a customer who never got in touch
        customers.append({"customer_id": "K999", "acquired_at": "2020-01-01T00:00:00Z"})
    ds = cxroi.load_dataset(_write(tmp_path / "d", contacts, customers), cxroi.Config())
    cohort = build_cohort(ds, ())
    unit = "ns" if empty_churn else "us"
    frame = pd.DataFrame(customers).set_index("customer_id").loc[cohort.customer_ids]
    first = pd.DataFrame(contacts).sort_values(["started_at", "contact_id"])
    index_at = pd.to_datetime(
        first.groupby("customer_id")["started_at"].first().loc[cohort.customer_ids], utc=True
    )
    as_of = pd.Timestamp(ds.as_of)
    churned = pd.to_datetime(frame["churned_at"], utc=True, format="ISO8601").astype(f"datetime64[{unit}, UTC]")
    acquired = pd.to_datetime(frame["acquired_at"], utc=True, format="ISO8601").astype("datetime64[us, UTC]")
    index_at = index_at.astype(f"datetime64[{unit}, UTC]")
    event = (churned.notna() & (churned <= as_of)).to_numpy()
    end = churned.where(event, as_of)
    days = 86_400.0

    def same(got: pd.Series, want: pd.Series) -> None:
        assert np.array_equal(got.to_numpy().view(np.int64), want.to_numpy().view(np.int64))

    assert np.array_equal(cohort.frame["event"].to_numpy(), event)
    same(cohort.frame["duration"], (end - index_at).dt.total_seconds() / days)
    same(cohort.frame["followup"], (as_of - index_at).dt.total_seconds() / days)
    same(cohort.frame["tenure_days"], (index_at - acquired).dt.total_seconds() / days)
    if empty_churn:  # the us path divides differently for some of these spans
        micro = (index_at.astype("datetime64[us, UTC]") - acquired).dt.total_seconds() / days
        assert not np.array_equal(cohort.frame["tenure_days"].to_numpy(), micro.to_numpy())


# ----------------------------------------------------------------------------- settings
def test_settings_parse_defaults_and_problems() -> None:
    problems: list[Problem] = []
    s = parse_retention_settings(
        {
            "horizon_days": 180,
            "propensity_trim": [0.05, 0.95],
            "folds": 1,
            "bogus": 1,
            "propensity_model": "forest",
            "window_start": "2024-02-01T00:00:00Z",
            "covariates": ["x", "x", "tier"],
            "index_confounders": ["month", "intent"],
            "overlap_min_ess_share": "high",
        },
        problems,
    )
    assert s.horizon_days == 180 and (s.trim_low, s.trim_high) == (0.05, 0.95)
    assert s.covariates == ("x", "tier") and s.index_confounders == ("intent", "month")
    assert s.folds == 5 and s.propensity_model == "logistic" and s.overlap_min_ess_share == 0.30
    assert s.window_start is not None and s.window_start.month == 2
    rules = sorted((p.where, p.rule) for p in problems)
    assert rules == [
        ("retention.bogus", "unknown_key"),
        ("retention.folds", "out_of_range"),
        ("retention.overlap_min_ess_share", "wrong_type"),
        ("retention.propensity_model", "unknown_value"),
    ]
    assert parse_retention_settings({}, []) == RetentionSettings()
    assert RetentionSettings().index_confounders == ("intent", "channel", "month")
    more: list[Problem] = []
    off = parse_retention_settings(
        {"index_confounders": [], "covariates": "tier"}, more
    )
    assert off.index_confounders == () and off.covariates == ()
    bad: list[Problem] = []
    parse_retention_settings({"index_confounders": ["weather"]}, bad)
    assert [(p.where, p.rule) for p in more + bad] == [
        ("retention.covariates", "wrong_type"),
        ("retention.index_confounders", "unknown_value"),
    ]
