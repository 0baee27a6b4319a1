"""Genesys Cloud cases written from the platform API's models and the developer center's example
conversations (tests/fixtures/genesys-documented/README.md): IVR -> user, IVR -> external number,
an agent's outbound call, a campaign callback, an internal call, a bot that resolved on its own;
direction, mode, handle time and intent from wrap-up codes, flow outcomes and participant data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from cxroi.sources.genesys import GenesysOptions, convert
from cxroi.sources.records import pseudonym

PAGE = Path(__file__).parent / "fixtures" / "genesys-documented" / "conversations.json"


def _rows(converted: Any) -> dict[str, dict[str, Any]]:
    return {r["contact_id"]: r for r in converted.tables["contacts"].to_dict("records")}


@pytest.fixture(scope="module")
def converted() -> Any:
    return convert(PAGE, GenesysOptions(intent_from=("attribute:Intent", "wrapup", "flow_outcome")))


@pytest.fixture(scope="module")
def rows(converted: Any) -> dict[str, dict[str, Any]]:
    return _rows(converted)


def test_ivr_to_user_is_hybrid_with_the_users_time(rows: dict[str, dict[str, Any]]) -> None:
    c = rows["gd-ivr-user"]
    assert (c["direction"], c["channel"], c["ai_mode"], c["touchpoint"], c["escalated"]) == (
        "inbound",
        "voice",
        "hybrid",
        "ivr",
        True,
    )
    assert c["agent_id"] == "user-dana"
    # 40 s in the IVR (system 1 s + ivr 39 s) + the user's tTalk 315 s + tAcw 10 s
    assert c["handle_seconds"] == pytest.approx(40 + 315 + 10)
    assert pd.isna(c.get("wait_seconds")) and pd.isna(c.get("resolved"))
    assert c["customer_id"] == pseudonym("tel", "+15555550101")
    assert not c["ended_in_flow"]


def test_ivr_to_external_number_is_a_transfer_out(rows: dict[str, dict[str, Any]]) -> None:
    c = rows["gd-ivr-external"]
    # the external participant is the transfer target, not the customer
    assert c["customer_id"] == pseudonym("tel", "+15555550102")
    assert (c["ai_mode"], c["escalated"], c["transferred_out"], c["transfers"]) == (
        "hybrid",
        True,
        True,
        1,  # the flow's transfer to the outside number, counted once
    )
    assert pd.isna(c.get("resolved")) and pd.isna(c.get("agent_id"))
    assert c["handle_seconds"] == pytest.approx(30)
    off = _rows(convert(PAGE, GenesysOptions(ivr_is_ai=False)))["gd-ivr-external"]
    assert (off["ai_mode"], off["touchpoint"]) == ("human_only", "none")


def test_agents_outbound_call(rows: dict[str, dict[str, Any]]) -> None:
    c = rows["gd-outbound"]
    assert (c["direction"], c["ai_mode"], c["touchpoint"], c["agent_id"]) == (
        "outbound",
        "human_only",
        "none",
        "user-eli",
    )
    # the dialled number (dnis) identifies the customer: the same caller as gd-ivr-user
    assert c["customer_id"] == rows["gd-ivr-user"]["customer_id"]
    assert c["handle_seconds"] == pytest.approx(258)  # tHandle
    assert pd.isna(c.get("intent"))  # ININ-WRAP-UP-TIMEOUT is Genesys's, not a reason


def test_campaign_callback_is_outbound(converted: Any, rows: dict[str, dict[str, Any]]) -> None:
    c = rows["gd-campaign-callback"]
    assert (c["direction"], c["channel"], c["ai_mode"], c["agent_id"]) == (
        "outbound",
        "voice",
        "human_only",
        "user-eli",
    )
    assert c["customer_id"] == pseudonym("tel", "+15555550103")  # callbackNumbers
    # no metrics in the record: interact 298 s + wrapup 20 s
    assert c["handle_seconds"] == pytest.approx(298 + 20)
    assert c["intent"] == "9c2d4b63-1e4f-4a60-8b2f-3b7c9d0e1f22"  # the agent's wrap-up code
    report = converted.finish()
    assert report.counts["direction_from_campaign_or_callback"] == 1
    assert report.counts["handler_sessions_without_metrics_timed_from_segments"] == 1


def test_internal_call_is_not_a_customer_contact(converted: Any) -> None:
    assert "gd-internal" not in _rows(converted)
    report = converted.finish()
    assert report.counts["internal_calls_skipped"] == 1
    assert any("internal calls" in n for n in report.notes)


def test_bot_only_message_flow(rows: dict[str, dict[str, Any]]) -> None:
    c = rows["gd-bot-only"]
    assert (c["channel"], c["ai_mode"], c["touchpoint"], c["resolved"]) == (
        "messaging",
        "ai_only",
        "chatbot",
        True,
    )
    assert (c["customer_id"], c["intent"], c["handle_seconds"]) == ("ext-77", "oc-track-order", 120)
    assert c["ended_in_flow"]


def test_intent_sources_in_order_and_coverage(converted: Any, rows: dict[str, Any]) -> None:
    # participant data first: the IVR user call carries Intent=card_lost and a wrap-up code
    assert rows["gd-ivr-user"]["intent"] == "card_lost"
    coverage = converted.finish().intent
    assert coverage.contacts == 5 and coverage.with_intent == 3
    assert coverage.by_source == {"attribute:Intent": 1, "wrapup": 1, "flow_outcome": 1}
    assert coverage.share == pytest.approx(0.6)
    assert "intent: 3 of 5 contacts (60.0%)" in coverage.line()
    bare = convert(PAGE).finish().intent
    assert (bare.with_intent, bare.available) == (0, {"wrapup": 2, "flow_outcome": 1})
