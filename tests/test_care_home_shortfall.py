"""Care-home admissions above plan: the fifth part of the shortfall (issue 11, item 8).

Central Bedfordshire's risk share covers the case "if emergency admissions or nursing
home admissions increase" (seed 002 para 32).  Hand-worked: the mini plan with one
partner paying 100% uncapped and no contingency; 10 permanent admissions a year above
plan at £25,000 a placement-year = £250,000 in 2015/16 (and nothing in 2014/15, before
the pooled budget), all paid by the partner.
"""

from __future__ import annotations

import json

import pytest

from finmodel.engine import run_plan
from finmodel.model import SHORTFALL_PARTS
from finmodel.plan import plan_from_dict
from tests.support.cli import run_cli
from tests.support.plans import PENNY, mini_plan, write_toml


def plan_data(admissions: float = 10.0) -> dict:
    data = mini_plan()
    data["partners"] = [{"name": "NHS Testshire CCG", "kind": "ccg", "share_pct": 100, "source": "test"}]
    data["risk_share"] = {"contingency_basis": "none", "care_home_placement_cost_gbp": 25_000, "source": "test"}
    data["outturn"] = {"care_home_admissions_above_plan": admissions}
    return data


def test_care_home_admissions_cost_a_placement_year_each():
    o = run_plan(plan_from_dict(plan_data()), "mini.toml").outputs
    k = SHORTFALL_PARTS.index("care_home_admissions")
    assert o.shortfall_parts_gbp[0, :, k].tolist() == [0.0, 250_000.0]  # 10 x £25,000 from 2015/16
    assert o.shortfall_gbp[0, 1] == pytest.approx(250_000, abs=PENNY)
    assert o.partner_payments_gbp[0, 1, 0] == pytest.approx(250_000, abs=PENNY)


def test_in_the_risk_share_table_through_the_cli(sandbox, tmp_path, capsys):
    plan = write_toml(plan_data(), sandbox / "inputs" / "care.toml")
    assert run_cli("run", plan, "--json", "--no-workbook", "--out", tmp_path / "res") == 0
    doc = json.loads(capsys.readouterr().out)
    row = doc["risk_share"]["Shortfall: care home admissions"]
    assert row["2015/16"] == 250_000 and row["2014/15"] == 0


def test_sweepable(tmp_path):
    from finmodel.sweep.driver import run_sweep

    plan = write_toml(plan_data(0.0), tmp_path / "care.toml")
    scen = tmp_path / "s.toml"
    scen.write_text('name = "s"\n[sweep.inputs]\n"outturn.care_home_admissions_above_plan" = '
                    '{ dist = "uniform", low = 0, high = 20 }\n', "utf-8")
    out = run_sweep(plan, str(scen), method="mc", n=2000, seed=2).to_dict()["outputs"]["shortfall_total_gbp"]
    # 0-20 admissions x £25,000: £0 to £500,000, mean about £250,000
    assert 0 <= out["min"] < 20_000 and 480_000 < out["max"] <= 500_000 + PENNY
    assert out["mean"] == pytest.approx(250_000, rel=0.05)
