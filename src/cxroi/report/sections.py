"""The typed results tree → :class:`Report`: the story's order and its key messages.

Order follows the board narrative: money first (the three pillars on one 12-month horizon, what
if we stopped AI, ROI and its trend — the last two under an "illustrative" banner while the costs
are defaults — and the assumptions behind them), then loyalty (retention, the signal chain, how
customers feel, containment masking), the people (agents as a leading indicator, the workforce),
efficiency as supporting evidence, and the governance that keeps it honest (stack, debt, methods).

Key messages quote only figures a CFO would sign: adjusted estimates, descriptive comparisons
and scenarios labelled as such; never an ROI or payback resting on default costs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from cxroi.report import fmt
from cxroi.report.model import Report, Section
from cxroi.report.privacy import redact
from cxroi.report.sections_agents import agents
from cxroi.report.sections_chain import chain
from cxroi.report.sections_gov import debt, methods, stack
from cxroi.report.sections_masking import masking
from cxroi.report.sections_ops import efficiency, experience
from cxroi.report.sections_retention import retention
from cxroi.report.sections_roi import assumptions, roi, roi_sentence, trend
from cxroi.report.sections_value import headline
from cxroi.report.sections_value_detail import value_detail
from cxroi.report.sections_whatif import what_if
from cxroi.report.sections_workforce import workforce
from cxroi.results.tree import Results

Builder = Callable[[Results, str, int], Section]
ORDER: tuple[Builder, ...] = (
    headline, what_if, roi, trend, assumptions, value_detail, retention, chain, experience, masking,
    agents, workforce, efficiency, stack, debt, methods,
)


def build_report(results: Results, min_cell: int = 10) -> Report:
    cur = results.currency or results.config.currency or "USD"
    sections = tuple(_capitalised(build(results, cur, min_cell)) for build in ORDER)
    by_key = {s.key: s for s in sections}
    months = [m.month for m in results.metrics.monthly]
    period = f"{fmt.month_label(months[0])} – {fmt.month_label(months[-1])}" if months else ""
    rows = results.dataset.rows
    facts = {
        "Data to": results.as_of[:10] or "unknown",
        "Period": period or "unknown",
        "Contacts": fmt.count(rows["contacts"]) if "contacts" in rows else "unknown",
        "Customers": fmt.count(rows["customers"]) if "customers" in rows else "unknown",
        "Currency": cur,
    }
    as_of = results.as_of
    subtitle = "Board report" + (f" · {period}" if period else "") + (f" · data to {as_of[:10]}" if as_of else "")
    footer = (f"cxroi {redact(results.cxroi_version)} · results schema {redact(results.schema_version)} · "
              f"aggregates only; groups under {min_cell} suppressed")
    configured_roi = roi_sentence(results.value) if not results.value.roi_worksheet.illustrative else ""
    return Report(
        title="AI in customer service: revenue, loyalty and cost",
        subtitle=subtitle,
        as_of=as_of,
        currency=cur,
        key_messages=key_messages(by_key, configured_roi),
        sections=sections,
        footer=footer,
        min_cell=min_cell,
        facts=facts,
    )


def _capitalised(sec: Section) -> Section:
    """Reasons from the analyses start in lower case; as stand-alone lines they read as sentences."""
    fixed = tuple(u[:1].upper() + u[1:] for u in sec.unlock)
    return replace(sec, unlock=fixed) if fixed != sec.unlock else sec


def key_messages(s: Mapping[str, Section], configured_roi: str = "") -> tuple[str, ...]:
    """Up to six sentences a board member remembers: money, loyalty, then efficiency.

    Never the ROI or its trend while the costs are defaults (those sections carry a banner);
    ``configured_roi`` is the ROI sentence when the user configured the costs.
    """
    out: list[str] = []
    head = s["headline"]
    if head.status != "missing":
        out.append(head.lead)
        risk = next((p for p in head.paragraphs if p.startswith("Active customers are expected to lose")), "")
        if risk:
            out.append(risk)
    else:
        out.append("Revenue protected, generated and at risk are not quantified yet: this report leads with "
                   "the loyalty and resolution evidence available today (see Measurement debt).")
    if configured_roi:
        out.append(configured_roi)
    for key in ("retention", "what_if"):
        if s[key].status in ("full", "partial") and s[key].banner is None:
            out.append(s[key].lead)
    if s["retention"].status == "missing" and s["experience"].status != "missing":
        out.append(s["experience"].lead)
    if s["agents"].status == "full":
        out.append(s["agents"].lead)
    if s["efficiency"].status != "missing":
        out.append(s["efficiency"].lead)
    return tuple(out[:6])


def report_text(report: Report) -> str:
    """The whole story as plain text: what the narrative snapshot tests compare."""
    lines = [report.title, report.subtitle, "", "KEY MESSAGES"]
    lines += [f"- {m}" for m in report.key_messages]
    for sec in report.sections:
        lines += ["", f"## {sec.title} [{sec.status}]"]
        if sec.banner is not None:
            lines += [f"[banner] {sec.banner.title}: {sec.banner.text}"]
        lines.append(sec.lead)
        lines += list(sec.paragraphs)
        lines += [f"* {t.label}: {t.value} ({t.detail})" for t in sec.tiles]
        lines += [f"- {b}" for b in sec.bullets]
        for tab in sec.tables:
            lines.append(f"[table] {tab.caption}: " + " | ".join(tab.header))
            lines += ["  " + " | ".join(c.text for c in row) for row in tab.rows]
            if tab.note:
                lines.append(f"  [note] {tab.note}")
        lines += [f"[chart] {c.title}" for c in sec.charts]
        lines += [f"[unlock] {u}" for u in sec.unlock]
    lines += ["", report.footer]
    return "\n".join(lines) + "\n"
