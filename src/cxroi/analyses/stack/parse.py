"""Read the metric stack from TOML (``[[stack.metric]]`` or a stack file), collecting every problem.

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
from cxroi.toml_tables import TableReader

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


def _trigger(body: Any, where: str, owner: str | None, log: TableReader) -> Trigger | None:
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


def _metric(body: Any, where: str, log: TableReader) -> MetricSpec | None:
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
    log = TableReader(problems)
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
