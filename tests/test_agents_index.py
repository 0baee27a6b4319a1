"""The Agent Experience Index against a brute-force computation from raw rows, and its refusals."""

from __future__ import annotations

import math
import statistics
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest

import cxroi
from cxroi.analyses.agents.run import run_agents
from cxroi.analyses.agents.section import agents_section
from cxroi.results.codec import encode
from cxroi.analyses.agents.settings import AgentsSettings
from cxroi.io.dataset import Dataset
from helpers import customers_for, write_csv

ZONE = "America/New_York"
START = datetime(2024, 1, 1, 12, tzinfo=UTC)  # a Monday
WEEKS = 36
AGENTS = [
    # id, team, hired, left, reason
    ("A1", "T1", "2023-06-01T00:00:00Z", None, None),
    ("A2", "T1", "2023-06-01T00:00:00Z", "2024-03-13T15:00:00Z", "voluntary"),
    ("A3", "T1", "2024-02-05T00:00:00Z", None, None),
    ("A4", "T2", "2023-01-01T00:00:00Z", "2024-05-22T15:00:00Z", "involuntary"),
    ("A5", "T2", "2023-01-01T00:00:00Z", "2024-07-03T15:00:00Z", "voluntary"),
    ("A6", "T2", "2023-09-01T00:00:00Z", None, None),
]


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _rows() -> dict[str, list[dict[str, Any]]]:
    rng = np.random.default_rng(11)
    contacts, pulse = [], []
    n = 0
    for w in range(WEEKS):
        for _ in range(int(rng.integers(8, 16))):
            n += 1
            # hours 0..167 of the week; early-Monday UTC is still Sunday in New York
            t = START - timedelta(hours=12) + timedelta(weeks=w, hours=float(rng.uniform(0, 168)))
            agent = ["A1", "A3", "A6", "A9", None][int(rng.integers(0, 5))]
            mode = "ai_only" if agent is None else ["hybrid", "human_only"][int(rng.integers(0, 2))]
            esc = bool(mode == "hybrid" and rng.random() < 0.6)
            contacts.append(
                {
                    "contact_id": f"c{n}",
                    "customer_id": f"k{n % 7}",
                    "started_at": _iso(t),
                    "channel": "chat",
                    "ai_mode": mode,
                    "touchpoint": "chatbot" if esc else "none",
                    "escalated": esc,
                    "agent_id": agent,
                    "handle_seconds": float(rng.integers(60, 900)),
                }
            )
        for agent in ("A1", "A3", "A5", "A6"):
            if rng.random() < 0.8:
                t = START + timedelta(weeks=w, hours=float(rng.uniform(0, 100)))
                pulse.append(
                    {"agent_id": agent, "answered_at": _iso(t), "score": int(rng.integers(2, 11))}
                )
    agents = [
        {"agent_id": a, "team": tm, "hired_at": h, "left_at": lft, "leave_reason": r}
        for a, tm, h, lft, r in AGENTS
    ]
    return {"contacts": contacts, "agent_pulse": pulse, "agents": agents}


ROWS = _rows()
CONTACT_COLS = [
    "contact_id",
    "customer_id",
    "started_at",
    "channel",
    "ai_mode",
    "touchpoint",
    "escalated",
    "agent_id",
    "handle_seconds",
]


def _write(
    folder: Path, drop: tuple[str, ...] = (), contact_cols: list[str] = CONTACT_COLS
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "contacts.csv", ROWS["contacts"], contact_cols)
    write_csv(folder / "customers.csv", customers_for(ROWS["contacts"]))
    for table in ("agent_pulse", "agents"):
        if table not in drop:
            write_csv(folder / f"{table}.csv", ROWS[table])
    return folder


def _load(folder: Path) -> Dataset:
    return cxroi.load_dataset(folder, cxroi.Config(timezone=ZONE))


def _run(source: Path | Dataset, settings: AgentsSettings | None = None) -> dict[str, Any]:
    ds = _load(source) if isinstance(source, Path) else source
    out: dict[str, Any] = encode(agents_section(run_agents(ds, None, settings or AgentsSettings())))
    return out


@pytest.fixture(scope="module")
def full_ds(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return _load(_write(tmp_path_factory.mktemp("agents")))


@pytest.fixture(scope="module")
def full(full_ds: Dataset) -> dict[str, Any]:
    return _run(full_ds)


# -- brute force -------------------------------------------------------------------------------
def _week(ts: str) -> date:
    local = datetime.fromisoformat(ts).astimezone(ZoneInfo(ZONE)).date()
    return local - timedelta(days=local.weekday())


def _brute(team: str | None = None) -> dict[date, dict[str, float]]:
    teams = {a[0]: a[1] for a in AGENTS}

    def mine(agent: str) -> bool:
        return team is None or teams.get(agent, "unknown") == team

    weeks = sorted({_week(c["started_at"]) for c in ROWS["contacts"]})
    weeks = [weeks[0] + timedelta(weeks=i) for i in range((weeks[-1] - weeks[0]).days // 7 + 1)]
    out: dict[date, dict[str, float]] = {}
    for w in weeks:
        cs = [
            c
            for c in ROWS["contacts"]
            if c["agent_id"] and mine(c["agent_id"]) and _week(c["started_at"]) == w
        ]
        esc = [c for c in cs if c["escalated"]]
        ps = [
            p["score"]
            for p in ROWS["agent_pulse"]
            if mine(p["agent_id"]) and _week(p["answered_at"]) == w
        ]
        head = leavers = 0
        for a, _tm, hired, left, reason in AGENTS:
            if not mine(a) or _week(hired) > w or (left is not None and _week(left) < w):
                continue
            head += 1
            leavers += int(left is not None and _week(left) == w and reason == "voluntary")
        out[w] = {
            "pulse": statistics.fmean(ps) if ps else math.nan,
            "escalation_share": len(esc) / len(cs) if cs else math.nan,
            "escalation_handle_seconds": statistics.fmean(c["handle_seconds"] for c in esc)
            if esc
            else math.nan,
            "voluntary_turnover": leavers / head if head else math.nan,
        }
    return out


SIGN = {
    "pulse": 1,
    "escalation_share": -1,
    "escalation_handle_seconds": -1,
    "voluntary_turnover": -1,
}


def _brute_index(values: dict[date, dict[str, float]]) -> dict[date, float]:
    z: dict[str, dict[date, float]] = {}
    for comp, sign in SIGN.items():
        xs = [v[comp] for v in values.values() if not math.isnan(v[comp])]
        mean, sd = statistics.fmean(xs), statistics.stdev(xs)
        z[comp] = {w: sign * (v[comp] - mean) / sd for w, v in values.items()}
    out = {}
    for w in values:
        present = [z[c][w] for c in SIGN if not math.isnan(z[c][w])]
        out[w] = statistics.fmean(present) if present else math.nan
    return out


def test_weekly_components_and_index_match_brute_force(full: dict[str, Any]) -> None:
    expected = _brute()
    index = _brute_index(expected)
    rows = {date.fromisoformat(r["start"]): r for r in full["index"]["weekly"]}
    assert sorted(rows) == sorted(expected)
    for w, exp in expected.items():
        got = rows[w]
        for comp, value in exp.items():
            if math.isnan(value):
                assert got["components"][comp]["value"] is None
            else:
                assert got["components"][comp]["value"] == pytest.approx(value, rel=1e-12)
        assert got["index"] == pytest.approx(index[w], rel=1e-9)
        year, week, _ = w.isocalendar()
        assert got["period"] == f"{year}-W{week:02d}"


def test_week_buckets_follow_the_session_zone(full: dict[str, Any]) -> None:
    # Some contacts start on a Monday in UTC but a Sunday in New York: they belong to the
    # earlier week, so the first week starts 2023-12-25, not 2024-01-01.
    assert full["index"]["weekly"][0]["start"] == "2023-12-25"


def test_team_latest_values_match_brute_force(full: dict[str, Any]) -> None:
    teams = full["index"]["teams"]
    assert set(teams) == {"T1", "T2", "unknown"}
    for team in ("T1", "T2"):
        latest = teams[team]["latest_week"]
        exp = _brute(team)[date.fromisoformat(latest["start"])]
        for comp, value in exp.items():
            got = latest["components"][comp]["value"]
            assert (got is None and math.isnan(value)) or got == pytest.approx(value)
        # five or fewer agents: every team cell is marked as small
        assert all(c["low_n"] for c in latest["components"].values() if c["n"] < 10)


def test_definition_reports_signs_and_equal_weights(full: dict[str, Any]) -> None:
    comps = {c["name"]: c for c in full["index"]["components"]}
    assert {n: c["sign"] for n, c in comps.items()} == SIGN
    assert all(c["weight"] == pytest.approx(0.25) for c in comps.values())
    assert full["index"]["left_out"] == []


def test_zero_weight_leaves_a_component_out(full_ds: Dataset) -> None:
    weights = {
        "pulse": 1.0,
        "escalation_share": 0.0,
        "escalation_handle_seconds": 1.0,
        "voluntary_turnover": 2.0,
    }
    out = _run(full_ds, AgentsSettings(weights=weights))
    comps = {c["name"]: c["weight"] for c in out["index"]["components"]}
    assert comps == pytest.approx(
        {"pulse": 0.25, "escalation_handle_seconds": 0.25, "voluntary_turnover": 0.5}
    )
    assert out["index"]["left_out"] == ["escalation_share"]


def test_missing_pulse_table_drops_pulse_with_note(tmp_path: Path) -> None:
    out = _run(_write(tmp_path, drop=("agent_pulse",)))
    assert out["index"]["left_out"] == ["pulse"]
    assert any("agent_pulse" in n for n in out["notes"])
    assert out["index"]["weekly"][5]["index"] is not None


def test_missing_agents_table_drops_turnover_and_teams(tmp_path: Path) -> None:
    out = _run(_write(tmp_path, drop=("agents",)))
    assert out["index"]["left_out"] == ["voluntary_turnover"]
    assert out["index"]["teams"] is None and out["index"]["teams_note"]
    assert any("no agents table" in n for n in out["notes"])


def test_missing_agent_id_drops_workload_components(tmp_path: Path) -> None:
    cols = [c for c in CONTACT_COLS if c != "agent_id"]
    out = _run(_write(tmp_path, contact_cols=cols))
    assert out["index"]["left_out"] == ["escalation_share", "escalation_handle_seconds"]
    assert any("agent_id" in n for n in out["notes"])


def test_no_agent_data_at_all_is_null_with_reason(tmp_path: Path) -> None:
    cols = [c for c in CONTACT_COLS if c != "agent_id"]
    out = _run(_write(tmp_path, drop=("agents", "agent_pulse"), contact_cols=cols))
    for key in ("index", "lead_lag", "early_warnings"):
        assert out[key] is None
        assert "agent_pulse" in out[f"{key}_note"]
    assert all(out["lead_lag_by_metric"][m] is None for m in ("csat", "nps", "ces", "fcr_7d"))


def test_lead_lag_needs_surveys_but_fcr_needs_only_contacts(full: dict[str, Any]) -> None:
    by_metric = full["lead_lag_by_metric"]
    for metric in ("csat", "nps", "ces"):
        assert by_metric[metric] is None and "surveys" in by_metric[f"{metric}_note"]
    assert full["lead_lag"] is None and "surveys" in full["lead_lag_note"]  # primary = CSAT
    fcr = by_metric["fcr_7d"]  # 36 weeks of contacts: enough for the 30-week minimum
    assert fcr["n_weeks"] >= 30 and fcr["metric"] == "fcr_7d"
    assert fcr["best_lag_days"] % 7 == 0 and 0 <= fcr["best_lag_days"] <= 26 * 7
    assert fcr["ci_low"] <= fcr["correlation"] <= fcr["ci_high"]


def test_too_few_weeks_is_null_with_reason(full_ds: Dataset) -> None:
    out = _run(full_ds, AgentsSettings(min_weeks=40))
    assert out["lead_lag_by_metric"]["fcr_7d"] is None
    assert "at least 40 are needed" in out["lead_lag_by_metric"]["fcr_7d_note"]


def test_without_leave_reason_every_departure_counts(tmp_path: Path) -> None:
    folder = _write(tmp_path)
    write_csv(
        folder / "agents.csv",
        [{k: v for k, v in a.items() if k != "leave_reason"} for a in ROWS["agents"]],
    )
    out = _run(folder)
    assert any("leave_reason is absent" in n for n in out["notes"])
    week = _week("2024-05-22T15:00:00Z")  # A4 leaves involuntarily: now counted
    row = next(r for r in out["index"]["weekly"] if r["start"] == week.isoformat())
    turnover = row["components"]["voluntary_turnover"]
    assert turnover["value"] == pytest.approx(1 / turnover["n"])
