"""Compute the exact metrics of docs/metrics.md ("Resolution and effort", "Surveys") for a dataset.

One pass over the contacts: they are enriched (repeats, eligibility, cost), summed per
customer × month × mode × direction (``customer_sums.contact_cells``), and every figure comes
from per-group sums of those per-customer totals, so each interval is clustered by customer
(``cxroi.stats.clustered``; docs/methods.md, "Customer-clustered intervals").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import ibis.expr.types as ir

from cxroi.io.dataset import Dataset
from cxroi.metrics import resolution as R
from cxroi.metrics.customer_sums import clustered_sums, contact_cells, count
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
    # it rather than re-running the windowed repeat query
    enriched: ir.Table | None = field(default=None, compare=False, repr=False)
    # the windows, cost model and privacy threshold these were computed with
    settings: MetricSettings = field(default_factory=MetricSettings)

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


def compute_exact_metrics(ds: Dataset, settings: MetricSettings | None = None) -> ExactMetrics:
    settings = settings or MetricSettings()
    windows = settings.windows_days
    flagged = R.windows_with_false_containment(windows)
    enriched = enrich(ds.tables["contacts"], settings.cost_model, ds.as_of, flagged).cache()
    cells = contact_cells(enriched, flagged).cache()
    try:
        rows = _resolution_rows(cells, windows)
        month_rows = _month_rows(cells, windows)
    finally:
        cells.release()
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


def _resolution_rows(cells: ir.Table, windows: tuple[int, ...]) -> dict[str, dict[str, Any]]:
    """Per-mode rows and the "all" row of the clustered sums."""
    ratios = R.overall_ratios(windows)
    variables = R.variables(windows)
    by_mode = clustered_sums(cells, ["ai_mode"], variables, ratios, counts=R.COUNTS).execute()
    rows = {str(r["ai_mode"]): r for r in by_mode.to_dict("records")}
    overall = [*ratios, R.CONTAINMENT, R.FALSE_CONTAINMENT]
    everyone = clustered_sums(cells, [], variables, overall, counts=R.COUNTS).execute()
    rows[ALL] = everyone.to_dict("records")[0]
    # outbound and proactive contacts: the same sums over their (few) cells only
    apart = cells.filter(~cells.inbound | cells.proactive)
    apart_mode = clustered_sums(
        apart, ["ai_mode"], variables, R.APART_RATIOS, counts=R.APART_COUNTS
    ).execute()
    for r in apart_mode.to_dict("records"):
        rows.setdefault(str(r["ai_mode"]), {}).update(r)
    apart_all = clustered_sums(apart, [], variables, R.APART_RATIOS, counts=R.APART_COUNTS)
    rows[ALL].update(apart_all.execute().to_dict("records")[0])
    return rows


def _month_rows(cells: ir.Table, windows: tuple[int, ...]) -> dict[str, dict[str, Any]]:
    sums = clustered_sums(
        cells, ["month"], R.variables(windows), R.monthly_ratios(windows), counts=("n",)
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
