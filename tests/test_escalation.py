"""Escalation quality: brute force on the demo, interval coverage by simulation, absent data."""

from __future__ import annotations

import shutil
from datetime import timedelta
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import cxroi
from cxroi.analyses.escalation import (
    QUALITY_COMPONENTS,
    EscalationSettings,
    Sums,
    measure_escalation_quality,
    score,
)
from cxroi.demo import generate_demo
from cxroi.stats.result import CannotCompute, Estimate
from cxroi.stats.summary import Moments
from helpers import contact, customers_for, write_csv

BOTS = {"chatbot", "voicebot", "ivr"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("esc-demo")
    generate_demo(folder, contacts=20_000, seed=5)
    return folder


def _repeats(contacts: pd.DataFrame, days: int) -> pd.Series:
    """Naive: for each contact, look at the same customer's other contacts one by one.

    Only inbound contacts repeat or are repeated (metrics.md): the demo's call-backs are outbound.
    """
    out = pd.Series(False, index=contacts.index)
    limit = pd.Timedelta(days=days)
    inbound = contacts[contacts["direction"].fillna("inbound") == "inbound"]
    for _, rows in inbound.groupby("customer_id"):
        recs = list(rows[["started_at", "intent"]].itertuples())
        for c in recs:
            for o in recs:
                later = c.started_at < o.started_at <= c.started_at + limit
                same = c.intent is None or o.intent is None or c.intent == o.intent
                if later and same:
                    out[c.Index] = True
                    break
    return out


def _brute(folder: Path) -> dict[str, Any]:
    c = pd.read_parquet(folder / "contacts.parquet")
    c["intent"] = c["intent"].astype(object).where(c["intent"].notna(), None)
    as_of = c["started_at"].max()
    esc = (
        c["escalated"]
        .astype("boolean")
        .fillna((c["ai_mode"] == "hybrid") & c["touchpoint"].isin(BOTS))
        .astype(bool)
    )
    rep = _repeats(c, 7)
    e = c[esc].copy()
    eligible = e["started_at"] <= as_of - timedelta(days=7)
    s = pd.read_parquet(folder / "surveys.parquet")
    s = s[(s["kind"] == "csat") & s["contact_id"].notna()]
    csat = (s["score"] >= 4).groupby(s["contact_id"]).mean()
    qa = pd.read_parquet(folder / "qa_reviews.parquet").groupby("contact_id")["score"].mean() / 100
    comps = {
        "context_passed": e["handoff_context"].dropna().astype(float),
        "resolved_without_repeat": (~rep[e.index][eligible]).astype(float),
        "post_escalation_csat": csat[csat.index.isin(e["contact_id"])],
        "qa_score": qa[qa.index.isin(e["contact_id"])],
    }
    means = {k: float(v.mean()) for k, v in comps.items()}
    return {"n": int(esc.sum()), "means": means, "score": float(np.mean(list(means.values())))}


def test_score_and_components_match_a_brute_force_computation(demo: Path) -> None:
    ds = cxroi.load_dataset(demo)
    res = measure_escalation_quality(ds, EscalationSettings())
    ref = _brute(demo)
    assert res.escalated_contacts == ref["n"]
    for name in QUALITY_COMPONENTS:
        got = getattr(res.components, name)
        assert isinstance(got, Estimate)
        assert got.estimate == pytest.approx(ref["means"][name], abs=1e-6)
    assert isinstance(res.score, Estimate)
    assert res.score.estimate == pytest.approx(ref["score"], abs=1e-6)
    assert res.components_used == QUALITY_COMPONENTS
    # the monthly and touchpoint views add up to the whole
    assert sum(m.escalated_contacts for m in res.monthly) == ref["n"]
    assert set(res.by_touchpoint) == {"chatbot", "voicebot", "ivr"}


def _sums(x: np.ndarray) -> Sums:
    """Sufficient statistics of a contacts x components array (NaN = missing), in numpy."""
    single = {}
    for i, c in enumerate(QUALITY_COMPONENTS):
        v = x[:, i][~np.isnan(x[:, i])]
        single[c] = Moments(v.size, float(v.sum()), float((v * v).sum()))
    pairs = {}
    for (i, a), (j, b) in combinations(enumerate(QUALITY_COMPONENTS), 2):
        both = ~np.isnan(x[:, i]) & ~np.isnan(x[:, j])
        xa, xb = x[both, i], x[both, j]
        pairs[(a, b)] = (int(both.sum()), float(xa.sum()), float(xb.sum()), float((xa * xb).sum()))
    return Sums(x.shape[0], single, pairs)


def _draw(rng: np.random.Generator, n: int) -> np.ndarray:
    # one latent "handoff went well" drives all four components: strongly correlated
    z = rng.normal(size=n)
    x = np.column_stack(
        [
            (z + rng.normal(size=n) > -0.5).astype(float),
            (z + rng.normal(size=n) > -0.8).astype(float),
            (z + rng.normal(size=n) > -0.3).astype(float),
            np.clip(0.75 + 0.08 * z + rng.normal(0, 0.05, n), 0, 1),
        ]
    )
    present = rng.random((n, 4)) < np.array([0.9, 0.95, 0.3, 0.2])
    return np.where(present, x, np.nan)


def test_interval_covers_the_planted_score_at_the_nominal_rate() -> None:
    rng = np.random.default_rng(20240601)
    big = _draw(rng, 2_000_000)
    truth = float(np.mean(np.nanmean(big, axis=0)))
    weights = {c: 1.0 for c in QUALITY_COMPONENTS}
    hits, estimates, ses = 0, [], []
    for _ in range(400):
        q = score(_sums(_draw(rng, 400)), weights, {}, 10)
        assert isinstance(q.score, Estimate) and q.score.se is not None
        hits += q.score.ci_low <= truth <= q.score.ci_high  # type: ignore[operator]
        estimates.append(q.score.estimate)
        ses.append(q.score.se)
    coverage = hits / 400
    assert 0.92 <= coverage <= 0.98, coverage
    assert abs(np.mean(estimates) - truth) < 0.002  # unbiased
    # the analytic SE (with covariances) matches the spread of the estimates
    assert np.mean(ses) == pytest.approx(np.std(estimates, ddof=1), rel=0.1)


def test_weights_and_left_out_components_renormalise() -> None:
    rng = np.random.default_rng(1)
    s = _sums(_draw(rng, 500))
    q = score(
        s,
        {
            "context_passed": 3.0,
            "resolved_without_repeat": 1.0,
            "post_escalation_csat": 0.0,
            "qa_score": 1.0,
        },
        {"qa_score": "no qa"},
        10,
    )
    assert q.used == ("context_passed", "resolved_without_repeat")
    assert isinstance(q.score, Estimate)
    means = {c: s.single[c].total / s.single[c].n for c in q.used}
    assert q.score.estimate == pytest.approx(
        0.75 * means["context_passed"] + 0.25 * means["resolved_without_repeat"]
    )
    assert isinstance(q.components.qa_score, CannotCompute)


def test_absent_qa_table_and_handoff_column_are_reasons(demo: Path, tmp_path: Path) -> None:
    for f in demo.glob("*.parquet"):
        if f.name != "qa_reviews.parquet":
            shutil.copy(f, tmp_path / f.name)
    contacts = pd.read_parquet(tmp_path / "contacts.parquet").drop(columns=["handoff_context"])
    contacts.to_parquet(tmp_path / "contacts.parquet", index=False)
    res = measure_escalation_quality(cxroi.load_dataset(tmp_path), EscalationSettings())
    qa, context = res.components.qa_score, res.components.context_passed
    assert isinstance(qa, CannotCompute) and "qa_reviews" in qa.reason
    assert isinstance(context, CannotCompute) and "handoff_context" in context.reason
    assert res.components_used == ("resolved_without_repeat", "post_escalation_csat")
    assert isinstance(res.score, Estimate)
    assert res.score.weights == {"resolved_without_repeat": 0.5, "post_escalation_csat": 0.5}


def test_no_escalated_contacts_gives_null_with_a_reason(tmp_path: Path) -> None:
    rows = [contact(f"c{i}", f"k{i % 3}", f"2025-01-{i + 1:02d}T10:00:00Z") for i in range(9)]
    write_csv(tmp_path / "contacts.csv", rows)
    write_csv(tmp_path / "customers.csv", customers_for(rows))
    out = measure_escalation_quality(cxroi.load_dataset(tmp_path), EscalationSettings())
    assert isinstance(out.score, CannotCompute) and "no escalated contacts" in out.score.reason
    assert out.escalated_contacts == 0 and out.monthly == ()
