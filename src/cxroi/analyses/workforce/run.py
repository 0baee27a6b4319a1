"""Runner of the workforce analysis: turnover and tenure, and AI assistance by agent experience.

Entry point :func:`run_workforce`; :meth:`WorkforceResult.to_results` gives an interim
``workforce`` section for results.json until the typed results tree serialises it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cxroi.analyses.value.queries import observation_start
from cxroi.analyses.workforce.assist import AssistEffects, assist_effects
from cxroi.analyses.workforce.settings import WorkforceSettings
from cxroi.analyses.workforce.turnover import Turnover, turnover
from cxroi.io.dataset import Dataset
from cxroi.stats.result import CannotCompute, Estimate


@dataclass(frozen=True)
class WorkforceResult:
    turnover: Turnover | CannotCompute
    assist: AssistEffects | CannotCompute

    def to_results(self) -> dict[str, Any]:
        return {"turnover": _plain(self.turnover), "assist": _plain(self.assist)}


def _plain(value: Any) -> Any:
    """Estimates as estimate objects, refusals as ``{"note": reason}``, dataclasses as dicts."""
    if isinstance(value, CannotCompute):
        return {"estimate": None, "note": value.reason}
    if isinstance(value, Estimate):
        return value.as_dict()
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(getattr(value, k)) for k in value.__dataclass_fields__}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def run_workforce(ds: Dataset, settings: WorkforceSettings) -> WorkforceResult:
    """Turnover and tenure from ``agents``; the assistance effect by agent experience."""
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
        ds.config.min_cell,
    )
    effects = assist_effects(ds, settings.novice_months, settings.resolution_window_days)
    return WorkforceResult(stability, effects)


__all__ = ["WorkforceResult", "run_workforce"]
