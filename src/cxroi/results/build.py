"""Assemble ``results.json`` (results-contract.md) and write it byte-for-byte reproducibly."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from cxroi._version import __version__
from cxroi.io.contract import CONTRACT_VERSION
from cxroi.io.dataset import Dataset
from cxroi.metrics.exact import GROUPS, ExactMetrics
from cxroi.stats.result import CannotCompute, Estimate, Result

SCHEMA_VERSION = "1.0.0"
SCHEMA_PATH = Path(__file__).with_name("schema.json")

def estimate_object(result: Estimate) -> dict[str, Any]:
    return {k: _clean_number(v) for k, v in result.as_dict().items()}


def _clean_number(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def put(target: dict[str, Any], key: str, result: Result, as_number: bool = True) -> None:
    """Set ``key`` to a number (or estimate object), or to null with ``<key>_note``."""
    if isinstance(result, CannotCompute):
        target[key] = None
        target[f"{key}_note"] = result.reason
    else:
        target[key] = result.estimate if as_number else estimate_object(result)


def per_mode(values: Mapping[str, Result]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for group in GROUPS:
        put(out, group, values[group])
    return out


def intervals(values: Mapping[str, Result]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for group in GROUPS:
        put(out, group, values[group], as_number=False)
    return out


def metrics_section(m: ExactMetrics) -> dict[str, Any]:
    out: dict[str, Any] = {}
    detail: dict[str, Any] = {}
    named: dict[str, Mapping[str, Result]] = {
        "cost_per_contact": m.cost_per_contact,
        "aht_seconds": m.aht_seconds,
        **m.surveys,
    }
    for w in m.windows:
        named[f"fcr_{w}d"] = m.fcr[w]
        named[f"cost_per_resolution_{w}d"] = m.cost_per_resolution[w]
    for name, values in named.items():
        out[name] = per_mode(values)
        detail[name] = intervals(values)
    for name, single in (
        ("containment_rate", m.containment_rate),
        ("false_containment_7d", m.false_containment_7d),
        ("post_ai_nps", m.post_ai_nps),
    ):
        put(out, name, single)
        put(detail, name, single, as_number=False)
    out["ces_by_channel"] = {
        ch: v["ces"].estimate for ch, v in m.by_channel.items() if isinstance(v["ces"], Estimate)
    }
    if not m.has_surveys:
        out["ces_by_channel_note"] = "the dataset has no surveys table"
    out["by_channel"] = {ch: _survey_block(v) for ch, v in m.by_channel.items()}
    out["by_touchpoint"] = {tp: _survey_block(v) for tp, v in m.by_touchpoint.items()}
    out["relationship_surveys"] = _survey_block(m.relationship)
    out["csat_delta_hybrid_vs_human_monthly"] = [_month(month, r) for month, r in m.csat_delta_monthly]
    out["monthly"] = [_monthly_row(month, values) for month, values in m.monthly]
    out["intervals"] = detail
    out["counts"] = {
        "contacts": {**m.contacts, "all": sum(m.contacts.values())},
        "escalated": {**m.escalated, "all": sum(m.escalated.values())},
        "cost_modelled": m.cost_modelled,
    }
    out["windows_days"] = list(m.windows)
    return out


def _monthly_row(month: str, values: Mapping[str, Result]) -> dict[str, Any]:
    row: dict[str, Any] = {"month": month}
    for key, result in values.items():
        if key == "contacts" and isinstance(result, Estimate):
            row[key] = result.n
        else:
            put(row, key, result, as_number=False)
    return row


def _survey_block(values: Mapping[str, Result]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, result in values.items():
        put(out, key, result, as_number=False)
    return out


def _month(month: str, result: Result) -> dict[str, Any]:
    if isinstance(result, CannotCompute):
        return {"month": month, "estimate": None, "ci_low": None, "ci_high": None, "note": result.reason}
    obj = estimate_object(result)
    return {
        "month": month,
        "estimate": obj["estimate"],
        "ci_low": obj["ci_low"],
        "ci_high": obj["ci_high"],
        "method": obj.get("method"),
        "n_hybrid": obj.get("n_a"),
        "n_human_only": obj.get("n_b"),
    }


def build_results(ds: Dataset, m: ExactMetrics) -> dict[str, Any]:
    rep = ds.report
    cfg = ds.config
    results: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "contract_version": CONTRACT_VERSION,
        "cxroi_version": __version__,
        "as_of": m.as_of,
        "currency": cfg.currency,
        "config": {
            "timezone": cfg.timezone,
            "currency": cfg.currency,
            "windows_days": list(cfg.windows_days),
            "cost_model": {k: asdict(v) for k, v in cfg.cost_model.by_mode.items()},
            "strict": cfg.strict,
        },
        "dataset": {
            "rows": dict(rep.rows),
            "accepted": dict(rep.accepted),
            "quarantined": dict(rep.quarantined),
            "excluded_after_as_of": {"contacts": rep.excluded_after_as_of},
            "rules": [
                {
                    "table": c.table,
                    "column": c.column,
                    "rule": c.rule,
                    "severity": c.severity.value,
                    "count": c.count,
                }
                for c in rep.counts
            ],
            "present_columns": {t: list(c) for t, c in ds.present_columns.items()},
        },
        "metrics": metrics_section(m),
    }
    return results


def dumps(results: Mapping[str, Any]) -> str:
    """Canonical JSON: sorted keys, fixed layout, no NaN (``allow_nan=False`` enforces it)."""
    return json.dumps(results, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_results(results: Mapping[str, Any], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "results.json"
    path.write_text(dumps(results), encoding="utf-8")
    return path
