"""One serialiser and one strict loader for the typed results tree, both driven by type hints.

The results tree is frozen dataclasses whose numbers are ``Estimate | CannotCompute``. This module
turns such a tree into JSON values and back, reading only the declared types, so the layout of
``results.json`` is written down once — in the dataclasses — and the JSON Schema
(:mod:`cxroi.results.schema`) is derived from the same declarations.

Layout rules (docs/results.md):

- a dataclass is an object keyed by its field names (``json_key`` renames a field whose name is a
  Python keyword);
- an :class:`Estimate` (or a subclass with typed extra fields) is the estimate object
  ``{estimate, ci_low, ci_high, method?, n?, se?, unit?, small_cell?, ...}``;
- a :class:`CannotCompute` under key ``k`` is ``k: null`` plus ``k_note: reason`` beside it;
- tuples are arrays, ``dict[str | int, X]`` are objects, ``None`` is null, enums are their values;
- ``detail(under)``: the field's estimates appear as plain numbers at the key and as estimate
  objects under the sibling object ``under`` (``metrics.fcr_7d`` and ``metrics.intervals.fcr_7d``);
- ``flatten(template)``: a ``dict[int, X]`` field is written as one key per entry
  (``fcr`` → ``fcr_7d``, ``fcr_14d``).

The loader is strict: an unknown key, a missing key or a value of the wrong type is a
:class:`ResultsFormatError` naming the JSON path, so a file from another version or a hand edit
is refused rather than half read.
"""

from __future__ import annotations

import enum
import math
import typing
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from cxroi.stats.result import CannotCompute, Estimate, Unit
from cxroi.results.layout import (
    ESTIMATE_BASE_KEYS,
    NOTE,
    FieldSpec,
    derived_of,
    estimate_extra_fields,
    fields_of,
    is_dataclass_type,
    is_estimate_type,
    split_optional,
)

T = TypeVar("T")


class ResultsFormatError(ValueError):
    """A results file (or tree) that does not follow the declared layout."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path or '<root>'}: {message}")
        self.path = path


# ---------------------------------------------------------------------------------------------
# encoding


def encode(value: Any, hint: Any = None, path: str = "") -> Any:
    """The JSON value of ``value`` as declared by ``hint`` (its own class when omitted)."""
    return _encode(value, hint if hint is not None else type(value), path, None)


def _encode(value: Any, hint: Any, path: str, unit: Unit | None) -> Any:
    inner, allows_none, allows_cannot = split_optional(hint)
    if value is None:
        if allows_none:
            return None
        raise ResultsFormatError(path, f"None where {_name(hint)} is declared")
    if isinstance(value, CannotCompute):
        if allows_cannot:
            return None  # the parent writes the note beside it
        raise ResultsFormatError(path, f"CannotCompute where {_name(hint)} is declared")
    if is_estimate_type(inner):
        return _encode_estimate(value, inner, path, unit)
    if is_dataclass_type(inner):
        if type(value) is not inner:
            raise ResultsFormatError(path, f"expected {inner.__name__}, got {type(value).__name__}")
        return _encode_object(value, inner, path, unit)
    origin = typing.get_origin(inner)
    if origin is tuple:
        (item,) = _tuple_item(inner)
        if not isinstance(value, (tuple, list)):
            raise ResultsFormatError(path, f"expected a sequence, got {type(value).__name__}")
        return [_encode(v, item, f"{path}[{i}]", unit) for i, v in enumerate(value)]
    if origin in (dict, Mapping, typing.Mapping) or inner is dict:
        key_t, item = typing.get_args(inner)
        if not isinstance(value, Mapping):
            raise ResultsFormatError(path, f"expected a mapping, got {type(value).__name__}")
        out: dict[str, Any] = {}
        for k, v in value.items():
            key = str(k)
            _put(out, key, v, item, f"{path}.{key}", unit)
        return out
    return _encode_scalar(value, inner, allows_none, path)


def _put(
    out: dict[str, Any], key: str, value: Any, hint: Any, path: str, unit: Unit | None
) -> None:
    out[key] = _encode(value, hint, path, unit)
    if isinstance(value, CannotCompute):
        out[key + NOTE] = value.reason


def _encode_object(value: Any, cls: type, path: str, unit: Unit | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields_of(cls):
        v = getattr(value, f.name)
        where = f"{path}.{f.key}" if path else f.key
        if f.omit_none and v is None:
            continue
        inner_unit = f.unit or unit
        if f.flatten is not None:
            key_t, item = typing.get_args(f.hint)
            for k, entry in v.items():
                name = f.flatten.format(k)
                _put_detailed(out, name, entry, item, f.detail, f"{path}.{name}", inner_unit)
        else:
            _put_detailed(out, f.key, v, f.hint, f.detail, where, inner_unit)
    for name, hint in derived_of(cls):
        _put(out, name, getattr(value, name), hint, f"{path}.{name}", None)
    return out


def _put_detailed(
    out: dict[str, Any],
    key: str,
    value: Any,
    hint: Any,
    under: str | None,
    path: str,
    unit: Unit | None,
) -> None:
    if under is None:
        _put(out, key, value, hint, path, unit)
        return
    full: dict[str, Any] = {}
    _put(full, key, value, hint, path, unit)
    out.setdefault(under, {}).update(full)
    _put_numbers(out, key, value, hint, path)


def _put_numbers(out: dict[str, Any], key: str, value: Any, hint: Any, path: str) -> None:
    """The plain-number view of an estimate, or of an object whose fields are estimates."""
    inner, _, _ = split_optional(hint)
    if isinstance(value, CannotCompute):
        out[key], out[key + NOTE] = None, value.reason
    elif isinstance(value, Estimate):
        out[key] = _float(value.estimate, path)
    elif is_dataclass_type(inner):
        numbers: dict[str, Any] = {}
        for spec in fields_of(inner):
            _put_numbers(numbers, spec.key, getattr(value, spec.name), spec.hint, path)
        out[key] = numbers
    else:
        raise ResultsFormatError(path, "detail() needs estimates or objects of estimates")


def _encode_estimate(
    value: Any, cls: type[Estimate], path: str, declared: Unit | None
) -> dict[str, Any]:
    if type(value) is not cls:
        # a subclass would write keys its declared type cannot read back
        raise ResultsFormatError(path, f"expected {cls.__name__}, got {type(value).__name__}")
    if declared is not None and value.unit is not None and value.unit != declared:
        raise ResultsFormatError(path, f"unit {value.unit} where {declared} is declared")
    unit = declared or value.unit
    out: dict[str, Any] = {
        "estimate": _float(value.estimate, path),
        "ci_low": _finite_or_none(value.ci_low),
        "ci_high": _finite_or_none(value.ci_high),
    }
    if value.method:
        out["method"] = value.method
    if value.n is not None:
        out["n"] = int(value.n)
    if value.se is not None:
        out["se"] = _finite_or_none(value.se)
    if unit is not None:
        out["unit"] = str(unit)
    if value.small_cell is not None:
        out["small_cell"] = bool(value.small_cell)
    for f in estimate_extra_fields(type(value)):
        v = getattr(value, f.name)
        if not (f.omit_none and v is None):
            _put(out, f.key, v, f.hint, f"{path}.{f.key}", f.unit)
    return out



def _encode_scalar(value: Any, hint: Any, allows_none: bool, path: str) -> Any:
    if hint is bool:
        if isinstance(value, bool) or type(value).__name__ == "bool_":
            return bool(value)
    elif hint is int:
        if not isinstance(value, bool) and _is_integral(value):
            return int(value)
    elif hint is float:
        if not isinstance(value, bool) and _is_number(value):
            f = float(value)
            if math.isfinite(f):
                return f
            if allows_none:
                return None
            raise ResultsFormatError(path, f"{f} is not a finite number")
    elif hint is str:
        if isinstance(value, str):
            return value
    elif typing.get_origin(hint) is Literal:
        if value in typing.get_args(hint):
            return value
    elif isinstance(hint, type) and issubclass(hint, enum.Enum):
        if isinstance(value, hint):
            return value.value
    elif hint is Any:
        raise ResultsFormatError(path, "untyped (Any) values are not allowed in results")
    else:
        raise ResultsFormatError(path, f"unsupported declared type {_name(hint)}")
    raise ResultsFormatError(path, f"expected {_name(hint)}, got {value!r}")


def _float(v: float, path: str) -> float:
    f = float(v)
    if not math.isfinite(f):
        raise ResultsFormatError(path, f"{f} is not a finite number")
    return f


def _finite_or_none(v: float | None) -> float | None:
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) or type(v).__module__ == "numpy"


def _is_integral(v: Any) -> bool:
    if isinstance(v, int):
        return True
    return type(v).__module__ == "numpy" and float(v).is_integer()


# ---------------------------------------------------------------------------------------------
# decoding


def decode(cls: type[T], data: Any, path: str = "") -> T:
    """Read ``data`` (parsed JSON) as ``cls``, strictly; raise :class:`ResultsFormatError`."""
    out: T = _decode(cls, data, path, note=None)
    return out


def _decode(hint: Any, data: Any, path: str, note: str | None) -> Any:
    inner, allows_none, allows_cannot = split_optional(hint)
    if data is None:
        if allows_cannot:
            if note is None:
                raise ResultsFormatError(path, "null without a reason (a sibling *_note)")
            return CannotCompute(note)
        if allows_none:
            return None
        raise ResultsFormatError(path, f"null where {_name(hint)} is required")
    if is_estimate_type(inner):
        return _decode_estimate(inner, data, path)
    if is_dataclass_type(inner):
        return _decode_object(inner, data, path)
    origin = typing.get_origin(inner)
    if origin is tuple:
        (item,) = _tuple_item(inner)
        if not isinstance(data, list):
            raise ResultsFormatError(path, "expected an array")
        return tuple(_decode(item, v, f"{path}[{i}]", None) for i, v in enumerate(data))
    if origin in (dict, Mapping, typing.Mapping):
        key_t, item = typing.get_args(inner)
        if not isinstance(data, dict):
            raise ResultsFormatError(path, "expected an object")
        return _decode_map(key_t, item, data, path)
    return _decode_scalar(inner, data, path)


def _decode_map(key_t: Any, item: Any, data: dict[str, Any], path: str) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    _, _, item_cannot = split_optional(item)
    for key, v in data.items():
        if item_cannot and key.endswith(NOTE) and key[: -len(NOTE)] in data:
            continue
        note = data.get(key + NOTE) if item_cannot else None
        k: Any = key
        if key_t is int:
            try:
                k = int(key)
            except ValueError:
                raise ResultsFormatError(f"{path}.{key}", "expected a whole-number key") from None
        out[k] = _decode(item, v, f"{path}.{key}", note)
    return out


def _decode_object(cls: type, data: Any, path: str) -> Any:
    if not isinstance(data, dict):
        raise ResultsFormatError(path, f"expected an object ({cls.__name__})")
    seen: set[str] = set()
    kwargs: dict[str, Any] = {}
    for spec in fields_of(cls):
        where = f"{path}.{spec.key}" if path else spec.key
        if spec.flatten is not None:
            kwargs[spec.name] = _decode_flattened(spec, data, path, seen)
            continue
        source, note = _source(spec, spec.key, data, where)
        if source is _ABSENT:
            if spec.required:
                raise ResultsFormatError(where, "required key is missing")
            continue
        seen.update(_consumed(spec, spec.key))
        kwargs[spec.name] = _decode(spec.hint, source, where, note)
    for name, _ in derived_of(cls):
        seen.update((name, name + NOTE))
    unknown = sorted(set(data) - seen - _detail_roots(cls))
    if unknown:
        raise ResultsFormatError(path, f"unknown keys {unknown} for {cls.__name__}")
    return cls(**kwargs)


_ABSENT = object()


def _source(spec: FieldSpec, key: str, data: dict[str, Any], path: str) -> tuple[Any, str | None]:
    """Where a field's full value lives (beside its number view when detailed) and its note."""
    if key not in data:
        return _ABSENT, None
    note = data.get(key + NOTE)
    if spec.detail is None:
        return data[key], note
    under = data.get(spec.detail)
    if not isinstance(under, dict) or key not in under:
        raise ResultsFormatError(f"{path}", f"its detail is missing under {spec.detail!r}")
    return under[key], under.get(key + NOTE)


def _consumed(spec: FieldSpec, key: str) -> tuple[str, ...]:
    return (key, key + NOTE)


def _detail_roots(cls: type) -> set[str]:
    return {s.detail for s in fields_of(cls) if s.detail is not None}


def _decode_flattened(
    spec: FieldSpec, data: dict[str, Any], path: str, seen: set[str]
) -> dict[Any, Any]:
    key_t, item = typing.get_args(spec.hint)
    prefix, _, suffix = spec.flatten.partition("{}") if spec.flatten else ("", "", "")
    out: dict[Any, Any] = {}
    for name in sorted(data):
        if not (name.startswith(prefix) and name.endswith(suffix)) or name.endswith(NOTE):
            continue
        middle = name[len(prefix) : len(name) - len(suffix)] if suffix else name[len(prefix) :]
        if key_t is int and not middle.isdigit():
            continue
        source, note = _source(spec, name, data, f"{path}.{name}")
        seen.update(_consumed(spec, name))
        out[int(middle) if key_t is int else middle] = _decode(item, source, f"{path}.{name}", note)
    return dict(sorted(out.items()))


def _decode_estimate(cls: type[Estimate], data: Any, path: str) -> Estimate:
    if not isinstance(data, dict):
        raise ResultsFormatError(path, "expected an estimate object")
    extras = estimate_extra_fields(cls)
    known = set(ESTIMATE_BASE_KEYS) | {s.key for s in extras}
    known |= {s.key + NOTE for s in extras}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ResultsFormatError(path, f"unknown keys {unknown} in an estimate ({cls.__name__})")
    for key in ("estimate", "ci_low", "ci_high"):
        if key not in data:
            raise ResultsFormatError(f"{path}.{key}", "required key is missing")
    kwargs: dict[str, Any] = {
        "estimate": _decode_scalar(float, data["estimate"], f"{path}.estimate"),
        "ci_low": _decode(float | None, data["ci_low"], f"{path}.ci_low", None),
        "ci_high": _decode(float | None, data["ci_high"], f"{path}.ci_high", None),
        "method": _decode_scalar(str, data.get("method", ""), f"{path}.method"),
        "n": _decode(int | None, data.get("n"), f"{path}.n", None),
        "se": _decode(float | None, data.get("se"), f"{path}.se", None),
        "small_cell": _decode(bool | None, data.get("small_cell"), f"{path}.small_cell", None),
    }
    unit_hint = {f.name: f.hint for f in fields_of(Estimate)}["unit"]
    kwargs["unit"] = _decode(unit_hint, data.get("unit"), f"{path}.unit", None)
    for spec in extras:
        where = f"{path}.{spec.key}"
        if spec.key not in data:
            if spec.required:
                raise ResultsFormatError(where, "required key is missing")
            continue
        kwargs[spec.name] = _decode(spec.hint, data[spec.key], where, data.get(spec.key + NOTE))
    return cls(**kwargs)


def canonical(value: T) -> T:
    """``value`` as a reader of results.json gets it back: declared units stamped on its leaves."""
    out: T = decode(type(value), encode(value))
    return out


def _decode_scalar(hint: Any, data: Any, path: str) -> Any:
    if hint is bool and isinstance(data, bool):
        return data
    if hint is int and isinstance(data, int) and not isinstance(data, bool):
        return data
    if hint is float and isinstance(data, (int, float)) and not isinstance(data, bool):
        return float(data)
    if hint is str and isinstance(data, str):
        return data
    if typing.get_origin(hint) is Literal and data in typing.get_args(hint):
        return data
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(data)
        except ValueError:
            pass
    raise ResultsFormatError(path, f"expected {_name(hint)}, got {data!r}")


def _tuple_item(hint: Any) -> tuple[Any]:
    args = typing.get_args(hint)
    if len(args) != 2 or args[1] is not Ellipsis:
        raise TypeError(f"{hint}: results use tuple[X, ...] only")
    return (args[0],)


def _name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint)
