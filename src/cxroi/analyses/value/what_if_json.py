"""Transitional: the what-if and ROI typed results as today's results.json blocks.

The typed results tree (issue 9) will serialise these dataclasses once, at the edge; until the
lead wires it, ``run.ValueResult.to_results`` calls these two functions so the report and the
terminal summary keep reading ``extra_cost``, ``extra_agents``, ``roi``, ``payback_months`` and
``roi_monthly`` where they do today. Generic rules: a dataclass becomes an object of its fields,
a :class:`CannotCompute` field becomes ``null`` with a sibling ``<field>_note``, tuples of pairs
become objects.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any

from cxroi.analyses.value.roi import RoiResult
from cxroi.analyses.value.settings import Triangular
from cxroi.analyses.value.what_if_result import WhatIfResult
from cxroi.stats.result import CannotCompute, Estimate


def plain(value: Any) -> Any:
    """JSON-ready form of a typed result (see the module docstring)."""
    if isinstance(value, Estimate):
        return value.as_dict()
    if isinstance(value, Triangular):
        return {"low": value.low, "mode": value.mode, "high": value.high}
    if is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in fields(value):
            item = getattr(value, f.name)
            if isinstance(item, CannotCompute):
                out[f.name] = None
                out[f"{f.name}_note"] = item.reason
            else:
                out[f.name] = plain(item)
        return out
    if isinstance(value, tuple) and value and all(
        isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) for v in value
    ):
        return {k: plain(v) for k, v in value}
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    return value


def what_if_block(result: WhatIfResult) -> dict[str, Any]:
    """``value.what_if_stopped``: the typed fields plus today's ``extra_agents`` and ``horizon``."""
    out: dict[str, Any] = plain(result)
    staffing = result.staffing
    if isinstance(staffing, CannotCompute):
        out["extra_agents"] = None
        out["extra_agents_note"] = staffing.reason
    else:
        # the headline: extra FTE by Erlang A (abandonment), the realistic of the two models
        out["extra_agents"] = plain(staffing.erlang_a.extra_fte)
    p = result.period
    scaled = f", annualised from {p.months}" if p.annualised else ""
    out["horizon"] = f"12 months, {p.first_month} to {p.last_month}{scaled}"
    return out


def roi_block(result: RoiResult) -> dict[str, Any]:
    """``value.roi`` (the ROI estimate object with payback, TCO, benefits, flags; or null with
    ``roi_note``) and ``value.roi_monthly``."""
    body: dict[str, Any] = plain(result)
    monthly = body.pop("monthly")
    roi = body.pop("roi")
    if roi is None:
        return {
            "roi": None,
            "roi_note": body.pop("roi_note"),
            "roi_detail": body,
            "roi_monthly": monthly,
        }
    return {"roi": {**roi, **body}, "roi_monthly": monthly}


__all__ = ["plain", "roi_block", "what_if_block"]
