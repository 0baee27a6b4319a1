"""Erlang A (Palm's M/M/N+M queue): one live queue whose customers abandon when kept waiting.

Erlang C (``cxroi.stats.erlang``) assumes nobody ever hangs up, so a queue near saturation grows
without bound and the staffing it asks for is too high; real callers abandon. Palm's model, named
Erlang A by Garnett, Mandelbaum and Reiman (2002, "Designing a call center with impatient
customers", MSOM 4(3)), gives each waiting customer an exponential patience with mean
``patience_seconds``: the queue is then stable at any load, and as patience grows without bound
it becomes Erlang C again (tested).

The number of customers in the system is a birth-death chain: arrivals at rate ``lambda``,
departures ``min(n, N) mu + max(n - N, 0) theta``. Its stationary law, measured in units of the
probability of state ``N`` (all agents busy, nobody waiting), is

- below ``N``: ``sum_{n<N} pi_n / pi_N = 1 / B(A, N) - 1``, with ``B`` the Erlang B blocking
  probability (carried in log space: ``1/B(n) = 1 + (n/A) / B(n-1)``, so nothing overflows);
- ``j`` waiting: ``w_j = prod_{k=1..j} y / (x + k)`` with ``x = N mu / theta``,
  ``y = lambda / theta`` (the series Mandelbaum and Zeltyn call ``A(x, y)``), summed in log space
  until the terms are negligible.

By PASTA an arrival sees that law. Measures of performance (all arrivals in the denominator):

- ``probability_wait``: all agents busy on arrival;
- ``probability_abandon = theta E[Q] / lambda`` (abandonments per unit time over arrivals);
- ``average_wait_seconds = E[Q] / lambda`` (Little's law; an abandoning customer counts the time
  until they hung up);
- ``service_level``: the share of *all* arrivals answered within ``t`` seconds. A customer who
  finds ``j`` waiting reaches an agent after ``V = sum_{i=0..j} Exp(N mu + i theta)`` and only if
  their own patience outlasts it, so ``P(answered by t) = E[exp(-theta V); V <= t]``. Tilting by
  ``exp(-theta v)`` turns ``V`` into ``V' = sum_{i=1..j+1} Exp(N mu + i theta)`` times
  ``x / (x + j + 1)``, and ``exp(-theta V')`` is Beta(``x + 1``, ``j + 1``) distributed, hence a
  regularised incomplete beta function, evaluated for all ``j`` by its recurrence in ``j``.
  Abandoning early is not counted as being served: this is the strict definition (some
  calculators count quick abandoners as "within target").
- ``occupancy``: carried traffic over agents, ``A (1 - P(Ab)) / N``.

Staffing starts from ``N = floor(target x A)``: an agent pool cannot answer more than ``N / A``
of the arrivals, so no smaller headcount meets the target. From there it gallops upwards (1, 2, 4,
... agents more) until the target is met, then halves the gap: the service level grows and the
occupancy falls with every agent added, so the first headcount that meets the target is found
with a few dozen evaluations of the queue instead of one per agent, which mattered once a queue
needs hundreds of agents (tested against the one-agent-at-a-time walk).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cxroi.stats.erlang import SECONDS_PER_HOUR, offered_traffic

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# A tail term this far (in natural log) below the largest one is far below double precision.
_NEGLIGIBLE_LOG = -45.0
_MAX_TAIL_TERMS = 2_000_000


@dataclass(frozen=True)
class ErlangAPerformance:
    """What ``agents`` agents deliver on one Erlang A queue."""

    agents: int
    traffic_erlangs: float
    probability_wait: float
    probability_abandon: float
    service_level: float
    """Share of all arrivals answered within the target time."""
    average_wait_seconds: float
    """Mean time in queue over all arrivals (abandoners count until they leave)."""
    occupancy: float


@dataclass(frozen=True)
class ErlangAStaffing:
    """The smallest headcount meeting the target, what it delivers and which constraint bound."""

    performance: ErlangAPerformance
    limited_by: str
    """``"service_level"`` or ``"max_occupancy"``."""
    arrival_rate_per_hour: float
    aht_seconds: float
    patience_seconds: float
    target_service_level: float
    target_answer_seconds: float
    max_occupancy: float | None

    @property
    def agents(self) -> int:
        return self.performance.agents


@dataclass(frozen=True)
class _Measures:
    probability_wait: FloatArray
    probability_abandon: FloatArray
    service_level: FloatArray
    mean_queue: FloatArray


def _log_ratio_below(traffic: FloatArray, agents: IntArray) -> FloatArray:
    """``log(1 / B(A, N))`` per row by the log-space Erlang B recursion, up to each row's N."""
    log_r = np.zeros_like(traffic)
    top = int(agents.max()) if agents.size else 0
    for n in range(1, top + 1):
        step = np.logaddexp(0.0, math.log(n) - np.log(traffic) + log_r)
        log_r = np.where(n <= agents, step, log_r)
    return log_r


def _step_log_ratio(log_r: FloatArray, traffic: FloatArray, agents: IntArray) -> FloatArray:
    """``log(1 / B(A, N))`` for ``N = agents`` from its value at ``agents - 1``."""
    return np.asarray(np.logaddexp(0.0, np.log(agents) - np.log(traffic) + log_r), dtype=float)


def _advance_log_ratio(
    log_r: FloatArray, traffic: FloatArray, agents: IntArray, target: IntArray
) -> FloatArray:
    """``log(1 / B(A, N))`` at ``N = target`` from its value at ``agents`` (target >= agents),
    by the same steps as walking up one agent at a time, hence the same bits."""
    out = log_r.copy()
    for k in range(1, int((target - agents).max(initial=0)) + 1):
        moving = agents + k <= target
        out = np.where(moving, _step_log_ratio(out, traffic, agents + k), out)
    return out


def _tail_terms(x: FloatArray, y: FloatArray) -> int:
    """How many waiting states carry all but a negligible share of the tail mass."""
    # Past its peak at j = y - x the series falls like a Poisson tail (width sqrt(y)); when
    # y < x + 1 every ratio y / (x + k) is below y / (x + 1), so it also falls geometrically.
    around_peak = np.maximum(y - x, 0.0) + 12.0 * np.sqrt(np.maximum(y, 1.0)) + 80.0
    ratio = np.minimum(y / (x + 1.0), 1.0 - 1e-12)
    geometric = -_NEGLIGIBLE_LOG / -np.log(ratio) + 20.0
    need = np.minimum(around_peak, np.where(y < x + 1.0, geometric, np.inf))
    return int(min(_MAX_TAIL_TERMS, math.ceil(float(np.max(need)))))


def _measures(
    traffic: FloatArray, agents: IntArray, log_r: FloatArray, gamma: FloatArray, theta_t: FloatArray
) -> _Measures:
    """Erlang A measures per row; time in units of the mean handle time (mu = 1).

    ``gamma`` = mean handle time / mean patience (theta / mu); ``theta_t`` = theta x target time.
    """
    x = agents / gamma
    y = traffic / gamma
    # log(1/B - 1): probability mass below N relative to pi_N
    log_below = log_r + np.log1p(-np.exp(-log_r))
    terms = _tail_terms(x, y)
    while True:
        j = np.arange(terms, dtype=np.float64)
        k = np.arange(1, terms, dtype=np.float64)
        steps = np.log(y)[:, None] - np.log(x[:, None] + k[None, :])
        log_w = np.concatenate([np.zeros((x.size, 1)), np.cumsum(steps, axis=1)], axis=1)
        top = log_w.max(axis=1)
        if np.all(log_w[:, -1] - top < _NEGLIGIBLE_LOG) or terms >= _MAX_TAIL_TERMS:
            break
        terms = min(_MAX_TAIL_TERMS, 2 * terms)
    # one exponential of the matrix serves both the normaliser and the state probabilities
    # (scipy's logsumexp and a second exp took a third of the staffing search)
    scaled = np.exp(log_w - top[:, None])
    log_tail = top + np.log(scaled.sum(axis=1))
    log_z = np.logaddexp(log_below, log_tail)
    q = scaled * np.exp(top - log_z)[:, None]  # pi_{N+j}: arrival finds j waiting
    below = np.exp(log_below - log_z)
    answered = _answered_within(x, -np.expm1(-theta_t), terms)
    tilt = x[:, None] / (x[:, None] + j[None, :] + 1.0)
    mean_queue = (q * j[None, :]).sum(axis=1)
    return _Measures(
        probability_wait=q.sum(axis=1),
        probability_abandon=gamma * mean_queue / traffic,
        service_level=below + (q * tilt * answered).sum(axis=1),
        mean_queue=mean_queue,
    )


def _answered_within(x: FloatArray, reach: FloatArray, terms: int) -> FloatArray:
    """``P(Beta(x + 1, j + 1) >= 1 - reach) = I_reach(j + 1, x + 1)`` for j = 0..terms-1.

    By the recurrence ``I_z(a + 1, b) = I_z(a, b) - z^a (1 - z)^b / (a B(a, b))`` from
    ``I_z(1, b) = 1 - (1 - z)^b``: one pass of logs and a cumulative sum instead of an
    incomplete beta function per queue state (the staffing search evaluates millions).
    """
    b = x + 1.0
    with np.errstate(divide="ignore"):
        log_z = np.log(reach)
        log_1mz = np.log1p(-reach)
    j = np.arange(1, terms, dtype=np.float64)
    first = log_z + b * log_1mz + np.log(b)
    steps = log_z[:, None] + np.log(j[None, :] + b[:, None]) - np.log(j + 1.0)[None, :]
    log_terms = first[:, None] + np.concatenate(
        [np.zeros((x.size, 1)), np.cumsum(steps, axis=1)], axis=1
    )
    start = -np.expm1(b * log_1mz)  # 1 - (1 - z)^b
    used = np.concatenate(
        [np.zeros((x.size, 1)), np.cumsum(np.exp(log_terms), axis=1)[:, :-1]], axis=1
    )
    return np.asarray(np.clip(start[:, None] - used, 0.0, 1.0), dtype=float)


def _check(name: str, value: float, lower_open: float = 0.0) -> None:
    if isinstance(value, bool) or not (math.isfinite(value) and value > lower_open):
        raise ValueError(f"{name} must be a finite number > {lower_open:g}, got {value!r}")


def performance(
    arrival_rate_per_hour: float,
    aht_seconds: float,
    patience_seconds: float,
    agents: int,
    target_answer_seconds: float,
) -> ErlangAPerformance:
    """Erlang A measures for ``agents`` agents (any headcount: the queue is always stable)."""
    _check("patience_seconds", patience_seconds)
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 1:
        raise ValueError(f"agents must be a whole number >= 1, got {agents!r}")
    if not (math.isfinite(target_answer_seconds) and target_answer_seconds >= 0):
        raise ValueError(f"target_answer_seconds must be >= 0, got {target_answer_seconds!r}")
    traffic = offered_traffic(arrival_rate_per_hour, aht_seconds)
    a = np.array([traffic])
    n = np.array([agents], dtype=np.int64)
    gamma = np.array([aht_seconds / patience_seconds])
    theta_t = np.array([target_answer_seconds / patience_seconds])
    m = _measures(a, n, _log_ratio_below(a, n), gamma, theta_t)
    p_ab = float(m.probability_abandon[0])
    return ErlangAPerformance(
        agents=agents,
        traffic_erlangs=traffic,
        probability_wait=float(m.probability_wait[0]),
        probability_abandon=p_ab,
        service_level=float(m.service_level[0]),
        average_wait_seconds=float(m.mean_queue[0]) * SECONDS_PER_HOUR / arrival_rate_per_hour,
        occupancy=traffic * (1.0 - p_ab) / agents,
    )


def agents_needed_many(
    arrival_rate_per_hour: FloatArray,
    aht_seconds: float | FloatArray,
    patience_seconds: float | FloatArray,
    target_service_level: float,
    target_answer_seconds: float,
    max_occupancy: float | None = None,
) -> IntArray:
    """Smallest headcount meeting the target for each arrival rate (0 where nobody arrives).

    ``aht_seconds`` and ``patience_seconds`` are one value or one per interval. One call staffs
    every interval of a week (and every Monte Carlo draw): the search walks them up together.
    """
    rates = np.asarray(arrival_rate_per_hour, dtype=np.float64)
    aht = np.broadcast_to(np.asarray(aht_seconds, dtype=np.float64), rates.shape).ravel()
    patience = np.broadcast_to(np.asarray(patience_seconds, dtype=np.float64), rates.shape).ravel()
    if np.any(~np.isfinite(rates)) or np.any(rates < 0):
        raise ValueError("arrival rates must be finite and >= 0")
    live = np.flatnonzero(rates.ravel() > 0)
    for name, values in (("aht_seconds", aht), ("patience_seconds", patience)):
        if np.any(~np.isfinite(values[live])) or np.any(values[live] <= 0):
            raise ValueError(f"{name} must be finite and > 0 where contacts arrive")
    if not 0.0 < target_service_level < 1.0:
        raise ValueError(f"target_service_level must be in (0, 1), got {target_service_level!r}")
    if not (math.isfinite(target_answer_seconds) and target_answer_seconds >= 0):
        raise ValueError(f"target_answer_seconds must be >= 0, got {target_answer_seconds!r}")
    if max_occupancy is not None and not 0.0 < max_occupancy <= 1.0:
        raise ValueError(f"max_occupancy must be in (0, 1], got {max_occupancy!r}")
    out = np.zeros(rates.size, dtype=np.int64)
    if live.size == 0:
        return out.reshape(rates.shape)
    traffic = rates.ravel()[live] * aht[live] / SECONDS_PER_HOUR
    gamma = aht[live] / patience[live]
    theta_t = target_answer_seconds / patience[live]

    def meets(rows: IntArray, agents: IntArray, log_r: FloatArray) -> npt.NDArray[np.bool_]:
        a = traffic[rows]
        m = _measures(a, agents, log_r, gamma[rows], theta_t[rows])
        ok = m.service_level >= target_service_level
        if max_occupancy is not None:
            ok &= a * (1.0 - m.probability_abandon) / agents <= max_occupancy
        return np.asarray(ok, dtype=bool)

    # lo: a headcount known to miss the target (with its Erlang B term); hi: one known to meet
    # it, 0 while none is known yet; gap: how far the next gallop reaches.
    lo = np.maximum(1, np.floor(target_service_level * traffic)).astype(np.int64)
    log_lo = _log_ratio_below(traffic, lo)
    todo = np.arange(live.size)
    ok = meets(todo, lo, log_lo)
    out[live[ok]] = lo[ok]
    todo = todo[~ok]
    hi = np.zeros(live.size, dtype=np.int64)
    gap = np.ones(live.size, dtype=np.int64)
    while todo.size:
        known = hi[todo] > 0
        trial = np.where(known, (lo[todo] + hi[todo]) // 2, lo[todo] + gap[todo])
        log_trial = _advance_log_ratio(log_lo[todo], traffic[todo], lo[todo], trial)
        ok = meets(todo, trial, log_trial)
        met, missed = todo[ok], todo[~ok]
        hi[met] = trial[ok]
        lo[missed], log_lo[missed] = trial[~ok], log_trial[~ok]
        gap[missed] *= 2  # only matters while no headcount is known to meet the target
        found = hi[todo] == lo[todo] + 1
        out[live[todo[found]]] = hi[todo[found]]
        todo = todo[~found]
    return out.reshape(rates.shape)


def agents_needed(
    arrival_rate_per_hour: float,
    aht_seconds: float,
    patience_seconds: float,
    target_service_level: float,
    target_answer_seconds: float,
    max_occupancy: float | None = None,
) -> ErlangAStaffing:
    """Smallest headcount whose service level (answered within the target) reaches the target."""
    offered_traffic(arrival_rate_per_hour, aht_seconds)  # validates both
    n = int(
        agents_needed_many(
            np.array([arrival_rate_per_hour]),
            aht_seconds,
            patience_seconds,
            target_service_level,
            target_answer_seconds,
            max_occupancy,
        )[0]
    )
    perf = performance(
        arrival_rate_per_hour, aht_seconds, patience_seconds, n, target_answer_seconds
    )
    # without an occupancy cap the service level alone set n; with one, see whether it did
    by_sl = n if max_occupancy is None else int(
        agents_needed_many(
            np.array([arrival_rate_per_hour]),
            aht_seconds,
            patience_seconds,
            target_service_level,
            target_answer_seconds,
        )[0]
    )
    return ErlangAStaffing(
        performance=perf,
        limited_by="service_level" if by_sl == n else "max_occupancy",
        arrival_rate_per_hour=arrival_rate_per_hour,
        aht_seconds=aht_seconds,
        patience_seconds=patience_seconds,
        target_service_level=target_service_level,
        target_answer_seconds=target_answer_seconds,
        max_occupancy=max_occupancy,
    )


__all__ = [
    "ErlangAPerformance",
    "ErlangAStaffing",
    "agents_needed",
    "agents_needed_many",
    "performance",
]
