"""Zendesk Support tickets + ticket metrics + satisfaction ratings (+ users) -> contract tables.

Input: a folder (or one file) of API responses: ``{"tickets": [...]}`` (list, search or
incremental export pages; ``metric_sets`` / ``users`` sideloads are read too),
``{"ticket_metrics": [...]}``, ``{"satisfaction_ratings": [...]}``, ``{"users": [...]}``; JSON
lines are classified by file name (``tickets*``, ``ticket_metrics*``, ``satisfaction_ratings*``,
``users*``). One ticket is one contact.

- AI involvement: ``via.channel`` in ``bot_channels`` (Answer Bot channels by default) or a tag in
  ``bot_tags`` (the tags your AI agent adds); an agent took part when the ticket has an assignee
  and its metrics show public agent replies (or no metrics were exported);
- AI and an agent: ``hybrid`` escalated (touchpoint ``chatbot``); AI only: ``ai_only``; no AI:
  ``human_only``; ``resolved`` = status ``solved`` or ``closed``;
- ``vendor_resolution`` (extra): a tag in ``bot_resolved_tags`` when set, else an ``ai_only``
  solved ticket: what an "automated resolution" count is reconciled against;
- ``handle_seconds`` from the custom field ``handle_time_field`` (e.g. the Time Tracking app's
  total time, in seconds); Zendesk has no handle time otherwise, so it is 0 and counted;
- ``wait_seconds`` = ``reply_time_in_minutes.calendar`` x 60 (first reply time);
- satisfaction ``good`` -> CSAT 5, ``bad`` -> 1 (``offered`` / ``unoffered`` are not answers);
- customers from ``users`` (``created_at`` = ``acquired_at``) where exported, else synthesised.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cxroi.errors import Problem
from cxroi.sources.base import Converted, FieldMapping, Problems, ReportBuilder
from cxroi.sources.options import parse_options
from cxroi.sources.records import Fields, JsonRecord, iter_json_records
from cxroi.sources.tables import contact_tables, synthesise_customers

SOURCE = "zendesk"
KINDS = {
    "tickets": "tickets",
    "results": "tickets",
    "ticket_metrics": "metrics",
    "metric_sets": "metrics",
    "satisfaction_ratings": "ratings",
    "users": "users",
}
CHANNELS = {
    "email": "email",
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
SCORES = {"good": 5.0, "good_with_comment": 5.0, "bad": 1.0, "bad_with_comment": 1.0}
EXTRAS = ("vendor_resolution", "ticket_status", "via_channel", "reopens")

MAPPING = (
    FieldMapping("contacts.contact_id", "tickets[].id"),
    FieldMapping("contacts.customer_id", "tickets[].requester_id"),
    FieldMapping("contacts.started_at", "tickets[].created_at"),
    FieldMapping("contacts.channel", "tickets[].via.channel"),
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
        "0 when not configured (counted)",
    ),
    FieldMapping("contacts.wait_seconds", "ticket_metrics.reply_time_in_minutes.calendar", "x 60"),
    FieldMapping("contacts.resolved", "tickets[].status", "solved/closed"),
    FieldMapping("contacts.intent", "custom_fields[intent_field]"),
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
    intent_field: int | None = None


def parse_zendesk_options(raw: dict[str, Any], problems: list[Problem]) -> ZendeskOptions:
    return parse_options(ZendeskOptions, raw, problems, "import.zendesk")


def _kind(rec: JsonRecord) -> str | None:
    if rec.key is not None:
        return KINDS.get(rec.key)
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


def _custom(f: Fields, field_id: int | None) -> Any:
    if field_id is None:
        return None
    for item in f.items("custom_fields"):
        if isinstance(item, dict) and str(item.get("id")) == str(field_id):
            return item.get("value")
    return None


def convert(path: Path, options: ZendeskOptions | None = None) -> Converted:
    opts = options or ZendeskOptions()
    problems = Problems()
    report = ReportBuilder(SOURCE, path, opaque=("tickets.custom_fields[]", "tickets.fields[]"))
    parts: dict[str, list[Fields]] = {"tickets": [], "metrics": [], "ratings": [], "users": []}
    for rec in iter_json_records(path, tuple(KINDS), problems):
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
        row = _ticket(t, metrics, opts, report)
        if row is None:
            continue
        if row["contact_id"] in contacts:
            report.count(
                "duplicate_tickets_superseded"
            )  # incremental exports repeat updated tickets
        contacts[row["contact_id"]] = row
        embedded.append((t, row["contact_id"], row["customer_id"]))
    surveys = _ratings(parts["ratings"], embedded, contacts, report)
    problems.raise_if_any()
    if not contacts:
        problems.add(str(path), "no_records", "no tickets found")
        problems.raise_if_any()
    tables = contact_tables(
        list(contacts.values()),
        surveys,
        EXTRAS,
        customers=lambda t, s: _customers(t, s, parts["users"], report),
    )
    return Converted(tables=tables, report=report, mapping=MAPPING, used=USED)


def _ticket(
    t: Fields, metrics: dict[str, Fields], opts: ZendeskOptions, report: ReportBuilder
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
    via = (t.text("via.channel") or "").lower()
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
        report.count("handle_time_missing_written_as_0")
    reply = m.number("reply_time_in_minutes.calendar") if m is not None else None
    intent = _custom(t, opts.intent_field)
    billed = (
        any(tag in opts.bot_resolved_tags for tag in tags)
        if opts.bot_resolved_tags
        else (mode == "ai_only" and resolved)
    )
    return {
        "contact_id": tid,
        "customer_id": requester,
        "started_at": created,
        "channel": CHANNELS.get(via, "web" if via.startswith("answer_bot") else "other"),
        "ai_mode": mode,
        "touchpoint": "chatbot" if ai else "none",
        "escalated": mode == "hybrid",
        "intent": str(intent) if intent not in (None, "") else None,
        "agent_id": assignee if agent else None,
        "handle_seconds": handle if handle is not None else 0.0,
        "wait_seconds": reply * 60.0 if reply is not None and mode != "ai_only" else None,
        "resolved": resolved,
        "vendor_resolution": billed,
        "ticket_status": status or None,
        "via_channel": via or None,
        "reopens": m.number("reopens") if m is not None else None,
    }


def _ratings(
    ratings: list[Fields],
    embedded: list[tuple[Fields, str, str]],
    contacts: dict[str, dict[str, Any]],
    report: ReportBuilder,
) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for r in ratings:
        rid, tid = r.text("id", required=True), r.text("ticket_id")
        score = _score(r.raw("score"), report)
        at = r.instant("created_at", required=True)
        if rid is None or at is None or score is None:
            continue
        if tid is None or tid not in contacts:
            report.count("ratings_for_tickets_not_in_export")
            continue
        out[rid] = {
            "survey_id": rid,
            "customer_id": contacts[tid]["customer_id"],
            "contact_id": tid,
            "answered_at": at,
            "kind": "csat",
            "score": score,
        }
    for t, tid, customer in embedded:
        block = t.obj("satisfaction_rating")
        rid = str(block.get("id") or f"{tid}-csat")
        if not block or rid in out:
            continue
        score = _score(block.get("score"), report)
        if score is None:
            continue
        report.count("ratings_from_ticket_dated_by_updated_at")
        at = t.instant("updated_at") or contacts[tid]["started_at"]
        out[rid] = {
            "survey_id": rid,
            "customer_id": customer,
            "contact_id": tid,
            "answered_at": at,
            "kind": "csat",
            "score": score,
        }
    return list(out.values())


def _score(value: Any, report: ReportBuilder) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value or "").lower()
    if text in SCORES:
        return SCORES[text]
    report.count("ratings_offered_or_unoffered_skipped")
    return None


def _customers(
    contacts: pd.DataFrame, surveys: pd.DataFrame | None, users: list[Fields], report: ReportBuilder
) -> pd.DataFrame:
    customers = synthesise_customers(contacts, surveys)
    created = {}
    for u in users:
        uid, at = u.text("id", required=True), u.instant("created_at")
        if uid is not None and at is not None and (u.text("role") or "end-user") == "end-user":
            created[uid] = at
    if created:
        # a user record younger than its first ticket is an import artefact; keep the earlier
        from_users = pd.to_datetime(customers["customer_id"].map(created), utc=True)
        use = from_users.notna() & (from_users < customers["acquired_at"])
        customers["acquired_at"] = from_users.where(use, customers["acquired_at"])
        report.count("customers_dated_by_user_created_at", int(use.sum()))
    report.count(
        "customers_dated_by_first_ticket",
        len(customers) - report.counts["customers_dated_by_user_created_at"],
    )
    return customers
