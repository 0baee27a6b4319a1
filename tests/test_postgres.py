"""A dataset held in PostgreSQL loads and analyses like the same tables as files.

The test starts its own server (Debian's ``postgresql`` package: ``initdb`` in a temporary folder,
``pg_ctl start`` on a free loopback port, as the ``postgres`` user when run as root) and stops it
afterwards. Skipped, with the reason, where PostgreSQL or its Python driver is not installed; CI
installs both.
"""

from __future__ import annotations

import glob
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import ibis
import pandas as pd
import pyarrow.parquet as pq
import pytest

import cxroi
from cxroi.demo import generate_demo
from cxroi.io.dataset import load_dataset
from cxroi.results.files import dumps


def _pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(versions[-1]).parent if versions else None


def _driver_missing() -> bool:
    # psycopg is the driver Ibis' postgres backend needs
    return importlib.util.find_spec("psycopg") is None


BIN = _pg_bin()
pytestmark = [
    pytest.mark.skipif(BIN is None, reason="PostgreSQL is not installed (apt-get install postgresql)"),
    pytest.mark.skipif(_driver_missing(), reason="psycopg is not installed (pip install cxroi[postgres])"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(cmd: list[str]) -> list[str]:
    # initdb refuses to run as root; the Debian package creates the postgres user
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _run(cmd: list[str]) -> None:
    done = subprocess.run(_as_server_user(cmd), capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{cmd[0]} failed: {done.stderr or done.stdout}"


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    assert BIN is not None
    # pytest's folders are private to root; the server's user must be able to reach its own
    root = Path(tempfile.mkdtemp(prefix="cxroi-pg-"))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    if os.geteuid() == 0:
        for folder in (root, sockets):
            shutil.chown(folder, "postgres")
    port = _free_port()
    try:
        _run([str(BIN / "initdb"), "-D", str(data), "-U", "cxroi", "--auth=trust"])
        options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        _run([str(BIN / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l",
              str(root / "log"), "start"])
        yield f"postgres://cxroi@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_server_user([str(BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
            check=False, capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    generate_demo(folder, contacts=3_000, seed=5)
    return folder


def _upload(url: str, demo: Path, tables: tuple[str, ...]) -> None:
    con = ibis.connect(url)
    for name in tables:
        frame = pq.read_table(demo / f"{name}.parquet").to_pandas()
        con.create_table(name, frame, overwrite=True)
    con.disconnect()


def test_a_postgres_dataset_gives_the_same_results_as_its_files(
    postgres: str, demo: Path, tmp_path: Path
) -> None:
    tables = ("contacts", "customers", "surveys", "revenue", "opportunities", "agents",
              "agent_pulse", "qa_reviews")
    _upload(postgres, demo, tables)
    from_files = cxroi.analyze(demo, cxroi.Config())
    from_db = cxroi.analyze(postgres, cxroi.Config())
    a = json.loads(dumps(from_files.results))
    b = json.loads(dumps(from_db.results))
    assert from_db.dataset.report.source == postgres
    assert a["metrics"] and a["retention"] and a["value"]  # the comparison covers real sections
    assert a == b


def test_quarantined_rows_are_numbered_in_a_fixed_order(postgres: str, tmp_path: Path) -> None:
    contacts = pd.DataFrame(
        {
            "contact_id": ["c3", "c1", "c2"],
            "customer_id": ["k1", "k1", "k1"],
            "started_at": pd.to_datetime(["2025-01-03", "2025-01-01", "2025-01-02"], utc=True),
            "channel": ["voice", "voice", "chat"],
            "ai_mode": ["human_only", "bogus", "ai_only"],
            "handle_seconds": [10.0, 20.0, -1.0],
        }
    )
    customers = pd.DataFrame(
        {"customer_id": ["k1"], "acquired_at": pd.to_datetime(["2024-01-01"], utc=True)}
    )
    con = ibis.connect(postgres)
    con.raw_sql("DROP SCHEMA IF EXISTS faults CASCADE; CREATE SCHEMA faults").close()
    con.disconnect()
    faults = postgres.replace("/postgres", "/postgres?options=-csearch_path%3Dfaults")
    con = ibis.connect(faults)
    con.create_table("contacts", contacts)
    con.create_table("customers", customers)
    con.disconnect()
    ds = load_dataset(faults)
    assert ds.report.quarantined == {"contacts": 2, "customers": 0}
    written = pd.read_csv(ds.write_quarantine(tmp_path)["contacts"])
    # rows are numbered in key order (c1, c2, c3), whatever order the server returns them in
    assert list(zip(written["row"], written["contact_id"])) == [(1, "c1"), (2, "c2")]
