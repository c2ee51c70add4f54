"""The assurance rules of issue 11 through the command line, as an assurer runs them.

Each plan is a small edit of a shipped or test plan; `finmodel run --json` (or `check`)
must say what the library says.  The arithmetic of each case is in its library test
(tests/test_checks.py, tests/test_p4p_70pct_rule.py); here the figures are repeated in
the comments.
"""

from __future__ import annotations

import json
import tomllib

import pytest

from tests.support.cli import run_cli
from tests.support.plans import LUTON, mini_plan, write_toml
from tests.test_p4p_70pct_rule import plan_data as p4p_plan


def checks_of(capsys, plan, tmp_path) -> dict:
    assert run_cli("run", plan, "--json", "--no-workbook", "--out", tmp_path / "res", "--force") == 0
    doc = json.loads(capsys.readouterr().out)
    return {c["check"]: c for c in doc["checks"]}, doc


def test_70_percent_rule(sandbox, tmp_path, capsys):
    # 69% of plan: no contingency from the performance money, the partner pays the £500,000 shortfall
    checks, doc = checks_of(capsys, write_toml(p4p_plan(169, "p4p_sum"), sandbox / "inputs" / "p69.toml"), tmp_path)
    assert checks["contingency"]["rag"] == "Red" and "Recovery plan needed" in checks["contingency"]["reason"]
    assert doc["risk_share"]["Contingency used"]["2015/16"] == 0
    assert doc["risk_share"]["Paid by NHS Testshire CCG"]["2015/16"] == 500_000
    # 71%: the £1,000,000 P4P sum funds the contingency, which covers it all
    checks, doc = checks_of(capsys, write_toml(p4p_plan(171, "p4p_sum"), sandbox / "inputs" / "p71.toml"), tmp_path)
    assert "Recovery plan" not in checks["contingency"]["reason"]
    assert doc["risk_share"]["Contingency used"]["2015/16"] == 500_000


def test_minimum_by_organisation(sandbox, tmp_path, capsys):
    # the council's DFG 880 -> 780 (£000): it contributes £1,316,000 of its £1,416,000 minimum
    data = tomllib.loads(LUTON.read_text("utf-8"))
    next(c for c in data["contributions"] if c["stream"] == "dfg")["amount"] = 780
    checks, _ = checks_of(capsys, write_toml(data, sandbox / "inputs" / "short.toml"), tmp_path)
    assert checks["minimum_pooled"]["rag"] == "Red"
    assert "Luton Borough Council 2015/16 contributes £1,316,000 of its minimum £1,416,000" in checks["minimum_pooled"]["reason"]


def test_share_of_the_1bn_and_contingency_none(sandbox, tmp_path, capsys):
    data = tomllib.loads(LUTON.read_text("utf-8"))
    data["risk_share"]["contingency_basis"] = "none"
    checks, _ = checks_of(capsys, write_toml(data, sandbox / "inputs" / "none.toml"), tmp_path)
    # £1,147,300 + £2,368,000 = £3,515,300 < £4,000,000
    assert checks["performance_element"]["rag"] == "Red" and "£484,700" in checks["performance_element"]["reason"]
    assert checks["contingency"]["rag"] == "Red"
    assert run_cli("check", write_toml(data, sandbox / "inputs" / "none.toml"), "--strict") == 1


def test_care_act_stated_but_unbacked(sandbox, tmp_path, capsys):
    # mini plan: £121,500 stated, no scheme flagged care_act -> Amber, £121,500 not backed
    checks, _ = checks_of(capsys, write_toml(mini_plan(), sandbox / "inputs" / "mini.toml"), tmp_path)
    assert checks["care_act"]["rag"] == "Amber" and "£121,500 is not backed" in checks["care_act"]["reason"]


def test_metric_without_baseline_and_target_is_refused(sandbox, capsys):
    data = mini_plan()
    data["metrics"] = [{"name": "DToC", "unit": "per 100,000", "higher_is_better": False, "baseline": 0, "target": 0,
                        "source": "test"}]
    assert run_cli("check", write_toml(data, sandbox / "inputs" / "m.toml")) == 2
    err = capsys.readouterr().err
    assert "metrics[0].baseline" in err and "baseline 0 and target 0" in err
