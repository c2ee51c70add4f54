"""The model sheets printed by LibreOffice: QIPP for any number of cohorts and years, and the risk-share chart.

Three workbooks are printed to PDF in one LibreOffice run: Luton in the beds-not-closed scenario (a shortfall,
so the Contingency and risk share sheet has its chart), a plan of 14 cohorts (a year's table is longer than a
page) and a plan of eight years (the QIPP chart below the by-year table, £13.5m amounts).  What was looked at by
eye is in docs/WORKBOOK_PRINT_REVIEW.md.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from finmodel.engine import run, run_plan
from finmodel.plan import plan_from_dict
from finmodel.report import t2_common as L
from finmodel.report.recalc import compare_recalculated, recalculate_many
from finmodel.report.template2 import write_template2
from tests.report.test_print import MIN_PT, SWEEP, ink_collisions, printed_size, sheet_of
from tests.report.test_qipp_layout import eight_years_plan, many_cohorts_plan

pdfplumber = pytest.importorskip("pdfplumber", reason="pdfplumber not installed")
pytestmark = pytest.mark.libreoffice

INPUTS = Path(__file__).resolve().parents[2] / "inputs"
WHITE = (1.0, 1.0, 1.0)  # header text, on the dark blue band
QIPP_CHART_TITLE = "GrossQIPPdelivered"


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("model-sheets")
    luton = run(INPUTS / "luton.toml")
    beds = run(INPUTS / "luton.toml", "beds-not-closed")
    out = {"beds": write_template2(beds, d / "beds.xlsx", [luton, beds], SWEEP)}
    for name, data in (("many", many_cohorts_plan()), ("long", eight_years_plan())):
        out[name] = write_template2(run_plan(plan_from_dict(data), f"{name}.toml"), d / f"{name}.xlsx")
    return out


@pytest.fixture(scope="module")
def pages(books, soffice, tmp_path_factory) -> dict[str, dict[str, list]]:
    """Each workbook's printed pages, by sheet."""
    out = tmp_path_factory.mktemp("model-sheets-pdf")
    profile = tmp_path_factory.mktemp("lo-profile")
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(out), *map(str, books.values())],
                   check=True, capture_output=True, timeout=900, env={**os.environ, "HOME": str(profile)})
    by_book = {}
    for name in books:
        pdf = pdfplumber.open(out / f"{name}.pdf")
        sheets: dict[str, list] = {}
        for page in pdf.pages:
            sheets.setdefault(sheet_of(page), []).append(page)
        by_book[name] = sheets
    yield by_book


def body_lines(page) -> list[list[dict]]:
    """The page's lines of text below the title's note and above the footer, top first."""
    chars = [c for c in page.chars if c["text"].strip() and c["bottom"] < page.height - 45]
    note_bottom = max(c["bottom"] for c in chars if "Italic" in c["fontname"] and c["top"] < 120)
    lines: dict[int, list[dict]] = {}
    for c in chars:
        if c["top"] > note_bottom:
            lines.setdefault(round(c["top"]), []).append(c)
    return [sorted(lines[k], key=lambda c: c["x0"]) for k in sorted(lines)]


def test_every_qipp_page_starts_with_a_table_header_or_the_chart(pages):
    for name, sheets in pages.items():
        for n, page in enumerate(sheets[L.QIPP], 1):
            first = body_lines(page)[0]
            text = "".join(c["text"] for c in first)
            header = all(tuple(map(float, c["non_stroking_color"])) == WHITE for c in first)
            assert header or text.startswith(QIPP_CHART_TITLE), (name, n, text)


def test_every_qipp_table_is_printed_under_its_header(pages):
    for name, years in (("beds", 5), ("many", 2), ("long", 8)):
        text = "".join(c["text"].strip() for p in pages[name][L.QIPP] for c in p.chars)
        for y in range(years):
            assert f"{2014 + y}/{(15 + y) % 100:02d}(£)AprMay" in text, (name, y)
    many = "".join(c["text"].strip() for p in pages["many"][L.QIPP] for c in p.chars)
    assert "2014/15(£)(continued)Apr" in many and "2015/16(£)(continued)Apr" in many


def test_qipp_prints_at_8pt_with_no_overprinting_and_every_amount_shown(pages):
    for name, sheets in pages.items():
        for n, page in enumerate(sheets[L.QIPP], 1):
            chars = [c for c in page.chars if c["text"].strip()]
            assert min(map(printed_size, chars)) >= MIN_PT, (name, n)
            assert ink_collisions(chars) == [], (name, n)
            assert "#" not in "".join(c["text"] for c in chars), (name, n)  # "###": an amount too wide for its column


def test_luton_qipp_prints_on_three_pages(pages):
    # five years of four cohorts: the by-year table, its chart and 2014/15; then two years a page
    assert len(pages["beds"][L.QIPP]) == 3


def test_risk_share_chart_text_prints_at_8pt_or_more(pages):
    chart_page = pages["beds"][L.RISK][-1]
    chars = [c for c in chart_page.chars if c["text"].strip()]
    assert "Whopaystheshortfall" in "".join(c["text"] for c in chars)
    assert any(not c["upright"] for c in chars)  # its turned axis title, measured across its box
    assert min(map(printed_size, chars)) >= MIN_PT
    assert ink_collisions(chars) == []


def test_split_qipp_tables_recalculate_to_the_engines_values(books, soffice, tmp_path_factory):
    names = ["many", "long"]
    fresh = recalculate_many([books[n] for n in names], tmp_path_factory.mktemp("model-sheets-recalc"))
    for name, path in zip(names, fresh):
        assert compare_recalculated(books[name], path) == [], name
