"""Resolution, containment, cost and handle time with customer-clustered intervals (docs/metrics.md).

Each metric is a ratio of per-customer totals (``cxroi.metrics.customer_sums.Ratio``):

* ``fcr_<W>d`` = resolved / eligible contacts (inbound, at least W days before ``as_of``);
* ``cost_per_resolution_<W>d`` = cost of eligible contacts / resolved contacts; its population
  is the customers with an eligible contact (one with no resolution still adds cost);
* cost per contact and AHT = cost or handle time / contacts (every contact, docs/metrics.md);
* containment = inbound ai_only / (inbound ai_only + inbound escalated);
* false containment = eligible ai_only contacts with a repeat / eligible ai_only contacts.

Outbound contacts (call-backs, campaigns) never enter the resolution or containment
denominators; they and the ``proactive`` touchpoint's contacts are counted, costed and timed
apart (``ContactsApart``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from cxroi.io.contract import ALL, GROUPS, MODES
from cxroi.metrics.customer_sums import Ratio, Variables, count, ratio_sums
from cxroi.stats.clustered import RATIO_METHOD
from cxroi.stats.result import Result

PerMode = dict[str, Result]
MONEY = dt.Decimal(38, 6)  # handle seconds are summed exactly, like every duration
PER_60 = Fraction(1, 60)  # costs are summed as 60 × cost (cxroi.metrics.queries.cost_times_60)
FALSE_CONTAINMENT_WINDOW = 7

CONTAINMENT = Ratio("containment", "contained", "bot_entry")
FALSE_CONTAINMENT = Ratio("false_containment", "fc_repeat", "fc_eligible")
COST = Ratio("cost", "cost", "n")
AHT = Ratio("aht", "handle", "n_handle")  # over contacts whose handle time is known
APART = ("outbound", "proactive")
COUNTS = ("n", "n_inbound", "escalated", "cost_modelled", "handle_imputed")


def fcr_ratio(w: int) -> Ratio:
    return Ratio(f"fcr_{w}", f"resolved_{w}", f"eligible_{w}")


def cpr_ratio(w: int) -> Ratio:
    return Ratio(f"cpr_{w}", f"cost_eligible_{w}", f"resolved_{w}", domain=f"eligible_{w}")


def apart_ratios(kind: str) -> tuple[Ratio, Ratio]:
    return (
        Ratio(f"cost_{kind}", f"cost_{kind}", f"n_{kind}"),
        Ratio(f"aht_{kind}", f"handle_{kind}", f"n_handle_{kind}"),
    )


def windows_with_false_containment(windows: Sequence[int]) -> tuple[int, ...]:
    return tuple(sorted({*windows, FALSE_CONTAINMENT_WINDOW}))


def variables(windows: Sequence[int]) -> Variables:
    """Per-customer variables over the enriched contacts (``customer_sums.Variables``)."""

    def build(e: ir.Table) -> dict[str, ir.Value]:
        # Counts, not sums of flags: a filtered count is a 64-bit integer, which DuckDB adds
        # and squares faster than the 128-bit sums of 0/1 values (the same numbers).
        inbound, ai_only = e.inbound, e.ai_mode == "ai_only"
        contained, escalated = inbound & ai_only, inbound & e.escalated_value
        handle = e.handle_seconds.cast(MONEY)
        groups = {"outbound": ~inbound, "proactive": e.proactive}
        out: dict[str, ir.Value] = {
            "n": e.count(),
            "n_inbound": e.count(where=inbound),
            "escalated": e.count(where=escalated),
            "contained": e.count(where=contained),
            # an ai_only contact flagged escalated counts on both sides (docs/metrics.md)
            "bot_entry": e.count(where=contained) + e.count(where=escalated),
            "cost_modelled": e.count(where=e.cost_modelled),
            "handle_imputed": e.count(where=e.handle_imputed),
            "cost": e.cost_x60.sum(),
            "handle": handle.sum(),
            "n_handle": e.handle_seconds.count(),
            "fc_eligible": e.count(where=e.eligible_7 & ai_only),
            "fc_repeat": e.count(where=e.eligible_7 & e.repeat_7 & ai_only),
        }
        for kind, where in groups.items():
            out[f"n_{kind}"] = e.count(where=where)
            out[f"cost_{kind}"] = e.cost_x60.sum(where=where)
            out[f"handle_{kind}"] = handle.sum(where=where)
            out[f"n_handle_{kind}"] = e.handle_seconds.count(where=where)
        for w in windows:
            eligible = e[f"eligible_{w}"]
            out[f"eligible_{w}"] = e.count(where=eligible)
            out[f"resolved_{w}"] = e.count(where=eligible & ~e[f"repeat_{w}"])
            out[f"cost_eligible_{w}"] = e.cost_x60.sum(where=eligible)
        return out

    return build


def overall_ratios(windows: Sequence[int]) -> list[Ratio]:
    """What the per-mode and "all" groupings compute over every contact."""
    ratios = [COST, AHT]
    for w in windows:
        ratios += [fcr_ratio(w), cpr_ratio(w)]
    return ratios


# Computed on the outbound and proactive contacts only (few rows): exact decimal sums per customer
# are the costly part of the clustered queries, so these are not carried through the big ones.
APART_RATIOS = [*apart_ratios("outbound"), *apart_ratios("proactive")]
APART_COUNTS = ("n_outbound", "n_proactive")


def monthly_ratios(windows: Sequence[int]) -> list[Ratio]:
    return [CONTAINMENT, FALSE_CONTAINMENT, *(fcr_ratio(w) for w in windows)]


@dataclass(frozen=True)
class ContactsApart:
    """Contacts kept apart from the service metrics (outbound, or the proactive touchpoint)."""

    contacts: dict[str, int]
    cost_per_contact: PerMode
    aht_seconds: PerMode


@dataclass(frozen=True)
class ResolutionResults:
    contacts: dict[str, int]
    contacts_by_direction: dict[str, dict[str, int]]
    escalated: dict[str, int]
    cost_modelled: int
    handle_imputed: int
    fcr: dict[int, PerMode]
    cost_per_resolution: dict[int, PerMode]
    cost_per_contact: PerMode
    aht_seconds: PerMode
    containment_rate: Result
    false_containment_7d: Result
    outbound: ContactsApart
    proactive: ContactsApart


def resolution_results(
    rows: Mapping[str, Mapping[str, Any]], windows: Sequence[int]
) -> ResolutionResults:
    """Results from the per-mode rows plus the "all" row (``rows[ALL]``)."""

    def per_mode(ratio: Ratio, finish: Any) -> PerMode:
        return {g: finish(ratio_sums(rows.get(g, {}), ratio), g) for g in GROUPS}

    def counts(name: str) -> dict[str, int]:
        return {g: count(rows.get(g), name) for g in GROUPS}

    fcr = {
        w: per_mode(
            fcr_ratio(w),
            lambda s, g, w=w: s.share(f"no {_who(g)} at least {w} days before as_of"),
        )
        for w in windows
    }
    cpr = {
        w: per_mode(
            cpr_ratio(w),
            lambda s, g, w=w: s.scaled(PER_60).mean(
                f"no resolved {_who(g)} in the {w}-day window",
                method=RATIO_METHOD,
                n=count(rows.get(g), f"eligible_{w}"),
            ),
        )
        for w in windows
    }
    total = rows.get(ALL, {})
    inbound, n = counts("n_inbound"), counts("n")
    return ResolutionResults(
        contacts={m: n[m] for m in MODES},
        contacts_by_direction={
            "inbound": inbound,
            "outbound": {g: n[g] - inbound[g] for g in GROUPS},
        },
        escalated={m: count(rows.get(m), "escalated") for m in MODES},
        cost_modelled=count(total, "cost_modelled"),
        handle_imputed=count(total, "handle_imputed"),
        fcr=fcr,
        cost_per_resolution=cpr,
        cost_per_contact=per_mode(COST, lambda s, g: s.scaled(PER_60).mean(f"no {_who(g)}")),
        aht_seconds=per_mode(AHT, lambda s, g: s.mean(f"no {_who(g)}")),
        containment_rate=ratio_sums(total, CONTAINMENT).share(
            "no inbound ai_only or escalated contacts"
        ),
        false_containment_7d=ratio_sums(total, FALSE_CONTAINMENT).share(
            "no inbound ai_only contacts at least 7 days before as_of"
        ),
        outbound=_apart(rows, "outbound"),
        proactive=_apart(rows, "proactive"),
    )


def _apart(rows: Mapping[str, Mapping[str, Any]], kind: str) -> ContactsApart:
    cost, aht = apart_ratios(kind)
    who = "outbound contacts" if kind == "outbound" else "contacts on the proactive touchpoint"
    return ContactsApart(
        contacts={g: count(rows.get(g), f"n_{kind}") for g in GROUPS},
        cost_per_contact={
            g: ratio_sums(rows.get(g, {}), cost).scaled(PER_60).mean(_in(who, g)) for g in GROUPS
        },
        aht_seconds={g: ratio_sums(rows.get(g, {}), aht).mean(_in(who, g)) for g in GROUPS},
    )


def monthly_values(row: Mapping[str, Any], month: str, windows: Sequence[int]) -> dict[str, Result]:
    """One month: containment, FCR per window, false containment and the number of contacts."""
    values: dict[str, Result] = {
        "containment_rate": ratio_sums(row, CONTAINMENT).share(
            f"{month}: no inbound ai_only or escalated contacts"
        )
    }
    for w in windows:
        values[f"fcr_{w}d"] = ratio_sums(row, fcr_ratio(w)).share(
            f"{month}: no inbound contacts at least {w} days before as_of"
        )
    values["false_containment_7d"] = ratio_sums(row, FALSE_CONTAINMENT).share(
        f"{month}: no eligible ai_only contacts"
    )
    return values


def _who(group: str) -> str:
    return "contacts" if group == ALL else f"{group} contacts"


def _in(who: str, group: str) -> str:
    return f"no {who}" if group == ALL else f"no {who} among {group} contacts"
