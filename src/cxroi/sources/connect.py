"""Amazon Connect contact records (CTRs) as exported by Kinesis / Firehose to S3 -> contacts.

Input: a file or folder of CTR JSON (JSON lines, objects back to back as Firehose writes them,
arrays; ``.gz`` too). Connect delivers a record at least once: copies of a ``ContactId`` are
reduced to the one with the latest ``LastUpdateTimestamp``. Records linked by
``InitialContactId`` / ``PreviousContactId`` / ``NextContactId`` (transfers, queued callbacks)
are one customer contact: a chain, whose ``contact_id`` is its first record's ``ContactId``. A
link to a record that is not in the export is counted and named in the import report: the
contact began before the export (a previous record is missing) or went on in a record it does not
hold (a next record is missing), so its mode and times cover only what is there.

How a chain becomes a contacts row (direction, AI, mode, times) is ``connect_contact``'s job.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from cxroi.errors import Problem
from cxroi.sources.base import Converted, FieldMapping, Problems, ReportBuilder
from cxroi.sources.connect_contact import (
    INTENT_KINDS,
    BotOutcome,
    ConnectOptions,
    Leg,
    contact_row,
    survey_rows,
)
from cxroi.sources.intent import IntentPicker, checked_intent_sources, parse_intent_sources
from cxroi.sources.options import parse_options
from cxroi.sources.records import Fields, iter_json_records, read_text
from cxroi.sources.tables import frame, sort_rows, synthesise_customers

__all__ = ["ConnectOptions", "convert", "parse_connect_options"]

SOURCE = "connect"
SKIPPED_METHODS = ("MONITOR",)  # a supervisor listening in is not a customer contact
LEX_SUCCESS = ("SUCCESS", "SUCCEEDED", "FULFILLED")
LEX_FAILURE = ("FAILURE", "FAILED", "DROPPED", "ABANDONED")
EXTRAS = (
    "legs",
    "transfers",
    "queue",
    "initiation_method",
    "disconnect_reason",
    "ended_in_flow",
    "chain_incomplete",
)
LINKS = ("InitialContactId", "PreviousContactId", "NextContactId")

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
        "contacts.direction",
        "InitiationMethod (first record), Channel",
        "INBOUND/WEBRTC_API inbound; OUTBOUND/CALLBACK/CAMPAIGN_PREVIEW/EXTERNAL_OUTBOUND/"
        "AGENT_REPLY/FLOW outbound; API outbound on voice, else inbound",
    ),
    FieldMapping(
        "contacts.ai_mode",
        "Agent, Queue, TransferredToEndpoint, NextContactId, Lex outcomes, Channel",
        "see connect_contact",
    ),
    FieldMapping(
        "contacts.touchpoint",
        "Lex outcomes, Channel, direction",
        "voicebot/chatbot with Lex (proactive when outbound), ivr on inbound voice, else none",
    ),
    FieldMapping("contacts.escalated", "Agent / Queue / TransferredToEndpoint after AI"),
    FieldMapping("contacts.agent_id", "Agent.Username | Agent.ARN", "first leg with an agent"),
    FieldMapping(
        "contacts.handle_seconds",
        "ConnectedToSystemTimestamp|InitiationTimestamp..Queue.EnqueueTimestamp|"
        "DisconnectTimestamp + Agent.AgentInteractionDuration + CustomerHoldDuration + "
        "AfterContactWorkDuration",
        "summed over legs; no flow time on callback/outbound records",
    ),
    FieldMapping("contacts.wait_seconds", "Queue.Duration", "summed over legs"),
    FieldMapping(
        "contacts.resolved",
        "Lex conversation outcome; queued, unanswered, not transferred or continued -> false",
    ),
    FieldMapping("contacts.intent", "intent_from: Attributes[name] | Lex intent"),
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


def parse_connect_options(raw: dict[str, Any], problems: list[Problem]) -> ConnectOptions:
    opts = parse_options(ConnectOptions, raw, problems, "import.connect")
    parse_intent_sources(opts.intent_from, INTENT_KINDS, "import.connect.intent_from", problems)
    return opts


def _read_legs(
    path: Path, problems: Problems, report: ReportBuilder, skipped: set[str]
) -> dict[str, Leg]:
    legs: dict[str, Leg] = {}
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
            skipped.add(cid)
            continue
        leg = Leg(rec.where, cid, started, updated, f)
        old = legs.get(cid)
        if old is not None:
            report.count("duplicate_records_superseded")
            # at-least-once delivery: the copy updated last carries the most information
            if (old.updated or old.started) > (updated or started):
                continue
        legs[cid] = leg
    return legs


def _chains(legs: dict[str, Leg]) -> list[list[Leg]]:
    parent = {cid: cid for cid in legs}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for cid, leg in legs.items():
        for link in LINKS:
            other = leg.f.raw(link)
            if isinstance(other, str) and other in legs:
                a, b = root(cid), root(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[str, list[Leg]] = {}
    for cid in sorted(legs):
        groups.setdefault(root(cid), []).append(legs[cid])
    return [sorted(g, key=lambda leg: (leg.started, leg.contact_id)) for g in groups.values()]


def _missing_links(
    legs: dict[str, Leg], skipped: set[str], report: ReportBuilder
) -> set[str]:
    """Count and name links to records the export does not hold; the ids of records whose
    ``NextContactId`` is missing (their contact went on elsewhere)."""
    continues: set[str] = set()
    examples: dict[str, list[str]] = {}
    for cid in sorted(legs):
        for link in LINKS:
            other = legs[cid].f.raw(link)
            if not isinstance(other, str) or not other or other in legs or other in skipped:
                continue
            report.count(f"{link}_not_in_export")
            examples.setdefault(link, []).append(f"{cid} -> {other}")
            if link == "NextContactId":
                continues.add(cid)
    for link, pairs in examples.items():
        shown = ", ".join(pairs[:5]) + (f" (+{len(pairs) - 5} more)" if len(pairs) > 5 else "")
        what = (
            "the contact went on in a record this export does not hold; it is counted as handed on "
            "(hybrid after AI, not abandoned) and its times cover the records present"
            if link == "NextContactId"
            else "the contact began before or outside this export; the chain starts at the first "
            "record present"
        )
        report.note(f"{len(pairs)} records name a {link} missing from the export ({shown}): {what}")
    return continues


def _lex(path: Path | None, problems: Problems) -> dict[str, BotOutcome]:
    """ContactId -> (bot succeeded?, intent) from a CSV or JSON(L) of bot conversation outcomes."""
    if path is None:
        return {}
    out: dict[str, BotOutcome] = {}
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
    sources = checked_intent_sources(opts.intent_from, INTENT_KINDS, "import.connect.intent_from")
    problems = Problems()
    report = ReportBuilder(SOURCE, path, opaque=("Attributes",))
    skipped: set[str] = set()
    legs = _read_legs(path, problems, report, skipped)
    lex = _lex(opts.lex_outcomes, problems)
    problems.raise_if_any()
    if not legs:
        problems.add(str(path), "no_records", "no contact records found")
        problems.raise_if_any()
    continued = _missing_links(legs, skipped, report)
    intents = IntentPicker(sources, free_kinds=("lex",))
    contacts, surveys = [], []
    for chain in _chains(legs):
        continues = any(leg.contact_id in continued for leg in chain)
        row = contact_row(chain, lex, opts, continues, intents, report)
        contacts.append(row)
        surveys.extend(survey_rows(chain, row, opts, report))
    report.intent = intents.coverage()
    table = frame("contacts", sort_rows(contacts, "started_at", "contact_id"), EXTRAS)
    tables = {"contacts": table}
    survey_table = (
        frame("surveys", sort_rows(surveys, "answered_at", "survey_id")) if surveys else None
    )
    tables["customers"] = synthesise_customers(table, survey_table)
    if survey_table is not None:
        tables["surveys"] = survey_table
    return Converted(tables=tables, report=report, mapping=MAPPING, used=USED)
