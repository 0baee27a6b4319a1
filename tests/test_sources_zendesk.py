"""Zendesk: tickets, ticket metrics, satisfaction ratings and users written from the published API
formats, field by field; malformed exports; the imported dataset validated and analysed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import cxroi
from cxroi.errors import ContractError
from cxroi.sources.registry import import_command
from cxroi.sources.zendesk import ZendeskOptions, convert
from cxroi.results.codec import encode

FIXTURES = Path(__file__).parent / "fixtures" / "zendesk"
OPTIONS = ZendeskOptions(
    bot_tags=("ai_agent",), handle_time_field=360000001, intent_from=("field:360000002",)
)


@pytest.fixture(scope="module")
def converted() -> Any:
    return convert(FIXTURES, OPTIONS)


@pytest.fixture(scope="module")
def rows(converted: Any) -> dict[str, dict[str, Any]]:
    return {r["contact_id"]: r for r in converted.tables["contacts"].to_dict("records")}


def test_answer_bot_ticket_is_ai_only(rows: dict[str, dict[str, Any]]) -> None:
    c = rows["1001"]
    assert (c["customer_id"], c["started_at"]) == ("501", pd.Timestamp("2025-06-02T08:00:00Z"))
    assert (c["channel"], c["ai_mode"], c["touchpoint"], c["escalated"]) == (
        "web",
        "ai_only",
        "chatbot",
        False,
    )
    assert (c["resolved"], c["vendor_resolution"], c["ticket_status"]) == (True, True, "solved")
    # the handle time field is empty on this ticket: unknown, not 0
    assert pd.isna(c["agent_id"]) and pd.isna(c["handle_seconds"])
    assert c["direction"] == "inbound"
    # no metrics row and no assignee: still the bot alone
    assert (rows["1004"]["ai_mode"], rows["1004"]["vendor_resolution"]) == ("ai_only", True)


def test_agent_ticket_is_human_only(rows: dict[str, dict[str, Any]]) -> None:
    c = rows["1002"]
    assert (c["channel"], c["ai_mode"], c["touchpoint"], c["agent_id"]) == (
        "email",
        "human_only",
        "none",
        "9001",
    )
    assert (c["handle_seconds"], c["intent"]) == (600, "billing")  # custom fields
    assert c["wait_seconds"] == 95 * 60  # reply_time_in_minutes.calendar
    assert (c["resolved"], c["vendor_resolution"]) == (True, False)


def test_bot_tag_then_agent_is_hybrid(rows: dict[str, dict[str, Any]]) -> None:
    c = rows["1003"]
    assert (c["channel"], c["ai_mode"], c["escalated"], c["resolved"]) == (
        "messaging",
        "hybrid",
        True,
        False,
    )
    assert (c["agent_id"], c["handle_seconds"], c["wait_seconds"], c["reopens"]) == (
        "9002",
        240,
        720,
        1,
    )


def test_ratings_and_customers(converted: Any) -> None:
    surveys = converted.tables["surveys"]
    assert surveys.to_dict("records") == [
        {
            "survey_id": "7001",
            "customer_id": "501",
            "contact_id": "1002",
            "answered_at": pd.Timestamp("2025-06-05T09:00:00Z"),
            "kind": "csat",
            "score": 5.0,
        },
        {
            "survey_id": "7002",
            "customer_id": "502",
            "contact_id": "1003",
            "answered_at": pd.Timestamp("2025-06-06T09:00:00Z"),
            "kind": "csat",
            "score": 1.0,
        },
    ]
    customers = converted.tables["customers"].set_index("customer_id")["acquired_at"]
    assert customers["501"] == pd.Timestamp("2024-01-10T00:00:00Z")  # users[].created_at
    assert customers["502"] == pd.Timestamp("2025-06-05T11:00:00Z")  # user newer than its ticket
    assert customers["503"] == pd.Timestamp("2025-06-06T12:00:00Z")  # not in users: first ticket
    report = converted.finish()
    assert report.counts["ratings_for_tickets_not_in_export"] == 1
    assert report.counts["tickets_without_metrics"] == 1
    assert report.counts["customers_dated_by_user_created_at"] == 1


def test_defaults_and_resolved_tags() -> None:
    rows = {r["contact_id"]: r for r in convert(FIXTURES).tables["contacts"].to_dict("records")}
    assert rows["1003"]["ai_mode"] == "human_only"  # ai_agent tag not configured
    assert pd.isna(rows["1002"]["handle_seconds"])  # no handle time field configured
    tagged = convert(FIXTURES, ZendeskOptions(bot_resolved_tags=("never",))).tables["contacts"]
    assert not tagged["vendor_resolution"].any()


def test_dataset_analyses(tmp_path: Path) -> None:
    import_command(
        "zendesk",
        FIXTURES,
        tmp_path / "ds",
        ["bot_tags=ai_agent", "handle_time_field=360000001"],
        fmt="csv",
    )
    analysis = cxroi.analyze(tmp_path / "ds")
    # the two bot tickets have no time in the handle time field: kept, their handle time unknown
    assert encode(analysis.results)["dataset"]["accepted"] == {"customers": 3, "contacts": 4, "surveys": 2}
    assert encode(analysis.results)["dataset"]["quarantined"]["contacts"] == 0
    assert encode(analysis.results)["dataset"]["rules"] == []
    assert encode(analysis.results)["metrics"]["intervals"]["aht_seconds"]["all"]["n"] == 2
    assert encode(analysis.results)["metrics"]["csat"]["human_only"] == 1.0


def test_malformed(tmp_path: Path) -> None:
    (tmp_path / "tickets.json").write_text(
        json.dumps(
            {
                "tickets": [
                    {"id": 1, "created_at": "2025-06-02T08:00:00Z"},
                    {"id": 2, "created_at": "June", "requester_id": 5, "tags": "vip"},
                ]
            }
        )
    )
    (tmp_path / "ticket_metrics.json").write_text(
        json.dumps({"ticket_metrics": [{"replies": "two"}]})
    )
    (tmp_path / "other.jsonl").write_text('{"id": 3}\n')
    with pytest.raises(ContractError) as err:
        convert(tmp_path)
    got = sorted((p.where.split("/")[-1], p.rule) for p in err.value.problems)
    assert got == [
        ("other.jsonl:1", "unknown_record"),
        ("ticket_metrics.json:1 ticket_metrics[0] replies", "wrong_type"),
        ("ticket_metrics.json:1 ticket_metrics[0] ticket_id", "required_field_missing"),
        ("tickets.json:1 tickets[0] requester_id", "required_field_missing"),
        ("tickets.json:1 tickets[1] created_at", "wrong_type"),
        ("tickets.json:1 tickets[1] tags", "wrong_type"),
    ]
