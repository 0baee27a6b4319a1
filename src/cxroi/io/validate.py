"""Row-level rules of the data contract, written once as Ibis expressions.

Every rule is evaluated on every row before anything is reported, so a user sees all faults at
once. A row that breaks an error rule is set aside (quarantined) with the names of every rule it
breaks; warnings are counted but keep the row. References are checked against rows already
accepted, so a contact of a quarantined customer is set aside too, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import ibis
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from cxroi.io.contract import SURVEY_RANGES, ColumnType, TableSpec
from cxroi.io.normalize import BAD_PREFIX, TypedTable
from cxroi.io.sources import ROW

RULES_COLUMN = "_cxroi_rules"
_EXAMPLES = 5


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Rule:
    table: str
    column: str
    rule: str
    message: str
    violated: ir.BooleanValue
    severity: Severity = Severity.ERROR


@dataclass(frozen=True)
class RuleCount:
    table: str
    column: str
    rule: str
    message: str
    severity: Severity
    count: int
    examples: tuple[str, ...]

    def describe(self) -> str:
        shown = ", ".join(self.examples)
        more = f" (e.g. {shown})" if shown else ""
        return f"{self.count} rows: {self.message}{more}"


@dataclass(frozen=True)
class TableOutcome:
    clean: ir.Table
    quarantine: ir.Table
    counts: tuple[RuleCount, ...]
    quarantined: int


def column_rules(spec: TableSpec, t: ir.Table) -> list[Rule]:
    rules: list[Rule] = []
    for col in spec.columns:
        value = t[col.name]
        bad = t[f"{BAD_PREFIX}{col.name}"] if f"{BAD_PREFIX}{col.name}" in t.columns else None
        where = f"{spec.name}.{col.name}"
        if bad is not None:
            rules.append(
                Rule(spec.name, col.name, "unparseable", f"{where} is not {_kind(col.type)}", bad)
            )
        if col.required and not col.empty_allowed:
            missing = value.isnull() if bad is None else value.isnull() & ~bad
            rules.append(Rule(spec.name, col.name, "required_missing", f"{where} is empty", missing))
        if col.allowed is not None:
            allowed = ", ".join(col.allowed)
            rules.append(
                Rule(
                    spec.name,
                    col.name,
                    "not_allowed",
                    f"{where} is not one of {allowed}",
                    value.notnull() & ~value.isin(list(col.allowed)),
                )
            )
        if col.type is ColumnType.NUMBER:
            rules.append(
                Rule(spec.name, col.name, "not_finite", f"{where} is infinite", value.isinf())
            )
            if col.minimum == 0 and col.maximum is None:
                rules.append(
                    Rule(spec.name, col.name, "negative", f"{where} is negative", value < 0)
                )
            elif col.minimum is not None or col.maximum is not None:
                lo, hi = col.minimum, col.maximum
                outside = (value < lo) if lo is not None else ibis.literal(False)
                if hi is not None:
                    outside = outside | (value > hi)
                rules.append(
                    Rule(spec.name, col.name, "out_of_range", f"{where} is outside [{lo}, {hi}]", outside)
                )
    return rules


def repeats_earlier_row(t: ir.Table, key: str) -> ir.BooleanValue:
    """The row's ``key`` is on an earlier row (a lower row number): every copy but the first.

    One aggregation finds the keys that occur more than once and the first row of each; a
    window numbering the rows of every key would sort the whole table, although almost every
    key occurs once. Usually none repeats (asked here, once): the rule is then false on every
    row and no row is looked up.
    """
    keyed = t.filter(t[key].notnull())
    rows_per_key = keyed.group_by(key).aggregate(rows=keyed.count(), first_row=keyed[ROW].min())
    repeated = rows_per_key.filter(rows_per_key.rows > 1)
    if int(repeated.count().execute()) == 0:
        return t[key].notnull() & ibis.literal(False)  # a column, false on every row
    return t[key].isin(repeated[key]) & ~t[ROW].isin(repeated.first_row)


def table_rules(spec: TableSpec, t: ir.Table, parents: dict[str, ir.Table]) -> list[Rule]:
    rules = column_rules(spec, t)
    if spec.key is not None:
        rules.append(
            Rule(
                spec.name,
                spec.key,
                "duplicate_key",
                f"{spec.name}.{spec.key} repeats an earlier row (the first is kept)",
                repeats_earlier_row(t, spec.key),
            )
        )
    for ref in spec.references:
        parent = parents.get(ref.table)
        if parent is None:
            continue  # the referenced table is optional and absent: nothing to check against
        rule = f"unknown_{ref.target_column.removesuffix('_id')}"
        rules.append(
            Rule(
                spec.name,
                ref.column,
                rule,
                f"{spec.name}.{ref.column} has no accepted row in {ref.table}",
                t[ref.column].notnull() & ~t[ref.column].isin(parent[ref.target_column]),
            )
        )
    for order in spec.order_rules:
        rules.append(
            Rule(
                spec.name,
                order.later,
                order.rule,
                f"{spec.name}.{order.later} is before {order.earlier}",
                t[order.later] < t[order.earlier],
            )
        )
    if spec.name == "surveys":
        score, kind = t["score"], t["kind"]
        outside = ibis.literal(False)
        for name, (lo, hi) in SURVEY_RANGES.items():
            outside = outside | ((kind == name) & ((score < lo) | (score > hi)))
        rules.append(
            Rule(
                "surveys",
                "score",
                "score_out_of_range",
                "surveys.score is outside its kind's range (csat 1–5, nps 0–10, ces 1–7)",
                outside,
            )
        )
    if spec.name == "contacts":
        rules.append(
            Rule(
                "contacts",
                "escalated",
                "ai_only_escalated",
                "contacts.escalated is true on an ai_only contact (counted as both in containment)",
                (t["ai_mode"] == "ai_only") & t["escalated"],
                Severity.WARNING,
            )
        )
    return rules


def apply_rules(
    backend: BaseBackend, typed: TypedTable, t: ir.Table, rules: list[Rule]
) -> TableOutcome:
    """Count every rule's violations in one pass over ``t`` (the typed rows, materialised), then split.

    Usually no row breaks an error rule: the clean rows are then ``t`` without its parse flags,
    and nothing is copied. Otherwise the rules that some row breaks become columns of
    ``flagged_<table>`` (materialised once), from which the clean and quarantined rows are split;
    the caller drops it once those are materialised.
    """
    names = [f"_cxroi_r{i}" for i in range(len(rules))]
    violated = {n: r.violated.fill_null(False) for n, r in zip(names, rules)}
    totals = t.aggregate(
        [v.cast("int64").sum().fill_null(0).name(n) for n, v in violated.items()]
    ).execute()
    counts: list[RuleCount] = []
    broken: list[tuple[str, Rule]] = []
    for name, rule in zip(names, rules):
        n = int(totals[name].iloc[0])
        if n > 0:
            examples = _examples(typed, t, violated[name], rule)
            counts.append(
                RuleCount(rule.table, rule.column, rule.rule, rule.message, rule.severity, n, examples)
            )
            if rule.severity is Severity.ERROR:
                broken.append((name, rule))
    internal = [c for c in t.columns if c.startswith(BAD_PREFIX)]
    if not broken:
        nothing = t.filter(ibis.literal(False)).select(
            t[ROW], ibis.literal("").name(RULES_COLUMN)
        )
        return TableOutcome(t.drop(*internal), nothing, tuple(counts), 0)
    flagged = backend.create_table(
        f"flagged_{typed.name}",
        t.mutate(**{name: violated[name] for name, _ in broken}),
        overwrite=True,
    )
    any_error: ir.BooleanValue = ibis.literal(False)
    labels: list[ir.StringValue] = []
    for name, rule in broken:
        any_error = any_error | flagged[name]
        labels.append(ibis.ifelse(flagged[name], f"{rule.rule}:{rule.column};", ""))
    label = ibis.literal("").concat(*labels).rstrip()
    quarantine = flagged.filter(any_error).select(
        flagged[ROW], label.re_replace(";$", "").name(RULES_COLUMN)
    )
    clean = flagged.filter(~any_error).drop(*internal, *(name for name, _ in broken))
    return TableOutcome(clean, quarantine, tuple(counts), int(quarantine.count().execute()))


def _examples(typed: TypedTable, t: ir.Table, flag: ir.BooleanValue, rule: Rule) -> tuple[str, ...]:
    key = next((c for c in ("contact_id", "customer_id", "agent_id") if c in t.columns), None)
    cols = [t[ROW]] + ([t[key]] if key else [])
    rows = t.filter(flag).order_by(t[ROW]).select(*cols).limit(_EXAMPLES).execute()
    out = []
    for rec in rows.itertuples(index=False):
        label = f"{typed.row_label} {int(rec[0])}"
        if key and rec[1] is not None and rule.column != key:
            label += f" ({key} {rec[1]})"
        out.append(label)
    return tuple(out)


def _kind(t: ColumnType) -> str:
    return {
        ColumnType.STRING: "text",
        ColumnType.TIMESTAMP: "a valid timestamp",
        ColumnType.NUMBER: "a number",
        ColumnType.BOOL: "true/false",
    }[t]
