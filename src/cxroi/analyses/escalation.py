"""Escalation quality score: how well-prepared the agent is when the AI hands a contact over.

For every escalated contact (docs/metrics.md: ``escalated``, else a hybrid contact that began in a
chatbot, voicebot or IVR) four components, each in [0, 1]:

* ``context_passed`` – ``handoff_context`` is true (the agent received the bot's context);
* ``resolved_without_repeat`` – no repeat within 7 days (eligible contacts only);
* ``post_escalation_csat`` – share of the contact's CSAT answers that are 4–5;
* ``qa_score`` – mean QA review score / 100 (where ``qa_reviews`` has the contact).

The score is the weighted mean of the component means that have data (default weights equal),
so a missing table drops a component, never the score. Components are measured on overlapping
sets of contacts, so their means are correlated; the interval uses the full covariance:
Cov(x̄ᵢ, x̄ⱼ) = nᵢⱼ·sᵢⱼ / (nᵢ·nⱼ), with sᵢⱼ the sample covariance over the nᵢⱼ contacts that have
both (contacts independent, components missing at random), and a normal 95% interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from cxroi.analyses.loyalty_stats import with_small_cell
from cxroi.analyses.panel import DEC, DEC_SQ, UNKNOWN, WINDOW, enriched_contacts
from cxroi.errors import Problem
from cxroi.io.dataset import Dataset
from cxroi.results.model.loyalty import (
    EscalationCell,
    EscalationComponents,
    EscalationMonth,
    EscalationScore,
    EscalationSection,
)
from cxroi.stats.result import CannotCompute, Estimate, Result
from cxroi.stats.summary import Z95, Moments, Proportion
from cxroi.toml_tables import TableReader

# the components, in reporting order
QUALITY_COMPONENTS: tuple[str, ...] = (
    "context_passed",
    "resolved_without_repeat",
    "post_escalation_csat",
    "qa_score",
)
BINARY = frozenset({"context_passed", "resolved_without_repeat"})


@dataclass(frozen=True)
class EscalationSettings:
    weights: dict[str, float] = field(default_factory=lambda: {c: 1.0 for c in QUALITY_COMPONENTS})


def parse_escalation_settings(body: Any, problems: list[Problem]) -> EscalationSettings:
    """Read ``[stack.escalation]``: the components' weights (at least one above 0)."""
    log = TableReader(problems)
    es = log.table(body, "stack.escalation")
    if es is None:
        return EscalationSettings()
    log.unknown(es, frozenset({"weights"}), "stack.escalation")
    w = log.table(es.get("weights", {}), "stack.escalation.weights") or {}
    log.unknown(w, frozenset(QUALITY_COMPONENTS), "stack.escalation.weights")
    weights = dict(EscalationSettings().weights)
    for c in QUALITY_COMPONENTS:
        v = log.number(w, c, "stack.escalation.weights", 0.0, 1e6)
        if v is not None:
            weights[c] = v
    if sum(weights.values()) <= 0:
        log.bad("stack.escalation.weights", "all_zero", "at least one weight must be above 0")
        return EscalationSettings()
    return EscalationSettings(weights)
NO_ESCALATIONS = (
    "no escalated contacts (contacts.escalated true, or hybrid contacts through "
    "chatbot, voicebot or ivr)"
)


@dataclass(frozen=True)
class Sums:
    """Per component n, Σx, Σx²; per pair nᵢⱼ, Σxᵢ, Σxⱼ, Σxᵢxⱼ over contacts with both."""

    contacts: int
    single: dict[str, Moments]
    pairs: dict[tuple[str, str], tuple[int, float, float, float]]

    def __add__(self, o: Sums) -> Sums:
        return Sums(
            self.contacts + o.contacts,
            {c: self.single[c] + o.single[c] for c in QUALITY_COMPONENTS},
            {p: _add4(self.pairs[p], o.pairs[p]) for p in self.pairs},
        )


def _add4(
    a: tuple[int, float, float, float], b: tuple[int, float, float, float]
) -> tuple[int, float, float, float]:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3])


def empty_sums() -> Sums:
    return Sums(
        0,
        {c: Moments() for c in QUALITY_COMPONENTS},
        {p: (0, 0.0, 0.0, 0.0) for p in combinations(QUALITY_COMPONENTS, 2)},
    )


DEFINITION = (
    "weighted mean over escalated contacts of: handoff context passed, resolved without a 7-day "
    "repeat, post-escalation CSAT 4-5 share, QA score / 100; components without data are left "
    "out and the weights renormalised"
)


@dataclass(frozen=True)
class Quality:
    score: EscalationScore | CannotCompute
    components: EscalationComponents
    used: tuple[str, ...]
    contacts: int


def score(s: Sums, weights: dict[str, float], missing: dict[str, str], min_cell: int) -> Quality:
    """The composite and its components from sufficient statistics."""
    comps: dict[str, Result] = {}
    for c in QUALITY_COMPONENTS:
        m = s.single[c]
        if c in missing:
            comps[c] = CannotCompute(missing[c])
        elif c in BINARY:
            comps[c] = Proportion(m.n, round(m.total)).estimate(f"no escalated contact with {c}")
        else:
            comps[c] = m.mean(f"no escalated contact with {c}")
    components = EscalationComponents(
        **{c: with_small_cell(v, min_cell) for c, v in comps.items()}
    )
    used = tuple(
        c
        for c in QUALITY_COMPONENTS
        if isinstance(comps[c], Estimate) and s.single[c].n >= 2 and weights.get(c, 0) > 0
    )
    if s.contacts == 0:
        return Quality(CannotCompute(NO_ESCALATIONS), components, (), 0)
    if not used:
        return Quality(
            CannotCompute("no component has data on at least 2 escalated contacts"),
            components,
            (),
            s.contacts,
        )
    total_w = sum(weights[c] for c in used)
    w = {c: weights[c] / total_w for c in used}
    mean = {c: s.single[c].total / s.single[c].n for c in used}
    value = sum(w[c] * mean[c] for c in used)
    var = sum(w[c] ** 2 * s.single[c].variance() / s.single[c].n for c in used)
    for a, b in combinations(used, 2):
        key = (a, b) if (a, b) in s.pairs else (b, a)
        n_ab, sa, sb, sab = s.pairs[key]
        if n_ab < 2:
            continue
        cov = (sab - sa * sb / n_ab) / (n_ab - 1)
        var += 2 * w[a] * w[b] * n_ab * cov / (s.single[a].n * s.single[b].n)
    se = math.sqrt(max(var, 0.0))
    est = EscalationScore(
        value,
        max(0.0, value - Z95 * se),
        min(1.0, value + Z95 * se),
        method="weighted mean of components, normal interval with their covariance",
        n=s.contacts,
        se=se,
        small_cell=s.contacts < min_cell,
        weights={c: w[c] for c in used},
    )
    return Quality(est, components, used, s.contacts)


def measure_escalation_quality(
    ds: Dataset,
    settings: EscalationSettings,
    enriched: ir.Table | None = None,
    min_cell: int = 10,
) -> EscalationSection:
    missing: dict[str, str] = {}
    if not ds.has("contacts", "handoff_context"):
        missing["context_passed"] = "contacts.handoff_context is absent"
    surveys, qa = ds.table("surveys"), ds.table("qa_reviews")
    if surveys is None:
        missing["post_escalation_csat"] = "the dataset has no surveys table"
    if qa is None:
        missing["qa_score"] = "the dataset has no qa_reviews table"
    e = enriched if enriched is not None else enriched_contacts(ds)
    frame = _query(e, surveys, qa).execute()
    cells = {(str(r["month"]), str(r["touchpoint"])): _sums(r) for r in frame.to_dict("records")}

    def total(keep: Any) -> Sums:
        acc = empty_sums()
        for key in sorted(cells):
            if keep(key):
                acc = acc + cells[key]
        return acc

    w = settings.weights
    overall = score(total(lambda k: True), w, missing, min_cell)
    by_touchpoint = {
        tp: score(total(lambda k, tp=tp: k[1] == tp), w, missing, min_cell)
        for tp in sorted({k[1] for k in cells})
    }
    monthly = tuple(
        (m, score(total(lambda k, m=m: k[0] == m), w, missing, min_cell))
        for m in sorted({k[0] for k in cells})
    )
    return EscalationSection(
        definition=DEFINITION,
        escalated_contacts=overall.contacts,
        weights=dict(sorted(w.items())),
        score=overall.score,
        components=overall.components,
        components_used=overall.used,
        by_touchpoint={
            tp: EscalationCell(q.score, q.contacts, q.components) for tp, q in by_touchpoint.items()
        },
        monthly=tuple(EscalationMonth(m, q.score, q.contacts) for m, q in monthly),
    )


def _query(e: ir.Table, surveys: ir.Table | None, qa: ir.Table | None) -> ir.Table:
    e = e.filter(e.escalated_value)
    eligible = e[f"eligible_{WINDOW}"]
    x: dict[str, ir.Value] = {
        "context_passed": e.handoff_context.cast("int64").cast(DEC),
        "resolved_without_repeat": ibis.ifelse(
            eligible, (~e[f"repeat_{WINDOW}"]).cast("int64"), None
        ).cast(DEC),
    }
    base = e.select("contact_id", "month", touchpoint=e.touchpoint.fill_null(UNKNOWN), **x)
    if surveys is not None:
        s = surveys.filter(surveys.contact_id.notnull() & (surveys.kind == "csat"))
        per = s.group_by("contact_id").aggregate(
            _csat=((s.score >= 4).cast("int64").mean()).cast(DEC)
        )
        base = base.left_join(per, "contact_id").select(base, post_escalation_csat=per._csat)
    else:
        base = base.mutate(post_escalation_csat=ibis.null(DEC))
    if qa is not None:
        per_qa = qa.group_by("contact_id").aggregate(_qa=(qa.score / 100.0).mean().cast(DEC))
        base = base.left_join(per_qa, "contact_id").select(base, qa_score=per_qa._qa)
    else:
        base = base.mutate(qa_score=ibis.null(DEC))
    aggs: dict[str, ir.Value] = {"contacts": base.count()}
    for c in QUALITY_COMPONENTS:
        v = base[c]
        aggs[f"{c}__n"] = v.count()
        aggs[f"{c}__s"] = v.sum().cast(DEC)
        aggs[f"{c}__q"] = (v * v).sum().cast(DEC_SQ)
    for a, b in combinations(QUALITY_COMPONENTS, 2):
        both = base[a].notnull() & base[b].notnull()
        aggs[f"{a}__{b}__n"] = both.sum()
        aggs[f"{a}__{b}__sa"] = base[a].sum(where=both).cast(DEC)
        aggs[f"{a}__{b}__sb"] = base[b].sum(where=both).cast(DEC)
        aggs[f"{a}__{b}__p"] = (base[a] * base[b]).sum(where=both).cast(DEC_SQ)
    return base.group_by(["month", "touchpoint"]).aggregate(**aggs)


def _f(r: dict[str, Any], key: str) -> float:
    v = r.get(key)
    return 0.0 if v is None or pd.isna(v) else float(v)


def _sums(r: dict[str, Any]) -> Sums:
    single = {
        c: Moments(int(_f(r, f"{c}__n")), _f(r, f"{c}__s"), _f(r, f"{c}__q")) for c in QUALITY_COMPONENTS
    }
    pairs = {
        (a, b): (
            int(_f(r, f"{a}__{b}__n")),
            _f(r, f"{a}__{b}__sa"),
            _f(r, f"{a}__{b}__sb"),
            _f(r, f"{a}__{b}__p"),
        )
        for a, b in combinations(QUALITY_COMPONENTS, 2)
    }
    return Sums(int(_f(r, "contacts")), single, pairs)
