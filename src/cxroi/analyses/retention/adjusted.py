"""Adjusted retention effects: cross-fitted AIPW for exposure with augmented IPCW for censoring.

Targets, at the horizon H (365 days = "12 months"), with S_a(H | X) the survival had the index
contact been of arm a (1 = AI-assisted):

- ATE ``delta_12m_adjusted`` = E[S_1(H | X) − S_0(H | X)] over all analysed customers;
- ATT ``delta_12m_att`` = the same average over the customers whose index contact was
  AI-assisted — the basis of revenue protected;
- the restricted-mean ATT: months active in the horizon with AI minus without, per AI-assisted
  customer, and its per-customer pieces for the revenue-weighted total (``revenue.py``).

The pieces: a cross-fitted propensity π(X) (logistic or gradient boosting), a cross-fitted Cox
model per arm, and the censoring survival by arm × strata of predicted follow-up, combined into
per-customer pseudo-outcomes (``aipcw.py``: Tsiatis 2006, ch. 9–10; Bai, Tsiatis & O'Brien 2013;
Ozenne et al. 2020 — the "AIPTW,AIPCW" estimator of riskRegression::ate) and into ATE and ATT
(``estimands.py``). Each estimate is consistent when the outcome model is right, or when the
propensity and censoring models are; the variance is the empirical variance of the influence
function (cross-fitting removes the own-observation overfitting bias).
``scripts/calibrate_retention.py`` checks bias and coverage; docs/retention-calibration.md has
its table.

Trimming: the ATE drops customers whose propensity lies outside [low, high] (the estimand
becomes the overlap population, said in ``estimand``); the ATT only needs human-only customers
comparable to the AI-assisted ones, so it drops customers above ``high`` alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from cxroi.analyses.retention.aipcw import ArmScores, Follow, arm_scores, follow_from
from cxroi.analyses.retention.estimands import ArmContrast, ate_contrast, att_contrast
from cxroi.analyses.retention.logistic import fit_logistic
from cxroi.analyses.retention.overlap import OverlapDiagnostics, diagnose, effective_sample_size
from cxroi.analyses.retention.revenue import RestrictedMeanScores, months_per_day
from cxroi.results.model.retention import AdjustedDelta, AttDelta, ByExposure
from cxroi.stats.result import CannotCompute
from cxroi.stats.row_blocks import (
    subset,
    times,
    transposed_times,
    weighted_gram,
    with_intercept,
)
from cxroi.stats.summary import Z95

Array = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
MIN_PER_ARM = 20
CENSORING_STRATA = 5
MIN_FOLLOWED = 20  # customers followed to the horizon per censoring stratum


@dataclass(frozen=True)
class Contrasts:
    """The fitted contrasts: survival at the horizon (ATE, ATT) and restricted mean (ATT, days)."""

    ate: ArmContrast
    att: ArmContrast
    restricted_att: ArmContrast


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
        event = np.asarray(event, dtype=bool)
        self.columns_ = columns or tuple(f"x{j}" for j in range(x.shape[1]))
        self.n_ = len(a)
        self.result_: AdjustedDelta | CannotCompute
        self.att_result_: AttDelta | CannotCompute
        refusal = self._fit_nuisances(x, a, duration, event, followup)
        if refusal is None:
            refusal = self._trim_and_diagnose(x, a)
        if refusal is not None:
            self.result_ = self.att_result_ = refusal
            return self
        self._combine(a)
        return self

    def _fit_nuisances(
        self, x: Array, a: Bools, duration: Array, event: Bools, followup: Array
    ) -> CannotCompute | None:
        """Propensity, censoring strata and each arm's outcome model and pseudo-outcomes."""
        short = [
            name for name, m in (("AI-assisted", a), ("human-only", ~a)) if m.sum() < MIN_PER_ARM
        ]
        if short:
            return CannotCompute(
                f"fewer than {MIN_PER_ARM} {' and '.join(short)} customers: too few to fit "
                "the adjustment models"
            )
        fold = self._folds(a)
        self.propensity_ = self._cross_fit_propensity(x, a, fold)
        c = np.floor(np.maximum(followup, 0.0)).astype(np.int64)
        self.censoring_strata_, self.censoring_note_ = self._censoring_strata(x, a, c)
        self.follow_: Follow = follow_from(duration, event, followup, self.censoring_strata_)
        self.scores_: dict[bool, ArmScores] = {}
        for arm in (True, False):
            got = arm_scores(
                x,
                a == arm,
                fold,
                self.folds,
                self.follow_,
                event,
                self.horizon_days,
                self.cox_penalizer,
                "AI-assisted" if arm else "human-only",
            )
            if isinstance(got, CannotCompute):
                return got
            self.scores_[arm] = got
        return None

    def _trim_and_diagnose(self, x: Array, a: Bools) -> CannotCompute | None:
        low, high = self.trim
        p = self.propensity_
        self.kept_: Bools = (p >= low) & (p <= high)
        self.kept_att_: Bools = p <= high
        self.diagnostics_: OverlapDiagnostics = diagnose(
            p,
            a,
            self.kept_,
            x,
            self.columns_,
            self.overlap_max_trimmed_share,
            self.overlap_min_ess_share,
            self.overlap_max_weighted_smd,
        )
        if not (a & self.kept_).any() or not (~a & self.kept_).any():
            return CannotCompute("after propensity trimming one group has no customers")
        return None

    def _combine(self, a: Bools) -> None:
        """ATE, ATT and restricted-mean ATT from the per-customer pieces."""
        p, s1, s0 = self.propensity_, self.scores_[True], self.scores_[False]
        k, t = self.kept_, self.kept_att_
        self.contrasts_ = Contrasts(
            ate=ate_contrast(
                a[k], p[k], s1.m_survival[k], s1.u_survival[k], s0.m_survival[k], s0.u_survival[k]
            ),
            att=att_contrast(a[t], p[t], s1.u_survival[t], s0.m_survival[t], s0.u_survival[t]),
            restricted_att=att_contrast(
                a[t], p[t], s1.u_restricted[t], s0.m_restricted[t], s0.u_restricted[t]
            ),
        )
        ate = self.contrasts_.ate
        self.arm_means_ = {"ai_assisted": ate.treated_mean, "human_only": ate.control_mean}
        self.arm_se_ = {"ai_assisted": ate.treated_se, "human_only": ate.control_se}
        self.g_formula_ = float((s1.m_survival[k] - s0.m_survival[k]).mean())
        self.effect_ = ate.effect
        self.se_ = ate.effect_se
        self.influence_ = ate.treated_influence - ate.control_influence
        self.restricted_: RestrictedMeanScores = self._restricted_scores(a, p, t, s1, s0)
        self.result_ = self._ate_estimate(k)
        self.att_result_ = self._att_estimate(a, t)

    def _folds(self, a: Bools) -> npt.NDArray[np.int64]:
        # Stratified by arm, so every training set sees both arms in the same proportion.
        rng = np.random.default_rng(self.seed)
        key = rng.permutation(len(a))
        order = np.lexsort((key, a))
        fold = np.empty(len(a), dtype=np.int64)
        fold[order] = np.arange(len(a)) % self.folds
        return fold

    def _cross_fit_propensity(self, x: Array, a: Bools, fold: npt.NDArray[np.int64]) -> Array:
        out = np.empty(len(a))
        # the last fold's logistic coefficients on the covariates' own scale (intercept first),
        # or None: where the robustness table's logistic propensity starts Newton's method
        self.propensity_coef_: Array | None = None
        if x.shape[1] == 0:
            out[:] = a.mean()  # no covariates: the adjusted delta reduces to the naive one
            return out
        if self.propensity_model == "boosting":
            for k in range(self.folds):
                test = fold == k
                model = make_pipeline(StandardScaler(copy=False), _boosting(self.seed))
                model.fit(x[~test], a[~test])
                out[test] = model.predict_proba(x[test])[:, 1]
            return out
        start: Array | None = None
        for k in range(self.folds):
            train, test = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
            # Each fold starts where the previous one ended: the folds share (K − 2)/(K − 1)
            # of their training rows, so the maxima are close and Newton needs fewer steps.
            fit = fit_logistic(x, a[train], start=start, rows=train)
            out[test] = fit.predict(x, test)
            start = fit.raw_coefficients()
        self.propensity_coef_ = start
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
            pred = _least_squares_fit(x, np.flatnonzero(mask), c[mask].astype(np.float64))
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

    # ------------------------------------------------------------------ results
    def _restricted_scores(
        self, a: Bools, p: Array, kept_att: Bools, s1: ArmScores, s0: ArmScores
    ) -> RestrictedMeanScores:
        per_month = months_per_day()
        return RestrictedMeanScores(
            exposed=a,
            kept=kept_att,
            odds=p / (1.0 - p),
            treated_gain=np.where(a, s1.u_restricted - s0.m_restricted, 0.0) * per_month,
            control_residual=np.where(~a, s0.u_restricted - s0.m_restricted, 0.0) * per_month,
            horizon_days=self.horizon_days,
        )

    def _method(self) -> str:
        prop = "gradient-boosting" if self.propensity_model == "boosting" else "logistic"
        return (
            f"AIPW with augmented IPCW, cross-fitted ({self.folds} folds): {prop} propensity, "
            f"Cox outcome model per group, {self.censoring_note_}; influence-function SE"
        )

    def _ate_estimate(self, kept: Bools) -> AdjustedDelta:
        d = self.diagnostics_
        n_trimmed = int((~kept).sum())
        estimand = (
            "average effect over all analysed customers"
            if n_trimmed == 0
            else f"average effect over the {int(kept.sum())} analysed customers whose propensity "
            f"is in [{self.trim[0]:g}, {self.trim[1]:g}] ({n_trimmed} trimmed); it equals the "
            "all-customer average only if the effect is the same in the trimmed customers"
        )
        low, high = self.contrasts_.ate.interval()
        return AdjustedDelta(
            self.effect_,
            low,
            high,
            method=self._method(),
            n=int(kept.sum()),
            se=self.se_,
            trimmed=n_trimmed,
            ess=ByExposure(round(d.ess["ai_assisted"], 1), round(d.ess["human_only"], 1)),
            overlap_warning=d.warning,
            estimand=estimand,
            retention_ai_assisted=self.arm_means_["ai_assisted"],
            retention_human_only=self.arm_means_["human_only"],
            overlap_note="; ".join(d.messages) or None,
        )

    def _att_estimate(self, a: Bools, kept_att: Bools) -> AttDelta:
        att = self.contrasts_.att
        exposed_kept = int((a & kept_att).sum())
        n_trimmed = int((a & ~kept_att).sum())
        estimand = (
            "average effect over the analysed customers whose index contact was AI-assisted"
            if n_trimmed == 0
            else f"average effect over the {exposed_kept} AI-assisted customers whose "
            f"propensity is at most {self.trim[1]:g} ({n_trimmed} AI-assisted customers "
            "trimmed: no comparable human-only customers)"
        )
        controls = ~a & kept_att
        p = self.propensity_[controls]
        low, high = att.interval()
        return AttDelta(
            att.effect,
            low,
            high,
            method=self._method().replace("AIPW", "doubly robust ATT (AIPW form)", 1),
            n=int(kept_att.sum()),
            se=att.effect_se,
            ai_assisted_customers=exposed_kept,
            trimmed=int((~kept_att).sum()),
            trimmed_ai_assisted=n_trimmed,
            ess_human_only=round(effective_sample_size(p / (1.0 - p)), 1),
            estimand=estimand,
            retention_ai_assisted=att.treated_mean,
            retention_without_ai=att.control_mean,
        )

    @property
    def summary(self) -> pd.DataFrame:
        if isinstance(self.result_, CannotCompute):
            return pd.DataFrame({"note": [self.result_.reason]})
        rows: list[tuple[str, float, float]] = []
        for name, c in (("ate", self.contrasts_.ate), ("att", self.contrasts_.att)):
            rows += [
                (f"{name}: ai_assisted", c.treated_mean, c.treated_se),
                (f"{name}: without_ai" if name == "att" else f"{name}: human_only",
                 c.control_mean, c.control_se),
                (f"{name}: delta", c.effect, c.effect_se),
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


def _least_squares_fit(x: Array, rows: npt.NDArray[np.intp], y: Array) -> Array:
    """Fitted values of the least-squares regression of ``y`` on (1, ``x[rows]``), from the
    normal equations summed a block of rows at a time; their minimum-norm solution (lstsq) is
    that of the regression itself, so a column constant within ``rows`` does no harm."""
    design = with_intercept(subset(x, rows))
    gram = weighted_gram(design, np.ones(len(rows)))
    coef, *_ = np.linalg.lstsq(gram, transposed_times(design, y), rcond=None)
    return times(design, len(rows), np.asarray(coef, dtype=np.float64))


def _boosting(seed: int) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(
        max_iter=200,
        learning_rate=0.05,
        max_leaf_nodes=15,
        early_stopping=False,
        random_state=seed,
    )
