"""What if we stopped AI tomorrow: cost, handle-hours, agents by Erlang A and C, revenue at stake.

The scenario moves the AI-handled inbound volume of the latest 12 months to people, priced at the
human cost of contacts of the same intent and channel and net of the repeats AI failures caused
(docs/what-if-roi.md). It is a model under stated assumptions, so it is worded as one ("modelled",
"under the assumptions listed"), and its intervals include the assumptions' uncertainty. Staffing
is shown by both queueing models beside the agents actually staffed, so a reader sees why the
model and the payroll differ.
"""

from __future__ import annotations

from cxroi.report import figures as F
from cxroi.report import fmt
from cxroi.report.model import Cell, Section, Status, Table, Tile, Tone
from cxroi.report.narrative import reason
from cxroi.report.privacy import redact
from cxroi.report.read import shown
from cxroi.results.model.money import Figure, Money
from cxroi.results.model.scenario import Staffing, WhatIfResult
from cxroi.results.tree import Results
from cxroi.stats.result import CannotCompute

TITLE = "What if we stopped AI tomorrow?"


def _tile(name: str, f: Figure | CannotCompute, cur: str, tone: Tone = "negative") -> Tile:
    if isinstance(f, CannotCompute):
        return Tile(name, "Not computed", reason(f), "muted")
    if F.clear_sign(f) == 0:
        tone = "inconclusive"
    return Tile(name, F.amount(f, cur), F.interval(f, cur), tone)


def staffing_table(s: Staffing) -> Table:
    def cell(f: Figure | CannotCompute, fraction: bool = False) -> Cell:
        if isinstance(f, CannotCompute):
            return Cell("—")
        return Cell(F.with_interval(f, ""))

    rows = []
    for name, m in (("Erlang C", s.erlang_c), ("Erlang A", s.erlang_a)):
        rows.append((Cell(name), cell(m.fte_today), cell(m.fte_without_ai), cell(m.extra_fte),
                     cell(m.staffed_per_modelled_fte), cell(m.extra_headcount_at_staffed_ratio)))
    staffed = s.staffed_headcount
    note = (f"Agents staffed in {fmt.month_label(s.design_month)}: {staffed}." if isinstance(staffed, int)
            else f"Agents staffed: not known ({reason(staffed)}).")
    return Table(f"Agents needed in the busiest month ({fmt.month_label(s.design_month)}), modelled vs staffed",
                 ("Model", "FTE today", "FTE without AI", "Extra FTE", "Staffed per modelled FTE",
                  "Extra people at today's staffing ratio"), tuple(rows), note)


def lead_sentence(w: WhatIfResult, cur: str) -> str:
    parts: list[str] = []
    if isinstance(w.extra_cost, Figure):
        parts.append(f"to cost {F.amount(w.extra_cost, cur)} more over {F.horizon(w.extra_cost.horizon_months)} "
                     f"({F.interval(w.extra_cost, cur)})")
    if not isinstance(w.staffing, CannotCompute):
        a, c = w.staffing.erlang_a.extra_fte, w.staffing.erlang_c.extra_fte
        if isinstance(a, Figure):
            tail = f"; {F.amount(c, '')} by Erlang C, which ignores abandonment" if isinstance(c, Figure) else ""
            parts.append(f"to need {F.amount(a, '')} more in the busiest month by Erlang A "
                         f"({F.interval(a, '')}{tail})")
    if not parts:
        return "The switch-off scenario has no figures for this data."
    return (f"If AI stopped, serving the same inbound demand with people is modelled {' and '.join(parts)}: "
            "a scenario under the assumptions listed in Assumptions, whose intervals include their uncertainty.")


def what_if(r: Results, cur: str, min_cell: int) -> Section:
    w = r.value.what_if_stopped
    if isinstance(w, CannotCompute):
        return Section("what_if", TITLE, "missing", "The switch-off scenario is not computed yet.",
                       unlock=(f"{reason(w)}. It needs contact volumes, handle times and cost by mode (present "
                               "in every dataset) plus the revenue-protected estimate.",))
    tiles = [_tile("Extra cost · 12 months", w.extra_cost, cur), _tile("Extra handle-hours · 12 months",
                                                                       w.extra_handle_hours, cur)]
    paras: list[str] = []
    tables: list[Table] = []
    if not isinstance(w.staffing, CannotCompute):
        s = w.staffing
        tiles.append(_tile("Extra agents (Erlang A)", s.erlang_a.extra_fte, cur))
        tiles.append(_tile("Extra agents (Erlang C)", s.erlang_c.extra_fte, cur))
        tables.append(staffing_table(s))
        paras.append(redact(s.explanation))
        paras.append(f"Caller patience for Erlang A: {s.patience.mean_seconds:.0f} s on average "
                     f"({s.patience.source}; {redact(s.patience.note)}).")
    lost = shown(w.revenue_protected_lost, min_cell)
    if isinstance(lost, Money):
        paras.append(f"Stopping AI would also put back at risk the revenue it protects: {F.amount(lost, cur)} over "
                     f"{F.horizon(lost.horizon_months)} ({F.interval(lost, cur)}; {F.tags(lost)}).")
    if not isinstance(w.effort, CannotCompute) and isinstance(w.effort.difference, Figure):
        d = w.effort.difference
        word = "easier" if d.estimate > 0 else "harder"
        paras.append(f"Customers rated human handling of the same intents and channels {word} to deal with: CES "
                     f"{F.amount(d, '', plus=True)} points ({F.interval(d, '')}; descriptive comparison, "
                     "associated with the change, not an estimate of its effect).")
    if not isinstance(w.volume, CannotCompute) and isinstance(w.volume.avoided_repeats, Figure):
        rep = w.volume.avoided_repeats
        paras.append(f"People would avoid {F.amount(rep, '')} repeat contacts that AI failures cause today "
                     f"({F.interval(rep, '')}); the cost above is net of them.")
    if w.period.annualised:
        paras.append(f"Only {w.period.months} month{'s' if w.period.months != 1 else ''} of data: the 12-month "
                     "figures are annualised.")
    status: Status = "full" if isinstance(w.extra_cost, Figure) else "partial"
    return Section("what_if", TITLE, status, lead_sentence(w, cur), tuple(paras), tuple(tiles), (), tuple(tables))
