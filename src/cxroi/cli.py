"""The ``cxroi`` command line: validate, analyze, demo-data, demo."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from cxroi.config import Config, load_config
from cxroi.errors import ConfigError, CxroiInputError, Problem
from cxroi.pipeline import Analysis
from cxroi.pipeline import analyze as run_analysis
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


def _fail(exc: CxroiInputError) -> None:
    err_console.print(f"[bold red]error:[/] {exc.title} ({len(exc.problems)} problems)")
    for p in exc.problems:
        err_console.print(f"  • {p.where}: {p.message} [dim]\\[{p.rule}][/]", highlight=False)
    raise typer.Exit(code=2)


@app.command()
def validate(
    dataset: DatasetArg,
    config: ConfigOption = None,
    strict: StrictOption = False,
    quarantine_dir: Annotated[
        Optional[Path], typer.Option(help="Also write quarantined rows to DIR/quarantine/.")
    ] = None,
) -> None:
    """Check a dataset against the data contract and report every fault."""
    from cxroi.io.dataset import load_dataset

    try:
        cfg = _config(config, strict)
        with _steps() as say:
            ds = load_dataset(dataset, cfg, progress=say)
        print_validation(console, ds.report)
        if quarantine_dir is not None:
            for table, path in ds.write_quarantine(quarantine_dir).items():
                console.print(f"quarantined {table} rows written to {path}")
    except CxroiInputError as exc:
        _fail(exc)


def _analyse_and_write(
    dataset: Path, out: Path, config: Path | None, strict: bool
) -> tuple[Analysis, Config]:
    cfg = _config(config, strict)
    with _steps() as say:
        analysis = run_analysis(dataset, cfg, progress=say)
        say("writing results")
        written = analysis.write(out)
    print_validation(console, analysis.dataset.report, brief=True)
    print_summary(console, analysis.results, cfg.min_cell)
    for note in analysis.notes:
        console.print(note, highlight=False)
    for name, path in written.items():
        console.print(f"[dim]{name}:[/] {path}")
    return analysis, cfg


@app.command()
def analyze(
    dataset: DatasetArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for results.json.")],
    config: ConfigOption = None,
    strict: StrictOption = False,
) -> None:
    """Compute every metric and write OUT/results.json (plus quarantine files)."""
    try:
        _analyse_and_write(dataset, out, config, strict)
    except CxroiInputError as exc:
        _fail(exc)


@app.command()
def report(
    dataset: DatasetArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for results and the report.")],
    config: ConfigOption = None,
    strict: StrictOption = False,
) -> None:
    """Analyse DATASET; write results.json, report.html, report.pdf and board.pptx to OUT."""
    from cxroi.report import write_report

    try:
        analysis, cfg = _analyse_and_write(dataset, out, config, strict)
        with _steps() as say:
            say("writing the board report")
            files = write_report(analysis.results, out, min_cell=cfg.min_cell)
        console.print(f"[bold]board report:[/] {files.html}  ·  {files.pdf}  ·  {files.pptx}")
    except CxroiInputError as exc:
        _fail(exc)


@app.command("demo-data")
def demo_data(
    out: Annotated[Path, typer.Argument(help="Folder to write the demo dataset into.")],
    contacts: Annotated[int, typer.Option(min=1000, help="Number of contacts.")] = 200_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same bytes).")] = 7,
) -> None:
    """Generate a realistic demo contact centre with planted, documented truths."""
    from cxroi.demo import generate_demo

    with _steps() as say:
        say(f"generating {contacts:,} contacts")
        generate_demo(out, contacts=contacts, seed=seed)
    console.print(f"demo dataset written to {out} (planted truths in {out / 'truths.json'})")


@app.command()
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
    with _steps() as say:
        say(f"generating {contacts:,} demo contacts")
        generate_demo(data, contacts=contacts, seed=seed)
    report(data, out=out, config=None, strict=False)


@app.command("import")
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

    try:
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
    except CxroiInputError as exc:
        _fail(exc)


@app.command("vendor-audit")
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

    try:
        cfg = _config(config, False)
        with _steps() as say:
            say("auditing vendor resolutions")
            result = vendor_audit_command(dataset, claimed, claimed_csv, window, price, cfg, out)
        for line in result.lines():
            console.print(line, highlight=False)
    except CxroiInputError as exc:
        _fail(exc)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
