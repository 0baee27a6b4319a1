"""What the bank log shows about repeat calls: after abandoned vs served calls, with intervals.

Uses cxroi's own repeat definition (``cxroi.metrics.queries.enrich``: the same customer calls
again, strictly later, within W days, on any channel) so the numbers agree with ``fcr_Wd``. Only
identified callers can repeat (each unidentified call is its own one-off customer), so the rates
are computed over identified callers; the counts of the others are reported beside them.

A customer's calls are not independent (some callers ring dozens of times), so the shares and
their difference get customer-clustered intervals from per-customer sums, as every contact-level
metric does (:mod:`cxroi.stats.clustered`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import ibis
import pandas as pd

from cxroi.io.dataset import Dataset
from cxroi.metrics.queries import enrich
from cxroi.stats.clustered import PairedRatioSums, RatioSums
from cxroi.stats.result import CannotCompute, Estimate, Result


@dataclass(frozen=True)
class OutcomeRepeats:
    window_days: int
    by_outcome: dict[str, Result]  # share of eligible identified calls followed by a repeat
    counts: dict[str, dict[str, int]]  # outcome -> calls, identified, eligible, repeats
    difference: Result  # abandoned - served
    minutes_to_repeat: dict[str, dict[str, float]]  # outcome -> median, p25, p75 (repeats only)

    @property
    def summary(self) -> pd.DataFrame:
        rows = []
        for outcome, est in self.by_outcome.items():
            c = self.counts[outcome]
            row: dict[str, Any] = {"outcome": outcome, **c}
            if isinstance(est, Estimate):
                row.update(repeat_rate=est.estimate, ci_low=est.ci_low, ci_high=est.ci_high)
            else:
                row.update(repeat_rate=None, ci_low=None, ci_high=None)
            row.update(
                {f"minutes_{k}": v for k, v in self.minutes_to_repeat.get(outcome, {}).items()}
            )
            rows.append(row)
        return pd.DataFrame(rows)


def outcome_repeat_rates(ds: Dataset, window_days: int = 7) -> OutcomeRepeats | CannotCompute:
    """Repeat rate within ``window_days`` after calls of each ``outcome`` (the bank adapter's
    extra columns ``outcome``, ``queued`` and ``identified``); ended-in-IVR calls are ``ivr``."""
    if not all(
        ds.has("contacts") and c in ds.extra_columns.get("contacts", ())
        for c in ("outcome", "queued", "identified")
    ):
        return CannotCompute("needs the bank adapter's outcome, queued and identified columns")
    t = enrich(ds.tables["contacts"], None, ds.as_of, (window_days,))
    label = ibis.cases(
        (t.outcome == "agent", "served"),
        (t.queued, "abandoned"),
        else_="ended_in_ivr",
    )
    t = t.mutate(label=label)
    w = window_days
    eligible = t[f"eligible_{w}"] & t.identified
    repeat = eligible & t[f"repeat_{w}"]
    sums = (
        t.group_by("label")
        .aggregate(
            calls=t.count(),
            identified=t.identified.sum(),
            eligible=eligible.sum(),
            repeats=repeat.sum(),
        )
        .execute()
    )
    marked = t.mutate(is_eligible=eligible, is_repeat=repeat).filter(ibis._.is_eligible)
    per_customer = (
        marked.group_by(["customer_id", "label"])
        .aggregate(y=marked.count(), x=marked.is_repeat.sum())
        .execute()
    )
    gaps = (
        t.filter(repeat)
        .mutate(
            minutes=(t.next_compatible_at.epoch_seconds() - t.started_at.epoch_seconds()) / 60.0
        )
        .select("label", "minutes")
        .execute()
    )
    counts: dict[str, dict[str, int]] = {}
    for r in sums.sort_values("label").to_dict("records"):
        counts[str(r["label"])] = {
            k: int(r[k]) for k in ("calls", "identified", "eligible", "repeats")
        }
    wide = _per_customer_wide(per_customer)
    by_outcome = {
        k: _ratio_sums(wide, k).share(f"no identified {k} calls at least {w} days before as_of")
        for k in counts
    }
    minutes = {
        str(k): {
            "median": float(g["minutes"].median()),
            "p25": float(g["minutes"].quantile(0.25)),
            "p75": float(g["minutes"].quantile(0.75)),
        }
        for k, g in gaps.groupby("label", sort=True)
    }
    diff = _paired(wide, "abandoned", "served").share_difference(
        "needs eligible identified calls both abandoned in the queue and served"
    )
    return OutcomeRepeats(w, by_outcome, counts, diff, minutes)


def _per_customer_wide(per_customer: pd.DataFrame) -> pd.DataFrame:
    """One row per customer: eligible calls ``y_<label>`` and repeats ``x_<label>`` (0 if none)."""
    if per_customer.empty:
        return pd.DataFrame()
    wide = per_customer.pivot_table(
        index="customer_id", columns="label", values=["y", "x"], aggfunc="sum", fill_value=0
    )
    wide.columns = [f"{value}_{label}" for value, label in wide.columns]
    return wide.astype("int64")


def _column(wide: pd.DataFrame, name: str) -> pd.Series:
    return wide[name] if name in wide.columns else pd.Series(0, index=wide.index, dtype="int64")


def _ratio_sums(wide: pd.DataFrame, label: str) -> RatioSums:
    x, y = _column(wide, f"x_{label}"), _column(wide, f"y_{label}")
    # Python integers: exact sums, whatever their size
    return RatioSums.of(
        int((y > 0).sum()),
        sum(map(int, x)), sum(map(int, y)),
        sum(int(v) * int(v) for v in x), sum(int(v) * int(v) for v in y),
        sum(int(a) * int(b) for a, b in zip(x, y, strict=True)),
    )


def _paired(wide: pd.DataFrame, a: str, b: str) -> PairedRatioSums:
    xa, ya = _column(wide, f"x_{a}"), _column(wide, f"y_{a}")
    xb, yb = _column(wide, f"x_{b}"), _column(wide, f"y_{b}")

    def cross(u: pd.Series, v: pd.Series) -> int:
        return sum(int(p) * int(q) for p, q in zip(u, v, strict=True))

    return PairedRatioSums(
        _ratio_sums(wide, a),
        _ratio_sums(wide, b),
        int(((ya > 0) | (yb > 0)).sum()),
        *(Fraction(c) for c in (cross(xa, xb), cross(xa, yb), cross(ya, xb), cross(ya, yb))),
    )
