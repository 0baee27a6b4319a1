"""Load a canonical dataset into an engine, validated, and hand out clean Ibis tables.

Loading is the one engine-specific step (DuckDB reads the files); everything downstream works on
the Ibis tables in :class:`Dataset`, so another backend only needs another loader.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import ibis
import ibis.expr.types as ir
from ibis.backends.duckdb import Backend as DuckDBBackend

from cxroi.errors import ContractError, Problem
from cxroi.io.atomic import StagedOutputs, all_or_nothing, os_error_from_engine
from cxroi.io.contract import TABLES
from cxroi.io.faults import nothing_accepted
from cxroi.io.normalize import TypedTable, normalize, unparseable_columns
from cxroi.io.sources import (
    ROW,
    RawTable,
    attach_if_database,
    drop_staged,
    find_tables,
    run,
    stage,
)
if TYPE_CHECKING:  # config imports the analyses' settings, which import this module
    from cxroi.config import Config
from cxroi.io.validate import RULES_COLUMN, RuleCount, Severity, apply_rules, table_rules


@dataclass(frozen=True)
class ValidationReport:
    source: str
    rows: dict[str, int]
    accepted: dict[str, int]
    quarantined: dict[str, int]
    counts: tuple[RuleCount, ...]
    excluded_after_as_of: int = 0

    @property
    def errors(self) -> tuple[RuleCount, ...]:
        return tuple(c for c in self.counts if c.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[RuleCount, ...]:
        return tuple(c for c in self.counts if c.severity is Severity.WARNING)


@dataclass
class Dataset:
    """Clean, typed tables of one dataset plus what validation found."""

    backend: DuckDBBackend
    tables: dict[str, ir.Table]
    present_columns: dict[str, tuple[str, ...]]
    extra_columns: dict[str, tuple[str, ...]]
    report: ValidationReport
    as_of: datetime
    config: Config
    row_labels: dict[str, str] = field(default_factory=dict)
    quarantined_tables: tuple[str, ...] = ()

    def table(self, name: str) -> ir.Table | None:
        return self.tables.get(name)

    def has(self, table: str, column: str | None = None) -> bool:
        if table not in self.tables:
            return False
        return column is None or column in self.present_columns.get(table, ())

    def write_quarantine(self, out: Path | StagedOutputs) -> dict[str, Path]:
        """One CSV per table with quarantined rows: the raw values, row number and rules broken.

        Written as one set, all files or none (:mod:`cxroi.io.atomic`): into the folder ``out``,
        or into a larger set being staged. A quarantine file left by an earlier run for a table
        that now sets no row aside is removed in the same commit, so the folder never disagrees
        with the counts.
        """
        if isinstance(out, Path):
            with all_or_nothing(out) as outputs:
                return self.write_quarantine(outputs)
        written: dict[str, Path] = {}
        for spec in TABLES:
            relative = Path("quarantine") / f"{spec.name}.csv"
            if self.report.quarantined.get(spec.name, 0) == 0:
                out.discard(relative)
                continue
            path = out.path(relative)
            label = self.row_labels.get(spec.name, "row")
            target = "'" + str(path).replace("'", "''") + "'"
            try:
                run(
                    self.backend.con,
                    f"COPY (SELECT * RENAME ({ROW} AS {label}, {RULES_COLUMN} AS rules) "
                    f"FROM quarantine_{spec.name} ORDER BY {ROW}) "
                    f"TO {target} (HEADER, DELIMITER ',')",
                )
            except duckdb.Error as exc:
                raise os_error_from_engine(str(exc), path) from exc
            written[spec.name] = out.final(path)
        return written


Progress = Callable[[str], None]


def load_dataset(
    path: str | Path, config: Config | None = None, progress: Progress | None = None
) -> Dataset:
    """Read, type and validate a dataset; raise :class:`ContractError` on structural faults.

    Row-level faults quarantine rows (lenient, the default) or raise (``config.strict``).
    """
    from cxroi.config import Config

    config = config or Config()
    path = Path(path)
    say = progress or (lambda _msg: None)
    relations, problems = find_tables(path)
    if not path.exists() or (path.is_file() and problems):
        raise ContractError(problems)
    for spec in TABLES:
        if spec.required and spec.name not in relations and not any(
            p.where.endswith(f"/{spec.name}") for p in problems
        ):
            problems.append(
                Problem(f"{path}", "missing_required_table", f"required table {spec.name} not found")
            )
    # Structural faults are collected across every table before stopping, so one run lists them all.

    workdir = tempfile.mkdtemp(prefix="cxroi-")
    backend = ibis.duckdb.connect(temp_directory=workdir)
    con = backend.con
    # Instants are compared as instants; the zone only shapes calendar buckets (months, weeks).
    run(con, f"SET TimeZone = '{config.timezone}'")
    attach_if_database(con, path)

    typed: dict[str, TypedTable] = {}
    staged: dict[str, RawTable] = {}
    rows: dict[str, int] = {}
    for spec in TABLES:
        if spec.name not in relations:
            continue
        say(f"reading {spec.name}")
        raw, found = stage(con, spec.name, relations[spec.name], _source_label(path, spec.name))
        problems.extend(found)
        if raw is None:
            continue
        staged[spec.name] = raw
        rows[spec.name] = raw.rows
        table, found = normalize(con, raw, spec, config.timezone)
        problems.extend(found)
        if table is not None:
            typed[spec.name] = table
    # No stop here: validating what did load finds the remaining structural faults (a column
    # where nothing parses), so one run reports them all.

    say("validating")
    clean: dict[str, ir.Table] = {}
    counts: list[RuleCount] = []
    quarantined: dict[str, int] = {}
    for spec in TABLES:
        if spec.name not in typed:
            continue
        say(f"validating {spec.name}")
        info = typed[spec.name]
        t = backend.table(info.staged_as)
        outcome = apply_rules(backend, info, t, table_rules(spec, t, clean))
        problems.extend(unparseable_columns(con, f"flagged_{spec.name}", spec, rows[spec.name]))
        flagged = f"flagged_{spec.name}"
        if outcome.quarantined == 0:
            # Every row is accepted: a view over the flagged rows avoids copying the table.
            clean_sql = backend.compile(outcome.clean)
            run(con, f"CREATE OR REPLACE VIEW clean_{spec.name} AS {clean_sql}")
            run(con, f"CREATE OR REPLACE TABLE quarantine_{spec.name} AS "
                     f"SELECT *, NULL::VARCHAR AS {RULES_COLUMN} FROM raw_{spec.name} LIMIT 0")
        else:
            backend.create_table(f"clean_{spec.name}", outcome.clean, overwrite=True)
            backend.create_table(f"quarantine_rows_{spec.name}", outcome.quarantine, overwrite=True)
            # Raw values as the user wrote them, for the quarantine file.
            run(
                con,
                f"CREATE OR REPLACE TABLE quarantine_{spec.name} AS SELECT r.*, q.{RULES_COLUMN} "
                f"FROM raw_{spec.name} r JOIN quarantine_rows_{spec.name} q USING ({ROW})",
            )
            run(con, f"DROP TABLE IF EXISTS quarantine_rows_{spec.name}")
            run(con, f"DROP TABLE IF EXISTS {flagged}")
        clean[spec.name] = backend.table(f"clean_{spec.name}")
        run(con, f"DROP VIEW IF EXISTS {info.staged_as}")
        drop_staged(con, staged[spec.name])
        counts.extend(outcome.counts)
        quarantined[spec.name] = outcome.quarantined

    if problems:
        raise ContractError(problems)
    errors = [c for c in counts if c.severity is Severity.ERROR]
    if config.strict and errors:
        raise ContractError(
            [Problem(f"{c.table}.{c.column}", c.rule, c.describe()) for c in errors]
        )
    accepted = {name: rows[name] - quarantined.get(name, 0) for name in rows}
    required = [spec.name for spec in TABLES if spec.required]
    problems = nothing_accepted(required, rows, accepted, counts)
    if problems:
        raise ContractError(problems)

    contacts = clean["contacts"]
    as_of, excluded = _as_of(contacts, config)
    if excluded:
        clean["contacts"] = contacts.filter(contacts.started_at <= as_of)
    report = ValidationReport(
        source=str(path),
        rows=rows,
        accepted=accepted,
        quarantined=quarantined,
        counts=tuple(counts),
        excluded_after_as_of=excluded,
    )
    return Dataset(
        backend=backend,
        tables=clean,
        present_columns={n: t.present for n, t in typed.items()},
        extra_columns={n: t.extras for n, t in typed.items()},
        report=report,
        as_of=as_of,
        config=config,
        row_labels={n: t.row_label for n, t in typed.items()},
        quarantined_tables=tuple(quarantined),
    )


def _source_label(path: Path, table: str) -> str:
    if path.is_file():
        return f"{path}:{table}"
    for suffix in (".parquet", ".csv"):
        if (path / f"{table}{suffix}").exists():
            return str(path / f"{table}{suffix}")
    return str(path / table)


def _as_of(contacts: ir.Table, config: Config) -> tuple[datetime, int]:
    if config.as_of is None:
        latest = contacts.started_at.max().execute()
        if latest is None or str(latest) == "NaT":
            raise ContractError(
                [Problem("contacts.started_at", "no_valid_rows", "no contact passed validation")]
            )
        return _to_utc(latest), 0
    as_of = config.as_of
    after = contacts.filter(contacts.started_at > as_of).count().execute()
    return as_of.astimezone(timezone.utc), int(after)


def _to_utc(value: object) -> datetime:
    stamp = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
    assert isinstance(stamp, datetime)
    return stamp.astimezone(timezone.utc)


__all__ = ["Dataset", "ValidationReport", "load_dataset", "RULES_COLUMN"]
