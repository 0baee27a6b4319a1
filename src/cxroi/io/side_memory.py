"""Whether the analyses run side by side: a choice made from the memory they would need.

Side by side (:mod:`cxroi.io.side_connection`), two analyses hold their per-customer arrays and
model matrices at the same time, beside DuckDB's own memory. Measured on the demo data, a
side-by-side run's resident peak was DuckDB's limit plus about 1.5 KiB per customer: 3.63 GiB
at 1.25M customers (10M contacts, 2 GB limit) and 20.4 GiB at 12.5M (100M contacts, 3 GB
limit), against 12.7 GiB one after another. The 100M run finished with about 3 GiB of the
machine's 23.5 GiB to spare; a larger dataset would have been killed for want of memory.

So ``[engine] side_by_side`` is ``"auto"`` unless set: side by side when that estimate, with a
margin, fits in the machine's memory (or its container's limit); one after another otherwise.
``true`` or ``false`` decide it outright. The choice changes time and memory, never a result:
results.json is the same to the byte either way (``tests/test_side_by_side.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from cxroi.io.engine_settings import EngineSettings, physical_memory_bytes, size_bytes

# Resident memory per customer of a side-by-side run beyond DuckDB's limit: 1.5 KiB measured
# (module docstring), rounded up.
BYTES_PER_CUSTOMER = 1600
# imported libraries and what the process holds before any customer is read
BASE_BYTES = 512 * 2**20
# the share of the machine's memory the estimate may fill: the rest is the estimate's margin
SAFE_SHARE = 0.85


@dataclass(frozen=True)
class SidePlan:
    """Whether the analyses run side by side, and why (for the terminal and timings.json)."""

    side_by_side: bool
    why: str
    # decided from the memory needed ("auto"), not by the setting or the engine
    automatic: bool = False


def plan_side_by_side(
    settings: EngineSettings, customers: int, memory_bytes: int | None = None
) -> SidePlan:
    """The choice for ``customers`` accepted customers; ``memory_bytes`` = the machine's memory
    (default: :func:`physical_memory_bytes`, which heeds a container's limit)."""
    if settings.kind != "duckdb":
        return SidePlan(False, "the Spark engine runs the analyses one after another")
    if settings.side_by_side is not None:
        state = "true" if settings.side_by_side else "false"
        return SidePlan(settings.side_by_side, f"[engine] side_by_side = {state}")
    total = physical_memory_bytes() if memory_bytes is None else memory_bytes
    if total is None:
        why = "this machine's memory is unknown: one after another, to be safe"
        return SidePlan(False, why, automatic=True)
    limit = size_bytes(settings.effective_memory_limit) or 0
    need = limit + BASE_BYTES + BYTES_PER_CUSTOMER * customers
    allowed = int(SAFE_SHARE * total)
    fits = need <= allowed
    estimate = (
        f"side by side would need about {_gib(need)} (DuckDB's limit {_gib(limit)} + "
        f"{customers:,} customers × {BYTES_PER_CUSTOMER:,} bytes + {_gib(BASE_BYTES)})"
    )
    if fits:
        why = f"{estimate}, within {SAFE_SHARE:.0%} of {_gib(total)} of memory"
    else:
        why = f"{estimate}, more than {SAFE_SHARE:.0%} of {_gib(total)} of memory"
    return SidePlan(fits, why, automatic=True)


def _gib(n: int) -> str:
    return f"{n / 2**30:.1f} GiB"


__all__ = ["BYTES_PER_CUSTOMER", "SidePlan", "plan_side_by_side"]
