"""Revenue at risk: 12-month churn risk of active customers and the loyalty-chain link behind it.

Landmark design (no look-ahead): the model learns at ``as_of - 365 days`` from customers active
then, with features from the ``lookback_days`` before that landmark and the label "churned within
the next 365 days" (fully observed by ``as_of``); it then scores customers active at ``as_of``
with the same features from the ``lookback_days`` before ``as_of``. Features: customer covariates
(segment, plan, region, log monthly revenue, tenure, configured covariates) and the loyalty-chain
links: ``unresolved_ai`` (an AI-assisted contact repeated within 7 days), ``high_effort`` (a CES
answer at or below the setting), ``negative_sentiment`` (mean sentiment shift end - start < 0),
plus whether the customer made contact at all in the window.

Model: logistic regression with a weak ridge (lambda = 1 on standardised columns), fitted by
Newton's method; the covariance is the inverse penalised information. Out-of-fold predictions
from 5-fold cross-fitting give honest AUC, Brier and calibration. Expected loss of customer i =
``p_i x 12 x monthly_revenue_i``: the annual recurring revenue of the customers expected to churn
within 12 months. Interval: Monte Carlo over the coefficients' normal approximation.

Each active customer is put in one link category, the first that applies in the order
``unresolved_ai``, ``high_effort``, ``negative_sentiment``, else ``none``; ``excess`` is the part
of that category's loss the model attributes to the link (its flag switched off, the rest fixed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import expit
from sklearn.metrics import roc_auc_score

from cxroi.analyses.value.queries import experience_features
from cxroi.io.dataset import Dataset
from cxroi.stats.result import CannotCompute, Estimate, Result

FloatArray = npt.NDArray[np.float64]
LINKS: tuple[str, ...] = ("unresolved_ai", "high_effort", "negative_sentiment")
HORIZON = timedelta(days=365)
_PENALTY = 1.0
_FOLDS = 5
_MIN_EVENTS = 10
_CHUNK = 200
# Coefficient draws for the interval: quantiles of a smooth total settle well before 2,000, and
# every draw costs a pass over all active customers.
MAX_RISK_DRAWS = 2000


@dataclass(frozen=True)
class RiskResult:
    total: Result
    by_link: dict[str, Result]
    diagnostics: dict[str, float | int]


def fit_logistic(
    x: FloatArray, y: FloatArray, penalty: float = _PENALTY
) -> tuple[FloatArray, FloatArray]:
    """Ridge logistic regression by Newton's method; column 0 (intercept) is not penalised."""
    p = x.shape[1]
    pen = np.full(p, penalty)
    pen[0] = 0.0
    beta = np.zeros(p)
    hess = np.eye(p)
    for _ in range(100):
        mu = expit(x @ beta)
        grad = x.T @ (y - mu) - pen * beta
        hess = (x * (mu * (1 - mu))[:, None]).T @ x + np.diag(pen)
        step = np.linalg.solve(hess, grad)
        # Newton on a penalised logistic likelihood rarely overshoots; the cap guards separation.
        scale = min(1.0, 5.0 / max(float(np.max(np.abs(step))), 1e-300))
        beta = beta + scale * step
        if float(np.max(np.abs(step))) < 1e-10:
            break
    return beta, np.asarray(np.linalg.inv(hess), dtype=np.float64)


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
    active["unresolved_ai"] = active["unresolved_ai"].eq(True)
    if "high_effort" in active:
        active["high_effort"] = active["high_effort"].eq(True)
    if "sentiment_shift" in active:
        active["negative_sentiment"] = active["sentiment_shift"].lt(0)
    tenure = (pd.Series(landmark, index=active.index) - active["acquired_at"]).dt.days / 365.25
    active["tenure_years"] = tenure.to_numpy(dtype=float)
    churned = active["churned_at"].notna() & (active["churned_at"] <= landmark + HORIZON)
    active["label"] = churned.to_numpy(dtype=float)
    return active


class _Design:
    """Column recipe learnt on the training landmark, applied unchanged to the scoring one."""

    def __init__(
        self, train: pd.DataFrame, categorical: list[str], numeric: list[str], flags: list[str]
    ) -> None:
        self.levels = {
            c: sorted(str(v) for v in train[c].dropna().unique())[1:]  # first level = reference
            for c in categorical
        }
        self.numeric = numeric
        self.fill = {c: float(train[c].median()) for c in numeric}
        self.flags = flags
        raw = self._raw(train)
        self.mean = raw.mean(axis=0)
        sd = raw.std(axis=0)
        self.keep = sd > 0
        self.sd = np.where(sd > 0, sd, 1.0)
        self.names = [n for n, k in zip(self._names(), self.keep) if k]

    def _names(self) -> list[str]:
        return (
            [f"{c}={lv}" for c, lvs in self.levels.items() for lv in lvs]
            + self.numeric
            + self.flags
        )

    def _raw(self, df: pd.DataFrame) -> FloatArray:
        cols = [
            (df[c].astype("string") == lv).fillna(False).to_numpy(dtype=float)
            for c, lvs in self.levels.items()
            for lv in lvs
        ]
        cols += [df[c].astype(float).fillna(self.fill[c]).to_numpy() for c in self.numeric]
        cols += [df[c].to_numpy(dtype=float) for c in self.flags]
        return np.column_stack(cols) if cols else np.zeros((len(df), 0))

    def matrix(self, df: pd.DataFrame) -> FloatArray:
        z = ((self._raw(df) - self.mean) / self.sd)[:, self.keep]
        return np.column_stack([np.ones(len(df)), z])

    def flag_column(self, flag: str) -> int | None:
        """Column index (in ``matrix``) of a flag, or None when it was constant in training."""
        name_idx = self._names().index(flag)
        if not self.keep[name_idx]:
            return None
        return 1 + int(np.sum(self.keep[:name_idx]))

    def standardised(self, flag: str, value: float) -> float:
        i = self._names().index(flag)
        return float((value - self.mean[i]) / self.sd[i])


def revenue_at_risk(
    ds: Dataset,
    frame: pd.DataFrame,
    obs_start: datetime,
    lookback: int,
    ces_max: float,
    draws: int,
    rng: np.random.Generator,
) -> RiskResult | CannotCompute:
    if not ds.has("customers", "monthly_revenue"):
        return CannotCompute("customers.monthly_revenue is absent: no revenue to put at risk")
    train_at = ds.as_of - HORIZON
    if train_at - timedelta(days=lookback) < obs_start:
        return CannotCompute(
            f"the churn-risk model needs {365 + lookback} days of contacts (365 to observe churn "
            f"plus {lookback} of history); the data spans less"
        )
    train = _landmark(ds, frame, train_at, lookback, ces_max)
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

    categorical = [c for c in ("segment", "plan", "region") if ds.has("customers", c)]
    numeric = ["tenure_years", "log_revenue"]
    for df in (train, score):
        df["log_revenue"] = np.log1p(df["monthly_revenue"].astype(float))
    for c in ds.config.covariates:
        if c in train and c not in categorical + numeric + ["monthly_revenue"]:
            is_num = pd.api.types.is_numeric_dtype(train[c])
            (numeric if is_num else categorical).append(c)
    links = [f for f in LINKS if f in train.columns]
    design = _Design(train, categorical, numeric, ["recent_contact", *links])
    x, y = design.matrix(train), train["label"].to_numpy(dtype=float)
    beta, cov = fit_logistic(x, y)
    diagnostics = _cross_fit(x, y, rng)

    xs = design.matrix(score)
    arr = 12.0 * score["monthly_revenue"].to_numpy(dtype=float)
    category = np.full(len(score), "none", dtype=object)
    for f in reversed(links):
        category = np.where(score[f].to_numpy(dtype=bool), f, category)
    counterfactual = {}
    for f in links:
        col = design.flag_column(f)
        if col is not None:
            xc = xs[category == f].copy()
            xc[:, col] = design.standardised(f, 0.0)
            counterfactual[f] = xc

    draws = min(draws, MAX_RISK_DRAWS)
    chol = np.linalg.cholesky(cov + 1e-12 * np.eye(len(beta)))
    names = [
        "total",
        *[f"cat:{c}" for c in (*links, "none")],
        *[f"excess:{f}" for f in counterfactual],
    ]
    sims = {k: np.empty(draws) for k in names}
    for start in range(0, draws, _CHUNK):
        b = beta[None, :] + rng.standard_normal((min(_CHUNK, draws - start), len(beta))) @ chol.T
        _accumulate(sims, start, b, xs, arr, category, links, counterfactual)
    point = {
        k: v[0]
        for k, v in _evaluate(beta[None, :], xs, arr, category, links, counterfactual).items()
    }

    method = (
        "expected annual recurring revenue of active customers churning within 12 months: "
        "ridge logistic churn model at a landmark 365 days before as_of; 95% interval by Monte "
        f"Carlo over the coefficients ({draws} draws)"
    )
    min_cell = ds.config.min_cell

    def est(key: str, n: int, extra: dict[str, object]) -> Estimate:
        lo, hi = (float(v) for v in np.quantile(sims[key], [0.025, 0.975]))
        return Estimate(
            float(point[key]),
            lo,
            hi,
            method=method,
            n=n,
            se=float(np.std(sims[key], ddof=1)),
            extra=extra,
        )

    by_link: dict[str, Result] = {}
    for c in (*links, "none"):
        n = int(np.sum(category == c))
        extra: dict[str, object] = {"customers": n, "small_cell": n < min_cell}
        if f"excess:{c}" in sims:
            s = sims[f"excess:{c}"]
            lo, hi = (float(v) for v in np.quantile(s, [0.025, 0.975]))
            extra["excess"] = {"estimate": float(point[f"excess:{c}"]), "ci_low": lo, "ci_high": hi}
        by_link[c] = est(f"cat:{c}", n, extra)
    for f in LINKS:
        if f not in links:
            need = (
                "a surveys table with ces answers"
                if f == "high_effort"
                else ("contacts.sentiment_start and sentiment_end")
            )
            by_link[f] = CannotCompute(f"needs {need}")
    total = est(
        "total",
        len(score),
        {
            "order": list(LINKS),
            "annual_recurring_revenue_active": float(arr.sum()),
            "expected_churners": float(point["churners"]),
            "training_customers": len(train),
            "training_churn_rate": float(y.mean()),
            "features": design.names,
        },
    )
    return RiskResult(total, by_link, diagnostics)


def _evaluate(
    b: FloatArray,
    xs: FloatArray,
    arr: FloatArray,
    category: npt.NDArray[np.object_],
    links: list[str],
    counterfactual: dict[str, FloatArray],
) -> dict[str, FloatArray]:
    p = expit(xs @ b.T)  # (customers, draws)
    loss = arr[:, None] * p
    out = {"total": loss.sum(axis=0), "churners": p.sum(axis=0)}
    for c in (*links, "none"):
        out[f"cat:{c}"] = loss[category == c].sum(axis=0)
    for f, xc in counterfactual.items():
        sel = category == f
        out[f"excess:{f}"] = out[f"cat:{f}"] - (arr[sel][:, None] * expit(xc @ b.T)).sum(axis=0)
    return out


def _accumulate(
    sims: dict[str, FloatArray],
    start: int,
    b: FloatArray,
    xs: FloatArray,
    arr: FloatArray,
    category: npt.NDArray[np.object_],
    links: list[str],
    counterfactual: dict[str, FloatArray],
) -> None:
    vals = _evaluate(b, xs, arr, category, links, counterfactual)
    for key, target in sims.items():
        target[start : start + b.shape[0]] = vals[key]


def _cross_fit(x: FloatArray, y: FloatArray, rng: np.random.Generator) -> dict[str, float | int]:
    """Out-of-fold predictions from 5 folds: discrimination and calibration a reader can trust."""
    folds = rng.permutation(len(y)) % _FOLDS
    oof = np.empty(len(y))
    for k in range(_FOLDS):
        test = folds == k
        b, _ = fit_logistic(x[~test], y[~test])
        oof[test] = expit(x[test] @ b)
    return {
        "auc_out_of_fold": float(roc_auc_score(y, oof)),
        "brier_out_of_fold": float(np.mean((oof - y) ** 2)),
        "mean_predicted_out_of_fold": float(oof.mean()),
        "observed_churn_rate": float(y.mean()),
        "folds": _FOLDS,
    }
