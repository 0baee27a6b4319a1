"""Sections that keep the story honest: the metric stack and its triggers, measurement debt, methods."""

from __future__ import annotations

import re

from cxroi.report import fmt
from cxroi.report.model import Cell, Section, Table, Tone
from cxroi.report.narrative import reason
from cxroi.report.privacy import redact
from cxroi.report.read import label
from cxroi.results.model.governance import OUTCOMES, MetricState
from cxroi.results.refs import RefError, parse
from cxroi.results.tree import Results
from cxroi.stats.result import CannotCompute, Estimate, Unit

OPTIONAL_TABLES = ("surveys", "revenue", "opportunities", "agents", "agent_pulse", "qa_reviews")
_WHAT_TABLE_UNLOCKS = {
    "surveys": "CSAT, NPS and effort by mode, channel and touchpoint",
    "revenue": "revenue generated (upsell, cross-sell)",
    "opportunities": "conversion lift from AI-sourced opportunities",
    "agents": "agent turnover and the agent stability story",
    "agent_pulse": "the Agent Experience Index and its lead over customer outcomes",
    "qa_reviews": "escalation quality",
}


def metric_value(m: MetricState, cur: str) -> str:
    """A stack metric's current value, formatted by the unit its path declares in the tree."""
    if m.value is None:
        return "—"
    try:
        unit = parse(m.path, Results).unit
    except RefError:
        unit = None
    x = m.value
    if unit == Unit.FRACTION:
        return fmt.pct(x)
    if unit == Unit.DIFFERENCE:
        return fmt.pp(x)
    if unit in (Unit.NPS, Unit.NPS_DIFFERENCE):
        return fmt.points(x)
    if unit == Unit.MONEY:
        return fmt.money(x, cur)
    if unit == Unit.SECONDS:
        return fmt.duration(x)
    return fmt.number(x, 2 if abs(x) < 100 else 0)


def readable(condition: str) -> str:
    """'stack.monthly[*].fcr_7d.ai_only.ci_high < 0.70' → 'fcr 7d ai only (upper 95% bound) < 0.70'."""
    text = re.sub(r"\b(stack\.monthly\[\*\]|metrics|value|retention|agents)\.", "", condition)
    text = text.replace(".ci_high", " (upper 95% bound)").replace(".ci_low", " (lower 95% bound)")
    text = re.sub(r"(?<=[a-z])\.(?=[a-z])", " ", text)
    return redact(text.replace("_", " "))


def _state_cell(m: MetricState) -> Cell:
    if m.state == "fired":
        return Cell("Fired", "fired")
    if m.state == "cannot_evaluate":
        return Cell("Cannot evaluate", "muted")
    past = sorted({mo for t in m.triggers for mo in (t.fired_months or ())})
    if past:
        span = f" – {fmt.month_label(past[-1])}" if len(past) > 1 else ""
        return Cell(f"OK now (fired {fmt.month_label(past[0])}{span})", "ok")
    return Cell("OK", "ok")


def stack(r: Results, cur: str, min_cell: int) -> Section:
    title = "The metric stack: owners and triggers"
    metrics = r.stack.metrics
    tables: list[Table] = []
    paras: list[str] = []
    lead = ""
    if metrics:
        body = []
        fired = [redact(m.name) for m in metrics if m.state == "fired"]
        for m in metrics:
            first = m.triggers[0] if m.triggers else None
            body.append((Cell(redact(m.name)), Cell(metric_value(m, cur)), Cell(redact(m.owner) or "unassigned"),
                         Cell(readable(first.when) if first else ""), Cell(redact(first.action) if first else ""),
                         _state_cell(m)))
        tables.append(Table("The outcome metric stack", ("Metric", "Now", "Owner", "Trigger", "If it fires", "Status"),
                            tuple(body)))
        verb = "has fired its" if len(fired) == 1 else "have fired their"
        lead = (f"{len(fired)} of {len(metrics)} metrics in the stack {verb} decision trigger"
                + (f": {', '.join(fired)}." if fired else "."))
        paras.append("Each metric has a named owner and a pre-agreed action when it moves; efficiency "
                     "metrics sit beside outcome metrics, never instead of them.")
    alerts = r.alerts
    if alerts:
        rows = tuple((Cell(fmt.month_label(a.period) + (" · active" if a.active else "")), Cell(label(a.kind)),
                      Cell(redact(a.message)), Cell(redact(a.owner) or "unassigned"), Cell(redact(a.action)))
                     for a in alerts)
        tables.append(Table("Alerts raised", ("Period", "Kind", "What happened", "Owner", "Action"), rows))
        owners = sorted({redact(a.owner) for a in alerts if a.owner})
        s = f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''} raised" + (f", owned by {', '.join(owners)}." if owners else ".")
        if lead:
            paras.insert(0, s)
        else:
            lead = s
    if not lead:
        return Section("stack", title, "missing", "The outcome metric stack and its triggers are not computed yet.",
                       unlock=("The metric stack needs the retention and agent analyses as inputs.",))
    return Section("stack", title, "full" if metrics else "partial", lead, tuple(paras), tables=tuple(tables))


def _not_measured(r: Results) -> list[tuple[str, str]]:
    v = r.value
    named: list[tuple[str, object]] = [
        ("Revenue protected", v.revenue_protected), ("Revenue generated", v.revenue_generated),
        ("Revenue at risk", v.revenue_at_risk), ("Customer lifetime value", v.clv),
        ("What if we stopped AI", v.what_if_stopped), ("Return on AI spend", v.roi),
        ("Retention effect on the AI-assisted (ATT)", r.retention.delta_12m_att),
        ("Retention effect over everyone (ATE)", r.retention.delta_12m_adjusted),
        ("Agent lead over loyalty", r.agents.lead_lag), ("Agent turnover", r.workforce.turnover),
        ("AI assistance by agent experience", r.workforce.assist),
    ]
    return [(name, reason(x)) for name, x in named if isinstance(x, CannotCompute)]


def _outcome_order(name: str) -> tuple[int, str]:
    """Outcomes in the order the audit declares them (a dict's order is not part of results.json)."""
    return (OUTCOMES.index(name) if name in OUTCOMES else len(OUTCOMES), name)


def debt(r: Results, cur: str, min_cell: int) -> Section:
    audit = r.audit
    absent = [t for t in OPTIONAL_TABLES if not r.dataset.rows.get(t)]
    bullets = tuple(f"No {t.replace('_', ' ')} table: it would unlock {_WHAT_TABLE_UNLOCKS[t]}." for t in absent)
    tables: list[Table] = []
    if audit.debt:
        tables.append(Table("Measurement debt, in priority order", ("Priority", "Gap", "What would close it"), tuple(
            (Cell(str(d.priority)), Cell(redact(d.item)), Cell(redact(d.action)))
            for d in sorted(audit.debt, key=lambda d: (d.priority, d.item)))))
    rows = []
    for name, body in sorted(audit.outcomes.items(), key=lambda kv: _outcome_order(kv[0])):
        tone: Tone = "ok" if body.status in ("measurable", "reported") else "negative"
        rows.append((Cell(label(name)), Cell(body.status.replace("_", " "), tone)))
    if rows:
        tables.append(Table("Business outcomes and their measurement path", ("Outcome", "Status"), tuple(rows)))
    missing = _not_measured(r)
    if missing:
        tables.append(Table("What is not measured yet, and why", ("Number", "Reason"),
                            tuple((Cell(n), Cell(why)) for n, why in missing)))
    paths = [label(o) for o in audit.outcomes_without_measurement_path]
    lead = (f"{len(audit.debt)} measurement gap{'s' if len(audit.debt) != 1 else ''} to close"
            + (f"; outcomes without a measurement path: {', '.join(paths)}." if paths
               else "; every business outcome has a measurement path from the AI data."))
    return Section("debt", "Measurement debt", "full", lead,
                   ("The gap is debt, not failure: each row says what would close it.",), tables=tuple(tables),
                   bullets=bullets)


def _short_method(method: str, limit: int = 220) -> str:
    """The method's first clause(s), cut at a word boundary: the full text stays in results.json."""
    method = redact(method)
    if len(method) <= limit:
        return method
    cut = method[:limit].rsplit(" ", 1)[0].rstrip(",;:(")
    return cut + " … (full text in results.json)"


def _headline_methods(r: Results) -> list[tuple[str, str]]:
    v, ret = r.value, r.retention
    named: list[tuple[str, object]] = [
        ("Revenue protected (12 months)", v.revenue_protected), ("Revenue generated (incremental)", v.revenue_generated),
        ("Revenue at risk (12 months)", v.revenue_at_risk), ("Customer lifetime value", v.clv),
        ("Retention effect on the AI-assisted (ATT)", ret.delta_12m_att),
        ("Retention effect over everyone (ATE)", ret.delta_12m_adjusted),
        ("Retention gap (naive)", ret.delta_12m_naive),
        ("Agent lead over loyalty", r.agents.lead_lag),
    ]
    if not isinstance(v.what_if_stopped, CannotCompute):
        named.append(("What if we stopped AI: extra cost", v.what_if_stopped.extra_cost))
    return [(name, _short_method(x.method)) for name, x in named if isinstance(x, Estimate) and x.method]


def methods(r: Results, cur: str, min_cell: int) -> Section:
    paras = [
        "Every figure is an estimate with a 95% interval, rounded as precisely as its interval allows. An effect "
        "is called a rise or a fall only when its interval excludes zero; otherwise the report says there is no "
        "clear effect and shows the range.",
        "Evidence classes. An adjusted estimate compares like with like on the recorded characteristics of "
        "customers and of their first contact (intent, channel, month); it is only as good as those: an "
        "unrecorded reason for both using AI and staying would still bias it (the E-value in the retention "
        "section says how strong it would have to be). A descriptive comparison shows groups as they are "
        "(\"is associated with\"). An assumption rests on a default or configured input (\"assumed\"); an "
        "extrapolation projects beyond the data (\"projected\").",
    ]
    att, ate = r.retention.delta_12m_att, r.retention.delta_12m_adjusted
    estimands = [f"ATT: {redact(x.estimand)}" for x in (att,) if not isinstance(x, CannotCompute)]
    estimands += [f"ATE: {redact(x.estimand)}" for x in (ate,) if not isinstance(x, CannotCompute)]
    if estimands:
        paras.append("Estimands. " + " ".join(e.rstrip(".") + "." for e in estimands))
    paras.append("True resolution: no repeat contact by the same customer about the same intent within the window, "
                 "on any channel; outbound contacts are never repeats. Containment: AI-only contacts over AI-only "
                 "plus escalated contacts.")
    rows = r.dataset.rows
    quarantined = sum(r.dataset.quarantined.values())
    paras.append(f"Data: {fmt.count(rows.get('contacts', 0))} contacts up to {r.as_of[:10]}; {fmt.count(quarantined)} "
                 "rows failed validation and were set aside.")
    paras.append(f"Privacy: the report holds aggregates only; any group of fewer than {min_cell} is shown as "
                 f"n<{min_cell} (a count, not a value).")
    paras.append("ROI here is a rolling 12-month measurement, refreshed as data arrives, not a one-off calculation.")
    table_rows = tuple((Cell(name), Cell(m)) for name, m in _headline_methods(r))
    tables = (Table("How each headline figure is computed", ("Figure", "Method"), table_rows),) if table_rows else ()
    return Section("methods", "Methods and caveats", "full", paras[0], tuple(paras[1:]), tables=tables)
