"""Exact metrics written the way a competent analyst would in pandas (independent of cxroi).

Repeats use `merge_asof(direction="forward", allow_exact_matches=False)`: for each contact the
next strictly later contact of the same customer, which is exactly "c.t < c'.t" with ties
excluded. Because a missing intent matches any intent, a contact with an intent repeats when the
next same-intent contact OR the next no-intent contact is close enough; a contact without an
intent repeats when any later contact is close enough.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

MODES: tuple[str, ...] = ("ai_only", "hybrid", "human_only")
GROUPS: tuple[str, ...] = (*MODES, "all")
BOT_TOUCHPOINTS: list[str] = ["chatbot", "voicebot", "ivr"]
WINDOWS: tuple[int, ...] = (7, 14)

PerMode = dict[str, float | None]


def _read(path: Path, wanted: list[str]) -> pd.DataFrame:
    # Optional columns may be missing from the file; absent is handled as all-null later.
    present = set(pq.read_schema(path).names)
    return pd.read_parquet(path, columns=[c for c in wanted if c in present])


def _div(num: float, den: float) -> float | None:
    return None if den == 0 else float(num) / float(den)


def _group_sums(frame: pd.DataFrame, mode: pd.Series) -> pd.DataFrame:
    """Column sums per mode plus an "all" row: one groupby pass serves every ratio."""
    sums = frame.groupby(mode.astype(object)).sum()
    sums.loc["all"] = frame.sum()
    return sums


def _per_mode(sums: pd.DataFrame, num: str, den: str) -> PerMode:
    """sum(num)/sum(den) for each mode and overall; None for a mode with no rows."""
    return {g: _div(sums.at[g, num], sums.at[g, den]) if g in sums.index else None for g in GROUPS}


def _next_later(left: pd.DataFrame, right: pd.DataFrame, by: list[str]) -> np.ndarray:
    """Start time of the next strictly later row of `right` sharing `by`, NaT when none.

    Both frames must be sorted by `t`; the result is aligned with `left`'s rows."""
    merged = pd.merge_asof(
        left[["t", *by]],
        right[["t", *by]].assign(t_next=right["t"]),
        on="t",
        by=by,
        direction="forward",
        allow_exact_matches=False,
    )
    t_next: np.ndarray = merged["t_next"].to_numpy()
    return t_next


def _repeat_deadline(df: pd.DataFrame) -> np.ndarray:
    """For each contact, the earliest start of a compatible later contact (NaT when none)."""
    has_intent = (df["intent_code"] >= 0).to_numpy()
    deadline = _next_later(df, df, ["cust"])  # any later contact: right for no-intent rows
    with_intent = df[has_intent]
    if len(with_intent):
        same = _next_later(with_intent, with_intent, ["cust", "intent_code"])
        no_intent = df[~has_intent]
        if len(no_intent):
            other = _next_later(with_intent, no_intent, ["cust"])
            # NaT-aware minimum: fmin ignores NaT where plain minimum would propagate it.
            same = np.fmin(same, other)
        deadline[has_intent] = same
    return deadline


def pandas_metrics(dataset_dir: Path) -> dict[str, Any]:
    dataset_dir = Path(dataset_dir)
    c = _read(
        dataset_dir / "contacts.parquet",
        [
            "contact_id",
            "customer_id",
            "started_at",
            "channel",
            "ai_mode",
            "touchpoint",
            "escalated",
            "intent",
            "handle_seconds",
            "cost",
            "direction",
        ],
    )
    # Naive UTC datetimes: cheaper than tz-aware, and instants are all we compare.
    c["t"] = pd.to_datetime(c["started_at"], utc=True).dt.tz_localize(None)
    c["cust"] = pd.factorize(c["customer_id"])[0]
    intent = c["intent"] if "intent" in c else pd.Series(None, index=c.index, dtype=object)
    c["intent_code"] = pd.factorize(intent)[0]  # -1 = missing intent
    # Absent or empty direction = inbound; only inbound contacts repeat or are repeated.
    direction = c["direction"] if "direction" in c else pd.Series(None, index=c.index, dtype=object)
    c["inbound"] = direction.isna() | (direction == "") | (direction == "inbound")
    c = c.sort_values("t", kind="stable").reset_index(drop=True)

    inbound = c["inbound"].to_numpy()
    deadline = np.full(len(c), np.datetime64("NaT"), dtype="datetime64[ns]")
    inbound_rows = c[inbound].reset_index(drop=True)
    if len(inbound_rows):
        deadline[inbound] = _repeat_deadline(inbound_rows)
    t = c["t"].to_numpy()
    as_of = c["t"].max()
    out: dict[str, Any] = {}
    f = pd.DataFrame({"cost": c["cost"].astype(float), "one": 1.0})
    for w in WINDOWS:
        span = np.timedelta64(w * 86400, "s")
        # NaT compares False, so "no later contact" is "no repeat".
        repeat = deadline <= t + span
        # as_of is NaT on an empty table: nothing is eligible.
        eligible = (c["t"] <= as_of - pd.Timedelta(seconds=w * 86400)).to_numpy() & inbound
        f[f"elig_{w}"] = eligible.astype(float)
        f[f"res_{w}"] = (eligible & ~repeat).astype(float)
        f[f"cost_elig_{w}"] = np.where(eligible, f["cost"], 0.0)
        f[f"rep_ai_{w}"] = (eligible & repeat & (c["ai_mode"] == "ai_only").to_numpy()).astype(
            float
        )
    f["handle"] = c["handle_seconds"].astype(float)
    sums = _group_sums(f, c["ai_mode"])
    for w in WINDOWS:
        out[f"fcr_{w}d"] = _per_mode(sums, f"res_{w}", f"elig_{w}")
        out[f"cost_per_resolution_{w}d"] = _per_mode(sums, f"cost_elig_{w}", f"res_{w}")

    ai_only = c["ai_mode"] == "ai_only"
    inferred = (c["ai_mode"] == "hybrid") & (
        c["touchpoint"].isin(BOT_TOUCHPOINTS) if "touchpoint" in c else False
    )
    if "escalated" in c:
        # Object column of True/False/None: the recorded flag wins, inference fills the gaps.
        flag = c["escalated"]
        escalated = flag.where(flag.notna(), inferred).astype(bool)
    else:
        escalated = inferred
    n_ai = int((ai_only & c["inbound"]).sum())
    out["containment_rate"] = _div(n_ai, n_ai + int((escalated & c["inbound"]).sum()))
    elig7_ai = f["elig_7"].to_numpy().astype(bool) & ai_only.to_numpy()
    out["false_containment_7d"] = _div(f["rep_ai_7"].sum(), elig7_ai.sum())
    out["cost_per_contact"] = _per_mode(sums, "cost", "one")
    out["aht_seconds"] = _per_mode(sums, "handle", "one")
    out.update(_apart(c))
    out.update(_survey_metrics(dataset_dir, c))
    return out


def _apart(c: pd.DataFrame) -> dict[str, Any]:
    """Counts by direction, outbound cost and handle time, proactive-touchpoint counts."""
    outbound = ~c["inbound"]
    proactive = c["touchpoint"] == "proactive" if "touchpoint" in c else False
    f = pd.DataFrame(
        {
            "in": c["inbound"].astype(float),
            "out": outbound.astype(float),
            "out_cost": np.where(outbound, c["cost"].astype(float), 0.0),
            "out_handle": np.where(outbound, c["handle_seconds"].astype(float), 0.0),
            "proactive": np.asarray(proactive, dtype=float) * np.ones(len(c)),
        }
    )
    sums = _group_sums(f, c["ai_mode"])

    def counts(col: str) -> dict[str, int]:
        return {g: int(sums.at[g, col]) if g in sums.index else 0 for g in GROUPS}

    return {
        "contacts_by_direction": {"inbound": counts("in"), "outbound": counts("out")},
        "outbound_cost_per_contact": _per_mode(sums, "out_cost", "out"),
        "outbound_aht_seconds": _per_mode(sums, "out_handle", "out"),
        "proactive_contacts": counts("proactive"),
    }


def _survey_metrics(dataset_dir: Path, c: pd.DataFrame) -> dict[str, Any]:
    path = dataset_dir / "surveys.parquet"
    if path.exists():
        s = _read(path, ["contact_id", "kind", "score"])
    else:
        s = pd.DataFrame({"contact_id": [], "kind": [], "score": []})
    # Relationship surveys (no contact) have no mode; an inner join also drops unknown contacts.
    s = s[s["contact_id"].notna() & (s["contact_id"] != "")]
    j = s.merge(c[["contact_id", "ai_mode", "channel"]], on="contact_id", how="inner")
    j["score"] = j["score"].astype(float)
    j["is_csat"] = (j["kind"] == "csat").astype(float)
    j["csat_top"] = ((j["is_csat"] > 0) & j["score"].between(4, 5)).astype(float)
    j["is_nps"] = (j["kind"] == "nps").astype(float)
    # Promoter +100, detractor -100, passive 0: its mean is the NPS, and equal shares give 0.
    j["nps_pts"] = np.where(
        j["is_nps"] > 0,
        np.where(j["score"] >= 9, 100.0, np.where(j["score"] <= 6, -100.0, 0.0)),
        0.0,
    )
    j["is_ces"] = (j["kind"] == "ces").astype(float)
    j["ces_pts"] = np.where(j["is_ces"] > 0, j["score"], 0.0)
    ces = j[j["kind"] == "ces"]
    by_channel = ces.groupby("channel")["score"].mean()
    cols = ["is_csat", "csat_top", "is_nps", "nps_pts", "is_ces", "ces_pts"]
    sums = _group_sums(j[cols], j["ai_mode"])
    return {
        "csat": _per_mode(sums, "csat_top", "is_csat"),
        "nps": _per_mode(sums, "nps_pts", "is_nps"),
        "ces": _per_mode(sums, "ces_pts", "is_ces"),
        "ces_by_channel": {str(k): float(v) for k, v in sorted(by_channel.items())},
    }
