"""``timings.json``: where a run of ``cxroi analyze --timings`` spent time and memory, by stage.

Stages are the pipeline's own progress messages, grouped (``reading contacts`` and ``reading
customers`` are both "loading"), timed by :class:`cxroi.io.timings.StageTimer`. The file goes
beside results.json, never into it: results.json stays byte-identical from run to run; timings
do not. Wall time depends on what else the machine runs; CPU time (every thread of the process,
DuckDB's too) is the steadier figure. Analyses that run side by side (on DuckDB) are separate
stages whose times overlap: each stage's ``start_seconds`` shows when it began. Memory is the
process's resident set: its peak during each stage, and the run's high-water mark from the
operating system.
"""

from __future__ import annotations

import json
import resource
import sys
from dataclasses import asdict

from cxroi.io.side_memory import SidePlan
from cxroi.io.timings import StageTiming

# progress message prefix -> stage (the pipeline's messages; docs/engines.md)
STAGES: tuple[tuple[str, str], ...] = (
    ("reading", "loading"),
    ("validating", "validation"),
    ("computing resolution", "exact metrics"),
    ("retention", "retention"),
    ("valuing", "value"),
    ("agent experience", "agents"),
    ("metric stack", "stack"),
    ("writing", "writing outputs"),
)


def stage_of(message: str) -> str:
    """The stage a progress message belongs to (the message itself when none matches)."""
    return next((stage for prefix, stage in STAGES if message.startswith(prefix)), message)


def process_peak_bytes() -> int:
    """The process's resident high-water mark (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def timings_json(
    stages: tuple[StageTiming, ...],
    engine: str,
    wall_seconds: float,
    cpu_seconds: float,
    side_by_side: SidePlan | None = None,
) -> str:
    """The file's text: the engine, whether the analyses ran side by side and why, each stage
    in the order it began, and the totals.

    ``cpu_seconds``: the whole run's. Stages that ran side by side each count the process's CPU
    while they ran, so the stages' sum would count that time twice.
    """
    body: dict[str, object] = {"engine": engine}
    if side_by_side is not None:
        body["side_by_side"] = {"on": side_by_side.side_by_side, "why": side_by_side.why}
    body |= {
        "stages": [asdict(s) for s in stages],
        "total": {
            "seconds": wall_seconds,
            "cpu_seconds": cpu_seconds,
            "peak_bytes": max([process_peak_bytes(), *(s.peak_bytes for s in stages)]),
        },
        "units": {"seconds": "wall clock", "cpu_seconds": "CPU of every thread",
                  "peak_bytes": "resident memory (bytes)"},
    }
    return json.dumps(body, indent=2) + "\n"
