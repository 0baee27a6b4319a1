"""Revenue at risk over the next 12 months, with ordinary churn exposure apart from chain weakness.

What it estimates (docs/metrics.md#value): the recurring revenue that customers active at ``as_of``
are expected to lose in the next 12 months through churn — a churner mid-year loses only the
months after churning (timing: :mod:`churn_model`) — and the part of it each weak loyalty-chain
link explains, order-independent (Shapley over the links), with 95% intervals.

Landmark design (no look-ahead): the model learns at ``as_of - 365 days`` from customers active
then, with features from the ``lookback_days`` before that landmark and the label "churned within
the next 365 days" (fully observed by ``as_of``); it then scores customers active at ``as_of``
with the same features from the ``lookback_days`` before ``as_of``. Features: customer covariates
(segment, plan, region, log monthly revenue, tenure, configured covariates), whether the customer
made contact and made an AI-assisted contact in the window, and the links: ``unresolved_ai`` (an
AI-assisted contact repeated within 7 days), ``high_effort`` (a CES answer at or below the
setting), ``negative_sentiment`` (mean sentiment shift end - start < 0). With "an AI-assisted
contact" in the model, the unresolved-AI link compares customers whose AI contacts failed with
customers whose AI contacts resolved, not with customers who never used AI.

The link parts are adjusted associations (the model holds the customer covariates fixed), not
randomised effects: when an interval covers zero the verdict is "no clear link effect"
(:class:`~cxroi.analyses.value.money.LinkVerdict`) and the narrative must not rank the link.
Intervals: Monte Carlo over the coefficients' normal approximation (the customers and their
revenue are observed); above ``EXACT_DRAWS_UP_TO`` active customers each draw's sums come from
their second-order expansion in the coefficients (:mod:`loss_expansion`) rather than from scoring
every customer again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt
import pandas as pd
from threadpoolctl import threadpool_limits

from cxroi.analyses.value.churn_model import (
    PENALTY,
    RiskDesign,
    attribute_loss,
    cross_fitted,
    discrimination,
    months_lost,
)
from cxroi.analyses.value.glm import fit_logistic
from cxroi.analyses.value.loss_expansion import expand_losses
from cxroi.results.model.money import Basis, Evidence, Money, verdict
from cxroi.analyses.value.queries import experience_features
from cxroi.io.dataset import Dataset
from cxroi.stats.result import CannotCompute, Estimate
from cxroi.results.model.value import LinkPart, RevenueAtRisk, RiskDiagnostics

FloatArray = npt.NDArray[np.float64]
LINKS: tuple[str, ...] = ("unresolved_ai", "high_effort", "negative_sentiment")
HORIZON = timedelta(days=365)
HORIZON_MONTHS = 12
_MIN_EVENTS = 10
_CHUNK = 100
# Coefficient draws for the interval: quantiles of a smooth total settle well before 2,000.
MAX_RISK_DRAWS = 2000
# Active customers up to which every draw scores every customer (a chunk's customers x draws
# matrices stay under 40 MB each); above it each sum's second-order expansion in the coefficients
# stands in, whose error falls as 1/customers relative to the interval: at 20,000 training
# customers the interval's ends move by under 0.2% of its width, at 5,000 by up to 2.5%
# (tests/test_loss_expansion.py).
EXACT_DRAWS_UP_TO = 50_000
_NEEDS = {
    "unresolved_ai": "AI-assisted contacts repeated within 7 days in the lookback window",
    "high_effort": "a surveys table with ces answers on contacts",
    "negative_sentiment": "contacts.sentiment_start and sentiment_end",
}


def _landmark(
    ds: Dataset, frame: pd.DataFrame, landmark: datetime, lookback: int, ces_max: float
) -> pd.DataFrame:
    active = frame[
        (frame["acquired_at"] <= landmark)
        & (frame["churned_at"].isna() | (frame["churned_at"] > landmark))
    ].copy()
    feats = experience_features(ds, landmark, lookback, ces_max)
    active = active.merge(feats, on="customer_id", how="left")
    active["recent_contact"] = active["contacts"].fillna(0) > 0
    # eq(True) maps the missing values of customers without contacts to False
    active["recent_ai_contact"] = active["ai_contact"].eq(True)
    active["unresolved_ai"] = active["unresolved_ai"].eq(True)
    if "high_effort" in active:
        active["high_effort"] = active["high_effort"].eq(True)
    if "sentiment_shift" in active:
        active["negative_sentiment"] = active["sentiment_shift"].lt(0)
    tenure = (pd.Series(landmark, index=active.index) - active["acquired_at"]).dt.days / 365.25
    active["tenure_years"] = tenure.to_numpy(dtype=float)
    churn = active["churned_at"]
    churned = churn.notna() & (churn <= landmark + HORIZON)
    active["label"] = churned.to_numpy(dtype=float)
    days_stayed = (churn.where(churned) - landmark).dt.total_seconds() / 86400.0
    stayed = np.where(churned, days_stayed.to_numpy(dtype=float), 365.0)
    active["months_lost"] = 12.0 - 12.0 * stayed / 365.0
    active["log_revenue"] = np.log1p(active["monthly_revenue"].astype(float))
    return active


def _columns(
    ds: Dataset, train: pd.DataFrame, covariates: tuple[str, ...]
) -> tuple[list[str], list[str], list[str]]:
    categorical = [c for c in ("segment", "plan", "region") if ds.has("customers", c)]
    numeric = ["tenure_years", "log_revenue"]
    for c in covariates:
        if c in train and c not in categorical + numeric + ["monthly_revenue"]:
            is_num = pd.api.types.is_numeric_dtype(train[c])
            (numeric if is_num else categorical).append(c)
    links = [f for f in LINKS if f in train.columns]
    return categorical, numeric, links


def revenue_at_risk(
    ds: Dataset,
    frame: pd.DataFrame,
    obs_start: datetime,
    lookback: int,
    ces_max: float,
    draws: int,
    rng: np.random.Generator,
    covariates: tuple[str, ...] = (),
    min_cell: int = 10,
) -> RevenueAtRisk | CannotCompute:
    """Revenue at risk over 12 months; ``frame`` is :func:`queries.customer_frame`;
    ``covariates`` the configured extra customer columns ([retention] covariates)."""
    if not ds.has("customers", "monthly_revenue"):
        return CannotCompute("customers.monthly_revenue is absent: no revenue to put at risk")
    train_at = ds.as_of - HORIZON
    if train_at - timedelta(days=lookback) < obs_start:
        return CannotCompute(
            f"the churn-risk model needs {365 + lookback} days of contacts (365 to observe churn "
            f"plus {lookback} of history); the data spans less"
        )
    train = _landmark(ds, frame, train_at, lookback, ces_max)
    train = train[train["monthly_revenue"].notna()]
    score = _landmark(ds, frame, ds.as_of, lookback, ces_max)
    score = score[score["monthly_revenue"].notna()]
    events = int(train["label"].sum())
    if events < _MIN_EVENTS or len(train) - events < _MIN_EVENTS:
        return CannotCompute(
            f"too few 12-month churners ({events}) or stayers among customers active at the "
            "training landmark to fit a churn-risk model"
        )
    if score.empty:
        return CannotCompute("no active customer with a monthly_revenue at as_of")
    categorical, numeric, links = _columns(ds, train, covariates)
    # one BLAS thread: the same summation order on every run (byte-identical results.json)
    with threadpool_limits(limits=1):
        fit = fit_and_attribute(train, score, categorical, numeric, links, draws, rng)
    unavailable = {
        f: f"needs {_NEEDS[f]}" + ("" if f not in links else " (none in the training window)")
        for f in LINKS
        if f not in fit.modelled
    }
    revenue = score["monthly_revenue"].to_numpy(dtype=float)
    return _result(score, revenue, fit, unavailable, min_cell)


@dataclass(frozen=True)
class RiskFit:
    """The fitted churn model and the Monte Carlo of the loss and its Shapley split."""

    modelled: list[str]  # links in the model (constant ones are dropped)
    point: dict[str, float]  # keys of :func:`churn_model.attribute_loss`
    sims: dict[str, FloatArray]
    draws: int
    diagnostics: RiskDiagnostics
    expanded: bool  # the draws came from each sum's second-order expansion


def fit_and_attribute(
    train: pd.DataFrame,
    score: pd.DataFrame,
    categorical: list[str],
    numeric: list[str],
    links: list[str],
    draws: int,
    rng: np.random.Generator,
) -> RiskFit:
    """Fit on the training landmark, score the active customers, split the loss over links.

    Both frames need the columns named, ``recent_contact``, ``recent_ai_contact``,
    ``monthly_revenue``; ``train`` also ``label`` (churned within 12 months) and
    ``months_lost`` (observed).
    """
    design = RiskDesign(
        train, categorical, numeric, ["recent_contact", "recent_ai_contact", *links]
    )
    x, y = design.matrix(train), train["label"].to_numpy(dtype=float)
    beta, cov = fit_logistic(x, y, PENALTY)
    diagnostics = _diagnostics(train, x, y, design, rng)
    modelled = [f for f in links if design.flag_column(f) is not None]
    xs = design.matrix(score)
    revenue = score["monthly_revenue"].to_numpy(dtype=float)
    cols = [int(design.flag_column(f) or 0) for f in modelled]
    offs = [design.off_value(f) for f in modelled]
    n_draws = min(draws, MAX_RISK_DRAWS)
    point = {
        k: float(v[0]) for k, v in attribute_loss(xs, beta[None, :], revenue, cols, offs).items()
    }
    expanded = len(xs) > EXACT_DRAWS_UP_TO
    sims = _simulate(xs, beta, cov, revenue, cols, offs, n_draws, rng, expanded)
    return RiskFit(modelled, point, sims, n_draws, diagnostics, expanded)


def _simulate(
    xs: FloatArray,
    beta: FloatArray,
    cov: FloatArray,
    revenue: FloatArray,
    cols: list[int],
    offs: list[float],
    draws: int,
    rng: np.random.Generator,
    expanded: bool,
) -> dict[str, FloatArray]:
    """The sums at ``draws`` coefficient vectors: every customer scored again on a small base,
    a second-order expansion of each sum on a large one (:mod:`loss_expansion`)."""
    chol = np.linalg.cholesky(cov + 1e-12 * np.eye(len(beta)))
    expansion = expand_losses(xs, beta, revenue, cols, offs) if expanded else None
    out: dict[str, list[FloatArray]] = {}
    for start in range(0, draws, _CHUNK):
        size = min(_CHUNK, draws - start)
        deltas = rng.standard_normal((size, len(beta))) @ chol.T
        at = (
            expansion.draws(deltas)
            if expansion is not None
            else attribute_loss(xs, beta[None, :] + deltas, revenue, cols, offs)
        )
        for key, values in at.items():
            out.setdefault(key, []).append(values)
    return {k: np.concatenate(v) for k, v in out.items()}


def _diagnostics(
    train: pd.DataFrame, x: FloatArray, y: FloatArray, design: RiskDesign, rng: np.random.Generator
) -> RiskDiagnostics:
    oof = cross_fitted(x, y, rng)
    auc, brier = discrimination(y, oof)
    rev = train["monthly_revenue"].to_numpy(dtype=float)
    observed = float(np.sum(rev * train["months_lost"].to_numpy(dtype=float)) / rev.sum())
    predicted = float(np.sum(rev * months_lost(oof)) / rev.sum())
    return RiskDiagnostics(
        training_customers=len(train),
        training_churn_rate=float(y.mean()),
        auc_out_of_fold=auc,
        brier_out_of_fold=brier,
        mean_predicted_out_of_fold=float(oof.mean()),
        months_lost_observed=observed,
        months_lost_predicted=predicted,
        features=tuple(design.names),
    )


_METHOD = (
    "expected recurring revenue active customers lose in the next 12 months (constant hazard "
    "within the year: a churner loses the months after churning); ridge logistic churn model "
    "at a landmark 365 days before as_of; 95% interval by Monte Carlo over the coefficients "
    "({draws} draws{expanded})"
)


def _money(
    key: str,
    point: dict[str, float],
    sims: dict[str, FloatArray],
    n: int,
    method: str,
    population: str,
    evidence: Evidence,
) -> Money:
    lo, hi = (float(v) for v in np.quantile(sims[key], [0.025, 0.975]))
    return Money(
        point[key],
        lo,
        hi,
        method=method,
        n=n,
        se=float(np.std(sims[key], ddof=1)),
        horizon_months=HORIZON_MONTHS,
        basis=Basis.EXPECTED_LOSS,
        margin_applied=False,
        evidence=evidence,
        population=population,
    )


def _result(
    score: pd.DataFrame,
    revenue: FloatArray,
    fit: RiskFit,
    unavailable: dict[str, str],
    min_cell: int,
) -> RevenueAtRisk:
    point, sims, modelled = dict(fit.point), dict(fit.sims), fit.modelled
    n = len(score)
    expanded = ", each draw's sums from their second-order expansion" if fit.expanded else ""
    method = _METHOD.format(draws=fit.draws, expanded=expanded)
    active = "customers active at as_of"
    sims["chain"] = sims["total"] - sims["ordinary"]
    point["chain"] = point["total"] - point["ordinary"]
    total = _money("total", point, sims, n, method, active, Evidence.DESCRIPTIVE)
    ordinary = _money(
        "ordinary",
        point,
        sims,
        n,
        method + "; every weak link switched off",
        active,
        Evidence.DESCRIPTIVE,
    )
    chain = _money(
        "chain",
        point,
        sims,
        n,
        method + "; total minus ordinary exposure = sum of the links' Shapley parts",
        active,
        Evidence.ADJUSTED,
    )
    parts: list[LinkPart] = []
    for k, f in enumerate(modelled):
        has = score[f].to_numpy(dtype=bool)
        est = _money(
            f"link:{k}",
            point,
            sims,
            int(has.sum()),
            method + f"; Shapley part of '{f}' over the links {', '.join(modelled)}",
            f"active customers with {f.replace('_', ' ')}",
            Evidence.ADJUSTED,
        )
        parts.append(
            LinkPart(
                link=f,
                customers=int(has.sum()),
                small_cell=int(has.sum()) < min_cell,
                attributable=est,
                verdict=verdict(est),
            )
        )
    lo, hi = (float(v) for v in np.quantile(sims["churners"], [0.025, 0.975]))
    churners = Estimate(point["churners"], lo, hi, method="expected churners within 12 months", n=n)
    return RevenueAtRisk(
        total=total,
        ordinary=ordinary,
        chain_weakness=chain,
        links=tuple(parts),
        unavailable_links=unavailable,
        expected_churners=churners,
        active_customers=n,
        recurring_revenue_12m=float(12.0 * revenue.sum()),
        diagnostics=fit.diagnostics,
    )
