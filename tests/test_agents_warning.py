"""Early warning rule on hand-made index series, and the [agents] settings parser."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from cxroi.analyses.agents.settings import AgentsSettings, parse_agents_settings
from cxroi.analyses.agents.warning import Lead, drops, latest_drop, warnings_for
from cxroi.errors import Problem


def _weekly(values: list[float], partial_last: bool = False) -> pd.DataFrame:
    start = pd.Timestamp("2025-01-06")  # Monday of 2025-W02
    periods = [start + pd.Timedelta(weeks=i) for i in range(len(values))]
    partial = [False] * len(values)
    if partial_last:
        partial[-1] = True
    return pd.DataFrame({"period": periods, "index": values, "partial": partial})


# Ten calm weeks alternating ±0.1, then a fall to -1.0: baseline of the 8 weeks before is 0.0.
CALM = [0.1, -0.1] * 5
FALL = _weekly([*CALM, -1.0])


def test_drop_is_measured_against_the_trailing_mean_in_index_sds() -> None:
    d = latest_drop(FALL, drop_sd=0.5, baseline_weeks=8)
    assert d is not None
    sd = float(np.std([*CALM, -1.0], ddof=1))
    assert d.period == "2025-W12" and d.baseline == pytest.approx(0.0)
    assert d.drop_sd == pytest.approx(1.0 / sd)


def test_no_warning_below_threshold_or_when_the_fall_is_not_latest() -> None:
    assert latest_drop(FALL, drop_sd=5.0, baseline_weeks=8) is None
    recovered = _weekly([*CALM, -1.0, 0.1])
    assert latest_drop(recovered, drop_sd=0.5, baseline_weeks=8) is None
    assert [d.period for d in drops(recovered, 0.5, 8)] == ["2025-W12"]  # history keeps it


def test_partial_last_week_is_ignored() -> None:
    # The fall sits in the current, unfinished week: judged on the last complete week instead.
    weekly = _weekly([*CALM, 0.1, -1.0], partial_last=True)
    assert latest_drop(weekly, 0.5, 8) is None
    assert latest_drop(_weekly([*CALM, 0.1, -1.0]), 0.5, 8) is not None


def test_too_short_a_history_gives_no_warning() -> None:
    assert latest_drop(_weekly([0.1, -1.0]), 0.5, 8) is None


def test_warning_per_significant_metric_dated_by_its_lead() -> None:
    d = latest_drop(FALL, 0.5, 8)
    leads = {"csat": Lead(70, 63, 84, 0.4), "nps": None, "ces": Lead(21, 14, 35, 0.3)}
    out = warnings_for(d, leads)
    assert [w["metric"] for w in out] == ["csat", "ces"]
    csat = out[0]
    assert csat["kind"] == "agent_experience_drop" and csat["period"] == "2025-W12"
    start = pd.Timestamp("2025-03-17")  # Monday of 2025-W12
    assert csat["expected_on"] == (start + pd.Timedelta(days=70)).date().isoformat()
    assert csat["expected_window"] == ["2025-05-19", "2025-06-09"]
    assert "CSAT" in str(csat["message"]) and "70 days" in str(csat["message"])


def test_a_drop_without_any_significant_lead_says_so() -> None:
    out = warnings_for(latest_drop(FALL, 0.5, 8), {"csat": None})
    assert len(out) == 1 and out[0]["expected_on"] is None
    assert out[0]["metric"] == "agent_experience_index"
    assert warnings_for(None, {"csat": Lead(70, 63, 84, 0.4)}) == []


# -- settings ----------------------------------------------------------------------------------
def _parse(raw: Any) -> tuple[AgentsSettings, list[Problem]]:
    problems: list[Problem] = []
    return parse_agents_settings(raw, problems), problems


def test_defaults_and_valid_values() -> None:
    s, problems = _parse({})
    assert problems == [] and s == AgentsSettings()
    assert s.weights == {c: 1.0 for c in s.weights} and len(s.weights) == 4
    s, problems = _parse(
        {
            "max_lag_weeks": 20,
            "alpha": 0.1,
            "direction": "absolute",
            "smooth_lags": False,
            "loyalty_contacts": "all",
            "primary_metric": "nps",
            "warning_drop_sd": 1,
            "weights": {"pulse": 2, "voluntary_turnover": 0},
        }
    )
    assert problems == []
    assert (s.max_lag_weeks, s.alpha, s.direction, s.smooth_lags) == (20, 0.1, "absolute", False)
    assert s.primary_metric == "nps" and s.warning_drop_sd == 1.0
    assert s.weights["pulse"] == 2.0 and s.weights["voluntary_turnover"] == 0.0
    assert s.weights["escalation_share"] == 1.0


@pytest.mark.parametrize(
    ("raw", "where", "rule"),
    [
        ({"lag": 3}, "agents.lag", "unknown_key"),
        ({"max_lag_weeks": "26"}, "agents.max_lag_weeks", "wrong_type"),
        ({"max_lag_weeks": True}, "agents.max_lag_weeks", "wrong_type"),
        ({"max_lag_weeks": 0}, "agents.max_lag_weeks", "out_of_range"),
        ({"alpha": 0.9}, "agents.alpha", "out_of_range"),
        ({"direction": "negative"}, "agents.direction", "not_allowed"),
        ({"primary_metric": "aht"}, "agents.primary_metric", "not_allowed"),
        ({"smooth_lags": 1}, "agents.smooth_lags", "wrong_type"),
        ({"weights": {"mood": 1}}, "agents.weights.mood", "unknown_key"),
        ({"weights": {"pulse": -1}}, "agents.weights.pulse", "wrong_type"),
        ({"weights": [1, 2]}, "agents.weights", "not_a_table"),
        (
            {
                "weights": {
                    "pulse": 0,
                    "escalation_share": 0,
                    "escalation_handle_seconds": 0,
                    "voluntary_turnover": 0,
                }
            },
            "agents.weights",
            "out_of_range",
        ),
    ],
)
def test_every_bad_entry_is_a_problem_and_falls_back_to_the_default(
    raw: dict[str, Any], where: str, rule: str
) -> None:
    s, problems = _parse(raw)
    assert [(p.where, p.rule) for p in problems] == [(where, rule)]
    assert s == AgentsSettings()


def test_not_a_table() -> None:
    s, problems = _parse([1])
    assert [p.rule for p in problems] == ["not_a_table"] and s == AgentsSettings()
