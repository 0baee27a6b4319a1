"""Spark Connect: the clean tables travel to the server as Arrow batches, results agree.

PySpark starts a local Spark Connect server (``remote("local[2]")``), which cannot be told about
this machine's files any more than a cluster could, so the hand-over takes the Arrow path. The
reference is DuckDB on the same files. Skipped where PySpark's connect extra or Java is missing.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import cxroi
from compare import differences
from cxroi.demo import generate_demo
from cxroi.io.dataset import LoadOptions, load_dataset
from cxroi.io.engines import SPARK_SESSION, Engine, open_engine

pytestmark = [
    pytest.mark.skipif(SPARK_SESSION is None, reason="PySpark is not installed (pip install cxroi[spark])"),
    pytest.mark.skipif(
        importlib.util.find_spec("grpc") is None, reason="PySpark's connect extra is not installed"
    ),
    pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime (apt-get install openjdk-17-jre-headless)"),
    # the Connect client's threads and py4j's sockets are closed by the garbage collector
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture(scope="module")
def connect() -> Iterator[Engine]:
    assert SPARK_SESSION is not None
    session = (
        SPARK_SESSION.builder.remote("local[2]")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield open_engine(session=session)
    session.stop()


def test_exact_metrics_over_spark_connect_equal_duckdb(connect: Engine, tmp_path: Path) -> None:
    generate_demo(tmp_path, contacts=2_000, seed=9)
    assert connect.is_remote and connect.kind == "spark"
    remote = load_dataset(tmp_path, LoadOptions(), engine=connect)
    local = load_dataset(tmp_path, LoadOptions())
    assert remote.report == local.report
    a = cxroi.compute_exact_metrics(remote).to_dict()
    b = cxroi.compute_exact_metrics(local).to_dict()
    assert differences(a, b) == []
