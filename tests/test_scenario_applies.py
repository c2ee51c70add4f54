"""Scenarios fit the plan they are applied to (issue 11, item 5).

The reproduction: `compare` on Central Bedfordshire, whose plan closes no beds, charged it
a £5.475m shortfall for "60 beds not closed" (60 beds x 365 days x £250 = £5,475,000).
"""

from __future__ import annotations

import tomllib

import pytest

from finmodel.engine import run
from finmodel.plan import PlanError, plan_from_dict
from finmodel.scenario import Scenario, ScenarioNotApplicable, apply_scenario
from tests.support.cli import run_cli
from tests.support.plans import CENTRAL_BEDS, LUTON, mini_plan


def test_beds_not_closed_is_the_plans_own_beds():
    # Luton closes 60 beds from 2015/16 at £250 a bed-day: 60 x 365 x £250 = £5,475,000 a year,
    # four years 2015/16-2018/19 = £21,900,000 of shortfall from beds alone.
    r = run(LUTON, "beds-not-closed")
    assert r.plan.outturn.beds_not_closed == 60
    assert r.outputs.shortfall_gbp[0].sum() == pytest.approx(21_900_000, abs=0.005)


def test_beds_not_closed_does_not_apply_to_a_plan_that_closes_none():
    with pytest.raises(ScenarioNotApplicable, match="beds_planned_to_close"):
        run(CENTRAL_BEDS, "beds-not-closed")


def test_compare_leaves_out_what_does_not_apply(capsys):
    assert run_cli("compare", CENTRAL_BEDS, "--json") == 0
    import json

    doc = json.loads(capsys.readouterr().out)
    assert set(doc["figures_gbp"]) == {"base", "half-delivery"}
    assert any(x.startswith("beds-not-closed:") for x in doc["left_out"])
    assert any(x.startswith("qipp-slip:") and "qipp" in x for x in doc["left_out"])


def test_run_refuses_a_scenario_that_does_not_apply(capsys):
    assert run_cli("run", CENTRAL_BEDS, "--scenario", "qipp-slip", "--no-workbook") == 2
    assert "does not apply" in capsys.readouterr().err


def test_overrides_naming_partners_or_cohorts_the_plan_lacks():
    data = mini_plan()
    for overrides in ({"partners[1].cap": 5}, {"qipp.cohorts[*].ceiling_pct": 30}):
        with pytest.raises(ScenarioNotApplicable):
            apply_scenario(data, "mini.toml", Scenario(name="x", overrides=overrides))


def test_relative_override_is_a_share_of_the_plans_figure():
    data = tomllib.loads(LUTON.read_text("utf-8"))
    s = Scenario(name="half", overrides={"outturn.beds_not_closed": {"pct_of": "risk_share.beds_planned_to_close", "pct": 50}})
    assert apply_scenario(data, "luton.toml", s).outturn.beds_not_closed == 30  # 50% of 60


def test_more_beds_not_closed_than_planned_is_refused():
    data = tomllib.loads(LUTON.read_text("utf-8"))
    data["outturn"] = {**data.get("outturn", {}), "beds_not_closed": 61}
    with pytest.raises(PlanError, match="beds_planned_to_close = 60"):
        plan_from_dict(data, "luton.toml")


def test_compare_with_scenario_names_only_uses_the_default_plan(capsys):
    assert run_cli("compare", "admissions-grow", "qipp-slip", "--json") == 0
    import json

    assert set(json.loads(capsys.readouterr().out)["figures_gbp"]) == {"admissions-grow", "qipp-slip"}
