"""Survey metrics (docs/metrics.md, "Surveys") with customer-clustered intervals.

Transactional answers join their contact on ``contact_id`` and are clustered by that contact's
customer; relationship answers (no contact) are clustered by the survey's own customer. Every
figure is a ratio of per-customer totals: CSAT = top-box answers / CSAT answers (and the mean
score), CES = score / answers, NPS = 100 × (promoters − detractors) / answers, i.e. the
difference of two shares written as one ratio whose per-answer value is +1, 0 or −1, so its
clustered variance accounts for the covariance of the two shares.

The monthly CSAT gap hybrid − human-only is a difference of two clustered shares in which the
same customer may have answered on both sides; the cross sums over customers give the
correlation of the two estimates, which the interval uses (``PairedRatioSums``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir
import pandas as pd

from cxroi.metrics.customer_sums import Pair, Ratio, clustered_sums, paired_sums, ratio_sums, survey_cells
from cxroi.io.contract import ALL, GROUPS, MODES
from cxroi.metrics.resolution import PerMode
from cxroi.stats.clustered import NPS_METHOD
from cxroi.stats.result import CannotCompute, Result

NO_SURVEYS = "the dataset has no surveys table"
CSAT = Ratio("csat", "csat_top", "csat_n")
CSAT_MEAN = Ratio("csat_mean", "csat_score", "csat_n")
NPS = Ratio("nps", "nps_net", "nps_n")
CES = Ratio("ces", "ces_score", "ces_n")
BLOCK = (CSAT, CSAT_MEAN, NPS, CES)
BLOCK_KEYS: tuple[str, ...] = tuple(r.name for r in BLOCK)
POST_AI_NPS = Ratio("post_ai_nps", "nps_net_ai", "nps_n_ai")
CSAT_DELTA = Pair(
    "csat_delta",
    Ratio("csat_hybrid", "csat_top_hybrid", "csat_n_hybrid"),
    Ratio("csat_human_only", "csat_top_human_only", "csat_n_human_only"),
)


@dataclass(frozen=True)
class SurveyResults:
    surveys: dict[str, PerMode]  # csat, csat_mean, nps, ces, each per mode
    post_ai_nps: Result
    by_channel: dict[str, dict[str, Result]]
    by_touchpoint: dict[str, dict[str, Result]]
    relationship: dict[str, Result]
    csat_delta_monthly: tuple[tuple[str, Result], ...]
    monthly: dict[str, dict[str, Result]]  # month -> csat, ces


def no_surveys() -> SurveyResults:
    none: PerMode = {g: CannotCompute(NO_SURVEYS) for g in GROUPS}
    return SurveyResults(
        surveys={k: dict(none) for k in BLOCK_KEYS},
        post_ai_nps=CannotCompute(NO_SURVEYS),
        by_channel={},
        by_touchpoint={},
        relationship={k: CannotCompute(NO_SURVEYS) for k in BLOCK_KEYS},
        csat_delta_monthly=(),
        monthly={},
    )


def _variables(c: ir.Table) -> dict[str, ir.Value]:
    net = c.promoters - c.detractors
    ai_assisted = c.ai_mode.isin(["ai_only", "hybrid"]) if "ai_mode" in c.columns else None
    out: dict[str, ir.Value] = {
        "csat_n": c.csat_n.sum(),
        "csat_top": c.csat_top.sum(),
        "csat_score": c.csat_score.sum(),
        "nps_n": c.nps_n.sum(),
        "nps_net": net.sum(),
        "ces_n": c.ces_n.sum(),
        "ces_score": c.ces_score.sum(),
    }
    if ai_assisted is not None:
        out["nps_net_ai"] = net.sum(where=ai_assisted)
        out["nps_n_ai"] = c.nps_n.sum(where=ai_assisted)
        for side in ("hybrid", "human_only"):
            out[f"csat_top_{side}"] = c.csat_top.sum(where=c.ai_mode == side)
            out[f"csat_n_{side}"] = c.csat_n.sum(where=c.ai_mode == side)
    return out


def block(row: Mapping[str, Any], where: str) -> dict[str, Result]:
    """CSAT share, CSAT mean, NPS and CES for one group's sums."""
    return {
        "csat": ratio_sums(row, CSAT).share(f"no csat answers {where}"),
        "csat_mean": ratio_sums(row, CSAT_MEAN).mean(f"no csat answers {where}"),
        "nps": ratio_sums(row, NPS).mean(
            f"no nps answers {where}", scale=100.0, method=NPS_METHOD, bounds=(-100.0, 100.0)
        ),
        "ces": ratio_sums(row, CES).mean(f"no ces answers {where}"),
    }


def _rows(table: ir.Table, key: str) -> dict[str, dict[str, Any]]:
    frame = table.execute()
    return {_label(r[key]): r for r in frame.to_dict("records")}


def _label(value: Any) -> str:
    return "unknown" if value is None or pd.isna(value) else str(value)


def survey_results(enriched: ir.Table, surveys: ir.Table) -> SurveyResults:
    s = surveys.filter(surveys.contact_id.notnull()).select("contact_id", "kind", "score")
    e = enriched.select("contact_id", "customer_id", "ai_mode", "channel", "touchpoint", "month")
    cells = survey_cells(s.join(e, "contact_id"), ["ai_mode", "channel", "touchpoint", "month"])
    cells = cells.cache()
    try:
        by_mode = _rows(clustered_sums(cells, ["ai_mode"], _variables, BLOCK), "ai_mode")
        everyone = clustered_sums(cells, [], _variables, [*BLOCK, POST_AI_NPS]).execute()
        channel = _rows(clustered_sums(cells, ["channel"], _variables, BLOCK), "channel")
        touch = _rows(clustered_sums(cells, ["touchpoint"], _variables, BLOCK), "touchpoint")
        months = _rows(
            clustered_sums(cells, ["month"], _variables, [CSAT, CES], pairs=[CSAT_DELTA]), "month"
        )
    finally:
        cells.release()
    total = everyone.to_dict("records")[0]
    blocks = {m: block(by_mode.get(m, {}), f"on {m} contacts") for m in MODES}
    blocks[ALL] = block(total, "on any contact")
    return SurveyResults(
        surveys={k: {g: blocks[g][k] for g in GROUPS} for k in BLOCK_KEYS},
        post_ai_nps=ratio_sums(total, POST_AI_NPS).mean(
            "no nps answers on AI-assisted contacts",
            scale=100.0,
            method=NPS_METHOD,
            bounds=(-100.0, 100.0),
        ),
        by_channel={c: block(r, f"on {c} contacts") for c, r in sorted(channel.items())},
        by_touchpoint={t: block(r, f"on touchpoint {t}") for t, r in sorted(touch.items())},
        relationship=_relationship(surveys),
        csat_delta_monthly=_csat_deltas(months),
        monthly={m: _month_block(r, m) for m, r in sorted(months.items())},
    )


def _month_block(row: Mapping[str, Any], month: str) -> dict[str, Result]:
    return {
        "csat": ratio_sums(row, CSAT).share(f"{month}: no csat answers"),
        "ces": ratio_sums(row, CES).mean(f"{month}: no ces answers"),
    }


def _csat_deltas(months: Mapping[str, Mapping[str, Any]]) -> tuple[tuple[str, Result], ...]:
    """Months with CSAT answers on either side; one side missing is reported, not skipped."""
    out = []
    for month, row in sorted(months.items()):
        pair = paired_sums(row, CSAT_DELTA)
        if pair.a.y == 0 and pair.b.y == 0:
            continue
        reason = f"{month}: needs csat answers on both hybrid and human_only contacts"
        out.append((month, pair.share_difference(reason)))
    return tuple(out)


def _relationship(surveys: ir.Table) -> dict[str, Result]:
    s = surveys.filter(surveys.contact_id.isnull()).select("customer_id", "kind", "score")
    row = clustered_sums(survey_cells(s, []), [], _variables, BLOCK).execute()
    return block(row.to_dict("records")[0], "in relationship surveys")
