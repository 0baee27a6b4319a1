"""Every rule of the data contract has a case; counts and quarantine are exact; no tracebacks."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import cxroi
from cxroi.errors import ContractError
from helpers import write_csv

T = "2025-01-01T00:00:00Z"


def _contact(cid: str, **over: Any) -> dict[str, Any]:
    row = {"contact_id": cid, "customer_id": "k1", "started_at": "2025-02-01T00:00:00Z", "channel": "chat",
           "ai_mode": "hybrid", "touchpoint": "chatbot", "handle_seconds": 60, "wait_seconds": 5, "cost": 2,
           "sentiment_start": 0.1, "escalated": "false"}
    row.update(over)
    return row


# (table, row, expected rules) — each faulty row breaks exactly the rules listed
CUSTOMERS = [
    ({"customer_id": "k1", "acquired_at": T, "monthly_revenue": 10}, []),
    ({"customer_id": "k2", "acquired_at": T, "monthly_revenue": 10}, []),
    ({"customer_id": "k1", "acquired_at": T}, ["duplicate_key"]),
    ({"customer_id": "k3", "acquired_at": "2025-02-01T00:00:00Z", "churned_at": T}, ["churn_before_acquisition"]),
    ({"customer_id": "k4", "acquired_at": T, "monthly_revenue": -1}, ["negative"]),
    ({"customer_id": "k5", "acquired_at": "yesterday"}, ["unparseable"]),
    ({"customer_id": "", "acquired_at": T}, ["required_missing"]),
]
CONTACTS = [
    (_contact("c1"), []),
    (_contact("c2", customer_id="k2"), []),
    (_contact("c1"), ["duplicate_key"]),
    (_contact("c3", channel="fax"), ["not_allowed"]),
    (_contact("c4", ai_mode="robot"), ["not_allowed"]),
    (_contact("c5", touchpoint="hologram"), ["not_allowed"]),
    (_contact("c6", handle_seconds=-3), ["negative"]),
    (_contact("c7", wait_seconds=-1), ["negative"]),
    (_contact("c8", cost=-2), ["negative"]),
    (_contact("c9", sentiment_start=1.5), ["out_of_range"]),
    (_contact("c10", handle_seconds="inf"), ["not_finite"]),
    (_contact("c11", customer_id="nobody"), ["unknown_customer"]),
    (_contact("c12", customer_id="k3"), ["unknown_customer"]),  # its customer was quarantined
    (_contact("c13", started_at="2025-02-30T00:00:00Z"), ["unparseable"]),
    (_contact("c14", escalated="maybe"), ["unparseable"]),
    (_contact("c15", ai_mode="ai_only", touchpoint="chatbot", escalated="true"), []),  # a warning only
]
SURVEYS = [
    ({"survey_id": "s1", "customer_id": "k1", "contact_id": "c1", "answered_at": T, "kind": "csat", "score": 5}, []),
    ({"survey_id": "s1", "customer_id": "k1", "contact_id": "c1", "answered_at": T, "kind": "csat", "score": 4}, ["duplicate_key"]),
    ({"survey_id": "s2", "customer_id": "k1", "contact_id": "c1", "answered_at": T, "kind": "csat", "score": 6}, ["score_out_of_range"]),
    ({"survey_id": "s3", "customer_id": "k1", "contact_id": "c1", "answered_at": T, "kind": "ces", "score": 0}, ["score_out_of_range"]),
    ({"survey_id": "s4", "customer_id": "k1", "contact_id": "c3", "answered_at": T, "kind": "nps", "score": 9}, ["unknown_contact"]),
    ({"survey_id": "s5", "customer_id": "zz", "contact_id": "", "answered_at": T, "kind": "nps", "score": 9}, ["unknown_customer"]),
    ({"survey_id": "s6", "customer_id": "k1", "contact_id": "", "answered_at": T, "kind": "stars", "score": 3}, ["not_allowed"]),
]
REVENUE = [
    ({"customer_id": "k1", "occurred_at": T, "amount": -5, "kind": "refund", "contact_id": "c1"}, []),
    ({"customer_id": "k1", "occurred_at": T, "amount": 5, "kind": "gift"}, ["not_allowed"]),
    ({"customer_id": "k1", "occurred_at": T, "amount": "", "kind": "upsell"}, ["required_missing"]),
]
OPPORTUNITIES = [
    ({"opportunity_id": "o1", "customer_id": "k1", "contact_id": "c1", "created_at": T, "amount": 100, "won": "true", "closed_at": "2025-01-05T00:00:00Z"}, []),
    ({"opportunity_id": "o2", "customer_id": "k1", "created_at": T, "amount": 100, "closed_at": "2024-12-01T00:00:00Z"}, ["closed_before_created"]),
    ({"opportunity_id": "o3", "customer_id": "k1", "created_at": T, "amount": -100}, ["negative"]),
]
AGENTS = [
    ({"agent_id": "a1", "hired_at": "2023-01-01T00:00:00Z", "leave_reason": ""}, []),
    ({"agent_id": "a2", "hired_at": "2023-01-01T00:00:00Z", "left_at": "2022-01-01T00:00:00Z", "leave_reason": "voluntary"}, ["left_before_hired"]),
    ({"agent_id": "a3", "hired_at": "2023-01-01T00:00:00Z", "leave_reason": "bored"}, ["not_allowed"]),
]
AGENT_PULSE = [
    ({"agent_id": "a1", "answered_at": T, "score": 7}, []),
    ({"agent_id": "a1", "answered_at": T, "score": 11}, ["out_of_range"]),
    ({"agent_id": "a9", "answered_at": T, "score": 5}, ["unknown_agent"]),
]
QA_REVIEWS = [
    ({"contact_id": "c1", "reviewed_at": T, "score": 80}, []),
    ({"contact_id": "c1", "reviewed_at": T, "score": 101}, ["out_of_range"]),
    ({"contact_id": "c404", "reviewed_at": T, "score": 50}, ["unknown_contact"]),
]
TABLES = {"customers": CUSTOMERS, "contacts": CONTACTS, "surveys": SURVEYS, "revenue": REVENUE,
          "opportunities": OPPORTUNITIES, "agents": AGENTS, "agent_pulse": AGENT_PULSE, "qa_reviews": QA_REVIEWS}


def _write_all(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, cases in TABLES.items():
        write_csv(folder / f"{name}.csv", [row for row, _ in cases])
    return folder


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> cxroi.Dataset:
    return cxroi.load_dataset(_write_all(tmp_path_factory.mktemp("faults")))


def test_every_rule_is_counted_exactly(loaded: cxroi.Dataset) -> None:
    expected = Counter((name, rule) for name, cases in TABLES.items() for _, rules in cases for rule in rules)
    got: Counter[tuple[str, str]] = Counter()
    for c in loaded.report.errors:  # counted per column; the cases above are per table and rule
        got[(c.table, c.rule)] += c.count
    assert got == expected


def test_every_row_is_accounted_for(loaded: cxroi.Dataset) -> None:
    rep = loaded.report
    for name, cases in TABLES.items():
        faulty = sum(1 for _, rules in cases if rules)
        assert rep.rows[name] == len(cases)
        assert rep.quarantined[name] == faulty, name
        assert rep.accepted[name] == len(cases) - faulty
        assert loaded.tables[name].count().execute() == rep.accepted[name]


def test_warnings_keep_the_row(loaded: cxroi.Dataset) -> None:
    [warning] = loaded.report.warnings
    assert (warning.table, warning.rule, warning.count) == ("contacts", "ai_only_escalated", 1)
    assert "c15" in set(loaded.tables["contacts"].contact_id.execute())


def test_quarantine_files_name_line_and_rules(loaded: cxroi.Dataset, tmp_path: Path) -> None:
    written = loaded.write_quarantine(tmp_path)
    assert set(written) == {n for n, cases in TABLES.items() if any(r for _, r in cases)}
    with written["contacts"].open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_id = {r["line"]: r for r in rows}
    # the duplicate c1 is the 3rd data row: line 4 of the file (the header is line 1)
    assert by_id["4"]["contact_id"] == "c1" and by_id["4"]["rules"] == "duplicate_key:contact_id"
    assert by_id["15"]["started_at"] == "2025-02-30T00:00:00Z"  # raw value kept as written
    assert len(rows) == loaded.report.quarantined["contacts"]


def test_strict_mode_stops_with_every_fault(tmp_path: Path) -> None:
    with pytest.raises(ContractError) as info:
        cxroi.load_dataset(_write_all(tmp_path / "d"), cxroi.Config(strict=True))
    rules = {(p.where.split(".")[0], p.rule) for p in info.value.problems}
    assert ("contacts", "not_allowed") in rules and ("qa_reviews", "unknown_contact") in rules
    assert all("rows:" in p.message for p in info.value.problems)


def _minimal(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "customers.csv", [{"customer_id": "k1", "acquired_at": T}])
    write_csv(folder / "contacts.csv", [_contact("c1")])
    return folder


def test_structural_faults_are_all_reported(tmp_path: Path) -> None:
    folder = _minimal(tmp_path / "d")
    write_csv(folder / "contacts.csv", [{k: v for k, v in _contact("c1").items() if k not in {"channel", "ai_mode"}}])
    (folder / "surveys.parquet").write_bytes(b"not a parquet file")
    write_csv(folder / "agents.csv", [{"agent_id": "a"}])
    write_csv(folder / "revenue.csv", [{"customer_id": "k1", "occurred_at": T, "amount": 1, "kind": "upsell"}])
    (folder / "revenue.parquet").write_bytes(b"")
    with pytest.raises(ContractError) as info:
        cxroi.load_dataset(folder)
    found = {(p.where.rsplit("/", 1)[-1], p.rule) for p in info.value.problems}
    assert ("revenue", "ambiguous_table") in found
    assert {("contacts.channel", "missing_required_column"), ("contacts.ai_mode", "missing_required_column"),
            ("agents.hired_at", "missing_required_column")} <= found
    assert any(rule == "unreadable" and "surveys" in where for where, rule in found)


def test_missing_tables_and_unusable_columns(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    write_csv(folder / "contacts.csv", [_contact("c1", started_at="soon"), _contact("c2", started_at="later")])
    with pytest.raises(ContractError) as info:
        cxroi.load_dataset(folder)
    rules = {p.rule for p in info.value.problems}
    assert rules == {"missing_required_table", "column_unparseable"}
