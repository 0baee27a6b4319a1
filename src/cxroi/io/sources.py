"""Find a dataset's tables (a folder of Parquet/CSV files, or a DuckDB file) and stage them raw.

Staging copies each table as it is into the engine with its file row number, so every later
message can point at a row, and so nothing is transformed before it is checked. A CSV file's
header, delimiter, line numbers and parse errors are settled by :mod:`cxroi.io.csv_files`; a
file's faults are said in the user's terms by :mod:`cxroi.io.faults`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cxroi.errors import Problem
from cxroi.io import csv_files
from cxroi.io.contract import TABLES_BY_NAME
from cxroi.io.faults import empty_table, parquet_columns, unreadable

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
    # what a user calls ``ROW`` in messages: ``line`` (a CSV's line where the record starts,
    # header = line 1), ``record`` (a CSV whose lines could not be established) or ``row``
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
        return {}, [Problem(str(path), "unreadable", f"cannot open DuckDB file: {_first_line(exc)}")]
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
    ``source`` is the file's path for a folder dataset (CSV files are read again by path for their
    header and line numbers). A folder of Parquet files numbers its rows across the files in name
    order.
    """
    sql = relation.sql
    hidden: tuple[str, ...] = ()
    if relation.kind == "csv" and Path(source).is_file():
        return _stage_csv(con, table, Path(source))
    if relation.kind == "csv":
        # Not a local file (no header to read first): DuckDB's reader as given, parsed once.
        try:
            run(con, f"CREATE OR REPLACE TABLE raw_{table}_text AS SELECT * FROM {sql}")
        except duckdb.Error as exc:
            return None, [unreadable(Path(source), table, str(exc))]
        sql, row_expr = f"raw_{table}_text", "rowid + 2"
    elif relation.kind == "parquet":
        problems = parquet_columns(Path(source), table) if Path(source).is_file() else []
        if problems:
            return None, problems
        sql = sql[:-1] + ", file_row_number=true)"
        row_expr, hidden = "file_row_number + 1", ("file_row_number",)
    elif relation.kind == "parts":
        row_expr = f"{_part_offsets(relation.part_rows)} + file_row_number + 1"
        hidden = ("file_row_number", "filename")
    else:
        row_expr = "rowid + 1"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {sql}").fetchall()
    except duckdb.Error as exc:
        return None, [unreadable(Path(source), table, str(exc))]
    types = {str(r[0]): str(r[1]) for r in described if str(r[0]) not in hidden}
    label = "line" if row_expr == "rowid + 2" else "row"
    return _stage_view(con, table, source, sql, list(types), types, row_expr, label)


def _part_offsets(part_rows: tuple[tuple[str, int], ...]) -> str:
    """Rows before each file, as SQL on DuckDB's ``filename`` column."""
    branches, before = [], 0
    for name, rows in part_rows:
        branches.append(f"WHEN {_literal(name)} THEN {before}")
        before += rows
    return f"(CASE filename {' '.join(branches)} END)"


def _stage_csv(
    con: duckdb.DuckDBPyConnection, table: str, path: Path
) -> tuple[RawTable | None, list[Problem]]:
    """Parse a CSV once into a text table; its row number is the line where each record starts."""
    header, problems = csv_files.read_header(path, table, TABLES_BY_NAME[table].column_names)
    if header is None:
        return None, problems
    text = f"raw_{table}_text"
    try:
        reader = csv_files.relation(path, header)
        run(con, f"CREATE OR REPLACE TABLE {text} AS SELECT * FROM {reader}")
    except duckdb.Error as exc:
        return None, [csv_files.diagnose(path, header, str(exc))]
    count_row = con.execute(f"SELECT count(*) FROM {text}").fetchall()[0]
    records = int(count_row[0])
    lines = csv_files.content_lines(path)
    if lines == header.lines + records:
        relation, row_expr, label = text, f"rowid + {header.lines + 1}", "line"
    else:
        relation, row_expr, label = _line_numbers(con, table, path, header, records, lines)
    types = {name: "VARCHAR" for name in header.names}
    return _stage_view(con, table, str(path), relation, list(header.names), types, row_expr, label)


def _line_numbers(
    con: duckdb.DuckDBPyConnection,
    table: str,
    path: Path,
    header: csv_files.CsvHeader,
    records: int,
    lines: int,
) -> tuple[str, str, str]:
    """Relation, row expression and label when some record spans several lines or a blank line.

    If every extra line is a break inside a quoted value, the engine places each record: the few
    records holding breaks get a running total of them, and every record takes the total of the
    last such record before it (an as-of join). Otherwise blank lines are involved, which the
    engine skipped without a trace, and the file is read again in Python.
    """
    text, numbered, multiline = f"raw_{table}_text", f"raw_{table}_lines", f"raw_{table}_multiline"
    has_break = " OR ".join(
        f"contains({_quote(n)}, chr(10)) OR contains({_quote(n)}, chr(13))" for n in header.names
    )
    breaks = " + ".join(_breaks_in(name) for name in header.names)
    run(
        con,
        f"CREATE OR REPLACE TABLE {multiline} AS SELECT rowid AS record, "
        f"sum({breaks}) OVER (ORDER BY rowid) AS through FROM {text} WHERE {has_break}",
    )
    inside_row = con.execute(f"SELECT coalesce(max(through), 0) FROM {multiline}").fetchall()[0]
    if lines == header.lines + records + int(inside_row[0]):
        run(
            con,
            f"CREATE OR REPLACE TABLE {numbered} AS SELECT {header.lines + 1} + t.record + "
            f"coalesce(m.through, 0) AS _cxroi_line FROM (SELECT rowid AS record FROM {text}) t "
            f"ASOF LEFT JOIN {multiline} m ON t.record > m.record ORDER BY t.record",
        )
    else:
        starts = csv_files.scan_record_starts(path, records)
        if starts is None:
            run(con, f"DROP TABLE {multiline}")
            return text, "rowid + 1", "record"
        con.register("_cxroi_lines_arrow", pa.table({"_cxroi_line": np.frombuffer(starts, np.int64)}))
        run(con, f"CREATE OR REPLACE TABLE {numbered} AS SELECT * FROM _cxroi_lines_arrow")
        con.unregister("_cxroi_lines_arrow")
    run(con, f"DROP TABLE {multiline}")
    # Both tables are in file order; a positional join pairs each record with its line.
    return f"(SELECT * FROM {text} POSITIONAL JOIN {numbered}) AS lined", "_cxroi_line", "line"


def _breaks_in(column: str) -> str:
    """Line breaks inside one text value (CR LF, LF or a lone CR each count once)."""
    one = f"replace(replace({_quote(column)}, chr(13) || chr(10), chr(10)), chr(13), chr(10))"
    return f"coalesce(length({one}) - length(replace({one}, chr(10), '')), 0)"


def _stage_view(
    con: duckdb.DuckDBPyConnection,
    table: str,
    source: str,
    relation: str,
    names: list[str],
    types: dict[str, str],
    row_expr: str,
    row_label: str,
) -> tuple[RawTable | None, list[Problem]]:
    """The staged view: contract names (case and stray spaces ignored) and the row number."""
    problems = csv_files.repeated_columns(table, source, names)
    if problems:
        return None, problems
    spec = TABLES_BY_NAME[table]
    columns: dict[str, str] = {}
    selects = [f"{row_expr} AS {ROW}"]
    for original in names:
        name = original.strip().lstrip("\ufeff")
        key = name.lower()
        # Contract names are matched without regard to case or stray spaces in headers.
        canonical = key if key in spec.column_names else name
        columns[canonical] = types[original]
        selects.append(f"{_quote(original)} AS {_quote(canonical)}")
    staged = f"raw_{table}"
    run(con, f"CREATE OR REPLACE VIEW {staged} AS SELECT {', '.join(selects)} FROM {relation}")
    count_row = con.execute(f"SELECT count(*) FROM {staged}").fetchall()[0]
    rows = int(count_row[0]) if count_row else 0
    raw = RawTable(table, source, staged, columns, rows, row_label)
    if rows == 0 and spec.required:
        return raw, [empty_table(table, source)]
    return raw, []


def drop_staged(con: duckdb.DuckDBPyConnection, raw: RawTable) -> None:
    """Free a staged source once its accepted and quarantined rows are materialised."""
    run(con, f"DROP VIEW IF EXISTS {raw.staged_as}")
    run(con, f"DROP TABLE IF EXISTS {raw.staged_as}_text")
    run(con, f"DROP TABLE IF EXISTS {raw.staged_as}_lines")


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
