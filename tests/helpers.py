"""Small builders for test datasets written the way users write them (CSV or pandas Parquet)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd


def write_csv(path: Path, rows: Iterable[Mapping[str, Any]], columns: list[str] | None = None) -> None:
    rows = list(rows)
    cols = columns or list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=cols)
        writer.writeheader()
        for r in rows:
            writer.writerow({k: "" if r.get(k) is None else r.get(k) for k in cols})


def write_parquet(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    pd.DataFrame(list(rows)).to_parquet(path, index=False)


def customers_for(contacts: Iterable[Mapping[str, Any]], acquired: str = "2020-01-01T00:00:00Z") -> list[dict[str, Any]]:
    ids = sorted({str(c["customer_id"]) for c in contacts})
    return [{"customer_id": i, "acquired_at": acquired} for i in ids]


def contact(
    cid: str,
    customer: str,
    started_at: str,
    mode: str = "human_only",
    *,
    intent: str | None = None,
    channel: str = "voice",
    touchpoint: str | None = None,
    escalated: bool | None = None,
    handle: float = 300.0,
    cost: float | None = 5.0,
) -> dict[str, Any]:
    return {
        "contact_id": cid,
        "customer_id": customer,
        "started_at": started_at,
        "channel": channel,
        "ai_mode": mode,
        "touchpoint": touchpoint,
        "escalated": escalated,
        "intent": intent,
        "handle_seconds": handle,
        "cost": cost,
    }
