"""The pooled budget, worked by hand (mini plan in tests/support/plans.py) and the shipped plans."""

import numpy as np
import pytest

from finmodel.budget import ALL_STREAMS, compute_pool
from finmodel.plan import Stream, load_plan, plan_from_dict
from tests.support.plans import CENTRAL_BEDS, LUTON, PENNY, mini_plan


@pytest.fixture()
def pool():
    return compute_pool(plan_from_dict(mini_plan()))


def col(stream):
    return ALL_STREAMS.index(stream)


def test_pool_total_by_year(pool):
    # 2014/15: 1,000,000 s256.  2015/16: 2,000,000 + 100,000 + 300,000 + 200,000 = 2,600,000
    assert pool.pool_gbp[0] == pytest.approx([1_000_000, 2_600_000], abs=PENNY)


def test_pool_by_stream_and_organisation(pool):
    assert pool.by_year_stream_gbp[0, 1, col(Stream.ccg_minimum)] == 2_000_000
    assert pool.by_year_stream_gbp[0, 1, col(Stream.dfg)] == 300_000
    # organisations in order of first appearance: NHS England, CCG, Council
    # CCG 2015/16 = 2,000,000 + 100,000 = 2,100,000; Council = 300,000 + 200,000 = 500,000
    assert pool.organisations == ["NHS England", "NHS Testshire CCG", "Testshire Council"]
    assert pool.by_year_org_gbp[0, 1] == pytest.approx([0, 2_100_000, 500_000], abs=PENNY)
    # shares sum to the whole: organisations and streams both add up to the pool
    assert pool.by_year_org_gbp[0].sum(axis=1) == pytest.approx(pool.pool_gbp[0])
    assert pool.by_year_stream_gbp[0].sum(axis=1) == pytest.approx(pool.pool_gbp[0])


def test_minimum_and_margin(pool):
    # stated minimum 1,000,000 and 2,500,000 -> margin 0 and 2,600,000 - 2,500,000 = 100,000
    assert pool.minimum_gbp[0] == pytest.approx([1_000_000, 2_500_000])
    assert pool.margin_gbp[0] == pytest.approx([0, 100_000], abs=PENNY)


def test_capital_and_revenue(pool):
    # capital 2015/16 = DFG 300,000 + social care capital 200,000 = 500,000; revenue = 2,600,000 - 500,000
    assert pool.capital_gbp[0] == pytest.approx([0, 500_000])
    assert pool.revenue_gbp[0] == pytest.approx([1_000_000, 2_100_000])


def test_dfg_passed_to_districts_only_in_two_tier_areas():
    data = mini_plan()
    assert compute_pool(plan_from_dict(data)).dfg_to_districts_gbp[0].tolist() == [0, 0]
    data["hwb"]["two_tier"] = True
    data["hwb"]["district_councils"] = ["North District", "South District"]
    # the whole 300,000 DFG goes to the district housing authorities
    assert compute_pool(plan_from_dict(data)).dfg_to_districts_gbp[0].tolist() == [0, 300_000]


def test_sources_vs_uses(pool):
    # uses 2015/16 = 1,500,000 + 100,000 + 300,000 + 200,000 = 2,100,000; unallocated 2,600,000 - 2,100,000 = 500,000
    assert pool.spend_gbp[0] == pytest.approx([1_000_000, 2_100_000])
    assert pool.unallocated_gbp[0] == pytest.approx([0, 500_000], abs=PENNY)
    assert pool.stream_overcommitted_gbp.sum() == 0


def test_overcommitted_stream_is_measured():
    data = mini_plan()
    data["schemes"][2]["spend"] = {"2015/16": 150_000}  # carers scheme spends 150,000 of a 100,000 stream
    pool = compute_pool(plan_from_dict(data))
    assert pool.stream_overcommitted_gbp[0, 1, col(Stream.carers_breaks)] == pytest.approx(50_000)


def test_spend_by_area_and_commissioner(pool):
    areas = {a: pool.spend_by_area_gbp[0, 1, i] for i, a in enumerate(["social_care", "community_health", "acute", "primary_care", "mental_health", "other"])}
    # social care 100,000 (S3); community health 1,500,000 (S2); other 300,000 + 200,000
    assert areas == pytest.approx({"social_care": 100_000, "community_health": 1_500_000, "acute": 0,
                                   "primary_care": 0, "mental_health": 0, "other": 500_000})
    # joint S2 is 60% NHS: 0.6 x 1,500,000 = 900,000 NHS; council 2,100,000 - 900,000 = 1,200,000
    assert pool.spend_nhs_commissioned_gbp[0, 1] == pytest.approx(900_000)
    assert pool.spend_council_commissioned_gbp[0, 1] == pytest.approx(1_200_000)
    assert pool.nhs_out_of_hospital_gbp[0, 1] == pytest.approx(1_500_000)


def test_protection_and_earmarks(pool):
    # protection 100,000 / pool 2,600,000 = 3.846%
    assert pool.protection_pct_of_pool[0, 1] == pytest.approx(100 * 100_000 / 2_600_000)
    assert pool.protection_schemes_gbp[0] == pytest.approx([1_000_000, 100_000])
    # shares of 0.1%: Care Act 0.001 x 135m = 135,000; carers 0.001 x 130m = 130,000; reablement 0.001 x 300m = 300,000
    assert pool.care_act_share_gbp[1] == pytest.approx(135_000)
    assert pool.carers_share_gbp[1] == pytest.approx(130_000)
    assert pool.reablement_share_gbp[1] == pytest.approx(300_000)
    assert pool.care_act_gbp[1] == 121_500


def test_money_in_thousands_is_converted_to_pounds():
    data = mini_plan()
    data["money_unit"] = "gbp_thousands"
    for c in data["contributions"]:
        c["amount"] = c["amount"] / 1000
    pool = compute_pool(plan_from_dict(data))
    assert pool.pool_gbp[0] == pytest.approx([1_000_000, 2_600_000])


def test_luton_derived_minimum():
    # derived from national totals x 0.40%:
    # 2014/15: 1,100m x 0.004 = 4,400,000
    # 2015/16: (1,900 + 1,100 + 130 + 300 + 220 + 134)m = 3,784m x 0.004 = 15,136,000
    #          (the £135m Care Act money is inside the £1.9bn, so not added again)
    pool = compute_pool(load_plan(LUTON))
    assert pool.minimum_gbp[0, :2] == pytest.approx([4_400_000, 15_136_000], abs=PENNY)
    assert pool.pool_gbp[0, :2] == pytest.approx([4_400_000, 15_136_000], abs=PENNY)  # contributions at the minimum
    # 75% protection of social care: 0.75 x 15,136,000 = 11,352,000
    assert pool.protection_pct_of_pool[0, 1] == pytest.approx(75.0)


def test_central_bedfordshire_totals():
    pool = compute_pool(load_plan(CENTRAL_BEDS))
    # seed 002: 2014/15 £3.821m = £3.099m 2013/14 NHS transfer + £0.722m increase
    assert pool.pool_gbp[0, 0] == pytest.approx(3_099_000 + 722_000, abs=PENNY) == 3_821_000
    # seed 002: 2015/16 £15.290m = £14.1m from Bedfordshire CCG + £1.19m DFG and social care capital
    org = dict(zip(pool.organisations, pool.by_year_org_gbp[0, 1]))
    assert org["NHS Bedfordshire CCG"] == pytest.approx(14_100_000, abs=PENNY)
    assert org["Central Bedfordshire Council"] == pytest.approx(1_190_000, abs=PENNY)
    assert pool.capital_gbp[0, 1] == pytest.approx(1_190_000, abs=PENNY)
    assert pool.pool_gbp[0, 1] == pytest.approx(15_290_000, abs=PENNY)
    assert pool.margin_gbp[0] == pytest.approx([0, 0], abs=PENNY)
    assert np.all(np.abs(pool.unallocated_gbp[0]) < PENNY)


def test_national_totals_carry_their_sources():
    from finmodel.national import national_amount_gbp, national_totals

    # docs/SOURCES.md §2: 1.9 + 1.1 + 0.13 + 0.3 + 0.22 + 0.134 = £3.784bn in 2015/16 (Care Act £135m inside the £1.9bn)
    counted = sum(l.amount_gbp for l in national_totals() if l.year == "2015/16" and l.within is None)
    assert counted == pytest.approx(3_784_000_000)
    assert national_amount_gbp("2015/16", Stream.care_act_revenue) == 135_000_000
    assert national_amount_gbp("2014/15", Stream.nhs_transfer_s256) == 1_100_000_000  # £900m + £200m
    assert all(l.source for l in national_totals())
