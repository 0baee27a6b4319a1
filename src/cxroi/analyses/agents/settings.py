"""Settings of the agents analysis and their TOML section ``[agents]`` (+ ``[agents.weights]``).

```toml
[agents]
max_lag_weeks = 26           # lags searched: 0..26 weeks, index leading
max_ar_order = 4             # prewhitening AR(p), p by AIC in 0..4
min_weeks = 30               # fewer overlapping weeks: no lead-lag, with a note
bootstrap_replicates = 999
block_weeks = 0              # moving-block length; 0 = ceil(n^(1/3))
seed = 20250101
alpha = 0.05                 # familywise: over the lags searched, then Holm over the metrics
seasonal_harmonics = 2       # annual harmonics (and a trend) removed first; 0 = none
direction = "positive"       # or "absolute": pick the lag by |r|
smooth_lags = true           # locate the peak on the (1/4,1/2,1/4)-smoothed correlogram
loyalty_contacts = "agent_handled"   # or "all": contacts the loyalty series are built on
primary_metric = "csat"      # reported as agents.lead_lag: csat, nps, ces or fcr_7d
warning_drop_sd = 0.5        # warn when the index falls this many SDs below ...
warning_baseline_weeks = 8   # ... its mean over the previous 8 weeks

[agents.weights]             # relative weights, equal by default; 0 leaves a component out
pulse = 1.0
escalation_share = 1.0
escalation_handle_seconds = 1.0
voluntary_turnover = 1.0
```
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from cxroi.analyses.agents.index import INDEX_COMPONENTS
from cxroi.errors import Problem
from cxroi.toml_tables import TableReader

LOYALTY_METRICS: tuple[str, ...] = ("csat", "nps", "ces", "fcr_7d")


def _equal_weights() -> dict[str, float]:
    return {c: 1.0 for c in INDEX_COMPONENTS}


@dataclass(frozen=True)
class AgentsSettings:
    weights: dict[str, float] = field(default_factory=_equal_weights)
    max_lag_weeks: int = 26
    max_ar_order: int = 4
    min_weeks: int = 30
    bootstrap_replicates: int = 999
    block_weeks: int = 0
    seed: int = 20250101
    alpha: float = 0.05
    seasonal_harmonics: int = 2
    direction: str = "positive"
    smooth_lags: bool = True
    loyalty_contacts: str = "agent_handled"
    primary_metric: str = "csat"
    warning_drop_sd: float = 0.5
    warning_baseline_weeks: int = 8


_INT_RANGES: dict[str, tuple[int, int]] = {
    "max_lag_weeks": (1, 104),
    "max_ar_order": (0, 12),
    "min_weeks": (10, 10_000),
    "bootstrap_replicates": (99, 100_000),
    "block_weeks": (0, 52),
    "seed": (0, 2**63 - 1),
    "warning_baseline_weeks": (2, 52),
    "seasonal_harmonics": (0, 6),
}
_FLOAT_RANGES: dict[str, tuple[float, float]] = {
    "alpha": (1e-6, 0.5),
    "warning_drop_sd": (0.0, 10.0),
}
_CHOICES: dict[str, tuple[str, ...]] = {
    "direction": ("positive", "absolute"),
    "loyalty_contacts": ("agent_handled", "all"),
    "primary_metric": LOYALTY_METRICS,
}


def parse_agents_settings(raw: dict[str, Any], problems: list[Problem]) -> AgentsSettings:
    """Read the ``[agents]`` table (``raw`` is its body); bad entries become Problems, defaults."""
    if not isinstance(raw, dict):
        problems.append(Problem("agents", "not_a_table", "must be an [agents] table"))
        return AgentsSettings()
    known = {f.name for f in fields(AgentsSettings)}
    values: dict[str, Any] = {}
    reader = TableReader(problems)

    def bad(key: str, rule: str, message: str) -> None:
        problems.append(Problem(f"agents.{key}", rule, message))

    for key, value in raw.items():
        if key not in known:
            bad(key, "unknown_key", f"unknown key; known keys: {', '.join(sorted(known))}")
        elif key == "weights":
            weights = _weights(value, bad)
            if weights is not None:
                values[key] = weights
        elif key in _INT_RANGES or key in _FLOAT_RANGES:
            integer = key in _INT_RANGES
            low, high = _INT_RANGES[key] if integer else _FLOAT_RANGES[key]
            checked = reader.ranged(value, f"agents.{key}", low, high, integer)
            if checked is not None:
                values[key] = checked
        elif key in _CHOICES:
            if value not in _CHOICES[key]:
                bad(
                    key, "not_allowed", f"expected one of {', '.join(_CHOICES[key])}, got {value!r}"
                )
            else:
                values[key] = value
        elif key == "smooth_lags":
            if not isinstance(value, bool):
                bad(key, "wrong_type", f"expected true or false, got {value!r}")
            else:
                values[key] = value
    return AgentsSettings(**values)


def _weights(body: Any, bad: Any) -> dict[str, float] | None:
    if not isinstance(body, dict):
        bad("weights", "not_a_table", "must be an [agents.weights] table")
        return None
    weights = _equal_weights()
    ok = True
    for name, value in body.items():
        if name not in weights:
            bad(f"weights.{name}", "unknown_key", f"components are {', '.join(INDEX_COMPONENTS)}")
            ok = False
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            bad(f"weights.{name}", "wrong_type", f"expected a number ≥ 0, got {value!r}")
            ok = False
        else:
            weights[name] = float(value)
    if ok and not any(w > 0 for w in weights.values()):
        bad("weights", "out_of_range", "at least one component needs a weight above 0")
        ok = False
    return weights if ok else None
