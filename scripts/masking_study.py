"""Masking detector study: false-alarm and detection rates over simulated 24-month histories.

Not a test: it takes minutes. Run from the repository root:

    .venv/bin/python scripts/masking_study.py --histories 500 --out docs/masking-study.md

Scenarios (``cxroi.analyses.masking.simulate``): containment ramps from 40% to 60% while
bot-entry resolution and effort are truly unchanged (null), with and without customer clustering
and intent drift; and the same world with masking planted in three consecutive months
(containment +15 points, bot-entry FCR about −9 points). Detectors: the one this project used
before (each month vs the pooled previous unflagged months, Newcombe/Welch 95% intervals on
contact counts, no correction; re-implemented below from its last version so the "before" column
can be re-measured), the current one with its defaults, and the current one with one ingredient
switched off at a time.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from cxroi.analyses.loyalty_stats import welch_difference
from cxroi.analyses.masking.settings import MaskingSettings
from cxroi.analyses.masking.simulate import HistorySpec
from cxroi.analyses.masking.study import (
    Detector,
    Prepared,
    ScenarioRates,
    detector_for,
    run_scenario,
)
from cxroi.stats.result import Estimate, Result
from cxroi.stats.summary import Moments, Proportion, newcombe_difference

PLANTED = (14, 15, 16)  # 2025-03 .. 2025-05 of a history starting 2024-01
SCENARIOS: dict[str, tuple[str, HistorySpec]] = {
    "null_independent": (
        "containment 40%→60%, resolution and CES unchanged; one contact per customer",
        HistorySpec(clustered=False),
    ),
    "null_clustered": (
        "the same with customer clustering (about 5 contacts per customer, frailty, repeats "
        "are follow-up contacts)",
        HistorySpec(),
    ),
    "null_clustered_drift": (
        "the same with clustering and a mild intent drift (unadjusted bot-entry FCR −2 pts and "
        "CES −0.2 over the 24 months)",
        HistorySpec(intent_drift=0.5),
    ),
    "null_strong_drift": (
        "clustering and a strong intent drift (unadjusted FCR −4 pts, CES −0.3)",
        HistorySpec(intent_drift=1.0),
    ),
    "masking": (
        "clustering, mild drift, masking planted in 2025-03..05 (+15 pts containment, "
        "about −9 pts bot-entry FCR, −0.3 CES)",
        HistorySpec(intent_drift=0.5, masked_months=PLANTED),
    ),
    "masking_small": (
        "as masking, a quarter of the volume (about 750 bot-entry contacts a month)",
        HistorySpec(intent_drift=0.5, masked_months=PLANTED, first_contacts=25_000),
    ),
    "null_small": (
        "as null_clustered_drift, a quarter of the volume",
        HistorySpec(intent_drift=0.5, first_contacts=25_000),
    ),
}
DEFAULT = MaskingSettings()
VARIANTS: dict[str, MaskingSettings] = {
    "current": DEFAULT,
    "no intent adjustment": replace(DEFAULT, adjust_for_intent=False),
    "no practical minimum": replace(
        DEFAULT, min_containment_rise=0.0, min_resolution_fall=0.0, min_effort_fall=0.0
    ),
    "no episode extension": replace(DEFAULT, extend_episodes=False),
}


# -- the detector before (re-implemented from its last version) --------------------------------
def legacy_detector(reference_months: int = 6) -> Detector:
    """Each month vs the pooled previous unflagged months: flagged when the containment rise's
    Newcombe 95% interval is above 0 and the FCR (Newcombe) or CES (Welch) interval below 0."""

    def detect(prepared: Prepared) -> tuple[str, ...]:
        history = prepared.history
        units = history.units()
        sq = history.answers.assign(sq=history.answers["score"] ** 2).groupby("contact_id")["sq"]
        bot = history.contacts[
            (history.contacts["ai_mode"] == "ai_only") | history.contacts["escalated"]
        ]
        units["ces_sq"] = bot["contact_id"].map(sq.sum()).fillna(0.0).to_numpy()
        g = units.groupby("month", sort=True)[
            ["one", "ai", "eligible", "resolved", "ces_n", "ces_sum", "ces_sq"]
        ].sum()
        months = list(g.index)
        flagged: list[str] = []
        for i, month in enumerate(months):
            ref = [p for p in months[:i] if p not in flagged][-reference_months:]
            if not ref:
                continue
            now, before = g.loc[month], g.loc[ref].sum()
            cont = newcombe_difference(
                Proportion(int(now["one"]), int(now["ai"])),
                Proportion(int(before["one"]), int(before["ai"])),
                "",
            )
            fcr = newcombe_difference(
                Proportion(int(now["eligible"]), int(now["resolved"])),
                Proportion(int(before["eligible"]), int(before["resolved"])),
                "",
            )
            ces = welch_difference(
                Moments(int(now["ces_n"]), float(now["ces_sum"]), float(now["ces_sq"])),
                Moments(int(before["ces_n"]), float(before["ces_sum"]), float(before["ces_sq"])),
                "",
            )
            if _above(cont) and (_below(fcr) or _below(ces)):
                flagged.append(month)
        return tuple(flagged)

    return detect


def _above(r: Result) -> bool:
    return isinstance(r, Estimate) and r.ci_low is not None and r.ci_low > 0


def _below(r: Result) -> bool:
    return isinstance(r, Estimate) and r.ci_high is not None and r.ci_high < 0


# -- the study --------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--histories", type=int, default=500)
    parser.add_argument("--scenarios", nargs="*", default=list(SCENARIOS))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    names = ["before", *VARIANTS]
    detectors = [legacy_detector(), *(detector_for(s) for s in VARIANTS.values())]
    rows = []
    for key in args.scenarios:
        text, spec = SCENARIOS[key]
        start = time.time()
        rates = run_scenario(spec, detectors, args.histories)
        took = time.time() - start
        print(f"{key}: {took:.0f}s", file=sys.stderr)
        for name, r in zip(names, rates, strict=True):
            rows.append(_row(key, text, spec, name, r))
    table = pd.DataFrame(rows)
    report = _markdown(table, args.histories)
    print(report)
    if args.out is not None:
        args.out.write_text(report)
    return 0


def _row(key: str, text: str, spec: HistorySpec, name: str, r: ScenarioRates) -> dict[str, object]:
    planted = bool(spec.masked_months)
    return {
        "scenario": key,
        "world": text,
        "detector": name,
        "any false month": r.any_false.text(),
        "false months / history": f"{r.false_months:.2f}",
        "episode found": r.found.text() if planted else "",
        "all 3 months found": r.all_found.text() if planted else "",
        "planted months flagged": f"{100 * r.planted_months_flagged:.1f}%" if planted else "",
    }


def _markdown(table: pd.DataFrame, histories: int) -> str:
    cols = [c for c in table.columns if c != "world"]
    lines = [
        f"Masking detector study: {histories} simulated 24-month histories per scenario "
        f"(`scripts/masking_study.py`). Rates are shares of histories ± Monte Carlo standard "
        "error.",
        "",
        "| " + " | ".join(cols) + " |",
        "|" + "---|" * len(cols),
    ]
    for _, row in table.iterrows():
        lines.append("| " + " | ".join(str(row[c]) for c in cols) + " |")
    lines += ["", "Scenarios:", ""]
    for key in dict.fromkeys(table["scenario"]):
        lines.append(f"- `{key}`: {table.loc[table['scenario'] == key, 'world'].iloc[0]}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    np.seterr(all="raise")
    sys.exit(main())
