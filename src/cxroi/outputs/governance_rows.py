"""Rows of the stack tables (metrics, triggers, fired months) and of the alert tables.

A stack metric's value and a trigger's compared numbers are plain numbers in the tree, taken from
the monthly panel. They are suppressed when a number their references name (in the metric's
reference or the trigger's condition) rests on fewer than ``min_cell`` observations in that
month, found by resolving the references against the typed tree (:mod:`cxroi.results.refs`).
"""

from __future__ import annotations

import re
from dataclasses import replace

from cxroi.outputs.cells import Row, is_small, month_start
from cxroi.results.model.governance import Alert, ChangeEstimate, MetricState, TriggerState
from cxroi.results.refs import RefError, parse, resolve_node
from cxroi.results.tree import Results
from cxroi.stats.result import Estimate

# a results reference inside a trigger's condition: dotted keys, with [*] for a series
_REFERENCE = re.compile(r"[A-Za-z_]\w*(?:\.\w+|\[\*\])+")


def leaf_is_small(results: Results, reference: str, month: str | None, min_cell: int) -> bool:
    """Whether the number ``reference`` names (in ``month``, for a series) is a small cell."""
    try:
        ref = parse(reference, Results, numbers_only=False)
    except RefError:
        return False
    node, why = resolve_node(ref, results)
    if why:
        return False
    if ref.series:
        rows = [r for r in node if str(getattr(r, "month", getattr(r, "period", ""))) == month]
        if not rows:
            return False
        node, why = resolve_node(replace(ref, head=ref.tail, series=False, tail=()), rows[0])
        if why:
            return False
    return isinstance(node, Estimate) and is_small(node, min_cell)


def _condition_is_small(results: Results, text: str, month: str | None, min_cell: int) -> bool:
    return any(leaf_is_small(results, r, month, min_cell) for r in _REFERENCE.findall(text))


def stack_metric_rows(results: Results, min_cell: int) -> list[Row]:
    rows = []
    for m in results.stack.metrics:
        small = m.value is not None and leaf_is_small(results, m.path, m.value_month, min_cell)
        rows.append({
            "id": m.id, "name": m.name, "owner": m.owner, "data_source": m.data_source,
            "cadence": m.cadence, "direction": m.direction, "kind": m.kind, "level": m.level,
            "chain_link": m.chain_link, "reference": m.path,
            "value": None if small else m.value, "value_month": m.value_month,
            "value_note": f"suppressed: fewer than {min_cell} observations" if small
            else m.value_note,
            "suppressed": small, "state": m.state, "triggers": len(m.triggers),
            "triggers_fired": sum(t.state == "fired" for t in m.triggers), "why": m.why,
        })
    return rows


def stack_trigger_rows(results: Results, min_cell: int) -> list[Row]:
    rows = []
    for m in results.stack.metrics:
        for i, t in enumerate(m.triggers, start=1):
            rows.append(_trigger_row(results, m, i, t, min_cell))
    return rows


def _trigger_row(results: Results, m: MetricState, i: int, t: TriggerState, min_cell: int) -> Row:
    month = t.latest_month or m.value_month
    small = (
        _condition_is_small(results, t.condition, month, min_cell)
        or leaf_is_small(results, m.path, month, min_cell)
    ) and (t.value is not None or t.compared_with is not None)
    fired = sorted(t.fired_months or ())
    return {
        "metric_id": m.id, "trigger": i, "when": t.when, "condition": t.condition,
        "action": t.action, "owner": t.owner, "state": t.state,
        "value": None if small else t.value,
        "compared_with": None if small else t.compared_with, "suppressed": small,
        "reason": t.reason, "latest_month": t.latest_month, "months_fired": len(fired),
        "first_fired_month": fired[0] if fired else None,
        "last_fired_month": fired[-1] if fired else None,
    }


def stack_trigger_month_rows(results: Results) -> list[Row]:
    return [
        {"metric_id": m.id, "trigger": i, "period": month, "month_start": month_start(month)}
        for m in results.stack.metrics
        for i, t in enumerate(m.triggers, start=1)
        for month in sorted(t.fired_months or ())
    ]


def alert_rows(alerts: tuple[Alert, ...]) -> list[Row]:
    rows = []
    for i, a in enumerate(alerts, start=1):
        ev, drop, trig = a.evidence, a.drop, a.trigger
        rows.append({
            "alert": i, "period": a.period, "period_end": a.period_end, "kind": a.kind,
            "metric": a.metric, "message": a.message, "owner": a.owner, "action": a.action,
            "active": a.active,
            "stack_metric": trig.stack_metric if trig else None,
            "trigger_when": trig.when if trig else None,
            "masking_stage": ev.stage if ev else None,
            "masking_level": ev.level if ev else None,
            "agent_index": drop.index if drop else None,
            "agent_baseline": drop.baseline if drop else None,
            "agent_drop_sd": drop.drop_sd if drop else None,
            "expected_on": drop.expected.expected_on if drop and drop.expected else None,
        })
    return rows


def alert_evidence_rows(alerts: tuple[Alert, ...]) -> list[Row]:
    rows = []
    for i, a in enumerate(alerts, start=1):
        if a.evidence is None:
            continue
        changes: tuple[tuple[str, ChangeEstimate | None], ...] = (
            ("containment_change", a.evidence.containment_change),
            ("resolution_change", a.evidence.resolution_change),
            ("ces_change", a.evidence.ces_change),
        )
        for measure, c in changes:
            if c is not None:
                rows.append({"alert": i, "measure": measure, "estimate": c.estimate,
                             "ci_low": c.ci_low, "ci_high": c.ci_high, "p_value": c.p_value})
    return rows
