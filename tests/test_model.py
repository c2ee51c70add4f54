"""The savings -> P4P -> shortfall -> risk-share chain through the engine, worked by hand."""

import datetime as dt

import numpy as np
import pytest

from finmodel.arrays import model_inputs
from finmodel.engine import run_plan
from finmodel.model import SHORTFALL_PARTS, evaluate, monthly_qipp_profile_gbp
from finmodel.plan import plan_from_dict
from finmodel.scenario import Scenario, apply_scenario
from tests.support.plans import LUTON, PENNY, mini_plan

ADMISSIONS, BEDS, DEMOGRAPHIC = 1, 2, 3  # indices into SHORTFALL_PARTS


def plan_with_qipp(benefits=True, lines=None, investment=None):
    """Mini plan + one cohort: go-live 1 Aug 2014, 100 EAs a month, £2,000 tariff, 30% marginal rate."""
    data = mini_plan()
    if not benefits:
        data["schemes"][1].pop("benefits")
        data["schemes"][1].pop("benefit_activity")
    data["qipp"] = {
        "marginal_rate_pct": 30, "outpatient_reduction_pct": 10, "source": "t",
        "investment": investment or {},
        "cohorts": [{
            "name": "C1", "go_live": dt.date(2014, 8, 1), "initial_reduction_pct": 20, "initial_months": 12,
            "step_pp_pm": 2, "ceiling_pct": 32, "source": "t",
            "lines": lines or [{"kind": "emergency_admissions", "baseline_pa": 1200, "tariff_gbp": 2000, "source": "t"}],
        }],
    }
    data["p4p"] = {"nel_baseline_by_quarter": [5000, 5000, 5000, 5000], "planned_reduction_pct": 3.5,
                   "cost_per_admission_gbp": 1490, "source": "t"}
    data["partners"] = [
        {"name": "CCG", "kind": "ccg", "share_pct": 50, "source": "t"},
        {"name": "Council", "kind": "council", "share_pct": 30, "cap": 100_000, "source": "t"},
        {"name": "Trust", "kind": "acute_trust", "share_pct": 20, "source": "t"},
    ]
    data["risk_share"] = {"contingency_basis": "p4p_sum", "beds_planned_to_close": 60, "beds_close_from": "2015/16",
                          "bed_day_cost_gbp": 250, "bed_days_pa": 365, "source": "t"}
    return data


def result(data, **outturn):
    scen = Scenario(name="t", overrides={f"outturn.{k}": v for k, v in outturn.items()})
    plan = apply_scenario(data, "mini.toml", scen)
    return run_plan(plan, "mini.toml", scen)


def test_qipp_ramp_hand_worked():
    # 100 EAs a month x £2,000 x 30% = £600 per month per 100% of reduction.
    # 2014/15: Aug-Mar = 8 months at 20% -> 8 x 0.20 x 100 x £600 = £96,000
    # 2015/16: Apr-Jul 4 x 20% = 80%; Aug..Mar 22+24+26+28+30+32+32+32 = 226% -> 3.06 x 100 x £600 = £183,600
    o = result(plan_with_qipp(benefits=False)).outputs
    assert o.qipp_by_activity_gbp[0, :, 0] == pytest.approx([96_000, 183_600], abs=PENNY)
    assert o.ea_avoided[0] == pytest.approx([160, 306])  # 8 x 20 and 306% x 100


def test_ae_and_outpatient_lines():
    lines = [
        {"kind": "emergency_admissions", "baseline_pa": 1200, "tariff_gbp": 2000, "admitted_via_ae_pct": 50, "source": "t"},
        {"kind": "ae_attendances", "baseline_pa": 3000, "tariff_gbp": 100, "source": "t"},
        {"kind": "outpatient_first", "baseline_pa": 1200, "tariff_gbp": 150, "source": "t"},
    ]
    o = result(plan_with_qipp(benefits=False, lines=lines)).outputs
    # A&E: half the EAs came via A&E: 2014/15 160 EAs avoided x 50% = 80 attendances x £100 = £8,000;
    #      2015/16 306 x 50% = 153 x £100 = £15,300
    assert o.qipp_by_activity_gbp[0, :, 1] == pytest.approx([8_000, 15_300], abs=PENNY)
    # outpatients: 100 a month x 10% x £150 = £1,500 a live month: 8 months = £12,000; 12 months = £18,000
    assert o.qipp_by_activity_gbp[0, :, 2] == pytest.approx([12_000, 18_000], abs=PENNY)


def test_part_year_vs_full_year_and_net():
    o = result(plan_with_qipp(benefits=False, investment={"2014/15": 50_000})).outputs
    # full-year effect of the March run-rate: 2014/15 12 x 20% x 100 x £600 = £144,000;
    # 2015/16 12 x 32% x 100 x £600 = £230,400 (the ceiling is reached in Jan 2016)
    assert o.qipp_full_year_effect_gbp[0] == pytest.approx([144_000, 230_400], abs=PENNY)
    # net = gross - investment: 96,000 - 50,000 = 46,000
    assert o.qipp_net_gbp[0] == pytest.approx([46_000, 183_600], abs=PENNY)


def test_monthly_profile_sums_to_the_closed_form_years():
    r = result(plan_with_qipp(benefits=False), go_live_delay_months=2, savings_delivery_pct=70)
    monthly = monthly_qipp_profile_gbp(r.inputs, 2)[0]  # (C, 24, 3)
    by_year = monthly.sum(axis=0).reshape(2, 12, 3).sum(axis=1)
    assert by_year == pytest.approx(r.outputs.qipp_by_activity_gbp[0, :, :3], abs=PENNY)


def test_overlap_counted_once_and_flagged():
    r = result(plan_with_qipp(benefits=True))
    o = r.outputs
    # scheme S2 claims £200,000 of EA benefits in 2015/16; QIPP EA savings are £183,600 the same year:
    # overlap = min(183,600, 200,000) = 183,600; counted once = 183,600 + 200,000 - 183,600 = 200,000
    assert o.overlap_planned_by_activity_gbp[0, 1, 0] == pytest.approx(183_600, abs=PENNY)
    assert o.savings_planned_gbp[0, 1] == pytest.approx(200_000, abs=PENNY)
    # 2014/15: no scheme benefit, so nothing overlaps: 96,000 counted once
    assert o.savings_planned_gbp[0, 0] == pytest.approx(96_000, abs=PENNY)
    check = {c.key: c for c in r.checks}["qipp_double_counting"]
    assert check.rag == "Amber" and "£183,600" in check.reason


def test_no_overlap_when_activities_differ():
    data = plan_with_qipp(benefits=True)
    data["schemes"][1]["benefit_activity"] = "outpatients"  # QIPP has no outpatient line here
    o = result(data).outputs
    assert o.overlap_planned_by_activity_gbp.sum() == 0
    assert o.savings_planned_gbp[0, 1] == pytest.approx(183_600 + 200_000, abs=PENNY)


def test_p4p_sum_and_release_through_the_engine():
    data = plan_with_qipp(benefits=False)
    # 20,000 admissions x 3.5% = 700 avoided x £1,490 = £1,043,000
    base = result(data).outputs
    assert base.p4p_sum_gbp[0] == pytest.approx(1_043_000, abs=PENNY)
    assert base.p4p_released_gbp[0] == pytest.approx(1_043_000, abs=PENNY)
    # half the reduction (-1.75%) releases half; none (0%) releases nothing; 120% (-4.2%) is capped at the sum
    assert result(data, nel_admissions_change_pct=-1.75).outputs.p4p_released_gbp[0] == pytest.approx(521_500, abs=PENNY)
    assert result(data, nel_admissions_change_pct=0).outputs.p4p_released_gbp[0] == pytest.approx(0, abs=PENNY)
    assert result(data, nel_admissions_change_pct=-4.2).outputs.p4p_released_gbp[0] == pytest.approx(1_043_000, abs=PENNY)


def test_shortfall_savings_not_delivered():
    o = result(plan_with_qipp(benefits=False), savings_delivery_pct=50).outputs
    # half of 96,000 and 183,600 is not delivered
    assert o.shortfall_parts_gbp[0, :, 0] == pytest.approx([48_000, 91_800], abs=PENNY)


def test_shortfall_admissions_above_plan():
    data = plan_with_qipp(benefits=False)
    o = result(data, nel_admissions_change_pct=0).outputs
    # admissions flat: 700 above plan x £1,490 = £1,043,000 in 2015/16 (QIPP EAs still avoided)
    assert o.shortfall_parts_gbp[0, :, ADMISSIONS] == pytest.approx([0, 1_043_000], abs=PENNY)
    o = result(data, nel_admissions_change_pct=0, ea_reduction_delivery_pct=0).outputs
    # the cohort's 306 EAs not avoided in 2015/16 are already in savings not delivered (£183,600),
    # so admissions above plan count (700 - 306) = 394 x £1,490 = £587,060
    assert o.shortfall_parts_gbp[0, 1, 0] == pytest.approx(183_600, abs=PENNY)
    assert o.shortfall_parts_gbp[0, 1, ADMISSIONS] == pytest.approx(587_060, abs=PENNY)
    # admissions that GROW 4.9%: 20,000 x (4.9% + 3.5%) = 1,680 above plan; less 306 = 1,374 x £1,490 = £2,047,260
    o = result(data, nel_admissions_change_pct=4.9, ea_reduction_delivery_pct=0).outputs
    assert o.shortfall_parts_gbp[0, 1, ADMISSIONS] == pytest.approx(2_047_260, abs=PENNY)


def test_shortfall_beds_and_demographic_growth():
    o = result(plan_with_qipp(benefits=False), beds_not_closed=60,
               demographic_growth_above_plan={"2015/16": 100_000}).outputs
    # 60 beds x 365 days x £250 = £5,475,000 from 2015/16
    assert o.shortfall_parts_gbp[0, :, BEDS] == pytest.approx([0, 5_475_000], abs=PENNY)
    assert o.shortfall_parts_gbp[0, :, DEMOGRAPHIC] == pytest.approx([0, 100_000], abs=PENNY)
    assert o.shortfall_gbp[0, 1] == pytest.approx(5_575_000, abs=PENNY)
    assert SHORTFALL_PARTS[BEDS] == "beds_not_closed"


def test_waterfall_with_a_cap_through_the_engine():
    o = result(plan_with_qipp(benefits=False), beds_not_closed=60).outputs
    # 2015/16 shortfall 5,475,000; contingency (the P4P sum) 1,043,000 -> 4,432,000 to partners 50/30/20.
    # Council's 30% = 1,329,600 is capped at 100,000; its excess 1,229,600 moves to CCG and Trust 50:20:
    # CCG 2,216,000 + 1,229,600 x 5/7 = 3,094,285.71; Trust 886,400 + 1,229,600 x 2/7 = 1,237,714.29
    assert o.contingency_used_gbp[0, 1] == pytest.approx(1_043_000, abs=PENNY)
    assert o.partner_payments_gbp[0, 1] == pytest.approx([3_094_285.71, 100_000, 1_237_714.29], abs=0.01)
    assert o.unfunded_gap_gbp[0, 1] == pytest.approx(0, abs=PENNY)


def test_contingency_covers_it_all():
    o = result(plan_with_qipp(benefits=False), savings_delivery_pct=50).outputs
    # 2015/16 shortfall 91,800 < contingency 1,043,000: the contingency pays all, partners nothing
    assert o.contingency_used_gbp[0, 1] == pytest.approx(91_800, abs=PENNY)
    assert np.all(o.partner_payments_gbp[0, 1] == 0)
    # 2014/15 has no contingency (the P4P money is a 2015/16 sum): 48,000 is split 50/30/20
    assert o.partner_payments_gbp[0, 0] == pytest.approx([24_000, 14_400, 9_600], abs=PENNY)


def test_unfunded_gap_when_every_partner_is_capped():
    data = plan_with_qipp(benefits=False)
    for p in data["partners"]:
        p["cap"] = 100_000
    o = result(data, beds_not_closed=60).outputs
    # 4,432,000 after the contingency; partners pay 3 x 100,000; gap 4,132,000
    assert o.unfunded_gap_gbp[0, 1] == pytest.approx(4_132_000, abs=PENNY)


def test_waterfall_invariants_over_random_outturns():
    rng = np.random.default_rng(20141)
    plan = plan_from_dict(plan_with_qipp(benefits=True))
    base = model_inputs(plan)
    n = 3000
    inputs = base.with_values(
        savings_delivery_frac=rng.uniform(0, 1.3, (n, 1)),
        ea_delivery_frac=rng.uniform(0, 1.2, (n, 1)),
        nel_change_frac=rng.uniform(-0.06, 0.08, (n, 1)),
        beds_not_closed=rng.choice([0, 30, 60], (n, 1)).astype(float),
        delay_months=rng.integers(0, 9, (n, 1)).astype(float),
        caps_gbp=np.where(rng.random((n, 2, 3)) < 0.5, np.inf, rng.uniform(0, 2e6, (n, 2, 3))),
    )
    o = evaluate(inputs, 2)
    paid = o.partner_payments_gbp.sum(axis=-1)
    # contingency used + partner payments + unfunded gap - underspend kept = shortfall
    assert o.contingency_used_gbp + paid + o.unfunded_gap_gbp - o.underspend_retained_gbp == pytest.approx(o.shortfall_gbp, abs=1e-6)
    # no partner pays above its cap
    assert np.all(o.partner_payments_gbp <= inputs.caps_gbp + 1e-6)
    # with zero shortfall nobody pays
    zero = np.abs(o.shortfall_gbp) < 1e-9
    assert np.all(o.partner_payments_gbp[zero] == 0)
    # the sum of the parts is the shortfall
    assert o.shortfall_parts_gbp.sum(axis=-1) == pytest.approx(o.shortfall_gbp)


def test_luton_base_case_has_no_shortfall_and_scenarios_do():
    from finmodel.engine import run

    assert run(LUTON).outputs.shortfall_gbp.sum() == pytest.approx(0, abs=PENNY)
    grow = run(LUTON, "admissions-grow").outputs
    flat = run(LUTON, "admissions-flat").outputs
    assert grow.shortfall_gbp.sum() > flat.shortfall_gbp.sum() > 0
    beds = run(LUTON, "beds-not-closed").outputs
    # 60 beds x 365 x £250 = £5,475,000 in each of 2015/16..2018/19
    assert beds.shortfall_parts_gbp[0, 1:, BEDS] == pytest.approx([5_475_000] * 4, abs=PENNY)


def test_five_year_profile_luton():
    from finmodel.engine import run

    r = run(LUTON)
    i, o = r.inputs, r.outputs
    # seed 003: transformation fund £0.3m, £0.4m, £2.5m, £2.6m, £2.7m
    assert i.transformation_fund_gbp[0] == pytest.approx([300_000, 400_000, 2_500_000, 2_600_000, 2_700_000])
    # outturn after = before + cohort net QIPP + other net QIPP
    assert o.ccg_outturn_after_gbp[0] == pytest.approx(i.ccg_outturn_before_gbp[0] + o.qipp_net_gbp[0] + i.other_net_qipp_gbp[0])
    # ASC gap = pressure - funding change - savings: 2,875,000 + 4,000,000 - 5,500,000 = 1,375,000
    assert o.asc_gap_gbp[0, 0] == pytest.approx(1_375_000)
    # deficit in 2014/15 and 2015/16, surplus from 2016/17 (seed 003's chart)
    assert np.all(o.ccg_outturn_after_gbp[0, :2] < 0) and np.all(o.ccg_outturn_after_gbp[0, 2:] > 0)


def test_ceiling_never_reached_is_reported_not_rejected():
    data = plan_with_qipp(benefits=False)
    data["qipp"]["cohorts"][0]["step_pp_pm"] = 0.5  # 20% + 0.5pp a month needs 24 steps: past March 2016
    r = result(data)
    assert len(r.warnings) == 1 and "never reaches its 32% ceiling" in r.warnings[0]
    assert not result(plan_with_qipp(benefits=False)).warnings  # +2pp reaches 32% in Jan 2016


def test_original_p4p_design_and_the_70_pct_rule():
    data = plan_with_qipp(benefits=False)
    data["p4p"].update(design="original", performance_pool=1_000_000)
    data["metrics"] = [
        {"name": "Residential admissions", "unit": "per 100,000", "higher_is_better": False,
         "baseline": 432.7, "target": 424.1, "source": "seed 000"},
    ]
    o = result(data).outputs
    # targets met: April 2015 £250k conditions + £250k metrics, October 2015 £500k = £1,000,000 released
    assert o.p4p_released_q_gbp[0] == pytest.approx([500_000, 0, 500_000, 0], abs=PENNY)
    assert bool(o.contingency_funding_allowed[0])
    # outturn 428.4: (428.4 - 432.7) / (424.1 - 432.7) = 50% achieved:
    # released 250,000 + 250,000 x 0.5 + 500,000 x 0.5 = 625,000; below 70% so a recovery plan is needed
    o = result(data, metrics_actual={"Residential admissions": 428.4}).outputs
    assert o.metrics_achievement_frac[0, 0] == pytest.approx(0.5)
    assert o.p4p_released_gbp[0] == pytest.approx(625_000, abs=PENNY)
    assert not bool(o.contingency_funding_allowed[0])


@pytest.mark.parametrize("pct,credible,rag", [(3.5, False, "Green"), (3.0, True, "Amber"), (3.0, False, "Red")])
def test_p4p_ambition_check(pct, credible, rag):
    data = plan_with_qipp(benefits=False)
    data["p4p"].update(planned_reduction_pct=pct, credible_case_claimed=credible)
    check = {c.key: c for c in result(data).checks}["p4p_ambition"]
    assert check.rag == rag and f"{pct:g}%" in check.reason


def test_partner_capped_at_its_contribution():
    data = plan_with_qipp(benefits=False)
    # the council contributes 300,000 DFG + 200,000 social care capital = 500,000 in 2015/16 and nothing in 2014/15
    data["partners"][1] = {"name": "Testshire Council", "kind": "council", "share_pct": 30,
                           "cap_at_contribution": True, "source": "t"}
    o = result(data, beds_not_closed=60).outputs
    # 2015/16: 4,432,000 after the contingency; council's 30% = 1,329,600 capped at its 500,000 contribution;
    # the excess 829,600 moves to CCG and Trust 50:20: CCG 2,216,000 + 592,571.43; Trust 886,400 + 237,028.57
    assert o.partner_payments_gbp[0, 1] == pytest.approx([2_808_571.43, 500_000, 1_123_428.57], abs=0.01)
    data["partners"][1]["name"] = "Nobody"
    with pytest.raises(Exception, match="cap_at_contribution"):
        plan_from_dict(data)


def test_contingency_is_the_p4p_money_not_released():
    data = plan_with_qipp(benefits=False)
    data["risk_share"]["contingency_basis"] = "p4p_unreleased"
    # admissions fall 1.75% (half the planned 3.5%): 20,000 x 1.75% = 350 avoided of 700;
    # released 350 x £1,490 = £521,500; not released £521,500 = the contingency.
    # shortfall 2015/16 = beds 5,475,000 + admissions above plan 350 x £1,490 = 521,500 -> 5,996,500;
    # contingency pays 521,500; partners share 5,475,000 (council capped at 100,000)
    o = result(data, nel_admissions_change_pct=-1.75, beds_not_closed=60).outputs
    assert o.contingency_gbp[0, 1] == pytest.approx(521_500, abs=PENNY)
    assert o.shortfall_gbp[0, 1] == pytest.approx(5_996_500, abs=PENNY)
    assert o.contingency_used_gbp[0, 1] == pytest.approx(521_500, abs=PENNY)
    assert o.partner_payments_gbp[0, 1].sum() == pytest.approx(5_475_000, abs=0.01)
    # admissions fall as planned: everything is released, so nothing is held back for a QIPP slip
    o = result(data, go_live_delay_months=6).outputs
    assert o.contingency_gbp[0].sum() == pytest.approx(0, abs=PENNY)
    assert o.partner_payments_gbp[0].sum() == pytest.approx(o.shortfall_gbp[0].clip(min=0).sum(), abs=0.01)


def test_share_profile_by_year():
    data = plan_with_qipp(benefits=False)
    data["partners"][0]["share_pct"] = {"2014/15": 50, "2015/16": 20}
    data["partners"][1].pop("cap")
    data["partners"][1]["share_pct"] = 30
    data["partners"][2]["share_pct"] = {"2014/15": 20, "2015/16": 50}
    o = result(data, savings_delivery_pct=50, beds_not_closed=60).outputs
    # 2014/15: half of 96,000 not delivered = 48,000, no contingency: 50/30/20 -> 24,000 / 14,400 / 9,600
    assert o.partner_payments_gbp[0, 0] == pytest.approx([24_000, 14_400, 9_600], abs=PENNY)
    # 2015/16: 91,800 + 5,475,000 = 5,566,800 less the 1,043,000 contingency = 4,523,800 at 20/30/50
    assert o.partner_payments_gbp[0, 1] == pytest.approx([904_760, 1_357_140, 2_261_900], abs=PENNY)


def test_share_profile_must_sum_to_100_each_year_and_cover_every_year():
    data = plan_with_qipp(benefits=False)
    data["partners"][0]["share_pct"] = {"2014/15": 50, "2015/16": 30}  # 2015/16: 30 + 30 + 20 = 80
    with pytest.raises(Exception, match=r"in 2015/16.*sum to 80%"):
        plan_from_dict(data)
    data["partners"][0]["share_pct"] = {"2014/15": 50}
    with pytest.raises(Exception, match=r"partners\[0\].share_pct.2015/16: a share profile gives every modelled year"):
        plan_from_dict(data)
