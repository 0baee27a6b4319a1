"""Measurement audit: classification, coverage by hand, outcomes without a path, the debt list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import cxroi
from cxroi.analyses.audit import (
    AuditSettings,
    ReportedMetric,
    audit_measurement,
    classify,
    parse_audit_settings,
)
from cxroi.analyses.chain import ChainSettings, map_chain
from cxroi.analyses.panel import build_panel
from cxroi.errors import Problem
from cxroi.stats.result import CannotCompute, Estimate
from cxroi.results.model.scenario import Effort
from helpers import contact, customers_for, write_csv


@pytest.mark.parametrize(
    ("name", "kind", "outcome"),
    [
        ("Average handle time", "activity", "none"),
        ("Call deflection rate", "activity", "none"),
        ("Automation containment rate", "activity", "none"),
        ("Cost per interaction", "activity", "none"),
        ("Customer retention rate", "outcome", "retention"),
        ("Monthly churn", "outcome", "retention"),
        ("Net Promoter Score (NPS)", "outcome", "loyalty"),
        ("CSAT", "outcome", "loyalty"),
        ("Customer Effort Score", "outcome", "effort"),
        ("First contact resolution", "outcome", "resolution"),
        ("Customer lifetime value", "outcome", "revenue"),
        ("Revenue per account", "outcome", "revenue"),
        ("Chatbot sessions completed", "activity", "none"),
        ("Quarterly widget index", "unclassified", "none"),
    ],
)
def test_names_are_classified(name: str, kind: str, outcome: str) -> None:
    got = classify(ReportedMetric(name))
    assert (got.kind, got.outcome) == (kind, outcome)


def test_declared_kind_and_outcome_win_over_the_name() -> None:
    got = classify(ReportedMetric("Average handle time", kind="outcome", outcome="effort"))
    assert (got.kind, got.kind_source, got.outcome, got.outcome_source) == (
        "outcome",
        "declared",
        "effort",
        "declared",
    )


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """10 accepted contacts (3 with a transactional answer) + 1 of an unknown customer; CES only."""
    folder = tmp_path_factory.mktemp("audit-hand")
    rows = [
        contact(f"c{i}", f"k{i}", f"2025-01-{i + 1:02d}T10:00:00Z", intent="billing")
        for i in range(10)
    ]
    write_csv(folder / "customers.csv", customers_for(rows))
    rows.append(contact("c-orphan", "nobody", "2025-01-20T10:00:00Z"))
    write_csv(folder / "contacts.csv", rows)
    answers = [("c0", 5), ("c0", 6), ("c3", 4), ("c7", 2), (None, 6)]  # last: relationship survey
    write_csv(
        folder / "surveys.csv",
        [
            {
                "survey_id": f"s{j}",
                "customer_id": f"k{cid[1:]}" if cid else "k1",
                "contact_id": cid,
                "answered_at": "2025-02-01T00:00:00Z",
                "kind": "ces",
                "score": v,
            }
            for j, (cid, v) in enumerate(answers)
        ],
    )
    return folder


@pytest.fixture(scope="module")
def parts(hand: Path) -> tuple[Any, Any, Any]:
    ds = cxroi.load_dataset(hand)
    panel = build_panel(ds)
    return ds, panel, map_chain(ds, panel, ChainSettings())


def _audit(
    parts: tuple[Any, Any, Any],
    settings: AuditSettings,
    computed: dict[str, tuple[bool, str]] | None = None,
) -> Any:
    ds, panel, chain = parts
    known = computed or {}
    return audit_measurement(
        ds, panel, chain, lambda path: known.get(path, (False, "not in results")), settings
    )


def test_coverage_by_hand(parts: tuple[Any, Any, Any]) -> None:
    res = _audit(parts, AuditSettings())
    cov = res.coverage
    assert isinstance(cov.survey_response_rate, Estimate)
    assert cov.survey_response_rate.estimate == pytest.approx(3 / 10)
    assert cov.survey_response_rate.n == 10
    assert isinstance(cov.customer_id_match_rate, Estimate)
    assert cov.customer_id_match_rate.estimate == pytest.approx(10 / 11)
    assert cov.intent.estimate == 1.0
    assert res.tables["revenue"].present is False
    assert "churned_at" in res.tables["customers"].missing_columns
    assert isinstance(cov.handoff_context_on_escalated, CannotCompute)
    assert "handoff_context" in cov.handoff_context_on_escalated.reason


def test_outcomes_without_a_measurement_path_come_first_in_the_debt(
    parts: tuple[Any, Any, Any],
) -> None:
    res = _audit(parts, AuditSettings())
    assert res.outcomes_without_measurement_path == ("retention", "revenue", "loyalty")
    debt = res.debt
    assert [d.priority for d in debt] == list(range(1, len(debt) + 1))
    assert [d.item.split(":")[0] for d in debt[:3]] == ["retention", "revenue", "loyalty"]
    assert all(d.kind == "no_measurement_path" for d in debt[:3])
    assert "customers.churned_at" in debt[0].action
    # no catalogue declared: nothing can be "not reported", and the note says so
    assert not any(d.kind == "measurable_not_reported" for d in debt)
    assert res.reported_note and res.reported_counts is None
    # every touchpoint without contacts is a chain gap
    chain_items = [d for d in debt if d.kind == "unknown_chain_link"]
    assert any(d.item.startswith("proactive:") for d in chain_items)


def test_declared_catalogue_against_the_data(parts: tuple[Any, Any, Any]) -> None:
    reported = (
        ReportedMetric("Average handle time"),
        ReportedMetric("Churn rate"),
        ReportedMetric("Deflection rate"),
        ReportedMetric("Widget index"),
    )
    res = _audit(parts, AuditSettings(reported=reported, min_survey_response_rate=0.5))
    assert res.reported_counts == {"activity": 2, "outcome": 1, "unclassified": 1}
    assert res.outcomes["retention"].status == "reported_without_data"
    assert res.outcomes["retention"].reported_by == ("Churn rate",)
    assert res.outcomes["effort"].status == "measurable"
    kinds = [d.kind for d in res.debt]
    assert kinds.index("measurable_not_reported") < kinds.index("thin_coverage")
    assert kinds[-3:] == ["activity_without_outcome", "activity_without_outcome", "unclassified"]
    thin = [d for d in res.debt if d.kind == "thin_coverage"]
    assert any("survey response rate is 30.0%" in d.item for d in thin)
    assert res.outcomes_without_measurement_path == ("revenue", "loyalty")


def test_computed_paths_are_read_from_results(parts: tuple[Any, Any, Any]) -> None:
    computed = {"metrics.ces.all": (True, ""), "metrics.fcr_7d.all": (False, "why not")}
    res = _audit(parts, AuditSettings(), computed)
    paths = {p.path: p for o in res.outcomes.values() for p in o.paths}
    assert paths["metrics.ces.all"].computed is True
    assert paths["metrics.fcr_7d.all"].computed is False
    assert paths["metrics.fcr_7d.all"].note == "why not"


def test_audit_configuration_errors_are_all_collected() -> None:
    problems: list[Problem] = []
    raw = {
        "audit": {
            "reported": [
                {"name": "AHT", "kind": "busy"},
                {"kind": "outcome", "outcome": "joy"},
                {"name": "NPS", "colour": "red"},
            ],
            "min_fill_rate": 2.0,
            "extra": 1,
        }
    }
    settings = parse_audit_settings(raw["audit"], problems)
    found = {(p.where, p.rule) for p in problems}
    assert found == {
        ("audit.reported[0].kind", "not_allowed"),
        ("audit.reported[1].name", "missing_key"),
        ("audit.reported[1].outcome", "not_allowed"),
        ("audit.reported[2].colour", "unknown_key"),
        ("audit.min_fill_rate", "out_of_range"),
        ("audit.extra", "unknown_key"),
    }
    assert [m.name for m in settings.reported] == ["AHT", "NPS"]
    assert settings.min_fill_rate == AuditSettings().min_fill_rate
