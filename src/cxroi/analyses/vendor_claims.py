"""A vendor's claimed resolution counts (a total or a per-month CSV) and the audit settings."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxroi.errors import ContractError, Problem

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_COUNT_COLUMNS = ("vendor_resolutions", "automated_resolutions", "resolutions", "count")


@dataclass(frozen=True)
class VendorAuditSettings:
    window_days: int = 7
    claimed: float | None = None
    claimed_csv: Path | None = None
    price_per_resolution: float | None = None


def parse_vendor_audit_settings(
    raw: dict[str, Any], problems: list[Problem]
) -> VendorAuditSettings:
    """The ``[vendor_audit]`` TOML table: window_days, claimed, claimed_csv, price_per_resolution."""
    values: dict[str, Any] = {}
    for key, value in raw.items():
        where = f"vendor_audit.{key}"
        if key == "window_days":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                problems.append(
                    Problem(
                        where, "wrong_type", f"expected a whole number of days >= 1, got {value!r}"
                    )
                )
                continue
        elif key in ("claimed", "price_per_resolution"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                problems.append(
                    Problem(where, "wrong_type", f"expected a number >= 0, got {value!r}")
                )
                continue
            value = float(value)
        elif key == "claimed_csv":
            if not isinstance(value, str):
                problems.append(
                    Problem(where, "wrong_type", f"expected a file path, got {value!r}")
                )
                continue
            value = Path(value)
        else:
            problems.append(
                Problem(
                    where,
                    "unknown_key",
                    "known keys: claimed, claimed_csv, price_per_resolution, window_days",
                )
            )
            continue
        values[key] = value
    return VendorAuditSettings(**values)


def read_claims(path: Path) -> dict[str, float]:
    """A vendor's per-month counts: CSV with ``month`` (YYYY-MM) and one count column
    (``vendor_resolutions``, ``automated_resolutions``, ``resolutions`` or ``count``)."""
    problems: list[Problem] = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContractError(
            [Problem(str(path), "unreadable_file", f"cannot read: {exc}")]
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    header = {h.strip().lower(): h for h in reader.fieldnames or []}
    count_col = next((header[c] for c in _COUNT_COLUMNS if c in header), None)
    if "month" not in header or count_col is None:
        raise ContractError(
            [
                Problem(
                    str(path),
                    "missing_column",
                    f"needs columns month and one of {', '.join(_COUNT_COLUMNS)}",
                )
            ]
        )
    claims: dict[str, float] = {}
    for line, row in enumerate(reader, start=2):
        month = (row.get(header["month"]) or "").strip()
        raw = (row.get(count_col) or "").strip()
        if not _MONTH.match(month):
            problems.append(
                Problem(f"{path}:{line} month", "wrong_type", f"{month!r} is not YYYY-MM")
            )
            continue
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if value < 0 or math.isnan(value):
            problems.append(
                Problem(f"{path}:{line} {count_col}", "wrong_type", f"{raw!r} is not a count >= 0")
            )
            continue
        if month in claims:
            problems.append(
                Problem(f"{path}:{line} month", "duplicate_key", f"{month} appears twice")
            )
            continue
        claims[month] = value
    if problems:
        raise ContractError(problems)
    return claims
