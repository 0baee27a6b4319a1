"""Retention by index-contact exposure: Kaplan–Meier curves, naive and adjusted 12-month deltas.

Definitions: metrics.md "Retention"; methods and calibration: docs/methods.md and
docs/retention-calibration.md. Everything but the settings is imported lazily, so
``cxroi.config`` can import the settings without an import cycle.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cxroi.analyses.retention.settings import RetentionSettings, parse_retention_settings

if TYPE_CHECKING:
    from cxroi.analyses.retention.adjusted import AdjustedRetention
    from cxroi.analyses.retention.cohort import Cohort, build_cohort
    from cxroi.analyses.retention.cox import CoxPH
    from cxroi.analyses.retention.kaplan_meier import KaplanMeier, difference_at
    from cxroi.analyses.retention.views import RetentionResult, run_retention

_LAZY = {
    "AdjustedRetention": "adjusted",
    "Cohort": "cohort",
    "build_cohort": "cohort",
    "CoxPH": "cox",
    "KaplanMeier": "kaplan_meier",
    "difference_at": "kaplan_meier",
    "RetentionResult": "views",
    "run_retention": "views",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(name)


__all__ = [
    "AdjustedRetention",
    "Cohort",
    "CoxPH",
    "KaplanMeier",
    "RetentionResult",
    "RetentionSettings",
    "build_cohort",
    "difference_at",
    "parse_retention_settings",
    "run_retention",
]
