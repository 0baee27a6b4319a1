"""Intercom conversations (REST API conversation model) -> contacts, surveys, customers.

Input: conversation objects as ``GET /conversations/{id}`` returns them, a list or search page
(``{"type": "conversation.list", "conversations": [...]}``), JSON lines, or a folder of such files.
Times are Unix seconds. One conversation is one contact.

- ``direction`` from ``source.delivered_as`` (the conversation model: "the conversation's
  initiation type"): ``customer_initiated`` is inbound; ``admin_initiated`` (a message an admin
  sent), ``automated`` (Series and other outbound messages), ``campaigns_initiated`` (legacy
  campaigns) and ``operator_initiated`` (a custom bot) are outbound, as option
  ``outbound_delivered_as`` lists them: a workspace whose custom bots only answer conversations the
  customer opens removes ``operator_initiated`` from it (the report counts each value). Without
  the field, an admin or bot author of the first part means outbound, a user or lead inbound
  (counted). So an admin's follow-up message after Fin resolved a conversation is the centre
  writing, never the customer coming back;
- ``ai_agent_participated`` and the AI agent handed over (``ai_agent.resolution_state``
  ``routed_to_team``, ``escalated`` or ``procedure_handoff``) or a teammate replied: ``hybrid``,
  escalated; ``resolved`` = the conversation is closed;
- ``ai_agent_participated`` otherwise: ``ai_only``; ``resolved`` true for ``assumed_resolution``
  and ``confirmed_resolution`` (what Intercom bills as a resolution), false for ``abandoned`` and
  ``negative_feedback``, empty when no answer was delivered;
- no AI agent: ``human_only``; ``resolved`` = closed;
- extra column ``vendor_resolution``: the resolution state is one Intercom counts as resolved,
  which ``cxroi vendor-audit`` reconciles against durable resolution;
- ``handle_seconds`` = ``statistics.adjusted_handling_time`` ("the active handling time excluding
  idle periods", API 2.13 and later). ``statistics.handling_time`` is "time from conversation
  assignment to conversation close": elapsed time, not handling, so it is kept apart as the extra
  column ``handling_elapsed_seconds``. API 2.11 and 2.12 have neither field, and Intercom records
  no time for its AI agent: without ``adjusted_handling_time`` the handle time is unknown and left
  empty (never 0), counted and explained in the import report's notes;
- ``wait_seconds`` = ``statistics.time_to_admin_reply``;
- ``touchpoint`` ``chatbot`` when the AI agent took part (``proactive`` on an outbound
  conversation), else ``none``;
- ``intent`` from ``intent_from``: ``attribute:<name>`` (``custom_attributes``), ``topic`` (the
  first of ``ai_topics.topics[].topic_name``);
- surveys: ``conversation_rating.rating`` and ``ai_agent.rating`` (1-5) -> ``csat`` answers
  (extra column ``rated``: ``teammate`` or ``ai_agent``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cxroi.errors import Problem
from cxroi.sources.base import Converted, FieldMapping, Problems, ReportBuilder
from cxroi.sources.intent import (
    IntentPicker,
    IntentSource,
    checked_intent_sources,
    intent_text,
    parse_intent_sources,
)
from cxroi.sources.options import parse_options
from cxroi.sources.records import Fields, iter_json_records
from cxroi.sources.tables import INBOUND, OUTBOUND, contact_tables

SOURCE = "intercom"
CHANNELS = {
    "conversation": "chat",
    "email": "email",
    "facebook": "social",
    "twitter": "social",
    "instagram": "social",
    "whatsapp": "messaging",
    "sms": "messaging",
    "phone_call": "voice",
    "phone_switch": "voice",
    "call": "voice",
    "push": "other",
}
BILLED = ("assumed_resolution", "confirmed_resolution")
HANDED_OVER = ("routed_to_team", "escalated", "procedure_handoff")
NOT_RESOLVED = ("abandoned", "negative_feedback")
EXTRAS = (
    "vendor_resolution",
    "ai_resolution_state",
    "state",
    "delivered_as",
    "handling_elapsed_seconds",
)
DELIVERED_AS = (
    "customer_initiated",
    "admin_initiated",
    "automated",
    "campaigns_initiated",
    "operator_initiated",
)
INTENT_KINDS = {"attribute": "conversation attribute name", "topic": ""}
HANDLE_UNKNOWN_NOTE = (
    "{n} of {total} conversations have no statistics.adjusted_handling_time, so their "
    "handle_seconds is left empty: Intercom API 2.11 and 2.12 have no handling field, "
    "statistics.handling_time is assignment-to-close elapsed time (kept as "
    "handling_elapsed_seconds), and Intercom records no time for its AI agent. The data contract "
    "requires handle_seconds, so validation sets these rows aside (rule required_missing) until a "
    "handle time is known: export with Intercom-Version 2.13 or later for teammate handling time"
)

MAPPING = (
    FieldMapping("contacts.contact_id", "id"),
    FieldMapping(
        "contacts.customer_id",
        "contacts.contacts[0].external_id | .id | source.author.id",
        "none -> anon-<id>",
    ),
    FieldMapping("contacts.started_at", "created_at", "Unix seconds"),
    FieldMapping(
        "contacts.channel", "source.type", "conversation chat, email email, phone_call voice, ..."
    ),
    FieldMapping(
        "contacts.ai_mode",
        "ai_agent_participated, ai_agent.resolution_state, teammates, "
        "statistics.first_admin_reply_at",
        "see the module docstring",
    ),
    FieldMapping(
        "contacts.direction",
        "source.delivered_as | source.author.type",
        "customer_initiated inbound; admin_initiated/automated/campaigns_initiated/"
        "operator_initiated outbound",
    ),
    FieldMapping(
        "contacts.touchpoint",
        "ai_agent_participated, direction",
        "chatbot (proactive when outbound), else none",
    ),
    FieldMapping(
        "contacts.escalated",
        "ai_agent.resolution_state in routed_to_team/escalated/"
        "procedure_handoff, or a teammate replied after the AI agent",
    ),
    FieldMapping(
        "contacts.agent_id", "admin_assignee_id | teammates | statistics.last_closed_by_id"
    ),
    FieldMapping(
        "contacts.handle_seconds",
        "statistics.adjusted_handling_time",
        "empty when absent (API 2.11-2.12, AI agent alone): counted, never 0",
    ),
    FieldMapping("contacts.wait_seconds", "statistics.time_to_admin_reply"),
    FieldMapping("contacts.resolved", "ai_agent.resolution_state | state == closed"),
    FieldMapping(
        "contacts.intent", "intent_from: custom_attributes[name] | ai_topics.topics[0].topic_name"
    ),
    FieldMapping(
        "surveys.*",
        "conversation_rating.rating/created_at, ai_agent.rating/created_at",
        "kind csat (1-5)",
    ),
    FieldMapping("customers.*", "(synthesised)", "acquired_at = first seen"),
)
USED = (
    "id",
    "created_at",
    "updated_at",
    "state",
    "open",
    "source.type",
    "source.delivered_as",
    "source.author.id",
    "source.author.type",
    "contacts.contacts[].id",
    "contacts.contacts[].external_id",
    "ai_agent_participated",
    "ai_agent.resolution_state",
    "ai_agent.rating",
    "ai_agent.created_at",
    "teammates",
    "admin_assignee_id",
    "statistics.adjusted_handling_time",
    "statistics.handling_time",
    "statistics.time_to_admin_reply",
    "statistics.first_admin_reply_at",
    "statistics.last_closed_by_id",
    "conversation_rating.rating",
    "conversation_rating.created_at",
    "custom_attributes",
    "ai_topics.topics[].topic_name",
)


@dataclass(frozen=True)
class IntercomOptions:
    customer_key: str = "external_id"  # or "id": Intercom's own contact id
    intent_from: tuple[str, ...] = ()
    ai_agent_ratings: bool = True
    # delivered_as values that mean the centre wrote first (the API description's list)
    outbound_delivered_as: tuple[str, ...] = DELIVERED_AS[1:]


def parse_intercom_options(raw: dict[str, Any], problems: list[Problem]) -> IntercomOptions:
    opts = parse_options(
        IntercomOptions,
        raw,
        problems,
        "import.intercom",
        choices={"customer_key": ("external_id", "id")},
    )
    parse_intent_sources(opts.intent_from, INTENT_KINDS, "import.intercom.intent_from", problems)
    unknown = [v for v in opts.outbound_delivered_as if v not in DELIVERED_AS]
    if unknown:
        problems.append(
            Problem(
                "import.intercom.outbound_delivered_as",
                "not_allowed",
                f"unknown values {unknown}; the documented ones are {', '.join(DELIVERED_AS)}",
            )
        )
    return opts


def _direction(f: Fields, opts: IntercomOptions, report: ReportBuilder) -> str:
    delivered = str(f.raw("source.delivered_as") or "").lower()
    if delivered in DELIVERED_AS:
        report.count(f"delivered_as_{delivered}")
        return OUTBOUND if delivered in opts.outbound_delivered_as else INBOUND
    author = str(f.raw("source.author.type") or "").lower()
    report.count("direction_from_source_author")
    if delivered:
        report.note(f"source.delivered_as {delivered!r} is not a documented value")
    return OUTBOUND if author in ("admin", "bot", "team") else INBOUND


def _intent(source: IntentSource, f: Fields) -> str | None:
    # read without recording faults: looking for an intent must never fail an import
    if source.kind == "attribute":
        attrs = f.raw("custom_attributes")
        return intent_text(attrs.get(source.argument or "")) if isinstance(attrs, dict) else None
    topics = f.raw("ai_topics.topics")  # "topic"
    first = topics[0] if isinstance(topics, list) and topics else None
    return intent_text(first.get("topic_name")) if isinstance(first, dict) else None


def _teammates(f: Fields) -> list[str]:
    block = f.raw("teammates")
    if isinstance(block, dict):
        items = block.get("admins") or block.get("teammates") or []
    elif isinstance(block, list):
        items = block
    else:
        items = []
    return [str(t["id"]) for t in items if isinstance(t, dict) and t.get("id") is not None]


def _customer(f: Fields, conv_id: str, opts: IntercomOptions, report: ReportBuilder) -> str:
    people = [c for c in f.items("contacts.contacts") if isinstance(c, dict)]
    if people:
        first = people[0]
        if opts.customer_key == "external_id" and first.get("external_id"):
            report.count("customer_from_external_id")
            return str(first["external_id"])
        if first.get("id"):
            report.count("customer_from_intercom_contact_id")
            return str(first["id"])
    author = f.obj("source.author")
    if author.get("id") and author.get("type") in ("user", "lead", "contact"):
        report.count("customer_from_source_author")
        return str(author["id"])
    report.count("customer_unknown_one_off")
    return f"anon-{conv_id}"


def convert(path: Path, options: IntercomOptions | None = None) -> Converted:
    opts = options or IntercomOptions()
    sources = checked_intent_sources(
        opts.intent_from, INTENT_KINDS, "import.intercom.intent_from"
    )
    problems = Problems()
    report = ReportBuilder(
        SOURCE, path, opaque=("custom_attributes",), ignore=("type", "total_count", "has_more")
    )
    intents = IntentPicker(sources, free_kinds=("topic",))
    contacts: dict[str, dict[str, Any]] = {}
    surveys: list[dict[str, Any]] = []
    for rec in iter_json_records(path, ("conversations", "data"), problems):
        report.records_read += 1
        report.see(rec.value)
        f = Fields(rec.value, rec.where, problems)
        conv_id = f.text("id", required=True)
        created = f.instant("created_at", required=True)
        ai = f.flag("ai_agent_participated")
        ai_agent = f.obj("ai_agent")
        stats = f.obj("statistics")
        f.obj("conversation_rating")
        state_value = f.text("state")
        for name in (
            "statistics.adjusted_handling_time",
            "statistics.handling_time",
            "statistics.time_to_admin_reply",
            "ai_agent.rating",
            "conversation_rating.rating",
        ):
            f.number(name)
        if not f.ok or conv_id is None or created is None:
            continue
        if conv_id in contacts:
            report.count("duplicate_conversations_skipped")
            continue
        resolution = str(ai_agent.get("resolution_state") or "").lower() or None
        teammates = _teammates(f)
        human = bool(teammates) or stats.get("first_admin_reply_at") is not None
        closed = (state_value or "").lower() == "closed"
        resolved: bool | None
        if ai and (resolution in HANDED_OVER or human):
            mode, escalated, resolved = "hybrid", True, closed
        elif ai:
            mode, escalated = "ai_only", False
            resolved = (
                True if resolution in BILLED else False if resolution in NOT_RESOLVED else None
            )
        else:
            mode, escalated, resolved = "human_only", False, closed
        handle = f.number("statistics.adjusted_handling_time")
        if handle is None:
            report.count(f"handle_time_unknown_left_empty_{mode}")
        direction = _direction(f, opts, report)
        author = f.obj("source.author")
        agent = (
            f.text("admin_assignee_id")
            or (teammates[0] if teammates else None)
            or f.text("statistics.last_closed_by_id")
            or (str(author["id"]) if author.get("type") == "admin" and author.get("id") else None)
        )
        customer = _customer(f, conv_id, opts, report)
        source_type = str(f.raw("source.type") or "").lower()
        touchpoint = "none"
        if ai:
            touchpoint = "proactive" if direction == OUTBOUND else "chatbot"
        contacts[conv_id] = {
            "contact_id": conv_id,
            "customer_id": customer,
            "started_at": created,
            "channel": CHANNELS.get(source_type, "other"),
            "ai_mode": mode,
            "touchpoint": touchpoint,
            "escalated": escalated,
            "intent": intents.pick(lambda source: _intent(source, f)),
            "agent_id": agent if mode != "ai_only" else None,
            "handle_seconds": handle,
            "wait_seconds": f.number("statistics.time_to_admin_reply")
            if mode != "ai_only"
            else None,
            "resolved": resolved,
            "direction": direction,
            "vendor_resolution": resolution in BILLED,
            "ai_resolution_state": resolution,
            "state": state_value,
            "delivered_as": f.text("source.delivered_as"),
            "handling_elapsed_seconds": f.number("statistics.handling_time"),
        }
        surveys.extend(_ratings(f, conv_id, customer, opts, report))
    problems.raise_if_any()
    if not contacts:
        problems.add(str(path), "no_records", "no conversations found")
        problems.raise_if_any()
    report.intent = intents.coverage()
    unknown = sum(row["handle_seconds"] is None for row in contacts.values())
    if unknown:
        report.note(HANDLE_UNKNOWN_NOTE.format(n=unknown, total=len(contacts)))
    tables = contact_tables(list(contacts.values()), surveys, EXTRAS, survey_extras=("rated",))
    return Converted(tables=tables, report=report, mapping=MAPPING, used=USED)


def _ratings(
    f: Fields, conv_id: str, customer: str, opts: IntercomOptions, report: ReportBuilder
) -> list[dict[str, Any]]:
    out = []
    fallback: datetime | None = f.instant("updated_at") or f.instant("created_at")
    sources = [("teammate", "conversation_rating")]
    if opts.ai_agent_ratings:
        sources.append(("ai_agent", "ai_agent"))
    for rated, block in sources:
        score = f.number(f"{block}.rating")
        if score is None:
            continue
        at = f.instant(f"{block}.created_at")
        if at is None:
            report.count(f"{rated}_ratings_dated_by_updated_at")
            at = fallback
        out.append(
            {
                "survey_id": f"{conv_id}-{rated}",
                "customer_id": customer,
                "contact_id": conv_id,
                "answered_at": at,
                "kind": "csat",
                "score": score,
                "rated": rated,
            }
        )
    return out
