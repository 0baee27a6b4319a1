"""Demo data generated block by block (the path that bounds memory at 100M contacts).

The block size is shrunk so a small dataset spans several blocks; the written files are then
checked independently of the generator: they pass the data contract with nothing quarantined, ids
are unique and numbered across blocks, truths.json equals counts taken from the files, the bytes
are the same on every run, and the size of the written slices (row groups) changes no value.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from cxroi.demo import _arrow, generator
from cxroi.demo.generator import generate_demo
from cxroi.io.contract import MODES, TABLES
from cxroi.io.dataset import load_dataset

N_CONTACTS = 40_000  # 5,000 customers
BLOCK = 1_200  # five blocks, the last one short
SEED = 3


@pytest.fixture(scope="module")
def blocks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("blocks")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(generator, "BLOCK_CUSTOMERS", BLOCK)
        generate_demo(out, contacts=N_CONTACTS, seed=SEED)
    return out


def _read(folder: Path) -> dict[str, pd.DataFrame]:
    return {spec.name: pd.read_parquet(folder / f"{spec.name}.parquet") for spec in TABLES}


def test_several_blocks_pass_the_contract(blocks: Path) -> None:
    ds = load_dataset(blocks)
    assert sum(ds.report.quarantined.values()) == 0
    assert ds.report.errors == ()


def test_ids_are_unique_and_numbered_across_blocks(blocks: Path) -> None:
    t = _read(blocks)
    contacts = t["contacts"]
    width = len(str(2 * N_CONTACTS))
    expected = [f"C{i:0{max(7, width)}d}" for i in range(1, len(contacts) + 1)]
    assert list(contacts["contact_id"]) == expected
    customers = t["customers"]["customer_id"]
    assert list(customers) == [f"K{i:05d}" for i in range(1, len(customers) + 1)]
    for table, key in (("surveys", "survey_id"), ("opportunities", "opportunity_id")):
        assert t[table][key].is_unique
    # blocks are groups of whole customers, written one after the other
    block_of = (contacts["customer_id"].str[1:].astype(int) - 1) // BLOCK
    assert block_of.is_monotonic_increasing
    assert block_of.nunique() == -(-len(customers) // BLOCK) == 5
    # within a block, contacts are in time order
    assert all(g["started_at"].is_monotonic_increasing for _, g in contacts.groupby(block_of))


def test_truths_equal_counts_from_the_files(blocks: Path) -> None:
    t = _read(blocks)
    truths = json.loads((blocks / "truths.json").read_text())
    assert truths["row_counts"] == {name: len(frame) for name, frame in t.items()}
    c = t["contacts"]
    assert truths["contacts_by_mode"] == {m: int((c["ai_mode"] == m).sum()) for m in MODES}
    escalated = int(c["escalated"].sum())
    ai_only = int((c["ai_mode"] == "ai_only").sum())
    assert truths["escalated_contacts"] == escalated
    assert truths["containment_rate"] == ai_only / (ai_only + escalated)
    month = c["started_at"].dt.strftime("%Y-%m")
    by_month = {
        m: float(g["ai_mode"].eq("ai_only").sum() / (g["ai_mode"].eq("ai_only").sum() + g["escalated"].sum()))
        for m, g in c.groupby(month)
        if g["ai_mode"].eq("ai_only").sum() + g["escalated"].sum() > 0
    }
    assert truths["containment_by_month"] == by_month
    assert pd.Timestamp(truths["as_of"]) == c["started_at"].max()
    opps = t["opportunities"].merge(c[["contact_id", "ai_mode"]], on="contact_id")
    closed = opps[opps["closed_at"].notna()]
    group = closed["ai_mode"].map(lambda m: "human_only" if m == "human_only" else "ai_assisted")
    assert truths["opportunities_closed"] == {g: int((group == g).sum()) for g in ("ai_assisted", "human_only")}
    assert truths["opportunities_won"] == {
        g: int(((group == g) & closed["won"].astype(bool)).sum()) for g in ("ai_assisted", "human_only")
    }


def test_same_bytes_every_run_and_any_row_group_size(blocks: Path, tmp_path: Path) -> None:
    again, small_groups = tmp_path / "again", tmp_path / "small"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(generator, "BLOCK_CUSTOMERS", BLOCK)
        generate_demo(again, contacts=N_CONTACTS, seed=SEED)
        mp.setattr(_arrow, "ROW_GROUP", 1_000)
        generate_demo(small_groups, contacts=N_CONTACTS, seed=SEED)
    for spec in TABLES:
        name = f"{spec.name}.parquet"
        assert (again / name).read_bytes() == (blocks / name).read_bytes()
        assert pq.read_table(small_groups / name).equals(pq.read_table(blocks / name))
    assert pq.ParquetFile(small_groups / "contacts.parquet").metadata.num_row_groups > 5
    assert (again / "truths.json").read_text() == (blocks / "truths.json").read_text()
