"""Typed money figures: every amount says what it estimates, over which horizon, and how sure it is.

metrics.md ("Value") asks that every money figure state its horizon, whether margin is applied,
and its class of evidence: an adjusted (causal) estimate, a descriptive comparison, an assumption,
or an extrapolation beyond the data. :class:`Money` is an :class:`~cxroi.stats.result.Estimate`
with those labels as typed fields, so the report and the terminal choose their wording from the
type ("AI generated" only for an adjusted figure; "followed AI contacts" for an attributed one)
instead of reading it from a key name.

:class:`LinkVerdict` is the typed reading of an attributable amount: when its 95% interval covers
zero the narrative must say "no clear link effect", never rank it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cxroi.stats.result import Estimate


class Evidence(StrEnum):
    """How a number is known (metrics.md: adjusted / descriptive / assumption; plus extrapolation)."""

    ADJUSTED = "adjusted"  # a causal contrast adjusted for observed confounders
    DESCRIPTIVE = "descriptive"  # an observed total or comparison, nothing adjusted
    ASSUMPTION = "assumption"  # rests on a configured or default input, not on the data
    EXTRAPOLATION = "extrapolation"  # a model projected beyond the span the data observe


class Basis(StrEnum):
    """What population and contrast a money figure is about."""

    INCREMENTAL_ATT = "incremental_att"  # AI-assisted units: with AI minus the same units without
    ATTRIBUTED = "attributed"  # gross amount following AI-assisted units (not an effect)
    EXPECTED_LOSS = "expected_loss"  # revenue active customers are expected to lose to churn
    LIFETIME_VALUE = "lifetime_value"  # discounted remaining-lifetime value
    ASSUMED_COST = "assumed_cost"  # a measured count priced at a configured cost


@dataclass(frozen=True, kw_only=True)
class Effect(Estimate):
    """An estimate that says how it is known and about whom (e.g. a conversion lift).

    ``population`` names who the number is about in plain words (e.g. "AI-assisted contacts of
    the latest 12 months").
    """

    evidence: Evidence
    population: str

    def as_dict(self) -> dict[str, Any]:
        out = super().as_dict()
        out.update(evidence=str(self.evidence), population=self.population)
        return out


@dataclass(frozen=True, kw_only=True)
class Money(Effect):
    """An amount in the dataset's currency with the labels a finance reader needs.

    ``horizon_months`` is None for a lifetime figure.
    """

    horizon_months: int | None
    basis: Basis
    margin_applied: bool

    def as_dict(self) -> dict[str, Any]:
        out = super().as_dict()
        out.update(
            horizon_months=self.horizon_months,
            basis=str(self.basis),
            margin_applied=self.margin_applied,
        )
        return out


def as_effect(
    est: Estimate, *, evidence: Evidence, population: str, method: str | None = None
) -> Effect:
    """``est`` labelled with its class of evidence and population."""
    return Effect(
        est.estimate,
        est.ci_low,
        est.ci_high,
        method=est.method if method is None else method,
        n=est.n,
        se=est.se,
        extra=dict(est.extra),
        evidence=evidence,
        population=population,
    )


def as_money(
    est: Estimate,
    *,
    horizon_months: int | None,
    basis: Basis,
    margin_applied: bool,
    evidence: Evidence,
    population: str,
    method: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Money:
    """``est`` with money labels (and optionally a new method text or extra fields)."""
    return Money(
        est.estimate,
        est.ci_low,
        est.ci_high,
        method=est.method if method is None else method,
        n=est.n,
        se=est.se,
        extra=dict(est.extra) if extra is None else extra,
        horizon_months=horizon_months,
        basis=basis,
        margin_applied=margin_applied,
        evidence=evidence,
        population=population,
    )


class LinkVerdict(StrEnum):
    """What an attributable amount's interval allows the narrative to say."""

    RAISES_RISK = "raises_risk"  # interval above zero
    LOWERS_RISK = "lowers_risk"  # interval below zero
    NO_CLEAR_LINK_EFFECT = "no_clear_link_effect"  # interval covers zero (or no interval)


def verdict(est: Estimate) -> LinkVerdict:
    """RAISES/LOWERS only when the whole 95% interval is on one side of zero."""
    if est.ci_low is not None and est.ci_low > 0:
        return LinkVerdict.RAISES_RISK
    if est.ci_high is not None and est.ci_high < 0:
        return LinkVerdict.LOWERS_RISK
    return LinkVerdict.NO_CLEAR_LINK_EFFECT
