"""What the exact metrics need to know beyond the data: repeat windows, the cost model and the
privacy threshold.

Later analyses read these from the :class:`~cxroi.metrics.exact.ExactMetrics` they receive, so one
run prices and suppresses every number the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cxroi.metrics.cost_model import CostModel

# The windows every run reports (data contract); a configuration may add more.
CONTRACT_WINDOWS_DAYS: tuple[int, ...] = (7, 14)


@dataclass(frozen=True)
class MetricSettings:
    windows_days: tuple[int, ...] = CONTRACT_WINDOWS_DAYS
    cost_model: CostModel = field(default_factory=CostModel)
    # cells resting on fewer answers or contacts are flagged small_cell and suppressed in outputs
    min_cell: int = 10
