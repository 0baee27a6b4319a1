"""Calibration study of the value estimators: bias and 95% coverage against planted truths.

Not a test: it takes an hour or more. Run from the repository root:

    PYTHONPATH=src .venv/bin/python scripts/calibrate_value.py --out docs/value-calibration.md

Studies (each replicate draws a fresh world and runs the estimator the analysis uses):

- ``sales``: the incremental revenue-generated estimator (doubly robust ATT from cell totals,
  customer-clustered) on :mod:`cxroi.demo.sales_world` — AI has no effect on sales (``null``) or
  raises win and upsell rates (``effect``) — at two sizes: 4,000 customers (about 20,000
  contacts, ~60 won deals per arm a year) and 20,000 (the 200k demo's size).
- ``risk``: revenue at risk and its Shapley split over three weak links on
  :mod:`cxroi.demo.risk_world` (links planted at log-odds 0.6, 0 and 0.4).
- ``demo``: the whole generated-revenue pillar through the real pipeline (Parquet files, the
  loader, the Ibis queries) on 40,000-contact demo datasets with and without the planted effect.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import ibis
import numpy as np

import cxroi
from cxroi.analyses.value import queries as q
from cxroi.analyses.value.att import DoublyRobustAtt
from cxroi.analyses.value.att_queries import AttUnits
from cxroi.analyses.value.churn_risk import fit_and_attribute
from cxroi.analyses.value.generated import revenue_generated
from cxroi.analyses.value.sales_units import revenue_band_edges
from cxroi.demo import generate_demo
from cxroi.demo.risk_world import LINKS, simulate_risk_world
from cxroi.demo.sales_world import simulate_sales_world
from cxroi.stats.result import Estimate


@dataclass(frozen=True)
class Draw:
    truth: float
    estimate: float
    low: float
    high: float
    se: float


@dataclass(frozen=True)
class Row:
    study: str
    scenario: str
    quantity: str
    draws: list[Draw]

    def line(self) -> str:
        t = np.array([d.truth for d in self.draws])
        e = np.array([d.estimate for d in self.draws])
        err = e - t
        covered = np.mean([d.low <= d.truth <= d.high for d in self.draws])
        n = len(self.draws)
        mcse_bias = err.std(ddof=1) / math.sqrt(n)
        mcse_cov = math.sqrt(covered * (1 - covered) / n) if 0 < covered < 1 else 0.0
        below = np.mean([d.truth < d.low for d in self.draws])
        above = np.mean([d.truth > d.high for d in self.draws])
        se = np.mean([d.se for d in self.draws])
        return (
            f"| {self.study} | {self.scenario} | {self.quantity} | {n} | {t.mean():,.0f} | "
            f"{err.mean():+,.0f} ({mcse_bias:,.0f}) | {err.std(ddof=1):,.0f} | {se:,.0f} | "
            f"{covered:.3f} ({mcse_cov:.3f}) | {below:.3f} / {above:.3f} |"
        )


def _draw(truth: float, est: Estimate) -> Draw:
    assert est.ci_low is not None and est.ci_high is not None
    return Draw(truth, est.estimate, est.ci_low, est.ci_high, est.se or 0.0)


def sales(reps: int, customers: int, effect: bool, seed: int) -> Iterator[Draw]:
    con = ibis.duckdb.connect()
    win_ai, sale_ai = (0.34, 0.08) if effect else (0.24, 0.06)
    for r in range(reps):
        world = simulate_sales_world(
            np.random.default_rng(seed + r), customers=customers, win_ai=win_ai, sale_ai=sale_ai
        )
        table = con.create_table("units", world.units, overwrite=True)
        units = AttUnits(
            table,
            ("intent", "channel", "month", "segment", "plan"),
            ("upsell_cross_sell", "won_pipeline"),
        )
        est = DoublyRobustAtt(interactions=(("intent", "segment"), ("intent", "plan"))).fit(units)
        s = est.overall_
        got = s.estimate(s.effect_total("upsell_cross_sell") + s.effect_total("won_pipeline"), "", 0)
        assert isinstance(got, Estimate)
        yield _draw(world.truth_total, got)


def risk(reps: int, customers: int, seed: int) -> dict[str, list[Draw]]:
    out: dict[str, list[Draw]] = {k: [] for k in ("total", "ordinary", *LINKS)}
    for r in range(reps):
        world = simulate_risk_world(np.random.default_rng(seed + r), customers=customers)
        fit = fit_and_attribute(
            world.train, world.score, ["segment"], ["tenure_years", "log_revenue"], list(LINKS),
            1000, np.random.default_rng(seed + 10_000 + r),
        )
        for key in out:
            name = key if key in ("total", "ordinary") else f"link:{fit.modelled.index(key)}"
            low, high = (float(v) for v in np.quantile(fit.sims[name], [0.025, 0.975]))
            se = float(np.std(fit.sims[name], ddof=1))
            out[key].append(Draw(world.truth[key], fit.point[name], low, high, se))
    return out


def demo(reps: int, contacts: int, effect: bool, seed: int) -> Iterator[Draw]:
    for r in range(reps):
        with tempfile.TemporaryDirectory() as folder:
            truths = generate_demo(Path(folder), contacts, seed + r, ai_sales_effect=effect)
            ds = cxroi.load_dataset(folder)
            edges = revenue_band_edges(q.customer_frame(ds)["monthly_revenue"])
            gen = revenue_generated(ds, edges, None, 0.5, False)
            assert isinstance(gen.incremental, Estimate)
            yield _draw(truths.revenue_generated_incremental_12m, gen.incremental)


def _collect(study: str, scenario: str, quantity: str, draws: Iterator[Draw]) -> Row:
    start = time.time()
    got = list(draws)
    print(f"{study} {scenario}: {len(got)} replicates in {time.time() - start:.0f} s", flush=True)
    return Row(study, scenario, quantity, got)


HEADER = """# Calibration of the value estimators

Generated by `scripts/calibrate_value.py` (`{command}`); edit the script, not this file.
Each row: replicates, mean planted truth, bias of the estimate (Monte Carlo standard error),
SD of the estimates across replicates, mean reported standard error, coverage of the 95%
interval (Monte Carlo standard error), and how often the truth fell below / above the interval.
Amounts in currency units.

| study | scenario | quantity | reps | truth | bias (MCSE) | SD | mean SE | coverage (MCSE) | below / above |
|---|---|---|---|---|---|---|---|---|---|
"""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/value-calibration.md"))
    parser.add_argument("--sales-reps", type=int, default=200)
    parser.add_argument("--sales-large-reps", type=int, default=150)
    parser.add_argument("--risk-reps", type=int, default=200)
    parser.add_argument("--demo-reps", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1000)
    args = parser.parse_args(argv)
    rows: list[Row] = []
    plan: list[tuple[str, str, str, int, Callable[[], Iterator[Draw]]]] = [
        ("sales", "null, 4,000 customers", "incremental total", args.sales_reps,
         lambda: sales(args.sales_reps, 4000, False, args.seed)),
        ("sales", "effect, 4,000 customers", "incremental total", args.sales_reps,
         lambda: sales(args.sales_reps, 4000, True, args.seed)),
        ("sales", "null, 20,000 customers", "incremental total", args.sales_large_reps,
         lambda: sales(args.sales_large_reps, 20_000, False, args.seed)),
        ("sales", "effect, 20,000 customers", "incremental total", args.sales_large_reps,
         lambda: sales(args.sales_large_reps, 20_000, True, args.seed)),
        ("demo", "no AI sales effect, 40k contacts", "incremental 12 months", args.demo_reps,
         lambda: demo(args.demo_reps, 40_000, False, args.seed)),
        ("demo", "AI sells more, 40k contacts", "incremental 12 months", args.demo_reps,
         lambda: demo(args.demo_reps, 40_000, True, args.seed)),
    ]
    for study, scenario, quantity, reps, run in plan:
        if reps > 0:
            rows.append(_collect(study, scenario, quantity, run()))
    if args.risk_reps:
        start = time.time()
        for key, draws in risk(args.risk_reps, 8000, args.seed).items():
            rows.append(Row("risk", "links at log-odds 0.6 / 0 / 0.4, 8,000 customers", key, draws))
        print(f"risk: {args.risk_reps} replicates in {time.time() - start:.0f} s", flush=True)
    command = "scripts/calibrate_value.py " + " ".join(argv)
    text = HEADER.format(command=command.strip()) + "\n".join(r.line() for r in rows) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
