"""Calibration of the what-if's data interval: bias and 95% coverage of the extra cost.

Not a test: it takes a minute or two. Run from the repository root:

    PYTHONPATH=src .venv/bin/python scripts/calibrate_what_if.py --replicates 1000 \
        --out docs/what-if-calibration.md

Each replicate simulates the human contacts of six intent x channel cells (customers with one or
more contacts, a customer effect on cost, a customer propensity to come back) and the AI
contacts of the same cells (their own repeat propensities), builds the per-cell customer sums the
engine query returns, and runs the what-if arithmetic of ``what_if_cells`` / ``what_if_cost``
with every assumption fixed, so that the interval reflects the data alone. The truth is the extra
cost at the true cell means and repeat rates:
``sum_k n_ai,k (mu_k - ai cost) - f n_ai,k (rho_ai,k - rho_h,k) mu_k``.

The same replicate is also summarised as if every contact were its own customer (the
"independent contacts" interval), to show what ignoring the clustering would do.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxroi.analyses.value.what_if_cells import human_references
from cxroi.analyses.value.what_if_cost import Volumes, consequences, draw_rates

FloatArray = npt.NDArray[np.float64]
INTENTS = ("billing", "password", "technical")
CHANNELS = ("chat", "voice")
MU = np.array([6.0, 3.0, 8.0, 6.5, 3.5, 9.0])  # human cost per contact, by cell
RHO_H = np.array([0.15, 0.08, 0.22, 0.14, 0.07, 0.20])  # human 7-day repeat rate
RHO_AI = np.array([0.30, 0.12, 0.40, 0.28, 0.10, 0.35])  # AI (ai_only) repeat rate
AI_COST = 0.4
F = 0.8


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    human_customers: int
    ai_customers: int
    cost_customer_sd: float
    """SD of a customer's effect on the cost of each of their contacts."""
    repeat_concentration: float
    """Beta(kappa rho, kappa (1 - rho)) customer propensity to come back; inf = none."""


SCENARIOS = {
    "clustered": Scenario(
        "clustered",
        "customers with 1+Poisson(2) contacts, strong customer effects",
        150,
        300,
        2.0,
        3.0,
    ),
    "independent": Scenario(
        "independent", "same volumes, no customer effect at all", 150, 300, 0.0, math.inf
    ),
    "small_cells": Scenario(
        "small_cells", "40 human customers a cell, strong customer effects", 40, 300, 2.0, 3.0
    ),
}


def _customers(rng: np.random.Generator, count: int) -> npt.NDArray[np.int64]:
    return 1 + rng.poisson(2.0, count)


def _repeats(
    rng: np.random.Generator, sizes: npt.NDArray[np.int64], rho: float, kappa: float
) -> npt.NDArray[np.int64]:
    if math.isinf(kappa):
        return rng.binomial(sizes, np.full(sizes.size, rho))
    p = rng.beta(kappa * rho, kappa * (1 - rho), sizes.size)
    return rng.binomial(sizes, p)


def _cell_rows(
    rng: np.random.Generator, sc: Scenario, k: int, as_contacts: bool
) -> tuple[dict[str, float], dict[str, float], float]:
    """One cell's human and ai_only frame rows (clustered sums) and its AI contact count."""
    sizes = _customers(rng, sc.human_customers)
    effect = rng.normal(0.0, sc.cost_customer_sd, sizes.size)
    per_contact = np.repeat(MU[k] + effect, sizes) + rng.normal(0.0, 1.0, sizes.sum())
    owner = np.repeat(np.arange(sizes.size), sizes)
    cost = np.bincount(owner, per_contact)
    rep = _repeats(rng, sizes, RHO_H[k], sc.repeat_concentration)
    ai_sizes = _customers(rng, sc.ai_customers)
    ai_rep = _repeats(rng, ai_sizes, RHO_AI[k], sc.repeat_concentration)
    if as_contacts:  # every contact its own cluster: the independent-contacts summary
        cost = per_contact
        rep, sizes = _per_contact(sizes, rep), np.ones(cost.size, dtype=np.int64)
        ai_rep = _per_contact(ai_sizes, ai_rep)
        ai_sizes = np.ones(ai_rep.size, dtype=np.int64)
    return _row(sizes, cost, rep), _row(ai_sizes, AI_COST * ai_sizes, ai_rep), float(ai_sizes.sum())


def _per_contact(sizes: npt.NDArray[np.int64], repeats: npt.NDArray[np.int64]) -> FloatArray:
    """Each customer's repeat count spread over their contacts as 0/1 flags."""
    owner = np.repeat(np.arange(sizes.size), sizes)
    position = np.arange(owner.size) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return (position < repeats[owner]).astype(float)


def _row(n: FloatArray, cost: FloatArray, rep: FloatArray) -> dict[str, float]:
    n, cost, rep = (np.asarray(v, dtype=float) for v in (n, cost, rep))
    out = {"customers": float(n.size)}
    for name, y in (("n", n), ("cost", cost), ("handle", 0 * n), ("elig", n), ("rep", rep),
                    ("ces_n", 0 * n), ("ces", 0 * n)):
        out[name] = float(y.sum())
        out[f"{name}_sq"] = float((y * y).sum())
    out["cost_x_n"] = float((cost * n).sum())
    out["handle_x_n"] = 0.0
    out["rep_x_elig"] = float((rep * n).sum())
    out["ces_x_ces_n"] = 0.0
    return out


def replicate(
    rng: np.random.Generator, sc: Scenario, draws: int, as_contacts: bool = False
) -> tuple[float, float, float, float]:
    """(estimate, ci_low, ci_high, truth) of the extra cost for one simulated centre."""
    rows, n_ai = [], []
    for k, (intent, channel) in enumerate((i, c) for i in INTENTS for c in CHANNELS):
        human, ai, count = _cell_rows(rng, sc, k, as_contacts)
        key = {"intent_key": intent, "channel": channel, "inbound": True}
        rows += [{**key, "ai_mode": "human_only", **human}, {**key, "ai_mode": "ai_only", **ai}]
        n_ai.append(count)
    by_cell = pd.DataFrame(rows)
    keys = by_cell[["intent_key", "channel"]].drop_duplicates().reset_index(drop=True)
    refs = human_references(keys, by_cell, by_cell.iloc[:0], by_cell.iloc[:0], 30)
    n = np.array(n_ai)[:, None]
    vol = Volumes(("m",), keys, n, AI_COST * n, 0 * n, 0 * n, 0 * n)
    rates = draw_rates(refs, rng, draws)
    ones = np.ones(draws + 1)
    cost = consequences(vol, rates, 0.5 * ones, F * ones).extra_cost[:, 0]
    lo, hi = np.quantile(cost[1:], [0.025, 0.975])
    truth = float(np.sum(n[:, 0] * (MU - AI_COST - F * (RHO_AI - RHO_H) * MU)))
    return float(cost[0]), float(lo), float(hi), truth


def study(
    sc: Scenario, replicates: int, draws: int, seed: int, as_contacts: bool = False
) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    est, covered, widths, errors = [], 0, [], []
    for _ in range(replicates):
        e, lo, hi, truth = replicate(rng, sc, draws, as_contacts)
        est.append(e)
        errors.append(e - truth)
        covered += lo <= truth <= hi
        widths.append((hi - lo) / 2)
    cov = covered / replicates
    err = np.array(errors)
    return {
        "bias": float(err.mean()),
        "bias_se": float(err.std(ddof=1) / math.sqrt(replicates)),
        "sd": float(err.std(ddof=1)),
        "mean_half_width": float(np.mean(widths)),
        "coverage": cov,
        "coverage_se": math.sqrt(cov * (1 - cov) / replicates),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicates", type=int, default=1000)
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=20251130)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    lines = [
        "| scenario | interval | bias (MC SE) | SD of estimate | mean half-width "
        "| 95% coverage (MC SE) |",
        "|---|---|---|---|---|---|",
    ]
    t0 = time.time()
    for i, sc in enumerate(SCENARIOS.values()):
        for as_contacts, label in ((False, "customer-clustered"), (True, "independent contacts")):
            r = study(sc, args.replicates, args.draws, args.seed + i, as_contacts)
            lines.append(
                f"| {sc.name}: {sc.description} | {label} | {r['bias']:+.1f} ({r['bias_se']:.1f}) "
                f"| {r['sd']:.1f} | {r['mean_half_width']:.1f} | {r['coverage']:.3f} "
                f"({r['coverage_se']:.3f}) |"
            )
            print(lines[-1], flush=True)
    table = "\n".join(lines)
    note = (
        f"\n\n{args.replicates} replicates per row, {args.draws} Monte Carlo draws per interval, "
        f"seed {args.seed}; {time.time() - t0:.0f} s.\n"
    )
    if args.out:
        text = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        marker = "<!-- calibration table -->"
        if marker in text:
            head, _, rest = text.partition(marker)
            tail = rest.split("<!-- end -->", 1)[-1]
            body = f"{head}{marker}\n{table}{note}<!-- end -->{tail}"
            args.out.write_text(body, encoding="utf-8")
        else:
            args.out.write_text(table + note, encoding="utf-8")


if __name__ == "__main__":
    main()
