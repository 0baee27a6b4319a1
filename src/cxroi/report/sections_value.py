"""The first page a CFO reads: revenue protected, generated and at risk, on one 12-month horizon.

Each pillar is the board's figure from the typed tree (``value.revenue_protected``,
``value.revenue_generated`` = the incremental one, ``value.revenue_at_risk``), shown with its 95%
interval, horizon, basis, revenue-or-margin and evidence class, rounded as precisely as its
interval allows. Wording follows the evidence: an adjusted estimate "is estimated to", a
descriptive figure "is associated with" or "expected", an interval through zero "is not clear".
The ROI never appears here while it rests on default costs (it lives under its banner).
"""

from __future__ import annotations

from cxroi.report import figures as F
from cxroi.report.model import Cell, Chart, Section, Series, Status, Table, Tile, Tone
from cxroi.report.narrative import reason
from cxroi.report.read import Shown, Suppressed, label, shown
from cxroi.results.model.money import Evidence, LinkVerdict, Money, RevenueProtected, verdict
from cxroi.results.model.value import RevenueAtRisk, ValueSection
from cxroi.results.tree import Results
from cxroi.stats.result import CannotCompute

TITLE = "Revenue protected, generated and at risk"
PILLARS = ("Revenue protected", "Revenue generated (incremental)", "Revenue at risk")


def pillars(v: ValueSection, min_cell: int) -> tuple[Shown, Shown, Shown]:
    return (shown(v.revenue_protected, min_cell), shown(v.revenue_generated, min_cell),
            shown(v.revenue_at_risk, min_cell))


def _tone(m: Money, risk: bool) -> Tone:
    s = F.clear_sign(m)
    if risk:
        return "negative"
    return "positive" if s == 1 else ("negative" if s == -1 else "inconclusive")


def tile(name: str, v: Shown, cur: str, min_cell: int, risk: bool = False) -> Tile:
    if isinstance(v, Money):
        return Tile(f"{name} · {F.horizon(v.horizon_months)}", F.amount(v, cur),
                    f"{F.interval(v, cur)} · {F.labels(v, short=True)}", _tone(v, risk))
    if isinstance(v, Suppressed):
        return Tile(name, f"n<{min_cell}", "suppressed: too few customers", "muted")
    return Tile(name, "Not computed", reason(v), "muted")


def _verb(m: Money, adjusted: str, other: str) -> str:
    return adjusted if m.evidence == Evidence.ADJUSTED else other


def protected_sentence(m: Money, cur: str, customers: int | None) -> str:
    who = (f"the {customers:,} customers whose first contact in the window was AI-assisted"
           if customers else "customers whose first contact in the window was AI-assisted")
    tail = f"({F.interval(m, cur)}; {F.tags(m)})"
    s = F.clear_sign(m)
    if s == 1:
        verb = _verb(m, "is estimated to protect", "is associated with")
        return (f"AI assistance {verb} {F.amount(m, cur)} of recurring revenue over "
                f"{F.horizon(m.horizon_months)} {tail}: what {who} keep with AI and would have lost without it.")
    if s == -1:
        return (f"AI-assisted customers are estimated to keep less revenue with AI than without: "
                f"{F.amount(m, cur)} over {F.horizon(m.horizon_months)} {tail}.")
    return (f"Revenue protected over {F.horizon(m.horizon_months)} is not clear: {F.amount(m, cur)} {tail}; "
            "the interval covers zero, so the data cannot yet show that AI keeps customers who would "
            "otherwise leave.")


def generated_sentence(m: Money, cur: str) -> str:
    tail = f"({F.interval(m, cur)}; {F.tags(m)})"
    h = F.horizon(m.horizon_months)
    s = F.clear_sign(m)
    if s == 1:
        verb = _verb(m, "are estimated to generate", "are associated with")
        return (f"AI-assisted contacts {verb} {F.amount(m, cur)} of upsell, cross-sell and won pipeline over "
                f"{h} beyond what human handling of the same contacts would have produced {tail}.")
    if s == -1:
        return (f"AI-assisted contacts are estimated to generate less than human handling would have: "
                f"{F.amount(m, cur)} over {h} {tail}.")
    return (f"No clear incremental revenue from AI over {h}: {F.amount(m, cur)} {tail}. The gross revenue "
            "that followed AI contacts is not an effect of AI and is shown apart (Behind the pillars).")


def risk_sentences(risk: RevenueAtRisk, cur: str, min_cell: int) -> list[str]:
    total, ordinary, chain = risk.total, risk.ordinary, risk.chain_weakness
    h = F.horizon(total.horizon_months)
    out = [f"Active customers are expected to lose {F.amount(total, cur)} of recurring revenue to churn "
           f"over the next {h} ({F.interval(total, cur)}; {F.tags(total)})."]
    split = (f"Of it, ordinary churn exposure is {F.amount(ordinary, cur)} ({F.interval(ordinary, cur)}, "
             f"{F.horizon(ordinary.horizon_months)}) and weak loyalty-chain links account for "
             f"{F.amount(chain, cur, plus=True)} ({F.interval(chain, cur)}, {F.horizon(chain.horizon_months)})")
    chain_verdict = verdict(chain)
    if chain_verdict == LinkVerdict.NO_CLEAR_LINK_EFFECT:
        out.append(split + ": no clear link effect, the chain-weakness interval covers zero.")
    elif chain_verdict == LinkVerdict.RAISES_RISK:
        out.append(split + ": weak links are estimated to raise the risk (adjusted estimate).")
    else:
        out.append(split + ": weak links are estimated to lower it (adjusted estimate).")
    raising = [p for p in risk.links
               if p.verdict == LinkVerdict.RAISES_RISK and not p.small_cell and p.customers >= min_cell]
    if raising:
        top = max(raising, key=lambda p: p.attributable.estimate)
        out.append(f"The link with the clearest effect is {label(top.link).lower()}: "
                   f"{F.amount(top.attributable, cur)} over {F.horizon(top.attributable.horizon_months)} "
                   f"({F.interval(top.attributable, cur)}).")
    elif risk.links:
        out.append("No single link has a clear effect: each link's interval covers zero (no clear link effect).")
    return out


def pillar_rows(v: ValueSection, cur: str, min_cell: int) -> tuple[tuple[Cell, ...], ...]:
    rows: list[tuple[str, Money | CannotCompute | None]] = [
        ("Revenue protected", v.revenue_protected),
        ("Revenue generated (incremental)", v.revenue_generated),
        ("Revenue at risk", v.revenue_at_risk),
    ]
    if not isinstance(v.risk, CannotCompute):
        rows += [("  of which ordinary churn exposure", v.risk.ordinary),
                 ("  of which chain weakness", v.risk.chain_weakness)]
    if v.revenue_protected_12m_margin is not None:
        rows.append(("Revenue protected, at the configured margin", v.revenue_protected_12m_margin))
    out = []
    for name, value in rows:
        got = shown(value, min_cell)
        if isinstance(got, Money):
            out.append((Cell(name), Cell(F.amount(got, cur)), Cell(F.interval(got, cur).replace("95% interval ", "")),
                        Cell(F.horizon(got.horizon_months)), Cell(F.SHORT_BASIS[got.basis]),
                        Cell("margin" if got.margin_applied else "revenue"), Cell(F.EVIDENCE[got.evidence])))
        else:
            text = f"n<{min_cell}" if isinstance(got, Suppressed) else "not computed"
            out.append((Cell(name), Cell(text, "muted"), Cell(reason(got)), Cell(""), Cell(""), Cell(""), Cell("")))
    return tuple(out)


def forest(key: str, title: str, rows: list[tuple[str, Money]], alt: str, cur: str) -> Chart:
    return Chart(
        key=key, kind="forest", title=title, alt=alt, unit="money",
        categories=tuple(name for name, _ in rows),
        series=(Series("estimate", tuple(m.estimate for _, m in rows), tuple(m.ci_low for _, m in rows),
                       tuple(m.ci_high for _, m in rows), labels=tuple(F.amount(m, cur) for _, m in rows)),),
        reference=0.0,
    )


def headline(r: Results, cur: str, min_cell: int) -> Section:
    v = r.value
    got = pillars(v, min_cell)
    tiles = tuple(tile(name, g, cur, min_cell, risk=i == 2) for i, (name, g) in enumerate(zip(PILLARS, got)))
    paragraphs: list[str] = []
    protected, generated, at_risk = got
    if isinstance(protected, Money):
        customers = protected.customers if isinstance(protected, RevenueProtected) else None
        paragraphs.append(protected_sentence(protected, cur, customers))
    if isinstance(generated, Money):
        paragraphs.append(generated_sentence(generated, cur))
    if isinstance(at_risk, Money) and not isinstance(v.risk, CannotCompute):
        paragraphs += risk_sentences(v.risk, cur, min_cell)
    estimates = [(name, g) for name, g in zip(PILLARS, got) if isinstance(g, Money)]
    if estimates:
        paragraphs.append("All three figures cover the same 12 months and are revenue before margin; lifetime "
                          "and multi-year versions are extrapolations and are shown apart (Behind the pillars).")
    charts = (forest("pillars", "The three pillars: 12 months, 95% intervals", estimates,
                     "Revenue protected, generated (incremental) and at risk over 12 months, each with its 95% "
                     "interval.", cur),) if estimates else ()
    table = Table("The three pillars on one horizon",
                  ("Figure", "Amount", "95% interval", "Horizon", "Basis", "Revenue or margin", "Evidence"),
                  pillar_rows(v, cur, min_cell),
                  "Basis: ATT = the customers whose first contact was AI-assisted, with AI minus without; "
                  "incremental ATT = AI-assisted contacts beyond human handling of the same contacts; expected loss "
                  "= what active customers are expected to lose to churn. Evidence: adjusted estimate (a causal "
                  "contrast adjusted for observed confounders), descriptive comparison, assumption, extrapolation.")
    missing = [name for name, g in zip(PILLARS, got) if not isinstance(g, Money)]
    unlock: tuple[str, ...] = ()
    if missing:
        unlock = (f"{', '.join(missing)}: {reason(next(g for g in got if not isinstance(g, Money)))}. These need "
                  "customers.monthly_revenue (or a revenue table) with churn dates for retention, and an "
                  "opportunities table for upsell and cross-sell.",)
    status: Status = "full" if not missing else ("partial" if estimates else "missing")
    lead = paragraphs[0] if paragraphs else (
        "The revenue pillars are not measured yet; the sections below show what the data already "
        "says about loyalty and resolution.")
    return Section("headline", TITLE, status, lead, tuple(paragraphs[1:]), tiles, charts, (table,), (), unlock)
