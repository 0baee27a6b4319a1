"""Load a canonical dataset, validated, and hand out clean Ibis tables on the chosen engine.

Reading, typing and validating is the one engine-specific step and always runs in DuckDB (the
*validator*, see ``cxroi.io.engines``); everything downstream works on the Ibis tables in
:class:`Dataset`, on DuckDB or on Spark. A dataset is found at a path (a folder of Parquet/CSV
files or Parquet folders, or a DuckDB file), at a database URL Ibis can open (``postgres://…``,
``duckdb://…``), or as ``catalog:DATABASE`` on a Spark engine (that database's tables).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Protocol

import duckdb
import ibis.expr.types as ir
from ibis.backends import BaseBackend
from ibis.backends.duckdb import Backend as DuckDBBackend

from cxroi.errors import ContractError, Problem
from cxroi.io.atomic import StagedOutputs, all_or_nothing, os_error_from_engine
from cxroi.io.contract import TABLES
from cxroi.io.engine_settings import EngineSettings
from cxroi.io.engines import Engine, adopt_table, check_zone, engine_step
from cxroi.io.engines import open_duckdb, open_engine
from cxroi.io.faults import nothing_accepted
from cxroi.io.side_connection import rebind
from cxroi.io.normalize import TypedTable, normalize, unparseable_columns
from cxroi.io.sources import (
    ROW,
    RawTable,
    Relation,
    attach_if_database,
    drop_staged,
    find_tables,
    run,
    stage,
)
from cxroi.io.validate import RULES_COLUMN, RuleCount, Severity, apply_rules, table_rules
from cxroi.io.warehouse import (
    CATALOG_PREFIX,
    duckdb_file,
    import_tables,
    is_url,
    open_warehouse,
    redact,
)

@dataclass(frozen=True)
class LoadOptions:
    """What loading needs to know: the zone of naive timestamps, the end of the data, strictness
    and the engine. ``as_of`` None = the latest contact."""

    timezone: str = "UTC"
    as_of: datetime | None = None
    strict: bool = False
    engine: EngineSettings = field(default_factory=EngineSettings)



class HasLoadOptions(Protocol):
    """A whole configuration (``cxroi.Config``), of which loading reads only its part."""

    @property
    def load_options(self) -> LoadOptions: ...


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


@dataclass(frozen=True)
class Dataset:
    """Clean, typed tables of one dataset on its engine, plus what validation found.

    ``validator`` is the DuckDB engine that read the data (the engine itself on DuckDB); it keeps
    the quarantined rows. Analysis settings are not part of a dataset: each analysis receives
    its own.
    """

    engine: Engine
    validator: Engine
    tables: Mapping[str, ir.Table]
    present_columns: Mapping[str, tuple[str, ...]]
    extra_columns: Mapping[str, tuple[str, ...]]
    report: ValidationReport
    as_of: datetime
    timezone: str
    row_labels: Mapping[str, str] = field(default_factory=dict)
    quarantined_tables: tuple[str, ...] = ()

    @property
    def backend(self) -> BaseBackend:
        """The Ibis backend the analyses run on."""
        return self.engine.backend

    def table(self, name: str) -> ir.Table | None:
        return self.tables.get(name)

    def on(self, engine: Engine) -> Dataset:
        """The same tables read through ``engine``, another connection to this dataset's
        database (:func:`cxroi.io.side_connection.side_connection`)."""
        tables = {name: rebind(t, engine.backend) for name, t in self.tables.items()}
        return replace(self, engine=engine, tables=MappingProxyType(tables))

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
        validator = self.validator.backend
        assert isinstance(validator, DuckDBBackend)
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
                    validator.con,
                    f"COPY (SELECT * RENAME ({ROW} AS {label}, {RULES_COLUMN} AS rules) "
                    f"FROM quarantine_{spec.name} ORDER BY {ROW}) "
                    f"TO {target} (HEADER, DELIMITER ',')",
                )
            except duckdb.Error as exc:
                raise os_error_from_engine(str(exc), path) from exc
            written[spec.name] = out.final(path)
        return written


Progress = Callable[[str], None]


@dataclass(frozen=True)
class _Validated:
    clean: dict[str, str]  # table -> the validator's view or table of accepted rows
    typed: dict[str, TypedTable]
    rows: dict[str, int]
    quarantined: dict[str, int]
    counts: tuple[RuleCount, ...]


def load_dataset(
    source: str | Path,
    options: LoadOptions | HasLoadOptions | None = None,
    progress: Progress | None = None,
    *,
    engine: Engine | None = None,
) -> Dataset:
    """Read, type and validate a dataset; raise :class:`ContractError` on structural faults.

    Row-level faults quarantine rows (lenient, the default) or raise (``options.strict``).
    ``engine`` = an engine already open (an existing Spark session); otherwise one is opened
    from ``options.engine``. A DuckDB engine holds one dataset (its tables have fixed names); a
    Spark engine can hold several. ``options`` may also be a ``Config`` (its ``load_options``).
    """
    opts = (
        LoadOptions()
        if options is None
        else options if isinstance(options, LoadOptions) else options.load_options
    )
    say = progress or (lambda _msg: None)
    engine = engine or open_engine(opts.engine)
    check_zone(engine, opts.timezone)
    checker = engine if isinstance(engine.backend, DuckDBBackend) else open_duckdb(opts.engine)
    validator = checker.backend
    assert isinstance(validator, DuckDBBackend)
    # Instants are compared as instants; the zone only shapes calendar buckets (months, weeks).
    run(validator.con, f"SET TimeZone = '{opts.timezone}'")
    with engine_step(checker, "loading and validation"):
        label, relations, problems = _locate(source, engine, validator, say)
        done = _validate(validator, relations, problems, label, opts, say)
    clean = {name: adopt_table(engine, validator, name, view) for name, view in done.clean.items()}
    contacts = clean["contacts"]
    as_of, excluded = _as_of(contacts, opts.as_of)
    if excluded:
        clean["contacts"] = contacts.filter(contacts.started_at <= as_of)
    report = ValidationReport(
        source=label,
        rows=done.rows,
        accepted={n: done.rows[n] - done.quarantined.get(n, 0) for n in done.rows},
        quarantined=done.quarantined,
        counts=done.counts,
        excluded_after_as_of=excluded,
    )
    return Dataset(
        engine=engine,
        validator=checker,
        tables=MappingProxyType(clean),
        present_columns=MappingProxyType({n: t.present for n, t in done.typed.items()}),
        extra_columns=MappingProxyType({n: t.extras for n, t in done.typed.items()}),
        report=report,
        as_of=as_of,
        timezone=opts.timezone,
        row_labels=MappingProxyType({n: t.row_label for n, t in done.typed.items()}),
        quarantined_tables=tuple(done.quarantined),
    )


def _locate(
    source: str | Path, engine: Engine, validator: DuckDBBackend, say: Progress
) -> tuple[str, dict[str, Relation], list[Problem]]:
    """Where the tables are: a label for messages, how to read each table, structural faults."""
    text = str(source)
    if text.startswith(CATALOG_PREFIX):
        if engine.kind != "spark":
            raise ContractError(
                [Problem(text, "unsupported_source", "catalog tables need the Spark engine")]
            )
        say("reading catalog tables")
        database = text[len(CATALOG_PREFIX):] or None
        found = import_tables(validator, engine.backend, database, text)
        return text, _as_table_relations(found), _missing_required(text, found, [])
    if is_url(text):
        path = duckdb_file(text)
        if path is None:
            say("reading warehouse tables")
            warehouse = open_warehouse(text)
            try:
                found = import_tables(validator, warehouse, None, redact(text))
            finally:
                warehouse.disconnect()
            label = redact(text)
            return label, _as_table_relations(found), _missing_required(label, found, [])
        source = path
    path = Path(source)
    relations, problems = find_tables(path)
    if not path.exists() or (path.is_file() and problems):
        raise ContractError(problems)
    attach_if_database(validator.con, path)
    return str(path), relations, _missing_required(str(path), relations, problems)


def _as_table_relations(found: dict[str, str]) -> dict[str, Relation]:
    return {name: Relation(view, "table") for name, view in found.items()}


def _missing_required(
    label: str, found: Mapping[str, object], problems: list[Problem]
) -> list[Problem]:
    # Structural faults are collected across every table before stopping, so one run lists them all.
    for spec in TABLES:
        if spec.required and spec.name not in found and not any(
            p.where.endswith(f"/{spec.name}") for p in problems
        ):
            problems.append(
                Problem(label, "missing_required_table", f"required table {spec.name} not found")
            )
    return problems


def _stage_all(
    con: DuckDBBackend, relations: dict[str, Relation], problems: list[Problem], label: str,
    zone: str, say: Progress,
) -> tuple[dict[str, TypedTable], dict[str, RawTable]]:
    typed: dict[str, TypedTable] = {}
    staged: dict[str, RawTable] = {}
    for spec in TABLES:
        if spec.name not in relations:
            continue
        say(f"reading {spec.name}")
        where = _source_label(label, spec.name)
        raw, found = stage(con.con, spec.name, relations[spec.name], where)
        problems.extend(found)
        if raw is None:
            continue
        staged[spec.name] = raw
        table, found = normalize(con.con, raw, spec, zone)
        problems.extend(found)
        if table is not None:
            typed[spec.name] = table
    # No stop here: validating what did load finds the remaining structural faults (a column
    # where nothing parses), so one run reports them all.
    return typed, staged


def _validate(
    backend: DuckDBBackend, relations: dict[str, Relation], problems: list[Problem], label: str,
    opts: LoadOptions, say: Progress,
) -> _Validated:
    typed, staged = _stage_all(backend, relations, problems, label, opts.timezone, say)
    rows = {name: raw.rows for name, raw in staged.items()}
    say("validating")
    clean: dict[str, str] = {}
    counts: list[RuleCount] = []
    quarantined: dict[str, int] = {}
    for spec in TABLES:
        if spec.name not in typed:
            continue
        say(f"validating {spec.name}")
        parents = {name: backend.table(view) for name, view in clean.items()}
        info = typed[spec.name]
        # The source is read and typed once, here; every rule and the split read this table.
        typed_rows = f"typed_rows_{spec.name}"
        run(backend.con, f"CREATE OR REPLACE TABLE {typed_rows} AS SELECT * FROM {info.staged_as}")
        t = backend.table(typed_rows)
        outcome = apply_rules(backend, info, t, table_rules(spec, t, parents))
        problems.extend(unparseable_columns(backend.con, typed_rows, spec, rows[spec.name]))
        _split(backend, spec.name, outcome.clean, outcome.quarantine, outcome.quarantined)
        clean[spec.name] = f"clean_{spec.name}"
        run(backend.con, f"DROP VIEW IF EXISTS {info.staged_as}")
        drop_staged(backend.con, staged[spec.name])
        counts.extend(outcome.counts)
        quarantined[spec.name] = outcome.quarantined
    if problems:
        raise ContractError(problems)
    errors = [c for c in counts if c.severity is Severity.ERROR]
    if opts.strict and errors:
        raise ContractError(
            [Problem(f"{c.table}.{c.column}", c.rule, c.describe()) for c in errors]
        )
    accepted = {name: rows[name] - quarantined.get(name, 0) for name in rows}
    required = [spec.name for spec in TABLES if spec.required]
    empty = nothing_accepted(required, rows, accepted, counts)
    if empty:
        raise ContractError(empty)
    return _Validated(clean, typed, rows, quarantined, tuple(counts))


def _split(
    backend: DuckDBBackend, name: str, clean: ir.Table, quarantine: ir.Table, n_quarantined: int
) -> None:
    """Materialise ``clean_<name>`` and ``quarantine_<name>`` (raw values and the rules broken)."""
    con = backend.con
    if n_quarantined == 0:
        # Every row is accepted: a view over the typed rows avoids copying the table.
        run(con, f"CREATE OR REPLACE VIEW clean_{name} AS {backend.compile(clean)}")
        run(con, f"CREATE OR REPLACE TABLE quarantine_{name} AS "
                 f"SELECT *, NULL::VARCHAR AS {RULES_COLUMN} FROM raw_{name} LIMIT 0")
        return
    backend.create_table(f"clean_{name}", clean, overwrite=True)
    backend.create_table(f"quarantine_rows_{name}", quarantine, overwrite=True)
    # Raw values as the user wrote them, for the quarantine file.
    run(
        con,
        f"CREATE OR REPLACE TABLE quarantine_{name} AS SELECT r.*, q.{RULES_COLUMN} "
        f"FROM raw_{name} r JOIN quarantine_rows_{name} q USING ({ROW})",
    )
    run(con, f"DROP TABLE IF EXISTS quarantine_rows_{name}")
    run(con, f"DROP TABLE IF EXISTS flagged_{name}")
    run(con, f"DROP TABLE IF EXISTS typed_rows_{name}")


def _source_label(label: str, table: str) -> str:
    path = Path(label)
    if path.is_file():
        return f"{path}:{table}"
    for suffix in (".parquet", ".csv"):
        if (path / f"{table}{suffix}").exists():
            return str(path / f"{table}{suffix}")
    return str(path / table) if path.is_dir() else f"{label}:{table}"


def _as_of(contacts: ir.Table, as_of: datetime | None) -> tuple[datetime, int]:
    if as_of is None:
        latest = contacts.started_at.max().execute()
        if latest is None or str(latest) == "NaT":
            raise ContractError(
                [Problem("contacts.started_at", "no_valid_rows", "no contact passed validation")]
            )
        return _to_utc(latest), 0
    after = contacts.filter(contacts.started_at > as_of).count().execute()
    return as_of.astimezone(timezone.utc), int(after)


def _to_utc(value: object) -> datetime:
    stamp = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
    assert isinstance(stamp, datetime)
    return stamp.astimezone(timezone.utc)


__all__ = ["Dataset", "LoadOptions", "ValidationReport", "load_dataset", "RULES_COLUMN"]
