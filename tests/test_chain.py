"""Loyalty chain map: link statuses by hand, a hand-made dataset, the demo with tables removed."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import confint_proportions_2indep

import cxroi
from cxroi.analyses.chain import ChainSettings, link_status, map_chain
from cxroi.io.contract import AI_TOUCHPOINTS as TOUCHPOINTS
from cxroi.results.model.loyalty import LINKS, measures_of
from cxroi.analyses.panel import build_panel
from cxroi.demo import generate_demo
from cxroi.stats.result import CannotCompute, Estimate
from helpers import contact, customers_for, write_csv

POS, NEG, ZERO = Estimate(1.0, 0.5, 1.5), Estimate(-1.0, -1.5, -0.5), Estimate(0.1, -0.4, 0.6)
NONE = CannotCompute("no data")


@pytest.mark.parametrize(
    ("measures", "status"),
    [
        ({"a": POS}, "positive"),
        ({"a": NEG}, "negative"),
        ({"a": ZERO}, "inconclusive"),
        ({"a": POS, "b": ZERO, "c": NONE}, "positive"),
        ({"a": NEG, "b": NONE}, "negative"),
        ({"a": POS, "b": NEG}, "inconclusive"),  # measures disagree
        ({"a": NONE, "b": CannotCompute("other")}, "unknown"),
    ],
)
def test_link_status_rules(measures: dict[str, Any], status: str) -> None:
    got, note = link_status(measures)
    assert got == status
    if status == "unknown":
        assert note == "no data; other"


def _interval_status(low: float, high: float) -> str:
    return "positive" if low > 0 else "negative" if high < 0 else "inconclusive"


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """20 chatbot and 20 baseline contacts, 8 and 2 of them followed by a repeat (via IVR)."""
    folder = tmp_path_factory.mktemp("chain-hand")
    rows: list[dict[str, Any]] = []
    for i in range(20):
        tp_mode = [("chatbot", "ai_only"), ("none", "human_only")]
        for tp, mode in tp_mode:
            cust = f"{tp}{i:02d}"
            rows.append(
                contact(
                    f"{tp}-{i}",
                    cust,
                    f"2025-01-{i + 1:02d}T10:00:00Z",
                    mode,
                    channel="chat" if tp == "chatbot" else "voice",
                    touchpoint=tp,
                )
            )
            if (tp == "chatbot" and i < 8) or (tp == "none" and i < 2):
                rows.append(
                    contact(
                        f"{tp}-{i}-r",
                        cust,
                        f"2025-01-{i + 3:02d}T10:00:00Z",
                        "ai_only",
                        touchpoint="ivr",
                    )
                )
    rows.append(contact("last", "zz", "2025-03-31T10:00:00Z", "hybrid", touchpoint="agent_assist"))
    write_csv(folder / "contacts.csv", rows)
    write_csv(folder / "customers.csv", customers_for(rows))
    ces = {"chatbot": [2, 3, 3, 4, 2, 3, 5, 2], "none": [6, 7, 5, 6, 7, 6]}
    surveys = [
        {
            "survey_id": f"s-{tp}-{j}",
            "customer_id": f"{tp}{j:02d}",
            "contact_id": f"{tp}-{j}",
            "answered_at": "2025-03-31T12:00:00Z",
            "kind": "ces",
            "score": v,
        }
        for tp, values in ces.items()
        for j, v in enumerate(values)
    ]
    write_csv(folder / "surveys.csv", surveys)
    return folder, ces


def test_hand_made_links_match_independent_references(hand: tuple[Path, dict[str, Any]]) -> None:
    folder, ces = hand
    ds = cxroi.load_dataset(folder)
    chain = map_chain(ds, build_panel(ds), ChainSettings())
    links = dict(chain.touchpoints["chatbot"].links.items())
    effort = links["effort"].measures.ces
    ref = sps.ttest_ind(ces["chatbot"], ces["none"], equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert isinstance(effort, Estimate)
    assert (effort.estimate, effort.ci_low, effort.ci_high) == pytest.approx(
        (np.mean(ces["chatbot"]) - np.mean(ces["none"]), ci.low, ci.high), rel=1e-9
    )
    assert links["effort"].status == _interval_status(ci.low, ci.high) == "negative"
    fcr = links["resolution"].measures.fcr_7d
    low, high = confint_proportions_2indep(12, 20, 18, 20, method="newcomb", compare="diff")
    assert isinstance(fcr, Estimate)
    assert (fcr.estimate, fcr.ci_low, fcr.ci_high) == pytest.approx(
        (12 / 20 - 18 / 20, low, high), rel=1e-9
    )
    assert links["resolution"].status == _interval_status(low, high)
    # no CSAT/NPS answers and no sentiment columns: sentiment is unknown, and says why
    assert links["sentiment"].status == "unknown"
    assert "sentiment_start" in links["sentiment"].note
    assert links["behaviour"].status == "unknown"
    assert "customers.churned_at is absent" in links["behaviour"].note
    # touchpoints nobody used are unknown throughout, and listed as measurement priorities
    assert all(getattr(chain.touchpoints["proactive"].links, link).status == "unknown" for link in LINKS)
    prio = {(p.touchpoint, p.link) for p in chain.priorities}
    assert {("proactive", link) for link in LINKS} <= prio
    assert ("chatbot", "behaviour") in prio and ("chatbot", "effort") not in prio
    counts = chain.status_counts
    total = counts.positive + counts.negative + counts.inconclusive + counts.unknown
    assert total == len(TOUCHPOINTS) * len(LINKS)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("chain-demo")
    generate_demo(folder, contacts=20_000, seed=3)
    return folder


def test_demo_map_and_behaviour_brute_force(demo: Path) -> None:
    ds = cxroi.load_dataset(demo)
    chain = map_chain(ds, build_panel(ds), ChainSettings())
    for tp in ("chatbot", "voicebot", "ivr", "routing", "agent_assist"):
        assert all(getattr(chain.touchpoints[tp].links, link).status != "unknown" for link in LINKS)
    assert all(getattr(chain.touchpoints["proactive"].links, link).status == "unknown" for link in LINKS)
    # behaviour: share of customers retained 365 days after a chatbot index contact
    c = pd.read_parquet(demo / "contacts.parquet").sort_values(["started_at", "contact_id"])
    first = c.groupby("customer_id").head(1)
    as_of = c["started_at"].max()
    first = first[first["started_at"] <= as_of - pd.Timedelta(days=365)]
    cust = pd.read_parquet(demo / "customers.parquet").set_index("customer_id")
    churn = cust.loc[first["customer_id"], "churned_at"].to_numpy()
    retained = pd.isna(churn) | (churn > (first["started_at"] + pd.Timedelta(days=365)).to_numpy())
    bot = (first["touchpoint"] == "chatbot").to_numpy()
    base = ((first["touchpoint"] == "none") & (first["ai_mode"] == "human_only")).to_numpy()
    got = chain.touchpoints["chatbot"].links.behaviour.measures.retention
    assert isinstance(got, Estimate)
    assert got.estimate == pytest.approx(retained[bot].mean() - retained[base].mean(), rel=1e-12)
    assert got.n_a == bot.sum() and got.n_b == base.sum()


def test_removing_the_surveys_table_makes_effort_unknown(demo: Path, tmp_path: Path) -> None:
    for f in demo.glob("*.parquet"):
        if f.name != "surveys.parquet":
            shutil.copy(f, tmp_path / f.name)
    ds = cxroi.load_dataset(tmp_path)
    chain = map_chain(ds, build_panel(ds), ChainSettings())
    for tp in TOUCHPOINTS:
        effort = chain.touchpoints[tp].links.effort
        assert effort.status == "unknown"
        if tp != "proactive":
            assert effort.note == "the dataset has no surveys table"
            # sentiment still has a path: the sentiment shift in the contacts table
            assert chain.touchpoints[tp].links.sentiment.status != "unknown"
    assert {p.touchpoint for p in chain.priorities if p.link == "effort"} == set(TOUCHPOINTS)
