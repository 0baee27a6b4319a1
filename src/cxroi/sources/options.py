"""Adapter options: frozen dataclasses read from ``--set key=value`` or a TOML table.

Each adapter declares its options as a frozen dataclass with defaults; :func:`parse_options`
reads text (command line) or TOML values into it, appending a :class:`Problem` for every unknown
key, wrong type or value outside an allowed list, and keeping the default for those.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from cxroi.errors import Problem

T = TypeVar("T")
_TRUE = {"true", "t", "1", "yes", "y"}
_FALSE = {"false", "f", "0", "no", "n"}


def parse_options(
    cls: type[T],
    raw: Mapping[str, Any],
    problems: list[Problem],
    where: str,
    choices: Mapping[str, tuple[str, ...]] | None = None,
) -> T:
    """``cls`` filled from ``raw``; ``choices`` restricts text options to listed values."""
    assert dataclasses.is_dataclass(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        f = fields.get(key)
        if f is None:
            known = ", ".join(sorted(fields)) or "none"
            problems.append(
                Problem(f"{where}.{key}", "unknown_key", f"unknown option; known: {known}")
            )
            continue
        try:
            parsed = _coerce(str(f.type), value)
        except ValueError as exc:
            problems.append(Problem(f"{where}.{key}", "wrong_type", str(exc)))
            continue
        allowed = (choices or {}).get(key)
        if allowed is not None and parsed not in allowed:
            problems.append(
                Problem(
                    f"{where}.{key}",
                    "not_allowed",
                    f"{parsed!r} is not one of {', '.join(allowed)}",
                )
            )
            continue
        values[key] = parsed
    return cls(**values)


def _coerce(kind: str, value: Any) -> Any:
    optional = "None" in kind
    base = kind.replace("| None", "").replace("None |", "").strip()
    if optional and (
        value is None or (isinstance(value, str) and value.strip().lower() in ("", "none"))
    ):
        return None
    if base == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ValueError(f"expected true or false, got {value!r}")
    if base == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise ValueError(f"expected a whole number, got {value!r}")
    if base == "Path":
        if isinstance(value, (str, Path)):
            return Path(value)
        raise ValueError(f"expected a file path, got {value!r}")
    if base.startswith("tuple"):
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise ValueError(
            f"expected a list of names (comma-separated on the command line), got {value!r}"
        )
    if base == "str":
        if isinstance(value, str):
            return value
        raise ValueError(f"expected text, got {value!r}")
    raise ValueError(f"unsupported option type {kind}")


def split_assignments(
    items: list[str] | tuple[str, ...], problems: list[Problem]
) -> dict[str, str]:
    """``["a=1", "b=x,y"]`` -> ``{"a": "1", "b": "x,y"}`` (the ``--set`` option)."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            problems.append(Problem(f"--set {item}", "bad_option", "expected KEY=VALUE"))
            continue
        out[key.strip()] = value.strip()
    return out
