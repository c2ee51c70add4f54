"""`import-template2 --against PLAN`: exactly what the finance lead's edits changed (issue 12, item 2)."""

from __future__ import annotations

import tomllib

import openpyxl
import pytest

from finmodel.plan import plan_from_dict
from finmodel.report.plan_diff import in_plan_units, plan_changes
from tests.support.cli import run_cli
from tests.support.plans import LUTON


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("against") / "luton.xlsx"
    assert run_cli("template2", LUTON, "--out", path) == 0
    return path


def test_an_unedited_workbook_changes_nothing(book, capsys):
    assert run_cli("import-template2", book, "--against", LUTON) == 0
    captured = capsys.readouterr()
    assert "No change against" in captured.err  # stderr: stdout is the plan TOML
    tomllib.loads(captured.out)  # still a valid plan on stdout


def test_one_typed_cell_is_one_change_in_the_plans_units(book, tmp_path, capsys):
    wb = openpyxl.load_workbook(book)
    ws = wb["Funding sources"]
    assert ws["D4"].value == "Amount (£000)" and ws["D5"].value == 4400  # 2014/15 s256 transfer, £4.4m
    ws["D5"] = 7800
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    assert run_cli("import-template2", edited, "--against", LUTON, "--out", tmp_path / "new.toml") == 0
    out = capsys.readouterr().out
    assert "Changes against" in out and "(1;" in out
    assert "contributions[2014/15 NHS England (s256 transfer) nhs_transfer_s256].amount" in out
    assert "4,400" in out and "7,800" in out and "£000" in out  # Luton is written in £000


def test_a_workbook_saved_by_libreoffice_changes_nothing(book, tmp_path, capsys):
    from finmodel.report.recalc import recalculate_many, soffice_path

    if soffice_path() is None:
        pytest.skip("LibreOffice not installed: apt-get install libreoffice-calc-nogui")
    saved = recalculate_many([book], tmp_path)[0]  # open, recalculate and save in LibreOffice
    assert run_cli("import-template2", saved, "--against", LUTON) == 0
    assert "No change against" in capsys.readouterr().err


def test_items_are_matched_by_identity_not_position():
    data = tomllib.loads(LUTON.read_text("utf-8"))
    old = plan_from_dict(data, "luton.toml")
    data["schemes"] = data["schemes"][::-1]  # the same schemes in another order: no change
    assert plan_changes(old, plan_from_dict(data, "luton.toml")) == []
    data["schemes"][5]["spend"] = {k: v + 1 for k, v in data["schemes"][5]["spend"].items()}
    new = plan_from_dict(data, "luton.toml")
    changes = plan_changes(old, new)
    sid = data["schemes"][5]["id"]
    assert changes and all(c.path.startswith(f"schemes[{sid}].spend.") for c in changes)
    old_v, new_v, unit = in_plan_units(changes[0], old)
    assert unit == "£000" and new_v == pytest.approx(old_v + 1)
