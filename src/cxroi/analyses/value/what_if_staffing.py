"""Agents needed today and without AI: live queues by Erlang, asynchronous work by workload.

Method (one design month: the busiest of the latest 12):

- **Live channels** (``live_channels``, by default voice and chat) are queues: every hour of the
  week gets its arrival rate (the month's contacts spread by the channel's hour-of-week profile
  over the latest 12 months, divided by the weeks in the month) and the smallest headcount that
  answers ``target_service_level`` of arrivals within ``target_answer_seconds`` under the
  occupancy cap, by Erlang C (nobody abandons) and by Erlang A (exponential patience). Summing
  agents over the hours gives agent-hours on the queue for the month: staffing follows the
  intraday and weekly peaks instead of a monthly average, and hours with no contacts need
  nobody.
- **Asynchronous channels** (email, social, web forms, messaging unless configured live) and
  outbound work are staffed by workload: handle hours / ``async_occupancy``. Treating them as
  live queues would demand answers within seconds to work that may wait for hours, and inflate
  staffing.
- **People**: agent-hours / (``paid_hours_per_agent_month`` x (1 - shrinkage)) gives full-time
  equivalents (FTE); shrinkage is the paid time off the queues (breaks, training, absence).

Without AI each live channel receives its moved contacts (net of avoided repeats) in the AI
contacts' own hour-of-week profile, at the handle time the what-if arithmetic implies. The model
describes the demand a target service level needs; a centre staffed differently (more for
quality or peaks the month average hides, fewer when it misses its target, part-time contracts)
shows up in the reconciliation with the ``agents`` table, which the result states rather than
hides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxroi.analyses.value.settings import WhatIfSettings
from cxroi.stats import erlang, erlang_a
from cxroi.results.model.scenario import QueueDetail, WorkloadDetail

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
HOURS_OF_WEEK = 168
SECONDS_PER_HOUR = 3600.0
# Erlang A rows evaluated at once (each carries a vector of queue states): bounds memory.
_BLOCK_ROWS = 4000


@dataclass(frozen=True)
class ChannelLoad:
    """One channel in the design month: today's human work and the AI work that would move."""

    channel: str
    live: bool
    contacts_today: float
    """Inbound human_only and hybrid contacts in the month."""
    handle_hours_today: float
    ai_contacts: float
    """Inbound ai_only contacts in the month, before netting avoided repeats."""
    outbound_hours: float
    """Handle hours of outbound human work (workload in both scenarios)."""
    profile_today: FloatArray
    """Share of today's human contacts in each hour of the week (sums to 1, or all zero)."""
    profile_ai: FloatArray


@dataclass(frozen=True)
class ChannelDraws:
    """Per draw (row 0 central): contacts moved to this channel's humans and extra handle hours."""

    moved_contacts: FloatArray
    extra_hours: FloatArray


@dataclass(frozen=True)
class StaffingDraws:
    """FTE per draw (row 0 central) for each model and scenario, plus the central details."""

    fte: dict[tuple[str, str], FloatArray]
    """(model, scenario) -> FTE; models "erlang_c", "erlang_a"; scenarios "today", "without_ai"."""
    queues: tuple[QueueDetail, ...]
    workloads: tuple[WorkloadDetail, ...]


def hour_of_week_profile(counts: pd.DataFrame, channel: str, modes: tuple[str, ...]) -> FloatArray:
    """Share of a channel's inbound contacts of ``modes`` in each hour of the week."""
    sel = counts[
        (counts["channel"] == channel)
        & counts["ai_mode"].isin(modes)
        & counts["inbound"].astype(bool)
    ]
    profile = np.zeros(HOURS_OF_WEEK)
    np.add.at(profile, sel["hour_of_week"].to_numpy(dtype=int), sel["n"].to_numpy(dtype=float))
    total = profile.sum()
    return profile / total if total > 0 else profile


def _agents(
    model: str,
    rates: FloatArray,
    aht: FloatArray,
    patience: FloatArray,
    st: WhatIfSettings,
) -> IntArray:
    """Agents per (draw, hour): rates (draws, 168), aht and patience (draws,).

    Contacts without recorded handle time bring no work: nobody is staffed for them.
    """
    work = aht > 0
    rates = np.where(work[:, None], rates, 0.0)
    aht_rows = np.broadcast_to(np.where(work, aht, 1.0)[:, None], rates.shape)
    if model == "erlang_c":
        return erlang.agents_needed_many(
            rates, aht_rows, st.target_service_level, st.target_answer_seconds, st.max_occupancy
        )
    out = np.zeros(rates.shape, dtype=np.int64)
    step = max(1, _BLOCK_ROWS // rates.shape[1])
    for lo in range(0, rates.shape[0], step):
        block = slice(lo, lo + step)
        out[block] = erlang_a.agents_needed_many(
            rates[block],
            aht_rows[block],
            np.broadcast_to(patience[block, None], rates[block].shape),
            st.target_service_level,
            st.target_answer_seconds,
            st.max_occupancy,
        )
    return out


def _aht(hours: FloatArray, contacts: FloatArray) -> FloatArray:
    safe = np.where(contacts > 0, contacts, 1.0)
    return np.asarray(np.where(contacts > 0, hours * SECONDS_PER_HOUR / safe, 1.0), dtype=float)


def staffing_draws(
    loads: tuple[ChannelLoad, ...],
    draws: dict[str, ChannelDraws],
    shrinkage: FloatArray,
    patience: FloatArray,
    weeks_in_month: float,
    st: WhatIfSettings,
) -> StaffingDraws:
    """FTE today and without AI for every draw; every array has one row per draw."""
    rows = shrinkage.size
    agent_hours = {
        (m, s): np.zeros(rows) for m in ("erlang_c", "erlang_a") for s in ("today", "without_ai")
    }
    async_hours = {"today": np.zeros(rows), "without_ai": np.zeros(rows)}
    queues: list[QueueDetail] = []
    workloads: list[WorkloadDetail] = []
    no_ai = ChannelDraws(np.zeros(rows), np.zeros(rows))
    for load in loads:
        d = draws.get(load.channel, no_ai)
        moved = np.maximum(d.moved_contacts[:rows], 0.0)
        hours_stop = np.maximum(load.handle_hours_today + d.extra_hours[:rows], 0.0)
        out_h = load.outbound_hours
        async_hours["today"] += out_h
        async_hours["without_ai"] += out_h
        if not load.live:
            async_hours["today"] += load.handle_hours_today
            async_hours["without_ai"] += hours_stop
            workloads.append(
                WorkloadDetail(load.channel, load.handle_hours_today, float(hours_stop[0]))
            )
            continue
        today_rate = load.contacts_today * load.profile_today / weeks_in_month
        rate = {
            "today": np.broadcast_to(today_rate, (rows, HOURS_OF_WEEK)),
            "without_ai": today_rate[None, :]
            + moved[:, None] * load.profile_ai[None, :] / weeks_in_month,
        }
        contacts = {
            "today": np.full(rows, load.contacts_today),
            "without_ai": load.contacts_today + moved,
        }
        hours = {"today": np.full(rows, load.handle_hours_today), "without_ai": hours_stop}
        peak: dict[tuple[str, str], int] = {}
        for scenario in ("today", "without_ai"):
            aht = _aht(hours[scenario], contacts[scenario])
            for model in ("erlang_c", "erlang_a"):
                agents = _agents(model, np.ascontiguousarray(rate[scenario]), aht, patience, st)
                agent_hours[(model, scenario)] += agents.sum(axis=1) * weeks_in_month
                peak[(model, scenario)] = int(agents[0].max())
                if model == "erlang_a":
                    peak[("hours", scenario)] = int(round(agents[0].sum() * weeks_in_month))
        queues.append(
            QueueDetail(
                channel=load.channel,
                contacts_today=load.contacts_today,
                contacts_without_ai=float(contacts["without_ai"][0]),
                aht_seconds_today=float(_aht(hours["today"][:1], contacts["today"][:1])[0])
                if load.contacts_today > 0
                else None,
                aht_seconds_without_ai=float(
                    _aht(hours["without_ai"][:1], contacts["without_ai"][:1])[0]
                )
                if contacts["without_ai"][0] > 0
                else None,
                peak_agents_today_erlang_c=peak[("erlang_c", "today")],
                peak_agents_without_ai_erlang_c=peak[("erlang_c", "without_ai")],
                peak_agents_today_erlang_a=peak[("erlang_a", "today")],
                peak_agents_without_ai_erlang_a=peak[("erlang_a", "without_ai")],
                agent_hours_today_erlang_a=float(peak[("hours", "today")]),
                agent_hours_without_ai_erlang_a=float(peak[("hours", "without_ai")]),
            )
        )
    paid = st.paid_hours_per_agent_month * (1.0 - shrinkage)
    fte = {
        key: (value + async_hours[key[1]] / st.async_occupancy) / paid
        for key, value in agent_hours.items()
    }
    return StaffingDraws(fte, tuple(queues), tuple(workloads))


__all__ = [
    "ChannelDraws",
    "ChannelLoad",
    "QueueDetail",
    "StaffingDraws",
    "WorkloadDetail",
    "hour_of_week_profile",
    "staffing_draws",
]
