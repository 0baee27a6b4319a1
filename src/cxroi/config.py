"""Typed configuration, read from one TOML file and validated with every problem collected.

No file is needed: :class:`Config()` holds defaults that suit the demo and most first runs.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cxroi.analyses.agents.settings import AgentsSettings, parse_agents_settings
from cxroi.analyses.alerts import AgentWarningSettings, parse_agent_warning_settings
from cxroi.analyses.audit import AuditSettings, parse_audit_settings
from cxroi.analyses.chain import ChainSettings, parse_chain_settings
from cxroi.analyses.escalation import EscalationSettings, parse_escalation_settings
from cxroi.analyses.masking.settings import MaskingSettings, parse_masking_settings
from cxroi.analyses.retention.settings import RetentionSettings, parse_retention_settings
from cxroi.analyses.stack.settings import StackSettings, parse_stack_settings
from cxroi.analyses.value.settings import ValueSettings, parse_value_settings
from cxroi.analyses.workforce.settings import WorkforceSettings, parse_workforce_settings
from cxroi.errors import ConfigError, Problem
from cxroi.analyses.vendor_claims import VendorAuditSettings, parse_vendor_audit_settings
from cxroi.io.contract import MODES
from cxroi.io.engine_settings import EngineSettings, parse_engine_settings
from cxroi.sources.registry import parse_import_settings
from cxroi.metrics.cost_model import CostModel, ModeCost, default_costs
from cxroi.metrics.settings import CONTRACT_WINDOWS_DAYS, MetricSettings
from cxroi.io.dataset import LoadOptions

# The results contract always reports these windows; a configuration can add more.


@dataclass(frozen=True)
class Config:
    timezone: str = "UTC"
    currency: str = "USD"
    as_of: datetime | None = None
    extra_windows_days: tuple[int, ...] = ()
    cost_model: CostModel = field(default_factory=CostModel)
    strict: bool = False
    min_cell: int = 10
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    agents: AgentsSettings = field(default_factory=AgentsSettings)
    value: ValueSettings = field(default_factory=ValueSettings)
    # adapter options per source, from [import.<source>] tables
    imports: dict[str, Any] = field(default_factory=dict)
    vendor_audit: VendorAuditSettings = field(default_factory=VendorAuditSettings)
    stack: StackSettings = field(default_factory=StackSettings)
    masking: MaskingSettings = field(default_factory=MaskingSettings)
    escalation: EscalationSettings = field(default_factory=EscalationSettings)
    chain: ChainSettings = field(default_factory=ChainSettings)
    agent_warning: AgentWarningSettings = field(default_factory=AgentWarningSettings)
    audit: AuditSettings = field(default_factory=AuditSettings)
    engine: EngineSettings = field(default_factory=EngineSettings)
    workforce: WorkforceSettings = field(default_factory=WorkforceSettings)

    @property
    def windows_days(self) -> tuple[int, ...]:
        return tuple(sorted(set(CONTRACT_WINDOWS_DAYS) | set(self.extra_windows_days)))

    @property
    def metric_settings(self) -> MetricSettings:
        return MetricSettings(self.windows_days, self.cost_model, self.min_cell)

    @property
    def load_options(self) -> LoadOptions:
        return LoadOptions(self.timezone, self.as_of, self.strict, self.engine)


# section -> key -> (expected python types, description used in messages)
_SCHEMA: dict[str, dict[str, tuple[tuple[type, ...], str]]] = {
    "dataset": {
        "timezone": ((str,), "an IANA time zone such as 'Europe/London'"),
        "currency": ((str,), "a currency code such as 'USD'"),
        "as_of": ((str, datetime), "an ISO-8601 instant such as '2025-12-31T23:59:59Z'"),
    },
    "resolution": {
        "extra_windows_days": ((list,), "a list of whole numbers of days, e.g. [30]"),
    },
    "validation": {
        "strict": ((bool,), "true or false"),
    },
    "privacy": {
        "min_cell": ((int,), "a whole number ≥ 1"),
    },
}


# Sections owned by an analysis: each module parses and validates its own table.
_ANALYSIS_SECTIONS: dict[str, Callable[[Any, list[Problem]], Any]] = {
    "retention": parse_retention_settings,
    "agents": parse_agents_settings,
    "value": parse_value_settings,
    "import": parse_import_settings,
    "vendor_audit": parse_vendor_audit_settings,
    "stack": parse_stack_settings,
    "audit": parse_audit_settings,
    "engine": parse_engine_settings,
    "workforce": parse_workforce_settings,
}
# Sub-tables of [stack] owned by the analyses the stack draws on: [stack.<name>] -> parser.
_STACK_PARTS: dict[str, Callable[[Any, list[Problem]], Any]] = {
    "masking": parse_masking_settings,
    "escalation": parse_escalation_settings,
    "chain": parse_chain_settings,
    "agent_warning": parse_agent_warning_settings,
}
# TOML section -> Config field, where they differ ("import" is a Python keyword)
_FIELD = {"import": "imports"}


def load_config(path: Path | None) -> Config:
    """Read and validate a TOML configuration; ``None`` gives the defaults."""
    if path is None:
        return Config()
    where = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError([Problem(where, "file_missing", "configuration file not found")])
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(where, "toml_syntax", f"not valid TOML: {exc}")])
    return config_from_dict(raw, source=where)


def config_from_dict(raw: dict[str, Any], source: str = "config") -> Config:
    problems: list[Problem] = []

    def bad(key: str, rule: str, message: str) -> None:
        problems.append(Problem(f"{source}: {key}", rule, message))

    for section, body in raw.items():
        if section == "cost_model" or section in _ANALYSIS_SECTIONS:
            continue
        if section not in _SCHEMA:
            known = ", ".join(sorted([*_SCHEMA, "cost_model", *_ANALYSIS_SECTIONS]))
            bad(section, "unknown_section", f"unknown section; known sections: {known}")
            continue
        if not isinstance(body, dict):
            bad(section, "not_a_table", "must be a [section] table")
            continue
        for key, value in body.items():
            spec = _SCHEMA[section].get(key)
            if spec is None:
                known = ", ".join(sorted(_SCHEMA[section]))
                bad(f"{section}.{key}", "unknown_key", f"unknown key; known keys: {known}")
            elif not isinstance(value, spec[0]) or (isinstance(value, bool) and bool not in spec[0]):
                bad(f"{section}.{key}", "wrong_type", f"expected {spec[1]}, got {value!r}")

    values: dict[str, Any] = {}
    dataset = raw.get("dataset", {}) if isinstance(raw.get("dataset"), dict) else {}
    tz = dataset.get("timezone")
    if isinstance(tz, str):
        try:
            ZoneInfo(tz)
            values["timezone"] = tz
        except (ZoneInfoNotFoundError, ValueError):
            bad("dataset.timezone", "unknown_timezone", f"{tz!r} is not an IANA time zone")
    if isinstance(dataset.get("currency"), str):
        values["currency"] = dataset["currency"]
    as_of = dataset.get("as_of")
    if isinstance(as_of, (str, datetime)):
        parsed = _parse_instant(as_of, ZoneInfo(values.get("timezone", "UTC")))
        if parsed is None:
            bad("dataset.as_of", "bad_instant", f"expected an ISO-8601 instant, got {as_of!r}")
        else:
            values["as_of"] = parsed

    windows = _section(raw, "resolution").get("extra_windows_days")
    if isinstance(windows, list):
        if all(isinstance(w, int) and not isinstance(w, bool) and 1 <= w <= 365 for w in windows):
            values["extra_windows_days"] = tuple(sorted(set(windows)))
        else:
            bad("resolution.extra_windows_days", "bad_window", "each window is 1–365 whole days")
    strict = _section(raw, "validation").get("strict")
    if isinstance(strict, bool):
        values["strict"] = strict
    min_cell = _section(raw, "privacy").get("min_cell")
    if isinstance(min_cell, int) and not isinstance(min_cell, bool):
        if min_cell >= 1:
            values["min_cell"] = min_cell
        else:
            bad("privacy.min_cell", "out_of_range", "must be ≥ 1")

    if "cost_model" in raw:
        values["cost_model"] = _cost_model(raw["cost_model"], bad)
    found: list[Problem] = []
    for section, parse in _ANALYSIS_SECTIONS.items():
        if section in raw and not isinstance(raw[section], dict):  # not every parser checks
            bad(section, "not_a_table", f"must be a [{section}] table")
        elif section in raw:
            values[_FIELD.get(section, section)] = parse(raw[section], found)
    stack = raw.get("stack")
    for part, parse in _STACK_PARTS.items():
        if isinstance(stack, dict) and part in stack:
            values[part] = parse(stack[part], found)
    problems.extend(Problem(f"{source}: {p.where}", p.rule, p.message) for p in found)

    if problems:
        raise ConfigError(problems)
    field_names = {f.name for f in fields(Config)}
    return Config(**{k: v for k, v in values.items() if k in field_names})


def _section(raw: dict[str, Any], name: str) -> dict[str, Any]:
    body = raw.get(name, {})
    return body if isinstance(body, dict) else {}


def _cost_model(body: Any, bad: Any) -> CostModel:
    costs = default_costs()
    if not isinstance(body, dict):
        bad("cost_model", "not_a_table", "must be a table of [cost_model.<mode>] sections")
        return CostModel(costs)
    for mode, spec in body.items():
        if mode not in MODES:
            bad(f"cost_model.{mode}", "unknown_mode", f"modes are {', '.join(MODES)}")
            continue
        if not isinstance(spec, dict):
            bad(f"cost_model.{mode}", "not_a_table", "expected per_contact and per_minute")
            continue
        current = costs[mode]
        parts = {"per_contact": current.per_contact, "per_minute": current.per_minute}
        for key, value in spec.items():
            if key not in parts:
                bad(f"cost_model.{mode}.{key}", "unknown_key", "known keys: per_contact, per_minute")
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                bad(f"cost_model.{mode}.{key}", "wrong_type", f"expected a number ≥ 0, got {value!r}")
            else:
                parts[key] = float(value)
        costs[mode] = ModeCost(**parts)
    return CostModel(costs)


def _parse_instant(value: str | datetime, zone: ZoneInfo) -> datetime | None:
    """An instant in UTC; a value without an offset is read in the dataset's zone."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    local = value if value.tzinfo else value.replace(tzinfo=zone)
    return local.astimezone(timezone.utc)
