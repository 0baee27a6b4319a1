"""The command line as a user meets it: exit codes, messages, no tracebacks, files written."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

from typer.testing import CliRunner

import cxroi
from cxroi.cli import app
from helpers import write_csv

T = "2025-01-01T00:00:00Z"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cxroi", *args], capture_output=True, text=True, timeout=300)


def _dataset(folder: Path, bad_rows: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "customers.csv", [{"customer_id": "k1", "acquired_at": T}])
    rows = [
        {"contact_id": f"c{i}", "customer_id": "k1", "started_at": f"2025-01-{i + 1:02d}T00:00:00Z",
         "channel": "chat", "ai_mode": "ai_only", "handle_seconds": 10, "cost": 1}
        for i in range(20)
    ]
    for i in range(bad_rows):
        rows[i]["ai_mode"] = "robot"
    write_csv(folder / "contacts.csv", rows)
    return folder


def _no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stdout + proc.stderr


def test_analyze_writes_results_and_quarantine(tmp_path: Path) -> None:
    data = _dataset(tmp_path / "d", bad_rows=2)
    proc = run("analyze", str(data), "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["dataset"]["rows"]["contacts"] == 20
    assert results["dataset"]["quarantined"]["contacts"] == 2
    assert (tmp_path / "out" / "quarantine" / "contacts.csv").exists()
    assert "true FCR, 7 days" in proc.stdout


def test_structural_fault_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    data = _dataset(tmp_path / "d")
    (data / "customers.csv").unlink()
    for command in (["validate", str(data)], ["analyze", str(data), "--out", str(tmp_path / "o")]):
        proc = run(*command)
        assert proc.returncode == 2
        _no_traceback(proc)
        assert "required table customers not found" in proc.stderr


def test_strict_exits_2_lenient_exits_0(tmp_path: Path) -> None:
    data = _dataset(tmp_path / "d", bad_rows=3)
    lenient = run("validate", str(data))
    assert lenient.returncode == 0 and "not_allowed" in lenient.stdout
    strict = run("validate", str(data), "--strict")
    assert strict.returncode == 2
    _no_traceback(strict)
    assert "contacts.ai_mode" in strict.stderr and "3 rows" in strict.stderr


def test_bad_configuration_exits_2_listing_every_problem(tmp_path: Path) -> None:
    cfg = tmp_path / "cxroi.toml"
    cfg.write_text('[dataset]\ntimezone = "Mars/Olympus"\ncolour = "red"\n[cost_model.robot]\nper_minute = 1\n')
    proc = run("analyze", str(_dataset(tmp_path / "d")), "--out", str(tmp_path / "o"), "--config", str(cfg))
    assert proc.returncode == 2
    _no_traceback(proc)
    for text in ("dataset.timezone", "dataset.colour", "cost_model.robot"):
        assert text in proc.stderr


def test_missing_dataset_and_unknown_file_type(tmp_path: Path) -> None:
    for target in (tmp_path / "nowhere", tmp_path / "notes.txt"):
        if target.suffix:
            target.write_text("hello")
        proc = run("validate", str(target))
        assert proc.returncode == 2
        _no_traceback(proc)


def test_version_matches_the_package(tmp_path: Path) -> None:
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    expected = f"cxroi {pyproject['project']['version']}"
    assert cxroi.__version__ == pyproject["project"]["version"]
    assert CliRunner().invoke(app, ["-V"]).stdout.strip() == expected
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == expected


def test_any_command_turns_a_file_system_error_into_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    result = CliRunner().invoke(app, ["demo-data", str(blocker / "demo"), "--contacts", "1000"])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert result.stderr.strip().splitlines() == [
        f"error: cannot use {blocker / 'demo'}: part of that path is a file, not a folder. Choose another path."
    ]
