"""The compiled sampling steps (finmodel.sweep.sampling_loops) give numpy's results bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from finmodel.sweep.correlation import _place_in_rank_order
from finmodel.sweep.sampling_loops import place_if_untied, stratum_points


def _with_ties(rng, n):
    """Normal scores with repeated values and both signed zeros mixed in (numpy's sort calls -0.0 and 0.0 equal)."""
    t = rng.standard_normal(n)
    k = max(1, n // 10)
    t[rng.integers(0, n, k)] = np.array([0.0, -0.0, 1.0])[rng.integers(0, 3, k)]
    return t


def _stable_scatter(values, t):
    out = np.empty(t.size)
    out[np.argsort(t, kind="stable")] = values
    return out


@pytest.mark.parametrize("n", [1, 2, 3, 17, 65536])
def test_untied_scores_are_placed_as_a_stable_sort_places_them(n):
    rng = np.random.default_rng(n)
    t = rng.standard_normal(n)
    values = np.sort(rng.random(n))
    out = np.empty((n, 3))[:, 1]  # a strided column, as the correlation step writes
    assert place_if_untied(values, t, np.argsort(t), out)
    np.testing.assert_array_equal(out, _stable_scatter(values, t))


def test_a_tie_is_reported_and_placed_by_the_stable_sort():
    # scores 3, -0.0, 0.0, -2, 3: two ties (the zeros, the threes); stable ranks are row 3, then rows 1, 2, then 0, 4
    t = np.array([3.0, -0.0, 0.0, -2.0, 3.0])
    values = np.array([10.0, 20.0, 30.0, 40.0, 50.0])
    assert not place_if_untied(values, t, np.argsort(t), np.empty(5))
    out = np.empty(5)
    _place_in_rank_order(values, t, out)
    assert out.tolist() == [40.0, 20.0, 30.0, 10.0, 50.0]


@pytest.mark.parametrize("n", [50, 4096, 65536])
def test_rank_placement_equals_the_stable_scatter_with_ties(n):
    rng = np.random.default_rng(100 + n)
    t = _with_ties(rng, n)
    values = np.sort(rng.random(n))
    out = np.empty(n)
    _place_in_rank_order(values, t, out)
    np.testing.assert_array_equal(out, _stable_scatter(values, t))


def test_stratum_points_are_numpys_expression():
    rng = np.random.default_rng(9)
    n = 4099
    strata = rng.permutation(np.arange(1, n + 1))
    jitter = rng.random((n, 3))
    out = np.empty(n)
    stratum_points(strata, jitter[:, 2], n, out)
    expected = np.empty(n)
    expected[strata - 1] = (strata - jitter[:, 2]) / n
    np.testing.assert_array_equal(out, expected)
    assert np.all(np.diff(out) > 0)  # one point per stratum, ascending
