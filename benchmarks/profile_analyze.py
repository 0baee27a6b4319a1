"""Profile ``cxroi analyze``: time and peak memory per stage, and the functions that cost most.

    python benchmarks/profile_analyze.py DATA [--memory-limit 4GB] [--threads 2]
        [--out profile-out] [--pyinstrument]

Stages are delimited by the pipeline's own progress messages (``cxroi.io.timings``), so the
analyses run unmodified. With ``--pyinstrument`` a sampling profile (10 ms) is written to
OUT/profile.html and its heaviest call paths to OUT/profile.txt. Writes OUT/timings.json and
prints a Markdown table. Not a test; not in CI. Needs the ``profile`` extra for --pyinstrument.
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

import cxroi  # noqa: E402
from cxroi.io.engine_settings import EngineSettings  # noqa: E402
from cxroi.io.engines import open_engine  # noqa: E402
from cxroi.io.timings import StageTimer, StageTiming  # noqa: E402
from cxroi.outputs.timings_file import stage_of  # noqa: E402  (the stages --timings uses)

try:  # the profile extra; only --pyinstrument needs it
    from pyinstrument import Profiler
except ImportError:  # pragma: no cover
    Profiler = None


def table(stages: tuple[StageTiming, ...], total: float, peak_bytes: float) -> str:
    cpu_total = sum(s.cpu_seconds for s in stages)
    lines = [
        "| stage | wall s | CPU s | CPU share | peak RSS (GB) |",
        "|---|---:|---:|---:|---:|",
    ]
    for s in stages:
        share = 100.0 * s.cpu_seconds / cpu_total if cpu_total else 0.0
        lines.append(
            f"| {s.stage} | {s.seconds:.1f} | {s.cpu_seconds:.1f} | {share:.0f}% "
            f"| {s.peak_bytes / 1e9:.2f} |"
        )
    lines.append(f"| **total** | {total:.1f} | {cpu_total:.1f} | 100% | {peak_bytes / 1e9:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--memory-limit", default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", type=Path, default=Path("profile-out"))
    parser.add_argument("--pyinstrument", action="store_true")
    args = parser.parse_args()

    settings = EngineSettings(memory_limit=args.memory_limit, threads=args.threads)
    timer = StageTimer(group=stage_of)
    profiler = None
    if args.pyinstrument:
        if Profiler is None:
            parser.error("--pyinstrument needs pyinstrument (pip install cxroi[profile])")
        profiler = Profiler(interval=0.01)
        profiler.start()
    start = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    partial = args.out / "timings.partial.json"

    def record_so_far(message: str) -> None:
        done = [s.__dict__ for s in timer.completed()]
        partial.write_text(json.dumps({"now": message, "stages": done}, indent=2), encoding="utf-8")

    say = timer.progress(record_so_far)
    analysis = cxroi.analyze(args.data, cxroi.Config(), progress=say, engine=open_engine(settings))
    say("writing results")
    analysis.write(args.out)
    total = time.perf_counter() - start
    stages = timer.finish()
    if profiler is not None:
        profiler.stop()
        (args.out / "profile.html").write_text(profiler.output_html(), encoding="utf-8")
        text = profiler.output_text(unicode=False, color=False, show_all=False)
        (args.out / "profile.txt").write_text(text, encoding="utf-8")
    # Linux reports ru_maxrss in KiB: the process's lifetime high-water mark
    peak_bytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024.0
    record = {
        "data": str(args.data),
        "engine": settings.describe(),
        "total_seconds": total,
        "peak_rss_bytes": peak_bytes,
        "stages": [s.__dict__ for s in stages],
    }
    (args.out / "timings.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(table(stages, total, peak_bytes))


if __name__ == "__main__":
    main()
