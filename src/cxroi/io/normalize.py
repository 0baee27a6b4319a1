"""Turn a staged raw table into the contract's types, remembering which values failed to parse.

Decisions that are the contract's, made once here:
- ids are text (an integer id in one file joins a string id in another; ``42.0`` becomes ``42``);
- enum-like text is trimmed and lower-cased; ``''``, ``NA``, ``N/A``, ``NaN``, ``null`` are missing;
- instants: zone-aware values (Parquet with a zone, CSV with ``Z`` or an offset) are kept as they
  are; values without a zone are read in the dataset's configured zone;
- a float NaN is missing (that is how pandas writes a missing number).
Every contract column exists afterwards (all-null when absent), so later code never branches on it;
``present`` records which columns the source really had.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from cxroi.errors import Problem
from cxroi.io.contract import ColumnSpec, ColumnType, TableSpec
from cxroi.io.sources import ROW, RawTable, _literal, _quote, run

BAD_PREFIX = "_cxroi_bad_"
_MISSING_TOKENS = "('', 'na', 'n/a', 'nan', 'null')"
_LONGEST_TOKEN = 4
_TRUE = "('true', 't', '1', 'yes', 'y')"
_FALSE = "('false', 'f', '0', 'no', 'n')"
_ZONED_TEXT = r"'\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([Zz]|[+-]\d{2}(:?\d{2})?)$'"
_SQL_TYPES = {
    ColumnType.STRING: "VARCHAR",
    ColumnType.TIMESTAMP: "TIMESTAMPTZ",
    ColumnType.NUMBER: "DOUBLE",
    ColumnType.BOOL: "BOOLEAN",
}


@dataclass(frozen=True)
class TypedTable:
    name: str
    staged_as: str
    present: tuple[str, ...]
    extras: tuple[str, ...]
    row_label: str


def _family(type_name: str) -> str:
    t = type_name.upper().strip('"')
    if t == "NULL":
        return "null"  # an all-empty column (pandas writes an all-None object column this way)
    if t.startswith("TIMESTAMP WITH TIME ZONE") or t.startswith("TIMESTAMPTZ"):
        return "zoned"
    if t.startswith("TIMESTAMP") or t == "DATE":
        return "naive"
    if t in {"FLOAT", "DOUBLE", "REAL"}:
        return "float"
    if t.startswith("DECIMAL") or t in {
        "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
        "UINTEGER", "UBIGINT", "UHUGEINT",
    }:
        return "integer" if not t.startswith("DECIMAL") else "decimal"
    if t == "BOOLEAN":
        return "bool"
    if t == "VARCHAR":
        return "text"
    return "other"


def _clean(col: str, family: str) -> str:
    """The raw value with every spelling of "missing" turned into NULL."""
    q = _quote(col)
    if family == "text":
        # Every token is at most 4 characters: the length test spares the lookup for ids and
        # other long values (DuckDB turns the IN list into a join).
        return (
            f"(CASE WHEN length(trim({q})) <= {_LONGEST_TOKEN} AND lower(trim({q})) IN "
            f"{_MISSING_TOKENS} THEN NULL ELSE trim({q}) END)"
        )
    if family == "float":
        return f"(CASE WHEN isnan({q}) THEN NULL ELSE {q} END)"
    if family == "null":
        return "NULL"
    return q


def _typed(spec: ColumnSpec, clean: str, family: str, zone: str) -> str | None:
    """SQL giving the contract type from a cleaned value, or None if the type cannot convert."""
    z = _literal(zone)
    if family == "null":
        return f"CAST(NULL AS {_SQL_TYPES[spec.type]})"
    if spec.type is ColumnType.STRING:
        if family == "float":
            # 42.0 (pandas' float ids once a NaN appears) is the id 42
            text = (
                f"(CASE WHEN {clean} = trunc({clean}) AND abs({clean}) < 1e15 "
                f"THEN CAST(CAST({clean} AS BIGINT) AS VARCHAR) ELSE CAST({clean} AS VARCHAR) END)"
            )
        elif family in {"text", "integer", "decimal", "bool"}:
            text = f"CAST({clean} AS VARCHAR)"
        else:
            return None
        if spec.allowed is not None:
            return f"lower({text})"
        return text
    if spec.type is ColumnType.NUMBER:
        if family in {"float", "integer", "decimal"}:
            return f"CAST({clean} AS DOUBLE)"
        if family == "bool":
            return f"CAST(CAST({clean} AS INTEGER) AS DOUBLE)"
        if family == "text":
            return f"(CASE WHEN isnan(TRY_CAST({clean} AS DOUBLE)) THEN NULL ELSE TRY_CAST({clean} AS DOUBLE) END)"
        return None
    if spec.type is ColumnType.BOOL:
        if family == "bool":
            return clean
        if family in {"integer", "float", "decimal"}:
            return f"(CASE WHEN {clean} = 1 THEN true WHEN {clean} = 0 THEN false END)"
        if family == "text":
            return (
                f"(CASE WHEN lower({clean}) IN {_TRUE} THEN true "
                f"WHEN lower({clean}) IN {_FALSE} THEN false END)"
            )
        return None
    if family == "zoned":
        return f"CAST({clean} AS TIMESTAMPTZ)"
    if family == "naive":
        return f"timezone({z}, CAST({clean} AS TIMESTAMP))"
    if family == "text":
        return (
            f"(CASE WHEN regexp_matches({clean}, {_ZONED_TEXT}) "
            f"THEN TRY_CAST({clean} AS TIMESTAMPTZ) "
            f"ELSE timezone({z}, TRY_CAST({clean} AS TIMESTAMP)) END)"
        )
    return None


def _expected(spec: ColumnSpec) -> str:
    return {
        ColumnType.STRING: "text",
        ColumnType.TIMESTAMP: "a timestamp (ISO-8601 text or a timestamp type)",
        ColumnType.NUMBER: "a number",
        ColumnType.BOOL: "true/false",
    }[spec.type]


def _can_fail(spec: ColumnSpec, family: str) -> bool:
    """Whether converting a present value can yield NULL (a parse failure worth flagging)."""
    if family == "text":
        return spec.type is not ColumnType.STRING
    return spec.type is ColumnType.BOOL and family in {"integer", "float", "decimal"}


def normalize(
    con: duckdb.DuckDBPyConnection, raw: RawTable, spec: TableSpec, zone: str
) -> tuple[TypedTable | None, list[Problem]]:
    problems: list[Problem] = []
    # Two levels: each raw value is cleaned once (inner), then typed and checked (outer);
    # DuckDB evaluates a repeated expression every time it appears.
    inner = [ROW]
    outer = [ROW]
    present: list[str] = []
    for col in spec.columns:
        if col.name not in raw.columns:
            if col.required:
                problems.append(
                    Problem(
                        f"{spec.name}.{col.name}",
                        "missing_required_column",
                        f"required column is missing ({raw.source})",
                    )
                )
            outer.append(f"CAST(NULL AS {_SQL_TYPES[col.type]}) AS {_quote(col.name)}")
            continue
        present.append(col.name)
        family = _family(raw.columns[col.name])
        cleaned = _quote(f"_c_{col.name}")
        typed = _typed(col, cleaned, family, zone)
        if typed is None:
            problems.append(
                Problem(
                    f"{spec.name}.{col.name}",
                    "wrong_column_type",
                    f"has type {raw.columns[col.name]}, expected {_expected(col)}",
                )
            )
            continue
        inner.append(f"{_clean(col.name, family)} AS {cleaned}")
        outer.append(f"{typed} AS {_quote(col.name)}")
        if _can_fail(col, family):
            flag = _quote(f"{BAD_PREFIX}{col.name}")
            outer.append(f"({cleaned} IS NOT NULL AND ({typed}) IS NULL) AS {flag}")
    extras = [c for c in raw.columns if c not in spec.column_names and c != ROW]
    for extra in extras:
        family = _family(raw.columns[extra])
        # ibis does not know DuckDB 2.0's nanosecond types; microseconds lose nothing we use.
        if family == "zoned":
            inner.append(f"CAST({_quote(extra)} AS TIMESTAMPTZ) AS {_quote(extra)}")
        elif family == "naive" and raw.columns[extra].upper() != "DATE":
            inner.append(f"CAST({_quote(extra)} AS TIMESTAMP) AS {_quote(extra)}")
        else:
            inner.append(_quote(extra))
        outer.append(_quote(extra))
    if problems:
        return None, problems
    typed_name = f"typed_{spec.name}"
    # A view: validation materialises it once (``typed_rows_<table>``) and checks that.
    run(
        con,
        f"CREATE OR REPLACE VIEW {typed_name} AS SELECT {', '.join(outer)} FROM "
        f"(SELECT {', '.join(inner)} FROM {raw.staged_as})",
    )
    return TypedTable(spec.name, typed_name, tuple(present), tuple(extras), raw.row_label), []


def unparseable_columns(
    con: duckdb.DuckDBPyConnection, table: str, spec: TableSpec, rows: int
) -> list[Problem]:
    """A required column where no value parses is a wrong file, not a few bad rows.

    Runs on the materialised, flagged table so the source is not parsed a second time.
    """
    have = {str(r[0]) for r in con.execute(f"DESCRIBE {table}").fetchall()}
    flags = [
        f"{BAD_PREFIX}{c.name}" for c in spec.columns if c.required and f"{BAD_PREFIX}{c.name}" in have
    ]
    if not flags or rows == 0:
        return []
    parts = ", ".join(
        f"count(*) FILTER (WHERE {_quote(f)}), count({_quote(f[len(BAD_PREFIX):])})" for f in flags
    )
    row = con.execute(f"SELECT {parts} FROM {table}").fetchall()[0]
    problems = []
    for i, flag in enumerate(flags):
        failed, parsed = int(row[2 * i]), int(row[2 * i + 1])
        if failed > 0 and parsed == 0:
            col = spec.column(flag[len(BAD_PREFIX):])
            problems.append(
                Problem(
                    f"{spec.name}.{col.name}",
                    "column_unparseable",
                    f"no value parses as {_expected(col)} ({failed} values tried)",
                )
            )
    return problems
