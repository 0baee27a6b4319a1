"""What the bank log shows about repeat calls: after abandoned vs served calls, with intervals.

Uses cxroi's own repeat definition (``cxroi.metrics.queries.enrich``: the same customer calls
again, strictly later, within W days, on any channel) so the numbers agree with ``fcr_Wd``. Only
identified callers can repeat (each unidentified call is its own one-off customer), so the rates
are computed over identified callers; the counts of the others are reported beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd

from cxroi.io.dataset import Dataset
from cxroi.metrics.queries import enrich
from cxroi.stats.result import CannotCompute, Estimate, Result
from cxroi.stats.summary import Proportion, newcombe_difference


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
    gaps = (
        t.filter(repeat)
        .mutate(
            minutes=(t.next_compatible_at.epoch_seconds() - t.started_at.epoch_seconds()) / 60.0
        )
        .select("label", "minutes")
        .execute()
    )
    counts: dict[str, dict[str, int]] = {}
    props: dict[str, Proportion] = {}
    for r in sums.sort_values("label").to_dict("records"):
        c = {k: int(r[k]) for k in ("calls", "identified", "eligible", "repeats")}
        counts[str(r["label"])] = c
        props[str(r["label"])] = Proportion(c["eligible"], c["repeats"])
    by_outcome = {
        k: p.estimate(f"no identified {k} calls at least {w} days before as_of")
        for k, p in props.items()
    }
    minutes = {
        str(k): {
            "median": float(g["minutes"].median()),
            "p25": float(g["minutes"].quantile(0.25)),
            "p75": float(g["minutes"].quantile(0.75)),
        }
        for k, g in gaps.groupby("label", sort=True)
    }
    diff = newcombe_difference(
        props.get("abandoned", Proportion()),
        props.get("served", Proportion()),
        "needs eligible identified calls both abandoned in the queue and served",
    )
    return OutcomeRepeats(w, by_outcome, counts, diff, minutes)
