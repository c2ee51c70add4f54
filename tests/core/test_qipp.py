"""Tests for finmodel.core.qipp: the Luton Frail Elderly EA reduction ramp and its valuation."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.core import qipp

PENNY = 0.005

# Luton Frail Elderly parameters [seed 003]
INITIAL_1_3 = 0.20
INITIAL_4 = 0.25
STEP = 0.02
CEILING = 0.32
MARGINAL = 0.30
TARIFF = 2_000.0
BASELINE = 100.0
VALUE_PER_MONTH_OF_ACTIVITY = BASELINE * TARIFF * MARGINAL  # 100 * £2,000 * 30% = £60,000


def _materialised_sum(go_live, initial, n_initial, step, ceiling, n_years):
    monthly = qipp.ea_reduction_frac_pm(go_live, initial, n_initial, step, ceiling, 12 * n_years)
    return monthly.reshape(monthly.shape[0], n_years, 12).sum(-1)


# --------------------------------------------------------------------------
# hand-worked examples
# --------------------------------------------------------------------------

def test_hand_worked_cohort_1():
    # One cohort live from 1 Aug 2014 (month 4); 100 EAs/month; £2,000 tariff at 30%
    # = £600 per avoided EA; 20% for 12 months, then +2pp a month, ceiling 32%.
    # 2014/15: Aug..Mar = 8 months x 20% = 1.60 months of activity
    #          1.60 x 100 x £600 = £96,000.
    # 2015/16: Apr..Jul (k = 8..11) 4 x 20% = 0.80;
    #          Aug..Mar (k = 12..19) = 22, 24, 26, 28, 30, 32, 32, 32 % = 2.26;
    #          (0.80 + 2.26) x 100 x £600 = 3.06 x £60,000 = £183,600.
    # 2016/17: all 12 months at 32% = 3.84 x £60,000 = £230,400.
    go_live = qipp.month_index(2014, 8)
    assert go_live == 4
    sums = qipp.ea_reduction_frac_sum_by_year(go_live, INITIAL_1_3, 12, STEP, CEILING, 3)
    gbp = qipp.ea_savings_gbp(sums, BASELINE, TARIFF, MARGINAL)
    assert gbp.shape == (1, 3)
    assert abs(gbp[0, 0] - 96_000.0) < PENNY
    assert abs(gbp[0, 1] - 183_600.0) < PENNY
    assert abs(gbp[0, 2] - 230_400.0) < PENNY


def test_hand_worked_cohort_1_monthly_profile():
    r = qipp.ea_reduction_frac_pm(4, INITIAL_1_3, 12, STEP, CEILING, 24)[0]
    expected = [0.0] * 4 + [0.20] * 12 + [0.22, 0.24, 0.26, 0.28, 0.30, 0.32, 0.32, 0.32]
    np.testing.assert_allclose(r, expected, atol=1e-12)


def test_luton_cohort_4():
    # Cluster 4 goes live 1 Mar 2015 (month 11) at 25%.
    # 2014/15: Mar (k = 0) = 0.25 -> 0.25 x £60,000 = £15,000.
    # 2015/16: k = 1..12: 11 x 25% = 2.75, then k = 12 (Mar 2016) first step 27%
    #          -> 3.02 x £60,000 = £181,200.
    # 2016/17: k = 13..24 = steps j = 2..13: 29%, 31%, then capped 32% x 10
    #          = 0.60 + 3.20 = 3.80 -> £228,000.
    # 2017/18: 12 x 32% = 3.84 -> £230,400.
    go_live = qipp.month_index(2015, 3)
    assert go_live == 11
    sums = qipp.ea_reduction_frac_sum_by_year(go_live, INITIAL_4, 12, STEP, CEILING, 4)
    gbp = qipp.ea_savings_gbp(sums, BASELINE, TARIFF, MARGINAL)[0]
    expected = [15_000.0, 181_200.0, 228_000.0, 230_400.0]
    for got, want in zip(gbp, expected):
        assert abs(got - want) < PENNY


def test_luton_four_clusters_as_array():
    # Four cohorts, one scenario each, go-live Aug 14, Oct 14, Dec 14, Mar 15.
    go_live = np.array([qipp.month_index(2014, m) for m in (8, 10, 12)]
                       + [qipp.month_index(2015, 3)])
    np.testing.assert_array_equal(go_live, [4, 6, 8, 11])
    initial = np.array([0.20, 0.20, 0.20, 0.25])
    sums = qipp.ea_reduction_frac_sum_by_year(go_live, initial, 12, STEP, CEILING, 5)
    assert sums.shape == (4, 5)
    # 2014/15 live months: 8, 6, 4, 1 -> 1.6, 1.2, 0.8, 0.25
    np.testing.assert_allclose(sums[:, 0], [1.6, 1.2, 0.8, 0.25], atol=1e-12)
    # by 2018/19 every cluster is at the ceiling all year
    np.testing.assert_allclose(sums[:, 4], 12 * CEILING, atol=1e-12)
    np.testing.assert_allclose(sums, _materialised_sum(go_live, initial, 12, STEP, CEILING, 5),
                               atol=1e-12)


# --------------------------------------------------------------------------
# closed form == materialised
# --------------------------------------------------------------------------

def _random_ramp_inputs(rng, n):
    go_live = rng.integers(-40, 80, size=n)
    initial = rng.uniform(0.0, 0.5, size=n)
    n_initial = rng.integers(0, 30, size=n)
    step = rng.uniform(0.0, 0.05, size=n)
    ceiling = rng.uniform(0.0, 0.6, size=n)
    # sprinkle exact edge cases
    step[rng.random(n) < 0.1] = 0.0
    eq = rng.random(n) < 0.1
    ceiling[eq] = initial[eq]
    n_initial[rng.random(n) < 0.1] = 0
    # gaps that are (in decimal) an exact number of steps: 0.20 -> 0.32 at 0.02
    grid = rng.random(n) < 0.15
    initial[grid] = rng.integers(0, 20, size=grid.sum()) / 100
    step[grid] = rng.integers(1, 5, size=grid.sum()) / 100
    ceiling[grid] = initial[grid] + step[grid] * rng.integers(0, 10, size=grid.sum())
    return go_live, initial, n_initial, step, ceiling


@pytest.mark.parametrize("seed", range(5))
def test_closed_form_matches_materialised_random(seed):
    rng = np.random.default_rng(seed)
    n, n_years = 2_000, 6
    args = _random_ramp_inputs(rng, n)
    closed = qipp.ea_reduction_frac_sum_by_year(*args, n_years)
    brute = _materialised_sum(*args, n_years)
    assert closed.shape == (n, n_years)
    np.testing.assert_allclose(closed, brute, rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    "go_live, initial, n_initial, step, ceiling",
    [
        (-100, 0.20, 12, 0.02, 0.32),   # live long before the horizon: capped throughout
        (-5, 0.20, 12, 0.02, 0.32),     # live shortly before the horizon
        (60, 0.20, 12, 0.02, 0.32),     # first month after a 5-year horizon: never live
        (500, 0.20, 12, 0.02, 0.32),    # far after
        (59, 0.20, 12, 0.02, 0.32),     # last month of the horizon
        (0, 0.20, 12, 0.0, 0.32),       # step 0: flat forever
        (0, 0.40, 12, 0.0, 0.32),       # step 0, initial above ceiling: drops to ceiling
        (0, 0.32, 12, 0.02, 0.32),      # initial == ceiling
        (0, 0.20, 0, 0.02, 0.32),       # no initial period: ramps from the first month
        (3, 0.20, 0, 0.0, 0.20),        # everything degenerate
        (0, 0.20, 12.0, 0.02, 0.32),    # integer-valued float months
        (4.0, 0.25, 12, 0.02, 0.32),    # integer-valued float go-live; 3.5-step gap
        (0, 0.0, 12, 0.0, 0.0),         # zero everything
        (0, 0.20, 100, 0.02, 0.32),     # initial period longer than the horizon
        (0, 0.10, 1, 1.0, 0.32),        # huge step: capped after one step
    ],
)
def test_closed_form_matches_materialised_edges(go_live, initial, n_initial, step, ceiling):
    closed = qipp.ea_reduction_frac_sum_by_year(go_live, initial, n_initial, step, ceiling, 5)
    brute = _materialised_sum(go_live, initial, n_initial, step, ceiling, 5)
    np.testing.assert_allclose(closed, brute, rtol=0, atol=1e-9)


def test_never_live_and_always_capped():
    sums = qipp.ea_reduction_frac_sum_by_year([60, -100], 0.2, 12, 0.02, 0.32, 5)
    np.testing.assert_array_equal(sums[0], 0.0)
    np.testing.assert_allclose(sums[1], 12 * 0.32, atol=1e-12)


@settings(max_examples=300, deadline=None)
@given(
    go_live=st.integers(-60, 90),
    initial=st.floats(0.0, 1.0, allow_nan=False),
    n_initial=st.integers(0, 40),
    step=st.one_of(st.just(0.0), st.floats(0.0, 0.5, allow_nan=False)),
    ceiling=st.floats(0.0, 1.0, allow_nan=False),
    n_years=st.integers(0, 7),
)
def test_closed_form_matches_materialised_hypothesis(go_live, initial, n_initial, step,
                                                     ceiling, n_years):
    closed = qipp.ea_reduction_frac_sum_by_year(go_live, initial, n_initial, step, ceiling,
                                                n_years)
    brute = _materialised_sum(go_live, initial, n_initial, step, ceiling, n_years)
    assert closed.shape == (1, n_years)
    np.testing.assert_allclose(closed, brute, rtol=0, atol=1e-9)


def test_non_whole_months_rejected():
    with pytest.raises(ValueError):
        qipp.ea_reduction_frac_sum_by_year(4.5, 0.2, 12, 0.02, 0.32, 5)
    with pytest.raises(ValueError):
        qipp.ea_reduction_frac_pm(4, 0.2, 12.5, 0.02, 0.32, 60)
    with pytest.raises(ValueError):
        qipp.ea_reduction_frac_sum_by_year(4, 0.2, 12, -0.02, 0.32, 5)
    with pytest.raises(ValueError):
        qipp.ea_reduction_frac_sum_by_year(4, 0.2, -1, 0.02, 0.32, 5)
    with pytest.raises(ValueError):
        qipp.months_to_ceiling(0.2, 12, -0.01, 0.32)


def test_bad_shapes_rejected():
    with pytest.raises(ValueError):
        qipp.ea_reduction_frac_sum_by_year(np.zeros((2, 2)), 0.2, 12, 0.02, 0.32, 5)
    with pytest.raises(ValueError):
        qipp.ea_reduction_frac_sum_by_year([1, 2, 3], [0.2, 0.3], 12, 0.02, 0.32, 5)


# --------------------------------------------------------------------------
# months_to_ceiling
# --------------------------------------------------------------------------

def test_months_to_ceiling_luton():
    # 20% -> 32% at +2pp: 0.12 / 0.02 = 6 steps.  Step j lands in month
    # k = 12 + j - 1, so the 6th step (32%) lands at k = 12 + 6 - 1 = 17 (0-based),
    # the 18th live month.  For cohort 1 (go-live month 4) that is month 21 = Jan 2016,
    # matching the hand-worked profile (Aug 15 22%, ..., Jan 16 32%).
    k = qipp.months_to_ceiling(INITIAL_1_3, 12, STEP, CEILING)
    assert k == 17
    assert qipp.month_label(4 + int(k)) == "Jan 2016"
    r = qipp.ea_reduction_frac_pm(0, INITIAL_1_3, 12, STEP, CEILING, 24)[0]
    assert r[17] == pytest.approx(CEILING)
    assert r[16] < CEILING - 0.01
    # Cluster 4: 25% -> 32%: 0.07 / 0.02 = 3.5 -> 4 steps (27, 29, 31, 32):
    # k = 12 + 4 - 1 = 15.
    assert qipp.months_to_ceiling(INITIAL_4, 12, STEP, CEILING) == 15


def test_months_to_ceiling_edges_and_arrays():
    got = qipp.months_to_ceiling(
        [0.20, 0.20, 0.32, 0.40, 0.20, 0.20],
        [12, 12, 12, 12, 0, 12],
        [0.02, 0.0, 0.02, 0.0, 0.02, 1.0],
        [0.32, 0.32, 0.32, 0.32, 0.32, 0.32],
    )
    assert got.shape == (6,)
    np.testing.assert_array_equal(got, [17, math.inf, 0, 0, 5, 12])


def test_months_to_ceiling_consistent_with_ramp():
    rng = np.random.default_rng(42)
    n = 500
    _, initial, n_initial, step, ceiling = _random_ramp_inputs(rng, n)
    k = qipp.months_to_ceiling(initial, n_initial, step, ceiling)
    n_months = 1_000
    r = qipp.ea_reduction_frac_pm(0, initial, n_initial, step, ceiling, n_months)
    checked = 0
    for i in range(n):
        if np.isinf(k[i]):
            assert step[i] == 0 and initial[i] < ceiling[i]
            continue
        ki = int(k[i])
        if ki >= n_months:  # a tiny step: ceiling beyond this test's horizon
            assert r[i, -1] < ceiling[i]
            continue
        checked += 1
        assert r[i, ki] >= ceiling[i] - 1e-9
        if ki > 0:
            assert r[i, ki - 1] < ceiling[i] - 1e-12
    assert checked > 0.9 * n


def test_months_to_ceiling_scalar_returns_scalar():
    k = qipp.months_to_ceiling(0.2, 12, 0.02, 0.32)
    assert np.ndim(k) == 0


# --------------------------------------------------------------------------
# part-year vs full-year
# --------------------------------------------------------------------------

def test_full_year_effect_frac_by_year_cohort_1():
    # March of each year: Mar 15 (k = 7) 20%; Mar 16 (k = 19) 32%; Mar 17 32%.
    fye = qipp.ea_full_year_effect_frac_by_year(4, INITIAL_1_3, 12, STEP, CEILING, 3)
    np.testing.assert_allclose(fye, [[2.40, 3.84, 3.84]], atol=1e-12)
    part = qipp.ea_reduction_frac_sum_by_year(4, INITIAL_1_3, 12, STEP, CEILING, 3)
    fye_gbp = qipp.ea_savings_gbp(fye, BASELINE, TARIFF, MARGINAL)
    part_gbp = qipp.ea_savings_gbp(part, BASELINE, TARIFF, MARGINAL)
    # part-year £96,000 vs full-year £144,000 (2.40 x £60,000) in 2014/15;
    # £183,600 vs £230,400 in 2015/16; equal once capped all year.
    np.testing.assert_allclose(fye_gbp[0], [144_000.0, 230_400.0, 230_400.0], atol=PENNY)
    assert np.all(part_gbp[0, :2] < fye_gbp[0, :2])
    assert abs(part_gbp[0, 2] - fye_gbp[0, 2]) < PENNY


def test_full_year_effect_frac_matches_materialised():
    rng = np.random.default_rng(7)
    args = _random_ramp_inputs(rng, 1_000)
    fye = qipp.ea_full_year_effect_frac_by_year(*args, 5)
    monthly = qipp.ea_reduction_frac_pm(*args, 60)
    np.testing.assert_allclose(fye, 12 * monthly[:, 11::12], atol=1e-12)


def test_full_year_effect_gbp_at_ceiling():
    # 12 x 100 x 32% x £2,000 x 30% = 384 x £600 = £230,400
    got = qipp.full_year_effect_gbp(BASELINE, CEILING, TARIFF, MARGINAL)
    assert got.shape == (1,)
    assert abs(got[0] - 230_400.0) < PENNY
    arr = qipp.full_year_effect_gbp([100.0, 50.0], CEILING, TARIFF, [0.3, 1.0])
    # 50 x 12 x 32% x £2,000 = £384,000
    np.testing.assert_allclose(arr, [230_400.0, 384_000.0], atol=PENNY)


# --------------------------------------------------------------------------
# activity, A&E, outpatients, net
# --------------------------------------------------------------------------

def test_ea_avoided_and_ae_savings():
    # 2014/15 for cohort 1: 1.6 months of activity x 100 = 160 EAs avoided.
    # 40% came via A&E at £110 per attendance: 160 x 0.4 x £110 = £7,040.
    # 2015/16: 3.06 x 100 = 306 EAs; 306 x 0.4 x £110 = £13,464.
    sums = qipp.ea_reduction_frac_sum_by_year(4, INITIAL_1_3, 12, STEP, CEILING, 2)
    avoided = qipp.ea_avoided_by_year(sums, BASELINE)
    np.testing.assert_allclose(avoided, [[160.0, 306.0]], atol=1e-9)
    ae = qipp.ae_savings_gbp(avoided, 0.4, 110.0)
    np.testing.assert_allclose(ae, [[7_040.0, 13_464.0]], atol=PENNY)


def test_live_months_by_year():
    got = qipp.live_months_by_year([4, 11, -3, 60, 0, 23], 3)
    expected = [
        [8, 12, 12],   # Aug 2014
        [1, 12, 12],   # Mar 2015
        [12, 12, 12],  # before the horizon
        [0, 0, 0],     # after the horizon
        [12, 12, 12],  # Apr 2014
        [0, 1, 12],    # Mar 2016
    ]
    np.testing.assert_array_equal(got, expected)
    assert qipp.live_months_by_year(4, 2).shape == (1, 2)


def test_outpatient_savings():
    # Cohort live Aug 2014: 8 live months in 2014/15, 12 in 2015/16.
    # 500 appointments/month, 10% fall, £120 each:
    # 2014/15: 8 x 500 x 10% x £120 = £48,000; 2015/16: 12 x 500 x 0.1 x 120 = £72,000.
    live = qipp.live_months_by_year(4, 2)
    got = qipp.outpatient_savings_gbp(live, 500.0, qipp.DEFAULT_OP_REDUCTION_FRAC, 120.0)
    np.testing.assert_allclose(got, [[48_000.0, 72_000.0]], atol=PENNY)


def test_net_savings():
    gross = np.array([[96_000.0, 183_600.0], [15_000.0, 181_200.0]])
    # per-scenario investment (n,) applies to every year; per-year (n, n_years) elementwise
    np.testing.assert_allclose(qipp.net_savings_gbp(gross, [100_000.0, 10_000.0]),
                               [[-4_000.0, 83_600.0], [5_000.0, 171_200.0]])
    np.testing.assert_allclose(qipp.net_savings_gbp(gross, gross), 0.0)
    np.testing.assert_allclose(qipp.net_savings_gbp(gross, 0.0), gross)


def test_valuation_broadcasts_per_scenario_and_per_year():
    sums = np.array([[1.0, 2.0], [3.0, 4.0]])
    # per-scenario baselines (n,) broadcast across years
    got = qipp.ea_savings_gbp(sums, [100.0, 10.0], 2_000.0, 0.3)
    np.testing.assert_allclose(got, [[60_000.0, 120_000.0], [18_000.0, 24_000.0]])
    # per-year tariff (n, n_years)
    got = qipp.ea_savings_gbp(sums, 100.0, [[1_000.0, 2_000.0], [1_000.0, 2_000.0]], 1.0)
    np.testing.assert_allclose(got, [[100_000.0, 400_000.0], [300_000.0, 800_000.0]])


# --------------------------------------------------------------------------
# scalar and array inputs
# --------------------------------------------------------------------------

def test_scalar_and_array_inputs_agree():
    scalar = qipp.ea_reduction_frac_sum_by_year(4, 0.2, 12, 0.02, 0.32, 5)
    assert scalar.shape == (1, 5)
    array = qipp.ea_reduction_frac_sum_by_year(
        np.array([4, 4, 4]), np.full(3, 0.2), np.array([12, 12, 12]), 0.02, np.full(3, 0.32), 5
    )
    assert array.shape == (3, 5)
    np.testing.assert_allclose(array, np.repeat(scalar, 3, axis=0))
    monthly = qipp.ea_reduction_frac_pm(4, [0.2, 0.25], 12, 0.02, 0.32, 60)
    assert monthly.shape == (2, 60)
    # python lists and numpy scalars are accepted too
    listy = qipp.ea_reduction_frac_sum_by_year([4], [0.2], [12], [0.02], [0.32], 5)
    np.testing.assert_allclose(listy, scalar)
    npscalar = qipp.ea_reduction_frac_sum_by_year(np.int64(4), np.float64(0.2), np.int32(12),
                                                  0.02, 0.32, 5)
    np.testing.assert_allclose(npscalar, scalar)


def test_large_batch_runs():
    rng = np.random.default_rng(0)
    args = _random_ramp_inputs(rng, 200_000)
    out = qipp.ea_reduction_frac_sum_by_year(*args, 5)
    assert out.shape == (200_000, 5)
    assert np.all(np.isfinite(out))
    assert np.all(out >= 0)


# --------------------------------------------------------------------------
# labels
# --------------------------------------------------------------------------

def test_fy_label():
    assert qipp.fy_label(0) == "2014/15"
    assert qipp.fy_label(4) == "2018/19"
    assert qipp.fy_label(85) == "2099/00"
    assert qipp.fy_label(0, first_year=2016) == "2016/17"
    assert qipp.fy_label(np.int64(1)) == "2015/16"


def test_month_label():
    assert qipp.month_label(0) == "Apr 2014"
    assert qipp.month_label(4) == "Aug 2014"
    assert qipp.month_label(8) == "Dec 2014"
    assert qipp.month_label(9) == "Jan 2015"
    assert qipp.month_label(11) == "Mar 2015"
    assert qipp.month_label(12) == "Apr 2015"
    assert qipp.month_label(-1) == "Mar 2014"
    assert qipp.month_label(0, first_year=2016) == "Apr 2016"


def test_month_index():
    assert qipp.month_index(2014, 8) == 4
    assert qipp.month_index(2014, 10) == 6
    assert qipp.month_index(2014, 12) == 8
    assert qipp.month_index(2015, 3) == 11
    assert qipp.month_index(2014, 4) == 0
    assert qipp.month_index(2014, 1) == -3
    assert qipp.month_index(2016, 4, first_year=2016) == 0
    np.testing.assert_array_equal(qipp.month_index(np.array([2014, 2015]), np.array([8, 3])),
                                  [4, 11])
    with pytest.raises(ValueError):
        qipp.month_index(2014, 13)


@pytest.mark.parametrize("m", range(-30, 90))
def test_month_label_round_trip(m):
    mon, year = qipp.month_label(m).split()
    month_number = list(__import__("calendar").month_abbr).index(mon)
    assert qipp.month_index(int(year), month_number) == m
