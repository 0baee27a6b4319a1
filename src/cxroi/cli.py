"""The ``cxroi`` command line: validate, analyze, report, import, vendor-audit, demo-data, demo.

A user meets no traceback: bad input (data, configuration, arguments) prints every problem and
exits 2; a failing machine (disk full, no permission, read-only disk) prints one line and exits 1
(docs/cli.md). Outputs are written as one set, all files or none (:mod:`cxroi.io.atomic`).
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn, Optional, ParamSpec

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from cxroi._version import __version__
from cxroi.config import Config, load_config
from cxroi.errors import ConfigError, CxroiInputError, Problem, explain_os_error
from cxroi.io.atomic import all_or_nothing, usable_folder
from cxroi.io.dataset import load_dataset
from cxroi.pipeline import Analysis
from cxroi.pipeline import analyze as run_analysis
from cxroi.report import write_report
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

ConfigOption = Annotated[
    Optional[Path], typer.Option("--config", "-c", help="TOML configuration file.")
]
StrictOption = Annotated[
    bool, typer.Option("--strict", help="Stop on any row-level fault instead of quarantining.")
]
DatasetArg = Annotated[
    Path, typer.Argument(help="Folder of <table>.parquet/.csv files, or a DuckDB file.")
]


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


def _config(path: Path | None, strict: bool) -> Config:
    cfg = load_config(path)
    if strict and not cfg.strict:
        cfg = Config(**{**cfg.__dict__, "strict": True})
    return cfg


@contextmanager
def _steps() -> Iterator[Callable[[str], None]]:
    with Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as progress:
        task = progress.add_task("starting", total=None)
        yield lambda message: progress.update(task, description=message)


def _fail(exc: CxroiInputError) -> NoReturn:
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
) -> None:
    """Check a dataset against the data contract and report every fault."""
    cfg = _config(config, strict)
    if quarantine_dir is not None:
        usable_folder(quarantine_dir)
    with _steps() as say:
        ds = load_dataset(dataset, cfg, progress=say)
    print_validation(console, ds.report)
    if quarantine_dir is not None:
        for table, path in ds.write_quarantine(quarantine_dir).items():
            console.print(f"quarantined {table} rows written to {path}")


def _analyse_and_write(
    dataset: Path, out: Path, config: Path | None, strict: bool, with_report: bool = False
) -> None:
    """Analyse, then write every output into OUT at once: all of them, or none and OUT unchanged."""
    cfg = _config(config, strict)
    usable_folder(out)
    with _steps() as say:
        analysis = run_analysis(dataset, cfg, progress=say)
        say("writing results")
        with all_or_nothing(out) as outputs:
            written = analysis.write(outputs)
            if with_report:
                say("writing the board report")
                files = write_report(analysis.results, outputs.folder, min_cell=cfg.min_cell)
                report_files = {"report": files.html, "pdf": files.pdf, "slides": files.pptx}
                for name, path in report_files.items():
                    written[name] = outputs.final(path)
    print_validation(console, analysis.dataset.report, brief=True)
    print_summary(console, analysis.results, cfg.min_cell)
    for note in analysis.summary_lines():
        console.print(note, highlight=False)
    for name, path in written.items():
        console.print(f"[dim]{name}:[/] {path}", highlight=False)


@app.command()
@_reports_failures
def analyze(
    dataset: DatasetArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for results.json.")],
    config: ConfigOption = None,
    strict: StrictOption = False,
) -> None:
    """Compute every metric and write OUT/results.json (plus quarantine files)."""
    _analyse_and_write(dataset, out, config, strict)


@app.command()
@_reports_failures
def report(
    dataset: DatasetArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for results and the report.")],
    config: ConfigOption = None,
    strict: StrictOption = False,
) -> None:
    """Analyse DATASET; write results.json, report.html, report.pdf and board.pptx to OUT."""
    _analyse_and_write(dataset, out, config, strict, with_report=True)


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
    with _steps() as say:
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
) -> None:
    """Generate demo data, analyse it and write the board report."""
    from cxroi.demo import generate_demo

    data = out / "data"
    usable_folder(out)
    with _steps() as say:
        say(f"generating {contacts:,} demo contacts")
        generate_demo(data, contacts=contacts, seed=seed)
    report(data, out=out, config=None, strict=False)


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
    options = {
        **cfg.imports.get(source.strip().lower(), {}),
        **split_assignments(list(set_ or ()), problems),
    }
    if problems:
        raise ConfigError(problems)
    with _steps() as say:
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
    with _steps() as say:
        say("auditing vendor resolutions")
        result = vendor_audit_command(dataset, claimed, claimed_csv, window, price, cfg, out)
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
