"""The main job: load and validate a dataset, compute everything, assemble results.json."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxroi.config import Config
from cxroi.io.dataset import Dataset, load_dataset
from cxroi.metrics.exact import ExactMetrics, compute_exact_metrics
from cxroi.results.build import build_results, write_results


@dataclass
class Analysis:
    dataset: Dataset
    metrics: ExactMetrics
    results: dict[str, Any]

    def write(self, out_dir: Path) -> dict[str, Path]:
        """results.json plus quarantine files for every table that set rows aside."""
        written = {"results": write_results(self.results, out_dir)}
        for table, path in self.dataset.write_quarantine(out_dir).items():
            written[f"quarantine:{table}"] = path
        return written


def analyze(
    path: str | Path, config: Config | None = None, progress: Callable[[str], None] | None = None
) -> Analysis:
    say = progress or (lambda _msg: None)
    ds = load_dataset(path, config, progress=say)
    say("computing resolution and survey metrics")
    metrics = compute_exact_metrics(ds)
    say("assembling results")
    return Analysis(ds, metrics, build_results(ds, metrics))
