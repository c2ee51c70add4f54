"""The Expenditure plan's printed layout (issue 12): two tables in step, totals under the spend columns, and the
chart on the totals' last page when the stored row heights leave room for it (SheetBuilder.room_on_page)."""

from __future__ import annotations

import copy
import os
import subprocess

import pytest
import xlsxwriter
from openpyxl import load_workbook

from finmodel.engine import run, run_plan
from finmodel.plan import plan_from_dict, read_toml
from finmodel.report import t2_common as L
from finmodel.report.t2_schemes import CHART_PT, EXP_WIDTHS
from finmodel.report.template2 import _Builder, write_template2
from tests.support.plans import LUTON

pdfplumber = pytest.importorskip("pdfplumber", reason="pdfplumber not installed")


def luton_with(extra: int) -> dict:
    """Luton with ``extra`` more schemes (each moves the totals and the chart down by a row of each table)."""
    data = read_toml(LUTON)
    for j in range(extra):
        sc = copy.deepcopy(data["schemes"][0])
        sc.update(id=f"X{j}", name=f"Extra scheme {j}", spend={"2015/16": 1.0})
        data["schemes"].append(sc)
    return data


def test_room_on_page_counts_the_stored_rows_and_repeated_header(tmp_path):
    wb = xlsxwriter.Workbook(tmp_path / "b.xlsx")
    b = _Builder(wb, run(LUTON), None, None)
    ws = b.ws[L.ABOUT]
    b.first_header[ws.name], b.notes[ws.name] = 3, "a note"
    # 100 units print at 100% (798.7 pt wide): a page holds 504 to 530 pt, less the repeated rows 0-3:
    # title 24 + note 16 (one 13 pt line + 3) + 15 + 15 = 70, so 434 to 460 pt; the smaller is what fits
    assert b.room_on_page(ws, 4, [100.0]) == 434
    assert b.room_on_page(ws, 14, [100.0]) == 434 - 10 * 15  # ten 15 pt rows used
    b.wrapped(ws, 5, 0, "x " * 300)  # a row of wrapped text: as tall as row_heights makes it, 12.75 pt a line + 3
    tall = b.row_heights(ws, [100.0])[5]
    assert tall == 12.75 * 6 + 3
    assert b.room_on_page(ws, 14, [100.0]) == pytest.approx(434 - 9 * 15 - tall)
    # 29 rows of 15 pt (435 pt): on a 434 pt page the 29th starts the next, leaving 419; on a 460 pt page
    # they all fit, leaving 25: 25 is what surely fits
    ws2 = b.ws[L.SCENARIOS]
    b.first_header[ws2.name], b.notes[ws2.name] = 3, "a note"
    assert b.room_on_page(ws2, 4 + 29, [100.0]) == 25
    assert b.room_on_page(ws2, 4 + 30, [100.0]) == 10  # 434 - 2 x 15 = 404 and 460 - 450 = 10
    wb.close()


def test_expenditure_tables_keep_their_rows_in_step_and_the_totals_under_the_spend(tmp_path):
    ws = load_workbook(write_template2(run(LUTON), tmp_path / "l.xlsx"))[L.EXPENDITURE]
    second = next(r for r in range(1, ws.max_row) if ws.cell(r, 1).value == L.DETAILS_TABLE_LABEL) + 1
    shift = second - 4  # the first table's header is row 4
    for row in range(5, 15):  # each scheme's ID and name, shown again in step
        assert ws.cell(row + shift, 1).value == f'=IF(A{row}="","",A{row})'
        assert ws.cell(row + shift, 2).value == f'=IF(B{row}="","",B{row})'
    c_spend = len(EXP_WIDTHS) + 1  # column H
    assert ws.cell(4, c_spend).value == "Spend 2014/15 (£000)"
    tot = next(r for r in range(1, ws.max_row) if ws.cell(r, 1).value == L.TOTALS_LABEL)
    assert ws.cell(tot + 1, c_spend).value == "2014/15"  # under the spend, headed by the repeated header too


@pytest.mark.libreoffice
def test_the_chart_shares_the_totals_last_page_only_when_it_fits(soffice, tmp_path):
    # after the totals, room for the chart (296 pt) on their last page: Luton 340 pt; with 1 or 5 extra schemes
    # 265 or 102 pt (room_on_page), so the chart starts a page
    books = {}
    for k in (0, 1, 5):
        plan = plan_from_dict(luton_with(k), LUTON)
        books[k] = write_template2(run_plan(plan, LUTON), tmp_path / f"extra{k}.xlsx")
        ws = load_workbook(books[k])[L.EXPENDITURE]
        chart_row = ws._charts[0].anchor._from.row  # 0-based: a row below the row that starts a page
        assert (chart_row - 1 in {b.id for b in ws.row_breaks.brk}) == (k != 0), k  # a page break above it
    profile = tmp_path / "profile"
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--convert-to", "pdf",
                    "--outdir", str(tmp_path / "pdf"), *map(str, books.values())],
                   check=True, capture_output=True, timeout=600, env={**os.environ, "HOME": str(profile)})
    for k in books:
        with pdfplumber.open(tmp_path / "pdf" / f"extra{k}.pdf") as pdf:
            texts = [(p.extract_text() or "").replace(" ", "") for p in pdf.pages]
            last_row = next(n for n, t in enumerate(texts) if "Overspent:allstreams" in t)
            title = next(n for n, t in enumerate(texts) if "Spendbyareaofspend(£000)" in t)
            assert title == last_row + (0 if k == 0 else 1), k
            page = pdf.pages[title]
            top = min(c["top"] for c in page.chars if c["size"] > 13)  # the chart's title (14 pt; the sheet's 11 pt)
            legend = max(c["bottom"] for c in page.chars if c["bottom"] < page.height - 45)  # above the footer
            assert legend - top > 0.8 * CHART_PT * 0.8, k  # the whole chart, down to its legend, on this page
