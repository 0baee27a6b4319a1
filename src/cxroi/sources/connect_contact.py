"""One Amazon Connect customer contact (a chain of contact records) -> a contacts row.

The rules, each from the administrator guide's contact record data model (``ctr-data-model``) and
its list of contact initiation methods (``contact-initiation-methods``); docs/adapters.md has the
full table:

- **direction** from the chain's first record's ``InitiationMethod``: ``INBOUND`` and
  ``WEBRTC_API`` (the customer called, in-app calling) are inbound; ``OUTBOUND`` (an agent dialled
  from the CCP), ``CALLBACK`` (the centre calls back), ``CAMPAIGN_PREVIEW``, ``EXTERNAL_OUTBOUND``,
  ``AGENT_REPLY`` and ``FLOW`` (emails the centre sends) are outbound; ``API`` is outbound on voice
  (``StartOutboundVoiceContact``) and inbound otherwise (``StartChatContact``,
  ``StartTaskContact``, ``StartEmailContact`` are the customer's). ``TRANSFER``,
  ``QUEUE_TRANSFER`` and ``DISCONNECT`` continue a contact: inside a chain they take its first
  record's direction; a chain that starts with one (its first record is not in the export) and a
  record without a known method are read as inbound, the contract's default, and counted. A queued
  callback that the customer asked for during an inbound call is one chain with that call
  (``PreviousContactId``), so it stays the customer's inbound contact.
- **AI** took part when a Lex bot outcome exists for a record, or on an inbound voice chain when
  ``voice_ivr_is_ai`` (every inbound call runs an IVR flow first).
- **mode**: a human or the queue took over (an agent, a queue, ``TransferredToEndpoint``, or a
  ``NextContactId`` leading to a record outside the export) -> ``hybrid`` after AI, else
  ``human_only``; AI alone -> ``ai_only``. A chain that ended in a flow that is not AI (no bot,
  ``voice_ivr_is_ai`` false, or a non-voice flow) has no AI mode to take and no human either: it
  is written ``human_only`` (the contract's mode for contacts without AI) with no agent, the flow's
  time as handle time, ``resolved`` empty (the record cannot tell self-service from giving up) and
  the extra column ``ended_in_flow`` true, so it can be told apart from human-handled contacts.
- **resolved**: false for a queue abandoned without an agent (and without a transfer or a
  continuation: a callback scheduled from the queue is not an abandon); the Lex outcome for AI
  alone; otherwise empty.
- **handle_seconds** = time in the flow before the queue (or until the end when the record never
  queued: ``ConnectedToSystemTimestamp`` or ``InitiationTimestamp`` to ``Queue.EnqueueTimestamp``
  or ``DisconnectTimestamp``) + the agent's ``AgentInteractionDuration + CustomerHoldDuration +
  AfterContactWorkDuration``, summed over the chain. Flow time counts whatever
  ``voice_ivr_is_ai`` says (that setting classifies a contact, it does not change how long it
  took) and only on records where the customer is in the flow before the queue: not on callback
  and outbound records, where Connect connects the customer only once an agent has accepted
  (an outbound record with neither agent nor queue met a flow alone: its time counts from the
  moment the customer answered, ``ConnectedToSystemTimestamp``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cxroi.sources.base import ReportBuilder
from cxroi.sources.intent import IntentPicker, IntentSource, intent_text
from cxroi.sources.records import Fields, pseudonym
from cxroi.sources.tables import INBOUND, OUTBOUND

CHANNELS = {"VOICE": "voice", "CHAT": "chat", "TASK": "other", "EMAIL": "email"}
INBOUND_METHODS = ("INBOUND", "WEBRTC_API")
OUTBOUND_METHODS = (
    "OUTBOUND",
    "CALLBACK",
    "CAMPAIGN_PREVIEW",
    "EXTERNAL_OUTBOUND",
    "AGENT_REPLY",
    "FLOW",
)
CONTINUATION_METHODS = ("TRANSFER", "QUEUE_TRANSFER", "DISCONNECT")
# records on which Connect reaches the customer only after an agent accepted: no flow time
NO_FLOW_TIME_METHODS = OUTBOUND_METHODS
INTENT_KINDS = {"attribute": "contact attribute name", "lex": ""}
AGENT_DURATIONS = (
    "Agent.AgentInteractionDuration",
    "Agent.CustomerHoldDuration",
    "Agent.AfterContactWorkDuration",
)

BotOutcome = tuple[bool | None, str | None]  # (the bot succeeded?, its intent)


@dataclass(frozen=True)
class ConnectOptions:
    customer_attribute: str | None = None
    intent_from: tuple[str, ...] = ()
    csat_attribute: str | None = None
    nps_attribute: str | None = None
    ces_attribute: str | None = None
    lex_outcomes: Path | None = None
    voice_ivr_is_ai: bool = True


@dataclass
class Leg:
    """One contact record, with where it came from."""

    where: str
    contact_id: str
    started: datetime
    updated: datetime | None
    f: Fields

    @property
    def method(self) -> str:
        return str(self.f.raw("InitiationMethod") or "").upper()


def chain_direction(first: Leg, report: ReportBuilder) -> str:
    """Who reached out first, from the chain's first record (module docstring)."""
    method, channel = first.method, str(first.f.raw("Channel") or "").upper()
    if method in INBOUND_METHODS:
        return INBOUND
    if method in OUTBOUND_METHODS:
        return OUTBOUND
    if method == "API":
        return OUTBOUND if channel == "VOICE" else INBOUND
    if method in CONTINUATION_METHODS:
        report.count("chains_starting_mid_contact_read_as_inbound")
    else:
        report.count("initiation_method_unknown_read_as_inbound")
        if method:
            report.note(f"InitiationMethod {method} is not a documented value; read as inbound")
    return INBOUND


def _seconds(a: datetime | None, b: datetime | None) -> float:
    return (b - a).total_seconds() if a is not None and b is not None else 0.0


def _flow_seconds(leg: Leg, agent: bool) -> float:
    """The customer's time in a flow on one record (module docstring)."""
    f = leg.f
    if leg.method in NO_FLOW_TIME_METHODS:
        # reached only once an agent accepted; without agent or queue the call met a flow alone,
        # from the moment the customer answered (no ConnectedToSystemTimestamp: never answered)
        if agent or f.obj("Queue"):
            return 0.0
        return _seconds(f.instant("ConnectedToSystemTimestamp"), f.instant("DisconnectTimestamp"))
    start = f.instant("ConnectedToSystemTimestamp") or leg.started
    end = f.instant("Queue.EnqueueTimestamp") or (
        None if agent else f.instant("DisconnectTimestamp")
    )
    return _seconds(start, end)


@dataclass
class _Work:
    """What a chain's records add up to."""

    handle: float = 0.0
    wait: float | None = None
    queued: bool = False
    transferred_out: bool = False
    agent_seen: bool = False
    agent: str | None = None


def _work(chain: list[Leg], report: ReportBuilder) -> _Work:
    w = _Work()
    for leg in chain:
        f = leg.f
        agent = f.obj("Agent")
        if agent:
            w.agent_seen = True
            w.agent = w.agent or f.text("Agent.Username") or f.text("Agent.ARN")
            w.handle += sum(f.number(n) or 0.0 for n in AGENT_DURATIONS)
        flow = _flow_seconds(leg, bool(agent))
        if flow < 0:
            report.count("flow_time_negative_left_out")
        else:
            w.handle += flow
        if f.obj("Queue"):
            w.queued = True
            w.wait = (w.wait or 0.0) + (f.number("Queue.Duration") or 0.0)
        w.transferred_out = w.transferred_out or bool(f.raw("TransferredToEndpoint"))
    return w


def contact_row(
    chain: list[Leg],
    lex: dict[str, BotOutcome],
    opts: ConnectOptions,
    continues: bool,
    intents: IntentPicker,
    report: ReportBuilder,
) -> dict[str, Any]:
    """The contacts row of one chain; ``continues``: a record points to a next record that is
    not in the export (the contact went on elsewhere)."""
    first = chain[0]
    channel = CHANNELS.get(str(first.f.raw("Channel")).upper(), "other")
    direction = chain_direction(first, report)
    bot = [lex[leg.contact_id] for leg in chain if leg.contact_id in lex]
    ivr_ai = channel == "voice" and first.method in INBOUND_METHODS and opts.voice_ivr_is_ai
    ai = bool(bot) or ivr_ai
    w = _work(chain, report)
    handed_on = w.agent_seen or w.queued or w.transferred_out or continues
    resolved: bool | None = None
    if handed_on:
        mode = "hybrid" if ai else "human_only"
        if w.queued and not (w.agent_seen or w.transferred_out or continues):
            resolved = False  # abandoned in the queue
    elif ai:
        mode = "ai_only"
        outcomes = [ok for ok, _ in bot if ok is not None]
        resolved = all(outcomes) if outcomes else None
    else:
        mode = "human_only"
        report.count("ended_in_flow_without_ai_or_agent")
    touchpoint = "none"
    if bot:
        touchpoint = "proactive" if direction == OUTBOUND else (
            "voicebot" if channel == "voice" else "chatbot"
        )
    elif ai:
        touchpoint = "ivr"
    attrs = merged_attributes(chain)
    intent = intents.pick(lambda s: _intent(s, attrs, bot))
    if len(chain) > 1:
        report.count("records_joined_into_chains", len(chain) - 1)
    return {
        "contact_id": first.contact_id,
        "customer_id": customer(chain, opts, report),
        "started_at": first.started,
        "channel": channel,
        "ai_mode": mode,
        "touchpoint": touchpoint,
        "escalated": mode == "hybrid",
        "intent": intent,
        "agent_id": w.agent,
        "handle_seconds": w.handle,
        "wait_seconds": w.wait,
        "resolved": resolved,
        "direction": direction,
        "legs": len(chain),
        "transfers": sum(leg.method in ("TRANSFER", "QUEUE_TRANSFER") for leg in chain),
        "queue": next((q for leg in chain if (q := leg.f.text("Queue.Name"))), None),
        "initiation_method": first.f.text("InitiationMethod"),
        "disconnect_reason": chain[-1].f.text("DisconnectReason"),
        "ended_in_flow": not handed_on,
        "chain_incomplete": continues,
    }


def merged_attributes(chain: list[Leg]) -> dict[str, Any]:
    """Contact attributes over the chain; a later record's value wins."""
    attrs: dict[str, Any] = {}
    for leg in chain:
        attrs.update(leg.f.obj("Attributes"))
    return attrs


def _intent(source: IntentSource, attrs: dict[str, Any], bot: list[BotOutcome]) -> str | None:
    if source.kind == "attribute":
        return intent_text(attrs.get(source.argument or ""))
    return next((i for _, i in bot if intent_text(i)), None)  # "lex"


def customer(chain: list[Leg], opts: ConnectOptions, report: ReportBuilder) -> str:
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


def survey_rows(
    chain: list[Leg], row: dict[str, Any], opts: ConnectOptions, report: ReportBuilder
) -> list[dict[str, Any]]:
    """Post-contact survey answers stored as contact attributes."""
    attrs = merged_attributes(chain)
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
                "survey_id": f"{row['contact_id']}-{kind}",
                "customer_id": row["customer_id"],
                "contact_id": row["contact_id"],
                "answered_at": ended,
                "kind": kind,
                "score": score,
            }
        )
    return answers
