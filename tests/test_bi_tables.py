"""BI tables, the parts that need no analysis: small-cell suppression, row keys, the documented
schema (docs/bi-tables.md against the declarations), stale tables removed with a new run.

The tables built from a real analysis are checked against its typed tree in test_cli_outputs.py.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from cxroi.io.atomic import all_or_nothing
from cxroi.outputs import columns as cols
from cxroi.outputs.cells import count_cells, figure_cells, month_start, number_cells
from cxroi.outputs.tables import TABLE_NAMES, _ordered, discard_tables, relative_path
from cxroi.results.model.money import Basis, Evidence, Money
from cxroi.stats.clustered import ClusteredEstimate
from cxroi.stats.result import CannotCompute, Contrast, Estimate, Unit

DOC = Path(__file__).resolve().parents[1] / "docs" / "bi-tables.md"


def test_a_number_under_min_cell_is_suppressed_with_everything_that_reveals_it() -> None:
    e = ClusteredEstimate(0.4, 0.1, 0.7, method="wilson", n=9, se=0.1, unit=Unit.FRACTION,
                          customers=8)
    hidden = number_cells(e, 10, None)
    assert hidden["suppressed"] is True
    assert [hidden[k] for k in ("estimate", "ci_low", "ci_high", "se", "n", "customers")] == [
        None] * 6
    assert hidden["unit"] == "fraction" and "fewer than 10" in hidden["note"]
    shown = number_cells(e, 9, None)  # 9 observations are enough at min_cell 9
    assert shown["suppressed"] is False
    assert (shown["estimate"], shown["ci_low"], shown["ci_high"], shown["n"],
            shown["customers"]) == (0.4, 0.1, 0.7, 9, 8)


def test_the_trees_own_small_cell_flag_and_the_smaller_side_of_a_contrast_count() -> None:
    flagged = Estimate(1.0, n=500, small_cell=True)
    assert number_cells(flagged, 1, None)["suppressed"] is True
    contrast = Contrast(0.1, -0.1, 0.3, n=400, n_a=395, n_b=5)
    assert number_cells(contrast, 10, None)["suppressed"] is True
    assert number_cells(contrast, 5, None)["suppressed"] is False


def test_a_number_that_cannot_be_computed_keeps_its_reason() -> None:
    row = number_cells(CannotCompute("no surveys in this month"), 10, Unit.CES)
    assert row["estimate"] is None and row["suppressed"] is False
    assert row["note"] == "no surveys in this month" and row["unit"] == "ces"


def test_counts_below_min_cell_are_suppressed_but_zero_is_shown() -> None:
    assert count_cells(9, 10)["estimate"] is None and count_cells(9, 10)["suppressed"]
    assert count_cells(1, 10)["suppressed"]
    assert count_cells(10, 10)["estimate"] == 10.0 and count_cells(10, 10)["n"] == 10
    assert count_cells(0, 10)["estimate"] == 0.0 and not count_cells(0, 10)["suppressed"]


def test_a_money_figure_keeps_its_labels_even_when_suppressed() -> None:
    money = Money(1000.0, 500.0, 1500.0, n=4, evidence=Evidence.ADJUSTED, horizon_months=12,
                  basis=Basis.ATT, margin_applied=False, population="AI-assisted customers")
    row = figure_cells(money, 10, Unit.MONEY)
    assert row["suppressed"] and row["estimate"] is None
    assert (row["horizon_months"], row["basis"], row["evidence"], row["margin_applied"]) == (
        12, "att", "adjusted_estimate", False)
    assert row["population"] == "AI-assisted customers" and row["unit"] == "money"


def test_month_start() -> None:
    assert month_start("2025-03") == date(2025, 3, 1)
    assert month_start("all") is None and month_start("2025-W52") is None


def test_a_repeated_row_key_is_refused() -> None:
    row = {c: None for c in cols.ALERT_EVIDENCE.names}
    with pytest.raises(ValueError, match="two rows with the key"):
        _ordered(cols.ALERT_EVIDENCE, [{**row, "alert": 1, "measure": "x"}] * 2)


def test_rows_are_ordered_by_the_key_with_nulls_first() -> None:
    rows = [{"alert": a, "measure": m} for a, m in ((2, "b"), (1, "z"), (1, "a"))]
    ordered = _ordered(cols.ALERT_EVIDENCE, rows)
    assert [(r["alert"], r["measure"]) for r in ordered] == [(1, "a"), (1, "z"), (2, "b")]


def _documented() -> dict[str, tuple[list[tuple[str, str, bool]], str]]:
    """docs/bi-tables.md: each table's columns (name, type, nullable) and its row order line."""
    text = DOC.read_text(encoding="utf-8")
    out: dict[str, tuple[list[tuple[str, str, bool]], str]] = {}
    for block in re.split(r"^### ", text, flags=re.M)[1:]:
        name = re.match(r"`(\w+)`", block)
        assert name, block[:40]
        rows = re.findall(r"^\| `(\w+)` \| (\w+) \| (yes|no) \|", block, flags=re.M)
        order = re.search(r"^Rows are sorted by (.+) \(a unique key\)\.$", block, flags=re.M)
        assert order, name.group(1)
        out[name.group(1)] = ([(c, t, n == "yes") for c, t, n in rows], order.group(1))
    return out


def test_the_documented_schema_is_the_declared_one() -> None:
    documented = _documented()
    assert list(documented) == list(TABLE_NAMES)
    for spec in cols.TABLES:
        columns, order = documented[spec.name]
        assert columns == [(c.name, c.type, c.nullable) for c in spec.columns], spec.name
        assert order == ", ".join(f"`{c}`" for c in spec.order_by), spec.name


def test_declared_types_are_arrow_types_and_keys_are_columns() -> None:
    for spec in cols.TABLES:
        schema = spec.schema({"k": "v"})
        assert schema.metadata == {b"k": b"v"}
        assert set(spec.order_by) <= set(spec.names), spec.name
        assert all(not schema.field(c).nullable for c in spec.order_by), spec.name
        for column in spec.columns:
            assert isinstance(schema.field(column.name).type, pa.DataType)
            assert schema.field(column.name).metadata[b"description"].decode() == column.meaning


def test_an_earlier_runs_tables_are_removed_when_results_are_replaced(tmp_path: Path) -> None:
    stale = tmp_path / relative_path("metrics")
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    (tmp_path / "keep.txt").write_text("mine")
    with all_or_nothing(tmp_path) as outputs:
        outputs.write_text("results.json", "{}\n")
        discard_tables(outputs)
    assert not stale.exists()
    assert (tmp_path / "keep.txt").read_text() == "mine"
    assert (tmp_path / "results.json").read_text() == "{}\n"
