"""Retention by index-contact exposure: Kaplan–Meier curves, naive and adjusted 12-month deltas
(ATE and ATT), their sensitivity to unmeasured confounding, and revenue protected over 12 months.

Definitions: metrics.md "Retention" and "Value"; methods and calibration: docs/retention.md and
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
    from cxroi.analyses.retention.result import RetentionResult, RetentionSensitivity
    from cxroi.analyses.retention.revenue import (
        RestrictedMeanScores,
        RevenueProtected,
        revenue_protected_12m,
    )
    from cxroi.analyses.retention.robustness import Robustness, RobustnessRow
    from cxroi.analyses.retention.run import run_retention
    from cxroi.analyses.retention.sensitivity import EValue, e_value

_LAZY = {
    "AdjustedRetention": "adjusted",
    "Cohort": "cohort",
    "build_cohort": "cohort",
    "CoxPH": "cox",
    "KaplanMeier": "kaplan_meier",
    "difference_at": "kaplan_meier",
    "RetentionResult": "result",
    "RetentionSensitivity": "result",
    "RestrictedMeanScores": "revenue",
    "RevenueProtected": "revenue",
    "revenue_protected_12m": "revenue",
    "Robustness": "robustness",
    "RobustnessRow": "robustness",
    "run_retention": "run",
    "EValue": "sensitivity",
    "e_value": "sensitivity",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(name)


__all__ = [
    "AdjustedRetention",
    "Cohort",
    "CoxPH",
    "EValue",
    "KaplanMeier",
    "RestrictedMeanScores",
    "RetentionResult",
    "RetentionSensitivity",
    "RetentionSettings",
    "RevenueProtected",
    "Robustness",
    "RobustnessRow",
    "build_cohort",
    "difference_at",
    "e_value",
    "parse_retention_settings",
    "revenue_protected_12m",
    "run_retention",
]
