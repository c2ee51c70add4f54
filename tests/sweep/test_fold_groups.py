"""The order in which block summaries merge, which fixes the tail mean's last bits.

Blocks are summarised alone, merged in block order within fold groups of
FOLD_GROUP_BLOCKS blocks, and the groups merged in group order; the local fold (any
chunk size) and the Dask backend (one task per group) must both do exactly that.
"""

from dataclasses import dataclass

import numpy as np
import pytest

from finmodel.sweep.backends import FOLD_GROUP_BLOCKS, _BlockFold
from finmodel.sweep.summaries import MultiSummary


@dataclass
class _Ctx:  # the three things _BlockFold reads from a SweepContext
    block_size: int
    n_total: int

    def new_summary(self) -> MultiSummary:
        return MultiSummary.from_names(["x"], bounds=(0.0, 1.0), n_bins=4, tail_frac=0.5)


def _cells(s: MultiSummary) -> np.ndarray:
    return s["x"]._csum.copy()


def _by_the_rule(ctx: _Ctx, x: np.ndarray) -> MultiSummary:
    """The documented order, written out: blocks -> groups (block order) -> result (group order)."""
    bsz, g_rows = ctx.block_size, ctx.block_size * FOLD_GROUP_BLOCKS
    total = ctx.new_summary()
    for g0 in range(0, ctx.n_total, g_rows):
        group = ctx.new_summary()
        for b0 in range(g0, min(g0 + g_rows, ctx.n_total), bsz):
            group.merge(ctx.new_summary().update({"x": x[b0:b0 + bsz]}))
        total.merge(group)
    return total


@pytest.mark.parametrize("chunk", [1, 7, 10, 33, 40, 95])
def test_local_fold_follows_the_group_rule_for_any_chunk(chunk):
    # 10-row blocks, 95 rows: 10 blocks (the last of 5 rows) = groups of 4, 4 and 2 blocks
    ctx = _Ctx(block_size=10, n_total=95)
    x = np.random.default_rng(1).random(95) * (1 + 1e-9 * np.arange(95))
    fold = _BlockFold(ctx)
    for start in range(0, 95, chunk):
        fold.add({"x": x[start:start + chunk]})
    got = fold.result()
    want = _by_the_rule(ctx, x)
    np.testing.assert_array_equal(_cells(got), _cells(want))  # bit for bit
    assert got.result() == want.result()


def test_group_rule_is_not_a_plain_running_sum():
    # Eight 1-row blocks in one cell [0.25, 0.5): adding them one by one rounds differently
    # from adding two groups of four, so the rule above is a real constraint (this test
    # would fail if the two orders happened to agree, making the one above vacuous).
    ctx = _Ctx(block_size=1, n_total=8)
    x = 0.25 + 0.25 * np.random.default_rng(0).random(8)
    running = ctx.new_summary()
    for v in x:
        running.merge(ctx.new_summary().update({"x": v}))
    grouped = _by_the_rule(ctx, x)
    assert FOLD_GROUP_BLOCKS == 4
    assert _cells(running)[2] != _cells(grouped)[2]
    # the exact figures do not depend on the order: count, mean, std, min, max
    r, g = running.result()["x"], grouped.result()["x"]
    for k in ("count", "mean", "std", "min", "max"):
        assert r[k] == g[k]
