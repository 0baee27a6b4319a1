"""What one Genesys Cloud conversation's participants add up to: who contacted whom, who handled.

Participants by ``purpose`` (``AnalyticsParticipant`` of the platform API):

- the **customer side**: the ``customer`` participant; without one, on an outbound conversation the
  first ``external`` participant (the party the centre dialled), on an inbound one the earliest
  ``external`` (a conversation injected from another system). A conversation with neither is an
  internal call (a Genesys user dialling the centre, as in the analytics query builder's example
  conversations) and is not a customer contact;
- ``botflow``, or a flow session whose ``flowType`` is a bot: an AI bot;
- ``ivr``: the IVR flow (AI self-service on inbound voice when ``ivr_is_ai``);
- ``acd``: the queue (``tAcd`` is the wait);
- ``agent`` and ``user`` with an ``interact`` segment: a human who handled the contact (``user`` is
  a person reached without the queue, e.g. an IVR transfer to a user, or the person who dialled
  an outbound call);
- any other ``external`` participant: the contact was handed to an outside number (a transfer out
  of the centre), as Connect's ``TransferredToEndpoint``.

A handler's time is ``tHandle``, else ``tTalk + tHeld + tAcw``, else the length of its
``interact``, ``hold`` and ``wrapup`` segments (each fallback counted); bot and IVR time is the
length of their sessions' segments, whatever ``ivr_is_ai`` says (the setting classifies a
contact, it does not change how long it took).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cxroi.sources.base import ReportBuilder
from cxroi.sources.records import parse_instant

BOT_FLOW_TYPES = ("bot", "digitalbot", "voicebot")
HANDLERS = ("agent", "user")
HANDLER_SEGMENTS = ("interact", "hold", "wrapup")
SYSTEM_WRAPUP_PREFIX = "ININ-"  # Genesys's own codes (timeouts, dialer results): not a reason


def dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _metric_ms(session: dict[str, Any], name: str) -> float | None:
    values = [m.get("value") for m in dicts(session.get("metrics")) if m.get("name") == name]
    nums = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return sum(nums) if nums else None


def _segments_seconds(session: dict[str, Any], types: tuple[str, ...] | None = None) -> float:
    total = 0.0
    for seg in dicts(session.get("segments")):
        if types is not None and seg.get("segmentType") not in types:
            continue
        try:
            total += (
                parse_instant(seg["segmentEnd"]) - parse_instant(seg["segmentStart"])
            ).total_seconds()
        except (KeyError, TypeError, ValueError):
            continue  # an open segment (no end yet) adds nothing
    return total


def _start(participant: dict[str, Any]) -> str:
    starts = [
        str(seg.get("segmentStart") or "")
        for s in dicts(participant.get("sessions"))
        for seg in dicts(s.get("segments"))
    ]
    return min((x for x in starts if x), default="~")


def customer_side(participants: list[dict[str, Any]], direction: str) -> dict[str, Any] | None:
    """The participant who is the customer (module docstring), or None for an internal call."""
    by_purpose = [(str(p.get("purpose") or "").lower(), p) for p in participants]
    customers = [p for purpose, p in by_purpose if purpose == "customer"]
    if customers:
        return customers[0]
    externals = [p for purpose, p in by_purpose if purpose == "external"]
    if not externals:
        return None
    return externals[0] if direction == "outbound" else min(externals, key=_start)


@dataclass
class Parts:
    """What a conversation's participants add up to (all but the customer side)."""

    bot: bool = False
    ivr: bool = False
    queued: bool = False
    handler_seen: bool = False
    agent: str | None = None
    handle_s: float = 0.0
    self_service_s: float = 0.0
    wait_ms: float | None = None
    transfers: int = 0
    transferred_out: bool = False
    externals: int = 0  # outside parties on the line
    flow_external_transfers: int = 0  # flows that ended by transferring to an outside number
    issued_callback: bool = False
    outcome: bool | None = None
    exit_reason: str | None = None
    queue_id: str | None = None
    wrapup: str | None = None
    flow_outcome: str | None = None


def walk(
    participants: list[dict[str, Any]], caller: dict[str, Any], report: ReportBuilder
) -> Parts:
    p = Parts()
    for part in participants:
        if part is caller:
            continue
        purpose = str(part.get("purpose") or "").lower()
        if purpose == "external":
            p.transferred_out = True
            p.externals += 1
            continue
        for s in dicts(part.get("sessions")):
            flow: dict[str, Any] = s["flow"] if isinstance(s.get("flow"), dict) else {}
            if purpose in ("botflow", "ivr") or str(flow.get("flowType") or "").lower() in (
                BOT_FLOW_TYPES
            ):
                _flow_session(p, purpose, s, flow)
            elif purpose == "acd":
                _queue_session(p, s)
            elif purpose in HANDLERS:
                _handler_session(p, part, s, report)
    # an outside party a flow transferred to is that flow's transfer, not another one
    p.transfers += max(0, p.externals - p.flow_external_transfers)
    return p


def _flow_session(p: Parts, purpose: str, s: dict[str, Any], flow: dict[str, Any]) -> None:
    if purpose == "botflow" or str(flow.get("flowType") or "").lower() in BOT_FLOW_TYPES:
        p.bot = True
    else:
        p.ivr = True
    p.self_service_s += _segments_seconds(s)
    p.exit_reason = flow.get("exitReason") or p.exit_reason
    p.issued_callback = p.issued_callback or flow.get("issuedCallback") is True
    if flow.get("transferType") or "TRANSFER" in str(flow.get("exitReason") or "").upper():
        p.transfers += 1
        if str(flow.get("transferType") or "").upper() == "EXTERNAL":
            p.flow_external_transfers += 1
    for o in dicts(flow.get("outcomes")):
        value = str(o.get("flowOutcomeValue") or "").upper()
        if value in ("SUCCESS", "FAILURE"):
            p.outcome = (p.outcome is not False) and value == "SUCCESS"
        if value == "SUCCESS" and p.flow_outcome is None:
            name = o.get("flowOutcomeId") or str(o.get("flowOutcome") or "").split(":")[0]
            p.flow_outcome = str(name) if name else None


def _queue_session(p: Parts, s: dict[str, Any]) -> None:
    p.queued = True
    tacd = _metric_ms(s, "tAcd")
    if tacd is not None:
        p.wait_ms = (p.wait_ms or 0.0) + tacd
    for seg in dicts(s.get("segments")):
        p.queue_id = p.queue_id or seg.get("queueId")


def _handler_session(
    p: Parts, part: dict[str, Any], s: dict[str, Any], report: ReportBuilder
) -> None:
    segments = dicts(s.get("segments"))
    if not any(g.get("segmentType") == "interact" for g in segments):
        return  # alerted but never connected: not a handler
    if p.handler_seen:
        p.transfers += 1
    p.handler_seen = True
    p.agent = p.agent or (str(part["userId"]) if part.get("userId") else None)
    handle_ms = _metric_ms(s, "tHandle")
    if handle_ms is None:
        parts = [_metric_ms(s, m) for m in ("tTalk", "tHeld", "tAcw")]
        if any(v is not None for v in parts):
            report.count("handler_sessions_without_tHandle_summed_from_talk_hold_acw")
            handle_ms = sum(v for v in parts if v is not None)
    if handle_ms is None:
        report.count("handler_sessions_without_metrics_timed_from_segments")
        p.handle_s += _segments_seconds(s, HANDLER_SEGMENTS)
    else:
        p.handle_s += handle_ms / 1000.0
    for seg in segments:
        code = seg.get("wrapUpCode")
        if isinstance(code, str) and code and not code.startswith(SYSTEM_WRAPUP_PREFIX):
            p.wrapup = code  # the last handler's code
