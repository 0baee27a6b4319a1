"""The JSON Schema of results.json, generated from the typed results tree.

The schema is derived from the same declarations the serialiser and the loader read
(:mod:`cxroi.results.codec`), so the three cannot drift apart; a test fails when the committed
``schema.json`` differs from :func:`generate_schema`'s output.
"""

from __future__ import annotations

import enum
import json
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from cxroi.results.layout import (
    NOTE,
    FieldSpec,
    derived_of,
    estimate_extra_fields,
    fields_of,
    is_dataclass_type,
    is_estimate_type,
    split_optional,
)
from cxroi.results.tree import SCHEMA_VERSION, Results
from cxroi.stats.result import Estimate, Unit

DIALECT = "https://json-schema.org/draft/2020-12/schema"


class _Builder:
    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}
        self.classes: dict[str, type] = {}

    def ref(self, cls: type) -> dict[str, Any]:
        # qualified by module: two sections may each have, say, an ``Overlap``
        name = f"{cls.__module__.rsplit('.', 1)[-1]}.{cls.__name__}"
        if self.classes.setdefault(name, cls) is not cls:
            raise TypeError(f"two result classes would share the schema name {name}")
        if name not in self.defs:
            self.defs[name] = {}  # reserve first: recursive types end here
            self.defs[name] = (
                self._estimate(cls) if issubclass(cls, Estimate) else self._object(cls)
            )
        return {"$ref": f"#/$defs/{name}"}

    def value(self, hint: Any) -> dict[str, Any]:
        inner, allows_none, allows_cannot = split_optional(hint)
        schema = self._inner(inner)
        if allows_none or allows_cannot:
            return {"anyOf": [schema, {"type": "null"}]}
        return schema

    def _inner(self, hint: Any) -> dict[str, Any]:
        if is_estimate_type(hint) or is_dataclass_type(hint):
            return self.ref(hint)
        origin = typing.get_origin(hint)
        if origin is tuple:
            return {"type": "array", "items": self.value(typing.get_args(hint)[0])}
        if origin in (dict, Mapping):
            _, item = typing.get_args(hint)
            _, _, cannot = split_optional(item)
            values = self.value(item)
            if cannot:
                values = {"anyOf": [values, {"type": "string"}]}  # notes sit beside entries
            return {"type": "object", "additionalProperties": values}
        if hint is bool:
            return {"type": "boolean"}
        if hint is int:
            return {"type": "integer"}
        if hint is float:
            return {"type": "number"}
        if hint is str:
            return {"type": "string"}
        if origin is Literal:
            return {"enum": list(typing.get_args(hint))}
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return {"enum": [m.value for m in hint]}
        raise TypeError(f"no schema for {hint!r}")

    def _numbers(self, hint: Any) -> dict[str, Any]:
        inner, _, _ = split_optional(hint)
        if is_estimate_type(inner):
            return {"type": ["number", "null"]}
        props: dict[str, Any] = {}
        for spec in fields_of(inner):
            props[spec.key] = self._numbers(spec.hint)
            props[spec.key + NOTE] = {"type": "string"}
        return {"type": ["object", "null"], "properties": props, "additionalProperties": False}

    def _object(self, cls: type) -> dict[str, Any]:
        props: dict[str, Any] = {}
        patterns: dict[str, Any] = {}
        required: list[str] = []
        details: dict[str, dict[str, Any]] = {}
        for spec in fields_of(cls):
            self._field(spec, props, patterns, required, details)
        for name, hint in derived_of(cls):
            props[name] = self.value(hint)
            required.append(name)
            _, _, cannot = split_optional(hint)
            if cannot:
                props[name + NOTE] = {"type": "string"}
        for under, inner in sorted(details.items()):
            props[under] = {
                "type": "object",
                "properties": inner["properties"],
                "patternProperties": inner["patterns"],
                "additionalProperties": False,
            }
            required.append(under)
        out: dict[str, Any] = {
            "type": "object",
            "properties": dict(sorted(props.items())),
            "required": sorted(required),
            "additionalProperties": False,
        }
        if patterns:
            out["patternProperties"] = patterns
        if cls.__doc__ and not cls.__doc__.startswith(f"{cls.__name__}("):
            out["description"] = " ".join(cls.__doc__.split())
        return out

    def _field(
        self,
        spec: FieldSpec,
        props: dict[str, Any],
        patterns: dict[str, Any],
        required: list[str],
        details: dict[str, dict[str, Any]],
    ) -> None:
        hint = spec.hint
        if spec.flatten is not None:
            _, hint = typing.get_args(spec.hint)
            prefix, _, suffix = spec.flatten.partition("{}")
            key_pattern = f"^{prefix}[0-9]+{suffix}$"
            note_pattern = f"^{prefix}[0-9]+{suffix}{NOTE}$"
            self._place(hint, spec.detail, key_pattern, note_pattern, patterns, details, True)
            return
        note = spec.key + NOTE
        if spec.required and not spec.omit_none:
            required.append(spec.key)
        self._place(hint, spec.detail, spec.key, note, props, details, False)

    def _place(
        self,
        hint: Any,
        under: str | None,
        key: str,
        note: str,
        target: dict[str, Any],
        details: dict[str, dict[str, Any]],
        pattern: bool,
    ) -> None:
        _, _, cannot = split_optional(hint)
        if under is None:
            target[key] = self.value(hint)
            if cannot:
                target[note] = {"type": "string"}
            return
        target[key] = self._numbers(hint)
        target[note] = {"type": "string"}
        slot = details.setdefault(under, {"properties": {}, "patterns": {}})
        place = slot["patterns"] if pattern else slot["properties"]
        place[key] = self.value(hint)
        if cannot:
            place[note] = {"type": "string"}

    def _estimate(self, cls: type[Estimate]) -> dict[str, Any]:
        nullable_number = {"type": ["number", "null"]}
        props: dict[str, Any] = {
            "estimate": {"type": "number"},
            "ci_low": nullable_number,
            "ci_high": nullable_number,
            "method": {"type": "string"},
            "n": {"type": "integer", "minimum": 0},
            "se": nullable_number,
            "unit": {"enum": [u.value for u in Unit]},
            "small_cell": {"type": "boolean"},
        }
        required = ["estimate", "ci_low", "ci_high"]
        for spec in estimate_extra_fields(cls):
            props[spec.key] = self.value(spec.hint)
            _, _, cannot = split_optional(spec.hint)
            if cannot:
                props[spec.key + NOTE] = {"type": "string"}
            if spec.required:
                required.append(spec.key)
        out: dict[str, Any] = {
            "type": "object",
            "properties": dict(sorted(props.items())),
            "required": sorted(required),
            "additionalProperties": False,
        }
        return out


def generate_schema(root: type, version: str, title: str) -> dict[str, Any]:
    builder = _Builder()
    top = builder.ref(root)
    return {
        "$schema": DIALECT,
        "$id": f"https://cxroi.dev/schema/results/{version}.json",
        "title": title,
        "version": version,
        **top,
        "$defs": dict(sorted(builder.defs.items())),
    }


def schema_text(schema: Mapping[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


SCHEMA_PATH = Path(__file__).with_name("schema.json")


def results_schema() -> dict[str, Any]:
    """The schema of the current results.json (:class:`cxroi.results.tree.Results`)."""
    return generate_schema(Results, SCHEMA_VERSION, "cxroi results.json")


if __name__ == "__main__":  # python -m cxroi.results.schema: rewrite the committed schema.json
    SCHEMA_PATH.write_text(schema_text(results_schema()), encoding="utf-8")
