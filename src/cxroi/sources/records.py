"""Reading vendor exports: JSON documents, JSON lines, Firehose batches; typed field access.

Every fault is recorded as a problem naming the file, the record (line or list index) and the
field, so one run lists everything wrong with an export.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

from cxroi.sources.base import Problems

JSON_SUFFIXES = (".json", ".jsonl", ".ndjson", ".gz")


@dataclass(frozen=True)
class JsonRecord:
    """One object from an export file, with where it came from."""

    where: str
    key: str | None  # the list it came from ({"tickets": [...]} -> "tickets"); None if bare
    file: Path
    value: dict[str, Any]


def export_files(path: Path, suffixes: Sequence[str], problems: Problems) -> list[Path]:
    """The file itself, or every file with a known suffix below a folder (sorted, stable)."""
    if not path.exists():
        problems.add(str(path), "input_missing", "no such file or folder")
        return []
    if path.is_file():
        return [path]
    files = sorted(
        p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(tuple(suffixes))
    )
    if not files:
        problems.add(str(path), "no_export_files", f"no {', '.join(suffixes)} files in the folder")
    return files


def read_text(file: Path, problems: Problems) -> str | None:
    try:
        raw = file.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        return raw.decode("utf-8-sig")
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        problems.add(str(file), "unreadable_file", f"cannot read: {exc}")
    except UnicodeDecodeError as exc:
        problems.add(str(file), "not_utf8", f"not UTF-8 text ({exc.reason} at byte {exc.start})")
    return None


def iter_json_records(
    path: Path,
    list_keys: Sequence[str],
    problems: Problems,
    object_keys: Sequence[str] = (),
) -> Iterator[JsonRecord]:
    """Objects of a JSON export: a file or folder of JSON documents, JSON lines, or objects
    written back to back (what Kinesis Firehose delivers to S3). A document that is an object
    holding one of ``list_keys`` (an API page such as ``{"conversations": [...]}``) yields the
    list's items; one holding an object under one of ``object_keys`` (a single-record response
    such as Zendesk's ``{"ticket": {...}}``) yields that object; any other object is one record;
    an array yields its items."""
    for file in export_files(path, JSON_SUFFIXES, problems):
        text = read_text(file, problems)
        if text is None:
            continue
        for where, doc in _documents(file, text, problems):
            yield from _records(file, where, doc, list_keys, object_keys, problems)


def _documents(file: Path, text: str, problems: Problems) -> Iterator[tuple[str, Any]]:
    """Top-level JSON values in order, each with ``file:line`` (``#k`` for the k-th of several
    values on one line, as in a Firehose batch written without newlines)."""
    decoder = json.JSONDecoder()
    pos, n = 0, len(text)
    line, counted_to, last_line, nth = 1, 0, 0, 0
    while True:
        while pos < n and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= n:
            return
        # lines are counted incrementally: recounting from the start would be quadratic
        line += text.count("\n", counted_to, pos)
        counted_to = pos
        nth = nth + 1 if line == last_line else 1
        last_line = line
        try:
            doc, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            problems.add(f"{file}:{exc.lineno}", "not_json", f"not valid JSON: {exc.msg}")
            # resume on the next line: one bad line of a JSON-lines file spoils only itself
            nxt = text.find("\n", max(pos, exc.pos))
            if nxt < 0:
                return
            pos = nxt + 1
            continue
        yield (f"{file}:{line}" if nth == 1 else f"{file}:{line}#{nth}"), doc
        pos = end


def _records(
    file: Path,
    where: str,
    doc: Any,
    list_keys: Sequence[str],
    object_keys: Sequence[str],
    problems: Problems,
) -> Iterator[JsonRecord]:
    if isinstance(doc, list):
        for i, item in enumerate(doc):
            yield from _one(file, f"{where}[{i}]", None, item, problems)
        return
    if isinstance(doc, dict):
        lists = [k for k in list_keys if isinstance(doc.get(k), list)]
        # a wrapper is an envelope, not a record: a record has its own id (a ticket holds a
        # "satisfaction_rating" object too, and must not be unwrapped to it)
        wrapped = (
            [k for k in object_keys if isinstance(doc.get(k), dict)] if "id" not in doc else []
        )
        if lists or wrapped:
            for key in wrapped:
                yield JsonRecord(f"{where} {key}", key, file, doc[key])
            for key in lists:
                for i, item in enumerate(doc[key]):
                    yield from _one(file, f"{where} {key}[{i}]", key, item, problems)
            return
        yield from _one(file, where, None, doc, problems)
        return
    problems.add(where, "not_an_object", f"expected a JSON object, got {type(doc).__name__}")


def _one(
    file: Path, where: str, key: str | None, item: Any, problems: Problems
) -> Iterator[JsonRecord]:
    if isinstance(item, dict):
        yield JsonRecord(where, key, file, item)
    else:
        problems.add(where, "not_an_object", f"expected a JSON object, got {type(item).__name__}")


# --- values --------------------------------------------------------------------------------------

_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)


def parse_instant(value: Any, naive_zone: tzinfo = UTC) -> datetime:
    """An instant from ISO-8601 text (one-digit month/day tolerated: Genesys writes
    ``2021-04-2T15:30:51.418Z``) or Unix epoch seconds; raises ``ValueError`` for text that is
    not a time and ``TypeError`` for other kinds of value."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a time")
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(float(value), tz=UTC)
    if not isinstance(value, str):
        raise TypeError(f"expected a time, got {type(value).__name__}")
    m = _ISO.match(value.strip())
    if m is None:
        raise ValueError(f"not an ISO-8601 time: {value!r}")
    y, mo, d, hh, mi, ss, frac, zone = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    stamp = datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0), micro)
    if zone is None:
        return stamp.replace(tzinfo=naive_zone).astimezone(UTC)
    if zone in ("Z", "z"):
        return stamp.replace(tzinfo=UTC)
    sign = 1 if zone[0] == "+" else -1
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
    return stamp.replace(tzinfo=timezone(sign * offset)).astimezone(UTC)


class Fields:
    """Typed access to one record's fields; every fault becomes a problem naming the field."""

    def __init__(self, record: Mapping[str, Any], where: str, problems: Problems) -> None:
        self.record = record
        self.where = where
        self.problems = problems
        self.ok = True
        self._instants: dict[str, datetime | None] = {}

    def _bad(self, name: str, rule: str, message: str) -> None:
        self.ok = False
        self.problems.add(f"{self.where} {name}", rule, message)

    def raw(self, name: str) -> Any:
        value: Any = self.record
        for part in name.split("."):
            # JSON objects are dicts; isinstance(Mapping) is an ABC check, slow on every field
            if not isinstance(value, dict):
                return None
            value = value.get(part)
        return value

    def text(self, name: str, required: bool = False) -> str | None:
        v = self.raw(name)
        if v is None or v == "":
            if required:
                self._bad(name, "required_field_missing", "required field is missing")
            return None
        if isinstance(v, bool) or not isinstance(v, (str, int)):
            self._bad(name, "wrong_type", f"expected text or an integer id, got {type(v).__name__}")
            return None
        return str(v)

    def number(self, name: str, required: bool = False) -> float | None:
        v = self.raw(name)
        if v is None:
            if required:
                self._bad(name, "required_field_missing", "required field is missing")
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            if isinstance(v, str):
                try:
                    return float(v)
                except ValueError:
                    pass
            self._bad(name, "wrong_type", f"expected a number, got {v!r}")
            return None
        return float(v)

    def instant(self, name: str, required: bool = False) -> datetime | None:
        if name in self._instants:  # adapters ask for the same time more than once
            return self._instants[name]
        v = self.raw(name)
        result: datetime | None = None
        if v is None or v == "":
            if required:
                self._bad(name, "required_field_missing", "required field is missing")
        else:
            try:
                result = parse_instant(v)
            except (ValueError, TypeError, OverflowError, OSError) as exc:
                self._bad(name, "wrong_type", str(exc))
        self._instants[name] = result
        return result

    def flag(self, name: str) -> bool | None:
        v = self.raw(name)
        if v is None:
            return None
        if isinstance(v, bool):
            return v
        self._bad(name, "wrong_type", f"expected true or false, got {v!r}")
        return None

    def obj(self, name: str, required: bool = False) -> dict[str, Any]:
        v = self.raw(name)
        if v is None:
            if required:
                self._bad(name, "required_field_missing", "required field is missing")
            return {}
        if not isinstance(v, dict):
            self._bad(name, "wrong_type", f"expected an object, got {type(v).__name__}")
            return {}
        return v

    def items(self, name: str, required: bool = False) -> list[Any]:
        v = self.raw(name)
        if v is None:
            if required:
                self._bad(name, "required_field_missing", "required field is missing")
            return []
        if not isinstance(v, list):
            self._bad(name, "wrong_type", f"expected a list, got {type(v).__name__}")
            return []
        return v


def pseudonym(kind: str, value: str) -> str:
    """A stable pseudonym for a personal identifier (a phone number, an e-mail address):
    the same caller always gets the same id, and the dataset holds no phone numbers."""
    digest = hashlib.sha256(f"{kind}:{value.strip().lower()}".encode()).hexdigest()[:16]
    return f"{kind}-{digest}"
