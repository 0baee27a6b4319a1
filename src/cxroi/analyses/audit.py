"""Measurement audit (the guide's Step 1): what is measured today, and the measurement debt.

Three views, then a prioritised debt list:

1. **Data** – which contract tables and columns the dataset has, and its coverage: survey
   response rate (contacts with a transactional answer / contacts), customer-id match rate
   (contacts read whose customer is known / contacts read, from validation), and the fill rate of
   the optional columns the loyalty analyses use.
2. **Reported** – an optional catalogue of the metrics the organisation reports today
   (``[[audit.reported]]``), each classified activity or outcome and linked to a business outcome
   (declared, else inferred from its name; unrecognised names are ``unclassified``).
3. **Outcomes** – for each business outcome (retention, revenue, loyalty, effort, resolution): the
   cxroi measures that can reach it from this data, whether they were computed, and which reported
   metrics claim it. An outcome with neither is one with **no measurement path**.

Debt tiers, highest first: (1) outcomes with no measurement path, (2) outcomes the data can
measure but nobody reports, (3) unknown loyalty-chain links, (4) thin coverage, (5) reported
activity metrics linked to no outcome.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cxroi.analyses.panel import Panel
from cxroi.errors import Problem
from cxroi.io.contract import TABLES
from cxroi.io.dataset import Dataset
from cxroi.metrics.queries import effective_escalated
from cxroi.results.model.governance import (
    OUTCOMES,
    AuditSection,
    ClassifiedMetric,
    Coverage,
    DebtItem,
    MeasurementPath,
    OutcomeAudit,
    OutcomeStatus,
    TableAudit,
)
from cxroi.results.model.loyalty import ChainSection
from cxroi.stats.result import CannotCompute, Estimate, Result
from cxroi.stats.summary import Proportion
from cxroi.toml_tables import TableReader

REPORTED_KINDS: tuple[str, ...] = ("activity", "outcome")


@dataclass(frozen=True)
class ReportedMetric:
    """One metric the organisation reports today (``[[audit.reported]]``)."""

    name: str
    kind: str | None = None  # activity | outcome; None = infer from the name
    outcome: str | None = None  # one of OUTCOMES or "none"; None = infer


@dataclass(frozen=True)
class AuditSettings:
    reported: tuple[ReportedMetric, ...] = ()
    min_survey_response_rate: float = 0.05
    min_customer_match_rate: float = 0.95
    min_fill_rate: float = 0.5


def parse_audit_settings(body: Any, problems: list[Problem]) -> AuditSettings:
    """Read the ``[audit]`` table: the reported-metrics catalogue and the coverage thresholds."""
    log = TableReader(problems)
    default = AuditSettings()
    a = log.table(body, "audit")
    if a is None:
        return default
    keys = {"reported", "min_survey_response_rate", "min_customer_match_rate", "min_fill_rate"}
    log.unknown(a, frozenset(keys), "audit")
    reported: list[ReportedMetric] = []
    raw = a.get("reported", [])
    if not isinstance(raw, list):
        log.bad("audit.reported", "not_a_list", "write [[audit.reported]] tables")
        raw = []
    for i, r in enumerate(raw):
        where = f"audit.reported[{i}]"
        t = log.table(r, where)
        if t is None:
            continue
        log.unknown(t, frozenset({"name", "kind", "outcome"}), where)
        name = log.text(t, "name", where)
        kind = log.text(t, "kind", where, required=False)
        outcome = log.text(t, "outcome", where, required=False)
        if kind is not None and kind not in REPORTED_KINDS:
            log.bad(f"{where}.kind", "not_allowed", f"{kind!r}; allowed: activity, outcome")
            kind = None
        if outcome is not None and outcome not in (*OUTCOMES, "none"):
            log.bad(
                f"{where}.outcome",
                "not_allowed",
                f"{outcome!r}; allowed: {', '.join(OUTCOMES)}, none",
            )
            outcome = None
        if name is not None:
            reported.append(ReportedMetric(name, kind, outcome))
    limits = {k: log.number(a, k, "audit", 0.0, 1.0) for k in sorted(keys - {"reported"})}

    def limit(key: str, fallback: float) -> float:
        value = limits[key]
        return fallback if value is None else value

    return AuditSettings(
        tuple(reported),
        limit("min_survey_response_rate", default.min_survey_response_rate),
        limit("min_customer_match_rate", default.min_customer_match_rate),
        limit("min_fill_rate", default.min_fill_rate),
    )


# (results path, what it needs, the data check) per outcome: the paths cxroi can offer
PATHS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "retention": (
        ("retention.delta_12m_adjusted", "customers.churned_at", "churn"),
        ("retention.retention_12m", "customers.churned_at", "churn"),
    ),
    "revenue": (
        (
            "value.revenue_per_retained_customer",
            "customers.churned_at with customers.monthly_revenue or a revenue table",
            "churn_money",
        ),
        (
            "value.revenue_protected",
            "customers.churned_at with customers.monthly_revenue or a revenue table",
            "churn_money",
        ),
        ("value.revenue_generated", "a revenue or opportunities table", "sales"),
    ),
    "loyalty": (
        ("metrics.post_ai_nps", "NPS answers on contacts (surveys)", "nps"),
        ("metrics.csat.all", "CSAT answers on contacts (surveys)", "csat"),
    ),
    "effort": (("metrics.ces.all", "CES answers on contacts (surveys)", "ces"),),
    "resolution": (("metrics.fcr_7d.all", "contacts at least 7 days before as_of", "fcr"),),
}

# name patterns (whole words, lower case) → (kind, outcome); the first match wins
_RULES: tuple[tuple[str, str, str | None], ...] = (
    (r"\bcosts?\b", "activity", None),  # "cost per resolution" is efficiency, not resolution
    (r"first contact resolution|\bfcr\b|repeat|recontact|resolution", "outcome", "resolution"),
    (r"\bces\b|effort", "outcome", "effort"),
    (r"\bnps\b|net promoter|csat|satisfaction|sentiment|loyalty", "outcome", "loyalty"),
    (r"retention|churn|renewal", "outcome", "retention"),
    (
        (
            r"revenue|upsell|cross.?sell|conversion|pipeline|order value|\baov\b|\barpu\b|spend|"
            r"\bclv\b|\bltv\b|lifetime value"
        ),
        "outcome",
        "revenue",
    ),
    (
        (
            r"handle time|\baht\b|deflect|contain|volume|sessions|occupancy|utili[sz]ation|"
            r"abandon|\basa\b|speed of answer|service level|automation rate|self.?service|transfer|"
            r"wait|calls handled|contacts handled|tickets"
        ),
        "activity",
        None,
    ),
)


def classify(m: ReportedMetric) -> ClassifiedMetric:
    text = re.sub(r"[^a-z0-9]+", " ", m.name.lower()).strip()
    rule = next(((k, o) for pat, k, o in _RULES if re.search(pat, text)), None)
    kind = m.kind or (rule[0] if rule else "unclassified")
    outcome = m.outcome or (rule[1] if rule and rule[1] else "none")
    return ClassifiedMetric(
        name=m.name,
        kind=kind,
        kind_source="declared" if m.kind else ("inferred" if rule else "unclassified"),
        outcome=outcome,
        outcome_source="declared" if m.outcome else ("inferred" if rule and rule[1] else "none"),
    )


def measurement_debt(
    settings: AuditSettings,
    outcomes: dict[str, OutcomeAudit],
    reported: tuple[ClassifiedMetric, ...],
    coverage: Coverage,
    chain_unknown: dict[str, tuple[str, ...]],
) -> tuple[DebtItem, ...]:
    """The prioritised debt list: tiers 1 (no path) to 5 (activity without outcome)."""
    items: list[tuple[int, str, str, str]] = []
    declared = bool(reported)
    for o in OUTCOMES:
        body = outcomes[o]
        if body.status == "no_measurement_path":
            needs = "; ".join(sorted({p.needs for p in body.paths}))
            items.append((1, "no_measurement_path", f"{o}: no measurement path", f"collect {needs}"))
        elif declared and not body.reported_by:
            paths = ", ".join(p.path for p in body.paths if p.measurable)
            items.append(
                (
                    2,
                    "measurable_not_reported",
                    f"{o}: measurable from this data but not in the reported metrics",
                    f"start reporting {paths}",
                )
            )
    for tp, links in chain_unknown.items():
        items.append(
            (
                3,
                "unknown_chain_link",
                f"{tp}: {', '.join(links)} unknown",
                f"measure {tp} through these links (see chain.priorities)",
            )
        )
    for key, (limit, label) in _thresholds(settings).items():
        r = getattr(coverage, key)
        if isinstance(r, Estimate) and r.estimate < limit:
            items.append(
                (4, "thin_coverage", f"{label} is {r.estimate:.1%} (below {limit:.0%})", f"raise {label}")
            )
    for m in reported:
        if m.kind == "activity" and m.outcome == "none":
            items.append(
                (
                    5,
                    "activity_without_outcome",
                    f"{m.name}: activity metric linked to no business outcome",
                    "pair it with the outcome it should move, or retire it",
                )
            )
        elif m.kind == "unclassified":
            items.append(
                (
                    5,
                    "unclassified",
                    f"{m.name}: not recognised",
                    "declare its kind (activity or outcome) and outcome",
                )
            )
    items.sort(key=lambda t: t[0])  # stable: outcomes, touchpoints, declared order within a tier
    return tuple(
        DebtItem(priority=i + 1, tier=t, kind=k, item=item, action=action)
        for i, (t, k, item, action) in enumerate(items)
    )


def _thresholds(s: AuditSettings) -> dict[str, tuple[float, str]]:
    return {
        "survey_response_rate": (s.min_survey_response_rate, "the survey response rate"),
        "customer_id_match_rate": (s.min_customer_match_rate, "the customer-id match rate"),
        "handoff_context_on_escalated": (s.min_fill_rate, "handoff_context on escalated contacts"),
        "intent": (s.min_fill_rate, "contacts.intent fill rate"),
        "touchpoint": (s.min_fill_rate, "contacts.touchpoint fill rate"),
    }


def audit_measurement(
    ds: Dataset,
    panel: Panel,
    chain: ChainSection,
    computed: Callable[[str], tuple[bool, str]],
    settings: AuditSettings,
) -> AuditSection:
    """The audit; ``computed(path)`` says whether this run computed a results path, else why not."""
    reported = tuple(classify(m) for m in settings.reported)
    checks = _checks(ds, panel)
    outcomes: dict[str, OutcomeAudit] = {}
    for o in OUTCOMES:
        paths = tuple(
            _path_state(computed, p, needs, checks[check]) for p, needs, check in PATHS[o]
        )
        by = tuple(sorted(m.name for m in reported if m.outcome == o))
        measurable = any(p.measurable for p in paths)
        status: OutcomeStatus = (
            ("reported" if by else "measurable")
            if measurable
            else ("reported_without_data" if by else "no_measurement_path")
        )
        outcomes[o] = OutcomeAudit(status, paths, by)
    unknown: dict[str, list[str]] = {}
    for p in chain.priorities:
        unknown.setdefault(p.touchpoint, []).append(p.link)
    chain_unknown = {tp: tuple(v) for tp, v in unknown.items()}
    coverage = _coverage(ds, panel)
    kinds = [m.kind for m in reported]
    return AuditSection(
        tables=_tables(ds),
        coverage=coverage,
        reported=reported,
        outcomes=outcomes,
        outcomes_without_measurement_path=tuple(
            o for o in OUTCOMES if outcomes[o].status == "no_measurement_path"
        ),
        debt=measurement_debt(settings, outcomes, reported, coverage, chain_unknown),
        reported_counts={k: kinds.count(k) for k in (*REPORTED_KINDS, "unclassified")} if reported else None,
        reported_note=None
        if reported
        else (
            "no catalogue of reported metrics declared ([[audit.reported]] in the "
            "configuration): the audit covers the data only"
        ),
    )


def _checks(ds: Dataset, panel: Panel) -> dict[str, bool]:
    """Whether the data holds what each measurement path needs (computed or not yet)."""
    total = panel.total(lambda k: True)
    churn = ds.has("customers", "churned_at")
    money = ds.has("customers", "monthly_revenue") or ds.has("revenue")
    return {
        "churn": churn,
        "churn_money": churn and money,
        "sales": ds.has("revenue") or ds.has("opportunities"),
        "nps": total.nps.n > 0,
        "csat": total.csat.n > 0,
        "ces": total.ces.n > 0,
        "fcr": total.fcr.n > 0,
    }


def _path_state(
    computed: Callable[[str], tuple[bool, str]], path: str, needs: str, measurable: bool
) -> MeasurementPath:
    """Can the data reach this path, and did this run compute it (else why not)?"""
    done, why = computed(path)
    return MeasurementPath(path, needs, measurable, done, None if done else why)


def _tables(ds: Dataset) -> dict[str, TableAudit]:
    rep = ds.report
    out: dict[str, TableAudit] = {}
    for spec in TABLES:
        present = ds.has(spec.name)
        cols = ds.present_columns.get(spec.name, ())
        out[spec.name] = TableAudit(
            present=present,
            rows_read=rep.rows.get(spec.name),
            rows_accepted=rep.accepted.get(spec.name),
            missing_columns=tuple(c for c in spec.column_names if c not in cols)
            if present
            else tuple(spec.column_names),
        )
    return out


def _coverage(ds: Dataset, panel: Panel) -> Coverage:
    total = panel.total(lambda k: True)
    out: dict[str, Result] = {}
    if panel.has_surveys:
        out["survey_response_rate"] = Proportion(total.contacts, total.surveyed).estimate(
            "no contacts"
        )
    else:
        out["survey_response_rate"] = CannotCompute("the dataset has no surveys table")
    read = ds.report.rows.get("contacts", 0)
    unknown = sum(
        c.count for c in ds.report.counts if c.table == "contacts" and c.rule == "unknown_customer"
    )
    out["customer_id_match_rate"] = Proportion(read, read - unknown).estimate("no contacts read")
    c = ds.tables["contacts"]
    fills = {
        col: c[col].notnull().sum()
        for col in ("intent", "touchpoint", "escalated", "agent_id", "sentiment_start", "cost")
    }
    escalated = effective_escalated(c)
    fills["_escalated"] = escalated.sum()
    fills["_handoff"] = (escalated & c.handoff_context.notnull()).sum()
    fills["_n"] = c.count()
    row = c.aggregate(**fills).execute().iloc[0]
    n = int(row["_n"])
    for col in ("intent", "touchpoint", "escalated", "agent_id", "sentiment_start", "cost"):
        out[col] = (
            Proportion(n, int(row[col])).estimate("no contacts")
            if ds.has("contacts", col)
            else CannotCompute(f"contacts.{col} is absent")
        )
    n_esc = int(row["_escalated"])
    out["handoff_context_on_escalated"] = (
        Proportion(n_esc, int(row["_handoff"])).estimate("no escalated contacts")
        if ds.has("contacts", "handoff_context")
        else CannotCompute("contacts.handoff_context is absent")
    )
    qa = ds.table("qa_reviews")
    if qa is None:
        out["qa_reviews_on_escalated"] = CannotCompute("the dataset has no qa_reviews table")
    else:
        reviewed = (
            c.filter(escalated).select("contact_id").semi_join(qa, "contact_id").count().execute()
        )
        out["qa_reviews_on_escalated"] = Proportion(n_esc, int(reviewed)).estimate(
            "no escalated contacts"
        )
    cust = ds.tables["customers"]
    crow = (
        cust.aggregate(n=cust.count(), rev=cust.monthly_revenue.notnull().sum()).execute().iloc[0]
    )
    out["monthly_revenue"] = (
        Proportion(int(crow["n"]), int(crow["rev"])).estimate("no customers")
        if ds.has("customers", "monthly_revenue")
        else CannotCompute("customers.monthly_revenue is absent")
    )
    return Coverage(**out)
