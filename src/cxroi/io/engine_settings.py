"""The ``[engine]`` settings: which engine computes, and how much memory and disk it may use.

Two engines run the same Ibis expressions:

- ``duckdb`` (the default) on this machine. ``memory_limit`` bounds what DuckDB holds in memory;
  past it, joins, sorts and aggregations spill to ``temp_directory``, so a dataset larger than
  memory still finishes. The default limit is half of the machine's memory: the other half is left
  for what Python holds (per-customer frames, model fits) and for the operating system.
- ``spark``: local Spark (``spark_master``, default ``local[*]``), or a cluster through Spark
  Connect when ``engine`` (or ``spark_remote``) is an ``sc://HOST:PORT`` address.

Every problem in the section is collected before anything stops, like the other settings parsers.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from cxroi.errors import Problem

EngineKind = Literal["duckdb", "spark"]
SECTION = "engine"
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)
_UNIT_BYTES = {
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}
_KEYS = (
    "engine",
    "memory_limit",
    "temp_directory",
    "spill_limit",
    "threads",
    "side_by_side",
    "spark_master",
    "spark_remote",
    "spark_conf",
)
# Share of physical memory DuckDB may use by default (DuckDB's own default is 80%).
DEFAULT_MEMORY_SHARE = 0.5


def physical_memory_bytes() -> int | None:
    """Memory of this machine (or of its container, when a cgroup limit is lower)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None
    limit = _cgroup_limit()
    return min(total, limit) if limit else total


def _cgroup_limit() -> int | None:
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(path).read_text(encoding="ascii").strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**60:
            return int(text)
    return None


def default_memory_limit() -> str:
    """Half of the machine's memory, in whole MiB, as DuckDB spells sizes."""
    total = physical_memory_bytes()
    if total is None:
        return "4GiB"
    return f"{max(256, int(total * DEFAULT_MEMORY_SHARE) // 2**20)}MiB"


def size_bytes(text: str) -> int | None:
    """``"4GB"`` -> 4_000_000_000; ``"512MiB"`` -> 536_870_912; None when not a size."""
    match = _SIZE.match(text)
    if match is None:
        return None
    return int(float(match.group(1)) * _UNIT_BYTES[match.group(2).lower()])


@dataclass(frozen=True)
class EngineSettings:
    """Where the analysis runs. ``memory_limit`` None = :func:`default_memory_limit`."""

    kind: EngineKind = "duckdb"
    memory_limit: str | None = None
    # None = a fresh folder under the system's temporary directory, removed when the engine closes
    temp_directory: Path | None = None
    # most disk DuckDB may spill to; None = DuckDB's default, 90% of the free space
    spill_limit: str | None = None
    threads: int | None = None
    # DuckDB: the analyses that do not need each other's results run on two threads, each on
    # its own connection (cxroi.io.side_connection); False = one after another, in less memory;
    # None ("auto") = side by side when the memory it needs fits (cxroi.io.side_memory)
    side_by_side: bool | None = None
    spark_master: str = "local[*]"
    spark_remote: str | None = None
    spark_conf: tuple[tuple[str, str], ...] = ()

    @property
    def effective_memory_limit(self) -> str:
        return self.memory_limit or default_memory_limit()

    def describe(self) -> str:
        if self.kind == "spark":
            return f"spark ({self.spark_remote or self.spark_master})"
        return f"duckdb (memory limit {self.effective_memory_limit})"


def parse_engine_settings(raw: Any, problems: list[Problem]) -> EngineSettings:
    """Read an ``[engine]`` table; each fault is appended to ``problems`` (keys as ``engine.x``)."""
    return EngineSettings(**_values(raw, problems))


def with_overrides(
    base: EngineSettings, raw: dict[str, Any], problems: list[Problem]
) -> EngineSettings:
    """``base`` with the keys given in ``raw`` replaced, checked like the file's (CLI flags:
    ``{"engine": "spark", "spark_remote": "sc://host:15002", "memory_limit": "8GB"}``).
    Keys whose value is None are ignored."""
    return replace(base, **_values({k: v for k, v in raw.items() if v is not None}, problems))


def _values(raw: Any, problems: list[Problem]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        problems.append(Problem(SECTION, "not_a_table", "must be an [engine] table"))
        return {}
    for key in raw:
        if key not in _KEYS:
            known = ", ".join(_KEYS)
            problems.append(
                Problem(f"{SECTION}.{key}", "unknown_key", f"unknown key; known keys: {known}")
            )
    values: dict[str, Any] = {}
    _engine(raw.get("engine"), values, problems)
    _memory(raw.get("memory_limit"), values, problems)
    spill = raw.get("spill_limit")
    if spill is not None:
        if not isinstance(spill, str) or size_bytes(spill) is None:
            message = f"expected a size such as '50GB', got {spill!r}"
            _bad(problems, "spill_limit", "bad_size", message)
        else:
            values["spill_limit"] = spill.replace(" ", "")
    _text_key(raw, "temp_directory", values, problems)
    if "temp_directory" in values:
        values["temp_directory"] = Path(values["temp_directory"])
    threads = raw.get("threads")
    if threads is not None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            _bad(problems, "threads", "out_of_range", f"a whole number ≥ 1, got {threads!r}")
        else:
            values["threads"] = threads
    side = raw.get("side_by_side")
    if side is not None:
        if isinstance(side, bool):
            values["side_by_side"] = side
        elif side != "auto":
            message = f'expected true, false or "auto", got {side!r}'
            _bad(problems, "side_by_side", "wrong_type", message)
    _text_key(raw, "spark_master", values, problems)
    remote = raw.get("spark_remote")
    if remote is not None:
        if isinstance(remote, str) and remote.startswith("sc://"):
            values["spark_remote"] = remote
            values["kind"] = "spark"
        else:
            message = f"expected sc://HOST:PORT, got {remote!r}"
            _bad(problems, "spark_remote", "bad_address", message)
    _spark_conf(raw.get("spark_conf"), values, problems)
    return values


def _bad(problems: list[Problem], key: str, rule: str, message: str) -> None:
    problems.append(Problem(f"{SECTION}.{key}", rule, message))


def _engine(value: Any, values: dict[str, Any], problems: list[Problem]) -> None:
    if value is None:
        return
    if value in ("duckdb", "spark"):
        values["kind"] = value
    elif isinstance(value, str) and value.startswith("sc://"):
        values["kind"] = "spark"
        values["spark_remote"] = value
    else:
        message = f"expected duckdb, spark or sc://HOST:PORT, got {value!r}"
        _bad(problems, "engine", "unknown_engine", message)


def _memory(value: Any, values: dict[str, Any], problems: list[Problem]) -> None:
    if value is None:
        return
    if not isinstance(value, str) or size_bytes(value) is None:
        _bad(problems, "memory_limit", "bad_size", f"expected a size such as '4GB', got {value!r}")
    elif (size_bytes(value) or 0) < 2**27:
        _bad(problems, "memory_limit", "too_small", f"{value} is below 128MiB, too little to run")
    else:
        values["memory_limit"] = value.replace(" ", "")


def _text_key(
    raw: dict[str, Any], key: str, values: dict[str, Any], problems: list[Problem]
) -> None:
    value = raw.get(key)
    if value is None:
        return
    if not isinstance(value, str) or not value.strip():
        _bad(problems, key, "wrong_type", f"expected non-empty text, got {value!r}")
    else:
        values[key] = value


def _spark_conf(value: Any, values: dict[str, Any], problems: list[Problem]) -> None:
    if value is None:
        return
    if not isinstance(value, dict) or not all(
        isinstance(v, (str, int, float, bool)) for v in value.values()
    ):
        _bad(problems, "spark_conf", "wrong_type", "expected a table of Spark settings")
        return
    pairs = []
    for key in sorted(value):
        item = value[key]
        pairs.append((str(key), str(item).lower() if isinstance(item, bool) else str(item)))
    values["spark_conf"] = tuple(pairs)


__all__ = [
    "EngineKind",
    "EngineSettings",
    "default_memory_limit",
    "parse_engine_settings",
    "physical_memory_bytes",
    "size_bytes",
    "with_overrides",
]
