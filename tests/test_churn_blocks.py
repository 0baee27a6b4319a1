"""Revenue at risk streamed over blocks of customers gives the same bits as whole matrices.

``attribute_loss`` sums customers x draws matrices block by block to bound memory; the reference
is the same function with every customer in one block (the computation before blocking). Exact
equality, not a tolerance: results.json must stay byte-identical whatever the block size.
"""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from cxroi.analyses.value.churn_model import attribute_loss


def _scoring(rng: np.random.Generator, n: int, n_links: int) -> tuple[np.ndarray, list[int]]:
    dense = [np.ones(n), *rng.standard_normal((5, n))]
    # links are standardised 0/1 flags; some customers carry none
    flags = [(rng.random(n) < 0.2).astype(float) - 0.2 for _ in range(n_links)]
    return np.column_stack(dense + flags), list(range(6, 6 + n_links))


@pytest.mark.parametrize("n_links", [0, 1, 2, 3])
@pytest.mark.parametrize("draws", [1, 2, 100])
def test_blocks_give_the_whole_matrix_sums_bit_for_bit(n_links: int, draws: int) -> None:
    rng = np.random.default_rng(20 + n_links * 7 + draws)
    n = 2_003
    x, cols = _scoring(rng, n, n_links)
    offs = [-0.2] * n_links
    revenue = rng.uniform(10.0, 200.0, n)
    betas = rng.normal(-1.0, 0.4, (draws, x.shape[1]))
    with threadpool_limits(limits=1):
        whole = attribute_loss(x, betas, revenue, cols, offs, block_rows=n)
        # blocks of one row, and last blocks of one row (2_003 = 7 x 286 + 1 = 2 x 1_001 + 1)
        for block_rows in (1, 7, 1_001, 8_192):
            blocked = attribute_loss(x, betas, revenue, cols, offs, block_rows=block_rows)
            assert blocked.keys() == whole.keys()
            for key, value in whole.items():
                np.testing.assert_array_equal(blocked[key], value, err_msg=f"{key} @ {block_rows}")
    # and the sums are the sums: total = ordinary + the links' parts (Shapley efficiency)
    parts = sum((whole[f"link:{k}"] for k in range(n_links)), np.zeros(draws))
    np.testing.assert_allclose(whole["ordinary"] + parts, whole["total"], rtol=1e-12)


def test_no_customer_gives_zero_loss() -> None:
    betas = np.zeros((4, 7))
    out = attribute_loss(np.zeros((0, 7)), betas, np.zeros(0), [6], [0.0], block_rows=10)
    for value in out.values():
        np.testing.assert_array_equal(value, np.zeros(4))


def _every_subset(x, betas, revenue, cols, offs):  # type: ignore[no-untyped-def]
    """The reference: every customer with a link scored under every subset of the links."""
    from itertools import combinations

    from scipy.special import expit

    from cxroi.analyses.value.churn_model import months_lost, shapley_weights

    n_links = len(cols)
    has = np.zeros(len(x), dtype=bool)
    for col, off in zip(cols, offs):
        has |= ~np.isclose(x[:, col], off)
    xl, rl = x[has], revenue[has]
    value = {}
    for size in range(n_links + 1):
        for s in combinations(range(n_links), size):
            xs = xl.copy()
            for k in range(n_links):
                if k not in s:
                    xs[:, cols[k]] = offs[k]
            value[s] = rl[:, None] * months_lost(expit(xs @ betas.T))
    pairs = [(tuple(range(n_links)), ())]
    pairs += [(tuple(sorted((*s, k))), s) for k, s in shapley_weights(n_links)]
    return {pair: (value[pair[0]] - value[pair[1]]).sum(axis=0) for pair in dict.fromkeys(pairs)}


@pytest.mark.parametrize("n_links", [1, 2, 3])
def test_scoring_each_customer_on_its_own_links_gives_every_subsets_bits(n_links: int) -> None:
    """Customers are scored only under subsets of the links they have: the same bits."""
    from cxroi.analyses.value.churn_model import _add_block, _ColumnSums

    rng = np.random.default_rng(5 + n_links)
    n, draws = 3_001, 50
    x, cols = _scoring(rng, n, n_links)
    offs = [-0.2] * n_links
    revenue = rng.uniform(10.0, 200.0, n)
    betas = rng.normal(-1.0, 0.4, (draws, x.shape[1]))
    with threadpool_limits(limits=1):
        want = _every_subset(x, betas, revenue, cols, offs)
        sums = _ColumnSums(draws)
        _add_block(sums, x, betas, revenue, cols, offs)
    for pair, value in want.items():
        np.testing.assert_array_equal(sums.get(pair), value, err_msg=str(pair))
