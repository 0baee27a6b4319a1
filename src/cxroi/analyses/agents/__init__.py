"""Agents as a leading indicator: the Agent Experience Index, its lead over loyalty, warnings.

``run_agents(ds, exact, results, settings)`` returns an :class:`AgentsResult`; its
``to_results()`` fills ``results["agents"]`` (index, lead_lag, lead_lag_by_metric,
early_warnings, notes). Methods: docs/agents.md.

The runner and the estimator are imported lazily: ``cxroi.config`` can import the settings from
here without a cycle (the runner needs ``cxroi.io.dataset``, which needs ``cxroi.config``) and
without loading statsmodels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cxroi.analyses.agents.index import COMPONENTS, DEFINITIONS, SIGNS
from cxroi.analyses.agents.settings import (
    LOYALTY_METRICS,
    AgentsSettings,
    parse_agents_settings,
)

if TYPE_CHECKING:
    from cxroi.analyses.agents.leadlag import LeadLag, NotEnoughData
    from cxroi.analyses.agents.run import AgentsResult, MetricFit, run_agents

_LAZY = {
    "AgentsResult": "run",
    "MetricFit": "run",
    "run_agents": "run",
    "LeadLag": "leadlag",
    "NotEnoughData": "leadlag",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "COMPONENTS",
    "DEFINITIONS",
    "LOYALTY_METRICS",
    "SIGNS",
    "AgentsResult",
    "AgentsSettings",
    "LeadLag",
    "MetricFit",
    "NotEnoughData",
    "parse_agents_settings",
    "run_agents",
]
