"""The contact panel: sufficient statistics per month × mode × escalated × touchpoint × direction.

One Ibis query serves the loyalty chain map and the audit: each asks for a different slice (a
touchpoint overall, everything) and sums the cells it needs, so totals always add up. Cells are
sums over contacts, so they cannot give a customer-clustered variance (a customer's contacts in
two cells are not independent). The stack's monthly panel therefore reads a second table,
``clustered``: per month and group (each mode, AI-assisted, all) the sums over customers that
:class:`cxroi.stats.clustered.RatioSums` turns into customer-clustered intervals, built in one
pass like the exact metrics' (:mod:`cxroi.metrics.customer_sums`). The masking detector needs
covariances across months and intent-standardised levels: the panel carries its series too
(:mod:`cxroi.analyses.masking.series`), built from the same enriched contacts.

Containment and FCR count inbound contacts only, survey answers count on contacts of either
direction, as in ``metrics`` (docs/metrics.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pandas as pd

from cxroi.analyses.masking.series import MaskingSeries, masking_series
from cxroi.io.dataset import Dataset
from cxroi.metrics.customer_sums import CUSTOMER, Ratio, moment_sums, ratio_sums, rolled_up
from cxroi.metrics.exact import ExactMetrics
from cxroi.metrics.queries import enrich
from cxroi.stats.clustered import RatioSums
from cxroi.stats.summary import Moments, NpsCounts, Proportion

# Scores and sentiment are summed as decimals: exact, so parallel threads cannot change the
# last bits and results.json stays byte-identical across runs.
DEC = dt.Decimal(38, 6)
DEC_SQ = dt.Decimal(38, 12)
WINDOW = 7
UNKNOWN = "unknown"


class CellKey(NamedTuple):
    month: str
    mode: str
    escalated: bool
    touchpoint: str
    inbound: bool = True  # the customer reached out (see Conventions in docs/metrics.md)


@dataclass(frozen=True)
class CellStats:
    contacts: int = 0
    escalated: int = 0
    fcr: Proportion = field(default_factory=Proportion)  # eligible for 7 days, resolved (no repeat)
    csat: Proportion = field(default_factory=Proportion)
    nps: NpsCounts = field(default_factory=NpsCounts)
    ces: Moments = field(default_factory=Moments)
    shift: Moments = field(default_factory=Moments)  # sentiment_end − sentiment_start
    surveyed: int = 0  # contacts with at least one transactional answer

    def __add__(self, o: CellStats) -> CellStats:
        return CellStats(
            self.contacts + o.contacts,
            self.escalated + o.escalated,
            self.fcr + o.fcr,
            self.csat + o.csat,
            self.nps + o.nps,
            self.ces + o.ces,
            self.shift + o.shift,
            self.surveyed + o.surveyed,
        )


Keep = Callable[[CellKey], bool]


def where(
    month: str | None = None, touchpoint: str | None = None, also: Keep | None = None
) -> Keep:
    """A cell filter: this month, this touchpoint, and ``also`` (each optional)."""

    def keep(k: CellKey) -> bool:
        return (
            (month is None or k.month == month)
            and (touchpoint is None or k.touchpoint == touchpoint)
            and (also is None or also(k))
        )

    return keep


def bot_entry(k: CellKey) -> bool:
    """The contacts containment is measured on: inbound, and ai_only or escalated (a bot spoke
    first). An outbound contact is never in the containment denominator (docs/metrics.md)."""
    return k.inbound and (k.mode == "ai_only" or k.escalated)


def ai_assisted(k: CellKey) -> bool:
    return k.mode in ("ai_only", "hybrid")


# The groups of the stack's monthly panel; "ai_assisted" is ai_only + hybrid, "all" every mode.
GROUPS = ("ai_only", "hybrid", "human_only", "ai_assisted", "all")
AI_ASSISTED = ("ai_only", "hybrid")
CONTAINMENT = Ratio("containment", "contained", "bot_entry")
FCR = Ratio("fcr", "resolved", "eligible")
CSAT = Ratio("csat", "csat_top", "csat_n")
NPS = Ratio("nps", "nps_net", "nps_n")
CES = Ratio("ces", "ces_sum", "ces_n")
RATIOS = (CONTAINMENT, FCR, CSAT, NPS, CES)


@dataclass(frozen=True)
class ClusteredCell:
    """One month and group: each ratio's sums over customers (``Σx, Σy, Σx², Σy², Σxy, G``)."""

    containment: RatioSums = field(default_factory=RatioSums)
    fcr: RatioSums = field(default_factory=RatioSums)
    csat: RatioSums = field(default_factory=RatioSums)
    nps: RatioSums = field(default_factory=RatioSums)  # x: promoters − detractors per answer
    ces: RatioSums = field(default_factory=RatioSums)


@dataclass(frozen=True)
class Panel:
    cells: tuple[tuple[CellKey, CellStats], ...]
    has_surveys: bool
    has_sentiment: bool
    masking: MaskingSeries | None = None
    # (month, group) -> sums over customers, sorted; groups as in GROUPS
    clustered: tuple[tuple[tuple[str, str], ClusteredCell], ...] = ()

    def clustered_cell(self, month: str, group: str) -> ClusteredCell:
        """The customers' sums of one month and group (empty when it has no contact)."""
        for key, sums in self.clustered:
            if key == (month, group):
                return sums
        return ClusteredCell()

    @property
    def months(self) -> tuple[str, ...]:
        return tuple(sorted({k.month for k, _ in self.cells}))

    def total(self, keep: Callable[[CellKey], bool]) -> CellStats:
        acc = CellStats()
        for key, stats in self.cells:
            if keep(key):
                acc = acc + stats
        return acc

    def containment(self, keep: Callable[[CellKey], bool]) -> Proportion:
        """Inbound ai_only / (inbound ai_only + inbound escalated) as docs/metrics.md defines it,
        over the kept cells."""
        ai = self.total(lambda k: keep(k) and k.inbound and k.mode == "ai_only").contacts
        esc = self.total(lambda k: keep(k) and k.inbound).escalated
        return Proportion(ai + esc, ai)


def enriched_contacts(ds: Dataset, exact: ExactMetrics | None = None) -> ir.Table:
    """Contacts with 7-day eligibility and repeat flags, materialised once for every query here.

    The exact metrics already hold them (their windows always include 7 days); reuse that table.
    """
    if exact is not None and exact.enriched is not None:
        return exact.enriched
    return enrich(ds.tables["contacts"], None, ds.as_of, (WINDOW,)).cache()


def build_panel(ds: Dataset, enriched: ir.Table | None = None) -> Panel:
    base = enriched if enriched is not None else enriched_contacts(ds)
    e = base
    eligible = e[f"eligible_{WINDOW}"]
    e = e.mutate(
        _tp=e.touchpoint.fill_null(UNKNOWN),
        _eligible=eligible,
        _resolved=eligible & ~e[f"repeat_{WINDOW}"],
        _shift=(e.sentiment_end - e.sentiment_start).cast(DEC),
    )
    surveys = ds.table("surveys")
    if surveys is not None:
        e = _join_answers(e, surveys)
    cols = _ANSWER_COLUMNS
    aggs: dict[str, ir.Value] = {
        "contacts": e.count(),
        "escalated_n": e.escalated_value.sum(),
        "eligible": e._eligible.sum(),
        "resolved": e._resolved.sum(),
        "shift_n": e._shift.count(),
        "shift_sum": e._shift.sum().cast(DEC),
        "shift_sq": (e._shift * e._shift).sum().cast(DEC_SQ),
    }
    if surveys is not None:
        aggs.update({c: e[c].sum() for c in cols})
        aggs["surveyed"] = (e.answers > 0).sum()
    g = e.group_by(
        month=e.month,
        mode=e.ai_mode,
        escalated=e.escalated_value,
        touchpoint=e._tp,
        inbound=e.inbound,
    ).aggregate(**aggs)
    frame = g.execute()
    cells = tuple(
        sorted(
            ((_key(r), _stats(r, surveys is not None)) for r in frame.to_dict("records")),
            key=lambda kv: kv[0],
        )
    )
    has_sentiment = ds.has("contacts", "sentiment_start") and ds.has("contacts", "sentiment_end")
    masking = masking_series(base, surveys)
    clustered = clustered_cells(e, surveys is not None)
    return Panel(cells, surveys is not None, has_sentiment, masking, clustered)


def clustered_cells(
    e: ir.Table, answers: bool
) -> tuple[tuple[tuple[str, str], ClusteredCell], ...]:
    """Per month and group, the sums over customers of every ratio in RATIOS.

    ``e``: the panel's contacts (``_eligible``, ``_resolved`` and, with ``answers``, the answer
    counts joined per contact). Summed per customer × month × mode first (the one pass), then
    each group is those rows under a group label, stacked, so one query serves every group.
    """
    contained = e.inbound & (e.ai_mode == "ai_only")
    aggs: dict[str, ir.Value] = {
        "eligible": e._eligible.sum(),
        "resolved": e._resolved.sum(),
        "contained": contained.sum(),
        "bot_entry": (contained | (e.inbound & e.escalated_value)).sum(),
    }
    if answers:
        aggs.update(
            csat_n=e.csat_n.sum(),
            csat_top=e.csat_top.sum(),
            nps_n=e.nps_n.sum(),
            nps_net=(e.nps_prom - e.nps_det).sum(),
            ces_n=e.ces_n.sum(),
            ces_sum=e.ces_sum.sum().cast(DEC),
        )
    # Materialised: the three stacked groups below each read it, and at 10M contacts computing it
    # three times side by side did not fit a 2 GB DuckDB limit (it did not spill).
    per = e.group_by([CUSTOMER, "month", "ai_mode"]).aggregate(**aggs).cache()
    ratios = RATIOS if answers else (CONTAINMENT, FCR)
    names = sorted({r.num for r in ratios} | {r.den for r in ratios})

    def totals(rows: ir.Table, group: str) -> ir.Table:
        summed = rolled_up(rows, names, keep=["month"])
        return summed.select(CUSTOMER, "month", *names, group=ibis.literal(group))

    # One row per customer, month and group: a mode's rows are already that; the AI-assisted
    # and "all" groups sum them over modes. Empty sums count as 0, as in clustered_sums.
    stacked = ibis.union(
        per.select(CUSTOMER, "month", *names, group=per.ai_mode),
        totals(per.filter(per.ai_mode.isin(list(AI_ASSISTED))), "ai_assisted"),
        totals(per, "all"),
        distinct=False,
    )
    stacked = stacked.mutate(**{name: stacked[name].fill_null(0) for name in names})
    try:
        frame = moment_sums(stacked, ["month", "group"], names, ratios).execute()
    finally:
        per.release()
    out = []
    for row in frame.to_dict("records"):
        sums = {r.name: ratio_sums(row, r) for r in ratios}
        out.append(((str(row["month"]), str(row["group"])), ClusteredCell(**sums)))
    return tuple(sorted(out, key=lambda kv: kv[0]))


_ANSWER_COLUMNS = (
    "csat_n",
    "csat_top",
    "nps_n",
    "nps_prom",
    "nps_det",
    "ces_n",
    "ces_sum",
    "ces_sq",
)


def _join_answers(e: ir.Table, surveys: ir.Table) -> ir.Table:
    s = surveys.filter(surveys.contact_id.notnull())
    score = s.score.cast(DEC)
    is_csat, is_nps, is_ces = s.kind == "csat", s.kind == "nps", s.kind == "ces"
    per_contact = s.group_by("contact_id").aggregate(
        answers=s.count(),
        csat_n=is_csat.sum(),
        csat_top=(is_csat & (s.score >= 4)).sum(),
        nps_n=is_nps.sum(),
        nps_prom=(is_nps & (s.score >= 9)).sum(),
        nps_det=(is_nps & (s.score <= 6)).sum(),
        ces_n=is_ces.sum(),
        ces_sum=score.sum(where=is_ces).cast(DEC),
        ces_sq=(score * score).sum(where=is_ces).cast(DEC_SQ),
    )
    j = e.left_join(per_contact, "contact_id").select(
        e, *[per_contact[c] for c in ("answers", *_ANSWER_COLUMNS)]
    )
    zero: dict[str, Any] = {c: j[c].fill_null(0) for c in ("answers", *_ANSWER_COLUMNS)}
    return j.mutate(**zero)


def _num(r: dict[str, Any], key: str) -> float:
    v = r.get(key)
    return 0.0 if v is None or pd.isna(v) else float(v)


def _int(r: dict[str, Any], key: str) -> int:
    return int(_num(r, key))


def _key(r: dict[str, Any]) -> CellKey:
    esc = r["escalated"]
    return CellKey(
        str(r["month"]),
        str(r["mode"]),
        bool(esc) if not pd.isna(esc) else False,
        str(r["touchpoint"]),
        bool(r["inbound"]),
    )


def _stats(r: dict[str, Any], answers: bool) -> CellStats:
    shift = Moments(_int(r, "shift_n"), _num(r, "shift_sum"), _num(r, "shift_sq"))
    base = CellStats(
        contacts=_int(r, "contacts"),
        escalated=_int(r, "escalated_n"),
        fcr=Proportion(_int(r, "eligible"), _int(r, "resolved")),
        shift=shift,
    )
    if not answers:
        return base
    return CellStats(
        contacts=base.contacts,
        escalated=base.escalated,
        fcr=base.fcr,
        csat=Proportion(_int(r, "csat_n"), _int(r, "csat_top")),
        nps=NpsCounts(_int(r, "nps_n"), _int(r, "nps_prom"), _int(r, "nps_det")),
        ces=Moments(_int(r, "ces_n"), _num(r, "ces_sum"), _num(r, "ces_sq")),
        shift=shift,
        surveyed=_int(r, "surveyed"),
    )


def months_between(months: Iterable[str]) -> tuple[str, ...]:
    """Every calendar month from the first to the last given (gaps included), sorted."""
    ms = sorted(set(months))
    if not ms:
        return ()
    y, m = (int(x) for x in ms[0].split("-"))
    ly, lm = (int(x) for x in ms[-1].split("-"))
    out = []
    while (y, m) <= (ly, lm):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return tuple(out)
