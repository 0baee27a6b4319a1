"""Overlap and balance diagnostics for the adjusted retention delta (propensity, ESS, SMD)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from cxroi.stats.row_blocks import column_mean_std, subset, transposed_times
from cxroi.results.model.retention import Balance, ByExposure, CountByExposure, Overlap

Array = npt.NDArray[np.float64]
QUANTILES: tuple[float, ...] = (0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0)


@dataclass(frozen=True)
class OverlapDiagnostics:
    propensity_quantiles: dict[str, dict[str, float]]
    n: dict[str, int]
    trimmed: dict[str, int]
    ess: dict[str, float]
    ess_share: dict[str, float]
    max_abs_smd_unweighted: float
    max_abs_smd_weighted: float
    smd: tuple[tuple[str, float, float], ...]  # (column, unweighted, weighted)
    warning: bool
    messages: tuple[str, ...] = field(default=())
    balance_warning: bool = False

    def model(self) -> Overlap:
        """As the results tree holds it (``retention.diagnostics.overlap``)."""
        return Overlap(
            propensity_quantiles=self.propensity_quantiles,
            n=CountByExposure(self.n["ai_assisted"], self.n["human_only"]),
            trimmed=CountByExposure(self.trimmed["ai_assisted"], self.trimmed["human_only"]),
            ess=ByExposure(self.ess["ai_assisted"], self.ess["human_only"]),
            ess_share=ByExposure(self.ess_share["ai_assisted"], self.ess_share["human_only"]),
            max_abs_smd_unweighted=self.max_abs_smd_unweighted,
            max_abs_smd_weighted=self.max_abs_smd_weighted,
            balance=tuple(Balance(c, u, w) for c, u, w in self.smd),
            overlap_warning=self.warning,
            overlap_messages=self.messages,
            balance_warning=self.balance_warning,
        )


def effective_sample_size(weights: Array) -> float:
    """Kish's ESS (Σw)² / Σw²."""
    if len(weights) == 0:
        return 0.0
    return float(weights.sum() ** 2 / (weights * weights).sum())


def _smd(x: Array, rows: npt.NDArray[np.intp], a: npt.NDArray[np.bool_], w: Array) -> Array:
    """Standardised mean differences over ``x[rows]`` (``a`` and ``w`` per row of ``rows``);
    the yardstick is the unweighted pooled SD, so weighting cannot make imbalance look smaller
    by inflating the spread. Block by block: no copy of the covariates."""
    p = x.shape[1]
    means, variances = [], []
    for mask in (a, ~a):
        group = rows[mask]
        of = subset(x, group)
        _, sd = column_mean_std(of, len(group), p)
        variances.append(sd * sd)
        means.append(transposed_times(of, w[mask] / w[mask].sum()))
    sd = np.sqrt((variances[0] + variances[1]) / 2.0)
    diff = means[0] - means[1]
    out: Array = np.where(sd > 0, diff / np.where(sd > 0, sd, 1.0), 0.0)
    return out


def diagnose(
    propensity: Array,
    exposed: npt.NDArray[np.bool_],
    kept: npt.NDArray[np.bool_],
    x: Array,
    columns: tuple[str, ...],
    max_trimmed_share: float,
    min_ess_share: float,
    max_weighted_smd: float,
) -> OverlapDiagnostics:
    groups = {"ai_assisted": exposed, "human_only": ~exposed}
    quantiles: dict[str, dict[str, float]] = {}
    n: dict[str, int] = {}
    trimmed: dict[str, int] = {}
    ess: dict[str, float] = {}
    share: dict[str, float] = {}
    for name, mask in groups.items():
        p = propensity[mask]
        quantiles[name] = {
            f"q{round(q * 100):02d}": float(np.quantile(p, q)) if len(p) else float("nan")
            for q in QUANTILES
        }
        n[name] = int(mask.sum())
        trimmed[name] = int((mask & ~kept).sum())
        inside = propensity[mask & kept]
        w = 1.0 / inside if name == "ai_assisted" else 1.0 / (1.0 - inside)
        ess[name] = effective_sample_size(w)
        share[name] = ess[name] / max(len(inside), 1)
    rows = np.flatnonzero(kept)
    a, pk = exposed[rows], propensity[rows]
    ones = np.ones(len(pk))
    weights = np.where(a, 1.0 / pk, 1.0 / (1.0 - pk))
    both = bool(a.any() and (~a).any()) and x.shape[1] > 0
    unweighted = _smd(x, rows, a, ones) if both else np.zeros(x.shape[1])
    weighted = _smd(x, rows, a, weights) if both else np.zeros(x.shape[1])
    smd = tuple((c, float(u), float(w)) for c, u, w in zip(columns, unweighted, weighted))
    max_u = float(np.abs(unweighted).max()) if len(unweighted) else 0.0
    max_w = float(np.abs(weighted).max()) if len(weighted) else 0.0

    messages: list[str] = []
    total_trimmed = sum(trimmed.values())
    total = max(sum(n.values()), 1)
    if total_trimmed / total > max_trimmed_share:
        messages.append(
            f"{total_trimmed} of {total} customers ({total_trimmed / total:.1%}) have a propensity "
            "outside the trimming bounds: the adjusted delta covers only customers who could "
            "plausibly have been in either group"
        )
    for name in groups:
        if share[name] < min_ess_share:
            messages.append(
                f"the weights leave an effective sample of {ess[name]:.0f} {name} customers "
                f"({share[name]:.0%} of {n[name] - trimmed[name]}): a few customers dominate"
            )
    balance_warning = max_w > max_weighted_smd
    return OverlapDiagnostics(
        propensity_quantiles=quantiles,
        n=n,
        trimmed=trimmed,
        ess=ess,
        ess_share=share,
        max_abs_smd_unweighted=max_u,
        max_abs_smd_weighted=max_w,
        smd=smd,
        warning=bool(messages),
        messages=tuple(messages),
        balance_warning=balance_warning,
    )
