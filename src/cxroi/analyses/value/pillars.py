"""Who the pillars are about: the AI-assisted customers, by the month of their index contact."""

from __future__ import annotations

import pandas as pd

from cxroi.analyses.value.queries import AI_MODES


def exposed_by_month(frame: pd.DataFrame) -> pd.Series:
    """AI-assisted customers (index contact ai_only or hybrid) by the month of that contact."""
    exposed = frame[frame["index_mode"].isin(list(AI_MODES))]
    return exposed.groupby("index_month").size().sort_index()
