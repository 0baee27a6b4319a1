"""Block-wise row sums equal the whole-array expressions they replace."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from cxroi.analyses.retention.adjusted import AdjustedRetention
from cxroi.analyses.retention.robustness import robustness_table
from cxroi.results.model.retention import Robustness
from cxroi.stats import row_blocks as rb


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rb, "ROW_BLOCK", 7)


def _data(n: int = 50, p: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    return rng.standard_normal((n, p)) * 4.0 + 1.0, rng.exponential(1.0, n)


def test_row_blocks_cover_every_row_once(small_blocks: None) -> None:
    blocks = list(rb.row_blocks(50))
    assert [(s.start, s.stop) for s in blocks][:2] == [(0, 7), (7, 14)]
    assert np.array_equal(np.concatenate([np.arange(50)[s] for s in blocks]), np.arange(50))
    assert [(s.start, s.stop) for s in rb.row_blocks(0)] == [(0, 0)]


@pytest.mark.parametrize("block", [1, 7, 48, 49, 1 << 18])
def test_prefix_sums_are_a_cumsum_at_the_rows_asked_for(
    monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    # segments that start and end on block edges, one row long, repeated and unordered
    monkeypatch.setattr(rb, "ROW_BLOCK", block)
    x, w = _data()
    for at in (
        np.array([0, 3, 6, 7, 7, 20, 48, 49, 12, 2, 13, 14]),
        np.array([5]),
        np.array([49, 49]),
        np.arange(50),
    ):
        got = rb.prefix_sums_at(lambda s: x[s], w, at, x.shape[1])
        want = np.cumsum(w[:, None] * x, axis=0)[at]
        assert got.shape == want.shape
        assert np.allclose(got, want, rtol=1e-13, atol=1e-13 * np.abs(want).max())
    assert rb.prefix_sums_at(lambda s: x[s], w, np.array([], dtype=np.intp), 3).shape == (0, 3)


def test_sums_over_blocks_equal_the_whole_array_products(small_blocks: None) -> None:
    x, w = _data()
    rows = np.array([4, 1, 30, 31, 2, 17, 45, 8, 9, 10, 11, 12])
    mean, scale = np.array([1.0, -2.0, 0.5]), np.array([2.0, 3.0, 0.5])
    z = (x[rows] - mean) / scale
    of = rb.standardised(x, mean, scale, rows)
    wr = w[rows]
    assert np.allclose(rb.weighted_gram(of, wr), (z * wr[:, None]).T @ z, rtol=1e-13)
    assert np.allclose(rb.transposed_times(of, wr), z.T @ wr, rtol=1e-13)
    assert np.allclose(rb.times(of, len(rows), mean), z @ mean, rtol=1e-13)
    design = rb.with_intercept(of)
    assert np.array_equal(design(slice(2, 9)), np.column_stack([np.ones(7), z[2:9]]))
    m, sd = rb.column_mean_std(rb.subset(x, rows), len(rows), 3)
    assert np.allclose(m, x[rows].mean(axis=0), rtol=1e-13)
    assert np.allclose(sd, x[rows].std(axis=0), rtol=1e-13)


def _world(seed: int, n: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2))
    a = rng.random(n) < 1 / (1 + np.exp(-0.8 * x[:, 0]))
    t = rng.exponential(900.0 / np.exp(0.4 * x[:, 0] - 0.3 * a + 0.2 * x[:, 1]))
    c = rng.uniform(100.0, 800.0, n)
    return {"x": x, "a": a, "t": np.minimum(t, c), "e": t <= c, "c": c}


def _fit(d: dict[str, Any]) -> tuple[AdjustedRetention, Robustness]:
    model = AdjustedRetention(horizon_days=365).fit(d["x"], d["a"], d["t"], d["e"], d["c"])
    table = robustness_table(model, d["x"], d["a"], d["t"], d["e"])
    assert isinstance(table, Robustness)
    return model, table


def test_the_adjusted_retention_fit_does_not_depend_on_the_block_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    d = _world(5, 3000)
    whole, whole_table = _fit(d)
    monkeypatch.setattr(rb, "ROW_BLOCK", 257)
    blocked, blocked_table = _fit(d)
    assert blocked.effect_ == pytest.approx(whole.effect_, rel=1e-10)
    assert blocked.se_ == pytest.approx(whole.se_, rel=1e-10)
    for estimand in ("ate", "att"):
        for kind in ("ipw", "g_formula"):
            got = getattr(getattr(blocked_table, estimand), kind)
            want = getattr(getattr(whole_table, estimand), kind)
            assert got.estimate == pytest.approx(want.estimate, rel=1e-10)
            assert got.se == pytest.approx(want.se, rel=1e-10)
