"""Typed figures: every number says how it is known, about whom, over which horizon.

docs/metrics.md ("Value") asks that every money figure state its horizon, whether margin is
applied, and its class of evidence — an adjusted (causal) estimate, a descriptive comparison, an
assumption, or an extrapolation beyond the data. These are typed fields here, so the report and
the terminal choose their wording from the type ("AI generated" only for an adjusted figure;
"followed AI contacts" for an attributed one) instead of reading it from a key name.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cxroi.results.layout import omitted_when_none
from cxroi.stats.result import Estimate


class Evidence(StrEnum):
    """How a number is known (the classes docs/metrics.md names, plus extrapolation)."""

    ADJUSTED = "adjusted_estimate"  # a causal contrast adjusted for observed confounders
    DESCRIPTIVE = "descriptive_comparison"  # an observed total or comparison, nothing adjusted
    ASSUMPTION = "assumption"  # rests on a configured or default input, not only on the data
    EXTRAPOLATION = "extrapolation"  # a model projected beyond the span the data observe


class Basis(StrEnum):
    """What population and contrast a money figure is about."""

    ATT = "att"  # AI-assisted customers: kept with AI minus without (retention's ATT)
    INCREMENTAL_ATT = "incremental_att"  # AI-assisted units: with AI minus the same units without
    ATTRIBUTED = "attributed"  # gross amount following AI-assisted units (not an effect)
    EXPECTED_LOSS = "expected_loss"  # revenue active customers are expected to lose to churn
    LIFETIME_VALUE = "lifetime_value"  # discounted remaining-lifetime value
    ASSUMED_COST = "assumed_cost"  # a measured count priced at a configured cost


class LinkVerdict(StrEnum):
    """What an attributable amount's interval allows the narrative to say."""

    RAISES_RISK = "raises_risk"  # interval above zero
    LOWERS_RISK = "lowers_risk"  # interval below zero
    NO_CLEAR_LINK_EFFECT = "no_clear_link_effect"  # interval covers zero (or no interval)


@dataclass(frozen=True, kw_only=True)
class Effect(Estimate):
    """An estimate that says how it is known and, where it matters, about whom."""

    evidence: Evidence
    population: str | None = omitted_when_none()


@dataclass(frozen=True, kw_only=True)
class Figure(Effect):
    """A scenario or worksheet figure: its horizon and how many significant figures its interval
    justifies (``significant_figures``; rounding follows the interval, so "$238,697.84 [$120k,
    $360k]" is shown as "$240k")."""

    horizon_months: int | None
    significant_figures: int | None = omitted_when_none()


@dataclass(frozen=True, kw_only=True)
class Money(Figure):
    """An amount in the dataset's currency with the labels a finance reader needs.

    ``horizon_months`` is None for a lifetime figure.
    """

    basis: Basis
    margin_applied: bool


def verdict(est: Estimate) -> LinkVerdict:
    """RAISES/LOWERS only when the whole 95% interval is on one side of zero."""
    if est.ci_low is not None and est.ci_low > 0:
        return LinkVerdict.RAISES_RISK
    if est.ci_high is not None and est.ci_high < 0:
        return LinkVerdict.LOWERS_RISK
    return LinkVerdict.NO_CLEAR_LINK_EFFECT


@dataclass(frozen=True, kw_only=True)
class RevenueProtected(Money):
    """Recurring revenue AI-assisted customers keep over the horizon, with AI minus without
    (docs/metrics.md, Revenue protected): Σ over them of monthly revenue × (expected months active
    with AI − without), each customer's two survival curves from the adjusted model."""

    customers: int  # AI-assisted customers summed over
    trimmed_customers: int  # AI-assisted, left out (no comparable human-only customers)
    trimmed_weight_share: float  # their share of the revenue weights
    # share of the variance carried by the 10 customers that move the total most
    top10_variance_share: float
