"""The Agent Experience Index (AEI): standardised, signed, weighted components per team or centre.

Definition (docs/agents.md). For a group g (the centre, or one team) and a period p (ISO week or
calendar month in the session zone), four components are measured:

- ``pulse``: mean agent pulse score (0-10) answered in p; sign +.
- ``escalation_share``: escalated contacts / contacts handled by the group's agents in p, i.e. how
  much of the human work arrives as a bot hand-off (workload complexity); sign -.
- ``escalation_handle_seconds``: mean handle time of those escalated contacts; sign -.
- ``voluntary_turnover``: agents leaving voluntarily in p / agents employed during p; sign -.

Each component is z-scored over the analysis period (mean and SD over all periods of the centre
series; for teams, over all team-periods pooled, so teams are comparable with each other), given
its sign, and the index is the weighted mean of the signed z-scores available in that period
(weights renormalised when a component has no value in a period). Higher = better experience.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

INDEX_COMPONENTS: tuple[str, ...] = (
    "pulse",
    "escalation_share",
    "escalation_handle_seconds",
    "voluntary_turnover",
)
SIGNS: dict[str, int] = {
    "pulse": 1,
    "escalation_share": -1,
    "escalation_handle_seconds": -1,
    "voluntary_turnover": -1,
}
DEFINITIONS: dict[str, str] = {
    "pulse": "mean agent_pulse score (0-10) answered in the period",
    "escalation_share": "escalated contacts / contacts with an agent_id, in the period",
    "escalation_handle_seconds": "mean handle_seconds of escalated contacts with an agent_id",
    "voluntary_turnover": "agents leaving voluntarily in the period / agents employed in it",
}
# The count each component rests on, reported beside it (and checked against min_cell).
COUNTS: dict[str, str] = {
    "pulse": "pulse_answers",
    "escalation_share": "contacts",
    "escalation_handle_seconds": "escalated",
    "voluntary_turnover": "headcount",
}
CENTRE = "centre"
UNKNOWN_TEAM = "unknown"


@dataclass(frozen=True)
class AgentData:
    """Per agent and period sums (pandas), each None when its source is missing."""

    contacts: pd.DataFrame | None  # agent_id, period, contacts, escalated, escalated_handle_sum/_n
    pulse: pd.DataFrame | None  # agent_id, period, answers, score_sum
    spans: pd.DataFrame | None  # agent_id, team, leave_reason, hired, left
    turnover: bool = True  # False: agents.left_at absent, no turnover component
    voluntary_known: bool = True  # False: leave_reason absent, every departure counts

    def available(self) -> tuple[str, ...]:
        """Components this data can measure at all."""
        out = []
        if self.pulse is not None:
            out.append("pulse")
        if self.contacts is not None:
            out += ["escalation_share", "escalation_handle_seconds"]
        if self.spans is not None and self.turnover:
            out.append("voluntary_turnover")
        return tuple(c for c in INDEX_COMPONENTS if c in out)


def period_range(first: date, last: date, period: str) -> list[pd.Timestamp]:
    """Every period start from ``first`` to ``last`` (both period starts), as naive Timestamps."""
    freq = "W-MON" if period == "week" else "MS"
    return list(pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq=freq))


def _team_of(data: AgentData) -> dict[str, str]:
    if data.spans is None:
        return {}
    teams = data.spans["team"].fillna(UNKNOWN_TEAM).astype(str)
    return dict(zip(data.spans["agent_id"].astype(str), teams, strict=True))


def _label(frame: pd.DataFrame, by_team: bool, teams: Mapping[str, str]) -> pd.Series:
    if not by_team:
        return pd.Series(CENTRE, index=frame.index)
    return frame["agent_id"].astype(str).map(lambda a: teams.get(a, UNKNOWN_TEAM))


def group_components(
    data: AgentData, periods: Sequence[pd.Timestamp], by_team: bool
) -> pd.DataFrame:
    """Raw component values and their counts per (group, period), periods complete per group."""
    teams = _team_of(data)
    parts: list[pd.DataFrame] = []
    if data.contacts is not None:
        c = data.contacts.assign(group=_label(data.contacts, by_team, teams))
        s = c.groupby(["group", "period"])[
            ["contacts", "escalated", "escalated_handle_sum", "escalated_handle_n"]
        ].sum()
        s["escalation_share"] = s["escalated"] / s["contacts"].where(s["contacts"] > 0)
        s["escalation_handle_seconds"] = s["escalated_handle_sum"] / s["escalated_handle_n"].where(
            s["escalated_handle_n"] > 0
        )
        parts.append(s[["contacts", "escalated", "escalation_share", "escalation_handle_seconds"]])
    if data.pulse is not None:
        p = data.pulse.assign(group=_label(data.pulse, by_team, teams))
        s = p.groupby(["group", "period"])[["answers", "score_sum"]].sum()
        s["pulse"] = s["score_sum"] / s["answers"].where(s["answers"] > 0)
        parts.append(s.rename(columns={"answers": "pulse_answers"})[["pulse_answers", "pulse"]])
    if data.spans is not None and data.turnover:
        parts.append(_turnover(data, periods, by_team))
    groups = sorted({g for part in parts for g in part.index.get_level_values(0)})
    full = pd.MultiIndex.from_product([groups, list(periods)], names=["group", "period"])
    out = pd.DataFrame(index=full)
    for part in parts:
        out = out.join(part, how="left")
    for comp in INDEX_COMPONENTS:
        if comp not in out.columns:
            out[comp] = np.nan
    for count in COUNTS.values():
        out[count] = out[count].fillna(0).astype(np.int64) if count in out else 0
    return out


def _turnover(data: AgentData, periods: Sequence[pd.Timestamp], by_team: bool) -> pd.DataFrame:
    """Headcount employed during each period and voluntary leavers in it, per group."""
    spans = data.spans
    assert spans is not None
    groups = _label(spans, by_team, _team_of(data))
    per = pd.DatetimeIndex(periods).to_numpy().astype("datetime64[D]")
    hired = spans["hired"].to_numpy(dtype="datetime64[D]")
    left = spans["left"].to_numpy(dtype="datetime64[D]")  # NaT: still employed
    still = np.isnat(left)
    employed = (hired[:, None] <= per[None, :]) & (still[:, None] | (left[:, None] >= per[None, :]))
    leaving = ~still[:, None] & (left[:, None] == per[None, :])
    if data.voluntary_known:
        leaving &= (spans["leave_reason"] == "voluntary").to_numpy()[:, None]
    rows = []
    for g in sorted(set(groups)):
        sel = (groups == g).to_numpy()
        head = employed[sel].sum(axis=0)
        gone = leaving[sel].sum(axis=0)
        rate = np.where(head > 0, gone / np.maximum(head, 1), np.nan)
        rows.append(
            pd.DataFrame(
                {"group": g, "period": list(periods), "headcount": head, "voluntary_turnover": rate}
            )
        )
    return pd.concat(rows).set_index(["group", "period"])


@dataclass(frozen=True)
class Standardised:
    """Index and signed z-scores per (group, period), plus the components actually used."""

    frame: pd.DataFrame  # raw components, counts, z_<component>, index
    used: tuple[str, ...]
    means: dict[str, float]
    sds: dict[str, float]
    weights: dict[str, float]  # normalised over the used components


def standardise(
    raw: pd.DataFrame,
    weights: Mapping[str, float],
    available: Sequence[str],
    notes: list[str],
    where: str,
) -> Standardised:
    """z-score every available component over all (group, period) cells, sign it, weight it."""
    frame = raw.copy()
    used: list[str] = []
    means: dict[str, float] = {}
    sds: dict[str, float] = {}
    for comp in INDEX_COMPONENTS:
        if comp not in available or weights.get(comp, 0.0) <= 0:
            continue
        values = frame[comp].astype(float)
        finite = values[np.isfinite(values)]
        if len(finite) < 3:
            notes.append(f"{where}: {comp} has a value in fewer than 3 periods; left out")
            continue
        sd = float(finite.std(ddof=1))
        if not sd > 0:
            notes.append(f"{where}: {comp} does not vary over the analysis period; left out")
            continue
        mean = float(finite.mean())
        means[comp], sds[comp] = mean, sd
        frame[f"z_{comp}"] = SIGNS[comp] * (values - mean) / sd
        used.append(comp)
    total = sum(weights[c] for c in used)
    norm = {c: weights[c] / total for c in used}
    if used:
        z = frame[[f"z_{c}" for c in used]].to_numpy(dtype=float)
        w = np.array([norm[c] for c in used])
        present = np.isfinite(z)
        wsum = (present * w).sum(axis=1)
        num = np.where(present, z, 0.0) @ w
        frame["index"] = np.where(wsum > 0, num / np.where(wsum > 0, wsum, 1.0), np.nan)
    else:
        frame["index"] = np.nan
    return Standardised(frame, tuple(used), means, sds, norm)
