"""The catalogue of the starter ``cxroi.toml``: every section and key, with its meaning and default.

Meanings are written by hand; defaults are read from ``Config()`` and the settings dataclasses
when the file is rendered (:mod:`cxroi.config_template`), so a default changed in code changes
in the starter file too.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from cxroi.analyses.agents.index import INDEX_COMPONENTS
from cxroi.analyses.escalation import QUALITY_COMPONENTS
from cxroi.analyses.value.settings import Triangular
from cxroi.config import Config
from cxroi.io.contract import MODES
from cxroi.sources import connect_contact, genesys, intercom, zendesk
from cxroi.sources.registry import ADAPTERS

EXAMPLE = "# example"
Getter = Callable[[Config], Any]


@dataclass(frozen=True)
class Key:
    name: str
    meaning: str  # what it sets, with its unit and allowed values
    value: Getter  # the default, from Config(); None = no default (the example is shown)
    example: Any = None


@dataclass(frozen=True)
class Section:
    header: str  # "dataset", "cost_model.ai_only"
    meaning: str
    keys: tuple[Key, ...]
    optional: bool = False  # header commented: the table's presence changes something


def _k(name: str, meaning: str, value: Getter, example: Any = None) -> Key:
    return Key(name, meaning, value, example)


def _none(_: Config) -> None:
    return None


def _at(*steps: str) -> Getter:
    """A getter walking attributes and mapping keys from the configuration's root."""

    def get(c: Config) -> Any:
        node: Any = c
        for step in steps:
            node = node[step] if isinstance(node, Mapping) else getattr(node, step)
        return node

    return get


def _fixed(value: Any) -> Getter:
    return lambda _c: value


def toml_value(value: Any) -> str:
    """A TOML literal for a default: text, number, boolean, list, path or triangular range."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"TOML has no literal for {value!r}")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string
    if isinstance(value, Path):
        return toml_value(str(value))
    if isinstance(value, Triangular):
        return toml_value(value.as_list())
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML literal for {type(value).__name__}")


# ------------------------------------------------------------------------------ the sections

_SHARE = "a share in [0, 1]"


def _core() -> list[Section]:
    return [
        Section("dataset", "The dataset: its time zone, currency and cut-off.", (
            _k("timezone", "IANA time zone in which days and calendar months are cut",
               lambda c: c.timezone),
            _k("currency", "currency code of every amount (costs, revenue)", lambda c: c.currency),
            _k("as_of", "analysis cut-off, an ISO-8601 instant; later rows are left out "
               "(default: the latest contact)", _none, "2025-12-31T23:59:59Z"),
        )),
        Section("resolution", "First-contact resolution windows.", (
            _k("extra_windows_days", "windows in days (1-365) besides the contract's 7 and 14, "
               "e.g. [30]", lambda c: list(c.extra_windows_days)),
        )),
        Section("validation", "How bad rows are handled.", (
            _k("strict", "true: stop on any row-level fault instead of quarantining the row",
               lambda c: c.strict),
        )),
        Section("privacy", "Small cells in every output (report, terminal, BI tables).", (
            _k("min_cell", "a number resting on fewer observations is not shown (whole number "
               ">= 1)", lambda c: c.min_cell),
        )),
        *(Section(f"cost_model.{mode}", f"Modelled cost of {mode} contacts whose cost column is "
                  "empty: per_contact + per_minute x handle minutes (currency).", (
            _k("per_contact", "fixed cost per contact (currency, >= 0)",
               _at("cost_model", "by_mode", mode, "per_contact")),
            _k("per_minute", "cost per minute of handle time (currency, >= 0)",
               _at("cost_model", "by_mode", mode, "per_minute")),
        )) for mode in MODES),
    ]


def _retention() -> Section:
    return Section("retention", "12-month retention with and without AI (docs/retention.md).", (
        _k("horizon_days", "retention horizon in days (30-3650; 365 = 12 months)",
           lambda c: c.retention.horizon_days),
        _k("folds", "cross-fitting folds (2-20)", lambda c: c.retention.folds),
        _k("seed", "random seed of folds and models (whole number >= 0)",
           lambda c: c.retention.seed),
        _k("propensity_trim", "two numbers, low and high: customers whose propensity falls "
           "outside are left out of the adjusted estimate (0 <= low < 0.5 < high <= 1)",
           lambda c: [c.retention.trim_low, c.retention.trim_high]),
        _k("propensity_model", "logistic or boosting", lambda c: c.retention.propensity_model),
        _k("censoring_model", "arm or arm_strata", lambda c: c.retention.censoring_model),
        _k("overlap_max_trimmed_share", "overlap warning: most customers trimmed (" + _SHARE + ")",
           lambda c: c.retention.overlap_max_trimmed_share),
        _k("overlap_min_ess_share", "overlap warning: least effective sample share of the "
           "human-only customers after weighting (" + _SHARE + ")",
           lambda c: c.retention.overlap_min_ess_share),
        _k("overlap_max_weighted_smd", "overlap warning: largest standardised mean difference "
           "after weighting (>= 0)", lambda c: c.retention.overlap_max_weighted_smd),
        _k("window_start", "first index contact analysed, ISO-8601 (default: the first "
           "contact)", _none, "2024-01-01T00:00:00Z"),
        _k("window_end", "last index contact analysed, ISO-8601 (default: as_of)", _none,
           "2025-12-31T23:59:59Z"),
        _k("covariates", "extra columns of the customers table to adjust for, e.g. "
           "[\"tenure_band\"]", lambda c: list(c.retention.covariates)),
        _k("index_confounders", "which of the index contact's intent, channel and month to "
           "adjust for (each when its column is present)",
           lambda c: list(c.retention.index_confounders)),
    ))


def _agents() -> list[Section]:
    a = "agents"
    return [
        Section(a, "Agent experience and its lead over loyalty (docs/agents.md).", (
            _k("max_lag_weeks", "lags searched, weeks (1-104)", lambda c: c.agents.max_lag_weeks),
            _k("max_ar_order", "prewhitening AR order searched (0-12)",
               lambda c: c.agents.max_ar_order),
            _k("min_weeks", "fewer overlapping weeks: no lead-lag, with a note (10-10000)",
               lambda c: c.agents.min_weeks),
            _k("bootstrap_replicates", "bootstrap replicates (99-100000)",
               lambda c: c.agents.bootstrap_replicates),
            _k("block_weeks", "moving-block length in weeks; 0 = n^(1/3) (0-52)",
               lambda c: c.agents.block_weeks),
            _k("seed", "random seed (whole number >= 0)", lambda c: c.agents.seed),
            _k("alpha", "family-wise level over lags, then Holm over metrics",
               lambda c: c.agents.alpha),
            _k("seasonal_harmonics", "annual harmonics removed first (0-6; 0 = none)",
               lambda c: c.agents.seasonal_harmonics),
            _k("direction", "positive or absolute (pick the lag by |r|)",
               lambda c: c.agents.direction),
            _k("smooth_lags", "locate the peak on the smoothed correlogram (true/false)",
               lambda c: c.agents.smooth_lags),
            _k("loyalty_contacts", "agent_handled or all: contacts behind the loyalty series",
               lambda c: c.agents.loyalty_contacts),
            _k("primary_metric", "csat, nps, ces or fcr_7d: reported as agents.lead_lag",
               lambda c: c.agents.primary_metric),
            _k("warning_drop_sd", "warn when the index falls this many SDs below its baseline",
               lambda c: c.agents.warning_drop_sd),
            _k("warning_baseline_weeks", "weeks of the baseline (2-52)",
               lambda c: c.agents.warning_baseline_weeks),
        )),
        Section(f"{a}.weights", "Relative weights of the Agent Experience Index components "
                "(>= 0; 0 leaves one out).", tuple(
            _k(name, f"weight of {name}", _at("agents", "weights", name))
            for name in INDEX_COMPONENTS)),
    ]


def _value() -> list[Section]:
    w = "value.what_if"
    money = "currency"
    return [
        Section("value", "CLV, the three pillars and ROI; every default is an assumption "
                "(docs/value.md).", (
            _k("margin", "contribution margin on revenue (" + _SHARE + ")",
               lambda c: c.value.margin),
            _k("annual_discount_rate", "discount rate per year, (0, 1]",
               lambda c: c.value.annual_discount_rate),
            _k("acquisition_cost", f"cost to acquire a customer ({money}); unset = no CAC "
               "offset", _none, 400.0),
            _k("acquisition_cost_share", "share of the acquisition cost a service-sourced won "
               "deal avoids", lambda c: c.value.acquisition_cost_share),
            _k("lookback_days", "days of contacts behind churn-risk features (7-365)",
               lambda c: c.value.lookback_days),
            _k("high_effort_ces_max", "a CES answer at or below this is high effort (1-7)",
               lambda c: c.value.high_effort_ces_max),
            _k("monte_carlo_draws", "Monte Carlo draws (1000-1000000)",
               lambda c: c.value.monte_carlo_draws),
            _k("seed", "random seed of every Monte Carlo (>= 0)", lambda c: c.value.seed),
        )),
        Section(w, "What if we stopped AI: a number, or [low, mode, high] for an uncertain one.", (
            _k("hybrid_ai_share", "share of a hybrid contact's AI work moved to humans",
               lambda c: c.value.what_if.hybrid_ai_share),
            _k("failure_repeat_share", "share of AI's excess repeats a human would avoid",
               lambda c: c.value.what_if.failure_repeat_share),
            _k("shrinkage", "share of paid agent time off the queues (0-0.9)",
               lambda c: c.value.what_if.shrinkage),
            _k("patience_seconds", "mean caller patience for Erlang A, seconds (5-3600), "
               "unless the data estimate it", lambda c: c.value.what_if.patience_seconds),
            _k("target_service_level", "share answered within the target, (0, 1)",
               lambda c: c.value.what_if.target_service_level),
            _k("target_answer_seconds", "answer target, seconds",
               lambda c: c.value.what_if.target_answer_seconds),
            _k("max_occupancy", "occupancy cap on live queues, (0, 1]; false = no cap",
               lambda c: False if c.value.what_if.max_occupancy is None
               else c.value.what_if.max_occupancy),
            _k("async_occupancy", "productive share of on-shift time on async work, (0, 1]",
               lambda c: c.value.what_if.async_occupancy),
            _k("live_channels", "channels queued in real time; the others are async work",
               lambda c: list(c.value.what_if.live_channels)),
            _k("paid_hours_per_agent_month", "paid hours of one full-time agent per month",
               lambda c: c.value.what_if.paid_hours_per_agent_month),
            _k("min_cell_contacts", "human contacts an intent x channel cell needs to be used",
               lambda c: c.value.what_if.min_cell_contacts),
            _k("staffing_draws", "Monte Carlo draws of the staffing model (20-5000)",
               lambda c: c.value.what_if.staffing_draws),
        )),
        Section("value.roi", "Cost of ownership. Until all three costs are set the ROI is "
                "illustrative (defaults shown).", (
            _k("implementation", f"one-off implementation cost ({money}), number or "
               "[low, mode, high]", lambda c: c.value.roi.implementation),
            _k("licence_per_month", f"AI licences per month ({money})",
               lambda c: c.value.roi.licence_per_month),
            _k("run_cost_per_month", f"AI run cost per month ({money})",
               lambda c: c.value.roi.run_cost_per_month),
            _k("amortisation_months", "months the implementation is spread over (1-240)",
               lambda c: c.value.roi.amortisation_months),
        )),
        Section("value.roi.risk_savings_per_year", "Risk-adjusted expected savings per year "
                f"({money}), any names; a table replaces these zeros whole.", tuple(
            _k(name, f"saving per year from {name}", _fixed(saving))
            for name, saving in Config().value.roi.risk_savings_per_year), optional=True),
    ]


def _stack_parts() -> list[Section]:
    return [
        Section("stack.masking", "The containment masking detector (docs/metric-stack.md).", (
            _k("reference_months", "earlier unflagged months each month is compared with "
               "(1-24)", lambda c: c.masking.reference_months),
            _k("alpha", "family-wise chance of any false month", lambda c: c.masking.alpha),
            _k("min_containment_rise", "smallest containment rise flagged (fraction)",
               lambda c: c.masking.min_containment_rise),
            _k("min_resolution_fall", "smallest FCR fall flagged (fraction)",
               lambda c: c.masking.min_resolution_fall),
            _k("min_effort_fall", "smallest CES fall flagged (points)",
               lambda c: c.masking.min_effort_fall),
            _k("adjust_for_intent", "compare FCR and CES at the month's own intent mix",
               lambda c: c.masking.adjust_for_intent),
            _k("extend_episodes", "a month next to a flagged month is tested at alpha / 2",
               lambda c: c.masking.extend_episodes),
            _k("owner", "who owns a masking alert", lambda c: c.masking.owner),
            _k("action", "what they do", lambda c: c.masking.action),
        )),
        Section("stack.escalation.weights", "Weights of the escalation quality score "
                "components (>= 0, at least one above 0).", tuple(
            _k(name, f"weight of {name}", _at("escalation", "weights", name))
            for name in QUALITY_COMPONENTS)),
        Section("stack.chain", "The loyalty chain per touchpoint.", (
            _k("followup_days", "days customers are followed for the behaviour link (30-1095)",
               lambda c: c.chain.followup_days),
        )),
        Section("stack.agent_warning", "Agent early warnings as alerts.", (
            _k("owner", "who owns them", lambda c: c.agent_warning.owner),
            _k("action", "what they do", lambda c: c.agent_warning.action),
        )),
    ]


def _governance() -> list[Section]:
    return [
        Section("audit", "The measurement audit's coverage thresholds.", (
            _k("min_survey_response_rate", "below this the survey coverage is thin (" + _SHARE
               + ")", lambda c: c.audit.min_survey_response_rate),
            _k("min_customer_match_rate", "below this customer ids match too few contacts",
               lambda c: c.audit.min_customer_match_rate),
            _k("min_fill_rate", "below this an optional column is thin",
               lambda c: c.audit.min_fill_rate),
        )),
        Section("workforce", "Agent turnover, tenure and the novice uplift.", (
            _k("novice_months", "months after hiring an agent counts as a novice (1-60)",
               lambda c: c.workforce.novice_months),
            _k("resolution_window_days", "days without a repeat that make a resolution (1-90)",
               lambda c: c.workforce.resolution_window_days),
        )),
        Section("engine", "Where the analysis runs (docs/engines.md); the command line's "
                "--engine, --memory-limit, --threads and --spark-remote override these.", (
            _k("engine", "duckdb, spark, or sc://HOST:PORT (Spark Connect)",
               lambda c: c.engine.kind),
            _k("memory_limit", "DuckDB's memory limit, e.g. \"4GB\"; past it DuckDB spills to "
               "disk (default: half of the machine's memory)", _none, "4GB"),
            _k("temp_directory", "where DuckDB spills (default: the system's temporary folder)",
               _none, "/tmp/cxroi-spill"),
            _k("spill_limit", "most disk DuckDB may spill to (default: 90% of the free space)",
               _none, "100GB"),
            _k("threads", "DuckDB worker threads (default: every core)", _none, 2),
            _k("side_by_side", "run the analyses that do not need each other on two threads "
               "(DuckDB; false: one after another, in less memory; \"auto\": side by side "
               "when the memory it needs fits)",
               lambda c: "auto" if c.engine.side_by_side is None else c.engine.side_by_side),
            _k("spark_master", "local Spark's master when engine = \"spark\"",
               lambda c: c.engine.spark_master),
            _k("spark_remote", "a Spark Connect server (the same as engine = \"sc://…\")",
               _none, "sc://spark.example:15002"),
        )),
        Section("engine.spark_conf", "Any Spark setting, applied when cxroi starts the session.",
                (_k("\"spark.driver.memory\"", "Spark driver memory", _none, "8g"),),
                optional=True),
        Section("vendor_audit", "Defaults of cxroi vendor-audit (its options override them).", (
            _k("window_days", "days without a repeat that make a resolution durable (>= 1)",
               lambda c: c.vendor_audit.window_days),
            _k("claimed", "the vendor's billed automated resolutions (total)", _none, 12000.0),
            _k("claimed_csv", "per-month vendor counts: a CSV with month,vendor_resolutions",
               _none, "vendor_counts.csv"),
            _k("price_per_resolution", "price per billed resolution (currency)", _none, 0.99),
        )),
    ]


# meanings of the importers' options; the defaults come from each adapter's options dataclass
_IMPORT_MEANINGS: dict[str, str] = {
    "customer_attribute": "contact attribute holding your customer id (default: the "
    "platform's own customer field)",
    "csat_attribute": "contact attribute holding a CSAT answer (1-5)",
    "nps_attribute": "contact attribute holding an NPS answer (0-10)",
    "ces_attribute": "contact attribute holding a CES answer (1-7)",
    "lex_outcomes": "CSV or JSON lines of bot outcomes (contact_id, conversation_outcome, "
    "intent_name)",
    "voice_ivr_is_ai": "count the voice IVR as AI self-service",
    "ivr_is_ai": "count the IVR / VRU as AI self-service",
    "customer_fields": "customer id fields tried in order (externalContactId, ani, "
    "participantName)",
    "customer_key": "external_id, or id (Intercom's own contact id)",
    "ai_agent_ratings": "read ratings of AI-agent conversations as surveys",
    "outbound_delivered_as": "delivered_as values that mean the centre wrote first",
    "bot_channels": "via.channel values that mean a bot handled the ticket",
    "bot_tags": "tags that mean a bot handled the ticket",
    "bot_resolved_tags": "tags that mean the bot resolved it (the vendor's claim)",
    "handle_time_field": "id of the custom field holding handle time in seconds",
    "timezone": "IANA time zone of the log's local times",
    "unidentified": "separate or exclude: calls without a customer id",
}
_IMPORT_EXAMPLES: dict[str, Any] = {
    "customer_attribute": "CustomerId",
    "csat_attribute": "csat",
    "nps_attribute": "nps",
    "ces_attribute": "ces",
    "lex_outcomes": "lex_outcomes.csv",
    "handle_time_field": 360001234567,
}


_INTENT_KINDS: dict[str, dict[str, str]] = {
    "connect": connect_contact.INTENT_KINDS,
    "genesys": genesys.INTENT_KINDS,
    "intercom": intercom.INTENT_KINDS,
    "zendesk": zendesk.INTENT_KINDS,
}


def _import_meaning(source: str, option: str) -> str:
    if option != "intent_from":
        return _IMPORT_MEANINGS[option]
    kinds = ", ".join(
        f"{k}:<{arg.replace(' ', '_')}>" if arg else k for k, arg in _INTENT_KINDS[source].items()
    )
    return f"where intent comes from, a list tried in order; each one of: {kinds}"


def _imports() -> list[Section]:
    out = []
    for name, adapter in ADAPTERS.items():
        defaults = adapter.parse({}, [])
        keys = tuple(
            _k(f.name, _import_meaning(name, f.name),
               _fixed(getattr(defaults, f.name)),
               _IMPORT_EXAMPLES.get(f.name))
            for f in fields(defaults)
        )
        out.append(Section(f"import.{name}", f"cxroi import --from {name}: {adapter.describe} "
                           "(the command's --set options override these).", keys, optional=True))
    return out


def sections() -> list[Section]:
    """Every section of the starter file, in the order it is written."""
    return [*_core(), _retention(), *_agents(), *_value(), *_stack_parts(), *_governance(),
            *_imports()]
