"""Compare two results trees: every number to a relative tolerance, everything else exactly."""

from __future__ import annotations

from typing import Any

TOLERANCE = 1e-9


def differences(a: Any, b: Any, path: str = "", tolerance: float = TOLERANCE) -> list[str]:
    """Paths where ``a`` and ``b`` differ; floats within ``tolerance`` (relative) are equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}/{k}: only on one side" for k in sorted(set(a) ^ set(b), key=str)]
        for k in sorted(set(a) & set(b), key=str):
            out += differences(a[k], b[k], f"{path}/{k}", tolerance)
        return out
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} items"]
        return [
            d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]", tolerance)
        ]
    if isinstance(a, float) and isinstance(b, float):
        if a == b or (a != a and b != b):  # equal, or both NaN
            return []
        return [] if abs(a - b) <= tolerance * max(1.0, abs(a)) else [f"{path}: {a!r} vs {b!r}"]
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]
