"""Calibration study of the retention deltas: bias, SD vs SE and 95% coverage against a known truth.

Not a test: it takes minutes. Run from the repository root:

    .venv/bin/python scripts/calibrate_retention.py --replicates 200 \
        --out docs/retention-calibration.md

Each replicate simulates one customer-level data set the way the retention analysis sees one
(index date inside a 730-day window, administrative censoring at the window end, confounded
exposure, exponential or Weibull churn from the index), then runs the same estimators
``run_retention`` uses on the same design: the cross-fitted AIPW–AIPCW ``AdjustedRetention`` and
the naive Kaplan–Meier difference. The truth is the population average of
S_1(365 | X) − S_0(365 | X), computed in closed form over two million simulated customers.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cxroi.analyses.retention.adjusted import AdjustedRetention
from cxroi.analyses.retention.design import build_design
from cxroi.analyses.retention.kaplan_meier import KaplanMeier, difference_at
from cxroi.stats.result import Estimate

WINDOW = 730.0
H = 365.0
SEG_P = (0.65, 0.25, 0.10)
PLAN_P = ((0.55, 0.30, 0.15), (0.35, 0.40, 0.25), (0.15, 0.35, 0.50))
REGION_P = (0.28, 0.24, 0.26, 0.22)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    hazard_ratio: float
    weibull: bool = False  # non-proportional hazards across segments + a revenue threshold


SCENARIOS: dict[str, Scenario] = {
    "effect": Scenario(
        "effect", "confounded exposure, exponential churn, HR 0.80 (like the demo)", 0.80
    ),
    "null": Scenario("null", "same confounding, no effect (HR 1)", 1.00),
    "misspecified": Scenario(
        "misspecified",
        "HR 0.80; churn is Weibull with a segment-specific shape (non-proportional hazards) and "
        "a revenue threshold: the Cox outcome model is wrong, propensity is right",
        0.80,
        weibull=True,
    ),
}


@dataclass(frozen=True)
class World:
    frame: pd.DataFrame
    exposed: np.ndarray
    cum_hazard_365: np.ndarray  # Λ(365 | X) without exposure
    shape: np.ndarray
    followup: np.ndarray


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1.0 - p))


def draw_world(rng: np.random.Generator, n: int, sc: Scenario) -> World:
    seg = rng.choice(3, size=n, p=SEG_P)
    plan_cum = np.cumsum(np.asarray(PLAN_P), axis=1)[seg]
    plan = (rng.random(n)[:, None] > plan_cum[:, :-1]).sum(axis=1)
    region = rng.choice(4, size=n, p=REGION_P)
    log_rev = (
        np.log(np.array([25.0, 45.0, 80.0]))[plan]
        + np.log(np.array([1.0, 4.0, 20.0]))[seg]
        + 0.45 * rng.standard_normal(n)
    )
    revenue = np.exp(log_rev)
    rev_c = log_rev - 4.2
    # New customers (acquired in the window) are indexed anywhere in it, soon after acquisition;
    # older ones mostly early. So follow-up depends on tenure, as in real data.
    new = rng.random(n) < 0.4
    rate = np.array([1.0, 1.3, 1.6])[seg] / 90.0
    wait = rng.exponential(size=n) / rate
    index = np.where(new, rng.random(n) * WINDOW, wait)
    tenure = np.where(new, wait / 365.25, 6.0 * rng.beta(1.0, 1.6, size=n) + index / 365.25)
    keep = index < WINDOW
    followup = WINDOW - index

    ramp = _logit(0.30 + 0.30 * index / WINDOW) - _logit(0.45)
    lin = (
        np.array([0.0, 0.5, 1.0])[seg]
        + np.array([0.0, 0.35, 0.8])[plan]
        + np.array([0.0, -0.25, 0.2, -0.15])[region]
        + 0.2 * rev_c
        + 0.12 * (tenure - 2.5)
        - 0.35
    )
    exposed = rng.random(n) < _sigmoid(lin + ramp)
    log_h = (
        np.array([0.0, -0.35, -0.8])[seg]
        + np.array([0.0, -0.25, -0.55])[plan]
        + np.array([0.0, 0.15, -0.1, 0.1])[region]
        - 0.15 * rev_c
        - 0.10 * tenure
    )
    if sc.weibull:
        log_h = log_h + 0.5 * (rev_c > 0.8)
    cum365 = -np.log(1 - 0.28) * np.exp(log_h)
    shape = np.array([0.7, 1.0, 1.6])[seg] if sc.weibull else np.ones(n)
    frame = pd.DataFrame(
        {
            "segment": np.array(["consumer", "smb", "enterprise"])[seg],
            "plan": np.array(["basic", "plus", "premium"])[plan],
            "region": np.array(["north", "south", "east", "west"])[region],
            "log1p(monthly_revenue)": np.log1p(revenue),
            "tenure_years": tenure,
        }
    )
    return World(
        frame[keep].reset_index(drop=True), exposed[keep], cum365[keep], shape[keep], followup[keep]
    )


def truth(sc: Scenario, seed: int, n: int = 2_000_000) -> float:
    w = draw_world(np.random.default_rng(seed), n, sc)
    return float(np.mean(np.exp(-w.cum_hazard_365 * sc.hazard_ratio) - np.exp(-w.cum_hazard_365)))


def replicate(rng: np.random.Generator, n: int, sc: Scenario) -> dict[str, float]:
    w = draw_world(rng, n, sc)
    cum = w.cum_hazard_365 * np.where(w.exposed, sc.hazard_ratio, 1.0)
    # Λ(t) = cum · (t/365)^shape  ⇒  T = 365 · (E / cum)^(1/shape)
    t = H * (rng.exponential(size=len(cum)) / cum) ** (1.0 / w.shape)
    event = t <= w.followup
    duration = np.minimum(t, w.followup)
    design = build_design(
        w.frame,
        ["segment", "plan", "region"],
        {"log1p(monthly_revenue)": True, "tenure_years": True},
    )
    model = AdjustedRetention().fit(
        design.matrix, w.exposed, duration, event, w.followup, design.columns
    )
    km1 = KaplanMeier().fit(duration[w.exposed], event[w.exposed])
    km0 = KaplanMeier().fit(duration[~w.exposed], event[~w.exposed])
    naive = difference_at(km1, km0, H, "naive")
    adj = model.result_
    if not isinstance(adj, Estimate) or not isinstance(naive, Estimate):
        reason = getattr(adj, "reason", "") or getattr(naive, "reason", "")
        print(f"replicate not computable: {reason}", file=sys.stderr)
        return {}
    return {
        "adj": adj.estimate,
        "adj_se": float(adj.se or math.nan),
        "naive": naive.estimate,
        "naive_se": float(naive.se or math.nan),
        "n": float(len(cum)),
        "trimmed": float(adj.extra["trimmed"]),
        "min_ess_share": float(min(model.diagnostics_.ess_share.values())),
    }


def summarise(rows: list[dict[str, float]], true_value: float) -> dict[str, float]:
    df = pd.DataFrame(rows)
    out: dict[str, float] = {
        "reps": float(len(df)),
        "n": float(df["n"].mean()),
        "truth": true_value,
    }
    for est in ("adj", "naive"):
        e, se = df[est], df[f"{est}_se"]
        cover = ((e - 1.959964 * se <= true_value) & (true_value <= e + 1.959964 * se)).mean()
        out[f"{est}_mean"] = float(e.mean())
        out[f"{est}_bias"] = float(e.mean() - true_value)
        out[f"{est}_sd"] = float(e.std(ddof=1))
        out[f"{est}_mean_se"] = float(se.mean())
        out[f"{est}_coverage"] = float(cover)
    out["trimmed_mean"] = float(df["trimmed"].mean())
    out["min_ess_share"] = float(df["min_ess_share"].mean())
    return out


HEADER = """# Retention: how the 12-month deltas are estimated, and how well

Generated by `scripts/calibrate_retention.py` (`{command}`); edit the script, not this file.

## The estimators

- **Exposure** is fixed at the index contact (a customer's first contact in the analysis window):
  AI-assisted (`ai_only` or `hybrid`) vs `human_only`. Follow-up runs from the index to
  `churned_at`, censored at `as_of`; the censoring is administrative, so every customer's
  potential follow-up C = as_of − index is known.
- **Naive delta** (`retention.delta_12m_naive`): Kaplan–Meier survival at 365 days, AI-assisted
  minus human-only, with a normal interval from the two Greenwood variances. Curves and
  `retention_12m` use log(−log) Greenwood intervals (lifelines' default; checked against it).
- **Adjusted delta** (`retention.delta_12m_adjusted`): average over all analysed customers of
  S₁(365 | X) − S₀(365 | X), X = segment, plan, region, log revenue, tenure at the index and
  any configured columns (categories one-hot with a `(missing)` level, numbers with a quadratic
  term and a missing indicator). Estimator: augmented inverse-probability weighting for exposure
  combined with augmented inverse-probability-of-censoring weighting (Tsiatis 2006, ch. 9–10;
  Bai, Tsiatis & O'Brien 2013; the "AIPTW,AIPCW" estimator of Ozenne et al. 2020, as in
  riskRegression::ate) on a grid of whole days, with
  - a logistic propensity model (gradient boosting optional), cross-fitted over 5 folds
    stratified by exposure, fixed seed;
  - a Cox model per exposure group (Breslow, tiny ridge), cross-fitted on the same folds;
  - the censoring survival P(C ≥ k) by exposure group × up to 5 strata of the follow-up
    predicted from the covariates (fewer when a stratum would hold under 20 customers followed
    to 365 days; C is observed for everyone, so this is a plain empirical distribution);
  - propensity trimming to [0.01, 0.99] (customers outside are dropped, counted in `trimmed`,
    and the estimand becomes the effect in the overlap population, stated in `estimand`);
  - standard error = empirical SD of the influence function / √n; 95% interval ± 1.96 SE.

  It is consistent if the outcome model is right, or if the propensity and censoring models are.
  Diagnostics (`retention.diagnostics`): propensity quantiles by group, Kish effective sample
  size of the weights, standardised mean differences before/after weighting, and
  `overlap_warning` when more than 2% are trimmed or a group's ESS falls below 30% of its size.

## Calibration

Each replicate simulates {n:,} customers (about {analysed:,} with an index contact in the window;
the demo at 60,000 contacts has about 6,200) and runs the same estimator classes on the same design as
`run_retention`. Covariates segment, plan, region, revenue and tenure; index dates in a 730-day
window, new customers indexed later (so follow-up depends on tenure); exposure from a logistic
propensity in the covariates plus an adoption ramp over calendar time; churn from the index with
cumulative hazard Λ(t | X)·HR^A; administrative censoring at the window end (about half the
customers are indexed within the last year). The truth is the population mean of
S₁(365 | X) − S₀(365 | X) over 2,000,000 simulated customers.

Columns: bias = mean estimate − truth, with its Monte Carlo SE (SD/√reps); SD = empirical SD
of the estimates over replicates; mean SE = average reported standard error (SD/SE ≈ 1 means
the interval has the right width); coverage = share of 95% intervals containing the truth
(Monte Carlo SE ≈ {mcse:.1%} at {reps} replicates, so roughly 92–98% is consistent with 95%).
Each scenario is run with independent seeds (rows per seed, then pooled) so that a single
unlucky run is visible as such.

"""


def render(results: dict[str, dict[str, float]], command: str, n: int, reps: int) -> str:
    """``results`` is keyed "scenario|seed" (seed "pooled" for all seeds together)."""
    analysed = int(np.mean([r["n"] for r in results.values()]))
    mcse = math.sqrt(0.95 * 0.05 / reps)
    lines = [HEADER.format(command=command, n=n, analysed=analysed, mcse=mcse, reps=reps)]
    lines.append(
        "| scenario | seed | reps | truth | estimator | mean | bias (MC SE) | SD | mean SE "
        "| SD/SE | coverage |"
    )
    lines.append("|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    runs = [key.split("|")[0] for key in results if not key.endswith("|pooled")]
    for key, r in results.items():
        name, seed = key.split("|")
        if seed == "pooled" and runs.count(name) == 1:
            continue  # one seed: the pooled row would repeat it
        for est, label in (("adj", "adjusted (AIPW–AIPCW)"), ("naive", "naive (KM difference)")):
            lines.append(
                f"| {name} | {seed} | {int(r['reps'])} | {r['truth']:.4f} | {label} | "
                f"{r[est + '_mean']:.4f} | {r[est + '_bias']:+.4f} "
                f"({r[est + '_sd'] / math.sqrt(r['reps']):.4f}) | {r[est + '_sd']:.4f} | "
                f"{r[est + '_mean_se']:.4f} | {r[est + '_sd'] / r[est + '_mean_se']:.2f} | "
                f"{r[est + '_coverage']:.1%} |"
            )
    names = list(dict.fromkeys(key.split("|")[0] for key in results))
    pooled = {k.split("|")[0]: v for k, v in results.items() if k.endswith("|pooled")}
    lines.append("")
    lines.append("Scenarios:")
    for name in names:
        lines.append(f"- **{name}**: {SCENARIOS[name].description}.")
    lines.append("")
    lines.append(
        "Overlap in these worlds: mean customers trimmed per replicate "
        + ", ".join(f"{k} {v['trimmed_mean']:.1f}" for k, v in pooled.items())
        + "; mean smallest ESS share "
        + ", ".join(f"{k} {v['min_ess_share']:.2f}" for k, v in pooled.items())
        + "."
    )
    failures = {k: int(v["failed"]) for k, v in pooled.items() if v["failed"]}
    lines.append(
        "Replicates where an estimate could not be computed: "
        + (", ".join(f"{k} {v}" for k, v in failures.items()) if failures else "none")
        + "."
    )
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=200, help="per scenario and seed")
    ap.add_argument("--customers", type=int, default=7500)
    ap.add_argument("--seeds", default="2024,7", help="independent runs, comma-separated")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--out", type=Path, default=Path("docs/retention-calibration.md"))
    ap.add_argument("--rows", type=Path, default=None, help="folder for per-replicate CSVs")
    args = ap.parse_args(argv)
    names = [s for s in args.scenarios.split(",") if s]
    seeds = [int(s) for s in args.seeds.split(",") if s]
    results: dict[str, dict[str, float]] = {}
    for k, name in enumerate(names):
        sc = SCENARIOS[name]
        # One population truth per scenario, shared by every seed.
        true_value = 0.0 if sc.hazard_ratio == 1.0 else truth(sc, seed=10_000 + k)
        every: list[dict[str, float]] = []
        failed_all = 0
        for seed in seeds:
            rng = np.random.default_rng([seed, k])
            rows = []
            failed = 0
            started = time.time()
            for r in range(args.replicates):
                row = replicate(rng, args.customers, sc)
                if row:
                    rows.append(row)
                else:
                    failed += 1
                if (r + 1) % 25 == 0:
                    print(
                        f"{name} seed {seed}: {r + 1}/{args.replicates} "
                        f"({time.time() - started:.0f} s)",
                        file=sys.stderr,
                        flush=True,
                    )
            results[f"{name}|{seed}"] = summarise(rows, true_value) | {"failed": float(failed)}
            every += rows
            failed_all += failed
            if args.rows:
                pd.DataFrame(rows).to_csv(args.rows / f"{name}_{seed}.csv", index=False)
        if len(seeds) > 1:
            results[f"{name}|pooled"] = summarise(every, true_value) | {"failed": float(failed_all)}
        else:
            results[f"{name}|pooled"] = results[f"{name}|{seeds[0]}"]
    command = "python scripts/calibrate_retention.py " + " ".join(argv or sys.argv[1:])
    text = render(results, command.strip(), args.customers, args.replicates)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
