"""Erlang C against published values and against computations that share no code with it.

Published reference: Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked
Example": 100 calls per 30 minutes, AHT 180 s, 80% in 20 s, max occupancy 85%, shrinkage 30%.
It reports A = 10 Erlangs; N = 11 -> P(wait) = 0.6821; N = 14 -> P(wait) = 0.1741, service level
88.8%, ASA 7.8 s, 82.6% answered immediately, occupancy 71.4%; 14 agents needed, 20 with shrinkage.

Independent checks: the M/M/N stationary distribution solved numerically from its generator
matrix, exact rational arithmetic, log-space detailed balance for hundreds of agents, PASTA with
Erlang-distributed waits, Little's law, and a discrete-event simulation.
"""

from __future__ import annotations

import heapq
import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import special, stats

from cxroi.stats import erlang

AHT = 180.0
CALLS_PER_HOUR = 200.0  # 100 calls per 30 minutes


def stationary_mmn(traffic: float, agents: int, states: int, gamma: float = 0.0) -> np.ndarray:
    """Stationary distribution of M/M/N (rates in units of 1/AHT) truncated at ``states``; with
    ``gamma`` > 0 each waiting caller also abandons at that rate (M/M/N+M, Erlang A)."""
    q = np.zeros((states, states))
    for n in range(states - 1):
        q[n, n + 1] = traffic
        q[n + 1, n] = min(n + 1, agents) + max(n + 1 - agents, 0) * gamma
    np.fill_diagonal(q, -q.sum(axis=1))
    # pi Q = 0 with sum(pi) = 1: replace one balance equation by the normalisation.
    lhs = q.T.copy()
    lhs[-1, :] = 1.0
    rhs = np.zeros(states)
    rhs[-1] = 1.0
    return np.linalg.solve(lhs, rhs)


def brute_force(traffic: float, agents: int, target: float) -> dict[str, float]:
    pi = stationary_mmn(traffic, agents, states=agents + 600)
    n = np.arange(pi.size)
    waiting = n >= agents
    p_wait = float(pi[waiting].sum())
    # Little's law: mean queue length / arrival rate (traffic / AHT per second).
    asa = float(((n - agents)[waiting] * pi[waiting]).sum()) * AHT / traffic
    # PASTA: an arrival finding n >= N waits for n - N + 1 completions at rate N / AHT.
    sl = float(pi[~waiting].sum())
    sl += float(
        (pi[waiting] * stats.gamma.cdf(target, n[waiting] - agents + 1, scale=AHT / agents)).sum()
    )
    return {"p_wait": p_wait, "asa": asa, "sl": sl}


def test_traffic_of_published_example() -> None:
    assert erlang.offered_traffic(CALLS_PER_HOUR, AHT) == pytest.approx(10.0, abs=1e-12)


def test_published_values_for_11_and_14_agents() -> None:
    a = erlang.offered_traffic(CALLS_PER_HOUR, AHT)
    assert erlang.probability_wait(a, 11) == pytest.approx(0.6821, abs=5e-5)
    assert erlang.probability_wait(a, 14) == pytest.approx(0.1741, abs=5e-5)
    assert 1 - erlang.probability_wait(a, 14) == pytest.approx(0.826, abs=5e-4)
    assert erlang.service_level(a, 14, AHT, 20) == pytest.approx(0.888, abs=5e-4)
    assert erlang.average_speed_of_answer(a, 14, AHT) == pytest.approx(7.8, abs=0.05)
    assert erlang.occupancy(a, 14) == pytest.approx(0.714, abs=5e-4)


def test_published_staffing_with_occupancy_cap_and_shrinkage() -> None:
    res = erlang.agents_needed(CALLS_PER_HOUR, AHT, 0.80, 20, max_occupancy=0.85, shrinkage=0.30)
    assert res.agents == 14
    assert res.scheduled_agents == 20
    assert res.scheduled_fte == pytest.approx(20.0)
    assert res.limited_by == "service_level"
    assert res.service_level == pytest.approx(0.888, abs=5e-4)


def test_erlang_b_matches_exact_rational_formula() -> None:
    for a_int, agents in [(10, 11), (10, 14), (7, 3), (25, 40), (10, 60)]:
        a = Fraction(a_int)
        terms = [a**k / math.factorial(k) for k in range(agents + 1)]
        exact_b = terms[-1] / sum(terms)
        assert erlang.erlang_b(float(a_int), agents) == pytest.approx(float(exact_b), rel=1e-12)
        # Erlang C from the textbook factorial form, in exact arithmetic.
        x = terms[-1] * agents / (agents - a) if agents > a_int else None
        if x is not None:
            exact_c = x / (sum(terms[:-1]) + x)
            assert erlang.probability_wait(float(a_int), agents) == pytest.approx(
                float(exact_c), rel=1e-12
            )


@pytest.mark.parametrize("agents", [11, 12, 13, 14, 15])
def test_published_example_against_stationary_distribution(agents: int) -> None:
    ref = brute_force(10.0, agents, target=20.0)
    assert erlang.probability_wait(10.0, agents) == pytest.approx(ref["p_wait"], rel=1e-9)
    assert erlang.average_speed_of_answer(10.0, agents, AHT) == pytest.approx(ref["asa"], rel=1e-8)
    assert erlang.service_level(10.0, agents, AHT, 20.0) == pytest.approx(ref["sl"], rel=1e-8)


@pytest.mark.parametrize("traffic,agents", [(500.0, 510), (500.0, 530), (1900.5, 1950)])
def test_hundreds_of_agents_against_log_space_detailed_balance(traffic: float, agents: int) -> None:
    # Unnormalised log p_n from detailed balance, summed far into the geometric tail.
    n = np.arange(agents + 60_000)
    log_p = np.where(
        n <= agents,
        n * math.log(traffic) - special.gammaln(n + 1),
        agents * math.log(traffic)
        - special.gammaln(agents + 1)
        + (n - agents) * math.log(traffic / agents),
    )
    expected = math.exp(special.logsumexp(log_p[agents:]) - special.logsumexp(log_p))
    got = erlang.probability_wait(traffic, agents)
    assert math.isfinite(got)
    assert got == pytest.approx(expected, rel=1e-9)


def test_discrete_event_simulation() -> None:
    """FCFS M/M/12 at 10 Erlangs; batch means give the simulation's own standard error."""
    rng = np.random.default_rng(20240601)
    agents, calls, warmup, batches = 12, 120_000, 5_000, 23
    lam = CALLS_PER_HOUR / 3600.0
    arrivals = np.cumsum(rng.exponential(1 / lam, calls))
    services = rng.exponential(AHT, calls)
    free_at = [0.0] * agents
    waits = np.empty(calls)
    for i in range(calls):
        earliest = heapq.heappop(free_at)
        start = max(earliest, arrivals[i])
        waits[i] = start - arrivals[i]
        heapq.heappush(free_at, start + services[i])
    waits = waits[warmup:]
    checks = {
        "p_wait": (waits > 0, erlang.probability_wait(10.0, agents)),
        "sl": (waits <= 20.0, erlang.service_level(10.0, agents, AHT, 20.0)),
        "asa": (waits, erlang.average_speed_of_answer(10.0, agents, AHT)),
    }
    for name, (sample, theory) in checks.items():
        means = np.array([b.mean() for b in np.array_split(sample.astype(float), batches)])
        se = means.std(ddof=1) / math.sqrt(batches)
        assert abs(means.mean() - theory) < 4 * se, name


def service_level_from_pi(pi: np.ndarray, agents: int, aht: float, target: float) -> float:
    n = np.arange(pi.size)
    w = n >= agents
    tail = stats.gamma.cdf(target, n[w] - agents + 1, scale=aht / agents)
    return float(pi[~w].sum() + (pi[w] * tail).sum())


@pytest.mark.parametrize(
    "calls,aht,target,t",
    [(200.0, 180.0, 0.8, 20.0), (1500.0, 300.0, 0.9, 30.0), (30.0, 600.0, 0.7, 60.0)],
)
def test_agents_needed_is_smallest_meeting_target_by_brute_force(
    calls: float, aht: float, target: float, t: float
) -> None:
    res = erlang.agents_needed(calls, aht, target, t)
    a = calls * aht / 3600.0
    pi = stationary_mmn(a, res.agents, res.agents + 800)
    assert service_level_from_pi(pi, res.agents, aht, t) >= target
    if res.agents - 1 > a:
        pi_fewer = stationary_mmn(a, res.agents - 1, res.agents + 800)
        assert service_level_from_pi(pi_fewer, res.agents - 1, aht, t) < target
    assert res.traffic_erlangs == pytest.approx(a)
    assert res.occupancy == pytest.approx(a / res.agents)


def test_occupancy_cap_binds() -> None:
    # At 500 Erlangs 80/20 needs few spare agents; an 85% cap needs ceil(500 / 0.85) = 589.
    res = erlang.agents_needed(6000.0, 300.0, 0.8, 20, max_occupancy=0.85)
    assert res.traffic_erlangs == pytest.approx(500.0)
    assert res.agents == math.ceil(500.0 / 0.85)
    assert res.limited_by == "max_occupancy"
    uncapped = erlang.agents_needed(6000.0, 300.0, 0.8, 20)
    assert uncapped.agents < res.agents
    assert uncapped.limited_by == "service_level"


def test_staffing_table_skips_unstable_headcounts() -> None:
    table = erlang.staffing_table(CALLS_PER_HOUR, AHT, 20, range(8, 16))
    assert list(table["agents"]) == [11, 12, 13, 14, 15]
    for row in table.itertuples():
        ref = brute_force(10.0, int(row.agents), 20.0)
        assert row.probability_wait == pytest.approx(ref["p_wait"], rel=1e-9)
        assert row.service_level == pytest.approx(ref["sl"], rel=1e-8)


@pytest.mark.parametrize(
    "call",
    [
        lambda: erlang.offered_traffic(0, 180),
        lambda: erlang.offered_traffic(200, -1),
        lambda: erlang.offered_traffic(float("nan"), 180),
        lambda: erlang.probability_wait(10.0, 10),
        lambda: erlang.probability_wait(12.0, 10),
        lambda: erlang.probability_wait(10.0, 0),
        lambda: erlang.probability_wait(1.0, 2.5),
        lambda: erlang.service_level(10.0, 12, 180, -1),
        lambda: erlang.occupancy(10.0, 9),
        lambda: erlang.agents_needed(200, 180, 1.0, 20),
        lambda: erlang.agents_needed(200, 180, 0.8, 20, max_occupancy=0.0),
        lambda: erlang.agents_needed(200, 180, 0.8, 20, shrinkage=1.0),
    ],
)
def test_invalid_input_raises(call: object) -> None:
    assert callable(call)
    with pytest.raises(ValueError):
        call()


def test_many_intervals_at_once_equal_one_at_a_time() -> None:
    rates = np.array([0.0, 3.0, 40.0, 200.0, 6000.0, 0.5, 1500.0])
    for cap in (None, 0.85):
        many = erlang.agents_needed_many(rates, 300.0, 0.8, 20.0, cap)
        one = [erlang.agents_needed(r, 300.0, 0.8, 20.0, cap).agents if r > 0 else 0 for r in rates]
        assert many.tolist() == one
    with pytest.raises(ValueError):
        erlang.agents_needed_many(np.array([-1.0]), 300.0, 0.8, 20.0)


def test_many_intervals_with_their_own_handle_times() -> None:
    rates = np.array([[120.0, 40.0, 0.0], [900.0, 10.0, 200.0]])
    aht = np.array([[180.0, 600.0, 300.0], [240.0, 90.0, 180.0]])
    many = erlang.agents_needed_many(rates, aht, 0.8, 20.0, 0.85)
    one = [
        [erlang.agents_needed(r, a, 0.8, 20.0, 0.85).agents if r > 0 else 0 for r, a in zip(rr, aa)]
        for rr, aa in zip(rates, aht)
    ]
    assert many.tolist() == one
