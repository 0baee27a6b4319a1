"""Runner of the workforce analysis: turnover and tenure, and AI assistance by agent experience.

Entry point :func:`run_workforce`; it returns the typed ``workforce`` section.
"""

from __future__ import annotations

from cxroi.analyses.value.queries import observation_start
from cxroi.analyses.workforce.assist import assist_effects
from cxroi.analyses.workforce.settings import WorkforceSettings
from cxroi.analyses.workforce.turnover import turnover
from cxroi.io.dataset import Dataset
from cxroi.metrics.exact import ExactMetrics
from cxroi.results.model.workforce import WorkforceResult
from cxroi.stats.result import CannotCompute


def run_workforce(
    ds: Dataset,
    settings: WorkforceSettings,
    min_cell: int = 10,
    exact: ExactMetrics | None = None,
) -> WorkforceResult:
    """Turnover and tenure from ``agents``; the assistance effect by agent experience.

    ``exact``: the exact metrics, whose enriched contacts spare a repeat-detection pass."""
    if not ds.has("agents"):
        why = CannotCompute("the dataset has no agents table")
        return WorkforceResult(why, why)
    a = ds.tables["agents"]
    agents = a.select("agent_id", "hired_at", "left_at", "leave_reason").order_by("agent_id")
    stability = turnover(
        agents.execute(),
        observation_start(ds),
        ds.as_of,
        settings.novice_months,
        min_cell,
    )
    enriched = exact.enriched if exact is not None else None
    window = settings.resolution_window_days
    effects = assist_effects(ds, settings.novice_months, window, enriched)
    return WorkforceResult(stability, effects)


__all__ = ["WorkforceResult", "run_workforce"]
