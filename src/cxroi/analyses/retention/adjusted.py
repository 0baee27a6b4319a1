"""Adjusted retention delta: cross-fitted AIPW for treatment with augmented IPCW for censoring.

Target: ψ_a = E[S_a(H | X)] (survival at the horizon H had every analysed customer's index
contact been of arm a), effect = ψ_1 − ψ_0. Censoring is administrative: each customer's
potential follow-up C = as_of − index is known, so the outcome 1{T > H} is missing exactly for
customers indexed less than H days before as_of who have not churned.

For arm a the customer-level score is (Tsiatis 2006, ch. 9–10; Bai, Tsiatis & O'Brien 2013;
Ozenne et al. 2020 — the "AIPTW,AIPCW" estimator of riskRegression::ate)

    m_a(X) + 1{A=a}/π_a(X) · (U − m_a(X)),
    U = Δ·Y / K(T∧H) + Σ_k dM_C(k) · L(k) / K(k+1),   L(k) = S_a(H | X) / S_a(k | X),

on a grid of whole days, with π the cross-fitted propensity (logistic or gradient boosting),
S_a a cross-fitted Cox model per arm, K the censoring survival P(C ≥ k) by arm (optionally within
strata of the predicted follow-up) and M_C its martingale. The estimate is consistent when the
outcome model is right, or when both the propensity and censoring models are; the variance is
the empirical variance of the influence function (cross-fitting removes the own-observation
overfitting bias). ``scripts/calibrate_retention.py`` checks bias and coverage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from cxroi.analyses.retention.cox import CoxPH
from cxroi.analyses.retention.overlap import OverlapDiagnostics, diagnose
from cxroi.stats.result import CannotCompute, Estimate, Result
from cxroi.stats.summary import Z95

Array = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
MIN_PER_ARM = 20
CENSORING_STRATA = 5
MIN_FOLLOWED = 20  # customers followed to the horizon per censoring stratum


@dataclass(frozen=True)
class ArmScores:
    """Per-customer pieces for one arm: outcome-model prediction and the AIPCW outcome."""

    m: Array  # S_a(H | X_i) for every customer
    u: Array  # augmented IPCW outcome, meaningful where A_i = a


class AdjustedRetention:
    """Cross-fitted AIPW–AIPCW estimate of the effect of arm on survival at ``horizon_days``."""

    def __init__(
        self,
        horizon_days: int = 365,
        folds: int = 5,
        seed: int = 20240607,
        trim: tuple[float, float] = (0.01, 0.99),
        propensity_model: str = "logistic",
        censoring_model: str = "arm_strata",
        cox_penalizer: float = 0.01,
        overlap_max_trimmed_share: float = 0.02,
        overlap_min_ess_share: float = 0.30,
        overlap_max_weighted_smd: float = 0.10,
    ) -> None:
        self.horizon_days = horizon_days
        self.folds = folds
        self.seed = seed
        self.trim = trim
        self.propensity_model = propensity_model
        self.censoring_model = censoring_model
        self.cox_penalizer = cox_penalizer
        self.overlap_max_trimmed_share = overlap_max_trimmed_share
        self.overlap_min_ess_share = overlap_min_ess_share
        self.overlap_max_weighted_smd = overlap_max_weighted_smd

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        x: Array,
        exposed: Bools,
        duration: Array,
        event: Bools,
        followup: Array,
        columns: tuple[str, ...] = (),
    ) -> AdjustedRetention:
        """``duration``/``followup`` in days from the index; ``event`` = churn observed."""
        # One thread for BLAS/OpenMP: the matrices are small, a shared machine is not
        # oversubscribed, and sums are added in the same order on every run.
        with threadpool_limits(limits=1):
            return self._fit(x, exposed, duration, event, followup, columns)

    def _fit(
        self,
        x: Array,
        exposed: Bools,
        duration: Array,
        event: Bools,
        followup: Array,
        columns: tuple[str, ...],
    ) -> AdjustedRetention:
        x = np.asarray(x, dtype=np.float64)
        a = np.asarray(exposed, dtype=bool)
        n = len(a)
        self.columns_ = columns or tuple(f"x{j}" for j in range(x.shape[1]))
        self.n_ = n
        self.result_: Result
        short = [
            name for name, m in (("AI-assisted", a), ("human-only", ~a)) if m.sum() < MIN_PER_ARM
        ]
        if short:
            self.result_ = CannotCompute(
                f"fewer than {MIN_PER_ARM} {' and '.join(short)} customers: too few to fit "
                "the adjustment models"
            )
            return self
        fold = self._folds(a)
        self.propensity_ = self._cross_fit_propensity(x, a, fold)
        c = np.floor(np.maximum(followup, 0.0)).astype(np.int64)
        strata, censor_note = self._censoring_strata(x, a, c)
        self.censoring_strata_ = strata
        self.censoring_note_ = censor_note
        scores: dict[bool, ArmScores] = {}
        for arm in (True, False):
            got = self._arm_scores(x, a, arm, fold, duration, event, c, strata)
            if isinstance(got, CannotCompute):
                self.result_ = got
                return self
            scores[arm] = got
        low, high = self.trim
        kept = (self.propensity_ >= low) & (self.propensity_ <= high)
        self.kept_ = kept
        self.diagnostics_: OverlapDiagnostics = diagnose(
            self.propensity_,
            a,
            kept,
            x,
            self.columns_,
            self.overlap_max_trimmed_share,
            self.overlap_min_ess_share,
            self.overlap_max_weighted_smd,
        )
        if (a & kept).sum() == 0 or (~a & kept).sum() == 0:
            self.result_ = CannotCompute("after propensity trimming one group has no customers")
            return self
        p = self.propensity_[kept]
        ak = a[kept]
        t1 = scores[True].m[kept] + ak / p * (scores[True].u[kept] - scores[True].m[kept])
        t0 = scores[False].m[kept] + (~ak) / (1.0 - p) * (
            scores[False].u[kept] - scores[False].m[kept]
        )
        self.arm_means_ = {"ai_assisted": float(t1.mean()), "human_only": float(t0.mean())}
        self.arm_se_ = {
            "ai_assisted": _se(t1 - t1.mean()),
            "human_only": _se(t0 - t0.mean()),
        }
        self.g_formula_ = float((scores[True].m[kept] - scores[False].m[kept]).mean())
        effect = float(t1.mean() - t0.mean())
        influence = (t1 - t0) - effect
        self.influence_ = influence
        self.effect_ = effect
        self.se_ = _se(influence)
        self.result_ = self._estimate(kept)
        return self

    def _folds(self, a: Bools) -> npt.NDArray[np.int64]:
        # Stratified by arm, so every training set sees both arms in the same proportion.
        rng = np.random.default_rng(self.seed)
        key = rng.permutation(len(a))
        order = np.lexsort((key, a))
        fold = np.empty(len(a), dtype=np.int64)
        fold[order] = np.arange(len(a)) % self.folds
        return fold

    def _propensity_model(self) -> LogisticRegression | HistGradientBoostingClassifier:
        if self.propensity_model == "boosting":
            return HistGradientBoostingClassifier(
                max_iter=200,
                learning_rate=0.05,
                max_leaf_nodes=15,
                early_stopping=False,
                random_state=self.seed,
            )
        return LogisticRegression(C=1.0, max_iter=5000)

    def _cross_fit_propensity(self, x: Array, a: Bools, fold: npt.NDArray[np.int64]) -> Array:
        out = np.empty(len(a))
        if x.shape[1] == 0:
            out[:] = a.mean()  # no covariates: the adjusted delta reduces to the naive one
            return out
        for k in range(self.folds):
            test = fold == k
            model = make_pipeline(StandardScaler(), self._propensity_model())
            model.fit(x[~test], a[~test])
            out[test] = model.predict_proba(x[test])[:, 1]
        return out

    def _censoring_strata(
        self, x: Array, a: Bools, c: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], str]:
        """Strata within which C is treated as independent of everything else."""
        strata = a.astype(np.int64)
        if self.censoring_model != "arm_strata" or x.shape[1] == 0:
            return strata, "censoring distribution by exposure group"
        # Within each arm: quantile bins of the least-squares prediction of the potential
        # follow-up from the covariates (C is observed for everyone: a plain regression). Fewer
        # bins when one would hold too few customers followed to the horizon, whose weights
        # would then explode.
        used: dict[int, int] = {}
        followed_all = c >= self.horizon_days
        for arm in (0, 1):
            mask = a == bool(arm)
            design = np.column_stack([np.ones(int(mask.sum())), x[mask]])
            coef, *_ = np.linalg.lstsq(design, c[mask].astype(np.float64), rcond=None)
            pred = design @ coef
            followed = followed_all[mask]
            for q in range(CENSORING_STRATA, 0, -1):
                edges = np.quantile(pred, np.linspace(0, 1, q + 1)[1:-1])
                bins = np.searchsorted(edges, pred, side="right")
                if q == 1 or np.bincount(bins[followed], minlength=q).min() >= MIN_FOLLOWED:
                    break
            strata[mask] = arm * CENSORING_STRATA + bins
            used[arm] = q
        return strata, (
            "censoring distribution by exposure group × strata of the follow-up predicted from "
            f"the covariates ({used[1]} AI-assisted, {used[0]} human-only)"
        )

    def _arm_scores(
        self,
        x: Array,
        a: Bools,
        arm: bool,
        fold: npt.NDArray[np.int64],
        duration: Array,
        event: Bools,
        c: npt.NDArray[np.int64],
        strata: npt.NDArray[np.int64],
    ) -> ArmScores | CannotCompute:
        h = self.horizon_days
        grid = np.arange(h + 1, dtype=np.float64)
        n = len(a)
        eta = np.zeros(n)
        lam = np.zeros((self.folds, h + 1))  # baseline Λ0 on whole days, per training fold
        for k in range(self.folds):
            train = (fold != k) & (a == arm)
            model = CoxPH(penalizer=self.cox_penalizer).fit(x[train], duration[train], event[train])
            test = fold == k
            eta[test] = model.linear_predictor(x[test])
            lam[k] = model.cumulative_hazard_at(grid)
        risk = np.exp(eta)
        lam_h = lam[fold, h]
        m = np.exp(-lam_h * risk)

        own = a == arm
        # Discrete days: churn in day e = ceil(T); observed through day c = floor(C).
        e = np.where(event, np.ceil(duration), np.inf)
        e = np.where(e <= c, e, np.inf)  # a churn inside the last partial day counts as censored
        surv_c = np.zeros((int(strata.max()) + 1, h + 2))
        for s in np.unique(strata[own]):
            cs = c[own & (strata == s)]
            counts = np.bincount(np.minimum(cs, h + 1), minlength=h + 2)[: h + 2]
            surv_c[s] = counts[::-1].cumsum()[::-1] / len(cs)  # K(k) = P(C ≥ k), k = 0…H+1
        k_h = surv_c[strata, h]
        if not (k_h[own] > 0).any() or (own & (k_h <= 0) & (c < h) & ~np.isfinite(e)).any():
            who = "AI-assisted" if arm else "human-only"
            return CannotCompute(
                f"no {who} customer in some follow-up stratum was indexed {h} days before as_of: "
                "12-month retention is not identified without longer data"
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            # h_C(k)/K(k+1) = 1/K(k+1) − 1/K(k); zero where nobody is left
            inv = np.where(surv_c > 0, 1.0 / surv_c, 0.0)
        step = np.diff(inv, axis=1)[:, :h]  # step[s, k] for k = 0…H−1

        u = np.zeros(n)
        y_obs = own & ~(e <= h) & (c >= h)
        u[y_obs] = 1.0 / k_h[y_obs]
        censored = own & (c < h) & ~np.isfinite(e)
        cc = c[censored]
        tail = np.exp(-(lam_h[censored] - lam[fold[censored], cc]) * risk[censored])
        u[censored] += tail / surv_c[strata[censored], cc + 1]
        last = np.minimum(np.minimum(e - 1, c), h - 1)  # at risk of censoring on days 0…last
        idx = np.flatnonzero(own)
        f_i, lam_hi, r, s_i = fold[idx], lam_h[idx], risk[idx], strata[idx]
        last_i = last[idx]
        # Customers sorted by how long they stay at risk of censoring: each day's active set is
        # a prefix, and no customer × day matrix is ever built.
        order = np.argsort(-last_i, kind="stable")
        f_i, lam_hi, r, s_i, last_i = f_i[order], lam_hi[order], r[order], s_i[order], last_i[order]
        active_count = np.searchsorted(-last_i, -np.arange(h), side="right")
        comp = np.zeros(len(idx))
        for day in range(h):
            m_day = int(active_count[day])
            if m_day == 0:
                break
            comp[:m_day] += step[s_i[:m_day], day] * np.exp(
                -(lam_hi[:m_day] - lam[f_i[:m_day], day]) * r[:m_day]
            )
        back = np.empty_like(comp)
        back[order] = comp
        comp = back
        u[idx] -= comp
        return ArmScores(m=m, u=u)

    # ------------------------------------------------------------------ results
    def _estimate(self, kept: Bools) -> Estimate:
        d = self.diagnostics_
        n_trimmed = int((~kept).sum())
        estimand = (
            "average effect over all analysed customers"
            if n_trimmed == 0
            else f"average effect over the {int(kept.sum())} analysed customers whose propensity "
            f"is in [{self.trim[0]:g}, {self.trim[1]:g}] ({n_trimmed} trimmed); it equals the "
            "all-customer average only if the effect is the same in the trimmed customers"
        )
        prop = "gradient-boosting" if self.propensity_model == "boosting" else "logistic"
        return Estimate(
            self.effect_,
            self.effect_ - Z95 * self.se_,
            self.effect_ + Z95 * self.se_,
            method=(
                f"AIPW with augmented IPCW, cross-fitted ({self.folds} folds): {prop} propensity, "
                f"Cox outcome model per group, {self.censoring_note_}; influence-function SE"
            ),
            n=int(kept.sum()),
            se=self.se_,
            extra={
                "trimmed": n_trimmed,
                "ess": {k: round(v, 1) for k, v in d.ess.items()},
                "overlap_warning": d.warning,
                "estimand": estimand,
                "retention_ai_assisted": self.arm_means_["ai_assisted"],
                "retention_human_only": self.arm_means_["human_only"],
            },
        )

    @property
    def summary(self) -> pd.DataFrame:
        if isinstance(self.result_, CannotCompute):
            return pd.DataFrame({"note": [self.result_.reason]})
        r = self.result_
        rows = [
            ("ai_assisted", self.arm_means_["ai_assisted"], self.arm_se_["ai_assisted"]),
            ("human_only", self.arm_means_["human_only"], self.arm_se_["human_only"]),
            ("delta", r.estimate, self.se_),
        ]
        return pd.DataFrame(
            {
                "quantity": [q for q, _, _ in rows],
                "estimate": [e for _, e, _ in rows],
                "se": [s for _, _, s in rows],
                "ci_low": [e - Z95 * s for _, e, s in rows],
                "ci_high": [e + Z95 * s for _, e, s in rows],
            }
        )


def _se(centred: Array) -> float:
    n = len(centred)
    return math.sqrt(float(centred @ centred)) / n if n else float("nan")
