"""Genesys Cloud conversation details: the two real records (GenesysCloudBlueprints, MIT) field by
field, a details-query page written from the published model (IVR, bot flow, queue abandon,
survey), malformed exports, and the imported datasets validated and analysed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import cxroi
from cxroi.errors import ConfigError, ContractError
from cxroi.sources.registry import import_command
from cxroi.sources.genesys import GenesysOptions, convert
from cxroi.sources.records import pseudonym
from cxroi.results.codec import encode

FIXTURE = Path(__file__).parent / "fixtures" / "genesys" / "details_query.json"
REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata" / "genesys"
needs_real = pytest.mark.skipif(
    not (REALDATA / "conversation1.json").exists(),
    reason=f"real Genesys records not available at {REALDATA}",
)


def _rows(contacts: pd.DataFrame) -> dict[str, dict[str, Any]]:
    return {r["contact_id"]: r for r in contacts.to_dict("records")}


@needs_real
def test_real_records_field_by_field() -> None:
    converted = convert(REALDATA)
    rows = _rows(converted.tables["contacts"])
    one = rows["1bc96a39-6725-40c4-9345-db72aa67b8c6"]
    assert one["started_at"] == pd.Timestamp("2021-04-01T12:27:53.386Z")
    assert (one["channel"], one["ai_mode"], one["touchpoint"], one["escalated"]) == (
        "chat",
        "human_only",
        "none",
        False,
    )
    assert one["agent_id"] == "50fcd33c-f432-4726-abc9-979f3ca01555"
    assert one["handle_seconds"] == pytest.approx(918.737)  # tHandle 918737 ms
    assert one["wait_seconds"] == pytest.approx(11.179)  # tAcd 11179 ms
    assert one["queue_id"] == "a623d83c-96d7-4baa-af1f-d46ad6700d8b"
    # no customer identifier in the record: a one-off unknown customer
    assert one["customer_id"] == "anon-1bc96a39-6725-40c4-9345-db72aa67b8c6"
    two = rows["6acbee65-80be-4777-be03-8dacd07ee3f9"]
    assert two["started_at"] == pd.Timestamp("2021-04-02T15:30:51.418Z")
    # this agent session has no tHandle: tTalk 923484 ms (no hold, no wrap-up)
    assert two["handle_seconds"] == pytest.approx(923.484)
    assert two["wait_seconds"] == pytest.approx(6.384)
    assert two["agent_id"] == "9f3b4669-8593-4c95-bd7d-ef92c50f5a86"
    report = converted.finish()
    assert report.counts["handler_sessions_without_tHandle_summed_from_talk_hold_acw"] == 1
    assert "originatingDirection" not in report.unmapped_fields
    assert set(converted.tables["contacts"]["direction"]) == {"inbound"}
    assert "surveys" not in converted.tables


@needs_real
def test_real_records_name_as_customer_is_opt_in() -> None:
    contacts = convert(REALDATA, GenesysOptions(customer_fields=("participantName",))).tables[
        "contacts"
    ]
    assert set(contacts["customer_id"]) == {
        pseudonym("name", "John Doe"),
        pseudonym("name", "Jane Doe"),
    }


@needs_real
def test_real_records_validate_and_analyse(tmp_path: Path) -> None:
    import_command("genesys", REALDATA, tmp_path / "ds")
    analysis = cxroi.analyze(tmp_path / "ds")
    assert encode(analysis.results)["dataset"]["accepted"] == {"customers": 2, "contacts": 2}
    aht = encode(analysis.results)["metrics"]["aht_seconds"]["human_only"]
    assert aht == pytest.approx((918.737 + 923.484) / 2)


@pytest.fixture(scope="module")
def fixture_rows() -> dict[str, dict[str, Any]]:
    return _rows(convert(FIXTURE).tables["contacts"])


def test_ivr_queue_agent_is_hybrid(fixture_rows: dict[str, dict[str, Any]]) -> None:
    a = fixture_rows["conv-a"]
    assert (a["channel"], a["ai_mode"], a["touchpoint"], a["escalated"]) == (
        "voice",
        "hybrid",
        "ivr",
        True,
    )
    assert a["customer_id"] == "ext-1"  # externalContactId before the phone number
    assert a["agent_id"] == "agent-1"
    assert a["handle_seconds"] == pytest.approx(400 + 45)  # tHandle + IVR segment
    assert a["wait_seconds"] == pytest.approx(30)
    assert pd.isna(a["resolved"])
    assert (a["transfers"], a["flow_exit_reason"]) == (1, "TRANSFER")


def test_bot_only_and_abandon(fixture_rows: dict[str, dict[str, Any]]) -> None:
    b = fixture_rows["conv-b"]
    assert (b["channel"], b["ai_mode"], b["touchpoint"], b["resolved"]) == (
        "messaging",
        "ai_only",
        "chatbot",
        True,
    )
    assert b["handle_seconds"] == pytest.approx(120)
    assert pd.isna(b["agent_id"]) and pd.isna(b["wait_seconds"])
    c = fixture_rows["conv-c"]
    assert (c["ai_mode"], c["escalated"], c["resolved"]) == ("hybrid", True, False)
    assert c["customer_id"] == pseudonym("tel", "+15555550177")
    assert c["wait_seconds"] == pytest.approx(100)


def test_ivr_is_ai_off_makes_voice_human_only() -> None:
    rows = _rows(convert(FIXTURE, GenesysOptions(ivr_is_ai=False)).tables["contacts"])
    # the setting classifies the contact; the 45 s in the IVR are handling time either way
    assert rows["conv-a"]["ai_mode"] == "human_only" and rows["conv-a"]["handle_seconds"] == 445
    assert rows["conv-b"]["ai_mode"] == "ai_only"  # a bot is AI whatever the IVR setting


def test_survey_and_customers() -> None:
    converted = convert(FIXTURE)
    survey = converted.tables["surveys"].to_dict("records")
    assert survey == [
        {
            "survey_id": "sv-1",
            "customer_id": "ext-1",
            "contact_id": "conv-a",
            "answered_at": pd.Timestamp("2025-04-07T10:15:00Z"),
            "kind": "nps",
            "score": 9.0,
        }
    ]
    customers = converted.tables["customers"].set_index("customer_id")["acquired_at"]
    assert customers["ext-1"] == pd.Timestamp("2025-04-07T10:00:00Z")


def test_fixture_dataset_analyses(tmp_path: Path) -> None:
    report = import_command("genesys", FIXTURE, tmp_path / "ds", fmt="csv")
    assert report.rows == {"contacts": 3, "customers": 2, "surveys": 1}
    analysis = cxroi.analyze(tmp_path / "ds")
    m = encode(analysis.results)["metrics"]
    assert encode(analysis.results)["dataset"]["quarantined"] == {
        "customers": 0,
        "contacts": 0,
        "surveys": 0,
    }
    assert m["counts"]["contacts"] == {"ai_only": 1, "hybrid": 2, "human_only": 0, "all": 3}
    assert m["nps"]["hybrid"] == 100.0


def test_malformed_exports(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    good = json.loads(FIXTURE.read_text())["conversations"][1]
    no_id = {k: v for k, v in good.items() if k != "conversationId"}
    bad_time = {**good, "conversationId": "x", "conversationStart": "yesterday"}
    no_purpose = {**good, "conversationId": "y", "participants": [{"sessions": []}]}
    bad.write_text(
        "\n".join(
            [json.dumps(no_id), "{not json", json.dumps(bad_time), json.dumps(no_purpose), "[1, 2]"]
        )
        + "\n"
    )
    with pytest.raises(ContractError) as err:
        convert(bad)
    got = [(p.where.removeprefix(str(bad)), p.rule) for p in err.value.problems]
    assert got == [
        (":1 conversationId", "required_field_missing"),
        (":2", "not_json"),
        (":3 conversationStart", "wrong_type"),
        (":4 participants[].purpose", "required_field_missing"),
        (":5[0]", "not_an_object"),
        (":5[1]", "not_an_object"),
    ]


def test_bad_options_and_empty_input(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        import_command(
            "genesys",
            FIXTURE,
            tmp_path / "o",
            ["customer_fields=email", "nope=1", "ivr_is_ai=maybe"],
        )
    assert sorted(p.rule for p in err.value.problems) == [
        "not_allowed",
        "unknown_key",
        "wrong_type",
    ]
    (tmp_path / "empty").mkdir()
    with pytest.raises(ContractError, match="no .json"):
        convert(tmp_path / "empty")
