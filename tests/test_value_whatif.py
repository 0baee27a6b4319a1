"""What if we stopped AI, against answers computed by hand and by an independent pandas brute force.

- A small synthetic centre (``whatif_centre``) with known answers: intent x channel
  standardisation with the thin-cell fallback, repeats netted both ways (AI worse and AI better
  than humans in the same cell), the hybrid share, CES standardisation, annualisation.
- The demo data: the whole cost, handle-time and avoided-repeat arithmetic re-done in pandas
  (self-join repeats, cell means, fallback), sharing no code with the product.
- The customer-clustered cell sums of the engine query against pandas.
- Assumption uncertainty: wider priors give wider intervals, fixed inputs none; determinism.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import cxroi
from cxroi.analyses.value import queries as q
from cxroi.analyses.value.settings import Triangular, WhatIfSettings
from cxroi.analyses.value.what_if import what_if_stopped
from cxroi.analyses.value.what_if_data import load_what_if_data
from cxroi.demo import generate_demo
from cxroi.results.codec import canonical, encode
from cxroi.results.model.money import Basis, Evidence, Figure, RevenueProtected
from cxroi.results.model.scenario import WhatIfResult
from cxroi.stats.result import CannotCompute
from whatif_centre import Centre, hand_answers, hand_centre

AS_OF = datetime(2025, 12, 31, tzinfo=UTC)
S, F = 0.4, 0.75
FIXED = WhatIfSettings(
    hybrid_ai_share=Triangular.fixed(S),
    failure_repeat_share=Triangular.fixed(F),
    shrinkage=Triangular.fixed(0.3),
    patience_seconds=Triangular.fixed(180.0),
    staffing_draws=20,
)
# revenue protected as run_value passes it on (the what-if reports it, unchanged, as lost)
PROTECTED = RevenueProtected(
    1000.0,
    500.0,
    1500.0,
    method="stand-in",
    evidence=Evidence.ADJUSTED,
    horizon_months=12,
    basis=Basis.ATT,
    margin_applied=False,
    customers=40,
    trimmed_customers=0,
    trimmed_weight_share=0.0,
    top10_variance_share=0.5,
)


def run(ds: cxroi.Dataset, settings: WhatIfSettings, draws: int = 400, seed: int = 1) -> Any:
    exact = cxroi.compute_exact_metrics(ds)
    assert exact.enriched is not None
    data = load_what_if_data(ds, exact.enriched, settings.live_channels)
    return what_if_stopped(data, settings, PROTECTED, draws, np.random.default_rng(seed))


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> cxroi.Dataset:
    folder = hand_centre().write(tmp_path_factory.mktemp("whatif") / "hand")
    return cxroi.load_dataset(folder, cxroi.Config(as_of=AS_OF))


@pytest.fixture(scope="module")
def hand_result(hand: cxroi.Dataset) -> WhatIfResult:
    result, _ = run(hand, FIXED)
    assert isinstance(result, WhatIfResult)
    return result


def est(x: object) -> Figure:
    assert isinstance(x, Figure), x
    return x


def test_hand_centre_cost_hours_repeats_and_effort(hand_result: WhatIfResult) -> None:
    want = hand_answers(S, F)
    r = hand_result
    assert est(r.extra_cost).estimate == pytest.approx(want["cost"], rel=1e-9)
    assert est(r.extra_handle_hours).estimate == pytest.approx(want["hours"], rel=1e-9)
    assert not isinstance(r.volume, CannotCompute)
    assert est(r.volume.avoided_repeats).estimate == pytest.approx(want["avoided"], rel=1e-9)
    assert r.volume.ai_only_contacts == pytest.approx(want["ai_only"])
    assert r.volume.hybrid_contacts == pytest.approx(want["hybrid"])
    assert not isinstance(r.effort, CannotCompute)
    assert est(r.effort.ces_ai_assisted_today).estimate == pytest.approx(want["ces_ai"])
    assert est(r.effort.ces_with_humans).estimate == pytest.approx(want["ces_human"], rel=1e-9)
    assert est(r.effort.difference).evidence == "descriptive_comparison"
    assert r.period.months == 11 and r.period.annualised
    assert r.revenue_protected_lost == PROTECTED


def test_pricing_levels(hand_result: WhatIfResult) -> None:
    levels = {(p.statistic, p.level): p.share for p in hand_result.pricing}
    # billing/chat (50 of 400 AI-assisted contacts) is priced at the chat channel's mean
    assert levels[("cost", "channel")] == pytest.approx(50 / 400)
    assert levels[("cost", "intent_x_channel")] == pytest.approx(350 / 400)
    # no human CES on chat at all: both chat cells use every human answer
    assert levels[("ces", "all_human")] == pytest.approx(250 / 400)


def test_fixed_inputs_and_constant_costs_leave_no_uncertainty(hand_result: WhatIfResult) -> None:
    # every human cell has a constant cost, so the only uncertainty is in the repeat rates
    cost = est(hand_result.extra_cost)
    assert cost.ci_low is not None and cost.ci_high is not None
    assert cost.ci_low <= cost.estimate <= cost.ci_high
    assert cost.unit == "money" and cost.horizon_months == 12 and cost.evidence == "assumption"


def test_assumption_priors_are_in_the_interval(tmp_path: Path) -> None:
    # No repeats and constant costs: with every assumption fixed nothing is uncertain; with the
    # default priors the hybrid share alone makes the interval.
    c = Centre()
    for i in range(40):
        c.add("billing", "voice", "human_only", 8.0, 600.0, c.spread(i))
    for i in range(50):
        c.add("billing", "voice", "ai_only", 0.5, 100.0, c.spread(40 + i))
    for i in range(20):
        c.add("billing", "voice", "hybrid", 4.0, 500.0, c.spread(90 + i))
    ds = cxroi.load_dataset(c.write(tmp_path / "c"), cxroi.Config(as_of=AS_OF))
    fixed, _ = run(ds, FIXED)
    wide, _ = run(ds, WhatIfSettings(staffing_draws=20), draws=4000)
    a, b = est(fixed.extra_cost), est(wide.extra_cost)
    assert a.ci_low == pytest.approx(a.estimate) and a.ci_high == pytest.approx(a.estimate)
    # hybrid share triangular(0.25, 0.5, 0.75) times 20 x (8 - 4), annualised 12 / 11: its
    # 2.5% quantile is 0.25 + sqrt(0.025 x 0.5 x 0.25) (Monte Carlo SE of that quantile with
    # 4000 draws: about 0.25 in money)
    spread = 12 / 11 * 20 * 4.0
    moved = 12 / 11 * 50 * 7.5
    assert b.estimate == pytest.approx(moved + 0.5 * spread)
    assert b.ci_low == pytest.approx(moved + (0.25 + np.sqrt(0.025 * 0.125)) * spread, abs=1.5)
    assert b.ci_high == pytest.approx(moved + (0.75 - np.sqrt(0.025 * 0.125)) * spread, abs=1.5)


def test_staffing_reconciles_with_the_agents_table(
    hand: cxroi.Dataset, hand_result: WhatIfResult
) -> None:
    staffing = hand_result.staffing
    assert not isinstance(staffing, CannotCompute)
    contacts = hand.tables["contacts"].execute()
    months = contacts["started_at"].dt.strftime("%Y-%m").value_counts().sort_index()
    assert staffing.design_month == months[months == months.max()].index.max()
    month = staffing.design_month
    before, june = month < "2025-06", month == "2025-06"
    assert staffing.staffed_headcount == (6 if before or june else 5)
    average = 5.5 if june else (6 if before else 5)
    assert staffing.staffed_average_headcount == pytest.approx(average)
    a = staffing.erlang_a
    today = est(a.fte_today).estimate
    extra = est(a.extra_fte).estimate
    avg = staffing.staffed_average_headcount
    assert avg is not None
    assert est(a.staffed_per_modelled_fte).estimate == pytest.approx(avg / today)
    assert est(a.extra_share_of_staffed).estimate == pytest.approx(extra / avg)
    assert est(a.extra_headcount_at_staffed_ratio).estimate == pytest.approx(extra * avg / today)
    assert f"agents table shows {staffing.staffed_headcount} agents" in staffing.explanation
    # email is work, not a queue
    assert [qd.channel for qd in staffing.queues] == ["chat", "voice"]
    assert [w.channel for w in staffing.workloads] == ["email"]


def test_json_layout_of_the_what_if(hand_result: WhatIfResult) -> None:
    # value.what_if_stopped in results.json (results-contract.md: extra_cost, extra_agents,
    # revenue_protected_lost, ...), as the pipeline writes it (the canonical tree)
    block = encode(canonical(hand_result))
    assert block["extra_cost"]["estimate"] == est(hand_result.extra_cost).estimate
    assert block["extra_cost"]["unit"] == "money"
    staffing = hand_result.staffing
    assert not isinstance(staffing, CannotCompute)
    # the headline agents: extra FTE by Erlang A (abandonment), the realistic of the two models
    assert block["extra_agents"]["unit"] == "fte"
    assert block["extra_agents"]["estimate"] == est(staffing.erlang_a.extra_fte).estimate
    assert block["period"] == {
        "first_month": "2025-01", "last_month": "2025-11", "months": 11, "annualised": True
    }
    assert block["revenue_protected_lost"]["estimate"] == 1000.0
    assert block["revenue_protected_lost"]["unit"] == "money"
    assert {"effort", "staffing", "pricing", "monthly", "volume", "period"} <= set(block)
    # without staffing (no live channel) extra_agents is null with the reason beside it
    quiet = dataclasses.replace(hand_result, staffing=CannotCompute("no live channel"))
    out = encode(quiet)
    assert out["extra_agents"] is None and out["extra_agents_note"] == "no live channel"


def test_deterministic(hand: cxroi.Dataset) -> None:
    a, sa = run(hand, WhatIfSettings(staffing_draws=20), seed=5)
    b, sb = run(hand, WhatIfSettings(staffing_draws=20), seed=5)
    c, _ = run(hand, WhatIfSettings(staffing_draws=20), seed=6)
    assert a == b
    assert np.array_equal(sa.values, sb.values)
    assert a != c


def test_no_ai_or_no_humans_give_reasons(tmp_path: Path) -> None:
    only_humans = Centre()
    for i in range(40):
        only_humans.add("billing", "voice", "human_only", 5.0, 300.0, only_humans.spread(i))
    ds = cxroi.load_dataset(only_humans.write(tmp_path / "h"))
    result, series = run(ds, FIXED)
    assert isinstance(result, CannotCompute) and "no AI-handled" in result.reason
    assert isinstance(series, CannotCompute)

    only_ai = Centre()
    for i in range(40):
        only_ai.add("billing", "chat", "ai_only", 0.5, 60.0, only_ai.spread(i))
    ds = cxroi.load_dataset(only_ai.write(tmp_path / "a"))
    result, _ = run(ds, FIXED)
    assert isinstance(result, CannotCompute) and "human" in result.reason


# ------------------------------------------------------------------ pandas brute force on the demo
def brute_force(folder: Path, s: float, f: float, min_cell: int = 30) -> dict[str, float]:
    c = pd.read_parquet(folder / "contacts.parquet")
    c["started_at"] = pd.to_datetime(c["started_at"], utc=True)
    as_of = c["started_at"].max()
    # the scenario moves inbound AI volume; outbound contacts are never repeats (metrics.md)
    if "direction" in c.columns:
        c = c[c["direction"].isna() | (c["direction"] == "inbound")].copy()
    pair = c[["contact_id", "customer_id", "started_at", "intent"]].merge(
        c[["customer_id", "started_at", "intent"]], on="customer_id", suffixes=("", "_next")
    )
    later = pair["started_at_next"] > pair["started_at"]
    within = pair["started_at_next"] <= pair["started_at"] + pd.Timedelta(days=7)
    same = (
        pair["intent"].isna()
        | pair["intent_next"].isna()
        | (pair["intent"] == pair["intent_next"])
    )
    repeated = set(pair.loc[later & within & same, "contact_id"])
    c["repeat"] = c["contact_id"].isin(repeated)
    c["eligible"] = c["started_at"] <= as_of - pd.Timedelta(days=7)
    c["month"] = c["started_at"].dt.strftime("%Y-%m")
    window = sorted(c["month"].unique())[-12:]
    w = c[c["month"].isin(window)].copy()
    w["intent"] = w["intent"].fillna("(no intent)")
    human = w[w["ai_mode"] == "human_only"]

    def reference(intent: str, channel: str, value: str, size: str) -> float:
        for part in (
            human[(human["intent"] == intent) & (human["channel"] == channel)],
            human[human["channel"] == channel],
            human,
        ):
            rows = part[part["eligible"]] if value == "repeat" else part
            if len(rows) >= min_cell or part is human:
                return float(rows[value].mean())
        raise AssertionError

    ai = w[w["ai_mode"] == "ai_only"]
    hy = w[w["ai_mode"] == "hybrid"]
    cost = hours = avoided = 0.0
    for (intent, channel), cell in pd.concat([ai, hy]).groupby(["intent", "channel"]):
        c_h = reference(intent, channel, "cost", "n")
        h_h = reference(intent, channel, "handle_seconds", "n")
        r_h = reference(intent, channel, "repeat", "eligible")
        a = cell[cell["ai_mode"] == "ai_only"]
        y = cell[cell["ai_mode"] == "hybrid"]
        elig = a[a["eligible"]]
        x = (elig["repeat"].mean() - r_h) if len(elig) else 0.0
        cost += len(a) * c_h - a["cost"].sum() + s * (len(y) * c_h - y["cost"].sum())
        cost -= f * len(a) * x * c_h
        seconds = len(a) * h_h + s * (len(y) * h_h - y["handle_seconds"].sum())
        hours += (seconds - f * len(a) * x * h_h) / 3600
        avoided += f * len(a) * x
    return {"cost": cost, "hours": hours, "avoided": avoided}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("whatif-demo") / "demo"
    generate_demo(folder, contacts=20_000, seed=11)
    return folder


def test_demo_matches_pandas_brute_force(demo: Path) -> None:
    ds = cxroi.load_dataset(demo)
    result, series = run(ds, FIXED, draws=200)
    want = brute_force(demo, S, F)
    assert est(result.extra_cost).estimate == pytest.approx(want["cost"], rel=1e-9)
    assert est(result.extra_handle_hours).estimate == pytest.approx(want["hours"], rel=1e-9)
    assert est(result.volume.avoided_repeats).estimate == pytest.approx(want["avoided"], rel=1e-9)
    # the monthly series the ROI counts adds up to the 12-month figure
    last12 = [series.months.index(m) for m in series.months[-12:]]
    assert series.values[0, last12].sum() == pytest.approx(want["cost"], rel=1e-9)


def test_clustered_sums_match_pandas(demo: Path) -> None:
    ds = cxroi.load_dataset(demo)
    exact = cxroi.compute_exact_metrics(ds)
    assert exact.enriched is not None
    keys = ("channel", "ai_mode", "inbound")
    frame = q.clustered_cell_sums(q.what_if_contacts(exact.enriched), None, keys)
    c = pd.read_parquet(demo / "contacts.parquet")
    c["inbound"] = c["direction"].isna() | (c["direction"] == "inbound")
    per = c.groupby(["channel", "ai_mode", "inbound", "customer_id"]).agg(
        n=("cost", "size"), cost=("cost", "sum")
    )
    want = per.groupby(["channel", "ai_mode", "inbound"]).apply(
        lambda g: pd.Series(
            {
                "customers": len(g),
                "n": g["n"].sum(),
                "cost": g["cost"].sum(),
                "cost_sq": (g["cost"] ** 2).sum(),
                "cost_x_n": (g["cost"] * g["n"]).sum(),
                "n_sq": (g["n"] ** 2).sum(),
            }
        )
    )
    got = frame.set_index(["channel", "ai_mode", "inbound"])
    for key, row in want.iterrows():
        for col in row.index:
            assert got.loc[key, col] == pytest.approx(row[col], rel=1e-9), (key, col)


def test_nested_clustered_sums_are_the_separate_queries(demo: Path) -> None:
    """One query for the three key sets gives exactly the frames of three queries."""
    ds = cxroi.load_dataset(demo)
    exact = cxroi.compute_exact_metrics(ds)
    assert exact.enriched is not None
    contacts = q.what_if_contacts(exact.enriched)
    surveys = ds.tables["surveys"] if ds.has("surveys") else None
    key_sets = (q.WHAT_IF_CELL, ("channel", "ai_mode", "inbound"), ("ai_mode", "inbound"))
    got = q.clustered_cell_sums_nested(contacts, surveys, key_sets)
    for keys, frame in zip(key_sets, got, strict=True):
        pd.testing.assert_frame_equal(frame, q.clustered_cell_sums(contacts, surveys, keys))
