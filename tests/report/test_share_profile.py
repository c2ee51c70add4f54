"""A risk share whose percentages change by year: workbook formulas and the round trip."""

import pytest

from finmodel.engine import run_plan
from finmodel.plan import plan_from_dict, read_toml
from finmodel.report.import_template2 import import_template2
from finmodel.report.recalc import compare_recalculated, recalculate
from finmodel.report.template2 import write_template2
from finmodel.scenario import Scenario, apply_scenario
from tests.support.plans import LUTON


@pytest.fixture(scope="module")
def profiled(tmp_path_factory):
    data = read_toml(LUTON)
    data["partners"][0]["share_pct"] = {"2014/15": 50, "2015/16": 40, "2016/17": 50, "2017/18": 50, "2018/19": 60}
    data["partners"][1]["share_pct"] = {"2014/15": 30, "2015/16": 40, "2016/17": 30, "2017/18": 30, "2018/19": 20}
    scen = Scenario("half", overrides={"outturn.savings_delivery_pct": 50})
    plan = apply_scenario(data, LUTON, scen)
    result = run_plan(plan, LUTON, scen)
    book = write_template2(result, tmp_path_factory.mktemp("profile") / "profile.xlsx")
    return plan, result, book


def test_profile_round_trips(profiled):
    plan, _, book = profiled
    back = plan_from_dict(import_template2(book))
    assert back.partners[0].share_pct == {"2014/15": 50, "2015/16": 40, "2016/17": 50, "2017/18": 50, "2018/19": 60}
    assert back == plan.model_copy(update={"money_unit": "gbp"})


def test_engine_uses_each_year_s_shares(profiled):
    _, result, _ = profiled
    o = result.outputs
    # 2014/15: no contingency, so each partner pays its 2014/15 share of the shortfall: 50 / 30 / 20
    s = o.shortfall_gbp[0, 0]
    assert o.partner_payments_gbp[0, 0] == pytest.approx([0.5 * s, 0.3 * s, 0.2 * s], abs=0.005)
    # 2018/19 (no contingency, the hospital under its £1m cap): 60 / 20 / 20
    s = o.shortfall_gbp[0, 4]
    assert o.partner_payments_gbp[0, 4] == pytest.approx([0.6 * s, 0.2 * s, 0.2 * s], abs=0.005)


@pytest.mark.libreoffice
def test_profile_formulas_recalculate_to_the_engine(profiled, soffice, tmp_path):
    _, _, book = profiled
    recalculated = recalculate(book, tmp_path / "recalc")
    assert compare_recalculated(book, recalculated) == []
