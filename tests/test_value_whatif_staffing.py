"""Staffing of the what-if against direct Erlang computations, workload arithmetic and settings.

A one-month centre whose live contacts all arrive on Mondays between 10:00 and 11:00: the hour's
arrival rate is (contacts / weeks in the month), every other hour needs nobody, so agent-hours
are the Erlang headcount of that hour times the weeks, and FTE follow by hand. Email is staffed
by workload; messaging is a queue only when configured live; patience comes from abandoned waits
when the data records them.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxroi
from cxroi.analyses.value.settings import Triangular, WhatIfSettings
from cxroi.results.model.money import Figure
from cxroi.analyses.value.what_if import what_if_stopped
from cxroi.analyses.value.what_if_data import load_what_if_data
from cxroi.stats import erlang, erlang_a
from cxroi.stats.result import CannotCompute
from cxroi.results.model.scenario import Staffing, WhatIfResult
from whatif_centre import Centre, uniform_hours

N_HUMAN, N_HYBRID, N_AI, N_EMAIL, N_MESSAGING = 400, 100, 300, 80, 60
WEEKS = 31 / 7  # March 2025
SETTINGS = WhatIfSettings(
    hybrid_ai_share=Triangular.fixed(0.5),
    failure_repeat_share=Triangular.fixed(0.8),
    shrinkage=Triangular.fixed(0.3),
    patience_seconds=Triangular.fixed(200.0),
    max_occupancy=0.85,
    staffing_draws=20,
)


def one_hour_centre(folder: Path, abandoned: bool = False) -> Path:
    rng = np.random.default_rng(3)
    c = Centre()
    for when in uniform_hours(N_HUMAN, "2025-03", 10, rng):
        c.add("billing", "voice", "human_only", 6.0, 600.0, when)
    for when in uniform_hours(N_HYBRID, "2025-03", 10, rng):
        c.add("billing", "voice", "hybrid", 3.0, 400.0, when)
    for when in uniform_hours(N_AI, "2025-03", 10, rng):
        c.add("billing", "voice", "ai_only", 0.5, 90.0, when)
    for when in uniform_hours(N_EMAIL, "2025-03", None, rng):
        c.add("billing", "email", "human_only", 2.0, 900.0, when)
    for when in uniform_hours(N_MESSAGING, "2025-03", None, rng):
        c.add("billing", "messaging", "human_only", 3.0, 300.0, when)
    folder = c.write(folder)
    if abandoned:
        contacts = pd.read_parquet(folder / "contacts.parquet")
        contacts["wait_seconds"] = np.where(contacts["channel"] == "voice", 30.0, np.nan)
        contacts["abandoned"] = False
        voice = np.flatnonzero(contacts["channel"] == "voice")
        contacts.loc[voice[:24], "abandoned"] = True  # 24 abandoned over 800 x 30 s waited
        contacts.to_parquet(folder / "contacts.parquet", index=False)
    return folder


def staffing(folder: Path, settings: WhatIfSettings = SETTINGS) -> Staffing:
    ds = cxroi.load_dataset(folder)
    exact = cxroi.compute_exact_metrics(ds)
    assert exact.enriched is not None
    data = load_what_if_data(ds, exact.enriched, settings.live_channels)
    result, _ = what_if_stopped(data, settings, CannotCompute("x"), 200, np.random.default_rng(0))
    assert isinstance(result, WhatIfResult) and isinstance(result.staffing, Staffing)
    return result.staffing


def central(x: object) -> float:
    assert isinstance(x, Figure)
    return x.estimate


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return one_hour_centre(tmp_path_factory.mktemp("staff") / "c")


def test_live_queue_agent_hours_by_hand(centre: Path) -> None:
    st = staffing(centre)
    assert st.design_month == "2025-03" and st.weeks_in_month == pytest.approx(WEEKS)
    aht_today = (N_HUMAN * 600.0 + N_HYBRID * 400.0) / (N_HUMAN + N_HYBRID)
    # without AI: ai_only contacts take the human 600 s, hybrids move half way to it
    moved = N_HUMAN * 600.0 + N_HYBRID * (400.0 + 0.5 * 200.0) + N_AI * 600.0
    aht_stop = moved / (N_HUMAN + N_HYBRID + N_AI)
    rate_today = (N_HUMAN + N_HYBRID) / WEEKS
    rate_stop = (N_HUMAN + N_HYBRID + N_AI) / WEEKS
    paid = 160.0 * (1 - 0.3)
    email_hours = N_EMAIL * 900.0 / 3600 + N_MESSAGING * 300.0 / 3600
    workload_fte = email_hours / 0.85 / paid
    c_today = erlang.agents_needed(rate_today, aht_today, 0.8, 20, 0.85).agents
    c_stop = erlang.agents_needed(rate_stop, aht_stop, 0.8, 20, 0.85).agents
    a_today = erlang_a.agents_needed(rate_today, aht_today, 200.0, 0.8, 20, 0.85).agents
    a_stop = erlang_a.agents_needed(rate_stop, aht_stop, 200.0, 0.8, 20, 0.85).agents
    voice = st.queues[0]
    assert voice.channel == "voice"
    assert voice.aht_seconds_today == pytest.approx(aht_today)
    assert voice.aht_seconds_without_ai == pytest.approx(aht_stop)
    assert voice.peak_agents_today_erlang_c == c_today
    assert voice.peak_agents_without_ai_erlang_c == c_stop
    assert voice.peak_agents_today_erlang_a == a_today
    assert voice.peak_agents_without_ai_erlang_a == a_stop
    assert central(st.erlang_c.fte_today) == pytest.approx(c_today * WEEKS / paid + workload_fte)
    without = central(st.erlang_c.fte_without_ai)
    assert without == pytest.approx(c_stop * WEEKS / paid + workload_fte)
    assert central(st.erlang_a.extra_fte) == pytest.approx((a_stop - a_today) * WEEKS / paid)
    assert [w.channel for w in st.workloads] == ["email", "messaging"]
    assert st.workloads[0].handle_hours_today == pytest.approx(N_EMAIL * 900.0 / 3600)
    assert st.patience.source == "assumed" and st.patience.mean_seconds == 200.0


def test_messaging_is_a_queue_only_when_configured_live(centre: Path) -> None:
    live = replace(SETTINGS, live_channels=("chat", "messaging", "voice"))
    st = staffing(centre, live)
    assert [q.channel for q in st.queues] == ["messaging", "voice"]
    assert [w.channel for w in st.workloads] == ["email"]
    # 60 messages spread over a month need one agent in every hour they arrive in: far more
    # agent time than their 5 hours of work, which is why async work is not queued by default
    default = staffing(centre)
    assert central(st.erlang_c.fte_today) > central(default.erlang_c.fte_today) + 1


def test_patience_is_estimated_from_abandoned_waits(tmp_path: Path) -> None:
    st = staffing(one_hour_centre(tmp_path / "ab", abandoned=True))
    voice = N_HUMAN + N_HYBRID + N_AI
    assert st.patience.source == "estimated"
    assert st.patience.mean_seconds == pytest.approx(voice * 30.0 / 24)


def test_shrinkage_prior_gives_a_continuous_interval(centre: Path) -> None:
    st = staffing(centre, replace(SETTINGS, shrinkage=Triangular(0.2, 0.3, 0.4)))
    extra = st.erlang_c.extra_fte
    assert isinstance(extra, Figure)
    assert extra.ci_low is not None and extra.ci_high is not None
    assert extra.ci_low < extra.estimate < extra.ci_high  # no "3 (3 to 3)"


def test_live_contacts_without_handle_time_need_nobody(tmp_path: Path) -> None:
    # Some exports carry no handle time (0 s): no work, no agents, and no crash.
    rng = np.random.default_rng(4)
    c = Centre()
    for when in uniform_hours(50, "2025-03", 10, rng):
        c.add("billing", "voice", "human_only", 6.0, 0.0, when)
    for when in uniform_hours(30, "2025-03", 10, rng):
        c.add("billing", "voice", "ai_only", 0.5, 0.0, when)
    st = staffing(c.write(tmp_path / "zero"))
    voice = st.queues[0]
    assert voice.peak_agents_today_erlang_c == voice.peak_agents_without_ai_erlang_a == 0
    assert central(st.erlang_a.extra_fte) == 0.0
