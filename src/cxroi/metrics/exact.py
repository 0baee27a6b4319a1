"""Compute the exact metrics of metrics.md ("Resolution and effort", "Surveys") for a dataset."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import ibis.expr.types as ir
import pandas as pd

from cxroi.io.contract import MODES
from cxroi.io.dataset import Dataset
from cxroi.metrics.queries import enrich, relationship_survey_sums, resolution_sums, survey_sums
from cxroi.stats.result import CannotCompute, Estimate, Result
from cxroi.stats.summary import Moments, NpsCounts, Proportion, RatioMoments, newcombe_difference

ALL = "all"
GROUPS: tuple[str, ...] = (*MODES, ALL)
PerMode = dict[str, Result]
NO_SURVEYS = "the dataset has no surveys table"


@dataclass(frozen=True)
class SurveyStats:
    csat: Proportion
    csat_score: Moments
    nps: NpsCounts
    ces: Moments

    def __add__(self, o: SurveyStats) -> SurveyStats:
        return SurveyStats(
            self.csat + o.csat, self.csat_score + o.csat_score, self.nps + o.nps, self.ces + o.ces
        )

    def results(self, where: str) -> dict[str, Result]:
        return {
            "csat": self.csat.estimate(f"no csat answers {where}"),
            "csat_mean": self.csat_score.mean(f"no csat answers {where}"),
            "nps": self.nps.estimate(f"no nps answers {where}"),
            "ces": self.ces.mean(f"no ces answers {where}"),
        }


EMPTY_SURVEYS = SurveyStats(Proportion(), Moments(), NpsCounts(), Moments())


@dataclass(frozen=True)
class ExactMetrics:
    as_of: str
    windows: tuple[int, ...]
    contacts: dict[str, int]
    escalated: dict[str, int]
    cost_modelled: int
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
    # contacts with repeat/eligibility flags for every window (materialised): later analyses reuse
    # it rather than re-running the windowed repeat query
    enriched: ir.Table | None = field(default=None, compare=False, repr=False)

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
        return out


K = TypeVar("K")
S = TypeVar("S", Proportion, Moments, RatioMoments, NpsCounts, SurveyStats)


def _total(items: Iterable[S], zero: S) -> S:
    acc = zero
    for item in items:
        acc = acc + item
    return acc


def compute_exact_metrics(ds: Dataset) -> ExactMetrics:
    cfg = ds.config
    windows = cfg.windows_days
    enriched = enrich(ds.tables["contacts"], cfg.cost_model, ds.as_of, windows).cache()
    sums = resolution_sums(enriched, windows, ["ai_mode"]).execute()
    rows: dict[str, dict[str, Any]] = {str(r["ai_mode"]): r for r in sums.to_dict("records")}

    def rec(mode: str) -> dict[str, Any]:
        return rows.get(mode, {})

    def i(r: Mapping[str, Any], key: str) -> int:
        v = r.get(key)
        return 0 if v is None or pd.isna(v) else int(v)

    def f(r: Mapping[str, Any], key: str) -> float:
        v = r.get(key)
        return 0.0 if v is None or pd.isna(v) else float(v)

    def per_mode(build: Any, combine_zero: Any, finish: Any) -> PerMode:
        parts = {m: build(rec(m)) for m in MODES}
        out: PerMode = {m: finish(parts[m], m) for m in MODES}
        out[ALL] = finish(_total(parts.values(), combine_zero), ALL)
        return out

    fcr: dict[int, PerMode] = {}
    cpr: dict[int, PerMode] = {}
    for w in windows:
        fcr[w] = per_mode(
            lambda r, w=w: Proportion(i(r, f"eligible_{w}"), i(r, f"resolved_{w}")),
            Proportion(),
            lambda p, m, w=w: p.estimate(f"no {_who(m)} at least {w} days before as_of"),
        )
        cpr[w] = per_mode(
            lambda r, w=w: RatioMoments(
                n=i(r, f"eligible_{w}"),
                sx=f(r, f"cost_eligible_{w}"),
                sy=float(i(r, f"resolved_{w}")),
                sxx=f(r, f"cost_sq_eligible_{w}"),
                syy=float(i(r, f"resolved_{w}")),
                sxy=f(r, f"cost_resolved_{w}"),
            ),
            RatioMoments(),
            lambda p, m, w=w: p.ratio(f"no resolved {_who(m)} in the {w}-day window"),
        )
    cost = per_mode(
        lambda r: Moments(i(r, "n"), f(r, "cost_sum"), f(r, "cost_sq")),
        Moments(),
        lambda p, m: p.mean(f"no {_who(m)}"),
    )
    aht = per_mode(
        lambda r: Moments(i(r, "n"), f(r, "handle_sum"), f(r, "handle_sq")),
        Moments(),
        lambda p, m: p.mean(f"no {_who(m)}"),
    )
    ai_only = i(rec("ai_only"), "n")
    escalated = {m: i(rec(m), "escalated") for m in MODES}
    containment = Proportion(ai_only + sum(escalated.values()), ai_only).estimate(
        "no ai_only or escalated contacts"
    )
    ai7 = rec("ai_only")
    false_containment = Proportion(
        i(ai7, "eligible_7"), i(ai7, "eligible_7") - i(ai7, "resolved_7")
    ).estimate("no ai_only contacts at least 7 days before as_of")

    survey_parts = _survey_views(ds, enriched)
    monthly = _monthly(
        resolution_sums(enriched, windows, ["month", "ai_mode"]).execute(),
        survey_parts.pop("monthly_surveys"),
        windows,
    )
    return ExactMetrics(
        as_of=ds.as_of.isoformat().replace("+00:00", "Z"),
        windows=windows,
        contacts={m: i(rec(m), "n") for m in MODES},
        escalated=escalated,
        cost_modelled=sum(i(rec(m), "cost_modelled") for m in MODES),
        fcr=fcr,
        containment_rate=containment,
        false_containment_7d=false_containment,
        cost_per_contact=cost,
        cost_per_resolution=cpr,
        aht_seconds=aht,
        has_surveys=ds.has("surveys"),
        monthly=monthly,
        enriched=enriched,
        **survey_parts,
    )


def _monthly(
    sums: pd.DataFrame, surveys: dict[str, SurveyStats], windows: tuple[int, ...]
) -> tuple[tuple[str, dict[str, Result]], ...]:
    out = []
    for month, rows in sorted(sums.groupby("month"), key=lambda kv: str(kv[0])):
        by_mode = {str(r["ai_mode"]): r for r in rows.to_dict("records")}
        n = {m: int(by_mode[m]["n"]) if m in by_mode else 0 for m in MODES}
        escalated = sum(int(r["escalated"]) for r in by_mode.values())
        values: dict[str, Result] = {
            "containment_rate": Proportion(n["ai_only"] + escalated, n["ai_only"]).estimate(
                f"{month}: no ai_only or escalated contacts"
            )
        }
        for w in windows:
            values[f"fcr_{w}d"] = _total(
                (Proportion(int(r[f"eligible_{w}"]), int(r[f"resolved_{w}"])) for r in by_mode.values()),
                Proportion(),
            ).estimate(f"{month}: no contacts at least {w} days before as_of")
        ai = by_mode.get("ai_only")
        values["false_containment_7d"] = (
            Proportion(int(ai["eligible_7"]), int(ai["eligible_7"]) - int(ai["resolved_7"]))
            if ai is not None
            else Proportion()
        ).estimate(f"{month}: no eligible ai_only contacts")
        answers = surveys.get(str(month), EMPTY_SURVEYS)
        values["csat"] = answers.csat.estimate(f"{month}: no csat answers")
        values["ces"] = answers.ces.mean(f"{month}: no ces answers")
        values["contacts"] = Estimate(float(sum(n.values())), method="count", n=sum(n.values()))
        out.append((str(month), values))
    return tuple(out)


def _survey_views(ds: Dataset, enriched: Any) -> dict[str, Any]:
    surveys = ds.table("surveys")
    if surveys is None:
        none: PerMode = {g: CannotCompute(NO_SURVEYS) for g in GROUPS}
        return {
            "surveys": {k: dict(none) for k in ("csat", "csat_mean", "nps", "ces")},
            "post_ai_nps": CannotCompute(NO_SURVEYS),
            "by_channel": {},
            "by_touchpoint": {},
            "relationship": {
                k: CannotCompute(NO_SURVEYS) for k in ("csat", "csat_mean", "nps", "ces")
            },
            "csat_delta_monthly": (),
            "monthly_surveys": {},
        }
    cells = survey_sums(enriched, surveys).execute()
    keyed = [(_cell_key(r), _cell_stats(r)) for r in cells.to_dict("records")]

    def view(key: str, value: str | None = None) -> SurveyStats:
        return _total((s for k, s in keyed if value is None or k[key] == value), EMPTY_SURVEYS)

    by_mode = {m: view("ai_mode", m).results(f"on {m} contacts") for m in MODES}
    by_mode[ALL] = view("ai_mode").results("on any contact")
    surveys_per_mode = {
        metric: {g: by_mode[g][metric] for g in GROUPS}
        for metric in ("csat", "csat_mean", "nps", "ces")
    }
    ai_assisted = view("ai_mode", "ai_only") + view("ai_mode", "hybrid")
    channels = sorted({k["channel"] for k, _ in keyed})
    touchpoints = sorted({k["touchpoint"] for k, _ in keyed})
    # months with CSAT answers on either side; one side missing is reported, not skipped
    months = sorted(
        {k["month"] for k, s in keyed if s.csat.n and k["ai_mode"] in ("hybrid", "human_only")}
    )

    def month_mode(month: str, mode: str) -> Proportion:
        return _total(
            (s.csat for k, s in keyed if k["month"] == month and k["ai_mode"] == mode), Proportion()
        )

    rel = relationship_survey_sums(surveys).execute()
    rel_stats = _total((_cell_stats(r) for r in rel.to_dict("records")), EMPTY_SURVEYS)
    return {
        "surveys": surveys_per_mode,
        "post_ai_nps": ai_assisted.nps.estimate("no nps answers on AI-assisted contacts"),
        "by_channel": {c: view("channel", c).results(f"on {c} contacts") for c in channels},
        "by_touchpoint": {
            t: view("touchpoint", t).results(f"on touchpoint {t}") for t in touchpoints
        },
        "relationship": rel_stats.results("in relationship surveys"),
        "csat_delta_monthly": tuple(
            (
                m,
                newcombe_difference(
                    month_mode(m, "hybrid"),
                    month_mode(m, "human_only"),
                    f"{m}: needs csat answers on both hybrid and human_only contacts",
                ),
            )
            for m in months
        ),
        "monthly_surveys": {
            month: view("month", month) for month in sorted({k["month"] for k, _ in keyed})
        },
    }


def _who(mode: str) -> str:
    return "contacts" if mode == ALL else f"{mode} contacts"


def _cell_key(r: Mapping[str, Any]) -> dict[str, str]:
    return {
        k: ("unknown" if r[k] is None or pd.isna(r[k]) else str(r[k]))
        for k in ("ai_mode", "channel", "touchpoint", "month")
    }


def _cell_stats(r: Mapping[str, Any]) -> SurveyStats:
    n, kind = int(r["n"]), str(r["kind"])
    total, sq = float(r["score_sum"]), float(r["score_sq"])
    if kind == "csat":
        return SurveyStats(Proportion(n, int(r["top_box"])), Moments(n, total, sq), NpsCounts(), Moments())
    if kind == "nps":
        return SurveyStats(
            Proportion(), Moments(), NpsCounts(n, int(r["promoters"]), int(r["detractors"])), Moments()
        )
    return SurveyStats(Proportion(), Moments(), NpsCounts(), Moments(n, total, sq))
