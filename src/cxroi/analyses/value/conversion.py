"""Conversion lift of AI-sourced opportunities, and the acquisition cost it offsets.

*Conversion lift*: the ATT on the win probability of closed opportunities sourced by AI-assisted
contacts (the doubly robust estimator of :mod:`att`, adjusted like revenue generated for the
sourcing contact's intent, channel and month and the customer's segment, plan, region and revenue
band; interval clustered by customer), over every month with closed opportunities. The
unadjusted difference of win rates (Newcombe) is reported beside it, labelled descriptive.

*Acquisition cost offset*: the incremental won deals of the headline window (the same ATT, as a
count) x the configured acquisition cost x the share of it a service-sourced deal avoids: an
adjusted count priced at an assumed cost. Without a configured cost it is not computed; with a
default one it would be labelled an assumption.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxroi.analyses.value.att import DoublyRobustAtt, Scope
from cxroi.analyses.value.money import as_effect
from cxroi.results.model.money import Basis, Effect, Evidence, Money
from cxroi.analyses.value.sales_units import WON, opportunity_units
from cxroi.io.dataset import Dataset
from cxroi.stats.result import CannotCompute, Estimate
from cxroi.stats.summary import Proportion, newcombe_difference
from cxroi.results.model.value import PeriodAmount

_INTERACT_WITH_INTENT = ("segment", "plan", "revenue_band")


@dataclass(frozen=True)
class Conversion:
    lift: Effect | CannotCompute  # adjusted difference of win probabilities
    lift_descriptive: Effect | CannotCompute
    incremental_won_deals: Effect | CannotCompute  # in the window
    cac_offset: Money | CannotCompute
    cac_offset_monthly: tuple[PeriodAmount, ...]


def _window_label(window: tuple[str, ...]) -> str:
    return f"AI-assisted contacts of {window[0]} to {window[-1]}" if window else "no months"


_LIFT = (
    "doubly robust ATT on the win probability of closed opportunities sourced by AI-assisted "
    "contacts (same adjustment as revenue generated); 95% t interval clustered by customer"
)


def conversion(
    ds: Dataset,
    edges: tuple[float, ...],
    window: tuple[str, ...],
    acquisition_cost: float | None,
    share: float,
    cost_configured: bool,
) -> Conversion:
    """Conversion lift and CAC offset; ``window``: the headline months."""
    if not (ds.has("opportunities") and ds.has("opportunities", "contact_id")
            and ds.has("opportunities", "won")):
        why = CannotCompute("needs an opportunities table with contact_id and won")
        return Conversion(why, why, why, why, ())
    units = opportunity_units(ds, edges)
    pairs = tuple(("intent", c) for c in _INTERACT_WITH_INTENT if c in units.covariates)
    est = DoublyRobustAtt(interactions=pairs if "intent" in units.covariates else ())
    est.fit(units, window)
    descriptive = _descriptive_lift(est)
    if not est.strata_:
        why = next(iter(est.refused_.values()))
        return Conversion(why, descriptive, why, why, ())
    overall = est.overall_
    n1 = overall.treated_n["all"]
    lift_raw = overall.estimate(overall.effect_mean(WON), _LIFT, n1)
    lift: Effect | CannotCompute = (
        lift_raw
        if isinstance(lift_raw, CannotCompute)
        else as_effect(
            lift_raw,
            evidence=Evidence.ADJUSTED,
            population="closed opportunities sourced by AI-assisted contacts (all months)",
        )
    )
    deals: Effect | CannotCompute = CannotCompute("no closed opportunity in the window")
    if est.window_ is not None and est.window_.treated_n["all"] > 0:
        got = est.window_.estimate(
            est.window_.effect_total(WON),
            "incremental won deals: " + _LIFT,
            est.window_.treated_n["all"],
        )
        deals = got if isinstance(got, CannotCompute) else as_effect(
            got, evidence=Evidence.ADJUSTED, population=_window_label(window)
        )
    if acquisition_cost is None:
        why = CannotCompute("no acquisition cost configured ([value] acquisition_cost)")
        return Conversion(lift, descriptive, deals, why, ())
    price = acquisition_cost * share
    evidence = Evidence.ADJUSTED if cost_configured else Evidence.ASSUMPTION
    cac: Money | CannotCompute = deals if isinstance(deals, CannotCompute) else _priced(
        deals, price, len(window), evidence, _window_label(window)
    )
    monthly = tuple(
        PeriodAmount(p, _priced_scope(s, price, evidence, p))
        for p, s in sorted(est.periods_.items())
    )
    return Conversion(lift, descriptive, deals, cac, monthly)


def _priced(
    deals: Estimate, price: float, horizon: int, evidence: Evidence, population: str
) -> Money:
    return Money(
        deals.estimate * price,
        None if deals.ci_low is None else deals.ci_low * price,
        None if deals.ci_high is None else deals.ci_high * price,
        method="incremental won deals x acquisition cost x share a service-sourced deal avoids "
        "(configured price on an adjusted count)",
        n=deals.n,
        se=None if deals.se is None else deals.se * price,
        horizon_months=horizon,
        basis=Basis.ASSUMED_COST,
        margin_applied=False,
        evidence=evidence,
        population=population,
    )


def _priced_scope(s: Scope, price: float, evidence: Evidence, period: str) -> Money | CannotCompute:
    if s.treated_n["all"] == 0:
        return CannotCompute("no closed opportunity sourced by an AI-assisted contact")
    got = s.estimate(s.effect_total(WON), "incremental won deals", s.treated_n["all"])
    if isinstance(got, CannotCompute):
        return got
    return _priced(got, price, 1, evidence, f"AI-assisted contacts of {period}")


def _descriptive_lift(est: DoublyRobustAtt) -> Effect | CannotCompute:
    """Unadjusted difference of win rates (Newcombe), from the opportunity cells."""
    cells = est.cells_
    won_ai = int(round(cells.loc[cells["treated"], f"y:{WON}"].sum()))
    won_h = int(round(cells.loc[~cells["treated"], f"y:{WON}"].sum()))
    a = Proportion(int(cells.loc[cells["treated"], "n"].sum()), won_ai)
    h = Proportion(int(cells.loc[~cells["treated"], "n"].sum()), won_h)
    diff = newcombe_difference(
        a, h, "needs closed opportunities sourced by both AI-assisted and human-only contacts"
    )
    if isinstance(diff, CannotCompute):
        return diff
    return as_effect(
        diff,
        evidence=Evidence.DESCRIPTIVE,
        population="closed opportunities by sourcing contact's mode (all months), unadjusted",
    )
