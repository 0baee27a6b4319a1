"""Bringing a query's rows into pandas without a Python object per value.

Ibis's DuckDB backend (``Backend.execute``, ibis 12) turns every result column that holds a null
into a Python list (pyarrow's ``to_pylist``) and lets pandas infer it back: at 10M contacts the
1.25M-customer frame of the value analysis took 7.5 s of CPU that way and 1.2 s through pyarrow's
own conversion. :func:`fetch_frame` converts column by column with pyarrow, then applies the same
ibis type conversion as ``execute``. The values are the same; a timestamp column with nulls keeps
its microseconds (``execute`` would give nanoseconds there, and microseconds where there are none).
"""

from __future__ import annotations

import ibis.expr.types as ir
import pandas as pd
from ibis.formats.pandas import PandasData


def fetch_frame(expr: ir.Table) -> pd.DataFrame:
    """The rows of ``expr`` as a DataFrame, as ``expr.execute()`` gives them (see the module)."""
    table = expr.to_pyarrow()
    frame = pd.DataFrame(
        {name: column.to_pandas() for name, column in zip(table.column_names, table.columns)}
    )
    return PandasData.convert_table(frame, expr.schema())


__all__ = ["fetch_frame"]
