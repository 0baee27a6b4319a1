"""The metric stack as frozen, typed definitions: metrics, their decision triggers, the stack.

A stack is 6–8 outcome-focused metrics (more than 8 is a warning, not an error), each with an
owner, a data source, a cadence, a direction, a kind (leading/lagging), a level
(activity/outcome), the loyalty-chain link it measures and at least one decision trigger. Parsing
and validation live in :mod:`cxroi.analyses.stack.parse`; evaluation in
:mod:`cxroi.analyses.stack.evaluate`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

CADENCES: tuple[str, ...] = ("daily", "weekly", "monthly", "quarterly")
DIRECTIONS: tuple[str, ...] = ("higher_is_better", "lower_is_better")
KINDS: tuple[str, ...] = ("leading", "lagging")
LEVELS: tuple[str, ...] = ("activity", "outcome")
# the four links of the loyalty signal chain, plus agent experience, which leads them
CHAIN_LINKS: tuple[str, ...] = (
    "effort",
    "resolution",
    "sentiment",
    "behaviour",
    "agent_experience",
)
FIELDS: tuple[str, ...] = ("estimate", "ci_low", "ci_high")
WARN_ABOVE = 8

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@dataclass(frozen=True)
class Operand:
    """A value in a condition: ``path[.field] + offset``, or the constant ``offset`` alone."""

    path: str | None = None  # a catalogue path (without the field selector)
    field: str = "estimate"
    offset: float = 0.0

    @property
    def series(self) -> bool:
        return self.path is not None and "[*]" in self.path

    def text(self) -> str:
        if self.path is None:
            return f"{self.offset:g}"
        base = self.path if self.field == "estimate" else f"{self.path}.{self.field}"
        if self.offset == 0:
            return base
        return f"{base} {'+' if self.offset > 0 else '-'} {abs(self.offset):g}"


@dataclass(frozen=True)
class Condition:
    left: Operand
    op: str
    right: Operand
    months: int = 1  # consecutive months the comparison must hold (series only)

    @property
    def series(self) -> bool:
        return self.left.series

    def holds(self, left: float, right: float) -> bool:
        return OPERATORS[self.op](left, right)

    def text(self) -> str:
        tail = f" for {self.months} months" if self.months > 1 else ""
        return f"{self.left.text()} {self.op} {self.right.text()}{tail}"


@dataclass(frozen=True)
class Trigger:
    when: str  # as written in the configuration
    condition: Condition
    action: str
    owner: str | None = None  # None: the metric's owner


@dataclass(frozen=True)
class MetricSpec:
    id: str
    name: str
    path: str  # the headline value (a catalogue path, optionally with a field selector)
    owner: str
    data_source: str
    cadence: str
    direction: str
    kind: str
    level: str
    chain_link: str
    triggers: tuple[Trigger, ...]
    why: str = ""  # one sentence: how it connects to revenue or retention


@dataclass(frozen=True)
class Stack:
    metrics: tuple[MetricSpec, ...]
    source: str = "default"

    @property
    def warnings(self) -> tuple[str, ...]:
        """Advice that does not stop a run (the guide's rules of thumb)."""
        out = []
        n = len(self.metrics)
        if n > WARN_ABOVE:
            out.append(f"the stack has {n} metrics; keep it to 6-8 so every one is acted on")
        kinds = {m.kind for m in self.metrics}
        for k in KINDS:
            if n and k not in kinds:
                out.append(f"no {k} metric: pair leading (predictive) with lagging (confirmatory)")
        links = {m.chain_link for m in self.metrics}
        for link in CHAIN_LINKS[:4]:
            if n and link not in links:
                out.append(f"no metric measures the {link} link of the loyalty chain")
        if n and all(m.level == "activity" for m in self.metrics):
            out.append("every metric is an activity metric: add the outcomes they should move")
        return tuple(out)
