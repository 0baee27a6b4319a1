"""Calibration study of the retention estimates: bias, SD vs SE and 95% coverage against planted
truths, in gentle worlds and in the hard ones (contact-level confounding, poor overlap, a
hazard ratio that changes over time).

Not a test: it takes hours on two cores. Run from the repository root, in parallel by seed if
you like, then render the table:

    PYTHONPATH=src python scripts/calibrate_retention.py truths
    PYTHONPATH=src python scripts/calibrate_retention.py run --seeds 2024 --replicates 100
    PYTHONPATH=src python scripts/calibrate_retention.py run --seeds 7 --replicates 100
    PYTHONPATH=src python scripts/calibrate_retention.py render --out docs/retention-calibration.md

The per-replicate rows go to ``calibration-rows/`` (not kept in the repository).

Each replicate draws one world from ``retention_worlds.py`` and runs the estimators the analysis
runs, on the design it builds: the cross-fitted AIPW–AIPCW model with the customer covariates
and the index contact's intent, channel and month (the default, "after"), the same model with
the customer covariates only (the estimator before contact-level adjustment, "before"), the
robustness table's IPW-only and g-formula estimates, the revenue-weighted restricted-mean ATT
(weights = monthly revenue) and the naive Kaplan–Meier difference.
``tests/test_retention_calibration.py`` runs a reduced version.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from calibration_report import render  # noqa: E402
from retention_worlds import (  # noqa: E402
    MONTHS_PER_DAY,
    SCENARIOS,
    Scenario,
    World,
    draw_world,
    population_truth,
)

from cxroi.analyses.retention.adjusted import AdjustedRetention  # noqa: E402
from cxroi.analyses.retention.covariates import index_confounder_columns  # noqa: E402
from cxroi.analyses.retention.design import Design, build_design  # noqa: E402
from cxroi.analyses.retention.kaplan_meier import KaplanMeier, difference_at  # noqa: E402
from cxroi.analyses.retention.revenue import weighted_restricted_mean_att  # noqa: E402
from cxroi.analyses.retention.robustness import Robustness, robustness_table  # noqa: E402
from cxroi.stats.result import Estimate, Result  # noqa: E402

CUSTOMER = ["segment", "plan", "region"]
NUMERIC = {"log1p(monthly_revenue)": True, "tenure_years": True}
INDEX_CONFOUNDERS = ("intent", "channel", "month")
# estimator -> (population-truth key, per-replicate truth column)
TRUTH_OF: dict[str, tuple[str, str]] = {
    "naive": ("ate", "t_ate_all"),
    "before_ate": ("ate", "t_before_ate"),
    "before_att": ("att", "t_before_att"),
    "ate": ("ate", "t_ate"),
    "att": ("att", "t_att"),
    "ipw_ate": ("ate", "t_ate"),
    "ipw_att": ("att", "t_att"),
    "gf_ate": ("ate", "t_ate"),
    "gf_att": ("att", "t_att"),
    "months_att": ("months_att", "t_months"),
    "revenue": ("revenue", "t_revenue"),
}


@dataclass(frozen=True)
class Fitted:
    model: AdjustedRetention
    design: Design


def design_for(world: World, contact: bool) -> Design:
    """The analysis' design: customer covariates, and the index contact's when ``contact``."""
    work = world.frame[[*CUSTOMER, *NUMERIC]]
    categorical, numeric = list(CUSTOMER), dict(NUMERIC)
    if contact:
        extra, extra_categorical, extra_numeric = index_confounder_columns(
            world.frame, INDEX_CONFOUNDERS
        )
        work = pd.concat([work, extra], axis=1)
        categorical += extra_categorical
        numeric |= extra_numeric
    return build_design(work, categorical, numeric)


def _fit(world: World, contact: bool, duration: np.ndarray, event: np.ndarray) -> Fitted:
    design = design_for(world, contact)
    model = AdjustedRetention().fit(
        design.matrix, world.exposed, duration, event, world.followup, design.columns
    )
    return Fitted(model, design)


def _put(row: dict[str, float], key: str, value: Result) -> bool:
    if not isinstance(value, Estimate) or value.se is None:
        print(f"{key}: not computable: {getattr(value, 'reason', '')}", file=sys.stderr)
        return False
    row[key], row[f"{key}_se"] = value.estimate, value.se
    return True


def replicate(rng: np.random.Generator, n: int, sc: Scenario) -> dict[str, float]:
    """One world, every estimator, and the truths of the estimands they claim."""
    w = draw_world(rng, n, sc)
    t = w.churn_times(rng)
    event = t <= w.followup
    duration = np.minimum(t, w.followup)
    after = _fit(w, True, duration, event)
    before = _fit(w, False, duration, event)
    a = w.exposed
    naive = difference_at(
        KaplanMeier().fit(duration[a], event[a]),
        KaplanMeier().fit(duration[~a], event[~a]),
        365.0,
        "naive",
    )
    m, b = after.model, before.model
    robust = robustness_table(m, after.design.matrix, a, duration, event)
    row: dict[str, float] = {"n": float(len(a))}
    values: dict[str, Result] = {
        "naive": naive,
        "ate": m.result_,
        "att": m.att_result_,
        "before_ate": b.result_,
        "before_att": b.att_result_,
    }
    if isinstance(robust, Robustness):
        values |= {
            "ipw_ate": robust.ate.ipw,
            "ipw_att": robust.att.ipw,
            "gf_ate": robust.ate.g_formula,
            "gf_att": robust.att.g_formula,
        }
    if not all(_put(row, k, v) for k, v in values.items()):
        return {}
    revenue = weighted_restricted_mean_att(m.restricted_, w.monthly_revenue)
    if not _put(row, "revenue", revenue):
        return {}
    row["revenue_top10_share"] = getattr(revenue, "top10_variance_share", float("nan"))
    months = m.contrasts_.restricted_att
    row["months_att"] = months.effect * MONTHS_PER_DAY
    row["months_att_se"] = months.effect_se * MONTHS_PER_DAY
    tau, rho = w.effects()
    treated = m.kept_att_ & a
    row |= {
        "t_ate_all": float(tau.mean()),
        "t_ate": float(tau[m.kept_].mean()),
        "t_att": float(tau[treated].mean()),
        "t_before_ate": float(tau[b.kept_].mean()),
        "t_before_att": float(tau[b.kept_att_ & a].mean()),
        "t_months": float(rho[treated].mean()),
        "t_revenue": float((w.monthly_revenue * rho)[treated].sum()),
        "trimmed_ate": float((~m.kept_).sum()),
        "trimmed_att": float((~m.kept_att_).sum()),
        "min_ess_share": float(min(m.diagnostics_.ess_share.values())),
        "exposed": float(a.sum()),
    }
    return row


def run(args: argparse.Namespace) -> int:
    args.rows.mkdir(parents=True, exist_ok=True)
    names = [s for s in args.scenarios.split(",") if s]
    for seed in (int(s) for s in args.seeds.split(",") if s):
        for name in names:
            k = list(SCENARIOS).index(name)
            rng = np.random.default_rng([seed, k])
            rows, failed, started = [], 0, time.time()
            for r in range(args.replicates):
                row = replicate(rng, args.customers, SCENARIOS[name])
                if row:
                    rows.append(row)
                else:
                    failed += 1
                if (r + 1) % 10 == 0:
                    print(f"{name} seed {seed}: {r + 1}/{args.replicates} "
                          f"({time.time() - started:.0f} s)", file=sys.stderr, flush=True)
            frame = pd.DataFrame(rows).assign(scenario=name, seed=seed, failed=failed)
            frame.to_csv(args.rows / f"{name}_{seed}.csv", index=False)
    return 0


def truths(args: argparse.Namespace) -> int:
    """Population truths per scenario (one large world each), into the rows folder."""
    args.rows.mkdir(parents=True, exist_ok=True)
    out = []
    for k, name in enumerate(SCENARIOS):
        pt = population_truth(SCENARIOS[name], seed=10_000 + k)
        out.append({"scenario": name, **pt.__dict__})
        print(name, pt, file=sys.stderr, flush=True)
    pd.DataFrame(out).to_csv(args.rows / "truths.csv", index=False)
    return 0


def render_doc(args: argparse.Namespace) -> int:
    # "null" is a scenario name, not a missing value
    read = {"keep_default_na": False, "na_values": ["", "nan", "NaN"]}
    rows = pd.concat(
        [pd.read_csv(p, **read) for p in sorted(args.rows.glob("*_*.csv"))], ignore_index=True
    )
    truth = pd.read_csv(args.rows / "truths.csv", **read).set_index("scenario")
    text = render(rows, truth, TRUTH_OF, {n: s.description for n, s in SCENARIOS.items()})
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    go = sub.add_parser("run", help="simulate replicates, one CSV per scenario and seed")
    go.add_argument("--replicates", type=int, default=100, help="per scenario and seed")
    go.add_argument("--customers", type=int, default=7500)
    go.add_argument("--seeds", default="2024,7", help="independent runs, comma-separated")
    go.add_argument("--scenarios", default=",".join(SCENARIOS))
    go.add_argument("--rows", type=Path, default=Path("calibration-rows"))
    tr = sub.add_parser("truths", help="population truths of every scenario")
    tr.add_argument("--rows", type=Path, default=Path("calibration-rows"))
    re = sub.add_parser("render", help="write the markdown table from the rows")
    re.add_argument("--rows", type=Path, default=Path("calibration-rows"))
    re.add_argument("--out", type=Path, default=Path("docs/retention-calibration.md"))
    args = ap.parse_args(argv)
    return {"run": run, "truths": truths, "render": render_doc}[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
