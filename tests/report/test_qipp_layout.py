"""The QIPP sheet's layout for paper: the page planner, the widths, and the formulas of the stacked tables.

The printed result (LibreOffice) is checked in tests/report/test_print_model_sheets.py.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

from finmodel.engine import run, run_plan
from finmodel.plan import plan_from_dict
from finmodel.report import t2_common as L
from finmodel.report.t2_qipp import (
    VALUE_MIN, _Pager, money_text, print_scale, sum_rows, text_lines, value_width,
)
from finmodel.report.template2 import write_template2
from finmodel.report.xlsx_utils import PRINT_WIDTH_UNITS
from tests.support.plans import mini_plan

INPUTS = Path(__file__).resolve().parents[2] / "inputs"
PENNY = 0.005
HEADER = re.compile(r"^(Item|\d{4}/\d{2}) \(£\)( \(continued\))?$")
LONG_NAME = "Cohort {} of the north-east locality's GP practices, frail and over 75"


def _cohort(name: str, start_year: int, months_in: int) -> dict:
    go = dt.date(start_year + (3 + months_in) // 12, (3 + months_in) % 12 + 1, 1)
    return {"name": name, "go_live": go, "initial_reduction_pct": 20.0, "initial_months": 12, "step_pp_pm": 2.0,
            "ceiling_pct": 32.0, "source": "test",
            "lines": [{"kind": "emergency_admissions", "hrg_group": "X", "baseline_pa": 600.0, "tariff_gbp": 2400.0,
                       "admitted_via_ae_pct": 80.0, "source": "test"},
                      {"kind": "ae_attendances", "baseline_pa": 3000.0, "tariff_gbp": 110.0, "source": "test"},
                      {"kind": "outpatient_first", "baseline_pa": 4000.0, "tariff_gbp": 160.0, "source": "test"}]}


def qipp_plan(n_years: int, names: list[str], other_net_qipp: float = 0.0) -> dict:
    """The mini plan over ``n_years`` years with a QIPP cohort per name (going live a month apart)."""
    data = mini_plan()
    years = [f"{2014 + k}/{(15 + k) % 100:02d}" for k in range(n_years)]
    data["years"] = years
    data["qipp"] = {"marginal_rate_pct": 30.0, "outpatient_reduction_pct": 10.0,
                    "cohorts": [_cohort(n, 2014, i % 18) for i, n in enumerate(names)],
                    "investment": {y: 100_000.0 for y in years}, "other_net_qipp": {y: other_net_qipp for y in years},
                    "source": "test"}
    return data


def many_cohorts_plan() -> dict:
    """14 cohorts, some with long names: a year's table is longer than a page."""
    return qipp_plan(2, [LONG_NAME.format(i) if i % 3 == 0 else f"Cohort {i}" for i in range(14)])


def eight_years_plan() -> dict:
    """Eight years (the chart goes below the by-year table) and £13.5m of other net QIPP a year (wider columns)."""
    return qipp_plan(8, ["North", "South", "East"], other_net_qipp=13_500_000.0)


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("qipp")
    luton = run(INPUTS / "luton.toml")
    out = {"luton": (luton, write_template2(luton, d / "luton.xlsx"))}
    for name, data in (("many", many_cohorts_plan()), ("long", eight_years_plan())):
        r = run_plan(plan_from_dict(data), f"{name}.toml")
        out[name] = (r, write_template2(r, d / f"{name}.xlsx"))
    return out


def _sheet(books, name):
    return load_workbook(books[name][1])[L.QIPP]


def _rows_by_label(ws) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for row in ws.iter_rows(min_col=1, max_col=1):
        if isinstance(row[0].value, str):
            found.setdefault(row[0].value, []).append(row[0].row)
    return found


# the planner ---------------------------------------------------------------------------------------------------
def test_pager_keeps_a_cohort_whole_and_repeats_the_header_on_the_next_page():
    pager = _Pager(page_pt=100.0, row=3, used=0.0)
    heads, rows = pager.table(15.0, [[15.0] * 3] * 3)  # 150 pt: longer than a page, so it starts here
    assert heads == [3, 7, 11] and rows == [[4, 5, 6], [8, 9, 10], [12, 13, 14]]
    assert pager.breaks == [7, 11]  # each page after the first starts with the header again
    heads, rows = pager.table(15.0, [[15.0]])  # 30 pt, with the gap 105 pt after 60 used: a new page
    assert pager.breaks == [7, 11, 15] and heads == [15] and rows == [[16]]
    heads, rows = pager.table(15.0, [[15.0]])  # fits after a blank row
    assert heads == [18] and pager.breaks[-1] == 15


def test_pager_reserves_the_height_of_a_chart_and_keeps_a_chart_on_one_page():
    pager = _Pager(page_pt=100.0, row=3, used=0.0)
    heads, rows = pager.table(15.0, [[15.0]], min_pt=60.0)  # a chart 60 pt tall beside a 30 pt table
    assert heads == [3] and rows == [[4]] and pager.row == 7  # two blank rows under the table, beside the chart
    block = pager.block(45.0)  # 60 used + a blank row + 45: does not fit, so a new page
    assert block == [7, 8, 9] and pager.breaks == [7]


def test_sum_rows_is_one_range_per_run_of_rows():
    assert sum_rows([9, 5, 6, 7, 10], 1) == "SUM(B6:B8,B10:B11)"
    assert sum_rows([4], 13) == "SUM(N5:N5)"


def test_widths_fit_the_amounts_as_libreoffice_prints_them():
    # measured in LibreOffice: at 6.75 "£3,500,000" prints as ###, at 7.0 it shows; "-£3,500,000" needs 7.5
    assert value_width(["£3,500,000"]) >= 7.0 and value_width(["-£3,500,000"]) >= 7.5
    assert value_width(["£84,631", "£0"]) == VALUE_MIN
    assert money_text(-61_691.67) == "-£61,692" and money_text(1_015_576.0) == "£1,015,576"
    assert print_scale([27.5] + [7.5] * 13) == 0.83  # Luton's widths: 10 pt prints at 8.3 pt
    assert print_scale([10.0] * 3) == 1.0


def test_text_lines_wraps_whole_words():
    assert text_lines("Cluster 1: emergency admissions", 27.5) == 1
    assert text_lines(LONG_NAME.format(0) + ": A&E attendances", 27.5) == 3
    assert text_lines("x" * 80, 10.0) >= 4  # a word wider than the column is broken
    assert text_lines("one\ntwo", 30.0) == 2


# the workbook --------------------------------------------------------------------------------------------------
def test_qipp_sheet_is_fourteen_columns_printing_at_8pt(books):
    for name in books:
        ws = _sheet(books, name)
        cols = [(d.min, d.max, d.width) for d in ws.column_dimensions.values() if d.width and not d.hidden]
        n = sum(b - a + 1 for a, b, _ in cols)
        nominal = [w - 5 / 7 for a, b, w in cols for _ in range(a, b + 1)]
        assert n == 14 and sum(nominal) <= PRINT_WIDTH_UNITS, (name, n, sum(nominal))
        assert print_scale(nominal) >= 0.83, name
        assert ws.print_title_rows == "$1:$3", name  # the title, its note and a blank row on every page


def test_every_page_break_starts_at_a_table_header(books):
    for name in books:
        ws = _sheet(books, name)
        breaks = [b.id for b in ws.row_breaks.brk]
        chart_row = ws._charts[0].anchor._from.row  # a chart below the by-year table may start a page too
        assert all(HEADER.match(str(ws.cell(b + 1, 1).value)) or b == chart_row for b in breaks), (name, breaks)
    assert len(_sheet(books, "luton").row_breaks.brk) == 2  # the by-year table and 2014/15, then 2 years a page


def test_luton_months_are_the_engines_values_and_the_years_add_them_up(books):
    r, _ = books["luton"]
    ws = _sheet(books, "luton")
    rows = _rows_by_label(ws)
    monthly = np.asarray(r.monthly_qipp_gbp)
    heads = [row for label, rs in rows.items() if HEADER.match(label) and label.startswith("20") for row in rs]
    assert [ws.cell(h, 1).value for h in heads] == [f"{y} (£)" for y in r.plan.years]
    assert [ws.cell(heads[0], c).value for c in (2, 13, 14)] == ["Apr", "Mar", "Total"]
    for y, h in enumerate(heads):
        for c, cohort in enumerate(r.plan.qipp.cohorts):
            for k, kind in enumerate(("emergency admissions", "A&E attendances", "outpatients")):
                row = rows[f"{cohort.name}: {kind}"][y]
                assert h < row < h + 14
                got = np.array([ws.cell(row, 2 + m).value for m in range(12)], dtype=float)
                assert np.abs(got - monthly[c, 12 * y:12 * y + 12, k]).max() <= 1e-9  # Excel keeps 15 digits
                assert ws.cell(row, 14).value == f"=SUM(B{row}:M{row})"
    gross_row = rows["Gross QIPP delivered"][0]
    first = rows[f"{r.plan.qipp.cohorts[0].name}: gross savings"][0]
    assert ws.cell(gross_row, 2).value == f"=SUM(B{first}:B{first + 3})"
    cohort_f = ws.cell(first, 3).value  # Cluster 1, 2015/16: its three rows of the 2015/16 table, April to March
    ea = rows[f"{r.plan.qipp.cohorts[0].name}: emergency admissions"][1]
    assert cohort_f == f"=SUM(B{ea}:M{ea + 2})"
    assert "EA" not in [c.value for row in ws.iter_rows() for c in row]  # words, not the model's codes


def test_cached_totals_are_the_engines_to_the_penny(books):
    r, path = books["luton"]
    ws = load_workbook(path, data_only=True)[L.QIPP]
    rows = _rows_by_label(ws)
    out = r.outputs
    for y in range(len(r.plan.years)):
        assert abs(ws.cell(rows["Gross QIPP delivered"][0], 2 + y).value - out.qipp_gross_gbp[0, y]) <= PENNY
        assert abs(ws.cell(rows["Net QIPP (cohorts)"][0], 2 + y).value - out.qipp_net_gbp[0, y]) <= PENNY
    five = load_workbook(path)[L.FIVE_YEAR]
    link = next(c.value for row in five.iter_rows() for c in row[1:2] if isinstance(c.value, str) and "QIPP!" in c.value)
    assert link == f"=QIPP!$B${rows['Net QIPP, all schemes'][0]}"


def test_a_long_table_continues_under_its_header_and_its_totals_join_the_parts(books):
    ws = _sheet(books, "many")
    rows = _rows_by_label(ws)
    assert rows.get("2014/15 (£) (continued)") and rows.get("2015/16 (£) (continued)")
    total = rows["Total, all cohorts"][0]
    assert ws.cell(total, 2).value.count(",") >= 1  # =SUM(B..:B..,B..:B..): the rows on both pages
    for i in range(14):  # a cohort's three rows stay together
        name = LONG_NAME.format(i) if i % 3 == 0 else f"Cohort {i}"
        first = rows[f"{name}: emergency admissions"]
        assert rows[f"{name}: A&E attendances"] == [x + 1 for x in first]
        assert rows[f"{name}: outpatients"] == [x + 2 for x in first]


def test_the_chart_sits_beside_up_to_six_years_and_below_more(books):
    luton = _sheet(books, "luton")._charts[0].anchor._from
    long = _sheet(books, "long")._charts[0].anchor._from
    assert (luton.row, luton.col) == (3, 7)  # beside the by-year table's header, after an empty column G
    ws = _sheet(books, "long")
    assert long.col == 0 and long.row + 1 > _rows_by_label(ws)["Emergency admissions avoided (model, a number)"][0]
    assert ws.cell(4, 9).value == "2021/22"  # eight years side by side in the by-year table


def test_the_chart_shows_cohorts_one_by_one_up_to_ten(books):
    assert len(_sheet(books, "luton")._charts[0].series) == 4  # Luton's four clusters, each in the legend
    many = _sheet(books, "many")._charts[0].series  # 14: one series, all the cohorts (a legend of 14 would fill it)
    gross = _rows_by_label(_sheet(books, "many"))["Gross QIPP delivered"][0]
    assert len(many) == 1 and many[0].val.numRef.f == f"QIPP!$B${gross}:$C${gross}"
