"""Erlang A (M/M/N+M) against computations that share no code with it.

- The stationary law solved numerically from the truncated generator matrix of the birth-death
  chain, and the service level from the transient (matrix-exponential) law of a tagged
  customer's position in the queue, with their own patience as a competing exit: no incomplete
  beta function, no tilting argument.
- The published special case patience = handle time (Mandelbaum & Zeltyn, "The Palm/Erlang-A
  queue, with applications to call centers", 2005, section 3): the number in the system is then
  Poisson(A), as in an infinite-server queue.
- Erlang C (checked against its published worked example in test_erlang.py) as the limit of
  infinite patience.
- A discrete-event simulation of FCFS M/M/N+M, with batch-means standard errors.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
import pytest
from scipy import linalg, stats

from cxroi.stats import erlang, erlang_a
from test_erlang import stationary_mmn

AHT = 180.0


def answered_within(agents: int, gamma: float, t: float, ahead_max: int) -> np.ndarray:
    """P(a tagged customer finding j waiting is answered within t), j = 0..ahead_max.

    States 0..ahead_max = customers ahead in the queue, then "served" and "abandoned".
    """
    size = ahead_max + 3
    served, gone = ahead_max + 1, ahead_max + 2
    q = np.zeros((size, size))
    for i in range(ahead_max + 1):
        if i == 0:
            q[0, served] = agents
        else:
            q[i, i - 1] = agents + i * gamma
        q[i, gone] = gamma
    np.fill_diagonal(q, -q.sum(axis=1))
    return np.asarray(linalg.expm(q * t)[: ahead_max + 1, served])


def brute_force(
    traffic: float, agents: int, patience: float, target: float, ahead_max: int = 150
) -> dict[str, float]:
    gamma = AHT / patience
    pi = stationary_mmn(traffic, agents, agents + ahead_max + 1, gamma)
    n = np.arange(pi.size)
    waiting = n >= agents
    mean_queue = float(((n - agents)[waiting] * pi[waiting]).sum())
    reach = answered_within(agents, gamma, target / AHT, ahead_max)
    return {
        "p_wait": float(pi[waiting].sum()),
        "p_ab": gamma * mean_queue / traffic,
        "wait": mean_queue / traffic * AHT,
        "sl": float(pi[~waiting].sum() + (pi[waiting] * reach).sum()),
    }


CASES = [
    # (traffic, agents, patience seconds, target seconds)
    (10.0, 11, 180.0, 20.0),
    (10.0, 14, 180.0, 20.0),
    (10.0, 8, 120.0, 20.0),  # overloaded: stable only thanks to abandonment
    (3.2, 5, 600.0, 30.0),
    (25.0, 26, 60.0, 10.0),
    (40.0, 45, 900.0, 0.0),
]


@pytest.mark.parametrize("traffic,agents,patience,target", CASES)
def test_measures_match_generator_matrix_and_transient_chain(
    traffic: float, agents: int, patience: float, target: float
) -> None:
    ref = brute_force(traffic, agents, patience, target)
    got = erlang_a.performance(traffic * 3600 / AHT, AHT, patience, agents, target)
    assert got.probability_wait == pytest.approx(ref["p_wait"], rel=1e-8)
    assert got.probability_abandon == pytest.approx(ref["p_ab"], rel=1e-8)
    assert got.average_wait_seconds == pytest.approx(ref["wait"], rel=1e-8)
    assert got.service_level == pytest.approx(ref["sl"], rel=1e-8, abs=1e-12)
    assert got.occupancy == pytest.approx(traffic * (1 - ref["p_ab"]) / agents, rel=1e-8)


@pytest.mark.parametrize("traffic,agents", [(4.0, 3), (10.0, 12), (50.0, 48), (200.0, 210)])
def test_patience_equal_to_handle_time_is_poisson(traffic: float, agents: int) -> None:
    # theta = mu: departures are n mu in every state, so the number in system is Poisson(A).
    got = erlang_a.performance(traffic * 3600 / AHT, AHT, AHT, agents, 20.0)
    law = stats.poisson(traffic)
    assert got.probability_wait == pytest.approx(law.sf(agents - 1), rel=1e-9)
    n = np.arange(agents, agents + 2000)
    mean_queue = float(((n - agents) * law.pmf(n)).sum())
    assert got.probability_abandon == pytest.approx(mean_queue / traffic, rel=1e-9)


@pytest.mark.parametrize("agents", [11, 12, 14, 15])
def test_infinite_patience_is_erlang_c(agents: int) -> None:
    got = erlang_a.performance(200.0, AHT, 1e9, agents, 20.0)
    assert got.probability_wait == pytest.approx(erlang.probability_wait(10.0, agents), rel=1e-5)
    sl = erlang.service_level(10.0, agents, AHT, 20.0)
    assert got.service_level == pytest.approx(sl, rel=1e-5)
    asa = erlang.average_speed_of_answer(10.0, agents, AHT)
    assert got.average_wait_seconds == pytest.approx(asa, rel=1e-5)
    assert got.probability_abandon < 1e-5


def test_infinite_patience_staffs_the_published_erlang_c_example() -> None:
    # Call Centre Helper example (see test_erlang.py): 14 agents for 80/20 with an 85% cap.
    res = erlang_a.agents_needed(200.0, AHT, 1e6, 0.8, 20.0, max_occupancy=0.85)
    assert res.agents == 14
    assert res.performance.service_level == pytest.approx(0.888, abs=5e-4)


def test_abandonment_lowers_staffing_and_patience_orders_it() -> None:
    needed = [erlang_a.agents_needed(200.0, AHT, p, 0.8, 20.0).agents for p in (60, 180, 600, 1e6)]
    assert needed == sorted(needed)
    assert needed[-1] == erlang.agents_needed(200.0, AHT, 0.8, 20.0).agents


@pytest.mark.parametrize(
    "rate,patience,cap", [(200.0, 180.0, None), (60.0, 90.0, 0.8), (900.0, 300.0, 0.9)]
)
def test_agents_needed_is_the_smallest_meeting_the_target(
    rate: float, patience: float, cap: float | None
) -> None:
    res = erlang_a.agents_needed(rate, AHT, patience, 0.8, 20.0, max_occupancy=cap)
    traffic = rate * AHT / 3600

    def meets(n: int) -> bool:
        ref = brute_force(traffic, n, patience, 20.0, ahead_max=250)
        occ = traffic * (1 - ref["p_ab"]) / n
        return ref["sl"] >= 0.8 and (cap is None or occ <= cap)

    assert meets(res.agents)
    assert not meets(res.agents - 1)
    # an agent pool answers at most N / A of arrivals: the search's starting point is a bound
    for n in range(1, res.agents):
        assert erlang_a.performance(rate, AHT, patience, n, 20.0).service_level <= n / traffic


def test_many_intervals_at_once_equal_one_at_a_time() -> None:
    rates = np.array([0.0, 3.0, 40.0, 200.0, 200.0, 1500.0, 0.5])
    many = erlang_a.agents_needed_many(rates, 300.0, 240.0, 0.8, 20.0, 0.85)
    one = [
        erlang_a.agents_needed(r, 300.0, 240.0, 0.8, 20.0, 0.85).agents if r > 0 else 0
        for r in rates
    ]
    assert many.tolist() == one


def test_many_intervals_with_their_own_handle_times_and_patience() -> None:
    rates = np.array([[120.0, 40.0, 0.0], [900.0, 10.0, 200.0]])
    aht = np.array([[180.0, 600.0, 300.0], [240.0, 90.0, 180.0]])
    patience = np.array([[60.0, 300.0, 100.0], [600.0, 45.0, 180.0]])
    many = erlang_a.agents_needed_many(rates, aht, patience, 0.8, 20.0, 0.85)
    one = [
        [
            erlang_a.agents_needed(r, a, p, 0.8, 20.0, 0.85).agents if r > 0 else 0
            for r, a, p in zip(rr, aa, pp)
        ]
        for rr, aa, pp in zip(rates, aht, patience)
    ]
    assert many.tolist() == one


def test_discrete_event_simulation() -> None:
    """FCFS M/M/9+M at 10 Erlangs, mean patience 120 s; batch means give the simulation's SE."""
    rng = np.random.default_rng(20250301)
    agents, calls, warmup, batches = 9, 150_000, 5_000, 25
    lam = 10.0 / AHT
    arrivals = np.cumsum(rng.exponential(1 / lam, calls))
    services = rng.exponential(AHT, calls)
    patience = rng.exponential(120.0, calls)
    # FCFS with reneging: agents take the oldest caller still waiting. Event loop over arrivals
    # and service completions; a caller whose patience ran out before an agent frees is gone.
    free_at = [0.0] * agents
    queue: list[int] = []
    wait = np.zeros(calls)
    served = np.zeros(calls, dtype=bool)
    head = 0
    i = 0
    while i < calls or head < len(queue):
        next_free = free_at[0]
        next_arrival = arrivals[i] if i < calls else math.inf
        if next_arrival <= next_free:
            queue.append(i)
            i += 1
            continue
        # an agent frees at next_free: the oldest caller still patient gets it
        while head < len(queue) and arrivals[queue[head]] + patience[queue[head]] < next_free:
            c = queue[head]
            wait[c] = patience[c]
            head += 1
        if head < len(queue):
            c = queue[head]
            head += 1
            start = max(next_free, arrivals[c])
            wait[c] = start - arrivals[c]
            served[c] = True
            heapq.heapreplace(free_at, start + services[c])
        else:
            if i >= calls:
                break
            # nobody waiting: the agent idles until the next arrival
            heapq.heapreplace(free_at, arrivals[i])
    keep = slice(warmup, calls - 5_000)
    # the patience estimate the what-if uses when abandonment is recorded: abandonments / time
    # waited by everyone (served waits censor the patience); planted mean 120 s
    ab, waited = (~served[keep]).sum(), wait[keep].sum()
    assert abs(waited / ab - 120.0) < 4 * 120.0 / math.sqrt(ab)
    theory = erlang_a.performance(10.0 * 3600 / AHT, AHT, 120.0, agents, 20.0)
    checks = {
        "sl": (served & (wait <= 20.0), theory.service_level),
        "p_ab": (~served, theory.probability_abandon),
        "p_wait": (wait > 0, theory.probability_wait),
        "wait": (wait, theory.average_wait_seconds),
    }
    for name, (sample, value) in checks.items():
        parts = np.array_split(sample[keep].astype(float), batches)
        means = np.array([p.mean() for p in parts])
        se = means.std(ddof=1) / math.sqrt(batches)
        assert abs(means.mean() - value) < 4 * se, (name, means.mean(), value, se)


@pytest.mark.parametrize(
    "call",
    [
        lambda: erlang_a.performance(200, 180, 0, 10, 20),
        lambda: erlang_a.performance(200, 180, 120, 0, 20),
        lambda: erlang_a.performance(200, 180, 120, 10, -1),
        lambda: erlang_a.performance(0, 180, 120, 10, 20),
        lambda: erlang_a.agents_needed(200, 180, 120, 1.0, 20),
        lambda: erlang_a.agents_needed(200, 180, 120, 0.8, 20, max_occupancy=1.5),
        lambda: erlang_a.agents_needed_many(np.array([-1.0]), 180, 120, 0.8, 20),
    ],
)
def test_invalid_input_raises(call: object) -> None:
    assert callable(call)
    with pytest.raises(ValueError):
        call()


def _walk_up(rate: float, aht: float, patience: float, cap: float | None) -> int:
    """The first headcount from floor(0.8 A) meeting the target, trying one agent at a time."""
    traffic = rate * aht / 3600
    n = max(1, math.floor(0.8 * traffic))
    while True:
        perf = erlang_a.performance(rate, aht, patience, n, 20.0)
        if perf.service_level >= 0.8 and (cap is None or perf.occupancy <= cap):
            return n
        n += 1


@pytest.mark.parametrize("cap", [None, 0.85])
def test_the_galloping_search_finds_what_walking_one_agent_at_a_time_finds(
    cap: float | None,
) -> None:
    # small queues and ones needing hundreds of agents (where the search gallops and halves),
    # short and long patience, short and long handle times
    rng = np.random.default_rng(7)
    rates = np.concatenate([rng.uniform(0.5, 50.0, 12), rng.uniform(50.0, 4000.0, 12)])
    aht = rng.uniform(60.0, 900.0, rates.size)
    patience = rng.uniform(20.0, 900.0, rates.size)
    many = erlang_a.agents_needed_many(rates, aht, patience, 0.8, 20.0, cap)
    walked = [_walk_up(r, a, p, cap) for r, a, p in zip(rates, aht, patience)]
    assert many.tolist() == walked
    assert max(walked) > 300  # the large queues are in the grid
