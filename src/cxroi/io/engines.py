"""Engines: the Ibis backend where the analyses run, opened from :class:`EngineSettings`.

Reading, typing and validating a dataset always happens in DuckDB (the *validator*): the contract's
parsing rules are written once, in one SQL dialect, and a row's number in a quarantine file means
the same on every engine. On DuckDB the validator is the engine. On Spark the clean tables are then
handed to Spark (as Parquet files a local Spark reads, or as Arrow batches sent to a Spark Connect
server) and every analysis runs there through the same Ibis expressions.

Spark's session zone is UTC (Ibis sets it so instants convert to pandas unchanged). Calendar months
are bucketed in the session zone, so a dataset configured in another zone is refused on Spark
rather than bucketed differently from DuckDB.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.schema as sch
import ibis.expr.types as ir
from ibis.backends import BaseBackend
from ibis.backends.duckdb import Backend as DuckDBBackend

from cxroi.errors import CxroiInputError, Problem
from cxroi.io.engine_settings import EngineSettings
from cxroi.io.sources import run

try:  # optional: the [spark] extra; a module-level import so no function hides one
    from pyspark.sql import SparkSession as _SparkSession

    SPARK_SESSION: Any = _SparkSession
except ImportError:  # pragma: no cover - depends on the installation
    SPARK_SESSION = None

_SPARK_DEFAULTS: tuple[tuple[str, str], ...] = (
    ("spark.sql.session.timeZone", "UTC"),
    ("spark.sql.execution.arrow.pyspark.enabled", "true"),
    # Few, larger tasks: the default 200 shuffle partitions cost more than they save locally.
    ("spark.sql.shuffle.partitions", "8"),
    ("spark.ui.enabled", "false"),
    ("spark.ui.showConsoleProgress", "false"),
    # Exact decimal products: by default Spark rounds a product wider than 38 digits back to
    # scale 6, and the clustered variances (sums of squared per-customer sums) would drift from
    # DuckDB's exact ones in the ninth digit.
    ("spark.sql.decimalOperations.allowPrecisionLoss", "false"),
)
# Local Spark talks to itself on the loopback address only.
_LOCAL_SPARK: tuple[tuple[str, str], ...] = (
    ("spark.driver.host", "127.0.0.1"),
    ("spark.driver.bindAddress", "127.0.0.1"),
)


class EngineError(CxroiInputError):
    """An engine could not be opened, or a step cannot run on it (exit code 2, step named)."""

    title = "the engine cannot run this"


_SPILL = "spill"  # the spill folder's name inside an engine's private workdir
_STORE = "tables.duckdb"  # DuckDB's database file inside the workdir


class FileDuckDB(DuckDBBackend):  # type: ignore[misc]  # Ibis is untyped here
    """Ibis's DuckDB backend, whose cached tables go to the database file while
    ``cache_in_file`` is on.

    Ibis caches a table as a temporary table, which only the connection that made it can read.
    Tables cached in the file can also be read by a second connection to the same database
    (:func:`cxroi.io.side_connection.side_connection`), which runs analyses beside the first.
    """

    cache_in_file = False

    def _create_cached_table(self, name: str, expr: ir.Table) -> ir.Table:
        if not self.cache_in_file:
            return super()._create_cached_table(name, expr)
        return self.create_table(name, expr, schema=expr.schema(), temp=False)


@dataclass
class Engine:
    """A connected backend. ``kind`` is ``duckdb`` or ``spark``; close it when done.

    ``parent``: set on a second connection to another engine's database. It keeps that engine
    (and the folder holding the database file) alive while the connection is in use.
    """

    settings: EngineSettings
    backend: BaseBackend
    workdir: Path
    _names: Iterator[int] = field(default_factory=lambda: iter(range(1, 2**62)), repr=False)
    parent: Engine | None = field(default=None, repr=False)

    @property
    def kind(self) -> str:
        return self.settings.kind

    @property
    def spill_folder(self) -> Path:
        """Where DuckDB writes what does not fit its memory limit (inside ``workdir``)."""
        return self.workdir / _SPILL

    @property
    def is_remote(self) -> bool:
        """A Spark Connect session: the server cannot read this machine's files."""
        session = getattr(self.backend, "_session", None)
        return session is not None and type(session).__module__.startswith("pyspark.sql.connect")

    def unique_name(self, stem: str) -> str:
        """A table name no earlier dataset on this engine used (datasets may share a session)."""
        return f"cxroi_{next(self._names)}_{stem}"

    @contextmanager
    def caches_in_file(self) -> Iterator[None]:
        """Tables cached meanwhile go to the database file, readable by a second connection
        (no effect on Spark, which has none)."""
        backend = self.backend
        if not isinstance(backend, FileDuckDB):
            yield
            return
        before, backend.cache_in_file = backend.cache_in_file, True
        try:
            yield
        finally:
            backend.cache_in_file = before

    def close(self) -> None:
        if isinstance(self.backend, DuckDBBackend):
            self.backend.disconnect()
        if self.parent is None:  # a second connection leaves the folder to its engine
            shutil.rmtree(self.workdir, ignore_errors=True)


def _workdir(settings: EngineSettings) -> Path:
    parent = settings.temp_directory
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="cxroi-", dir=parent))


def _remove_when_collected(owner: object, folder: Path) -> None:
    weakref.finalize(owner, shutil.rmtree, str(folder), True)


def open_duckdb(settings: EngineSettings) -> Engine:
    """A fresh DuckDB in a private folder: its tables in a database file there, and what does
    not fit ``memory_limit`` spilled to a folder beside it.

    A database file rather than ``:memory:``, although nothing outlives the engine: DuckDB
    compresses a file's tables as it writes them, and a page of one can leave memory without
    being written anywhere. An in-memory table stays uncompressed until a checkpoint and is
    spilled like a query's intermediate result. At 10M contacts the validated tables took 1.4 GB
    of a 2 GB limit in memory (and 0.55 GB more spilled); compressed they take about a fifth of
    that, so the limit is left to the queries and these spill less (docs/performance.md).
    """
    workdir = _workdir(settings)
    backend = FileDuckDB().connect(
        database=str(workdir / _STORE), temp_directory=str(workdir / _SPILL)
    )
    con = backend.con
    run(con, f"SET memory_limit = '{settings.effective_memory_limit}'")
    if settings.threads is not None:
        run(con, f"SET threads = {int(settings.threads)}")
    if settings.spill_limit is not None:
        run(con, f"SET max_temp_directory_size = '{settings.spill_limit}'")
    engine = Engine(settings, backend, workdir)
    _remove_when_collected(engine, workdir)
    return engine


def open_spark(settings: EngineSettings, session: Any | None = None) -> Engine:
    """Spark through Ibis: an existing session, a Spark Connect server, or local Spark."""
    settings = replace(settings, kind="spark")
    if SPARK_SESSION is None:
        raise EngineError(
            [Problem("engine", "spark_missing", "PySpark is not installed; install "
                     "cxroi[spark] and a Java runtime (see docs/engines.md)")]
        )
    if session is None:
        builder = SPARK_SESSION.builder.appName("cxroi")
        if settings.spark_remote is not None:
            builder = builder.remote(settings.spark_remote)
        else:
            builder = builder.master(settings.spark_master)
            local = settings.spark_master.startswith("local")
            extra = _LOCAL_SPARK if local else ()
            for key, value in (*_SPARK_DEFAULTS, *extra, *settings.spark_conf):
                builder = builder.config(key, value)
        try:
            session = builder.getOrCreate()
        except Exception as exc:  # a missing Java runtime or an unreachable server
            raise EngineError(
                [Problem("engine", "spark_unavailable", f"cannot start Spark: {_first_line(exc)}")]
            ) from exc
    backend = ibis.pyspark.connect(session)
    workdir = _workdir(settings)
    engine = Engine(settings, backend, workdir)
    _remove_when_collected(engine, workdir)
    return engine


def open_engine(settings: EngineSettings | None = None, session: Any | None = None) -> Engine:
    """The engine ``settings`` name; ``session`` = an existing SparkSession to run on."""
    settings = settings or EngineSettings()
    if session is not None or settings.kind == "spark":
        return open_spark(settings, session)
    return open_duckdb(settings)


def check_zone(engine: Engine, zone: str) -> None:
    if engine.kind == "spark" and zone != "UTC":
        raise EngineError(
            [Problem("dataset.timezone", "zone_unsupported_on_spark",
                     f"Spark buckets months in UTC; {zone!r} would give other months than "
                     "DuckDB. Run this dataset on DuckDB, or set timezone = 'UTC'.")]
        )


def adopt_table(
    engine: Engine, validator: DuckDBBackend, name: str, clean_view: str
) -> ir.Table:
    """Hand one clean table from the validator to the engine (no copy when they are the same)."""
    if engine.backend is validator:
        return validator.table(clean_view)
    target = engine.unique_name(name)
    if engine.is_remote:
        # A Spark Connect server cannot read this machine's files: send Arrow batches.
        arrow = validator.con.sql(f"SELECT * FROM {clean_view}").to_arrow_table()
        session = engine.backend._session  # noqa: SLF001 - ibis keeps the session here
        session.createDataFrame(arrow).createOrReplaceTempView(target)
    else:
        folder = engine.workdir / "handoff"
        folder.mkdir(exist_ok=True)
        path = folder / f"{target}.parquet"
        literal = "'" + str(path).replace("'", "''") + "'"
        run(validator.con, f"COPY (SELECT * FROM {clean_view}) TO {literal} (FORMAT parquet)")
        engine.backend.read_parquet(path, table_name=target)
    return _same_types(engine.backend.table(target), validator.table(clean_view).schema())


def _same_types(t: ir.Table, schema: sch.Schema) -> ir.Table:
    """Declare the validator's types on the engine's table.

    Spark stores instants as UTC but Ibis reads its ``TimestampType`` as zone-less; declaring the
    zone makes results come back as the same zone-aware instants as on DuckDB.
    """
    casts = {
        name: t[name].cast(dtype)
        for name, dtype in schema.items()
        if name in t.columns and t[name].type() != dtype
    }
    return t.mutate(**casts) if casts else t


@contextmanager
def engine_step(engine: Engine | None, step: str) -> Iterator[None]:
    """Turn an engine failure inside ``step`` into a message that names the step.

    On DuckDB only running out of memory is caught (the configured limit was too low for what
    could not spill, or the spill folder filled up): any other failure there is a bug to see in
    full. On Spark an expression the backend cannot compile or run becomes an
    :class:`EngineError` naming the step.
    """
    if engine is None or engine.kind == "duckdb":
        try:
            yield
        except duckdb.OutOfMemoryException as exc:
            raise out_of_memory(engine.settings if engine else None, step, exc) from exc
        except duckdb.IOException as exc:
            raise file_failure(engine, step, exc) from exc
        return
    try:
        yield
    except CxroiInputError:
        raise
    except Exception as exc:
        raise EngineError(
            [Problem(step, "unsupported_on_engine",
                     f"cannot run on {engine.settings.describe()}: {_first_line(exc)}")]
        ) from exc


def out_of_memory(settings: EngineSettings | None, step: str, exc: BaseException) -> EngineError:
    """DuckDB's out-of-memory error as what to change: the limit, the threads or the spill room."""
    limit = settings.effective_memory_limit if settings else "its default"
    return EngineError(
        [
            Problem(
                step,
                "out_of_memory",
                f"DuckDB ran out of memory under its limit of {limit} ({_first_line(exc)}); "
                "raise [engine] memory_limit (--memory-limit), use fewer threads "
                "([engine] threads, --threads), or give the spill folder more room "
                "([engine] temp_directory, spill_limit)",
            )
        ]
    )


def file_failure(engine: Engine | None, step: str, exc: BaseException) -> EngineError:
    """A file DuckDB could not read or write mid-analysis, most often a spill file or the
    engine's database file on a full disk."""
    folder = engine.workdir if engine else "its temporary folder"
    return EngineError(
        [
            Problem(
                step,
                "engine_file_error",
                f"DuckDB could not read or write a file ({_first_line(exc)}); if it is a spill "
                f"file or the tables' database file under {folder}, free disk space there, "
                "point [engine] temp_directory at a larger disk, or raise [engine] memory_limit "
                "so less is spilled",
            )
        ]
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


__all__ = [
    "Engine",
    "EngineError",
    "FileDuckDB",
    "adopt_table",
    "check_zone",
    "engine_step",
    "file_failure",
    "open_duckdb",
    "open_engine",
    "open_spark",
    "out_of_memory",
]
