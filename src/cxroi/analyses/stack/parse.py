"""Read the metric stack (and the audit catalogue) from TOML, collecting every problem.

Every fault is reported with where it is (``stack.metric[2].trigger[0].when``), the rule it breaks
and what to write instead; an invalid entry falls back to its default so one run lists them all.
"""

from __future__ import annotations

import functools
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from cxroi.analyses.stack import catalogue as cat
from cxroi.analyses.stack.grammar import parse_condition
from cxroi.analyses.stack.settings import (
    COMPONENTS,
    OUTCOMES,
    REPORTED_KINDS,
    AgentWarningSettings,
    AuditSettings,
    ChainSettings,
    EscalationSettings,
    MaskingSettings,
    ReportedMetric,
    StackSettings,
)
from cxroi.analyses.stack.spec import (
    CADENCES,
    CHAIN_LINKS,
    DIRECTIONS,
    KINDS,
    LEVELS,
    MetricSpec,
    Stack,
    Trigger,
)
from cxroi.errors import ConfigError, Problem

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_REQUIRED_TEXT = ("id", "name", "path", "owner", "data_source")
_CHOICES: dict[str, tuple[str, ...]] = {
    "cadence": CADENCES,
    "direction": DIRECTIONS,
    "kind": KINDS,
    "level": LEVELS,
    "chain_link": CHAIN_LINKS,
}
_METRIC_KEYS = frozenset({*_REQUIRED_TEXT, *_CHOICES, "why", "trigger"})
_TRIGGER_KEYS = frozenset({"when", "action", "owner"})
_STACK_KEYS = frozenset({"metric", "masking", "escalation", "chain", "agent_warning"})


class _Log:
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems

    def bad(self, where: str, rule: str, message: str) -> None:
        self.problems.append(Problem(where, rule, message))

    def table(self, body: Any, where: str) -> dict[str, Any] | None:
        if isinstance(body, dict):
            return body
        self.bad(where, "not_a_table", "must be a TOML table")
        return None

    def unknown(self, body: dict[str, Any], known: frozenset[str], where: str) -> None:
        for key in sorted(set(body) - known):
            self.bad(
                f"{where}.{key}",
                "unknown_key",
                f"unknown key; known keys: {', '.join(sorted(known))}",
            )

    def text(self, body: dict[str, Any], key: str, where: str, required: bool = True) -> str | None:
        value = body.get(key)
        if value is None:
            if required:
                self.bad(f"{where}.{key}", "missing_key", "required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.bad(f"{where}.{key}", "wrong_type", f"expected non-empty text, got {value!r}")
            return None
        return value.strip()

    def number(
        self,
        body: dict[str, Any],
        key: str,
        where: str,
        lo: float,
        hi: float,
        integer: bool = False,
    ) -> float | None:
        value = body.get(key)
        if value is None:
            return None
        ok = isinstance(value, int) if integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok:
            kind = "a whole number" if integer else "a number"
            self.bad(f"{where}.{key}", "wrong_type", f"expected {kind}, got {value!r}")
            return None
        if not lo <= value <= hi:
            self.bad(f"{where}.{key}", "out_of_range", f"must be between {lo:g} and {hi:g}")
            return None
        return float(value)


def _trigger(body: Any, where: str, owner: str | None, log: _Log) -> Trigger | None:
    t = log.table(body, where)
    if t is None:
        return None
    log.unknown(t, _TRIGGER_KEYS, where)
    when = log.text(t, "when", where)
    action = log.text(t, "action", where)
    t_owner = log.text(t, "owner", where, required=False)
    cond = parse_condition(when, f"{where}.when", log.problems) if when else None
    if when is None or action is None or cond is None:
        return None
    return Trigger(when, cond, action, t_owner)


def _metric(body: Any, where: str, log: _Log) -> MetricSpec | None:
    m = log.table(body, where)
    if m is None:
        return None
    log.unknown(m, _METRIC_KEYS, where)
    vals: dict[str, str | None] = {k: log.text(m, k, where) for k in _REQUIRED_TEXT}
    if vals["id"] is not None and not _ID.match(vals["id"]):
        log.bad(f"{where}.id", "bad_id", "lower-case letters, digits and _, starting with a letter")
        vals["id"] = None
    if vals["path"] is not None:
        base, _ = cat.split_field(vals["path"])
        if cat.lookup(base) is None:
            log.bad(
                f"{where}.path",
                "unknown_path",
                f"{base!r} is not a known metric path{cat.suggest(base)}",
            )
            vals["path"] = None
    for key, allowed in _CHOICES.items():
        v = log.text(m, key, where)
        if v is not None and v not in allowed:
            log.bad(f"{where}.{key}", "not_allowed", f"{v!r}; allowed: {', '.join(allowed)}")
            v = None
        vals[key] = v
    why = log.text(m, "why", where, required=False) or ""
    raw = m.get("trigger")
    triggers: list[Trigger] = []
    if raw is None or raw == []:
        log.bad(
            f"{where}.trigger",
            "missing_trigger",
            "every metric needs a decision trigger ([[stack.metric.trigger]] with when and action)",
        )
    elif not isinstance(raw, list):
        log.bad(f"{where}.trigger", "not_a_list", "write [[stack.metric.trigger]] tables")
    else:
        for i, t in enumerate(raw):
            trig = _trigger(t, f"{where}.trigger[{i}]", vals["owner"], log)
            if trig is not None:
                triggers.append(trig)
    if any(v is None for v in vals.values()) or len(triggers) != len(raw or []) or not triggers:
        return None
    return MetricSpec(
        id=str(vals["id"]),
        name=str(vals["name"]),
        path=str(vals["path"]),
        owner=str(vals["owner"]),
        data_source=str(vals["data_source"]),
        cadence=str(vals["cadence"]),
        direction=str(vals["direction"]),
        kind=str(vals["kind"]),
        level=str(vals["level"]),
        chain_link=str(vals["chain_link"]),
        triggers=tuple(triggers),
        why=why,
    )


def parse_stack(metrics: Any, where: str, problems: list[Problem], source: str) -> Stack | None:
    """``[[stack.metric]]`` tables -> :class:`Stack`, or None when any entry is invalid."""
    log = _Log(problems)
    if not isinstance(metrics, list) or not metrics:
        log.bad(where, "empty_stack", "write at least one [[stack.metric]] table")
        return None
    before = len(problems)
    specs = [_metric(body, f"{where}[{i}]", log) for i, body in enumerate(metrics)]
    seen: dict[str, int] = {}
    for i, body in enumerate(metrics):
        mid = body.get("id") if isinstance(body, dict) else None
        if isinstance(mid, str) and mid:  # checked even when the rest of the entry is faulty
            if mid in seen:
                log.bad(f"{where}[{i}].id", "duplicate_id", f"{mid!r} is also metric [{seen[mid]}]")
            seen.setdefault(mid, i)
    if len(problems) > before:
        return None
    return Stack(tuple(s for s in specs if s is not None), source)


def parse_stack_settings(raw: dict[str, Any], problems: list[Problem]) -> StackSettings:
    """Read ``[stack]`` (metrics, masking, escalation, chain, agent_warning) and ``[audit]``."""
    log = _Log(problems)
    defaults = StackSettings()
    out: dict[str, Any] = {}
    body = log.table(raw.get("stack", {}), "stack") or {}
    log.unknown(body, _STACK_KEYS, "stack")
    if "metric" in body:
        stack = parse_stack(body["metric"], "stack.metric", problems, "configuration")
        if stack is not None:
            out["stack"] = stack
    if "masking" in body and (mk := log.table(body["masking"], "stack.masking")) is not None:
        log.unknown(mk, frozenset({"reference_months", "owner", "action"}), "stack.masking")
        ref = log.number(mk, "reference_months", "stack.masking", 1, 24, integer=True)
        out["masking"] = MaskingSettings(
            int(ref) if ref is not None else defaults.masking.reference_months,
            log.text(mk, "owner", "stack.masking", False) or defaults.masking.owner,
            log.text(mk, "action", "stack.masking", False) or defaults.masking.action,
        )
    if (
        "escalation" in body
        and (es := log.table(body["escalation"], "stack.escalation")) is not None
    ):
        log.unknown(es, frozenset({"weights"}), "stack.escalation")
        w = log.table(es.get("weights", {}), "stack.escalation.weights") or {}
        log.unknown(w, frozenset(COMPONENTS), "stack.escalation.weights")
        weights = dict(defaults.escalation.weights)
        for c in COMPONENTS:
            v = log.number(w, c, "stack.escalation.weights", 0.0, 1e6)
            if v is not None:
                weights[c] = v
        if sum(weights.values()) <= 0:
            log.bad("stack.escalation.weights", "all_zero", "at least one weight must be above 0")
        else:
            out["escalation"] = EscalationSettings(weights)
    if "chain" in body and (ch := log.table(body["chain"], "stack.chain")) is not None:
        log.unknown(ch, frozenset({"followup_days"}), "stack.chain")
        days = log.number(ch, "followup_days", "stack.chain", 30, 1095, integer=True)
        if days is not None:
            out["chain"] = ChainSettings(int(days))
    if "agent_warning" in body and (aw := log.table(body["agent_warning"], "stack.agent_warning")):
        log.unknown(aw, frozenset({"owner", "action"}), "stack.agent_warning")
        out["agent_warning"] = AgentWarningSettings(
            log.text(aw, "owner", "stack.agent_warning", False) or defaults.agent_warning.owner,
            log.text(aw, "action", "stack.agent_warning", False) or defaults.agent_warning.action,
        )
    if "audit" in raw:
        out["audit"] = _audit(raw["audit"], log, defaults.audit)
    return StackSettings(**{**defaults.__dict__, **out})


def _audit(body: Any, log: _Log, default: AuditSettings) -> AuditSettings:
    a = log.table(body, "audit")
    if a is None:
        return default
    keys = {"reported", "min_survey_response_rate", "min_customer_match_rate", "min_fill_rate"}
    log.unknown(a, frozenset(keys), "audit")
    reported: list[ReportedMetric] = []
    raw = a.get("reported", [])
    if not isinstance(raw, list):
        log.bad("audit.reported", "not_a_list", "write [[audit.reported]] tables")
        raw = []
    for i, r in enumerate(raw):
        where = f"audit.reported[{i}]"
        t = log.table(r, where)
        if t is None:
            continue
        log.unknown(t, frozenset({"name", "kind", "outcome"}), where)
        name = log.text(t, "name", where)
        kind = log.text(t, "kind", where, required=False)
        outcome = log.text(t, "outcome", where, required=False)
        if kind is not None and kind not in REPORTED_KINDS:
            log.bad(f"{where}.kind", "not_allowed", f"{kind!r}; allowed: activity, outcome")
            kind = None
        if outcome is not None and outcome not in (*OUTCOMES, "none"):
            log.bad(
                f"{where}.outcome",
                "not_allowed",
                f"{outcome!r}; allowed: {', '.join(OUTCOMES)}, none",
            )
            outcome = None
        if name is not None:
            reported.append(ReportedMetric(name, kind, outcome))
    limits = {k: log.number(a, k, "audit", 0.0, 1.0) for k in sorted(keys - {"reported"})}

    def limit(key: str, fallback: float) -> float:
        value = limits[key]
        return fallback if value is None else value

    return AuditSettings(
        tuple(reported),
        limit("min_survey_response_rate", default.min_survey_response_rate),
        limit("min_customer_match_rate", default.min_customer_match_rate),
        limit("min_fill_rate", default.min_fill_rate),
    )


def load_stack(path: Path) -> Stack:
    """A stack from a TOML file of ``[[stack.metric]]`` tables; ConfigError lists every fault."""
    where = str(path)
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError([Problem(where, "file_missing", "stack file not found")])
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(where, "toml_syntax", f"not valid TOML: {exc}")])
    problems: list[Problem] = []
    body = raw.get("stack", {}) if isinstance(raw.get("stack"), dict) else {}
    stack = parse_stack(body.get("metric"), "stack.metric", problems, where)
    if problems or stack is None:
        raise ConfigError(problems)
    return stack


@functools.cache
def default_stack() -> Stack:
    """The stack shipped with cxroi (``default_stack.toml``, from the seeds' metric list)."""
    text = resources.files("cxroi.analyses.stack").joinpath("default_stack.toml").read_text("utf-8")
    problems: list[Problem] = []
    stack = parse_stack(tomllib.loads(text)["stack"]["metric"], "stack.metric", problems, "default")
    if problems or stack is None:  # a bug in the shipped file, caught by the tests
        raise ConfigError(problems)
    return stack
