"""Settings of the retention analysis and their reading from the ``[retention]`` TOML section.

This module owns the whole ``[retention]`` table, including the confounders: ``covariates`` (extra
columns of the customers table) and ``index_confounders`` (which of the index contact's own
columns — its intent, channel and calendar month — enter the adjustment; all three by default,
each used when its column is present). docs/metrics.md "Retention" names both kinds.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from cxroi.errors import Problem

PROPENSITY_MODELS: tuple[str, ...] = ("logistic", "boosting")
CENSORING_MODELS: tuple[str, ...] = ("arm", "arm_strata")
# The index contact's own confounders: why and how the customer got in touch, and when.
INDEX_CONFOUNDERS: tuple[str, ...] = ("intent", "channel", "month")


@dataclass(frozen=True)
class RetentionSettings:
    """How retention is estimated; the definitions themselves are fixed by docs/metrics.md.

    ``horizon_days``: the retention horizon (365 = "12 months"). ``folds``: cross-fitting folds.
    ``seed``: fold assignment and any randomised model. ``trim_low``/``trim_high``: customers whose
    cross-fitted propensity falls outside are dropped from the adjusted estimate (reported).
    ``overlap_*``: when the overlap warning fires. ``window_start``/``window_end``: the analysis
    window for index contacts (``None`` = the whole dataset up to ``as_of``). ``covariates``:
    extra columns of the customers table to adjust for, beside segment, plan, region,
    monthly_revenue and tenure at the index. ``index_confounders``: which of the index contact's
    intent, channel and calendar month to adjust for (each only when the column is present).
    """

    horizon_days: int = 365
    folds: int = 5
    seed: int = 20240607
    trim_low: float = 0.01
    trim_high: float = 0.99
    propensity_model: str = "logistic"
    censoring_model: str = "arm_strata"
    overlap_max_trimmed_share: float = 0.02
    overlap_min_ess_share: float = 0.30
    overlap_max_weighted_smd: float = 0.10
    window_start: datetime | None = None
    window_end: datetime | None = None
    covariates: tuple[str, ...] = ()
    index_confounders: tuple[str, ...] = INDEX_CONFOUNDERS

    @property
    def curve_days(self) -> tuple[int, ...]:
        """Monthly points 0 … horizon (13 points for 365 days)."""
        return tuple(round(self.horizon_days * m / 12) for m in range(13))


# key -> description used in messages.
_KEYS: dict[str, str] = {
    "horizon_days": "a whole number of days, 30–3650",
    "folds": "a whole number of cross-fitting folds, 2–20",
    "seed": "a whole number ≥ 0",
    "propensity_trim": "two numbers [low, high] with 0 ≤ low < 0.5 < high ≤ 1",
    "propensity_model": "one of " + ", ".join(PROPENSITY_MODELS),
    "censoring_model": "one of " + ", ".join(CENSORING_MODELS),
    "overlap_max_trimmed_share": "a share in [0, 1]",
    "overlap_min_ess_share": "a share in [0, 1]",
    "overlap_max_weighted_smd": "a number ≥ 0",
    "window_start": "an ISO-8601 instant such as '2024-01-01T00:00:00Z'",
    "window_end": "an ISO-8601 instant such as '2025-12-31T23:59:59Z'",
    "covariates": "a list of column names of the customers table",
    "index_confounders": "a list drawn from " + ", ".join(INDEX_CONFOUNDERS) + " (may be empty)",
}


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        stamp = value
    elif isinstance(value, str):
        try:
            stamp = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    # A value without an offset is read as UTC; the dataset zone is not known here.
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).astimezone(UTC)


def parse_retention_settings(raw: dict[str, Any], problems: list[Problem]) -> RetentionSettings:
    """Read the ``[retention]`` table (``raw`` is that table); bad entries keep their defaults."""
    values: dict[str, Any] = {}

    def bad(key: str, rule: str, value: Any) -> None:
        problems.append(
            Problem(f"retention.{key}", rule, f"expected {_KEYS.get(key, '?')}, got {value!r}")
        )

    for key, value in raw.items():
        if key not in _KEYS:
            problems.append(
                Problem(
                    f"retention.{key}",
                    "unknown_key",
                    "unknown key; known keys: " + ", ".join(sorted(_KEYS)),
                )
            )
        elif key == "covariates":
            if isinstance(value, list) and all(isinstance(c, str) and c for c in value):
                values[key] = tuple(dict.fromkeys(value))
            else:
                bad(key, "wrong_type", value)
        elif key == "index_confounders":
            if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
                bad(key, "wrong_type", value)
            elif not set(value) <= set(INDEX_CONFOUNDERS):
                bad(key, "unknown_value", value)
            else:
                values[key] = tuple(c for c in INDEX_CONFOUNDERS if c in value)
        elif key in ("horizon_days", "folds", "seed"):
            low, high = {"horizon_days": (30, 3650), "folds": (2, 20), "seed": (0, 2**32 - 1)}[key]
            if not _whole(value):
                bad(key, "wrong_type", value)
            elif not low <= value <= high:
                bad(key, "out_of_range", value)
            else:
                values[key] = value
        elif key == "propensity_trim":
            ok = (
                isinstance(value, list)
                and len(value) == 2
                and all(_number(v) for v in value)
                and 0.0 <= value[0] < 0.5 < value[1] <= 1.0
            )
            if ok:
                values["trim_low"], values["trim_high"] = float(value[0]), float(value[1])
            else:
                bad(key, "out_of_range" if isinstance(value, list) else "wrong_type", value)
        elif key in ("propensity_model", "censoring_model"):
            allowed = PROPENSITY_MODELS if key == "propensity_model" else CENSORING_MODELS
            if value in allowed:
                values[key] = value
            else:
                bad(key, "unknown_value" if isinstance(value, str) else "wrong_type", value)
        elif key.startswith("overlap_"):
            upper = float("inf") if key == "overlap_max_weighted_smd" else 1.0
            if not _number(value):
                bad(key, "wrong_type", value)
            elif not 0.0 <= value <= upper:
                bad(key, "out_of_range", value)
            else:
                values[key] = float(value)
        else:  # window_start, window_end
            parsed = _instant(value)
            if parsed is None:
                bad(key, "bad_instant", value)
            else:
                values[key] = parsed
    start, end = values.get("window_start"), values.get("window_end")
    if start is not None and end is not None and start >= end:
        problems.append(
            Problem("retention.window_end", "out_of_range", "window_end must be after window_start")
        )
        values.pop("window_end")
    names = {f.name for f in fields(RetentionSettings)}
    return RetentionSettings(**{k: v for k, v in values.items() if k in names})
