"""Hand-checked ppf / mean / low_high values and dict validation of the input distributions."""

import math

import numpy as np
import pytest

from finmodel.sweep.distributions import (
    Discrete,
    NormalBounded,
    Pert,
    Triangular,
    Uniform,
    distribution_from_dict,
)


def test_uniform_ppf_mean_low_high():
    d = Uniform(0, 10)
    assert d.ppf(np.array(0.25)) == 2.5
    np.testing.assert_allclose(d.ppf(np.array([0.0, 0.5, 1.0])), [0.0, 5.0, 10.0])
    assert d.mean() == 5.0
    assert d.low_high() == pytest.approx((0.5, 9.5))
    assert d.low_high(None) == (0.0, 10.0)


def test_triangular_median_and_branches():
    d = Triangular(0, 5, 10)
    assert d.median() == pytest.approx(5.0)
    assert d.mean() == pytest.approx(5.0)
    # F(x) = x^2 / 50 on [0, 5]: F(2) = 0.08 ; symmetric on the right
    np.testing.assert_allclose(d.ppf(np.array([0.08, 0.92])), [2.0, 8.0])
    skew = Triangular(0, 0, 3)  # mode at the lower end
    assert skew.mean() == pytest.approx(1.0)
    assert skew.ppf(np.array(0.75)) == pytest.approx(1.5)  # 3 - sqrt(0.25 * 9)


def test_pert_mean_and_symmetry():
    d = Pert(0, 2, 10)
    assert d.mean() == pytest.approx((0 + 4 * 2 + 10) / 6)
    sym = Pert(0, 5, 10)
    assert sym.median() == pytest.approx(5.0)
    u = np.random.default_rng(0).random(200_000)
    assert d.ppf(u).mean() == pytest.approx(d.mean(), abs=0.02)
    assert Pert(0, 2, 10, lamb=2).mean() == pytest.approx((0 + 2 * 2 + 10) / 4)


def test_normal_bounded():
    d = NormalBounded(100, 10)
    assert d.median() == pytest.approx(100.0)
    lo, hi = d.low_high()
    assert lo == pytest.approx(100 - 16.448536, abs=1e-5)
    assert hi == pytest.approx(100 + 16.448536, abs=1e-5)
    t = NormalBounded(0, 1, low=0)  # half-normal: mean sqrt(2/pi)
    assert t.mean() == pytest.approx(math.sqrt(2 / math.pi))
    assert t.ppf(np.array(0.5)) == pytest.approx(0.6744898, abs=1e-6)
    assert np.all(t.ppf(np.linspace(0.001, 0.999, 50)) >= 0)
    with pytest.raises(ValueError, match="unbounded"):
        d.low_high(None)


def test_discrete():
    d = Discrete([30, 10, 20], [0.2, 0.5, 0.3])  # stored sorted: 10 (.5), 20 (.3), 30 (.2)
    np.testing.assert_array_equal(d.ppf(np.array([0.1, 0.5, 0.50001, 0.8, 0.81, 0.999])), [10, 10, 20, 20, 30, 30])
    assert d.mean() == pytest.approx(0.5 * 10 + 0.3 * 20 + 0.2 * 30)
    assert d.median() == 10
    assert d.support() == (10.0, 30.0)


@pytest.mark.parametrize(
    "spec, match",
    [
        ({"dist": "uniform", "low": 5, "high": 1}, "low < high"),
        ({"dist": "uniform", "low": 0}, "missing required key.*high"),
        ({"dist": "uniform", "low": 0, "high": 1, "mode": 0.5}, "unknown key 'mode'"),
        ({"dist": "triangular", "low": 0, "mode": 11, "high": 10}, "mode=11"),
        ({"dist": "pert", "low": 0, "mode": 1, "high": 2, "lamb": -1}, "'lamb'"),
        ({"dist": "normal", "mean": 0, "sd": 0}, "'sd'"),
        ({"dist": "normal", "mean": "x", "sd": 1}, "'mean' must be a number"),
        ({"dist": "discrete", "values": [1, 2], "probs": [0.5, 0.6]}, "sum to 1"),
        ({"dist": "discrete", "values": [1, 2], "probs": [1.0]}, "2 entries"),
        ({"dist": "lognormal", "mu": 0}, "unknown 'dist' value 'lognormal'"),
        ({"low": 0, "high": 1}, "missing the 'dist' key"),
    ],
)
def test_from_dict_errors(spec, match):
    with pytest.raises(ValueError, match=match):
        distribution_from_dict(spec)


def test_from_dict_dispatch_and_round_trip():
    specs = [
        {"dist": "Uniform", "low": 1, "high": 2},
        {"dist": "triangular", "low": 0, "mode": 1, "high": 3},
        {"dist": "normal", "mean": 1.0, "sd": 0.5, "low": 0.0},
        {"dist": "pert", "low": 0, "mode": 1, "high": 3, "lamb": 4},
        {"dist": "discrete", "values": [1, 2], "probs": [0.25, 0.75]},
    ]
    for spec in specs:
        d = distribution_from_dict(spec)
        assert distribution_from_dict(d.to_dict()) == d
    assert isinstance(distribution_from_dict(specs[1]), Triangular)
    assert Triangular.from_dict({"low": 0, "mode": 1, "high": 3}) == Triangular(0, 1, 3)
    with pytest.raises(ValueError, match="expected 'pert'"):
        Pert.from_dict({"dist": "uniform", "low": 0, "mode": 1, "high": 3})
