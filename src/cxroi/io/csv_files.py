"""Reading a CSV table exactly: its header, the line where each record starts, and what is wrong.

DuckDB parses the rows (fast, in parallel), but three things are decided here, in Python, first:

- **The header** is read with Python's ``csv`` module and handed to DuckDB as explicit column
  names, with DuckDB's dialect sniffer switched off. The sniffer renames a repeated column
  (``customer_id``, ``customer_id_1``) so the first copy was silently used, and when a row is
  ragged it may pick a later line as the header and drop everything above it. A repeated name
  (exactly or after folding case and spaces) is a structural fault instead.
- **The delimiter** the contract asks for is the comma. A header that splits into contract
  column names on ``;``, tab or ``|`` is reported as "looks semicolon-delimited"; such a file is
  not read anyway, because semicolon files usually come from locales that also write decimal
  commas (``12,5``), which would turn into wrong or unparseable numbers without a word.
- **Line numbers**: a message or a quarantine file says "line N" where N is the line of the file
  on which the record *starts*, as a text editor numbers lines (header = line 1). A quoted value
  holding a line break, or a blank line (DuckDB skips those), shifts records against lines;
  :func:`content_lines` counts the file's lines in one fast pass over the bytes so the loader can
  tell. Breaks inside values are then counted by the engine; only blank lines need
  :func:`scan_record_starts`, a second reading with Python's ``csv`` module. If that reading does
  not find the same number of records as DuckDB, lines are not guessed: records are numbered
  instead ("record N", the N-th data record).

When DuckDB cannot parse the file, :func:`diagnose` reads it once more, RFC 4180 by hand, and
names the first fault in the user's terms: a line that is not UTF-8, a record with more or fewer
values than the header, a quote that is never closed, line endings that change midway.
"""

from __future__ import annotations

import csv
from array import array
from dataclasses import dataclass
from pathlib import Path

from cxroi.errors import Problem

_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}
_CHUNK = 1 << 24


@dataclass(frozen=True)
class CsvHeader:
    # column names as written (byte-order mark removed); a blank name becomes column<i>
    names: tuple[str, ...]
    # physical lines the header spans (1 unless a quoted name holds a line break)
    lines: int


def read_header(
    path: Path, table: str, contract_columns: tuple[str, ...]
) -> tuple[CsvHeader | None, list[Problem]]:
    """The header of ``path``, or the structural problems that make it unusable."""
    where = str(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            names = next(reader, None)
            lines = reader.line_num
    except UnicodeDecodeError:
        return None, [_not_utf8(path, _first_line_not_utf8(path))]
    except csv.Error as exc:
        msg = f"the header of {path.name} cannot be read as CSV ({exc}); fix line 1"
        return None, [Problem(where, "unreadable", msg)]
    except OSError as exc:
        msg = f"{path.name} cannot be opened: {exc.strerror or exc}; make it readable for this user"
        return None, [Problem(where, "unreadable", msg)]
    if not names or all(not n.strip() for n in names):
        msg = "the file is empty or its first line is blank; line 1 must be the header"
        return None, [Problem(where, "no_header", msg)]
    names = [n if n.strip() else f"column{i}" for i, n in enumerate(names)]
    problems = wrong_delimiter(path, table, names, contract_columns)
    if problems:
        return None, problems
    problems = repeated_columns(table, where, names)
    if problems:
        return None, problems
    return CsvHeader(tuple(names), lines), []


def repeated_columns(table: str, where: str, names: list[str]) -> list[Problem]:
    """A column that appears twice, exactly or after folding case and surrounding spaces."""
    first: dict[str, int] = {}
    problems = []
    for position, name in enumerate(names):
        key = name.strip().lstrip("\ufeff").lower()
        if key not in first:
            first[key] = position
            continue
        earlier = first[key]
        same = "" if names[earlier] == name else " (the same name once case and spaces are ignored)"
        problems.append(
            Problem(
                f"{table}.{name.strip()}",
                "duplicate_column",
                f"{where} has this column twice: {names[earlier]!r} (column {earlier + 1}) and "
                f"{name!r} (column {position + 1}){same}; keep one and remove or rename the other",
            )
        )
    return problems


def wrong_delimiter(
    path: Path, table: str, names: list[str], contract_columns: tuple[str, ...]
) -> list[Problem]:
    """A header that makes sense only split on another delimiter: say which, guess no further."""
    known = set(contract_columns)
    if any(n.strip().lower() in known for n in names) and len(names) > 1:
        return []
    header = ",".join(names)
    for delimiter, word in _DELIMITERS.items():
        parts = [p.strip().strip('"').lower() for p in header.split(delimiter)]
        if len(parts) > 1 and known.intersection(parts):
            shown = ", ".join(parts[:6]) + (", …" if len(parts) > 6 else "")
            return [
                Problem(
                    str(path),
                    "wrong_delimiter",
                    f"{path.name} looks {word}-delimited (its header splits on {delimiter!r} into "
                    f"{shown}); the data contract wants commas: save it as comma-separated CSV "
                    "(in Excel: 'CSV UTF-8 (Comma delimited)') or as Parquet",
                )
            ]
    return []


def relation(path: Path, header: CsvHeader) -> str:
    """DuckDB's reader with the header given, nothing sniffed, every value as text."""
    columns = ", ".join(f"{_literal(n)}: 'VARCHAR'" for n in header.names)
    return (
        f"read_csv({_literal(str(path))}, auto_detect=false, header=true, columns={{{columns}}}, "
        "delim=',', quote='\"', escape='\"', strict_mode=true)"
    )


def scan_record_starts(path: Path, records: int) -> array[int] | None:
    """The line on which each data record starts, by reading the file with Python's ``csv``.

    None when this reading finds another number of records than the engine did: then no line is
    guessed.
    """
    starts: array[int] = array("q")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        before = 0
        for i, fields in enumerate(reader):
            if fields and i > 0:  # record 0 is the header; [] is a blank line
                starts.append(before + 1)
            before = reader.line_num
    return starts if len(starts) == records else None


def content_lines(path: Path) -> int:
    """Physical lines up to the last non-blank one (CR LF, LF and lone CR all end a line)."""
    breaks, carry, size = 0, b"", 0
    tail = b""
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            size += len(chunk)
            if carry:
                chunk = carry + chunk
            carry = b"\r" if chunk.endswith(b"\r") else b""
            if carry:
                chunk = chunk[:-1]
            breaks += chunk.count(b"\n")
            if b"\r" in chunk:  # a lone CR ends a line too; CR LF is one break
                breaks += chunk.count(b"\r") - chunk.count(b"\r\n")
            tail = (tail + chunk[-4096:])[-4096:]
    breaks += len(carry)
    tail += carry
    if size == 0:
        return 0
    trailing = tail[len(tail.rstrip(b"\r\n")):]
    trailing_breaks = trailing.count(b"\n") + trailing.count(b"\r") - trailing.count(b"\r\n")
    # a last line without a break still counts; blank lines after the last content do not
    return breaks + (0 if trailing_breaks else 1) - max(trailing_breaks - 1, 0)


def diagnose(path: Path, header: CsvHeader, engine_message: str) -> Problem:
    """Why DuckDB could not parse ``path``, found again by hand: file, line, fault, remedy."""
    fault = _first_fault(path, len(header.names))
    if fault is not None:
        return fault
    first = engine_message.strip().splitlines()[0] if engine_message.strip() else "unknown error"
    first = first.removeprefix("Invalid Input Error: ")
    return Problem(
        str(path),
        "unreadable",
        f"{path.name} cannot be read as comma-separated CSV ({first}); "
        "export it again as CSV UTF-8, or as Parquet",
    )


@dataclass
class _Scan:
    """State of the hand-written RFC 4180 reading in :func:`_first_fault`."""

    in_quotes: bool = False
    fields: int = 1
    record_line: int = 1
    ending: bytes | None = None


def _first_fault(path: Path, width: int) -> Problem | None:
    where = str(path)
    state = _Scan()
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return _not_utf8(path, number)
            body = raw.rstrip(b"\r\n")
            if not state.in_quotes and not body and number > 1:
                state.record_line = number + 1
                continue  # a blank line between records: DuckDB skips it
            problem = _scan_line(path, body, number, state)
            if problem is not None:
                return problem
            if state.in_quotes:
                continue  # the record goes on past this line break
            if state.fields != width:
                return _ragged(path, state.record_line, state.fields, width)
            ending = raw[len(body):]
            if ending and state.ending is None:
                state.ending = ending
            elif ending and ending != state.ending:
                return Problem(
                    where,
                    "mixed_line_endings",
                    f"{path.name} changes its line endings at line {number} (it ends in "
                    f"{_ending_name(ending)} where earlier lines end in "
                    f"{_ending_name(state.ending)}); "
                    "save the file again with one kind of line ending",
                )
            state.fields, state.record_line = 1, number + 1
    if state.in_quotes:
        return Problem(
            where,
            "unclosed_quote",
            f"{path.name} line {state.record_line}: a value opens a quote (\") that is never "
            "closed, so the rest of the file would be one value; close the quote, or write a "
            "quote inside a quoted value as two quotes (\"\")",
        )
    return None


def _scan_line(path: Path, body: bytes, number: int, state: _Scan) -> Problem | None:
    """Count the fields on one physical line, following quotes (RFC 4180)."""
    if b'"' not in body and not state.in_quotes:
        state.fields += body.count(b",")
        return None
    at_field_start = not state.in_quotes
    i = 0
    while i < len(body):
        char = body[i : i + 1]
        if state.in_quotes:
            if char == b'"':
                if body[i + 1 : i + 2] == b'"':
                    i += 1  # an escaped quote
                else:
                    state.in_quotes = False
                    following = body[i + 1 : i + 2]
                    if following not in (b"", b","):
                        near = body[max(0, i - 20) : i + 20].decode("utf-8", "replace")
                        return Problem(
                            str(path),
                            "stray_quote",
                            f"{path.name} line {number}: a quoted value is followed by more text "
                            f"before the next comma ({near!r}); quote the whole value and double "
                            "any quote inside it (\"\")",
                        )
        elif char == b",":
            state.fields += 1
            at_field_start = True
            i += 1
            continue
        elif char == b'"' and at_field_start:
            state.in_quotes = True
        at_field_start = False
        i += 1
    return None


def _first_line_not_utf8(path: Path) -> int:
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def _ragged(path: Path, line: int, found: int, width: int) -> Problem:
    more = found > width
    cause = (
        "a value holding a comma must be quoted (\"1,5\"), or a column is misplaced"
        if more
        else "the row is cut short or a value is missing its separator"
    )
    return Problem(
        str(path),
        "ragged_row",
        f"{path.name} line {line} has {found} values where the header has {width} columns "
        f"({cause}); fix that line so every row has {width} comma-separated values",
    )


def _not_utf8(path: Path, line: int) -> Problem:
    return Problem(
        str(path),
        "not_utf8",
        f"{path.name} line {line} is not UTF-8 text (the data contract wants UTF-8); save the file "
        "as UTF-8 (in Excel: 'CSV UTF-8 (Comma delimited)')",
    )


def _ending_name(ending: bytes | None) -> str:
    names = {b"\r\n": "Windows CR LF", b"\n": "Unix LF", b"\r": "old Mac CR"}
    return names.get(ending or b"", "none")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
