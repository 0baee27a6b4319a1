"""The jobs: analyse a dataset end to end (``analyze``), audit a vendor's resolution claims."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cxroi._version import __version__
from cxroi.analyses.agents.run import run_agents
from cxroi.analyses.agents.section import agents_section, summary_lines as agents_lines
from cxroi.analyses.alerts import agent_alerts
from cxroi.analyses.retention.result import summary_lines as retention_lines
from cxroi.analyses.retention.run import run_retention
from cxroi.analyses.stack.run import run_stack
from cxroi.analyses.value import run_value
from cxroi.analyses.vendor_audit import VendorAudit, audit, read_claims, write_audit
from cxroi.config import Config
from cxroi.errors import ConfigError, ContractError, Problem
from cxroi.io.contract import CONTRACT_VERSION
from cxroi.io.dataset import Dataset, ValidationReport, load_dataset
from cxroi.io.engines import Engine, engine_step
from cxroi.metrics.exact import ExactMetrics, compute_exact_metrics
from cxroi.metrics.section import metrics_section
from cxroi.results.build import SCHEMA_VERSION, write_results
from cxroi.results.codec import encode
from cxroi.results.model.dataset import (
    ConfigEcho,
    CostModelEcho,
    DatasetSection,
    ExcludedAfterAsOf,
    RuleCount,
)


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


def dataset_section(ds: Dataset) -> DatasetSection:
    rep: ValidationReport = ds.report
    return DatasetSection(
        rows=dict(rep.rows),
        accepted=dict(rep.accepted),
        quarantined=dict(rep.quarantined),
        excluded_after_as_of=ExcludedAfterAsOf(rep.excluded_after_as_of),
        rules=tuple(
            RuleCount(c.table, c.column, c.rule, c.severity.value, c.count)  # type: ignore[arg-type]
            for c in rep.counts
        ),
        present_columns={t: tuple(c) for t, c in ds.present_columns.items()},
    )


def config_echo(cfg: Config) -> ConfigEcho:
    return ConfigEcho(
        timezone=cfg.timezone,
        currency=cfg.currency,
        windows_days=tuple(cfg.windows_days),
        cost_model={k: CostModelEcho(**asdict(v)) for k, v in cfg.cost_model.by_mode.items()},
        strict=cfg.strict,
    )


def analyze(
    path: str | Path,
    config: Config | None = None,
    progress: Callable[[str], None] | None = None,
    engine: Engine | None = None,
) -> Analysis:
    """``engine``: an engine already open (e.g. ``open_engine(session=spark)``); otherwise one
    is opened from the configuration's engine settings (DuckDB by default)."""
    say = progress or (lambda _msg: None)
    ds = load_dataset(path, config, progress=say, engine=engine)
    cfg = ds.config
    on = ds.engine
    say("computing resolution and survey metrics")
    with engine_step(on, "exact metrics"):
        metrics = compute_exact_metrics(ds)
    results: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "contract_version": CONTRACT_VERSION,
        "cxroi_version": __version__,
        "as_of": metrics.as_of,
        "currency": cfg.currency,
        "config": encode(config_echo(cfg)),
        "dataset": encode(dataset_section(ds)),
        "metrics": encode(metrics_section(metrics)),
    }
    notes: list[str] = []
    # Order matters: value reads retention's delta; the stack reads everything before it.
    say("retention with and without AI")
    with engine_step(on, "retention"):
        retention = run_retention(ds, metrics, results, cfg.retention)
    results["retention"] = encode(retention.section)
    notes.extend(retention_lines(retention.section))
    say("valuing retention and revenue")
    with engine_step(on, "value"):
        value = run_value(ds, metrics, results, cfg.value)
    results["value"] = value.to_results()
    say("agent experience and its lead over loyalty")
    with engine_step(on, "agents"):
        agents = run_agents(ds, metrics, results, cfg.agents)
    agents_sec = agents_section(agents)
    results["agents"] = encode(agents_sec)
    notes.extend(agents_lines(agents_sec, cfg.agents))
    say("metric stack, masking, loyalty chain and audit")
    warn = cfg.agent_warning
    with engine_step(on, "metric stack"):
        stack = run_stack(
            ds,
            metrics,
            results,
            cfg.stack,
            tuple(agent_alerts(agents_sec, warn.owner, warn.action)),
            masking=cfg.masking,
            escalation=cfg.escalation,
            chain=cfg.chain,
            audit=cfg.audit,
        )
    results.update(
        alerts=[encode(a) for a in stack.alerts],
        stack=encode(stack.stack),
        masking=encode(stack.masking),
        escalation_quality=encode(stack.escalation_quality),
        chain=encode(stack.chain),
        audit=encode(stack.audit),
    )
    notes.extend(stack.summary_lines())
    return Analysis(ds, metrics, results, notes)


def vendor_audit_command(
    dataset: Path,
    claimed: float | None = None,
    claimed_csv: Path | None = None,
    window_days: int = 7,
    price_per_resolution: float | None = None,
    config: Config | None = None,
    out: Path | None = None,
) -> VendorAudit:
    """Reconcile a vendor's automated-resolution count with durable resolution in ``dataset``.

    Give the vendor's count as ``claimed`` (a total) or ``claimed_csv`` (per month); with neither,
    the audit still reports the durable share of the contacts the source flags as billed.
    Writes ``out/vendor_audit.json`` when ``out`` is given.
    """
    problems: list[Problem] = []
    if claimed is not None and claimed_csv is not None:
        problems.append(
            Problem("--claimed", "conflict", "give --claimed or --claimed-csv, not both")
        )
    if claimed is not None and claimed < 0:
        problems.append(Problem("--claimed", "negative", "a count cannot be negative"))
    if window_days < 1:
        problems.append(Problem("--window", "out_of_range", "at least 1 day"))
    if price_per_resolution is not None and price_per_resolution < 0:
        problems.append(Problem("--price", "negative", "a price cannot be negative"))
    if problems:
        raise ConfigError(problems)
    claims: float | dict[str, float] | None = (
        read_claims(claimed_csv) if claimed_csv is not None else claimed
    )
    ds = load_dataset(dataset, config)
    if "contacts" not in ds.tables:  # pragma: no cover - load_dataset requires contacts
        raise ContractError([Problem(str(dataset), "missing_required_table", "no contacts")])
    result = audit(ds, claims, window_days, price_per_resolution)
    if out is not None:
        write_audit(result, out)
    return result
