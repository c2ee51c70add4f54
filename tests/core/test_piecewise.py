"""Exact piecewise-linear forms of the capped split and the QIPP ramp."""

import numpy as np
import pytest

from finmodel.core import piecewise, qipp, risk_share

INF = np.inf


def test_capped_split_hand_worked():
    # shares 50/30/20, caps inf / 100k / inf, A = 1,000,000:
    # first round 500k / 300k / 200k; the 30% partner is capped at 100k, the 200k excess goes
    # to the others in proportion 50:20 -> +142,857.14 / +57,142.86.
    # As water-filling: lam = (1,000,000 - 100,000) / (0.5 + 0.2) = 1,285,714.29;
    # payments 0.5 lam = 642,857.14, 100,000, 0.2 lam = 257,142.86 (sum 1,000,000).
    shares, caps = np.array([0.5, 0.3, 0.2]), np.array([INF, 100_000.0, INF])
    pay, gap = piecewise.allocate_piecewise_gbp(np.array([1_000_000.0]), shares, caps)
    assert pay[0] == pytest.approx([642_857.142857, 100_000.0, 257_142.857143], abs=0.005)
    assert gap[0] == 0.0
    # breakpoint: the 30% partner reaches 100k at A = 100k / 0.3 = 333,333.33
    amounts, payments = piecewise.allocation_breakpoints(shares, caps)
    assert amounts[:2] == pytest.approx([0.0, 333_333.333333])
    assert payments[1] == pytest.approx([166_666.666667, 100_000.0, 66_666.666667])
    assert np.interp(1_000_000.0, amounts, payments[:, 0]) == pytest.approx(642_857.142857, abs=0.005)


def test_capped_split_all_capped_leaves_a_gap():
    # caps 100k and 50k, A = 400k: both capped, gap 250k (exactly A - sum of caps)
    pay, gap = piecewise.allocate_piecewise_gbp(np.array([400_000.0, 90_000.0]), [0.6, 0.4], [100_000.0, 50_000.0])
    assert pay[0] == pytest.approx([100_000.0, 50_000.0])
    assert gap[0] == 250_000.0
    # A = 90k: 54k / 36k, nobody capped, no gap
    assert pay[1] == pytest.approx([54_000.0, 36_000.0])
    assert gap[1] == 0.0


@pytest.mark.parametrize("seed", range(40))
def test_capped_split_equals_general_waterfall(seed):
    rng = np.random.default_rng(seed)
    p = int(rng.integers(1, 6))
    shares = rng.choice([0.0, 0.05, 0.2, 0.3, 0.5, 1.0], size=p) * rng.uniform(0.5, 1.5, size=p)
    caps = rng.choice([0.0, INF, 1e4, 1e5, 1e6, 5e6], size=p) * rng.uniform(0.5, 1.5, size=p)
    amount = np.concatenate([rng.uniform(-1e6, 1e7, size=500), [0.0, 1e12, -5.0]])
    general, remainder = risk_share._allocate_with_caps(amount, shares, caps)
    pay, gap = piecewise.allocate_piecewise_gbp(amount, shares, caps)
    np.testing.assert_allclose(pay, general, rtol=1e-13, atol=1e-6)  # 1e12 money: 1 ulp
    np.testing.assert_allclose(gap, remainder, rtol=1e-13, atol=1e-6)
    assert np.array_equal(gap == 0, remainder == 0)
    amounts, payments = piecewise.allocation_breakpoints(shares, caps)
    positive = np.maximum(amount, 0.0)
    for k in range(p):
        np.testing.assert_allclose(np.interp(positive, amounts, payments[:, k]), general[:, k], rtol=1e-13, atol=1e-6)


def test_ramp_table_hand_worked():
    # Luton cluster: initial 20% for 12 months, +2pp a month, ceiling 32%; go-live month 4 (Aug 2014).
    # 2014/15: Aug-Mar 8 x 20% = 1.60; 2015/16: Apr-Jul 4 x 20% + 22..30 (5 steps) + 3 x 32% -> with J = 6
    # the 6th step reaches 32% exactly: 0.80 + (22+24+26+28+30+32)% + 2 x 32% = 0.80 + 1.62 + 0.64 = 3.06
    alpha, beta = piecewise.ramp_table([4.0], 0.20, 12, 0.02, 2, 60)
    J = int(piecewise.ramp_steps(0.20, 0.02, 0.32))
    assert J == 6
    s = alpha[0, J, :2] + beta[0, J, :2] * 0.32
    assert s == pytest.approx([1.60, 3.06])
    assert beta[0, J, :2].tolist() == [0.0, 2.0]  # Feb and Mar 2016 at the ceiling
    assert alpha[0, J, 4:6].tolist() == [8.0, 12.0]  # live months


@pytest.mark.parametrize("seed", range(30))
def test_ramp_table_equals_closed_form(seed):
    rng = np.random.default_rng(seed)
    Y = int(rng.integers(1, 7))
    initial, months, step = rng.uniform(0, 0.3), int(rng.integers(0, 18)), float(rng.choice([0.0, 0.01, 0.02, 0.035]))
    go_live = np.arange(-20.0, 40.0)
    j_max = int(max(12 * Y - go_live.min() - months, 0))
    alpha, beta = piecewise.ramp_table(go_live, initial, months, step, Y, j_max)
    ceiling = rng.uniform(0.0, 0.6, size=go_live.size)
    ceiling[::7] = initial + step * rng.integers(0, 10, size=ceiling[::7].size)  # exactly on breakpoints
    J = np.minimum(piecewise.ramp_steps(initial, step, ceiling), j_max).astype(int)
    got = alpha[np.arange(go_live.size), J] + beta[np.arange(go_live.size), J] * ceiling[:, None]
    s = qipp.ea_reduction_frac_sum_by_year(go_live, initial, months, step, ceiling, Y)
    f = qipp.ea_full_year_effect_frac_by_year(go_live, initial, months, step, ceiling, Y)
    live = qipp.live_months_by_year(go_live, Y)
    np.testing.assert_allclose(got[:, :Y], s, rtol=0, atol=1e-9)
    np.testing.assert_allclose(got[:, Y:2 * Y], f, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(got[:, 2 * Y:], live)
