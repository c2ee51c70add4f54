"""The same seed gives the same summary, bit for bit, whatever the chunk size or backend.

The README and ``--help`` promise it; the tail mean (expected shortfall) is built from
per-cell float sums whose rounding depends on the order of additions, so it holds only
because each fixed 65,536-row block is summarised alone and blocks merge in order.
"""

import pytest

from finmodel.sweep.driver import run_sweep

N = 2**16 + 5000  # two blocks, the second partial: chunks straddle the block boundary
CHUNKS = (1000, 4096, 65536, 100_000)


@pytest.fixture(scope="module")
def runs():
    return {c: run_sweep(None, "luton-sensitivity", "lhs", N, seed=4, chunk_size=c) for c in CHUNKS}


def _assert_identical(a, b, label):
    assert a.summary.keys() == b.summary.keys()
    for out in a.summary:
        for k, v in a.summary[out].items():
            assert b.summary[out][k] == v, (label, out, k, v, b.summary[out][k])  # ==, not approx
    assert a.risk == b.risk, label


def test_every_summary_figure_is_the_same_whatever_the_chunk_size(runs):
    ref = runs[65536]
    assert ref.summary["shortfall_total_gbp"]["count"] == N
    for c in CHUNKS:
        _assert_identical(ref, runs[c], f"chunk {c}")


@pytest.mark.dask
def test_dask_gives_the_same_bits_as_local(runs):
    pytest.importorskip("distributed", reason="the dask backend is an optional extra: pip install -e '.[dask]'")
    d = run_sweep(None, "luton-sensitivity", "lhs", N, seed=4, backend="dask", dask_workers=2, dask_processes=False)
    _assert_identical(runs[100_000], d, "dask vs local in chunks of 100,000")
