"""Invented figures say so (issue 11, item 9)."""

from __future__ import annotations

import csv
import tomllib

import pytest

from finmodel.assumptions import collect
from finmodel.plan import PlanError, plan_from_dict
from tests.support.cli import run_cli
from tests.support.plans import LUTON, mini_plan


def test_luton_labels_the_asc_funding_change_it_invented():
    # seed 003 has no funding change; the plan's -£4m a year must be labelled with a reason
    found = {a.path: a for a in collect(tomllib.loads(LUTON.read_text("utf-8")))}
    assert "five_year.asc_funding_change" in found
    assert "seed 003 gives no change" in found["five_year.asc_funding_change"].reason
    assert found["five_year.asc_funding_change"].drives == "five-year gap"


def test_sources_saying_assumption_are_collected_with_what_they_drive():
    data = mini_plan()
    data["schemes"][0]["source"] = "assumption: illustrative"
    found = collect(data)
    assert [(a.path, a.drives) for a in found] == [("schemes[0]", "scheme spend, benefits, protection of social care")]


def test_an_assumption_naming_an_input_the_plan_lacks_is_refused():
    data = mini_plan()
    data["assumptions"] = {"five_year.asc_funding_change": "no five_year section in this plan"}
    with pytest.raises(PlanError) as exc:
        plan_from_dict(data, "p.toml")
    assert exc.value.problems[0][0] == "assumptions.five_year.asc_funding_change"


def test_run_lists_the_assumptions(sandbox, tmp_path, capsys):
    assert run_cli("run", LUTON, "--no-workbook", "--out", tmp_path / "res") == 0
    out = capsys.readouterr().out  # the headline names them; --detail gives the table with reasons
    assert "Assumptions: " in out and "five_year.asc_funding_change" in out
    assert run_cli("run", LUTON, "--no-workbook", "--detail", "--out", tmp_path / "res") == 0
    detail = capsys.readouterr().out
    assert "Assumptions behind the figures" in detail and "seed 003 gives no change" in detail
    with open(tmp_path / "res" / "assumptions.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {"five_year.asc_funding_change", "national_shares.revenue_pct"} <= {r["input"] for r in rows}
