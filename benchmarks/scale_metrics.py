"""Load, validate and compute the exact metrics at scale under a DuckDB memory limit.

    python benchmarks/scale_metrics.py DATA --memory-limit 6GB [--threads 2] [--out OUT]

The engine-bound part of ``cxroi analyze`` (reading, typing, validating every row, the exact
metrics), which must finish at 100M contacts by spilling to disk. The models fitted afterwards on
per-customer frames are measured by ``profile_analyze.py``. Prints the per-stage table and writes
OUT/timings.json. Not a test.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

import cxroi  # noqa: E402
from cxroi.io.dataset import LoadOptions, load_dataset  # noqa: E402
from cxroi.io.engine_settings import EngineSettings  # noqa: E402
from cxroi.io.timings import StageTimer  # noqa: E402
from profile_analyze import stage_of, table  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--memory-limit", default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", type=Path, default=Path("scale-out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    settings = EngineSettings(memory_limit=args.memory_limit, threads=args.threads)
    timer = StageTimer(group=stage_of)
    partial = args.out / "timings.partial.json"

    def record_so_far(message: str) -> None:
        done = [s.__dict__ for s in timer.completed()]
        partial.write_text(json.dumps({"now": message, "stages": done}, indent=2), encoding="utf-8")

    say = timer.progress(record_so_far)
    start = time.perf_counter()
    ds = load_dataset(args.data, LoadOptions(engine=settings), progress=say)
    say("computing resolution and survey metrics")
    metrics = cxroi.compute_exact_metrics(ds).to_dict()
    total = time.perf_counter() - start
    stages = timer.finish()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024.0
    record = {
        "data": str(args.data),
        "engine": settings.describe(),
        "rows": ds.report.rows,
        "total_seconds": total,
        "peak_rss_bytes": peak,
        "stages": [s.__dict__ for s in stages],
        "containment_rate": metrics.get("containment_rate"),
    }
    (args.out / "timings.json").write_text(json.dumps(record, indent=2, default=str) + "\n")
    print(table(stages, total, peak))


if __name__ == "__main__":
    main()
