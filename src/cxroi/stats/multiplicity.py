"""Multiplicity adjustments: one decision rule when several hypotheses are tested at once.

Holm (1979), "A simple sequentially rejective multiple test procedure" (Scandinavian Journal of
Statistics 6(2)): sort the m p-values, multiply the i-th smallest by (m − i + 1), make the result
non-decreasing along the order and cap it at 1. Rejecting the hypotheses whose adjusted p-value is
at most alpha controls the family-wise error rate at alpha under any dependence between the
tests, and rejects everything Bonferroni (each p times m) rejects, and sometimes more.
"""

from __future__ import annotations

from collections.abc import Mapping


def holm(p_values: Mapping[str, float]) -> dict[str, float]:
    """Holm-adjusted p-values, same keys; ties keep the keys' sorted order (deterministic)."""
    m = len(p_values)
    order = sorted(p_values, key=lambda k: (p_values[k], k))
    out: dict[str, float] = {}
    running = 0.0
    for i, key in enumerate(order):
        running = max(running, min(1.0, (m - i) * p_values[key]))
        out[key] = running
    return {k: out[k] for k in p_values}


def bonferroni(p_values: Mapping[str, float]) -> dict[str, float]:
    m = len(p_values)
    return {k: min(1.0, m * p) for k, p in p_values.items()}
