"""The customer's intent, read from what each platform records, as the user configures it.

Repeat detection is intent-aware (docs/metrics.md): a later contact repeats an earlier one only when
their intents match or one of them is missing. An intent that is wrong, or finer than the
customer's need (an agent's wrap-up code per product variant), hides real repeats and makes
first-contact resolution look better than it is; a missing intent never does. So nothing is read
as intent unless the configuration names where it comes from:

    [import.genesys]
    intent_from = ["attribute:Intent", "wrapup"]

lists sources tried in order; the first one with a value wins. Each importer declares the kinds
it knows (Connect: contact attributes, the Lex intent; Genesys: participant data, wrap-up codes,
flow outcomes; Zendesk: custom fields, tags; Intercom: conversation attributes, AI topics). The
import report says how many contacts got an intent and from which source and, for sources that
need no argument and were not configured, how many contacts carry one, so a user sees what the
export offers before choosing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cxroi.errors import ConfigError, Problem


@dataclass(frozen=True)
class IntentSource:
    """One place an intent can come from: a kind (``wrapup``) and, for some, an argument
    (``attribute:Intent`` names the attribute)."""

    kind: str
    argument: str | None = None

    @property
    def label(self) -> str:
        return self.kind if self.argument is None else f"{self.kind}:{self.argument}"


def parse_intent_sources(
    values: Sequence[str],
    kinds: Mapping[str, str],
    where: str,
    problems: list[Problem],
) -> tuple[IntentSource, ...]:
    """``["attribute:Intent", "wrapup"]`` -> sources; ``kinds`` maps each known kind to what its
    argument is (``""`` when it takes none). Every fault is appended to ``problems``."""
    out: list[IntentSource] = []
    known = ", ".join(f"{k}:<{a}>" if a else k for k, a in kinds.items())
    for value in values:
        kind, sep, argument = (v.strip() for v in value.partition(":"))
        if kind not in kinds:
            problems.append(
                Problem(where, "not_allowed", f"unknown intent source {value!r}; known: {known}")
            )
        elif kinds[kind] and not argument:
            problems.append(
                Problem(where, "not_allowed", f"{kind} needs an argument: {kind}:<{kinds[kind]}>")
            )
        elif not kinds[kind] and sep:
            problems.append(Problem(where, "not_allowed", f"{kind} takes no argument"))
        else:
            out.append(IntentSource(kind, argument or None))
    return tuple(out)


def checked_intent_sources(
    values: Sequence[str], kinds: Mapping[str, str], where: str
) -> tuple[IntentSource, ...]:
    """As :func:`parse_intent_sources`, raising :class:`ConfigError` on any fault (an adapter
    called with options that did not go through its parser)."""
    problems: list[Problem] = []
    sources = parse_intent_sources(values, kinds, where, problems)
    if problems:
        raise ConfigError(problems)
    return sources


def intent_text(value: Any) -> str | None:
    """A value as an intent label: text or a number, stripped; anything else is no intent."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class IntentCoverage:
    """How many contacts got an intent and from which source (part of the import report)."""

    sources: tuple[str, ...]
    contacts: int
    with_intent: int
    by_source: dict[str, int] = field(default_factory=dict)
    # sources that need no argument and were not configured: contacts that carry a value
    available: dict[str, int] = field(default_factory=dict)

    @property
    def share(self) -> float | None:
        return self.with_intent / self.contacts if self.contacts else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "sources": list(self.sources),
            "contacts": self.contacts,
            "with_intent": self.with_intent,
            "share": self.share,
            "by_source": dict(sorted(self.by_source.items())),
            "available": dict(sorted(self.available.items())),
        }

    def line(self) -> str:
        share = f"{self.share:.1%}" if self.share is not None else "n/a"
        if not self.sources:
            text = "intent: none configured (intent_from)"
        else:
            parts = ", ".join(f"{k} {v:,}" for k, v in sorted(self.by_source.items()))
            text = f"intent: {self.with_intent:,} of {self.contacts:,} contacts ({share})"
            text += f" from {parts}" if parts else ""
        if self.available:
            offer = ", ".join(f"{k} on {v:,}" for k, v in sorted(self.available.items()))
            text += f"; also available: {offer}"
        return text


Lookup = Callable[[IntentSource], str | None]


class IntentPicker:
    """Picks each contact's intent from the configured sources and keeps the tally."""

    def __init__(self, sources: Sequence[IntentSource], free_kinds: Sequence[str] = ()) -> None:
        self.sources = tuple(sources)
        configured = {s.kind for s in self.sources if s.argument is None}
        # argument-free kinds not configured are looked at only to say what the export offers
        self.probes = tuple(IntentSource(k) for k in free_kinds if k not in configured)
        self.contacts = 0
        self.by_source: Counter[str] = Counter()
        self.available: Counter[str] = Counter()

    def pick(self, lookup: Lookup) -> str | None:
        self.contacts += 1
        for probe in self.probes:
            if lookup(probe) is not None:
                self.available[probe.label] += 1
        for source in self.sources:
            value = lookup(source)
            if value is not None:
                self.by_source[source.label] += 1
                return value
        return None

    def coverage(self) -> IntentCoverage:
        return IntentCoverage(
            sources=tuple(s.label for s in self.sources),
            contacts=self.contacts,
            with_intent=sum(self.by_source.values()),
            by_source=dict(self.by_source),
            available={k: v for k, v in self.available.items() if v},
        )
