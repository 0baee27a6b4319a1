"""run_value end to end on the demo, fed the real retention result: planted truths (lifetimes,
churn hazards, win rates, revenue protected), numpy/pandas brute force for revenue protected and
the per-customer views, the JSON layout of the typed section (contract keys, strict read-back),
determinism to the byte and no ids in the output. Refusals for absent tables are tested on a
tiny dataset in test_value_pillars."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pytest

import cxroi
from cxroi.analyses.retention.result import RetentionResult
from cxroi.analyses.retention.revenue import RestrictedMeanScores
from cxroi.analyses.retention.run import run_retention
from cxroi.analyses.value.run import run_value
from cxroi.analyses.value.settings import ValueSettings, parse_value_settings
from cxroi.demo import DemoTruths, generate_demo
from cxroi.demo._population import draw_population
from cxroi.demo._risk_truth import current_hazard
from cxroi.errors import Problem
from cxroi.results.codec import canonical, decode, encode
from cxroi.results.files import dumps_json as dumps
from cxroi.results.model.money import Basis, Evidence, LinkVerdict, RevenueProtected
from cxroi.results.model.value import (
    ClvEstimate,
    GeneratedRevenue,
    LifetimeSensitivity,
    RetainedRevenue,
    RevenueAtRisk,
    ValueSection,
)
from cxroi.results.refs import parse
from cxroi.stats.result import CannotCompute, Estimate, Unit

N = 30_000
SEED = 7
MARGIN = 0.3


def _settings() -> ValueSettings:
    problems: list[Problem] = []
    # the margin configured, so the section also carries revenue protected at margin
    s = parse_value_settings({"margin": MARGIN, "monte_carlo_draws": 4000}, problems)
    assert problems == []
    return s


SETTINGS = _settings()


class Run(NamedTuple):
    folder: Path
    truths: DemoTruths
    ds: cxroi.Dataset
    retention: RetentionResult
    section: ValueSection


def analyse(ds: cxroi.Dataset) -> tuple[RetentionResult, ValueSection]:
    """Retention, then value, as the pipeline chains them (default settings otherwise)."""
    retention = run_retention(ds)
    return retention, run_value(ds, cxroi.compute_exact_metrics(ds), retention, SETTINGS)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    folder = tmp_path_factory.mktemp("value") / "demo"
    truths = generate_demo(folder, contacts=N, seed=SEED)
    ds = cxroi.load_dataset(folder)
    retention, section = analyse(ds)
    return Run(folder, truths, ds, retention, section)


def planted_hazards() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Daily churn hazard now, monthly revenue, and 'active at the end', from the generator."""
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence([SEED, N]).spawn(8)]
    pop = draw_population(streams[0], N)
    hazard = current_hazard(pop)  # the generator's own hazard, exposure applied
    return hazard, pop.monthly_revenue, ~np.isfinite(pop.churn_days)


def _covers(est: Estimate, truth: float) -> bool:
    assert est.ci_low is not None and est.ci_high is not None
    return est.ci_low < truth < est.ci_high


def test_clv_covers_the_planted_lifetime_value(run: Run) -> None:
    hazard, revenue, active = planted_hazards()
    keep = np.exp(-hazard[active] * 365.25 / 12) / (1.1 ** (1 / 12))
    truth = MARGIN * np.mean(revenue[active] * keep / (1 - keep))
    clv = run.section.clv
    assert isinstance(clv, ClvEstimate)
    assert _covers(clv, truth)
    assert clv.n == int(active.sum())
    assert (clv.evidence, clv.basis, clv.horizon_months) == (
        Evidence.EXTRAPOLATION, Basis.LIFETIME_VALUE, None
    )


def test_revenue_at_risk_covers_the_planted_12_month_loss(run: Run) -> None:
    risk = run.section.risk
    assert isinstance(risk, RevenueAtRisk)
    assert _covers(risk.total, run.truths.revenue_at_risk_12m)
    assert (risk.total.horizon_months, risk.total.margin_applied) == (12, False)
    assert risk.total.basis is Basis.EXPECTED_LOSS
    parts = [link.attributable.estimate for link in risk.links]
    assert len(parts) == 3  # unresolved_ai, high_effort, negative_sentiment
    assert risk.ordinary.estimate + sum(parts) == pytest.approx(risk.total.estimate, rel=1e-9)
    assert risk.chain_weakness.estimate == pytest.approx(sum(parts), rel=1e-9, abs=1e-6)
    # the demo plants no link effect: an interval that covers zero must say so
    assert set(run.truths.revenue_at_risk_link_effects.values()) == {0.0}
    for link in risk.links:
        a = link.attributable
        assert a.ci_low is not None and a.ci_high is not None
        covers = a.ci_low <= 0 <= a.ci_high
        assert (link.verdict is LinkVerdict.NO_CLEAR_LINK_EFFECT) == covers, link.link
    model = risk.diagnostics
    assert 0.5 < model.auc_out_of_fold < 1
    # the timing rule (constant hazard within the year) predicts the months lost it observes
    assert model.months_lost_predicted == pytest.approx(model.months_lost_observed, rel=0.1)
    # the headline view is the same figure
    assert run.section.revenue_at_risk == risk.total


def test_conversion_lift_covers_the_planted_win_rates(run: Run) -> None:
    truths = run.truths
    planted = truths.opportunity_win_rate_ai_assisted - truths.opportunity_win_rate_human_only
    gen = run.section.generated
    assert isinstance(gen, GeneratedRevenue)
    lift = gen.conversion_lift
    assert isinstance(lift, Estimate) and _covers(lift, planted)
    assert lift.evidence is Evidence.ADJUSTED
    assert lift.n == truths.opportunities_closed["ai_assisted"]
    raw = gen.conversion_lift_descriptive
    assert isinstance(raw, Estimate) and raw.evidence is Evidence.DESCRIPTIVE
    closed, won = truths.opportunities_closed, truths.opportunities_won
    assert raw.n == closed["ai_assisted"] + closed["human_only"]
    assert raw.estimate == pytest.approx(
        won["ai_assisted"] / closed["ai_assisted"] - won["human_only"] / closed["human_only"]
    )


def brute_force_protected(
    scores: RestrictedMeanScores, weight: pd.Series
) -> tuple[float, float, int, float]:
    """θ̂ = Σ_kept w · [A (U1 − m0) − (1 − A) π/(1 − π) (U0 − m0)], its influence-function SE,
    the AI-assisted customers summed over and the trimmed ones' share of their weight; the
    weights looked up by customer id in a pandas Series."""
    assert scores.customer_ids is not None
    w = weight.reindex([str(c) for c in scores.customer_ids]).to_numpy(dtype=float)
    assert np.isfinite(w).all()
    rows = pd.DataFrame(
        {
            "w": w,
            "a": scores.exposed,
            "kept": scores.kept,
            "gain": scores.treated_gain,
            "odds": scores.odds,
            "resid": scores.control_residual,
        }
    )
    kept = rows[rows["kept"]]
    phi = np.where(
        kept["a"], kept["w"] * kept["gain"], -kept["w"] * kept["odds"] * kept["resid"]
    )
    se = float(np.sqrt(((phi - phi.mean()) ** 2).sum()))
    exposed = rows[rows["a"]]
    trimmed_share = float(exposed.loc[~exposed["kept"], "w"].sum() / exposed["w"].sum())
    return float(phi.sum()), se, int(kept["a"].sum()), trimmed_share


def test_revenue_protected_is_retentions_revenue_weighted_att(run: Run) -> None:
    """Revenue protected (12 months) = Σ over the AI-assisted customers of monthly recurring
    revenue x months active gained, from retention's per-customer scores (docs/metrics.md):
    recomputed here from those scores and the customers table read by pandas, and covering the
    demo's planted revenue protected."""
    scores = run.retention.restricted_mean
    assert isinstance(scores, RestrictedMeanScores)
    customers = pd.read_parquet(run.folder / "customers.parquet")
    revenue = customers.set_index(customers["customer_id"].astype(str))["monthly_revenue"]
    total, se, treated, trimmed_share = brute_force_protected(scores, revenue)

    rp = run.section.revenue_protected_12m
    assert isinstance(rp, RevenueProtected)
    assert rp.estimate == pytest.approx(total, rel=1e-9)
    assert rp.se == pytest.approx(se, rel=1e-9)
    assert rp.customers == treated == run.truths.exposed_customers
    assert rp.n == run.truths.analysed_customers
    assert rp.trimmed_weight_share == pytest.approx(trimmed_share, abs=1e-12)
    assert _covers(rp, run.truths.revenue_protected_12m)
    assert (rp.basis, rp.evidence, rp.horizon_months, rp.margin_applied) == (
        Basis.ATT, Evidence.ADJUSTED, 12, False
    )
    # the margin version weights by revenue x margin: the same sum, scaled
    at_margin = run.section.revenue_protected_12m_margin
    assert at_margin is not None and at_margin.margin_applied
    assert at_margin.estimate == pytest.approx(MARGIN * total, rel=1e-9)
    assert at_margin.se == pytest.approx(MARGIN * se, rel=1e-9)
    # the one figure everywhere: the board's view, the what-if's loss, the lifetime anchor
    assert run.section.revenue_protected == rp
    what_if = run.section.what_if_stopped
    assert not isinstance(what_if, CannotCompute)
    assert what_if.revenue_protected_lost == rp
    lifetime = run.section.revenue_protected_lifetime
    assert isinstance(lifetime, LifetimeSensitivity) and lifetime.anchor_12m == rp


def test_per_customer_views_match_pandas_brute_force(run: Run) -> None:
    folder = run.folder
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
    got = run.section.revenue_per_retained_customer
    assert isinstance(got, RetainedRevenue)
    ai, human, diff = got.ai_assisted, got.human_only, got.difference
    assert isinstance(ai, Estimate) and isinstance(human, Estimate) and isinstance(diff, Estimate)
    assert ai.estimate == pytest.approx(c.loc[exposed, "value"].mean(), rel=1e-9)
    assert human.estimate == pytest.approx(c.loc[~exposed, "value"].mean(), rel=1e-9)
    assert human.n == int((~exposed).sum())
    assert ai.n == int(exposed.sum())
    assert diff.estimate == pytest.approx(ai.estimate - human.estimate, rel=1e-9)
    assert diff.evidence is Evidence.DESCRIPTIVE
    # the what-if's cost has its own pandas brute force in test_value_whatif.py


def test_json_layout_keeps_the_contract_keys(run: Run) -> None:
    # as results.json holds it: the pipeline writes the canonical tree (declared units stamped)
    out: dict[str, Any] = encode(canonical(run.section))
    # results-contract.md: the board's figures, the same number wherever they appear
    assert out["revenue_protected"] == out["revenue_protected_12m"]
    protected = out["revenue_protected_12m"]
    assert (protected["basis"], protected["horizon_months"], protected["margin_applied"]) == (
        "att", 12, False
    )
    assert out["revenue_protected_12m_margin"]["margin_applied"] is True
    assert out["revenue_generated"] == out["revenue_generated_incremental"]
    assert out["revenue_generated"] == out["generated"]["incremental"]
    assert out["revenue_generated_attributed"]["basis"] == "attributed"
    assert out["revenue_at_risk"] == out["risk"]["total"]
    assert out["revenue_protected_lifetime"]["anchor_12m"] == protected
    for key in ("clv", "revenue_at_risk", "revenue_generated"):
        assert out[key]["ci_low"] <= out[key]["estimate"] <= out[key]["ci_high"], key
    what_if = out["what_if_stopped"]
    assert {"extra_cost", "extra_agents", "revenue_protected_lost"} <= set(what_if)
    assert what_if["revenue_protected_lost"] == protected
    assert what_if["extra_agents"] == what_if["staffing"]["erlang_a"]["extra_fte"]
    assert what_if["extra_agents"]["unit"] == "fte"
    roi = out["roi"]
    assert roi["ci_low"] <= roi["estimate"] <= roi["ci_high"]
    assert 0 <= roi["p_roi_positive"] <= 1
    # default costs: the ROI is illustrative, never a headline
    assert (roi["tco_source"], roi["illustrative"]) == ("default", True)
    assert roi["estimate"] == out["roi_worksheet"]["roi"]["estimate"]
    assert len(out["roi_worksheet"]["monthly"]) == 24
    # the strict loader reads the section back to the same JSON
    assert encode(decode(ValueSection, json.loads(dumps(out)))) == out


@pytest.mark.parametrize(
    "view,field,unit",
    [
        ("revenue_protected", "revenue_protected_12m", Unit.MONEY),
        ("revenue_generated", "revenue_generated_incremental", Unit.MONEY),
        ("revenue_at_risk", "clv", Unit.MONEY),
        ("what_if_stopped.extra_agents", "what_if_stopped.extra_agents", Unit.FTE),
    ],
)
def test_board_views_carry_the_unit_of_their_figure(view: str, field: str, unit: Unit) -> None:
    # a metric-stack trigger may compare a view with the field it shows (units must agree)
    assert parse(view, ValueSection).unit is unit
    assert parse(field, ValueSection).unit is unit


def test_output_is_json_deterministic_and_free_of_ids(run: Run) -> None:
    text = dumps(encode(run.section))
    assert json.loads(text) == encode(run.section)
    _, again = analyse(run.ds)
    assert dumps(encode(again)) == text
    for prefix in ('"K0', '"C0', '"O0'):
        assert prefix not in text
