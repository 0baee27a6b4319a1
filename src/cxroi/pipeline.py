"""The jobs: analyse a dataset end to end (``analyze``), audit a vendor's resolution claims."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from cxroi._version import __version__
from cxroi.analyses.agents.run import run_agents
from cxroi.analyses.agents.section import agents_section
from cxroi.analyses.agents.section import summary_lines as agents_lines
from cxroi.analyses.alerts import agent_alerts
from cxroi.analyses.retention.result import summary_lines as retention_lines
from cxroi.analyses.retention.run import run_retention
from cxroi.analyses.stack.run import judge, measure_loyalty
from cxroi.analyses.stack.run import summary_lines as stack_lines
from cxroi.analyses.value.run import run_value
from cxroi.analyses.vendor_audit import VendorAudit, audit, read_claims, write_audit
from cxroi.analyses.workforce.run import run_workforce
from cxroi.config import Config
from cxroi.errors import ConfigError, ContractError, Problem
from cxroi.io.contract import CONTRACT_VERSION
from cxroi.io.atomic import StagedOutputs, all_or_nothing
from cxroi.io.dataset import Dataset, ValidationReport, load_dataset
from cxroi.io.engines import Engine, engine_step
from cxroi.metrics.exact import ExactMetrics, compute_exact_metrics
from cxroi.metrics.section import metrics_section
from cxroi.results.codec import canonical
from cxroi.results.files import dumps
from cxroi.results.model.dataset import (
    ConfigEcho,
    CostModelEcho,
    DatasetSection,
    ExcludedAfterAsOf,
    RuleCount,
)
from cxroi.results.tree import SCHEMA_VERSION, Measured, Results


@dataclass(frozen=True)
class Analysis:
    """One analysis: the typed results, the dataset they came from, and the exact metrics."""

    dataset: Dataset
    metrics: ExactMetrics
    results: Results
    config: Config

    def write(self, out: Path | StagedOutputs) -> dict[str, Path]:
        """results.json and the quarantine files, written as one set (all of them, or none)."""
        if isinstance(out, Path):
            with all_or_nothing(out) as outputs:
                return self.write(outputs)
        written = {"results": out.write_text("results.json", dumps(self.results))}
        for table, path in self.dataset.write_quarantine(out).items():
            written[f"quarantine:{table}"] = path
        return written

    def summary_lines(self) -> list[str]:
        """The headline lines of each analysis, for the terminal."""
        r = self.results
        return [
            *retention_lines(r.retention),
            *agents_lines(r.agents, self.config.agents),
            *stack_lines(r),
        ]


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
    cfg = config or Config()
    ds = load_dataset(path, cfg.load_options, progress=say, engine=engine)
    on = ds.engine
    say("computing resolution and survey metrics")
    with engine_step(on, "exact metrics"):
        metrics = compute_exact_metrics(ds, cfg.metric_settings)
    # Order matters: value weighs retention's per-customer effects; the stack judges the rest.
    say("retention with and without AI")
    with engine_step(on, "retention"):
        retention = run_retention(ds, cfg.retention, cfg.min_cell)
    say("valuing retention and revenue")
    with engine_step(on, "value"):
        value = run_value(
            ds, metrics, retention, cfg.value, cfg.retention.covariates, cfg.currency
        )
    say("agent experience and its lead over loyalty")
    with engine_step(on, "agents"):
        agents = agents_section(run_agents(ds, metrics, cfg.agents, cfg.min_cell))
        workforce = run_workforce(ds, cfg.workforce, cfg.min_cell, metrics)
    say("metric stack, masking, loyalty chain and audit")
    with engine_step(on, "metric stack"):
        loyalty = measure_loyalty(ds, metrics, cfg.min_cell, cfg.masking, cfg.escalation, cfg.chain)
        measured = Measured(
            dataset=dataset_section(ds),
            metrics=metrics_section(metrics),
            retention=retention.section,
            value=value,
            agents=agents,
            workforce=workforce,
            masking=loyalty.masking.section(),
            escalation_quality=loyalty.escalation_quality,
            chain=loyalty.chain,
        )
        warn = cfg.agent_warning
        verdicts = judge(
            ds,
            loyalty,
            measured,
            cfg.stack,
            cfg.audit,
            tuple(agent_alerts(agents, warn.owner, warn.action)),
        )
    results = Results(
        schema_version=SCHEMA_VERSION,
        contract_version=CONTRACT_VERSION,
        cxroi_version=__version__,
        as_of=metrics.as_of,
        currency=cfg.currency,
        config=config_echo(cfg),
        **{f.name: getattr(measured, f.name) for f in fields(measured)},
        stack=verdicts.stack,
        audit=verdicts.audit,
        alerts=verdicts.alerts,
    )
    # the tree as a reader of results.json gets it back: declared units on every leaf
    return Analysis(ds, metrics, canonical(results), cfg)


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
    cfg = config or Config()
    ds = load_dataset(dataset, cfg.load_options)
    if "contacts" not in ds.tables:  # pragma: no cover - load_dataset requires contacts
        raise ContractError([Problem(str(dataset), "missing_required_table", "no contacts")])
    result = audit(ds, claims, window_days, price_per_resolution, cfg.min_cell)
    if out is not None:
        write_audit(result, out)
    return result
