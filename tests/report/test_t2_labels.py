"""Plain labels in the workbook's coded cells (issue 12): area of spend, commissioner, funding stream, new or
existing, benefit activity.  The cells and drop-downs hold the words; import maps them back to the plan's codes,
accepts the codes too (workbooks of finmodel 0.3.0 and earlier), ignores case and spacing, and refuses anything
else naming the sheet, the cell, the value and the labels to choose from.  The formulas count a cell as import
reads it, checked by recalculating an edited workbook in LibreOffice."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from finmodel.engine import run, run_plan
from finmodel.plan import STREAM_LABELS, Stream, load_plan, plan_from_dict
from finmodel.report import t2_common as L
from finmodel.report.import_template2 import import_template2
from finmodel.report.t2_labels import CHOICES, code_of, is_choice, label_of
from finmodel.report.template2 import write_template2
from tests.report.test_import_template2 import scheme_cells
from tests.support.cli import run_cli
from tests.support.plans import LUTON

DATA = Path(__file__).parent / "data"
#: Every code of a coded input, which no input cell of a new workbook may hold.
CODES = {code for choice in CHOICES.values() for code in choice.labels} - {"other"}  # "Other" is also a label


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return write_template2(run(LUTON), tmp_path_factory.mktemp("labels") / "luton.xlsx")


def _row_of(ws, label: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == label)


def _years_row(ws, label: str, year: str, values) -> float:
    """The value in column ``year`` (of the Totals block's header) of the row labelled ``label``."""
    tot = _row_of(ws, L.TOTALS_LABEL)
    col = next(c for c in range(1, ws.max_column + 1) if ws.cell(tot + 1, c).value == year)
    return values.cell(_row_of(ws, label), col).value


# the labels and the way back ---------------------------------------------------------------

def test_code_of_reads_labels_and_codes_whatever_the_case_and_spacing():
    assert code_of("funding_stream", "Carers' breaks") == "carers_breaks"
    assert code_of("funding_stream", "  carers'   BREAKS\n") == "carers_breaks"  # TRIM(CLEAN()) and any case
    assert code_of("funding_stream", "nhs_transfer_s256") == "nhs_transfer_s256"  # the code, as 0.3.0 wrote it
    assert code_of("commissioner", "ccg") == code_of("commissioner", "CCG") == "ccg"
    assert code_of("status", "Existing") == "existing" and code_of("kind", "Acute trust") == "acute_trust"
    assert code_of("funding_stream", "Carers breaks") is None and code_of("area_of_spend", "social") is None


def test_is_choice_counts_a_label_that_differs_from_its_code_only_in_case_once():
    assert is_choice("D5", "commissioner", "ccg") == '((TRIM(CLEAN(D5))="CCG"))'  # never 2 for "CCG"
    assert is_choice("G5:G24", "funding_stream", Stream.carers_breaks) == (
        '((TRIM(CLEAN(G5:G24))="carers_breaks")+(TRIM(CLEAN(G5:G24))="Carers\' breaks"))')


# (a) the cells hold labels -------------------------------------------------------------------

def test_generated_workbook_holds_labels_not_codes(book):
    wb = load_workbook(book)
    plan = load_plan(LUTON)
    exp = wb[L.EXPENDITURE]
    for i, sc in enumerate(plan.schemes):
        cells = scheme_cells(exp, 5 + i)
        got = {h: exp.cell(*cells[h]).value for h in ("Area of spend", "Commissioner", "Funding stream", "New / existing")}
        assert got == {"Area of spend": label_of("area_of_spend", sc.area_of_spend),
                       "Commissioner": label_of("commissioner", sc.commissioner),
                       "Funding stream": STREAM_LABELS[sc.funding_stream], "New / existing": sc.status.capitalize()}
    assert exp["C5"].value == "Social care" and exp["D6"].value == "Joint" and exp["G5"].value == STREAM_LABELS[Stream.nhs_transfer_s256]
    assert wb[L.BENEFITS]["C5"].value in {"Emergency admissions", "A&E attendances", "Outpatients", "Other", None}
    for name in (L.FUNDING, L.EXPENDITURE, L.BENEFITS, L.RISK):  # no code left in any cell a person reads or types in
        texts = {c.value for row in wb[name].iter_rows() for c in row if isinstance(c.value, str)}
        assert not texts & CODES, (name, texts & CODES)


def test_partner_kinds_are_words_with_a_drop_down_of_words(book, tmp_path):
    """The risk-share sheet's "Kind" column: "CCG", "Council", "Acute trust", not ccg / acute_trust; a typed
    label imports to the code."""
    wb = load_workbook(book)
    ws = wb[L.RISK]
    plan = load_plan(LUTON)
    kinds = [ws.cell(5 + i, 2).value for i in range(len(plan.partners))]
    assert kinds == [label_of("kind", p.kind) for p in plan.partners] and "Acute trust" in kinds
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation if "B5" in str(dv.sqref)]
    assert lists == ['"CCG,Council,Acute trust,Other"']
    ws.cell(5, 2).value = "  council "  # the CCG typed as a council, odd spacing and case
    edited = tmp_path / "kind.xlsx"
    wb.save(edited)
    assert import_template2(edited)["partners"][0]["kind"] == "council"


# (b) a label typed in, saved by LibreOffice, imported -----------------------------------------

@pytest.mark.libreoffice
def test_a_typed_label_saved_by_libreoffice_imports_as_its_code_and_shows_in_the_diff(book, soffice, tmp_path, capsys):
    from finmodel.report.recalc import recalculate_many

    wb = load_workbook(book)
    exp = wb[L.EXPENDITURE]
    assert (exp["A5"].value, exp["G5"].value) == ("L1", "NHS transfer to social care (s256)")
    exp["G5"] = "Carers' breaks"  # L1 (£3,300k in 2014/15, £4,400k in 2015/16) now funded from carers' breaks
    assert (exp["A8"].value, exp["D8"].value) == ("L3", "Council")
    exp["D8"] = "  ccg "  # L3 (£5,232k in 2015/16) commissioned by the CCG: the code, spaced, as someone might type it
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    saved = recalculate_many([edited], tmp_path / "lo")[0]  # opened, recalculated and saved by LibreOffice

    plan = plan_from_dict(import_template2(saved))
    assert plan.schemes[0].funding_stream is Stream.carers_breaks and plan.schemes[3].commissioner.value == "ccg"
    # the recalculated formulas count the typed cells as the engine does on the imported plan
    pool = run_plan(plan, saved).pool
    values = load_workbook(saved, data_only=True)[L.EXPENDITURE]
    k = list(pool.streams).index(Stream.carers_breaks)
    for y, year in enumerate(plan.years[:2]):
        assert _years_row(exp, "Overspent: Carers' breaks", year, values) == pytest.approx(
            pool.stream_overcommitted_gbp[0, y, k] / 1000, abs=1e-6)
        assert _years_row(exp, "NHS-commissioned spend (joint split by % NHS)", year, values) == pytest.approx(
            pool.spend_nhs_commissioned_gbp[0, y] / 1000, abs=1e-6)
    # carers' breaks: 2014/15 spend 3,300 - contributed 0; 2015/16 4,400 + L5's 520 - contributed 520 = 4,400 (£000)
    assert [_years_row(exp, "Overspent: Carers' breaks", y, values) for y in ("2014/15", "2015/16")] == [3300, 4400]

    assert run_cli("import-template2", saved, "--against", LUTON, "--out", tmp_path / "new.toml") == 0
    out = capsys.readouterr().out
    assert "(2;" in out  # exactly the two edits
    assert "schemes[L1].funding_stream" in out and "Carers' breaks" in out and "NHS transfer to social" in out
    assert "schemes[L3].commissioner" in out and "Council" in out and "CCG" in out


# (c) workbooks holding the codes -------------------------------------------------------------

def test_a_workbook_written_by_finmodel_0_3_0_imports_to_the_same_plan():
    # written by finmodel 0.3.0 (git archive of that commit) from data/luton-0.3.0.toml: codes in the cells,
    # and the Expenditure plan as one table of 19 columns
    old = load_workbook(DATA / "luton-0.3.0.xlsx")[L.EXPENDITURE]
    assert (old["C5"].value, old["D5"].value, old["H5"].value) == ("social_care", "council", "nhs_transfer_s256")
    expected = load_plan(DATA / "luton-0.3.0.toml").model_copy(update={"money_unit": "gbp"})
    assert plan_from_dict(import_template2(DATA / "luton-0.3.0.xlsx")) == expected


def test_codes_typed_in_a_new_workbook_import_as_the_labels_do(book, tmp_path):
    wb = load_workbook(book)
    labels_to_codes = {label: code for choice in CHOICES.values() for code, label in choice.labels.items()}
    for name in (L.FUNDING, L.EXPENDITURE, L.BENEFITS):
        for row in wb[name].iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value in labels_to_codes and not c.protection.locked:
                    c.value = labels_to_codes[c.value]
    assert wb[L.EXPENDITURE]["C5"].value == "social_care"
    path = tmp_path / "codes.xlsx"
    wb.save(path)
    assert plan_from_dict(import_template2(path)) == plan_from_dict(import_template2(book))


# (d) anything else is refused ----------------------------------------------------------------

@pytest.mark.parametrize("sheet, coord, value, why", [
    (L.EXPENDITURE, "G5", "Carers breaks", "funding stream not recognised; choose one of: NHS transfer to social care "
                                           "(s256); CCG minimum contribution; Carers' breaks; "),
    (L.EXPENDITURE, "D6", "NHS", "commissioner not recognised; choose one of: Council; CCG; Joint"),
    (L.FUNDING, "C5", "s256", "funding stream not recognised"),
    (L.BENEFITS, "C5", "Admissions", "benefit activity not recognised; choose one of: Emergency admissions; "),
])
def test_an_unknown_label_names_sheet_cell_value_and_the_labels(book, tmp_path, sheet, coord, value, why):
    wb = load_workbook(book)
    wb[sheet][coord] = value
    path = tmp_path / "unknown.xlsx"
    wb.save(path)
    with pytest.raises(ValueError) as err:
        import_template2(path)
    assert f"sheet {sheet!r} cell {coord} value {value!r}: {why}" in str(err.value)


def test_details_typed_for_a_scheme_not_given_in_the_first_table_are_refused(book, tmp_path):
    wb = load_workbook(book)
    exp = wb[L.EXPENDITURE]
    row = 5 + len(load_plan(LUTON).schemes)  # a spare row: blank in the first table
    cells = scheme_cells(exp, row)
    exp.cell(*cells["Source"], "assumption")
    path = tmp_path / "orphan.xlsx"
    wb.save(path)
    with pytest.raises(ValueError, match=rf"sheet 'Expenditure plan' cell A{row} value None \(schemes\[10\]\.id\)"):
        import_template2(path)


def test_the_notes_under_risk_share_and_p4p_name_their_choices_in_words(book):
    wb = load_workbook(book)
    notes = [c.value for name in (L.RISK, L.P4P) for row in wb[name].iter_rows() for c in row
             if isinstance(c.value, str) and ("basis:" in c.value or c.value.startswith("Design:"))]
    assert "Share basis: Fixed shares; contingency basis: P4P money not released; underspend shared back: Yes" in notes
    assert any(n.startswith("Design: Revised design; year 2015/16") for n in notes)
