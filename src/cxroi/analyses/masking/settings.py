"""Settings of the containment masking detector (``[stack.masking]``) and their parser.

```toml
[stack.masking]
reference_months = 6          # 1-24: earlier unflagged months each month is compared with
alpha = 0.05                  # family-wise: chance of any false month in a history without masking
min_containment_rise = 0.02   # practical minimum moves (shares as fractions, CES in points);
min_resolution_fall = 0.02    # a smaller move is never flagged, however significant
min_effort_fall = 0.2
adjust_for_intent = true      # compare FCR and CES at the month's own intent mix
extend_episodes = true        # a month next to a flagged month is tested at level alpha / 2
owner = "Head of Digital Care"
action = "review bot escalation paths"
```

Kept free of engine imports, so the configuration can import it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from cxroi.errors import Problem
from cxroi.toml_tables import TableReader


@dataclass(frozen=True)
class MaskingSettings:
    reference_months: int = 6
    owner: str = "Head of Digital Care"
    action: str = "review bot escalation paths"
    alpha: float = 0.05
    min_containment_rise: float = 0.02
    min_resolution_fall: float = 0.02
    min_effort_fall: float = 0.2
    adjust_for_intent: bool = True
    extend_episodes: bool = True


_INT_RANGES: dict[str, tuple[int, int]] = {"reference_months": (1, 24)}
_FLOAT_RANGES: dict[str, tuple[float, float]] = {
    "alpha": (1e-6, 0.5),
    "min_containment_rise": (0.0, 1.0),
    "min_resolution_fall": (0.0, 1.0),
    "min_effort_fall": (0.0, 6.0),
}
_BOOLS = ("adjust_for_intent", "extend_episodes")
_TEXTS = ("owner", "action")


def parse_masking_settings(
    body: Any, problems: list[Problem], where: str = "stack.masking"
) -> MaskingSettings:
    """Read the ``[stack.masking]`` table; every fault becomes a Problem and keeps its default."""
    if not isinstance(body, dict):
        problems.append(Problem(where, "not_a_table", "must be a TOML table"))
        return MaskingSettings()
    known = {f.name for f in fields(MaskingSettings)}
    values: dict[str, Any] = {}
    reader = TableReader(problems)

    def bad(key: str, rule: str, message: str) -> None:
        problems.append(Problem(f"{where}.{key}", rule, message))

    for key, value in sorted(body.items()):
        if key not in known:
            bad(key, "unknown_key", f"unknown key; known keys: {', '.join(sorted(known))}")
        elif key in _INT_RANGES or key in _FLOAT_RANGES:
            integer = key in _INT_RANGES
            low, high = _INT_RANGES[key] if integer else _FLOAT_RANGES[key]
            checked = reader.ranged(value, f"{where}.{key}", low, high, integer)
            if checked is not None:
                values[key] = checked
        elif key in _BOOLS:
            if not isinstance(value, bool):
                bad(key, "wrong_type", f"expected true or false, got {value!r}")
            else:
                values[key] = value
        elif key in _TEXTS:
            if not isinstance(value, str) or not value.strip():
                bad(key, "wrong_type", f"expected a non-empty text, got {value!r}")
            else:
                values[key] = value
    return MaskingSettings(**values)
