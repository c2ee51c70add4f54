"""The sampling design of finmodel 0.4.0: Latin hypercube columns, rank order, Iman-Conover on the correlated inputs.

What changed from 0.3.0 (README, "Samples changed in 0.4.0"): an lhs column is put in random
order by one permutation of its strata (scipy's construction is no longer reproduced), the
inputs named in a correlation are built in stratum order and are the only ones Iman-Conover
reorders, and the rank order of the scores comes from one float sort (:func:`rank_order`).
Where every input is correlated the samples are those of 0.3.0 bit for bit (the mc and sobol
digests below are the ones 0.3.0's implementation gave).
"""

import contextlib
import hashlib

import numpy as np
import pytest
from scipy.stats import spearmanr

from finmodel.sweep.correlation import correlated_columns, iman_conover, rank_order
from finmodel.sweep.samplers import chunked_unit_samples, latin_hypercube, unit_samples

_CORR = np.array([[1.0, -0.5, 0.6], [-0.5, 1.0, 0.0], [0.6, 0.0, 1.0]])  # every input correlated
_PART = np.eye(4)
_PART[0, 2] = _PART[2, 0] = 0.5  # inputs 1 and 3 in no correlation
N = 2**16 + 5000  # a full block and a partial one


def _digest(u) -> str:
    return hashlib.sha256(np.ascontiguousarray(u).tobytes()).hexdigest()[:16]


@pytest.mark.parametrize(
    "method, corr, digest",
    [
        ("lhs", _CORR, "c1f688d9a277daee"),
        ("lhs", None, "21f21ead86eaa4a4"),
        ("lhs", _PART, "947245efb7f85ee2"),
        ("mc", _CORR, "db597d245d6356a4"),  # = 0.3.0: every column correlated, no ties
        ("mc", _PART, "c1e3df7565c95a68"),
        ("sobol", _CORR, "d496be4d29cf01f7"),  # = 0.3.0
    ],
)
def test_samples_are_pinned(method, corr, digest):
    """Same seed, same samples, release after release: a change to the design shows up here first."""
    d = 3 if corr is None else corr.shape[0]
    with pytest.warns(UserWarning) if method == "sobol" else contextlib.nullcontext():
        u = unit_samples(method, N, d, 4, correlation=corr)
    assert _digest(u) == digest


@pytest.mark.parametrize("n, d", [(1, 1), (7, 3), (65536, 8)])
def test_latin_hypercube_has_one_point_per_stratum(n, d):
    seed = np.random.SeedSequence(123, spawn_key=(1, 5))
    u = latin_hypercube(n, d, seed, sorted_columns=(0,))
    assert u.shape == (n, d)
    strata = np.floor(u * n)  # point of stratum k lies in [k/n, (k+1)/n]
    for j in range(d):
        k = np.sort(strata[:, j])
        ok = (k == np.arange(n)) | (np.sort(u[:, j]) * n == np.arange(1, n + 1))  # a point rounded onto its top edge
        assert ok.all(), j
    # column 0 is in stratum order (ascending); the others are in random order
    assert np.all(np.diff(u[:, 0]) >= 0)
    if n > 3:
        assert not all(np.all(np.diff(u[:, j]) >= 0) for j in range(1, d))
    # a column's values do not depend on whether it is kept in order: the same jitter per stratum
    again = latin_hypercube(n, d, np.random.SeedSequence(123, spawn_key=(1, 5)))
    np.testing.assert_array_equal(np.sort(again[:, 0]), u[:, 0])
    assert seed.n_children_spawned == 0  # the caller's SeedSequence is not consumed


def test_latin_hypercube_hand_example():
    # n = 2, one column kept in order: jitter v0, v1 from PCG64(seed); points (0 + v0) / 2 and (1 + v1) / 2
    seed = np.random.SeedSequence(7)
    v = np.random.Generator(np.random.PCG64(np.random.SeedSequence(7))).random((1, 2))[0]
    u = latin_hypercube(2, 1, seed, sorted_columns=(0,))
    np.testing.assert_array_equal(u[:, 0], [(0 + v[0]) / 2, (1 + v[1]) / 2])


def test_rank_order_hand_examples():
    # t = [3, 1, 3, 2]: ascending, ties by row: rows 1 (1), 3 (2), 0 (3), 2 (3)
    np.testing.assert_array_equal(rank_order(np.array([3.0, 1.0, 3.0, 2.0])), [1, 3, 0, 2])
    # negatives tie by row too; -0.0 sorts before 0.0: -2 (row 2), -1 (rows 0, 1), -0.0 (row 4), 0.0 (rows 3, 5)
    np.testing.assert_array_equal(rank_order(np.array([-1.0, -1.0, -2.0, 0.0, -0.0, 0.0])), [2, 0, 1, 4, 3, 5])
    # values that differ only in the low bits that carry the row number count as a tie: by row
    a = 1.0 + 2.0**-52  # 1.0 and the next float up differ in the last mantissa bit
    np.testing.assert_array_equal(rank_order(np.array([a, 1.0, 0.5])), [2, 0, 1])


@pytest.mark.parametrize("n", [1, 2, 3, 17, 65536, 100_000])
def test_rank_order_is_the_stable_argsort_for_distinct_scores(n):
    rng = np.random.default_rng(n)
    t = rng.standard_normal(n) * 10.0 ** rng.integers(-3, 4, n)
    np.testing.assert_array_equal(rank_order(t.copy()), np.argsort(t, kind="stable"))


def test_correlated_columns():
    np.testing.assert_array_equal(correlated_columns(_PART), [0, 2])
    np.testing.assert_array_equal(correlated_columns(_CORR), [0, 1, 2])
    assert correlated_columns(np.eye(3)).size == 0


def test_iman_conover_reorders_only_the_correlated_inputs():
    rng = np.random.default_rng(3)
    x = rng.random((20_000, 4))
    out = iman_conover(x, _PART, seed=5)
    for j in (1, 3):  # in no correlation: untouched, bit for bit, in their own order
        np.testing.assert_array_equal(out[:, j], x[:, j])
    for j in range(4):  # every column keeps its values
        np.testing.assert_array_equal(np.sort(out[:, j]), np.sort(x[:, j]))
    rho = spearmanr(out).correlation
    assert abs(rho[0, 2] - 0.5) < 0.01
    assert np.all(np.abs(rho[[0, 2]][:, [1, 3]]) < 0.03)  # no correlation imposed with the others
    assert iman_conover(x, np.eye(4), seed=5).tolist() == x.tolist()  # nothing to impose


def test_iman_conover_on_sorted_columns_equals_the_sorting_path():
    x = latin_hypercube(20_000, 3, np.random.SeedSequence(9), sorted_columns=(0, 1, 2))
    shuffled = x[np.random.default_rng(1).permutation(20_000)]
    a = iman_conover(x, _CORR, seed=5, columns_sorted=True)
    b = iman_conover(shuffled, _CORR, seed=5)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("method", ["lhs", "mc"])
def test_block_layout_does_not_matter_to_chunks(method):
    # blocks come back column-major; chunks sliced from them equal one whole call
    whole = unit_samples(method, N, 4, 2, correlation=_PART)
    parts = np.concatenate([u for _, u in chunked_unit_samples(method, N, 4, 9999, 2, correlation=_PART)])
    np.testing.assert_array_equal(whole, parts)


def test_lhs_with_correlation_is_still_a_latin_hypercube_per_block():
    u = unit_samples("lhs", 2**16, 4, 11, correlation=_PART)
    n = u.shape[0]
    for j in range(4):
        np.testing.assert_array_equal(np.floor(np.sort(u[:, j]) * n), np.arange(n))
