"""Human reference rates per intent x channel cell: the price of moving an AI contact to a human.

An AI contact about a password reset in chat is not priced at the mean human contact (which
includes long complaint calls) but at the mean human contact *of the same intent and channel*:
direct standardisation to the AI volume's mix. The same cells give the human handle time, the
human 7-day repeat rate (against which the AI contacts' excess repeats are measured) and the
human CES.

Fallback when a cell is thin: a cell's own human contacts are used when there are at least
``min_cell_contacts`` of them (answers, for CES; eligible contacts, for repeats); otherwise the
channel's human contacts across all intents (channel drives cost and handle time more than
intent does), otherwise all human contacts. Which level priced how much AI volume is reported.

Every mean is a ratio of sums with a customer-clustered standard error (one customer's contacts
are not independent): ``var(R) = G/(G-1) sum_i (y_i - R x_i)^2 / (sum x)^2`` over the G
customers' sums. Cells are drawn independently in the Monte Carlo, which ignores the (small)
covariance of cells that share customers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxroi.analyses.value.queries import RATIOS

FloatArray = npt.NDArray[np.float64]
StrArray = npt.NDArray[np.str_]
LEVELS: tuple[str, ...] = ("intent_x_channel", "channel", "all_human")
STATS: tuple[str, ...] = ("cost", "handle", "repeat", "ces")


@dataclass(frozen=True)
class Ratio:
    """Cell means of one ratio, their clustered standard errors and denominators."""

    mean: FloatArray
    se: FloatArray
    denominator: FloatArray


@dataclass(frozen=True)
class References:
    """Per AI cell (``keys``: intent_key, channel): human reference means and the AI repeat rate."""

    keys: pd.DataFrame
    human: dict[str, Ratio]
    level: dict[str, StrArray]
    """Which of :data:`LEVELS` each cell's reference came from, per statistic."""
    ai_repeat: Ratio
    """7-day repeat rate of the cell's own ``ai_only`` contacts (NaN where none is eligible)."""


def clustered_ratio(frame: pd.DataFrame, stat: str) -> Ratio:
    """``sum num / sum den`` per row of a :func:`clustered_cell_sums` frame, clustered SE."""
    num, den = RATIOS[stat]
    y = frame[num].to_numpy(dtype=float)
    x = frame[den].to_numpy(dtype=float)
    g = frame["customers"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(x > 0, y / np.where(x > 0, x, 1.0), np.nan)
        resid = (
            frame[f"{num}_sq"].to_numpy(dtype=float)
            - 2.0 * r * frame[f"{num}_x_{den}"].to_numpy(dtype=float)
            + r * r * frame[f"{den}_sq"].to_numpy(dtype=float)
        )
        var = np.where(
            (x > 0) & (g > 1), np.maximum(resid, 0.0) / (x * x) * g / np.maximum(g - 1, 1), np.nan
        )
    return Ratio(r, np.sqrt(var), x)


def _human(frame: pd.DataFrame) -> pd.DataFrame:
    keep = (frame["ai_mode"] == "human_only") & frame["inbound"].astype(bool)
    return frame[keep].drop(columns=["ai_mode", "inbound"])


def _align(keys: pd.DataFrame, table: pd.DataFrame, on: list[str]) -> pd.DataFrame | None:
    """``table``'s sums at each row of ``keys`` (zeros where it has no row); None if empty."""
    if table.empty:
        return None
    if on:
        joined = keys[on].merge(table, on=on, how="left")
    else:
        joined = pd.concat([table] * len(keys), ignore_index=True)
    sums = [c for c in joined.columns if c not in on]
    joined[sums] = joined[sums].astype(float).fillna(0.0)
    return joined


def _nothing(size: int) -> Ratio:
    nan = np.full(size, np.nan)
    return Ratio(nan, nan, np.zeros(size))


def human_references(
    keys: pd.DataFrame,
    by_cell: pd.DataFrame,
    by_channel: pd.DataFrame,
    overall: pd.DataFrame,
    min_cell_contacts: int,
) -> References:
    """Reference rates for each AI cell from the three clustered frames of the latest 12 months.

    ``by_cell``, ``by_channel`` and ``overall`` are :func:`clustered_cell_sums` at keys
    (intent_key, channel, ai_mode, inbound), (channel, ai_mode, inbound) and (ai_mode, inbound).
    """
    keys = keys.reset_index(drop=True)
    size = len(keys)
    tables = (
        _align(keys, _human(by_cell), ["intent_key", "channel"]),
        _align(keys, _human(by_channel), ["channel"]),
        _align(keys, _human(overall), []),
    )
    human: dict[str, Ratio] = {}
    level: dict[str, StrArray] = {}
    for stat in STATS:
        mean, se, den = np.full(size, np.nan), np.full(size, np.nan), np.zeros(size)
        used = np.full(size, "none", dtype=object)
        for name, joined in zip(LEVELS, tables, strict=True):
            ratio = _nothing(size) if joined is None else clustered_ratio(joined, stat)
            enough = ratio.denominator >= min_cell_contacts
            if name == LEVELS[-1]:
                enough = ratio.denominator > 0
            take = (used == "none") & np.isfinite(ratio.mean) & enough
            mean[take], se[take] = ratio.mean[take], ratio.se[take]
            den[take] = ratio.denominator[take]
            used[take] = name
        human[stat] = Ratio(mean, se, den)
        level[stat] = used.astype(str)
    own = by_cell[(by_cell["ai_mode"] == "ai_only") & by_cell["inbound"].astype(bool)]
    joined = _align(keys, own.drop(columns=["ai_mode", "inbound"]), ["intent_key", "channel"])
    ai_repeat = _nothing(size) if joined is None else clustered_ratio(joined, "repeat")
    return References(keys, human, level, ai_repeat)


__all__ = ["LEVELS", "Ratio", "References", "STATS", "clustered_ratio", "human_references"]
