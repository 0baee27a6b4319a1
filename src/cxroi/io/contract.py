"""The canonical dataset contract (version 1) as frozen, typed specifications.

This module only *describes* the contract (tables, columns, types, rules); the loader and the
validator interpret it. Keep it in step with ``docs/data-contract.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

CONTRACT_VERSION = "1.0"


class ColumnType(str, Enum):
    STRING = "string"
    TIMESTAMP = "timestamp"
    NUMBER = "number"
    BOOL = "bool"


# The vocabulary every layer shares, defined once.
MODES: tuple[str, ...] = ("ai_only", "hybrid", "human_only")
# "AI-assisted" (docs/metrics.md): the AI took part, alone or with a human
AI_MODES: tuple[str, ...] = ("ai_only", "hybrid")
ALL = "all"
# the keys of every per-mode block in results.json: the modes and their total
GROUPS: tuple[str, ...] = (*MODES, ALL)
CHANNELS: tuple[str, ...] = ("voice", "chat", "messaging", "email", "social", "web", "other")
TOUCHPOINTS: tuple[str, ...] = (
    "chatbot",
    "voicebot",
    "ivr",
    "routing",
    "agent_assist",
    "proactive",
    "none",
)
# the touchpoints where some AI took part (every touchpoint but ``none``)
AI_TOUCHPOINTS: tuple[str, ...] = TOUCHPOINTS[:-1]
# Touchpoints where an AI talks to the customer first; a hybrid contact through one of them is an
# escalation when the source does not record ``escalated`` explicitly (docs/metrics.md#containment).
SELF_SERVICE_TOUCHPOINTS: tuple[str, ...] = ("chatbot", "voicebot", "ivr")
# Who reached out first: the customer (``inbound``, also when the column is absent or empty) or
# the centre (``outbound``: call-backs, campaigns, proactive messages; docs/metrics.md).
DIRECTIONS: tuple[str, ...] = ("inbound", "outbound")
SURVEY_KINDS: tuple[str, ...] = ("csat", "nps", "ces")
SURVEY_RANGES: dict[str, tuple[float, float]] = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
REVENUE_KINDS: tuple[str, ...] = ("recurring", "upsell", "cross_sell", "one_time", "refund")
LEAVE_REASONS: tuple[str, ...] = ("voluntary", "involuntary")


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: ColumnType
    required: bool = False
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    meaning: str = ""
    # a required column whose value may be empty, meaning "unknown" (never an invented 0)
    empty_allowed: bool = False


@dataclass(frozen=True)
class Reference:
    """``column`` must name an existing row of ``table.target_column`` when it is not empty."""

    column: str
    table: str
    target_column: str


@dataclass(frozen=True)
class OrderRule:
    """``later`` must not be before ``earlier`` when both are present."""

    earlier: str
    later: str
    rule: str


@dataclass(frozen=True)
class TableSpec:
    name: str
    required: bool
    columns: tuple[ColumnSpec, ...]
    key: str | None = None
    references: tuple[Reference, ...] = ()
    order_rules: tuple[OrderRule, ...] = ()
    meaning: str = ""

    def column(self, name: str) -> ColumnSpec:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no contract column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


S, T, N, B = ColumnType.STRING, ColumnType.TIMESTAMP, ColumnType.NUMBER, ColumnType.BOOL

CONTACTS = TableSpec(
    name="contacts",
    required=True,
    key="contact_id",
    meaning="one row per customer contact, bot and human legs together",
    columns=(
        ColumnSpec("contact_id", S, True, meaning="unique"),
        ColumnSpec("customer_id", S, True, meaning="who contacted"),
        ColumnSpec("started_at", T, True, meaning="when the contact began"),
        ColumnSpec("channel", S, True, allowed=CHANNELS),
        ColumnSpec("ai_mode", S, True, allowed=MODES),
        ColumnSpec("touchpoint", S, allowed=TOUCHPOINTS),
        ColumnSpec("escalated", B, meaning="the AI handed the contact to a human"),
        ColumnSpec("intent", S, meaning="the customer's issue"),
        ColumnSpec("agent_id", S, meaning="the human agent, when one took part"),
        ColumnSpec("handle_seconds", N, True, minimum=0, empty_allowed=True),
        ColumnSpec("wait_seconds", N, minimum=0),
        ColumnSpec("resolved", B, meaning="what the source system recorded"),
        ColumnSpec("cost", N, minimum=0, meaning="fully loaded cost"),
        ColumnSpec("sentiment_start", N, minimum=-1, maximum=1),
        ColumnSpec("sentiment_end", N, minimum=-1, maximum=1),
        ColumnSpec("sales_transfer", B),
        ColumnSpec("handoff_context", B),
        ColumnSpec(
            "direction",
            S,
            allowed=DIRECTIONS,
            meaning="inbound (default when absent) or outbound; outbound is never a repeat",
        ),
    ),
    references=(Reference("customer_id", "customers", "customer_id"),),
)

CUSTOMERS = TableSpec(
    name="customers",
    required=True,
    key="customer_id",
    columns=(
        ColumnSpec("customer_id", S, True),
        ColumnSpec("acquired_at", T, True),
        ColumnSpec("churned_at", T),
        ColumnSpec("monthly_revenue", N, minimum=0),
        ColumnSpec("segment", S),
        ColumnSpec("plan", S),
        ColumnSpec("region", S),
    ),
    order_rules=(OrderRule("acquired_at", "churned_at", "churn_before_acquisition"),),
)

SURVEYS = TableSpec(
    name="surveys",
    required=False,
    key="survey_id",
    columns=(
        ColumnSpec("survey_id", S),
        ColumnSpec("customer_id", S, True),
        ColumnSpec("contact_id", S, meaning="empty = relationship survey"),
        ColumnSpec("answered_at", T, True),
        ColumnSpec("kind", S, True, allowed=SURVEY_KINDS),
        ColumnSpec("score", N, True, meaning="in the kind's range"),
    ),
    references=(
        Reference("customer_id", "customers", "customer_id"),
        Reference("contact_id", "contacts", "contact_id"),
    ),
)

REVENUE = TableSpec(
    name="revenue",
    required=False,
    columns=(
        ColumnSpec("customer_id", S, True),
        ColumnSpec("occurred_at", T, True),
        ColumnSpec("amount", N, True, meaning="negative for refunds"),
        ColumnSpec("kind", S, True, allowed=REVENUE_KINDS),
        ColumnSpec("contact_id", S),
    ),
    references=(
        Reference("customer_id", "customers", "customer_id"),
        Reference("contact_id", "contacts", "contact_id"),
    ),
)

OPPORTUNITIES = TableSpec(
    name="opportunities",
    required=False,
    key="opportunity_id",
    columns=(
        ColumnSpec("opportunity_id", S, True),
        ColumnSpec("customer_id", S, True),
        ColumnSpec("contact_id", S),
        ColumnSpec("created_at", T, True),
        ColumnSpec("amount", N, True, minimum=0),
        ColumnSpec("won", B, meaning="empty = open"),
        ColumnSpec("closed_at", T),
    ),
    references=(
        Reference("customer_id", "customers", "customer_id"),
        Reference("contact_id", "contacts", "contact_id"),
    ),
    order_rules=(OrderRule("created_at", "closed_at", "closed_before_created"),),
)

AGENTS = TableSpec(
    name="agents",
    required=False,
    key="agent_id",
    columns=(
        ColumnSpec("agent_id", S, True),
        ColumnSpec("hired_at", T, True),
        ColumnSpec("left_at", T),
        ColumnSpec("leave_reason", S, allowed=LEAVE_REASONS),
        ColumnSpec("team", S),
    ),
    order_rules=(OrderRule("hired_at", "left_at", "left_before_hired"),),
)

AGENT_PULSE = TableSpec(
    name="agent_pulse",
    required=False,
    columns=(
        ColumnSpec("agent_id", S, True),
        ColumnSpec("answered_at", T, True),
        ColumnSpec("score", N, True, minimum=0, maximum=10),
    ),
    references=(Reference("agent_id", "agents", "agent_id"),),
)

QA_REVIEWS = TableSpec(
    name="qa_reviews",
    required=False,
    columns=(
        ColumnSpec("contact_id", S, True),
        ColumnSpec("reviewed_at", T, True),
        ColumnSpec("score", N, True, minimum=0, maximum=100),
    ),
    references=(Reference("contact_id", "contacts", "contact_id"),),
)

# Order matters: a table's references point only at tables listed before it, so validation can
# check references against rows already accepted (a contact of a quarantined customer is set
# aside too, and says why).
TABLES: tuple[TableSpec, ...] = (
    CUSTOMERS,
    CONTACTS,
    SURVEYS,
    REVENUE,
    OPPORTUNITIES,
    AGENTS,
    AGENT_PULSE,
    QA_REVIEWS,
)
TABLES_BY_NAME: dict[str, TableSpec] = {t.name: t for t in TABLES}

# Identifier columns are compared as text everywhere, so an id that is an integer in one file and
# a string in another still joins.
ID_COLUMNS: frozenset[str] = frozenset(
    {"contact_id", "customer_id", "survey_id", "opportunity_id", "agent_id"}
)

