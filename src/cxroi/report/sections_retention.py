"""Do customers stay? Retention by index-contact exposure: raw, adjusted for everyone, for the AI-assisted.

Two adjusted estimands sit side by side (docs/retention.md): the effect on the customers whose
index contact was AI-assisted (ATT, the basis of revenue protected) leads, the average effect over
everyone (ATE) follows, and the raw gap is shown only to say how much of it is who uses AI. The
E-value says how strong an unmeasured confounder would have to be to explain the ATT away.
"""

from __future__ import annotations

from cxroi.report import fmt
from cxroi.report import narrative as N
from cxroi.report.model import Chart, Section, Series, Status, Tile, Tone
from cxroi.report.read import Shown, Suppressed, curve_points, label, shown, sign
from cxroi.report.style import mode_color
from cxroi.results.model.retention import RetentionSection
from cxroi.results.tree import Results
from cxroi.stats.result import CannotCompute, Estimate

TITLE = "Do customers stay? Retention with and without AI"


def _tile_pct(name: str, v: Shown, min_cell: int) -> Tile:
    if isinstance(v, Estimate):
        return Tile(name, fmt.pct(v.estimate), N.interval_of(v, "pct", ""), "")
    if isinstance(v, Suppressed):
        return Tile(name, N.suppressed(min_cell), "suppressed: too few customers", "muted")
    return Tile(name, "Not yet measured", N.reason(v), "muted")


def _tile_effect(name: str, v: Shown) -> Tile | None:
    if not isinstance(v, Estimate):
        return None
    s = sign(v)
    tone: Tone = "positive" if s == 1 else ("negative" if s == -1 else "inconclusive")
    return Tile(name, fmt.pp(v.estimate), N.interval_of(v, "pp", ""), tone)


def _forest(rows: list[tuple[str, Estimate]]) -> Chart:
    return Chart("retention_delta", "forest", "12-month retention: raw gap and adjusted effects", "Naive and adjusted "
                 "12-month retention differences (ATT and ATE) with 95% intervals.", "pp",
                 tuple(n for n, _ in rows),
                 (Series("estimate", tuple(e.estimate for _, e in rows), tuple(e.ci_low for _, e in rows),
                         tuple(e.ci_high for _, e in rows)),), reference=0.0)


def _curves(ret: RetentionSection, min_cell: int) -> Chart | None:
    if isinstance(ret.curves, CannotCompute):
        return None
    series = []
    for i, (group, curve) in enumerate(sorted(ret.curves.by_index_group.items())):
        if curve.small_cell or curve.n < min_cell:
            continue
        pts = curve_points(curve, min_cell)
        if len(pts) >= 2:
            series.append(Series(label(group), tuple(p.survival for p in pts), tuple(p.ci_low for p in pts),
                                 tuple(p.ci_high for p in pts), x=tuple(float(p.day) for p in pts), color=mode_color(group, i)))
    if not series:
        return None
    return Chart("retention_curves", "curves", "Share of customers still with us",
                 "Kaplan–Meier retention curves by the mode of each customer's first contact, with 95% bands "
                 "(descriptive).", "pct", (), tuple(series), x_label="days since first contact in the window",
                 y_label="retained")


def _e_value(ret: RetentionSection) -> str | None:
    s = ret.sensitivity
    if isinstance(s, CannotCompute) or isinstance(s.att, CannotCompute):
        return None
    ev = s.att
    return (f"To explain the ATT away, an unmeasured confounder would need to be associated with both AI use and "
            f"churn by a risk ratio of {ev.e_value:.2f} each ({ev.e_value_ci:.2f} to move the interval to no effect); "
            "weaker confounding could not.")


def retention(r: Results, cur: str, min_cell: int) -> Section:
    ret = r.retention
    km = ret.retention_12m
    ai = shown(km.ai_assisted, min_cell) if not isinstance(km, CannotCompute) else km
    hu = shown(km.human_only, min_cell) if not isinstance(km, CannotCompute) else km
    naive = shown(ret.delta_12m_naive, min_cell)
    ate = shown(ret.delta_12m_adjusted, min_cell)
    att = shown(ret.delta_12m_att, min_cell)
    tiles = [_tile_pct("12-month retention, AI-assisted", ai, min_cell),
             _tile_pct("12-month retention, human only", hu, min_cell)]
    tiles += [t for t in (_tile_effect("Effect on the AI-assisted (ATT)", att),
                          _tile_effect("Effect over everyone (ATE)", ate)) if t]
    paras: list[str] = []
    if isinstance(att, Estimate):
        paras.append(N.effect("For customers whose first contact in the window was AI-assisted, AI assistance",
                              "12-month retention", att, "pp", cur, estimated=True, tag="ATT, adjusted estimate"))
    if isinstance(ate, Estimate):
        paras.append(f"Over all analysed customers the adjusted effect (ATE) is {N.with_interval(ate, 'pp', cur)}.")
    if isinstance(ai, Estimate) and isinstance(hu, Estimate):
        paras.append(f"Over 12 months, {fmt.pct(ai.estimate)} of AI-assisted customers stayed, against "
                     f"{fmt.pct(hu.estimate)} of human-only customers (descriptive).")
    adjusted = att if isinstance(att, Estimate) else ate
    if isinstance(naive, Estimate) and isinstance(adjusted, Estimate):
        gap = naive.estimate - adjusted.estimate
        if abs(gap) >= 0.001:
            word = "overstates" if gap > 0 else "understates"
            paras.append(f"The raw comparison ({fmt.pp(naive.estimate)}) {word} the effect by {fmt.pp(abs(gap)).lstrip('+')}, "
                         "because the customers who use AI differ from those who do not (segment, plan, tenure, the "
                         "reason for contact); the adjusted figure is the one to quote.")
    elif isinstance(naive, Estimate):
        paras.append(f"The raw gap is {N.with_interval(naive, 'pp', cur)}; it is not adjusted for who uses AI, so it "
                     "is not an effect of AI.")
    ev = _e_value(ret)
    if ev:
        paras.append(ev)
    charts: list[Chart] = [c for c in (_curves(ret, min_cell),) if c]
    rows = [(n, e) for n, e in (("Raw gap (naive)", naive), ("Adjusted, everyone (ATE)", ate),
                                ("Adjusted, AI-assisted (ATT)", att)) if isinstance(e, Estimate)]
    if rows:
        charts.append(_forest(rows))
    status: Status = "full" if isinstance(adjusted, Estimate) else ("partial" if paras else "missing")
    unlock = () if status == "full" else (
        f"{N.reason(att)}. Retention needs customers.churned_at (or an end date) and a year of follow-up after "
        "each customer's first contact; the adjusted effect also uses the customer covariates and the first "
        "contact's intent, channel and month.",)
    lead = paras[0] if paras else "Retention by AI exposure is not measured yet."
    return Section("retention", TITLE, status, lead, tuple(paras[1:]), tuple(tiles) if status != "missing" else (),
                   tuple(charts), unlock=unlock)
