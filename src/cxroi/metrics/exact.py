"""Compute the exact metrics of docs/metrics.md ("Resolution and effort", "Surveys") for a dataset.

The contacts are enriched once (repeats, eligibility, cost; materialised, later analyses reuse
it), summed into each customer's totals per mode and per month (``customer_sums``), and every
figure comes from per-group sums of those per-customer totals, so each interval is clustered by
customer (``cxroi.stats.clustered``; docs/methods.md, "Customer-clustered intervals").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import ibis.expr.types as ir

from cxroi.io.dataset import Dataset
from cxroi.io.engines import Engine
from cxroi.io.side_connection import rebind
from cxroi.metrics import resolution as R
from cxroi.metrics.customer_sums import (
    Ratio,
    Variables,
    clustered_sums,
    count,
    customer_totals,
    moment_sums,
    rolled_up,
    used_variables,
)
from cxroi.metrics.queries import enrich
from cxroi.io.contract import ALL, GROUPS
from cxroi.metrics.resolution import ContactsApart, PerMode
from cxroi.metrics.surveys import SurveyResults, no_surveys, survey_results
from cxroi.metrics.settings import MetricSettings
from cxroi.stats.result import CannotCompute, Estimate, Result

__all__ = ["ALL", "GROUPS", "ContactsApart", "ExactMetrics", "PerMode", "compute_exact_metrics"]


@dataclass(frozen=True)
class ExactMetrics:
    """Every exact metric; each ``Estimate`` carries a customer-clustered 95% interval."""

    as_of: str
    windows: tuple[int, ...]
    contacts: dict[str, int]  # every contact, by mode
    escalated: dict[str, int]  # inbound escalations (what containment counts), by mode
    cost_modelled: int
    # modelled costs whose handle time was unknown: priced at their mode's mean known handle time
    handle_imputed: int
    fcr: dict[int, PerMode]
    containment_rate: Result
    false_containment_7d: Result
    cost_per_contact: PerMode
    cost_per_resolution: dict[int, PerMode]
    aht_seconds: PerMode
    surveys: dict[str, PerMode]  # csat, csat_mean, nps, ces, each per mode
    post_ai_nps: Result
    by_channel: dict[str, dict[str, Result]]
    by_touchpoint: dict[str, dict[str, Result]]
    relationship: dict[str, Result]
    csat_delta_monthly: tuple[tuple[str, Result], ...]
    has_surveys: bool
    # per calendar month (configured zone): containment, fcr_<W>d, false containment, CSAT, CES
    monthly: tuple[tuple[str, dict[str, Result]], ...] = ()
    # "inbound" / "outbound" -> mode and "all" -> contacts
    contacts_by_direction: dict[str, dict[str, int]] = field(default_factory=dict)
    # outbound contacts and the proactive touchpoint's, counted, costed and timed apart
    outbound: ContactsApart | None = None
    proactive: ContactsApart | None = None
    # contacts with repeat/eligibility flags for every window (materialised): later analyses reuse
    # it rather than re-running the windowed repeat query. It holds every contact column but
    # those no later analysis reads (UNREAD_COLUMNS)
    enriched: ir.Table | None = field(default=None, compare=False, repr=False)
    # the windows, cost model and privacy threshold these were computed with
    settings: MetricSettings = field(default_factory=MetricSettings)

    def on(self, engine: Engine) -> ExactMetrics:
        """The same metrics, their enriched contacts read through ``engine``, another connection
        to the same database; they must have been cached in the database file
        (:meth:`cxroi.io.engines.Engine.caches_in_file`)."""
        if self.enriched is None:
            return self
        return replace(self, enriched=rebind(self.enriched, engine.backend))

    def to_dict(self) -> dict[str, Any]:
        """Plain numbers (None where not computable), the shape the benchmark compares."""

        def num(r: Result) -> float | None:
            return r.estimate if isinstance(r, Estimate) else None

        def per(m: Mapping[str, Result]) -> dict[str, float | None]:
            return {k: num(v) for k, v in m.items()}

        out: dict[str, Any] = {
            "containment_rate": num(self.containment_rate),
            "false_containment_7d": num(self.false_containment_7d),
            "cost_per_contact": per(self.cost_per_contact),
            "aht_seconds": per(self.aht_seconds),
            "csat": per(self.surveys["csat"]),
            "nps": per(self.surveys["nps"]),
            "ces": per(self.surveys["ces"]),
            "ces_by_channel": {
                ch: num(v["ces"])
                for ch, v in self.by_channel.items()
                if isinstance(v["ces"], Estimate)
            },
        }
        for w in self.windows:
            out[f"fcr_{w}d"] = per(self.fcr[w])
            out[f"cost_per_resolution_{w}d"] = per(self.cost_per_resolution[w])
        out["contacts_by_direction"] = {k: dict(v) for k, v in self.contacts_by_direction.items()}
        if self.outbound is not None:
            out["outbound_cost_per_contact"] = per(self.outbound.cost_per_contact)
            out["outbound_aht_seconds"] = per(self.outbound.aht_seconds)
        if self.proactive is not None:
            out["proactive_contacts"] = dict(self.proactive.contacts)
        return out


# Columns of the enriched contacts that neither these metrics nor any analysis reusing
# ``ExactMetrics.enriched`` reads: left out of the materialised copy, which is as long as the
# contacts (the row number of validation, the raw flags and costs the enriched columns replace,
# and contact columns other analyses read from the dataset's own table).
UNREAD_COLUMNS: tuple[str, ...] = (
    "_cxroi_row",
    "wait_seconds",
    "resolved",
    "sales_transfer",
    "escalated",
    "cost",
    "next_compatible_at",
)


def compute_exact_metrics(ds: Dataset, settings: MetricSettings | None = None) -> ExactMetrics:
    settings = settings or MetricSettings()
    windows = settings.windows_days
    flagged = R.windows_with_false_containment(windows)
    full = enrich(ds.tables["contacts"], settings.cost_model, ds.as_of, flagged)
    enriched = full.drop(*(c for c in UNREAD_COLUMNS if c in full.columns)).cache()
    rows = _resolution_rows(enriched, windows)
    month_rows = _month_rows(enriched, windows)
    res = R.resolution_results(rows, windows)
    answers = ds.table("surveys")
    surveys = no_surveys() if answers is None else survey_results(enriched, answers)
    return ExactMetrics(
        as_of=ds.as_of.isoformat().replace("+00:00", "Z"),
        windows=windows,
        contacts=res.contacts,
        escalated=res.escalated,
        cost_modelled=res.cost_modelled,
        handle_imputed=res.handle_imputed,
        fcr=res.fcr,
        containment_rate=res.containment_rate,
        false_containment_7d=res.false_containment_7d,
        cost_per_contact=res.cost_per_contact,
        cost_per_resolution=res.cost_per_resolution,
        aht_seconds=res.aht_seconds,
        surveys=surveys.surveys,
        post_ai_nps=surveys.post_ai_nps,
        by_channel=surveys.by_channel,
        by_touchpoint=surveys.by_touchpoint,
        relationship=surveys.relationship,
        csat_delta_monthly=surveys.csat_delta_monthly,
        has_surveys=ds.has("surveys"),
        monthly=_monthly(month_rows, surveys, windows),
        contacts_by_direction=res.contacts_by_direction,
        outbound=res.outbound,
        proactive=res.proactive,
        enriched=enriched,
        settings=settings,
    )


def _resolution_rows(enriched: ir.Table, windows: tuple[int, ...]) -> dict[str, dict[str, Any]]:
    """Per-mode rows and the "all" row of the clustered sums."""
    variables = R.variables(windows)
    ratios = R.overall_ratios(windows)
    overall = [*ratios, R.CONTAINMENT, R.FALSE_CONTAINMENT]
    rows = _mode_and_all_rows(
        enriched, variables, (ratios, R.COUNTS), (overall, R.COUNTS)
    )
    # outbound and proactive contacts: the same sums over their (few) contacts only
    apart = enriched.filter(~enriched.inbound | enriched.proactive)
    extra = (R.APART_RATIOS, R.APART_COUNTS)
    for group, row in _mode_and_all_rows(apart, variables, extra, extra).items():
        rows.setdefault(group, {}).update(row)
    return rows


Wanted = tuple[Sequence[Ratio], Sequence[str]]  # ratios and counts


def _mode_and_all_rows(
    contacts: ir.Table, variables: Variables, by_mode: Wanted, everyone: Wanted
) -> dict[str, dict[str, Any]]:
    """Clustered sums per mode and over all modes, from one pass over ``contacts``.

    Each customer's totals per mode are computed once (and kept: both groupings read them);
    its totals over every mode are their sums.
    """
    mode_names = used_variables(by_mode[0], counts=by_mode[1])
    all_names = used_variables(everyone[0], counts=everyone[1])
    per_mode = customer_totals(contacts, ["ai_mode"], variables, mode_names | all_names).cache()
    try:
        modes = moment_sums(per_mode, ["ai_mode"], mode_names, by_mode[0]).execute()
        total = moment_sums(rolled_up(per_mode, all_names), [], all_names, everyone[0]).execute()
    finally:
        per_mode.release()
    rows = {str(r["ai_mode"]): r for r in modes.to_dict("records")}
    rows[ALL] = total.to_dict("records")[0]
    return rows


def _month_rows(enriched: ir.Table, windows: tuple[int, ...]) -> dict[str, dict[str, Any]]:
    sums = clustered_sums(
        enriched, ["month"], R.variables(windows), R.monthly_ratios(windows), counts=("n",)
    ).execute()
    return {str(r["month"]): r for r in sums.to_dict("records")}


def _monthly(
    rows: Mapping[str, Mapping[str, Any]], surveys: SurveyResults, windows: tuple[int, ...]
) -> tuple[tuple[str, dict[str, Result]], ...]:
    out = []
    for month, row in sorted(rows.items()):
        values = R.monthly_values(row, month, windows)
        answers = surveys.monthly.get(month)
        values["csat"] = answers["csat"] if answers else _no_answers(month, "csat")
        values["ces"] = answers["ces"] if answers else _no_answers(month, "ces")
        n = count(row, "n")
        values["contacts"] = Estimate(float(n), method="count", n=n)
        out.append((month, values))
    return tuple(out)


def _no_answers(month: str, kind: str) -> Result:
    return CannotCompute(f"{month}: no {kind} answers")
