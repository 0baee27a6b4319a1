"""Zendesk satisfaction ratings -> CSAT answers, and users -> when each customer was acquired.

- satisfaction ``good`` -> CSAT 5, ``bad`` -> 1 (``offered`` / ``unoffered`` are not answers), from
  ``satisfaction_ratings`` records and, for tickets whose rating was not exported on its own, the
  ticket's embedded ``satisfaction_rating`` (dated by the ticket's ``updated_at``, counted);
- customers from ``users`` (an end-user's ``created_at`` = ``acquired_at``, unless later than the
  first ticket) where exported, else synthesised from the first ticket.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cxroi.sources.base import ReportBuilder
from cxroi.sources.records import Fields
from cxroi.sources.tables import synthesise_customers

SCORES = {"good": 5.0, "good_with_comment": 5.0, "bad": 1.0, "bad_with_comment": 1.0}


def ratings(
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


def customers_from_users(
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
