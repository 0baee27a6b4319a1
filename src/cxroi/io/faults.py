"""Structural faults in the user's terms, for the faults the engine or the rules would state badly.

The engine's own words ("No magic bytes found at end of file") and a consequence reported in
place of its cause ("contacts.started_at: no contact passed validation" when the customers table
is empty) both leave a user guessing. Each function here turns one such situation into a
:class:`~cxroi.errors.Problem` that names the file or table, says what is wrong, and what to do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from cxroi.errors import Problem
from cxroi.io.csv_files import repeated_columns

# What each table's rows must match, for the hint when every row of it was set aside.
_HINTS = {
    "unknown_customer": "every contact must name a customer_id that is in customers, written the "
    "same way (compare the ids in both files)",
    "required_missing": "the required values are empty",
    "unparseable": "the values are not of the column's kind (e.g. timestamps in another format)",
    "not_allowed": "the values are outside the contract's list",
}


class CountedRule(Protocol):
    """What :func:`nothing_accepted` reads of a rule count (``cxroi.io.validate.RuleCount``)."""

    @property
    def table(self) -> str: ...

    @property
    def rule(self) -> str: ...

    @property
    def count(self) -> int: ...

    @property
    def severity(self) -> object: ...

    def describe(self) -> str: ...


def parquet_columns(path: Path, table: str) -> list[Problem]:
    """Read a Parquet file's schema; a damaged file or a repeated column is a structural fault."""
    try:
        names = pq.read_schema(path).names
    except (OSError, pa.ArrowException) as exc:
        return [unreadable(path, table, str(exc))]
    return repeated_columns(table, str(path), list(names))


def unreadable(path: Path, table: str, message: str) -> Problem:
    """A file the engine cannot open or parse, said plainly (the engine's words in brackets)."""
    text = message.strip().splitlines()[0] if message.strip() else "unknown error"
    lowered = text.lower()
    if "size is 0 bytes" in lowered:
        cause = f"{path.name} is empty (0 bytes); export it again"
    elif any(word in lowered for word in ("magic bytes", "too small to be a parquet")):
        cause = (f"{path.name} is not a Parquet file, or it was cut short (an interrupted copy or "
                 "download); export it again")
    elif "permission denied" in lowered:
        cause = f"{path.name} cannot be opened: permission denied; make it readable for this user"
    elif "no such file" in lowered:
        cause = f"{path.name} disappeared while it was being read; check the folder and run again"
    else:
        cause = f"{path.name} cannot be read as the {table} table; export it again"
    return Problem(str(path), "unreadable", f"{cause} ({text})")


def empty_table(table: str, source: str) -> Problem:
    """A required table with a header but no rows."""
    consequence = {
        "customers": "every contact must name a customer listed there, so no contact could be used",
        "contacts": "there is nothing to analyse",
    }.get(table, "the analysis needs its rows")
    return Problem(
        source,
        "empty_table",
        f"{table} has no rows ({consequence}); export the {table} table with its rows",
    )


def nothing_accepted(
    required: Sequence[str],
    rows: Mapping[str, int],
    accepted: Mapping[str, int],
    counts: Sequence[CountedRule],
) -> list[Problem]:
    """A required table whose every row was set aside, with the rules that did it.

    When no customer is accepted, every contact fails ``unknown_customer``: the customers are
    named as the cause and the contacts' consequence is not reported as a second fault.
    """
    problems = []
    for table in required:
        if rows.get(table, 0) == 0 or accepted.get(table, 0) > 0:
            continue
        if table == "contacts" and _all_rejected("customers", rows, accepted):
            continue
        problems.append(_all_set_aside(table, rows[table], counts, rows, accepted))
    return problems


def _all_rejected(table: str, rows: Mapping[str, int], accepted: Mapping[str, int]) -> bool:
    return rows.get(table, 0) > 0 and accepted.get(table, 0) == 0


def _all_set_aside(
    table: str,
    n: int,
    counts: Sequence[CountedRule],
    rows: Mapping[str, int],
    accepted: Mapping[str, int],
) -> Problem:
    mine = sorted(
        (c for c in counts if c.table == table and c.severity == "error"),
        key=lambda c: (-c.count, c.rule),
    )
    reasons = "; ".join(f"{c.describe()}" for c in mine[:3])
    hint = _HINTS.get(mine[0].rule, "fix the rules listed") if mine else "check the file"
    then = ""
    if table == "customers" and rows.get("contacts", 0) > 0:
        then = ", so every contact's customer is unknown and no contact can be used"
    return Problem(
        table,
        "no_accepted_rows",
        f"none of the {n:,} {table} rows passed validation{then} ({reasons}): {hint}",
    )
