"""The Template 2 workbook: structure, styles, protection, names, charts, and a LibreOffice recalculation."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from finmodel.engine import run, run_plan
from finmodel.plan import plan_from_dict, read_toml
from finmodel.report import t2_common as L
from finmodel.report import t2_p4p
from finmodel.report.recalc import compare_recalculated, formula_cells, recalculate_many
from finmodel.report.template2 import write_template2

INPUTS = Path(__file__).resolve().parents[2] / "inputs"
YELLOW = "FFFFFF99"
GREY = "FFD9D9D9"

SWEEP = {
    "method": "lhs", "n": 1000, "seed": 42, "output": "shortfall_gbp",
    "percentiles": {
        "shortfall_gbp": {"count": 1000, "mean": 1.5e6, "std": 4e5, "min": 0.0, "p5": 9e5, "p50": 1.4e6, "p95": 2.3e6,
                          "max": 3e6, "expected_shortfall": 2.5e6},
        "unfunded_gap_gbp": {"count": 1000, "mean": 1e4, "std": 1e3, "min": 0.0, "p5": 0.0, "p50": 0.0, "p95": 5e4,
                             "max": 1e5, "expected_shortfall": 6e4},
    },
    "tornado": [
        {"input": "outturn.savings_delivery_pct", "low": 50, "high": 100, "output_low": 2.1e6, "output_high": 0.0},
        {"input": "outturn.nel_admissions_change_pct", "low": -3.5, "high": 4.9, "output_low": 0.0, "output_high": 2.4e6},
    ],
}


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("t2")
    luton = run(INPUTS / "luton.toml")
    scen = [luton, run(INPUTS / "luton.toml", "beds-not-closed"), run(INPUTS / "luton.toml", "admissions-grow")]
    cb = run(INPUTS / "central_bedfordshire.toml")
    out = {
        "luton": write_template2(luton, d / "luton.xlsx", scen, SWEEP),
        "central_bedfordshire": write_template2(cb, d / "central_bedfordshire.xlsx"),
        "luton_beds": write_template2(scen[1], d / "luton_beds.xlsx", scen),
    }
    # a workbook whose P4P sum carries a wrong cached value, to prove the recalculation check can fail
    real = t2_p4p.write_formula

    def corrupt(ws, row, col, formula, cached_value, fmt=None):
        if "/100*B" in formula:
            cached_value = float(cached_value) + 1000.0
        real(ws, row, col, formula, cached_value, fmt)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(t2_p4p, "write_formula", corrupt)  # the P4P sheet's formulas
        out["corrupt"] = write_template2(luton, d / "corrupt.xlsx")
    return out


@pytest.fixture(scope="module")
def luton_wb(books):
    return load_workbook(books["luton"])


def test_sheets_in_order(books):
    for name in ("luton", "central_bedfordshire"):
        assert load_workbook(books[name]).sheetnames == L.SHEET_ORDER


def test_inputs_yellow_unlocked_and_calcs_grey_locked(luton_wb):
    ws = luton_wb[L.FUNDING]
    amount = ws["D5"]
    assert amount.value == 4_400 and amount.fill.fgColor.rgb == YELLOW and amount.protection.locked is False
    assert amount.number_format == "#,##0;-#,##0"  # the cell holds £000 (4,400 = £4,400,000)
    sheet, coord = next(iter(luton_wb.defined_names["Pool_2015_16"].destinations))
    pool = luton_wb[sheet][coord.replace("$", "")]
    assert str(pool.value).startswith("=SUMPRODUCT(--EXACT(")  # exact match, never a pattern
    assert pool.fill.fgColor.rgb == GREY and pool.protection.locked is True


def test_every_sheet_protected_without_password(luton_wb):
    for ws in luton_wb.worksheets:
        assert ws.protection.sheet is True, ws.title
        assert not ws.protection.password, ws.title


def test_drop_downs(luton_wb):
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in luton_wb[L.EXPENDITURE].data_validations.dataValidation}
    # plain labels, as a finance lead reads them; the codes (social_care, joint, ccg_reablement) only in the plan file
    assert lists["C5"] == '"Social care,Community health,Acute,Primary care,Mental health,Other"'
    assert lists["D5"] == '"Council,CCG,Joint"' and "CCG reablement" in lists["G5"] and "ccg_" not in lists["G5"]
    assert luton_wb[L.FUNDING].data_validations.dataValidation


def test_defined_names(luton_wb):
    names = set(luton_wb.defined_names)
    for name in ("Pool_2014_15", "Pool_2015_16", "Minimum_2014_15", "Minimum_2015_16", "P4P_Sum",
                 "Shortfall_Total", "Unfunded_Gap_Total"):
        assert name in names


def test_live_formulas(luton_wb):
    sheet, coord = next(iter(luton_wb.defined_names["P4P_Sum"].destinations))
    assert luton_wb[sheet][coord.replace("$", "")].value.startswith("=SUM(")
    risk = luton_wb[L.RISK]
    formulas = [c.value for row in risk.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert any(f.startswith("=MIN(MAX(") for f in formulas)  # contingency used
    assert any("*" in f and "/SUM(" in f for f in formulas)  # partner payments by share


def test_charts_and_freeze_panes(luton_wb, books):
    for name in (L.FUNDING, L.EXPENDITURE, L.SENSITIVITY, L.QIPP):
        assert luton_wb[name]._charts, name
    # the base case has no shortfall: no empty risk-share chart, a sentence instead; with one, the chart is there
    assert not luton_wb[L.RISK]._charts
    assert any(isinstance(c.value, str) and c.value.startswith("No shortfall in this scenario")
               for row in luton_wb[L.RISK].iter_rows() for c in row)
    assert load_workbook(books["luton_beds"])[L.RISK]._charts
    assert luton_wb[L.FUNDING].freeze_panes == "A5"
    assert luton_wb[L.EXPENDITURE].freeze_panes == "C5"
    cb = load_workbook(books["central_bedfordshire"])
    assert not cb[L.SENSITIVITY]._charts
    assert cb[L.SENSITIVITY]["A4"].value == "no sweep run"


def test_cover_and_scenarios(luton_wb):
    cover = [c.value for row in luton_wb[L.COVER].iter_rows() for c in row if c.value is not None]
    assert "E06000032" in cover and "Care Act amount missing" in cover and "Red" in cover
    scen = luton_wb[L.SCENARIOS]
    assert [scen.cell(4, c).value for c in (2, 3, 4)] == ["base", "beds-not-closed", "admissions-grow"]


def test_binding_cap_noted(books):
    ws = load_workbook(books["luton_beds"])[L.RISK]
    notes = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "a cap binds" in c.value]
    assert notes and "2016/17" in notes[0]  # 2015/16: the contingency keeps the hospital under its cap


def test_formula_injection_is_text(tmp_path):
    data = read_toml(INPUTS / "luton.toml")
    evil = '=HYPERLINK("http://example.com","click")'
    data["schemes"][0]["name"] = evil
    data["schemes"][0]["provider"] = "+1-2"
    result = run_plan(plan_from_dict(data), INPUTS / "luton.toml")
    path = write_template2(result, tmp_path / "evil.xlsx")
    ws = load_workbook(path)[L.EXPENDITURE]
    assert ws["B5"].value == evil and ws["B5"].data_type == "s"
    provider = ws.cell(next(r for r in range(1, ws.max_row) if ws.cell(r, 1).value == L.DETAILS_TABLE_LABEL) + 2, 3)
    assert provider.value == "+1-2" and provider.data_type == "s"  # the second table's first scheme


@pytest.mark.libreoffice
def test_libreoffice_recalculation_matches_engine(books, soffice, tmp_path_factory):
    names = ["luton", "central_bedfordshire", "luton_beds", "corrupt"]
    out = recalculate_many([books[n] for n in names], tmp_path_factory.mktemp("recalc"))
    for name, fresh in zip(names[:3], out[:3]):
        assert len(formula_cells(books[name])) > 100
        assert compare_recalculated(books[name], fresh) == [], name
    problems = compare_recalculated(books["corrupt"], out[3])
    assert len(problems) == 1 and problems[0].startswith(f"{L.P4P}!B")


def test_funding_table_shows_each_organisations_own_minimum(tmp_path):
    # Luton's CCG owes £7.6m + £4.4m + £0.52m + £1.2m = £13,720,000 in 2015/16 and the council
    # £880,000 + £536,000 = £1,416,000 (minimum_pool.by_organisation), not "actual minus additional".
    import openpyxl

    from finmodel import cli
    from tests.support.plans import CENTRAL_BEDS, LUTON

    found = {}
    for plan in (LUTON, CENTRAL_BEDS):
        path = tmp_path / f"{plan.stem}.xlsx"
        assert cli.main(["template2", str(plan), "--out", str(path)]) == 0
        ws = openpyxl.load_workbook(path)["Funding sources"]
        for row in ws.iter_rows(values_only=True):
            if row and row[0] in ("NHS Luton CCG", "Luton Borough Council", "NHS Bedfordshire CCG") and len(row) > 3:
                if row[3] is not None and not (isinstance(row[3], str) and row[3].startswith("=")):
                    found[row[0]] = row[3]
    assert found["NHS Luton CCG"] == 13_720 and found["Luton Borough Council"] == 1_416  # £000
    assert found["NHS Bedfordshire CCG"] == "not stated per organisation"
