"""The printed workbook: A4 landscape, one page wide, text at 8 pt or more, no line printed over another.

The workbook is converted to PDF by LibreOffice (as a finance lead's "print to PDF" would) and every
character's size is read back with pdfplumber.  What was looked at by eye is in
docs/WORKBOOK_PRINT_REVIEW.md.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from finmodel.engine import run
from finmodel.report import t2_common as L
from finmodel.report.template2 import write_template2
from finmodel.report.xlsx_utils import PRINT_WIDTH_UNITS

pdfplumber = pytest.importorskip("pdfplumber", reason="pdfplumber not installed")

INPUTS = Path(__file__).resolve().parents[2] / "inputs"
SWEEP = {
    "method": "lhs", "n": 1000, "seed": 42, "output": "shortfall_gbp",
    "percentiles": {"shortfall_gbp": {"count": 1000, "mean": 1.5e6, "std": 4e5, "min": 0.0, "p5": 9e5, "p50": 1.4e6,
                                      "p95": 2.3e6, "max": 3e6, "expected_shortfall": 2.5e6}},
    "tornado": [{"input": "outturn.savings_delivery_pct", "low": 50, "high": 100, "output_low": 2.1e6, "output_high": 0.0,
                 "output_base": 1.2e6}],
}
A4_LANDSCAPE_PT = (841.9, 595.3)
MIN_PT = 8.0
#: Luton (5 years, 4 QIPP cohorts, 10 sheets of tables, 326 inputs on the Assumptions sheet) prints in 45 pages
#: (41 before the Expenditure plan and QIPP moved to layouts that print at 8 pt: 4 and 3 pages of them now).
MAX_PAGES = 47
#: Sheets still too wide for 8 pt at one page wide (see docs/WORKBOOK_PRINT_REVIEW.md): their floor [pt].
KNOWN_WIDE: dict[str, float] = {}
#: Printed columns of these sheets are wider than PRINT_WIDTH_UNITS (those above, stated here so it cannot grow).
WIDE_SHEETS = set(KNOWN_WIDE)
#: What xlsxwriter adds to a column width it stores (5 px of padding at the default font).
XLSXWRITER_PAD = 0.7109375


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("print")
    luton = run(INPUTS / "luton.toml")
    return write_template2(luton, d / "luton.xlsx", [luton, run(INPUTS / "luton.toml", "beds-not-closed")], SWEEP)


@pytest.fixture(scope="module")
def pdf_pages(book, soffice, tmp_path_factory):
    out = tmp_path_factory.mktemp("pdf")
    profile = tmp_path_factory.mktemp("lo-profile")
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(out), str(book)],
                   check=True, capture_output=True, timeout=600, env={**os.environ, "HOME": str(profile)})
    pdf = pdfplumber.open(out / "luton.pdf")
    yield pdf.pages
    pdf.close()


def sheet_of(page) -> str:
    """The sheet a page prints, from LibreOffice's footer (sheet name, then "Page n of N")."""
    footer = (page.crop((0, page.height - 45, page.width, page.height)).extract_text() or "").strip()
    line = next((x for x in footer.splitlines() if re.search(r"Page \d+ of \d+$", x)), "")
    names = [s for s in L.SHEET_ORDER if line.startswith(s)]
    assert names, f"no sheet name in the footer {footer!r}"
    return max(names, key=len)


def test_every_sheet_is_set_up_for_a4_landscape_one_page_wide(book):
    wb = load_workbook(book)
    for ws in wb.worksheets:
        ps = ws.page_setup
        assert ps.paperSize == 9 and ps.orientation == "landscape", ws.title  # 9 = A4
        # one page wide (fitToWidth absent = 1), as many tall as needed
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ps.fitToWidth in (None, 1) and ps.fitToHeight == 0, ws.title
        if ws.title != L.ABOUT:
            assert ws.print_title_rows, ws.title  # header rows repeat on every page
        # a dimension can stand for a run of equal columns (min..max): each of them prints; xlsxwriter stores
        # a width w as w + 0.7109375 (its cell padding), and PRINT_WIDTH_UNITS counts w
        printed = sum((d.width - XLSXWRITER_PAD) * (d.max - d.min + 1)
                      for d in ws.column_dimensions.values() if not d.hidden and d.width)
        if ws.title not in WIDE_SHEETS:
            assert printed <= PRINT_WIDTH_UNITS + 1, (ws.title, printed)


@pytest.mark.libreoffice
def test_pages_are_a4_landscape_and_within_the_page_bound(pdf_pages):
    assert len(pdf_pages) <= MAX_PAGES
    for page in pdf_pages:
        assert (round(page.width, 1), round(page.height, 1)) == A4_LANDSCAPE_PT


@pytest.mark.libreoffice
def test_printed_text_is_8pt_or_more(pdf_pages):
    smallest: dict[str, float] = {}
    for page in pdf_pages:
        sheet = sheet_of(page)
        sizes = [c["size"] for c in page.chars if c["upright"] and c["text"].strip()]
        if sizes:
            smallest[sheet] = min(smallest.get(sheet, 99.0), min(sizes))
    assert set(smallest) == set(L.SHEET_ORDER)  # every sheet printed
    for sheet, size in smallest.items():
        assert size >= KNOWN_WIDE.get(sheet, MIN_PT), (sheet, round(size, 2))


def ink_collisions(chars: list[dict], share: float = 0.3) -> list[tuple[str, str]]:
    """Pairs of characters whose boxes overlap by more than ``share`` of the smaller one: text printed over text.

    Neighbouring letters of one word touch but do not overlap that much; a subtitle printed over a title,
    or a long text run over the next cell's, does.  Characters are bucketed on a 12 pt grid.
    """
    grid: dict[tuple[int, int], list[int]] = {}
    boxes = [(c["x0"], c["top"], c["x1"], c["bottom"]) for c in chars]
    for i, (x0, t0, x1, b1) in enumerate(boxes):
        for gx in range(int(x0 // 12), int(x1 // 12) + 1):
            for gy in range(int(t0 // 12), int(b1 // 12) + 1):
                grid.setdefault((gx, gy), []).append(i)
    hits = set()
    for members in grid.values():
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                i, j = members[a], members[b]
                (ax0, at, ax1, ab), (bx0, bt, bx1, bb) = boxes[i], boxes[j]
                w, h = min(ax1, bx1) - max(ax0, bx0), min(ab, bb) - max(at, bt)
                if w <= 0 or h <= 0:
                    continue
                smaller = min((ax1 - ax0) * (ab - at), (bx1 - bx0) * (bb - bt))
                if smaller > 0 and w * h > share * smaller:
                    hits.add((min(i, j), max(i, j)))
    return [(chars[i]["text"], chars[j]["text"]) for i, j in sorted(hits)]


def test_the_collision_check_catches_overprinting():
    word = [{"text": ch, "x0": 10 + 6 * k, "x1": 16 + 6 * k, "top": 100, "bottom": 110} for k, ch in enumerate("Title")]
    over = [{"text": ch, "x0": 12 + 6 * k, "x1": 18 + 6 * k, "top": 104, "bottom": 114} for k, ch in enumerate("note")]
    assert ink_collisions(word) == []  # letters of one word touch, never overlap
    assert len(ink_collisions(word + over)) >= 4


@pytest.mark.libreoffice
def test_no_text_prints_over_other_text(pdf_pages):
    problems = []
    for n, page in enumerate(pdf_pages, 1):
        chars = [c for c in page.chars if c["text"].strip()]
        hits = ink_collisions(chars)
        if hits:
            problems.append((n, sheet_of(page), len(hits), hits[:3]))
    assert problems == []


# Chart text and turned text -----------------------------------------------------------------------------------
#: A words-only piece of each chart's title in the printed workbook (chart text is drawn as text in the PDF).
CHART_TITLES = {L.FUNDING: "Pool by stream and year", L.EXPENDITURE: "Spend by area of spend",
                L.QIPP: "Gross QIPP delivered by cohort", L.FIVE_YEAR: "Five-year picture", L.SENSITIVITY: "Tornado"}


def printed_size(char: dict) -> float:
    """The type size a character prints at [pt], upright or turned a quarter (a chart's axis title).

    pdfplumber's ``size`` is the height of a character's box, which for a turned character is its
    advance (3 pt for the "i" of 10 pt type): a turned character's size is the width of its box.
    """
    a, b, c, d = char["matrix"][:4]
    if abs(b) < 1e-6 and abs(c) < 1e-6:
        return char["height"]
    if abs(a) < 1e-6 and abs(d) < 1e-6:
        return char["width"]
    raise AssertionError(f"text turned neither 0 nor 90 degrees, not measured: {char['text']!r} {char['matrix']}")


def test_printed_size_reads_turned_characters():
    # as LibreOffice printed the Five-year chart's turned "£m" at 8.7 pt: pdfplumber's size said 6.0 for "£"
    turned = {"text": "£", "matrix": (0.0, 0.997, -1.0, 0.0, 43.5, 376.5), "width": 8.705, "height": 6.03, "size": 6.03}
    upright = {"text": "£", "matrix": (1, 0, 0, 1, 63.6, 323.0), "width": 5.54, "height": 8.705, "size": 8.705}
    assert printed_size(turned) == printed_size(upright) == 8.705
    assert printed_size({**turned, "width": 6.0, "height": 4.2}) < MIN_PT  # turned 6 pt type is caught
    with pytest.raises(AssertionError, match="not measured"):
        printed_size({**turned, "matrix": (0.7, 0.7, -0.7, 0.7, 0, 0)})


@pytest.mark.libreoffice
def test_chart_text_and_turned_text_print_at_8pt_or_more(pdf_pages):
    """Every character of every page, charts' titles, ticks, legends and turned axis titles included."""
    smallest: dict[str, float] = {}
    titles, turned = set(), {}
    for page in pdf_pages:
        sheet = sheet_of(page)
        chars = [c for c in page.chars if c["text"].strip()]
        text = "".join(c["text"] for c in chars)
        if sheet in CHART_TITLES and CHART_TITLES[sheet].replace(" ", "") in text:
            titles.add(sheet)
        turned[sheet] = turned.get(sheet, "") + "".join(c["text"] for c in chars if not c["upright"])
        for c in chars:
            smallest[sheet] = min(smallest.get(sheet, 99.0), printed_size(c))
    assert titles == set(CHART_TITLES)  # every chart's text is in the PDF, so it is measured
    assert "£million" in turned[L.FIVE_YEAR]  # the turned axis title is measured too
    for sheet, size in smallest.items():
        assert size >= KNOWN_WIDE.get(sheet, MIN_PT), (sheet, round(size, 2))

