"""Datasets that live in a database: a warehouse URL Ibis can open, or Spark catalog tables.

The contract's tables are read through Ibis and streamed as Arrow batches into the validator
(DuckDB), which then types and checks them exactly as it does files. Rows are read in a fixed
order (the table's key, then every other column), so a quarantine file's "row 12" is the same on
every run even though a database promises no order of its own.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
from ibis.backends import BaseBackend
from ibis.backends.duckdb import Backend as DuckDBBackend

from cxroi.errors import ContractError, Problem
from cxroi.io.contract import TABLES_BY_NAME
from cxroi.io.sources import run

CATALOG_PREFIX = "catalog:"
_BATCH_ROWS = 1 << 20


def is_url(source: str) -> bool:
    return "://" in source


def duckdb_file(url: str) -> Path | None:
    """``duckdb:///data/cx.duckdb`` -> the file, which the loader reads like a local path."""
    parsed = urlparse(url)
    if parsed.scheme != "duckdb":
        return None
    return Path(parsed.netloc + parsed.path) if parsed.netloc else Path(parsed.path)


def redact(url: str) -> str:
    """The URL without its password, for messages and results."""
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@")
    return parsed._replace(netloc=netloc).geturl()


def open_warehouse(url: str) -> BaseBackend:
    try:
        return ibis.connect(url)
    except Exception as exc:  # a driver missing, a refused connection, bad credentials
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ContractError(
            [Problem(redact(url), "unreadable", f"cannot connect: {type(exc).__name__}: {text}")]
        ) from exc


def import_tables(
    validator: DuckDBBackend, backend: BaseBackend, database: str | None, label: str
) -> dict[str, str]:
    """Copy each contract table found in ``backend`` into the validator as ``src_<table>``.

    Returns contract table name -> the relation the loader stages. Table names are matched
    without regard to case, as column names are.
    """
    try:
        names = backend.list_tables(database=database) if database else backend.list_tables()
    except Exception as exc:
        raise ContractError(
            [Problem(label, "unreadable", f"cannot list tables: {type(exc).__name__}: {exc}")]
        ) from exc
    by_lower = {n.lower(): n for n in sorted(names)}
    found: dict[str, str] = {}
    for table in TABLES_BY_NAME:
        if table not in by_lower:
            continue
        source = (
            backend.table(by_lower[table], database=database)
            if database
            else backend.table(by_lower[table])
        )
        reader = _in_fixed_order(source, table).to_pyarrow_batches(chunk_size=_BATCH_ROWS)
        view = f"_cxroi_import_{table}"
        validator.con.register(view, reader)
        try:
            run(validator.con, f"CREATE OR REPLACE TABLE src_{table} AS SELECT * FROM {view}")
        finally:
            validator.con.unregister(view)
        found[table] = f"src_{table}"
    return found


def _in_fixed_order(t: ir.Table, table: str) -> ir.Table:
    key = TABLES_BY_NAME[table].key
    columns = [c for c, dtype in t.schema().items() if _orderable(dtype)]
    by_lower = {c.lower(): c for c in columns}
    first = [by_lower[key]] if key is not None and key in by_lower else []
    rest = [c for c in sorted(columns) if c not in first]
    return t.order_by([*first, *rest]) if first or rest else t


def _orderable(dtype: dt.DataType) -> bool:
    return bool(
        dtype.is_primitive() or dtype.is_temporal() or dtype.is_string() or dtype.is_decimal()
    )


__all__ = [
    "CATALOG_PREFIX",
    "duckdb_file",
    "import_tables",
    "is_url",
    "open_warehouse",
    "redact",
]
