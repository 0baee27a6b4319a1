"""The trigger grammar: ``<path> <op> <number | path [+|- number]> [for <N> months]``.

Paths are checked against the catalogue (with a suggestion for a near miss), constants against
the range of the path's unit, compared paths against each other's unit. Every fault is appended
to ``problems``; the parser returns None when there was one.
"""

from __future__ import annotations

import re

from cxroi.analyses.stack import catalogue as cat
from cxroi.analyses.stack.spec import Condition, Operand
from cxroi.errors import Problem

_PATH = r"[a-z_][a-z0-9_]*(?:\[\*\])?(?:\.[a-z0-9_]+(?:\[\*\])?)*"
_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)%?"
_WHEN = re.compile(
    rf"^\s*(?P<left>{_PATH})\s*(?P<op><=|>=|<|>)\s*"
    rf"(?:(?P<num>{_NUM})|(?P<right>{_PATH})(?:\s*(?P<sign>[+-])\s*(?P<off>{_NUM}))?)"
    r"(?:\s+for\s+(?P<months>\d+)\s+(?:consecutive\s+)?months?)?\s*$"
)
GRAMMAR = (
    "<path> <op> <number | path [+|- number]> [for <N> months], op one of < <= > >=, "
    "e.g. 'stack.monthly[*].fcr_7d.ai_only < 0.70 for 2 months'"
)


def _bad(problems: list[Problem], where: str, rule: str, message: str) -> None:
    problems.append(Problem(where, rule, message))


def _number(
    text: str, info: cat.PathInfo, where: str, problems: list[Problem]
) -> float | None:
    if text.endswith("%"):
        if info.unit not in cat.PERCENT_UNITS:
            _bad(
                problems,
                where,
                "percent_not_allowed",
                f"a % threshold needs a share; this path is in {info.unit_name}",
            )
            return None
        return float(text[:-1]) / 100.0
    return float(text)


def _operand(
    path: str, where: str, problems: list[Problem]
) -> tuple[Operand, cat.PathInfo] | None:
    base, field = cat.split_field(path)
    info = cat.lookup(base)
    if info is None:
        _bad(
            problems,
            where,
            "unknown_path",
            f"{base!r} is not a known metric path{cat.suggest(base)} "
            "(see docs/metric-stack.md, 'Paths')",
        )
        return None
    if field != "estimate" and cat.lookup(path) is None:
        _bad(problems, where, "unknown_path", f"{base!r} has no interval to take {field} of")
        return None
    return Operand(base, field), info


def parse_condition(text: str, where: str, problems: list[Problem]) -> Condition | None:
    """Parse a trigger's ``when`` (see :data:`GRAMMAR`); every fault is appended to ``problems``."""
    m = _WHEN.match(text)
    if m is None:
        _bad(problems, where, "trigger_syntax", f"cannot read {text!r}; write {GRAMMAR}")
        return None
    left = _operand(m["left"], where, problems)
    right: tuple[Operand, cat.PathInfo] | None = None
    if m["right"] is not None:
        right = _operand(m["right"], where, problems)
    months = int(m["months"]) if m["months"] else 1
    if left is None or (m["right"] is not None and right is None):
        return None
    lop, info = left
    if months < 1 or months > 24:
        _bad(problems, where, "out_of_range", "'for N months' takes N from 1 to 24")
        return None
    if months > 1 and not lop.series:
        _bad(
            problems,
            where,
            "months_need_series",
            f"'for {months} months' needs a monthly series path "
            f"(with [*]); {lop.path} is one value",
        )
        return None
    if m["num"] is not None:
        value = _number(m["num"], info, where, problems)
        if value is None:
            return None
        lo, hi = info.bounds
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            span = f"[{'-inf' if lo is None else f'{lo:g}'}, {'inf' if hi is None else f'{hi:g}'}]"
            hint = (
                " (shares are fractions: write 0.70, or 70%)"
                if info.unit in cat.PERCENT_UNITS
                else ""
            )
            _bad(
                problems,
                where,
                "threshold_out_of_range",
                f"{value:g} is outside {span}, the range of {info.unit_name} values of "
                f"{lop.path}{hint}",
            )
            return None
        return Condition(lop, m["op"], Operand(None, "estimate", value), months)
    assert right is not None
    rop, rinfo = right
    if rinfo.unit != info.unit:
        _bad(
            problems,
            where,
            "unit_mismatch",
            f"compares {lop.path} ({info.unit_name}) with {rop.path} ({rinfo.unit_name})",
        )
        return None
    if rop.series and not lop.series:
        _bad(
            problems,
            where,
            "series_on_right",
            "a monthly series on the right needs one on the left",
        )
        return None
    offset = 0.0
    if m["off"] is not None:
        off = _number(m["off"], info, where, problems)
        if off is None:
            return None
        offset = off if m["sign"] == "+" else -off
    return Condition(lop, m["op"], Operand(rop.path, rop.field, offset), months)
