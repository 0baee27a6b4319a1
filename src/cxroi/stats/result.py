"""Typed results shared by every estimator: an estimate with its interval, or a typed refusal.

Every number cxroi reports is either an :class:`Estimate` (point, 95% interval, method, n) or a
:class:`CannotCompute` carrying the reason. Serialisation to ``results.json`` lives in
``cxroi.results``; these objects know nothing about JSON layout beyond ``as_dict``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Union


@dataclass(frozen=True)
class Estimate:
    estimate: float
    ci_low: float | None = None
    ci_high: float | None = None
    method: str = ""
    n: int | None = None
    se: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not math.isfinite(self.estimate):
            raise ValueError(f"an Estimate must be finite, got {self.estimate!r}; use CannotCompute")

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "estimate": self.estimate,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
        }
        if self.method:
            out["method"] = self.method
        if self.n is not None:
            out["n"] = self.n
        if self.se is not None:
            out["se"] = self.se
        out.update(self.extra)
        return out


@dataclass(frozen=True)
class CannotCompute:
    """A number that cannot be computed from the data at hand, and why."""

    reason: str

    def as_dict(self) -> None:
        return None


Result = Union[Estimate, CannotCompute]

