"""Named scenarios: overrides by path, schema-aware, validated again."""

import pytest

from finmodel.plan import read_toml
from finmodel.scenario import (
    Scenario,
    ScenarioError,
    apply_overrides,
    apply_scenario,
    list_scenarios,
    load_scenario,
    parse_path,
)
from tests.support.plans import LUTON


def test_parse_path():
    assert parse_path("qipp.cohorts[2].ceiling_pct") == ["qipp", "cohorts", 2, "ceiling_pct"]
    assert parse_path("qipp.cohorts[*].step_pp_pm") == ["qipp", "cohorts", "*", "step_pp_pm"]
    with pytest.raises(ValueError):
        parse_path("a..b")


def test_shipped_scenarios_load_and_apply():
    names = list_scenarios()
    assert names[0] == "base"
    assert {"admissions-flat", "admissions-grow", "qipp-slip", "beds-not-closed", "half-delivery"} <= set(names)
    data = read_toml(LUTON)
    for name in names:
        apply_scenario(data, LUTON, load_scenario(name))


def test_override_reads_like_a_sentence():
    plan = apply_scenario(read_toml(LUTON), LUTON, load_scenario("admissions-grow"))
    assert plan.outturn.nel_admissions_change_pct == 4.9


def test_wildcard_override_sets_every_cohort():
    data = apply_overrides(read_toml(LUTON), {"qipp.cohorts[*].ceiling_pct": 40}, "t")
    assert [c["ceiling_pct"] for c in data["qipp"]["cohorts"]] == [40, 40, 40, 40]


def test_money_override_is_in_the_file_unit():
    plan = apply_scenario(read_toml(LUTON), LUTON, Scenario("x", overrides={"contributions[0].amount": 5000}))
    assert plan.contributions[0].amount == 5_000_000  # Luton is written in £000


def test_override_of_a_missing_input_names_it():
    with pytest.raises(ScenarioError, match="no input 'bogus'"):
        apply_overrides(read_toml(LUTON), {"outturn.bogus": 1}, "t")
    with pytest.raises(ScenarioError, match=r"no item \[9\] there \(it has 4\)"):
        apply_overrides(read_toml(LUTON), {"qipp.cohorts[9].ceiling_pct": 1}, "t")


def test_override_with_a_bad_value_is_caught_by_validation():
    with pytest.raises(ScenarioError, match="outturn.savings_delivery_pct"):
        apply_scenario(read_toml(LUTON), LUTON, Scenario("x", overrides={"outturn.savings_delivery_pct": -10}))


def test_overrides_never_touch_the_input():
    data = read_toml(LUTON)
    apply_overrides(data, {"outturn.beds_not_closed": 60, "qipp.cohorts[*].ceiling_pct": 40}, "t")
    assert "outturn" not in data and data["qipp"]["cohorts"][0]["ceiling_pct"] == 32


def test_unknown_scenario_file_key(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('name = "s"\nsett = {}\n', "utf-8")
    with pytest.raises(ScenarioError, match="sett"):
        load_scenario(str(path))


def test_sweep_only_scenarios_are_left_out_of_comparisons():
    assert "luton-sensitivity" in list_scenarios()
    assert "luton-sensitivity" not in list_scenarios(include_sweeps=False)
    assert "admissions-grow" in list_scenarios(include_sweeps=False)
