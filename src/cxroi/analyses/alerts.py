"""Alerts: what fired, when, who owns it and what to do — one deterministic list.

Three sources: the containment masking detector (one alert per flagged month), the stack's
decision triggers (one alert per episode of a monthly trigger — consecutive firing months — or
one for a whole-period trigger that holds at ``as_of``), and the agents analysis' early warnings
(when results has them). Sorted by period, then kind, metric and message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the stack package imports this module: no import cycle at run time
    from cxroi.analyses.stack.evaluate import MetricState

STACK_TRIGGER = "stack_trigger"
KIND_ORDER = {"containment_masking": 0, STACK_TRIGGER: 1, "agent_experience_drop": 2}


@dataclass(frozen=True)
class Alert:
    kind: str
    period: str  # YYYY-MM (weekly warnings keep their own label)
    metric: str
    message: str
    owner: str
    action: str
    extra: dict[str, Any] = field(default_factory=dict)

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.period, KIND_ORDER.get(self.kind, 9), self.metric, self.message)

    def to_results(self) -> dict[str, Any]:
        return {
            **self.extra,
            "kind": self.kind,
            "period": self.period,
            "metric": self.metric,
            "message": self.message,
            "owner": self.owner,
            "action": self.action,
        }


def sort_alerts(alerts: Iterable[Alert]) -> list[Alert]:
    return sorted(alerts, key=Alert.sort_key)


def from_dicts(rows: Iterable[Mapping[str, Any]]) -> list[Alert]:
    """Alerts already in results.json shape (masking) -> :class:`Alert`."""
    base = ("kind", "period", "metric", "message", "owner", "action")
    return [
        Alert(
            str(r["kind"]),
            str(r["period"]),
            str(r["metric"]),
            str(r["message"]),
            str(r["owner"]),
            str(r["action"]),
            {k: v for k, v in r.items() if k not in base},
        )
        for r in rows
    ]


def _fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.4g}"


def trigger_alerts(states: Iterable[MetricState], as_of_month: str) -> list[Alert]:
    out: list[Alert] = []
    for ms in states:
        for ts in ms.triggers:
            cond = ts.trigger.condition
            base = {"stack_metric": ms.spec.id, "path": cond.left.path, "when": ts.trigger.when}
            if not cond.series:
                if ts.state != "fired":
                    continue
                out.append(
                    Alert(
                        STACK_TRIGGER,
                        as_of_month,
                        ms.spec.id,
                        f"{ms.spec.name}: {cond.text()} holds as of {as_of_month} "
                        f"(value {_fmt(ts.left.value)} vs {_fmt(ts.right.value)})",
                        ts.owner,
                        ts.trigger.action,
                        {**base, "active": True},
                    )
                )
                continue
            for start, end in ts.episodes:
                active = end == ts.latest_month
                span = start if start == end else f"{start} to {end}"
                out.append(
                    Alert(
                        STACK_TRIGGER,
                        start,
                        ms.spec.id,
                        f"{ms.spec.name}: {cond.text()} fired {span}"
                        + (" and still holds" if active else ""),
                        ts.owner,
                        ts.trigger.action,
                        {**base, "period_end": end, "active": active},
                    )
                )
    return out


def agent_alerts(results: Mapping[str, Any], owner: str, action: str) -> list[Alert]:
    agents = results.get("agents")
    warnings = agents.get("early_warnings") if isinstance(agents, Mapping) else None
    if not isinstance(warnings, list):
        return []
    out = []
    for w in warnings:
        if not isinstance(w, Mapping) or "message" not in w:
            continue
        extra = {k: v for k, v in w.items() if k not in ("kind", "period", "metric", "message")}
        extra.setdefault("active", True)  # the agents analysis warns about the latest week only
        out.append(
            Alert(
                str(w.get("kind", "agent_experience_drop")),
                str(w.get("period", "")),
                str(w.get("metric", "agent_experience_index")),
                str(w["message"]),
                owner,
                action,
                extra,
            )
        )
    return out
