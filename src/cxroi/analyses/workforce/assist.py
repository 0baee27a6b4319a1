"""Does AI assistance help novice agents more than experienced ones? Handle time and resolution.

Contacts an agent handled (``agent_id`` set, the agent in the ``agents`` table) are *assisted*
when AI took part with the agent: ``touchpoint = agent_assist`` or ``ai_mode = hybrid`` (an
escalated bot contact, agent assist, AI routing); the others (human-only, no agent assist) are
the comparison. The agent's tenure at the contact puts it in the *novice* group (the first
``novice_months`` after hiring) or the *experienced* one.

Within each group, the effect on the assisted contacts (ATT) is the doubly robust estimator of
:mod:`cxroi.analyses.value.att` adjusted for the contact's intent, channel and month (what the
contact is about decides both how long it takes and whether AI joins), with intervals clustered
by agent (an agent's contacts share their skill). A centre has tens of agents and an estimate
often rests on a few (the novices of the period), so the cluster-robust variance is bias-
corrected and Student's t takes the effective number of agents' degrees of freedom
(:mod:`cxroi.analyses.workforce.agent_df`; calibration in docs/workforce-calibration.md).
Reported: the change in handle time (seconds, and relative to the same contacts without
assistance), the implied productivity change (contacts per handle-hour, ``1 / (1 + r) - 1``) and
the change in resolution (no repeat within the window, docs/metrics.md), and the novice-minus-
experienced gap of each with its interval. Brynjolfsson, Li & Raymond (2023, NBER w31161) found
the largest gains for the least experienced agents (+34% resolutions per hour); this reports what
the data show, adjusted, not that figure.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from cxroi.analyses.value.att import DoublyRobustAtt, Linear
from cxroi.analyses.value.att_queries import CLUSTER, TREATED, AttUnits
from cxroi.analyses.value.money import as_effect
from cxroi.analyses.workforce.agent_df import agent_weights, small_sample_estimate
from cxroi.io.dataset import Dataset
from cxroi.metrics.queries import enrich
from cxroi.results.model.money import Effect, Evidence
from cxroi.results.model.workforce import AssistEffects, GroupEffect
from cxroi.stats.result import CannotCompute, Estimate, Result

GROUPS = ("novice", "experienced")
GROUP = "agent_group"
HANDLE = "handle_seconds"
RESOLVED = "resolved"
MISSING = "(missing)"
MONTH_DAYS = 365.25 / 12.0
DEFINITION = (
    "assisted = an agent handled the contact with AI taking part (touchpoint agent_assist or "
    "ai_mode hybrid); comparison = human-only contacts without agent assist"
)


def _units(
    ds: Dataset,
    novice_months: int,
    window: int,
    eligible_only: bool,
    enriched: ir.Table | None = None,
) -> ir.Table:
    # Repeats are found among all the customer's contacts, bots included (docs/metrics.md: across
    # channels), so the agent filter comes after repeat detection, never before it.
    if eligible_only:
        if enriched is None or not {f"eligible_{window}", "agent_id"} <= set(enriched.columns):
            enriched = enrich(ds.tables["contacts"], None, ds.as_of, (window,))
        e = enriched.filter(enriched[f"eligible_{window}"])
    else:
        e = ds.tables["contacts"]
    e = e.filter(e.agent_id.notnull())
    agents = ds.tables["agents"].select(a_id="agent_id", hired="hired_at")
    j = e.join(agents, e.agent_id == agents.a_id)
    tenure_days = (j.started_at.epoch_seconds() - j.hired.epoch_seconds()) / 86400.0
    novice = tenure_days < novice_months * MONTH_DAYS
    assisted = (j.touchpoint.fill_null("") == "agent_assist") | (j.ai_mode == "hybrid")
    outcome = (
        {RESOLVED: ibis.ifelse(j[f"repeat_{window}"], 0, 1).cast("float64")}
        if eligible_only
        else {HANDLE: j.handle_seconds.cast("float64")}
    )
    return j.filter(assisted | (j.ai_mode == "human_only")).select(
        **{
            CLUSTER: j.agent_id,
            TREATED: assisted,
            GROUP: ibis.ifelse(novice, GROUPS[0], GROUPS[1]),
            "intent": j.intent.fill_null(MISSING),
            "channel": j.channel.fill_null(MISSING),
            "month": j.started_at.strftime("%Y-%m"),
        },
        **outcome,
    )


def _covariates(ds: Dataset) -> tuple[str, ...]:
    return (("intent",) if ds.has("contacts", "intent") else ()) + ("channel", "month")


@dataclass(frozen=True)
class _Fitted:
    """A fitted group-wise ATT and its per-agent weights (for the degrees of freedom)."""

    att: DoublyRobustAtt
    per_agent: pd.DataFrame | None  # None when no group could be fitted

    def estimate(self, stat: Linear, method: str, n: int) -> Result:
        """``stat`` with its agent-clustered interval on the effective degrees of freedom."""
        assert self.per_agent is not None
        return small_sample_estimate(self.att.overall_, stat, method, n, self.per_agent, GROUP)


def _fit(units: AttUnits) -> _Fitted:
    # additive on the log scale (handle time) and linear (resolution): simple, per group
    att = DoublyRobustAtt(outcome_link="log" if HANDLE in units.outcomes else "identity").fit(
        units
    )
    return _Fitted(att, agent_weights(att) if att.strata_ else None)


def _effect(
    est: _Fitted, stat: Linear, method: str, n: int, population: str
) -> Effect | CannotCompute:
    got = est.estimate(stat, method, n)
    if isinstance(got, CannotCompute):
        return got
    return as_effect(got, evidence=Evidence.ADJUSTED, population=population)


_METHOD = (
    "doubly robust ATT (logistic propensity, outcome model on unassisted contacts; intent, "
    "channel, month), separately for novice and experienced agents; 95% t interval clustered by "
    "agent, small-sample corrected"
)


def assist_effects(
    ds: Dataset, novice_months: int, window: int, enriched: ir.Table | None = None
) -> AssistEffects | CannotCompute:
    """The effect of AI assistance by agent experience; needs agents and agent_id.

    ``enriched``: the contacts with their repeat flags (``ExactMetrics.enriched``), reused when it
    has the window's; otherwise repeats are detected here."""
    if not ds.has("agents") or not ds.has("contacts", "agent_id"):
        return CannotCompute("needs an agents table and contacts.agent_id")
    covariates = _covariates(ds)
    handle = _fit(AttUnits(_units(ds, novice_months, window, False), covariates, (HANDLE,), GROUP))
    units = _units(ds, novice_months, window, True, enriched)
    fcr = _fit(AttUnits(units, covariates, (RESOLVED,), GROUP))
    if not handle.att.strata_:
        reasons = "; ".join(f"{g}: {r.reason}" for g, r in handle.att.refused_.items())
        return CannotCompute(f"too few assisted or unassisted agent contacts ({reasons})")
    groups = tuple(_group(g, handle, fcr, novice_months) for g in GROUPS)
    return AssistEffects(
        definition=DEFINITION,
        novice_months=novice_months,
        resolution_window_days=window,
        agents=handle.att.overall_.clusters,
        groups=groups,
        handle_relative_gap=_gap(handle, HANDLE, relative=True),
        resolution_gap=_gap(fcr, RESOLVED, relative=False),
    )


def _population(group: str, months: int) -> str:
    who = f"in their first {months} months" if group == "novice" else f"past {months} months"
    return f"AI-assisted contacts of agents {who}"


def _group(group: str, handle: _Fitted, fcr: _Fitted, months: int) -> GroupEffect:
    pop = _population(group, months)
    why = handle.att.refused_.get(group) or CannotCompute(f"no {group} agent contacts")
    if group not in handle.att.strata_:
        return GroupEffect(group, 0, 0, why, why, why, why)
    s = handle.att.overall_
    n1 = s.treated_n[group]
    seconds = _effect(
        handle, s.effect_mean(HANDLE, group), _METHOD + "; seconds per assisted contact", n1, pop
    )
    relative = _effect(
        handle,
        s.relative(HANDLE, group),
        _METHOD + "; relative to the same contacts unassisted",
        n1,
        pop,
    )
    productivity: Effect | CannotCompute = relative
    if isinstance(relative, Estimate):
        productivity = _productivity(relative, pop)
    resolution: Effect | CannotCompute = fcr.att.refused_.get(group) or CannotCompute(
        f"no {group} agent contacts eligible for resolution"
    )
    if group in fcr.att.strata_:
        f = fcr.att.overall_
        stat, n1_fcr = f.effect_mean(RESOLVED, group), f.treated_n[group]
        resolution = _effect(fcr, stat, _METHOD + "; resolved share", n1_fcr, pop)
    return GroupEffect(group, n1, s.untreated_n[group], seconds, relative, productivity, resolution)


def _productivity(relative: Estimate, population: str) -> Effect:
    """Contacts per handle-hour: ``1 / (1 + r) - 1`` (monotone, so the interval maps over)."""
    assert relative.ci_low is not None and relative.ci_high is not None

    def f(r: float) -> float:
        return 1.0 / (1.0 + r) - 1.0

    return Effect(
        f(relative.estimate),
        f(relative.ci_high),
        f(relative.ci_low),
        method="contacts per handle-hour from the relative handle-time effect: 1 / (1 + r) - 1",
        n=relative.n,
        evidence=Evidence.ADJUSTED,
        population=population,
    )


def _gap(est: _Fitted, outcome: str, relative: bool) -> Effect | CannotCompute:
    if not all(g in est.att.strata_ for g in GROUPS):
        return CannotCompute(
            "needs assisted and unassisted contacts of both novice and experienced agents"
        )
    s = est.att.overall_
    stat = (
        s.relative(outcome, GROUPS[0]) - s.relative(outcome, GROUPS[1])
        if relative
        else s.effect_mean(outcome, GROUPS[0]) - s.effect_mean(outcome, GROUPS[1])
    )
    what = "relative handle-time effect" if relative else "resolution effect"
    n = sum(s.treated_n.values())
    method = f"novice minus experienced {what}; " + _METHOD
    got = est.estimate(stat, method, n)
    if isinstance(got, CannotCompute):
        return got
    return as_effect(got, evidence=Evidence.ADJUSTED, population="AI-assisted agent contacts")
