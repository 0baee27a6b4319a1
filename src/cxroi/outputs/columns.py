"""The declared layout of every BI table: columns, their Arrow types, nullability and meaning.

One declaration serves three readers: the table builder (rows are cast to this schema, so a row
that does not fit fails loudly), the Parquet files (each field carries its meaning as metadata,
which Power BI, Tableau and dbt show as the column description) and docs/bi-tables.md, which a
test compares with these declarations column by column.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "float64": pa.float64(),
    "int64": pa.int64(),
    "bool": pa.bool_(),
    "date32": pa.date32(),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a key of _TYPES, as written in docs/bi-tables.md
    nullable: bool
    meaning: str

    def field(self) -> pa.Field:
        meta = {b"description": self.meaning.encode("utf-8")}
        return pa.field(self.name, _TYPES[self.type], nullable=self.nullable, metadata=meta)


@dataclass(frozen=True)
class TableSpec:
    name: str  # the file is tables/<name>.parquet
    meaning: str
    columns: tuple[Column, ...]
    order_by: tuple[str, ...]  # row order: these columns ascending, nulls first

    def schema(self, metadata: dict[str, str]) -> pa.Schema:
        fields = [c.field() for c in self.columns]
        return pa.schema(fields, metadata={k.encode(): v.encode() for k, v in metadata.items()})

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _c(name: str, kind: str, nullable: bool, meaning: str) -> Column:
    return Column(name, kind, nullable, meaning)


PERIOD = _c("period", "string", False, "calendar month YYYY-MM (configured time zone), or 'all' "
            "for the whole analysed span")
MONTH_START = _c("month_start", "date32", True, "first day of the month; null when period is 'all'")
ESTIMATE = _c("estimate", "float64", True, "the point estimate; null when suppressed or not "
              "computable (see note)")
CI_LOW = _c("ci_low", "float64", True, "lower end of the 95% interval; null when there is none")
CI_HIGH = _c("ci_high", "float64", True, "upper end of the 95% interval; null when there is none")
SE = _c("se", "float64", True, "standard error, where the method gives one")
N = _c("n", "int64", True, "observations the number rests on (contacts, answers, customers)")
UNIT = _c("unit", "string", True, "fraction (0-1), difference (of fractions), money (results "
          "currency), seconds, count, ratio (1.0 = 100%), ces, csat_score, nps, …")
METHOD = _c("method", "string", True, "how the number and its interval were computed")
SUPPRESSED = _c("suppressed", "bool", False, "true when the number rests on fewer than min_cell "
                "observations: estimate, interval and n are then null")
NOTE = _c("note", "string", True, "why the estimate is null: the reason it cannot be computed, "
          "or the suppression")
SOURCE = _c("source", "string", False, "where the number is in results.json: a stack "
            "reference ('[*]' = the row's month of a series), or a path ('[i]' = the i-th item "
            "of a list, from 0)")

_MEASURE = (
    PERIOD,
    MONTH_START,
    _c("dimension", "string", False, "how contacts are grouped: all, mode, channel, touchpoint, "
       "survey or mode_contrast"),
    _c("group", "string", False, "the group within the dimension (ai_only, hybrid, human_only, "
       "ai_assisted; a channel; a touchpoint; 'all')"),
    _c("metric", "string", False, "the metric's name in results.json (fcr_7d, csat, "
       "cost_per_contact, contacts, …)"),
    ESTIMATE, CI_LOW, CI_HIGH, SE, N,
    _c("customers", "int64", True, "distinct customers behind a customer-clustered interval"),
    UNIT, METHOD, SUPPRESSED, NOTE, SOURCE,
)
_MEASURE_ORDER = ("period", "dimension", "group", "metric")

_FIGURE = (
    _c("pillar", "string", False, "revenue_protected, revenue_generated, revenue_at_risk, clv, "
       "what_if_stopped or roi"),
    _c("name", "string", False, "the figure, unique in the table (pillar.part)"),
    ESTIMATE, CI_LOW, CI_HIGH, SE, N, UNIT,
    _c("horizon_months", "int64", True, "months the figure covers; null for a lifetime figure "
       "or one without a horizon"),
    _c("basis", "string", True, "population and contrast of a money figure: att, "
       "incremental_att, attributed, expected_loss, lifetime_value, assumed_cost"),
    _c("evidence", "string", True, "adjusted_estimate, descriptive_comparison, assumption or "
       "extrapolation"),
    _c("margin_applied", "bool", True, "true when the amount is margin, not revenue"),
    _c("population", "string", True, "about whom the figure is"),
    METHOD,
    _c("significant_figures", "int64", True, "digits the interval justifies when shown"),
    _c("illustrative", "bool", False, "true for ROI figures resting on default (not configured) "
       "costs: show them only as illustrative"),
    SUPPRESSED, NOTE, SOURCE,
)

METRICS = TableSpec(
    "metrics",
    "The metrics section: resolution, effort, cost and surveys by AI mode, channel, touchpoint "
    "and month, with customer-clustered 95% intervals.",
    _MEASURE,
    _MEASURE_ORDER,
)
STACK_MONTHLY = TableSpec(
    "stack_monthly",
    "The monthly panel the metric stack's triggers watch: per AI mode (and AI-assisted) and "
    "month; customer-clustered intervals, as the triggers read them.",
    _MEASURE,
    _MEASURE_ORDER,
)
PILLARS = TableSpec(
    "pillars",
    "One row per money (or ROI) figure: the three pillars, their parts, CLV, what-if-we-stopped-"
    "AI and the ROI, each with horizon, basis and class of evidence.",
    (*_FIGURE[:2], _c("headline", "bool", False, "true for the board's figure of the pillar"),
     *_FIGURE[2:]),
    ("pillar", "name"),
)
PILLARS_MONTHLY = TableSpec(
    "pillars_monthly",
    "Pillar figures by calendar month: incremental revenue generated, the CAC offset and the "
    "extra cost of stopping AI.",
    (PERIOD, MONTH_START, *_FIGURE),
    ("period", "pillar", "name"),
)
ROI_MONTHLY = TableSpec(
    "roi_monthly",
    "The ROI worksheet: each month's benefits and costs (central values) and the trailing "
    "12 months ending at that month, with intervals.",
    (
        PERIOD,
        MONTH_START,
        _c("window", "string", False, "month (that month alone, central values) or trailing_12m "
           "(the 12 months ending at it, with intervals)"),
        _c("line", "string", False, "a benefit's name, licences_and_run_cost, "
           "amortised_implementation, net, total_benefit, tco, roi or p_roi_positive"),
        ESTIMATE, CI_LOW, CI_HIGH, SE, UNIT,
        _c("horizon_months", "int64", True, "1 for a month's line, 12 for a trailing window"),
        _c("evidence", "string", True, "adjusted_estimate, descriptive_comparison, assumption or "
           "extrapolation"),
        METHOD,
        _c("tco_source", "string", False, "default (illustrative costs) or configured"),
        _c("illustrative", "bool", False, "true when the costs are defaults: the ROI is "
           "illustrative"),
        SUPPRESSED, NOTE, SOURCE,
    ),
    ("period", "window", "line"),
)
_TEXT = "string"
STACK_METRICS = TableSpec(
    "stack_metrics",
    "The outcome metric stack: one row per metric with its owner, its current value and state.",
    (
        _c("id", _TEXT, False, "the metric's id in the stack"),
        _c("name", _TEXT, False, "what it measures"),
        _c("owner", _TEXT, False, "who acts on it"),
        _c("data_source", _TEXT, False, "the tables it is computed from"),
        _c("cadence", _TEXT, False, "how often it is read (monthly, …)"),
        _c("direction", _TEXT, False, "higher_is_better or lower_is_better"),
        _c("kind", _TEXT, False, "leading or lagging"),
        _c("level", _TEXT, False, "outcome or activity"),
        _c("chain_link", _TEXT, False, "the loyalty-chain link it watches"),
        _c("reference", _TEXT, False, "the results.json reference its value comes from"),
        _c("value", "float64", True, "its latest value; null when suppressed or unknown"),
        _c("value_month", _TEXT, True, "the month of that value"),
        _c("value_note", _TEXT, True, "why there is no value"),
        SUPPRESSED,
        _c("state", _TEXT, False, "fired, not_fired or cannot_evaluate"),
        _c("triggers", "int64", False, "decision triggers on the metric"),
        _c("triggers_fired", "int64", False, "of those, triggers that fired"),
        _c("why", _TEXT, True, "why the metric is in the stack"),
    ),
    ("id",),
)
STACK_TRIGGERS = TableSpec(
    "stack_triggers",
    "One row per decision trigger of the stack, with its state.",
    (
        _c("metric_id", _TEXT, False, "the stack metric the trigger belongs to"),
        _c("trigger", "int64", False, "its position among the metric's triggers (1, 2, …)"),
        _c("when", _TEXT, False, "the condition as configured"),
        _c("condition", _TEXT, False, "the condition as understood (normalised)"),
        _c("action", _TEXT, False, "what to do when it fires"),
        _c("owner", _TEXT, False, "who does it"),
        _c("state", _TEXT, False, "fired, not_fired or cannot_evaluate"),
        _c("value", "float64", True, "the value compared (latest month); null when suppressed"),
        _c("compared_with", "float64", True, "the threshold or other side it was compared with"),
        SUPPRESSED,
        _c("reason", _TEXT, True, "why it cannot be evaluated"),
        _c("latest_month", _TEXT, True, "the latest month evaluated"),
        _c("months_fired", "int64", False, "how many months it fired in"),
        _c("first_fired_month", _TEXT, True, "the first of them"),
        _c("last_fired_month", _TEXT, True, "the last of them"),
    ),
    ("metric_id", "trigger"),
)
STACK_TRIGGER_MONTHS = TableSpec(
    "stack_trigger_months",
    "One row per month in which a trigger fired.",
    (
        _c("metric_id", _TEXT, False, "the stack metric"),
        _c("trigger", "int64", False, "the trigger's position (as in stack_triggers)"),
        PERIOD,
        MONTH_START,
    ),
    ("metric_id", "trigger", "period"),
)
ALERTS = TableSpec(
    "alerts",
    "One row per alert: what fired, when, on which metric, who owns it and what to do.",
    (
        _c("alert", "int64", False, "the alert's position in results.json (1, 2, …)"),
        _c("period", _TEXT, False, "the month (YYYY-MM) or ISO week (YYYY-Www) it concerns"),
        _c("period_end", _TEXT, True, "the last period of an episode"),
        _c("kind", _TEXT, False, "containment_masking, stack_trigger or agent_experience_drop"),
        _c("metric", _TEXT, False, "the metric it is about"),
        _c("message", _TEXT, False, "the alert in words"),
        _c("owner", _TEXT, False, "who acts"),
        _c("action", _TEXT, False, "what to do"),
        _c("active", "bool", False, "true when it concerns the latest period"),
        _c("stack_metric", _TEXT, True, "stack_trigger alerts: the stack metric"),
        _c("trigger_when", _TEXT, True, "stack_trigger alerts: the trigger's condition"),
        _c("masking_stage", _TEXT, True, "containment_masking alerts: family-wise or episode"),
        _c("masking_level", "float64", True, "containment_masking alerts: the test level"),
        _c("agent_index", "float64", True, "agent_experience_drop alerts: the index"),
        _c("agent_baseline", "float64", True, "agent_experience_drop alerts: its baseline"),
        _c("agent_drop_sd", "float64", True, "agent_experience_drop alerts: the drop in SDs"),
        _c("expected_on", _TEXT, True, "agent_experience_drop alerts: when loyalty should follow"),
    ),
    ("alert",),
)
ALERT_EVIDENCE = TableSpec(
    "alert_evidence",
    "The changes behind each containment-masking alert (one row per alert and measure).",
    (
        _c("alert", "int64", False, "the alert (as in alerts)"),
        _c("measure", _TEXT, False, "containment_change, resolution_change or ces_change"),
        _c("estimate", "float64", False, "the change against the reference months"),
        CI_LOW,
        CI_HIGH,
        _c("p_value", "float64", True, "one-sided, in the masking direction"),
    ),
    ("alert", "measure"),
)

TABLES: tuple[TableSpec, ...] = (
    METRICS,
    STACK_MONTHLY,
    PILLARS,
    PILLARS_MONTHLY,
    ROI_MONTHLY,
    STACK_METRICS,
    STACK_TRIGGERS,
    STACK_TRIGGER_MONTHS,
    ALERTS,
    ALERT_EVIDENCE,
)
FOLDER = "tables"
