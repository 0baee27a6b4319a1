"""Zendesk Support tickets + ticket metrics + satisfaction ratings (+ users) -> contract tables.

Input: a folder (or one file) of API responses: ``{"tickets": [...]}`` (list, search or
incremental export pages; ``metric_sets`` / ``users`` sideloads are read too),
``{"ticket_metrics": [...]}``, ``{"satisfaction_ratings": [...]}``, ``{"users": [...]}``, and the
single-record responses ``{"ticket": {...}}`` (Show Ticket), ``{"ticket_metric": {...}}``,
``{"satisfaction_rating": {...}}``, ``{"user": {...}}``; JSON lines are classified by file name
(``tickets*``, ``ticket_metrics*``, ``satisfaction_ratings*``, ``users*``). One ticket is one
contact.

- ``direction`` from ``via`` (the via object and via types references): a phone call the agent
  placed (``via.channel`` ``phone_call_outbound`` / via id 35, or ``voice`` with ``via.source.rel``
  ``outbound``) is outbound; everything else is inbound. A ticket an agent opens for a customer
  (a proactive email) shows the same ``via`` as one logged for them on a call, so it cannot be
  told apart and is read as inbound;

- AI involvement: ``via.channel`` in ``bot_channels`` (Answer Bot channels by default) or a tag in
  ``bot_tags`` (the tags your AI agent adds); an agent took part when the ticket has an assignee
  and its metrics show public agent replies (or no metrics were exported);
- AI and an agent: ``hybrid`` escalated (touchpoint ``chatbot``); AI only: ``ai_only``; no AI:
  ``human_only``; ``resolved`` = status ``solved`` or ``closed``;
- ``vendor_resolution`` (extra): a tag in ``bot_resolved_tags`` when set, else an ``ai_only``
  solved ticket: what an "automated resolution" count is reconciled against;
- ``handle_seconds`` from the custom field ``handle_time_field`` (e.g. the Time Tracking app's
  total time, in seconds); Zendesk has no handle time otherwise, so it is left empty (never 0),
  counted and explained in the import report;
- ``intent`` from ``intent_from``: ``field:<custom field id>`` (e.g. the intent field that Zendesk's
  intelligent triage fills), ``tag_prefix:<prefix>`` (the first tag starting with it, prefix
  removed);
- ``wait_seconds`` = ``reply_time_in_minutes.calendar`` x 60 (first reply time);
- satisfaction ratings and users: ``zendesk_ratings``.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from cxroi.sources.records import Fields, JsonRecord, iter_json_records
from cxroi.sources.tables import INBOUND, OUTBOUND, contact_tables
from cxroi.sources.zendesk_ratings import customers_from_users, ratings

SOURCE = "zendesk"
KINDS = {
    "tickets": "tickets",
    "results": "tickets",
    "ticket_metrics": "metrics",
    "metric_sets": "metrics",
    "satisfaction_ratings": "ratings",
    "users": "users",
}
# single-record responses: {"ticket": {...}} (Show Ticket) and the like
SINGLE = {
    "ticket": "tickets",
    "ticket_metric": "metrics",
    "satisfaction_rating": "ratings",
    "user": "users",
}
# via ids of the via types reference, for exports that give the channel as a number
VIA_IDS = {
    "0": "web_form",
    "4": "mail",
    "5": "web_service",
    "29": "chat",
    "30": "twitter",
    "33": "voicemail",
    "34": "phone_call_inbound",
    "35": "phone_call_outbound",
    "38": "facebook_post",
    "41": "facebook_message",
}
CHANNELS = {
    "email": "email",
    "mail": "email",
    "voicemail": "voice",
    "phone_call_inbound": "voice",
    "phone_call_outbound": "voice",
    "twitter_dm": "social",
    "facebook_post": "social",
    "facebook_message": "social",
    "text_message": "messaging",
    "web": "web",
    "web_form": "web",
    "web_widget": "web",
    "answer_bot_for_web_widget": "web",
    "chat": "chat",
    "native_messaging": "messaging",
    "voice": "voice",
    "phone": "voice",
    "twitter": "social",
    "facebook": "social",
    "instagram_dm": "social",
    "whatsapp": "messaging",
    "line": "messaging",
    "wechat": "messaging",
    "sms": "messaging",
    "apple_business_chat": "messaging",
    "google_business_messages": "messaging",
}
EXTRAS = ("vendor_resolution", "ticket_status", "via_channel", "reopens")
INTENT_KINDS = {"field": "custom field id", "tag_prefix": "tag prefix"}

MAPPING = (
    FieldMapping("contacts.contact_id", "tickets[].id"),
    FieldMapping("contacts.customer_id", "tickets[].requester_id"),
    FieldMapping("contacts.started_at", "tickets[].created_at"),
    FieldMapping("contacts.channel", "tickets[].via.channel", "names or via ids"),
    FieldMapping(
        "contacts.direction",
        "tickets[].via.channel, via.source.rel",
        "phone_call_outbound (35) or voice + rel outbound -> outbound; else inbound",
    ),
    FieldMapping(
        "contacts.ai_mode",
        "via.channel in bot_channels / tags in bot_tags, assignee_id, ticket_metrics.replies",
        "see the module docstring",
    ),
    FieldMapping("contacts.touchpoint", "(as ai_mode)", "chatbot when AI took part, else none"),
    FieldMapping("contacts.escalated", "AI then an agent"),
    FieldMapping("contacts.agent_id", "tickets[].assignee_id"),
    FieldMapping(
        "contacts.handle_seconds",
        "custom_fields[handle_time_field]",
        "empty when not configured or not set (counted), never 0",
    ),
    FieldMapping("contacts.wait_seconds", "ticket_metrics.reply_time_in_minutes.calendar", "x 60"),
    FieldMapping("contacts.resolved", "tickets[].status", "solved/closed"),
    FieldMapping("contacts.intent", "intent_from: custom_fields[id] | tags[prefix*]"),
    FieldMapping(
        "surveys.*",
        "satisfaction_ratings[] (and tickets[].satisfaction_rating)",
        "good -> csat 5, bad -> csat 1",
    ),
    FieldMapping(
        "customers.*", "users[].id, created_at (end-users)", "else synthesised: first seen"
    ),
)
USED = (
    "tickets.id",
    "tickets.created_at",
    "tickets.updated_at",
    "tickets.requester_id",
    "tickets.assignee_id",
    "tickets.status",
    "tickets.via.channel",
    "tickets.via.source.rel",
    "tickets.tags",
    "tickets.custom_fields",
    "tickets.satisfaction_rating",
    "metrics.ticket_id",
    "metrics.replies",
    "metrics.reopens",
    "metrics.reply_time_in_minutes.calendar",
    "ratings.id",
    "ratings.ticket_id",
    "ratings.requester_id",
    "ratings.score",
    "ratings.created_at",
    "users.id",
    "users.created_at",
    "users.role",
)


@dataclass(frozen=True)
class ZendeskOptions:
    bot_channels: tuple[str, ...] = (
        "answer_bot",
        "answer_bot_for_web_widget",
        "answer_bot_for_sdk",
        "answer_bot_api",
        "answer_bot_for_slack",
    )
    bot_tags: tuple[str, ...] = ()
    bot_resolved_tags: tuple[str, ...] = ()
    handle_time_field: int | None = None
    intent_from: tuple[str, ...] = ()


def parse_zendesk_options(raw: dict[str, Any], problems: list[Problem]) -> ZendeskOptions:
    opts = parse_options(ZendeskOptions, raw, problems, "import.zendesk")
    parse_intent_sources(opts.intent_from, INTENT_KINDS, "import.zendesk.intent_from", problems)
    return opts


def _kind(rec: JsonRecord) -> str | None:
    if rec.key is not None:
        return KINDS.get(rec.key) or SINGLE.get(rec.key)
    stem = rec.file.name.lower()
    for prefix, kind in (
        ("ticket_metrics", "metrics"),
        ("satisfaction", "ratings"),
        ("users", "users"),
        ("tickets", "tickets"),
    ):
        if stem.startswith(prefix):
            return kind
    return None


def _custom(f: Fields, field_id: int | str | None) -> Any:
    if field_id is None:
        return None
    for item in f.items("custom_fields"):
        if isinstance(item, dict) and str(item.get("id")) == str(field_id):
            return item.get("value")
    return None


def convert(path: Path, options: ZendeskOptions | None = None) -> Converted:
    opts = options or ZendeskOptions()
    sources = checked_intent_sources(opts.intent_from, INTENT_KINDS, "import.zendesk.intent_from")
    problems = Problems()
    report = ReportBuilder(SOURCE, path, opaque=("tickets.custom_fields[]", "tickets.fields[]"))
    intents = IntentPicker(sources)
    parts: dict[str, list[Fields]] = {"tickets": [], "metrics": [], "ratings": [], "users": []}
    for rec in iter_json_records(path, tuple(KINDS), problems, object_keys=tuple(SINGLE)):
        kind = _kind(rec)
        if kind is None:
            problems.add(
                rec.where,
                "unknown_record",
                "cannot tell a ticket, metric, rating or user "
                "apart: name the file tickets*, ticket_metrics*, satisfaction_ratings* or users*",
            )
            continue
        report.records_read += 1
        report.see(rec.value, kind)
        parts[kind].append(Fields(rec.value, rec.where, problems))
    metrics = {}
    for m in parts["metrics"]:
        tid = m.text("ticket_id", required=True)
        m.number("replies"), m.number("reopens"), m.number("reply_time_in_minutes.calendar")
        if tid is not None:
            metrics[tid] = m
    contacts: dict[str, dict[str, Any]] = {}
    embedded: list[tuple[Fields, str, str]] = []
    for t in parts["tickets"]:
        row = _ticket(t, metrics, opts, intents, report)
        if row is None:
            continue
        if row["contact_id"] in contacts:
            report.count(
                "duplicate_tickets_superseded"
            )  # incremental exports repeat updated tickets
        contacts[row["contact_id"]] = row
        embedded.append((t, row["contact_id"], row["customer_id"]))
    surveys = ratings(parts["ratings"], embedded, contacts, report)
    problems.raise_if_any()
    if not contacts:
        problems.add(str(path), "no_records", "no tickets found")
        problems.raise_if_any()
    report.intent = intents.coverage()
    unknown = sum(row["handle_seconds"] is None for row in contacts.values())
    if unknown:
        why = (
            "handle_time_field is not set"
            if opts.handle_time_field is None
            else f"custom field {opts.handle_time_field} is empty or not a number"
        )
        report.note(
            f"{unknown} of {len(contacts)} tickets have no handle time ({why}): Zendesk records "
            "none of its own, so handle_seconds is left empty. The data contract requires it, so "
            "validation sets these rows aside (rule required_missing): name the field holding "
            "handle time in seconds (e.g. the Time Tracking app's total time) as handle_time_field"
        )
    tables = contact_tables(
        list(contacts.values()),
        surveys,
        EXTRAS,
        customers=lambda t, s: customers_from_users(t, s, parts["users"], report),
    )
    return Converted(tables=tables, report=report, mapping=MAPPING, used=USED)


def _direction(t: Fields, via: str) -> str:
    rel = str(t.raw("via.source.rel") or "").lower()
    if via == "phone_call_outbound" or (via == "voice" and rel == "outbound"):
        return OUTBOUND
    return INBOUND


def _intent(source: IntentSource, t: Fields, tags: list[str]) -> str | None:
    if source.kind == "field":
        return intent_text(_custom(t, source.argument))
    prefix = source.argument or ""  # "tag_prefix"
    return next((tag[len(prefix) :] or None for tag in tags if tag.startswith(prefix)), None)


def _ticket(
    t: Fields,
    metrics: dict[str, Fields],
    opts: ZendeskOptions,
    intents: IntentPicker,
    report: ReportBuilder,
) -> dict[str, Any] | None:
    tid = t.text("id", required=True)
    created = t.instant("created_at", required=True)
    requester = t.text("requester_id", required=True)
    status = (t.text("status") or "").lower()
    tags = [str(x) for x in t.items("tags")]
    t.obj("via"), t.items("custom_fields")
    if not t.ok or tid is None or created is None or requester is None:
        return None
    if status == "deleted":
        report.count("deleted_tickets_skipped")
        return None
    via_raw = (t.text("via.channel") or "").lower()
    via = VIA_IDS.get(via_raw, via_raw)
    ai = via in opts.bot_channels or any(tag in opts.bot_tags for tag in tags)
    m = metrics.get(tid)
    assignee = t.text("assignee_id")
    replies = m.number("replies") if m is not None else None
    agent = assignee is not None and (replies is None or replies > 0)
    if m is None:
        report.count("tickets_without_metrics")
    mode = ("hybrid" if agent else "ai_only") if ai else "human_only"
    resolved = status in ("solved", "closed")
    handle_raw = _custom(t, opts.handle_time_field)
    try:
        handle = float(handle_raw) if handle_raw not in (None, "") else None
    except (TypeError, ValueError):
        report.count("handle_time_field_not_a_number")
        handle = None
    if handle is None:
        report.count("handle_time_unknown_left_empty")
    reply = m.number("reply_time_in_minutes.calendar") if m is not None else None
    direction = _direction(t, via)
    billed = (
        any(tag in opts.bot_resolved_tags for tag in tags)
        if opts.bot_resolved_tags
        else (mode == "ai_only" and resolved)
    )
    touchpoint = ("proactive" if direction == OUTBOUND else "chatbot") if ai else "none"
    return {
        "contact_id": tid,
        "customer_id": requester,
        "started_at": created,
        "channel": CHANNELS.get(via, "web" if via.startswith("answer_bot") else "other"),
        "ai_mode": mode,
        "touchpoint": touchpoint,
        "escalated": mode == "hybrid",
        "intent": intents.pick(lambda source: _intent(source, t, tags)),
        "agent_id": assignee if agent else None,
        "handle_seconds": handle,
        "wait_seconds": reply * 60.0 if reply is not None and mode != "ai_only" else None,
        "resolved": resolved,
        "direction": direction,
        "vendor_resolution": billed,
        "ticket_status": status or None,
        "via_channel": via or None,
        "reopens": m.number("reopens") if m is not None else None,
    }
