"""Analyses side by side: threads, each with its own connection to the engine's database.

The model fits run in Python on one core; while they do, DuckDB has little to do. Analyses that do
not need each other's results can run at the same time (:class:`SideBySide`): each thread works
through a connection of its own to the same DuckDB database, whose queries DuckDB runs beside the
others', and its Python holds the interpreter only between the calls that release it (DuckDB's
queries, NumPy's larger operations). A DuckDB connection refuses a second caller while it is busy,
so no two threads ever share one.

What a second connection can read: the validated tables (in the database file) and the tables
cached while :meth:`Engine.caches_in_file` was on. Ibis's usual cached tables are temporary,
private to the connection that made them. All connections share DuckDB's memory limit and spill
folder. An Ibis expression runs on the backend its tables name, so what a thread works on is first
rebound to its connection (:func:`rebind`).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

import ibis.expr.operations as ops
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from cxroi.io.engines import Engine, FileDuckDB
from cxroi.io.sources import run
from cxroi.io.timings import STEP_DONE

T = TypeVar("T", bound=ir.Expr)
C = TypeVar("C")  # what a job works on, bound to one connection
R = TypeVar("R")


def rebind(expr: T, backend: BaseBackend) -> T:
    """The same expression, its tables read through ``backend`` (same names, same database)."""
    op = expr.op()
    tables = {t: t.copy(source=backend) for t in op.find(ops.DatabaseTable)}
    if not tables:
        return expr
    rebound: T = op.replace(tables).to_expr()
    return rebound


def _has_side(engine: Engine) -> bool:
    return engine.kind == "duckdb" and isinstance(engine.backend, FileDuckDB)


def side_connection(engine: Engine) -> Engine | None:
    """A second connection to ``engine``'s DuckDB database, or None where there is none to
    make (Spark, or a DuckDB not opened by :func:`cxroi.io.engines.open_duckdb`).

    The connection reads instants in the first one's time zone, which decides calendar months.
    Like the first, it closes when collected: the cached tables made on it are dropped through
    it when the expressions naming them are collected, which may be after the analysis returns.
    """
    return _second(engine) if _has_side(engine) else None


def _second(engine: Engine) -> Engine:
    """A cursor on ``engine``'s database, in its time zone (``engine`` passes :func:`_has_side`)."""
    con = engine.backend.con
    cursor = con.cursor()
    side = FileDuckDB.from_connection(cursor)
    rows = con.execute("SELECT current_setting('TimeZone')").fetchall()
    run(cursor, f"SET TimeZone = '{rows[0][0]}'")
    return Engine(engine.settings, side, engine.workdir, parent=engine)


class SideBySide(Generic[C]):
    """Threads that run jobs beside each other, each on its own connection to ``engine``'s
    database; use as a context manager.

    A job is called with ``bind(connection)``: what it works on, read through the connection of
    the thread that runs it (e.g. the dataset's tables rebound to it). Each thread binds once,
    on its first job. Where no second connection can be made (Spark), or with ``threads=0``,
    every job runs at once in the caller's thread on ``bind(engine)``.

    ``say`` is told :data:`STEP_DONE` after each job, from the thread that ran it: the job's
    step has ended (a thread's next job announces its own step).
    """

    def __init__(
        self,
        engine: Engine,
        bind: Callable[[Engine], C],
        threads: int,
        say: Callable[[str], None],
    ) -> None:
        self._engine, self._bind, self._say = engine, bind, say
        inline = threads == 0 or not _has_side(engine)
        self._pool = None if inline else ThreadPoolExecutor(threads, "cxroi-side")
        self._local = threading.local()
        self._inline: C | None = None
        # Made here, in the caller's thread: a DuckDB connection refuses a second caller at once
        # (the first connection is asked for its time zone, and makes each cursor).
        self._made = tuple(_second(engine) for _ in range(0 if inline else threads))
        self._connections: queue.SimpleQueue[Engine] = queue.SimpleQueue()
        for second in self._made:
            self._connections.put(second)

    def submit(self, job: Callable[[C], R]) -> Future[R]:
        if self._pool is None:
            done: Future[R] = Future()
            if self._inline is None:
                self._inline = self._bind(self._engine)
            done.set_result(job(self._inline))  # a failure stops the run here, before the next job
            return done
        return self._pool.submit(self._run, job)

    def _run(self, job: Callable[[C], R]) -> R:
        context: C | None = getattr(self._local, "context", None)
        if context is None:  # this thread's first job: it takes a connection of its own
            context = self._local.context = self._bind(self._connections.get_nowait())
        try:
            return job(context)
        finally:
            self._say(STEP_DONE)

    def __enter__(self) -> SideBySide[C]:
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        """Wait for the jobs. After a failure (or Ctrl-C) start none that has not begun, and
        interrupt the queries running, so that the failure is reported without waiting for
        them; a job inside a model fit still finishes its current step."""
        if self._pool is None:
            return
        if error is not None:
            for second in self._made:
                second.backend.con.interrupt()
        self._pool.shutdown(wait=True, cancel_futures=error is not None)


__all__ = ["SideBySide", "rebind", "side_connection"]
