"""The guarded cell reader (xlsx_read), the exact-match formula helpers (xlsx_match), array formulas."""

from __future__ import annotations

from datetime import datetime

import openpyxl
import pytest

from finmodel.report import xlsx_utils as xu
from finmodel.report.xlsx_match import lookup_exact, sum_exact, text_literal
from finmodel.report.xlsx_read import decode_escapes, read_workbook


@pytest.mark.parametrize("raw,text", [
    ("a_x000D_b", "a\rb"),
    ("_x005F_x000D_", "_x000D_"),  # an escaped underscore: the literal text _x000D_
    ("x005F_ and _x00", "x005F_ and _x00"),  # not escapes: left alone (openpyxl drops "x005F_")
    ("_xD83D__xDE00_", "\U0001F600"),  # an escaped surrogate pair is one character
    ("plain", "plain"),
])
def test_decode_escapes(raw, text):
    assert decode_escapes(raw) == text


def test_an_unpaired_surrogate_is_refused():
    with pytest.raises(ValueError, match="unpaired surrogate"):
        decode_escapes("_xD800_")


def test_reads_what_openpyxl_reads(tmp_path):
    """A workbook saved by openpyxl (inline strings, a date, booleans, a formula, an error)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["A1"] = "text"
    ws["B2"] = 3
    ws["C2"] = 2.5
    ws["D3"] = True
    ws["E3"] = datetime(2014, 8, 1)
    ws["F4"] = "=B2*C2"
    ws["A5"] = "#N/A"
    ws["J9"] = "  spaces kept  "
    wb.create_sheet("Other")["A1"] = "not read"
    path = tmp_path / "a.xlsx"
    wb.save(path)

    book = read_workbook(path, ["Data"])
    assert book.sheetnames == ["Data", "Other"]
    sheet = book["Data"]
    expected = {(c.row, c.column): c.value for row in openpyxl.load_workbook(path)["Data"].iter_rows()
                for c in row if c.value is not None}
    assert sheet.cells == expected
    assert (sheet.max_row, sheet.max_column) == (9, 10)
    assert sheet.cell(row=3, column=5).value == datetime(2014, 8, 1)
    assert sheet.cell(row=7, column=7).value is None
    assert book["Other"].cells == {}  # a sheet not asked for is never parsed


def test_exact_match_formulas():
    assert text_literal('say "hi"') == '"say ""hi"""'
    assert sum_exact("$D$5:$D$9", ("$A$5:$A$9", "$C$2"), ("$B$5:$B$9", '"x"')) == \
        'SUMPRODUCT(--EXACT($A$5:$A$9,$C$2),--EXACT($B$5:$B$9,"x"),$D$5:$D$9)'
    assert lookup_exact("N", "K", "A5") == 'IFERROR(INDEX(N,MATCH(TRUE,EXACT(K,A5),0)),"")'
    with pytest.raises(ValueError):
        sum_exact("$D$5:$D$9")


def test_array_formula_keeps_its_cached_value(tmp_path):
    def build(wb):
        ws = wb.add_worksheet("S")
        xu.write_text(ws, 0, 0, "k")
        xu.write_text(ws, 0, 1, "v")
        xu.write_array_formula(ws, 1, 0, lookup_exact("$B$1", "$A$1", '"k"'), "v")

    path = xu.atomic_write_workbook(tmp_path / "arr.xlsx", build)
    cell = openpyxl.load_workbook(path)["S"]["A2"]
    assert cell.value.text == '=IFERROR(INDEX($B$1,MATCH(TRUE,EXACT($A$1,"k"),0)),"")'
    assert openpyxl.load_workbook(path, data_only=True)["S"]["A2"].value == "v"
    with pytest.raises(ValueError, match="needs a cached value"):
        xu.atomic_write_workbook(tmp_path / "bad.xlsx", lambda wb: xu.write_array_formula(
            wb.add_worksheet("S"), 0, 0, "=1", None))
