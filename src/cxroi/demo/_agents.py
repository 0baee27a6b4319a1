"""Agents, their latent experience and pulse surveys: planted truth 3 (experience leads CSAT).

One centre-wide latent agent-experience series (weekly AR(1) plus two pronounced dips) drives
three things: pulse scores at the same time, voluntary turnover at the same time, and customer
satisfaction on human-handled contacts ``AGENT_LEAD_DAYS`` later (applied in ``_outcomes``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from cxroi.demo import _arrow as A
from cxroi.demo import _params as P
from cxroi.demo._arrow import BoolArray, FloatArray, IntArray

# The latent starts early enough that a contact on the first day can look back the lead time.
_LATENT_PRE_DAYS = 7 * 15
_NO_LEAVE = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Staff:
    hire_day: IntArray  # day index since window start; negative = hired before the window
    leave_day: IntArray  # first day not employed; _NO_LEAVE when still employed
    voluntary: BoolArray
    team: IntArray
    effect: FloatArray  # personal pulse offset
    latent_week_days: FloatArray  # day of each weekly latent point
    latent_weekly: FloatArray
    day_offsets: IntArray  # CSR of agents active per window day
    day_agents: IntArray

    @property
    def n(self) -> int:
        return len(self.hire_day)

    def latent_at(self, days: FloatArray) -> FloatArray:
        return np.interp(days, self.latent_week_days, self.latent_weekly)

    def pick(self, rng: np.random.Generator, day: IntArray) -> IntArray:
        """A uniformly chosen agent employed on each given window day."""
        start = self.day_offsets[day]
        count = self.day_offsets[day + 1] - start
        k = start + np.floor(rng.random(len(day)) * count).astype(np.int64)
        return self.day_agents[k]


def _latent(rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    weeks = (_LATENT_PRE_DAYS + P.WINDOW_DAYS) // 7 + 2
    days = 7.0 * np.arange(weeks, dtype=np.float64) - float(_LATENT_PRE_DAYS)
    noise = rng.standard_normal(weeks) * P.LATENT_NOISE_SD
    series = np.empty(weeks)
    series[0] = noise[0] / np.sqrt(1.0 - P.LATENT_AR**2)
    # A 100-step recursion over weeks, not rows: cheap and clearer than a filter call.
    for w in range(1, weeks):
        series[w] = P.LATENT_AR * series[w - 1] + noise[w]
    for day, depth, width_weeks in P.LATENT_DIPS:
        series += depth * np.exp(-0.5 * ((days - day) / (7.0 * width_weeks)) ** 2)
    return days, series


def _teams(rng: np.random.Generator, n: int) -> IntArray:
    """Team per agent, teams of TEAM_SIZE_RANGE; a short last team is spread over the others."""
    low, high = P.TEAM_SIZE_RANGE
    sizes = rng.integers(low, high + 1, size=n // low + 1)
    ends = np.cumsum(sizes)
    n_teams = int(np.searchsorted(ends, n)) + 1  # the team that reaches n agents
    sizes = sizes[:n_teams]
    sizes[-1] = n - (int(ends[n_teams - 2]) if n_teams > 1 else 0)
    if n_teams > 1 and sizes[-1] < low:
        extra, sizes = int(sizes[-1]), sizes[:-1]
        sizes += extra // len(sizes)
        sizes[: extra % len(sizes)] += 1
    team: IntArray = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
    return team[rng.permutation(n)]


def draw_staff(rng: np.random.Generator, contacts: int) -> Staff:
    n = max(P.MIN_AGENTS, contacts // P.CONTACTS_PER_AGENT)
    week_days, latent = _latent(rng)
    n_before = round(n * P.SHARE_AGENTS_HIRED_BEFORE_WINDOW)
    n_core = max(3, round(n_before * P.CORE_AGENT_SHARE))
    hire = np.empty(n, dtype=np.int64)
    hire[:n_before] = -1 - np.floor(5.0 * 365.0 * rng.beta(1.0, 1.5, size=n_before)).astype(
        np.int64
    )
    hire[n_before:] = np.floor(rng.random(n - n_before) * (P.WINDOW_DAYS - 30)).astype(np.int64)

    window_days = np.arange(P.WINDOW_DAYS, dtype=np.float64)
    vol = (
        -np.log(1.0 - P.VOLUNTARY_YEARLY)
        / 365.0
        * np.exp(-P.TURNOVER_LATENT * np.interp(window_days + 0.5, week_days, latent))
    )
    inv = np.full(P.WINDOW_DAYS, -np.log(1.0 - P.INVOLUNTARY_YEARLY) / 365.0)
    cum = np.concatenate([[0.0], np.cumsum(vol + inv)])  # cum[d] = hazard before day d
    start = np.maximum(hire, 0)
    leave = np.searchsorted(cum, cum[start] + rng.exponential(size=n), side="left")
    leave = leave.astype(np.int64)
    stays = leave >= P.WINDOW_DAYS
    stays[:n_core] = True
    last = np.clip(leave - 1, 0, P.WINDOW_DAYS - 1)
    voluntary = rng.random(n) < vol[last] / (vol[last] + inv[last])
    leave = np.where(stays, _NO_LEAVE, leave)
    voluntary &= ~stays
    team = _teams(rng, n)
    effect = rng.normal(0.0, 0.6, size=n)

    # Ids follow hiring order, like a real HR system.
    order = np.argsort(hire, kind="stable")
    hire, leave, voluntary, team, effect = (
        hire[order],
        leave[order],
        voluntary[order],
        team[order],
        effect[order],
    )
    day = np.arange(P.WINDOW_DAYS, dtype=np.int64)[:, None]
    active = (hire[None, :] <= day) & (day < leave[None, :])
    rows, cols = np.nonzero(active)
    counts = np.bincount(rows, minlength=P.WINDOW_DAYS)
    if (counts == 0).any():
        raise AssertionError("a window day without any employed agent")
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return Staff(
        hire_day=hire,
        leave_day=leave,
        voluntary=voluntary,
        team=team,
        effect=effect,
        latent_week_days=week_days,
        latent_weekly=latent,
        day_offsets=offsets,
        day_agents=cols.astype(np.int64),
    )


def agent_format(staff: Staff) -> A.IdFormat:
    return A.IdFormat.for_count("A", staff.n, 3)


def agents_table(staff: Staff) -> pa.Table:
    left = staff.leave_day != _NO_LEAVE
    return A.contract_table(
        "agents",
        {
            "agent_id": agent_format(staff).first(staff.n),
            "hired_at": A.timestamps(staff.hire_day * P.DAY_S),
            "left_at": A.timestamps(np.where(left, staff.leave_day, 0) * P.DAY_S, ~left),
            "leave_reason": A.labels(
                ("voluntary", "involuntary"), np.where(left, np.where(staff.voluntary, 0, 1), -1)
            ),
            "team": A.IdFormat.for_count("T", int(staff.team.max()) + 1, 2).of(staff.team),
        },
    )


def pulse_table(rng: np.random.Generator, staff: Staff) -> pa.Table:
    """Weekly pulse: each agent employed on a week's first day answers with some probability."""
    week_day = np.arange(0, P.WINDOW_DAYS, 7, dtype=np.int64)
    active = (staff.hire_day[None, :] <= week_day[:, None]) & (
        week_day[:, None] < staff.leave_day[None, :]
    )
    w, agent = np.nonzero(active)
    answered = rng.random(len(w)) < P.PULSE_RESPONSE_P
    w, agent = w[answered], agent[answered]
    day = week_day[w]
    # Answered during office hours of the week's first day, while still employed.
    seconds = day * P.DAY_S + rng.integers(8 * 3600, 18 * 3600, size=len(day))
    latent = staff.latent_at(day.astype(np.float64) + 0.5)
    score = P.PULSE_MEAN + P.PULSE_LATENT_POINTS * latent + staff.effect[agent]
    score = np.clip(np.round(score + rng.normal(0.0, 1.1, size=len(day))), 0.0, 10.0)
    return A.contract_table(
        "agent_pulse",
        {
            "agent_id": agent_format(staff).of(agent),
            "answered_at": A.timestamps(seconds),
            "score": A.numbers(score),
        },
    )


def latent_weekly_truth(staff: Staff) -> dict[str, float]:
    """Weekly latent on window weeks, keyed by ISO date, for lead-lag checks downstream."""
    inside = staff.latent_week_days >= -P.AGENT_LEAD_DAYS - 7
    dates = P.WINDOW_START + (staff.latent_week_days[inside] * P.DAY_S).astype("timedelta64[s]")
    return {
        str(d.astype("datetime64[D]")): round(float(v), 4)
        for d, v in zip(dates, staff.latent_weekly[inside], strict=True)
    }
