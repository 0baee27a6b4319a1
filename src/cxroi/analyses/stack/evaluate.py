"""Evaluate the stack on the typed results: each metric's current value, each trigger's state.

A trigger is ``fired``, ``not_fired`` or ``cannot_evaluate`` (a value it needs cannot be
computed: the reason says why, from the :class:`CannotCompute` in the tree). On a monthly series
"for N months" means the condition held in N consecutive calendar months; the trigger's state is
its state at the latest month, and every earlier run of firing months (an episode) is kept too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cxroi.analyses.panel import months_between
from cxroi.analyses.stack import catalogue as cat
from cxroi.analyses.stack.scope import TriggerScope
from cxroi.analyses.stack.spec import Condition, MetricSpec, Operand, Stack, Trigger
from cxroi.results import refs
from cxroi.results.model.governance import Episode, MetricState, TriggerState

Series = list[tuple[str, float | None, str]]  # (month, value or None, reason when None)


@dataclass(frozen=True)
class Value:
    value: float | None
    reason: str = ""
    month: str | None = None  # for a series: the month the value is from


def resolve(scope: TriggerScope, path: str, fld: str = "estimate") -> Value:
    """A single value's number, or the reason it has none (from the typed tree)."""
    got = refs.resolve(cat.reference(path, fld), scope)
    return Value(got.value, got.reason)


def resolve_series(scope: TriggerScope, path: str, fld: str = "estimate") -> tuple[Series, str]:
    """Rows of a ``[*]`` path as (month, value, reason); ([], reason) when there is no series."""
    rows, why = refs.resolve_series(cat.reference(path, fld), scope)
    return [(m, r.value, r.reason) for m, r in rows], why


@dataclass(frozen=True)
class EvaluatedTrigger:
    trigger: Trigger
    owner: str
    state: str  # fired | not_fired | cannot_evaluate
    reason: str = ""
    left: Value = Value(None)
    right: Value = Value(None)
    fired_months: tuple[str, ...] = ()
    episodes: tuple[tuple[str, str], ...] = ()
    latest_month: str | None = None

    def section(self) -> TriggerState:
        series = self.trigger.condition.series
        return TriggerState(
            when=self.trigger.when,
            condition=self.trigger.condition.text(),
            action=self.trigger.action,
            owner=self.owner,
            state=self.state,  # type: ignore[arg-type]
            value=self.left.value,
            compared_with=self.right.value,
            reason=self.reason or None,
            latest_month=self.latest_month if series else None,
            fired_months=self.fired_months if series else None,
            episodes=tuple(Episode(a, b) for a, b in self.episodes) if series else None,
        )


def _operand_series(
    scope: TriggerScope, op: Operand
) -> tuple[dict[str, tuple[float | None, str]], str]:
    assert op.path is not None
    if op.series:
        rows, why = resolve_series(scope, op.path, op.field)
        return {m: (None if v is None else v + op.offset, r) for m, v, r in rows}, why
    v = resolve(scope, op.path, op.field)
    return {"*": (None if v.value is None else v.value + op.offset, v.reason)}, ""


def evaluate_trigger(scope: TriggerScope, trigger: Trigger, owner: str) -> EvaluatedTrigger:
    c: Condition = trigger.condition
    assert c.left.path is not None
    if not c.series:
        left = resolve(scope, c.left.path, c.left.field)
        right = (
            Value(c.right.offset)
            if c.right.path is None
            else _shift(resolve(scope, c.right.path, c.right.field), c.right.offset)
        )
        missing = [
            f"{o.text()}: {v.reason}"
            for o, v in ((c.left, left), (c.right, right))
            if v.value is None and o.path is not None
        ]
        if left.value is None or right.value is None:
            return EvaluatedTrigger(
                trigger,
                owner,
                "cannot_evaluate",
                "cannot evaluate: " + "; ".join(missing),
                left,
                right,
            )
        state = "fired" if c.holds(left.value, right.value) else "not_fired"
        return EvaluatedTrigger(trigger, owner, state, "", left, right)

    lrows, why = _operand_series(scope, c.left)
    if not lrows:
        return EvaluatedTrigger(trigger, owner, "cannot_evaluate", f"cannot evaluate: {why}")
    if c.right.path is None:
        rrows: dict[str, tuple[float | None, str]] = {"*": (c.right.offset, "")}
    else:
        rrows, why = _operand_series(scope, c.right)
        if not rrows:
            return EvaluatedTrigger(trigger, owner, "cannot_evaluate", f"cannot evaluate: {why}")
    months = months_between(lrows)
    holds: dict[str, bool] = {}
    for m in months:
        lv = lrows.get(m, (None, "month absent"))[0]
        rv = rrows.get(m, rrows.get("*", (None, "month absent")))[0]
        holds[m] = lv is not None and rv is not None and c.holds(lv, rv)
    fired = [
        m
        for i, m in enumerate(months)
        if i + 1 >= c.months and all(holds[p] for p in months[i + 1 - c.months : i + 1])
    ]
    latest = months[-1]
    lv, lwhy = lrows.get(latest, (None, "month absent"))
    rv, rwhy = rrows.get(latest, rrows.get("*", (None, "month absent")))
    if lv is None or rv is None:
        state = "cannot_evaluate"
        reason = f"cannot evaluate {latest}: " + "; ".join(w for w in (lwhy, rwhy) if w)
    else:
        state, reason = ("fired" if fired and fired[-1] == latest else "not_fired"), ""
    return EvaluatedTrigger(
        trigger,
        owner,
        state,
        reason,
        Value(lv, lwhy, latest),
        Value(rv, rwhy, latest),
        tuple(fired),
        _episodes(fired, months),
        latest,
    )


def _shift(v: Value, offset: float) -> Value:
    return v if v.value is None else Value(v.value + offset, v.reason, v.month)


def _episodes(fired: list[str], months: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    index = {m: i for i, m in enumerate(months)}
    out: list[list[str]] = []
    for m in fired:
        if out and index[m] == index[out[-1][1]] + 1:
            out[-1][1] = m
        else:
            out.append([m, m])
    return tuple((a, b) for a, b in out)


@dataclass(frozen=True)
class EvaluatedMetric:
    spec: MetricSpec
    current: Value
    triggers: tuple[EvaluatedTrigger, ...] = field(default_factory=tuple)

    @property
    def state(self) -> str:
        return _worst(t.state for t in self.triggers)

    def section(self) -> MetricState:
        s = self.spec
        return MetricState(
            id=s.id,
            name=s.name,
            path=s.path,
            owner=s.owner,
            data_source=s.data_source,
            cadence=s.cadence,
            direction=s.direction,
            kind=s.kind,
            level=s.level,
            chain_link=s.chain_link,
            value=self.current.value,
            triggers=tuple(t.section() for t in self.triggers),
            state=self.state,  # type: ignore[arg-type]
            why=s.why or None,
            value_month=self.current.month or None,
            value_note=self.current.reason if self.current.value is None else None,
        )


def _worst(states: Any) -> str:
    states = set(states)
    for s in ("fired", "cannot_evaluate", "not_fired"):
        if s in states:
            return s
    return "not_fired"


def current_value(scope: TriggerScope, path: str) -> Value:
    base, fld = cat.split_field(path)
    if "[*]" not in base:
        return resolve(scope, base, fld)
    rows, why = resolve_series(scope, base, fld)
    if not rows:
        return Value(None, why)
    month, v, reason = rows[-1]
    return Value(v, reason, month)


def evaluate_stack(stack: Stack, scope: TriggerScope) -> tuple[EvaluatedMetric, ...]:
    return tuple(
        EvaluatedMetric(
            m,
            current_value(scope, m.path),
            tuple(evaluate_trigger(scope, t, t.owner or m.owner) for t in m.triggers),
        )
        for m in stack.metrics
    )
