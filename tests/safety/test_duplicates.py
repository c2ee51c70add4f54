"""Repeated names are refused, never merged (safety issue, part 3).

The reproduction: Luton's council renamed "NHS Luton CCG" was accepted, its risk-share
payments merged with the CCG's, and £1,516,223.92 of a £4,179,747.83 shortfall went
missing from risk_share.csv.
"""

from __future__ import annotations

import copy
import tomllib

import pytest

from finmodel.plan import PlanError, plan_from_dict
from finmodel.plan_text import identity_key
from tests.support.cli import run_cli
from tests.support.plans import LUTON


def luton() -> dict:
    return tomllib.loads(LUTON.read_text("utf-8"))


def problems(data: dict) -> list[tuple]:
    with pytest.raises(PlanError) as exc:
        plan_from_dict(data, "plan.toml")
    return exc.value.problems


def test_council_renamed_as_the_ccg_is_refused_through_the_cli(sandbox, capsys):
    text = LUTON.read_text("utf-8").replace("Luton Borough Council", "NHS Luton CCG")
    plan = sandbox / "inputs" / "dup.toml"
    plan.write_text(text, "utf-8")
    assert run_cli("run", plan, "--no-workbook") == 2
    err = capsys.readouterr().err
    assert "dup.toml" in err and "partners[1].name" in err and "partners[0].name" in err
    assert "'NHS Luton CCG'" in err and "Traceback" not in err
    assert not (sandbox / "outputs").exists()


@pytest.mark.parametrize("second", ["NHS Luton CCG", "nhs luton ccg", "NHS  Luton CCG", "NHS LUTON CCG"])
def test_partner_names_equal_ignoring_case_and_space(second):
    data = luton()
    data["partners"][1]["name"] = second
    data["partners"][1]["cap_at_contribution"] = False
    found = [p for p in problems(data) if p[0] == "partners[1].name"]
    assert found and found[0][1] == second and "partners[0].name = 'NHS Luton CCG'" in found[0][2]


def test_trailing_space_in_a_name_is_refused():
    data = luton()
    data["partners"][1]["name"] = "Luton Borough Council "
    assert any(p[0] == "partners[1].name" and "space" in p[2] for p in problems(data))


@pytest.mark.parametrize("section,field", [("metrics", "name"), ("schemes", "id"), ("schemes", "name")])
def test_repeated_metric_and_scheme_names(section, field):
    data = luton()
    data[section][1][field] = data[section][0][field].upper()
    assert any(p[0] == f"{section}[1].{field}" for p in problems(data))


def test_repeated_cohort_name():
    data = luton()
    cohorts = data["qipp"]["cohorts"]
    cohorts[1]["name"] = cohorts[0]["name"].lower()
    assert any(p[0] == "qipp.cohorts[1].name" for p in problems(data))


def test_repeated_hwb_organisation():
    data = luton()
    data["hwb"]["councils"] = ["Luton Borough Council", "luton borough council"]
    assert any(p[0] == "hwb.councils[1]" for p in problems(data))


def test_one_organisation_spelt_two_ways_in_contributions():
    data = luton()
    data["contributions"][2]["organisation"] = "NHS Luton  ccg"
    found = [p for p in problems(data) if p[0] == "contributions[2].organisation"]
    assert found and "spelt differently" in found[0][2] and "'NHS Luton CCG'" in found[0][2]


def test_distinct_names_are_accepted_and_identity_is_case_and_space_blind():
    data = copy.deepcopy(luton())
    plan_from_dict(data, "plan.toml")  # the shipped plan is fine
    assert identity_key(" NHS  Luton\u00a0CCG ") == identity_key("nhs luton ccg")
