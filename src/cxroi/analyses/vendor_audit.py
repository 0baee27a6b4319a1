"""Audit a vendor's count of "automated resolutions" against durable resolution.

Vendors (Intercom Fin, Zendesk AI agents, ...) bill per resolution they count themselves. cxroi
counts a resolution as durable when the customer does not come back within W days on any channel
(``cxroi.metrics.queries.enrich``: same customer, strictly later, intents compatible). Among the
contacts the vendor billed, the audit reports how many were durable and the gap to the vendor's
count:

- billed contacts: the ``vendor_resolution`` column an adapter writes (Intercom:
  ``assumed_resolution`` / ``confirmed_resolution``; Zendesk: ``bot_resolved_tags`` or AI-only
  solved tickets); without it, ``ai_only`` contacts the source marked ``resolved``;
- durable rate = durable / eligible billed contacts (started at least W days before ``as_of``),
  Wilson 95% interval;
- durable of the vendor's claim = claimed x rate; gap = claimed - that, both with the rate's
  interval carried through (this assumes billed contacts too recent to judge resolve as often as
  the eligible ones);
- per calendar month (configured zone) when the vendor's counts come per month.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pandas as pd

from cxroi.analyses.vendor_claims import (
    VendorAuditSettings,
    parse_vendor_audit_settings,
    read_claims,
)
from cxroi.io.dataset import Dataset
from cxroi.metrics.queries import enrich
from cxroi.stats.result import CannotCompute, Estimate, Result
from cxroi.stats.summary import Proportion


@dataclass(frozen=True, kw_only=True)
class ClaimGap(Estimate):
    """Claimed minus durable resolutions, and the claims with no billed contact behind them."""

    claims_without_record: float


@dataclass(frozen=True)
class AuditCell:
    """One period (a month, or everything): counts, durable rate, the claim and the gap."""

    period: str
    claimed: float | None
    billed_in_data: int
    eligible: int
    durable: int
    durable_rate: Result
    durable_of_claimed: Result
    gap: Result
    small_cell: bool

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "period": self.period,
            "claimed": self.claimed,
            "billed_in_data": self.billed_in_data,
            "eligible": self.eligible,
            "durable": self.durable,
            "small_cell": self.small_cell,
        }
        for key in ("durable_rate", "durable_of_claimed", "gap"):
            value: Result = getattr(self, key)
            if isinstance(value, CannotCompute):
                out[key], out[f"{key}_note"] = None, value.reason
            else:
                out[key] = value.as_dict()
        return out


@dataclass(frozen=True)
class VendorAudit:
    window_days: int
    as_of: str
    billed_definition: str
    total: AuditCell
    months: tuple[AuditCell, ...]
    overbilled_amount: Result | None = None
    notes: tuple[str, ...] = field(default=())

    def to_results(self) -> dict[str, Any]:
        """The ``vendor_audit`` key of results.json."""
        out: dict[str, Any] = {
            "window_days": self.window_days,
            "as_of": self.as_of,
            "billed_definition": self.billed_definition,
            "total": self.total.to_dict(),
            "monthly": [m.to_dict() for m in self.months],
            "notes": list(self.notes),
        }
        if self.overbilled_amount is not None:
            if isinstance(self.overbilled_amount, CannotCompute):
                out["overbilled_amount"], out["overbilled_amount_note"] = (
                    None,
                    self.overbilled_amount.reason,
                )
            else:
                out["overbilled_amount"] = self.overbilled_amount.as_dict()
        return out

    @property
    def summary(self) -> pd.DataFrame:
        rows = []
        for c in (*self.months, self.total):
            rate, gap = c.durable_rate, c.gap
            rows.append(
                {
                    "period": c.period,
                    "claimed": c.claimed,
                    "billed_in_data": c.billed_in_data,
                    "eligible": c.eligible,
                    "durable": c.durable,
                    "durable_rate": rate.estimate if isinstance(rate, Estimate) else None,
                    "gap": gap.estimate if isinstance(gap, Estimate) else None,
                    "gap_low": gap.ci_low if isinstance(gap, Estimate) else None,
                    "gap_high": gap.ci_high if isinstance(gap, Estimate) else None,
                }
            )
        return pd.DataFrame(rows)

    def lines(self) -> list[str]:
        t = self.total
        head = (
            f"vendor audit ({self.window_days}-day durable resolution, as of {self.as_of}); "
            f"billed = {self.billed_definition}"
        )
        out = [head]
        out.append(
            f"  billed contacts in the data: {t.billed_in_data:,} ({t.eligible:,} old enough to judge, "
            f"{t.durable:,} durable)"
        )
        if isinstance(t.durable_rate, Estimate):
            r = t.durable_rate
            out.append(
                f"  durable share of billed: {r.estimate:.1%} [{r.ci_low:.1%}, {r.ci_high:.1%}]"
            )
        if t.claimed is not None and isinstance(t.gap, Estimate):
            g = t.gap
            out.append(
                f"  vendor claimed {t.claimed:,.0f}; not durable: {g.estimate:,.0f} "
                f"[{g.ci_low:,.0f}, {g.ci_high:,.0f}]"
            )
        if isinstance(self.overbilled_amount, Estimate):
            a = self.overbilled_amount
            out.append(
                f"  at the vendor's price: {a.estimate:,.2f} [{a.ci_low:,.2f}, {a.ci_high:,.2f}]"
            )
        out += [f"  note: {n}" for n in self.notes]
        return out


def _truthy(col: ir.Value) -> ir.BooleanValue:
    if col.type().is_boolean():
        return col.fill_null(False)  # type: ignore[no-any-return]
    text = col.cast("string").strip().lower()
    return text.isin(["true", "t", "1", "yes", "y", "1.0"]).fill_null(False)  # type: ignore[no-any-return]


def _cell(
    period: str,
    claimed: float | None,
    billed: int,
    eligible: int,
    durable: int,
    w: int,
    min_cell: int,
) -> AuditCell:
    rate = Proportion(eligible, durable).estimate(
        f"{period}: no billed contact started at least {w} days before as_of"
    )
    if claimed is None:
        of_claimed: Result = CannotCompute(f"{period}: no vendor count given")
        gap: Result = CannotCompute(f"{period}: no vendor count given")
    elif isinstance(rate, Estimate):
        lo, hi = rate.ci_low or 0.0, rate.ci_high or 1.0
        of_claimed = Estimate(
            claimed * rate.estimate,
            claimed * lo,
            claimed * hi,
            method="claimed x wilson rate",
            n=eligible,
        )
        gap = ClaimGap(
            claimed * (1 - rate.estimate),
            claimed * (1 - hi),
            claimed * (1 - lo),
            method="claimed x (1 - wilson rate)",
            n=eligible,
            claims_without_record=max(claimed - billed, 0.0),
        )
    else:
        of_claimed = gap = rate
    return AuditCell(
        period,
        claimed,
        billed,
        eligible,
        durable,
        rate,
        of_claimed,
        gap,
        small_cell=eligible < min_cell,
    )


def audit(
    ds: Dataset,
    claimed: float | Mapping[str, float] | None,
    window_days: int = 7,
    price_per_resolution: float | None = None,
    min_cell: int = 10,
) -> VendorAudit:
    """Reconcile ``claimed`` (a total, or month -> count) with durable resolution in ``ds``."""
    w = window_days
    t = enrich(ds.tables["contacts"], None, ds.as_of, (w,))
    notes: list[str] = []
    if "vendor_resolution" in ds.extra_columns.get("contacts", ()):
        billed_expr = _truthy(t.vendor_resolution)
        definition = "contacts the source flags as vendor resolutions (vendor_resolution)"
    else:
        billed_expr = (t.ai_mode == "ai_only") & t.resolved.fill_null(False)
        definition = "ai_only contacts the source marked resolved (no vendor_resolution column)"
        notes.append(
            "the dataset has no vendor_resolution column; billed contacts are approximated "
            "by ai_only contacts the source marked resolved"
        )
    billed = t.filter(billed_expr)
    eligible = billed[f"eligible_{w}"]
    sums = (
        billed.group_by("month")
        .aggregate(
            billed=billed.count(),
            eligible=eligible.sum(),
            durable=(eligible & ~billed[f"repeat_{w}"]).sum(),
        )
        .execute()
    )
    per_month = {
        str(r["month"]): (int(r["billed"]), int(r["eligible"]), int(r["durable"]))
        for r in sums.to_dict("records")
    }
    by_month = (
        {str(k): float(v) for k, v in claimed.items()} if isinstance(claimed, Mapping) else {}
    )
    months = tuple(
        _cell(m, by_month.get(m) if by_month else None, *per_month.get(m, (0, 0, 0)), w, min_cell)
        for m in sorted(set(per_month) | set(by_month))
    )
    total_claimed = (
        sum(by_month.values())
        if by_month
        else float(claimed)
        if isinstance(claimed, (int, float))
        else None
    )
    missing = sorted(set(by_month) - set(per_month))
    if missing:
        notes.append(
            f"vendor counts for months without billed contacts in the data: {', '.join(missing)}"
        )
    n_billed = sum(v[0] for v in per_month.values())
    total = _cell(
        "all",
        total_claimed,
        n_billed,
        sum(v[1] for v in per_month.values()),
        sum(v[2] for v in per_month.values()),
        w,
        min_cell,
    )
    if total_claimed is not None and total_claimed > n_billed:
        notes.append(
            f"the vendor claims {total_claimed - n_billed:,.0f} more resolutions than the export "
            "shows billed contacts; those have no record to check"
        )
    amount: Result | None = None
    if price_per_resolution is not None:
        g = total.gap
        amount = (
            Estimate(
                g.estimate * price_per_resolution,
                (g.ci_low or 0.0) * price_per_resolution,
                (g.ci_high or 0.0) * price_per_resolution,
                method="gap x price",
                n=g.n,
            )
            if isinstance(g, Estimate)
            else g
        )
    return VendorAudit(
        w,
        ds.as_of.isoformat().replace("+00:00", "Z"),
        definition,
        total,
        months,
        amount,
        tuple(notes),
    )


def run_vendor_audit(
    ds: Dataset, exact: Any, results: Mapping[str, Any], settings: VendorAuditSettings
) -> VendorAudit:
    """Pipeline entry point (``exact`` and ``results`` are not needed: the audit reads contacts)."""
    claimed: float | Mapping[str, float] | None = settings.claimed
    if settings.claimed_csv is not None:
        claimed = read_claims(settings.claimed_csv)
    return audit(ds, claimed, settings.window_days, settings.price_per_resolution)


def write_audit(audit_result: VendorAudit, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "vendor_audit.json"
    path.write_text(
        json.dumps(audit_result.to_results(), indent=2, sort_keys=True, allow_nan=False) + "\n",
        encoding="utf-8",
    )
    return path


__all__ = [
    "VendorAudit",
    "VendorAuditSettings",
    "audit",
    "parse_vendor_audit_settings",
    "read_claims",
    "run_vendor_audit",
    "write_audit",
]
