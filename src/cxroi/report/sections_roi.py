"""ROI and payback, the rolling 12-month trend, and the assumptions behind every money figure.

With default costs (``value.roi.illustrative``) the ROI and payback are an illustration of the
method on cxroi's placeholder costs, not a finding: their sections carry an "Illustrative —
configure your costs" banner and nothing from them reaches the key messages. The assumptions
table lists every row of ``value.assumptions`` (defaults, configured values and structural choices
of method) so no assumption goes unflagged.
"""

from __future__ import annotations

from cxroi.report import figures as F
from cxroi.report import fmt
from cxroi.report.model import Banner, Cell, Chart, Section, Series, Status, Table, Tile, Tone
from cxroi.report.narrative import reason
from cxroi.report.privacy import redact
from cxroi.report.read import label
from cxroi.results.model.money import Figure
from cxroi.results.model.scenario import AssumptionRow, RoiWorksheet, TrailingWindow
from cxroi.results.model.value import ValueSection
from cxroi.results.tree import Results
from cxroi.stats.result import CannotCompute

ILLUSTRATIVE = Banner(
    "Illustrative — configure your costs",
    "The cost of ownership here (implementation, licences, run cost) is cxroi's default, not yours: the "
    "ROI and payback below illustrate the method and are not findings. Set implementation, "
    "licence_per_month and run_cost_per_month under [value.roi] in cxroi.toml to make them your figures.",
)


def banner(v: ValueSection) -> Banner | None:
    return ILLUSTRATIVE if v.roi_worksheet.illustrative else None


def roi_sentence(v: ValueSection) -> str:
    """The ROI and payback in one sentence, worded for illustrative or configured costs."""
    roi, w = v.roi, v.roi_worksheet
    if isinstance(roi, CannotCompute):
        return f"The ROI cannot be computed: {reason(roi)}."
    window = f" ({fmt.month_label(w.window.first_month)} – {fmt.month_label(w.window.last_month)})" if w.window else ""
    head = ("Illustrative only, on default costs: the ROI over the latest 12 months would be"
            if roi.illustrative else f"With your configured costs, the ROI over the latest 12 months{window} is")
    s = f"{head} {F.roi_pct(roi)} ({F.roi_interval(roi)}; benefits net of the total cost of ownership, over that cost)"
    pay = roi.payback_months
    if isinstance(pay, Figure):
        s += f", with payback in {F.amount(pay, '')} ({F.interval(pay, '')})"
    else:
        s += f"; payback: {reason(pay)}"
    if roi.p_roi_positive is not None:
        s += f". The chance that the ROI is positive, given the stated ranges, is {chance(roi.p_roi_positive)}"
    return s + "."


def chance(p: float) -> str:
    """A Monte Carlo probability without false certainty: 0.9999 is 'over 99%', not '100%'."""
    if p > 0.99:
        return "over 99%"
    if p < 0.01:
        return "under 1%"
    return fmt.pct(p, 0)


def _tile(name: str, text: str, detail: str, tone: Tone = "") -> Tile:
    return Tile(name, text, detail, tone)


def roi_tiles(v: ValueSection, cur: str) -> tuple[Tile, ...]:
    w, roi = v.roi_worksheet, v.roi
    tone: Tone = "muted" if w.illustrative else ""
    out: list[Tile] = []
    if not isinstance(roi, CannotCompute):
        out.append(_tile("ROI · 12 months", F.roi_pct(roi), F.roi_interval(roi), tone))
        pay = roi.payback_months
        out.append(_tile("Payback", F.amount(pay, "") if isinstance(pay, Figure) else "Never",
                         F.interval(pay, "") if isinstance(pay, Figure) else reason(pay), tone))
    if isinstance(w.total_benefit, Figure):
        out.append(_tile("Benefits · 12 months", F.amount(w.total_benefit, cur), F.interval(w.total_benefit, cur)))
    out.append(_tile("Cost of ownership · 12 months", F.amount(w.tco.total_12m, cur), F.interval(w.tco.total_12m, cur), tone))
    return tuple(out)


def worksheet_table(w: RoiWorksheet, cur: str) -> Table:
    rows = []
    for b in w.benefits:
        counted = "in full" if b.margin_factor == 1.0 else f"at {fmt.pct(b.margin_factor, 0)} margin"
        rows.append((Cell(label(b.name)), Cell(F.amount(b.value_12m, cur, plus=b.value_12m.estimate < 0)),
                     Cell(F.interval(b.value_12m, cur).replace("95% interval ", "")), Cell(counted),
                     Cell(F.EVIDENCE[b.value_12m.evidence])))
    t = w.tco
    for name, f in (("Licences and run cost", t.licences_and_run_12m),
                    ("Implementation, amortised", t.amortised_implementation_12m),
                    ("Total cost of ownership", t.total_12m)):
        rows.append((Cell(name), Cell(F.amount(f, cur)), Cell(F.interval(f, cur).replace("95% interval ", "")),
                     Cell("cost"), Cell(F.EVIDENCE[f.evidence] + (" (default)" if w.tco_source == "default" else ""))))
    return Table("The ROI worksheet: benefits and cost over the latest 12 months",
                 ("Line", "12 months", "95% interval", "Counted", "Evidence"), tuple(rows),
                 "Monte Carlo intervals over every uncertain input; revenue benefits count at margin, cost "
                 "savings in full.")


def roi(r: Results, cur: str, min_cell: int) -> Section:
    v = r.value
    w = v.roi_worksheet
    lead = roi_sentence(v)
    paras = [f"{label(k)} is left out of the benefits: {redact(why)}." for k, why in sorted(w.excluded_benefits.items())]
    if w.window is not None and w.window.annualised:
        paras.append(f"Only {w.window.months} month{'s' if w.window.months != 1 else ''} of data: the 12-month "
                     "figures are annualised.")
    status: Status = "partial" if isinstance(v.roi, CannotCompute) else "full"
    return Section("roi", "Return on AI spend and payback", status, lead, tuple(paras), roi_tiles(v, cur),
                   tables=(worksheet_table(w, cur),), banner=banner(v))


# ------------------------------------------------------------------------------- the trend


def _windows(w: RoiWorksheet) -> list[tuple[str, TrailingWindow]]:
    return [(m.month, m.trailing_12m) for m in w.monthly if isinstance(m.trailing_12m, TrailingWindow)]


def trend_charts(w: RoiWorksheet) -> tuple[Chart, ...]:
    windows = _windows(w)
    months = tuple(fmt.month_label(m) for m, _ in windows)
    names = sorted({k for _, t in windows for k in t.benefits})
    series = [Series(label(k), tuple(t.benefits[k].estimate if k in t.benefits else None for _, t in windows))
              for k in names]
    series.append(Series("Total benefit", tuple(t.total_benefit.estimate for _, t in windows),
                         tuple(t.total_benefit.ci_low for _, t in windows),
                         tuple(t.total_benefit.ci_high for _, t in windows), color="#0f4c81"))
    series.append(Series("Cost of ownership", tuple(t.tco.estimate for _, t in windows), color="#d55e00"))
    money = Chart("trend_benefits", "lines", "Rolling 12 months: benefits and cost of ownership",
                  "Each point is the 12 months ending that month: each benefit (revenue at margin), their total "
                  "with its 95% band, and the total cost of ownership.", "money", months, tuple(series))
    roi_line = Chart("trend_roi", "lines", "Rolling 12-month ROI, with its 95% band",
                     "ROI over the 12 months ending each month, with its 95% interval.", "pct", months,
                     (Series("ROI", tuple(t.roi.estimate for _, t in windows), tuple(t.roi.ci_low for _, t in windows),
                             tuple(t.roi.ci_high for _, t in windows), color="#0072b2"),), reference=0.0)
    return money, roi_line


def trend(r: Results, cur: str, min_cell: int) -> Section:
    v = r.value
    w = v.roi_worksheet
    windows = _windows(w)
    title = "The rolling 12-month view"
    if len(windows) < 2:
        why = next((m.trailing_12m.reason for m in w.monthly if isinstance(m.trailing_12m, CannotCompute)),
                   "no month has 12 months of data behind it")
        return Section("trend", title, "missing", "The rolling 12-month trend needs at least 13 months of data.",
                       unlock=(f"{redact(why)}.",))
    (m0, first), (m1, last) = windows[0], windows[-1]
    lead = (f"Each point covers the 12 months ending that month. Total benefit (revenue at margin, cost savings in "
            f"full) was {F.amount(first.total_benefit, cur)} in the 12 months to {fmt.month_label(m0)} "
            f"({F.interval(first.total_benefit, cur)}) and {F.amount(last.total_benefit, cur)} in the 12 months to "
            f"{fmt.month_label(m1)} ({F.interval(last.total_benefit, cur)}).")
    return Section("trend", title, "full", lead, (), (), trend_charts(w), banner=banner(v))


# ------------------------------------------------------------------------- the assumptions

SOURCE = {"default": "default (cxroi's)", "configured": "configured (yours)", "structural": "structural (method)"}


def assumption_value(a: AssumptionRow) -> str:
    if a.range is not None:
        lo, mode, hi = (_plain(x) for x in (a.range.low, a.range.mode, a.range.high))
        return mode if lo == hi else f"{mode} (range {lo} to {hi})"
    if a.number is not None:
        return _plain(a.number)
    return redact(fmt.grouped(a.text.replace("_", " "))) if a.text else "unset"


def _plain(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.6g}"


def assumptions(r: Results, cur: str, min_cell: int) -> Section:
    rows = r.value.assumptions
    counts = {s: sum(a.source == s for a in rows) for s in ("default", "configured", "structural")}
    lead = (f"The money figures rest on {len(rows)} assumptions: {counts['default']} cxroi defaults, "
            f"{counts['configured']} set by you and {counts['structural']} structural choices of method. A default "
            "is a placeholder, not a fact about this business: replace it in cxroi.toml ([value]).")
    body = tuple((Cell(a.key), Cell(SOURCE[a.source], "inconclusive" if a.source == "default" else ""),
                  Cell(redact(fmt.grouped(a.meaning))), Cell(assumption_value(a))) for a in rows)
    table = Table("Every assumption behind the money figures", ("Assumption", "Source", "What it means", "Value"),
                  body, f"Amounts in {cur}; a range is the triangular prior (low, most likely, high) the Monte Carlo "
                  "intervals draw from.")
    return Section("assumptions", "Assumptions", "full" if rows else "missing", lead, tables=(table,))
