"""Tests for finmodel.report.recalc.

The ``libreoffice`` tests share one LibreOffice run: a module fixture writes
every workbook and recalculates them all with a single ``soffice`` call.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from finmodel.report import recalc
from finmodel.report import xlsx_utils as xu

# --------------------------------------------------------------------------
# Workbooks
# --------------------------------------------------------------------------


def _product(cached):
    """Inputs 2 and 3 in A1:B1 and ``=A1*B1`` cached as ``cached``."""

    def build(wb):
        st = xu.Styles(wb)
        ws = wb.add_worksheet("Calc")
        xu.write_input_number(ws, 0, 0, 2, st.input)
        xu.write_input_number(ws, 0, 1, 3, st.input)
        xu.write_formula(ws, 0, 2, "=A1*B1", cached, st.calc)

    return build


def _text_and_logic(wb):
    st = xu.Styles(wb)
    ws = wb.add_worksheet("Text")
    xu.write_input_number(ws, 0, 0, 2, st.input)
    xu.write_text(ws, 1, 0, "=1+1", st.text)  # literal text, must stay text
    xu.write_text(ws, 2, 0, "@SUM(A1)", st.text)
    xu.write_formula(ws, 3, 0, '=A1&" units"', "2 units", st.text)
    xu.write_formula(ws, 4, 0, "=A1>1", True, st.calc)
    xu.write_formula(ws, 5, 0, "=A1/8", 0.25, st.calc_pct)


def _wrong_text(wb):
    ws = wb.add_worksheet("Text")
    xu.write_input_number(ws, 0, 0, 2)
    xu.write_formula(ws, 1, 0, '=A1&" units"', "3 units")


def _div0(wb):
    ws = wb.add_worksheet("Calc")
    xu.write_input_number(ws, 0, 0, 2)
    xu.write_formula(ws, 0, 1, "=A1/0", 0)


def _cross_sheet(wb):
    st = xu.Styles(wb)
    src = wb.add_worksheet("Funding sources")
    xu.write_input_number(src, 4, 2, 1_000_000, st.input_k)
    xu.write_input_number(src, 5, 2, 250_000.5, st.input_k)
    xu.write_input_number(src, 6, 2, 0.03, st.input_pct)
    xu.define_name(wb, "UpliftRate", "Funding sources", 6, 2)
    lead = wb.add_worksheet("Lead's view")
    total = f"=SUM({xu.range_ref(4, 2, 5, 2, sheet='Funding sources')})"
    xu.write_formula(lead, 0, 0, total, 1_250_000.5, st.calc)
    xu.write_formula(lead, 1, 0, "=A1*(1+UpliftRate)", 1_287_500.515, st.calc)
    summary = wb.add_worksheet("Summary 2025-26")
    ref = xu.cell_ref(1, 0, sheet="Lead's view")
    xu.write_formula(summary, 0, 0, f"={ref}-{xu.cell_ref(4, 2, sheet='Funding sources')}",
                     287_500.515, st.calc_k)
    xu.protect_sheet(summary)


WORKBOOKS = {
    "good": _product(6),
    "wrong_cache": _product(7),
    "text_and_logic": _text_and_logic,
    "wrong_text": _wrong_text,
    "div0": _div0,
    "cross_sheet": _cross_sheet,
}


@pytest.fixture(scope="module")
def recalculated(soffice, tmp_path_factory):
    """{name: (original, recalculated)} from a single LibreOffice run."""
    src = tmp_path_factory.mktemp("recalc_in")
    out = tmp_path_factory.mktemp("recalc_out")
    originals = [xu.atomic_write_workbook(src / f"{name}.xlsx", build)
                 for name, build in WORKBOOKS.items()]
    start = time.perf_counter()
    results = recalc.recalculate_many(originals, out)
    print(f"LibreOffice recalculated {len(originals)} workbooks "
          f"in {time.perf_counter() - start:.1f} s")
    return {p.stem: (p, r) for p, r in zip(originals, results)}


# --------------------------------------------------------------------------
# With LibreOffice
# --------------------------------------------------------------------------


@pytest.mark.libreoffice
def test_correct_cache_passes(recalculated):
    original, fresh = recalculated["good"]
    assert recalc.compare_recalculated(original, fresh) == []
    assert recalc.cell_values(fresh)[("Calc", "C1")] == 6
    assert recalc.formula_cells(fresh) == {("Calc", "C1"): "=A1*B1"}


@pytest.mark.libreoffice
def test_wrong_cache_is_caught(recalculated):
    """Proves LibreOffice recalculated instead of keeping the cached 7."""
    original, fresh = recalculated["wrong_cache"]
    assert recalc.cell_values(original)[("Calc", "C1")] == 7
    problems = recalc.compare_recalculated(original, fresh)
    assert len(problems) == 1
    assert "Calc!C1" in problems[0]
    assert "cached 7" in problems[0] and "recalculated 6" in problems[0]


@pytest.mark.libreoffice
def test_text_results_and_literal_text(recalculated):
    original, fresh = recalculated["text_and_logic"]
    assert recalc.compare_recalculated(original, fresh) == []
    values = recalc.cell_values(fresh)
    assert values[("Text", "A2")] == "=1+1"
    assert values[("Text", "A3")] == "@SUM(A1)"
    assert set(recalc.formula_cells(fresh)) == {("Text", "A4"), ("Text", "A5"), ("Text", "A6")}


@pytest.mark.libreoffice
def test_wrong_text_cache_is_caught(recalculated):
    problems = recalc.compare_recalculated(*recalculated["wrong_text"])
    assert len(problems) == 1
    assert "'3 units'" in problems[0] and "'2 units'" in problems[0]


@pytest.mark.libreoffice
def test_div0_is_reported(recalculated):
    problems = recalc.compare_recalculated(*recalculated["div0"])
    assert any("#DIV/0!" in p and "error value" in p and "Calc!B1" in p for p in problems)


@pytest.mark.libreoffice
def test_cross_sheet_references_with_spaces_and_apostrophes(recalculated):
    original, fresh = recalculated["cross_sheet"]
    assert recalc.compare_recalculated(original, fresh) == []
    formulas = recalc.formula_cells(fresh)
    assert formulas[("Lead's view", "A1")] == "=SUM('Funding sources'!$C$5:$C$6)"
    assert recalc.cell_values(fresh)[("Summary 2025-26", "A1")] == pytest.approx(287_500.515)


@pytest.mark.libreoffice
def test_recalculate_single_file(soffice, tmp_path):
    src = xu.atomic_write_workbook(tmp_path / "one.xlsx", _product(6))
    out = recalc.recalculate(src, tmp_path / "out")
    assert out == (tmp_path / "out" / "one.xlsx").resolve()
    assert recalc.compare_recalculated(src, out) == []


# --------------------------------------------------------------------------
# Without LibreOffice
# --------------------------------------------------------------------------


def test_profile_sets_always_recalculate(tmp_path):
    xcu = recalc._write_recalc_profile(tmp_path)
    assert xcu == tmp_path / "user" / "registrymodifications.xcu"
    text = xcu.read_text()
    assert 'oor:path="/org.openoffice.Office.Calc/Formula/Load"' in text
    for prop in ("OOXMLRecalcMode", "ODFRecalcMode"):
        assert f'<prop oor:name="{prop}" oor:op="fuse"><value>0</value></prop>' in text


def test_compare_without_libreoffice(tmp_path):
    """compare_recalculated on a hand-made 'recalculated' file."""

    def original(wb):
        ws = wb.add_worksheet("S")
        xu.write_input_number(ws, 0, 0, 2)
        xu.write_formula(ws, 0, 1, "=A1*3", 6)
        xu.write_formula(ws, 0, 2, "=A1>1", True)
        xu.write_formula(ws, 0, 3, '="x"', "x")
        xu.write_formula(ws, 0, 4, "=A1*0.5", 1.0)

    def fresh(wb):
        ws = wb.add_worksheet("S")
        xu.write_input_number(ws, 0, 0, 2)
        xu.write_formula(ws, 0, 1, "=A1*3", 6.004)  # within tol
        xu.write_formula(ws, 0, 2, "=A1>1", 1)  # LibreOffice writes TRUE as 1
        xu.write_formula(ws, 0, 3, '="x"', "y")
        xu.write_formula(ws, 0, 4, "=A1*0.5", "#N/A")
        xu.write_text(ws, 1, 0, "#N/A")  # literal text, not an error

    a = xu.atomic_write_workbook(tmp_path / "a.xlsx", original)
    b = xu.atomic_write_workbook(tmp_path / "b.xlsx", fresh)
    assert recalc.compare_recalculated(a, a) == []
    problems = recalc.compare_recalculated(a, b)
    assert problems == [
        "S!D1 =\"x\": cached 'x', recalculated 'y'",
        "S!E1 =A1*0.5: cached 1.0, recalculated '#N/A'",
        "S!E1 =A1*0.5: error value '#N/A' after recalculation",
    ]
    assert recalc.compare_recalculated(a, b, tol=0.001)[0].startswith("S!B1")


def test_missing_soffice_raises(monkeypatch, tmp_path):
    src = xu.atomic_write_workbook(tmp_path / "a.xlsx", _product(6))
    monkeypatch.setattr(recalc, "soffice_path", lambda: None)
    with pytest.raises(recalc.RecalcError, match="not found"):
        recalc.recalculate(src, tmp_path / "out")


def test_bad_arguments(tmp_path):
    src = xu.atomic_write_workbook(tmp_path / "a.xlsx", _product(6))
    with pytest.raises(ValueError, match="out_dir"):
        recalc.recalculate(src, tmp_path)
    other = tmp_path / "sub"
    other.mkdir()
    dup = xu.atomic_write_workbook(other / "a.xlsx", _product(6))
    with pytest.raises(ValueError, match="distinct"):
        recalc.recalculate_many([src, dup], tmp_path / "out")
    with pytest.raises(FileNotFoundError):
        recalc.recalculate(tmp_path / "missing.xlsx", tmp_path / "out")


def _fake_soffice(tmp_path: Path, body: str) -> str:
    script = tmp_path / "fake-soffice"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


@pytest.mark.skipif(os.name != "posix", reason="shell-script stand-in for soffice")
def test_soffice_without_output_raises(monkeypatch, tmp_path):
    src = xu.atomic_write_workbook(tmp_path / "a.xlsx", _product(6))
    monkeypatch.setenv("FINMODEL_SOFFICE", _fake_soffice(tmp_path, "echo oops >&2; exit 0"))
    with pytest.raises(recalc.RecalcError, match="oops"):
        recalc.recalculate(src, tmp_path / "out")


@pytest.mark.skipif(os.name != "posix", reason="shell-script stand-in for soffice")
def test_soffice_timeout_raises(monkeypatch, tmp_path):
    src = xu.atomic_write_workbook(tmp_path / "a.xlsx", _product(6))
    monkeypatch.setenv("FINMODEL_SOFFICE", _fake_soffice(tmp_path, "sleep 30 & wait"))
    start = time.perf_counter()
    with pytest.raises(recalc.RecalcError, match="timed out"):
        recalc.recalculate(src, tmp_path / "out", timeout=0.5)
    assert time.perf_counter() - start < 10
