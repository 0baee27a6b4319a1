"""Contract-typed frames, customers synthesised from contacts, and writing a dataset folder.

Every importer writes ``contacts.direction`` (``inbound``/``outbound``, docs/data-contract.md): who
reached out first decides whether a contact can be a repeat and whether it enters FCR,
containment and cost per resolution. Until ``io/contract.py`` lists the column, it is typed here
as the contract describes it (an optional string), so the file layout does not change when it does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from cxroi.errors import ContractError, Problem
from cxroi.io.contract import TABLES_BY_NAME, ColumnSpec, ColumnType, TableSpec

INBOUND, OUTBOUND = "inbound", "outbound"
DIRECTIONS: tuple[str, ...] = (INBOUND, OUTBOUND)
# contacts.direction as docs/data-contract.md defines it; used only while io/contract.py lacks it
DIRECTION_COLUMN = ColumnSpec(
    "direction",
    ColumnType.STRING,
    allowed=DIRECTIONS,
    meaning="inbound: the customer reached out; outbound: the centre called or wrote first",
)


def _columns(table: str) -> tuple[ColumnSpec, ...]:
    spec: TableSpec = TABLES_BY_NAME[table]
    if table == "contacts" and "direction" not in spec.column_names:
        return spec.columns + (DIRECTION_COLUMN,)
    return spec.columns


def frame(
    table: str, rows: Sequence[Mapping[str, Any]], extras: Sequence[str] = ()
) -> pd.DataFrame:
    """Contract-typed frame: contract columns that any row sets (in contract order), then extras.

    Instants become zone-aware UTC nanoseconds (what pandas writes), booleans pandas' nullable
    ``boolean``, numbers ``float64`` (a missing number is NaN, which the loader reads as missing).
    """
    specs = {c.name: c for c in _columns(table)}
    keys = {k for r in rows for k, v in r.items() if v is not None}
    cols = [name for name, c in specs.items() if name in keys or c.required]
    cols += [e for e in extras if e in keys and e not in specs]
    data = {c: [r.get(c) for r in rows] for c in cols}
    out = pd.DataFrame(data, columns=cols)
    for col in cols:
        kind = specs[col].type if col in specs else _extra_kind(data[col])
        if kind is ColumnType.TIMESTAMP:
            out[col] = pd.to_datetime(out[col], utc=True)
        elif kind is ColumnType.BOOL:
            out[col] = out[col].astype("boolean")
        elif kind is ColumnType.NUMBER:
            out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
        else:
            out[col] = out[col].astype("object")
    return out


def _extra_kind(values: Sequence[Any]) -> ColumnType:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return ColumnType.BOOL
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return ColumnType.NUMBER
    if present and all(isinstance(v, datetime) for v in present):
        return ColumnType.TIMESTAMP
    return ColumnType.STRING


def synthesise_customers(
    contacts: pd.DataFrame,
    surveys: pd.DataFrame | None = None,
    attributes: Mapping[str, Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """A customers table for a source that has none: one row per customer seen, with
    ``acquired_at`` = the first time the export shows them (a contact or a survey answer).

    That is a lower bound on the real start of the relationship (the export is a window), so
    tenure from it is left-truncated; ``attributes`` adds descriptors such as ``segment``.
    """
    seen = [contacts[["customer_id", "started_at"]].rename(columns={"started_at": "at"})]
    if surveys is not None and len(surveys):
        seen.append(surveys[["customer_id", "answered_at"]].rename(columns={"answered_at": "at"}))
    both = pd.concat(seen, ignore_index=True)
    first = both.groupby("customer_id", sort=True)["at"].min()
    rows = []
    for cid, at in first.items():
        row: dict[str, Any] = {"customer_id": cid, "acquired_at": at}
        row.update((attributes or {}).get(str(cid), {}))
        rows.append(row)
    return frame("customers", rows)


def sort_rows(rows: list[dict[str, Any]], by: str, key: str) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r[by], str(r[key])))


CustomersFrom = Callable[[pd.DataFrame, "pd.DataFrame | None"], pd.DataFrame]


def contact_tables(
    contacts: Sequence[dict[str, Any]],
    surveys: list[dict[str, Any]],
    extras: Sequence[str],
    survey_extras: Sequence[str] = (),
    customers: CustomersFrom = synthesise_customers,
) -> dict[str, pd.DataFrame]:
    """contacts, customers and (when any) surveys of a conversation export, in a stable order."""
    table = frame("contacts", sort_rows(list(contacts), "started_at", "contact_id"), extras)
    survey_table = (
        frame("surveys", sort_rows(surveys, "answered_at", "survey_id"), survey_extras)
        if surveys
        else None
    )
    tables = {"contacts": table, "customers": customers(table, survey_table)}
    if survey_table is not None:
        tables["surveys"] = survey_table
    return tables


def write_tables(
    out: Path, tables: Mapping[str, pd.DataFrame], fmt: str = "parquet", overwrite: bool = False
) -> dict[str, Path]:
    """Write contract tables into ``out`` as ``<table>.parquet`` or ``<table>.csv``.

    A folder already holding contract tables is refused unless ``overwrite``: a stale
    ``surveys.csv`` left beside new contacts would silently join the next analysis. With
    ``overwrite`` every contract-table file in the folder is replaced or removed.
    """
    if fmt not in ("parquet", "csv"):
        raise ContractError([Problem("--format", "unknown_format", "expected parquet or csv")])
    existing = (
        [
            p
            for p in sorted(out.glob("*"))
            if p.is_file()
            and p.suffix.lower() in (".parquet", ".csv")
            and p.stem.lower() in TABLES_BY_NAME
        ]
        if out.exists()
        else []
    )
    if existing and not overwrite:
        names = ", ".join(p.name for p in existing)
        raise ContractError(
            [
                Problem(
                    str(out),
                    "output_exists",
                    f"already holds dataset tables ({names}); "
                    "choose an empty folder or pass --overwrite",
                )
            ]
        )
    out.mkdir(parents=True, exist_ok=True)
    for p in existing:
        p.unlink()
    written: dict[str, Path] = {}
    for name, df in tables.items():
        path = out / f"{name}.{fmt}"
        if fmt == "parquet":
            df.to_parquet(path, index=False)
        else:
            _to_csv(df, path)
        written[name] = path
    return written


def _to_csv(df: pd.DataFrame, path: Path) -> None:
    text = df.copy()
    for col in text.columns:
        if isinstance(text[col].dtype, pd.DatetimeTZDtype):
            text[col] = text[col].map(
                lambda t: "" if pd.isna(t) else t.isoformat().replace("+00:00", "Z")
            )
        elif str(text[col].dtype) == "boolean":
            text[col] = text[col].map(lambda b: "" if pd.isna(b) else ("true" if b else "false"))
    text.to_csv(path, index=False, lineterminator="\n")
