"""Hand-worked checks of finmodel.core.p4p (docs/SOURCES.md §5)."""

import numpy as np
import pytest

from finmodel.core import p4p

PENNY = 0.005

# Shared example: 20,000 non-elective admissions a year, 5,000 a quarter, planned
# reduction 3.5%, £1,490 an admission.
#   avoided   = 20,000 * 0.035 = 700 admissions a year (175 a quarter)
#   P4P sum   = 700 * £1,490   = £1,043,000
#   per quarter share = £1,043,000 / 4 = £260,750
BASELINE_PA = 20_000.0
REDUCTION = 0.035
COST = 1_490.0
SUM_GBP = 1_043_000.0
QUARTER_SHARE_GBP = 260_750.0


def _quarterly_plan(n=1):
    baseline_q = np.full((n, 4), BASELINE_PA / 4)
    return p4p.planned_admissions_avoided(baseline_q, np.full(n, REDUCTION))


def test_p4p_sum_worked_example():
    assert p4p.p4p_sum_gbp(BASELINE_PA, REDUCTION, COST) == pytest.approx(SUM_GBP, abs=PENNY)


def test_p4p_sum_vectorised_over_scenarios():
    # 10,000 * 0.02 * 1,490 = 298,000 ; 20,000 * 0.035 * 1,490 = 1,043,000 ; 0 -> 0
    got = p4p.p4p_sum_gbp(np.array([10_000.0, 20_000.0, 0.0]), np.array([0.02, 0.035, 0.05]), COST)
    np.testing.assert_allclose(got, [298_000.0, 1_043_000.0, 0.0], atol=PENNY)


def test_planned_admissions_avoided_per_quarter():
    # (6,000, 4,000, 5,000, 5,000) * 3.5% = (210, 140, 175, 175)
    got = p4p.planned_admissions_avoided(np.array([[6_000.0, 4_000.0, 5_000.0, 5_000.0]]), np.array([0.035]))
    assert got.shape == (1, 4)
    np.testing.assert_allclose(got, [[210.0, 140.0, 175.0, 175.0]])


@pytest.mark.parametrize(
    "achievement, expected_per_quarter",
    [
        (0.0, 0.0),                      # nothing avoided: nothing released
        (0.5, QUARTER_SHARE_GBP * 0.5),  # 87.5 of 175 avoided: £130,375 a quarter
        (1.0, QUARTER_SHARE_GBP),        # plan met: £260,750 a quarter
        (1.2, QUARTER_SHARE_GBP),        # 210 of 175: capped at the quarter's share
    ],
)
def test_release_at_achievement_levels(achievement, expected_per_quarter):
    planned = _quarterly_plan()
    actual = planned * achievement
    released = p4p.quarterly_release_gbp(np.array([SUM_GBP]), planned, actual)
    assert released.shape == (1, 4)
    np.testing.assert_allclose(released, np.full((1, 4), expected_per_quarter), atol=PENNY)
    # totals: 0 ; 4 * 130,375 = 521,500 ; 1,043,000 ; 1,043,000 (capped at the sum)
    expected_total = min(achievement, 1.0) * SUM_GBP
    assert released.sum() == pytest.approx(expected_total, abs=PENNY)
    assert released.sum() <= SUM_GBP + PENNY


def test_release_uneven_quarters_and_mixed_achievement():
    # planned (210, 140, 175, 175) of 700 -> shares of £1,043,000:
    #   210/700 * 1,043,000 = 312,900 ; 140/700 -> 208,600 ; 175/700 -> 260,750
    # actual (210, 70, 0, 350) -> achievement (1, 0.5, 0, 1 [capped from 2])
    # release = (312,900, 104,300, 0, 260,750), total 677,950
    planned = p4p.planned_admissions_avoided(np.array([[6_000.0, 4_000.0, 5_000.0, 5_000.0]]), np.array([0.035]))
    actual = np.array([[210.0, 70.0, 0.0, 350.0]])
    released = p4p.quarterly_release_gbp(np.array([SUM_GBP]), planned, actual)
    np.testing.assert_allclose(released, [[312_900.0, 104_300.0, 0.0, 260_750.0]], atol=PENNY)
    # over-achievement in Q4 does not make up for Q3
    assert p4p.unreleased_gbp(np.array([SUM_GBP]), released) == pytest.approx(365_050.0, abs=PENNY)


def test_admissions_that_grow_release_nothing_and_all_goes_to_acute():
    # Admissions grow by 50 a quarter: actual avoided = -50.
    #   release = 0 every quarter ; unreleased = £1,043,000
    #   not avoided per quarter = 175 - (-50) = 225 -> 225 * 1,490 = £335,250
    #   for the year 4 * 335,250 = £1,341,000 > £1,043,000
    #   -> all £1,043,000 to the acute hospital, £0 to out-of-hospital services
    planned = _quarterly_plan()
    actual = np.full((1, 4), -50.0)
    released = p4p.quarterly_release_gbp(np.array([SUM_GBP]), planned, actual)
    np.testing.assert_array_equal(released, np.zeros((1, 4)))
    unreleased = p4p.unreleased_gbp(np.array([SUM_GBP]), released)
    np.testing.assert_allclose(unreleased, [SUM_GBP], atol=PENNY)
    cost_not_avoided = p4p.admissions_not_avoided_cost_gbp(planned, actual, COST).sum(axis=-1)
    np.testing.assert_allclose(cost_not_avoided, [1_341_000.0], atol=PENNY)
    to_acute, to_ooh = p4p.unreleased_split_gbp(unreleased, cost_not_avoided)
    np.testing.assert_allclose(to_acute, [SUM_GBP], atol=PENNY)
    np.testing.assert_allclose(to_ooh, [0.0], atol=PENNY)


def test_half_achievement_unreleased_matches_cost_not_avoided():
    # 50%: unreleased 1,043,000 - 521,500 = 521,500 ; not avoided 4 * 87.5 = 350
    # admissions * 1,490 = 521,500 -> all 521,500 to acute, nothing left over
    planned = _quarterly_plan()
    actual = planned * 0.5
    released = p4p.quarterly_release_gbp(np.array([SUM_GBP]), planned, actual)
    unreleased = p4p.unreleased_gbp(np.array([SUM_GBP]), released)
    cost = p4p.admissions_not_avoided_cost_gbp(planned, actual, COST).sum(axis=-1)
    to_acute, to_ooh = p4p.unreleased_split_gbp(unreleased, cost)
    np.testing.assert_allclose(unreleased, [521_500.0], atol=PENNY)
    np.testing.assert_allclose(to_acute, [521_500.0], atol=PENNY)
    np.testing.assert_allclose(to_ooh, [0.0], atol=PENNY)


def test_unreleased_split_both_ways():
    # (a) unreleased 500,000, hospital cost 300,000 -> acute 300,000, OOH 200,000
    # (b) unreleased 500,000, hospital cost 800,000 -> acute 500,000, OOH 0
    # (c) unreleased 500,000, hospital cost 0       -> acute 0, OOH 500,000
    # (d) nothing unreleased                        -> 0, 0
    unreleased = np.array([500_000.0, 500_000.0, 500_000.0, 0.0])
    cost = np.array([300_000.0, 800_000.0, 0.0, 100_000.0])
    to_acute, to_ooh = p4p.unreleased_split_gbp(unreleased, cost)
    np.testing.assert_allclose(to_acute, [300_000.0, 500_000.0, 0.0, 0.0], atol=PENNY)
    np.testing.assert_allclose(to_ooh, [200_000.0, 0.0, 500_000.0, 0.0], atol=PENNY)
    np.testing.assert_allclose(to_acute + to_ooh, unreleased, atol=PENNY)


def test_zero_planned_quarters_are_safe():
    # Q1 has no plan (and no share); an all-zero plan releases nothing; no NaN.
    planned = np.array([[0.0, 100.0, 100.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    actual = np.array([[50.0, 100.0, 50.0, 0.0], [10.0, 0.0, -5.0, 0.0]])
    p4p_sum = np.array([298_000.0, 0.0])
    with np.errstate(all="raise"):
        released = p4p.quarterly_release_gbp(p4p_sum, planned, actual)
    # row 0: shares 0, 149,000, 149,000, 0 ; achievement -, 1, 0.5, - -> 0, 149,000, 74,500, 0
    np.testing.assert_allclose(released, [[0.0, 149_000.0, 74_500.0, 0.0], [0.0, 0.0, 0.0, 0.0]], atol=PENNY)


def test_quarterly_achievement_clipped():
    got = p4p.quarterly_achievement_frac(np.array([[100.0, 100.0, 100.0, 0.0]]), np.array([[-20.0, 40.0, 130.0, 5.0]]))
    np.testing.assert_allclose(got, [[0.0, 0.4, 1.0, 0.0]])


def test_below_minimum_ambition():
    # real targets ranged 0.8% to 4.2%; exactly 3.5% is not below
    got = p4p.below_minimum_ambition(np.array([0.008, 0.031, 0.035, 0.042]))
    np.testing.assert_array_equal(got, [True, True, False, False])
    assert got.dtype == bool
    np.testing.assert_array_equal(p4p.below_minimum_ambition(np.array([0.02]), minimum_frac=0.01), [False])


def test_original_design_split():
    # £1m local pool -> 250k conditions (Apr 2015), 250k metrics (Apr 2015), 500k metrics (Oct 2015)
    conditions, april_metrics, october_metrics = p4p.original_design_split_gbp(np.array([1_000_000.0]))
    np.testing.assert_allclose(conditions, [250_000.0], atol=PENNY)
    np.testing.assert_allclose(april_metrics, [250_000.0], atol=PENNY)
    np.testing.assert_allclose(october_metrics, [500_000.0], atol=PENNY)
    # national £1bn -> £250m / £250m / £500m
    national = p4p.original_design_split_gbp(1e9)
    np.testing.assert_allclose(national, [250e6, 250e6, 500e6], atol=PENNY)


def test_achievement_lower_is_better_luton_residential():
    # Luton permanent admissions 65+ to residential care per 100,000:
    # (428.4 - 432.7) / (424.1 - 432.7) = -4.3 / -8.6 = 0.5
    got = p4p.achievement_frac(432.7, 424.1, 428.4, higher_is_better=False)
    assert got == pytest.approx(0.5, abs=1e-12)


def test_achievement_per_metric_matrix():
    # metrics: residential per 100k (lower better), reablement % (higher better)
    # scenario 0: residential 428.4 -> 0.5 ; reablement (77.685-73.90)/(81.47-73.90) = 3.785/7.57 = 0.5
    # scenario 1: residential 440.0 (worse) -> (440-432.7)/(-8.6) = -0.8488... ;
    #             reablement 81.47 -> 1.0
    baseline = np.array([432.7, 73.90])
    target = np.array([424.1, 81.47])
    actual = np.array([[428.4, 77.685], [440.0, 81.47]])
    got = p4p.achievement_frac(baseline, target, actual, np.array([False, True]))
    assert got.shape == (2, 2)
    np.testing.assert_allclose(got, [[0.5, 0.5], [7.3 / -8.6, 1.0]], atol=1e-9)


def test_achievement_when_no_change_planned():
    # target == baseline: met (1) if at or better than target in the metric's direction
    baseline = np.array([100.0, 100.0])
    actual = np.array([[99.0, 99.0], [101.0, 101.0], [100.0, 100.0]])
    got = p4p.achievement_frac(baseline, baseline, actual, np.array([True, False]))
    np.testing.assert_array_equal(got, [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def test_overall_achievement():
    # clip each to [0,1]: (0.5, 1.0 [from 1.4], 0.0 [from -0.2]) -> mean 0.5
    # weights (2, 1, 1): (1.0 + 1.0 + 0) / 4 = 0.5
    ach = np.array([[0.5, 1.4, -0.2]])
    np.testing.assert_allclose(p4p.overall_achievement_frac(ach), [0.5])
    np.testing.assert_allclose(p4p.overall_achievement_frac(ach, weights=np.array([2.0, 1.0, 1.0])), [0.5])


def test_contingency_funding_70_percent_rule():
    got = p4p.contingency_funding_allowed(np.array([0.69, 0.70, 0.95]))
    np.testing.assert_array_equal(got, [False, True, True])


def test_release_invariants_random():
    rng = np.random.default_rng(20140701)
    n = 10_000
    baseline_q = rng.uniform(0.0, 10_000.0, size=(n, 4))
    reduction = rng.uniform(0.0, 0.06, size=n)
    planned = p4p.planned_admissions_avoided(baseline_q, reduction)
    planned[rng.random((n, 4)) < 0.05] = 0.0
    actual = planned * rng.uniform(-1.0, 2.0, size=(n, 4))
    p4p_sum = planned.sum(axis=1) * COST
    released = p4p.quarterly_release_gbp(p4p_sum, planned, actual)
    assert np.isfinite(released).all()
    assert (released >= 0.0).all()
    assert (released.sum(axis=1) <= p4p_sum + 1e-6).all()
    unreleased = p4p.unreleased_gbp(p4p_sum, released)
    assert (unreleased >= -1e-6).all()
    cost = p4p.admissions_not_avoided_cost_gbp(planned, actual, COST).sum(axis=1)
    to_acute, to_ooh = p4p.unreleased_split_gbp(unreleased, cost)
    np.testing.assert_allclose(to_acute + to_ooh, unreleased, atol=1e-6)
    # when the sum is priced at the same cost per admission, the hospital's claim
    # always covers what is unreleased
    np.testing.assert_allclose(to_ooh, 0.0, atol=1e-6)
