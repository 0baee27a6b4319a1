"""The "Anonymous Bank" call log (Technion SEE Center): one tab-separated row per call.

Columns: ``vru+line, call_id, customer_id, priority, type, date (YYMMDD), vru_entry, vru_exit,
vru_time, q_start, q_exit, q_time, outcome, ser_start, ser_exit, ser_time, server``. Every call
enters the VRU (the IVR); it then ends there, or joins a queue (``q_start`` is ``0:00:00`` when it
did not) and is served by an agent (``AGENT``) or hangs up (``HANG``). ``PHANTOM`` marks a virtual
call the data's documentation says to ignore. ``*_time`` are seconds; clock times are ``H:MM:SS``
on the call's date (a call may run past midnight, so durations come from ``*_time``, not from
differences of clock times).

Mapping (docs/adapters.md has the full table):
- ``contact_id`` = ``<vru+line>-<call_id>`` (``call_id`` alone repeats across VRUs);
- ``started_at`` = date + ``vru_entry`` in ``timezone`` (default Asia/Jerusalem);
- ``direction`` inbound: the log records calls arriving at the centre's VRU, nothing it dialled;
- with the VRU counted as AI (``ivr_is_ai``, the default): ended in the VRU without queueing ->
  ``ai_only``, touchpoint ``ivr``, ``resolved`` empty (the log cannot tell self-service from giving
  up); served by an agent -> ``hybrid``, ``escalated`` true, ``agent_id`` = ``server``; hung up in
  the queue -> ``hybrid``, ``escalated`` true (the VRU handed over; no human answered),
  ``resolved`` false;
- with ``ivr_is_ai`` false (a 1999 touch-tone VRU is not what anyone calls AI today) no call has
  an AI touchpoint: every call is ``human_only`` with touchpoint ``none`` and ``escalated`` false,
  so no AI metric can be computed from the VRU; calls that ended in the VRU keep no agent,
  ``resolved`` empty and the extra column ``ended_in_flow`` true;
- ``handle_seconds`` = ``vru_time`` + ``ser_time`` of calls an agent served (``outcome`` AGENT);
  queue time is ``wait_seconds``. A call the log marks as hung up (``HANG``) was not handled by an
  agent even when it carries a service interval: 97 abandoned calls of February 1999 have one
  (6,837 s in all, median 6 s, every one with server ``NO_SERVER``), the caller hanging up while
  being connected. Their ``ser_time`` stays in the extra column ``service_seconds`` and is counted
  in the import report, not added to handle time. A negative duration is written as the raw
  negative value into ``handle_seconds`` so validation quarantines the row (rule ``negative``)
  instead of the import dropping it;
- ``customer_id`` 0 (caller not identified): each call gets its own ``anon-<contact_id>``, so
  unidentified calls never count as repeats of one another (``unidentified = "exclude"`` leaves
  them out instead, counted).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from cxroi.errors import Problem
from cxroi.sources.base import Converted, FieldMapping, Problems, ReportBuilder
from cxroi.sources.options import parse_options
from cxroi.sources.tables import INBOUND, frame, synthesise_customers

SOURCE = "bank"
COLUMNS = (
    "vru+line",
    "call_id",
    "customer_id",
    "priority",
    "type",
    "date",
    "vru_entry",
    "vru_exit",
    "vru_time",
    "q_start",
    "q_exit",
    "q_time",
    "outcome",
    "ser_start",
    "ser_exit",
    "ser_time",
    "server",
)
OUTCOMES = ("AGENT", "HANG", "PHANTOM")
NO_TIME = "0:00:00"
NO_SERVER = "NO_SERVER"
EXTRAS = (
    "outcome",
    "queued",
    "identified",
    "priority",
    "service_type",
    "ivr_seconds",
    "queue_seconds",
    "service_seconds",
    "ended_in_flow",
)
_CLOCK = re.compile(r"^\d{1,2}:\d{2}:\d{2}$")
_DATE = re.compile(r"^\d{6}$")
_INT = re.compile(r"^-?\d+$")
# A few ids went through a spreadsheet and came back as '3.26702E+11': digits are lost, so
# distinct callers may share the mangled text. They are read as unidentified, and counted.
_MANGLED_ID = re.compile(r"^\d(\.\d+)?E\+\d+$", re.IGNORECASE)

MAPPING = (
    FieldMapping("contacts.contact_id", "vru+line, call_id", "'<vru+line>-<call_id>'"),
    FieldMapping(
        "contacts.customer_id",
        "customer_id",
        "0 or spreadsheet-mangled (3.26702E+11) -> 'anon-<contact_id>' (one per call)",
    ),
    FieldMapping(
        "contacts.started_at", "date, vru_entry", "YYMMDD + H:MM:SS in the configured zone"
    ),
    FieldMapping("contacts.channel", "(constant)", "voice"),
    FieldMapping("contacts.direction", "(constant)", "inbound: the log holds incoming calls"),
    FieldMapping(
        "contacts.ai_mode",
        "q_start, q_time, outcome; option ivr_is_ai",
        "ended in the VRU (not queued, not served) -> ai_only; queued or served -> hybrid; "
        "human_only for all when ivr_is_ai is false",
    ),
    FieldMapping(
        "contacts.touchpoint", "(constant)", "ivr (every call enters the VRU); none if not AI"
    ),
    FieldMapping(
        "contacts.escalated",
        "q_start, q_time, outcome",
        "true when the VRU (as AI) passed the call on",
    ),
    FieldMapping("contacts.agent_id", "server", "NO_SERVER -> empty"),
    FieldMapping(
        "contacts.handle_seconds",
        "vru_time + ser_time (served calls); vru_time (others)",
        "a HANG call's service interval is not agent handling (kept as service_seconds); "
        "a negative duration is written raw so validation quarantines the row",
    ),
    FieldMapping("contacts.wait_seconds", "q_time", "empty when the call ended in the VRU"),
    FieldMapping("contacts.resolved", "outcome", "HANG in the queue -> false; otherwise empty"),
    FieldMapping(
        "customers.*",
        "customer_id, priority",
        "synthesised: acquired_at = first call in the log; segment priority/regular/unidentified",
    ),
)
USED = COLUMNS  # every column feeds something (vru_exit, q_exit, ser_* only via *_time, checked)


@dataclass(frozen=True)
class BankOptions:
    timezone: str = "Asia/Jerusalem"
    unidentified: str = "separate"  # or "exclude"
    ivr_is_ai: bool = True


def parse_bank_options(raw: dict[str, Any], problems: list[Problem]) -> BankOptions:
    opts = parse_options(
        BankOptions, raw, problems, "import.bank", choices={"unidentified": ("separate", "exclude")}
    )
    try:
        ZoneInfo(opts.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            Problem("import.bank.timezone", "unknown_zone", f"unknown time zone {opts.timezone!r}")
        )
        return BankOptions(unidentified=opts.unidentified, ivr_is_ai=opts.ivr_is_ai)
    return opts


def _read(path: Path, problems: Problems) -> pd.DataFrame | None:
    if not path.is_file():
        problems.add(
            str(path), "input_missing", "no such file (expected the tab-separated call log)"
        )
        return None
    try:
        df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        problems.add(str(path), "not_tab_separated", f"cannot read as a tab-separated table: {exc}")
        return None
    df.columns = [c.strip().lower() for c in df.columns]
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        problems.add(str(path), "missing_column", f"missing columns: {', '.join(missing)}")
        return None
    return df.apply(lambda s: s.str.strip())


def _check(df: pd.DataFrame, path: Path, problems: Problems) -> None:
    """Every malformed value, with its line (header = line 1)."""
    checks = [
        ("date", _DATE, "YYMMDD"),
        ("call_id", _INT, "an integer"),
        (
            "customer_id",
            re.compile(f"{_INT.pattern}|{_MANGLED_ID.pattern}", re.IGNORECASE),
            "an integer (0 = not identified)",
        ),
    ]
    checks += [(c, _CLOCK, "H:MM:SS") for c in ("vru_entry", "q_start")]
    checks += [(c, _INT, "whole seconds") for c in ("vru_time", "q_time", "ser_time")]
    for col, pattern, what in checks:
        bad = ~df[col].str.match(pattern)
        for idx in df.index[bad]:
            problems.add(
                f"{path}:{idx + 2} {col}", "wrong_type", f"{df.at[idx, col]!r} is not {what}"
            )
    bad_outcome = ~df["outcome"].isin(OUTCOMES)
    for idx in df.index[bad_outcome]:
        problems.add(
            f"{path}:{idx + 2} outcome",
            "not_allowed",
            f"{df.at[idx, 'outcome']!r} is not one of {', '.join(OUTCOMES)}",
        )


def _rows(df: pd.DataFrame) -> list[dict[str, str]]:
    # plain lists: DataFrame.to_dict boxes every cell, a third of the import time on 33k calls
    cols = list(df.columns)
    return [
        dict(zip(cols, row, strict=True))
        for row in zip(*(df[c].tolist() for c in cols), strict=True)
    ]


def _start(date: str, clock: str, zone: ZoneInfo) -> datetime:
    yy, mm, dd = int(date[:2]), int(date[2:4]), int(date[4:6])
    year = 1900 + yy if yy >= 70 else 2000 + yy
    h, m, s = (int(x) for x in clock.split(":"))
    local = datetime(year, mm, dd, tzinfo=zone) + timedelta(hours=h, minutes=m, seconds=s)
    return local.astimezone(UTC)


def convert(path: Path, options: BankOptions | None = None) -> Converted:
    opts = options or BankOptions()
    problems = Problems()
    report = ReportBuilder(SOURCE, path)
    df = _read(path, problems)
    if df is not None:
        _check(df, path, problems)
    problems.raise_if_any()
    assert df is not None
    report.records_read = len(df)
    report.seen.update(c for c in df.columns)
    zone = ZoneInfo(opts.timezone)

    contacts: list[dict[str, Any]] = []
    segments: dict[str, dict[str, Any]] = {}
    for line, r in zip(range(2, len(df) + 2), _rows(df)):
        if r["outcome"] == "PHANTOM":
            report.count("phantom_calls_excluded")
            continue
        try:
            started = _start(r["date"], r["vru_entry"], zone)
        except ValueError as exc:
            problems.add(f"{path}:{line} date", "wrong_type", f"not a calendar date/time: {exc}")
            continue
        contact_id = f"{r['vru+line']}-{r['call_id']}"
        mangled = _MANGLED_ID.match(r["customer_id"]) is not None
        if mangled:
            report.count("mangled_customer_ids_read_as_unidentified")
        identified = r["customer_id"].lstrip("0") != "" and not mangled
        if not identified:
            if opts.unidentified == "exclude":
                report.count("unidentified_calls_excluded")
                continue
            customer = f"anon-{contact_id}"
            report.count("unidentified_calls_as_one_off_customers")
        else:
            customer = r["customer_id"].lstrip("0")
        vru, queue, service = int(r["vru_time"]), int(r["q_time"]), int(r["ser_time"])
        queued = r["q_start"] != NO_TIME or queue > 0
        served = r["outcome"] == "AGENT"
        negative = [v for v in (vru, service) if v < 0]
        if negative or queue < 0:
            report.count("negative_durations_for_quarantine")
        handle = float(min(negative)) if negative else float(vru + (service if served else 0))
        if not served and service > 0:
            report.count("abandoned_calls_with_service_interval_not_in_handle")
            report.count("abandoned_service_seconds_not_in_handle", service)
        if served and not queued:
            report.count("served_without_queueing")
        passed_on = queued or served
        report.count("served" if served else "abandoned_in_queue" if queued else "ended_in_ivr")
        if opts.ivr_is_ai:
            mode, touchpoint = ("hybrid" if passed_on else "ai_only"), "ivr"
        else:
            mode, touchpoint = "human_only", "none"
        contacts.append(
            {
                "contact_id": contact_id,
                "customer_id": customer,
                "started_at": started,
                "channel": "voice",
                "ai_mode": mode,
                "touchpoint": touchpoint,
                "escalated": mode == "hybrid",
                "agent_id": r["server"] if served and r["server"] != NO_SERVER else None,
                "handle_seconds": handle,
                "wait_seconds": float(queue) if passed_on else None,
                "resolved": False if (passed_on and not served) else None,
                "direction": INBOUND,
                "outcome": "agent" if served else "hang",
                "queued": queued,
                "identified": identified,
                "priority": int(r["priority"]) if r["priority"].isdigit() else None,
                "service_type": r["type"] or None,
                "ivr_seconds": float(vru),
                "queue_seconds": float(queue),
                "service_seconds": float(service),
                "ended_in_flow": not passed_on,
            }
        )
        if not identified:
            segments[customer] = {"segment": "unidentified"}
        elif r["priority"] == "2" or customer not in segments:
            # priority belongs to the customer; any call flagged priority makes them one
            segments[customer] = {"segment": "priority" if r["priority"] == "2" else "regular"}
    problems.raise_if_any()
    contacts.sort(key=lambda c: (c["started_at"], c["contact_id"]))
    table = frame("contacts", contacts, EXTRAS)
    _notes(report, opts)
    return Converted(
        tables={"customers": synthesise_customers(table, attributes=segments), "contacts": table},
        report=report,
        mapping=MAPPING,
        used=USED,
    )


def _notes(report: ReportBuilder, opts: BankOptions) -> None:
    report.note("every call in the log reached the centre's VRU from outside: direction inbound")
    if opts.ivr_is_ai:
        report.note(
            "calls fully served by the VRU may not be in the log (it records calls that "
            "reached the VRU menu of this centre); ai_only here means 'ended in the VRU'. The "
            "1999 VRU is a touch-tone menu: set ivr_is_ai=false to keep it out of AI metrics"
        )
    else:
        report.note(
            "ivr_is_ai=false: the VRU is not counted as AI, so every call is human_only and "
            "no AI metric (containment, AI resolution) can be computed from this log; calls "
            "that ended in the VRU are flagged ended_in_flow"
        )
    abandoned = report.counts["abandoned_calls_with_service_interval_not_in_handle"]
    if abandoned:
        seconds = report.counts["abandoned_service_seconds_not_in_handle"]
        report.note(
            f"{abandoned} calls marked HANG carry a service interval ({seconds:,} s in all, no "
            "server named): not agent handling, so not in handle_seconds (kept in "
            "service_seconds)"
        )
