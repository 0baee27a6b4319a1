"""Value analyses (metrics.md "Value"): CLV, the three pillars, what-if-we-stopped-AI, ROI/TCO.

``run_value(ds, exact, results, settings)`` returns a :class:`ValueResult` whose ``to_results()``
is the ``value`` section of results.json. The runner is imported lazily so ``cxroi.config`` can
import the settings from here without an import cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cxroi.analyses.value.settings import (
    RoiSettings,
    Triangular,
    ValueSettings,
    WhatIfSettings,
    parse_value_settings,
)

if TYPE_CHECKING:
    from cxroi.analyses.value.run import ValueResult, run_value


def __getattr__(name: str) -> Any:
    if name in {"ValueResult", "run_value"}:
        from cxroi.analyses.value import run

        return getattr(run, name)
    raise AttributeError(name)


__all__ = [
    "RoiSettings",
    "Triangular",
    "ValueResult",
    "ValueSettings",
    "WhatIfSettings",
    "parse_value_settings",
    "run_value",
]
