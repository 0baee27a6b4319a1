"""Typed results shared by every estimator: an estimate with its interval, or a typed refusal.

Every number cxroi reports is either an :class:`Estimate` (point, 95% interval, method, n) or a
:class:`CannotCompute` carrying the reason. Serialisation to ``results.json`` lives in
``cxroi.results``; these objects know nothing about JSON layout beyond ``as_dict``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, Union


class Unit(StrEnum):
    """What an estimate is measured in; the report formats a number by its unit, not its key."""

    FRACTION = "fraction"  # a share in [0, 1], shown as a percentage
    DIFFERENCE = "difference"  # a difference of two shares, shown in percentage points
    NPS = "nps"  # net promoter points, -100..100
    NPS_DIFFERENCE = "nps_difference"
    CES = "ces"  # mean customer effort score, 1..7 (7 = least effort)
    CSAT_SCORE = "csat_score"  # mean CSAT score, 1..5
    SCORE_DIFFERENCE = "score_difference"  # a difference of two mean scores
    INDEX = "index"  # a standardised index (the Agent Experience Index)
    CORRELATION = "correlation"
    MONEY = "money"  # the dataset's currency
    SECONDS = "seconds"
    HOURS = "hours"
    DAYS = "days"
    MONTHS = "months"
    COUNT = "count"
    FTE = "fte"  # full-time-equivalent agents
    RATIO = "ratio"  # a unitless ratio such as an ROI (1.5 = 150%)

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        """The range a value in this unit can take (None: unbounded on that side)."""
        return _BOUNDS.get(self, (None, None))


_BOUNDS: dict[Unit, tuple[float | None, float | None]] = {
    Unit.FRACTION: (0.0, 1.0),
    Unit.DIFFERENCE: (-1.0, 1.0),
    Unit.NPS: (-100.0, 100.0),
    Unit.NPS_DIFFERENCE: (-200.0, 200.0),
    Unit.CES: (1.0, 7.0),
    Unit.CSAT_SCORE: (1.0, 5.0),
    Unit.CORRELATION: (-1.0, 1.0),
    Unit.SECONDS: (0.0, None),
    Unit.HOURS: (0.0, None),
    Unit.COUNT: (0.0, None),
}


@dataclass(frozen=True)
class Estimate:
    estimate: float
    ci_low: float | None = None
    ci_high: float | None = None
    method: str = ""
    n: int | None = None
    se: float | None = None
    unit: Unit | None = None
    # True when the estimate rests on fewer observations than the privacy threshold
    small_cell: bool | None = None

    def __post_init__(self) -> None:
        if not math.isfinite(self.estimate):
            raise ValueError(f"an Estimate must be finite, got {self.estimate!r}; use CannotCompute")

    def base(self) -> Estimate:
        """The plain estimate, without a subclass' extra fields (where a row only compares)."""
        return Estimate(**{name: getattr(self, name) for name in _BASE_NAMES})

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
        if self.unit is not None:
            out["unit"] = str(self.unit)
        if self.small_cell is not None:
            out["small_cell"] = self.small_cell
        for f in fields(self):  # a subclass' typed fields
            if f.name not in _BASE_FIELDS:
                out[f.name] = getattr(self, f.name)
        return out


@dataclass(frozen=True)
class CannotCompute:
    """A number that cannot be computed from the data at hand, and why."""

    reason: str

    def as_dict(self) -> None:
        return None


_BASE_FIELDS = frozenset(f.name for f in fields(Estimate))
_BASE_NAMES = tuple(f.name for f in fields(Estimate))


@dataclass(frozen=True, kw_only=True)
class Contrast(Estimate):
    """A difference between two groups (a − b), with each side's size."""

    n_a: int
    n_b: int

    @property
    def smallest_side(self) -> int:
        # a contrast is as private as its smaller side
        return min(self.n_a, self.n_b)


Result = Union[Estimate, CannotCompute]
ContrastResult = Union[Contrast, CannotCompute]

