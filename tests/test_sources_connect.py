"""Amazon Connect contact records: fixtures written from the published CTR data model (JSON lines
and a Firehose batch of records back to back), field by field; chains, duplicates, Lex outcomes,
malformed exports; the imported dataset validated and analysed."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import cxroi
from cxroi.errors import ContractError
from cxroi.sources.registry import import_command
from cxroi.sources.connect import ConnectOptions, convert
from cxroi.sources.records import pseudonym
from cxroi.results.codec import encode

FIXTURES = Path(__file__).parent / "fixtures" / "connect"
OPTIONS = ConnectOptions(
    customer_attribute="customerNumber",
    intent_from=("attribute:intent", "lex"),
    csat_attribute="csat",
    lex_outcomes=FIXTURES / "lex_outcomes.csv",
)


@pytest.fixture(scope="module")
def converted() -> Any:
    return convert(FIXTURES, OPTIONS)


@pytest.fixture(scope="module")
def rows(converted: Any) -> dict[str, dict[str, Any]]:
    return {r["contact_id"]: r for r in converted.tables["contacts"].to_dict("records")}


def test_ivr_queue_agent(rows: dict[str, dict[str, Any]]) -> None:
    c = rows["c-0001"]
    assert c["customer_id"] == "K-100"
    assert c["started_at"] == pd.Timestamp("2025-03-03T09:00:00Z")
    assert (c["channel"], c["ai_mode"], c["touchpoint"], c["escalated"]) == (
        "voice",
        "hybrid",
        "ivr",
        True,
    )
    assert (c["intent"], c["agent_id"], c["queue"]) == ("billing", "alice", "BasicQueue")
    # 40 s in the IVR before the queue + talk 300 + hold 20 + after-contact work 45
    assert c["handle_seconds"] == 40 + 300 + 20 + 45
    assert c["wait_seconds"] == 60
    assert pd.isna(c["resolved"])


def test_bot_only_contacts_take_the_lex_outcome(rows: dict[str, dict[str, Any]]) -> None:
    voice = rows["c-0002"]
    assert (voice["ai_mode"], voice["touchpoint"], voice["resolved"]) == (
        "ai_only",
        "voicebot",
        True,
    )
    assert voice["intent"] == "CheckBalance" and voice["handle_seconds"] == 150
    chat = rows["c-0003"]
    assert (chat["channel"], chat["ai_mode"], chat["touchpoint"], chat["resolved"]) == (
        "chat",
        "ai_only",
        "chatbot",
        False,
    )
    assert chat["customer_id"] == "anon-c-0003"


def test_transfer_chain_is_one_contact(rows: dict[str, dict[str, Any]]) -> None:
    assert "c-0005" not in rows
    c = rows["c-0004"]
    assert (c["legs"], c["transfers"], c["agent_id"]) == (2, 1, "bob")
    assert c["customer_id"] == pseudonym("tel", "+15555550142")
    # leg 1: IVR 30 s + 200 + 0 + 10; leg 2: straight to the queue, 250 + 30 + 60
    assert c["handle_seconds"] == 30 + 210 + 340
    assert c["wait_seconds"] == 20 + 50


def test_abandoned_chat_and_outbound(rows: dict[str, dict[str, Any]]) -> None:
    abandoned = rows["c-0006"]
    assert (abandoned["ai_mode"], abandoned["escalated"], abandoned["resolved"]) == (
        "hybrid",
        True,
        False,
    )
    assert (abandoned["handle_seconds"], abandoned["wait_seconds"]) == (45, 135)
    chat = rows["c-0007"]
    # a routing-only chat flow is not AI, but its 5 s before the queue are still handling time
    assert (chat["ai_mode"], chat["touchpoint"], chat["handle_seconds"]) == (
        "human_only",
        "none",
        5 + 900 + 120,
    )
    outbound = rows["c-0009"]
    assert (outbound["ai_mode"], outbound["initiation_method"]) == ("human_only", "OUTBOUND")
    # an agent dialled: the centre reached out first, and no flow time before the agent
    assert (outbound["direction"], outbound["handle_seconds"]) == ("outbound", 240 + 30)
    assert {rows[c]["direction"] for c in rows if c != "c-0009"} == {"inbound"}
    assert "c-0008" not in rows  # MONITOR


def test_report_and_survey(converted: Any) -> None:
    report = converted.finish()
    assert report.records_read == 10
    assert report.counts["duplicate_records_superseded"] == 1
    assert report.counts["monitor_records_skipped"] == 1
    assert report.counts["records_joined_into_chains"] == 1
    assert "SystemEndpoint.Address" in report.unmapped_fields
    assert not any(f.startswith("Attributes") for f in report.unmapped_fields)
    assert converted.tables["surveys"].to_dict("records") == [
        {
            "survey_id": "c-0001-csat",
            "customer_id": "K-100",
            "contact_id": "c-0001",
            "answered_at": pd.Timestamp("2025-03-03T09:08:00Z"),
            "kind": "csat",
            "score": 4.0,
        }
    ]


def test_without_options(tmp_path: Path) -> None:
    rows = {r["contact_id"]: r for r in convert(FIXTURES).tables["contacts"].to_dict("records")}
    # no Lex file: the voice call that ended in the IVR is IVR self-service, outcome unknown
    assert (rows["c-0002"]["touchpoint"], rows["c-0002"]["ai_mode"]) == ("ivr", "ai_only")
    assert pd.isna(rows["c-0002"]["resolved"])
    assert rows["c-0001"]["customer_id"] == pseudonym("tel", "+15555550100")
    no_ivr = convert(FIXTURES, ConnectOptions(voice_ivr_is_ai=False)).tables["contacts"]
    assert set(no_ivr["ai_mode"]) == {"human_only"}


def test_gzip_and_dataset(tmp_path: Path) -> None:
    src = tmp_path / "s3"
    src.mkdir()
    (src / "part-0001.gz").write_bytes(gzip.compress((FIXTURES / "ctr.jsonl").read_bytes()))
    report = import_command("connect", src, tmp_path / "ds", ["customer_attribute=customerNumber"])
    assert report.rows["contacts"] == 5  # six records, two of them one chain
    analysis = cxroi.analyze(tmp_path / "ds")
    assert encode(analysis.results)["dataset"]["quarantined"]["contacts"] == 0
    assert encode(analysis.results)["metrics"]["counts"]["contacts"]["all"] == 5


def test_malformed_records(tmp_path: Path) -> None:
    good = json.loads((FIXTURES / "ctr.jsonl").read_text().splitlines()[0])
    bad = [
        {k: v for k, v in good.items() if k != "ContactId"},
        {**good, "ContactId": "x1", "InitiationTimestamp": 12.5e20},
        {**good, "ContactId": "x2", "Agent": "alice"},
        {**good, "ContactId": "x3", "Queue": {"Duration": "long"}},
        {**good, "ContactId": "x4", "Channel": None},
    ]
    path = tmp_path / "bad.json"
    path.write_text("".join(json.dumps(b) for b in bad))  # Firehose style
    with pytest.raises(ContractError) as err:
        convert(path)
    got = sorted((p.where.split(" ")[-1], p.rule) for p in err.value.problems)
    assert got == [
        ("Agent", "wrong_type"),
        ("Channel", "required_field_missing"),
        ("ContactId", "required_field_missing"),
        ("InitiationTimestamp", "wrong_type"),
        ("Queue.Duration", "wrong_type"),
    ]
    # records written back to back on one line are told apart by their position on it
    assert sorted({p.where.split(" ")[0] for p in err.value.problems}) == [
        f"{path}:1",
        f"{path}:1#2",
        f"{path}:1#3",
        f"{path}:1#4",
        f"{path}:1#5",
    ]


def test_lex_file_without_contact_id(tmp_path: Path) -> None:
    lex = tmp_path / "lex.csv"
    lex.write_text("conversation_outcome\nSUCCESS\n")
    with pytest.raises(ContractError, match="contact_id"):
        convert(FIXTURES, ConnectOptions(lex_outcomes=lex))
