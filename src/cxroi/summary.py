"""Terminal rendering of a validation report and of results.json (Rich).

Reads only the assembled results, so what the terminal shows is what results.json says. Cells
resting on fewer than ``min_cell`` answers or contacts are suppressed (privacy).
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from cxroi.io.dataset import ValidationReport
from cxroi.io.validate import Severity

MODES_SHOWN = ("ai_only", "hybrid", "human_only", "all")


def print_validation(console: Console, report: ValidationReport, brief: bool = False) -> None:
    table = Table(title=f"Dataset {report.source}", title_justify="left")
    for col in ("table", "rows read", "accepted", "quarantined"):
        table.add_column(col, justify="left" if col == "table" else "right")
    for name, rows in report.rows.items():
        table.add_row(name, f"{rows:,}", f"{report.accepted[name]:,}", f"{report.quarantined[name]:,}")
    console.print(table)
    if report.excluded_after_as_of:
        console.print(f"{report.excluded_after_as_of:,} contacts after the configured as_of are excluded")
    if not report.counts:
        console.print("[green]no row-level faults[/]")
        return
    faults = Table(title="Row-level faults", title_justify="left")
    for col in ("severity", "table.column", "rule", "rows", "detail"):
        faults.add_column(col)
    for c in report.counts:
        style = "red" if c.severity is Severity.ERROR else "yellow"
        detail = c.message if brief else c.describe()
        faults.add_row(
            f"[{style}]{c.severity.value}[/]", f"{c.table}.{c.column}", c.rule, f"{c.count:,}", detail
        )
    console.print(faults)


def _cell(block: dict[str, Any], detail: dict[str, Any], mode: str, fmt: str, min_cell: int) -> str:
    value = block.get(mode)
    if value is None:
        return "—"
    n = (detail.get(mode) or {}).get("n")
    if n is not None and n < min_cell:
        return f"<{min_cell}"
    return format(value, fmt)


def print_summary(console: Console, results: dict[str, Any], min_cell: int) -> None:
    m = results["metrics"]
    detail = m["intervals"]
    cur = results.get("currency", "")
    table = Table(
        title=f"Resolution, cost and loyalty by AI mode (as of {results['as_of']})",
        title_justify="left",
    )
    table.add_column("metric")
    for mode in MODES_SHOWN:
        table.add_column(mode, justify="right")
    rows = [
        ("contacts", None, ","),
        ("fcr_7d", "true FCR, 7 days", ".1%"),
        ("fcr_14d", "true FCR, 14 days", ".1%"),
        ("cost_per_contact", f"cost per contact ({cur})", ",.2f"),
        ("cost_per_resolution_7d", f"cost per resolution, 7d ({cur})", ",.2f"),
        ("aht_seconds", "handle time (s)", ",.0f"),
        ("csat", "CSAT (4–5)", ".1%"),
        ("nps", "NPS", "+.0f"),
        ("ces", "CES (1–7, higher easier)", ".2f"),
    ]
    for key, label, fmt in rows:
        if key == "contacts":
            counts = m["counts"]["contacts"]
            table.add_row("contacts", *[f"{counts[mode]:,}" for mode in MODES_SHOWN])
            continue
        block = m.get(key) or {}
        table.add_row(label or key, *[_cell(block, detail.get(key, {}), mode, fmt, min_cell) for mode in MODES_SHOWN])
    console.print(table)

    lines = []
    if m.get("containment_rate") is not None:
        lines.append(f"containment rate {m['containment_rate']:.1%}")
    if m.get("false_containment_7d") is not None:
        lines.append(f"false containment (ai_only back within 7 days) {m['false_containment_7d']:.1%}")
    if lines:
        console.print("  ·  ".join(lines))
    months = [r for r in m.get("csat_delta_hybrid_vs_human_monthly", []) if r["estimate"] is not None]
    if months:
        last = months[-3:]
        shown = ", ".join(
            f"{r['month']}: {r['estimate']:+.1%} [{r['ci_low']:+.1%}, {r['ci_high']:+.1%}]" for r in last
        )
        console.print(f"CSAT hybrid − human-only, latest months: {shown}")
    pending = [k for k in ("retention", "value", "agents") if all(v is None for k2, v in results[k].items() if not k2.endswith("_note"))]
    if pending:
        console.print(f"[dim]not computed yet: {', '.join(pending)} (see the _note keys in results.json)[/]")
