"""Tests for finmodel.report.xlsx_utils (read back with openpyxl)."""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pytest

from finmodel.report import xlsx_utils as xu

INJECTION = ["=1+1", "+44 1582", "-5", "@SUM(A1)", "=HYPERLINK(\"http://x\")",
             "http://example.com", "123", "1e5", "#N/A"]


def _no_temp_files(directory: Path) -> bool:
    return not [p for p in directory.iterdir() if ".tmp" in p.name]


def _build_sample(wb) -> None:
    st = xu.Styles(wb)
    ws = wb.add_worksheet("Funding sources")
    for i, text in enumerate(INJECTION):
        xu.write_text(ws, i, 0, text, st.text)
    xu.write_input_number(ws, 0, 1, 2.5, st.input)
    xu.write_input_number(ws, 1, 1, 1_234_567, st.input_k)
    xu.write_formula(ws, 0, 2, "B1*2", 5.0, st.calc)
    xu.write_formula(ws, 1, 2, "=B2/1000", 1234.567, st.calc_k)
    xu.write_formula(ws, 2, 2, '="a"&"b"', "ab", st.text)
    xu.write_input_number(ws, 3, 1, 0.25, st.input_pct)
    xu.write_text(ws, 4, 1, "Lincolnshire", st.text_input)
    xu.add_list_validation(ws, 4, 1, 9, ["Lincolnshire", "Rutland"])
    xu.define_name(wb, "GrowthRate", "Funding sources", 3, 1)
    xu.protect_sheet(ws)
    xu.set_print(ws, landscape=True, fit_width=True, repeat_rows=1)
    xu.freeze_panes(ws, 1, 1)
    summary = wb.add_worksheet("Summary")
    xu.write_formula(summary, 0, 0, "=" + xu.cell_ref(0, 2, sheet="Funding sources"), 5.0, st.calc)


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("xlsx") / "sample.xlsx"
    xu.atomic_write_workbook(path, _build_sample)
    return path


@pytest.fixture(scope="module")
def sheet(sample):
    return openpyxl.load_workbook(sample)["Funding sources"]


@pytest.mark.parametrize("row,text", list(enumerate(INJECTION)))
def test_text_is_never_a_formula_number_or_url(sheet, row, text):
    cell = sheet.cell(row=row + 1, column=1)
    assert cell.data_type == "s"
    assert cell.value == text
    assert cell.hyperlink is None


def test_write_text_rejects_non_strings(tmp_path):
    def build(wb):
        xu.write_text(wb.add_worksheet(), 0, 0, 5)  # type: ignore[arg-type]

    with pytest.raises(TypeError):
        xu.atomic_write_workbook(tmp_path / "x.xlsx", build)


def test_formulas_keep_cached_values(sample):
    wb = openpyxl.load_workbook(sample)
    assert wb["Funding sources"]["C1"].value == "=B1*2"  # '=' added
    assert wb["Summary"]["A1"].value == "='Funding sources'!$C$1"
    cached = openpyxl.load_workbook(sample, data_only=True)
    assert cached["Funding sources"]["C1"].value == 5
    assert cached["Funding sources"]["C2"].value == pytest.approx(1234.567)
    assert cached["Funding sources"]["C3"].value == "ab"


def test_input_and_calc_formats(sheet):
    inp, calc = sheet["B1"], sheet["C1"]
    assert inp.fill.fgColor.rgb.upper().endswith(xu.INPUT_FILL.lstrip("#"))
    assert calc.fill.fgColor.rgb.upper().endswith(xu.CALC_FILL.lstrip("#"))
    assert inp.protection.locked is False
    assert calc.protection.locked is True
    assert inp.number_format == xu.GBP_FORMAT
    assert calc.number_format == xu.GBP_FORMAT
    assert sheet["B2"].number_format == xu.GBP_THOUSANDS_FORMAT
    assert sheet["C2"].number_format == xu.GBP_THOUSANDS_FORMAT
    assert sheet["B4"].number_format == xu.PCT_FORMAT
    assert sheet["B5"].protection.locked is False  # text input
    assert sheet["A1"].protection.locked is True  # plain text


def test_list_validation(sheet):
    validations = sheet.data_validations.dataValidation
    assert len(validations) == 1
    dv = validations[0]
    assert dv.type == "list"
    assert dv.formula1 == '"Lincolnshire,Rutland"'
    assert str(dv.sqref) == "B5:B10"


def test_defined_name(sample):
    wb = openpyxl.load_workbook(sample)
    assert wb.defined_names["GrowthRate"].attr_text == "'Funding sources'!$B$4"


def test_sheet_protection_without_password(sheet):
    assert sheet.protection.sheet is True
    assert not sheet.protection.password
    assert sheet.protection.selectUnlockedCells is False  # False = not prohibited
    assert sheet.protection.selectLockedCells is False


def test_print_and_freeze(sheet):
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.page_setup.fitToWidth in (None, 1)  # 1 is the default, so omitted
    assert sheet.page_setup.fitToHeight == 0
    assert sheet.freeze_panes == "B2"
    assert sheet.print_title_rows == "$1:$1"


@pytest.mark.parametrize(
    "sheet_name,absolute,expected",
    [
        (None, True, "$C$5"),
        (None, False, "C5"),
        ("Summary", True, "Summary!$C$5"),
        ("Funding sources", True, "'Funding sources'!$C$5"),
        ("Lead's view", False, "'Lead''s view'!C5"),
        ("A1", True, "'A1'!$C$5"),
        ("2024", True, "'2024'!$C$5"),
        ("R1C1", True, "'R1C1'!$C$5"),
        ("BCF-2025", True, "'BCF-2025'!$C$5"),
    ],
)
def test_cell_ref(sheet_name, absolute, expected):
    assert xu.cell_ref(4, 2, absolute=absolute, sheet=sheet_name) == expected


def test_range_ref_and_bad_sheet_name():
    assert xu.range_ref(4, 2, 8, 3, sheet="Funding sources") == "'Funding sources'!$C$5:$D$9"
    with pytest.raises(ValueError):
        xu.cell_ref(0, 0, sheet="bad/name")


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_rejected(tmp_path, bad):
    def number(wb):
        xu.write_input_number(wb.add_worksheet(), 0, 0, bad)

    def formula(wb):
        xu.write_formula(wb.add_worksheet(), 0, 0, "=1", bad)

    for build in (number, formula):
        with pytest.raises(ValueError):
            xu.atomic_write_workbook(tmp_path / "x.xlsx", build)
    assert list(tmp_path.iterdir()) == []


def test_list_validation_rejects_commas_and_long_lists(tmp_path):
    def commas(wb):
        xu.add_list_validation(wb.add_worksheet(), 0, 0, 5, ["a,b"])

    def long(wb):
        xu.add_list_validation(wb.add_worksheet(), 0, 0, 5, ["x" * 50] * 6)

    for build in (commas, long):
        with pytest.raises(ValueError):
            xu.atomic_write_workbook(tmp_path / "x.xlsx", build)


def test_defined_name_rejects_cell_like_names(tmp_path):
    def build(wb):
        wb.add_worksheet("S")
        xu.define_name(wb, "AB12", "S", 0, 0)

    with pytest.raises(ValueError):
        xu.atomic_write_workbook(tmp_path / "x.xlsx", build)


def test_atomic_write_success_leaves_no_temp_files(tmp_path):
    target = tmp_path / "out.xlsx"
    assert xu.atomic_write_workbook(target, _build_sample) == target
    assert target.is_file()
    assert _no_temp_files(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]


def test_atomic_write_failure_leaves_nothing(tmp_path):
    def build(wb):
        _build_sample(wb)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        xu.atomic_write_workbook(tmp_path / "out.xlsx", build)
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_failure_keeps_previous_file(tmp_path):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"previous")

    def build(wb):
        raise KeyError("x")

    with pytest.raises(KeyError):
        xu.atomic_write_workbook(target, build)
    assert target.read_bytes() == b"previous"
    assert _no_temp_files(tmp_path)


def test_atomic_write_failure_during_close_cleans_up(tmp_path):
    def build(wb):
        wb.add_worksheet("S")

        def failing_store():
            raise OSError("disk full")

        wb._store_workbook = failing_store  # close() fails

    with pytest.raises(Exception, match="disk full"):
        xu.atomic_write_workbook(tmp_path / "out.xlsx", build)
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_failure_while_writing_the_file_cleans_up(tmp_path, monkeypatch):
    def full_disk(fd):
        raise OSError("disk full")

    monkeypatch.setattr(xu.os, "fsync", full_disk)  # the temporary file is half on disk when this fails
    with pytest.raises(OSError, match="disk full"):
        xu.atomic_write_workbook(tmp_path / "out.xlsx", _build_sample)
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_replaces_existing_file(tmp_path):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"old")
    xu.atomic_write_workbook(target, _build_sample)
    assert openpyxl.load_workbook(target).sheetnames == ["Funding sources", "Summary"]
