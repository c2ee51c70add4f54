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
    data["schemes"][1]["care_act"] = True  # S2, £1,500,000 in 2015/16, backs the £121,500
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


def test_care_act_stated_but_not_backed_by_schemes_is_amber():
    # Stated £121,500 for 2015/16; no scheme flagged care_act -> backed £0 -> Amber, £121,500 unbacked.
    data = mini_plan()
    c = rag(data, check_care_act)
    assert c.rag == "Amber" and "£121,500 is not backed" in c.reason and "carry £0" in c.reason
    # A flagged scheme carrying only £100,000 (S3 is £100,000): £21,500 unbacked, still Amber.
    data["schemes"][2]["care_act"] = True
    c = rag(data, check_care_act)
    assert c.rag == "Amber" and "£21,500 is not backed" in c.reason


def _checks(data):
    from finmodel.engine import run_plan

    return {c.key: c for c in run_plan(plan_from_dict(data), "mini.toml").checks}


def _with_risk_share(basis, **extra):
    data = mini_plan()
    data["partners"] = [{"name": "NHS Testshire CCG", "kind": "ccg", "share_pct": 100, "source": "test"}]
    data["risk_share"] = {"contingency_basis": basis, "source": "test", **extra}
    return data


def test_contingency_basis_none_is_red_and_zero_stated_is_amber():
    assert _checks(_with_risk_share("none"))["contingency"].rag == "Red"
    zero = _with_risk_share("stated", contingency={"2014/15": 0, "2015/16": 0})
    c = _checks(zero)["contingency"]
    assert c.rag == "Amber" and "£0" in c.reason
    assert _checks(_with_risk_share("stated", contingency={"2015/16": 50_000}))["contingency"].rag == "Green"


def test_share_of_the_1bn_is_p4p_sum_or_out_of_hospital_spend():
    # Luton: P4P sum £1,147,300 + NHS out-of-hospital spend £2,368,000 = £3,515,300 < 0.40% x £1bn = £4,000,000.
    c = {c.key: c for c in run(LUTON).checks}["performance_element"]
    assert c.rag == "Red" and "£3,515,300" in c.reason and "£4,000,000" in c.reason and "£484,700" in c.reason
    # Mini plan, revised design: baseline 1,000 NEL a quarter, 3.5% -> 140 avoided x £1,490 = £208,600;
    # S2 is joint, 60% NHS, out-of-hospital, £1,500,000 in 2015/16 -> £900,000 NHS-commissioned OOH spend
    # (the check reads the pool's figure). Share 0.1% x £1bn = £1,000,000. 208,600 + OOH >= 1,000,000?
    data = mini_plan()
    data["p4p"] = {"nel_baseline_by_quarter": [1000, 1000, 1000, 1000], "planned_reduction_pct": 3.5, "source": "test"}
    checks = _checks(data)
    from finmodel.budget import compute_pool

    ooh = compute_pool(plan_from_dict(data)).nhs_out_of_hospital_gbp[0, 1]
    c = checks["performance_element"]
    assert "£208,600" in c.reason and "£1,000,000" in c.reason
    assert c.rag == ("Green" if 208_600 + ooh >= 1_000_000 else "Red")
    data["schemes"][1]["nhs_out_of_hospital"] = False  # OOH spend £0: 208,600 < 1,000,000 -> Red, short £791,400
    c = _checks(data)["performance_element"]
    assert c.rag == "Red" and "£791,400" in c.reason
    data["p4p"]["design"] = "original"
    assert "performance_element" not in _checks(data)


def test_metric_with_baseline_and_target_zero_is_refused():
    from finmodel.plan import PlanError

    data = mini_plan()
    data["metrics"] = [{"name": "DToC", "unit": "per 100,000", "higher_is_better": False, "baseline": 0, "target": 0,
                        "source": "test"}]
    with pytest.raises(PlanError) as exc:
        plan_from_dict(data, "m.toml")
    assert exc.value.problems[0][0] == "metrics[0].baseline" and "baseline 0 and target 0" in exc.value.problems[0][2]


def test_national_conditions_stated_shown_and_missing_red():
    data = mini_plan()
    data["national_conditions"] = [{"condition": "seven_day_working", "status": "partly", "evidence": "Early days.",
                                    "page_ref": "T1 P20", "score": 6, "source": "test"}]
    checks = _checks(data)
    c = checks["condition_seven_day_working"]
    assert c.rag == "Amber" and "Partly met (T1 P20): Early days (assurer's score 6/10)." == c.reason
    assert checks["condition_jointly_agreed"].rag == "Red" and "Not stated" in checks["condition_jointly_agreed"].reason
    data["national_conditions"].append(dict(data["national_conditions"][0]))
    from finmodel.plan import PlanError

    with pytest.raises(PlanError, match="already stated"):
        plan_from_dict(data, "c.toml")


def test_luton_conditions_as_the_review_scored_them():
    # seed 000: jointly agreed G 10, seven-day A 6, data sharing A 7, joint assessment G 8, acute impact G 8
    ratings = {c.key: c.rag for c in run(LUTON).checks}
    assert [ratings[f"condition_{k}"] for k in ("jointly_agreed", "seven_day_working", "data_sharing_nhs_number",
                                                 "joint_assessment", "acute_sector_impact")] == \
        ["Green", "Amber", "Amber", "Green", "Green"]


def test_minimum_by_organisation_fails_when_one_partner_puts_in_less():
    # Luton: the council owes £880,000 DFG + £536,000 capital = £1,416,000 in 2015/16.  Lower its
    # DFG contribution by £100,000 (880 -> 780 £000) and the CCG's £7.6m by nothing: the council
    # contributes £1,316,000 of its £1,416,000, so the check is Red and names it.
    import tomllib

    data = tomllib.loads(LUTON.read_text("utf-8"))
    ok = {c.key: c for c in run_plan_data(data)}["minimum_pooled"]
    assert ok.rag == "Green" and "each of 3 organisations" in ok.reason
    dfg = next(c for c in data["contributions"] if c["stream"] == "dfg")
    dfg["amount"] = 780
    c = {c.key: c for c in run_plan_data(data)}["minimum_pooled"]
    assert c.rag == "Red" and "Luton Borough Council 2015/16 contributes £1,316,000 of its minimum £1,416,000" in c.reason


def test_another_partners_extra_money_does_not_hide_a_shortfall():
    # Council £100,000 short as above, CCG adds £500,000 additional: total above the HWB minimum, still Red.
    import tomllib

    data = tomllib.loads(LUTON.read_text("utf-8"))
    next(c for c in data["contributions"] if c["stream"] == "dfg")["amount"] = 780
    data["contributions"].append({"year": "2015/16", "organisation": "NHS Luton CCG", "stream": "additional_ccg",
                                  "amount": 500, "source": "test"})
    c = {c.key: c for c in run_plan_data(data)}["minimum_pooled"]
    assert c.rag == "Red" and "Luton Borough Council" in c.reason


@pytest.mark.parametrize("change,field", [
    (lambda mp: mp["by_organisation"][0].update(amount=0), "minimum_pool.by_organisation[0].amount"),
    (lambda mp: mp.update(by_organisation=[e for e in mp["by_organisation"] if e["year"] != "2014/15"]),
     "minimum_pool.by_organisation"),
    (lambda mp: mp["by_organisation"][1].update(organisation="NHS Nowhere CCG"), "minimum_pool.by_organisation[1].organisation"),
])
def test_a_minimum_that_tests_nothing_is_an_error(change, field):
    import tomllib

    from finmodel.plan import PlanError

    data = tomllib.loads(LUTON.read_text("utf-8"))
    change(data["minimum_pool"])
    with pytest.raises(PlanError) as exc:
        plan_from_dict(data, "luton.toml")
    assert any(p[0] == field for p in exc.value.problems)


def test_stated_minimum_of_zero_is_an_error():
    from finmodel.plan import PlanError

    data = mini_plan()
    data["minimum_pool"]["stated"]["2015/16"] = 0
    with pytest.raises(PlanError, match="a minimum of 0 tests nothing"):
        plan_from_dict(data, "m.toml")


def run_plan_data(data):
    from finmodel.engine import run_plan

    return run_plan(plan_from_dict(data, "luton.toml"), "luton.toml").checks
