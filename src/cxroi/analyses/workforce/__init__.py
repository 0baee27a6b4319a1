"""Workforce story (metrics.md "Agents", issue 10 item 9): is the agent workforce stable, and
does AI assistance help novice agents more than experienced ones?

``run_workforce(ds, settings)`` returns a typed :class:`WorkforceResult`; settings come from the
``[workforce]`` TOML table (:func:`parse_workforce_settings`).
"""

from cxroi.analyses.workforce.assist import AssistEffects, GroupEffect
from cxroi.analyses.workforce.run import WorkforceResult, run_workforce
from cxroi.analyses.workforce.settings import WorkforceSettings, parse_workforce_settings
from cxroi.analyses.workforce.turnover import Tenure, Turnover, TurnoverRate

__all__ = [
    "AssistEffects",
    "GroupEffect",
    "Tenure",
    "Turnover",
    "TurnoverRate",
    "WorkforceResult",
    "WorkforceSettings",
    "parse_workforce_settings",
    "run_workforce",
]
