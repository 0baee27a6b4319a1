"""Cost, handle time and contacts if the AI-handled volume moved to humans, per month and draw.

For AI cell ``k`` (intent x channel, inbound) in month ``m``, with the human reference cost
``c_k``, handle time ``h_k`` and the excess 7-day repeat rate ``x_k = r_ai,k - r_human,k`` of
the cell's ``ai_only`` contacts over human contacts of the same intent and channel:

- each ``ai_only`` contact becomes a human contact: ``+ n_ai c_k - (its actual AI cost)``;
- each hybrid contact moves a share ``s`` (``hybrid_ai_share``) of the way to a human one:
  ``+ s (n_hybrid c_k - its actual cost)``;
- repeats the AI's failures caused disappear: a share ``f`` (``failure_repeat_share``) of the
  excess repeats is taken as caused by the AI (the rest as who those customers are: the
  comparison within a cell is descriptive), each saving a human contact: ``- f n_ai x_k c_k``.
  A negative ``x_k`` (AI repeats less than humans) adds contacts instead. Second-generation
  repeats (repeats of repeats) are left out.

Handle hours follow the same lines with ``h_k`` (an ``ai_only`` contact adds ``h_k`` of human
time; a hybrid contact ``s (h_k - its handle time)``). Outbound contacts (call-backs,
campaigns, proactive messages) are not moved: stopping AI is assumed not to change them.

Row 0 of every array is the central case (data means, priors at their means); rows 1.. are the
Monte Carlo draws. Rates and prices come from the latest 12 months and are applied to every
month's volumes, so the monthly series moves with volume and mix, not with price drift.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxroi.analyses.value.uncertainty import normal_draws
from cxroi.analyses.value.what_if_cells import References

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class Volumes:
    """Inbound AI-assisted volume per AI cell (rows, ``keys``) and calendar month (columns)."""

    months: tuple[str, ...]
    keys: pd.DataFrame
    n_ai: FloatArray
    cost_ai: FloatArray
    n_hybrid: FloatArray
    cost_hybrid: FloatArray
    handle_hybrid: FloatArray

    def channel_mask(self, channel: str) -> BoolArray:
        return np.asarray(self.keys["channel"].to_numpy() == channel, dtype=bool)


@dataclass(frozen=True)
class RateDraws:
    """(1 + draws, cells): human cost, handle seconds, and the AI cells' excess repeat rate."""

    cost: FloatArray
    handle: FloatArray
    excess_repeat: FloatArray


@dataclass(frozen=True)
class Consequences:
    """(1 + draws, months): extra cost, extra human handle hours and net contacts moved."""

    extra_cost: FloatArray
    extra_hours: FloatArray
    moved_contacts: FloatArray
    avoided_repeats: FloatArray


def _pivot(frame: pd.DataFrame, value: str, keys: pd.DataFrame, months: list[str]) -> FloatArray:
    wide = frame.pivot_table(
        index=["intent_key", "channel"], columns="month", values=value, aggfunc="sum", fill_value=0
    )
    index = pd.MultiIndex.from_frame(keys)
    return np.asarray(wide.reindex(index=index, columns=months, fill_value=0).to_numpy(dtype=float))


def ai_volumes(monthly: pd.DataFrame) -> Volumes:
    """Pivot :func:`what_if_monthly_cells` into per-cell, per-month arrays of the AI modes."""
    months = sorted(monthly["month"].astype(str).unique())
    inbound = monthly[monthly["inbound"].astype(bool)]
    ai = inbound[inbound["ai_mode"] == "ai_only"]
    hy = inbound[inbound["ai_mode"] == "hybrid"]
    both = pd.concat([ai, hy])
    keys = (
        both[["intent_key", "channel"]].drop_duplicates().sort_values(["intent_key", "channel"])
    ).reset_index(drop=True)
    return Volumes(
        months=tuple(months),
        keys=keys,
        n_ai=_pivot(ai, "n", keys, months),
        cost_ai=_pivot(ai, "cost", keys, months),
        n_hybrid=_pivot(hy, "n", keys, months),
        cost_hybrid=_pivot(hy, "cost", keys, months),
        handle_hybrid=_pivot(hy, "handle", keys, months),
    )


def draw_rates(refs: References, rng: np.random.Generator, draws: int) -> RateDraws:
    """Central values in row 0, then normal draws around each cell's clustered mean."""

    def rows(mean: FloatArray, se: FloatArray, low: float, high: float) -> FloatArray:
        sims = np.clip(normal_draws(mean, se, rng, draws), low, high)
        return np.vstack([mean[None, :], sims])

    cost = rows(refs.human["cost"].mean, refs.human["cost"].se, 0.0, np.inf)
    handle = rows(refs.human["handle"].mean, refs.human["handle"].se, 0.0, np.inf)
    human_rep = rows(refs.human["repeat"].mean, refs.human["repeat"].se, 0.0, 1.0)
    ai_rep = rows(refs.ai_repeat.mean, refs.ai_repeat.se, 0.0, 1.0)
    # no eligible AI contact in a cell, or no human reference: no excess repeats to net there
    excess = np.nan_to_num(ai_rep - human_rep, nan=0.0)
    return RateDraws(cost, handle, excess)


def consequences(
    vol: Volumes,
    rates: RateDraws,
    hybrid_share: FloatArray,
    failure_share: FloatArray,
    cells: BoolArray | None = None,
) -> Consequences:
    """The what-if arithmetic of the module docstring for every draw and month.

    ``hybrid_share`` and ``failure_share`` have one value per row of ``rates``; ``cells``
    restricts the sums to some AI cells (e.g. one channel).
    """
    keep = np.ones(len(vol.keys), dtype=bool) if cells is None else cells
    n_ai, n_hy = vol.n_ai[keep], vol.n_hybrid[keep]
    c, h, x = rates.cost[:, keep], rates.handle[:, keep], rates.excess_repeat[:, keep]
    s, f = hybrid_share[:, None], failure_share[:, None]
    avoided = f * (x @ n_ai)
    cost = (
        c @ n_ai
        - vol.cost_ai[keep].sum(axis=0)
        + s * (c @ n_hy - vol.cost_hybrid[keep].sum(axis=0))
        - f * ((x * c) @ n_ai)
    )
    seconds = h @ n_ai + s * (h @ n_hy - vol.handle_hybrid[keep].sum(axis=0)) - f * ((x * h) @ n_ai)
    return Consequences(
        extra_cost=np.asarray(cost, dtype=float),
        extra_hours=np.asarray(seconds / SECONDS_PER_HOUR, dtype=float),
        moved_contacts=np.asarray(n_ai.sum(axis=0)[None, :] - avoided, dtype=float),
        avoided_repeats=np.asarray(avoided, dtype=float),
    )


__all__ = ["Consequences", "RateDraws", "Volumes", "ai_volumes", "consequences", "draw_rates"]
