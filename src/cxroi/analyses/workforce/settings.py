"""Settings of the workforce analysis, read from the ``[workforce]`` TOML table.

```toml
[workforce]
novice_months = 6          # an agent is a novice in their first 6 months after hiring
resolution_window_days = 7 # resolution = no repeat contact within this many days (docs/metrics.md)
```

Every problem is collected (``Problem(where, rule, message)``); a bad entry keeps its default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cxroi.errors import Problem

SECTION = "workforce"


@dataclass(frozen=True)
class WorkforceSettings:
    novice_months: int = 6
    resolution_window_days: int = 7


_RANGES: dict[str, tuple[int, int, str]] = {
    "novice_months": (1, 60, "a whole number of months in 1..60"),
    "resolution_window_days": (1, 90, "a whole number of days in 1..90"),
}


def parse_workforce_settings(raw: Any, problems: list[Problem]) -> WorkforceSettings:
    """Read the ``[workforce]`` table (``raw`` is its content); bad entries keep defaults."""
    if not isinstance(raw, dict):
        problems.append(Problem(SECTION, "not_a_table", "must be a [workforce] table"))
        return WorkforceSettings()
    values: dict[str, int] = {}
    for key, value in raw.items():
        if key not in _RANGES:
            known = ", ".join(sorted(_RANGES))
            problems.append(Problem(f"{SECTION}.{key}", "unknown_key", f"unknown key; known: {known}"))
            continue
        low, high, desc = _RANGES[key]
        ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
        if not ok:
            problems.append(
                Problem(f"{SECTION}.{key}", "bad_value", f"expected {desc}, got {value!r}")
            )
            continue
        values[key] = value
    return WorkforceSettings(**values)
