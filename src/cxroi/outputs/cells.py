"""One number of the results tree as the columns of a table row, with small cells suppressed.

The privacy rule is the report's: a number resting on fewer than ``min_cell`` observations is not
shown. Here its estimate, interval, standard error and counts become null and ``suppressed`` is
true; a number the analysis could not compute keeps its reason in ``note``. A count (contacts in
a group) is a number resting on itself, so a count from 1 to ``min_cell`` − 1 is suppressed too.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

from cxroi.stats.result import CannotCompute, Estimate, Unit

Row = dict[str, Any]
NOT_IN_RESULTS = "not in results.json"


def suppression_note(min_cell: int) -> str:
    return f"suppressed: rests on fewer than {min_cell} observations"


def observations(e: Estimate) -> int | None:
    """What the privacy rule counts: n, or the smaller side of a two-group contrast."""
    sides = [getattr(e, name, None) for name in ("n_a", "n_b")]
    if all(isinstance(s, int) for s in sides):
        return min(int(s) for s in sides if s is not None)
    return e.n


def is_small(e: Estimate, min_cell: int) -> bool:
    seen = observations(e)
    return bool(e.small_cell) or (seen is not None and seen < min_cell)


def _text(value: Any) -> Any:
    """Enumerations (units, evidence classes) as their plain values."""
    return value.value if isinstance(value, Enum) else value


def number_cells(
    value: Estimate | CannotCompute | None, min_cell: int, unit: Unit | None, small: bool = False
) -> Row:
    """estimate, ci_low, ci_high, se, n, customers, unit, method, suppressed, note.

    ``small``: the tree marks the number's group as too small in a field of its own.
    """
    row: Row = {
        "estimate": None, "ci_low": None, "ci_high": None, "se": None, "n": None,
        "customers": None, "unit": _text(unit), "method": None, "suppressed": False, "note": None,
    }
    if value is None:
        row["note"] = NOT_IN_RESULTS
    elif isinstance(value, CannotCompute):
        row["note"] = value.reason
    else:
        row["unit"] = _text(value.unit or unit)
        row["method"] = value.method or None
        if small or is_small(value, min_cell):
            row["suppressed"] = True
            row["note"] = suppression_note(min_cell)
        else:
            customers = getattr(value, "customers", None)
            row.update(
                estimate=value.estimate, ci_low=value.ci_low, ci_high=value.ci_high, se=value.se,
                n=value.n, customers=customers if isinstance(customers, int) else None,
            )
    return row


def count_cells(count: int, min_cell: int) -> Row:
    """A count as a number row: suppressed below ``min_cell``, except zero, which describes
    nobody (an AI-only contact is never escalated; no cost was modelled)."""
    small = 0 < count < min_cell
    return {
        "estimate": None if small else float(count), "ci_low": None, "ci_high": None, "se": None,
        "n": None if small else count, "customers": None, "unit": Unit.COUNT.value,
        "method": "count", "suppressed": small,
        "note": suppression_note(min_cell) if small else None,
    }


def figure_cells(
    value: Estimate | CannotCompute | None, min_cell: int, unit: Unit | None, small: bool = False
) -> Row:
    """A money or scenario figure: the number columns and the labels a finance reader needs."""
    row = number_cells(value, min_cell, unit, small)
    del row["customers"]
    labels = ("horizon_months", "basis", "evidence", "margin_applied", "population",
              "significant_figures")
    for name in labels:
        row[name] = _text(getattr(value, name, None)) if isinstance(value, Estimate) else None
    return row


def month_start(period: str) -> date | None:
    """``"2025-03"`` -> 2025-03-01; anything else (``all``, a week) -> None."""
    parts = period.split("-")
    if len(parts) == 2 and all(p.isdigit() for p in parts) and len(parts[0]) == 4:
        return date(int(parts[0]), int(parts[1]), 1)
    return None
