"""Analyses side by side: a second connection to the engine's database, tables rebound to it,
jobs on two threads, and the same results.json to the byte as one analysis after another."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import duckdb
import ibis
import pytest

import cxroi
from cxroi.demo import generate_demo
from cxroi.io.engine_settings import EngineSettings
from cxroi.io.engines import Engine, open_duckdb
from cxroi.io.side_connection import SideBySide, rebind, side_connection
from cxroi.io.sources import run
from cxroi.io.timings import STEP_DONE
from cxroi.results.files import dumps


@pytest.fixture()
def engine() -> Engine:
    engine = open_duckdb(EngineSettings(memory_limit="512MB"))
    run(engine.backend.con, "CREATE TABLE t AS SELECT range AS i, range % 7 AS g FROM range(100)")
    return engine


def _counts(t: ibis.Table) -> list[tuple[int, int]]:
    out = t.group_by("g").aggregate(n=t.count()).order_by("g").to_pyarrow()
    return list(zip(out["g"].to_pylist(), out["n"].to_pylist(), strict=True))


def test_a_second_connection_reads_the_file_and_what_was_cached_in_it(engine: Engine) -> None:
    t = engine.backend.table("t")
    private = t.filter(t.i >= 30).cache()  # a temporary table: this connection's only
    with engine.caches_in_file():
        shared = t.filter(t.i < 30).cache()
    run(engine.backend.con, "SET TimeZone = 'Europe/Paris'")
    side = side_connection(engine)
    assert side is not None and side.backend is not engine.backend
    assert side.parent is engine and side.workdir == engine.workdir
    # the validated tables and the file's cached ones read the same through either connection
    assert _counts(rebind(t, side.backend)) == _counts(t)
    assert _counts(rebind(shared, side.backend)) == _counts(shared)
    assert sum(n for _, n in _counts(shared)) == 30
    # why caches_in_file exists: the other connection cannot see a temporary table
    with pytest.raises(duckdb.CatalogException):
        rebind(private, side.backend).to_pyarrow()
    # calendar months are bucketed in the session's zone: the side connection keeps it
    zone = side.backend.con.execute("SELECT current_setting('TimeZone')").fetchall()
    assert zone == [("Europe/Paris",)]


def test_rebind_moves_every_table_of_an_expression(engine: Engine) -> None:
    t = engine.backend.table("t")
    u = engine.backend.create_table("u", ibis.memtable({"g": [0, 1], "label": ["a", "b"]}))
    j = t.join(u, "g")
    joined = j.group_by("label").aggregate(n=j.count()).order_by("label")
    side = side_connection(engine)
    assert side is not None
    moved = rebind(joined, side.backend)
    assert moved._find_backend() is side.backend  # noqa: SLF001 - the backend Ibis will use
    assert moved.to_pyarrow().equals(joined.to_pyarrow())
    assert rebind(ibis.literal(1), side.backend).equals(ibis.literal(1))  # no table: unchanged


def test_jobs_run_at_the_same_time_each_on_its_own_connection(engine: Engine) -> None:
    both = threading.Barrier(2, timeout=20)  # broken unless two jobs run at once
    said: list[tuple[int, str]] = []

    def job(e: Engine) -> tuple[int, int]:
        both.wait()
        total = e.backend.table("t").i.sum().execute()
        return threading.get_ident(), id(e.backend), int(total)

    say = lambda message: said.append((threading.get_ident(), message))  # noqa: E731
    with SideBySide(engine, lambda conn: conn, 2, say) as side:
        first, second = side.submit(job), side.submit(job)
        a, b = first.result(), second.result()
    assert a[0] != b[0] and threading.get_ident() not in (a[0], b[0])
    assert a[1] != b[1] and id(engine.backend) not in (a[1], b[1])
    assert a[2] == b[2] == sum(range(100))
    # each job's step ends in the thread that ran it
    assert sorted(said) == sorted([(a[0], STEP_DONE), (b[0], STEP_DONE)])


def test_without_threads_the_jobs_run_here_in_order(engine: Engine) -> None:
    ran: list[tuple[int, str]] = []

    def job(name: str):  # type: ignore[no-untyped-def]
        return lambda e: ran.append((threading.get_ident(), name)) or e

    with SideBySide(engine, lambda conn: conn, 0, lambda _m: None) as side:
        done = [side.submit(job(n)) for n in ("a", "b", "c")]
    assert ran == [(threading.get_ident(), n) for n in ("a", "b", "c")]
    assert all(f.result() is engine for f in done)  # on the engine's own connection


def test_a_failing_job_fails_the_run(engine: Engine) -> None:
    def bad(_e: Engine) -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        with SideBySide(engine, lambda conn: conn, 2, lambda _m: None) as side:
            side.submit(bad).result()
    with pytest.raises(ValueError, match="boom"):  # inline: at once, before any later job
        with SideBySide(engine, lambda conn: conn, 0, lambda _m: None) as side:
            side.submit(bad)
            pytest.fail("the failure should have stopped the run")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("side-demo")
    generate_demo(folder, contacts=20_000, seed=3)
    return folder


def test_side_by_side_gives_the_same_results_json_as_one_after_another(demo: Path) -> None:
    threads: dict[bool, set[int]] = {}
    text: dict[bool, str] = {}
    for beside in (True, False):
        seen: set[int] = set()
        cfg = cxroi.Config()
        cfg = replace(cfg, engine=replace(cfg.engine, side_by_side=beside))
        analysis = cxroi.analyze(demo, cfg, progress=lambda _m: seen.add(threading.get_ident()))
        threads[beside], text[beside] = seen, dumps(analysis.results)
    assert len(threads[True]) == 3  # this thread and two beside it
    assert threads[False] == {threading.get_ident()}
    assert text[True] == text[False]


def test_a_failure_interrupts_the_queries_running_beside_it(engine: Engine) -> None:
    started = threading.Event()

    def long_query(e: Engine) -> object:
        started.set()  # about 30 s of work on two threads if nothing stops it
        return e.backend.con.execute("SELECT sum(range) FROM range(40000000000)").fetchall()

    def bad(_e: Engine) -> None:
        assert started.wait(20)
        time.sleep(0.2)  # the query is running
        raise ValueError("boom")

    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="boom"):
        with SideBySide(engine, lambda conn: conn, 2, lambda _m: None) as side:
            running = side.submit(long_query)
            side.submit(bad).result()
    assert time.perf_counter() - t0 < 10
    with pytest.raises(duckdb.InterruptException):
        running.result()
