"""How the typed results tree is laid out in JSON: field declarations and their introspection.

Model classes declare their fields with :func:`spec` (unit, JSON key), :func:`detail` (plain
numbers at the key, estimate objects under a sibling), :func:`flatten` (one key per entry of a
``dict[int, X]``), :func:`omitted_when_none`, and :func:`derived` views. The serialiser and the
strict loader (:mod:`cxroi.results.codec`) and the JSON Schema (:mod:`cxroi.results.schema`)
read these declarations through :func:`fields_of`, so the layout is written down once.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, Union, overload

from cxroi.stats.result import CannotCompute, Estimate, Unit

NOTE = "_note"
_OPTIONS = "cxroi.options"
ESTIMATE_BASE_KEYS = ("estimate", "ci_low", "ci_high", "method", "n", "se", "unit", "small_cell")



@dataclasses.dataclass(frozen=True)
class FieldOptions:
    """How one field of the tree is laid out in JSON, and what its estimates measure."""

    unit: Unit | None = None  # the unit of every estimate at or below this field
    detail: str | None = None  # plain numbers here, estimate objects under this sibling
    flatten: str | None = None  # dict[int, X] written as one key per entry (template)
    key: str | None = None  # the JSON key when it differs from the field name
    omit_none: bool = False  # left out of the object when None
    keys: tuple[str, ...] | None = None  # the keys a dict may have (for references), if closed


def spec(
    *,
    unit: Unit | None = None,
    detail: str | None = None,
    flatten: str | None = None,
    key: str | None = None,
    keys: tuple[str, ...] | None = None,
    omit_none: bool = False,
    **kwargs: Any,
) -> Any:
    """A dataclass field with its JSON layout and unit (see :class:`FieldOptions`)."""
    if omit_none:
        kwargs.setdefault("default", None)
    options = FieldOptions(unit, detail, flatten, key, omit_none, keys)
    return dataclasses.field(metadata={_OPTIONS: options}, **kwargs)


def detail(under: str = "intervals", *, unit: Unit | None = None, **kwargs: Any) -> Any:
    """A field shown as plain numbers, with its estimate objects under the sibling ``under``."""
    return spec(detail=under, unit=unit, **kwargs)


def flatten(template: str, under: str | None = None, *, unit: Unit | None = None) -> Any:
    """A ``dict[int, X]`` field written as one key per entry, named by ``template.format(key)``.

    With ``under``, each entry is also detailed as :func:`detail` does.
    """
    return spec(flatten=template, detail=under, unit=unit)


def omitted_when_none(**kwargs: Any) -> Any:
    """An optional field left out of the JSON object when it is None (default None)."""
    return spec(omit_none=True, **kwargs)


@overload
def derived(fn: Callable[[Any], Any]) -> property: ...


@overload
def derived(*, unit: Unit | None = None) -> Callable[[Callable[[Any], Any]], property]: ...


def derived(
    fn: Callable[[Any], Any] | None = None, *, unit: Unit | None = None
) -> property | Callable[[Callable[[Any], Any]], property]:
    """A read-only view written into results.json for readers' convenience, never read back.

    Use as ``@derived`` or ``@derived(unit=Unit.CES)`` (the unit of the numbers it holds).
    """

    def wrap(f: Callable[[Any], Any]) -> property:
        setattr(f, "__cxroi_derived__", True)
        setattr(f, "__cxroi_unit__", unit)
        return property(f)

    return wrap(fn) if fn is not None else wrap


@cache
def derived_of(cls: type) -> tuple[tuple[str, Any], ...]:
    """``(name, declared return type)`` of the class's :func:`derived` views."""
    out = []
    for name in sorted(dir(cls)):
        attr = getattr(cls, name, None)
        if isinstance(attr, property) and getattr(attr.fget, "__cxroi_derived__", False):
            out.append((name, typing.get_type_hints(attr.fget)["return"]))
    return tuple(out)


def derived_unit(cls: type, name: str) -> Unit | None:
    attr = getattr(cls, name, None)
    unit: Unit | None = getattr(getattr(attr, "fget", None), "__cxroi_unit__", None)
    return unit


# ---------------------------------------------------------------------------------------------
# type introspection (shared with the schema generator)


@dataclasses.dataclass(frozen=True)
class FieldSpec:
    name: str
    key: str
    hint: Any
    required: bool
    options: FieldOptions

    @property
    def detail(self) -> str | None:
        return self.options.detail

    @property
    def flatten(self) -> str | None:
        return self.options.flatten

    @property
    def omit_none(self) -> bool:
        return self.options.omit_none

    @property
    def unit(self) -> Unit | None:
        return self.options.unit


@cache
def fields_of(cls: type) -> tuple[FieldSpec, ...]:
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        options = f.metadata.get(_OPTIONS, FieldOptions())
        out.append(FieldSpec(f.name, options.key or f.name, hints[f.name], required, options))
    return tuple(out)


def split_optional(hint: Any) -> tuple[Any, bool, bool]:
    """``(inner, allows_none, allows_cannot_compute)`` of a union hint."""
    if typing.get_origin(hint) not in (Union, types.UnionType):
        return hint, False, False
    members = [m for m in typing.get_args(hint)]
    none = type(None) in members
    cannot = CannotCompute in members
    rest = [m for m in members if m not in (type(None), CannotCompute)]
    if none and cannot:
        raise TypeError(f"{hint}: use CannotCompute or None, not both")
    if len(rest) != 1:
        raise TypeError(f"{hint}: a union may add only None or CannotCompute to one type")
    return rest[0], none, cannot


def is_estimate_type(hint: Any) -> bool:
    return isinstance(hint, type) and issubclass(hint, Estimate)


def is_dataclass_type(hint: Any) -> bool:
    return isinstance(hint, type) and dataclasses.is_dataclass(hint)


def estimate_extra_fields(cls: type) -> tuple[FieldSpec, ...]:
    return tuple(f for f in fields_of(cls) if f.name not in ESTIMATE_BASE_KEYS)
