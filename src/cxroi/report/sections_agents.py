"""Agent experience as a leading indicator: the index, how far it leads loyalty, early warnings.

A lead is a timing pattern, not a cause: the wording is "leads" or "precedes", never "moves" or
"causes", and "significant" means one thing — the decision rule of ``agents.lead_lag`` (the
p-value at the best lag, corrected for the lags searched and Holm-adjusted across the loyalty
metrics, at or under alpha). When it is not significant the sentence says so and why.
"""

from __future__ import annotations

from cxroi.report import fmt
from cxroi.report import narrative as N
from cxroi.report.model import Cell, Chart, Section, Series, Table, Tile
from cxroi.report.privacy import redact
from cxroi.report.read import join_names, label
from cxroi.results.model.agents import AgentIndex, AgentsSection, LeadLag
from cxroi.results.tree import Results
from cxroi.stats.result import CannotCompute

TITLE = "Agent experience: the early warning"
_METRICS = {"csat": "CSAT", "nps": "NPS", "ces": "CES", "fcr_7d": "7-day FCR"}


def _metric(name: str) -> str:
    return _METRICS.get(name, label(name))


def lead_sentence(ll: LeadLag) -> str:
    metric = _metric(ll.metric)
    corr = f"{fmt.number(ll.correlation, 2, plus=True)} ({N.interval_of(ll, 'corr', '')})"
    if ll.significant:
        return (f"The Agent Experience Index leads {metric} by {ll.best_lag_days} days: changes in agent experience "
                f"precede changes in {metric}, with a correlation of {corr} at that lag, significant after correcting "
                f"for the lags searched and across the loyalty metrics (adjusted p = {ll.p_adjusted:.2g}). A lead is a "
                "timing pattern, not proof that agents cause the change.")
    return (f"No reliable lead of agent experience over {metric}: at the best lag ({ll.best_lag_days} days) the "
            f"correlation is {corr}, not significant once corrected for the lags searched and across the loyalty "
            f"metrics (adjusted p = {ll.p_adjusted:.2g} > {ll.alpha:g}).")


def _by_metric_table(a: AgentsSection) -> Table | None:
    rows = []
    for name, ll in (("csat", a.lead_lag_by_metric.csat), ("nps", a.lead_lag_by_metric.nps),
                     ("ces", a.lead_lag_by_metric.ces), ("fcr_7d", a.lead_lag_by_metric.fcr_7d)):
        if isinstance(ll, CannotCompute):
            rows.append((Cell(_metric(name)), Cell("—"), Cell(redact(ll.reason)), Cell(""), Cell("")))
            continue
        rows.append((Cell(_metric(name)), Cell(f"{ll.best_lag_days} days"),
                     Cell(f"{fmt.number(ll.correlation, 2, plus=True)} ({N.span(ll.ci_low or 0, ll.ci_high or 0, 'corr', '')})"
                          if ll.ci_low is not None and ll.ci_high is not None else fmt.number(ll.correlation, 2, plus=True)),
                     Cell(f"{ll.p_adjusted:.2g}"),
                     Cell("leads (significant)" if ll.significant else "no reliable lead",
                          "positive" if ll.significant else "inconclusive")))
    if not rows:
        return None
    return Table("How far the index leads each loyalty metric", ("Metric", "Best lag", "Correlation (95% interval)",
                                                                 "Adjusted p", "Verdict"), tuple(rows),
                 "Adjusted p: corrected for the lags searched and Holm-adjusted across the loyalty metrics.")


def _index_chart(idx: AgentIndex) -> tuple[Chart, str] | None:
    pts = [(p.period, p.index) for p in idx.monthly if p.index is not None]
    if len(pts) < 2:
        return None
    chart = Chart("agent_index", "lines", "Agent Experience Index, by month", "Agent Experience Index by month "
                  "(a standardised score: 0 is an average month).", "number",
                  tuple(fmt.month_label(p) for p, _ in pts), (Series("Agent Experience Index", tuple(v for _, v in pts)),))
    (p0, v0), (p1, v1) = pts[0], pts[-1]
    direction = "up" if v1 > v0 else ("down" if v1 < v0 else "flat")
    text = (f"The Agent Experience Index stands at {fmt.number(v1, 2, plus=True)} in {fmt.month_label(p1)}, {direction} "
            f"from {fmt.number(v0, 2, plus=True)} in {fmt.month_label(p0)} (a standardised score: 0 is an average "
            "month, higher is better).")
    return chart, text


def _ccf_chart(ll: LeadLag) -> Chart | None:
    pts = [(c.lag_days, c.correlation) for c in ll.ccf if c.correlation is not None]
    if len(pts) < 3:
        return None
    return Chart("lead_lag", "lines", f"How strongly agent experience precedes {_metric(ll.metric)}, by lead time",
                 "Correlation between the Agent Experience Index and the loyalty metric at each lead.", "corr",
                 tuple(str(d) for d, _ in pts), (Series("correlation", tuple(c for _, c in pts)),),
                 x_label="days the index leads", reference=0.0)


def agents(r: Results, cur: str, min_cell: int) -> Section:
    a = r.agents
    ll = a.lead_lag
    paras: list[str] = []
    tiles: list[Tile] = []
    charts: list[Chart] = []
    if isinstance(ll, LeadLag):
        paras.append(lead_sentence(ll))
        if ll.band_lags_days:
            paras.append("No interval is given for the lag itself; the correlation is significant at leads of "
                         f"{join_names([str(d) for d in ll.band_lags_days])} days.")
        tiles.append(Tile("Lead time", f"{ll.best_lag_days} days", f"index ahead of {_metric(ll.metric)}",
                          "positive" if ll.significant else "inconclusive"))
        tiles.append(Tile("Correlation at that lead", fmt.number(ll.correlation, 2, plus=True), N.interval_of(ll, "corr", "")))
        ccf = _ccf_chart(ll)
        if ccf:
            charts.append(ccf)
    if not isinstance(a.index, CannotCompute):
        got = _index_chart(a.index)
        if got:
            charts.insert(0, got[0])
            paras.append(got[1])
    warnings: tuple[str, ...] = ()
    if not isinstance(a.early_warnings, CannotCompute):
        warnings = tuple(f"{w.period}: {redact(w.message)}" for w in a.early_warnings)
        if warnings:
            paras.append(f"{len(warnings)} early warning{'s' if len(warnings) != 1 else ''} from agent data.")
    if not paras:
        why = redact(ll.reason) if isinstance(ll, CannotCompute) else "not computed"
        return Section("agents", TITLE, "missing", "Agent experience is not linked to customer outcomes yet.",
                       unlock=(f"{why}. It needs the agents table (hire and leave dates) and agent_pulse (engagement "
                               "surveys), with contacts.agent_id linking agents to customers.",))
    table = _by_metric_table(a) if isinstance(ll, LeadLag) else None
    return Section("agents", TITLE, "full" if isinstance(ll, LeadLag) else "partial", paras[0], tuple(paras[1:]),
                   tuple(tiles), tuple(charts), (table,) if table else (), bullets=warnings[:8])
