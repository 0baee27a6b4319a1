"""The main job: load and validate a dataset, compute everything, assemble results.json."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxroi.analyses.agents import run_agents
from cxroi.analyses.retention import run_retention
from cxroi.analyses.stack.run import run_stack
from cxroi.analyses.value import run_value
from cxroi.config import Config
from cxroi.io.dataset import Dataset, load_dataset
from cxroi.metrics.exact import ExactMetrics, compute_exact_metrics
from cxroi.results.build import build_results, write_results


@dataclass
class Analysis:
    dataset: Dataset
    metrics: ExactMetrics
    results: dict[str, Any]
    # headline lines from each analysis, for the terminal summary
    notes: list[str] = field(default_factory=list)

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
    cfg = ds.config
    say("computing resolution and survey metrics")
    metrics = compute_exact_metrics(ds)
    results = build_results(ds, metrics)
    notes: list[str] = []
    # Order matters: value reads retention's delta; the stack reads everything before it.
    say("retention with and without AI")
    retention = run_retention(ds, metrics, results, cfg.retention)
    results["retention"] = retention.to_results()
    notes.extend(retention.summary_lines())
    say("valuing retention and revenue")
    value = run_value(ds, metrics, results, cfg.value)
    results["value"] = value.to_results()
    say("agent experience and its lead over loyalty")
    agents = run_agents(ds, metrics, results, cfg.agents)
    results["agents"] = agents.to_results()
    notes.extend(agents.summary_lines())
    say("metric stack, masking, loyalty chain and audit")
    stack = run_stack(ds, metrics, results, cfg.stack)
    results.update(stack.to_results())
    notes.extend(stack.summary_lines())
    return Analysis(ds, metrics, results, notes)
