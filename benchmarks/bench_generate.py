"""Time the demo generator: wall time, CPU time and peak memory per size, medians over repeats.

    python benchmarks/bench_generate.py --sizes 1000000 10000000 100000000 --repeat 3 --dir /tmp/g

Each run is a fresh ``cxroi demo-data`` process; its CPU time (user + system) and peak resident
memory come from the kernel's accounting of that child alone (``os.wait4``). CPU time is the
figure to compare on a shared machine, where wall time depends on the neighbours. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_once(contacts: int, folder: Path) -> dict[str, float]:
    shutil.rmtree(folder, ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    cmd = [sys.executable, "-m", "cxroi", "demo-data", str(folder), "--contacts", str(contacts)]
    log = folder.parent / f"{folder.name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with log.open("wb") as sink:  # a file, not a pipe: a full pipe would stall the child
        child = subprocess.Popen(cmd, env=env, stdout=sink, stderr=sink)
        _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"demo-data failed at {contacts:,}; see {log}")
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_gb": usage.ru_maxrss * 1024 / 1e9,  # KiB on Linux
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path("bench-generate"))
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        runs = [run_once(size, args.dir / str(size)) for _ in range(args.repeat)]
        median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        rows.append({"contacts": size, "runs": runs, "median": median})
        print(
            f"{size:>12,} contacts: wall {median['wall_s']:.1f} s, CPU {median['cpu_s']:.1f} s, "
            f"peak {median['peak_gb']:.2f} GB (median of {len(runs)})",
            flush=True,
        )
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
