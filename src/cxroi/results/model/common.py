"""Building blocks the sections share: per-mode blocks and counts.

A per-mode block has the keys the results contract fixes — ``ai_only``, ``hybrid``,
``human_only`` and ``all`` — whose values are estimates (or reasons they cannot be computed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cxroi.io.contract import GROUPS, MODES
from cxroi.stats.result import Result


@dataclass(frozen=True)
class PerMode:
    """One estimate per AI mode and for all contacts."""

    ai_only: Result
    hybrid: Result
    human_only: Result
    all: Result

    @classmethod
    def from_mapping(cls, values: Mapping[str, Result]) -> PerMode:
        return cls(**{g: values[g] for g in GROUPS})

    @classmethod
    def build(cls, make: Callable[[str], Result]) -> PerMode:
        return cls(**{g: make(g) for g in GROUPS})

    def get(self, group: str) -> Result:
        value: Result = getattr(self, group)
        return value

    def items(self) -> tuple[tuple[str, Result], ...]:
        return tuple((g, self.get(g)) for g in GROUPS)


@dataclass(frozen=True)
class ModeCounts:
    """A count per AI mode and in all."""

    ai_only: int
    hybrid: int
    human_only: int
    all: int

    @classmethod
    def of(cls, by_mode: Mapping[str, int]) -> ModeCounts:
        return cls(**{m: int(by_mode.get(m, 0)) for m in MODES}, all=sum(by_mode.values()))

    def get(self, group: str) -> int:
        value: int = getattr(self, group)
        return value
