"""Sections that keep the story honest: the metric stack and its triggers, measurement debt, methods."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from cxroi.report import fmt
from cxroi.report.access import get, label, records, text_of
from cxroi.report.model import Cell, Section, Table, Tone
from cxroi.report.privacy import redact

_PCT_WORDS = ("csat", "fcr", "rate", "share", "retention", "containment", "resolution")
OPTIONAL_TABLES = ("surveys", "revenue", "opportunities", "agents", "agent_pulse", "qa_reviews")
_WHAT_TABLE_UNLOCKS = {
    "surveys": "CSAT, NPS and effort by mode, channel and touchpoint",
    "revenue": "revenue generated (upsell, cross-sell)",
    "opportunities": "conversion lift from AI-sourced opportunities",
    "agents": "agent turnover and the agent stability story",
    "agent_pulse": "the Agent Experience Index and its lead over customer outcomes",
    "qa_reviews": "escalation quality",
}


def _metric_value(row: Mapping[str, Any], cur: str) -> str:
    v = row.get("value", row.get("current", row.get("estimate")))
    if isinstance(v, Mapping):
        v = v.get("estimate")
    if not fmt.finite(v):
        return "—"
    x = float(v)
    unit = str(row.get("unit", "")).lower()
    name = " ".join(text_of(row, k) for k in ("id", "metric", "name")).lower()
    if not unit:  # no declared unit: read it from the metric's name
        if "delta" in name or "difference" in name:
            unit = "money" if "revenue" in name else "pp"
        elif "nps" in name:
            unit = "nps"
        elif "revenue" in name or "cost" in name:
            unit = "money"
        elif 0 <= x <= 1 and any(w in name for w in _PCT_WORDS) and "score" not in name:
            unit = "pct"
    if unit in ("fraction", "pct", "share", "percent", "proportion"):
        return fmt.pct(x)
    if unit in ("nps", "points"):
        return fmt.points(x)
    if unit in ("money", "currency", cur.lower()):
        return fmt.money(x, cur, plus="delta" in name or "difference" in name)
    if unit in ("seconds", "s"):
        return fmt.duration(x)
    if unit in ("pp",):
        return fmt.pp(x)
    return fmt.number(x, 2 if abs(x) < 100 else 0)


def _fired(row: Mapping[str, Any]) -> bool:
    f = row.get("fired", row.get("triggered"))
    if isinstance(f, bool):
        return f
    state = str(row.get("state", row.get("status", ""))).lower()
    return state in ("fired", "triggered", "alert", "breach", "red")


def _trigger(row: Mapping[str, Any]) -> tuple[str, str, list[str]]:
    """(condition, action, months it fired before) from a flat row or its first trigger."""
    triggers = records(row.get("triggers"))
    first = triggers[0] if triggers else {}
    cond = _readable(text_of(row, "trigger", "decision_trigger", "threshold") or text_of(first, "when", "condition"))
    action = text_of(row, "action", "decision") or text_of(first, "action")
    past = sorted({str(m) for t in triggers for m in (t.get("fired_months") or []) if isinstance(m, str)})
    return cond, action, past


def _readable(condition: str) -> str:
    """'stack.monthly[*].fcr_7d.ai_only.ci_high < 0.70' → 'fcr 7d ai only (upper 95% bound) < 0.70'."""
    text = re.sub(r"\b(stack\.monthly\[\*\]|metrics|value|retention|agents)\.", "", condition)
    text = text.replace(".ci_high", " (upper 95% bound)").replace(".ci_low", " (lower 95% bound)")
    text = re.sub(r"(?<=[a-z])\.(?=[a-z])", " ", text)
    return text.replace("_", " ")


def _state_cell(row: Mapping[str, Any], past: list[str]) -> Cell:
    if _fired(row):
        return Cell("Fired", "fired")
    if str(row.get("state", "")).lower() == "cannot_evaluate":
        return Cell("Cannot evaluate", "muted")
    if past:
        return Cell(f"OK now (fired {fmt.month_label(past[0])}" + (f" – {fmt.month_label(past[-1])})" if len(past) > 1 else ")"), "ok")
    return Cell("OK", "ok")


def stack(r: Mapping[str, Any], cur: str, min_cell: int) -> Section:
    rows = records(get(r, "stack"))
    alerts = records(get(r, "alerts"))
    tables: list[Table] = []
    paras: list[str] = []
    if rows:
        body = []
        fired_names = []
        for row in rows:
            raw_name = text_of(row, "name", "metric", "key", "id") or "metric"
            name = raw_name if " " in raw_name else label(raw_name)
            if _fired(row):
                fired_names.append(name)
            cond, action, past = _trigger(row)
            body.append((Cell(name), Cell(_metric_value(row, cur)), Cell(text_of(row, "owner") or "unassigned"),
                         Cell(cond), Cell(action), _state_cell(row, past)))
        tables.append(Table("The outcome metric stack", ("Metric", "Now", "Owner", "Trigger", "If it fires", "Status"),
                            tuple(body)))
        verb = "has fired its" if len(fired_names) == 1 else "have fired their"
        lead = (f"{len(fired_names)} of {len(rows)} metrics in the stack {verb} decision trigger"
                + (f": {', '.join(fired_names)}." if fired_names else "."))
        paras.append("Each metric has a named owner and a pre-agreed action when it moves; efficiency "
                     "metrics sit beside outcome metrics, never instead of them.")
    else:
        lead = ""
    if alerts:
        body2: list[tuple[Cell, ...]] = []
        for a in alerts:
            active = " · active" if a.get("active") is True else ""
            body2.append((Cell(fmt.month_label(text_of(a, "period")) + active), Cell(label(text_of(a, "kind") or "alert")),
                         Cell(text_of(a, "message")), Cell(text_of(a, "owner") or "unassigned"), Cell(text_of(a, "action"))))
        tables.append(Table("Alerts raised", ("Period", "Kind", "What happened", "Owner", "Action"), tuple(body2)))
        owners = sorted({text_of(a, "owner") for a in alerts if text_of(a, "owner")})
        s = f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''} raised" + (f", owned by {', '.join(owners)}." if owners else ".")
        if lead:
            paras.insert(0, s)
        else:
            lead = s
    if not lead:
        return Section("stack", "The metric stack: owners and triggers", "missing",
                       "The outcome metric stack and its triggers are not computed yet.",
                       unlock=(redact(str(get(r, "alerts_note") or "The metric stack needs the retention and "
                                      "agent analyses as inputs.")),))
    return Section("stack", "The metric stack: owners and triggers", "full" if rows else "partial", lead,
                   tuple(paras), tables=tuple(tables))


def _notes(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    if isinstance(node, Mapping):
        for k, v in node.items():
            if k in ("config", "dataset", "intervals", "monthly"):
                continue
            if k.endswith("_note") and isinstance(v, str) and node.get(k[:-5]) is None:
                yield " › ".join(label(p) for p in (*path, k[:-5])), redact(v)
            else:
                yield from _notes(v, (*path, str(k)))


def _debt_tone(item: Mapping[str, Any]) -> Tone:
    status = str(item.get("status", "gap")).lower()
    if status in ("measured", "ok", "closed", "covered"):
        return "ok"
    if status in ("missing", "gap", "unmeasured", "none"):
        return "negative"
    return "inconclusive"


def _audit_section(audit: Mapping[str, Any], bullets: tuple[str, ...]) -> Section | None:
    """The audit step's layout: a prioritised debt list plus each outcome's measurement path."""
    debt_items = records(audit.get("debt"))
    outcomes = audit.get("outcomes")
    if not debt_items and not isinstance(outcomes, Mapping):
        return None
    tables: list[Table] = []
    if debt_items:
        tables.append(Table("Measurement debt, in priority order", ("Priority", "Gap", "What would close it"), tuple(
            (Cell(text_of(d, "priority", "tier") or "—"), Cell(text_of(d, "item", "gap", "message")),
             Cell(text_of(d, "action", "unlock", "fix")))
            for d in sorted(debt_items, key=lambda d: (float(d.get("priority") or 99), text_of(d, "item")))
        )))
    missing_paths = [label(str(o)) for o in (audit.get("outcomes_without_measurement_path") or [])]
    if isinstance(outcomes, Mapping):
        rows = []
        for name, body in outcomes.items():
            status = text_of(body, "status") if isinstance(body, Mapping) else str(body)
            tone: Tone = "ok" if status in ("measurable", "measured", "computed") else "negative"
            rows.append((Cell(label(str(name))), Cell(status or "unknown", tone)))
        tables.append(Table("Business outcomes and their measurement path", ("Outcome", "Status"), tuple(rows)))
    lead = (f"{len(debt_items)} measurement gap{'s' if len(debt_items) != 1 else ''} to close"
            + (f"; outcomes without a measurement path: {', '.join(missing_paths)}." if missing_paths
               else "; every business outcome has a measurement path from the AI data."))
    return Section("debt", "Measurement debt", "full", lead,
                   ("The gap is debt, not failure: each row says what would close it.",),
                   tables=tuple(tables), bullets=bullets)


def debt(r: Mapping[str, Any], cur: str, min_cell: int) -> Section:
    audit = get(r, "audit")
    absent0 = [t for t in OPTIONAL_TABLES if not get(r, "dataset", "rows", t)]
    if isinstance(audit, Mapping):
        sec = _audit_section(audit, tuple(f"No {t.replace('_', ' ')} table: it would unlock {_WHAT_TABLE_UNLOCKS[t]}."
                                          for t in absent0))
        if sec is not None:
            return sec
    items = records(audit)
    absent = [t for t in OPTIONAL_TABLES if not get(r, "dataset", "rows", t)]
    bullets = tuple(f"No {t.replace('_', ' ')} table: it would unlock {_WHAT_TABLE_UNLOCKS[t]}." for t in absent)
    if items:
        body = tuple(
            (Cell(label(text_of(it, "outcome", "metric", "name", "link") or "item")),
             Cell(text_of(it, "status", "coverage") or "gap", _debt_tone(it)),
             Cell(text_of(it, "gap", "message", "reason", "note")), Cell(text_of(it, "unlock", "needed", "fix", "action")))
            for it in items
        )
        open_items = sum(1 for it in items if str(it.get("status", "gap")).lower() not in ("measured", "ok", "closed"))
        lead = (f"{open_items} of {len(items)} business outcomes still lack a documented measurement path from "
                "the AI data.")
        return Section("debt", "Measurement debt", "full", lead,
                       ("The gap is debt, not failure: each row says what would close it.",),
                       tables=(Table("Measurement debt", ("Outcome", "Status", "What is missing", "What would close it"), body),),
                       bullets=bullets)
    notes = list(dict.fromkeys(_notes({k: v for k, v in r.items() if k != "metrics"})))
    reasons = tuple((Cell(path), Cell(reason)) for path, reason in notes)
    lead = (f"{len(notes)} numbers in this report cannot be computed yet; each says why." if notes
            else "Every outcome in the report has a measurement path.")
    tables = (Table("What is not measured yet, and why", ("Number", "Reason"), reasons),) if reasons else ()
    return Section("debt", "Measurement debt", "partial" if notes else "full", lead,
                   ("A full audit (outcome by outcome, with owners) is produced by cxroi's audit step; "
                    "until then this list is drawn from the reasons recorded in results.json.",) if notes else (),
                   tables=tables, bullets=bullets)


_METHOD_NAMES = {
    "wilson": "Wilson score intervals for shares",
    "t": "Student t intervals for means",
    "delta": "the delta method for ratios such as cost per resolution",
    "trinomial normal": "a normal interval with trinomial variance for NPS",
    "newcombe hybrid score": "Newcombe's hybrid score interval for differences of shares",
    "kaplan-meier": "Kaplan–Meier retention curves with Greenwood intervals",
    "aipw": "augmented inverse-probability weighting (doubly robust) for the adjusted retention effect",
    "sbg": "the shifted-beta-geometric model for lifetime value",
}


def _methods(node: Any) -> Iterator[str]:
    if isinstance(node, Mapping):
        m = node.get("method")
        if isinstance(m, str) and m:
            yield m
        for k, v in node.items():
            if k != "config":
                yield from _methods(v)
    elif isinstance(node, list):
        for v in node:
            yield from _methods(v)


def methods(r: Mapping[str, Any], cur: str, min_cell: int) -> Section:
    used = sorted(set(_methods(r)))
    named = [_METHOD_NAMES[m.lower()] for m in used if m.lower() in _METHOD_NAMES]
    paras = [
        "Every figure is an estimate with a 95% interval. An effect is called a rise or a fall only when "
        "its interval excludes zero; otherwise the report says there is no clear effect and shows the range.",
    ]
    if named:
        paras.append("Intervals: " + "; ".join(named) + ".")
    paras.append(
        "Naive vs adjusted. The raw difference between customers served with and without AI mixes the effect "
        "of AI with who chooses it (larger, longer-tenured customers use AI more and churn less). The adjusted "
        "effect compares like with like on the recorded customer characteristics; it is the figure to quote, "
        "and it is only as good as those characteristics: an unrecorded reason for both using AI and staying "
        "would still bias it.")
    adj = get(r, "retention", "delta_12m_adjusted")
    estimand = text_of(adj, "estimand") if isinstance(adj, Mapping) else ""
    paras.append("Estimands. Retention effect: "
                 + (estimand + "." if estimand else "the average change in 12-month retention across analysed "
                    "customers had all of them been served with AI assistance versus none (average treatment effect).")
                 + " True resolution: no repeat contact by the same customer about the same intent within 7 or 14 "
                 "days, on any channel. Containment: AI-only contacts over AI-only plus escalated contacts.")
    rows = get(r, "dataset", "rows")
    quarantined = get(r, "dataset", "quarantined")
    if isinstance(rows, Mapping):
        total_q = sum(int(v) for v in (quarantined or {}).values() if fmt.finite(v)) if isinstance(quarantined, Mapping) else 0
        contacts = rows.get("contacts")
        paras.append(f"Data: {fmt.count(contacts) if fmt.finite(contacts) else 'an unknown number of'} contacts up to "
                     f"{str(get(r, 'as_of') or 'the end of the data')[:10]}; {fmt.count(total_q)} rows failed validation "
                     "and were set aside.")
    paras.append(f"Privacy: the report holds aggregates only; any group of fewer than {min_cell} is shown as <{min_cell}.")
    paras.append("ROI here is a rolling measurement, refreshed as data arrives, not a one-off calculation: loyalty "
                 "effects compound and a single quarter understates them.")
    rows = tuple((Cell(name), Cell(_short_method(m))) for name, m in _headline_methods(r))
    tables = (Table("How each headline figure is computed", ("Figure", "Method"), rows),) if rows else ()
    return Section("methods", "Methods and caveats", "full", paras[0], tuple(paras[1:]), tables=tables)


_HEADLINE = (
    ("Revenue protected", ("value", "revenue_protected")),
    ("Revenue generated", ("value", "revenue_generated")),
    ("Revenue at risk", ("value", "revenue_at_risk")),
    ("Customer lifetime value", ("value", "clv")),
    ("Return on AI spend", ("value", "roi")),
    ("12-month retention effect (adjusted)", ("retention", "delta_12m_adjusted")),
    ("12-month retention gap (naive)", ("retention", "delta_12m_naive")),
    ("Retention curves", ("retention", "retention_12m", "ai_assisted")),
    ("Extra agents without AI", ("value", "what_if_stopped", "extra_agents")),
    ("Agent lead over customers", ("agents", "lead_lag")),
)


def _headline_methods(r: Mapping[str, Any]) -> list[tuple[str, str]]:
    out = []
    for name, path in _HEADLINE:
        m = get(r, *path, "method")
        if isinstance(m, str) and m:
            out.append((name, redact(m)))
    return out


def _short_method(method: str, limit: int = 220) -> str:
    """The method's first clause(s), cut at a word boundary: the full text stays in results.json."""
    if len(method) <= limit:
        return method
    cut = method[:limit].rsplit(" ", 1)[0].rstrip(",;:(")
    return cut + " … (full text in results.json)"
