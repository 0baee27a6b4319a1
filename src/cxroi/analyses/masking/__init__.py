"""Containment masking: months where containment rises while resolution or effort worsens.

``detect_masking(panel, settings)`` returns a :class:`MaskingResult` (typed per-month evidence,
``flagged_months``, ``alerts()``). Method and measured error rates: docs/metric-stack.md.
The detector and its queries load lazily, so the configuration can import the settings from here
without importing the engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cxroi.analyses.masking.settings import (
    MaskingSettings,
    as_masking_settings,
    parse_masking_settings,
)

if TYPE_CHECKING:
    from cxroi.analyses.masking.detector import MaskingDetector, detect_masking
    from cxroi.analyses.masking.result import KIND, MaskingResult, MonthEvidence, Move
    from cxroi.analyses.masking.series import MaskingSeries, masking_series, series_from_units

_LAZY = {
    "MaskingDetector": "detector",
    "detect_masking": "detector",
    "KIND": "result",
    "MaskingResult": "result",
    "MonthEvidence": "result",
    "Move": "result",
    "MaskingSeries": "series",
    "masking_series": "series",
    "series_from_units": "series",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "KIND",
    "MaskingDetector",
    "MaskingResult",
    "MaskingSeries",
    "MaskingSettings",
    "MonthEvidence",
    "Move",
    "as_masking_settings",
    "detect_masking",
    "masking_series",
    "parse_masking_settings",
    "series_from_units",
]
