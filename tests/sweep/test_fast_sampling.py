"""The faster sampling path gives the same unit samples as before, bit for bit.

Iman-Conover now uses default (unstable) sorts with a tie check, Latin hypercube columns
built already in stratum order (so the values need no sort), a rank scatter in one step
and no BLAS.  None of that may change a sample: the digests below were computed with the
previous implementation (scipy's LatinHypercube, stable sorts, BLAS products) and pin it.
"""

import contextlib
import hashlib

import numpy as np
import pytest
from scipy.stats import qmc

from finmodel.sweep.correlation import _place_in_rank_order, iman_conover
from finmodel.sweep.samplers import latin_hypercube, unit_samples

_CORR = np.array([[1.0, -0.5, 0.6], [-0.5, 1.0, 0.0], [0.6, 0.0, 1.0]])
N = 2**16 + 5000  # a full block and a partial one


@pytest.mark.parametrize(
    "method, correlated, digest",
    [
        ("lhs", True, "8c951115270d2043"),
        ("lhs", False, "96df88f1fc0c2c2b"),
        ("mc", True, "db597d245d6356a4"),
        ("sobol", True, "d496be4d29cf01f7"),
    ],
)
def test_samples_unchanged_from_the_previous_implementation(method, correlated, digest):
    with pytest.warns(UserWarning) if method == "sobol" else contextlib.nullcontext():
        u = unit_samples(method, N, 3, 4, correlation=_CORR if correlated else None)
    assert hashlib.sha256(np.ascontiguousarray(u).tobytes()).hexdigest()[:16] == digest


@pytest.mark.parametrize("n, d, key", [(1, 1, (1, 0)), (7, 3, (1, 5)), (65536, 8, (1, 2))])
def test_latin_hypercube_is_scipys_construction(n, d, key):
    seed = np.random.SeedSequence(123, spawn_key=key)
    ours = latin_hypercube(n, d, seed)
    theirs = qmc.LatinHypercube(d, rng=np.random.default_rng(np.random.SeedSequence(123, spawn_key=key))).random(n)
    np.testing.assert_array_equal(ours, theirs)
    # stratum order: the same values, every column ascending, one point per stratum
    in_order = latin_hypercube(n, d, np.random.SeedSequence(123, spawn_key=key), columns_sorted=True)
    np.testing.assert_array_equal(in_order, np.sort(theirs, axis=0))
    strata = np.floor(in_order * n)  # point of stratum p (1..n) lies in ((p-1)/n, p/n]
    assert np.all((strata == np.arange(n)[:, None]) | (in_order * n == np.arange(1, n + 1)[:, None]))
    assert seed.n_children_spawned == 0  # the caller's SeedSequence is not consumed


def test_iman_conover_on_sorted_columns_equals_the_sorting_path():
    x = latin_hypercube(20_000, 3, np.random.SeedSequence(9), columns_sorted=True)
    shuffled = x[np.random.default_rng(1).permutation(20_000)]
    a = iman_conover(x, _CORR, seed=5, columns_sorted=True)
    b = iman_conover(shuffled, _CORR, seed=5)
    np.testing.assert_array_equal(a, b)


def test_rank_placement_with_ties_falls_back_to_the_stable_order():
    # t = [3, 1, 3, 2]: ascending order of t with ties kept in row order is rows 1, 3, 0, 2,
    # so the sorted values 10 < 20 < 30 < 40 go to rows 1, 3, 0, 2: out = [30, 10, 40, 20].
    t = np.array([3.0, 1.0, 3.0, 2.0])
    out = np.empty(4)
    _place_in_rank_order(np.array([10.0, 20.0, 30.0, 40.0]), t, out)
    np.testing.assert_array_equal(out, [30.0, 10.0, 40.0, 20.0])
    # many ties: the same as the stable argsort's placement, whatever the unstable sort does
    rng = np.random.default_rng(0)
    t = rng.integers(0, 50, 5000).astype(float)
    xs = np.sort(rng.random(5000))
    want = np.empty(5000)
    want[np.argsort(t, kind="stable")] = xs
    _place_in_rank_order(xs, t, out := np.empty(5000))
    np.testing.assert_array_equal(out, want)


@pytest.mark.parametrize("method", ["lhs", "mc"])
def test_block_layout_does_not_matter_to_chunks(method):
    # blocks come back column-major; chunks sliced from them equal one whole call
    from finmodel.sweep.samplers import chunked_unit_samples

    whole = unit_samples(method, N, 3, 2, correlation=_CORR)
    parts = np.concatenate([u for _, u in chunked_unit_samples(method, N, 3, 9999, 2, correlation=_CORR)])
    np.testing.assert_array_equal(whole, parts)
