"""Whether the analyses run side by side: decided from the memory it would need, or by the
setting; and what the terminal says when memory decided against it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cxroi
from cxroi.cli import app
from cxroi.demo import generate_demo
from cxroi.io import side_memory
from cxroi.io.engine_settings import EngineSettings
from cxroi.io.side_memory import BYTES_PER_CUSTOMER, plan_side_by_side

GIB = 2**30


def test_auto_runs_side_by_side_where_the_measured_runs_fit_and_not_where_they_nearly_did() -> None:
    # the two measured runs (docs/performance.md): 10M contacts peaked at 3.63 GiB, 100M at
    # 20.4 GiB of this 24 GiB machine; the second is too close to the edge to repeat by default
    ten = plan_side_by_side(EngineSettings(memory_limit="2GB"), 1_250_000, 24 * GIB)
    hundred = plan_side_by_side(EngineSettings(memory_limit="3GB"), 12_500_000, 24 * GIB)
    assert ten.side_by_side and "1,250,000 customers" in ten.why and "within 85%" in ten.why
    assert ten.automatic and hundred.automatic
    assert not hundred.side_by_side and "more than 85% of 24.0 GiB" in hundred.why
    # the estimate: DuckDB's limit + the base + bytes per customer, against 85% of memory
    assert "about 21.9 GiB" in hundred.why  # 3e9 B + 0.5 GiB + 12.5M × 1,600 B, above 20.4 GiB


def test_the_boundary_is_the_estimate_itself() -> None:
    settings = EngineSettings(memory_limit="1GiB")
    need = GIB + side_memory.BASE_BYTES + BYTES_PER_CUSTOMER * 1000
    memory = int(need / side_memory.SAFE_SHARE) + 2
    assert plan_side_by_side(settings, 1000, memory).side_by_side
    assert not plan_side_by_side(settings, 1000, memory - 4).side_by_side


def test_the_setting_decides_outright_and_spark_never_runs_side_by_side() -> None:
    on = plan_side_by_side(EngineSettings(side_by_side=True), 10**9, GIB)
    off = plan_side_by_side(EngineSettings(side_by_side=False), 10, 64 * GIB)
    assert (on.side_by_side, on.why) == (True, "[engine] side_by_side = true")
    assert (off.side_by_side, off.why) == (False, "[engine] side_by_side = false")
    assert not on.automatic and not off.automatic  # the terminal explains only "auto"
    assert not plan_side_by_side(EngineSettings(kind="spark"), 10, 64 * GIB).side_by_side


def test_unknown_memory_runs_one_after_another(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(side_memory, "physical_memory_bytes", lambda: None)
    plan = plan_side_by_side(EngineSettings(memory_limit="1GB"), 10)
    assert not plan.side_by_side and "unknown" in plan.why


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("side-memory-demo")
    generate_demo(folder, contacts=5_000, seed=4)
    return folder


def test_an_analysis_short_of_memory_runs_one_after_another_and_says_why(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a machine of 1.5 GiB: the 1 GB DuckDB limit, the base and the customers do not fit in 85%
    monkeypatch.setattr(side_memory, "physical_memory_bytes", lambda: 3 * GIB // 2)
    cfg = cxroi.Config()
    cfg = replace(cfg, engine=replace(cfg.engine, memory_limit="1GB"))
    analysis = cxroi.analyze(demo, cfg)
    assert analysis.side_by_side is not None and not analysis.side_by_side.side_by_side
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["analyze", str(demo), "--out", str(out), "--timings",
                                      "--memory-limit", "1GB"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "The analyses ran one after another: side by side would need about" in said
    assert "[engine] side_by_side = true runs them side by side" in said
    forced = cxroi.analyze(demo, replace(cfg, engine=replace(cfg.engine, side_by_side=True)))
    assert forced.side_by_side is not None and forced.side_by_side.side_by_side
