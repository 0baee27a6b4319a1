"""Where a run spends time and memory, stage by stage, measured from its progress messages.

The pipeline already announces each step through its ``progress`` callback; :class:`StageTimer`
wraps that callback, so a stage lasts from one message to the next and nothing in the analyses
changes. Memory is this process's resident set (DuckDB runs inside it), sampled every 20 ms;
a stage's peak is the highest sample while it ran. Spark executors run in their own JVM and are
not counted. Timings go to their own file beside results.json, never into it: results.json stays
byte-identical from run to run, timings do not.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

# A message that ends the calling thread's step without starting another (it waits, or its
# work is done): its stage ends, and a consumer showing steps drops the thread's line.
STEP_DONE = "done"
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_SAMPLE_S = 0.02


def resident_bytes() -> int:
    """This process's resident memory now (Linux ``/proc``; 0 elsewhere)."""
    try:
        fields = Path("/proc/self/statm").read_text(encoding="ascii").split()
    except OSError:
        return 0
    return int(fields[1]) * _PAGE


@dataclass(frozen=True)
class StageTiming:
    stage: str
    seconds: float  # wall clock
    # CPU of every thread of this process (DuckDB's too): steadier than wall time on a busy machine
    cpu_seconds: float
    peak_bytes: int  # highest resident memory while the stage ran
    end_bytes: int  # resident memory when it ended
    # when it began, in seconds since the timer started: stages that ran side by side overlap,
    # and each one's CPU and peak then count the whole process, the other stage's work included
    start_seconds: float = 0.0


@dataclass
class _Open:
    """A stage running now (one per thread that announces stages)."""

    stage: str
    started: float
    cpu_started: float
    peak: int


class StageTimer:
    """Times stages named by progress messages; use as ``analyze(..., progress=timer.progress())``.

    ``group`` maps a message to the stage it belongs to (default: the message itself), so that
    e.g. "reading contacts" and "reading customers" both count as "loading". Each thread's
    messages make their own sequence of stages: analyses run beside each other are timed apart.
    """

    def __init__(self, group: Callable[[str], str] | None = None) -> None:
        self._group = group or (lambda message: message)
        self._lock = threading.Lock()
        self._origin = time.perf_counter()
        self._cpu_origin = time.process_time()
        self._open: dict[int, _Open] = {}  # thread id -> its stage now
        self._stages: dict[str, StageTiming] = {}
        self._order: list[str] = []
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        while not self._stop.wait(_SAMPLE_S):
            now = resident_bytes()
            with self._lock:
                for stage in self._open.values():
                    stage.peak = max(stage.peak, now)

    def progress(self, forward: Callable[[str], None] | None = None) -> Callable[[str], None]:
        def on_message(message: str) -> None:
            stage = self._group(message)
            thread = threading.get_ident()
            with self._lock:
                if message == STEP_DONE:
                    self._close(thread)
                elif (now := self._open.get(thread)) is None or now.stage != stage:
                    self._close(thread)
                    self._open[thread] = _Open(
                        stage, time.perf_counter(), time.process_time(), resident_bytes()
                    )
                    if stage not in self._order:
                        self._order.append(stage)
            if forward is not None:
                forward(message)

        return on_message

    def _close(self, thread: int) -> None:
        """End ``thread``'s stage (the lock is held)."""
        done = self._open.pop(thread, None)
        if done is None:
            return
        now = resident_bytes()
        seconds = time.perf_counter() - done.started
        cpu = time.process_time() - done.cpu_started
        peak = max(done.peak, now)
        start = done.started - self._origin
        before = self._stages.get(done.stage)
        if before is not None:  # a stage announced again later adds to its first record
            seconds += before.seconds
            cpu += before.cpu_seconds
            peak = max(peak, before.peak_bytes)
            start = before.start_seconds
        self._stages[done.stage] = StageTiming(done.stage, seconds, cpu, peak, now, start)

    def completed(self) -> tuple[StageTiming, ...]:
        """The stages that have ended so far (a long run can be watched while it goes)."""
        with self._lock:
            return tuple(self._stages[name] for name in self._order if name in self._stages)

    def cpu_seconds(self) -> float:
        """CPU of the whole process since the timer started (stages run side by side overlap,
        so their sum would count some of it twice)."""
        return time.process_time() - self._cpu_origin

    def finish(self) -> tuple[StageTiming, ...]:
        """End every stage and stop sampling; returns the stages in the order they began."""
        with self._lock:
            for thread in list(self._open):
                self._close(thread)
        self._stop.set()
        self._sampler.join()
        return tuple(self._stages[name] for name in self._order)

    def write(self, path: Path) -> Path:
        stages = [asdict(s) for s in self.finish()]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"stages": stages}, indent=2) + "\n", encoding="utf-8")
        return path


__all__ = ["STEP_DONE", "StageTimer", "StageTiming", "resident_bytes"]
