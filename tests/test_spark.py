"""The same analysis on local Spark as on DuckDB: every number in results.json agrees.

The reference is DuckDB's results.json on the same demo data. Both engines get the same clean
tables (validation runs in DuckDB for both), so exact metrics must agree to 1e-9 and model outputs,
fitted on identical per-customer frames, to the same tolerance. Skipped, with the reason, where
PySpark (the [spark] extra) or a Java runtime is missing; CI installs both.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import cxroi
from compare import differences
from cxroi.demo import generate_demo
from cxroi.errors import Problem
from cxroi.io.dataset import LoadOptions, load_dataset
from cxroi.io.engine_settings import EngineSettings
from cxroi.io.engines import SPARK_SESSION, Engine, EngineError, engine_step, open_duckdb, open_engine
from cxroi.results.files import dumps

pytestmark = [
    pytest.mark.skipif(SPARK_SESSION is None, reason="PySpark is not installed (pip install cxroi[spark])"),
    pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime (apt-get install openjdk-17-jre-headless)"),
    # py4j, PySpark's bridge to the JVM, leaves sockets for the garbage collector to close
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture(scope="module")
def spark_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    settings = EngineSettings(
        kind="spark",
        spark_master="local[2]",
        spark_conf=(
            ("spark.sql.warehouse.dir", str(warehouse)),
            ("spark.sql.shuffle.partitions", "2"),  # tiny data: fewer, cheaper tasks
        ),
    )
    engine = open_engine(settings)
    yield engine
    engine.backend._session.stop()  # noqa: SLF001


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    generate_demo(folder, contacts=3_000, seed=11)
    return folder


def test_differences_finds_what_differs() -> None:
    assert differences({"a": [1.0, 2.0], "b": "x"}, {"a": [1.0, 2.0 + 1e-12], "b": "x"}) == []
    assert differences({"a": [1.0]}, {"a": [1.1]}) == ["/a[0]: 1.0 vs 1.1"]
    assert differences({"a": 1}, {"b": 1}) == ["/a: only on one side", "/b: only on one side"]
    assert differences(float("nan"), float("nan")) == []


def test_spark_and_duckdb_write_the_same_results(
    demo: Path, spark_engine: Engine, tmp_path: Path
) -> None:
    on_duckdb = cxroi.analyze(demo, cxroi.Config())
    on_spark = cxroi.analyze(demo, cxroi.Config(), engine=spark_engine)
    assert on_spark.dataset.engine.kind == "spark"
    a = json.loads(dumps(on_duckdb.results))
    b = json.loads(dumps(on_spark.results))
    assert a["metrics"] and a["retention"] and a["value"]  # the comparison covers real sections
    assert differences(a, b) == []


def test_catalog_tables_on_spark(demo: Path, spark_engine: Engine) -> None:
    session = spark_engine.backend._session  # noqa: SLF001
    session.sql("CREATE DATABASE IF NOT EXISTS cxdemo")
    for table in ("contacts", "customers", "surveys"):
        # Spark cannot read the demo's nanosecond timestamps; a warehouse holds microseconds.
        data = pq.read_table(demo / f"{table}.parquet")
        micro = pa.schema(
            [pa.field(f.name, pa.timestamp("us", tz="UTC")) if pa.types.is_timestamp(f.type) else f
             for f in data.schema]
        )
        session.createDataFrame(data.cast(micro).to_pandas()).write.mode("overwrite").saveAsTable(
            f"cxdemo.{table}"
        )
    from_catalog = load_dataset("catalog:cxdemo", LoadOptions(), engine=spark_engine)
    from_files = load_dataset(demo, LoadOptions())
    assert from_catalog.report.rows == {t: from_files.report.rows[t] for t in from_catalog.report.rows}
    assert set(from_catalog.report.rows) == {"contacts", "customers", "surveys"}
    a = cxroi.compute_exact_metrics(from_catalog).to_dict()
    b = cxroi.compute_exact_metrics(from_files).to_dict()
    assert differences(a, b) == []


def test_a_zone_other_than_utc_is_refused_on_spark(demo: Path, spark_engine: Engine) -> None:
    with pytest.raises(EngineError) as caught:
        load_dataset(demo, LoadOptions(timezone="Europe/Paris"), engine=spark_engine)
    assert [p.where for p in caught.value.problems] == ["dataset.timezone"]


def test_a_failing_step_names_itself() -> None:
    duck = open_duckdb(EngineSettings())
    pretend_spark = Engine(EngineSettings(kind="spark"), duck.backend, duck.workdir)
    with pytest.raises(EngineError) as caught:
        with engine_step(pretend_spark, "retention"):
            raise NotImplementedError("Operation 'Quantile' is not implemented")
    assert caught.value.problems == [
        Problem(
            "retention",
            "unsupported_on_engine",
            "cannot run on spark (local[*]): NotImplementedError: Operation 'Quantile' is not implemented",
        )
    ]
    with pytest.raises(ValueError):  # on DuckDB a failure is a bug, shown in full
        with engine_step(duck, "retention"):
            raise ValueError("bug")
    duck.close()
