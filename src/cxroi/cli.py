"""The ``cxroi`` command line: validate, analyze, report, init, import, vendor-audit, demo(-data).

A user meets no traceback: bad input (data, configuration, arguments) prints every problem and
exits 2; a failing machine (disk full, no permission, read-only disk) prints one line and exits 1
(docs/cli.md). Outputs are written as one set, all files or none (:mod:`cxroi.io.atomic`):
results.json, the quarantine files, and with ``--tables`` / ``--timings`` / ``report`` the BI
tables, timings.json and the board report beside it.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Annotated, NoReturn, Optional, ParamSpec

import typer
from rich.console import Console
from rich.markup import escape

from cxroi._version import __version__
from cxroi.config import Config, load_config
from cxroi.cli_options import (
    ArgumentError,
    ConfigOption,
    DatasetArg,
    EngineFlags,
    EngineOption,
    MemoryLimitOption,
    SparkRemoteOption,
    StrictOption,
    TablesOption,
    ThreadsOption,
    TimingsOption,
    report_arguments,
)
from cxroi.cli_progress import ANALYSIS_STAGES, steps
from cxroi.config_template import render as render_starter_config
from cxroi.errors import ConfigError, CxroiInputError, Problem, explain_os_error
from cxroi.io.atomic import StagedOutputs, all_or_nothing, usable_folder, write_text
from cxroi.io.dataset import load_dataset
from cxroi.io.timings import StageTimer
from cxroi.outputs.tables import discard_tables, write_tables
from cxroi.outputs.timings_file import stage_of, timings_json
from cxroi.pipeline import Analysis
from cxroi.pipeline import analyze as run_analysis
from cxroi.report import write_report
from cxroi.results.files import load_results
from cxroi.results.tree import Results
from cxroi.summary import print_summary, print_validation

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    help="Measure the return on AI in contact centres by retention, loyalty and revenue.",
)
# Piped output (CI logs, files) gets a width that fits the tables instead of Rich's 80 columns.
console = Console(width=None if sys.stdout.isatty() else 140)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 140)

P = ParamSpec("P")


def _print_version(value: bool) -> None:
    if value:
        console.print(f"cxroi {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        Optional[bool],
        typer.Option(
            "--version",
            "-V",
            callback=_print_version,
            is_eager=True,
            help="Show the version and exit.",
        ),
    ] = None,
) -> None:
    """Measure the return on AI in contact centres by retention, loyalty and revenue."""


def _config(path: Path | None, strict: bool, engine: EngineFlags | None = None) -> Config:
    cfg = load_config(path)
    if strict and not cfg.strict:
        cfg = replace(cfg, strict=True)
    return cfg if engine is None else engine.apply(cfg)


def _fail(exc: CxroiInputError) -> NoReturn:
    if len(exc.problems) == 1:  # one line, e.g. a results.json of another schema version
        p = exc.problems[0]
        err_console.print(
            f"[bold red]error:[/] {exc.title}: {p.where}: {p.message} [dim]\\[{p.rule}][/]",
            highlight=False, soft_wrap=True,
        )
        raise typer.Exit(code=2)
    err_console.print(f"[bold red]error:[/] {exc.title} ({len(exc.problems)} problems)")
    for p in exc.problems:
        err_console.print(f"  • {p.where}: {p.message} [dim]\\[{p.rule}][/]", highlight=False)
    raise typer.Exit(code=2)


def _environment_failure(exc: OSError) -> NoReturn:
    """One line for a failed read or write; CXROI_TRACEBACK=1 re-raises it for a bug report."""
    if os.environ.get("CXROI_TRACEBACK"):
        raise exc
    message, code = explain_os_error(exc)
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=code)


def _reports_failures(command: Callable[P, None]) -> Callable[P, None]:
    """Bad input becomes its problems (exit 2), a failing machine one line (exit 1 or 2)."""

    @functools.wraps(command)
    def run_command(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except CxroiInputError as exc:
            _fail(exc)
        except OSError as exc:
            _environment_failure(exc)

    return run_command


@app.command()
@_reports_failures
def validate(
    dataset: DatasetArg,
    config: ConfigOption = None,
    strict: StrictOption = False,
    quarantine_dir: Annotated[
        Optional[Path], typer.Option(help="Also write quarantined rows to DIR/quarantine/.")
    ] = None,
    engine: EngineOption = None,
    memory_limit: MemoryLimitOption = None,
    threads: ThreadsOption = None,
) -> None:
    """Check a dataset against the data contract and report every fault."""
    cfg = _config(config, strict, EngineFlags(engine, None, memory_limit, threads))
    if quarantine_dir is not None:
        usable_folder(quarantine_dir)
    with steps(err_console) as say:
        ds = load_dataset(dataset, cfg, progress=say)
    print_validation(console, ds.report)
    if quarantine_dir is not None:
        for table, path in ds.write_quarantine(quarantine_dir).items():
            console.print(f"quarantined {table} rows written to {path}")


@dataclass(frozen=True)
class Extras:
    """What is written beside results.json."""

    tables: bool = False
    timings: bool = False
    report: bool = False


def _write_beside(
    results: Results, outputs: StagedOutputs, min_cell: int, extras: Extras,
    say: Callable[[str], None],
) -> dict[str, Path]:
    """The board report and the BI tables, staged with the rest of the set."""
    written: dict[str, Path] = {}
    if extras.report:
        say("writing the board report")
        files = write_report(results, outputs.folder, min_cell=min_cell)
        report_files = {"report": files.html, "pdf": files.pdf, "slides": files.pptx}
        for name, path in report_files.items():
            written[name] = outputs.final(path)
    if extras.tables:
        say("writing BI tables")
        written.update(write_tables(results, outputs, min_cell))
    return written


def _say_if_one_after_another(analysis: Analysis) -> None:
    """Say so when the analyses ran one after another for want of memory: it takes longer."""
    plan = analysis.side_by_side
    if plan is None or plan.side_by_side or not plan.automatic:
        return
    err_console.print(
        f"[dim]The analyses ran one after another: {escape(plan.why)}. "
        "\\[engine] side_by_side = true runs them side by side.[/dim]"
    )


def _analyse_and_write(dataset: str, out: Path, cfg: Config, extras: Extras) -> None:
    """Analyse, then write every output into OUT at once: all of them, or none and OUT unchanged.

    An earlier run's tables and timings that this run does not write are removed in the same
    commit: they would describe another results.json.
    """
    usable_folder(out)
    timer = StageTimer(group=stage_of) if extras.timings else None
    started = time.perf_counter()
    try:
        with steps(err_console, ANALYSIS_STAGES) as show:
            say = timer.progress(show) if timer is not None else show
            analysis = run_analysis(dataset, cfg, progress=say)
            say("writing results")
            with all_or_nothing(out) as outputs:
                written = analysis.write(outputs)
                written.update(_write_beside(analysis.results, outputs, cfg.min_cell, extras, say))
                if not extras.tables:
                    discard_tables(outputs)
                if timer is not None:
                    text = timings_json(timer.finish(), cfg.engine.describe(),
                                        time.perf_counter() - started, timer.cpu_seconds(),
                                        analysis.side_by_side)
                    written["timings"] = outputs.write_text("timings.json", text)
                else:
                    outputs.discard("timings.json")
    finally:
        if timer is not None:
            timer.finish()
    print_validation(console, analysis.dataset.report, brief=True)
    _say_if_one_after_another(analysis)
    print_summary(console, analysis.results, cfg.min_cell)
    for note in analysis.summary_lines():
        console.print(note, highlight=False)
    _print_written(written)


def _print_written(written: dict[str, Path]) -> None:
    for name, path in written.items():
        console.print(f"[dim]{name}:[/] {path}", highlight=False)


@app.command()
@_reports_failures
def analyze(
    dataset: DatasetArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for results.json.")],
    config: ConfigOption = None,
    strict: StrictOption = False,
    tables: TablesOption = False,
    timings: TimingsOption = False,
    engine: EngineOption = None,
    spark_remote: SparkRemoteOption = None,
    memory_limit: MemoryLimitOption = None,
    threads: ThreadsOption = None,
) -> None:
    """Compute every metric and write OUT/results.json (plus quarantine files)."""
    cfg = _config(config, strict, EngineFlags(engine, spark_remote, memory_limit, threads))
    _analyse_and_write(dataset, out, cfg, Extras(tables=tables, timings=timings))


def _render_from_results(
    results_path: Path, out: Path | None, cfg: Config, tables: bool
) -> None:
    """The board report (and tables) from an existing results.json, without analysing again."""
    results = load_results(results_path)
    target = out if out is not None else results_path.parent
    usable_folder(target)
    with steps(err_console) as say:
        with all_or_nothing(target) as outputs:
            written = _write_beside(results, outputs, cfg.min_cell,
                                    Extras(tables=tables, report=True), say)
    print_summary(console, results, cfg.min_cell)
    _print_written(written)


@app.command()
@_reports_failures
def report(
    dataset: Annotated[
        Optional[str],
        typer.Argument(metavar="DATASET", help="Dataset to analyse (omit it with --results)."),
    ] = None,
    out: Annotated[
        Optional[Path],
        typer.Option("--out", "-o", help="Folder for the report (default with --results: "
                     "the results file's folder)."),
    ] = None,
    results: Annotated[
        Optional[Path],
        typer.Option("--results", help="Render this results.json; nothing is analysed again."),
    ] = None,
    config: ConfigOption = None,
    strict: StrictOption = False,
    tables: TablesOption = False,
    timings: TimingsOption = False,
    engine: EngineOption = None,
    spark_remote: SparkRemoteOption = None,
    memory_limit: MemoryLimitOption = None,
    threads: ThreadsOption = None,
) -> None:
    """Write report.html, report.pdf and board.pptx: from DATASET (analysed, with results.json)
    or from an earlier --results OUT/results.json."""
    flags = EngineFlags(engine, spark_remote, memory_limit, threads)
    analysing_only = [*flags.given(), *(["--strict"] if strict else []),
                      *(["--timings"] if timings else [])]
    problems = report_arguments(dataset, results, out, analysing_only)
    if problems:
        raise ArgumentError(problems)
    if results is not None:
        _render_from_results(results, out, _config(config, False), tables)
    elif dataset is not None and out is not None:
        cfg = _config(config, strict, flags)
        _analyse_and_write(dataset, out, cfg, Extras(tables, timings, report=True))


@app.command()
@_reports_failures
def init(
    path: Annotated[
        Path, typer.Argument(help="The file to write (a folder: FOLDER/cxroi.toml).")
    ] = Path("cxroi.toml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a starter cxroi.toml: every setting, commented out at its default, with its meaning."""
    target = path / "cxroi.toml" if path.is_dir() else path
    if target.exists() and not force:
        raise ArgumentError([Problem(str(target), "file_exists",
                                     "already exists; pass --force to overwrite it")])
    write_text(target, render_starter_config())
    console.print(f"wrote {target}: every setting at its default, commented out. Edit it, then "
                  f"run e.g. cxroi analyze DATA --out OUT --config {target}", highlight=False)


@app.command("demo-data")
@_reports_failures
def demo_data(
    out: Annotated[Path, typer.Argument(help="Folder to write the demo dataset into.")],
    contacts: Annotated[int, typer.Option(min=1000, help="Number of contacts.")] = 200_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same bytes).")] = 7,
) -> None:
    """Generate a realistic demo contact centre with planted, documented truths."""
    from cxroi.demo import generate_demo

    usable_folder(out)
    with steps(err_console) as say:
        say(f"generating {contacts:,} contacts")
        generate_demo(out, contacts=contacts, seed=seed)
    console.print(f"demo dataset written to {out} (planted truths in {out / 'truths.json'})")


@app.command()
@_reports_failures
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for data and results.")] = Path(
        "demo-output"
    ),
    contacts: Annotated[int, typer.Option(min=1000, help="Number of contacts.")] = 200_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    tables: TablesOption = False,
) -> None:
    """Generate demo data, analyse it and write the board report."""
    from cxroi.demo import generate_demo

    data = out / "data"
    usable_folder(out)
    with steps(err_console) as say:
        say(f"generating {contacts:,} demo contacts")
        generate_demo(data, contacts=contacts, seed=seed)
    _analyse_and_write(str(data), out, _config(None, False), Extras(tables=tables, report=True))


@app.command("import")
@_reports_failures
def import_(
    input: Annotated[Path, typer.Argument(help="The vendor export (file or folder).")],
    source: Annotated[
        str,
        typer.Option("--from", help="connect, genesys, intercom, zendesk or bank."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Dataset folder to write.")],
    set_: Annotated[
        Optional[list[str]],
        typer.Option("--set", help="Adapter option KEY=VALUE (repeatable); see docs/adapters.md."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    overwrite: Annotated[bool, typer.Option(help="Replace tables already in OUT.")] = False,
    config: ConfigOption = None,
) -> None:
    """Convert a contact-centre platform's export into the canonical dataset."""
    from cxroi.sources.registry import import_command
    from cxroi.sources.options import split_assignments

    cfg = _config(config, False)
    problems: list[Problem] = []
    configured = cfg.imports.get(source.strip().lower())  # the adapter's parsed options
    options = {
        **({f.name: getattr(configured, f.name) for f in fields(configured)} if configured else {}),
        **split_assignments(list(set_ or ()), problems),
    }
    if problems:
        raise ConfigError(problems)
    with steps(err_console) as say:
        say(f"importing {source} export")
        report = import_command(source, input, out, options, fmt, overwrite)
    for line in report.lines():
        console.print(line, highlight=False)


@app.command("vendor-audit")
@_reports_failures
def vendor_audit(
    dataset: DatasetArg,
    claimed: Annotated[
        Optional[float], typer.Option(help="The vendor's billed automated resolutions (total).")
    ] = None,
    claimed_csv: Annotated[
        Optional[Path], typer.Option(help="Per-month vendor counts: month,vendor_resolutions.")
    ] = None,
    window: Annotated[int, typer.Option(help="Days without a repeat that make a resolution durable.")] = 7,
    price: Annotated[Optional[float], typer.Option(help="Price per billed resolution.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Folder for vendor_audit.json.")] = None,
    config: ConfigOption = None,
) -> None:
    """Reconcile a vendor's 'automated resolutions' with durable resolution (no repeat in W days)."""
    from cxroi.pipeline import vendor_audit_command

    cfg = _config(config, False)
    with steps(err_console) as say:
        say("auditing vendor resolutions")
        result = vendor_audit_command(Path(dataset), claimed, claimed_csv, window, price, cfg, out)
    for line in result.lines():
        console.print(line, highlight=False)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except OSError as exc:  # outside any command (e.g. the terminal went away)
        if os.environ.get("CXROI_TRACEBACK"):
            raise
        message, code = explain_os_error(exc)
        err_console.print(f"error: {message}", highlight=False, soft_wrap=True)
        sys.exit(code)
