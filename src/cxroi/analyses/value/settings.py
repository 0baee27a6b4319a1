"""Settings of the value analyses (CLV, pillars, what-if, ROI), read from the ``[value]`` TOML table.

Every default is an assumption, not a fact about the data: ``assumptions.assumptions_table`` lists each one
with its source ("default" or "configured") so results.json says which numbers a user chose.

TOML layout::

    [value]
    margin = 0.3                      # contribution margin on revenue
    annual_discount_rate = 0.10
    acquisition_cost = 400            # CAC per customer; unset = no CAC offset
    acquisition_cost_share = 0.5      # share of CAC a service-sourced won deal avoids
    lookback_days = 90                # window for loyalty-chain features
    high_effort_ces_max = 3
    monte_carlo_draws = 10000
    seed = 20250101

    [value.what_if]                   # a number, or [low, mode, high] for an uncertain one
    hybrid_ai_share = [0.25, 0.5, 0.75]     # share of a hybrid contact's AI work moved to humans
    failure_repeat_share = [0.5, 0.8, 1.0]  # share of AI's excess repeats a human would avoid
    shrinkage = [0.25, 0.30, 0.35]          # share of paid agent time off the queues
    patience_seconds = [60, 180, 600]       # mean caller patience (Erlang A), unless estimated
    target_service_level = 0.8
    target_answer_seconds = 20
    max_occupancy = 0.85              # occupancy cap on live queues; false = no cap
    async_occupancy = 0.85            # productive share of on-shift time on email-like work
    live_channels = ["voice", "chat"] # queued in real time; every other channel is async work
    paid_hours_per_agent_month = 160  # paid hours of one full-time agent per month
    min_cell_contacts = 30            # human contacts an intent x channel cell needs to be used
    staffing_draws = 200              # Monte Carlo draws of the staffing model (Erlang per hour)

    [value.roi]                       # set all three costs: otherwise the ROI is illustrative
    implementation = [50000, 75000, 120000]   # one-off: number or [low, mode, high]
    licence_per_month = [3000, 4000, 6000]
    run_cost_per_month = [2000, 3000, 5000]
    amortisation_months = 36

    [value.roi.risk_savings_per_year]         # risk-adjusted expected savings, any names
    fraud = [0, 10000, 30000]
    compliance = [0, 5000, 20000]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from cxroi.errors import Problem
from cxroi.io.contract import CHANNELS

SECTION = "value"


@dataclass(frozen=True)
class Triangular:
    """An uncertain amount: triangular(low, mode, high); low == high is a fixed number."""

    low: float
    mode: float
    high: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and math.isfinite(self.mode)):
            raise ValueError("triangular bounds must be finite")
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"need low <= mode <= high, got {self.as_list()}")

    @classmethod
    def fixed(cls, value: float) -> Triangular:
        return cls(value, value, value)

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3.0

    def draw(self, rng: np.random.Generator, size: int) -> npt.NDArray[np.float64]:
        if self.low == self.high:
            return np.full(size, self.mode, dtype=np.float64)
        return np.asarray(rng.triangular(self.low, self.mode, self.high, size), dtype=np.float64)

    def as_list(self) -> list[float]:
        return [self.low, self.mode, self.high]


# ------------------------------------------------------ [value.what_if] settings (what_if.py)
@dataclass(frozen=True)
class WhatIfSettings:
    """Assumptions of "what if we stopped AI"; the uncertain ones are triangular priors.

    Defaults are judgement, not data: the shares are wide on purpose, shrinkage of 25-35% is the
    usual planning range, and a mean patience of one to ten minutes spans published call-centre
    estimates (Mandelbaum & Zeltyn 2005 report means of a few minutes). Every one is listed in the
    assumptions table with whether the user set it.
    """

    hybrid_ai_share: Triangular = Triangular(0.25, 0.5, 0.75)
    failure_repeat_share: Triangular = Triangular(0.5, 0.8, 1.0)
    shrinkage: Triangular = Triangular(0.25, 0.30, 0.35)
    patience_seconds: Triangular = Triangular(60.0, 180.0, 600.0)
    target_service_level: float = 0.8
    target_answer_seconds: float = 20.0
    max_occupancy: float | None = 0.85
    async_occupancy: float = 0.85
    live_channels: tuple[str, ...] = ("chat", "voice")
    paid_hours_per_agent_month: float = 160.0
    min_cell_contacts: int = 30
    staffing_draws: int = 200


def _default_risk_savings() -> tuple[tuple[str, Triangular], ...]:
    # No data speaks to fraud or compliance savings: zero until a user states a range.
    return (("compliance", Triangular.fixed(0.0)), ("fraud", Triangular.fixed(0.0)))


# ---------------------------------------------------------- [value.roi] settings (roi.py)
COST_KEYS: tuple[str, ...] = ("implementation", "licence_per_month", "run_cost_per_month")


@dataclass(frozen=True)
class RoiSettings:
    # Illustrative defaults for a mid-sized AI deployment; every one is an assumption to replace.
    # Unless the user sets all of COST_KEYS, the ROI is marked illustrative (tco_source "default").
    implementation: Triangular = Triangular(50_000.0, 75_000.0, 120_000.0)
    licence_per_month: Triangular = Triangular(3_000.0, 4_000.0, 6_000.0)
    run_cost_per_month: Triangular = Triangular(2_000.0, 3_000.0, 5_000.0)
    amortisation_months: int = 36
    risk_savings_per_year: tuple[tuple[str, Triangular], ...] = field(
        default_factory=_default_risk_savings
    )


@dataclass(frozen=True)
class ValueSettings:
    margin: float = 0.30
    annual_discount_rate: float = 0.10
    acquisition_cost: float | None = None
    acquisition_cost_share: float = 0.5
    lookback_days: int = 90
    high_effort_ces_max: float = 3.0
    monte_carlo_draws: int = 10_000
    seed: int = 20250101
    what_if: WhatIfSettings = field(default_factory=WhatIfSettings)
    roi: RoiSettings = field(default_factory=RoiSettings)
    configured: tuple[str, ...] = ()
    """Dotted keys the user set; everything else is a default."""

    @property
    def monthly_discount_rate(self) -> float:
        return float((1.0 + self.annual_discount_rate) ** (1.0 / 12.0) - 1.0)


# ------------------------------------------------------------------------------------ parsing
_Check = tuple[str, str]  # (kind, description)
_TOP: dict[str, _Check] = {
    "margin": ("share", "a share in [0, 1]"),
    "annual_discount_rate": ("rate", "a rate in (0, 1], e.g. 0.10"),
    "acquisition_cost": ("money", "an amount >= 0"),
    "acquisition_cost_share": ("share", "a share in [0, 1]"),
    "lookback_days": ("days", "a whole number of days in 7..365"),
    "high_effort_ces_max": ("ces", "a CES score in [1, 7]"),
    "monte_carlo_draws": ("draws", "a whole number in 1000..1000000"),
    "seed": ("seed", "a whole number >= 0"),
}
_WHAT_IF: dict[str, _Check] = {
    "hybrid_ai_share": ("share_tri", "a share in [0, 1] or [low, mode, high] of shares"),
    "failure_repeat_share": ("share_tri", "a share in [0, 1] or [low, mode, high] of shares"),
    "shrinkage": ("shrinkage_tri", "a share in [0, 0.9] or [low, mode, high] of such shares"),
    "patience_seconds": ("patience_tri", "seconds in [5, 3600] or [low, mode, high] of them"),
    "target_service_level": ("open_share", "a share in (0, 1)"),
    "target_answer_seconds": ("seconds", "seconds >= 0"),
    "max_occupancy": ("occupancy_cap", "a share in (0, 1], or false for no cap"),
    "async_occupancy": ("occupancy", "a share in (0, 1]"),
    "live_channels": ("channels", "a list of contract channels, e.g. [\"voice\", \"chat\"]"),
    "paid_hours_per_agent_month": ("hours", "hours in (0, 744]"),
    "min_cell_contacts": ("cell", "a whole number in 1..100000"),
    "staffing_draws": ("staffing_draws", "a whole number in 20..5000"),
}
_ROI: dict[str, _Check] = {
    "implementation": ("triangular", "an amount >= 0 or [low, mode, high]"),
    "licence_per_month": ("triangular", "an amount >= 0 or [low, mode, high]"),
    "run_cost_per_month": ("triangular", "an amount >= 0 or [low, mode, high]"),
    "amortisation_months": ("months", "a whole number of months in 1..240"),
    "risk_savings_per_year": ("table", "a table of name = amount or [low, mode, high]"),
}


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return None
    return float(v)


def _whole(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _triangular(v: Any) -> Triangular | None:
    if isinstance(v, dict) and set(v) == {"low", "mode", "high"}:
        v = [v["low"], v["mode"], v["high"]]
    if isinstance(v, list) and len(v) == 3:
        nums = [_number(x) for x in v]
        if all(x is not None and x >= 0 for x in nums):
            lo, mo, hi = (float(x) for x in nums if x is not None)
            return Triangular(lo, mo, hi) if lo <= mo <= hi else None
        return None
    x = _number(v)
    return Triangular.fixed(x) if x is not None and x >= 0 else None


def _convert(kind: str, v: Any) -> Any:
    """The parsed value, or None when ``v`` breaks the rule of ``kind``."""
    x = _number(v)
    n = _whole(v)
    ok: dict[str, Any] = {
        "share": x if x is not None and 0 <= x <= 1 else None,
        "open_share": x if x is not None and 0 < x < 1 else None,
        "rate": x if x is not None and 0 < x <= 1 else None,
        "money": x if x is not None and x >= 0 else None,
        "days": n if n is not None and 7 <= n <= 365 else None,
        "ces": x if x is not None and 1 <= x <= 7 else None,
        "draws": n if n is not None and 1000 <= n <= 1_000_000 else None,
        "seed": n if n is not None and n >= 0 else None,
        "seconds": x if x is not None and x >= 0 else None,
        "shrinkage": x if x is not None and 0 <= x < 1 else None,
        "occupancy": x if x is not None and 0 < x <= 1 else None,
        "hours": x if x is not None and 0 < x <= 744 else None,
        "months": n if n is not None and 1 <= n <= 240 else None,
    }
    if kind == "triangular":
        return _triangular(v)
    if kind in _WHAT_IF_KINDS:
        return _what_if_value(kind, v)
    return ok[kind]


def _read(
    body: dict[str, Any],
    spec: dict[str, _Check],
    where: str,
    problems: list[Problem],
    skip: tuple[str, ...] = (),
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key in skip:
            continue
        if key not in spec:
            known = ", ".join(sorted([*spec, *skip]))
            problems.append(
                Problem(f"{where}.{key}", "unknown_key", f"unknown key; known: {known}")
            )
            continue
        kind, desc = spec[key]
        if kind == "table":
            continue
        parsed = _convert(kind, value)
        if parsed is None:
            problems.append(
                Problem(f"{where}.{key}", "bad_value", f"expected {desc}, got {value!r}")
            )
        else:
            out[key] = parsed
    return out


def parse_value_settings(raw: dict[str, Any], problems: list[Problem]) -> ValueSettings:
    """Read the ``[value]`` table (``raw`` is its content); invalid entries fall back to defaults."""
    if not isinstance(raw, dict):
        problems.append(Problem(SECTION, "not_a_table", "must be a [value] table"))
        return ValueSettings()
    configured: list[str] = []
    top = _read(raw, _TOP, SECTION, problems, skip=("what_if", "roi"))
    configured += [f"{SECTION}.{k}" for k in top]

    what_if, what_if_keys = _parse_what_if(raw.get("what_if", {}), problems)
    configured += what_if_keys

    roi = RoiSettings()
    body = raw.get("roi", {})
    if isinstance(body, dict):
        vals = _read(body, _ROI, f"{SECTION}.roi", problems)
        configured += [f"{SECTION}.roi.{k}" for k in vals]
        savings = body.get("risk_savings_per_year")
        if savings is not None:
            items = _risk_savings(savings, problems)
            if items is not None:
                vals["risk_savings_per_year"] = items
                configured.append(f"{SECTION}.roi.risk_savings_per_year")
        roi = replace(roi, **vals)
    else:
        problems.append(Problem(f"{SECTION}.roi", "not_a_table", "must be a table"))

    known = {f.name for f in fields(ValueSettings)}
    return ValueSettings(
        **{k: v for k, v in top.items() if k in known},
        what_if=what_if,
        roi=roi,
        configured=tuple(sorted(configured)),
    )


def _risk_savings(body: Any, problems: list[Problem]) -> tuple[tuple[str, Triangular], ...] | None:
    where = f"{SECTION}.roi.risk_savings_per_year"
    if not isinstance(body, dict):
        problems.append(Problem(where, "not_a_table", "must be a table of name = amount"))
        return None
    items: list[tuple[str, Triangular]] = []
    ok = True
    for name, value in body.items():
        t = _triangular(value)
        if t is None:
            problems.append(
                Problem(
                    f"{where}.{name}",
                    "bad_value",
                    f"expected an amount >= 0 or "
                    f"[low, mode, high] with low <= mode <= high, got {value!r}",
                )
            )
            ok = False
        else:
            items.append((str(name), t))
    # a table with a bad entry keeps the defaults whole rather than silently dropping an item
    return tuple(sorted(items)) if ok else None


# --------------------------------------------- [value.what_if] parsing (what_if.py owns these)
_WHAT_IF_KINDS = frozenset(
    {"share_tri", "shrinkage_tri", "patience_tri", "occupancy_cap", "channels", "cell",
     "staffing_draws"}
)
_WHAT_IF_BOUNDS: dict[str, tuple[float, float]] = {
    "share_tri": (0.0, 1.0),
    "shrinkage_tri": (0.0, 0.9),
    "patience_tri": (5.0, 3600.0),
}


def _what_if_value(kind: str, v: Any) -> Any:
    """The parsed ``[value.what_if]`` value of ``kind``, or None when ``v`` breaks its rule."""
    if kind in _WHAT_IF_BOUNDS:
        low, high = _WHAT_IF_BOUNDS[kind]
        t = _triangular(v)
        return t if t is not None and low <= t.low and t.high <= high else None
    if kind == "occupancy_cap":
        if v is False:
            return False
        x = _number(v)
        return x if x is not None and 0 < x <= 1 else None
    if kind == "channels":
        if not isinstance(v, list) or not v or not all(isinstance(c, str) for c in v):
            return None
        names = tuple(sorted({c.strip().lower() for c in v}))
        return names if set(names) <= set(CHANNELS) else None
    n = _whole(v)
    if kind == "cell":
        return n if n is not None and 1 <= n <= 100_000 else None
    return n if n is not None and 20 <= n <= 5000 else None  # staffing_draws


def _parse_what_if(body: Any, problems: list[Problem]) -> tuple[WhatIfSettings, list[str]]:
    where = f"{SECTION}.what_if"
    if not isinstance(body, dict):
        problems.append(Problem(where, "not_a_table", "must be a table"))
        return WhatIfSettings(), []
    vals = _read(body, _WHAT_IF, where, problems)
    if vals.get("max_occupancy") is False:
        vals["max_occupancy"] = None
    return replace(WhatIfSettings(), **vals), [f"{where}.{k}" for k in vals]
