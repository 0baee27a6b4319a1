"""Containment masking: months where the bot "contained" more while customers fared worse.

The detector (docs/metric-stack.md) compares each month with its reference months on bot-entry
contacts, with customer-clustered intervals, a practical minimum change and a family-wise level
over the months tested; a month is flagged only when containment rose and resolution or effort
worsened. The report shows the monthly series with flagged months shaded, and each flagged
month's changes with their intervals.
"""

from __future__ import annotations

from cxroi.report import fmt
from cxroi.report import narrative as N
from cxroi.report.model import Cell, Chart, Section, Series, Status, Table
from cxroi.report.privacy import redact
from cxroi.report.read import join_names, shown
from cxroi.results.model.masking import Change, MaskingMonth, MaskingSection, Move
from cxroi.results.tree import Results
from cxroi.stats.result import Estimate, Result

TITLE = "Containment masking: containing by making it hard to reach a human"


def _value(r: Result, min_cell: int) -> float | None:
    got = shown(r, min_cell)
    return got.estimate if isinstance(got, Estimate) else None


def masking_chart(m: MaskingSection, min_cell: int) -> Chart | None:
    if len(m.months) < 3:
        return None
    months = tuple(fmt.month_label(x.month) for x in m.months)
    series = (Series("Containment", tuple(_value(x.containment_rate, min_cell) for x in m.months), color="#9ca3af"),
              Series("Resolution of bot-entry contacts", tuple(_value(x.resolution, min_cell) for x in m.months),
                     color="#0072b2"))
    shade = tuple((fmt.month_label(p), fmt.month_label(p)) for p in m.flagged_months if fmt.month_label(p) in months)
    return Chart("masking_monthly", "lines", "Containment vs resolution of bot-entry contacts, month by month",
                 "Monthly containment and the resolution of contacts that entered through a bot; months flagged "
                 "as containment masking are shaded.", "pct", months, series, shade=shade,
                 shade_label="containment masking flagged" if shade else "")


def _change(c: Change, unit: str) -> str:
    if not isinstance(c, Move):
        return "—"
    if unit == "pp":
        return f"{fmt.pp(c.estimate)} ({N.span(c.ci_low or 0.0, c.ci_high or 0.0, 'pp', '')})"
    return f"{fmt.number(c.estimate, 2, plus=True)} ({N.span(c.ci_low or 0.0, c.ci_high or 0.0, 'number', '')})"


def flagged_table(months: list[MaskingMonth]) -> Table:
    rows = tuple((Cell(fmt.month_label(x.month)), Cell(_change(x.containment_change, "pp")),
                  Cell(_change(x.resolution_change, "pp")), Cell(_change(x.ces_change, "number")),
                  Cell(x.stage)) for x in months)
    return Table("Flagged months: change against the reference months (95% interval)",
                 ("Month", "Containment", "Resolution (bot entry)", "CES (bot entry)", "Tested"), rows,
                 "Resolution and CES at the month's own intent mix; a month is flagged only when every move "
                 "passes its practical minimum and the family-wise test.")


def masking(r: Results, cur: str, min_cell: int) -> Section:
    m = r.masking
    flagged = [x for x in m.months if x.flagged]
    names = join_names([fmt.month_label(p) for p in m.flagged_months])
    if not m.tests:
        return Section("masking", TITLE, "missing", "No month could be tested for containment masking yet.",
                       unlock=("Masking compares each month's bot-entry contacts with the months before: it needs "
                               "several months of contacts that entered through a bot.",))
    how = (f"tested on {redact(m.population)} against the {m.reference_months} months before, with customer-clustered "
           f"intervals, a practical minimum move (containment +{fmt.pp(m.minimum_moves.containment_rise).lstrip('+')}, "
           f"resolution −{fmt.pp(m.minimum_moves.resolution_fall).lstrip('+')}) and a family-wise level of "
           f"{m.family_level:.2g} over {m.tests} tests"
           + (", resolution standardised to each month's intent mix" if m.adjusted_for_intent else ""))
    if m.flagged_months:
        lead = (f"Containment masking was flagged in {names}: containment rose while the resolution or the effort of "
                "bot-entry contacts got worse.")
    else:
        lead = "No month is flagged for containment masking: where containment rose, customers did not clearly fare worse."
    paras = [f"How: {how}."]
    if m.effort_measure_note:
        note = redact(m.effort_measure_note)
        paras.append(note[:1].upper() + note[1:] + ("" if note.endswith(".") else "."))
    chart = masking_chart(m, min_cell)
    status: Status = "full" if m.months else "missing"
    return Section("masking", TITLE, status, lead, tuple(paras), charts=(chart,) if chart else (),
                   tables=(flagged_table(flagged),) if flagged else (),
                   unlock=() if m.months else ("Masking needs monthly bot-entry contacts with resolution or CES.",))
