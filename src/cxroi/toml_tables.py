"""Reading one TOML table of settings while collecting every problem (never stopping at one).

Each analysis owns its settings and reads its own table with a :class:`TableReader`; a bad value
becomes a :class:`~cxroi.errors.Problem` naming where it is, the rule and what to write instead,
and the setting keeps its default so one run lists every fault.
"""

from __future__ import annotations

from typing import Any

from cxroi.errors import Problem


class TableReader:
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems

    def bad(self, where: str, rule: str, message: str) -> None:
        self.problems.append(Problem(where, rule, message))

    def table(self, body: Any, where: str) -> dict[str, Any] | None:
        if isinstance(body, dict):
            return body
        self.bad(where, "not_a_table", "must be a TOML table")
        return None

    def unknown(self, body: dict[str, Any], known: frozenset[str], where: str) -> None:
        for key in sorted(set(body) - known):
            self.bad(
                f"{where}.{key}",
                "unknown_key",
                f"unknown key; known keys: {', '.join(sorted(known))}",
            )

    def text(self, body: dict[str, Any], key: str, where: str, required: bool = True) -> str | None:
        value = body.get(key)
        if value is None:
            if required:
                self.bad(f"{where}.{key}", "missing_key", "required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.bad(f"{where}.{key}", "wrong_type", f"expected non-empty text, got {value!r}")
            return None
        return value.strip()

    def number(
        self,
        body: dict[str, Any],
        key: str,
        where: str,
        lo: float,
        hi: float,
        integer: bool = False,
    ) -> float | None:
        value = body.get(key)
        if value is None:
            return None
        checked = self.ranged(value, f"{where}.{key}", lo, hi, integer)
        return None if checked is None else float(checked)

    def ranged(
        self, value: Any, where: str, lo: float, hi: float, integer: bool = False
    ) -> int | float | None:
        """``value`` when it is a number (a whole one with ``integer``) in ``[lo, hi]``, as an int
        or a float; otherwise a Problem at ``where`` and None."""
        ok = isinstance(value, int) if integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok:
            kind = "a whole number" if integer else "a number"
            self.bad(where, "wrong_type", f"expected {kind}, got {value!r}")
            return None
        if not lo <= value <= hi:
            self.bad(
                where, "out_of_range", f"must be between {_bound(lo)} and {_bound(hi)}, got {value}"
            )
            return None
        return int(value) if integer else float(value)


def _bound(x: float) -> str:
    # whole bounds in full (a seed's 2**63 - 1), others as %g
    return str(x) if isinstance(x, int) else f"{x:g}"
