"""Hand-worked checks of finmodel.core.shortfall (docs/SOURCES.md §4-6)."""

import numpy as np
import pytest

from finmodel.core import shortfall

PENNY = 0.005


def test_undelivered_savings():
    # year 1: planned 2,000,000, delivered 1,250,000 -> 750,000 short
    # year 2: planned 1,000,000, delivered 1,100,000 -> -100,000 (underspend)
    got = shortfall.undelivered_savings_gbp(
        np.array([[2_000_000.0, 1_000_000.0]]), np.array([[1_250_000.0, 1_100_000.0]])
    )
    assert got.shape == (1, 2)
    np.testing.assert_allclose(got, [[750_000.0, -100_000.0]], atol=PENNY)


def test_excess_admissions_cost_including_growth():
    # planned 19,300 (700 fewer than 20,000):
    #   actual 19,650 -> 350 more than plan * 1,490 = 521,500
    #   actual 20,980 (grew 4.9% above baseline) -> 1,680 * 1,490 = 2,503,200
    #   actual 19,200 -> -100 * 1,490 = -149,000 (fewer than planned)
    planned = np.array([[19_300.0, 19_300.0, 19_300.0]])
    actual = np.array([[19_650.0, 20_980.0, 19_200.0]])
    got = shortfall.excess_admissions_cost_gbp(planned, actual, 1_490.0)
    np.testing.assert_allclose(got, [[521_500.0, 2_503_200.0, -149_000.0]], atol=PENNY)


def test_beds_not_closed_cost_luton_60_beds():
    # 60 beds * 365 days * £250 per bed-day (test figure) = 5,475,000
    # 60 beds * 182 days * £250 = 2,730,000 (beds close half-way through the year)
    got = shortfall.beds_not_closed_cost_gbp(np.array([[60.0, 60.0]]), np.array([[365.0, 182.0]]), 250.0)
    np.testing.assert_allclose(got, [[5_475_000.0, 2_730_000.0]], atol=PENNY)


def test_demographic_pressure_above_plan():
    # actual 3,200,000 vs planned 2,875,000 -> 325,000 ; actual 2,500,000 vs 2,875,000 -> -375,000
    got = shortfall.demographic_pressure_above_plan_gbp(
        np.array([[3_200_000.0, 2_500_000.0]]), np.array([[2_875_000.0, 2_875_000.0]])
    )
    np.testing.assert_allclose(got, [[325_000.0, -375_000.0]], atol=PENNY)


def test_total_shortfall_sums_components_and_broadcasts():
    # 750,000 + 521,500 + 5,475,000 + 325,000 = 7,071,500
    # second year: -100,000 + -149,000 + 0 + 325,000 = 76,000
    total = shortfall.total_shortfall_gbp(
        np.array([[750_000.0, -100_000.0]]),
        np.array([[521_500.0, -149_000.0]]),
        np.array([[5_475_000.0, 0.0]]),
        325_000.0,
    )
    assert total.shape == (1, 2)
    np.testing.assert_allclose(total, [[7_071_500.0, 76_000.0]], atol=PENNY)


def test_total_shortfall_needs_a_component():
    with pytest.raises(ValueError):
        shortfall.total_shortfall_gbp()


def test_total_shortfall_does_not_modify_inputs():
    a = np.array([[1.0, 2.0]])
    shortfall.total_shortfall_gbp(a, a)
    np.testing.assert_array_equal(a, [[1.0, 2.0]])
