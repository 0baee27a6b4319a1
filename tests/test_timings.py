"""Stage timings from progress messages: durations, regrouped messages, and memory peaks."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from cxroi.io.timings import StageTimer, resident_bytes


def test_stages_follow_the_messages(tmp_path: Path) -> None:
    timer = StageTimer(group=lambda m: "loading" if m.startswith("reading") else m)
    say = timer.progress()
    say("reading contacts")
    time.sleep(0.05)
    say("reading customers")  # same stage
    time.sleep(0.05)
    say("metrics")
    block = np.ones(50_000_000, dtype=np.int8)  # 50 MB held while the stage runs
    block[::4096] = 2
    time.sleep(0.1)
    del block
    say("loading")  # a stage seen again adds to its first record
    time.sleep(0.02)
    stages = timer.finish()
    assert [s.stage for s in stages] == ["loading", "metrics"]
    loading, metrics = stages
    assert loading.seconds >= 0.12 and metrics.seconds >= 0.1
    assert metrics.peak_bytes - loading.end_bytes > 40_000_000
    assert all(s.cpu_seconds >= 0 for s in stages)


def test_forwarding_and_the_timings_file(tmp_path: Path) -> None:
    seen: list[str] = []
    timer = StageTimer()
    say = timer.progress(seen.append)
    say("a")
    say("b")
    written = json.loads(timer.write(tmp_path / "timings.json").read_text())
    assert seen == ["a", "b"]
    assert [s["stage"] for s in written["stages"]] == ["a", "b"]
    assert resident_bytes() > 0
