"""fetch_frame gives what execute() gives, nulls included, from any column type."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import ibis
import ibis.expr.datatypes as dt
import pandas as pd

from cxroi.io.fetch import fetch_frame


def _table(with_nulls: bool) -> ibis.expr.types.Table:
    at = datetime(2025, 3, 1, 12, 30, 15, 123456, tzinfo=timezone.utc)
    gap = None if with_nulls else at
    frame = pd.DataFrame(
        {
            "text": ["a", None if with_nulls else "b", "c"],
            "number": [1, None if with_nulls else 2, 3],
            "share": [0.5, None if with_nulls else 1.5, 2.5],
            "flag": [True, None if with_nulls else False, True],
            "at": [at, gap, at],
        }
    )
    t = ibis.memtable(frame)
    return t.mutate(
        money=(t.share * 3).cast(dt.Decimal(38, 6)),
        money_float=(t.share * 3).cast(dt.Decimal(38, 6)).cast("float64"),
        whole=t.number.cast("int64"),
    )


def test_fetch_frame_equals_execute() -> None:
    for with_nulls in (False, True):
        t = _table(with_nulls)
        got, want = fetch_frame(t), t.execute()
        assert list(got.columns) == list(want.columns)
        for col in want.columns:
            a, b = got[col], want[col]
            if isinstance(b.dtype, pd.DatetimeTZDtype):
                # execute() gives nanoseconds to a column with nulls; the instants are the same
                b = b.astype(a.dtype)
            pd.testing.assert_series_equal(a, b, obj=f"{col} (nulls: {with_nulls})")
    assert fetch_frame(_table(True))["money"].iloc[0] == Decimal("1.5")
