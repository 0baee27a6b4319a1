"""Typed references to numbers in the results tree: ``metrics.fcr_7d.ai_only``, ``….ci_high``.

A reference is written as it reads in results.json — keys joined with dots, ``[*]`` for a monthly
series (rows with a ``month``), an optional ``.estimate`` / ``.ci_low`` / ``.ci_high`` — and is
checked against the declared types of the tree when it is parsed, so a trigger on a number that
does not exist is refused when the configuration is read, with the nearest valid names. Resolving a
reference walks the typed tree, never a dict, and answers the value or the reason it is missing.

The catalogue of every reference a stack may use (:func:`catalogue`) is generated from the same
declarations; units come from the fields (``spec(unit=...)``).
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from cxroi.results.layout import (
    FieldSpec,
    derived_of,
    derived_unit,
    estimate_extra_fields,
    fields_of,
    is_dataclass_type,
    is_estimate_type,
    split_optional,
)
from cxroi.stats.result import CannotCompute, Estimate, Unit

Bound = Literal["estimate", "ci_low", "ci_high"]
BOUNDS: tuple[Bound, ...] = ("estimate", "ci_low", "ci_high")
SERIES = "[*]"
_ANY_KEY = "<key>"
# the field a monthly (or weekly) series row is keyed by
PERIOD_FIELDS = ("month", "period")


class RefError(ValueError):
    """A reference that names nothing in the results tree."""


@dataclass(frozen=True)
class Step:
    """One move down the tree: a field, then (for a dict or a flattened field) a key."""

    attr: str | None
    key: str | int | None = None


@dataclass(frozen=True)
class Ref:
    text: str
    head: tuple[Step, ...]  # up to the series, or the whole path
    series: bool
    tail: tuple[Step, ...]  # inside each row of the series
    bound: Bound
    unit: Unit | None
    is_number: bool  # an estimate or a plain number (not an object)


@dataclass(frozen=True)
class Resolved:
    value: float | None
    reason: str = ""
    month: str | None = None


# ---------------------------------------------------------------------------------------------
# parsing


def parse(text: str, root: type, numbers_only: bool = True) -> Ref:
    """Check ``text`` against the tree rooted at ``root``; raise :class:`RefError` if invalid."""
    path = text.strip()
    bound: Bound = "estimate"
    for b in BOUNDS:
        if path.endswith(f".{b}"):
            path, bound = path[: -len(b) - 1], b
            break
    head_text, series, tail_text = path.partition(SERIES)
    keys = [k for k in head_text.split(".") if k]
    hint: Any = root
    unit: Unit | None = None
    head, hint, unit = _walk_types(keys, hint, unit, text)
    tail: tuple[Step, ...] = ()
    if series:
        inner, _, _ = split_optional(hint)
        if typing.get_origin(inner) is not tuple:
            raise RefError(f"{text}: {head_text} is not a monthly series{_suggest(text, root)}")
        row = typing.get_args(inner)[0]
        if not is_dataclass_type(row) or not _period_field(row):
            raise RefError(f"{text}: {head_text} rows have no month")
        tail_keys = [k for k in tail_text.split(".") if k]
        tail, hint, unit = _walk_types(tail_keys, row, unit, text)
    inner, _, _ = split_optional(hint)
    is_number = is_estimate_type(inner) or inner in (float, int)
    if numbers_only and not is_number:
        raise RefError(f"{text}: names a group of values, not one number{_suggest(text, root)}")
    if bound != "estimate" and not is_estimate_type(inner):
        raise RefError(f"{text}: a plain number has no {bound} (no interval)")
    return Ref(text.strip(), head, bool(series), tail, bound, unit, is_number)


def _walk_types(
    keys: list[str], hint: Any, unit: Unit | None, text: str
) -> tuple[tuple[Step, ...], Any, Unit | None]:
    steps: list[Step] = []
    for key in keys:
        inner, _, _ = split_optional(hint)
        if is_estimate_type(inner):
            # an estimate's own typed numbers (e.g. a lead-lag's best_lag_days)
            numbers = {f.key: f for f in estimate_extra_fields(inner) if f.hint in (int, float)}
            if key not in numbers:
                raise RefError(f"{text}: {inner.__name__} has no number {key!r}")
            step, hint, unit = Step(numbers[key].name), numbers[key].hint, None
        elif is_dataclass_type(inner):
            step, hint, field_unit = _field_step(inner, key, text)
            unit = field_unit or unit
        elif typing.get_origin(inner) in (dict, Mapping):
            key_t, hint = typing.get_args(inner)
            step = Step(None, int(key) if key_t is int and key.isdigit() else key)
        else:
            raise RefError(f"{text}: nothing below {'.'.join(keys[: len(steps)]) or 'the root'}")
        steps.append(step)
    return tuple(steps), hint, unit


def _field_step(cls: type, key: str, text: str) -> tuple[Step, Any, Unit | None]:
    for f in fields_of(cls):
        if f.flatten is None and f.key == key:
            return Step(f.name), f.hint, f.unit
        if f.flatten is not None:
            prefix, _, suffix = f.flatten.partition("{}")
            middle = key[len(prefix) : len(key) - len(suffix)] if suffix else key[len(prefix) :]
            if key.startswith(prefix) and key.endswith(suffix) and middle.isdigit():
                return Step(f.name, int(middle)), typing.get_args(f.hint)[1], f.unit
    for name, hint in derived_of(cls):
        if name == key:
            return Step(name), hint, derived_unit(cls, name)
    known = ", ".join(_keys_of(cls))
    raise RefError(f"{text}: {cls.__name__} has no {key!r} (it has {known})")


def _keys_of(cls: type) -> list[str]:
    out = [f.flatten.replace("{}", "<N>") if f.flatten else f.key for f in fields_of(cls)]
    return out + [name for name, _ in derived_of(cls)]


# ---------------------------------------------------------------------------------------------
# resolving


def resolve(ref: Ref, root: object) -> Resolved:
    """The number a non-series reference names, or why there is none."""
    node, why = _walk(root, ref.head)
    if why:
        return Resolved(None, why)
    return _number(node, ref.bound)


def resolve_series(ref: Ref, root: object) -> tuple[list[tuple[str, Resolved]], str]:
    """``(month, value)`` for every row of a series reference, sorted by month."""
    rows, why = _walk(root, ref.head)
    if why:
        return [], why
    out: list[tuple[str, Resolved]] = []
    for row in rows:
        node, reason = _walk(row, ref.tail)
        month = str(getattr(row, _period_field(type(row))))
        value = Resolved(None, reason) if reason else _number(node, ref.bound)
        out.append((month, Resolved(value.value, value.reason, month)))
    out.sort(key=lambda r: r[0])
    return out, "" if out else f"{ref.text.partition(SERIES)[0]} is empty"


def resolve_node(ref: Ref, root: object) -> tuple[Any, str]:
    """The object a reference names (any kind), or ``(None, reason)``."""
    return _walk(root, ref.head)


def _period_field(row: type) -> str:
    names = {f.name for f in fields_of(row)}
    return next((p for p in PERIOD_FIELDS if p in names), "")


def _walk(node: Any, steps: tuple[Step, ...]) -> tuple[Any, str]:
    for step in steps:
        if step.attr is not None:
            node = getattr(node, step.attr)
            if isinstance(node, CannotCompute):
                return None, node.reason
            if node is None:
                return None, f"{step.attr} is not available"
        if step.key is not None:
            if not isinstance(node, Mapping) or step.key not in node:
                return None, f"results has no {step.key!r}"
            node = node[step.key]
            if isinstance(node, CannotCompute):
                return None, node.reason
    return node, ""


def _number(node: Any, bound: Bound) -> Resolved:
    if isinstance(node, Estimate):
        v = getattr(node, bound)
        if v is None:
            return Resolved(None, f"{bound} is null (no interval)")
        return Resolved(float(v))
    if isinstance(node, bool) or node is None:
        return Resolved(None, "not a number")
    if isinstance(node, (int, float)):
        return Resolved(float(node))
    return Resolved(None, "not a number")


# ---------------------------------------------------------------------------------------------
# the catalogue


@dataclass(frozen=True)
class Entry:
    pattern: str  # <key> where a dict key goes, <N> for a window, [*] for a monthly series
    unit: Unit | None


def catalogue(root: type) -> tuple[Entry, ...]:
    """Every number a reference may name, with its unit, generated from the declarations."""
    return tuple(sorted(set(_entries(root, "", None, False)), key=lambda e: e.pattern))


def _entries(hint: Any, prefix: str, unit: Unit | None, in_series: bool) -> Iterator[Entry]:
    inner, _, _ = split_optional(hint)
    if is_estimate_type(inner) or inner in (float, int):
        yield Entry(prefix, unit)
        return
    if is_dataclass_type(inner):
        for f in fields_of(inner):
            yield from _field_entries(f, prefix, unit, in_series)
        for name, derived_hint in derived_of(inner):
            d_unit = derived_unit(inner, name) or unit
            yield from _entries(derived_hint, _join(prefix, name), d_unit, in_series)
        return
    origin = typing.get_origin(inner)
    if origin in (dict, Mapping):
        _, item = typing.get_args(inner)
        yield from _entries(item, _join(prefix, _ANY_KEY), unit, in_series)
    elif origin is tuple and not in_series:
        row = typing.get_args(inner)[0]
        if is_dataclass_type(row) and _period_field(row):
            yield from _entries(row, prefix + SERIES, unit, True)


def _field_entries(f: FieldSpec, prefix: str, unit: Unit | None, in_series: bool) -> Iterator[Entry]:
    if f.flatten is not None:
        name = f.flatten.replace("{}", "<N>")
        yield from _entries(typing.get_args(f.hint)[1], _join(prefix, name), f.unit or unit, in_series)
        return
    keys = f.options.keys
    inner, _, _ = split_optional(f.hint)
    if keys and typing.get_origin(inner) in (dict, Mapping):
        _, item = typing.get_args(inner)
        for key in keys:
            yield from _entries(item, _join(prefix, f"{f.key}.{key}"), f.unit or unit, in_series)
        return
    yield from _entries(f.hint, _join(prefix, f.key), f.unit or unit, in_series)


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix and not prefix.endswith(SERIES) else prefix + (
        f".{key}" if prefix.endswith(SERIES) else key
    )


def examples(root: type) -> tuple[str, ...]:
    """Concrete references (windows 7 and 14), for suggestions and documentation."""
    out = []
    for e in catalogue(root):
        if _ANY_KEY in e.pattern:
            continue
        for w in ("7", "14") if "<N>" in e.pattern else ("",):
            out.append(e.pattern.replace("<N>", w))
    return tuple(out)


def _suggest(text: str, root: type) -> str:
    close = difflib.get_close_matches(text, examples(root), n=3, cutoff=0.5)
    return f"; did you mean {' or '.join(close)}?" if close else ""


def suggest(text: str, root: type) -> str:
    return _suggest(text, root)
