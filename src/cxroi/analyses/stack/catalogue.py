"""The numbers stack triggers may use, generated from the typed results tree.

A path names a value as it reads in results.json: keys joined with dots, ``[*]`` for a monthly
series, and optionally ``.estimate`` (the default), ``.ci_low`` or ``.ci_high`` to compare an
interval bound ("significantly below 0" is ``….ci_high < 0``). Paths are checked against the
declarations of :class:`~cxroi.analyses.stack.scope.TriggerScope` — not against regular
expressions — and carry the unit declared for the number, which bounds a constant threshold and
decides which paths may be compared with each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxroi.analyses.stack.scope import TriggerScope
from cxroi.results import refs
from cxroi.stats.result import Unit

# units whose thresholds may be written as percentages (70% = 0.70)
PERCENT_UNITS = frozenset({Unit.FRACTION, Unit.DIFFERENCE})


@dataclass(frozen=True)
class PathInfo:
    ref: refs.Ref

    @property
    def unit(self) -> Unit | None:
        return self.ref.unit

    @property
    def unit_name(self) -> str:
        return str(self.ref.unit) if self.ref.unit is not None else "unbounded numbers"

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        return self.ref.unit.bounds if self.ref.unit is not None else (None, None)


def split_field(path: str) -> tuple[str, str]:
    """``a.b.ci_high`` -> (``a.b``, ``ci_high``); a path without a selector -> (path, estimate)."""
    for f in refs.BOUNDS:
        if path.endswith(f".{f}"):
            return path[: -len(f) - 1], f
    return path, "estimate"


def reference(path: str, field: str = "estimate") -> refs.Ref:
    """The typed reference of ``path`` (and bound ``field``); raise RefError if it names nothing."""
    return refs.parse(path if field == "estimate" else f"{path}.{field}", TriggerScope)


def lookup(path: str) -> PathInfo | None:
    try:
        return PathInfo(reference(path))
    except refs.RefError:
        return None


def suggest(path: str) -> str:
    return refs.suggest(path, TriggerScope)


def catalogue() -> tuple[refs.Entry, ...]:
    """Every number a trigger may read, with its unit (docs/metric-stack.md lists them)."""
    return refs.catalogue(TriggerScope)
