"""The importers by name, their ``[import.<source>]`` settings, and ``cxroi import``.

It raises :class:`~cxroi.errors.CxroiInputError` subclasses for bad input (the CLI prints the
problems and exits 2) and returns the import report the CLI prints with ``.lines()``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxroi.errors import ConfigError, Problem
from cxroi.sources import bank, connect, genesys, intercom, zendesk
from cxroi.sources.base import Converted, ImportReport, write_report
from cxroi.sources.options import split_assignments
from cxroi.sources.tables import write_tables


@dataclass(frozen=True)
class Adapter:
    name: str
    describe: str
    parse: Callable[[dict[str, Any], list[Problem]], Any]
    convert: Callable[[Path, Any], Converted]


ADAPTERS: dict[str, Adapter] = {
    "connect": Adapter(
        "connect",
        "Amazon Connect contact records (JSON lines / Firehose)",
        connect.parse_connect_options,
        connect.convert,
    ),
    "genesys": Adapter(
        "genesys",
        "Genesys Cloud analytics conversation details (JSON)",
        genesys.parse_genesys_options,
        genesys.convert,
    ),
    "intercom": Adapter(
        "intercom",
        "Intercom conversations (REST API JSON)",
        intercom.parse_intercom_options,
        intercom.convert,
    ),
    "zendesk": Adapter(
        "zendesk",
        "Zendesk tickets, ticket metrics, satisfaction ratings, users (JSON)",
        zendesk.parse_zendesk_options,
        zendesk.convert,
    ),
    "bank": Adapter(
        "bank", "the Anonymous Bank call log (tab-separated)", bank.parse_bank_options, bank.convert
    ),
}
SOURCES: tuple[str, ...] = tuple(ADAPTERS)


def parse_import_settings(raw: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    """The ``[import.<source>]`` TOML tables: source -> that adapter's options dataclass."""
    out: dict[str, Any] = {}
    for source, body in raw.items():
        adapter = ADAPTERS.get(source)
        if adapter is None:
            problems.append(
                Problem(
                    f"import.{source}",
                    "unknown_section",
                    f"unknown source; known: {', '.join(SOURCES)}",
                )
            )
        elif not isinstance(body, dict):
            problems.append(
                Problem(f"import.{source}", "not_a_table", "must be a [import.<source>] table")
            )
        else:
            out[source] = adapter.parse(body, problems)
    return out


def import_command(
    source: str,
    input: Path,
    out: Path,
    options: Mapping[str, Any] | Sequence[str] | None = None,
    fmt: str = "parquet",
    overwrite: bool = False,
) -> ImportReport:
    """Convert ``input`` (a ``source`` export) into a dataset folder ``out``.

    ``options`` are the adapter's options, as ``["key=value", ...]`` (``--set``) or a mapping
    (a TOML ``[import.<source>]`` table). Writes ``<table>.<fmt>`` files and ``import_report.json``.
    """
    adapter = ADAPTERS.get(source.strip().lower())
    if adapter is None:
        raise ConfigError(
            [Problem("--from", "unknown_source", f"{source!r}; known: {', '.join(SOURCES)}")]
        )
    problems: list[Problem] = []
    raw: dict[str, Any] = (
        dict(options)
        if isinstance(options, Mapping)
        else split_assignments(list(options or ()), problems)
    )
    opts = adapter.parse(raw, problems)
    if fmt not in ("parquet", "csv"):
        problems.append(Problem("--format", "not_allowed", f"{fmt!r}: expected parquet or csv"))
    if problems:
        raise ConfigError(problems)
    converted = adapter.convert(input, opts)
    written = write_tables(out, converted.tables, fmt=fmt, overwrite=overwrite)
    report = converted.finish(written)
    write_report(out, report)
    return report
