"""Datasets written the ways real users write them all load to the same instants and ids."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import cxroi
from helpers import write_csv

INSTANT = datetime(2025, 3, 1, 14, 5, tzinfo=timezone.utc)


def _customers(folder: Path, ids: list[object]) -> None:
    pd.DataFrame({"customer_id": ids, "acquired_at": pd.to_datetime(["2024-01-01"] * len(ids), utc=True)}).to_parquet(
        folder / "customers.parquet", index=False
    )


def _started(ds: cxroi.Dataset) -> dict[str, datetime]:
    df = ds.tables["contacts"].select("contact_id", "started_at").execute()
    return {r.contact_id: r.started_at.to_pydatetime().astimezone(timezone.utc) for r in df.itertuples()}


def test_csv_with_bom_crlf_offsets_z_and_naive_in_configured_zone(tmp_path: Path) -> None:
    lines = [
        "contact_id,customer_id,started_at,channel,ai_mode,handle_seconds",
        "z,1,2025-03-01T14:05:00Z,voice,human_only,10",
        "off,1,2025-03-01T15:05:00+01:00,voice,human_only,10",
        "space,1,2025-03-01 09:05:00-05:00,voice,human_only,10",
        "naive,1,2025-03-01T15:05:00,voice,human_only,10",  # Paris is UTC+1 in March
    ]
    (tmp_path / "contacts.csv").write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    _customers(tmp_path, [1])
    ds = cxroi.load_dataset(tmp_path, cxroi.Config(timezone="Europe/Paris"))
    assert set(_started(ds).values()) == {INSTANT}
    assert ds.report.quarantined == {"customers": 0, "contacts": 0}


def test_pandas_parquet_nanosecond_zoned_and_naive_timestamps(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "contact_id": ["zoned", "naive"],
            "customer_id": ["1", "1"],
            "channel": ["chat", "chat"],
            "ai_mode": ["ai_only", "ai_only"],
            "handle_seconds": [1.0, 2.0],
        }
    )
    zoned = frame.iloc[[0]].assign(started_at=pd.to_datetime([INSTANT]).tz_convert("Asia/Tokyo"))
    naive = frame.iloc[[1]].assign(started_at=pd.to_datetime(["2025-03-01 23:05:00"]))  # Tokyo local
    assert str(zoned["started_at"].dtype) == "datetime64[ns, Asia/Tokyo]"
    both = tmp_path / "a"
    both.mkdir()
    zoned.to_parquet(both / "contacts.parquet", index=False)
    _customers(both, ["1"])
    other = tmp_path / "b"
    other.mkdir()
    naive.to_parquet(other / "contacts.parquet", index=False)
    _customers(other, ["1"])
    cfg = cxroi.Config(timezone="Asia/Tokyo")
    assert _started(cxroi.load_dataset(both, cfg)) == {"zoned": INSTANT}
    assert _started(cxroi.load_dataset(other, cfg)) == {"naive": INSTANT}


def test_integer_ids_in_one_file_join_string_ids_in_another(tmp_path: Path) -> None:
    _customers(tmp_path, [7, 42])  # int64 in Parquet
    write_csv(
        tmp_path / "contacts.csv",
        [
            {"contact_id": 1, "customer_id": "42", "started_at": "2025-01-01T00:00:00Z", "channel": "chat", "ai_mode": "hybrid", "handle_seconds": 5},
            {"contact_id": 2, "customer_id": " 7 ", "started_at": "2025-01-02T00:00:00Z", "channel": "chat", "ai_mode": "hybrid", "handle_seconds": 5},
        ],
    )
    # pandas turns an integer id column with a gap into floats: 42.0 must still be customer 42
    pd.DataFrame({"customer_id": [42.0, None], "answered_at": pd.to_datetime(["2025-01-01"] * 2, utc=True), "kind": ["csat", "csat"], "score": [5, 4], "contact_id": ["1", "2"]}).to_parquet(
        tmp_path / "surveys.parquet", index=False
    )
    ds = cxroi.load_dataset(tmp_path)
    assert ds.report.quarantined == {"customers": 0, "contacts": 0, "surveys": 1}
    assert [c.rule for c in ds.report.counts] == ["required_missing"]
    assert sorted(ds.tables["surveys"].customer_id.execute()) == ["42"]


def test_unknown_columns_are_kept_and_duckdb_files_load(tmp_path: Path) -> None:
    db = tmp_path / "cc.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE customers AS SELECT '1' AS customer_id, TIMESTAMPTZ '2024-01-01 00:00:00+00' AS acquired_at, 'gold' AS tier").fetchall()
    con.execute(
        "CREATE TABLE contacts AS SELECT 'c1' AS contact_id, 1 AS customer_id, TIMESTAMP '2025-03-01 14:05:00' AS started_at, "
        "'Voice' AS channel, 'HUMAN_ONLY' AS ai_mode, 30 AS handle_seconds, 'x' AS queue_name"
    ).fetchall()
    con.close()
    ds = cxroi.load_dataset(db)
    assert ds.extra_columns == {"customers": ("tier",), "contacts": ("queue_name",)}
    row = ds.tables["contacts"].execute().iloc[0]
    assert (row["queue_name"], row["channel"], row["ai_mode"], row["customer_id"]) == ("x", "voice", "human_only", "1")
    assert _started(ds) == {"c1": INSTANT}
    assert ds.has("contacts", "handle_seconds") and not ds.has("contacts", "intent")


@pytest.mark.parametrize("text,expected", [("true", True), ("FALSE", False), ("1", True), ("0", False), ("yes", True), ("", None)])
def test_booleans_in_csv(tmp_path: Path, text: str, expected: bool | None) -> None:
    _customers(tmp_path, ["1"])
    write_csv(tmp_path / "contacts.csv", [{"contact_id": "c", "customer_id": "1", "started_at": "2025-01-01T00:00:00Z", "channel": "chat", "ai_mode": "hybrid", "handle_seconds": 1, "escalated": text}])
    value = cxroi.load_dataset(tmp_path).tables["contacts"].escalated.execute().iloc[0]
    assert (None if pd.isna(value) else bool(value)) == expected
