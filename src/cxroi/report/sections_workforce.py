"""The workforce story: how stable the team is, and who gains most from AI assistance.

Turnover (leavers per agent-year, exact Poisson intervals) and tenure come from the agents table;
the effect of AI assistance on novice and experienced agents' contacts (handle time, resolution)
is an adjusted estimate per group, with the novice-minus-experienced gap (docs/value.md). A large
field study of AI assistance in customer support (Brynjolfsson, Li and Raymond, NBER working paper
31161, cited in docs/value.md) found the gains concentrated among less experienced agents; the
report says whether this centre's data point the same way, and never borrows the study's sizes.
"""

from __future__ import annotations

from cxroi.report import fmt
from cxroi.report import narrative as N
from cxroi.report.model import Cell, Section, Table, Tile
from cxroi.report.narrative import reason
from cxroi.report.read import label, shown, sign
from cxroi.results.model.money import Effect
from cxroi.results.model.workforce import AssistEffects, Turnover
from cxroi.results.tree import Results
from cxroi.stats.result import CannotCompute, Estimate

TITLE = "The workforce: stability, and who gains from AI assistance"
STUDY = ("A large field study of AI assistance in customer support (Brynjolfsson, Li and Raymond, NBER working "
         "paper 31161) found the gains concentrated among less experienced agents")


def _rel(e: Effect | CannotCompute, min_cell: int, points: bool = False) -> str:
    got = shown(e, min_cell)
    if not isinstance(got, Estimate):
        return N.cell(got, "pct", "", min_cell)
    if points:
        return f"{fmt.pp(got.estimate)} ({N.span(got.ci_low or 0, got.ci_high or 0, 'pp', '')})"
    return (f"{fmt.pct(got.estimate, plus=True)} ({fmt.pct(got.ci_low or 0, plus=(got.ci_low or 0) > 0)} to "
            f"{fmt.pct(got.ci_high or 0, plus=(got.ci_high or 0) > 0)})")


def turnover_table(t: Turnover, min_cell: int) -> Table:
    rows = []
    for rate in t.rates:
        if rate.leavers < min_cell:
            rows.append((Cell(label(rate.kind)), Cell(N.suppressed(min_cell)), Cell("suppressed", "muted"), Cell("")))
            continue
        r, p = rate.rate, rate.annual_probability
        rows.append((Cell(label(rate.kind)), Cell(fmt.count(rate.leavers)),
                     Cell(f"{fmt.number(r.estimate, 2)} ({N.span(r.ci_low or 0, r.ci_high or 0, 'number', '')})"),
                     Cell(N.compact(p, "pct", "", min_cell))))
    return Table(f"Agent turnover, {t.period_start[:10]} to {t.period_end[:10]} ({t.agent_years:.0f} agent-years)",
                 ("Leaving", "Leavers", "Per agent-year (95% interval)", "Chance of leaving within a year"),
                 tuple(rows), N.suppressed_note(min_cell))


def tenure_sentence(t: Turnover, min_cell: int) -> str:
    ten = t.tenure
    parts = [f"{t.headcount_end} agents were employed at the end of the period ({t.headcount_start} at its start)"]
    if ten.median_months is not None and ten.employed_at_end >= min_cell:
        parts.append(f"their median tenure is {ten.median_months:.0f} months")
    early = shown(ten.early_leaver_share, min_cell)
    if isinstance(early, Estimate):
        parts.append(f"{fmt.pct(early.estimate, 0)} of leavers left within their first months "
                     f"({N.interval_of(early, 'pct', '')})")
    return "; ".join(parts) + "."


def assist_table(a: AssistEffects, min_cell: int) -> Table:
    rows = []
    for g in a.groups:
        rows.append((Cell(label(g.group)), Cell(fmt.count(g.assisted_contacts) if g.assisted_contacts >= min_cell
                                                else N.suppressed(min_cell)),
                     Cell(_rel(g.handle_relative, min_cell)), Cell(_rel(g.productivity, min_cell)),
                     Cell(_rel(g.resolution, min_cell, points=True))))
    rows.append((Cell("Gap, novice minus experienced"), Cell(""), Cell(_rel(a.handle_relative_gap, min_cell)),
                 Cell(""), Cell(_rel(a.resolution_gap, min_cell, points=True))))
    return Table(f"Effect of AI assistance on agents' contacts (novice = first {a.novice_months} months)",
                 ("Agents", "Assisted contacts", "Handle time", "Contacts per handle-hour", f"Resolved ({a.resolution_window_days} days)"),
                 tuple(rows), "Adjusted estimates with 95% intervals; assisted contacts against the same agents' "
                 "human-only contacts without assistance.")


def study_sentence(a: AssistEffects, min_cell: int) -> str:
    gap = shown(a.handle_relative_gap, min_cell)
    if not isinstance(gap, Estimate):
        return f"{STUDY}; here the novice-minus-experienced gap cannot be estimated ({reason(gap)})."
    s = sign(gap)
    if s == -1:
        return (f"{STUDY}. This centre's data point the same way: AI assistance is estimated to shorten novices' "
                f"handle time by {fmt.pp(-gap.estimate).lstrip('+')} more than experienced agents' "
                f"({N.interval_of(gap, 'pp', '')}); "
                "the sizes are this centre's own, not the study's.")
    if s == 1:
        return (f"{STUDY}. Here it is the other way round: experienced agents' handle time is estimated to shorten "
                f"more ({N.interval_of(gap, 'pp', '')}).")
    return (f"{STUDY}. Here the data cannot yet tell whether novices gain more: the gap in handle time covers zero "
            f"({N.interval_of(gap, 'pp', '')}).")


def workforce(r: Results, cur: str, min_cell: int) -> Section:
    w = r.workforce
    paras: list[str] = []
    tiles: list[Tile] = []
    tables: list[Table] = []
    if isinstance(w.turnover, Turnover):
        t = w.turnover
        paras.append(tenure_sentence(t, min_cell))
        tables.append(turnover_table(t, min_cell))
        every = next((x for x in t.rates if x.kind == "all"), None)
        if every is not None and every.leavers >= min_cell:
            tiles.append(Tile("Agents leaving within a year", fmt.pct(every.annual_probability.estimate, 0),
                              N.interval_of(every.annual_probability, "pct", "")))
    if isinstance(w.assist, AssistEffects):
        a = w.assist
        tables.append(assist_table(a, min_cell))
        paras.insert(0, study_sentence(a, min_cell))
        for g in a.groups:
            rel = shown(g.handle_relative, min_cell)
            if isinstance(rel, Estimate):
                tiles.append(Tile(f"Handle time with AI, {label(g.group).lower()} agents", fmt.pct(rel.estimate, 0, plus=True),
                                  N.interval_of(rel, "pct", "")))
    if not paras:
        why = reason(w.turnover) if isinstance(w.turnover, CannotCompute) else "not computed"
        return Section("workforce", TITLE, "missing", "The workforce story is not measured yet.",
                       unlock=(f"{why}. It needs the agents table (hire and leave dates, leave reasons) and "
                               "contacts.agent_id.",))
    return Section("workforce", TITLE, "full" if len(tables) == 2 else "partial", paras[0], tuple(paras[1:]),
                   tuple(tiles[:4]), (), tuple(tables))
