"""Limits on plan input: sizes, numbers, types, odd files; each a one-line error with
the right exit status and nothing written (safety issue, part 5; the workbook import's
limits are in test_workbook_hostile.py, the sweep's in test_sweep_limits.py)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import numpy as np
import pytest

from finmodel import engine
from finmodel.errors import EXIT_BAD_INPUT, EXIT_ENVIRONMENT, EXIT_NUMERIC_FAULT
from finmodel.plan import PlanError, plan_from_dict
from finmodel.plan_text import MAX_MONEY_GBP, MAX_NAME_CHARS, MAX_PLAN_BYTES, MAX_SCHEMES
from tests.support.cli import run_cli
from tests.support.plans import LUTON, mini_plan, write_toml


def luton() -> dict:
    return tomllib.loads(LUTON.read_text("utf-8"))


def one_problem(data: dict) -> tuple:
    with pytest.raises(PlanError) as exc:
        plan_from_dict(data, "p.toml")
    return exc.value.problems[0]


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    return err


# --- numbers --------------------------------------------------------------------------

def test_huge_amount_in_thousands_is_refused_not_infinite(sandbox, capsys):
    # 1e306 £000 = 1e309 £, which is inf in floating point: the old run said "£nan" and Green.
    data = mini_plan()
    data["money_unit"] = "gbp_thousands"
    data["contributions"][0]["amount"] = 1e306
    plan = write_toml(data, sandbox / "inputs" / "big.toml")
    assert run_cli("run", plan, "--no-workbook") == EXIT_BAD_INPUT
    err = _one_line_error(capsys)
    assert "contributions[0].amount" in err and "1e+306" in err and "limit" in err
    assert not (sandbox / "outputs").exists()


def test_money_limit_applies_after_unit_conversion():
    # 1e10 £000 = £1e13 > £1e12: refused; 1e9 £000 = £1e12 is the limit itself: accepted.
    data = mini_plan()
    data["money_unit"] = "gbp_thousands"
    data["contributions"][0]["amount"] = 1e10
    field, value, why = one_problem(data)
    assert field == "contributions[0].amount" and "above the limit" in why
    data["contributions"][0]["amount"] = MAX_MONEY_GBP / 1000
    data["minimum_pool"]["stated"] = {"2014/15": 1, "2015/16": 2_500}
    plan_from_dict(data, "p.toml")


@pytest.mark.parametrize("value,word", [(True, "true/false"), ("1000", "text"), ([1], "list")])
def test_amount_must_be_a_number(value, word):
    data = mini_plan()
    data["contributions"][0]["amount"] = value
    field, got, why = one_problem(data)
    assert field == "contributions[0].amount" and got == value and word in why


def test_flags_must_be_true_or_false():
    data = mini_plan()
    data["schemes"][0]["recurrent"] = "yes"
    assert one_problem(data)[0] == "schemes[0].recurrent"


def test_whole_months_must_be_whole():
    data = luton()
    data["outturn"] = {**data.get("outturn", {}), "go_live_delay_months": 2.5}
    assert one_problem(data)[0] == "outturn.go_live_delay_months"


def test_scenario_cannot_override_the_money_unit(sandbox, tmp_path, capsys):
    # The old code divided every amount in the plan by 1,000 here, silently.
    f = tmp_path / "unit.toml"
    f.write_text('name = "unit"\n[set]\n"money_unit" = "gbp"\n', "utf-8")
    assert run_cli("run", LUTON, "--scenario", f, "--no-workbook") == EXIT_BAD_INPUT
    assert "money_unit" in _one_line_error(capsys)


def test_a_nan_reaching_the_results_stops_the_run_with_exit_3(sandbox, monkeypatch, capsys):
    real = engine.evaluate

    def broken(inputs, n_years):
        out = real(inputs, n_years)
        out.shortfall_gbp[...] = np.nan  # what an arithmetic bug would do
        return out

    monkeypatch.setattr(engine, "evaluate", broken)
    assert run_cli("run", LUTON, "--no-workbook") == EXIT_NUMERIC_FAULT
    err = _one_line_error(capsys)
    assert "shortfall_gbp" in err and "not finite" in err
    assert not (sandbox / "outputs").exists()


# --- sizes ----------------------------------------------------------------------------

def test_long_names_are_refused():
    data = mini_plan()
    data["schemes"][0]["name"] = "x" * 40_000  # beyond Excel's 32,767 characters in a cell
    field, _, why = one_problem(data)
    assert field == "schemes[0].name" and str(MAX_NAME_CHARS) in why


def test_too_many_schemes_is_refused_at_once():
    data = mini_plan()
    proto = data["schemes"][0]
    data["schemes"] = [{**proto, "id": f"S{i}", "name": f"Scheme {i}"} for i in range(MAX_SCHEMES + 1)]
    field, _, why = one_problem(data)
    assert field == "schemes" and f"{MAX_SCHEMES:,}".replace(",", "") in why.replace(",", "")


def test_deeply_nested_file_is_one_line(sandbox, capsys):
    plan = sandbox / "inputs" / "deep.toml"
    plan.write_text('money_unit = "gbp"\nx = ' + "[" * 20_000 + "]" * 20_000 + "\n", "utf-8")
    assert run_cli("run", plan) == EXIT_BAD_INPUT
    assert "deep.toml" in _one_line_error(capsys)


def test_huge_plan_file_is_refused_without_reading_it_all(sandbox, capsys):
    plan = sandbox / "inputs" / "huge.toml"
    with open(plan, "wb") as fh:
        fh.truncate(MAX_PLAN_BYTES + 10)  # sparse: costs no disk
    assert run_cli("check", plan) == EXIT_BAD_INPUT
    assert "MiB" in _one_line_error(capsys)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero on this system")
def test_dev_zero_as_a_plan(capsys):
    assert run_cli("check", "/dev/zero") == EXIT_BAD_INPUT
    assert "not a regular file" in _one_line_error(capsys)


def test_a_folder_as_a_plan(tmp_path, capsys):
    assert run_cli("check", tmp_path) == EXIT_BAD_INPUT
    assert "is a folder" in _one_line_error(capsys)


# --- where outputs cannot go ------------------------------------------------------------

def test_out_under_a_file_is_refused(sandbox, tmp_path, capsys):
    f = tmp_path / "afile"
    f.write_text("x")
    assert run_cli("run", LUTON, "--no-workbook", "--out", f / "res") == EXIT_BAD_INPUT
    _one_line_error(capsys)
    assert f.read_text() == "x"


def test_unwritable_output_folder_is_exit_4(sandbox, tmp_path, capsys):
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        target = locked / "res"
    else:  # root may write anywhere on disk; sysfs refuses even root a new folder
        target = Path("/sys/finmodel-test-output/res")
        try:
            target.parent.mkdir()
        except PermissionError:
            pass
        else:
            target.parent.rmdir()
            pytest.skip("could not find a folder this user cannot write")
    assert run_cli("run", LUTON, "--no-workbook", "--out", target) == EXIT_ENVIRONMENT
    assert "cannot" in _one_line_error(capsys)


def test_error_messages_do_not_repeat_huge_values(capsys, sandbox):
    data = mini_plan()
    proto = data["schemes"][1]
    data["schemes"] = [{**proto, "id": f"X{i}", "name": f"Extra {i}"} for i in range(MAX_SCHEMES + 1)]
    plan = write_toml(data, sandbox / "inputs" / "many.toml")
    assert run_cli("check", plan) == EXIT_BAD_INPUT
    err = _one_line_error(capsys)
    assert len(err) < 1_000 and f"({MAX_SCHEMES + 1:,} items)" in err


def test_a_plan_at_the_limits_round_trips_through_the_workbook(sandbox, tmp_path):
    """The list limits are set so that finmodel's own workbook of such a plan imports again."""
    from finmodel.plan_text import MAX_CONTRIBUTIONS, MAX_PARTNERS

    data = mini_plan()
    proto = data["schemes"][1]
    data["schemes"] = data["schemes"][:1] + [{**proto, "id": f"X{i}", "name": f"Extra {i}", "spend": {"2015/16": 1.0}}
                                             for i in range(MAX_SCHEMES - 1)]
    extra = MAX_CONTRIBUTIONS - len(data["contributions"])
    data["contributions"] += [{"year": "2015/16", "organisation": f"Org {i}", "stream": "additional_council",
                               "amount": 1.0, "source": "test"} for i in range(extra)]
    data["partners"] = [{"name": f"Partner {i}", "kind": "other", "share_pct": 100 / MAX_PARTNERS, "source": "test"}
                        for i in range(MAX_PARTNERS)]
    data["risk_share"] = {"contingency_basis": "none", "source": "test"}
    plan = write_toml(data, sandbox / "inputs" / "limits.toml")
    book = tmp_path / "limits.xlsx"
    assert run_cli("template2", plan, "--out", book) == 0
    assert run_cli("import-template2", book, "--out", tmp_path / "back.toml") == 0
    back = tomllib.loads((tmp_path / "back.toml").read_text("utf-8"))
    assert len(back["schemes"]) == MAX_SCHEMES and len(back["contributions"]) == MAX_CONTRIBUTIONS


@pytest.mark.parametrize("args", [["run", "--json", "--no-workbook"], ["run", "--no-workbook"], ["compare"]])
def test_output_piped_to_head_ends_quietly(tmp_path, args):
    import subprocess
    import sys

    out = ["--out", str(tmp_path / "res")] if args[0] == "run" else []
    cmd = f"{sys.executable} -m finmodel {' '.join(args + out)} | head -1"
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "Broken pipe" not in proc.stderr
