"""Amazon Connect cases written from the administrator guide's own examples
(tests/fixtures/connect-documented/README.md names each page): the queued callback worked example,
an agent's outbound call back, a call that ends in the IVR, a transfer out of Connect; direction,
mode, handle time, links to records missing from the export, and intent from the platform."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from cxroi.errors import ConfigError
from cxroi.sources.connect import ConnectOptions, convert
from cxroi.sources.registry import import_command

DOCS = Path(__file__).parent / "fixtures" / "connect-documented"


def _rows(converted: Any) -> dict[str, dict[str, Any]]:
    return {r["contact_id"]: r for r in converted.tables["contacts"].to_dict("records")}


def _fcr_7d(contacts: pd.DataFrame, honour_direction: bool) -> dict[str, bool]:
    """metrics.md by brute force: contact c is resolved within 7 days unless the same customer
    starts another contact strictly later and at most 7 days after it; with ``honour_direction``
    only inbound contacts count, as c and as the repeat."""
    rows = contacts.to_dict("records")
    if honour_direction:
        rows = [r for r in rows if r["direction"] == "inbound"]
    week = pd.Timedelta(days=7)
    return {
        c["contact_id"]: not any(
            o["customer_id"] == c["customer_id"]
            and c["started_at"] < o["started_at"] <= c["started_at"] + week
            for o in rows
        )
        for c in rows
    }


def test_queued_callback_is_one_inbound_contact() -> None:
    converted = convert(DOCS / "queued_callback.jsonl")
    rows = _rows(converted)
    assert list(rows) == ["cb-record-1"]  # the CALLBACK record joins the call it came from
    c = rows["cb-record-1"]
    assert (c["direction"], c["legs"], c["channel"]) == ("inbound", 2, "voice")
    assert c["started_at"] == pd.Timestamp("2025-03-10T11:35:00Z")
    # the IVR handed John to the queue and an agent called him back: AI then a human
    assert (c["ai_mode"], c["touchpoint"], c["escalated"], c["agent_id"]) == (
        "hybrid",
        "ivr",
        True,
        "agent3",
    )
    # not an abandon: the caller left the queue with a callback scheduled
    assert pd.isna(c.get("resolved"))
    # 0 s in the flow before the queue (enqueued at once), no flow time on the CALLBACK record
    # (John is dialled only once the agent accepted), 335 s with the agent
    assert c["handle_seconds"] == 335
    # Queue.Duration of both records: 120 s in InboundQueue, 99 s delay + 21 s in CallbackQueue
    assert c["wait_seconds"] == 240
    assert not converted.finish().notes  # both records present: nothing to report


def test_callback_record_alone_is_outbound_and_reported(tmp_path: Path) -> None:
    (tmp_path / "part.jsonl").write_text(
        (DOCS / "queued_callback.jsonl").read_text().splitlines()[1] + "\n"
    )
    converted = convert(tmp_path)
    c = _rows(converted)["cb-record-2"]
    # the inbound record is outside the export: the centre calling back is all that is left
    assert (c["direction"], c["ai_mode"], c["touchpoint"], c["agent_id"]) == (
        "outbound",
        "human_only",
        "none",
        "agent3",
    )
    report = converted.finish()
    assert report.counts["PreviousContactId_not_in_export"] == 1
    assert report.counts["InitialContactId_not_in_export"] == 1
    assert any("cb-record-2 -> cb-record-1" in n for n in report.notes)


def test_next_record_missing_is_reported_and_not_an_abandon(tmp_path: Path) -> None:
    (tmp_path / "part.jsonl").write_text(
        (DOCS / "queued_callback.jsonl").read_text().splitlines()[0] + "\n"
    )
    converted = convert(tmp_path)
    c = _rows(converted)["cb-record-1"]
    # queued, no agent on this record, but it went on (the callback record is not exported):
    # without the NextContactId this would read as abandoned in the queue (resolved false)
    assert (c["ai_mode"], c["escalated"], c["chain_incomplete"]) == ("hybrid", True, True)
    assert pd.isna(c.get("resolved"))
    report = converted.finish()
    assert report.counts["NextContactId_not_in_export"] == 1
    [note] = [n for n in report.notes if "NextContactId" in n]
    assert "cb-record-1 -> cb-record-2" in note and "went on" in note


def test_outbound_call_back_is_not_a_repeat() -> None:
    rows = _rows(convert(DOCS / "outbound_callback.jsonl"))
    inbound, callback = rows["ob-inbound"], rows["ob-callback"]
    assert (inbound["direction"], callback["direction"]) == ("inbound", "outbound")
    assert callback["customer_id"] == inbound["customer_id"]
    assert (callback["ai_mode"], callback["touchpoint"], callback["initiation_method"]) == (
        "human_only",
        "none",
        "OUTBOUND",
    )
    # an agent dialled: only the agent's time, none of the (absent) flow before
    assert callback["handle_seconds"] == 180 + 30
    contacts = pd.DataFrame(rows.values())
    # metrics.md: the call back is not the customer coming back, so the inbound call stays
    # resolved; read without direction the call back would have made it a repeat
    assert _fcr_7d(contacts, honour_direction=True) == {"ob-inbound": True}
    assert _fcr_7d(contacts, honour_direction=False)["ob-inbound"] is False


def test_ivr_only_call_with_and_without_ivr_as_ai() -> None:
    as_ai = _rows(convert(DOCS / "ivr.jsonl"))["ivr-only"]
    assert (as_ai["ai_mode"], as_ai["touchpoint"], as_ai["ended_in_flow"]) == (
        "ai_only",
        "ivr",
        True,
    )
    assert as_ai["handle_seconds"] == 95
    converted = convert(DOCS / "ivr.jsonl", ConnectOptions(voice_ivr_is_ai=False))
    c = _rows(converted)["ivr-only"]
    # no AI and no human: the contract's non-AI mode, flagged, with the flow's real time
    assert (c["ai_mode"], c["touchpoint"], c["escalated"], c["ended_in_flow"]) == (
        "human_only",
        "none",
        False,
        True,
    )
    assert c["handle_seconds"] == 95 and pd.isna(c.get("agent_id"))
    assert pd.isna(c.get("resolved"))  # self-service or giving up: the record cannot tell
    assert converted.finish().counts["ended_in_flow_without_ai_or_agent"] == 1


def test_ivr_transfer_to_an_outside_number_is_handed_on() -> None:
    c = _rows(convert(DOCS / "ivr.jsonl"))["ivr-external"]
    assert (c["ai_mode"], c["escalated"], c["ended_in_flow"], c["direction"]) == (
        "hybrid",
        True,
        False,
        "inbound",
    )
    assert pd.isna(c.get("resolved")) and c["handle_seconds"] == 45
    off = _rows(convert(DOCS / "ivr.jsonl", ConnectOptions(voice_ivr_is_ai=False)))
    assert off["ivr-external"]["ai_mode"] == "human_only"


def test_intent_from_attributes_then_lex(tmp_path: Path) -> None:
    lines = (DOCS / "outbound_callback.jsonl").read_text().splitlines()
    (tmp_path / "ctr.jsonl").write_text(
        lines[0].replace('"Attributes": {}', '"Attributes": {"Reason": "card_lost"}')
        + "\n"
        + lines[1]
        + "\n"
    )
    (tmp_path / "lex.csv").write_text(
        "contact_id,conversation_outcome,intent_name\nob-callback,SUCCESS,ConfirmDelivery\n"
    )
    opts = ConnectOptions(
        intent_from=("attribute:Reason", "lex"), lex_outcomes=tmp_path / "lex.csv"
    )
    converted = convert(tmp_path / "ctr.jsonl", opts)
    rows = _rows(converted)
    assert (rows["ob-inbound"]["intent"], rows["ob-callback"]["intent"]) == (
        "card_lost",
        "ConfirmDelivery",
    )
    # a bot on a call the centre placed is a proactive AI touchpoint
    assert rows["ob-callback"]["touchpoint"] == "proactive"
    coverage = converted.finish().intent
    assert coverage is not None
    assert (coverage.contacts, coverage.with_intent, coverage.share) == (2, 2, 1.0)
    assert coverage.by_source == {"attribute:Reason": 1, "lex": 1}
    # not configured: no intent is read, but the report says what the export offers
    quiet = convert(tmp_path / "ctr.jsonl", ConnectOptions(lex_outcomes=tmp_path / "lex.csv"))
    assert _rows(quiet)["ob-callback"].get("intent") is None
    assert quiet.finish().intent.available == {"lex": 1}  # type: ignore[union-attr]


def test_intent_from_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        import_command(
            "connect",
            DOCS / "ivr.jsonl",
            tmp_path / "o",
            ["intent_from=attribute,wrapup,lex:x"],
        )
    messages = sorted(p.message for p in err.value.problems)
    assert messages == [
        "attribute needs an argument: attribute:<contact attribute name>",
        "lex takes no argument",
        "unknown intent source 'wrapup'; known: attribute:<contact attribute name>, lex",
    ]


def test_import_report_counts_directions(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("outbound_callback.jsonl", "ivr.jsonl"):
        shutil.copy(DOCS / name, src / name)
    report = import_command("connect", src, tmp_path / "ds")
    assert (report.counts["contacts_inbound"], report.counts["contacts_outbound"]) == (3, 1)
    written = pd.read_parquet(tmp_path / "ds" / "contacts.parquet")
    assert list(written["direction"]) == ["inbound", "outbound", "inbound", "inbound"]
