"""The outputs commands on one real analysis: ``analyze --tables --timings``, ``report --results``,
the engine options, and the tables checked against the typed tree they come from.

One demo analysis runs through the command line (module fixture); every table row that holds a
number is then traced back to the tree through its ``source`` reference, independently of the
code that built the row (:mod:`cxroi.results.refs` resolves it).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cxroi.cli import app
from cxroi.cli_options import ArgumentError, EngineFlags
from cxroi.config import Config, config_from_dict
from cxroi.demo import generate_demo
from cxroi.outputs import columns as cols
from cxroi.outputs.tables import TABLE_NAMES, build_tables, parquet_bytes, relative_path
from cxroi.results.files import load_results
from cxroi.results.model.scenario import TrailingWindow
from cxroi.results.refs import RefError, parse, resolve, resolve_series
from cxroi.results.tree import Results
from cxroi.stats.result import Estimate

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``cxroi analyze DEMO --out OUT --tables --timings`` on 20,000 demo contacts."""
    root = tmp_path_factory.mktemp("outputs")
    generate_demo(root / "data", contacts=20_000, seed=5)
    out = root / "out"
    done = CliRunner().invoke(app, ["analyze", str(root / "data"), "--out", str(out), "--tables",
                                    "--timings", "--threads", "2"])
    assert done.exit_code == 0, done.output
    return out


@pytest.fixture(scope="module")
def results(run: Path) -> Results:
    return load_results(run / "results.json")


@pytest.fixture(scope="module")
def tables(run: Path) -> dict[str, pa.Table]:
    return {name: pq.read_table(run / relative_path(name)) for name in TABLE_NAMES}


def _rows(table: pa.Table) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


def test_analyze_writes_every_table_and_the_timings(run: Path) -> None:
    assert sorted(p.name for p in (run / "tables").iterdir()) == sorted(
        f"{n}.parquet" for n in TABLE_NAMES)
    timings = json.loads((run / "timings.json").read_text())
    stages = [s["stage"] for s in timings["stages"]]
    for stage in ("validation", "exact metrics", "retention", "value", "stack", "writing outputs"):
        assert stage in stages
    for s in timings["stages"]:
        assert s["seconds"] >= 0 and s["cpu_seconds"] >= 0 and s["peak_bytes"] > 0
    assert timings["total"]["peak_bytes"] >= max(s["peak_bytes"] for s in timings["stages"])
    assert "duckdb" in timings["engine"]
    # 2,500 demo customers: side by side fits in any machine's memory
    assert timings["side_by_side"]["on"] is True
    assert "2,500 customers" in timings["side_by_side"]["why"]
    assert "timings" not in json.loads((run / "results.json").read_text())


def test_tables_are_the_same_bytes_when_rebuilt_from_results_json(
    run: Path, results: Results
) -> None:
    # the run's tables came from the tree in memory; these from the file the loader read back
    rebuilt = build_tables(results, 10)
    for name in TABLE_NAMES:
        assert (run / relative_path(name)).read_bytes() == parquet_bytes(rebuilt[name]), name
    again = build_tables(results, 10)
    assert all(parquet_bytes(again[n]) == parquet_bytes(rebuilt[n]) for n in TABLE_NAMES)


def test_written_files_have_the_declared_schema(run: Path) -> None:
    for spec in cols.TABLES:
        schema = pq.read_schema(run / relative_path(spec.name))
        assert schema.names == list(spec.names), spec.name
        declared = spec.schema({})
        for field in declared:
            got = schema.field(field.name)
            assert (got.type, got.nullable) == (field.type, field.nullable), field.name
        meta = schema.metadata
        assert meta[b"cxroi.table"] == spec.name.encode() and meta[b"cxroi.min_cell"] == b"10"


def _resolved(results: Results, source: str, period: str) -> float | None | str:
    """The number ``source`` names in the tree (the row's month for a series); 'skip' if none."""
    try:
        ref = parse(source, Results, numbers_only=True)
    except RefError:
        return "skip"
    if not ref.series:
        return resolve(ref, results).value
    series, _ = resolve_series(ref, results)
    return dict(series)[period].value


@pytest.mark.parametrize("name", ["metrics", "stack_monthly"])
def test_every_number_is_the_trees_number(
    name: str, results: Results, tables: dict[str, pa.Table]
) -> None:
    checked = 0
    for row in _rows(tables[name]):
        if row["estimate"] is None:
            continue
        expected = _resolved(results, row["source"], row["period"])
        if expected == "skip":  # the monthly CSAT gap: a row object, checked below
            assert row["metric"] == "csat_delta"
            continue
        assert row["estimate"] == expected, row
        checked += 1
    assert checked > 200


def test_a_metrics_row_carries_the_trees_interval(
    results: Results, tables: dict[str, pa.Table]
) -> None:
    rows = {(r["period"], r["dimension"], r["group"], r["metric"]): r
            for r in _rows(tables["metrics"])}
    fcr = results.metrics.fcr[7].ai_only
    assert isinstance(fcr, Estimate)
    row = rows[("all", "mode", "ai_only", "fcr_7d")]
    assert (row["estimate"], row["ci_low"], row["ci_high"], row["se"], row["n"]) == (
        fcr.estimate, fcr.ci_low, fcr.ci_high, fcr.se, fcr.n)
    assert row["customers"] == fcr.customers and row["unit"] == "fraction"
    assert row["method"] == fcr.method and row["source"] == "metrics.fcr_7d.ai_only"
    gap = results.metrics.csat_delta_hybrid_vs_human_monthly[-1]
    gap_row = rows[(gap.month, "mode_contrast", "hybrid_vs_human_only", "csat_delta")]
    assert gap_row["estimate"] == gap.estimate and gap_row["ci_high"] == gap.ci_high
    contacts = rows[("all", "mode", "hybrid", "contacts")]
    assert contacts["estimate"] == results.metrics.counts.contacts.hybrid


def test_pillars_and_roi_rows_carry_the_trees_figures(
    results: Results, tables: dict[str, pa.Table]
) -> None:
    pillars = {r["name"]: r for r in _rows(tables["pillars"])}
    protected = results.value.revenue_protected_12m
    assert isinstance(protected, Estimate)
    row = pillars["revenue_protected.12m"]
    assert (row["estimate"], row["ci_low"], row["ci_high"], row["horizon_months"],
            row["basis"], row["evidence"], row["margin_applied"], row["headline"]) == (
        protected.estimate, protected.ci_low, protected.ci_high, 12, "att",
        "adjusted_estimate", False, True)
    assert {r["name"] for r in pillars.values() if r["headline"]} == {
        "revenue_protected.12m", "revenue_generated.incremental", "revenue_at_risk.total",
        "clv.per_customer", "what_if_stopped.extra_cost", "roi.ratio"}
    w = results.value.roi_worksheet
    assert pillars["roi.ratio"]["illustrative"] is w.illustrative
    assert not any(r["illustrative"] for r in pillars.values() if r["pillar"] != "roi")
    last = w.monthly[-1]
    roi_rows = {(r["period"], r["window"], r["line"]): r for r in _rows(tables["roi_monthly"])}
    assert roi_rows[(last.month, "month", "net")]["estimate"] == last.net
    trailing = last.trailing_12m
    assert isinstance(trailing, TrailingWindow)  # the demo spans two years
    roi = trailing.roi
    got = roi_rows[(last.month, "trailing_12m", "roi")]
    assert (got["estimate"], got["ci_low"], got["ci_high"]) == (
        roi.estimate, roi.ci_low, roi.ci_high)
    assert got["tco_source"] == w.tco_source


def test_stack_and_alert_rows_follow_the_tree(
    results: Results, tables: dict[str, pa.Table]
) -> None:
    metrics = _rows(tables["stack_metrics"])
    assert [m["id"] for m in metrics] == sorted(m.id for m in results.stack.metrics)
    by_id = {m.id: m for m in results.stack.metrics}
    for row in metrics:
        tree = by_id[row["id"]]
        assert row["state"] == tree.state and row["triggers"] == len(tree.triggers)
        assert row["value"] == (None if row["suppressed"] else tree.value)
    fired = sum(len(t.fired_months or ()) for m in results.stack.metrics for t in m.triggers)
    assert tables["stack_trigger_months"].num_rows == fired
    alerts = _rows(tables["alerts"])
    assert [a["message"] for a in alerts] == [a.message for a in results.alerts]
    assert [a["kind"] for a in alerts] == [a.kind for a in results.alerts]
    masking = [a for a in results.alerts if a.evidence is not None]
    assert tables["alert_evidence"].num_rows >= len(masking)


def test_suppression_follows_min_cell(results: Results) -> None:
    hidden = build_tables(results, min_cell=10**9)["metrics"]
    for row in _rows(hidden):
        if row["unit"] == "count" and row["estimate"] == 0:
            continue  # a zero count describes nobody
        assert row["estimate"] is None and row["n"] is None, row
        assert row["suppressed"] or row["note"]
    shown = _rows(build_tables(results, min_cell=1)["stack_monthly"])
    for row in shown:  # at 1, only what the analysis itself flagged stays hidden
        if row["suppressed"]:
            month = next(m for m in results.stack.monthly if m.month == row["period"])
            metric = getattr(month, row["metric"])
            leaf = metric if row["metric"] == "containment_rate" else getattr(metric, row["group"])
            assert isinstance(leaf, Estimate) and leaf.small_cell, row


def test_report_renders_from_results_without_analysing(run: Path, tmp_path: Path) -> None:
    out = tmp_path / "rendered"
    done = CliRunner().invoke(app, ["report", "--results", str(run / "results.json"), "--out",
                                    str(out), "--tables"])
    assert done.exit_code == 0, done.output
    for name in ("report.html", "report.pdf", "board.pptx"):
        assert (out / name).stat().st_size > 1000
    assert not (out / "results.json").exists()
    for name in TABLE_NAMES:
        assert (out / relative_path(name)).read_bytes() == (
            run / relative_path(name)).read_bytes()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cxroi", *args], capture_output=True, text=True,
                          timeout=300)


def test_an_unreadable_results_file_exits_2_in_one_line(run: Path, tmp_path: Path) -> None:
    good = json.loads((run / "results.json").read_text())
    cases = {
        "old.json": json.dumps({**good, "schema_version": "1.4.0"}),
        "cut.json": (run / "results.json").read_text()[:5000],
        "layout.json": json.dumps({**good, "metrics": {"fcr_7d": 1}}),
    }
    expected = {"old.json": "schema_version", "cut.json": "not_json",
                "layout.json": "results_layout"}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        proc = _cli("report", "--results", str(tmp_path / name), "--out", str(tmp_path / "r"))
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert expected[name] in proc.stderr
    assert not (tmp_path / "r").exists()


def test_report_needs_one_source(tmp_path: Path) -> None:
    runner = CliRunner()
    for args in (["report"], ["report", "DATA", "--results", "r.json", "--out", "o"],
                 ["report", "DATA"],
                 ["report", "--results", "r.json", "--threads", "2", "--strict"]):
        assert runner.invoke(app, args).exit_code == 2, args


def test_engine_options_override_the_engine_table() -> None:
    cfg = config_from_dict({"engine": {"threads": 4, "memory_limit": "8GB"}})
    merged = EngineFlags(memory_limit="2GB").apply(cfg)
    assert (merged.engine.memory_limit, merged.engine.threads) == ("2GB", 4)
    assert replace(merged, engine=cfg.engine) == cfg  # nothing else changes
    remote = EngineFlags(engine="sc://spark.example:15002").apply(Config())
    assert (remote.engine.kind, remote.engine.spark_remote) == ("spark", "sc://spark.example:15002")
    assert EngineFlags(spark_remote="sc://h:1").apply(Config()).engine.kind == "spark"
    assert EngineFlags().apply(cfg) == cfg


def test_bad_engine_options_are_named_all_at_once() -> None:
    with pytest.raises(ArgumentError) as err:
        EngineFlags("postgres://u@h/db", "http://x", "lots", 0).apply(Config())
    got = sorted((p.where, p.rule) for p in err.value.problems)
    assert got == [("--engine", "not_an_engine"), ("--memory-limit", "bad_size"),
                   ("--spark-remote", "bad_address"), ("--threads", "out_of_range")]
    with pytest.raises(ArgumentError) as unknown:
        EngineFlags(engine="oracle").apply(Config())
    assert [p.where for p in unknown.value.problems] == ["--engine"]


def test_a_bad_engine_option_exits_2_before_any_work(tmp_path: Path) -> None:
    proc = _cli("analyze", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o"),
                "--memory-limit", "12")
    assert proc.returncode == 2 and "--memory-limit" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "o").exists()


def test_import_reads_its_options_from_the_configuration(tmp_path: Path) -> None:
    cfg = tmp_path / "cxroi.toml"
    cfg.write_text('[import.bank]\nunidentified = "exclude"\n', encoding="utf-8")
    runner = CliRunner()
    calls = FIXTURES / "bank" / "calls.tsv"
    from_config = runner.invoke(app, ["import", str(calls), "--from", "bank", "--out",
                                      str(tmp_path / "a"), "--config", str(cfg)])
    assert from_config.exit_code == 0, from_config.output
    assert "unidentified calls excluded" in from_config.output
    overridden = runner.invoke(app, ["import", str(calls), "--from", "bank", "--out",
                                     str(tmp_path / "b"), "--config", str(cfg),
                                     "--set", "unidentified=separate"])
    assert overridden.exit_code == 0, overridden.output
    assert "unidentified calls excluded" not in overridden.output
