"""The churn-risk model behind revenue at risk, and the Shapley split of the loss over weak links.

Model: logistic regression of "churned within 12 months" on standardised columns (a weak ridge,
lambda = 1, intercept free), fitted by Newton's method (:func:`glm.fit_logistic`); its
covariance is the inverse penalised information, and uncertainty is carried by draws of the
coefficients from that normal approximation. Out-of-fold predictions from 5 folds give honest
discrimination (AUC), calibration (Brier, mean predicted vs observed) and the observed vs
predicted 12-month revenue lost at the training landmark.

Timing (revenue lost, not revenue of churners). The model gives ``p`` = P(churn within 12
months); within those months the hazard is taken as constant, so the customer is expected to stay
``12 p / -log(1 - p)`` months and loses ``12 - 12 p / -log(1 - p)`` months of recurring revenue
(about half a year per expected churner when ``p`` is small). The training-landmark comparison
of observed and predicted months lost checks the assumption on the data.

Attribution (order-independent). Each weak link (e.g. an unresolved AI contact) is a 0/1
column. For a customer, ``v(S)`` = expected loss with the links outside ``S`` switched off and
those in ``S`` as observed. The Shapley value of link ``k`` averages ``v(S + k) - v(S)`` over
every order in which the links could be switched on (Shapley 1953; its use for splitting a
model's prediction over features: Lundberg & Lee 2017), so the parts add up exactly to
``v(all) - v(none)`` whatever the order, unlike switching links off one after another.
``v(none)`` summed over customers is the ordinary churn exposure: what the active customers would
still be expected to lose with no weak link.
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import expit
from sklearn.metrics import roc_auc_score

from cxroi.analyses.value.glm import fit_logistic

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
FOLDS = 5
PENALTY = 1.0
# customers per block in attribute_loss: a block x 100 draws matrix is 6.5 MB
BLOCK_ROWS = 8192
_P_CLIP = 1e-12


def months_lost(p: FloatArray) -> FloatArray:
    """Expected months of revenue lost in 12 months at churn probability ``p`` (constant hazard)."""
    # 12 - 12 q / -log1p(-q), operation by operation in two buffers (the same bits as the
    # expression, without its five temporaries)
    lost: FloatArray = np.clip(p, _P_CLIP, 1.0 - _P_CLIP)
    log = np.negative(lost)
    np.log1p(log, out=log)
    np.negative(log, out=log)
    np.multiply(lost, 12.0, out=lost)
    np.divide(lost, log, out=lost)
    np.subtract(12.0, lost, out=lost)
    lost[p <= 0.0] = 0.0
    return lost


class RiskDesign:
    """Column recipe learnt on the training landmark, applied unchanged to the scoring one.

    Categorical columns become dummies (first sorted level = reference), numeric columns are
    filled with the training median; every column is standardised with training means and SDs,
    and columns constant in training are dropped.
    """

    def __init__(
        self, train: pd.DataFrame, categorical: list[str], numeric: list[str], flags: list[str]
    ) -> None:
        self.levels = {
            c: sorted(str(v) for v in train[c].dropna().unique())[1:] for c in categorical
        }
        self.numeric = numeric
        self.fill = {c: float(train[c].median()) for c in numeric}
        self.flags = flags
        raw = self._raw(train)
        self.mean = raw.mean(axis=0)
        sd = raw.std(axis=0)
        self.keep = sd > 0
        self.sd = np.where(sd > 0, sd, 1.0)
        self.names = [n for n, k in zip(self._names(), self.keep) if k]

    def _names(self) -> list[str]:
        return (
            [f"{c}={lv}" for c, lvs in self.levels.items() for lv in lvs]
            + self.numeric
            + self.flags
        )

    def _raw(self, df: pd.DataFrame) -> FloatArray:
        cols = [
            (df[c].astype("string") == lv).fillna(False).to_numpy(dtype=float)
            for c, lvs in self.levels.items()
            for lv in lvs
        ]
        cols += [df[c].astype(float).fillna(self.fill[c]).to_numpy() for c in self.numeric]
        cols += [df[c].to_numpy(dtype=float) for c in self.flags]
        return np.column_stack(cols) if cols else np.zeros((len(df), 0))

    def matrix(self, df: pd.DataFrame) -> FloatArray:
        z = ((self._raw(df) - self.mean) / self.sd)[:, self.keep]
        return np.column_stack([np.ones(len(df)), z])

    def flag_column(self, flag: str) -> int | None:
        """Column index (in ``matrix``) of a flag, or None when it was constant in training."""
        i = self._names().index(flag)
        if not self.keep[i]:
            return None
        return 1 + int(np.sum(self.keep[:i]))

    def off_value(self, flag: str) -> float:
        """The standardised value of a flag switched off (0)."""
        i = self._names().index(flag)
        return float(-self.mean[i] / self.sd[i])


def cross_fitted(x: FloatArray, y: FloatArray, rng: np.random.Generator) -> FloatArray:
    """Out-of-fold predicted probabilities from ``FOLDS`` random folds."""
    folds = rng.permutation(len(y)) % FOLDS
    oof = np.empty(len(y))
    for k in range(FOLDS):
        test = folds == k
        b, _ = fit_logistic(x[~test], y[~test], PENALTY)
        oof[test] = expit(x[test] @ b)
    return oof


def discrimination(y: FloatArray, oof: FloatArray) -> tuple[float, float]:
    """(AUC, Brier score) of out-of-fold predictions."""
    return float(roc_auc_score(y, oof)), float(np.mean((oof - y) ** 2))


def shapley_weights(n_links: int) -> dict[tuple[int, tuple[int, ...]], float]:
    """Weight of ``v(S + k) - v(S)`` in link k's Shapley value, keyed (k, S)."""
    out: dict[tuple[int, tuple[int, ...]], float] = {}
    for k in range(n_links):
        others = [j for j in range(n_links) if j != k]
        for size in range(n_links):
            w = math.factorial(size) * math.factorial(n_links - size - 1) / math.factorial(n_links)
            for s in combinations(others, size):
                out[(k, s)] = w
    return out


def attribute_loss(
    x: FloatArray,
    betas: FloatArray,
    revenue: FloatArray,
    link_cols: list[int],
    off_values: list[float],
    block_rows: int = BLOCK_ROWS,
) -> dict[str, FloatArray]:
    """Per coefficient draw: total expected loss, ordinary exposure, and each link's Shapley part.

    ``x``: scoring matrix (customers x columns); ``betas``: draws x columns; ``revenue``: monthly
    recurring revenue per customer; ``link_cols[k]`` is link k's column, ``off_values[k]`` its
    standardised value when switched off. Returns arrays of length ``draws`` keyed ``total``,
    ``ordinary``, ``churners`` and ``link:<k>``.

    Customers are taken ``block_rows`` at a time, so memory holds a few block x draws matrices
    instead of customers x draws ones (1.25M customers x 100 draws is 1 GB a matrix). The sums
    over customers come out bit for bit as from whole matrices: see :class:`_ColumnSums`.
    """
    n_links = len(link_cols)
    # one draw: a single column's sum is pairwise, not row by row, so it is never split
    step = max(len(x), 1) if betas.shape[0] == 1 else block_rows
    sums = _ColumnSums(betas.shape[0])
    for start in range(0, len(x), step):
        rows = slice(start, start + step)
        _add_block(sums, x[rows], betas, revenue[rows], link_cols, off_values)
    everything = tuple(range(n_links))
    total = sums.get("total")
    # customers without a weak link lose the same with or without switching anything off
    out: dict[str, FloatArray] = {
        "total": total,
        "churners": sums.get("churners"),
        "ordinary": total - sums.get((everything, ())),
    }
    for k in range(n_links):
        part = np.zeros(betas.shape[0])
        for (kk, s), w in shapley_weights(n_links).items():
            if kk == k:
                part += w * sums.get((tuple(sorted((*s, k))), s))
        out[f"link:{k}"] = part
    return out


class _ColumnSums:
    """Sums over customers (rows) of per-customer x draws blocks, kept per key.

    ``m.sum(axis=0)`` of a C-ordered customers x draws matrix (draws > 1) adds the rows one after
    another; putting the running total in front of the next block and summing again continues
    that same sequence, so the result does not depend on the block size.
    """

    def __init__(self, draws: int) -> None:
        self.draws = draws
        self._sums: dict[object, FloatArray] = {}

    def add(self, key: object, block: FloatArray) -> None:
        if len(block) == 0:
            return
        before = self._sums.get(key)
        rows = block if before is None else np.concatenate([before[None, :], block])
        self._sums[key] = rows.sum(axis=0)

    def add_difference(self, key: object, a: FloatArray, b: FloatArray) -> None:
        """``add(key, a - b)`` with the difference written behind the running total (no copy)."""
        if len(a) == 0:
            return
        before = self._sums.get(key)
        if before is None:
            self._sums[key] = (a - b).sum(axis=0)
            return
        rows = np.empty((len(a) + 1, *a.shape[1:]))
        rows[0] = before
        np.subtract(a, b, out=rows[1:])
        self._sums[key] = rows.sum(axis=0)

    def get(self, key: object) -> FloatArray:
        return self._sums.get(key, np.zeros(self.draws))


def _linear(x: FloatArray, betas: FloatArray) -> FloatArray:
    """``x @ betas.T`` with the same bits for a row whatever the number of rows beside it.

    BLAS computes a one-row product by another route (matrix-vector) whose sums can differ in
    the last bit from the same row inside a larger product; a block that happens to hold one row
    therefore goes in twice.
    """
    if len(x) == 1 and betas.shape[0] > 1:
        doubled: FloatArray = np.concatenate([x, x]) @ betas.T
        return doubled[:1]
    product: FloatArray = x @ betas.T
    return product


def _add_block(
    sums: _ColumnSums,
    x: FloatArray,
    betas: FloatArray,
    revenue: FloatArray,
    link_cols: list[int],
    off_values: list[float],
) -> None:
    """Add one block of customers: losses and churn, and the Shapley increments v(S+k) - v(S).

    ``v(S)`` of a customer switches off the links outside ``S``; a link the customer does not
    have is off already (its column holds exactly the off value), so ``v(S)`` is ``v`` of ``S``
    restricted to the customer's own links, and ``v`` of all the customer's links is the
    observed loss. Each customer is therefore scored once per proper subset of the links they
    have (one with a single link: once, all off) instead of once per subset of every link, and
    the customers x draws matrix of each ``v(S)`` is gathered from those rows. A row's values do
    not depend on the rows scored beside it (the premise of the blocks, :class:`_ColumnSums`),
    so the sums are those of scoring every customer under every subset.
    """
    n_links = len(link_cols)
    has_link = np.zeros(len(x), dtype=bool)
    for col, off in zip(link_cols, off_values, strict=True):
        has_link |= ~np.isclose(x[:, col], off)
    p_all = expit(_linear(x, betas))  # customers x draws
    sums.add("churners", p_all)
    observed = months_lost(p_all)
    del p_all
    np.multiply(observed, revenue[:, None], out=observed)
    sums.add("total", observed)
    if betas.shape[0] == 1:
        # one draw: gemv may round a row differently beside other rows, so every customer is
        # scored under every subset as one matrix
        del observed
        _add_subsets(sums, x[has_link], betas, revenue[has_link], link_cols, off_values)
        return
    xl, rl, seen = x[has_link], revenue[has_link], observed[has_link]
    del observed
    # bit k of own: the customer has link k (its column differs from the off value at all)
    own = np.zeros(len(xl), dtype=np.int64)
    for k, (col, off) in enumerate(zip(link_cols, off_values, strict=True)):
        own |= (xl[:, col] != off).astype(np.int64) << k
    scored: dict[int, tuple[npt.NDArray[np.int64], FloatArray]] = {}  # subset -> (positions, values)
    for size in range(n_links):
        for s in combinations(range(n_links), size):
            mask = _mask(s)
            rows = np.flatnonzero(((own & mask) == mask) & (own != mask))
            if len(rows) == 0:
                continue
            xs = xl[rows]
            for k in range(n_links):
                if k not in s:
                    xs[:, link_cols[k]] = off_values[k]
            lin = _linear(xs, betas)
            values = months_lost(expit(lin, out=lin))
            np.multiply(values, rl[rows][:, None], out=values)
            position = np.full(len(xl), -1, dtype=np.int64)
            position[rows] = np.arange(len(rows))
            scored[mask] = (position, values)

    def value(s: tuple[int, ...]) -> FloatArray:
        got = own & _mask(s)
        out = np.empty_like(seen)
        for mask in np.unique(got).tolist():
            rows = np.flatnonzero(got == mask)
            full = own[rows] == mask
            out[rows[full]] = seen[rows[full]]
            if not full.all():
                position, values = scored[mask]
                part = rows[~full]
                out[part] = values[position[part]]
        return out

    pairs: list[tuple[tuple[int, ...], tuple[int, ...]]] = [(tuple(range(n_links)), ())]
    pairs += [(tuple(sorted((*s, k))), s) for k, s in shapley_weights(n_links)]
    cache: dict[tuple[int, ...], FloatArray] = {}
    for with_k, s in dict.fromkeys(pairs):  # with one link, all-on vs all-off is its only pair
        for key in (with_k, s):
            if key not in cache:
                cache[key] = value(key)
        sums.add_difference((with_k, s), cache[with_k], cache[s])


def _mask(subset: tuple[int, ...]) -> int:
    return sum(1 << k for k in subset)


def _add_subsets(
    sums: _ColumnSums,
    xl: FloatArray,
    betas: FloatArray,
    rl: FloatArray,
    link_cols: list[int],
    off_values: list[float],
) -> None:
    """The Shapley increments with every customer scored under every subset of the links."""
    n_links = len(link_cols)
    value: dict[tuple[int, ...], FloatArray] = {}
    for size in range(n_links + 1):
        for s in combinations(range(n_links), size):
            xs = xl.copy()
            for k in range(n_links):
                if k not in s:
                    xs[:, link_cols[k]] = off_values[k]
            value[s] = rl[:, None] * months_lost(expit(_linear(xs, betas)))
    pairs: list[tuple[tuple[int, ...], tuple[int, ...]]] = [(tuple(range(n_links)), ())]
    pairs += [(tuple(sorted((*s, k))), s) for k, s in shapley_weights(n_links)]
    for with_k, s in dict.fromkeys(pairs):  # with one link, all-on vs all-off is its only pair
        sums.add((with_k, s), value[with_k] - value[s])
