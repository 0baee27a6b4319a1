"""Zendesk cases written from the Support API reference (tests/fixtures/zendesk-documented/
README.md): the single-ticket and single-metric responses, direction from the via object for
inbound and outbound calls (by via type and by via id), handle time left empty when the export
has none, and intent from custom fields and tags."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from cxroi.sources.registry import import_command
from cxroi.sources.zendesk import ZendeskOptions, convert

DOCS = Path(__file__).parent / "fixtures" / "zendesk-documented"
OPTIONS = ZendeskOptions(handle_time_field=27642, intent_from=("field:27648", "tag_prefix:intent_"))


def _rows(converted: Any) -> dict[str, dict[str, Any]]:
    return {r["contact_id"]: r for r in converted.tables["contacts"].to_dict("records")}


@pytest.fixture(scope="module")
def converted() -> Any:
    return convert(DOCS, OPTIONS)


def test_single_ticket_response_imports(converted: Any) -> None:
    c = _rows(converted)["35501"]
    assert (c["customer_id"], c["started_at"]) == (
        "20978392",
        pd.Timestamp("2025-06-10T09:00:00Z"),
    )
    assert (c["channel"], c["direction"], c["ai_mode"], c["agent_id"]) == (
        "web",
        "inbound",
        "human_only",
        "235323",
    )
    assert (c["handle_seconds"], c["resolved"], c["intent"]) == (745, True, "billing")
    # {"ticket_metric": {...}} is read as that ticket's metrics
    assert (c["wait_seconds"], c["reopens"]) == (45 * 60, 0)
    # the embedded rating becomes a CSAT answer
    survey = converted.tables["surveys"].set_index("survey_id").loc["1234"]
    assert (survey["contact_id"], survey["score"]) == ("35501", 5.0)


def test_single_ticket_alone(tmp_path: Path) -> None:
    # the brief's failing case: one file holding {"ticket": {...}} and nothing else
    report = import_command("zendesk", DOCS / "show_ticket.json", tmp_path / "ds")
    assert report.rows["contacts"] == 1
    assert report.counts["tickets_without_metrics"] == 1


def test_wrapped_record_is_not_confused_with_a_record(tmp_path: Path) -> None:
    # a bare ticket line carries its own "satisfaction_rating" object: it is a ticket, not a
    # wrapped rating
    one = json.loads((DOCS / "show_ticket.json").read_text())["ticket"]
    (tmp_path / "tickets.jsonl").write_text(json.dumps(one) + "\n")
    rows = _rows(convert(tmp_path))
    assert list(rows) == ["35501"]


def test_calls_direction_from_via(converted: Any) -> None:
    rows = _rows(converted)
    inbound, outbound, by_id = rows["35502"], rows["35503"], rows["35504"]
    assert (inbound["channel"], inbound["direction"]) == ("voice", "inbound")
    assert (outbound["channel"], outbound["direction"], outbound["via_channel"]) == (
        "voice",
        "outbound",
        "voice",
    )
    # via id 35 is phone_call_outbound
    assert (by_id["channel"], by_id["direction"], by_id["via_channel"]) == (
        "voice",
        "outbound",
        "phone_call_outbound",
    )
    assert converted.finish().counts["contacts_outbound"] == 2


def test_no_handle_time_is_empty_not_zero() -> None:
    converted = convert(DOCS)  # no handle_time_field configured
    contacts = converted.tables["contacts"]
    assert contacts["handle_seconds"].isna().all()
    report = converted.finish()
    assert report.counts["handle_time_unknown_left_empty"] == 4
    [note] = [n for n in report.notes if "handle time" in n]
    assert note.startswith("4 of 4 tickets have no handle time (handle_time_field is not set)")


def test_intent_from_field_then_tag(converted: Any) -> None:
    rows = _rows(converted)
    assert rows["35501"]["intent"] == "billing"  # the field first
    tagged = convert(DOCS, ZendeskOptions(intent_from=("tag_prefix:intent_",)))
    assert _rows(tagged)["35501"]["intent"] == "refund"  # intent_refund, prefix removed
    coverage = converted.finish().intent
    assert (coverage.with_intent, coverage.contacts, coverage.by_source) == (
        1,
        4,
        {"field:27648": 1},
    )
