"""A small synthetic contact centre whose what-if answers can be computed by hand.

Cells (intent x channel, all inbound, every contact from its own customer unless it is a
planted repeat), contacts spread over January-November 2025 so every one is eligible for the
7-day repeat window:

- billing/voice: 60 human (cost 8, 600 s), 100 ai_only (0.5, 100 s), 20 hybrid (4, 500 s);
  35 human CES answers of 6, 20 ai_only answers of 4.
- password/chat: 200 ai_only (0.2, 60 s), 40 of whose customers come back 2 days later to a
  human (3, 200 s); 20 more human contacts (3, 200 s), 5 of which come back 1 day later to a
  human (3, 200 s): 65 human contacts, 5 of them repeated.
- billing/chat: 50 ai_only (0.3, 80 s), none repeated; 10 human (5, 400 s), a thin cell that
  falls back to the chat channel.
- billing/email: 50 human (2, 900 s) with 40 CES answers of 5; 30 hybrid (1.5, 800 s).

Agents: 6 hired 2024-01-01, one of whom leaves on 2025-06-16.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

START = pd.Timestamp("2025-01-01T00:00:00Z")
AGENTS_LEFT = pd.Timestamp("2025-06-16T00:00:00Z")


class Centre:
    def __init__(self) -> None:
        self.contacts: list[dict[str, object]] = []
        self.surveys: list[dict[str, object]] = []
        self._customer = 0

    def customer(self) -> str:
        self._customer += 1
        return f"K{self._customer:05d}"

    def add(
        self,
        intent: str | None,
        channel: str,
        mode: str,
        cost: float,
        handle: float,
        when: pd.Timestamp,
        customer: str | None = None,
        ces: float | None = None,
    ) -> str:
        cid = f"C{len(self.contacts):05d}"
        self.contacts.append(
            {
                "contact_id": cid,
                "customer_id": customer or self.customer(),
                "started_at": when,
                "channel": channel,
                "ai_mode": mode,
                "intent": intent,
                "handle_seconds": handle,
                "cost": cost,
            }
        )
        if ces is not None:
            self.surveys.append(
                {
                    "customer_id": self.contacts[-1]["customer_id"],
                    "contact_id": cid,
                    "answered_at": when + pd.Timedelta(hours=1),
                    "kind": "ces",
                    "score": ces,
                }
            )
        return cid

    def spread(self, i: int) -> pd.Timestamp:
        """The i-th contact's start: January to November, varied day and hour."""
        month = i % 11
        return START + pd.DateOffset(months=month) + pd.Timedelta(days=i % 25, hours=i % 24)

    def write(self, folder: Path, agents: bool = True) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        contacts = pd.DataFrame(self.contacts)
        contacts.to_parquet(folder / "contacts.parquet", index=False)
        customers = pd.DataFrame(
            {
                "customer_id": sorted(contacts["customer_id"].unique()),
                "acquired_at": pd.Timestamp("2020-01-01T00:00:00Z"),
            }
        )
        customers.to_parquet(folder / "customers.parquet", index=False)
        if self.surveys:
            pd.DataFrame(self.surveys).to_parquet(folder / "surveys.parquet", index=False)
        if agents:
            pd.DataFrame(
                {
                    "agent_id": [f"A{i}" for i in range(6)],
                    "hired_at": pd.Timestamp("2024-01-01T00:00:00Z"),
                    "left_at": [AGENTS_LEFT] + [pd.NaT] * 5,
                }
            ).to_parquet(folder / "agents.parquet", index=False)
        return folder


def hand_centre() -> Centre:
    c = Centre()
    i = 0
    for k in range(60):
        ces = 6.0 if k < 35 else None
        c.add("billing", "voice", "human_only", 8.0, 600.0, c.spread(i), ces=ces)
        i += 1
    for k in range(100):
        c.add("billing", "voice", "ai_only", 0.5, 100.0, c.spread(i), ces=4.0 if k < 20 else None)
        i += 1
    for _ in range(20):
        c.add("billing", "voice", "hybrid", 4.0, 500.0, c.spread(i))
        i += 1
    for k in range(200):
        when = c.spread(i)
        i += 1
        who = c.customer()
        c.add("password", "chat", "ai_only", 0.2, 60.0, when, customer=who)
        if k < 40:
            back = when + pd.Timedelta(days=2)
            c.add("password", "chat", "human_only", 3.0, 200.0, back, customer=who)
    for k in range(20):
        when = c.spread(i)
        i += 1
        who = c.customer()
        c.add("password", "chat", "human_only", 3.0, 200.0, when, customer=who)
        if k < 5:
            back = when + pd.Timedelta(days=1)
            c.add("password", "chat", "human_only", 3.0, 200.0, back, customer=who)
    for _ in range(50):
        c.add("billing", "chat", "ai_only", 0.3, 80.0, c.spread(i))
        i += 1
    for _ in range(10):
        c.add("billing", "chat", "human_only", 5.0, 400.0, c.spread(i))
        i += 1
    for k in range(50):
        ces = 5.0 if k < 40 else None
        c.add("billing", "email", "human_only", 2.0, 900.0, c.spread(i), ces=ces)
        i += 1
    for _ in range(30):
        c.add("billing", "email", "hybrid", 1.5, 800.0, c.spread(i))
        i += 1
    return c


def hand_answers(s: float, f: float) -> dict[str, float]:
    """Extra cost, handle hours, avoided repeats and CES of the hand centre (12-month basis:
    the data span 11 months, annualised by 12 / 11)."""
    r_h_chat_cell = 5 / 65
    chat_cost = (65 * 3.0 + 10 * 5.0) / 75
    chat_handle = (65 * 200.0 + 10 * 400.0) / 75
    chat_repeat = 5 / 75
    x_password = 40 / 200 - r_h_chat_cell
    x_billing_chat = 0.0 - chat_repeat
    cost = (
        100 * 8.0 - 100 * 0.5 + s * (20 * 8.0 - 20 * 4.0)
        + 200 * 3.0 - 200 * 0.2 - f * 200 * x_password * 3.0
        + 50 * chat_cost - 50 * 0.3 - f * 50 * x_billing_chat * chat_cost
        + s * (30 * 2.0 - 30 * 1.5)
    )
    seconds = (
        100 * 600.0 + s * (20 * 600.0 - 20 * 500.0)
        + 200 * 200.0 - f * 200 * x_password * 200.0
        + 50 * chat_handle - f * 50 * x_billing_chat * chat_handle
        + s * (30 * 900.0 - 30 * 800.0)
    )
    avoided = f * (200 * x_password + 50 * x_billing_chat)
    all_human_ces = (35 * 6.0 + 40 * 5.0) / 75
    weights = {"bv": 120.0, "pc": 200.0, "bc": 50.0, "be": 30.0}
    human_ces = (
        weights["bv"] * 6.0 + (weights["pc"] + weights["bc"]) * all_human_ces + weights["be"] * 5.0
    ) / sum(weights.values())
    scale = 12 / 11
    return {
        "cost": scale * cost,
        "hours": scale * seconds / 3600.0,
        "avoided": scale * avoided,
        "ces_ai": 4.0,
        "ces_human": human_ces,
        "ai_only": scale * 350,
        "hybrid": scale * 50,
    }


def uniform_hours(
    n: int, month: str, slot_hour: int | None, rng: np.random.Generator
) -> list[pd.Timestamp]:
    """n starts in ``month``: all on Mondays at ``slot_hour`` (UTC), or uniform over the month."""
    first = pd.Timestamp(f"{month}-01T00:00:00Z")
    days = first.days_in_month
    if slot_hour is None:
        seconds = np.sort(rng.integers(0, days * 86_400, n))
        return [first + pd.Timedelta(seconds=int(s)) for s in seconds]
    dates = [first + pd.Timedelta(days=d) for d in range(days)]
    mondays = [d for d in dates if d.dayofweek == 0]
    offsets = rng.integers(0, 3600, n)
    return [
        mondays[i % len(mondays)] + pd.Timedelta(hours=slot_hour, seconds=int(offsets[i]))
        for i in range(n)
    ]
