"""Time the steps inside the analysis stages: wall, CPU and peak memory of each named function.

    python benchmarks/profile_steps.py DATA [--memory-limit 4GB] [--threads 2] [--out steps.json]

``benchmarks/profile_analyze.py`` splits a run into its stages (loading, exact metrics, retention,
value, ...); this script goes one level down. It wraps the functions listed in ``STEPS`` (the
calls each stage's runner makes) with a recorder, runs the whole analysis unmodified, and prints
per function: calls, wall seconds, CPU seconds (every thread of the process, DuckDB's included)
and the highest resident memory while it ran, above the memory it started with. A step inside
another step is counted in both. Not a test; not in CI.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

import cxroi
from cxroi.io.engine_settings import EngineSettings
from cxroi.io.engines import open_engine
from cxroi.io.timings import resident_bytes

# (module where the caller looks the name up, name): the runner's own calls, stage by stage
STEPS: tuple[tuple[str, str], ...] = (
    ("cxroi.pipeline", "load_dataset"),
    ("cxroi.pipeline", "compute_exact_metrics"),
    ("cxroi.pipeline", "run_retention"),
    ("cxroi.analyses.value.queries", "customer_frame"),
    ("cxroi.analyses.value.queries", "observation_start"),
    ("cxroi.analyses.value.run", "fit_clv"),
    ("cxroi.analyses.value.queries", "revenue_after_index"),
    ("cxroi.analyses.value.run", "revenue_per_retained_customer"),
    ("cxroi.analyses.value.run", "monthly_recurring_revenue"),
    ("cxroi.analyses.value.run", "lifetime_sensitivity"),
    ("cxroi.analyses.value.run", "revenue_generated"),
    ("cxroi.analyses.value.run", "revenue_at_risk"),
    ("cxroi.analyses.value.churn_risk", "experience_features"),
    ("cxroi.analyses.value.churn_risk", "fit_and_attribute"),
    ("cxroi.analyses.value.run", "load_what_if_data"),
    ("cxroi.analyses.value.run", "what_if_stopped"),
    ("cxroi.analyses.value.queries", "monthly_mode_counts"),
    ("cxroi.analyses.value.run", "roi_worksheet"),
    ("cxroi.pipeline", "run_agents"),
    ("cxroi.pipeline", "run_workforce"),
    ("cxroi.pipeline", "measure_loyalty"),
    ("cxroi.pipeline", "judge"),
)


@dataclass
class StepRecord:
    step: str
    calls: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    start_bytes: int = 0  # resident memory at the first call
    peak_bytes: int = 0  # highest resident memory during any call


class Recorder:
    """Samples resident memory every 20 ms; each open step keeps the highest sample it saw."""

    def __init__(self) -> None:
        self.records: dict[str, StepRecord] = {}
        self._open: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            now = resident_bytes()
            with self._lock:
                for name in self._open:
                    self._open[name] = max(self._open[name], now)

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            rec = self.records.setdefault(name, StepRecord(name, start_bytes=resident_bytes()))
            with self._lock:
                self._open[name] = resident_bytes()
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                rec.calls += 1
                rec.seconds += time.perf_counter() - wall
                rec.cpu_seconds += time.process_time() - cpu
                with self._lock:
                    peak = max(self._open.pop(name), resident_bytes())
                rec.peak_bytes = max(rec.peak_bytes, peak)

        return timed

    def stop(self) -> list[StepRecord]:
        self._stop.set()
        self._thread.join()
        return list(self.records.values())


def instrument(recorder: Recorder) -> None:
    for module_name, attr in STEPS:
        module = importlib.import_module(module_name)
        setattr(
            module,
            attr,
            recorder.wrap(f"{module_name.rsplit('.', 1)[-1]}.{attr}", getattr(module, attr)),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--memory-limit", default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    recorder = Recorder()
    instrument(recorder)
    settings = EngineSettings(memory_limit=args.memory_limit, threads=args.threads)
    start, cpu = time.perf_counter(), time.process_time()
    cxroi.analyze(args.data, cxroi.Config(), engine=open_engine(settings))
    total, total_cpu = time.perf_counter() - start, time.process_time() - cpu
    records = recorder.stop()
    print("| step | calls | wall s | CPU s | start RSS GB | peak RSS GB |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in records:
        print(
            f"| {r.step} | {r.calls} | {r.seconds:.1f} | {r.cpu_seconds:.1f} "
            f"| {r.start_bytes / 1e9:.2f} | {r.peak_bytes / 1e9:.2f} |"
        )
    print(f"| **analyze** | 1 | {total:.1f} | {total_cpu:.1f} | | |")
    if args.out is not None:
        payload = {
            "total_seconds": total,
            "total_cpu_seconds": total_cpu,
            "steps": [asdict(r) for r in records],
        }
        args.out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
