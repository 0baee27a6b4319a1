"""Erlang C staffing for a single contact-centre queue (M/M/N, patient callers, FCFS).

Used by the "what if we stopped AI" view for the *live* channels only (voice, chat, and messaging
when configured live): a queue is work a customer waits on in real time. Email and other
asynchronous work is staffed by its workload, not by a queueing formula: treating it as a live
queue asks for agents to answer within seconds work that may wait hours, and inflates staffing.
Erlang C assumes nobody abandons, so near saturation it asks for more agents than a real queue,
whose callers hang up, needs; ``cxroi.stats.erlang_a`` adds that abandonment and is reported
beside it. Traffic is in Erlangs, ``A = arrivals per hour * AHT seconds / 3600``.

Erlang C is computed from the Erlang B recursion ``B(n) = A B(n-1) / (n + A B(n-1))``, which stays
in [0, 1] at every step; the textbook form with ``A**N / N!`` overflows past roughly 170 agents.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

SECONDS_PER_HOUR = 3600.0

# A ceiling can land a hair above an integer (14 / 0.7 == 20.000000000000004); without this slack
# that would schedule a whole extra person.
_CEIL_SLACK = 1e-9


@dataclass(frozen=True)
class StaffingResult:
    """The smallest headcount on the phones that meets the target, and what it delivers."""

    agents: int
    traffic_erlangs: float
    probability_wait: float
    service_level: float
    average_speed_of_answer_seconds: float
    occupancy: float
    limited_by: str
    """``"service_level"`` or ``"max_occupancy"``: which constraint set ``agents``."""
    arrival_rate_per_hour: float
    aht_seconds: float
    target_service_level: float
    target_answer_seconds: float
    max_occupancy: float | None
    shrinkage: float
    scheduled_fte: float
    """``agents / (1 - shrinkage)``: people to schedule so ``agents`` are on the phones."""
    scheduled_agents: int
    """``scheduled_fte`` rounded up to whole people."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def offered_traffic(arrival_rate_per_hour: float, aht_seconds: float) -> float:
    """Offered load in Erlangs: the mean number of agents busy if nobody ever waited."""
    _check_positive("arrival_rate_per_hour", arrival_rate_per_hour)
    _check_positive("aht_seconds", aht_seconds)
    return arrival_rate_per_hour * aht_seconds / SECONDS_PER_HOUR


def erlang_b(traffic_erlangs: float, agents: int) -> float:
    """Blocking probability of an M/M/N/N loss system (Erlang B)."""
    _check_positive("traffic_erlangs", traffic_erlangs)
    _check_agents(agents)
    b = 1.0
    for n in range(1, agents + 1):
        b = traffic_erlangs * b / (n + traffic_erlangs * b)
    return b


def probability_wait(traffic_erlangs: float, agents: int) -> float:
    """Erlang C: probability that an arriving contact finds every agent busy and has to wait."""
    _check_stable(traffic_erlangs, agents)
    return _erlang_c_from_b(traffic_erlangs, agents, erlang_b(traffic_erlangs, agents))


def average_speed_of_answer(traffic_erlangs: float, agents: int, aht_seconds: float) -> float:
    """Mean wait in queue over all contacts (those answered at once count as zero), in seconds."""
    _check_positive("aht_seconds", aht_seconds)
    c = probability_wait(traffic_erlangs, agents)
    return c * aht_seconds / (agents - traffic_erlangs)


def service_level(
    traffic_erlangs: float, agents: int, aht_seconds: float, target_answer_seconds: float
) -> float:
    """Share of contacts answered within ``target_answer_seconds``: ``P(wait <= t)``."""
    _check_positive("aht_seconds", aht_seconds)
    _check_nonnegative("target_answer_seconds", target_answer_seconds)
    c = probability_wait(traffic_erlangs, agents)
    return _service_level_from_c(c, traffic_erlangs, agents, aht_seconds, target_answer_seconds)


def occupancy(traffic_erlangs: float, agents: int) -> float:
    """Share of logged-in agent time spent handling contacts; only meaningful when A < N."""
    _check_stable(traffic_erlangs, agents)
    return traffic_erlangs / agents


def agents_needed(
    arrival_rate_per_hour: float,
    aht_seconds: float,
    target_service_level: float,
    target_answer_seconds: float,
    max_occupancy: float | None = None,
    shrinkage: float = 0.0,
) -> StaffingResult:
    """Smallest number of agents whose service level reaches the target (e.g. 80% in 20 s).

    ``max_occupancy`` (e.g. 0.85) adds agents until occupancy is at or below it, since sustained
    occupancy near 1 burns agents out even when the service level looks fine. ``shrinkage`` is the
    share of paid time not on the phones (breaks, training, absence) and only affects the
    scheduled FTE, not the queue.
    """
    traffic = offered_traffic(arrival_rate_per_hour, aht_seconds)
    if not 0.0 < target_service_level < 1.0:
        # Erlang C never reaches exactly 1: every finite staffing leaves some chance of waiting.
        raise ValueError(f"target_service_level must be in (0, 1), got {target_service_level!r}")
    _check_nonnegative("target_answer_seconds", target_answer_seconds)
    if max_occupancy is not None and not 0.0 < max_occupancy <= 1.0:
        raise ValueError(f"max_occupancy must be in (0, 1], got {max_occupancy!r}")
    if not 0.0 <= shrinkage < 1.0:
        raise ValueError(f"shrinkage must be in [0, 1), got {shrinkage!r}")

    # Walk N upwards carrying Erlang B along, so the search costs one recursion in total.
    agents = 0
    b = 1.0
    limited_by = "service_level"
    while True:
        agents += 1
        b = traffic * b / (agents + traffic * b)
        if agents <= traffic:
            continue
        c = _erlang_c_from_b(traffic, agents, b)
        sl = _service_level_from_c(c, traffic, agents, aht_seconds, target_answer_seconds)
        if sl < target_service_level:
            continue
        if max_occupancy is not None and traffic / agents > max_occupancy:
            limited_by = "max_occupancy"
            continue
        break

    fte = agents / (1.0 - shrinkage)
    return StaffingResult(
        agents=agents,
        traffic_erlangs=traffic,
        probability_wait=c,
        service_level=sl,
        average_speed_of_answer_seconds=c * aht_seconds / (agents - traffic),
        occupancy=traffic / agents,
        limited_by=limited_by,
        arrival_rate_per_hour=arrival_rate_per_hour,
        aht_seconds=aht_seconds,
        target_service_level=target_service_level,
        target_answer_seconds=target_answer_seconds,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
        scheduled_fte=fte,
        scheduled_agents=math.ceil(fte - _CEIL_SLACK),
    )


def agents_needed_many(
    arrival_rate_per_hour: npt.NDArray[np.float64],
    aht_seconds: float | npt.NDArray[np.float64],
    target_service_level: float,
    target_answer_seconds: float,
    max_occupancy: float | None = None,
) -> npt.NDArray[np.int64]:
    """:func:`agents_needed` for many intervals at once (0 agents where nobody arrives).

    ``aht_seconds`` is one handle time or one per interval. The intervals of a week walk
    upwards together, each carrying its own Erlang B recursion.
    """
    rates = np.asarray(arrival_rate_per_hour, dtype=np.float64)
    aht = np.broadcast_to(np.asarray(aht_seconds, dtype=np.float64), rates.shape)
    if np.any(~np.isfinite(rates)) or np.any(rates < 0):
        raise ValueError("arrival rates must be finite and >= 0")
    if np.any(~np.isfinite(aht)) or np.any(aht[rates > 0] <= 0):
        raise ValueError("aht_seconds must be finite and > 0 where contacts arrive")
    if not 0.0 < target_service_level < 1.0:
        raise ValueError(f"target_service_level must be in (0, 1), got {target_service_level!r}")
    _check_nonnegative("target_answer_seconds", target_answer_seconds)
    if max_occupancy is not None and not 0.0 < max_occupancy <= 1.0:
        raise ValueError(f"max_occupancy must be in (0, 1], got {max_occupancy!r}")
    out = np.zeros(rates.shape, dtype=np.int64)
    live = np.flatnonzero(rates > 0)
    traffic = rates.ravel()[live] * aht.ravel()[live] / SECONDS_PER_HOUR
    t_over_aht = target_answer_seconds / aht.ravel()[live]
    agents = np.zeros(live.size, dtype=np.int64)
    b = np.ones(live.size)
    todo = np.arange(live.size)
    flat = out.ravel()
    while todo.size:
        agents[todo] += 1
        a, n = traffic[todo], agents[todo]
        b[todo] = a * b[todo] / (n + a * b[todo])
        stable = n > a
        safe_n = np.where(stable, n, a + 1.0)
        c = safe_n * b[todo] / (safe_n - a * (1.0 - b[todo]))
        sl = 1.0 - c * np.exp(-(safe_n - a) * t_over_aht[todo])
        ok = stable & (sl >= target_service_level)
        if max_occupancy is not None:
            ok &= a / safe_n <= max_occupancy
        flat[live[todo[ok]]] = agents[todo[ok]]
        todo = todo[~ok]
    return flat.reshape(rates.shape)


def staffing_table(
    arrival_rate_per_hour: float,
    aht_seconds: float,
    target_answer_seconds: float,
    agents: range,
) -> pd.DataFrame:
    """Queue metrics for each headcount in ``agents`` (unstable headcounts, N <= A, are skipped).

    The table planners read to see how steeply service falls with one agent fewer.
    """
    traffic = offered_traffic(arrival_rate_per_hour, aht_seconds)
    rows = []
    for n in agents:
        if n <= traffic:
            continue
        c = probability_wait(traffic, n)
        rows.append(
            {
                "agents": n,
                "probability_wait": c,
                "service_level": _service_level_from_c(
                    c, traffic, n, aht_seconds, target_answer_seconds
                ),
                "average_speed_of_answer_seconds": c * aht_seconds / (n - traffic),
                "occupancy": traffic / n,
            }
        )
    columns = [
        "agents",
        "probability_wait",
        "service_level",
        "average_speed_of_answer_seconds",
        "occupancy",
    ]
    return pd.DataFrame(rows, columns=columns)


def _erlang_c_from_b(traffic: float, agents: int, b: float) -> float:
    return agents * b / (agents - traffic * (1.0 - b))


def _service_level_from_c(
    c: float, traffic: float, agents: int, aht_seconds: float, target_answer_seconds: float
) -> float:
    # Given a wait, it is exponential with rate (N - A) / AHT: the queue drains at N service
    # completions per AHT while A per AHT keep arriving.
    return 1.0 - c * math.exp(-(agents - traffic) * target_answer_seconds / aht_seconds)


def _check_positive(name: str, value: float) -> None:
    if not (isinstance(value, numbers.Real) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")


def _check_nonnegative(name: str, value: float) -> None:
    if not (isinstance(value, numbers.Real) and math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")


def _check_agents(agents: int) -> None:
    if isinstance(agents, bool) or not isinstance(agents, numbers.Integral) or agents < 1:
        raise ValueError(f"agents must be a whole number >= 1, got {agents!r}")


def _check_stable(traffic_erlangs: float, agents: int) -> None:
    _check_positive("traffic_erlangs", traffic_erlangs)
    _check_agents(agents)
    if traffic_erlangs >= agents:
        raise ValueError(
            f"traffic of {traffic_erlangs:g} Erlangs needs more than {agents} agents: with "
            "traffic >= agents the queue grows without bound, so Erlang C has no steady state"
        )
