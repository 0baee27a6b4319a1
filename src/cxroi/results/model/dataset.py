"""``dataset``: what was read, what was accepted, and every rule that set rows aside."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class RuleCount:
    """How many rows of a table broke one contract rule."""

    table: str
    column: str
    rule: str
    severity: Literal["error", "warning"]
    count: int


@dataclass(frozen=True)
class ExcludedAfterAsOf:
    """Contacts after the configured ``as_of``: read and valid, but outside the analysis."""

    contacts: int


@dataclass(frozen=True)
class DatasetSection:
    """Rows read, accepted and quarantined per table; no row disappears unaccounted for."""

    rows: dict[str, int]
    accepted: dict[str, int]
    quarantined: dict[str, int]
    excluded_after_as_of: ExcludedAfterAsOf
    rules: tuple[RuleCount, ...]
    present_columns: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class CostModelEcho:
    """The cost of one contact of a mode when the dataset gives none."""

    per_contact: float
    per_minute: float


@dataclass(frozen=True)
class ConfigEcho:
    """The configuration choices every number depends on."""

    timezone: str
    currency: str
    windows_days: tuple[int, ...]
    cost_model: dict[str, CostModelEcho]
    strict: bool
