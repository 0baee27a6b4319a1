"""Outputs are all-or-nothing: a failed write leaves the earlier files exactly as they were.

Failures are injected two ways: a monkeypatched write that puts half its bytes down and then
raises ``OSError(ENOSPC)`` (the way a full disk behaves), and a real, tiny tmpfs file system that
runs out of space or is mounted read-only (skipped where mounting is not permitted).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cxroi
from cxroi.cli import app
from cxroi.errors import EXIT_BAD_INPUT, EXIT_ENVIRONMENT, explain_os_error
from cxroi.io import atomic
from cxroi.io.atomic import OutputWriteError, all_or_nothing
from helpers import write_csv

T = "2025-01-01T00:00:00Z"


def _dataset(folder: Path, bad_rows: int = 2) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "customers.csv", [{"customer_id": "k1", "acquired_at": T}])
    rows = [
        {"contact_id": f"c{i}", "customer_id": "k1", "started_at": f"2025-01-{i + 1:02d}T00:00:00Z",
         "channel": "chat", "ai_mode": "robot" if i < bad_rows else "ai_only", "handle_seconds": 10, "cost": 1}
        for i in range(20)
    ]
    write_csv(folder / "contacts.csv", rows)
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _disk_full_after(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Writes to a file called ``name`` put half their bytes down, then fail like a full disk."""
    real = Path.write_bytes

    def write_bytes(self: Path, data: bytes) -> int:  # type: ignore[override]
        if self.name == name:
            real(self, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)


# --- the writer -------------------------------------------------------------------------------


def test_write_text_replaces_whole_or_not_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "results.json"
    atomic.write_text(path, "old")
    assert path.read_text() == "old"
    atomic.write_bytes(path, b"new")
    assert path.read_bytes() == b"new"
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # as open() would make it

    def fail(handle: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OutputWriteError) as info:
        atomic.write_text(path, "newer" * 1000)
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(path)
    assert path.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]


def test_a_set_is_written_whole(tmp_path: Path) -> None:
    (tmp_path / "quarantine").mkdir()
    (tmp_path / "quarantine" / "agents.csv").write_text("stale")
    with all_or_nothing(tmp_path) as out:
        assert out.write_text("results.json", "{}") == tmp_path / "results.json"
        out.path("quarantine/contacts.csv").write_text("line,rules\n")
        out.discard("quarantine/agents.csv")
        out.discard("quarantine/never-written.csv")
        assert not (tmp_path / "results.json").exists()  # nothing lands before the block ends
    assert _snapshot(tmp_path) == {"quarantine/contacts.csv": b"line,rules\n", "results.json": b"{}"}


def test_a_failing_write_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "results.json").write_text("good")
    (tmp_path / "report.html").write_text("good report")
    before = _snapshot(tmp_path)
    _disk_full_after(monkeypatch, "report.html")
    with pytest.raises(OutputWriteError) as info:
        with all_or_nothing(tmp_path) as out:
            out.write_text("results.json", "new")
            out.write_text("report.html", "new report")
    assert info.value.errno == errno.ENOSPC
    assert info.value.filename == str(tmp_path / "report.html") and info.value.unchanged == tmp_path
    assert _snapshot(tmp_path) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".cxroi")] == []


def test_a_failing_commit_puts_back_what_it_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("a.txt", "b.txt", "stale.txt"):
        (tmp_path / name).write_text(f"old {name}")
    before = _snapshot(tmp_path)
    real_replace = os.replace
    calls = {"n": 0}

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        # fail the second move into place (a.txt has already been replaced)
        if Path(dst).parent == tmp_path:
            calls["n"] += 1
            if calls["n"] == 2:
                raise OSError(errno.EIO, os.strerror(errno.EIO), str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OutputWriteError) as info:
        with all_or_nothing(tmp_path) as out:
            out.write_text("a.txt", "new a")
            out.write_text("b.txt", "new b")
            out.write_text("c.txt", "new c")
            out.discard("stale.txt")
    assert info.value.errno == errno.EIO
    assert _snapshot(tmp_path) == before


def test_an_exception_in_the_block_writes_nothing_and_removes_a_new_folder(tmp_path: Path) -> None:
    target = tmp_path / "new" / "out"
    with pytest.raises(ValueError):
        with all_or_nothing(target) as out:
            out.write_text("results.json", "{}")
            raise ValueError("a bug")
    assert not target.exists()


def test_the_output_folder_is_checked_before_any_work(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    for target, code in ((blocker, errno.EEXIST), (blocker / "sub", errno.ENOTDIR)):
        with pytest.raises(OSError) as info:
            atomic.usable_folder(target)
        assert info.value.errno == code
    atomic.usable_folder(tmp_path / "fresh")
    assert not (tmp_path / "fresh").exists()  # a folder made only for the check is removed


@pytest.mark.parametrize(
    "code,exit_code,says",
    [
        (errno.ENOSPC, EXIT_ENVIRONMENT, "no space left on the device"),
        (errno.EACCES, EXIT_ENVIRONMENT, "permission denied"),
        (errno.EROFS, EXIT_ENVIRONMENT, "read-only"),
        (errno.ENOTDIR, EXIT_BAD_INPUT, "part of that path is a file"),
        (errno.EEXIST, EXIT_BAD_INPUT, "a file with that name is in the way"),
    ],
)
def test_os_errors_become_one_line_and_an_exit_code(code: int, exit_code: int, says: str) -> None:
    message, got = explain_os_error(OSError(code, os.strerror(code), "/x/out"))
    assert got == exit_code and says in message and "/x/out" in message and "\n" not in message
    wrapped = OutputWriteError(OSError(code, os.strerror(code)), Path("/x/out/results.json"), Path("/x/out"))
    assert "nothing in /x/out was changed" in explain_os_error(wrapped)[0]


def test_engine_text_keeps_its_error_number() -> None:
    err = atomic.os_error_from_engine('IO Error: Could not write file "q.csv": No space left on device', Path("q.csv"))
    assert err.errno == errno.ENOSPC and err.filename == "q.csv"
    assert atomic.os_error_from_engine("IO Error: something odd", Path("q.csv")).errno == errno.EIO


# --- the command line ------------------------------------------------------------------------


def test_analyze_on_a_full_disk_keeps_the_earlier_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, out = _dataset(tmp_path / "d"), tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(app, ["analyze", str(data), "--out", str(out)])
    assert first.exit_code == 0, first.output
    before = _snapshot(out)
    assert set(before) == {"results.json", "quarantine/contacts.csv"}
    _dataset(tmp_path / "d", bad_rows=0)  # the next run would remove the quarantine file
    _disk_full_after(monkeypatch, "results.json")
    again = runner.invoke(app, ["analyze", str(data), "--out", str(out)])
    assert again.exit_code == EXIT_ENVIRONMENT
    assert again.exception is None or isinstance(again.exception, SystemExit)
    [line] = again.stderr.strip().splitlines()
    assert line.startswith("error: cannot write") and "results.json" in line
    assert "no space left" in line and "was changed" in line
    assert _snapshot(out) == before


def test_validate_writes_quarantine_files_as_a_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, qdir = _dataset(tmp_path / "d"), tmp_path / "q"
    (qdir / "quarantine").mkdir(parents=True)
    (qdir / "quarantine" / "contacts.csv").write_text("earlier")
    (qdir / "quarantine" / "agents.csv").write_text("stale")
    ds = cxroi.load_dataset(data)
    written = ds.write_quarantine(qdir)
    assert written == {"contacts": qdir / "quarantine" / "contacts.csv"}
    assert not (qdir / "quarantine" / "agents.csv").exists()
    assert written["contacts"].read_text().startswith("line,contact_id,")
    proc = CliRunner().invoke(app, ["validate", str(data), "--quarantine-dir", str(tmp_path / "d" / "contacts.csv")])
    assert proc.exit_code == EXIT_BAD_INPUT and "in the way of a folder" in proc.stderr


def test_an_output_path_that_is_a_file_exits_2_in_one_line(tmp_path: Path) -> None:
    data = _dataset(tmp_path / "d")
    blocker = tmp_path / "results"
    blocker.write_text("I am a file")
    proc = subprocess.run(
        [sys.executable, "-m", "cxroi", "analyze", str(data), "--out", str(blocker / "sub")],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == EXIT_BAD_INPUT
    assert "Traceback" not in proc.stdout + proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert line == f"error: cannot use {blocker / 'sub'}: part of that path is a file, not a folder. Choose another path."


# --- a real, tiny file system ----------------------------------------------------------------


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs (Linux, root or CAP_SYS_ADMIN); skipped where mounting is not allowed."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if shutil.which("mount") is None or not sys.platform.startswith("linux"):
        pytest.skip("needs Linux mount(8) to build a small file system")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def _fill(folder: Path, leave: int) -> None:
    """Fill the file system holding ``folder`` until about ``leave`` bytes remain."""
    stats = os.statvfs(folder)
    free = stats.f_bavail * stats.f_frsize
    with (folder / "filler").open("wb") as fh:
        fh.write(b"\0" * max(free - leave, 0))


def test_a_real_full_disk_keeps_the_earlier_results(tmp_path: Path, tiny_fs: Path) -> None:
    data, out = _dataset(tmp_path / "d"), tiny_fs / "out"
    cmd = [sys.executable, "-m", "cxroi", "analyze", str(data), "--out", str(out)]
    assert subprocess.run(cmd, capture_output=True, timeout=300).returncode == 0
    before = _snapshot(out)
    _fill(tiny_fs, leave=8192)  # the probe fits, results.json (tens of KB) does not
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == EXIT_ENVIRONMENT, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert "no space left on the device" in line and f"nothing in {out} was changed" in line
    assert _snapshot(out) == before
    assert json.loads((out / "results.json").read_text())["dataset"]["quarantined"]["contacts"] == 2


def test_a_real_full_disk_under_duckdbs_own_writer(tmp_path: Path, tiny_fs: Path) -> None:
    ds = cxroi.load_dataset(_dataset(tmp_path / "d", bad_rows=10))
    _fill(tiny_fs, leave=0)
    with pytest.raises(OutputWriteError) as info:
        ds.write_quarantine(tiny_fs / "q")
    assert info.value.errno == errno.ENOSPC
    assert sorted(p.name for p in tiny_fs.iterdir()) == ["filler"]


def test_a_read_only_disk_exits_1_before_the_analysis(tmp_path: Path, tiny_fs: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_fs)], check=True)
    proc = subprocess.run(
        [sys.executable, "-m", "cxroi", "analyze", str(_dataset(tmp_path / "d")), "--out", str(tiny_fs / "out")],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == EXIT_ENVIRONMENT
    [line] = proc.stderr.strip().splitlines()
    assert "read-only" in line and "Traceback" not in proc.stderr
