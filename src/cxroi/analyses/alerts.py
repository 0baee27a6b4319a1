"""Alerts: what fired, when, who owns it and what to do — one deterministic list.

Three sources: the containment masking detector (one alert per flagged month), the stack's
decision triggers (one alert per episode of a monthly trigger — consecutive firing months — or
one for a whole-period trigger that holds at ``as_of``), and the agents analysis' early warnings.
Sorted by period, then kind, metric and message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cxroi.analyses.stack.evaluate import EvaluatedMetric
from cxroi.errors import Problem
from cxroi.results.model.agents import AgentsSection
from cxroi.results.model.governance import AgentDrop, Alert, ExpectedFall, TriggerSource
from cxroi.stats.result import CannotCompute
from cxroi.toml_tables import TableReader

STACK_TRIGGER = "stack_trigger"


@dataclass(frozen=True)
class AgentWarningSettings:
    """Owner and action for the agents analysis' early warnings when they become alerts."""

    owner: str = "Head of Contact Centre Operations"
    action: str = (
        "check agent workload and pulse on the affected teams before customer "
        "loyalty metrics follow"
    )


def parse_agent_warning_settings(body: Any, problems: list[Problem]) -> AgentWarningSettings:
    """Read ``[stack.agent_warning]``: who owns the agent early warnings and what they do."""
    log = TableReader(problems)
    default = AgentWarningSettings()
    aw = log.table(body, "stack.agent_warning")
    if aw is None:
        return default
    log.unknown(aw, frozenset({"owner", "action"}), "stack.agent_warning")
    return AgentWarningSettings(
        log.text(aw, "owner", "stack.agent_warning", False) or default.owner,
        log.text(aw, "action", "stack.agent_warning", False) or default.action,
    )


def sort_alerts(alerts: Iterable[Alert]) -> tuple[Alert, ...]:
    return tuple(sorted(alerts, key=Alert.sort_key))


def _fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.4g}"


def trigger_alerts(states: Iterable[EvaluatedMetric], as_of_month: str) -> list[Alert]:
    out: list[Alert] = []
    for ms in states:
        for ts in ms.triggers:
            cond = ts.trigger.condition
            source = TriggerSource(ms.spec.id, cond.left.path or "", ts.trigger.when)
            if not cond.series:
                if ts.state != "fired":
                    continue
                message = (
                    f"{ms.spec.name}: {cond.text()} holds as of {as_of_month} "
                    f"(value {_fmt(ts.left.value)} vs {_fmt(ts.right.value)})"
                )
                out.append(
                    Alert(
                        kind=STACK_TRIGGER,
                        period=as_of_month,
                        metric=ms.spec.id,
                        message=message,
                        owner=ts.owner,
                        action=ts.trigger.action,
                        active=True,
                        trigger=source,
                    )
                )
                continue
            for start, end in ts.episodes:
                active = end == ts.latest_month
                span = start if start == end else f"{start} to {end}"
                message = f"{ms.spec.name}: {cond.text()} fired {span}" + (
                    " and still holds" if active else ""
                )
                out.append(
                    Alert(
                        kind=STACK_TRIGGER,
                        period=start,
                        metric=ms.spec.id,
                        message=message,
                        owner=ts.owner,
                        action=ts.trigger.action,
                        active=active,
                        period_end=end,
                        trigger=source,
                    )
                )
    return out


def agent_alerts(agents: AgentsSection, owner: str, action: str) -> list[Alert]:
    """The agents analysis' early warnings (about the latest week, so active) as alerts."""
    if isinstance(agents.early_warnings, CannotCompute):
        return []
    return [
        Alert(
            kind=w.kind,
            period=w.period,
            metric=w.metric,
            message=w.message,
            owner=owner,
            action=action,
            active=True,
            drop=AgentDrop(
                w.index,
                w.baseline,
                w.drop_sd,
                ExpectedFall(w.expected_on, w.expected_window or (), w.lag_days or 0)
                if w.expected_on is not None
                else None,
            ),
        )
        for w in agents.early_warnings
    ]
