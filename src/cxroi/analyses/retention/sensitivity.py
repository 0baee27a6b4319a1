"""How strong an unmeasured confounder would have to be to explain the retention effect away.

The E-value (VanderWeele & Ding 2017, "Sensitivity analysis in observational research:
introducing the E-value", Annals of Internal Medicine 167:268–274) is the minimum strength of
association, on the risk-ratio scale, that an unmeasured confounder would need to have with both
the exposure and the outcome, conditional on the measured confounders, to move an observed risk
ratio RR to 1:

    E = RR + √(RR · (RR − 1))   for RR ≥ 1;   for RR < 1, apply it to 1/RR.

The E-value of the confidence interval applies the same formula to the interval limit nearest 1,
and is 1 when the interval includes 1 (no confounding is needed to reach the null).

Scale used here: the **churn risk ratio at the horizon** (365 days = 12 months), AI-assisted
index contact vs human-only, from the adjusted arm means: RR = (1 − S̄_1) / (1 − S̄_0), for the
ATE (all analysed customers) and the ATT (the AI-assisted ones). Being a risk ratio of the
adjusted marginal risks, it needs none of the rare-outcome conversions the paper gives for odds
or hazard ratios. Its interval is a delta-method interval on the log scale, from the influence
values of the two means. An effect that lowers churn has RR < 1; its E-value reads "a confounder
associated with both AI routing and churn by a risk ratio of E each could explain it away, a
weaker one could not".
"""

from __future__ import annotations

import math

import numpy as np

from cxroi.analyses.retention.estimands import ArmContrast, standard_error
from cxroi.results.model.retention import EValue, RiskRatio
from cxroi.stats.result import CannotCompute
from cxroi.stats.summary import Z95


def e_value(risk_ratio: float) -> float:
    """The E-value of a risk ratio (VanderWeele & Ding 2017, eq. in the text above)."""
    if not risk_ratio > 0:
        raise ValueError(f"a risk ratio must be positive, got {risk_ratio!r}")
    rr = risk_ratio if risk_ratio >= 1.0 else 1.0 / risk_ratio
    return rr + math.sqrt(rr * (rr - 1.0))


def e_value_of_interval(low: float, high: float) -> float:
    """E-value of the interval limit nearest 1; 1 when the interval includes 1."""
    if low <= 1.0 <= high:
        return 1.0
    return e_value(low if low > 1.0 else high)


def churn_risk_ratio(contrast: ArmContrast, horizon_days: int) -> RiskRatio | CannotCompute:
    """(1 − S̄_1) / (1 − S̄_0) with a log-scale delta-method interval (always set)."""
    risk1, risk0 = 1.0 - contrast.treated_mean, 1.0 - contrast.control_mean
    if not (risk1 > 0 and risk0 > 0):
        return CannotCompute(
            f"an estimated {horizon_days}-day churn risk is not positive "
            f"(AI-assisted {risk1:.4f}, without AI {risk0:.4f}): no risk ratio"
        )
    log_rr = math.log(risk1 / risk0)
    influence = -contrast.treated_influence / risk1 + contrast.control_influence / risk0
    se = standard_error(np.asarray(influence, dtype=np.float64))
    return RiskRatio(
        risk1 / risk0,
        math.exp(log_rr - Z95 * se),
        math.exp(log_rr + Z95 * se),
        method=(
            f"{horizon_days}-day churn risk ratio, AI-assisted vs without AI, from the adjusted "
            "arm means; log-scale delta-method interval"
        ),
        n=contrast.n,
        se=se,
        se_scale="log risk ratio",
        churn_risk_ai_assisted=risk1,
        churn_risk_without_ai=risk0,
    )


def e_values(contrast: ArmContrast, horizon_days: int, population: str) -> EValue | CannotCompute:
    rr = churn_risk_ratio(contrast, horizon_days)
    if isinstance(rr, CannotCompute):
        return rr
    low = rr.ci_low if rr.ci_low is not None else rr.estimate
    high = rr.ci_high if rr.ci_high is not None else rr.estimate
    return EValue(rr, e_value(rr.estimate), e_value_of_interval(low, high), population)
