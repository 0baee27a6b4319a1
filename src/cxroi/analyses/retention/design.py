"""The covariate design matrix: one-hot categories, numbers with explicit missing indicators.

Missing values are never dropped or silently imputed: a missing category is its own level and a
missing number is set to the median with an indicator column, so the models can tell them apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

MISSING = "(missing)"
OTHER = "(other)"
# A design column before it enters the matrix: numbers as floats, indicators as booleans.
Column = npt.NDArray[np.float64] | npt.NDArray[np.bool_]
MAX_LEVELS = 30  # beyond this, the rarest levels of a category are pooled into "(other)"


@dataclass(frozen=True)
class Design:
    matrix: npt.NDArray[np.float64]
    columns: tuple[str, ...]
    notes: tuple[str, ...]


def _categorical(
    name: str, values: pd.Series, min_level: int
) -> tuple[list[str], list[Column], list[str]]:
    labels = values.astype("string").fillna(MISSING).astype(str)
    # Work on one code per customer and one count per label, not on the labels themselves.
    codes, uniques = pd.factorize(labels, sort=False)
    counts = np.bincount(codes, minlength=len(uniques))
    # Stable order: by count descending, then name, so the reference level is reproducible.
    ordered = sorted(zip(uniques.tolist(), counts.tolist()), key=lambda kv: (-kv[1], kv[0]))
    keep = {lvl for lvl, c in ordered[:MAX_LEVELS] if c >= min_level}
    notes: list[str] = []
    pooled_label = [lvl if lvl in keep else OTHER for lvl in uniques.tolist()]
    levels_of = {lvl: i for i, lvl in enumerate(dict.fromkeys(pooled_label))}
    pooled = np.asarray([levels_of[lvl] for lvl in pooled_label], dtype=np.int64)[codes]
    pooled_counts = np.bincount(pooled, minlength=len(levels_of))
    other = levels_of.get(OTHER)
    if other is not None and pooled_counts[other] > 0:
        notes.append(
            f"{name}: {int(pooled_counts[other])} customers in rare levels pooled as {OTHER}"
        )
    levels = sorted(levels_of, key=lambda lvl: (-int(pooled_counts[levels_of[lvl]]), lvl))
    names, cols = [], []
    for lvl in levels[1:]:  # the most frequent level is the reference
        names.append(f"{name}={lvl}")
        cols.append(pooled == levels_of[lvl])
    return names, cols, notes


def _numeric(
    name: str, values: npt.NDArray[np.float64], square: bool
) -> tuple[list[str], list[Column]]:
    missing = ~np.isfinite(values)
    filled = values.copy()
    if missing.all():
        return [], []
    filled[missing] = float(np.median(values[~missing]))
    names: list[str] = [name]
    cols: list[Column] = [filled]
    if square:
        # A quadratic term lets both models bend without committing to a functional form.
        centred = (filled - filled.mean()) / (filled.std() or 1.0)
        names.append(f"{name}^2")
        cols.append(centred * centred)
    if missing.any():
        names.append(f"{name}:missing")
        cols.append(missing)
    return names, cols


def build_design(
    frame: pd.DataFrame, categorical: list[str], numeric: dict[str, bool], min_level: int = 10
) -> Design:
    """``numeric`` maps column -> whether to add a quadratic term; constant columns are dropped."""
    names: list[str] = []
    cols: list[Column] = []
    notes: list[str] = []
    for name in categorical:
        n, c, nt = _categorical(name, frame[name], min_level)
        names += n
        cols += c
        notes += nt
    for name, square in numeric.items():
        values = pd.to_numeric(frame[name], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        n, c = _numeric(name, values, square)
        if not n:
            notes.append(f"{name}: every value is missing; not used")
        names += n
        cols += c
    keep = [i for i, col in enumerate(cols) if len(col) and col.min() != col.max()]
    # Indicator columns wait as booleans (a byte per customer, not eight), so the columns
    # and the matrix made from them are not two copies of the same size.
    matrix = np.empty((len(frame), len(keep)), dtype=np.float64)
    for j, i in enumerate(keep):
        matrix[:, j] = cols[i]
    return Design(matrix, tuple(names[i] for i in keep), tuple(notes))
