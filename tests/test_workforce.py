"""Workforce: turnover rates and tenure by hand and against pandas on the demo, exact Poisson
intervals against published values, settings parsing, and the demo's planted novice uplift from
AI assistance recovered within its interval (handle time), with no novice/experienced gap in
resolution (none planted)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import cxroi
from cxroi.analyses.value.att_queries import CLUSTER
from cxroi.analyses.workforce.assist import RESOLVED, _units
from cxroi.analyses.workforce.run import run_workforce
from cxroi.analyses.workforce.settings import WorkforceSettings, parse_workforce_settings
from cxroi.results.model.workforce import AssistEffects, WorkforceResult
from cxroi.results.model.money import Evidence
from cxroi.analyses.workforce.turnover import poisson_rate, turnover
from cxroi.demo import generate_demo
from cxroi.errors import Problem
from cxroi.metrics.exact import compute_exact_metrics
from cxroi.stats.result import CannotCompute, Estimate
from reference_metrics import has_repeat, is_inbound

N = 60_000


def ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz="UTC")


def test_exact_poisson_interval_matches_published_values() -> None:
    # Garwood intervals for 0 and 5 events (e.g. Ulm 1990's table): [0, 3.689], [1.623, 11.668]
    assert poisson_rate(0, 1.0)[1:] == pytest.approx((0.0, 3.6889), abs=1e-4)
    assert poisson_rate(5, 1.0)[1:] == pytest.approx((1.6235, 11.6683), abs=1e-4)
    assert poisson_rate(5, 2.5) == pytest.approx((2.0, 1.6235 / 2.5, 11.6683 / 2.5), abs=1e-4)


def test_turnover_and_tenure_by_hand() -> None:
    start, end = ts("2024-01-01"), ts("2025-01-01")  # 366 days
    agents = pd.DataFrame(
        {
            "agent_id": ["A1", "A2", "A3", "A4"],
            "hired_at": [ts("2020-01-01"), ts("2023-06-01"), ts("2024-08-01"), ts("2024-03-01")],
            "left_at": [pd.NaT, ts("2024-07-01"), pd.NaT, ts("2024-05-01")],
            "leave_reason": [None, "voluntary", None, "involuntary"],
        }
    )
    got = turnover(agents, start, end, novice_months=6, min_cell=10)
    assert not isinstance(got, CannotCompute)
    days = 366 + 182 + 153 + 61  # A1 all year, A2 to July, A3 from August, A4 March-May
    assert got.agent_years == pytest.approx(days / 365.25)
    rates = {r.kind: r for r in got.rates}
    assert rates["all"].leavers == 2 and rates["voluntary"].leavers == 1
    assert rates["all"].rate.estimate == pytest.approx(2 / (days / 365.25))
    assert "reason_not_given" not in rates
    assert (got.headcount_start, got.headcount_end) == (2, 2)
    bands = {b.label: b.agents for b in got.tenure.bands}
    assert bands["0-6 months"] == 1 and bands["60+ months"] == 1  # A3 five months in, A1 five years
    early = got.tenure.early_leaver_share
    assert isinstance(early, Estimate) and early.estimate == pytest.approx(0.5)  # A4 left in 2 m


def test_settings_are_parsed_with_every_problem_collected() -> None:
    problems: list[Problem] = []
    got = parse_workforce_settings({"novice_months": 3}, problems)
    assert got == WorkforceSettings(novice_months=3) and problems == []
    got = parse_workforce_settings(
        {"novice_months": 0, "resolution_window_days": True, "nope": 1}, problems
    )
    assert got == WorkforceSettings()
    assert sorted(p.rule for p in problems) == ["bad_value", "bad_value", "unknown_key"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any, WorkforceResult]:
    folder = tmp_path_factory.mktemp("wf") / "demo"
    truths = generate_demo(folder, contacts=N, seed=5)
    return folder, truths, run_workforce(cxroi.load_dataset(folder), WorkforceSettings())


def test_novice_uplift_recovers_the_planted_effect(demo: Any) -> None:
    _, truths, result = demo
    assist = result.assist
    assert isinstance(assist, AssistEffects)
    for g in assist.groups:
        sec, rel = g.handle_seconds, g.handle_relative
        assert isinstance(sec, Estimate) and isinstance(rel, Estimate)
        assert sec.ci_low <= truths.assist_handle_effect_seconds[g.group] <= sec.ci_high, g.group
        assert rel.ci_low <= truths.assist_handle_effect_relative[g.group] <= rel.ci_high, g.group
        assert sec.evidence is Evidence.ADJUSTED
    gap = assist.handle_relative_gap
    planted = (
        truths.assist_handle_effect_relative["novice"]
        - truths.assist_handle_effect_relative["experienced"]
    )
    assert isinstance(gap, Estimate) and gap.ci_low <= planted <= gap.ci_high
    assert gap.ci_high < 0  # novices gain clearly more
    fcr_gap = assist.resolution_gap
    assert isinstance(fcr_gap, Estimate)
    assert fcr_gap.ci_low <= truths.assist_resolution_gap_novice_minus_experienced <= fcr_gap.ci_high


def test_turnover_matches_pandas_on_the_demo(demo: Any) -> None:
    folder, _, result = demo
    agents = pd.read_parquet(folder / "agents.parquet")
    contacts = pd.read_parquet(folder / "contacts.parquet", columns=["started_at"])
    start, end = contacts["started_at"].min(), contacts["started_at"].max()
    hired = agents["hired_at"].clip(lower=start)
    left = agents["left_at"].fillna(end).clip(upper=end)
    years = ((left - hired).dt.total_seconds().clip(lower=0) / 86400 / 365.25).sum()
    leavers = agents["left_at"].between(start, end, inclusive="right")
    got = result.turnover
    assert got.agent_years == pytest.approx(years, rel=1e-9)
    rates = {r.kind: r for r in got.rates}
    assert rates["all"].leavers == int(leavers.sum())
    vol = int((leavers & (agents["leave_reason"] == "voluntary")).sum())
    assert rates["voluntary"].rate.estimate == pytest.approx(vol / years, rel=1e-9)
    employed = (agents["hired_at"] <= end) & (agents["left_at"].isna() | (agents["left_at"] > end))
    assert got.tenure.employed_at_end == int(employed.sum())
    assert sum(b.agents for b in got.tenure.bands) == int(employed.sum())
    assert np.isfinite(got.tenure.median_months)


def _brute_force_resolution(ds: Any, window: int) -> tuple[pd.DataFrame, int]:
    """Per agent: eligible assisted or human-only contacts and those not repeated within
    ``window`` days, the repeat searched among all the customer's contacts (reference_metrics's
    has_repeat); and how many of them only a contact without an agent repeats."""
    frame = ds.tables["contacts"].to_pandas()
    frame = frame.astype(object).where(frame.notna(), None)
    rows = [{**r, "started_at": r["started_at"].to_pydatetime()} for r in frame.to_dict("records")]
    by_customer: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_customer.setdefault(r["customer_id"], []).append(r)
    agents = set(ds.tables["agents"].agent_id.to_pandas())
    cut = ds.as_of - timedelta(days=window)
    kept, only_via_others = [], 0
    for r in rows:
        if r["agent_id"] not in agents or not (is_inbound(r) and r["started_at"] <= cut):
            continue
        assisted = r["touchpoint"] == "agent_assist" or r["ai_mode"] == "hybrid"
        if not (assisted or r["ai_mode"] == "human_only"):
            continue
        mine = by_customer[r["customer_id"]]
        repeat = has_repeat(r, mine, window)
        with_agent = [o for o in mine if o["agent_id"] is not None]
        only_via_others += repeat and not has_repeat(r, with_agent, window)
        kept.append({"agent_id": r["agent_id"], "resolved": 0.0 if repeat else 1.0})
    expected = pd.DataFrame(kept).groupby("agent_id")["resolved"].agg(["size", "sum"])
    return expected, only_via_others


def test_resolution_counts_repeats_through_any_channel(demo: Any) -> None:
    # an agent's contact followed by the customer's bot contact on the same intent is a repeat
    folder, _, _ = demo
    ds = cxroi.load_dataset(folder)
    window = WorkforceSettings().resolution_window_days
    expected, only_via_others = _brute_force_resolution(ds, window)
    assert only_via_others > 0  # the case an agent-only repeat search would miss
    reused = compute_exact_metrics(ds).enriched
    for enriched in (reused, None):  # ExactMetrics's repeat flags, or detected here
        units = _units(ds, WorkforceSettings().novice_months, window, True, enriched)
        got = units.to_pandas().groupby(CLUSTER)[RESOLVED].agg(["size", "sum"])
        pd.testing.assert_frame_equal(got.sort_index(), expected.sort_index(), check_names=False)
