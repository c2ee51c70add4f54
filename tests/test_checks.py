"""Assurance checks: each rating worked from the mini plan's numbers."""

import pytest

from finmodel.budget import compute_pool
from finmodel.checks import (
    check_care_act,
    check_costs_and_benefits,
    check_minimum_pooled,
    check_social_care_protection,
    check_sources_equal_uses,
)
from finmodel.engine import run
from finmodel.plan import plan_from_dict
from tests.support.plans import CENTRAL_BEDS, LUTON, mini_plan


def rag(data, check, with_plan=False):
    plan = plan_from_dict(data)
    pool = compute_pool(plan)
    return check(plan, pool) if with_plan else check(pool)


def test_minimum_pooled_green_and_red():
    data = mini_plan()
    assert rag(data, check_minimum_pooled).rag == "Green"
    data["minimum_pool"]["stated"]["2015/16"] = 2_700_000  # pool 2,600,000 is 100,000 short
    c = rag(data, check_minimum_pooled)
    assert c.rag == "Red" and "short by £100,000" in c.reason


def test_costs_and_benefits():
    data = mini_plan()
    c = rag(data, check_costs_and_benefits, with_plan=True)
    assert c.rag == "Amber" and "4 of 5 without benefits" in c.reason  # only S2 states a benefit
    for s in data["schemes"]:
        s.pop("benefits", None)
    assert rag(data, check_costs_and_benefits, with_plan=True).rag == "Red"  # Luton's case (seed 000)
    for s in data["schemes"]:
        s["benefits"] = {"2015/16": 1}
    assert rag(data, check_costs_and_benefits, with_plan=True).rag == "Green"


def test_care_act_proportionate():
    data = mini_plan()
    # share 0.1% x £135m = 135,000; 121,500 / 135,000 = 90% -> Green at the 90% line
    c = rag(data, check_care_act)
    assert c.rag == "Green" and "90%" in c.reason
    data["care_act"]["amount"]["2015/16"] = 100_000  # 74% -> Amber
    assert rag(data, check_care_act).rag == "Amber"
    data["care_act"]["amount"] = {}
    assert rag(data, check_care_act).rag == "Red"


def test_social_care_protection():
    data = mini_plan()
    # stated 100,000, schemes flagged 100,000 (S3) -> Green
    assert rag(data, check_social_care_protection, with_plan=True).rag == "Green"
    data["social_care_protection"]["amount"]["2015/16"] = 150_000  # schemes fund 50,000 less
    c = rag(data, check_social_care_protection, with_plan=True)
    assert c.rag == "Amber" and "£50,000 less" in c.reason
    data["social_care_protection"]["definition"] = ""
    assert rag(data, check_social_care_protection, with_plan=True).rag == "Red"


def test_sources_equal_uses():
    data = mini_plan()
    c = rag(data, check_sources_equal_uses)
    assert c.rag == "Amber" and "£500,000 unallocated" in c.reason  # 2,600,000 - 2,100,000
    data["schemes"][1]["spend"]["2015/16"] = 2_000_000  # now uses = sources
    assert rag(data, check_sources_equal_uses).rag == "Green"
    data["schemes"][1]["spend"]["2015/16"] = 2_100_000  # 100,000 over the pool and the stream
    c = rag(data, check_sources_equal_uses)
    assert c.rag == "Red" and "overcommitted by £100,000" in c.reason


@pytest.mark.parametrize("path,expected", [
    (LUTON, {"minimum_pooled": "Green", "costs_and_benefits": "Red", "care_act": "Red",
             "social_care_protection": "Green", "sources_equal_uses": "Green"}),
    (CENTRAL_BEDS, {"minimum_pooled": "Green", "costs_and_benefits": "Amber", "care_act": "Green",
                    "social_care_protection": "Green", "sources_equal_uses": "Green"}),
])
def test_shipped_plans_ratings(path, expected):
    # Luton: seed 000 marked the plan down for schemes without benefits and no Care Bill money
    ratings = {c.key: c.rag for c in run(path).checks}
    for key, value in expected.items():
        assert ratings[key] == value
