"""Find a dataset's tables (a folder of Parquet/CSV files, or a DuckDB file) and stage them raw.

Staging copies each table as it is into the engine with its file row number, so every later
message can point at a row, and so nothing is transformed before it is checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from cxroi.errors import Problem
from cxroi.io.contract import TABLES_BY_NAME

ROW = "_cxroi_row"
_FILE_SUFFIXES = (".parquet", ".csv")
_DB_SUFFIXES = (".duckdb", ".db", ".ddb")


@dataclass(frozen=True)
class RawTable:
    name: str
    source: str
    staged_as: str
    # column name as in the source -> engine type name (e.g. VARCHAR, TIMESTAMPTZ_NS)
    columns: dict[str, str]
    rows: int
    # what a user calls ``ROW`` in messages: a CSV's line number (header = line 1) or a row number
    row_label: str


def run(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Execute a statement to completion (DuckDB 2.0 refuses new work while a result is open)."""
    con.execute(sql).fetchall()


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Relation:
    """How the validator reads one table: ``sql`` is a DuckDB relation expression.

    ``kind``: ``parquet`` (one file), ``parts`` (a folder of Parquet files, ``part_rows`` rows
    each, in name order), ``csv``, or ``table`` (a database table, row order = rowid).
    """

    sql: str
    kind: str
    part_rows: tuple[tuple[str, int], ...] = ()


def find_tables(path: Path) -> tuple[dict[str, Relation], list[Problem]]:
    """Map contract table name -> how to read it."""
    problems: list[Problem] = []
    found: dict[str, Relation] = {}
    if not path.exists():
        return found, [Problem(str(path), "dataset_missing", "no such file or folder")]
    if path.is_file():
        if path.suffix.lower() not in _DB_SUFFIXES:
            msg = "expected a folder of <table>.parquet/.csv files or a DuckDB database file"
            return found, [Problem(str(path), "unsupported_source", msg)]
        return _find_in_database(path)
    by_table: dict[str, list[Path]] = {}
    for file in sorted(path.iterdir()):
        if file.is_file() and file.suffix.lower() in _FILE_SUFFIXES:
            by_table.setdefault(file.stem.lower(), []).append(file)
        elif file.is_dir() and file.name.lower() in TABLES_BY_NAME and _parquet_parts(file):
            by_table.setdefault(file.name.lower(), []).append(file)
    for table, files in by_table.items():
        if table not in TABLES_BY_NAME:
            continue  # other files (truths.json, notes) may live beside the data
        if len(files) > 1:
            names = ", ".join(f.name for f in files)
            problems.append(
                Problem(f"{path}/{table}", "ambiguous_table", f"more than one file: {names}")
            )
            continue
        file = files[0]
        if file.is_dir():
            found[table] = _parts_relation(_parquet_parts(file))
        elif file.suffix.lower() == ".parquet":
            found[table] = Relation(f"read_parquet({_literal(str(file))})", "parquet")
        else:
            # Everything as text: types are decided by the contract, not by a sniffer that
            # guesses from the first rows.
            found[table] = Relation(
                f"read_csv({_literal(str(file))}, all_varchar=true, header=true, delim=',', "
                "quote='\"', escape='\"', strict_mode=true)",
                "csv",
            )
    return found, problems


def _parquet_parts(folder: Path) -> list[Path]:
    """The Parquet files of a table written as a folder (Spark, Hive), in name order."""
    hidden = (".", "_")  # Spark's _SUCCESS and .crc files, Hive's _temporary
    parts = (p for p in folder.rglob("*.parquet") if p.is_file())
    return sorted(p for p in parts if not p.name.startswith(hidden))


def _parts_relation(parts: list[Path]) -> Relation:
    files = ", ".join(_literal(str(p)) for p in parts)
    counts = tuple((str(p), int(pq.read_metadata(p).num_rows)) for p in parts)
    sql = f"read_parquet([{files}], filename=true, file_row_number=true)"
    return Relation(sql, "parts", counts)


def _find_in_database(path: Path) -> tuple[dict[str, Relation], list[Problem]]:
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        message = f"cannot open DuckDB file: {_first_line(exc)}"
        return {}, [Problem(str(path), "unreadable", message)]
    try:
        rows = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
    finally:
        con.close()
    names = {str(r[0]).lower(): str(r[0]) for r in rows}
    found = {
        t: Relation(f"src.main.{_quote(names[t])}", "table") for t in TABLES_BY_NAME if t in names
    }
    return found, []


def attach_if_database(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    if path.is_file():
        run(con, f"ATTACH {_literal(str(path))} AS src (READ_ONLY)")


def stage(
    con: duckdb.DuckDBPyConnection, table: str, relation: Relation, source: str
) -> tuple[RawTable | None, list[Problem]]:
    """A view over the source with contract column names and the row number; CSV is read once.

    Parquet and DuckDB sources are not copied: the typing step reads them once. CSV text is
    parsed once into a table, because re-parsing it for every use would cost more than the copy.
    A folder of Parquet files numbers its rows across the files in name order.
    """
    staged = f"raw_{table}"
    sql = relation.sql
    csv_source = relation.kind == "csv"
    hidden: tuple[str, ...] = ()
    if relation.kind == "parquet":
        sql = sql[:-1] + ", file_row_number=true)"
        row_expr = "file_row_number + 1"
        hidden = ("file_row_number",)
    elif relation.kind == "parts":
        row_expr = f"{_part_offsets(relation.part_rows)} + file_row_number + 1"
        hidden = ("file_row_number", "filename")
    else:
        # rowid follows insertion order, which DuckDB preserves for a plain scan: the file's order
        # (a CSV's header is line 1, so its first data row is line 2).
        row_expr = f"rowid + {2 if csv_source else 1}"
    try:
        if csv_source:
            run(con, f"CREATE OR REPLACE TABLE {staged}_text AS SELECT * FROM {sql}")
            sql = f"{staged}_text"
        described = con.execute(f"DESCRIBE SELECT * FROM {sql}").fetchall()
    except duckdb.Error as exc:
        return None, [Problem(source, "unreadable", f"cannot read {table}: {_first_line(exc)}")]
    columns: dict[str, str] = {}
    problems: list[Problem] = []
    folded: dict[str, str] = {}
    selects = [f"{row_expr} AS {ROW}"]
    for row in described:
        original, type_name = str(row[0]), str(row[1])
        if original in hidden:
            continue
        name = original.strip().lstrip("\ufeff")
        key = name.lower()
        if key in folded:
            problems.append(
                Problem(f"{table}.{name}", "duplicate_column", f"column repeats {folded[key]!r}")
            )
            continue
        folded[key] = name
        # Contract names are matched without regard to case or stray spaces in headers.
        canonical = key if key in TABLES_BY_NAME[table].column_names else name
        columns[canonical] = type_name
        selects.append(f"{_quote(original)} AS {_quote(canonical)}")
    if problems:
        return None, problems
    run(con, f"CREATE OR REPLACE VIEW {staged} AS SELECT {', '.join(selects)} FROM {sql}")
    count_row = con.execute(f"SELECT count(*) FROM {sql}").fetchall()[0]
    rows = int(count_row[0]) if count_row else 0
    return RawTable(table, source, staged, columns, rows, "line" if csv_source else "row"), []


def _part_offsets(part_rows: tuple[tuple[str, int], ...]) -> str:
    """Rows before each file, as SQL on DuckDB's ``filename`` column."""
    branches, before = [], 0
    for name, rows in part_rows:
        branches.append(f"WHEN {_literal(name)} THEN {before}")
        before += rows
    return f"(CASE filename {' '.join(branches)} END)"


def drop_staged(con: duckdb.DuckDBPyConnection, raw: RawTable) -> None:
    """Free a staged source once its accepted and quarantined rows are materialised."""
    run(con, f"DROP VIEW IF EXISTS {raw.staged_as}")
    run(con, f"DROP TABLE IF EXISTS {raw.staged_as}_text")


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
