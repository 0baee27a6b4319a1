"""The loyalty signal chain map: each AI touchpoint through effort, resolution, sentiment, behaviour.

Every link is a contrast with the **baseline**: human_only contacts with touchpoint ``none`` (no
AI anywhere). Higher is better for every measure, so an interval wholly above 0 is ``positive``,
wholly below 0 ``negative``, otherwise ``inconclusive``; a link without data is ``unknown`` and
becomes a measurement priority. A link with several measures is positive (negative) when at least
one is significantly positive (negative) and none points the other way; disagreeing measures make
it inconclusive.

* effort – CES mean difference (Welch);
* resolution – 7-day FCR difference (Newcombe);
* sentiment – CSAT 4–5 share difference (Newcombe), NPS difference (trinomial normal), sentiment
  shift (end − start) mean difference (Welch);
* behaviour – among customers whose index contact (first in the data) is at least
  ``followup_days`` before ``as_of``: share still customers ``followup_days`` later (Newcombe) and
  net revenue-table spend in that year (Welch), customers whose index contact used the touchpoint
  vs customers whose index contact was baseline. Unadjusted and descriptive: the adjusted effect
  of AI on retention is ``retention.delta_12m_adjusted``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import pandas as pd

from cxroi.analyses.loyalty_stats import (
    excludes_zero,
    mark_small_cells,
    nps_difference,
    welch_difference,
)
from cxroi.analyses.panel import DEC, DEC_SQ, UNKNOWN, CellStats, Panel, where
from cxroi.errors import Problem
from cxroi.io.contract import AI_TOUCHPOINTS
from cxroi.io.dataset import Dataset
from cxroi.metrics.queries import first_contacts
from cxroi.results.model.loyalty import (
    STATUSES,
    BehaviourLink,
    BehaviourMeasures,
    ChainLinks,
    ChainPriority,
    ChainSection,
    ChainTouchpoint,
    EffortLink,
    EffortMeasures,
    LinkStatus,
    ResolutionLink,
    ResolutionMeasures,
    SentimentLink,
    SentimentMeasures,
    StatusCounts,
    measures_of,
)
from cxroi.stats.result import CannotCompute, ContrastResult
from cxroi.stats.summary import Moments, Proportion, newcombe_difference
from cxroi.toml_tables import TableReader

BASELINE = "human_only contacts with touchpoint none (no AI)"


@dataclass(frozen=True)
class ChainSettings:
    followup_days: int = 365


def parse_chain_settings(body: Any, problems: list[Problem]) -> ChainSettings:
    """Read ``[stack.chain]``: how long customers are followed for the behaviour link."""
    log = TableReader(problems)
    ch = log.table(body, "stack.chain")
    if ch is None:
        return ChainSettings()
    log.unknown(ch, frozenset({"followup_days"}), "stack.chain")
    days = log.number(ch, "followup_days", "stack.chain", 30, 1095, integer=True)
    return ChainSettings(int(days)) if days is not None else ChainSettings()
STATUS_RULE = (
    "positive/negative: the 95% interval of the contrast with the baseline excludes 0 (higher = "
    "better for every measure); inconclusive: it does not; unknown: no data (a measurement "
    "priority)"
)
UNLOCK = {
    "effort": "CES answers (surveys.kind = ces) on contacts through {tp}",
    "resolution": "contacts through {tp} at least 7 days before as_of (repeat contacts)",
    "sentiment": "CSAT or NPS answers on contacts through {tp}, or contacts.sentiment_start "
    "and sentiment_end",
    "behaviour": "customers.churned_at (and a revenue table) for customers whose first contact "
    "went through {tp}, followed for {days} days",
}


@dataclass(frozen=True)
class Behaviour:
    customers: int = 0
    retained: Proportion = field(default_factory=Proportion)
    spend: Moments = field(default_factory=Moments)

    def __add__(self, o: Behaviour) -> Behaviour:
        return Behaviour(
            self.customers + o.customers, self.retained + o.retained, self.spend + o.spend
        )


def link_status(measures: Mapping[str, ContrastResult]) -> tuple[LinkStatus, str | None]:
    """Status of a link from its measures (all higher = better), and a note when it needs one."""
    known = {k: v for k, v in measures.items() if not isinstance(v, CannotCompute)}
    if not known:
        reasons = "; ".join(
            sorted({v.reason for v in measures.values() if isinstance(v, CannotCompute)})
        )
        return "unknown", reasons
    signs = {excludes_zero(v) for v in known.values()}
    if 1 in signs and -1 in signs:
        return "inconclusive", "its measures disagree in direction"
    if 1 in signs:
        return "positive", None
    if -1 in signs:
        return "negative", None
    return "inconclusive", None


def _section(
    settings: ChainSettings,
    touchpoints: dict[str, ChainTouchpoint],
    baseline_contacts: int,
) -> ChainSection:
    counts = {s: 0 for s in STATUSES}
    priorities = []
    for tp in AI_TOUCHPOINTS:
        for name, link in touchpoints[tp].links.items():
            counts[link.status] += 1
            if link.status == "unknown":
                priorities.append(
                    ChainPriority(
                        tp,
                        name,
                        link.note or "",
                        UNLOCK[name].format(tp=tp, days=settings.followup_days),
                    )
                )
    return ChainSection(
        baseline=BASELINE,
        baseline_contacts=baseline_contacts,
        statuses=STATUS_RULE,
        behaviour_note=f"customers whose first contact is at least {settings.followup_days} "
        "days before as_of, by the touchpoint of that contact; unadjusted (see "
        "retention.delta_12m_adjusted for the adjusted effect of AI)",
        touchpoints=touchpoints,
        status_counts=StatusCounts(**counts),
        priorities=tuple(priorities),
    )


def map_chain(
    ds: Dataset, panel: Panel, settings: ChainSettings, min_cell: int = 10
) -> ChainSection:
    base = panel.total(where(touchpoint="none", also=lambda k: k.mode == "human_only"))
    behaviour, why_not = _behaviour(ds, settings)
    base_b = _sum_b(behaviour, lambda tp, mode: mode == "human_only" and tp == "none")
    touchpoints: dict[str, ChainTouchpoint] = {}
    for tp in AI_TOUCHPOINTS:
        cur = panel.total(where(touchpoint=tp))
        cur_b = _sum_b(behaviour, _tp_is(tp))
        links = _links(panel, tp, cur, base, cur_b, base_b, why_not, settings, min_cell)
        touchpoints[tp] = ChainTouchpoint(cur.contacts, links)
    return _section(settings, touchpoints, base.contacts)


def _links(
    panel: Panel,
    tp: str,
    cur: CellStats,
    base: CellStats,
    cur_b: Behaviour,
    base_b: Behaviour,
    why_not: dict[str, str],
    settings: ChainSettings,
    min_cell: int,
) -> ChainLinks:
    none = f"no contacts through touchpoint {tp}" if cur.contacts == 0 else ""
    no_base = "no baseline contacts (human_only, touchpoint none)" if base.contacts == 0 else ""

    def reason(default: str) -> str:
        return none or no_base or default

    no_surveys = "the dataset has no surveys table"
    survey_why = no_surveys if not panel.has_surveys else ""
    effort = EffortMeasures(
        ces=welch_difference(
            cur.ces,
            base.ces,
            reason(survey_why or f"fewer than 2 CES answers on {tp} or baseline contacts"),
        )
    )
    resolution = ResolutionMeasures(
        fcr_7d=newcombe_difference(
            cur.fcr,
            base.fcr,
            reason(f"no {tp} or baseline contact at least 7 days before as_of"),
        )
    )
    sentiment = SentimentMeasures(
        csat=newcombe_difference(
            cur.csat,
            base.csat,
            reason(survey_why or f"no CSAT answers on {tp} or baseline contacts"),
        ),
        nps=nps_difference(
            cur.nps,
            base.nps,
            reason(survey_why or f"no NPS answers on {tp} or baseline contacts"),
        ),
        sentiment_shift=welch_difference(
            cur.shift,
            base.shift,
            reason(
                "contacts.sentiment_start/sentiment_end are absent"
                if not panel.has_sentiment
                else f"fewer than 2 {tp} or baseline contacts with both sentiment scores"
            ),
        ),
    )
    behaviour = BehaviourMeasures(
        retention=newcombe_difference(
            cur_b.retained,
            base_b.retained,
            none
            or why_not.get("retention")
            or f"no customer whose first contact went through "
            f"{tp} (or baseline) has {settings.followup_days} days of follow-up",
        ),
        spend=welch_difference(
            cur_b.spend,
            base_b.spend,
            none
            or why_not.get("spend")
            or f"fewer than 2 customers with {settings.followup_days} "
            f"days of follow-up on {tp} or baseline",
        ),
    )
    e = mark_small_cells(effort, min_cell)
    r = mark_small_cells(resolution, min_cell)
    se = mark_small_cells(sentiment, min_cell)
    b = mark_small_cells(behaviour, min_cell)
    (es, en), (rs, rn), (ss, sn), (bs, bn) = (
        link_status(measures_of(m)) for m in (e, r, se, b)
    )
    return ChainLinks(
        EffortLink(es, e, en),
        ResolutionLink(rs, r, rn),
        SentimentLink(ss, se, sn),
        BehaviourLink(bs, b, bn),
    )


def _tp_is(tp: str) -> Callable[[str, str], bool]:
    return lambda t, _mode: t == tp


def _sum_b(groups: dict[tuple[str, str], Behaviour], keep: Callable[[str, str], bool]) -> Behaviour:
    acc = Behaviour()
    for (tp, mode), b in sorted(groups.items()):
        if keep(tp, mode):
            acc = acc + b
    return acc


def _behaviour(
    ds: Dataset, settings: ChainSettings
) -> tuple[dict[tuple[str, str], Behaviour], dict[str, str]]:
    """Per (index touchpoint, index mode): customers followed a full year, retained, spend."""
    why_not: dict[str, str] = {}
    if not ds.has("customers", "churned_at"):
        why_not["retention"] = "customers.churned_at is absent"
    revenue = ds.table("revenue")
    if revenue is None:
        why_not["spend"] = "the dataset has no revenue table"
    if len(why_not) == 2:
        return {}, why_not
    first = first_contacts(ds.tables["contacts"])
    first = first.select(
        "customer_id",
        index_at=first.started_at,
        tp=first.touchpoint.fill_null(UNKNOWN),
        mode=first.ai_mode,
    )
    horizon = ibis.interval(seconds=settings.followup_days * 86400)
    cutoff = ibis.literal(
        ds.as_of - timedelta(days=settings.followup_days), type=dt.Timestamp(timezone="UTC")
    )
    first = first.filter(first.index_at <= cutoff)
    cust = ds.tables["customers"].select("customer_id", "churned_at")
    j = first.join(cust, "customer_id")
    j = j.mutate(_retained=j.churned_at.isnull() | (j.churned_at > j.index_at + horizon))
    if revenue is not None:
        r = revenue.join(j.select("customer_id", "index_at"), "customer_id")
        r = r.filter((r.occurred_at >= r.index_at) & (r.occurred_at < r.index_at + horizon))
        spend = r.group_by("customer_id").aggregate(_spend=r.amount.cast(DEC).sum().cast(DEC))
        j = j.left_join(spend, "customer_id").select(j, _spend=spend._spend.fill_null(0).cast(DEC))
    else:
        j = j.mutate(_spend=ibis.literal(0).cast(DEC))
    g = (
        j.group_by(["tp", "mode"])
        .aggregate(
            n=j.count(),
            retained=j._retained.sum(),
            spend_sum=j._spend.sum().cast(DEC),
            spend_sq=(j._spend * j._spend).sum().cast(DEC_SQ),
        )
        .execute()
    )
    out: dict[tuple[str, str], Behaviour] = {}
    for r_ in g.to_dict("records"):
        n = int(r_["n"])
        out[(str(r_["tp"]), str(r_["mode"]))] = Behaviour(
            n,
            Proportion(n, int(r_["retained"])) if "retention" not in why_not else Proportion(),
            Moments(n, _f(r_["spend_sum"]), _f(r_["spend_sq"]))
            if "spend" not in why_not
            else Moments(),
        )
    return out, why_not


def _f(v: Any) -> float:
    return 0.0 if v is None or pd.isna(v) else float(v)
