"""Settings of the metric stack: its metrics (``[[stack.metric]]``), the default stack otherwise.

The ``[stack]`` table also holds sub-tables that other analyses own and read themselves
(``masking``, ``escalation``, ``chain``, ``agent_warning``); they are known keys here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cxroi.analyses.stack.parse import default_stack, parse_stack
from cxroi.analyses.stack.spec import Stack
from cxroi.errors import Problem
from cxroi.toml_tables import TableReader

# sub-tables of [stack] read by the analyses that own them
OWNED_ELSEWHERE: tuple[str, ...] = ("masking", "escalation", "chain", "agent_warning")


@dataclass(frozen=True)
class StackSettings:
    stack: Stack = field(default_factory=default_stack)


def parse_stack_settings(body: Any, problems: list[Problem]) -> StackSettings:
    """Read ``[stack]``: its metrics; ``[[stack.metric]]`` replaces the default stack."""
    log = TableReader(problems)
    table = log.table(body, "stack") or {}
    log.unknown(table, frozenset({"metric", *OWNED_ELSEWHERE}), "stack")
    if "metric" in table:
        stack = parse_stack(table["metric"], "stack.metric", problems, "configuration")
        if stack is not None:
            return StackSettings(stack)
    return StackSettings()
