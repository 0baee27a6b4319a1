"""Each customer's first contact by aggregates and joins equals the first row of a sort."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from cxroi.metrics.queries import first_contacts


def test_first_contacts_match_a_sort_with_ties() -> None:
    rng = np.random.default_rng(8)
    n = 5_000
    # few distinct instants per customer, so many customers have several contacts at their first
    frame = pd.DataFrame(
        {
            "contact_id": [f"K{i:05d}" for i in rng.permutation(n)],
            "customer_id": [f"C{c:03d}" for c in rng.integers(0, 400, n)],
            "started_at": pd.Timestamp("2025-01-01", tz="UTC")
            + pd.to_timedelta(rng.integers(0, 4, n), unit="D"),
            "ai_mode": rng.choice(["ai_only", "hybrid", "human_only"], n),
        }
    )
    got = first_contacts(ibis.memtable(frame)).to_pandas()
    want = (
        frame.sort_values(["customer_id", "started_at", "contact_id"])
        .groupby("customer_id")
        .head(1)
    )
    assert (
        frame.groupby("customer_id")["started_at"].transform("min") == frame["started_at"]
    ).sum() > 1.5 * 400
    pd.testing.assert_frame_equal(
        got.sort_values("customer_id").reset_index(drop=True),
        want.reset_index(drop=True)[got.columns],
        check_dtype=False,
    )
