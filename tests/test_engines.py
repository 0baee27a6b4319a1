"""Engine settings, DuckDB's memory limit and spilling, load options and the sources beside files.

Spilling is checked against its own reference: the same query under the same memory limit fails
when DuckDB may not spill, and finishes when it may.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import cxroi
from cxroi.errors import ContractError, Problem
from cxroi.io.dataset import LoadOptions, load_dataset
from cxroi.io.engine_settings import (
    EngineSettings,
    default_memory_limit,
    parse_engine_settings,
    physical_memory_bytes,
    size_bytes,
    with_overrides,
)
from cxroi.io.engines import EngineError, engine_step, open_duckdb, open_engine
from cxroi.io.warehouse import redact
from helpers import contact, customers_for, write_csv, write_parquet


def test_engine_settings_parse_every_key() -> None:
    problems: list[Problem] = []
    raw = {
        "engine": "spark",
        "memory_limit": "6GB",
        "temp_directory": "/scratch/cx",
        "spill_limit": "50GB",
        "threads": 2,
        "spark_master": "local[2]",
        "spark_conf": {"spark.driver.memory": "4g", "spark.sql.adaptive.enabled": True},
    }
    s = parse_engine_settings(raw, problems)
    assert problems == []
    assert s == EngineSettings(
        kind="spark",
        memory_limit="6GB",
        temp_directory=Path("/scratch/cx"),
        spill_limit="50GB",
        threads=2,
        spark_master="local[2]",
        spark_conf=(("spark.driver.memory", "4g"), ("spark.sql.adaptive.enabled", "true")),
    )
    assert s.side_by_side is None  # "auto": decided from the memory it needs
    for given, kept in ((True, True), (False, False), ("auto", None)):
        assert parse_engine_settings({"side_by_side": given}, problems).side_by_side is kept
    remote = parse_engine_settings({"engine": "sc://spark.example:15002"}, problems)
    assert (remote.kind, remote.spark_remote) == ("spark", "sc://spark.example:15002")


def test_engine_settings_collect_every_problem() -> None:
    problems: list[Problem] = []
    parse_engine_settings(
        {
            "engine": "oracle",
            "memory_limit": "lots",
            "threads": 0,
            "spark_remote": "http://x",
            "spark_conf": ["a"],
            "side_by_side": "yes",
            "colour": "blue",
        },
        problems,
    )
    assert sorted(p.where for p in problems) == [
        "engine.colour",
        "engine.engine",
        "engine.memory_limit",
        "engine.side_by_side",
        "engine.spark_conf",
        "engine.spark_remote",
        "engine.threads",
    ]
    tiny: list[Problem] = []
    parse_engine_settings({"memory_limit": "1MB"}, tiny)
    assert [p.rule for p in tiny] == ["too_small"]


def test_command_line_overrides_are_checked_like_the_file() -> None:
    base = EngineSettings(memory_limit="6GB", threads=2)
    problems: list[Problem] = []
    s = with_overrides(base, {"engine": None, "spark_remote": "sc://h:15002"}, problems)
    assert problems == []
    assert s == EngineSettings(kind="spark", memory_limit="6GB", threads=2, spark_remote="sc://h:15002")
    assert with_overrides(base, {"memory_limit": "8GB"}, problems).memory_limit == "8GB"
    with_overrides(base, {"engine": "oracle", "memory_limit": "x"}, problems)
    assert [p.where for p in problems] == ["engine.engine", "engine.memory_limit"]


def test_sizes_and_default_limit() -> None:
    assert size_bytes("4GB") == 4 * 10**9
    assert size_bytes("512 MiB") == 512 * 2**20
    assert size_bytes("1.5GiB") == int(1.5 * 2**30)
    assert size_bytes("four") is None
    total = physical_memory_bytes()
    assert total is not None
    limit = size_bytes(default_memory_limit())
    assert limit is not None and abs(limit - total / 2) <= 2**20


def _setting(engine_settings: EngineSettings, name: str) -> str:
    engine = open_duckdb(engine_settings)
    try:
        return str(engine.backend.con.execute(f"SELECT current_setting('{name}')").fetchone()[0])  # type: ignore[index]
    finally:
        engine.close()


def test_memory_limit_threads_and_spill_folder_are_applied(tmp_path: Path) -> None:
    s = EngineSettings(
        memory_limit="300MiB", threads=1, temp_directory=tmp_path / "spill", spill_limit="2GiB"
    )
    # DuckDB reports sizes in its own units; 300 MiB is 314.5 MB
    assert _setting(s, "memory_limit") in {"300.0 MiB", "314.5 MB"}
    assert _setting(s, "threads") == "1"
    assert _setting(s, "max_temp_directory_size") in {"2.0 GiB", "2.1 GB"}
    assert _setting(s, "temp_directory").startswith(str(tmp_path / "spill"))
    engine = open_duckdb(s)
    workdir = engine.workdir
    assert workdir.parent == tmp_path / "spill"
    engine.close()
    assert not workdir.exists()  # the private spill folder goes with the engine


# Grouping 6M distinct 32-character keys needs several hundred MB of hash table.
_BIG_GROUPING = (
    "SELECT count(*), sum(i) FROM (SELECT pad, any_value(i) AS i FROM "
    "(SELECT i, md5(i::VARCHAR) AS pad FROM range(6000000) r(i)) GROUP BY pad)"
)


def test_a_grouping_larger_than_the_limit_spills_and_finishes() -> None:
    engine = open_duckdb(EngineSettings(memory_limit="150MiB", threads=1))
    con = engine.backend.con
    try:
        con.execute("SET temp_directory = ''")  # the reference: no spilling allowed
        with pytest.raises(duckdb.OutOfMemoryException):
            con.execute(_BIG_GROUPING).fetchall()
        con.execute(f"SET temp_directory = '{engine.spill_folder}'")
        n, total = con.execute(_BIG_GROUPING).fetchone()  # type: ignore[misc]
    finally:
        engine.close()
    # brute force: every key is distinct, so each i appears once
    assert (n, total) == (6_000_000, sum(range(6_000_000)))


def test_running_out_of_memory_names_the_step_and_what_to_change() -> None:
    engine = open_duckdb(EngineSettings(memory_limit="150MiB", threads=1))
    con = engine.backend.con
    try:
        con.execute("SET temp_directory = ''")  # as above: this grouping cannot fit
        with pytest.raises(EngineError) as caught, engine_step(engine, "retention"):
            con.execute(_BIG_GROUPING).fetchall()
    finally:
        engine.close()
    (problem,) = caught.value.problems
    assert (problem.where, problem.rule) == ("retention", "out_of_memory")
    assert "150MiB" in problem.message and "memory_limit" in problem.message


def test_a_file_the_engine_cannot_read_or_write_names_the_step(tmp_path: Path) -> None:
    # a missing file stands in for a spill file on a full disk: both are DuckDB IO errors
    engine = open_duckdb(EngineSettings(threads=1))
    try:
        with pytest.raises(EngineError) as caught, engine_step(engine, "value"):
            engine.backend.con.execute(
                f"SELECT * FROM read_parquet('{tmp_path / 'gone.parquet'}')"
            ).fetchall()
    finally:
        engine.close()
    (problem,) = caught.value.problems
    assert (problem.where, problem.rule) == ("value", "engine_file_error")
    assert "temp_directory" in problem.message and "gone.parquet" in problem.message


def _tiny_dataset(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        contact("c1", "k1", "2025-01-02T10:00:00Z"),
        contact("c2", "k1", "2025-01-05T10:00:00Z", "ai_only", touchpoint="chatbot"),
        contact("c3", "k2", "2025-01-06T10:00:00Z", handle=-5.0),  # quarantined
    ]
    write_csv(folder / "contacts.csv", rows)
    write_csv(folder / "customers.csv", customers_for(rows))
    return folder


def test_load_options_and_an_immutable_dataset(tmp_path: Path) -> None:
    folder = _tiny_dataset(tmp_path / "d")
    ds = load_dataset(folder, LoadOptions(timezone="Europe/Paris", strict=False))
    assert ds.timezone == "Europe/Paris" and ds.engine.kind == "duckdb"
    assert ds.report.quarantined["contacts"] == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.as_of = ds.as_of  # type: ignore[misc]
    with pytest.raises(TypeError):
        ds.tables["contacts"] = ds.tables["customers"]  # type: ignore[index]
    with pytest.raises(ContractError):
        load_dataset(folder, LoadOptions(strict=True))
    # a whole configuration works too: loading reads only its load options
    cfg = cxroi.Config(timezone="Europe/Paris", min_cell=3)
    assert load_dataset(folder, cfg).timezone == "Europe/Paris"
    assert not hasattr(load_dataset(folder, cfg), "config")  # a dataset carries no settings


def test_load_options_read_a_configuration_with_engine_settings() -> None:
    engine = EngineSettings(memory_limit="512MiB")
    cfg = cxroi.Config(timezone="Asia/Tokyo", strict=True, engine=engine)
    assert cfg.load_options == LoadOptions("Asia/Tokyo", None, True, engine)
    assert cxroi.Config().load_options.engine == EngineSettings()


def test_memory_limit_reaches_the_loader(tmp_path: Path) -> None:
    folder = _tiny_dataset(tmp_path / "d")
    ds = load_dataset(folder, LoadOptions(engine=EngineSettings(memory_limit="777MiB")))
    got = ds.validator.backend.con.execute("SELECT current_setting('memory_limit')").fetchone()
    assert got is not None and str(got[0]) in {"777.0 MiB", "814.7 MB"}


def test_validated_tables_live_in_the_engines_database_file(tmp_path: Path) -> None:
    """Compressed in a file in the private folder (not DuckDB's memory), and gone with it."""
    folder = _tiny_dataset(tmp_path / "d")
    engine = open_duckdb(EngineSettings(temp_directory=tmp_path / "work"))
    ds = load_dataset(folder, LoadOptions(), engine=engine)
    con = engine.backend.con
    database = con.execute("SELECT current_database()").fetchone()
    files = {row[0]: row[1] for row in con.execute(
        "SELECT database_name, path FROM duckdb_databases() WHERE NOT internal"
    ).fetchall()}
    assert database is not None and files[database[0]] == str(engine.workdir / "tables.duckdb")
    # typed_rows_<table> (every row accepted) or clean_<table> (some quarantined)
    stored = con.execute(
        "SELECT DISTINCT database_name FROM duckdb_tables() "
        "WHERE table_name IN ('typed_rows_contacts', 'clean_contacts')"
    ).fetchall()
    assert stored == [(database[0],)]
    assert int(ds.tables["contacts"].count().execute()) > 0
    engine.close()
    assert not engine.workdir.exists()


def _parts_dataset(tmp_path: Path) -> tuple[Path, Path]:
    """The same contacts as one file and as a folder of three Parquet parts."""
    rows = [
        contact(f"c{i:02d}", f"k{i % 4}", f"2025-01-{1 + i:02d}T10:00:00Z", handle=float(i))
        for i in range(12)
    ]
    rows[7]["handle_seconds"] = -1.0  # row 8 is quarantined, in the second part
    one, parts = tmp_path / "one", tmp_path / "parts"
    for folder in (one, parts):
        folder.mkdir()
        write_parquet(folder / "customers.parquet", customers_for(rows))
    write_parquet(one / "contacts.parquet", rows)
    (parts / "contacts").mkdir()
    for n, chunk in enumerate((rows[:5], rows[5:9], rows[9:])):
        pq.write_table(pa.Table.from_pandas(pd.DataFrame(chunk)), parts / "contacts" / f"part-{n:05d}.parquet")
    return one, parts


def test_a_folder_of_parquet_parts_reads_like_one_file(tmp_path: Path) -> None:
    one, parts = _parts_dataset(tmp_path)
    a, b = load_dataset(one), load_dataset(parts)
    cols = ["contact_id", "started_at", "handle_seconds"]
    frame_a = a.tables["contacts"].select(*cols).order_by("contact_id").execute()
    frame_b = b.tables["contacts"].select(*cols).order_by("contact_id").execute()
    pd.testing.assert_frame_equal(frame_a, frame_b)
    qa = pd.read_csv(a.write_quarantine(tmp_path / "qa")["contacts"])
    qb = pd.read_csv(b.write_quarantine(tmp_path / "qb")["contacts"])
    assert list(qa["row"]) == list(qb["row"]) == [8]


def test_a_duckdb_url_reads_like_the_file(tmp_path: Path) -> None:
    folder = _tiny_dataset(tmp_path / "d")
    db = tmp_path / "cx.duckdb"
    con = duckdb.connect(str(db))
    for name in ("contacts", "customers"):
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv('{folder / name}.csv', all_varchar=true)")
    con.close()
    by_url = load_dataset(f"duckdb://{db}")
    by_path = load_dataset(db)
    assert by_url.report == by_path.report


def test_an_unreachable_warehouse_is_a_contract_error(tmp_path: Path) -> None:
    url = "postgres://someone:secret@127.0.0.1:1/nowhere"
    with pytest.raises(ContractError) as caught:
        load_dataset(url)
    assert "secret" not in str(caught.value)
    assert redact(url) == "postgres://someone:***@127.0.0.1:1/nowhere"


def test_catalog_source_needs_spark(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="Spark"):
        load_dataset("catalog:default", engine=open_engine())
