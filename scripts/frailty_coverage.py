"""Frailty study: 95% coverage of contact-level vs customer-clustered intervals.

Not a test: the full study takes a minute or two. Run from the repository root:

    PYTHONPATH=src .venv/bin/python scripts/frailty_coverage.py --replicates 2000 --customers 1000

It prints a markdown table (``--out FILE`` also writes it); the table in docs/methods.md,
"Frailty study", is this command's output. ``tests/test_metrics_clustered.py`` runs a reduced
version.

Each replicate draws customers with several contacts and a customer-level effect (a "frailty"
``u_i ~ N(0, sigma²)`` on the logit scale, shared by all of a customer's contacts), then computes
four metrics the way ``cxroi.metrics`` does, from per-customer totals:

* FCR: each contact resolved with probability ``expit(logit(0.75) + u_i)``;
* containment: each bot-entry contact contained with probability ``expit(logit(0.55) + u_i)``;
* CSAT: each answer top-box with probability ``expit(logit(0.80) + u_i)``; a customer answers
  Poisson(1.5) times, so many customers have no answer and some have several;
* cost per resolution: lognormal costs with a customer effect (SD 0.3 × sigma on the log scale)
  correlated (0.6) with ``u_i``, divided by the FCR-resolved contacts.

The truths are population values computed without simulation: ``E[expit(a + u)]`` by
Gauss-Hermite quadrature (cluster sizes do not depend on ``u``), and for cost per resolution
``E[cost] / E[resolved share]`` in closed form. Each interval is scored by whether it contains the
truth; the Monte Carlo standard error of a coverage ``c`` over ``R`` replicates is
``sqrt(c(1-c)/R)``. "Contact-level" is the interval cxroi reported before (Wilson on the contact
count; delta method over contacts for cost per resolution); "clustered" is
``cxroi.stats.clustered``.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from cxroi.stats.clustered import RatioSums
from cxroi.stats.result import Estimate, Result
from cxroi.stats.summary import Proportion, RatioMoments

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

FCR_P, CONTAINMENT_P, CSAT_P = 0.75, 0.55, 0.80
COST_MU, COST_SIGMA, COST_FRAILTY_CORR = 1.2, 0.6, 0.6
COST_CUSTOMER_SD_PER_SIGMA = 0.3  # the customer effect on log cost is 0.3 × sigma
METRICS: tuple[str, ...] = ("fcr", "containment", "csat", "cost_per_resolution")


@dataclass(frozen=True)
class Scenario:
    name: str
    sigma: float  # SD of the customer effect on the logit scale
    sizes: Callable[[np.random.Generator, int], IntArray]  # contacts per customer


def _five(rng: np.random.Generator, g: int) -> IntArray:
    return np.full(g, 5, dtype=np.int64)


def _uneven(rng: np.random.Generator, g: int) -> IntArray:
    # 1 + negative binomial with mean 4 and a long tail: most customers call once or twice
    return 1 + rng.negative_binomial(0.8, 0.8 / 4.8, size=g).astype(np.int64)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("independent contacts (no frailty), 5 per customer", 0.0, _five),
    Scenario("moderate frailty (sd 1.0), 5 per customer", 1.0, _five),
    Scenario("strong frailty (sd 2.0), 5 per customer", 2.0, _five),
    Scenario("strong frailty (sd 1.5), 1-40 contacts per customer", 1.5, _uneven),
)


def expit(x: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float64)


def logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def mean_share(p: float, sigma: float) -> float:
    """E[expit(logit(p) + u)], u ~ N(0, sigma²), by 80-point Gauss-Hermite quadrature."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(80)
    values = expit(logit(p) + sigma * nodes)
    return float(np.sum(weights * values) / math.sqrt(2.0 * math.pi))


def truth(metric: str, sigma: float) -> float:
    if metric == "fcr":
        return mean_share(FCR_P, sigma)
    if metric == "containment":
        return mean_share(CONTAINMENT_P, sigma)
    if metric == "csat":
        return mean_share(CSAT_P, sigma)
    customer_sd = COST_CUSTOMER_SD_PER_SIGMA * sigma
    mean_cost = math.exp(COST_MU + (COST_SIGMA**2 + customer_sd**2) / 2.0)
    return mean_cost / mean_share(FCR_P, sigma)


@dataclass(frozen=True)
class Draw:
    """One replicate of one metric: per-contact values and the customer of each contact."""

    customer: IntArray
    x: FloatArray  # numerator per contact (resolved, contained, top box, cost)
    y: FloatArray  # denominator per contact (1, or resolved for cost per resolution)


def draw(metric: str, scenario: Scenario, customers: int, rng: np.random.Generator) -> Draw:
    u = scenario.sigma * rng.standard_normal(customers)
    if metric == "csat":
        sizes = rng.poisson(1.5, size=customers).astype(np.int64)
    elif metric == "containment":
        sizes = np.maximum(scenario.sizes(rng, customers) // 2, 1)
    else:
        sizes = scenario.sizes(rng, customers)
    who = np.repeat(np.arange(customers, dtype=np.int64), sizes)
    base = {"fcr": FCR_P, "containment": CONTAINMENT_P, "csat": CSAT_P}.get(metric, FCR_P)
    hit = (rng.random(len(who)) < expit(logit(base) + u[who])).astype(np.float64)
    if metric != "cost_per_resolution":
        return Draw(who, hit, np.ones(len(who)))
    z = u / scenario.sigma if scenario.sigma > 0 else rng.standard_normal(customers)
    v = COST_FRAILTY_CORR * z + math.sqrt(1.0 - COST_FRAILTY_CORR**2) * rng.standard_normal(customers)
    customer_sd = COST_CUSTOMER_SD_PER_SIGMA * scenario.sigma
    cost = np.exp(COST_MU + customer_sd * v[who] + COST_SIGMA * rng.standard_normal(len(who)))
    return Draw(who, cost, hit)


def clustered(d: Draw, customers: int, share: bool) -> Result:
    """cxroi's interval, from per-customer totals as the engine would return them."""
    x = np.bincount(d.customer, weights=d.x, minlength=customers)
    y = np.bincount(d.customer, weights=d.y, minlength=customers)
    n = np.bincount(d.customer, minlength=customers)
    sums = RatioSums.of(
        int((n > 0).sum()), float(x.sum()), float(y.sum()),
        float((x * x).sum()), float((y * y).sum()), float((x * y).sum()),
    )
    return sums.share("none") if share else sums.mean("none")


def contact_level(d: Draw, share: bool) -> Result:
    """The interval cxroi reported before: contacts treated as independent."""
    if share:
        return Proportion(len(d.x), int(d.x.sum())).estimate("none")
    return RatioMoments(
        n=len(d.x),
        sx=float(d.x.sum()),
        sy=float(d.y.sum()),
        sxx=float((d.x * d.x).sum()),
        syy=float((d.y * d.y).sum()),
        sxy=float((d.x * d.y).sum()),
    ).ratio("none")


@dataclass(frozen=True)
class Row:
    scenario: str
    metric: str
    truth: float
    mean_estimate: float
    coverage_contact: float
    coverage_clustered: float
    width_ratio: float  # mean clustered width / mean contact-level width
    replicates: int

    @property
    def bias(self) -> float:
        return self.mean_estimate - self.truth

    def mc_se(self, coverage: float) -> float:
        return math.sqrt(coverage * (1.0 - coverage) / self.replicates)


def _covers(r: Result, target: float) -> tuple[bool, float]:
    assert isinstance(r, Estimate) and r.ci_low is not None and r.ci_high is not None
    return r.ci_low <= target <= r.ci_high, r.ci_high - r.ci_low


def study(scenario: Scenario, metric: str, replicates: int, customers: int, seed: int) -> Row:
    rng = np.random.default_rng([seed, SCENARIOS.index(scenario), METRICS.index(metric)])
    target = truth(metric, scenario.sigma)
    share = metric != "cost_per_resolution"
    hits_old = hits_new = 0
    width_old = width_new = total = 0.0
    for _ in range(replicates):
        d = draw(metric, scenario, customers, rng)
        new, old = clustered(d, customers, share), contact_level(d, share)
        assert isinstance(new, Estimate)
        total += new.estimate
        ok, w = _covers(new, target)
        hits_new += ok
        width_new += w
        ok, w = _covers(old, target)
        hits_old += ok
        width_old += w
    return Row(
        scenario.name,
        metric,
        target,
        total / replicates,
        hits_old / replicates,
        hits_new / replicates,
        width_new / width_old,
        replicates,
    )


def markdown(rows: list[Row]) -> str:
    head = (
        "| scenario | metric | truth | mean estimate | bias | contact-level coverage "
        "| clustered coverage | width ratio |\n|---|---|---|---|---|---|---|---|\n"
    )
    body = "".join(
        f"| {r.scenario} | {r.metric} | {r.truth:.4f} | {r.mean_estimate:.4f} | {r.bias:+.4f} "
        f"| {r.coverage_contact:.3f} ± {r.mc_se(r.coverage_contact):.3f} "
        f"| {r.coverage_clustered:.3f} ± {r.mc_se(r.coverage_clustered):.3f} "
        f"| {r.width_ratio:.2f} |\n"
        for r in rows
    )
    return head + body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=2000)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rows = [
        study(s, m, args.replicates, args.customers, args.seed) for s in SCENARIOS for m in METRICS
    ]
    table = markdown(rows)
    note = (
        f"{args.replicates} replicates of {args.customers} customers each, seed {args.seed}; "
        "± is the Monte Carlo standard error of the coverage.\n\n"
    )
    print(note + table)
    if args.out is not None:
        args.out.write_text("# Frailty study: coverage of 95% intervals\n\n" + note + table)


if __name__ == "__main__":
    main()
