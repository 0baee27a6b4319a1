"""Sections that support the story: how customers feel, and efficiency as supporting evidence."""

from __future__ import annotations

from collections.abc import Mapping

from cxroi.report import fmt
from cxroi.report import narrative as N
from cxroi.report.model import Cell, Chart, Section, Series, Table, Tile, Unit
from cxroi.report.read import (
    MODES,
    SHOWN_MODES,
    Shown,
    join_names,
    label,
    per_mode,
    prose,
    shown,
    sign,
)
from cxroi.report.style import mode_color
from cxroi.results.model.metrics import MetricsSection, MonthlyDifference
from cxroi.results.tree import Results
from cxroi.stats.result import CannotCompute, Estimate


def bar_series(name: str, vals: Mapping[str, Shown], modes: tuple[str, ...], color: str = "") -> Series:
    ests = [vals.get(m) for m in modes]
    return Series(
        name,
        tuple(v.estimate if isinstance(v, Estimate) else None for v in ests),
        tuple(v.ci_low if isinstance(v, Estimate) else None for v in ests),
        tuple(v.ci_high if isinstance(v, Estimate) else None for v in ests),
        color=color,
        point_colors=() if color else tuple(mode_color(m) for m in modes),
    )


def _survey_rows(m: MetricsSection, cur: str, min_cell: int) -> tuple[tuple[Cell, ...], ...]:
    rows = []
    for name, values, unit in (("CSAT (share 4–5)", m.csat, "pct"), ("NPS", m.nps, "nps"),
                               ("CES (1–7, higher = easier)", m.ces, "number")):
        vals = per_mode(values, m.counts, min_cell)
        rows.append((Cell(name), *(Cell(N.compact(vals[mode], unit, cur, min_cell)) for mode in MODES)))  # type: ignore[arg-type]
    return tuple(rows)


def _channel_table(m: MetricsSection, cur: str, min_cell: int) -> tuple[Table, list[tuple[float, str, Estimate]]]:
    rows = []
    ces: list[tuple[float, str, Estimate]] = []
    units: tuple[Unit, ...] = ("pct", "nps", "number")
    for ch, block in sorted(m.by_channel.items()):
        vals = [shown(block.csat, min_cell), shown(block.nps, min_cell), shown(block.ces, min_cell)]
        if all(isinstance(v, CannotCompute) for v in vals):
            continue
        rows.append((Cell(label(ch)), *(Cell(N.compact(v, u, cur, min_cell)) for v, u in zip(vals, units))))
        if isinstance(vals[2], Estimate):
            ces.append((vals[2].estimate, label(ch), vals[2]))
    table = Table("By channel (95% interval in brackets)", ("Channel", "CSAT", "NPS", "CES"), tuple(rows),
                  N.suppressed_note(min_cell))
    return table, ces


def csat_gap(m: MetricsSection, min_cell: int) -> tuple[Chart, str] | None:
    """The monthly CSAT gap, hybrid minus human only, with a month hidden when a side is too small."""
    keep: list[tuple[str, Estimate | None]] = []
    for row in m.csat_delta_hybrid_vs_human_monthly:
        keep.append((row.month, _gap_estimate(row, min_cell)))
    if sum(e is not None for _, e in keep) < 2:
        return None
    chart = Chart("csat_delta_monthly", "lines", "CSAT gap each month: hybrid minus human only",
                  "Monthly difference in CSAT between hybrid and human-only contacts, with 95% band "
                  "(descriptive, clustered by customer).", "pp",
                  tuple(fmt.month_label(mo) for mo, _ in keep),
                  (Series("Hybrid − human only", tuple(e.estimate if e else None for _, e in keep),
                          tuple(e.ci_low if e else None for _, e in keep),
                          tuple(e.ci_high if e else None for _, e in keep), color=mode_color("hybrid")),),
                  reference=0.0)
    month, last = next((mo, e) for mo, e in reversed(keep) if e is not None)
    clear = sum(1 for _, e in keep if e is not None and sign(e) not in (0, None))
    total = sum(1 for _, e in keep if e is not None)
    rng = N.span(last.ci_low or 0.0, last.ci_high or 0.0, "pp", "")
    s = sign(last)
    if s == 0 or s is None:
        text = f"In {fmt.month_label(month)}, CSAT after hybrid and human-only contacts is not clearly different ({rng})."
    else:
        word = "higher" if s > 0 else "lower"
        text = (f"In {fmt.month_label(month)}, CSAT after hybrid contacts is {fmt.pp(abs(last.estimate)).lstrip('+')} "
                f"{word} than after human-only ones (95% interval {rng}; descriptive).")
    return chart, text + f" Across {total} months, the interval excluded zero in {clear}."


def _gap_estimate(row: MonthlyDifference, min_cell: int) -> Estimate | None:
    small = any(n is not None and n < min_cell for n in (row.n_hybrid, row.n_human_only))
    if small or row.estimate is None:
        return None
    return Estimate(row.estimate, row.ci_low, row.ci_high)


def experience(r: Results, cur: str, min_cell: int) -> Section:
    m = r.metrics
    title = "How customers feel: CSAT, NPS and effort"
    csat, nps, ces = (per_mode(x, m.counts, min_cell) for x in (m.csat, m.nps, m.ces))
    if not any(isinstance(v, Estimate) for d in (csat, nps, ces) for v in d.values()):
        return Section("experience", title, "missing", "Customer sentiment is not measured yet.",
                       unlock=("Add a surveys table (CSAT 1–5, NPS 0–10, CES 1–7) linked to contacts by contact_id.",))
    paras: list[str] = []
    for metric, vals, unit in (("CSAT", csat, "pct"), ("NPS", nps, "nps"), ("Ease (CES, higher = easier)", ces, "number")):
        line = N.mode_line(metric, vals, unit, cur)  # type: ignore[arg-type]
        if line:
            paras.append(line)
    post = shown(m.post_ai_nps, min_cell)
    if isinstance(post, Estimate):
        paras.append(f"NPS right after AI-assisted contacts is {N.with_interval(post, 'nps', cur, plus=True)}.")
    rel = shown(m.relationship_surveys.nps, min_cell)
    if isinstance(rel, Estimate):
        paras.append(f"Relationship NPS (surveys not tied to a contact) is {N.with_interval(rel, 'nps', cur, plus=True)}; "
                     "it measures the brand overall, not the service, and is kept apart.")
    tables = [Table("By mode (95% interval in brackets)", ("Metric",) + tuple(label(x) for x in MODES),
                    _survey_rows(m, cur, min_cell), N.suppressed_note(min_cell))]
    channels, by_ces = _channel_table(m, cur, min_cell)
    if channels.rows:
        tables.append(channels)
    if len(by_ces) >= 2:
        by_ces.sort(key=lambda t: (-t[0], t[1]))
        (_, best, b), (_, worst, w) = by_ces[0], by_ces[-1]
        clear = N.compare(b, w) == 1
        paras.append(f"Effort is lowest on {best} (CES {fmt.number(b.estimate)}) and highest on {worst} "
                     f"(CES {fmt.number(w.estimate)})" + ("." if clear else "; the intervals overlap, so the ranking is not firm."))
    charts = [Chart("csat_by_mode", "bars", "CSAT by mode (share answering 4–5)",
                    "CSAT by AI mode with 95% intervals.", "pct", tuple(label(x) for x in SHOWN_MODES),
                    (bar_series("CSAT", csat, SHOWN_MODES),))]
    gap = csat_gap(m, min_cell)
    if gap is not None:
        charts.append(gap[0])
        paras.append(gap[1])
    return Section("experience", title, "full", paras[0] if paras else "Survey results by mode and channel.",
                   tuple(paras[1:]), charts=tuple(charts), tables=tuple(tables))


def _contacts_cell(n: int, min_cell: int) -> Cell:
    return Cell(fmt.count(n) if n >= min_cell else N.suppressed(min_cell))


def efficiency(r: Results, cur: str, min_cell: int) -> Section:
    m = r.metrics
    windows = sorted(m.fcr)
    short, long_ = windows[0], windows[-1]
    fcr_s, fcr_l = per_mode(m.fcr[short], m.counts, min_cell), per_mode(m.fcr[long_], m.counts, min_cell)
    cpc = per_mode(m.cost_per_contact, m.counts, min_cell)
    cpr = per_mode(m.cost_per_resolution[short], m.counts, min_cell)
    aht = per_mode(m.aht_seconds, m.counts, min_cell)
    cont, false_c = shown(m.containment_rate, min_cell), shown(m.false_containment_7d, min_cell)
    paras: list[str] = []
    tiles: list[Tile] = []
    if isinstance(cont, Estimate):
        tiles.append(Tile("Containment (the bot's view)", fmt.pct(cont.estimate), "share of bot conversations not escalated"))
    if isinstance(false_c, Estimate):
        tiles.append(Tile("False containment", fmt.pct(false_c.estimate), "'contained', back within 7 days", "negative"))
    ai_fcr = fcr_s["ai_only"]
    if isinstance(ai_fcr, Estimate):
        tiles.append(Tile("True resolution, AI only", fmt.pct(ai_fcr.estimate), f"no repeat within {short} days"))
    if isinstance(cont, Estimate) and isinstance(false_c, Estimate):
        paras.append(f"The bot contains {fmt.pct(cont.estimate)} of the conversations it starts, but "
                     f"{fmt.pct(false_c.estimate)} of the customers it 'contained' came back about the same "
                     "thing within 7 days: containment overstates resolution.")
    res = [f"{prose(x)} {fmt.pct(v.estimate)}" for x in SHOWN_MODES if isinstance(v := fcr_s[x], Estimate)]
    if res:
        paras.append(f"True {short}-day resolution (no repeat contact): {join_names(res)}.")
    ai, hu = cpr["ai_only"], cpr["human_only"]
    if isinstance(ai, Estimate) and isinstance(hu, Estimate):
        ratio = N.times_cheaper(ai, hu)
        costs = join_names([f"{prose(x)} {fmt.money(v.estimate, cur)}" for x in SHOWN_MODES if isinstance(v := cpr[x], Estimate)])
        tail = (f": AI-only is {ratio} cheaper per resolved issue even after counting repeats." if ratio
                else ": AI is not cheaper per resolved issue once repeats are counted.")
        paras.append(f"Cost per true resolution is {costs}{tail}")
        tiles.append(Tile("Cost per resolution, AI vs human", f"{fmt.money(ai.estimate, cur)} vs {fmt.money(hu.estimate, cur)}",
                          f"{short}-day true resolution"))
    if not paras:
        return Section("efficiency", "Efficiency, as supporting evidence", "missing",
                       "Resolution and cost are not available.", unlock=("Needs the contacts table with mode, cost or handle time.",))
    charts = (
        Chart("resolution_by_mode", "bars", "True resolution by mode (no repeat contact)",
              f"First-contact resolution at {short} and {long_} days by mode with 95% intervals.", "pct",
              tuple(label(x) for x in SHOWN_MODES),
              (bar_series(f"within {short} days", fcr_s, SHOWN_MODES, "#0072b2"),
               bar_series(f"within {long_} days", fcr_l, SHOWN_MODES, "#56b4e9"))),
        Chart("cost_by_mode", "bars", f"Cost per contact vs per true resolution ({cur})",
              "Cost per contact and cost per true resolution by mode.", "money",
              tuple(label(x) for x in SHOWN_MODES),
              (bar_series("per contact", cpc, SHOWN_MODES, "#9ca3af"),
               bar_series("per true resolution", cpr, SHOWN_MODES, "#0f4c81"))),
    )
    rows = tuple((Cell(label(x)), _contacts_cell(m.counts.contacts.get(x), min_cell),
                  Cell(N.compact(fcr_s[x], "pct", cur, min_cell)), Cell(N.compact(fcr_l[x], "pct", cur, min_cell)),
                  Cell(N.cell(cpc[x], "money", cur, min_cell)), Cell(N.cell(cpr[x], "money", cur, min_cell)),
                  Cell(N.cell(aht[x], "seconds", cur, min_cell))) for x in MODES)
    table = Table("Resolution and cost by mode", ("Mode", "Contacts", f"True FCR {short}d", f"True FCR {long_}d",
                  "Cost / contact", f"Cost / resolution {short}d", "Handle time"), rows, N.suppressed_note(min_cell))
    return Section("efficiency", "Efficiency, as supporting evidence", "full", paras[0], tuple(paras[1:]),
                   tuple(tiles), charts, (table,))
