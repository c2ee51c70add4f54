"""Iman-Conover rank correlation: accuracy, marginal preservation, validation."""

import numpy as np
import pytest
from scipy import stats

from finmodel.sweep.correlation import correlation_matrix_from_pairs, iman_conover, validate_correlation


def test_two_inputs_rank_correlation_and_marginals():
    x = np.random.default_rng(11).random((100_000, 2))
    y = iman_conover(x, [[1.0, 0.7], [0.7, 1.0]], seed=5)
    assert abs(stats.spearmanr(y).statistic - 0.7) <= 0.02
    np.testing.assert_array_equal(np.sort(y, axis=0), np.sort(x, axis=0))


def test_three_inputs_and_determinism():
    target = np.array([[1.0, 0.5, -0.3], [0.5, 1.0, 0.2], [-0.3, 0.2, 1.0]])
    x = np.random.default_rng(2).normal(size=(50_000, 3))
    y = iman_conover(x, target, seed=1)
    np.testing.assert_allclose(stats.spearmanr(y).statistic, target, atol=0.02)
    np.testing.assert_array_equal(y, iman_conover(x, target, seed=1))


@pytest.mark.parametrize(
    "m, match",
    [
        ([[1.0, 0.5], [0.4, 1.0]], "not symmetric"),
        ([[2.0, 0.5], [0.5, 1.0]], "diagonal"),
        ([[1.0, 0.9, 0.9], [0.9, 1.0, -0.9], [0.9, -0.9, 1.0]], "not positive definite"),
        ([[1.0, 1.5], [1.5, 1.0]], r"\[-1, 1\]"),
        ([1.0, 0.5], "square"),
    ],
)
def test_invalid_matrix(m, match):
    with pytest.raises(ValueError, match=match):
        iman_conover(np.zeros((10, len(np.atleast_2d(m)))), m, seed=0)
    with pytest.raises(ValueError, match=match):
        validate_correlation(m)


def test_pairs_helper():
    c = correlation_matrix_from_pairs(["a", "b", "c"], {("a", "c"): 0.4})
    np.testing.assert_array_equal(c, [[1, 0, 0.4], [0, 1, 0], [0.4, 0, 1]])
    with pytest.raises(ValueError, match="unknown input 'z'"):
        correlation_matrix_from_pairs(["a", "b"], {("a", "z"): 0.4})
