"""Intercom conversations: a conversation.list page written from the published conversation model
(Fin AI agent states, teammate handover, ratings, statistics), field by field; malformed exports;
the imported dataset validated, analysed and audited against the billed Fin resolutions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import cxroi
from cxroi.errors import ContractError
from cxroi.pipeline import vendor_audit_command
from cxroi.sources.registry import import_command
from cxroi.sources.intercom import IntercomOptions, convert
from cxroi.results.codec import encode

FIXTURE = Path(__file__).parent / "fixtures" / "intercom" / "conversations.json"


@pytest.fixture(scope="module")
def converted() -> Any:
    return convert(FIXTURE, IntercomOptions(intent_from=("attribute:Issue type",)))


@pytest.fixture(scope="module")
def rows(converted: Any) -> dict[str, dict[str, Any]]:
    return {r["contact_id"]: r for r in converted.tables["contacts"].to_dict("records")}


def test_fin_resolution_is_ai_only(rows: dict[str, dict[str, Any]]) -> None:
    c = rows["101"]
    assert c["customer_id"] == "cust-1"  # external_id
    assert c["started_at"] == pd.Timestamp("2025-05-01T10:00:00Z")  # Unix seconds
    assert (c["channel"], c["ai_mode"], c["touchpoint"], c["escalated"]) == (
        "chat",
        "ai_only",
        "chatbot",
        False,
    )
    assert (c["resolved"], c["vendor_resolution"], c["ai_resolution_state"]) == (
        True,
        True,
        "assumed_resolution",
    )
    assert c["intent"] == "billing"
    # Intercom records no time for its AI agent: unknown, not 0
    assert pd.isna(c["handle_seconds"]) and pd.isna(c["wait_seconds"]) and pd.isna(c["agent_id"])
    assert c["direction"] == "inbound"
    assert rows["104"]["vendor_resolution"] and rows["104"]["resolved"]  # confirmed_resolution
    assert (rows["105"]["resolved"], rows["105"]["vendor_resolution"]) == (
        False,
        False,
    )  # abandoned


def test_routed_to_team_is_hybrid(rows: dict[str, dict[str, Any]]) -> None:
    c = rows["102"]
    assert (c["ai_mode"], c["escalated"], c["resolved"], c["vendor_resolution"]) == (
        "hybrid",
        True,
        True,
        False,
    )
    assert (c["agent_id"], c["handle_seconds"], c["wait_seconds"]) == (
        "814",
        420,
        180,
    )  # adjusted handling


def test_human_only_email(rows: dict[str, dict[str, Any]]) -> None:
    c = rows["103"]
    assert c["customer_id"] == "6650a1b2c3d4e5f600000002"  # no external_id: Intercom's id
    assert (c["channel"], c["ai_mode"], c["touchpoint"], c["resolved"]) == (
        "email",
        "human_only",
        "none",
        False,
    )
    # handling_time is assignment-to-close elapsed time: kept apart, not handle time
    assert pd.isna(c["handle_seconds"]) and c["handling_elapsed_seconds"] == 900
    assert (c["wait_seconds"], c["state"]) == (3600, "open")


def test_ratings_become_csat(converted: Any) -> None:
    surveys = converted.tables["surveys"].set_index("survey_id")
    assert list(surveys.index) == ["101-ai_agent", "102-teammate", "105-ai_agent"]
    assert (
        surveys.loc["102-teammate", "score"] == 2
        and surveys.loc["102-teammate", "rated"] == "teammate"
    )
    assert surveys.loc["102-teammate", "answered_at"] == pd.Timestamp("2025-05-04T09:50:00Z")
    assert surveys.loc["101-ai_agent", "answered_at"] == pd.Timestamp("2025-05-01T10:06:00Z")
    # no rating time for this AI agent rating: dated by the conversation's updated_at (counted)
    assert surveys.loc["105-ai_agent", "answered_at"] == pd.Timestamp("2025-05-07T09:00:00Z")
    assert set(surveys["kind"]) == {"csat"}
    report = converted.finish()
    assert report.counts["ai_agent_ratings_dated_by_updated_at"] == 1
    assert report.counts["handle_time_unknown_left_empty_ai_only"] == 4
    assert report.counts["handle_time_unknown_left_empty_human_only"] == 1
    assert "ai_agent.last_answer_type" in report.unmapped_fields
    assert not any(f.endswith(".type") or f == "type" for f in report.unmapped_fields)


def test_customer_key_id_and_no_ai_ratings() -> None:
    converted = convert(FIXTURE, IntercomOptions(customer_key="id", ai_agent_ratings=False))
    assert set(converted.tables["contacts"]["customer_id"]) == {
        "6650a1b2c3d4e5f600000001",
        "6650a1b2c3d4e5f600000002",
        "6650a1b2c3d4e5f600000003",
    }
    assert list(converted.tables["surveys"]["survey_id"]) == ["102-teammate"]


def test_dataset_analyses_and_audits(tmp_path: Path) -> None:
    # as an API 2.13+ export gives it: every conversation carries the teammates' active handling
    # time (none on those Fin answered alone)
    page = json.loads(FIXTURE.read_text())
    for conv in page["conversations"]:
        stats = conv.setdefault("statistics", {}) or {}
        stats.setdefault("adjusted_handling_time", 0 if conv["ai_agent_participated"] else 900)
        conv["statistics"] = stats
    export = tmp_path / "export.json"
    export.write_text(json.dumps(page))
    import_command("intercom", export, tmp_path / "ds", {"intent_from": ["attribute:Issue type"]})
    analysis = cxroi.analyze(tmp_path / "ds")
    m = encode(analysis.results)["metrics"]
    assert m["counts"]["contacts"] == {"ai_only": 4, "hybrid": 1, "human_only": 1, "all": 6}
    assert m["containment_rate"] == pytest.approx(4 / 5)
    # 101 (billing) is followed by 102 (billing) 3 days later; 104 by 105 a day later; 106 too recent
    audit = vendor_audit_command(tmp_path / "ds", claimed=3)
    assert (audit.total.billed_in_data, audit.total.eligible, audit.total.durable) == (3, 2, 0)


def test_malformed(tmp_path: Path) -> None:
    page = json.loads(FIXTURE.read_text())
    convs = page["conversations"]
    convs[0]["created_at"] = "soon"
    convs[1]["ai_agent_participated"] = "yes"
    convs[2]["statistics"] = [1]
    del convs[3]["id"]
    convs[4]["conversation_rating"] = {"rating": "great"}
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page))
    with pytest.raises(ContractError) as err:
        convert(path)
    got = [(p.where.split(" ")[-1], p.rule) for p in err.value.problems]
    assert got == [
        ("created_at", "wrong_type"),
        ("ai_agent_participated", "wrong_type"),
        ("statistics", "wrong_type"),
        ("id", "required_field_missing"),
        ("conversation_rating.rating", "wrong_type"),
    ]
    assert err.value.problems[0].where.startswith(f"{path}:1 conversations[0]")
