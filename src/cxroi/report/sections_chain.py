"""The loyalty signal chain: each AI touchpoint through effort, resolution, sentiment, behaviour.

The chain's contrasts compare a touchpoint's contacts with the no-AI baseline as they are
(descriptive comparisons, docs/metric-stack.md), so the wording is "is associated with", never
"stays longer because of". A measure resting on fewer than ``min_cell`` contacts on either side
is not shown.
"""

from __future__ import annotations

from cxroi.report import fmt
from cxroi.report.model import Cell, Section, Table, Tone
from cxroi.report.privacy import redact
from cxroi.report.read import join_names, label, sign
from cxroi.results.model.loyalty import ChainLink, ChainSection, measures_of
from cxroi.results.tree import Results
from cxroi.stats.result import Contrast, Unit

LINKS = (
    ("effort", "Effort reduction"),
    ("resolution", "Resolution quality"),
    ("sentiment", "Sentiment shift"),
    ("behaviour", "Behavioural change"),
)
_SHORT = {"ces": "CES", "fcr_7d": "FCR", "csat": "CSAT", "nps": "NPS", "sentiment_shift": "Sentiment shift",
          "retention": "retention", "spend": "spend"}
_TONES: dict[str, Tone] = {"positive": "positive", "negative": "negative", "inconclusive": "inconclusive",
                           "unknown": "unknown"}


def _measure_text(name: str, e: Contrast, cur: str) -> str:
    if e.unit == Unit.DIFFERENCE:
        shown = fmt.pp(e.estimate)
    elif e.unit == Unit.NPS_DIFFERENCE:
        shown = fmt.points(e.estimate)
    elif e.unit == Unit.MONEY:
        shown = fmt.money(e.estimate, cur, plus=True)
    else:
        shown = fmt.number(e.estimate, 2, plus=True)
    return f"{_SHORT.get(name, label(name))} {shown}"


def measure(link: ChainLink, cur: str, min_cell: int) -> str:
    """The contrast behind a link's status, e.g. 'FCR −11.1 pp' (vs the no-AI baseline).

    The measure shown agrees with the status (a clearly negative one for a negative link), so the
    cell never reads 'Negative · CSAT +0.3 pp'.
    """
    want = {"positive": 1, "negative": -1}.get(link.status)
    found = [(name, e) for name, e in measures_of(link.measures).items()
             if isinstance(e, Contrast) and e.smallest_side >= min_cell and not e.small_cell]
    pick = next(((n, e) for n, e in found if want is not None and sign(e) == want), found[0] if found else None)
    return _measure_text(*pick, cur) if pick else ""


def chain_table(c: ChainSection, cur: str, min_cell: int) -> Table:
    rows = []
    for tp, body in sorted(c.touchpoints.items()):
        cells = [Cell(label(tp))]
        for _, link in body.links.items():
            text = measure(link, cur, min_cell)
            cells.append(Cell(link.status.capitalize() + (f" · {text}" if text else ""), _TONES[link.status]))
        rows.append(tuple(cells))
    return Table("Loyalty signal chain by touchpoint", ("Touchpoint",) + tuple(t for _, t in LINKS), tuple(rows),
                 "Positive / negative: the 95% interval of the contrast with the baseline excludes no change. "
                 "Inconclusive: it includes it. Unknown: not measured. Contrasts are descriptive, against "
                 f"{redact(c.baseline)}.")


def chain(r: Results, cur: str, min_cell: int) -> Section:
    c = r.chain
    title = "The loyalty signal chain"
    if not c.touchpoints:
        return Section("chain", title, "missing", "The loyalty signal chain is not measured yet.",
                       unlock=("The four-link map per touchpoint needs contacts.touchpoint, surveys, and customer "
                               "churn dates for the behaviour link.",))
    broken, whole, staying = [], [], []
    weak = {key: 0 for key, _ in LINKS}
    open_links = 0
    for tp, body in sorted(c.touchpoints.items()):
        statuses = [link.status for _, link in body.links.items()]
        for (key, _), st in zip(LINKS, statuses):
            weak[key] += st == "negative"
        if "negative" in statuses:
            broken.append(label(tp))
        if all(s == "positive" for s in statuses):
            whole.append(label(tp))
        if statuses[3] == "positive" and "negative" in statuses[:3]:
            staying.append(label(tp))
        open_links += sum(s in ("unknown", "inconclusive") for s in statuses)
    n = len(c.touchpoints)
    lead = (f"We traced {n} AI touchpoints through effort, resolution, sentiment and behaviour: "
            + (f"the chain breaks at {join_names(broken)}." if broken else "no link is clearly broken."))
    paras = []
    worst = sorted(((k, title) for (key, title), k in zip(LINKS, weak.values()) if k), key=lambda t: -t[0])
    if worst:
        paras.append("Weakest links: " + join_names([f"{t.lower()} (negative at {k} of {n})" for k, t in worst[:2]]) + ".")
    if staying:
        paras.append(f"After {join_names(staying)}, retention is higher than at the baseline despite the weaker "
                     "experience links: a descriptive association (who reaches each touchpoint also differs), "
                     "not an estimate that the touchpoint keeps customers.")
    if whole:
        paras.append(f"The chain holds end to end at {join_names(whole)}.")
    if open_links:
        paras.append(f"{open_links} of {4 * n} links are still unknown or inconclusive; they are the measurement "
                     "priorities, not evidence of no effect.")
    bullets = tuple(f"Measure next: {label(p.touchpoint)} {p.link} ({redact(p.unlock)})" for p in c.priorities[:4])
    return Section("chain", title, "full", lead, tuple(paras), tables=(chain_table(c, cur, min_cell),), bullets=bullets)

