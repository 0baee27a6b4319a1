"""Building blocks the sections share: counts per mode (``ai_only``, ``hybrid``, ``human_only``, ``all``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cxroi.io.contract import MODES


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
