"""Assemble ``results.json`` (results-contract.md) and write it byte-for-byte reproducibly."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SCHEMA_VERSION = "1.0.0"
SCHEMA_PATH = Path(__file__).with_name("schema.json")

def dumps(results: Mapping[str, Any]) -> str:
    """Canonical JSON: sorted keys, fixed layout, no NaN (``allow_nan=False`` enforces it)."""
    return json.dumps(results, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_results(results: Mapping[str, Any], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "results.json"
    path.write_text(dumps(results), encoding="utf-8")
    return path
