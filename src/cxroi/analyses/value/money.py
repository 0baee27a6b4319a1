"""Labelling an estimate as a typed figure (:mod:`cxroi.results.model.money`)."""

from __future__ import annotations

from cxroi.results.model.money import Basis, Effect, Evidence, Money
from cxroi.stats.result import Estimate


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
) -> Money:
    """``est`` with money labels (and optionally a new method text)."""
    return Money(
        est.estimate,
        est.ci_low,
        est.ci_high,
        method=est.method if method is None else method,
        n=est.n,
        se=est.se,
        horizon_months=horizon_months,
        basis=basis,
        margin_applied=margin_applied,
        evidence=evidence,
        population=population,
    )
