"""The Cover's finance RAGs are live formulas: edit an input, recalculate, and the RAG agrees with the engine.

Each edited workbook is recalculated by LibreOffice, its Cover read, and the same workbook
imported (import-template2) and run through the engine: for every live check the Cover's
RAG must equal the engine's RAG on the imported plan (finmodel.checks, same thresholds).
The expected RAGs are also written out, so a formula that never changes cannot pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from finmodel.engine import run, run_plan
from finmodel.plan import plan_from_dict
from finmodel.report import t2_common as L
from finmodel.report.import_template2 import import_template2
from finmodel.report.recalc import compare_recalculated, recalculate_many
from finmodel.report.t2_checks import CHECK_KEY_HEADER, LIVE_KEYS
from finmodel.report.template2 import write_template2

INPUTS = Path(__file__).resolve().parents[2] / "inputs"


def _row_of(ws, label: str, col: int = 1, start: int = 1) -> int:
    return next(r for r in range(start, ws.max_row + 1) if ws.cell(r, col).value == label)


def _col_of(ws, row: int, label: str) -> int:
    return next(c for c in range(1, ws.max_column + 1) if ws.cell(row, c).value == label)


def cover_rags(path: Path) -> dict[str, tuple[str, str, bool]]:
    """check key -> (RAG, reason, is a formula), from the Cover's hidden key column."""
    values = load_workbook(path, data_only=True)[L.COVER]
    formulas = load_workbook(path)[L.COVER]
    hdr = next(r for r in range(1, values.max_row + 1) if values.cell(r, 5).value == CHECK_KEY_HEADER)
    out = {}
    for r in range(hdr + 1, values.max_row + 1):
        key = values.cell(r, 5).value
        if key:
            is_formula = str(formulas.cell(r, 2).value).startswith("=")
            out[key] = (values.cell(r, 2).value, values.cell(r, 3).value, is_formula)
    return out


def engine_rags(path: Path) -> dict[str, tuple[str, str]]:
    result = run_plan(plan_from_dict(import_template2(path)), path)
    return {c.key: (c.rag, c.reason) for c in result.checks}


def _years_col(ws, label: str, year: str) -> tuple[int, int]:
    """(row of ``label`` in column A, column of ``year`` in the Totals block's year header)."""
    tot = _row_of(ws, L.TOTALS_LABEL)
    return _row_of(ws, label, start=tot), _col_of(ws, tot + 1, year)


def edit_pool_short(wb) -> None:
    # 2014/15 NHS Luton CCG line: £4,400,000 typed down to 4000 (£000) -> pool £4,000,000 < minimum £4,400,000
    # (Red, by £400,000), and the schemes' £4,400,000 spend now exceeds the pool (sources = uses Red).
    fund = wb[L.FUNDING]
    assert (fund["A5"].value, fund["D5"].value) == ("2014/15", 4400)
    fund["D5"] = 4000
    # protection of social care 2015/16 stated up from 11,352 to 12,000 (£000): schemes flagged still carry
    # £11,352,000, so they fund £648,000 less than stated -> Amber
    exp = wb[L.EXPENDITURE]
    row, col = _years_col(exp, L.PROTECTION_STATED_LABEL, "2015/16")
    assert exp.cell(row, col).value == 11352
    exp.cell(row, col, 12000)
    # Care Act 2015/16: 540 (£000) stated, no scheme flagged as Care Act spend -> Amber (not backed)
    row, col = _years_col(exp, L.CARE_ACT_LABEL, "2015/16")
    exp.cell(row, col, 540)
    # P4P planned reduction 3.5% -> 3.0%, no credible case claimed -> Red
    p4p = wb[L.P4P]
    red = _row_of(p4p, L.P4P_REDUCTION_LABEL)
    assert p4p.cell(red, 2).value == 3.5
    p4p.cell(red, 2, 3.0)


def edit_pool_over(wb) -> None:
    # 2015/16 NHS Luton CCG ccg_minimum line 7600 -> 7700 (£000): £100,000 more pooled than planned -> sources = uses
    # Amber ("2015/16 £100,000 unallocated"); the minimum is still met (Green).
    fund = wb[L.FUNDING]
    row = next(r for r in range(5, 40) if (fund.cell(r, 1).value, fund.cell(r, 3).value)
               == ("2015/16", "CCG minimum contribution"))
    fund.cell(row, 4, 7700)
    # protection amount 0 -> Red ("No amount")
    exp = wb[L.EXPENDITURE]
    row, col = _years_col(exp, L.PROTECTION_STATED_LABEL, "2015/16")
    exp.cell(row, col, 0)
    # Care Act £540,000 stated and the first scheme flagged as Care Act spend (it carries more than £540,000):
    # £540,000 / proportionate share £540,000 = 100% >= 90% -> Green
    row, col = _years_col(exp, L.CARE_ACT_LABEL, "2015/16")
    exp.cell(row, col, 540)
    _assumption_cell(wb[L.ASSUMPTIONS], "schemes[0].care_act").value = True
    # P4P 3.0% with a credible case claimed -> Amber
    p4p = wb[L.P4P]
    p4p.cell(_row_of(p4p, L.P4P_REDUCTION_LABEL), 2, 3.0)
    _assumption_cell(wb[L.ASSUMPTIONS], "p4p.credible_case_claimed").value = True


def _assumption_cell(ws, path: str):
    """The Value cell of the Assumptions row whose machine path (a column that may be hidden) is ``path``."""
    hdr, path_col = next((c.row, c.column) for row in ws.iter_rows(max_row=8) for c in row if c.value == L.ASSUMPTIONS_HEADER)
    row = _row_of(ws, path, col=path_col, start=hdr + 1)
    return ws.cell(row, _col_of(ws, hdr, "Value"))


EXPECTED = {
    "pool_short": {"minimum_pooled": "Red", "sources_equal_uses": "Red", "social_care_protection": "Amber",
                   "care_act": "Amber", "p4p_ambition": "Red"},
    "pool_over": {"minimum_pooled": "Green", "sources_equal_uses": "Amber", "social_care_protection": "Red",
                  "care_act": "Green", "p4p_ambition": "Amber"},
}


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, soffice) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("live")
    base = write_template2(run(INPUTS / "luton.toml"), d / "base.xlsx")
    edited = {}
    for name, edit in (("pool_short", edit_pool_short), ("pool_over", edit_pool_over)):
        wb = load_workbook(base)
        edit(wb)
        edited[name] = d / f"{name}.xlsx"
        wb.save(edited[name])
    names = ["base", *edited]
    fresh = recalculate_many([base, *edited.values()], d / "recalc")
    return {"base_written": base, **dict(zip(names, fresh))}


@pytest.mark.libreoffice
def test_base_workbook_rags_are_formulas_that_agree_with_the_engine(recalculated):
    assert compare_recalculated(recalculated["base_written"], recalculated["base"]) == []
    rags = cover_rags(recalculated["base"])
    engine = engine_rags(recalculated["base"])
    for key in LIVE_KEYS:
        assert rags[key][2], f"{key} is not a formula"
        assert rags[key][:2] == engine[key], key  # RAG and reason text, word for word


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_edited_inputs_change_the_rag_as_the_engine_does(recalculated, name):
    rags = cover_rags(recalculated[name])
    engine = engine_rags(recalculated[name])
    for key, rag in EXPECTED[name].items():
        assert rags[key][0] == rag, (key, rags[key], engine[key])
        assert engine[key][0] == rag, (key, engine[key])
    for key in LIVE_KEYS:  # every live check, including those these edits leave alone
        assert rags[key][0] == engine[key][0], (key, rags[key], engine[key])


@pytest.mark.libreoffice
def test_reasons_carry_the_edited_figures(recalculated):
    short = cover_rags(recalculated["pool_short"])
    # 2014/15: minimum £4,400,000 - pool £4,000,000 = £400,000 short
    assert "2014/15 short by £400,000" in short["minimum_pooled"][1]
    # 2014/15 pool £4,000,000 - spend £4,400,000 = -£400,000
    assert "2014/15 overcommitted by £400,000" in short["sources_equal_uses"][1]
    # stated £12,000,000 - flagged £11,352,000 = £648,000
    assert short["social_care_protection"][1].endswith("schemes fund £648,000 less than stated.")
    assert "2014/15 funding streams overspent by £400,000 in total" in short["sources_equal_uses"][1]
    assert short["p4p_ambition"][1].startswith("Planned reduction 3%,")
    # the stream check's row: schemes funded from the NHS transfer spend 3,300 + 700 + 400 = 4,400 (£000) in 2014/15,
    # the stream now contributes 4,000: MAX(0, 4,400 - 4,000) = 400
    exp = load_workbook(recalculated["pool_short"], data_only=True)[L.EXPENDITURE]
    row, col = _years_col(exp, "Overspent: NHS transfer to social care (s256)", "2014/15")
    assert exp.cell(row, col).value == pytest.approx(400)
    over = cover_rags(recalculated["pool_over"])
    assert over["sources_equal_uses"][1] == "2015/16 £100,000 unallocated."
    # £540,000 / £540,000 = 100%
    assert over["care_act"][1] == "£540,000 in 2015/16 = 100% of the proportionate share £540,000."
