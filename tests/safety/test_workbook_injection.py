"""Plan text that means something to a spreadsheet, and text that must survive the round trip.

* Organisation names such as ``NHS*``, ``NHS Luton CC?``, ``<Z``, ``=1`` and ``~x`` are
  patterns or comparisons to SUMIFS and MATCH.  The workbook matches them exactly
  (SUMPRODUCT over EXACT), so LibreOffice, recalculating every formula, gets the
  engine's figure in every cell.
* Free text (sources, definitions) with line breaks, carriage returns, tabs, leading
  and trailing spaces, and the literal text of Excel's escapes (``_x000D_``), goes
  through template2 -> import-template2 unchanged; so do names with doubled inner
  spaces and the hostile names above.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from finmodel.engine import run_plan
from finmodel.plan import plan_from_dict, read_toml
from finmodel.report import t2_common as L
from finmodel.report.import_template2 import import_template2
from finmodel.report.recalc import cell_values, compare_recalculated, formula_cells, recalculate_many
from finmodel.report.template2 import write_template2
from finmodel.scenario import BASE
from tests.support.plans import LUTON

RENAMED = {
    "NHS Luton CCG": "NHS Luton CC?",
    "NHS England (s256 transfer)": "NHS*",
    "Luton Borough Council": "<Z",
    "Luton and Dunstable University Hospital NHS FT": "~x",
}
#: Contributions added so that "=1" and "~x" are organisations of the funding table too (£000).
EXTRA = [("=1", "additional_council", 15.0), ("~x", "additional_ccg", 25.0)]


def hostile_names_plan() -> dict:
    """Luton with its organisations renamed consistently (contributions, HWB CCG and council, partners)."""
    data = read_toml(LUTON)
    for c in data["contributions"] + data["minimum_pool"].get("by_organisation", []):
        c["organisation"] = RENAMED.get(c["organisation"], c["organisation"])
    data["hwb"]["councils"] = [RENAMED.get(n, n) for n in data["hwb"]["councils"]]
    for ccg in data["hwb"]["ccgs"]:
        ccg["name"] = RENAMED.get(ccg["name"], ccg["name"])
    for p in data["partners"]:
        p["name"] = RENAMED.get(p["name"], p["name"])
    for org, stream, amount in EXTRA:
        data["contributions"].append({"year": "2015/16", "organisation": org, "stream": stream, "amount": amount,
                                      "source": "test: a name that is a comparison or an escape to SUMIFS"})
    return data


TEXTS = {
    "crlf": "first line\r\nsecond line",
    "cr": "a\rb",
    "lf_and_tab": "col 1\tcol 2\nnext line",
    "spaces": "  leading and trailing  ",
    "escape_lookalike": "literal _x000D_ and _x005F_ and x005F_ stay as typed",
}


def awkward_text_plan() -> dict:
    data = hostile_names_plan()
    texts = list(TEXTS.values())
    data["schemes"][0]["source"] = texts[0]
    data["schemes"][1]["source"] = texts[1]
    data["contributions"][0]["source"] = texts[2]
    data["contributions"][1]["source"] = texts[3]
    data["social_care_protection"]["definition"] = texts[4]  # held on the Assumptions sheet
    data["schemes"][2]["name"] = "Rapid  response,  two spaces"
    return data


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, tuple[Path, object]]:
    d = tmp_path_factory.mktemp("inject")
    out = {}
    for name, data in (("names", hostile_names_plan()), ("texts", awkward_text_plan())):
        plan = plan_from_dict(data, LUTON)
        out[name] = (write_template2(run_plan(plan, LUTON, BASE), d / f"{name}.xlsx"), plan)
    return out


@pytest.fixture(scope="module")
def recalculated(books, soffice, tmp_path_factory) -> Path:
    return recalculate_many([books["names"][0]], tmp_path_factory.mktemp("inject_recalc"))[0]


@pytest.mark.libreoffice
def test_libreoffice_gets_the_engines_figure_in_every_cell(books, recalculated):
    book, plan = books["names"]
    assert len(formula_cells(book)) > 100
    assert compare_recalculated(book, recalculated) == []


@pytest.mark.libreoffice
def test_actual_contributions_by_organisation(books, recalculated):
    """The NHS return's table: each hostile name's 2015/16 actual contribution, and the total."""
    book, plan = books["names"]
    fresh = cell_values(recalculated)
    ws = load_workbook(book)[L.FUNDING]
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 6).value == "2015/16 actual contribution (£000)")
    expected = {org: 0.0 for org in plan.organisations}
    for c in plan.contributions:
        if c.year == "2015/16":
            expected[c.organisation] += c.amount
    got = {}
    row = head + 1
    while ws.cell(row, 1).value != "Total":
        got[ws.cell(row, 1).value] = fresh[(L.FUNDING, f"F{row}")] * 1000  # the sheet holds £000
        row += 1
    assert set(got) == set(expected) == {"NHS*", "NHS Luton CC?", "<Z", "=1", "~x"}
    for org, amount in expected.items():
        assert got[org] == pytest.approx(amount, abs=0.01), org
    total = sum(expected.values())
    assert total == pytest.approx(15_136_000 + 40_000)  # Luton's £15,136,000 plus the two added lines
    assert fresh[(L.FUNDING, f"F{row}")] * 1000 == pytest.approx(total, abs=0.01)


def test_no_plan_text_is_a_criterion(books):
    """Every SUMIFS left has a constant criterion ("Yes", "ccg", "council"); no MATCH looks up text."""
    book, _ = books["names"]
    formulas = formula_cells(book).values()
    allowed = {f'"{L.YES}"', '"ccg"', '"council"'}
    for f in formulas:
        for args in re.findall(r"SUMIFS\(([^()]*)\)", f):
            criteria = args.split(",")[2::2]
            assert set(criteria) <= allowed, f
        assert "COUNTIF" not in f and "VLOOKUP" not in f and "HLOOKUP" not in f, f
        for lookup in re.findall(r"MATCH\(([^,]*),", f):
            assert lookup == "TRUE", f
    assert any("SUMPRODUCT(--EXACT(" in f for f in formulas)


def test_awkward_text_round_trips_exactly(books):
    book, plan = books["texts"]
    back = plan_from_dict(import_template2(book))
    assert back == plan.model_copy(update={"money_unit": "gbp"})
    got = [back.schemes[0].source, back.schemes[1].source, back.contributions[0].source,
           back.contributions[1].source, back.social_care_protection.definition]
    assert got == list(TEXTS.values())
    assert back.schemes[2].name == "Rapid  response,  two spaces"
    assert {p.name for p in back.partners} == {"NHS Luton CC?", "<Z", "~x"}  # the hostile names too


def test_a_space_typed_around_a_name_is_reported_not_trimmed(books, tmp_path):
    book, _ = books["names"]
    wb = load_workbook(book)
    wb[L.FUNDING]["B5"] = " NHS Luton CC?"
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    with pytest.raises(ValueError, match=r"sheet 'Funding sources' cell B5 value ' NHS Luton CC\?'.*space"):
        import_template2(edited)


@pytest.mark.libreoffice
def test_a_workbook_saved_by_libreoffice_imports_the_same(books, recalculated):
    """Another program's .xlsx (LibreOffice's own writer) reads back to the same plan."""
    _, plan = books["names"]
    assert plan_from_dict(import_template2(recalculated)) == plan.model_copy(update={"money_unit": "gbp"})
