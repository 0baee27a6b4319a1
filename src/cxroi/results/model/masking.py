"""``masking``: months where containment rose while customers fared worse.

Each month is compared with its reference months on bot-entry contacts; a change is a
:class:`Move` that carries its one-sided test in the masking direction. Method and measured error
rates: docs/metric-stack.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxroi.results.layout import omitted_when_none, spec
from cxroi.stats.result import CannotCompute, Estimate, Result, Unit


@dataclass(frozen=True, kw_only=True)
class Move(Estimate):
    """A month's change against its reference months (customer-clustered interval).

    ``p_value`` is one-sided in the masking direction (containment up, FCR or CES down) against
    no change; ``beyond_minimum`` says whether the estimate passes the practical minimum move.
    """

    p_value: float
    minimum: float
    beyond_minimum: bool

    def passes(self, level: float) -> bool:
        return self.beyond_minimum and self.p_value <= level


Change = Move | CannotCompute


@dataclass(frozen=True, kw_only=True)
class MaskingMonth:
    """One month against its reference months: levels, changes, how it was tested, the verdict."""

    month: str
    reference_months: tuple[str, ...]
    containment_rate: Result = spec(unit=Unit.FRACTION)
    resolution: Result = spec(unit=Unit.FRACTION)
    ces: Result = spec(unit=Unit.CES)
    containment_change: Change = spec(unit=Unit.DIFFERENCE)
    resolution_change: Change = spec(unit=Unit.DIFFERENCE)  # at the month's own intent mix
    ces_change: Change = spec(unit=Unit.SCORE_DIFFERENCE)
    tested_at: float | None  # the level it was judged at (None: never tested)
    stage: str  # "not tested", "family-wise" (alpha / tests) or "episode" (next to a flag)
    containment_rises: bool
    resolution_falls: bool
    effort_worsens: bool
    flagged: bool


@dataclass(frozen=True)
class MinimumMoves:
    """The practical minimum changes a month's point estimates must reach to be flagged."""

    containment_rise: float
    resolution_fall: float
    effort_fall: float


@dataclass(frozen=True, kw_only=True)
class MaskingSection:
    """The containment-masking detector ("containing by making it hard to reach a human")."""

    method: str
    population: str
    resolution_measure: str
    effort_measure: str
    adjusted_for_intent: bool
    reference_months: int
    alpha: float
    tests: int
    family_level: float
    minimum_moves: MinimumMoves
    flagged_months: tuple[str, ...]
    months: tuple[MaskingMonth, ...]
    effort_measure_note: str | None = omitted_when_none()
