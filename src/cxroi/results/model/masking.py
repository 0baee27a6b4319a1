"""``masking``: months where containment rose while customers fared worse."""

from __future__ import annotations

from dataclasses import dataclass

from cxroi.results.codec import omitted_when_none, spec
from cxroi.stats.result import Result, Unit


@dataclass(frozen=True, kw_only=True)
class MaskingMonth:
    """One month against its reference months: levels, changes, and the verdict."""

    month: str
    reference_months: tuple[str, ...]
    containment_rate: Result = spec(unit=Unit.FRACTION)
    resolution: Result = spec(unit=Unit.FRACTION)
    ces: Result = spec(unit=Unit.CES)
    containment_change: Result = spec(unit=Unit.DIFFERENCE)
    resolution_change: Result = spec(unit=Unit.DIFFERENCE)
    ces_change: Result = spec(unit=Unit.SCORE_DIFFERENCE)
    containment_rises: bool
    resolution_falls: bool
    effort_worsens: bool
    flagged: bool


@dataclass(frozen=True, kw_only=True)
class MaskingSection:
    """The containment-masking detector ("containing by making it hard to reach a human")."""

    method: str
    resolution_measure: str
    effort_measure: str
    reference_months: int
    flagged_months: tuple[str, ...]
    months: tuple[MaskingMonth, ...]
    effort_measure_note: str | None = omitted_when_none()
