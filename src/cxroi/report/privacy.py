"""Keep identifiers out of the report.

results.json holds aggregates only, but free text reaches it from the data (channel and touchpoint
labels, team names, alert messages written by other analyses). Every string the report shows passes
:func:`redact`; after rendering, :func:`find_identifiers` runs over the visible text of each file and
any hit stops the run (:class:`PrivacyError`) rather than ship a file with a customer id in it.
"""

from __future__ import annotations

import re

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("uuid", re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")),
    # Letters then four or more digits: K00042, C0000123, CUST-12345, acct_99812.
    ("prefixed id", re.compile(r"\b[A-Za-z]{1,6}[-_]?\d{4,}\b")),
    # A bare run of seven or more digits (account or phone numbers); the report writes every
    # number of that size with thousands separators, so its own numbers never match.
    ("long number", re.compile(r"(?<![\d.,])\d{7,}(?![\d.,])")),
    ("phone", re.compile(r"\+\d[\d ()-]{7,}\d")),
)

REDACTED = "[redacted]"


class PrivacyError(RuntimeError):
    """A rendered file would show something that looks like a personal identifier."""


def find_identifiers(text: str) -> list[tuple[str, str]]:
    """Every (kind, match) in ``text`` that looks like an identifier."""
    hits: list[tuple[str, str]] = []
    for kind, pattern in _PATTERNS:
        hits.extend((kind, m.group(0)) for m in pattern.finditer(text))
    return hits


def redact(text: str) -> str:
    for _, pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def assert_clean(text: str, where: str) -> None:
    hits = find_identifiers(text)
    if hits:
        kinds = sorted({k for k, _ in hits})
        # The message names the kinds only: repeating the match would leak it into logs.
        raise PrivacyError(f"{where}: {len(hits)} identifier-like string(s) ({', '.join(kinds)})")
