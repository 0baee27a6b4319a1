"""Sections that lead the story: the three pillars, what-if-we-stopped, retention, the loyalty chain."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cxroi.report import fmt
from cxroi.report import narrative as N
from cxroi.report.access import (
    Est,
    Missing,
    Suppressed,
    Value,
    curves,
    get,
    label,
    note,
    text_of,
    to_est,
    value,
)
from cxroi.report.model import Chart, Section, Series, Status, Tile, Tone, Unit
from cxroi.report.style import mode_color

PILLARS = (
    ("revenue_protected", "Revenue protected", "customers kept who would otherwise have left"),
    ("revenue_generated", "Revenue generated", "upsell and cross-sell from AI-assisted contacts"),
    ("revenue_at_risk", "Revenue at risk", "churn exposure where the loyalty chain is weak"),
)


def _tile(lbl: str, v: Value, cur: str, min_cell: int, tone_if_pos: Tone, unit: Unit = "money") -> Tile:
    if isinstance(v, Est):
        sign = v.sign()
        tone: Tone = tone_if_pos if sign and sign > 0 else ("inconclusive" if sign == 0 else "")
        lo, hi = v.ci_low or 0.0, v.ci_high or 0.0
        rng = (f"{fmt.pct(lo, 0)} to {fmt.pct(hi, 0, plus=lo < 0)}" if unit == "pct"
               else N.span(lo, hi, unit, cur))
        detail = f"95% interval {rng}" if v.has_ci else "no interval available"
        main = fmt.pct(v.estimate, 0) if unit == "pct" else fmt.money(v.estimate, cur)
        return Tile(lbl, main, detail, tone)
    if isinstance(v, Suppressed):
        return Tile(lbl, f"<{min_cell}", "suppressed: group too small", "muted")
    return Tile(lbl, "Not yet measured", "see what would unlock it below", "muted")


def headline(r: Mapping[str, Any], cur: str, min_cell: int) -> Section:
    val = get(r, "value")
    got = {k: value(val, k, min_cell) for k, _, _ in PILLARS}
    tiles = [
        _tile(lbl, got[k], cur, min_cell, "negative" if k == "revenue_at_risk" else "positive")
        for k, lbl, _ in PILLARS
    ]
    roi = value(val, "roi", min_cell)
    if isinstance(roi, Est):
        tiles.append(_tile("Return on AI spend", roi, cur, min_cell, "positive", unit="pct"))
    paragraphs = [s for s in (pillar_sentence(k, got[k], cur, val) for k, _, _ in PILLARS) if s]
    if isinstance(roi, Est):
        paragraphs.append(roi_sentence(roi, cur))
    payback = to_est(get(val, "roi", "payback_months"), min_cell)
    if isinstance(payback, Est):
        rng = f" (95% interval {fmt.number(payback.ci_low, 1)} to {fmt.number(payback.ci_high, 1)})" if (
            payback.ci_low is not None and payback.ci_high is not None) else ""
        paragraphs.append(f"The AI investment pays back in {fmt.number(payback.estimate, 1)} months{rng}.")
    rprc = get(val, "revenue_per_retained_customer")
    ai_r, hu_r = to_est(get(rprc, "ai_assisted"), min_cell), to_est(get(rprc, "human_only"), min_cell)
    if isinstance(ai_r, Est) and isinstance(hu_r, Est):
        paragraphs.append(f"Revenue per retained customer over 12 months: {fmt.money(ai_r.estimate, cur)} for AI-assisted "
                          f"customers, {fmt.money(hu_r.estimate, cur)} for human-only (descriptive: who uses AI also differs).")
    clv = value(val, "clv", min_cell)
    if isinstance(clv, Est):
        paragraphs.append(f"A customer is worth {N.with_interval(clv, 'money', cur)} over their remaining lifetime.")
    estimates = [(lbl, got[k]) for k, lbl, _ in PILLARS if isinstance(got[k], Est)]
    charts: list[Chart] = []
    if estimates:
        charts.append(_forest(
            "pillars", "The three pillars, with 95% intervals", "money", estimates,
            "Revenue protected, generated and at risk, each with its 95% interval.",
        ))
    links = _at_risk_links(val, min_cell)
    if len(links) >= 2:
        charts.append(_forest("at_risk_by_link", "Revenue at risk, by weak link in the loyalty chain", "money",
                              links, "Revenue at risk attributed to each link of the loyalty chain, with 95% intervals."))
    missing = [(k, lbl) for k, lbl, _ in PILLARS if not isinstance(got[k], Est)]
    unlock = []
    if missing:
        unlock.append(
            f"{N.join_names([lbl for _, lbl in missing])}: {note(val, missing[0][0])}. "
            "These need customers.monthly_revenue (or a revenue table) with churn dates for "
            "retention, and an opportunities table for upsell and cross-sell."
        )
    status: Status = "full" if not missing else ("partial" if estimates else "missing")
    lead = paragraphs[0] if paragraphs else (
        "The revenue pillars are not measured yet; the sections below show what the data already "
        "says about loyalty and resolution."
    )
    return Section("headline", "Revenue protected, generated and at risk", status, lead,
                   tuple(paragraphs[1:] if paragraphs else ()), tuple(tiles), tuple(charts), (), (), tuple(unlock))


def roi_sentence(roi: Est, cur: str) -> str:
    amount = fmt.pct(roi.estimate, 0)
    rng = f"{fmt.pct(roi.ci_low or 0.0, 0)} to {fmt.pct(roi.ci_high or 0.0, 0, plus=(roi.ci_low or 0.0) < 0)}"
    sign = roi.sign()
    if sign is None:
        return f"The return on AI spend is an estimated {amount} (no interval available, so indicative only)."
    if sign > 0:
        return f"Each unit spent on AI returned {amount} net (95% interval {rng})."
    if sign < 0:
        return f"AI spend has not paid back yet: the net return is {amount} (95% interval {rng})."
    return f"The return on AI spend is not yet clear: {amount} (95% interval {rng})."


def pillar_sentence(key: str, v: Value, cur: str, val: Any) -> str:
    if not isinstance(v, Est):
        return ""
    rng = N.span(v.ci_low or 0.0, v.ci_high or 0.0, "money", cur) if v.has_ci else ""
    amount = fmt.money(v.estimate, cur)
    sign = v.sign()
    if key == "revenue_protected":
        if sign is None:
            return f"AI-assisted service protected an estimated {amount} of revenue (no interval available, so indicative only)."
        if sign > 0:
            return (f"AI-assisted service protected an estimated {amount} of revenue (95% interval {rng}) "
                    "by keeping customers who would otherwise have left.")
        if sign < 0:
            return (f"AI-assisted service lost revenue rather than protecting it: {amount} "
                    f"(95% interval {rng}); customers left more often after AI contacts.")
        return (f"Revenue protected is not yet clear: the estimate is {amount} but the 95% interval "
                f"runs from {rng}, so we cannot yet say AI keeps customers who would otherwise leave.")
    if key == "revenue_generated":
        if sign is None:
            return f"AI-assisted contacts generated an estimated {amount} in upsell and cross-sell (indicative, no interval)."
        if sign > 0:
            return f"AI-assisted contacts generated {amount} in upsell and cross-sell (95% interval {rng})."
        if sign < 0:
            return f"AI-assisted contacts generated less upsell than human ones: {amount} (95% interval {rng})."
        return f"No clear upsell or cross-sell effect from AI yet ({amount}; 95% interval {rng})."
    by_link = _by_link(val, cur)
    where = f", mostly from {by_link}" if by_link else ""
    if sign == 0:
        return f"Revenue at risk is small and uncertain: {amount} (95% interval {rng}){where}."
    tail = f" (95% interval {rng})" if rng else " (no interval available)"
    return f"{amount} of revenue is at risk{tail} where the loyalty chain is weak{where}."


def _at_risk_links(val: Any, min_cell: int) -> list[tuple[str, Value]]:
    raw = get(val, "revenue_at_risk", "by_link") or get(val, "revenue_at_risk_by_link") or get(val, "by_link")
    out: list[tuple[str, Value]] = []
    if isinstance(raw, Mapping):
        for link, body in raw.items():
            e = to_est(body, min_cell)
            if str(link) in ("none", "other", "no_weak_link"):
                continue  # customers with no weak link: exposure, but not a link to fix
            if isinstance(e, Est):
                out.append((label(str(link)), e))
    return sorted(out, key=lambda t: -t[1].estimate if isinstance(t[1], Est) else 0.0)


def _by_link(val: Any, cur: str) -> str:
    links = _at_risk_links(val, 0)
    top = links[0][1] if links else None
    if not isinstance(top, Est) or top.estimate <= 0:
        return ""
    name = links[0][0]
    name = name[:1].lower() + name[1:] if name[1:2].islower() else name  # 'unresolved AI contacts'
    return f"{name} ({fmt.money(top.estimate, cur)})"


def _forest(key: str, title: str, unit: Any, rows: list[tuple[str, Value]], alt: str) -> Chart:
    est = [v for _, v in rows if isinstance(v, Est)]
    return Chart(
        key=key, kind="forest", title=title, alt=alt, unit=unit,
        categories=tuple(lbl for lbl, v in rows if isinstance(v, Est)),
        series=(Series("estimate", tuple(e.estimate for e in est), tuple(e.ci_low for e in est),
                       tuple(e.ci_high for e in est)),),
        reference=0.0,
    )


WHAT_IF = (
    ("extra_agents", "More agents needed", "number"),
    ("extra_handle_hours", "Extra handle-hours", "number"),
    ("extra_cost", "Extra cost", "money"),
    ("revenue_protected_lost", "Protected revenue put back at risk", "money"),
)


def what_if(r: Mapping[str, Any], cur: str, min_cell: int) -> Section:
    w = get(r, "value", "what_if_stopped")
    if not isinstance(w, Mapping):
        return Section("what_if", "What if we stopped AI tomorrow?", "missing",
                       "The switch-off scenario is not computed yet.",
                       unlock=(f"{note(get(r, 'value'), 'what_if_stopped')}. It needs contact volumes, "
                               "handle times and cost by mode (present in every dataset) plus the "
                               "revenue-protected estimate.",))
    tiles: list[Tile] = []
    parts: list[str] = []
    for key, lbl, unit in WHAT_IF:
        v = to_est(w.get(key), min_cell)
        if not isinstance(v, Est):
            continue
        text = fmt.money(v.estimate, cur) if unit == "money" else fmt.count(v.estimate)
        lo, hi = v.ci_low or 0.0, v.ci_high or 0.0
        detail = (f"95% interval {N.span(lo, hi, 'money', cur)}" if unit == "money"
                  else f"95% interval {fmt.count(lo)} to {fmt.count(hi)}") if v.has_ci else ""
        if v.estimate == 0 and (v.ci_low or 0.0) == 0 and (v.ci_high or 0.0) == 0:
            tiles.append(Tile(lbl, text, "no change needed", "muted"))
            parts.append({"extra_agents": "no more agents", "extra_handle_hours": "no more handle-hours",
                          "extra_cost": "no extra service cost",
                          "revenue_protected_lost": "no protected revenue lost"}[key])
            continue
        clear = v.sign() != 0  # an interval through zero: say so rather than quote the point
        tiles.append(Tile(lbl, text, detail, "negative" if clear else "inconclusive"))
        rng = detail.replace("95% interval ", "")
        parts.append({
            "extra_agents": f"about {text} more agents" if clear else f"an uncertain number of agents ({rng})",
            "extra_handle_hours": f"{text} more handle-hours" if clear else f"an uncertain number of handle-hours ({rng})",
            "extra_cost": f"{text} more in service cost" if clear else f"an uncertain change in service cost ({rng})",
            "revenue_protected_lost": f"{text} of protected revenue back at risk" if clear
            else f"an uncertain amount of protected revenue ({rng}) back at risk",
        }[key])
    horizon = text_of(w, "horizon", "period")
    horizon_txt = f" ({horizon})" if horizon else ""
    if not parts:
        return Section("what_if", "What if we stopped AI tomorrow?", "missing",
                       "The switch-off scenario has no figures yet.", unlock=(note(w, "extra_cost"),))
    lead = (f"If AI were switched off tomorrow, serving the same demand{horizon_txt} would take "
            f"{N.join_names(parts)}.")
    paras = ("AI is part of the service infrastructure now, not an experiment: this is the cost of "
             "removing it, not a saving still to be proven.",)
    return Section("what_if", "What if we stopped AI tomorrow?", "full", lead, paras, tuple(tiles))


def retention(r: Mapping[str, Any], cur: str, min_cell: int) -> Section:
    ret = get(r, "retention")
    ai = value(get(ret, "retention_12m"), "ai_assisted", min_cell) if isinstance(get(ret, "retention_12m"), Mapping) else Missing(note(ret, "retention_12m"))
    hu = value(get(ret, "retention_12m"), "human_only", min_cell) if isinstance(get(ret, "retention_12m"), Mapping) else Missing(note(ret, "retention_12m"))
    naive = value(ret, "delta_12m_naive", min_cell)
    adj = value(ret, "delta_12m_adjusted", min_cell)
    tiles = [_tile_pct("12-month retention, AI-assisted", ai, min_cell),
             _tile_pct("12-month retention, human only", hu, min_cell)]
    if isinstance(adj, Est):
        tone: Tone = "positive" if adj.sign() == 1 else ("negative" if adj.sign() == -1 else "inconclusive")
        tiles.append(Tile("Effect of AI (adjusted)", fmt.pp(adj.estimate),
                          f"95% interval {N.span(adj.ci_low or 0.0, adj.ci_high or 0.0, 'pp', cur)}" if adj.has_ci else "no interval", tone))
    paras: list[str] = []
    if isinstance(ai, Est) and isinstance(hu, Est):
        paras.append(f"Over 12 months, {fmt.pct(ai.estimate)} of AI-assisted customers stayed, against "
                     f"{fmt.pct(hu.estimate)} of human-only customers.")
    if isinstance(adj, Est):
        paras.append(N.effect("Once we compare like with like, AI assistance", "12-month retention", adj, "pp", cur))
    if isinstance(naive, Est) and isinstance(adj, Est):
        gap = naive.estimate - adj.estimate
        if abs(gap) >= 0.001:
            word = "overstates" if gap > 0 else "understates"
            paras.append(f"The raw comparison ({fmt.pp(naive.estimate)}) {word} the effect by "
                         f"{fmt.pp(abs(gap)).lstrip('+')}, because the customers who use AI differ from those "
                         "who do not (segment, plan, tenure); the adjusted figure is the one to quote.")
    elif isinstance(naive, Est):
        paras.append(f"The raw gap is {N.with_interval(naive, 'pp', cur)}; it is not adjusted for who "
                     "chooses AI, so it is not an effect of AI.")
    charts: list[Chart] = []
    cv = curves(get(ret, "curves", "by_index_group") or get(ret, "curves"), min_cell)
    if cv:
        series = tuple(
            Series(label(g), tuple(p.survival for p in pts), tuple(p.ci_low for p in pts),
                   tuple(p.ci_high for p in pts), x=tuple(p.day for p in pts), color=mode_color(g, i))
            for i, (g, pts) in enumerate(cv.items())
        )
        charts.append(Chart("retention_curves", "curves", "Share of customers still with us",
                            "Kaplan–Meier retention curves by group with 95% bands.", "pct", (), series,
                            x_label="days since first contact in the window", y_label="retained"))
    rows = [("Raw (naive) difference", naive), ("Adjusted effect of AI", adj)]
    if any(isinstance(v, Est) for _, v in rows):
        charts.append(_forest("retention_delta", "12-month retention: raw gap vs adjusted effect", "pp",
                              rows, "Naive and adjusted 12-month retention deltas with 95% intervals."))
    status: Status = "full" if isinstance(adj, Est) and cv else ("partial" if paras or cv else "missing")
    unlock = () if status == "full" else (
        f"{note(ret, 'delta_12m_adjusted')}. Retention needs customers.churned_at (or an end date) and "
        "a year of follow-up after each customer's first contact; the adjusted effect also uses the "
        "customer covariates (segment, plan, region, tenure).",)
    lead = paras[1] if len(paras) > 1 and isinstance(adj, Est) else (paras[0] if paras else
           "Retention by AI exposure is not measured yet.")
    rest = tuple(p for p in paras if p != lead)
    return Section("retention", "Do customers stay? Retention with and without AI", status, lead, rest,
                   tuple(tiles) if status != "missing" else (), tuple(charts),
                   unlock=unlock)


def _tile_pct(lbl: str, v: Value, min_cell: int) -> Tile:
    if isinstance(v, Est):
        return Tile(lbl, fmt.pct(v.estimate), f"95% interval {N.span(v.ci_low or 0.0, v.ci_high or 0.0, 'pct', '')}" if v.has_ci else "", "")
    if isinstance(v, Suppressed):
        return Tile(lbl, f"<{min_cell}", "suppressed", "muted")
    return Tile(lbl, "Not yet measured", "", "muted")


__all__ = ["headline", "retention", "what_if"]
