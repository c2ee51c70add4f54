"""Validation at the edge: every kind of bad input gets an error naming file, field and value."""

import datetime as dt

import pytest

from finmodel.plan import PlanError, load_plan, plan_from_dict
from tests.support.plans import CENTRAL_BEDS, LUTON, mini_plan, write_toml


def error_for(data, tmp_path, name="plan.toml") -> str:
    path = write_toml(data, tmp_path / name)
    with pytest.raises(PlanError) as info:
        load_plan(path)
    message = str(info.value)
    assert str(path) in message  # the file is named
    return message


def test_shipped_plans_are_valid():
    assert load_plan(LUTON).hwb.name == "Luton"
    assert load_plan(CENTRAL_BEDS).hwb.name == "Central Bedfordshire"


def test_plan_is_frozen():
    plan = plan_from_dict(mini_plan())
    with pytest.raises(Exception):
        plan.money_unit = "gbp_thousands"


def test_missing_field(tmp_path):
    data = mini_plan()
    del data["contributions"][1]["stream"]
    msg = error_for(data, tmp_path)
    assert "contributions[1].stream" in msg and "missing" in msg


def test_negative_money(tmp_path):
    data = mini_plan()
    data["contributions"][0]["amount"] = -5
    msg = error_for(data, tmp_path)
    assert "contributions[0].amount" in msg and "-5" in msg and "negative" in msg


def test_partner_shares_must_sum_to_100(tmp_path):
    data = mini_plan()
    data["partners"] = [
        {"name": "CCG", "kind": "ccg", "share_pct": 50, "source": "t"},
        {"name": "Council", "kind": "council", "share_pct": 30, "source": "t"},
    ]
    msg = error_for(data, tmp_path)
    assert "partners[*].share_pct" in msg and "80" in msg and "100%" in msg


def test_scheme_funded_by_a_stream_not_contributed(tmp_path):
    data = mini_plan()
    data["schemes"][0]["funding_stream"] = "ccg_reablement"
    msg = error_for(data, tmp_path)
    assert "schemes[0].funding_stream" in msg and "ccg_reablement" in msg and "no contribution" in msg


def test_scheme_funded_by_an_unknown_stream(tmp_path):
    data = mini_plan()
    data["schemes"][0]["funding_stream"] = "lottery"
    msg = error_for(data, tmp_path)
    assert "schemes[0].funding_stream" in msg and "lottery" in msg


def test_year_outside_the_plan(tmp_path):
    data = mini_plan()
    data["schemes"][1]["spend"] = {"2016/17": 10}
    msg = error_for(data, tmp_path)
    assert "schemes[1].spend.2016/17" in msg and "outside" in msg


def test_contribution_year_outside_the_plan(tmp_path):
    data = mini_plan()
    data["contributions"][0]["year"] = "2013/14"
    msg = error_for(data, tmp_path)
    assert "contributions[0].year" in msg and "2013/14" in msg


def test_non_numeric_amount(tmp_path):
    data = mini_plan()
    data["contributions"][2]["amount"] = "lots"
    msg = error_for(data, tmp_path)
    assert "contributions[2].amount" in msg and "'lots'" in msg


def test_unknown_key(tmp_path):
    data = mini_plan()
    data["hwb"]["mayor"] = "x"
    msg = error_for(data, tmp_path)
    assert "hwb.mayor" in msg and "unknown key" in msg


def test_file_that_is_not_toml(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text("this is = = not toml\n[", "utf-8")
    with pytest.raises(PlanError) as info:
        load_plan(path)
    assert "not valid TOML" in str(info.value) and str(path) in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(PlanError, match="file not found"):
        load_plan(tmp_path / "nope.toml")


def test_money_unit_must_be_explicit(tmp_path):
    data = mini_plan()
    del data["money_unit"]
    msg = error_for(data, tmp_path)
    assert "money_unit" in msg and "explicit unit" in msg


def test_joint_commission_needs_nhs_share(tmp_path):
    data = mini_plan()
    del data["schemes"][1]["nhs_share_pct"]
    assert "schemes[1].nhs_share_pct" in error_for(data, tmp_path)


def test_share_above_100_pct(tmp_path):
    data = mini_plan()
    data["schemes"][1]["nhs_share_pct"] = 120
    assert "schemes[1].nhs_share_pct" in error_for(data, tmp_path)


def test_years_must_be_consecutive(tmp_path):
    data = mini_plan()
    data["years"] = ["2014/15", "2016/17"]
    assert "years" in error_for(data, tmp_path)


def test_several_problems_are_all_reported(tmp_path):
    data = mini_plan()
    data["contributions"][0]["amount"] = -1
    data["hwb"]["mayor"] = "x"
    msg = error_for(data, tmp_path)
    assert "2 problems" in msg and "hwb.mayor" in msg and "contributions[0].amount" in msg


def test_input_file_is_never_modified(tmp_path):
    path = write_toml(mini_plan(), tmp_path / "plan.toml")
    before = path.read_bytes()
    load_plan(path)
    assert path.read_bytes() == before


# QIPP section -----------------------------------------------------------------

def qipp_plan(**cohort_changes):
    data = mini_plan()
    cohort = {
        "name": "C1", "go_live": dt.date(2014, 8, 1), "initial_reduction_pct": 20, "step_pp_pm": 2,
        "ceiling_pct": 32, "source": "t",
        "lines": [{"kind": "emergency_admissions", "baseline_pa": 1200, "tariff_gbp": 2000, "source": "t"}],
    }
    cohort.update(cohort_changes)
    data["qipp"] = {"cohorts": [cohort], "source": "t"}
    return data


def test_go_live_outside_the_modelled_years(tmp_path):
    msg = error_for(qipp_plan(go_live=dt.date(2016, 5, 1)), tmp_path)
    assert "qipp.cohorts[0].go_live" in msg and "2016-05-01" in msg


def test_ceiling_below_initial(tmp_path):
    msg = error_for(qipp_plan(ceiling_pct=15), tmp_path)
    assert "qipp.cohorts[0].ceiling_pct" in msg and "below the initial" in msg


def test_negative_tariff(tmp_path):
    lines = [{"kind": "emergency_admissions", "baseline_pa": 1200, "tariff_gbp": -2000, "source": "t"}]
    msg = error_for(qipp_plan(lines=lines), tmp_path)
    assert "qipp.cohorts[0].lines[0].tariff_gbp" in msg and "-2000" in msg


def test_activity_line_without_tariff(tmp_path):
    lines = [{"kind": "outpatient_first", "baseline_pa": 1200, "source": "t"}]
    msg = error_for(qipp_plan(lines=lines), tmp_path)
    assert "qipp.cohorts[0].lines[0].tariff_gbp" in msg and "missing" in msg


def test_ea_via_ae_needs_an_ae_line(tmp_path):
    lines = [{"kind": "emergency_admissions", "baseline_pa": 1200, "tariff_gbp": 2000, "admitted_via_ae_pct": 50, "source": "t"}]
    msg = error_for(qipp_plan(lines=lines), tmp_path)
    assert "ae_attendances line" in msg


def test_go_live_not_on_the_first(tmp_path):
    assert "first day of a month" in error_for(qipp_plan(go_live=dt.date(2014, 8, 15)), tmp_path)
