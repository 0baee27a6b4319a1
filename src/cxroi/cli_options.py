"""The command line's shared options: their help texts and how the engine options apply.

``--engine``, ``--spark-remote``, ``--memory-limit`` and ``--threads`` override the keys of the
configuration's ``[engine]`` table; :meth:`EngineFlags.apply` is the one place where they are
merged, checked like the file's values (every bad option reported at once, named as typed).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Annotated, Optional

import typer

from cxroi.config import Config
from cxroi.errors import CxroiInputError, Problem
from cxroi.io.engine_settings import with_overrides



class ArgumentError(CxroiInputError):
    """Options that cannot work as given (exit code 2, each option named)."""

    title = "invalid arguments"


ConfigOption = Annotated[
    Optional[Path], typer.Option("--config", "-c", help="TOML configuration file.")
]
StrictOption = Annotated[
    bool, typer.Option("--strict", help="Stop on any row-level fault instead of quarantining.")
]
# text, not a Path: a Path would turn postgres://host/db into postgres:/host/db
DatasetArg = Annotated[
    str,
    typer.Argument(
        metavar="DATASET",
        help="Folder of <table>.parquet/.csv files, a DuckDB file, a database URL (postgres://…) "
        "or catalog:DB (Spark).",
    ),
]
TablesOption = Annotated[
    bool,
    typer.Option("--tables", help="Also write tidy Parquet tables to OUT/tables/ for BI tools."),
]
TimingsOption = Annotated[
    bool,
    typer.Option("--timings", help="Also write OUT/timings.json: wall, CPU, peak memory by stage."),
]
EngineOption = Annotated[
    Optional[str],
    typer.Option("--engine", help="duckdb, spark or sc://HOST:PORT (overrides the configuration)."),
]
SparkRemoteOption = Annotated[
    Optional[str], typer.Option("--spark-remote", help="A Spark Connect server, sc://HOST:PORT.")
]
MemoryLimitOption = Annotated[
    Optional[str],
    typer.Option("--memory-limit", help="DuckDB memory limit, e.g. 4GB; beyond it, it spills."),
]
ThreadsOption = Annotated[Optional[int], typer.Option("--threads", help="DuckDB worker threads.")]


# [engine] key -> the option that overrides it
_ENGINE_OPTIONS = {
    "engine": "--engine",
    "spark_remote": "--spark-remote",
    "memory_limit": "--memory-limit",
    "threads": "--threads",
}


@dataclass(frozen=True)
class EngineFlags:
    """The engine options of a command; each overrides its key of the ``[engine]`` table."""

    engine: str | None = None
    spark_remote: str | None = None
    memory_limit: str | None = None
    threads: int | None = None

    def given(self) -> list[str]:
        return [_ENGINE_OPTIONS[f.name] for f in fields(self) if getattr(self, f.name) is not None]

    def apply(self, cfg: Config) -> Config:
        """``cfg`` with these options over its ``[engine]`` table; every bad option reported."""
        raw = {f.name: getattr(self, f.name) for f in fields(self)}
        problems: list[Problem] = []
        kind = raw["engine"]
        if isinstance(kind, str) and "://" in kind and not kind.startswith("sc://"):
            problems.append(Problem("--engine", "not_an_engine", (
                f"{kind!r} is a database, not an engine: give it as the DATASET argument "
                "(its tables are read from there); --engine takes duckdb, spark or "
                "sc://HOST:PORT")))
            raw["engine"] = None
        found: list[Problem] = []
        settings = with_overrides(cfg.engine, raw, found)
        for p in found:
            key = p.where.removeprefix("engine.")
            problems.append(Problem(_ENGINE_OPTIONS.get(key, p.where), p.rule, p.message))
        if problems:
            raise ArgumentError(problems)
        return replace(cfg, engine=settings)


def report_arguments(
    dataset: str | None, results: Path | None, out: Path | None, analysing_only: list[str]
) -> list[Problem]:
    """Either a DATASET to analyse (with --out) or --results to render, not both."""
    if dataset is not None and results is not None:
        return [Problem("report", "two_sources", "give a DATASET to analyse or --results "
                        "RESULTS.json to render, not both")]
    if dataset is None and results is None:
        return [Problem("report", "no_source", "give a DATASET to analyse, or --results "
                        "OUT/results.json to render an earlier analysis")]
    if dataset is not None and out is None:
        return [Problem("--out", "missing", "required with a DATASET: the folder for "
                        "results.json and the report")]
    return [
        Problem(option, "not_used", "--results renders an existing results.json; this option "
                "applies only when analysing a DATASET")
        for option in analysing_only
    ] if results is not None else []
