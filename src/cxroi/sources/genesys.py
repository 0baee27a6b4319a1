"""Genesys Cloud conversation detail records (analytics API JSON) -> contacts, surveys, customers.

Input: the body of ``GET /api/v2/analytics/conversations/{id}/details`` (one conversation), a page
or job result of the details query (``{"conversations": [...]}``), a list, JSON lines, or a folder
of such files. One conversation is one contact.

Participants by ``purpose``: ``customer`` (or ``external``) is who contacted; ``botflow``, or a
flow session whose ``flowType`` is a bot, is an AI bot; ``ivr`` is the IVR (counted as AI
self-service on voice, option ``ivr_is_ai``; a flow on chat/messaging only routes); ``acd`` is the
queue; ``agent`` with an ``interact`` segment is a human who took part.

- agent took part: ``hybrid`` (escalated) after a bot/IVR, else ``human_only``;
- queued but no agent answered: ``hybrid`` escalated with ``resolved`` false after a bot/IVR,
  else ``human_only`` with ``resolved`` false;
- bot/IVR only: ``ai_only``; ``resolved`` from flow outcomes (``SUCCESS`` / ``FAILURE``);
- ``handle_seconds`` = agents' ``tHandle`` (else ``tTalk + tHeld + tAcw``) + bot/IVR session time,
  milliseconds -> seconds; ``wait_seconds`` = ``tAcd``;
- surveys: ``surveys[].surveyPromoterScore`` (0-10) -> an ``nps`` answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cxroi.errors import Problem
from cxroi.sources.base import Converted, FieldMapping, Problems, ReportBuilder
from cxroi.sources.options import parse_options
from cxroi.sources.records import Fields, iter_json_records, parse_instant, pseudonym
from cxroi.sources.tables import contact_tables

SOURCE = "genesys"
CHANNELS = {
    "voice": "voice",
    "callback": "voice",
    "chat": "chat",
    "message": "messaging",
    "email": "email",
    "cobrowse": "web",
    "screenshare": "web",
    "video": "other",
}
BOT_FLOW_TYPES = ("bot", "digitalbot", "voicebot")
CUSTOMER_PURPOSES = ("customer", "external")
EXTRAS = ("queue_id", "transfers", "flow_exit_reason")

MAPPING = (
    FieldMapping("contacts.contact_id", "conversationId"),
    FieldMapping(
        "contacts.customer_id",
        "participants[customer].attributes[customer_attribute] | "
        "externalContactId | sessions[].ani | participantName (opt-in)",
        "phone numbers and names are pseudonymised; none -> 'anon-<conversationId>'",
    ),
    FieldMapping("contacts.started_at", "conversationStart"),
    FieldMapping("contacts.channel", "participants[customer].sessions[0].mediaType"),
    FieldMapping(
        "contacts.ai_mode",
        "participants[].purpose, sessions[].flow.flowType, segments[].segmentType",
        "see the module docstring",
    ),
    FieldMapping(
        "contacts.touchpoint", "purpose botflow/ivr, flowType", "voicebot/chatbot, ivr, none"
    ),
    FieldMapping("contacts.escalated", "bot/IVR then acd/agent, flow.exitReason/transferType"),
    FieldMapping(
        "contacts.agent_id", "participants[agent].userId", "first agent with an interact segment"
    ),
    FieldMapping(
        "contacts.handle_seconds",
        "metrics tHandle | tTalk+tHeld+tAcw (agents) + bot/IVR segments",
        "milliseconds / 1000",
    ),
    FieldMapping("contacts.wait_seconds", "metrics tAcd (acd participants)", "milliseconds / 1000"),
    FieldMapping(
        "contacts.resolved", "flow.outcomes[].flowOutcomeValue; queued and unanswered -> false"
    ),
    FieldMapping("contacts.intent", "participants[customer].attributes[intent_attribute]"),
    FieldMapping(
        "surveys.*",
        "surveys[].surveyId, surveyPromoterScore, surveyCompletedDate|eventTime",
        "kind nps",
    ),
    FieldMapping("customers.*", "(synthesised)", "acquired_at = first seen"),
)
USED = (
    "conversationId",
    "conversationStart",
    "conversationEnd",
    "participants[].purpose",
    "participants[].userId",
    "participants[].externalContactId",
    "participants[].participantName",
    "participants[].attributes",
    "participants[].sessions[].mediaType",
    "participants[].sessions[].ani",
    "participants[].sessions[].segments[].segmentStart",
    "participants[].sessions[].segments[].segmentEnd",
    "participants[].sessions[].segments[].segmentType",
    "participants[].sessions[].segments[].queueId",
    "participants[].sessions[].metrics[].name",
    "participants[].sessions[].metrics[].value",
    "participants[].sessions[].flow.flowType",
    "participants[].sessions[].flow.exitReason",
    "participants[].sessions[].flow.transferType",
    "participants[].sessions[].flow.outcomes",
    "surveys[].surveyId",
    "surveys[].surveyPromoterScore",
    "surveys[].surveyCompletedDate",
    "surveys[].eventTime",
)


@dataclass(frozen=True)
class GenesysOptions:
    customer_attribute: str | None = None
    intent_attribute: str | None = None
    customer_fields: tuple[str, ...] = ("externalContactId", "ani")  # add participantName to opt in
    ivr_is_ai: bool = True


def parse_genesys_options(raw: dict[str, Any], problems: list[Problem]) -> GenesysOptions:
    opts = parse_options(GenesysOptions, raw, problems, "import.genesys")
    bad = [
        f for f in opts.customer_fields if f not in ("externalContactId", "ani", "participantName")
    ]
    if bad:
        problems.append(
            Problem(
                "import.genesys.customer_fields",
                "not_allowed",
                f"unknown fields {bad}; use externalContactId, ani, participantName",
            )
        )
        return GenesysOptions(
            opts.customer_attribute, opts.intent_attribute, ivr_is_ai=opts.ivr_is_ai
        )
    return opts


def _metric_ms(session: dict[str, Any], name: str) -> float | None:
    values = [
        m.get("value")
        for m in session.get("metrics") or []
        if isinstance(m, dict) and m.get("name") == name
    ]
    nums = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return sum(nums) if nums else None


def _segment_seconds(session: dict[str, Any]) -> float:
    total = 0.0
    for seg in session.get("segments") or []:
        try:
            total += (
                parse_instant(seg["segmentEnd"]) - parse_instant(seg["segmentStart"])
            ).total_seconds()
        except (KeyError, TypeError, ValueError):
            continue  # an open segment (no end yet) adds nothing
    return total


@dataclass
class _Parts:
    """What one conversation's participants add up to."""

    bot: bool = False
    ivr: bool = False
    queued: bool = False
    agent: str | None = None
    agent_seen: bool = False
    handle_ms: float = 0.0
    self_service_s: float = 0.0
    wait_ms: float | None = None
    transfers: int = 0
    outcome: bool | None = None
    exit_reason: str | None = None
    queue_id: str | None = None


def _participants(f: Fields, report: ReportBuilder, opts: GenesysOptions, voice: bool) -> _Parts:
    p = _Parts()
    for part in f.items("participants", required=True):
        if not isinstance(part, dict):
            continue
        purpose = str(part.get("purpose") or "").lower()
        for s in part.get("sessions") or []:
            if not isinstance(s, dict):
                continue
            flow: dict[str, Any] = s["flow"] if isinstance(s.get("flow"), dict) else {}
            flow_type = str(flow.get("flowType") or "").lower()
            is_bot = purpose == "botflow" or flow_type in BOT_FLOW_TYPES
            if is_bot or purpose == "ivr":
                if is_bot:
                    p.bot = True
                elif voice and opts.ivr_is_ai:
                    p.ivr = True
                p.self_service_s += (
                    _segment_seconds(s) if (is_bot or (voice and opts.ivr_is_ai)) else 0.0
                )
                p.exit_reason = flow.get("exitReason") or p.exit_reason
                if (
                    flow.get("transferType")
                    or "TRANSFER" in str(flow.get("exitReason") or "").upper()
                ):
                    p.transfers += 1
                for o in flow.get("outcomes") or []:
                    value = str((o or {}).get("flowOutcomeValue") or "").upper()
                    if value in ("SUCCESS", "FAILURE"):
                        p.outcome = (p.outcome is not False) and value == "SUCCESS"
            elif purpose == "acd":
                p.queued = True
                tacd = _metric_ms(s, "tAcd")
                if tacd is not None:
                    p.wait_ms = (p.wait_ms or 0.0) + tacd
                for seg in s.get("segments") or []:
                    p.queue_id = p.queue_id or (
                        seg.get("queueId") if isinstance(seg, dict) else None
                    )
            elif purpose == "agent":
                interacted = any(
                    isinstance(g, dict) and g.get("segmentType") == "interact"
                    for g in s.get("segments") or []
                )
                if not interacted:
                    continue
                if p.agent_seen:
                    p.transfers += 1
                p.agent_seen = True
                p.agent = p.agent or (str(part["userId"]) if part.get("userId") else None)
                handle = _metric_ms(s, "tHandle")
                if handle is None:
                    report.count("agent_sessions_without_tHandle_summed_from_talk_hold_acw")
                    handle = sum(
                        v
                        for v in (
                            _metric_ms(s, "tTalk"),
                            _metric_ms(s, "tHeld"),
                            _metric_ms(s, "tAcw"),
                        )
                        if v is not None
                    )
                p.handle_ms += handle
    return p


def _customer(
    f: Fields, conv_id: str, opts: GenesysOptions, report: ReportBuilder
) -> tuple[str, dict[str, Any]]:
    customers = [
        p
        for p in f.items("participants")
        if isinstance(p, dict) and str(p.get("purpose") or "").lower() in CUSTOMER_PURPOSES
    ]
    cust = customers[0] if customers else {}
    attrs: dict[str, Any] = cust["attributes"] if isinstance(cust.get("attributes"), dict) else {}
    if opts.customer_attribute and attrs.get(opts.customer_attribute):
        report.count("customer_from_attribute")
        return str(attrs[opts.customer_attribute]), cust
    sessions = [s for s in cust.get("sessions") or [] if isinstance(s, dict)]
    for fld in opts.customer_fields:
        if fld == "externalContactId" and cust.get("externalContactId"):
            report.count("customer_from_externalContactId")
            return str(cust["externalContactId"]), cust
        if fld == "ani":
            ani = next((s["ani"] for s in sessions if s.get("ani")), None)
            if ani:
                report.count("customer_from_ani_pseudonymised")
                return pseudonym("tel", str(ani).removeprefix("tel:")), cust
        if fld == "participantName" and cust.get("participantName"):
            report.count("customer_from_participant_name_pseudonymised")
            return pseudonym("name", str(cust["participantName"])), cust
    report.count("customer_unknown_one_off")
    return f"anon-{conv_id}", cust


def convert(path: Path, options: GenesysOptions | None = None) -> Converted:
    opts = options or GenesysOptions()
    problems = Problems()
    report = ReportBuilder(SOURCE, path, opaque=("participants[].attributes",))
    contacts: dict[str, dict[str, Any]] = {}
    surveys: list[dict[str, Any]] = []
    for rec in iter_json_records(path, ("conversations",), problems):
        report.records_read += 1
        report.see(rec.value)
        f = Fields(rec.value, rec.where, problems)
        conv_id = f.text("conversationId", required=True)
        started = f.instant("conversationStart", required=True)
        if f.items("participants", required=True) and not all(
            isinstance(p, dict) and isinstance(p.get("purpose"), str)
            for p in f.items("participants")
        ):
            problems.add(
                f"{rec.where} participants[].purpose",
                "required_field_missing",
                "every participant needs a purpose",
            )
            continue
        if not f.ok or conv_id is None or started is None:
            continue
        if conv_id in contacts:
            report.count("duplicate_conversations_skipped")
            continue
        customer, cust = _customer(f, conv_id, opts, report)
        sessions = [s for s in cust.get("sessions") or [] if isinstance(s, dict)]
        media = str(sessions[0].get("mediaType") or "").lower() if sessions else ""
        channel = CHANNELS.get(media, "other")
        p = _participants(f, report, opts, voice=channel == "voice")
        ai = p.bot or p.ivr
        touchpoint = (
            ("voicebot" if channel == "voice" else "chatbot")
            if p.bot
            else ("ivr" if p.ivr else "none")
        )
        if p.agent_seen or p.queued:
            mode = "hybrid" if ai else "human_only"
            resolved = None if p.agent_seen else False
        else:
            mode, resolved = ("ai_only", p.outcome) if ai else ("human_only", None)
            if not ai:
                report.count("conversations_without_bot_agent_or_queue")
        attrs: dict[str, Any] = (
            cust["attributes"] if isinstance(cust.get("attributes"), dict) else {}
        )
        intent = attrs.get(opts.intent_attribute) if opts.intent_attribute else None
        contacts[conv_id] = {
            "contact_id": conv_id,
            "customer_id": customer,
            "started_at": started,
            "channel": channel,
            "ai_mode": mode,
            "touchpoint": touchpoint,
            "escalated": mode == "hybrid",
            "intent": str(intent) if intent not in (None, "") else None,
            "agent_id": p.agent,
            "handle_seconds": p.handle_ms / 1000.0 + p.self_service_s,
            "wait_seconds": p.wait_ms / 1000.0 if p.wait_ms is not None else None,
            "resolved": resolved,
            "queue_id": p.queue_id,
            "transfers": p.transfers,
            "flow_exit_reason": p.exit_reason,
        }
        surveys.extend(_surveys(f, conv_id, customer, report))
    problems.raise_if_any()
    if not contacts:
        problems.add(str(path), "no_records", "no conversations found")
        problems.raise_if_any()
    tables = contact_tables(list(contacts.values()), surveys, EXTRAS)
    return Converted(tables=tables, report=report, mapping=MAPPING, used=USED)


def _surveys(f: Fields, conv_id: str, customer: str, report: ReportBuilder) -> list[dict[str, Any]]:
    out = []
    for i, s in enumerate(f.items("surveys")):
        if not isinstance(s, dict) or s.get("surveyPromoterScore") is None:
            report.count("surveys_without_promoter_score")
            continue
        sf = Fields(s, f"{f.where} surveys[{i}]", f.problems)
        score = sf.number("surveyPromoterScore")
        at: datetime | None = sf.instant("surveyCompletedDate") or sf.instant(
            "eventTime", required=True
        )
        if score is None or at is None:
            continue
        out.append(
            {
                "survey_id": str(s.get("surveyId") or f"{conv_id}-{i}"),
                "customer_id": customer,
                "contact_id": conv_id,
                "answered_at": at,
                "kind": "nps",
                "score": score,
            }
        )
    return out
