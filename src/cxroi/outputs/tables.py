"""Tidy Parquet tables for BI tools (Power BI, Tableau, Looker, dbt), built from the typed tree.

``cxroi analyze --tables`` writes ``OUT/tables/<name>.parquet`` beside results.json, in the same
all-or-nothing set. Each table is long ("tidy"): one row per period × group × metric (or per
figure, trigger, alert), the same columns for every metric, so a BI tool loads it without
reshaping. The layout of each table is declared once (:mod:`cxroi.outputs.columns`) and documented
in docs/bi-tables.md.

Built only from :class:`~cxroi.results.tree.Results`: the tables of a run and the tables rendered
later from its results.json (``cxroi report --results … --tables``) are the same bytes, because
the loader gives back the same tree. Rows are sorted by each table's key, which is unique, so the
bytes do not depend on the order in which the tree's mappings were filled. Numbers resting on
fewer than ``min_cell`` observations are suppressed (null, ``suppressed`` true), as in the report.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from cxroi.io.atomic import StagedOutputs
from cxroi.outputs import columns as cols
from cxroi.outputs.cells import Row
from cxroi.outputs.governance_rows import (
    alert_evidence_rows,
    alert_rows,
    stack_metric_rows,
    stack_trigger_month_rows,
    stack_trigger_rows,
)
from cxroi.outputs.measures import metrics_rows, stack_monthly_rows
from cxroi.outputs.value_rows import pillar_monthly_rows, pillar_rows, roi_monthly_rows
from cxroi.results.tree import Results

RowBuilder = Callable[[Results, int], list[Row]]

_BUILDERS: dict[str, RowBuilder] = {
    cols.METRICS.name: lambda r, k: metrics_rows(r.metrics, k),
    cols.STACK_MONTHLY.name: lambda r, k: stack_monthly_rows(r.stack.monthly, k),
    cols.PILLARS.name: lambda r, k: pillar_rows(r.value, k),
    cols.PILLARS_MONTHLY.name: lambda r, k: pillar_monthly_rows(r.value, k),
    cols.ROI_MONTHLY.name: lambda r, k: roi_monthly_rows(r.value.roi_worksheet, k),
    cols.STACK_METRICS.name: stack_metric_rows,
    cols.STACK_TRIGGERS.name: stack_trigger_rows,
    cols.STACK_TRIGGER_MONTHS.name: lambda r, k: stack_trigger_month_rows(r),
    cols.ALERTS.name: lambda r, k: alert_rows(r.alerts),
    cols.ALERT_EVIDENCE.name: lambda r, k: alert_evidence_rows(r.alerts),
}
TABLE_NAMES: tuple[str, ...] = tuple(spec.name for spec in cols.TABLES)


def relative_path(name: str) -> Path:
    """Where table ``name`` goes inside the output folder."""
    return Path(cols.FOLDER) / f"{name}.parquet"


def build_tables(results: Results, min_cell: int = 10) -> dict[str, pa.Table]:
    """Every BI table of ``results``, by name, in the declared schema and row order."""
    if min_cell < 1:
        raise ValueError("min_cell must be at least 1")
    metadata = _file_metadata(results, min_cell)
    out: dict[str, pa.Table] = {}
    for spec in cols.TABLES:
        rows = _ordered(spec, _BUILDERS[spec.name](results, min_cell))
        schema = spec.schema({**metadata, "cxroi.table": spec.name})
        data = {c: [row[c] for row in rows] for c in spec.names}
        out[spec.name] = pa.Table.from_pydict(data, schema=schema)
    return out


def _file_metadata(results: Results, min_cell: int) -> dict[str, str]:
    return {
        "cxroi.as_of": results.as_of,
        "cxroi.currency": results.currency,
        "cxroi.results_schema_version": results.schema_version,
        "cxroi.version": results.cxroi_version,
        "cxroi.min_cell": str(min_cell),
    }


def _ordered(spec: cols.TableSpec, rows: list[Row]) -> list[Row]:
    """Rows sorted by the table's key (nulls first); a repeated key is a bug, not a choice."""

    def key(row: Row) -> tuple[tuple[bool, Any], ...]:
        return tuple((row[c] is not None, row[c]) for c in spec.order_by)

    ordered = sorted(rows, key=key)
    for before, after in zip(ordered, ordered[1:]):
        if key(before) == key(after):
            values = {c: after[c] for c in spec.order_by}
            raise ValueError(f"table {spec.name}: two rows with the key {values}")
    return ordered


def parquet_bytes(table: pa.Table) -> bytes:
    """The table as a Parquet file (Snappy, which every BI tool reads); same table, same bytes."""
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="snappy")
    return sink.getvalue()


def write_tables(results: Results, outputs: StagedOutputs, min_cell: int) -> dict[str, Path]:
    """Stage ``tables/<name>.parquet`` for every table; returns ``table:<name>`` -> final path."""
    written: dict[str, Path] = {}
    for name, table in build_tables(results, min_cell).items():
        written[f"table:{name}"] = outputs.write_bytes(relative_path(name), parquet_bytes(table))
    return written


def discard_tables(outputs: StagedOutputs) -> None:
    """Remove an earlier run's tables when this run's results.json replaces theirs."""
    for name in TABLE_NAMES:
        outputs.discard(relative_path(name))
