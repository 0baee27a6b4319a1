"""Amazon Connect contact records (CTRs) as exported by Kinesis / Firehose to S3 -> contacts.

Input: a file or folder of CTR JSON (JSON lines, objects back to back as Firehose writes them,
arrays; ``.gz`` too). Connect delivers a record at least once: copies of a ``ContactId`` are
reduced to the one with the latest ``LastUpdateTimestamp``. Records linked by
``InitialContactId`` / ``PreviousContactId`` / ``NextContactId`` (transfers, callbacks) are one
customer contact: a chain, whose ``contact_id`` is its first record's ``ContactId``.

Per chain:
- AI evidence: a Lex conversation outcome for any leg (optional ``lex_outcomes`` file), or an
  inbound voice chain when ``voice_ivr_is_ai`` (every inbound call runs an IVR flow first);
- an agent took part (``Agent`` on any leg): ``hybrid`` escalated after AI, else ``human_only``;
- queued, or transferred out (``TransferredToEndpoint``), but no agent: ``hybrid`` escalated after
  AI (``resolved`` false when it was abandoned in the queue), else ``human_only``;
- AI only: ``ai_only``, ``resolved`` from the Lex outcome (success true, failure/dropped false);
- ``handle_seconds`` = self-service time (initiation to enqueue or disconnect) + agent
  ``AgentInteractionDuration + CustomerHoldDuration + AfterContactWorkDuration``; ``wait_seconds``
  = ``Queue.Duration``; both summed over the chain's legs.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cxroi.errors import Problem
from cxroi.sources.base import Converted, FieldMapping, Problems, ReportBuilder
from cxroi.sources.options import parse_options
from cxroi.sources.records import Fields, iter_json_records, pseudonym, read_text
from cxroi.sources.tables import frame, sort_rows, synthesise_customers

SOURCE = "connect"
CHANNELS = {"VOICE": "voice", "CHAT": "chat", "TASK": "other", "EMAIL": "email"}
SKIPPED_METHODS = ("MONITOR",)  # a supervisor listening in is not a customer contact
LEX_SUCCESS = ("SUCCESS", "SUCCEEDED", "FULFILLED")
LEX_FAILURE = ("FAILURE", "FAILED", "DROPPED", "ABANDONED")
EXTRAS = ("legs", "transfers", "queue", "initiation_method", "disconnect_reason")

MAPPING = (
    FieldMapping(
        "contacts.contact_id",
        "ContactId of the chain's first record",
        "chains follow InitialContactId / PreviousContactId / NextContactId",
    ),
    FieldMapping(
        "contacts.customer_id",
        "Attributes[customer_attribute] | CustomerId | CustomerEndpoint.Address",
        "endpoint addresses pseudonymised (tel-<hash>); none -> anon-<contact_id>",
    ),
    FieldMapping("contacts.started_at", "InitiationTimestamp (first record)"),
    FieldMapping("contacts.channel", "Channel", "VOICE voice, CHAT chat, EMAIL email, TASK other"),
    FieldMapping(
        "contacts.ai_mode",
        "Agent, Queue, TransferredToEndpoint, Lex outcomes, Channel",
        "see the module docstring",
    ),
    FieldMapping(
        "contacts.touchpoint", "Lex outcomes, Channel", "voicebot/chatbot with Lex, ivr on voice"
    ),
    FieldMapping("contacts.escalated", "Agent / Queue / TransferredToEndpoint after AI"),
    FieldMapping("contacts.agent_id", "Agent.Username | Agent.ARN", "first leg with an agent"),
    FieldMapping(
        "contacts.handle_seconds",
        "InitiationTimestamp..Queue.EnqueueTimestamp|DisconnectTimestamp + "
        "Agent.AgentInteractionDuration + CustomerHoldDuration + AfterContactWorkDuration",
        "summed over legs",
    ),
    FieldMapping("contacts.wait_seconds", "Queue.Duration", "summed over legs"),
    FieldMapping("contacts.resolved", "Lex conversation outcome; queued and unanswered -> false"),
    FieldMapping("contacts.intent", "Attributes[intent_attribute] | Lex intent"),
    FieldMapping(
        "surveys.*",
        "Attributes[csat_attribute|nps_attribute|ces_attribute]",
        "answered_at = last DisconnectTimestamp",
    ),
    FieldMapping("customers.*", "(synthesised)", "acquired_at = first seen"),
)
USED = (
    "ContactId",
    "InitialContactId",
    "PreviousContactId",
    "NextContactId",
    "Channel",
    "InitiationMethod",
    "InitiationTimestamp",
    "ConnectedToSystemTimestamp",
    "DisconnectTimestamp",
    "LastUpdateTimestamp",
    "Queue.Name",
    "Queue.Duration",
    "Queue.EnqueueTimestamp",
    "Agent.Username",
    "Agent.ARN",
    "Agent.AgentInteractionDuration",
    "Agent.CustomerHoldDuration",
    "Agent.AfterContactWorkDuration",
    "CustomerEndpoint.Address",
    "CustomerId",
    "Attributes",
    "TransferredToEndpoint",
    "DisconnectReason",
)


@dataclass(frozen=True)
class ConnectOptions:
    customer_attribute: str | None = None
    intent_attribute: str | None = None
    csat_attribute: str | None = None
    nps_attribute: str | None = None
    ces_attribute: str | None = None
    lex_outcomes: Path | None = None
    voice_ivr_is_ai: bool = True


def parse_connect_options(raw: dict[str, Any], problems: list[Problem]) -> ConnectOptions:
    return parse_options(ConnectOptions, raw, problems, "import.connect")


@dataclass
class _Leg:
    where: str
    contact_id: str
    started: datetime
    updated: datetime | None
    f: Fields


def _read_legs(path: Path, problems: Problems, report: ReportBuilder) -> dict[str, _Leg]:
    legs: dict[str, _Leg] = {}
    for rec in iter_json_records(path, ("ContactTraceRecords", "records"), problems):
        report.records_read += 1
        report.see(rec.value)
        f = Fields(rec.value, rec.where, problems)
        cid = f.text("ContactId", required=True)
        started = f.instant("InitiationTimestamp", required=True)
        f.text("Channel", required=True)
        updated = f.instant("LastUpdateTimestamp")
        for name in ("Agent", "Queue", "Attributes", "CustomerEndpoint"):
            f.obj(name)
        for name in (
            "Agent.AgentInteractionDuration",
            "Agent.CustomerHoldDuration",
            "Agent.AfterContactWorkDuration",
            "Queue.Duration",
        ):
            f.number(name)
        f.instant("DisconnectTimestamp")
        if not f.ok or cid is None or started is None:
            continue
        if str(f.raw("InitiationMethod") or "").upper() in SKIPPED_METHODS:
            report.count("monitor_records_skipped")
            continue
        leg = _Leg(rec.where, cid, started, updated, f)
        old = legs.get(cid)
        if old is not None:
            report.count("duplicate_records_superseded")
            # at-least-once delivery: the copy updated last carries the most information
            if (old.updated or old.started) > (updated or started):
                continue
        legs[cid] = leg
    return legs


def _chains(legs: dict[str, _Leg]) -> list[list[_Leg]]:
    parent = {cid: cid for cid in legs}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for cid, leg in legs.items():
        for link in ("InitialContactId", "PreviousContactId", "NextContactId"):
            other = leg.f.raw(link)
            if isinstance(other, str) and other in legs:
                a, b = root(cid), root(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[str, list[_Leg]] = {}
    for cid in sorted(legs):
        groups.setdefault(root(cid), []).append(legs[cid])
    return [sorted(g, key=lambda leg: (leg.started, leg.contact_id)) for g in groups.values()]


def _lex(path: Path | None, problems: Problems) -> dict[str, tuple[bool | None, str | None]]:
    """ContactId -> (bot succeeded?, intent) from a CSV or JSON(L) of bot conversation outcomes."""
    if path is None:
        return {}
    out: dict[str, tuple[bool | None, str | None]] = {}
    rows: list[tuple[str, dict[str, Any]]] = []
    if path.suffix.lower() == ".csv":
        text = read_text(path, problems)
        for i, r in enumerate(csv.DictReader(io.StringIO(text or "")), start=2):
            rows.append((f"{path}:{i}", {k.strip().lower(): v for k, v in r.items() if k}))
    else:
        rows = [
            (rec.where, {k.lower(): v for k, v in rec.value.items()})
            for rec in iter_json_records(path, ("bot_conversations", "records"), problems)
        ]
    for where, r in rows:
        cid = r.get("contact_id") or r.get("contactid")
        outcome = str(r.get("conversation_outcome") or r.get("outcome") or "").strip().upper()
        if not cid:
            problems.add(
                f"{where} contact_id", "required_field_missing", "bot outcome without contact_id"
            )
            continue
        ok = True if outcome in LEX_SUCCESS else False if outcome in LEX_FAILURE else None
        intent = r.get("intent_name") or r.get("intent")
        out[str(cid)] = (ok, str(intent) if intent else None)
    return out


def convert(path: Path, options: ConnectOptions | None = None) -> Converted:
    opts = options or ConnectOptions()
    problems = Problems()
    report = ReportBuilder(SOURCE, path, opaque=("Attributes",))
    legs = _read_legs(path, problems, report)
    lex = _lex(opts.lex_outcomes, problems)
    problems.raise_if_any()
    if not legs:
        problems.add(str(path), "no_records", "no contact records found")
        problems.raise_if_any()
    contacts, surveys = [], []
    for chain in _chains(legs):
        row, answers = _contact(chain, lex, opts, report)
        contacts.append(row)
        surveys.extend(answers)
    table = frame("contacts", sort_rows(contacts, "started_at", "contact_id"), EXTRAS)
    tables = {"contacts": table}
    survey_table = (
        frame("surveys", sort_rows(surveys, "answered_at", "survey_id")) if surveys else None
    )
    tables["customers"] = synthesise_customers(table, survey_table)
    if survey_table is not None:
        tables["surveys"] = survey_table
    return Converted(tables=tables, report=report, mapping=MAPPING, used=USED)


def _customer(chain: list[_Leg], opts: ConnectOptions, report: ReportBuilder) -> str:
    for leg in chain:
        attrs = leg.f.obj("Attributes")
        if opts.customer_attribute and attrs.get(opts.customer_attribute):
            report.count("customer_from_attribute")
            return str(attrs[opts.customer_attribute])
    for leg in chain:
        if leg.f.text("CustomerId"):
            report.count("customer_from_CustomerId")
            return str(leg.f.text("CustomerId"))
    for leg in chain:
        address = leg.f.text("CustomerEndpoint.Address")
        if address:
            report.count("customer_from_endpoint_pseudonymised")
            return pseudonym("tel", address)
    report.count("customer_unknown_one_off")
    return f"anon-{chain[0].contact_id}"


def _seconds(a: datetime | None, b: datetime | None) -> float:
    return (b - a).total_seconds() if a is not None and b is not None else 0.0


def _contact(
    chain: list[_Leg],
    lex: dict[str, tuple[bool | None, str | None]],
    opts: ConnectOptions,
    report: ReportBuilder,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    first = chain[0]
    channel = CHANNELS.get(str(first.f.raw("Channel")).upper(), "other")
    bot = [lex[leg.contact_id] for leg in chain if leg.contact_id in lex]
    inbound = str(first.f.raw("InitiationMethod") or "INBOUND").upper() == "INBOUND"
    ai = bool(bot) or (channel == "voice" and inbound and opts.voice_ivr_is_ai)
    agent: str | None = None
    handle, wait, queued, transferred_out, agent_seen = 0.0, None, False, False, False
    for leg in chain:
        f = leg.f
        enqueued = f.instant("Queue.EnqueueTimestamp")
        if f.obj("Agent"):
            agent_seen = True
            agent = agent or f.text("Agent.Username") or f.text("Agent.ARN")
            handle += sum(
                f.number(n) or 0.0
                for n in (
                    "Agent.AgentInteractionDuration",
                    "Agent.CustomerHoldDuration",
                    "Agent.AfterContactWorkDuration",
                )
            )
        # time in the flow before the queue (or until the end, when it never queued)
        flow_start = f.instant("ConnectedToSystemTimestamp") or leg.started
        flow_end = enqueued or (None if f.obj("Agent") else f.instant("DisconnectTimestamp"))
        handle += _seconds(flow_start, flow_end) if ai else 0.0
        if f.obj("Queue"):
            queued = True
            wait = (wait or 0.0) + (f.number("Queue.Duration") or 0.0)
        transferred_out = transferred_out or bool(f.raw("TransferredToEndpoint"))
    touchpoint = (
        ("voicebot" if channel == "voice" else "chatbot") if bot else ("ivr" if ai else "none")
    )
    if agent_seen or queued or transferred_out:
        mode = "hybrid" if ai else "human_only"
        resolved = False if (queued and not agent_seen and not transferred_out) else None
    elif ai:
        mode = "ai_only"
        outcomes = [ok for ok, _ in bot if ok is not None]
        resolved = all(outcomes) if outcomes else None
    else:
        mode, resolved = "human_only", False
        report.count("chains_ended_in_flow_without_bot_or_agent")
    attrs: dict[str, Any] = {}
    for leg in chain:
        attrs.update(leg.f.obj("Attributes"))
    intent = attrs.get(opts.intent_attribute) if opts.intent_attribute else None
    intent = intent or next((i for _, i in bot if i), None)
    customer = _customer(chain, opts, report)
    if len(chain) > 1:
        report.count("records_joined_into_chains", len(chain) - 1)
    row = {
        "contact_id": first.contact_id,
        "customer_id": customer,
        "started_at": first.started,
        "channel": channel,
        "ai_mode": mode,
        "touchpoint": touchpoint,
        "escalated": mode == "hybrid",
        "intent": str(intent) if intent else None,
        "agent_id": agent,
        "handle_seconds": handle,
        "wait_seconds": wait,
        "resolved": resolved,
        "legs": len(chain),
        "transfers": sum(
            str(leg.f.raw("InitiationMethod") or "").upper() in ("TRANSFER", "QUEUE_TRANSFER")
            for leg in chain
        ),
        "queue": next(
            (leg.f.text("Queue.Name") for leg in chain if leg.f.text("Queue.Name")), None
        ),
        "initiation_method": first.f.text("InitiationMethod"),
        "disconnect_reason": chain[-1].f.text("DisconnectReason"),
    }
    ended = max(leg.f.instant("DisconnectTimestamp") or leg.started for leg in chain)
    answers = []
    for kind, key in (
        ("csat", opts.csat_attribute),
        ("nps", opts.nps_attribute),
        ("ces", opts.ces_attribute),
    ):
        value = attrs.get(key) if key else None
        if value in (None, ""):
            continue
        try:
            score = float(value)
        except (TypeError, ValueError):
            report.count(f"{kind}_attribute_not_a_number")
            continue
        answers.append(
            {
                "survey_id": f"{first.contact_id}-{kind}",
                "customer_id": customer,
                "contact_id": first.contact_id,
                "answered_at": ended,
                "kind": kind,
                "score": score,
            }
        )
    return row, answers
