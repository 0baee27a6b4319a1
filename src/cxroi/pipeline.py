"""The jobs: analyse a dataset end to end (``analyze``), audit a vendor's resolution claims."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from threadpoolctl import threadpool_limits

from cxroi._version import __version__
from cxroi.analyses.agents.run import run_agents
from cxroi.analyses.agents.section import agents_section
from cxroi.analyses.agents.section import summary_lines as agents_lines
from cxroi.analyses.alerts import agent_alerts
from cxroi.analyses.retention.result import RetentionResult
from cxroi.analyses.retention.result import summary_lines as retention_lines
from cxroi.analyses.retention.run import run_retention
from cxroi.analyses.stack.run import Loyalty, judge, measure_loyalty
from cxroi.analyses.stack.run import summary_lines as stack_lines
from cxroi.analyses.value.run import ValueInputs, finish_value, prepare_value
from cxroi.analyses.vendor_audit import VendorAudit, audit, read_claims, write_audit
from cxroi.analyses.workforce.run import run_workforce
from cxroi.config import Config
from cxroi.errors import ConfigError, ContractError, Problem
from cxroi.io.contract import CONTRACT_VERSION
from cxroi.io.atomic import StagedOutputs, all_or_nothing
from cxroi.io.dataset import Dataset, ValidationReport, load_dataset
from cxroi.io.engines import Engine, engine_step
from cxroi.io.side_connection import SideBySide
from cxroi.io.side_memory import SidePlan, plan_side_by_side
from cxroi.io.timings import STEP_DONE
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
from cxroi.results.model.agents import AgentsSection
from cxroi.results.model.workforce import WorkforceResult
from cxroi.results.tree import SCHEMA_VERSION, Measured, Results


@dataclass(frozen=True)
class Analysis:
    """One analysis: the typed results, the dataset they came from, and the exact metrics."""

    dataset: Dataset
    metrics: ExactMetrics
    results: Results
    config: Config
    # whether the analyses ran side by side, and why (time and memory only: never a result)
    side_by_side: SidePlan | None = None

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
    # In the database file, so that a second connection can read the enriched contacts too.
    with engine_step(on, "exact metrics"), on.caches_in_file():
        metrics = compute_exact_metrics(ds, cfg.metric_settings)
    # One BLAS thread for every model: the same sums in the same order on every run, and the
    # other core left to the analyses running beside.
    plan = plan_side_by_side(on.settings, ds.report.accepted.get("customers", 0))
    with threadpool_limits(limits=1), SideBySide(
        on,
        lambda conn: _Bound(ds.on(conn), metrics.on(conn)),
        _SIDE_THREADS if plan.side_by_side else 0,
        say,
    ) as side:
        # Two run at a time, the others as a thread comes free. Retention and the value
        # analyses' first part go first: the value section waits for both (at 10M this order
        # took 122 s, agents and stack first 134 s).
        retention_job = side.submit(lambda b: _retention(b, cfg, say))
        value_job = side.submit(lambda b: _prepare_value(b, cfg, say))
        agents_job = side.submit(lambda b: _agents(b, cfg, say))
        loyalty_job = side.submit(lambda b: _loyalty(b, cfg, say))
        say(STEP_DONE)  # this thread waits now: its step (the exact metrics) has ended
        retention = retention_job.result()
        inputs = value_job.result()
        say("valuing retention and revenue")
        with engine_step(on, "value"):
            value = finish_value(inputs, retention, cfg.value, cfg.currency)
        say(STEP_DONE)
        agents, workforce = agents_job.result()
        at, loyalty = loyalty_job.result()
        say("metric stack: its triggers, the alerts and the measurement audit")
        with engine_step(at.engine, "metric stack"):
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
                at,
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
    return Analysis(ds, metrics, canonical(results), cfg, plan)


# Analyses run on two threads beside each other (DuckDB only), each on its own connection.
_SIDE_THREADS = 2


@dataclass(frozen=True)
class _Bound:
    """The dataset and the exact metrics, read through one connection."""

    ds: Dataset
    metrics: ExactMetrics


def _retention(b: _Bound, cfg: Config, say: Callable[[str], None]) -> RetentionResult:
    say("retention with and without AI")
    with engine_step(b.ds.engine, "retention"):
        return run_retention(b.ds, cfg.retention, cfg.min_cell)


def _prepare_value(b: _Bound, cfg: Config, say: Callable[[str], None]) -> ValueInputs:
    """What the value analyses need besides retention's effects."""
    say("valuing: lifetime value, revenue generated and at risk")
    with engine_step(b.ds.engine, "value"):
        return prepare_value(b.ds, b.metrics, cfg.value, cfg.retention.covariates)


def _agents(
    b: _Bound, cfg: Config, say: Callable[[str], None]
) -> tuple[AgentsSection, WorkforceResult]:
    say("agent experience and its lead over loyalty")
    with engine_step(b.ds.engine, "agents"):
        agents = agents_section(run_agents(b.ds, b.metrics, cfg.agents, cfg.min_cell))
        return agents, run_workforce(b.ds, cfg.workforce, cfg.min_cell, b.metrics)


def _loyalty(b: _Bound, cfg: Config, say: Callable[[str], None]) -> tuple[Dataset, Loyalty]:
    """The loyalty analyses, and the dataset they ran on: the stack's verdicts read its tables
    through the same connection."""
    say("metric stack, masking, loyalty chain and audit")
    with engine_step(b.ds.engine, "metric stack"):
        return b.ds, measure_loyalty(
            b.ds, b.metrics, cfg.min_cell, cfg.masking, cfg.escalation, cfg.chain
        )


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
