"""Terminal rendering of a validation report and of the typed results tree (Rich).

Reads only the typed results (:class:`cxroi.results.tree.Results`), so what the terminal shows is
what results.json says, formatted by the report's own rules (:mod:`cxroi.report.figures`): money
with its horizon, basis and interval at the precision the interval allows. A cell resting on
fewer than ``min_cell`` contacts or answers is suppressed (privacy) and reads ``n<10`` — a count
of rows, explained once under the table — never ``<10``, which in the handle-time row would read
as "under 10 seconds".
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from cxroi.io.dataset import ValidationReport
from cxroi.io.validate import Severity
from cxroi.report import figures as F
from cxroi.report.read import MODES, Shown, Suppressed, per_mode, shown
from cxroi.results.model.metrics import MetricsSection, PerMode
from cxroi.results.model.money import LinkVerdict, Money, verdict
from cxroi.results.model.scenario import WhatIfResult
from cxroi.results.model.value import ValueSection
from cxroi.results.tree import Results
from cxroi.stats.result import CannotCompute, Estimate


def print_validation(console: Console, report: ValidationReport, brief: bool = False) -> None:
    table = Table(title=f"Dataset {report.source}", title_justify="left")
    for col in ("table", "rows read", "accepted", "quarantined"):
        table.add_column(col, justify="left" if col == "table" else "right")
    for name, rows in report.rows.items():
        table.add_row(name, f"{rows:,}", f"{report.accepted[name]:,}", f"{report.quarantined[name]:,}")
    console.print(table)
    if report.excluded_after_as_of:
        console.print(f"{report.excluded_after_as_of:,} contacts after the configured as_of are excluded")
    if not report.counts:
        console.print("[green]no row-level faults[/]")
        return
    faults = Table(title="Row-level faults", title_justify="left")
    for col in ("severity", "table.column", "rule", "rows", "detail"):
        faults.add_column(col)
    for c in report.counts:
        style = "red" if c.severity is Severity.ERROR else "yellow"
        detail = c.message if brief else c.describe()
        faults.add_row(
            f"[{style}]{c.severity.value}[/]", f"{c.table}.{c.column}", c.rule, f"{c.count:,}", detail
        )
    console.print(faults)


def cell_text(v: Shown, spec: str, min_cell: int) -> str:
    """A mode cell: the value, ``n<10`` when suppressed (a count, not a value), ``—`` when absent."""
    if isinstance(v, Estimate):
        return format(v.estimate, spec)
    if isinstance(v, Suppressed):
        return f"n<{min_cell}"
    return "—"


def _rows(m: MetricsSection, cur: str) -> list[tuple[str, PerMode, str]]:
    windows = sorted(m.fcr)
    rows = [(f"true FCR, {w} days", m.fcr[w], ".1%") for w in windows]
    rows.append((f"cost per contact ({cur})", m.cost_per_contact, ",.2f"))
    rows += [(f"cost per resolution, {w}d ({cur})", m.cost_per_resolution[w], ",.2f")
             for w in windows[:1] if w in m.cost_per_resolution]
    rows += [("handle time (s)", m.aht_seconds, ",.0f"), ("CSAT (4–5)", m.csat, ".1%"), ("NPS", m.nps, "+.0f"),
             ("CES (1–7, higher easier)", m.ces, ".2f")]
    return rows


def mode_table(results: Results, min_cell: int) -> tuple[Table, bool]:
    """The per-mode table and whether any cell in it is suppressed."""
    m = results.metrics
    table = Table(title=f"Resolution, cost and loyalty by AI mode (as of {results.as_of})", title_justify="left")
    table.add_column("metric")
    for mode in MODES:
        table.add_column(mode, justify="right")
    counts = [m.counts.contacts.get(mode) for mode in MODES]
    table.add_row("contacts", *[f"{n:,}" if n >= min_cell else f"n<{min_cell}" for n in counts])
    hidden = any(n < min_cell for n in counts)
    for name, values, spec in _rows(m, results.currency):
        cells = per_mode(values, m.counts, min_cell)
        hidden = hidden or any(isinstance(v, Suppressed) for v in cells.values())
        table.add_row(name, *[cell_text(cells[mode], spec, min_cell) for mode in MODES])
    return table, hidden


def print_summary(console: Console, results: Results, min_cell: int) -> None:
    table, hidden = mode_table(results, min_cell)
    console.print(table)
    if hidden:
        console.print(f"n<{min_cell}: fewer than {min_cell} contacts or answers behind the cell; suppressed for "
                      "privacy (a count of rows, not a value)", highlight=False, markup=False)
    for line in metric_lines(results.metrics, min_cell):
        console.print(line, highlight=False, markup=False)
    for line in value_lines(results.value, results.currency, min_cell):
        console.print(line, highlight=False, markup=False)


def metric_lines(m: MetricsSection, min_cell: int) -> list[str]:
    lines = []
    parts = []
    cont, false_c = shown(m.containment_rate, min_cell), shown(m.false_containment_7d, min_cell)
    if isinstance(cont, Estimate):
        parts.append(f"containment rate {cont.estimate:.1%}")
    if isinstance(false_c, Estimate):
        parts.append(f"false containment (ai_only back within 7 days) {false_c.estimate:.1%}")
    if parts:
        lines.append("  ·  ".join(parts))
    months = [r for r in m.csat_delta_hybrid_vs_human_monthly if r.estimate is not None and r.ci_low is not None
              and r.ci_high is not None and min(r.n_hybrid or 0, r.n_human_only or 0) >= min_cell]
    if months:
        shown_months = ", ".join(f"{r.month}: {100 * (r.estimate or 0):+.1f} pp ({100 * (r.ci_low or 0):+.1f} to "
                                 f"{100 * (r.ci_high or 0):+.1f})" for r in months[-3:])
        lines.append(f"CSAT hybrid − human-only, latest months: {shown_months}")
    return lines


def _money(label: str, v: Money | CannotCompute, cur: str, min_cell: int) -> str:
    got = shown(v, min_cell)
    if isinstance(got, Money):
        return f"{label} ({F.horizon(got.horizon_months)}, {F.tags(got)}): {F.amount(got, cur)} ({F.interval(got, cur)})"
    if isinstance(got, Suppressed):
        return f"{label}: suppressed (n<{min_cell})"
    return f"{label}: not available — {got.reason if isinstance(got, CannotCompute) else 'not computed'}"


def _what_if(w: WhatIfResult, cur: str) -> str:
    parts = []
    if not isinstance(w.extra_cost, CannotCompute):
        parts.append(f"extra cost {F.amount(w.extra_cost, cur)} over {F.horizon(w.extra_cost.horizon_months)} "
                     f"({F.interval(w.extra_cost, cur)})")
    if not isinstance(w.staffing, CannotCompute):
        s = w.staffing
        for name, model in (("Erlang A", s.erlang_a), ("Erlang C", s.erlang_c)):
            if not isinstance(model.extra_fte, CannotCompute):
                parts.append(f"{F.amount(model.extra_fte, '')} more by {name} ({F.interval(model.extra_fte, '')})")
        if isinstance(s.staffed_headcount, int):
            parts.append(f"{s.staffed_headcount} agents staffed in {s.design_month}")
    return "If AI stopped (a scenario under assumptions): " + "; ".join(parts) if parts else ""


_VERDICT = {
    LinkVerdict.RAISES_RISK: "weak links raise the risk",
    LinkVerdict.LOWERS_RISK: "weak links lower the risk",
    LinkVerdict.NO_CLEAR_LINK_EFFECT: "no clear link effect",
}


def value_lines(v: ValueSection, cur: str, min_cell: int) -> list[str]:
    """The board's three pillars, the what-if and the ROI, one line each, with horizon and interval."""
    lines = [
        _money("Revenue protected by AI", v.revenue_protected, cur, min_cell),
        _money("Revenue generated by AI, incremental", v.revenue_generated, cur, min_cell),
        _money("Revenue at risk, active customers", v.revenue_at_risk, cur, min_cell),
    ]
    if not isinstance(v.risk, CannotCompute):
        chain = v.risk.chain_weakness
        word = _VERDICT[verdict(chain)]
        lines.append(f"  of which ordinary churn exposure {F.amount(v.risk.ordinary, cur)}; chain weakness "
                     f"{F.amount(chain, cur, plus=True)} ({F.interval(chain, cur)}): {word}")
    if not isinstance(v.what_if_stopped, CannotCompute):
        line = _what_if(v.what_if_stopped, cur)
        if line:
            lines.append(line)
    roi = v.roi
    if isinstance(roi, CannotCompute):
        lines.append(f"ROI: not available — {roi.reason}")
    else:
        pay = roi.payback_months
        pay_text = (f"payback {F.amount(pay, '')} ({F.interval(pay, '')})" if not isinstance(pay, CannotCompute)
                    else f"payback: {pay.reason}")
        flag = "ILLUSTRATIVE (default costs; set [value.roi] costs to make it yours): " if roi.illustrative else ""
        lines.append(f"{flag}ROI over the latest 12 months {F.roi_pct(roi)} ({F.roi_interval(roi)}); {pay_text}")
    return lines
