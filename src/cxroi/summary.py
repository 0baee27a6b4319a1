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
    for line in value_lines(results.get("value") or {}, cur):
        console.print(line, highlight=False)


def _money(x: float, cur: str) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= size:
            return f"{cur} {x / size:,.2f}{suffix}"
    return f"{cur} {x:,.0f}"


def _est_money(obj: Any, cur: str) -> str | None:
    if not isinstance(obj, dict) or obj.get("estimate") is None:
        return None
    text = _money(obj["estimate"], cur)
    if obj.get("ci_low") is not None and obj.get("ci_high") is not None:
        text += f" [{_money(obj['ci_low'], cur)} – {_money(obj['ci_high'], cur)}]"
    return text


def value_lines(value: dict[str, Any], cur: str) -> list[str]:
    """The board's three pillars and the what-if, one line each, from results.json."""
    lines = []
    labels = (
        ("revenue_protected", "Revenue protected by AI (12 months)"),
        ("revenue_generated", "Revenue generated through AI-assisted contacts"),
        ("revenue_at_risk", "Revenue at risk (active customers, next 12 months)"),
        ("clv", "Lifetime value per active customer"),
    )
    for key, label in labels:
        text = _est_money(value.get(key), cur)
        if text is not None:
            lines.append(f"{label}: {text}")
        elif value.get(f"{key}_note"):
            lines.append(f"[dim]{label}: not available — {value[f'{key}_note']}[/]")
    what_if = value.get("what_if_stopped") or {}
    cost = _est_money(what_if.get("extra_cost"), cur)
    agents = what_if.get("extra_agents") or {}
    if cost is not None and isinstance(agents, dict) and agents.get("estimate") is not None:
        lines.append(
            f"If AI stopped: extra cost {cost} a year, {agents['estimate']:.0f} more agents"
        )
    return lines
