"""Contact-level histories with a known truth, for measuring the masking detector's error rates.

Each history is 24 months (by default) of contacts the way the detector sees them in production:
customers with several contacts, each contact with an intent, a mode (``ai_only``, ``hybrid`` or
``human_only``), an ``escalated`` flag, a 7-day repeat flag and eligibility, and sometimes a CES
answer. What can be switched on is what makes a naive detector raise false alarms:

* **Containment ramp**: the share of bot-entry contacts the bot keeps (ai_only) rises linearly
  (default 40% to 60%) while resolution and effort of bot-entry contacts are truly unchanged.
* **Customer clustering**: customers make several first contacts over the history, an unresolved
  contact brings a follow-up from the same customer (the repeat) within 0.5–6 days, and a
  customer-level frailty shifts the log-odds of resolution and the CES of all their contacts.
  Without it every contact is its own customer and repeat flags are drawn without follow-ups.
* **Intent drift**: the intent mix moves linearly towards another mix (``intent_drift`` = 1 goes
  all the way, 0.5 half way); intents differ in resolution and CES, so unadjusted FCR and CES
  drift although no intent's level changes.
* **Planted masking** (``masked_months``): in those months a further ``masking_rise`` of the
  bot-entry contacts, taken from those that would have been escalated, is kept in the bot; kept
  contacts are resolved with probability ``masked_resolved_p`` and answer CES
  ``masked_ces_penalty`` points lower. With the defaults containment rises 15 points and bot-entry
  FCR falls about 9 points in each masked month.

Repeat flags come from the simulated follow-ups (production derives them from timestamps); a
follow-up is itself a contact and can be unresolved again. Months are 30 days; the data ends
after the last month, so contacts of its last 7 days are not eligible for 7-day FCR.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxroi.io.contract import MODES

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

MONTH_DAYS = 30
WINDOW_DAYS = 7
INTENTS: tuple[str, ...] = ("password", "billing", "delivery", "change", "fault", "cancel")
# log-odds of resolution relative to the base, and mean CES (1-7, higher = easier), per intent
INTENT_LOGIT: tuple[float, ...] = (0.9, 0.4, 0.0, -0.3, -0.7, -1.0)
INTENT_CES: tuple[float, ...] = (5.8, 5.4, 5.1, 4.8, 4.4, 4.0)
MIX_START: tuple[float, ...] = (0.30, 0.22, 0.16, 0.14, 0.10, 0.08)
MIX_END: tuple[float, ...] = (0.16, 0.18, 0.16, 0.14, 0.18, 0.18)
FOLLOWUP_P = 0.85  # an unresolved contact brings the customer back within 6 days
MAX_GENERATIONS = 8


@dataclass(frozen=True)
class HistorySpec:
    """One scenario; every history drawn from it differs only by the random seed."""

    months: int = 24
    first_contacts: int = 100_000  # first contacts over the history (follow-ups come on top)
    clustered: bool = True
    contacts_per_customer: float = 4.0  # first contacts per customer, when clustered
    frailty_sd: float = 0.8  # customer effect on the log-odds of resolution
    ces_frailty_sd: float = 0.6  # customer effect on CES points
    containment_start: float = 0.40
    containment_end: float = 0.60
    intent_drift: float = 0.0  # 0 = fixed mix, 1 = MIX_START to MIX_END over the history
    bot_entry_share: float = 0.6  # the rest are human_only contacts
    base_logit: float = 1.6  # resolution log-odds of an average intent and customer
    ces_sd: float = 1.3
    ces_answer_p: float = 0.05
    masked_months: tuple[int, ...] = ()  # 0-based month indices
    masking_rise: float = 0.15
    masked_resolved_p: float = 0.07
    masked_ces_penalty: float = 2.0
    start_year: int = 2024
    labels: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        labels = tuple(
            f"{self.start_year + m // 12:04d}-{m % 12 + 1:02d}" for m in range(self.months)
        )
        object.__setattr__(self, "labels", labels)

    def containment(self, month: IntArray) -> FloatArray:
        step = month / max(self.months - 1, 1)
        out: FloatArray = self.containment_start + (self.containment_end - self.containment_start) * step
        return out

    def mix(self, month: int) -> FloatArray:
        step = self.intent_drift * month / max(self.months - 1, 1)
        mix = (1 - step) * np.asarray(MIX_START) + step * np.asarray(MIX_END)
        return np.asarray(mix / mix.sum(), dtype=np.float64)


@dataclass(frozen=True)
class History:
    """One simulated history: contacts (one row each) and their CES answers."""

    spec: HistorySpec
    contacts: pd.DataFrame  # customer_id, month, intent, ai_mode, escalated, eligible_7, repeat_7
    answers: pd.DataFrame  # contact_id, score (CES 1-7)

    def enriched(self) -> pd.DataFrame:
        """The contacts as the production queries see them after enrichment (text columns)."""
        c = self.contacts
        return pd.DataFrame(
            {
                "contact_id": c["contact_id"].astype(str),
                "customer_id": "K" + c["customer_id"].astype(str),
                "month": c["month"].astype(str),
                "intent": c["intent"].astype(str),
                "ai_mode": c["ai_mode"].astype(str),
                "escalated_value": c["escalated"],
                "inbound": True,  # the simulated centre never reaches out first
                "eligible_7": c["eligible_7"],
                "repeat_7": c["repeat_7"],
            }
        )

    def surveys(self) -> pd.DataFrame:
        a = self.answers
        return pd.DataFrame(
            {"contact_id": a["contact_id"].astype(str), "kind": "ces", "score": a["score"]}
        )

    def units(self) -> pd.DataFrame:
        """One row per bot-entry contact with the unit columns the masking series sum."""
        c = self.contacts
        bot = (c["ai_mode"] == "ai_only").to_numpy() | c["escalated"].to_numpy()
        c = c[bot]
        ces = self.answers.groupby("contact_id")["score"].agg(["size", "sum"])
        ces_n = c["contact_id"].map(ces["size"]).fillna(0).to_numpy()
        ces_sum = c["contact_id"].map(ces["sum"]).fillna(0.0).to_numpy()
        eligible = c["eligible_7"].to_numpy()
        return pd.DataFrame(
            {
                "customer": c["customer_id"].to_numpy(),
                "month": c["month"].astype(str).to_numpy(),
                "stratum": c["intent"].astype(str).to_numpy(),
                "one": 1,
                "ai": (c["ai_mode"] == "ai_only").to_numpy().astype(np.int64),
                "eligible": eligible.astype(np.int64),
                "resolved": (eligible & ~c["repeat_7"].to_numpy()).astype(np.int64),
                "ces_n": ces_n.astype(np.int64),
                "ces_sum": ces_sum.astype(np.float64),
            }
        )


def simulate_history(spec: HistorySpec, seed: int) -> History:
    rng = np.random.default_rng(seed)
    horizon = spec.months * MONTH_DAYS
    n = spec.first_contacts
    if spec.clustered:
        n_customers = max(int(round(n / spec.contacts_per_customer)), 1)
        # gamma-distributed activity: some customers call much more than others
        activity = rng.gamma(1.5, 1.0, n_customers)
        customer = rng.choice(n_customers, size=n, p=activity / activity.sum())
        frailty = rng.normal(0.0, spec.frailty_sd, n_customers)
        ces_frailty = rng.normal(0.0, spec.ces_frailty_sd, n_customers)
    else:
        customer = np.arange(n)
        frailty = np.zeros(n)
        ces_frailty = np.zeros(n)
    day = rng.uniform(0, horizon, n)
    month = (day // MONTH_DAYS).astype(np.int64)
    intent = np.empty(n, dtype=np.int64)
    for m in range(spec.months):
        sel = month == m
        intent[sel] = rng.choice(len(INTENTS), size=int(sel.sum()), p=spec.mix(m))

    parts: list[dict[str, npt.NDArray[np.generic]]] = []
    for _ in range(MAX_GENERATIONS):
        if len(day) == 0:
            break
        gen = _contacts(rng, spec, customer, day, intent, frailty, ces_frailty)
        resolved = np.asarray(gen["resolved"], dtype=np.bool_)
        again = ~resolved & (rng.random(len(day)) < FOLLOWUP_P)
        later = day + rng.uniform(0.5, 6.0, len(day))
        if spec.clustered:
            # the follow-up is a contact of its own: the customer came back within 7 days
            gen["repeat_7"] = again.copy()
            again &= later < horizon
        else:
            gen["repeat_7"] = again
            again = np.zeros(len(day), dtype=np.bool_)
        parts.append(gen)
        customer, day, intent = customer[again], later[again], intent[again]
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    n_all = len(cols["day"])
    answered = rng.random(n_all) < spec.ces_answer_p
    score = np.clip(np.round(rng.normal(cols["ces_mean"][answered], spec.ces_sd)), 1, 7)
    contact_id = np.arange(n_all, dtype=np.int64)
    contacts = pd.DataFrame(
        {
            "contact_id": contact_id,
            "customer_id": cols["customer"],
            "month": pd.Categorical.from_codes(cols["month"], categories=spec.labels),
            "intent": pd.Categorical.from_codes(cols["intent"], categories=INTENTS),
            "ai_mode": pd.Categorical.from_codes(cols["mode"], categories=MODES),
            "escalated": cols["escalated"],
            "masked": cols["masked"],
            "eligible_7": cols["day"] <= horizon - WINDOW_DAYS,
            "repeat_7": cols["repeat_7"],
        }
    )
    answers = pd.DataFrame({"contact_id": contact_id[answered], "score": score})
    return History(spec, contacts, answers)


def _contacts(
    rng: np.random.Generator,
    spec: HistorySpec,
    customer: IntArray,
    day: FloatArray,
    intent: IntArray,
    frailty: FloatArray,
    ces_frailty: FloatArray,
) -> dict[str, npt.NDArray[np.generic]]:
    """One generation of contacts: routing, containment, masking, resolution, CES mean."""
    n = len(day)
    month = np.minimum((day // MONTH_DAYS).astype(np.int64), spec.months - 1)
    bot = rng.random(n) < spec.bot_entry_share
    contained = bot & (rng.random(n) < spec.containment(month))
    masked = np.zeros(n, dtype=np.bool_)
    if spec.masked_months:
        in_episode = np.isin(month, np.asarray(spec.masked_months))
        # a share of the would-be escalations, so that containment rises by masking_rise
        share = np.clip(spec.masking_rise / (1.0 - spec.containment(month)), 0.0, 1.0)
        masked = bot & ~contained & in_episode & (rng.random(n) < share)
    ai_only = contained | masked
    escalated = bot & ~ai_only
    logit = spec.base_logit + np.asarray(INTENT_LOGIT)[intent] + frailty[customer]
    p_resolved = np.where(masked, spec.masked_resolved_p, 1.0 / (1.0 + np.exp(-logit)))
    resolved = rng.random(n) < p_resolved
    ces_mean = (
        np.asarray(INTENT_CES)[intent]
        + ces_frailty[customer]
        - np.where(masked, spec.masked_ces_penalty, 0.0)
    )
    mode = np.where(ai_only, 0, np.where(escalated, 1, 2))
    return {
        "customer": customer,
        "day": day,
        "month": month,
        "intent": intent,
        "mode": mode,
        "escalated": escalated,
        "masked": masked,
        "resolved": resolved,
        "ces_mean": ces_mean,
    }
