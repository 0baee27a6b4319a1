"""Is the demo's planted novice-minus-experienced resolution gap of 0 right for the estimand?

Resolution does not depend on the agent, but the assistance effect on it does vary: by intent
(the resolution logit shifts), by escalation and channel (a follow-up of an agent-handled voice
contact can be the agent's call-back, which is not a repeat; a follow-up of a bot escalation never
is) and by month (the AI share of follow-ups grows). The estimand is each group's ATT, the mean
effect over that group's own assisted contacts, so if novices' assisted contacts had a different
mix of those, the true gap would not be 0.

Per assisted, eligible contact this computes the effect on "no repeat within 7 days" from the
generator's own mechanism (``cxroi.demo._contacts``): the chance of an inbound follow-up,
``(1 - p_resolved(mode, intent)) x FOLLOWUP_P x (1 - P(call-back))``, human-only minus hybrid.
Two approximations: the customer's other contacts within the window (a factor common to both
modes, about 0.7) are left out, and the follow-up's AI share is the centre-wide one of its day
(the customer's own propensity is not in the output tables). It prints the groups' mean effects
and their gap per seed; docs/workforce-calibration.md reports the result.

    PYTHONPATH=src python scripts/workforce_resolution_truth.py --seeds 1-12
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxroi.demo import _params as P
from cxroi.demo import generate_demo
from cxroi.demo._population import ai_share

FloatArray = npt.NDArray[np.float64]
HYBRID, HUMAN = 1, 2  # indices into contract.MODES, as cxroi.demo._contacts


def _sigmoid(x: FloatArray) -> FloatArray:
    out: FloatArray = 1.0 / (1.0 + np.exp(-x))
    return out


def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


def effects(contacts: pd.DataFrame, agents: pd.DataFrame, window: int = 7) -> pd.DataFrame:
    """Per assisted, eligible agent contact: ``novice`` and the approximate latent ``effect``."""
    c = contacts[contacts.agent_id.notna() & (contacts.ai_mode == "hybrid")]
    c = c[
        (c.direction == "inbound")
        & (c.started_at <= c.started_at.max() - pd.Timedelta(days=window))
    ]
    c = c.merge(agents[["agent_id", "hired_at"]], on="agent_id")
    tenure = (c.started_at - c.hired_at).dt.total_seconds().to_numpy() / 86400.0
    intent = c.intent.map({k: i for i, k in enumerate(P.INTENTS)})
    table = np.asarray(P.INTENT_RESOLUTION_LOGIT)
    shift = np.where(intent.notna(), table[intent.fillna(0).astype(int).to_numpy()], 0.0)

    def unresolved(mode: int) -> FloatArray:
        return 1.0 - _sigmoid(_logit(1.0 - P.TRUE_UNRESOLVED_P[mode]) + shift)

    # follow-ups come 0.5-6 days later: the AI share 3.25 days on (window day 0 = first contact)
    days = (c.started_at - contacts.started_at.min()).dt.total_seconds().to_numpy() / 86400.0
    human_child = 1.0 - ai_share(days + 3.25)
    voice = 0.7 * (c.channel == "voice").to_numpy() + 0.3 * P.CHANNEL_P_BY_MODE[HUMAN][0]
    call_back = human_child * voice * P.CALLBACK_P
    escalated = c.escalated.fillna(False).to_numpy(dtype=bool)
    human = unresolved(HUMAN) * P.FOLLOWUP_P * (1.0 - call_back)
    hybrid = unresolved(HYBRID) * P.FOLLOWUP_P * (1.0 - np.where(escalated, 0.0, call_back))
    return pd.DataFrame({"novice": tenure < P.AGENT_NOVICE_DAYS, "effect": human - hybrid})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="1-12")
    ap.add_argument("--contacts", type=int, default=60_000)
    a = ap.parse_args()
    first, _, last = a.seeds.partition("-")
    gaps = []
    for seed in range(int(first), int(last or first) + 1):
        folder = Path(tempfile.mkdtemp(prefix="wftruth"))
        try:
            generate_demo(folder / "demo", contacts=a.contacts, seed=seed)
            got = effects(
                pd.read_parquet(folder / "demo" / "contacts.parquet"),
                pd.read_parquet(folder / "demo" / "agents.parquet"),
            )
        finally:
            shutil.rmtree(folder)
        novice = float(got.effect[got.novice].mean())
        experienced = float(got.effect[~got.novice].mean())
        gaps.append(novice - experienced)
        print(
            f"seed {seed}: novice {novice:+.4f}, experienced {experienced:+.4f}, gap {gaps[-1]:+.5f}"
        )
    g = np.array(gaps)
    print(f"gap: mean {g.mean():+.5f}, SD {g.std(ddof=1):.5f}, largest |gap| {np.abs(g).max():.5f}")


if __name__ == "__main__":
    main()
