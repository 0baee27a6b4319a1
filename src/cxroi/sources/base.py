"""What every import adapter shares: collecting problems, the import report, the result.

An adapter turns one vendor export into contract tables (pandas frames) and an
:class:`ImportReport` saying which source field fed which contract column, which fields it saw
and did not use, and what it counted on the way (duplicates, anonymous callers, negative
durations...). Faults in the export itself (not JSON, a required field missing, a value of the
wrong type) are collected as :class:`~cxroi.errors.Problem` and raised together as one
:class:`~cxroi.errors.ContractError`; values that are well-formed but break a contract rule (a
negative duration) are written as they are so ``cxroi validate`` quarantines them with a reason.
Reading exports lives in ``records``, building and writing tables in ``tables``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cxroi.errors import ContractError, Problem
from cxroi.sources.intent import IntentCoverage

# Beyond this many, problems are summarised per rule: a broken 1M-line export should not print
# a million lines, and the first hundred show the pattern.
MAX_LISTED_PROBLEMS = 100
REPORT_FILE = "import_report.json"
# the unmapped-field list looks at every record up to FULL_SCAN, then one in SAMPLE_EVERY
FULL_SCAN = 10_000
SAMPLE_EVERY = 10


class Problems:
    """Every fault found in one export, listed up to a cap and counted beyond it."""

    def __init__(self, limit: int = MAX_LISTED_PROBLEMS) -> None:
        self.limit = limit
        self.items: list[Problem] = []
        self.overflow: Counter[str] = Counter()

    def add(self, where: str, rule: str, message: str) -> None:
        if len(self.items) < self.limit:
            self.items.append(Problem(where, rule, message))
        else:
            self.overflow[rule] += 1

    def extend(self, problems: Iterable[Problem]) -> None:
        for p in problems:
            self.add(p.where, p.rule, p.message)

    def __len__(self) -> int:
        return len(self.items) + sum(self.overflow.values())

    def raise_if_any(self) -> None:
        if not self:
            return
        listed = list(self.items)
        for rule, n in sorted(self.overflow.items()):
            listed.append(Problem("…", rule, f"{n} more problems of this kind not listed"))
        raise ContractError(listed)


@dataclass(frozen=True)
class FieldMapping:
    """One line of the documented mapping: contract column ← source field(s)."""

    column: str
    source: str
    note: str = ""


@dataclass(frozen=True)
class ImportReport:
    """What an import read, wrote, mapped and could not map."""

    source: str
    input: str
    records_read: int
    rows: dict[str, int]
    mapping: tuple[FieldMapping, ...]
    unmapped_fields: tuple[str, ...]
    counts: dict[str, int]
    notes: tuple[str, ...]
    written: dict[str, str] = field(default_factory=dict)
    intent: IntentCoverage | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent.to_dict() if self.intent is not None else None,
            "source": self.source,
            "input": self.input,
            "records_read": self.records_read,
            "rows": dict(sorted(self.rows.items())),
            "mapping": [
                {"column": m.column, "source": m.source, "note": m.note} for m in self.mapping
            ],
            "unmapped_fields": list(self.unmapped_fields),
            "counts": dict(sorted(self.counts.items())),
            "notes": list(self.notes),
            "written": dict(sorted(self.written.items())),
        }

    @property
    def summary(self) -> pd.DataFrame:
        """Rows written per table (one row per table)."""
        return pd.DataFrame(
            [{"table": t, "rows": n} for t, n in sorted(self.rows.items())],
            columns=["table", "rows"],
        )

    def lines(self) -> list[str]:
        """Plain lines for a terminal."""
        out = [f"imported {self.source} export {self.input}: {self.records_read:,} records read"]
        out += [f"  {t}: {n:,} rows" for t, n in sorted(self.rows.items())]
        out += [f"  {k.replace('_', ' ')}: {v:,}" for k, v in sorted(self.counts.items())]
        if self.unmapped_fields:
            shown = ", ".join(self.unmapped_fields[:12])
            more = (
                f" (+{len(self.unmapped_fields) - 12} more)"
                if len(self.unmapped_fields) > 12
                else ""
            )
            out.append(f"  source fields not mapped: {shown}{more}")
        if self.intent is not None:
            out.append(f"  {self.intent.line()}")
        out += [f"  note: {n}" for n in self.notes]
        return out


class ReportBuilder:
    """Collects counts, notes and the source fields seen while an adapter runs."""

    def __init__(
        self, source: str, input_path: Path, opaque: Sequence[str] = (), ignore: Sequence[str] = ()
    ) -> None:
        self.source = source
        self.input = str(input_path)
        self.records_read = 0
        self.counts: Counter[str] = Counter()
        self.notes: list[str] = []
        self.seen: set[str] = set()
        # containers whose keys are user-defined (contact attributes, custom fields): one entry
        self.opaque = frozenset(opaque)
        # bookkeeping leaves of API envelopes ("type": "admin.list", "total_count") say nothing
        self.ignore = frozenset(ignore)
        self.intent: IntentCoverage | None = None
        self._looked_at = 0

    def count(self, name: str, k: int = 1) -> None:
        self.counts[name] += k

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def see(self, record: Any, prefix: str = "") -> None:
        """Remember the leaf field paths of a record (``a.b[].c``), for the unmapped list.

        Walking every field of every record costs a fifth of a large import, so the walk covers
        the first ``FULL_SCAN`` records and every ``SAMPLE_EVERY``-th after (deterministic).
        """
        self._looked_at += 1
        if self._looked_at > FULL_SCAN and self._looked_at % SAMPLE_EVERY:
            return
        self._walk(record, prefix, 6)

    def _walk(self, record: Any, prefix: str, depth: int) -> None:
        if prefix in self.opaque:
            self.seen.add(prefix + ".*")
            return
        if isinstance(record, dict) and depth > 0:
            for key, value in record.items():
                if key not in self.ignore:
                    self._walk(value, f"{prefix}.{key}" if prefix else str(key), depth - 1)
        elif isinstance(record, list) and depth > 0:
            for item in record:
                self._walk(item, f"{prefix}[]", depth)
        elif prefix and record is not None:
            self.seen.add(prefix)

    def finish(
        self,
        rows: Mapping[str, int],
        mapping: Sequence[FieldMapping],
        used: Iterable[str],
        written: Mapping[str, Path] | None = None,
    ) -> ImportReport:
        return ImportReport(
            source=self.source,
            input=self.input,
            records_read=self.records_read,
            rows=dict(rows),
            mapping=tuple(mapping),
            unmapped_fields=unmapped(self.seen, used),
            counts=dict(self.counts),
            notes=tuple(self.notes),
            written={k: str(v) for k, v in (written or {}).items()},
            intent=self.intent,
        )


def unmapped(seen: Iterable[str], used: Iterable[str]) -> tuple[str, ...]:
    """Seen leaf paths not covered by a used path (a used path covers everything below it)."""
    used_set = set(used)

    def covered(path: str) -> bool:
        parts = re.split(r"(?=\.|\[\])", path)
        return any("".join(parts[:i]) in used_set for i in range(1, len(parts) + 1))

    return tuple(sorted(p for p in seen if not covered(p)))


def write_report(out: Path, report: ImportReport) -> Path:
    path = out / REPORT_FILE
    path.write_text(
        json.dumps(report.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return path


@dataclass
class Converted:
    """An adapter's output before writing: contract tables and the report builder."""

    tables: dict[str, pd.DataFrame]
    report: ReportBuilder
    mapping: tuple[FieldMapping, ...]
    used: tuple[str, ...]

    def finish(self, written: Mapping[str, Path] | None = None) -> ImportReport:
        contacts = self.tables.get("contacts")
        if contacts is not None and "direction" in contacts.columns:
            # outbound contacts are reported apart from the customer's own (docs/data-contract.md)
            for direction, n in contacts["direction"].value_counts(sort=False).items():
                self.report.counts[f"contacts_{direction}"] = int(n)
        return self.report.finish(
            {k: len(v) for k, v in self.tables.items()}, self.mapping, self.used, written
        )
