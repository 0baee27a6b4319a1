"""The loyalty signal chain: each AI touchpoint through effort, resolution, sentiment, behaviour."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cxroi.report import fmt
from cxroi.report import narrative as N
from cxroi.report.access import Est, Missing, get, label, records, text_of, to_est
from cxroi.report.model import Cell, Section, Table, Unit

LINKS = (
    ("effort", "Effort reduction"),
    ("resolution", "Resolution quality"),
    ("sentiment", "Sentiment shift"),
    ("behaviour", "Behavioural change"),
)


_STATUS = {"positive": "positive", "negative": "negative", "inconclusive": "inconclusive",
           "ok": "positive", "holds": "positive", "broken": "negative", "weak": "negative"}


def _link_key(name: str) -> str | None:
    n = name.lower()
    for key, word in (("effort", "effort"), ("resolution", "resol"), ("sentiment", "sentiment"),
                      ("behaviour", "behav")):
        if word in n:
            return key
    return None


def chain_links(obj: Any) -> list[tuple[str, dict[str, dict[str, Any]]]]:
    """[(touchpoint, {link: {status, ...}})] from the accepted chain layouts."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for row in records(obj):
        tp = text_of(row, "touchpoint", "name", "id")
        if not tp:
            continue
        links = row.get("links") if isinstance(row.get("links"), (Mapping, list)) else row
        target = out.setdefault(tp, {})
        if isinstance(links, list):
            for l in links:
                if isinstance(l, Mapping) and _link_key(str(l.get("link", l.get("name", "")))):
                    target[_link_key(str(l.get("link", l.get("name", ""))))] = dict(l)  # type: ignore[index]
        elif isinstance(links, Mapping):
            lk = _link_key(str(row.get("link", "")))
            if lk and "status" in row:
                target[lk] = dict(row)
            for k, body in links.items():
                key = _link_key(str(k))
                if key and isinstance(body, Mapping):
                    target[key] = dict(body)
                elif key and isinstance(body, str):
                    target[key] = {"status": body}
    return [(tp, links) for tp, links in out.items()]


_MEASURE_UNITS: dict[str, tuple[str, Unit]] = {
    "ces": ("CES", "number"), "csat": ("CSAT", "pp"), "nps": ("NPS", "nps"), "fcr_7d": ("FCR", "pp"),
    "fcr_14d": ("FCR 14d", "pp"), "retention": ("retention", "pp"), "spend": ("spend", "money"),
    "sentiment": ("sentiment", "number"),
}


def _measure(body: Mapping[str, Any] | None, status: str) -> str:
    """The contrast behind a link's status, e.g. 'FCR −11.1 pp' (vs the no-AI baseline).

    A link has several measures; the one shown is one that agrees with the status (a clearly
    negative one for a negative link), so the cell never reads 'Negative · CSAT +0.3 pp'.
    """
    measures = (body or {}).get("measures")
    if not isinstance(measures, Mapping):
        return ""
    want = {"positive": 1, "negative": -1}.get(status)
    found = [(str(name), e) for name, obj in measures.items() if isinstance(e := to_est(obj, 0), Est)]
    pick = next(((n, e) for n, e in found if want is not None and e.sign() == want), found[0] if found else None)
    if pick is None:
        return ""
    name, e = pick
    short, unit = _MEASURE_UNITS.get(name, (label(name), "number"))
    shown = fmt.pp(e.estimate) if unit == "pp" else N.show(e.estimate, unit, "USD", plus=True)
    return f"{short} {shown}"


def _status(body: Mapping[str, Any] | None) -> str:
    s = str((body or {}).get("status", "unknown")).lower()
    return _STATUS.get(s, "unknown")


def chain(r: Mapping[str, Any], cur: str, min_cell: int) -> Section:
    rows = chain_links(get(r, "chain"))
    if not rows:
        return _chain_fallback(r, min_cell)
    table_rows: list[tuple[Cell, ...]] = []
    broken: list[str] = []
    whole: list[str] = []
    staying: list[str] = []
    weak = {key: 0 for key, _ in LINKS}
    open_links = 0
    for tp, links in rows:
        cells = [Cell(label(tp))]
        statuses = []
        for key, _ in LINKS:
            st = _status(links.get(key))
            statuses.append(st)
            metric = text_of(links.get(key) or {}, "metric", "evidence", "summary") or _measure(links.get(key), st)
            cells.append(Cell(st.capitalize() + (f" · {metric}" if metric else ""), st))  # type: ignore[arg-type]
            weak[key] += st == "negative"
        table_rows.append(tuple(cells))
        if "negative" in statuses:
            broken.append(label(tp))
        if all(s == "positive" for s in statuses):
            whole.append(label(tp))
        if statuses[3] == "positive" and "negative" in statuses[:3]:
            staying.append(label(tp))
        open_links += sum(s in ("unknown", "inconclusive") for s in statuses)
    total = 4 * len(rows)
    lead = (f"We traced {len(rows)} AI touchpoints through effort, resolution, sentiment and behaviour: "
            + (f"the chain breaks at {N.join_names(broken)}." if broken else "no link is clearly broken."))
    paras = []
    worst = sorted(((n, title) for (key, title), n in zip(LINKS, weak.values()) if n), key=lambda t: -t[0])
    if worst:
        paras.append("Weakest links: " + N.join_names([f"{t.lower()} (negative at {n} of {len(rows)})" for n, t in worst[:2]]) + ".")
    if staying:
        paras.append(f"Customers still stay longer after {N.join_names(staying)} despite the weaker experience links: "
                     "fixing those links protects loyalty that is there today.")
    if whole:
        paras.append(f"The chain holds end to end at {N.join_names(whole)}.")
    if open_links:
        paras.append(f"{open_links} of {total} links are still unknown or inconclusive; they are the "
                     "measurement priorities, not evidence of no effect.")
    baseline = text_of(get(r, "chain") or {}, "baseline")
    table = Table("Loyalty signal chain by touchpoint", ("Touchpoint",) + tuple(t for _, t in LINKS),
                  tuple(table_rows), "Positive / negative: the 95% interval of the contrast excludes no change. "
                  "Inconclusive: it includes it. Unknown: not measured."
                  + (f" Contrasts are against {baseline}." if baseline else ""))
    bullets = tuple(
        f"Measure next: {label(text_of(p, 'touchpoint'))} {text_of(p, 'link')} ({text_of(p, 'unlock', 'reason')})"
        for p in records(get(r, "chain", "priorities"))[:4] if text_of(p, "touchpoint")
    )
    return Section("chain", "The loyalty signal chain", "full", lead, tuple(paras), tables=(table,), bullets=bullets)


def _chain_fallback(r: Mapping[str, Any], min_cell: int) -> Section:
    by_tp = get(r, "metrics", "by_touchpoint")
    rows: list[tuple[Cell, ...]] = []
    if isinstance(by_tp, Mapping):
        for tp, block in by_tp.items():
            vals = [to_est(get(block, k), min_cell) for k in ("ces", "csat", "nps")]
            txt = [N.cell(v if v is not None else Missing(""), u, "", min_cell)  # type: ignore[arg-type]
                   for v, u in zip(vals, ("number", "pct", "nps"))]
            rows.append((Cell(label(str(tp))), *(Cell(t) for t in txt)))
    unlock = ("The four-link map per touchpoint (effort, resolution, sentiment, behaviour) is computed "
              "by cxroi's loyalty chain analysis; it needs contacts.touchpoint, surveys, and customer "
              "churn dates for the behaviour link.",)
    tables = (Table("What we can already see by touchpoint (effort and sentiment only)",
                    ("Touchpoint", "CES (1–7, higher easier)", "CSAT (4–5)", "NPS"), tuple(rows)),) if rows else ()
    lead = ("The full chain map is not computed yet; survey results by touchpoint cover the effort and "
            "sentiment links only." if rows else "The loyalty signal chain is not measured yet.")
    return Section("chain", "The loyalty signal chain", "partial" if rows else "missing", lead,
                   tables=tables, unlock=unlock)
