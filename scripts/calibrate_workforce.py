"""Calibration of the workforce assist effects: bias and 95% coverage over demo replicates.

Each replicate generates the demo (``generate_demo(folder, contacts=N, seed=s)``, 20 agents) and
runs the assist analysis (``cxroi.analyses.workforce.assist.assist_effects``). Recorded per
estimate: the point, the standard error, the reported interval (t on the effective agents'
degrees of freedom, cxroi.analyses.workforce.agent_df) and, for comparison, the interval the
analysis used to report (t on all agents - 1). The truths are the demo's planted ones: handle-time
effects per group and their gap (``truths.assist_handle_effect_relative``), and a zero
novice-minus-experienced resolution gap (resolution does not depend on the agent).

    PYTHONPATH=src python scripts/calibrate_workforce.py --seeds 1-200 --out /tmp/wf.jsonl
    PYTHONPATH=src python scripts/calibrate_workforce.py --summarise /tmp/wf.jsonl

Results: docs/workforce-calibration.md.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps
from scipy.optimize import brentq

import cxroi
from cxroi.analyses.value.att import Linear, Scope
from cxroi.analyses.workforce import assist
from cxroi.analyses.workforce.agent_df import small_sample_estimate
from cxroi.analyses.workforce.assist import assist_effects
from cxroi.demo import generate_demo
from cxroi.results.model.workforce import AssistEffects
from cxroi.stats.result import Estimate, Result

# the former standard error (CR1: Scope.estimate) of every interval computed, by point estimate
_FORMER_SE: dict[float, float] = {}


def _recording(
    scope: Scope, stat: Linear, method: str, n: int, per_agent: pd.DataFrame, stratum: str
) -> Result:
    former = scope.estimate(stat, method, n)
    if isinstance(former, Estimate) and former.se is not None:
        _FORMER_SE[stat.value] = former.se
    return small_sample_estimate(scope, stat, method, n, per_agent, stratum)


# record the former interval on the way (an assignment would not type-check)
setattr(assist, "small_sample_estimate", _recording)  # noqa: B010


def _row(est: Any, truth: float, agents: int) -> dict[str, float]:
    assert isinstance(est, Estimate) and est.se is not None
    assert est.ci_low is not None and est.ci_high is not None
    return {
        "est": est.estimate,
        "se": est.se,
        "se_cr1": _FORMER_SE[est.estimate],
        "lo": est.ci_low,
        "hi": est.ci_high,
        "truth": truth,
        "agents": agents,
    }


def replicate(seed: int, contacts: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="wfcal")) / "demo"
    _FORMER_SE.clear()
    try:
        truths = generate_demo(folder, contacts=contacts, seed=seed)
        got = assist_effects(cxroi.load_dataset(folder), novice_months=6, window=7)
    finally:
        shutil.rmtree(folder.parent)
    assert isinstance(got, AssistEffects)
    rel = truths.assist_handle_effect_relative
    out: dict[str, Any] = {"seed": seed}
    for g in got.groups:
        out[f"handle_relative_{g.group}"] = _row(g.handle_relative, rel[g.group], got.agents)
    out["handle_relative_gap"] = _row(
        got.handle_relative_gap, rel["novice"] - rel["experienced"], got.agents
    )
    out["resolution_gap"] = _row(
        got.resolution_gap, truths.assist_resolution_gap_novice_minus_experienced, got.agents
    )
    return out


def summarise(rows: list[dict[str, Any]]) -> str:
    """A markdown table: bias, empirical SD, mean SE, coverage (new and old interval) with MC SE."""
    lines = [
        (
            "| estimate | replicates | mean truth | bias (MC se) | SD of estimates | RMS se | "
            "median df | coverage (MC se) | former coverage, CR1 + t(G-1) (MC se) |"
        ),
        "|---|---|---|---|---|---|---|---|---|",
    ]
    keys = [k for k in rows[0] if k != "seed"]
    for k in keys:
        r = [x[k] for x in rows]
        est = np.array([x["est"] for x in r])
        truth = np.array([x["truth"] for x in r])
        se = np.array([x["se"] for x in r])
        lo, hi = np.array([x["lo"] for x in r]), np.array([x["hi"] for x in r])
        # the former interval: t on all agents - 1 with the CR1 standard error (G / (G - 1))
        t_old_se = np.array([sps.t.ppf(0.975, x["agents"] - 1) * x["se_cr1"] for x in r])
        n = len(r)
        err = est - truth
        cov = float(np.mean((lo <= truth) & (truth <= hi)))
        cov_old = float(np.mean(np.abs(err) <= t_old_se))
        df = float(np.median([_df((h - e) / s) for h, e, s in zip(hi, est, se, strict=True)]))

        def mc(p: float, n: int = n) -> float:
            return math.sqrt(p * (1 - p) / n)

        lines.append(
            f"| {k} | {n} | {truth.mean():.4f} | {err.mean():+.4f} ({err.std(ddof=1) / math.sqrt(n):.4f})"
            f" | {est.std(ddof=1):.4f} | {math.sqrt(float(np.mean(se**2))):.4f}"
            f" | {df:.1f} | {cov:.3f} ({mc(cov):.3f}) | {cov_old:.3f} ({mc(cov_old):.3f}) |"
        )
    return "\n".join(lines)


def _df(t: float) -> float:
    """The degrees of freedom whose 97.5% t quantile is ``t`` (read back off an interval)."""
    if t <= float(sps.t.ppf(0.975, 1e6)):
        return math.inf
    return float(brentq(lambda df: float(sps.t.ppf(0.975, df)) - t, 0.2, 1e6))


def _seeds(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="1-200")
    ap.add_argument("--contacts", type=int, default=60_000)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--summarise", type=Path, nargs="*")
    a = ap.parse_args()
    if a.summarise:
        rows = [json.loads(line) for p in a.summarise for line in p.read_text().splitlines()]
        print(summarise(sorted(rows, key=lambda x: x["seed"])))
        return
    assert a.out is not None
    with a.out.open("a") as f:
        for seed in _seeds(a.seeds):
            f.write(json.dumps(replicate(seed, a.contacts), sort_keys=True) + "\n")
            f.flush()


if __name__ == "__main__":
    main()
