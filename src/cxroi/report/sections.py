"""results.json → :class:`Report`: the story's order and its key messages.

Order follows the board narrative: revenue first (the three pillars, what-if-we-stopped), then
loyalty (retention, the signal chain, how customers feel), the agent leading indicator, efficiency
as supporting evidence, and the governance that keeps it honest (stack, debt, methods).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from cxroi.report import fmt
from cxroi.report.access import get
from cxroi.report.model import Report, Section
from cxroi.report.privacy import redact
from cxroi.report.sections_gov import debt, methods, stack
from cxroi.report.sections_ops import agents, efficiency, experience
from cxroi.report.sections_chain import chain
from cxroi.report.sections_value import headline, retention, what_if

Builder = Callable[[Mapping[str, Any], str, int], Section]
ORDER: tuple[Builder, ...] = (headline, what_if, retention, chain, experience, agents, efficiency, stack, debt, methods)


def build_report(results: Mapping[str, Any], min_cell: int = 10) -> Report:
    cur = str(results.get("currency") or get(results, "config", "currency") or "USD")
    sections = tuple(_capitalised(build(results, cur, min_cell)) for build in ORDER)
    by_key = {s.key: s for s in sections}
    as_of = str(results.get("as_of") or "")
    contacts = get(results, "dataset", "rows", "contacts")
    customers = get(results, "dataset", "rows", "customers")
    months = [str(row["month"]) for row in (get(results, "metrics", "monthly") or [])
              if isinstance(row, Mapping) and isinstance(row.get("month"), str)]
    period = f"{fmt.month_label(months[0])} – {fmt.month_label(months[-1])}" if months else ""
    facts = {
        "Data to": as_of[:10] or "unknown",
        "Period": period or "unknown",
        "Contacts": fmt.count(contacts) if fmt.finite(contacts) else "unknown",
        "Customers": fmt.count(customers) if fmt.finite(customers) else "unknown",
        "Currency": cur,
    }
    subtitle = "Board report" + (f" · {period}" if period else "") + (f" · data to {as_of[:10]}" if as_of else "")
    footer = (f"cxroi {redact(str(results.get('cxroi_version', '')))} · results schema "
              f"{redact(str(results.get('schema_version', '')))} · aggregates only; groups under {min_cell} suppressed")
    return Report(
        title="AI in customer service: revenue, loyalty and cost",
        subtitle=subtitle,
        as_of=as_of,
        currency=cur,
        key_messages=key_messages(by_key),
        sections=sections,
        footer=footer,
        min_cell=min_cell,
        facts=facts,
    )


def _capitalised(sec: Section) -> Section:
    """Notes from results.json start in lower case; as stand-alone lines they read as sentences."""
    fixed = tuple(u[:1].upper() + u[1:] for u in sec.unlock)
    return replace(sec, unlock=fixed) if fixed != sec.unlock else sec


def key_messages(s: Mapping[str, Section]) -> tuple[str, ...]:
    """Three to five sentences a board member remembers: revenue, loyalty, then efficiency."""
    out: list[str] = []
    head = s["headline"]
    if head.status != "missing":
        out.append(head.lead)
    else:
        out.append("Revenue protected, generated and at risk are not quantified yet: this report leads with "
                   "the loyalty and resolution evidence available today (see Measurement debt).")
    for key in ("retention", "what_if", "chain"):
        if s[key].status == "full" or (key == "retention" and s[key].status == "partial"):
            out.append(s[key].lead)
    if s["retention"].status == "missing" and s["experience"].status != "missing":
        out.append(s["experience"].lead)
    if s["agents"].status != "missing":
        out.append(s["agents"].lead)
    eff = s["efficiency"]
    if eff.status != "missing":
        cost = next((p for p in (eff.lead, *eff.paragraphs) if p.startswith("Cost per true resolution")), "")
        out.append(eff.lead)
        if cost and len(out) < 6:
            out.append(cost)
    return tuple(out[:6])


def report_text(report: Report) -> str:
    """The whole story as plain text: what the narrative snapshot tests compare."""
    lines = [report.title, report.subtitle, "", "KEY MESSAGES"]
    lines += [f"- {m}" for m in report.key_messages]
    for sec in report.sections:
        lines += ["", f"## {sec.title} [{sec.status}]", sec.lead]
        lines += list(sec.paragraphs)
        lines += [f"* {t.label}: {t.value} ({t.detail})" for t in sec.tiles]
        lines += [f"- {b}" for b in sec.bullets]
        for tab in sec.tables:
            lines.append(f"[table] {tab.caption}: " + " | ".join(tab.header))
            lines += ["  " + " | ".join(c.text for c in row) for row in tab.rows]
        lines += [f"[chart] {c.title}" for c in sec.charts]
        lines += [f"[unlock] {u}" for u in sec.unlock]
    lines += ["", report.footer]
    return "\n".join(lines) + "\n"
