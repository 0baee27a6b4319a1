"""Sections that support the story: how customers feel, agents as a leading indicator, efficiency."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cxroi.report import fmt
from cxroi.report import narrative as N
from cxroi.report.access import (
    MODES,
    Est,
    Missing,
    Suppressed,
    Value,
    get,
    label,
    note,
    per_mode,
    prose,
    records,
    series_points,
    text_of,
    to_est,
)
from cxroi.report.model import Cell, Chart, Section, Series, Table, Tile, Unit
from cxroi.report.style import mode_color

_MODE_ORDER = ("ai_only", "hybrid", "human_only")


def _SURVEY_ROWS(csat: dict[str, Value], nps: dict[str, Value], ces: dict[str, Value]) -> list[tuple[str, dict[str, Value], Unit]]:
    return [("CSAT (share 4–5)", csat, "pct"), ("NPS", nps, "nps"), ("CES (1–7, higher = easier)", ces, "number")]


def compact(v: Value, unit: Unit, cur: str, min_cell: int) -> str:
    """'65.4% (63.2 to 67.6)' for tables; '<10' or '—' otherwise."""
    if not isinstance(v, Est):
        return N.cell(v, unit, cur, min_cell)
    main = N.show(v.estimate, unit, cur)
    if v.ci_low is None or v.ci_high is None:
        return main
    scale = 100.0 if unit == "pct" else 1.0
    dec = 1 if unit == "pct" else (0 if unit == "nps" or abs(v.estimate) >= 100 else 2)
    return f"{main} ({fmt.number(v.ci_low * scale, dec)} to {fmt.number(v.ci_high * scale, dec)})"


def _bar_series(name: str, vals: Mapping[str, Value], modes: tuple[str, ...], color: str = "") -> Series:
    ests = [vals.get(m) for m in modes]
    return Series(
        name,
        tuple(v.estimate if isinstance(v, Est) else None for v in ests),
        tuple(v.ci_low if isinstance(v, Est) else None for v in ests),
        tuple(v.ci_high if isinstance(v, Est) else None for v in ests),
        color=color,
        point_colors=() if color else tuple(mode_color(m) for m in modes),
    )


def experience(r: Mapping[str, Any], cur: str, min_cell: int) -> Section:
    m = get(r, "metrics")
    csat, nps, ces = (per_mode(m, k, min_cell) for k in ("csat", "nps", "ces"))
    if not any(isinstance(v, Est) for d in (csat, nps, ces) for v in d.values()):
        return Section("experience", "How customers feel: CSAT, NPS and effort", "missing",
                       "Customer sentiment is not measured yet.",
                       unlock=(f"{note(m, 'ces_by_channel', 'no surveys')}. Add a surveys table (CSAT 1–5, NPS "
                               "0–10, CES 1–7) linked to contacts by contact_id.",))
    paras: list[str] = []
    for metric, vals, unit in (("CSAT", csat, "pct"), ("NPS", nps, "nps"), ("Ease (CES, higher = easier)", ces, "number")):
        line = N.mode_line(metric, vals, unit, cur)  # type: ignore[arg-type]
        if line:
            paras.append(line)
    post = to_est(get(m, "intervals", "post_ai_nps"), min_cell) or to_est(get(m, "post_ai_nps"), min_cell)
    if isinstance(post, Est):
        paras.append(f"NPS right after AI-assisted contacts is {N.with_interval(post, 'nps', cur, plus=True)}.")
    rel = to_est(get(m, "relationship_surveys", "nps"), min_cell)
    if isinstance(rel, Est):
        paras.append(f"Relationship NPS (surveys not tied to a contact) is {N.with_interval(rel, 'nps', cur, plus=True)}; "
                     "it measures the brand overall, not the service, and is kept apart.")
    mode_rows = tuple(
        (Cell(name), *(Cell(compact(vals[mode], unit, cur, min_cell)) for mode in MODES))
        for name, vals, unit in _SURVEY_ROWS(csat, nps, ces)
    )
    tables = [Table("By mode (95% interval in brackets)", ("Metric",) + tuple(label(x) for x in MODES), mode_rows)]
    ch_rows = []
    by_ch = get(m, "by_channel")
    easiest: list[tuple[float, str, Est]] = []
    if isinstance(by_ch, Mapping):
        for ch, block in by_ch.items():
            vals3 = [to_est(get(block, k), min_cell) or Missing("") for k in ("csat", "nps", "ces")]
            units: tuple[Unit, ...] = ("pct", "nps", "number")
            ch_rows.append((Cell(label(str(ch))), *(Cell(compact(v, u, cur, min_cell)) for v, u in zip(vals3, units))))
            if isinstance(vals3[2], Est):
                easiest.append((vals3[2].estimate, label(str(ch)), vals3[2]))
    if ch_rows:
        tables.append(Table("By channel", ("Channel", "CSAT", "NPS", "CES"), tuple(ch_rows),
                            f"Cells resting on fewer than {min_cell} answers show <{min_cell}."))
    if len(easiest) >= 2:
        easiest.sort(key=lambda t: (-t[0], t[1]))
        (_, best, b), (_, worst, w) = easiest[0], easiest[-1]
        clear = N.compare(b, w) == 1
        paras.append(f"Effort is lowest on {best} (CES {fmt.number(b.estimate)}) and highest on {worst} "
                     f"(CES {fmt.number(w.estimate)})" + ("." if clear else "; the intervals overlap, so the ranking is not firm."))
    charts = [Chart("csat_by_mode", "bars", "CSAT by mode (share answering 4–5)",
                    "CSAT by AI mode with 95% intervals.", "pct", tuple(label(x) for x in _MODE_ORDER),
                    (_bar_series("CSAT", csat, _MODE_ORDER),))]
    delta = _csat_delta(m, min_cell)
    if delta is not None:
        chart, sentence = delta
        charts.append(chart)
        paras.append(sentence)
    lead = paras[0] if paras else "Survey results by mode and channel."
    return Section("experience", "How customers feel: CSAT, NPS and effort", "full", lead,
                   tuple(p for p in paras if p != lead), charts=tuple(charts), tables=tuple(tables))


def _csat_delta(m: Any, min_cell: int) -> tuple[Chart, str] | None:
    rows = [row for row in records(get(m, "csat_delta_hybrid_vs_human_monthly")) if isinstance(row.get("month"), str)]
    keep: list[tuple[str, Est | None]] = []
    for row in rows:
        small = any(isinstance(row.get(k), int) and row[k] < min_cell for k in ("n_hybrid", "n_human_only"))
        e = None if small else to_est(row, 0)
        keep.append((row["month"], e if isinstance(e, Est) else None))
    if sum(e is not None for _, e in keep) < 2:
        return None
    chart = Chart("csat_delta_monthly", "lines", "CSAT gap each month: hybrid minus human only",
                  "Monthly difference in CSAT between hybrid and human-only contacts, with 95% band.", "pp",
                  tuple(fmt.month_label(mo) for mo, _ in keep),
                  (Series("Hybrid − human only", tuple(e.estimate if e else None for _, e in keep),
                          tuple(e.ci_low if e else None for _, e in keep),
                          tuple(e.ci_high if e else None for _, e in keep), color=mode_color("hybrid")),),
                  reference=0.0)
    month, last = next((mo, e) for mo, e in reversed(keep) if e is not None)
    clear = sum(1 for _, e in keep if e is not None and e.sign() not in (0, None))
    total = sum(1 for _, e in keep if e is not None)
    s = N.effect(f"In {fmt.month_label(month)}, hybrid service", "CSAT relative to human only", last, "pp", "")
    s += f" Across {total} months, the interval excluded zero in {clear}."
    return chart, s


def agents(r: Mapping[str, Any], cur: str, min_cell: int) -> Section:
    a = get(r, "agents")
    ll = get(a, "lead_lag")
    paras: list[str] = []
    tiles: list[Tile] = []
    charts: list[Chart] = []
    if isinstance(ll, Mapping):
        corr = to_est({**ll, "estimate": ll.get("correlation", ll.get("estimate"))}, min_cell)
        if isinstance(corr, Suppressed):
            paras.append(f"The agent lead-lag analysis rests on fewer than {min_cell} periods and is suppressed.")
        lag = ll.get("best_lag_days")
        metric = label(text_of(ll, "metric", "outcome") or "customer outcome")
        agent_metric = label(text_of(ll, "agent_metric", "driver") or "agent experience")
        if isinstance(corr, Est):
            lag_txt = f"{fmt.count(lag)} days" if fmt.finite(lag) else "an unknown lag"
            sign = corr.sign()
            if sign is None or sign == 0:
                paras.append(f"No clear lead of {agent_metric.lower()} over {metric} yet: at the best lag "
                             f"({lag_txt}) the correlation is {fmt.number(corr.estimate, 2)}"
                             + (f" (95% interval {N.span(corr.ci_low or 0, corr.ci_high or 0, 'corr', cur)})." if corr.has_ci else ", without an interval."))
            else:
                paras.append(f"{agent_metric} moves {metric} {lag_txt} later: the correlation peaks at "
                             f"{fmt.number(corr.estimate, 2, plus=True)} (95% interval "
                             f"{N.span(corr.ci_low or 0, corr.ci_high or 0, 'corr', cur)}). A dip in agent "
                             f"experience today is a {lag_txt.replace(' days', '-day')} early warning for customer loyalty.")
            tiles.append(Tile("Lead time", lag_txt, f"{agent_metric} ahead of {metric}", "positive" if sign else "inconclusive"))
            tiles.append(Tile("Correlation at that lag", fmt.number(corr.estimate, 2, plus=True),
                              f"95% interval {N.span(corr.ci_low or 0, corr.ci_high or 0, 'corr', cur)}" if corr.has_ci else ""))
        by_lag = [(to_est({**row, "estimate": row.get("correlation", row.get("estimate"))}, 0), row.get("lag_days", row.get("lag")))
                  for row in records(ll.get("by_lag") or ll.get("curve") or ll.get("ccf"))]
        pts = [(int(lag_d), e) for e, lag_d in by_lag if isinstance(e, Est) and fmt.finite(lag_d)]
        if len(pts) >= 3:
            pts.sort(key=lambda t: t[0])
            charts.append(Chart("lead_lag", "lines", "How strongly agent experience predicts customers, by lead time",
                                "Correlation between agent experience and the customer metric at each lag.", "corr",
                                tuple(f"{d}" for d, _ in pts),
                                (Series("correlation", tuple(e.estimate for _, e in pts), tuple(e.ci_low for _, e in pts),
                                        tuple(e.ci_high for _, e in pts)),), x_label="days agent experience leads", reference=0.0))
    idx = get(a, "index")
    pts_idx = series_points(idx)
    if len(pts_idx) >= 2:
        charts.insert(0, Chart("agent_index", "lines", "Agent Experience Index", "Agent Experience Index over time.", "number",
                               tuple(fmt.month_label(p) for p, _, _, _ in pts_idx),
                               (Series("Agent Experience Index", tuple(v for _, v, _, _ in pts_idx),
                                       tuple(lo for _, _, lo, _ in pts_idx), tuple(hi for _, _, _, hi in pts_idx)),)))
        first_p, last_p = pts_idx[0], pts_idx[-1]
        direction = "up" if last_p[1] > first_p[1] else ("down" if last_p[1] < first_p[1] else "flat")
        dec = 2 if max(abs(v) for _, v, _, _ in pts_idx) < 10 else 1
        scale = " (a standardised score: 0 is an average month, higher is better)" if get(idx, "scale") else ""
        paras.append(f"The Agent Experience Index stands at {fmt.number(last_p[1], dec, plus=bool(scale))} in "
                     f"{fmt.month_label(last_p[0])}, {direction} from {fmt.number(first_p[1], dec, plus=bool(scale))} in "
                     f"{fmt.month_label(first_p[0])}{scale}.")
    elif isinstance(to_est(idx, min_cell), Est):
        e = to_est(idx, min_cell)
        assert isinstance(e, Est)
        paras.append(f"The Agent Experience Index is {N.with_interval(e, 'number', cur)}.")
    warnings = [_warning_text(w) for w in records(get(a, "early_warnings"))]
    warnings = [w for w in warnings if w]
    if warnings:
        paras.append(f"{len(warnings)} early warning{'s' if len(warnings) != 1 else ''} fired from agent data.")
    if not paras:
        return Section("agents", "Agent experience: the early warning", "missing",
                       "Agent experience is not linked to customer outcomes yet.",
                       unlock=(f"{note(a, 'lead_lag')}. It needs the agents table (hire and leave dates) and "
                               "agent_pulse (engagement surveys), with contacts.agent_id linking agents to customers.",))
    return Section("agents", "Agent experience: the early warning", "full" if isinstance(ll, Mapping) else "partial",
                   paras[0], tuple(paras[1:]), tuple(tiles), tuple(charts), bullets=tuple(warnings[:8]))


def _warning_text(w: Mapping[str, Any]) -> str:
    msg = text_of(w, "message", "text", "description")
    if msg:
        period = text_of(w, "period", "week", "month")
        return f"{fmt.month_label(period)}: {msg}" if period and period not in msg else msg
    metric, period = text_of(w, "metric"), text_of(w, "period", "week", "month")
    return f"{period}: {label(metric)} crossed its threshold" if metric else ""


def efficiency(r: Mapping[str, Any], cur: str, min_cell: int) -> Section:
    m = get(r, "metrics")
    fcr7, fcr14 = per_mode(m, "fcr_7d", min_cell), per_mode(m, "fcr_14d", min_cell)
    cpc, cpr = per_mode(m, "cost_per_contact", min_cell), per_mode(m, "cost_per_resolution_7d", min_cell)
    aht = per_mode(m, "aht_seconds", min_cell)
    cont = to_est(get(m, "intervals", "containment_rate"), min_cell) or to_est(get(m, "containment_rate"), min_cell)
    false_c = to_est(get(m, "intervals", "false_containment_7d"), min_cell) or to_est(get(m, "false_containment_7d"), min_cell)
    paras: list[str] = []
    tiles: list[Tile] = []
    if isinstance(cont, Est):
        tiles.append(Tile("Containment (the bot's view)", fmt.pct(cont.estimate), "share of bot conversations not escalated"))
    if isinstance(false_c, Est):
        tiles.append(Tile("False containment", fmt.pct(false_c.estimate), "'contained', back within 7 days", "negative"))
    if isinstance(fcr7["ai_only"], Est):
        tiles.append(Tile("True resolution, AI only", fmt.pct(fcr7["ai_only"].estimate), "no repeat within 7 days"))
    if isinstance(cont, Est) and isinstance(false_c, Est):
        paras.append(f"The bot contains {fmt.pct(cont.estimate)} of the conversations it starts, but "
                     f"{fmt.pct(false_c.estimate)} of the customers it 'contained' came back about the same "
                     "thing within 7 days: containment overstates resolution.")
    res = [f"{prose(x)} {fmt.pct(fcr7[x].estimate)}" for x in _MODE_ORDER if isinstance(fcr7[x], Est)]  # type: ignore[union-attr]
    if res:
        paras.append(f"True 7-day resolution (no repeat contact): {N.join_names(res)}.")
    ai, hu = cpr["ai_only"], cpr["human_only"]
    if isinstance(ai, Est) and isinstance(hu, Est):
        ratio = N.times_cheaper(ai, hu)
        costs = N.join_names([f"{prose(x)} {fmt.money(cpr[x].estimate, cur)}" for x in _MODE_ORDER if isinstance(cpr[x], Est)])  # type: ignore[union-attr]
        tail = (f": AI-only is {ratio} cheaper per resolved issue even after counting repeats." if ratio
                else ": AI is not cheaper per resolved issue once repeats are counted.")
        paras.append(f"Cost per true resolution is {costs}{tail}")
        tiles.append(Tile("Cost per resolution, AI vs human", f"{fmt.money(ai.estimate, cur)} vs {fmt.money(hu.estimate, cur)}", "7-day true resolution"))
    periods = _masking_months(r)
    if periods:
        paras.append(f"Containment masking was flagged in {N.join_names([fmt.month_label(p) for p in periods])}: "
                     "containment rose while true resolution fell.")
    if not paras:
        return Section("efficiency", "Efficiency, as supporting evidence", "missing",
                       "Resolution and cost are not available.", unlock=("Needs the contacts table with mode, cost or handle time.",))
    charts = [
        Chart("resolution_by_mode", "bars", "True resolution by mode (no repeat contact)",
              "First-contact resolution at 7 and 14 days by mode with 95% intervals.", "pct",
              tuple(label(x) for x in _MODE_ORDER),
              (_bar_series("within 7 days", fcr7, _MODE_ORDER, "#0072b2"),
               _bar_series("within 14 days", fcr14, _MODE_ORDER, "#56b4e9"))),
        Chart("cost_by_mode", "bars", f"Cost per contact vs per true resolution ({cur})",
              "Cost per contact and cost per 7-day resolution by mode.", "money",
              tuple(label(x) for x in _MODE_ORDER),
              (_bar_series("per contact", cpc, _MODE_ORDER, "#9ca3af"),
               _bar_series("per true resolution", cpr, _MODE_ORDER, "#0f4c81"))),
    ]
    monthly = _monthly_chart(m, r, min_cell)
    if monthly:
        charts.append(monthly)
    rows = []
    counts = get(m, "counts", "contacts")
    for x in MODES:
        n = get(counts, x)
        rows.append((Cell(label(x)), Cell(fmt.count(n) if fmt.finite(n) and n >= min_cell else (f"<{min_cell}" if fmt.finite(n) else "—")),
                     Cell(compact(fcr7[x], "pct", cur, min_cell)), Cell(compact(fcr14[x], "pct", cur, min_cell)),
                     Cell(N.cell(cpc[x], "money", cur, min_cell)), Cell(N.cell(cpr[x], "money", cur, min_cell)),
                     Cell(N.cell(aht[x], "seconds", cur, min_cell))))
    table = Table("Resolution and cost by mode", ("Mode", "Contacts", "True FCR 7d", "True FCR 14d",
                  "Cost / contact", "Cost / resolution 7d", "Handle time"), tuple(rows))
    return Section("efficiency", "Efficiency, as supporting evidence", "full", paras[0], tuple(paras[1:]),
                   tuple(tiles), tuple(charts), (table,))


def _masking_months(r: Mapping[str, Any]) -> list[str]:
    """Months flagged for containment masking, from the alerts or the masking section."""
    months = {text_of(a, "period") for a in records(get(r, "alerts")) if a.get("kind") == "containment_masking"}
    flagged = get(r, "masking", "flagged_months")
    if isinstance(flagged, list):
        months |= {str(m) for m in flagged}
    return sorted(m for m in months if m)


def _monthly_chart(m: Any, r: Mapping[str, Any], min_cell: int) -> Chart | None:
    rows = [row for row in records(get(m, "monthly")) if isinstance(row.get("month"), str)]
    if len(rows) < 3:
        return None
    series = []
    for key, name, color in (("containment_rate", "Containment", "#9ca3af"), ("fcr_7d", "True resolution (7d)", "#0072b2"),
                             ("false_containment_7d", "False containment", "#d55e00")):
        vals = [to_est(row.get(key), min_cell) for row in rows]
        if any(isinstance(v, Est) for v in vals):
            series.append(Series(name, tuple(v.estimate if isinstance(v, Est) else None for v in vals), color=color))
    if not series:
        return None
    months = [fmt.month_label(row["month"]) for row in rows]
    flagged = _masking_months(r)
    shade = tuple((fmt.month_label(p), fmt.month_label(p)) for p in flagged if fmt.month_label(p) in months)
    return Chart("containment_monthly", "lines", "Containment vs true resolution, month by month",
                 "Monthly containment, 7-day true resolution and false containment.", "pct", tuple(months),
                 tuple(series), shade=shade, shade_label="containment masking flagged" if shade else "")


__all__ = ["Suppressed", "agents", "efficiency", "experience"]
