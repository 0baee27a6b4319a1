"""Typed results of "what if we stopped AI" (``value.what_if_stopped`` in results.json).

Every figure is a :class:`Figure` (unit, horizon, evidence class, honest precision) or
a :class:`CannotCompute` with its reason. The lead's serialiser reads these dataclasses;
``what_if_json`` keeps today's results.json keys working until it does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class CostSeries:
    """The monthly extra cost (= the AI's cost saving) for the ROI: row 0 central, then draws."""

    months: tuple[str, ...]
    values: FloatArray


__all__ = [
    "CostSeries",
    "Effort",
    "FigureResult",
    "MonthlyCost",
    "Patience",
    "Period",
    "PricingShare",
    "Staffing",
    "StaffingModel",
    "Volume",
    "WhatIfResult",
]
