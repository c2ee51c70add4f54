"""Reading Template 2 workbooks back: round trip, edits made in the workbook, malformed workbooks, TOML."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from openpyxl import load_workbook

from finmodel.engine import run
from finmodel.plan import load_plan, plan_from_dict
from finmodel.report import t2_common as L
from finmodel.report.import_template2 import import_template2, plan_to_toml
from finmodel.report.template2 import write_template2

INPUTS = Path(__file__).resolve().parents[2] / "inputs"
PLANS = ["luton", "central_bedfordshire"]


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("t2import")
    out = {name: write_template2(run(INPUTS / f"{name}.toml"), d / f"{name}.xlsx") for name in PLANS}
    out["beds"] = write_template2(run(INPUTS / "luton.toml", "beds-not-closed"), d / "beds.xlsx")
    return out


def in_gbp(plan):
    """The plan as load_plan gives it (money already in £), labelled with the unit import uses."""
    return plan.model_copy(update={"money_unit": "gbp"})


@pytest.mark.parametrize("name", PLANS)
def test_round_trip_gives_an_equal_plan(books, name):
    data = import_template2(books[name])
    assert data["money_unit"] == "gbp"
    assert plan_from_dict(data) == in_gbp(load_plan(INPUTS / f"{name}.toml"))


@pytest.mark.parametrize("name", PLANS)
def test_toml_round_trip(books, name):
    data = import_template2(books[name])
    text = plan_to_toml(data)
    assert plan_to_toml(data) == text  # deterministic
    assert plan_from_dict(tomllib.loads(text)) == in_gbp(load_plan(INPUTS / f"{name}.toml"))
    assert "go_live = 2014-08-01" in text or name != "luton"  # dates as TOML dates


def test_scenario_plan_round_trips(books):
    expected = run(INPUTS / "luton.toml", "beds-not-closed").plan
    assert plan_from_dict(import_template2(books["beds"])) == in_gbp(expected)


def test_plan_to_toml_quotes_awkward_text():
    data = {"a": 'say "hi"\n\\ £ \x7f', "t": {"2014/15": 1.5, "x.y": True}}
    assert tomllib.loads(plan_to_toml(data)) == {"a": data["a"], "t": data["t"]}


def _row_of(ws, label: str, col: int = 1) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, col).value == label)


def scheme_cells(ws, row: int) -> dict[str, tuple[int, int]]:
    """header -> (row, column) of a scheme's cells, whose row in the first table is ``row``: the provider, flags
    and source are in the second table (headed L.DETAILS_TABLE_LABEL), on the row in step with it."""
    hdr = _row_of(ws, L.EXPENDITURE_HEADER)
    second = _row_of(ws, L.DETAILS_TABLE_LABEL) + 1
    out = {ws.cell(second, c).value: (row + second - hdr, c) for c in range(3, ws.max_column + 1) if ws.cell(second, c).value}
    out.update({ws.cell(hdr, c).value: (row, c) for c in range(1, ws.max_column + 1) if ws.cell(hdr, c).value})
    return out


def test_edited_workbook_imports_with_the_edits(books, tmp_path):
    wb = load_workbook(books["luton"])
    fund = wb[L.FUNDING]
    assert fund["C5"].value == "NHS transfer to social care (s256)"  # the label, not the code nhs_transfer_s256
    fund["D5"] = 4_500  # change an amount (£000)
    exp = wb[L.EXPENDITURE]
    row = 5 + len(load_plan(INPUTS / "luton.toml").schemes)  # first spare row
    assert exp.cell(row, 1).value is None
    cells = scheme_cells(exp, row)
    typed = {"Scheme ID": "L9", "Scheme name": "Falls prevention", "Area of spend": "Community health",
             "Commissioner": "Joint", "% NHS (joint)": 40, "Provider": "Community provider",
             "Funding stream": "CCG minimum contribution", "New / existing": "New", "Recurrent": "Yes",
             "Protects social care": "No", "NHS out-of-hospital": "Yes", "Spend 2015/16 (£000)": 250,
             "Source": "assumption: added in the workbook"}
    for header, v in typed.items():
        exp.cell(*cells[header], v)
    ben = wb[L.BENEFITS]
    ben.cell(row, 1, "L9")
    ben.cell(row, 3, "Emergency admissions")
    ben.cell(row, 5, 90)  # £000
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)

    plan = plan_from_dict(import_template2(edited))
    assert plan.contributions[0].amount == 4_500_000
    new = plan.schemes[-1]
    assert (new.id, new.name, new.commissioner.value, new.nhs_share_pct) == ("L9", "Falls prevention", "joint", 40)
    assert new.spend == {"2015/16": 250_000} and new.benefits == {"2015/16": 90_000}
    assert new.recurrent and not new.protects_social_care and new.nhs_out_of_hospital
    assert (new.area_of_spend.value, new.funding_stream.value, new.status) == ("community_health", "ccg_minimum", "new")
    assert new.benefit_activity.value == "emergency_admissions" and new.source == "assumption: added in the workbook"
    assert len(plan.schemes) == len(load_plan(INPUTS / "luton.toml").schemes) + 1


def test_edit_on_the_assumptions_sheet(books, tmp_path):
    wb = load_workbook(books["luton"])
    ws = wb[L.ASSUMPTIONS]
    assert [ws.cell(4, c).value for c in range(1, 9)] == ["Input", "Value", "Unit", "Source", "Change it on",
                                                          L.ASSUMPTIONS_HEADER, "Held on", "Type"]
    row = _row_of(ws, "qipp.cohorts[3].initial_reduction_pct", col=6)  # the path: a hidden machine column
    assert ws.cell(row, 7).value == L.HELD_HERE and ws.cell(row, 5).value == "this sheet"
    assert ws.cell(row, 1).value.endswith(": initial reduction (%)")  # what a person reads
    ws.cell(row, 2, 22.5)
    path = tmp_path / "edited.xlsx"
    wb.save(path)
    assert plan_from_dict(import_template2(path)).qipp.cohorts[3].initial_reduction_pct == 22.5


def _broken(books, tmp_path, sheet, coord, value) -> Path:
    wb = load_workbook(books["central_bedfordshire"])
    wb[sheet][coord] = value
    path = tmp_path / "broken.xlsx"
    wb.save(path)
    return path


def test_non_number_names_sheet_cell_and_value(books, tmp_path):
    path = _broken(books, tmp_path, L.FUNDING, "D6", "lots")
    with pytest.raises(ValueError, match=r"sheet 'Funding sources' cell D6 value 'lots': not a number"):
        import_template2(path)


def test_invalid_choice_names_sheet_cell_and_value(books, tmp_path):
    path = _broken(books, tmp_path, L.EXPENDITURE, "C6", "space_travel")
    with pytest.raises(ValueError, match=r"sheet 'Expenditure plan' cell C6 value 'space_travel': area of spend not recognised; "
                       r"choose one of: Social care; Community health; "):
        import_template2(path)


def test_bad_flag_and_unknown_benefit_scheme(books, tmp_path):
    ws = load_workbook(books["central_bedfordshire"])[L.EXPENDITURE]
    row, col = scheme_cells(ws, 5)["Recurrent"]  # in the second table
    coord = f"{ws.cell(row, col).column_letter}{row}"
    with pytest.raises(ValueError, match=rf"cell {coord} value 'maybe': expected Yes or No"):
        import_template2(_broken(books, tmp_path, L.EXPENDITURE, coord, "maybe"))
    with pytest.raises(ValueError, match=r"sheet 'Benefits plan' cell A6 value 'ZZ9'"):
        import_template2(_broken(books, tmp_path, L.BENEFITS, "A6", "ZZ9"))


def test_missing_sheet_and_not_a_workbook(books, tmp_path):
    wb = load_workbook(books["central_bedfordshire"])
    del wb[L.ASSUMPTIONS]
    path = tmp_path / "nosheet.xlsx"
    wb.save(path)
    with pytest.raises(ValueError, match="no sheet 'Assumptions'"):
        import_template2(path)
    junk = tmp_path / "junk.xlsx"
    junk.write_text("not a workbook")
    with pytest.raises(ValueError, match="not a readable"):
        import_template2(junk)


def test_round_trip_keeps_a_cap_at_contribution(tmp_path):
    from finmodel.engine import run_plan
    from finmodel.plan import plan_from_dict, read_toml
    from finmodel.report.import_template2 import import_template2
    from finmodel.report.template2 import write_template2
    from finmodel.scenario import BASE
    from tests.support.plans import LUTON

    data = read_toml(LUTON)
    data["partners"][1]["cap_at_contribution"] = True
    plan = plan_from_dict(data, LUTON)
    book = write_template2(run_plan(plan, LUTON, BASE), tmp_path / "capped.xlsx")
    back = plan_from_dict(import_template2(book))
    assert back.partners[1].cap_at_contribution is True
    assert back == plan.model_copy(update={"money_unit": "gbp"})
