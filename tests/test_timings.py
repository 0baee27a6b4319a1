"""Stage timings from progress messages: durations, regrouped messages, and memory peaks."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import numpy as np

from cxroi.io.timings import STEP_DONE, StageTimer, resident_bytes


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


def test_threads_time_their_own_stages_and_done_ends_one() -> None:
    timer = StageTimer()
    say = timer.progress()
    beside_began = threading.Event()
    spans: dict[str, tuple[float, float]] = {}

    def beside() -> None:
        t0 = time.perf_counter()
        say("beside")
        beside_began.set()
        time.sleep(0.2)
        say(STEP_DONE)
        spans["beside"] = (t0, time.perf_counter())

    t0 = time.perf_counter()
    say("main")
    worker = threading.Thread(target=beside)
    worker.start()
    assert beside_began.wait(10)
    say(STEP_DONE)  # main waits from here: its stage ends now, not when the timer finishes
    spans["main"] = (t0, time.perf_counter())
    worker.join()
    time.sleep(0.1)
    stages = {s.stage: s for s in timer.finish()}
    assert list(stages) == ["main", "beside"]  # in the order they began
    main, side = stages["main"], stages["beside"]
    for name, stage in stages.items():
        assert stage.seconds <= spans[name][1] - spans[name][0]
    assert side.seconds >= 0.2
    # they overlapped: "beside" began before "main" ended
    assert main.start_seconds <= side.start_seconds < main.start_seconds + main.seconds
    assert timer.cpu_seconds() >= 0
