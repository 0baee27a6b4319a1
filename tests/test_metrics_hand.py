"""Every exact metric on a dataset small enough to compute by hand (derivations in comments)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from statsmodels.stats.proportion import confint_proportions_2indep

import cxroi
from cxroi.metrics.cost_model import CostModel, ModeCost
from cxroi.stats.clustered import ClusteredDifference, PairedRatioSums, RatioSums
from cxroi.stats.result import CannotCompute, Estimate
from cxroi.results.codec import encode
from helpers import contact, customers_for, write_csv

# Customer A: a1 (ai_only, billing) is repeated by a2 exactly 7 days later (boundary counts);
# a3 ties with a2 (a tie is never a repeat) and has another intent; a4 has no intent, so it
# repeats both a2 and a3 twelve days on. Customer B: b1 (no intent) is followed 15 days later,
# b2 16 days later: no repeats. as_of = b3 = 2025-02-10; b3 is too recent for either window.
CONTACTS = [
    contact("a1", "A", "2025-01-01T00:00:00Z", "ai_only", intent="billing", channel="chat", touchpoint="chatbot", handle=60, cost=1),
    contact("a2", "A", "2025-01-08T00:00:00Z", "hybrid", intent="billing", channel="chat", touchpoint="chatbot", handle=600, cost=4),
    contact("a3", "A", "2025-01-08T00:00:00Z", "human_only", intent="tech", touchpoint="none", handle=300, cost=6),
    contact("a4", "A", "2025-01-20T00:00:00Z", "human_only", handle=300, cost=6),
    contact("b1", "B", "2025-01-10T00:00:00Z", "ai_only", touchpoint="ivr", handle=120, cost=0.5),
    contact("b2", "B", "2025-01-25T00:00:00Z", "ai_only", intent="password", channel="chat", touchpoint="chatbot", handle=100, cost=0.5),
    contact("b3", "B", "2025-02-10T00:00:00Z", "human_only", intent="password", handle=400, cost=7),
]
SURVEYS = [
    {"survey_id": "s1", "customer_id": "A", "contact_id": "a1", "answered_at": "2025-01-02T00:00:00Z", "kind": "csat", "score": 5},
    {"survey_id": "s2", "customer_id": "A", "contact_id": "a2", "answered_at": "2025-01-09T00:00:00Z", "kind": "csat", "score": 2},
    {"survey_id": "s3", "customer_id": "A", "contact_id": "a3", "answered_at": "2025-01-09T00:00:00Z", "kind": "csat", "score": 4},
    {"survey_id": "s4", "customer_id": "A", "contact_id": "a1", "answered_at": "2025-01-02T00:00:00Z", "kind": "nps", "score": 10},
    {"survey_id": "s5", "customer_id": "B", "contact_id": "b1", "answered_at": "2025-01-11T00:00:00Z", "kind": "nps", "score": 6},
    {"survey_id": "s6", "customer_id": "B", "contact_id": "b3", "answered_at": "2025-02-10T00:00:00Z", "kind": "nps", "score": 3},
    {"survey_id": "s7", "customer_id": "B", "contact_id": "b1", "answered_at": "2025-01-11T00:00:00Z", "kind": "ces", "score": 6},
    {"survey_id": "s8", "customer_id": "A", "contact_id": "a2", "answered_at": "2025-01-09T00:00:00Z", "kind": "ces", "score": 3},
    {"survey_id": "s9", "customer_id": "B", "contact_id": None, "answered_at": "2025-01-15T00:00:00Z", "kind": "nps", "score": 9},
]
CONTACT_COLS = ["contact_id", "customer_id", "started_at", "channel", "ai_mode", "touchpoint", "intent", "handle_seconds", "cost"]


def _write(folder: Path, contacts: list[dict[str, Any]] = CONTACTS, cols: list[str] = CONTACT_COLS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "contacts.csv", contacts, cols)
    write_csv(folder / "customers.csv", customers_for(contacts))
    write_csv(folder / "surveys.csv", SURVEYS)
    return folder


@pytest.fixture(scope="module")
def metrics(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = _write(tmp_path_factory.mktemp("hand"))
    return cxroi.compute_exact_metrics(cxroi.load_dataset(folder)).to_dict()


def test_fcr(metrics: dict[str, Any]) -> None:
    # 7d: eligible a1..a4, b1, b2; only a1 repeats. 14d: a1, a2, a3 repeat.
    assert metrics["fcr_7d"] == pytest.approx({"ai_only": 2 / 3, "hybrid": 1.0, "human_only": 1.0, "all": 5 / 6})
    assert metrics["fcr_14d"] == pytest.approx({"ai_only": 2 / 3, "hybrid": 0.0, "human_only": 0.5, "all": 0.5})


def test_containment_and_false_containment(metrics: dict[str, Any]) -> None:
    # no escalated column: a2 (hybrid via chatbot) is the one escalation; 3 ai_only contacts
    assert metrics["containment_rate"] == pytest.approx(3 / 4)
    # eligible ai_only a1, b1, b2; a1 came back within 7 days
    assert metrics["false_containment_7d"] == pytest.approx(1 / 3)


def test_costs_and_handle_time(metrics: dict[str, Any]) -> None:
    assert metrics["cost_per_contact"] == pytest.approx({"ai_only": 2 / 3, "hybrid": 4.0, "human_only": 19 / 3, "all": 25 / 7})
    assert metrics["cost_per_resolution_7d"] == pytest.approx({"ai_only": 1.0, "hybrid": 4.0, "human_only": 6.0, "all": 3.6})
    cpr14 = metrics["cost_per_resolution_14d"]
    assert cpr14["hybrid"] is None  # a2 is its only eligible contact and it was repeated
    assert {k: v for k, v in cpr14.items() if k != "hybrid"} == pytest.approx({"ai_only": 1.0, "human_only": 12.0, "all": 6.0})
    assert metrics["aht_seconds"] == pytest.approx({"ai_only": 280 / 3, "hybrid": 600.0, "human_only": 1000 / 3, "all": 1880 / 7})


def test_surveys(metrics: dict[str, Any]) -> None:
    assert metrics["csat"] == pytest.approx({"ai_only": 1.0, "hybrid": 0.0, "human_only": 1.0, "all": 2 / 3})
    # ai_only: 10 and 6 -> one promoter, one detractor; human_only: 3 -> detractor; s9 is relational
    assert metrics["nps"]["hybrid"] is None
    assert metrics["nps"]["ai_only"] == pytest.approx(0.0)
    assert metrics["nps"]["human_only"] == pytest.approx(-100.0)
    assert metrics["nps"]["all"] == pytest.approx(-100 / 3)
    assert metrics["ces"]["ai_only"] == pytest.approx(6.0)
    assert metrics["ces"]["hybrid"] == pytest.approx(3.0)
    assert metrics["ces"]["human_only"] is None
    assert metrics["ces"]["all"] == pytest.approx(4.5)
    assert metrics["ces_by_channel"] == pytest.approx({"voice": 6.0, "chat": 3.0})


def test_full_results_views(tmp_path: Path) -> None:
    analysis = cxroi.analyze(_write(tmp_path / "d"))
    m = analysis.metrics
    assert isinstance(m.relationship["nps"], Estimate) and m.relationship["nps"].estimate == 100.0
    assert isinstance(m.post_ai_nps, Estimate) and m.post_ai_nps.estimate == pytest.approx(0.0)
    assert isinstance(m.by_touchpoint["chatbot"]["csat"], Estimate)  # a1 (5) and a2 (2)
    assert m.by_touchpoint["chatbot"]["csat"].estimate == pytest.approx(0.5)
    # January: hybrid csat 0/1 (a2) vs human_only 1/1 (a3), both answered by customer A. One
    # customer on each side is one effective answer each (normal quantile), and with no
    # residual there is no correlation: Newcombe's interval for 0/1 vs 1/1, as in statsmodels
    [(month, delta)] = m.csat_delta_monthly
    assert month == "2025-01" and isinstance(delta, ClusteredDifference)
    low, high = confint_proportions_2indep(0, 1, 1, 1, method="newcomb", compare="diff")
    assert (delta.estimate, delta.ci_low, delta.ci_high) == pytest.approx((-1.0, low, high))
    assert (delta.n_a, delta.n_b, delta.customers, delta.correlation) == (1, 1, 1, None)
    fcr = encode(analysis.results)["metrics"]["intervals"]["fcr_7d"]["all"]
    assert fcr["n"] == 6 and fcr["customers"] == 2 and "clustered by customer" in fcr["method"]
    assert fcr["ci_low"] < 5 / 6 < fcr["ci_high"]


def test_escalated_column_wins_over_the_derived_rule(tmp_path: Path) -> None:
    rows = [dict(c, escalated=(c["contact_id"] in {"a3", "b3"})) for c in CONTACTS]
    folder = _write(tmp_path / "d", rows, CONTACT_COLS + ["escalated"])
    m = cxroi.compute_exact_metrics(cxroi.load_dataset(folder)).to_dict()
    # a2 is now explicitly not escalated; a3 and b3 are: 3 / (3 + 2)
    assert m["containment_rate"] == pytest.approx(3 / 5)


def test_cost_model_fills_missing_cost(tmp_path: Path) -> None:
    rows = [dict(c, cost=None) if c["ai_mode"] != "hybrid" else c for c in CONTACTS]
    model = CostModel({"ai_only": ModeCost(0.25, 0.0), "hybrid": ModeCost(9, 9), "human_only": ModeCost(1.0, 0.6)})
    ds = cxroi.load_dataset(_write(tmp_path / "d", rows))
    m = cxroi.compute_exact_metrics(ds, cxroi.Config(cost_model=model).metric_settings)
    # human_only: 1 + 0.6 × minutes (5, 5, 6.67) = 4, 4, 5; hybrid keeps its observed 4
    assert m.to_dict()["cost_per_contact"]["human_only"] == pytest.approx((4 + 4 + 5) / 3)
    assert m.to_dict()["cost_per_contact"]["hybrid"] == pytest.approx(4.0)
    assert m.to_dict()["cost_per_contact"]["ai_only"] == pytest.approx(0.25)
    assert m.cost_modelled == 6


def test_configured_as_of_cuts_the_data(tmp_path: Path) -> None:
    from datetime import datetime, timezone

    cfg = cxroi.Config(as_of=datetime(2025, 1, 25, tzinfo=timezone.utc))
    ds = cxroi.load_dataset(_write(tmp_path / "d"), cfg)
    assert ds.report.excluded_after_as_of == 1  # b3
    m = cxroi.compute_exact_metrics(ds).to_dict()
    # 7d cutoff 2025-01-18: eligible a1, a2, a3, b1; a1 repeats
    assert m["fcr_7d"]["all"] == pytest.approx(3 / 4)
    # 14d cutoff 2025-01-11: a1, a2, a3, b1; a1, a2, a3 repeat
    assert m["fcr_14d"]["all"] == pytest.approx(1 / 4)


def test_months_follow_the_configured_zone(tmp_path: Path) -> None:
    rows = [
        contact("h1", "A", "2025-02-01T02:00:00Z", "hybrid"),  # 31 Jan, 21:00 in New York
        contact("u1", "B", "2025-02-01T02:00:00Z", "human_only"),
    ]
    folder = tmp_path / "d"
    folder.mkdir()
    write_csv(folder / "contacts.csv", rows, CONTACT_COLS)
    write_csv(folder / "customers.csv", customers_for(rows))
    write_csv(folder / "surveys.csv", [
        {"customer_id": "A", "contact_id": "h1", "answered_at": "2025-02-01T03:00:00Z", "kind": "csat", "score": 5},
        {"customer_id": "B", "contact_id": "u1", "answered_at": "2025-02-01T03:00:00Z", "kind": "csat", "score": 1},
    ])
    ny = cxroi.compute_exact_metrics(cxroi.load_dataset(folder, cxroi.Config(timezone="America/New_York")))
    utc = cxroi.compute_exact_metrics(cxroi.load_dataset(folder))
    assert [m for m, _ in ny.csat_delta_monthly] == ["2025-01"]
    assert [m for m, _ in utc.csat_delta_monthly] == ["2025-02"]


def test_no_surveys_gives_null_with_reason(tmp_path: Path) -> None:
    folder = _write(tmp_path / "d")
    (folder / "surveys.csv").unlink()
    analysis = cxroi.analyze(folder)
    metrics = encode(analysis.results)["metrics"]
    assert metrics["csat"]["all"] is None and "no surveys" in metrics["csat"]["all_note"]
    assert isinstance(analysis.metrics.post_ai_nps, CannotCompute)


def test_outbound_call_backs_are_kept_apart(tmp_path: Path) -> None:
    # The hand dataset plus two outbound contacts of customer A. o1, an agent's call-back one day
    # after a1, would otherwise be a1's repeat (same customer, no intent) and o2, a proactive
    # message, would count as contained. Neither may change FCR, containment or false
    # containment; cost per contact and AHT cover every contact; the two are reported apart.
    rows = [dict(c, direction=None) for c in CONTACTS] + [
        dict(contact("o1", "A", "2025-01-02T00:00:00Z", "human_only", handle=120, cost=2), direction="outbound"),
        dict(
            contact("o2", "A", "2025-01-03T00:00:00Z", "ai_only", touchpoint="proactive", handle=0, cost=0.1),
            direction="Outbound",  # case is ignored, as for every enum
        ),
    ]
    folder = _write(tmp_path / "d", rows, CONTACT_COLS + ["direction"])
    m = cxroi.compute_exact_metrics(cxroi.load_dataset(folder))
    got = m.to_dict()
    assert got["fcr_7d"] == pytest.approx({"ai_only": 2 / 3, "hybrid": 1.0, "human_only": 1.0, "all": 5 / 6})
    assert got["containment_rate"] == pytest.approx(3 / 4)
    assert got["false_containment_7d"] == pytest.approx(1 / 3)
    assert got["cost_per_resolution_7d"]["all"] == pytest.approx(3.6)
    assert got["cost_per_contact"]["all"] == pytest.approx((25 + 2 + 0.1) / 9)
    assert m.contacts_by_direction["outbound"] == {"ai_only": 1, "hybrid": 0, "human_only": 1, "all": 2}
    assert m.contacts_by_direction["inbound"]["all"] == 7
    assert m.outbound is not None and m.proactive is not None
    assert got["outbound_cost_per_contact"] == pytest.approx({"ai_only": 0.1, "human_only": 2.0, "all": 1.05, "hybrid": None})
    assert got["outbound_aht_seconds"]["all"] == pytest.approx(60.0)
    assert m.proactive.contacts == {"ai_only": 1, "hybrid": 0, "human_only": 0, "all": 1}


def test_an_unknown_direction_is_a_row_fault(tmp_path: Path) -> None:
    rows = [dict(c, direction="inbound") for c in CONTACTS]
    rows[-1]["direction"] = "sideways"  # b3
    folder = _write(tmp_path / "d", rows, CONTACT_COLS + ["direction"])
    ds = cxroi.load_dataset(folder)
    assert ds.report.quarantined.get("contacts") == 1
    [rule] = [r for r in ds.report.counts if r.column == "direction"]
    assert rule.rule == "not_allowed" and rule.count == 1


def test_modelled_costs_are_summed_without_rounding(tmp_path: Path) -> None:
    # 0.85 per minute: 0.85 × 397 / 60 = 5.624166..., which a 6-decimal cost would round. The
    # engine sums 60 × cost exactly and divides once; the exact value comes from fractions.
    handles = [397, 401, 403, 409, 419, 421, 431]
    rows = [dict(c, cost=None, handle_seconds=h) for c, h in zip(CONTACTS, handles)]
    model = CostModel({m: ModeCost(0.2, 0.85) for m in ("ai_only", "hybrid", "human_only")})
    ds = cxroi.load_dataset(_write(tmp_path / "d", rows))
    m = cxroi.compute_exact_metrics(ds, cxroi.Config(cost_model=model).metric_settings)
    cost = {c["contact_id"]: Fraction("0.2") + Fraction("0.85") * h / 60 for c, h in zip(CONTACTS, handles)}
    per_contact = sum(cost.values()) / len(cost)
    eligible = ["a1", "a2", "a3", "a4", "b1", "b2"]  # 7d, of which a1 repeats: 5 resolved
    per_resolution = sum(cost[c] for c in eligible) / 5
    got = m.to_dict()
    assert got["cost_per_contact"]["all"] == float(per_contact)
    assert got["cost_per_resolution_7d"]["all"] == float(per_resolution)


def test_monthly_csat_gap_with_customers_on_both_sides(tmp_path: Path) -> None:
    # March: customers P, Q, R answer CSAT on hybrid (h) and human_only (u) contacts.
    # hybrid: P 5, 4 | Q 2 | R 5   -> 3/4 top box;  human_only: P 4 | Q 1, 2 | S 5 -> 2/4.
    # The engine's sums over customers must equal these per-customer totals, so its interval is
    # the one PairedRatioSums gives for them (the statistics are checked in test_metrics_clustered).
    plan = [("P", "hybrid", 5), ("P", "hybrid", 4), ("Q", "hybrid", 2), ("R", "hybrid", 5),
            ("P", "human_only", 4), ("Q", "human_only", 1), ("Q", "human_only", 2), ("S", "human_only", 5)]
    rows, answers = [], []
    for i, (who, mode, score) in enumerate(plan):
        rows.append(contact(f"m{i}", who, f"2025-03-{i + 1:02d}T10:00:00Z", mode, touchpoint="agent_assist"))
        answers.append({"customer_id": who, "contact_id": f"m{i}", "answered_at": f"2025-03-{i + 1:02d}T11:00:00Z",
                        "kind": "csat", "score": score})
    folder = tmp_path / "d"
    folder.mkdir()
    write_csv(folder / "contacts.csv", rows, CONTACT_COLS)
    write_csv(folder / "customers.csv", customers_for(rows))
    write_csv(folder / "surveys.csv", answers)
    [(month, got)] = cxroi.compute_exact_metrics(cxroi.load_dataset(folder)).csat_delta_monthly
    # per customer (top, answers): hybrid P (2, 2), Q (0, 1), R (1, 1); human P (1, 1), Q (0, 2), S (1, 1)
    a = {"P": (2, 2), "Q": (0, 1), "R": (1, 1)}
    b = {"P": (1, 1), "Q": (0, 2), "S": (1, 1)}

    def side(t: dict[str, tuple[int, int]]) -> RatioSums:
        xs, ys = [v[0] for v in t.values()], [v[1] for v in t.values()]
        return RatioSums(len(t), *(Fraction(v) for v in (sum(xs), sum(ys), sum(x * x for x in xs),
                                                          sum(y * y for y in ys), sum(x * y for x, y in zip(xs, ys)))))

    def cross(i: int, j: int) -> Fraction:
        return Fraction(sum(a[c][i] * b[c][j] for c in a.keys() & b.keys()))

    expected = PairedRatioSums(side(a), side(b), 4, cross(0, 0), cross(0, 1), cross(1, 0), cross(1, 1))
    want = expected.share_difference("x")
    assert month == "2025-03" and isinstance(got, ClusteredDifference) and isinstance(want, ClusteredDifference)
    assert got.estimate == pytest.approx(0.25)
    assert got.ci_low is not None and want.ci_low is not None
    assert (got.ci_low, got.ci_high, got.correlation) == pytest.approx((want.ci_low, want.ci_high, want.correlation))
    assert (got.customers, got.customers_a, got.customers_b, got.n_a, got.n_b) == (4, 3, 3, 4, 4)


def test_an_unknown_handle_time_is_left_out_of_aht_and_priced_at_its_modes_mean(
    tmp_path: Path,
) -> None:
    """An export that cannot give a handle time leaves it empty: the row is kept, never set to 0."""
    rows = [
        contact("c1", "k1", "2025-01-01T10:00:00Z", "human_only", handle=300, cost=None),
        contact("c2", "k2", "2025-01-02T10:00:00Z", "human_only", handle=600, cost=None),
        contact("c3", "k3", "2025-01-03T10:00:00Z", "human_only", cost=None),
        contact("c4", "k4", "2025-01-30T10:00:00Z", "human_only", handle=120, cost=2.0),
    ]
    rows[2]["handle_seconds"] = None
    write_csv(tmp_path / "contacts.csv", rows)
    write_csv(tmp_path / "customers.csv", customers_for(rows))
    ds = cxroi.load_dataset(tmp_path)
    assert ds.report.quarantined.get("contacts", 0) == 0
    m = cxroi.compute_exact_metrics(ds)
    aht = m.aht_seconds["human_only"]
    assert isinstance(aht, Estimate) and aht.estimate == pytest.approx((300 + 600 + 120) / 3)
    assert aht.n == 3
    # c3 is priced at the mean known human_only handle time, (300 + 600 + 120) / 3 = 340 s
    per_minute = 0.85
    costs = [300 / 60 * per_minute, 600 / 60 * per_minute, 340 / 60 * per_minute, 2.0]
    cost = m.cost_per_contact["human_only"]
    assert isinstance(cost, Estimate) and cost.estimate == pytest.approx(sum(costs) / 4, rel=1e-12)
    assert m.cost_modelled == 3 and m.handle_imputed == 1
