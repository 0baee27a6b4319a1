"""Genesys Cloud conversation detail records (analytics API JSON) -> contacts, surveys, customers.

Input: the body of ``GET /api/v2/analytics/conversations/{id}/details`` (one conversation), a page
or job result of the details query (``{"conversations": [...]}``), a list, JSON lines, or a folder
of such files. One conversation is one contact; who is who among its participants is
``genesys_parts``'s job.

- **direction**: ``originatingDirection`` (``inbound`` / ``outbound``); without it, a dialer
  campaign (``outboundCampaignId``) or a ``callback`` session is outbound (the centre calls), else
  the customer side's first session ``direction``, else inbound (counted);
- **AI**: a bot, or on an inbound voice conversation an IVR when ``ivr_is_ai``;
- **mode**: a human handled it, it queued, or it was transferred to an outside number ->
  ``hybrid`` (escalated) after AI, else ``human_only``; AI alone -> ``ai_only``, ``resolved`` from
  flow outcomes (``SUCCESS`` / ``FAILURE``). No AI and no human (an IVR that is not AI, a flow
  that ended the conversation) -> ``human_only`` with no agent, ``resolved`` empty and the extra
  column ``ended_in_flow`` true, so it is never read as human handling;
- **resolved** false for a queue abandoned with nobody answering (no handler, no transfer out, no
  callback issued by the flow);
- **handle_seconds** = handlers' time + bot and IVR time (ms -> s); ``wait_seconds`` = ``tAcd``;
- **intent** from ``intent_from``: participant data (``attribute:<name>``, the customer side's
  first, then any participant's), the last handler's wrap-up code (``wrapup``; Genesys's own
  ``ININ-`` codes are not reasons), the first successful flow outcome (``flow_outcome``);
- surveys: ``surveys[].surveyPromoterScore`` (0-10) -> an ``nps`` answer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from cxroi.errors import Problem
from cxroi.sources.base import Converted, FieldMapping, Problems, ReportBuilder
from cxroi.sources.genesys_parts import Parts, customer_side, dicts, walk
from cxroi.sources.intent import (
    IntentPicker,
    IntentSource,
    checked_intent_sources,
    intent_text,
    parse_intent_sources,
)
from cxroi.sources.options import parse_options
from cxroi.sources.records import Fields, iter_json_records, pseudonym
from cxroi.sources.tables import INBOUND, OUTBOUND, contact_tables

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
CUSTOMER_FIELDS = ("externalContactId", "ani", "participantName")
INTENT_KINDS = {"attribute": "participant data key", "wrapup": "", "flow_outcome": ""}
EXTRAS = ("queue_id", "transfers", "transferred_out", "flow_exit_reason", "ended_in_flow")

MAPPING = (
    FieldMapping("contacts.contact_id", "conversationId"),
    FieldMapping(
        "contacts.customer_id",
        "customer side: attributes[customer_attribute] | externalContactId | "
        "phone (sessions ani inbound, dnis outbound, callbackNumbers) | participantName (opt-in)",
        "phone numbers and names are pseudonymised; none -> 'anon-<conversationId>'",
    ),
    FieldMapping("contacts.started_at", "conversationStart"),
    FieldMapping("contacts.channel", "customer side's first session mediaType"),
    FieldMapping(
        "contacts.direction",
        "originatingDirection | outboundCampaignId / callback | customer session direction",
    ),
    FieldMapping(
        "contacts.ai_mode",
        "participants[].purpose, sessions[].flow.flowType, segments[].segmentType",
        "see genesys_parts",
    ),
    FieldMapping(
        "contacts.touchpoint",
        "purpose botflow/ivr, flowType, direction",
        "voicebot/chatbot (proactive when outbound), ivr, none",
    ),
    FieldMapping(
        "contacts.escalated", "bot/IVR then acd, agent/user, or an external transfer target"
    ),
    FieldMapping(
        "contacts.agent_id",
        "participants[agent|user].userId",
        "first handler with an interact segment",
    ),
    FieldMapping(
        "contacts.handle_seconds",
        "metrics tHandle | tTalk+tHeld+tAcw | interact/hold/wrapup segments (agents, users) "
        "+ bot/IVR segments",
        "milliseconds / 1000",
    ),
    FieldMapping("contacts.wait_seconds", "metrics tAcd (acd participants)", "milliseconds / 1000"),
    FieldMapping(
        "contacts.resolved",
        "flow.outcomes[].flowOutcomeValue; queued, unanswered, no transfer or callback -> false",
    ),
    FieldMapping(
        "contacts.intent",
        "intent_from: attributes[key] | segments[].wrapUpCode | flow.outcomes[].flowOutcomeId",
    ),
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
    "originatingDirection",
    "participants[].purpose",
    "participants[].userId",
    "participants[].externalContactId",
    "participants[].participantName",
    "participants[].attributes",
    "participants[].sessions[].mediaType",
    "participants[].sessions[].direction",
    "participants[].sessions[].ani",
    "participants[].sessions[].dnis",
    "participants[].sessions[].callbackNumbers",
    "participants[].sessions[].outboundCampaignId",
    "participants[].sessions[].segments[].segmentStart",
    "participants[].sessions[].segments[].segmentEnd",
    "participants[].sessions[].segments[].segmentType",
    "participants[].sessions[].segments[].queueId",
    "participants[].sessions[].segments[].wrapUpCode",
    "participants[].sessions[].metrics[].name",
    "participants[].sessions[].metrics[].value",
    "participants[].sessions[].flow.flowType",
    "participants[].sessions[].flow.exitReason",
    "participants[].sessions[].flow.transferType",
    "participants[].sessions[].flow.issuedCallback",
    "participants[].sessions[].flow.outcomes",
    "surveys[].surveyId",
    "surveys[].surveyPromoterScore",
    "surveys[].surveyCompletedDate",
    "surveys[].eventTime",
)


@dataclass(frozen=True)
class GenesysOptions:
    customer_attribute: str | None = None
    intent_from: tuple[str, ...] = ()
    customer_fields: tuple[str, ...] = ("externalContactId", "ani")  # add participantName to opt in
    ivr_is_ai: bool = True


def parse_genesys_options(raw: dict[str, Any], problems: list[Problem]) -> GenesysOptions:
    opts = parse_options(GenesysOptions, raw, problems, "import.genesys")
    parse_intent_sources(opts.intent_from, INTENT_KINDS, "import.genesys.intent_from", problems)
    bad = [f for f in opts.customer_fields if f not in CUSTOMER_FIELDS]
    if bad:
        problems.append(
            Problem(
                "import.genesys.customer_fields",
                "not_allowed",
                f"unknown fields {bad}; use {', '.join(CUSTOMER_FIELDS)}",
            )
        )
        return replace(opts, customer_fields=GenesysOptions.customer_fields)
    return opts


def _declared_direction(f: Fields, report: ReportBuilder) -> str | None:
    """``originatingDirection``, else outbound for a dialer campaign or a callback."""
    given = str(f.raw("originatingDirection") or "").lower()
    if given in (INBOUND, OUTBOUND):
        return given
    sessions = [s for p in dicts(f.raw("participants")) for s in dicts(p.get("sessions"))]
    if any(s.get("outboundCampaignId") or s.get("mediaType") == "callback" for s in sessions):
        report.count("direction_from_campaign_or_callback")
        return OUTBOUND
    return None


def _session_direction(caller: dict[str, Any], report: ReportBuilder) -> str:
    own = [s.get("direction") for s in dicts(caller.get("sessions"))]
    if own and own[0] in (INBOUND, OUTBOUND):
        report.count("direction_from_customer_session")
        return str(own[0])
    report.count("direction_unknown_read_as_inbound")
    return INBOUND


def _phone(caller: dict[str, Any], direction: str) -> str | None:
    sessions = dicts(caller.get("sessions"))
    fields = ("dnis", "ani") if direction == OUTBOUND else ("ani",)
    for name in fields:
        value = next((s[name] for s in sessions if s.get(name)), None)
        if value:
            return str(value)
    numbers = [
        n
        for s in sessions
        if isinstance(s.get("callbackNumbers"), list)
        for n in s["callbackNumbers"]
        if isinstance(n, str) and n
    ]
    return str(numbers[0]) if numbers else None


def _customer(
    caller: dict[str, Any],
    conv_id: str,
    direction: str,
    opts: GenesysOptions,
    report: ReportBuilder,
) -> str:
    attrs = caller["attributes"] if isinstance(caller.get("attributes"), dict) else {}
    if opts.customer_attribute and attrs.get(opts.customer_attribute):
        report.count("customer_from_attribute")
        return str(attrs[opts.customer_attribute])
    for fld in opts.customer_fields:
        if fld == "externalContactId" and caller.get("externalContactId"):
            report.count("customer_from_externalContactId")
            return str(caller["externalContactId"])
        if fld == "ani":
            phone = _phone(caller, direction)
            if phone:
                report.count("customer_from_phone_pseudonymised")
                number = phone.removeprefix("tel:").split(";")[0].removeprefix("sip:")
                return pseudonym("tel", number)
        if fld == "participantName" and caller.get("participantName"):
            report.count("customer_from_participant_name_pseudonymised")
            return pseudonym("name", str(caller["participantName"]))
    report.count("customer_unknown_one_off")
    return f"anon-{conv_id}"


def _intent(
    source: IntentSource, participants: list[dict[str, Any]], caller: dict[str, Any], p: Parts
) -> str | None:
    if source.kind == "wrapup":
        return p.wrapup
    if source.kind == "flow_outcome":
        return p.flow_outcome
    for part in [caller] + [x for x in participants if x is not caller]:
        attrs = part.get("attributes")
        if isinstance(attrs, dict):
            value = intent_text(attrs.get(source.argument or ""))
            if value is not None:
                return value
    return None


def _mode(p: Parts, ai: bool, report: ReportBuilder) -> tuple[str, bool | None, bool]:
    """(ai_mode, resolved, ended in a flow) from what the participants add up to."""
    if p.handler_seen or p.queued or p.transferred_out:
        abandoned = p.queued and not (p.handler_seen or p.transferred_out or p.issued_callback)
        return ("hybrid" if ai else "human_only"), (False if abandoned else None), False
    if ai:
        return "ai_only", p.outcome, True
    report.count("ended_in_flow_without_ai_or_agent")
    return "human_only", None, True


def _contact(
    f: Fields,
    conv_id: str,
    started: datetime,
    opts: GenesysOptions,
    intents: IntentPicker,
    report: ReportBuilder,
) -> dict[str, Any] | None:
    participants = dicts(f.raw("participants"))
    declared = _declared_direction(f, report)
    caller = customer_side(participants, declared or INBOUND)
    if caller is None:
        report.count("internal_calls_skipped")
        report.note(
            "conversations with no customer or external participant (a Genesys user calling the "
            "centre) are internal calls, not customer contacts: skipped"
        )
        return None
    direction = declared or _session_direction(caller, report)
    sessions = dicts(caller.get("sessions"))
    media = str(sessions[0].get("mediaType") or "").lower() if sessions else ""
    channel = CHANNELS.get(media, "other")
    p = walk(participants, caller, report)
    ai = p.bot or (p.ivr and channel == "voice" and direction == INBOUND and opts.ivr_is_ai)
    mode, resolved, ended = _mode(p, ai, report)
    touchpoint = "none"
    if p.bot:
        touchpoint = "proactive" if direction == OUTBOUND else (
            "voicebot" if channel == "voice" else "chatbot"
        )
    elif ai:
        touchpoint = "ivr"
    return {
        "contact_id": conv_id,
        "customer_id": _customer(caller, conv_id, direction, opts, report),
        "started_at": started,
        "channel": channel,
        "ai_mode": mode,
        "touchpoint": touchpoint,
        "escalated": mode == "hybrid",
        "intent": intents.pick(lambda s: _intent(s, participants, caller, p)),
        "agent_id": p.agent,
        "handle_seconds": p.handle_s + p.self_service_s,
        "wait_seconds": p.wait_ms / 1000.0 if p.wait_ms is not None else None,
        "resolved": resolved,
        "direction": direction,
        "queue_id": p.queue_id,
        "transfers": p.transfers,
        "transferred_out": p.transferred_out,
        "flow_exit_reason": p.exit_reason,
        "ended_in_flow": ended,
    }


def convert(path: Path, options: GenesysOptions | None = None) -> Converted:
    opts = options or GenesysOptions()
    sources = checked_intent_sources(opts.intent_from, INTENT_KINDS, "import.genesys.intent_from")
    problems = Problems()
    report = ReportBuilder(SOURCE, path, opaque=("participants[].attributes",))
    intents = IntentPicker(sources, free_kinds=("wrapup", "flow_outcome"))
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
        row = _contact(f, conv_id, started, opts, intents, report)
        if row is None:
            continue
        contacts[conv_id] = row
        surveys.extend(_surveys(f, conv_id, row["customer_id"], report))
    problems.raise_if_any()
    if not contacts:
        problems.add(str(path), "no_records", "no customer conversations found")
        problems.raise_if_any()
    report.intent = intents.coverage()
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
