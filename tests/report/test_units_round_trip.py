"""Every money cell holds the unit its header states: £000 on Funding sources, Expenditure plan and
Benefits plan (7800 means £7,800,000, as the NHS Template 2 asks), £ elsewhere; import converts exactly.

The bug these tests pin down: the cells under "Amount (£000)" used to hold pounds with a £000 display
format, so a finance lead who typed 7800 (meaning £7.8m) stored £7,800 and the imported plan rated
protection of social care Green at "150.5% of pool".
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from openpyxl import load_workbook

from finmodel.engine import run, run_plan
from finmodel.plan import load_plan, plan_from_dict
from finmodel.report import t2_common as L
from finmodel.report.import_template2 import import_template2
from finmodel.report.recalc import cell_values, compare_recalculated, recalculate_many
from finmodel.report.t2_units import THOUSANDS_SHEETS, UNITS_LABEL, from_k, to_k
from finmodel.report.template2 import write_template2
from finmodel.report.xlsx_utils import GBP_FORMAT, GBP_THOUSANDS_FORMAT, HEADER_FILL
from finmodel.scenario import BASE

INPUTS = Path(__file__).resolve().parents[2] / "inputs"
PLANS = ["luton", "central_bedfordshire"]
HEADER_RGB = "FF" + HEADER_FILL.lstrip("#").upper()
SWEEP = {
    "method": "lhs", "n": 1000, "seed": 42, "output": "shortfall_gbp",
    "percentiles": {"shortfall_gbp": {"count": 1000, "mean": 1.5e6, "std": 4e5, "min": 0.0, "p5": 9e5, "p50": 1.4e6,
                                      "p95": 2.3e6, "max": 3e6, "expected_shortfall": 2.5e6}},
    "tornado": [{"input": "outturn.savings_delivery_pct", "low": 50, "high": 100, "output_low": 2.1e6, "output_high": 0.0}],
}


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("units")
    out = {name: write_template2(run(INPUTS / f"{name}.toml"), d / f"{name}.xlsx") for name in PLANS}
    out["luton_sweep"] = write_template2(run(INPUTS / "luton.toml"), d / "luton_sweep.xlsx", sweep_summary=SWEEP)
    return out


def _row_of(ws, label: str, col: int = 1) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, col).value == label)


def _col_of(ws, row: int, label: str) -> int:
    return next(c for c in range(1, ws.max_column + 1) if ws.cell(row, c).value == label)


# conversions --------------------------------------------------------------------------------

def test_conversions_are_exact_decimal_shifts():
    assert from_k(7800) == 7_800_000.0 and from_k(7600) == 7_600_000.0
    assert from_k(1234.5678) == 1_234_567.8  # 1234.5678 * 1000 == 1234567.7999999998 in binary
    assert to_k(1_234_567.8) == 1234.5678 and to_k(0.01) == 0.00001 and to_k(0) == 0.0
    rng = random.Random(7)
    for _ in range(20_000):  # every amount to the penny up to £1 trillion survives the cell's 16 digits
        v = round(rng.uniform(-1e12, 1e12), rng.choice([0, 1, 2]))
        assert from_k(float(f"{to_k(v):.16G}")) == v


# typed figures ------------------------------------------------------------------------------

def test_figures_typed_in_thousands_import_as_pounds(books, tmp_path):
    wb = load_workbook(books["luton"])
    fund, exp, ben = wb[L.FUNDING], wb[L.EXPENDITURE], wb[L.BENEFITS]
    assert fund.cell(4, 4).value == "Amount (£000)"
    fund["D5"] = 7800  # a finance lead's £7.8m
    hdr = _row_of(exp, L.EXPENDITURE_HEADER)
    spend = _col_of(exp, hdr, "Spend 2015/16 (£000)")
    exp.cell(hdr + 1, spend, 1234.5678)  # £1,234,567.80
    tot = _row_of(exp, L.TOTALS_LABEL)
    years_row = tot + 1
    col15 = _col_of(exp, years_row, "2015/16")
    exp.cell(_row_of(exp, L.PROTECTION_STATED_LABEL), col15, 2500)
    bhdr = _row_of(ben, L.BENEFITS_HEADER)
    ben.cell(bhdr + 1, _col_of(ben, bhdr, "Benefits 2015/16 (£000)"), 90.5)
    path = tmp_path / "typed.xlsx"
    wb.save(path)

    data = import_template2(path)
    assert data["money_unit"] == "gbp"
    plan = plan_from_dict(data)
    assert plan.contributions[0].amount == 7_800_000.0
    assert plan.schemes[0].spend["2015/16"] == 1_234_567.8
    assert plan.social_care_protection.amount["2015/16"] == 2_500_000.0
    assert plan.schemes[0].benefits["2015/16"] == 90_500.0
    original = load_plan(INPUTS / "luton.toml")
    assert plan.contributions[1:] == original.contributions[1:]  # nothing else moved


def test_protection_share_of_pool_is_sensible_after_a_typed_edit(books, tmp_path):
    """The reported symptom: typing the NHS template's £000 figure must not make protection '150.5% of pool'."""
    wb = load_workbook(books["luton"])
    fund = wb[L.FUNDING]
    row = next(r for r in range(5, fund.max_row) if (fund.cell(r, 1).value, fund.cell(r, 3).value)
               == ("2015/16", "CCG minimum contribution"))
    assert fund.cell(row, 4).value == 7600
    fund.cell(row, 4, 7800)  # £7.8m, as the header asks
    path = tmp_path / "edited.xlsx"
    wb.save(path)
    plan = plan_from_dict(import_template2(path))
    assert [c.amount for c in plan.contributions if (c.year, c.stream.value) == ("2015/16", "ccg_minimum")] == [7_800_000.0]
    pool = sum(c.amount for c in plan.contributions if c.year == "2015/16")
    assert 0 < plan.social_care_protection.amount["2015/16"] / pool < 1  # the old workbook gave 150.5%


# round trip ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", PLANS)
def test_cells_hold_thousands_and_the_round_trip_is_exact(books, name):
    plan = load_plan(INPUTS / f"{name}.toml")
    ws = load_workbook(books[name])[L.FUNDING]
    for i, c in enumerate(plan.contributions):
        assert ws.cell(5 + i, 4).value == to_k(c.amount) and ws.cell(5 + i, 4).number_format == GBP_THOUSANDS_FORMAT
    assert plan_from_dict(import_template2(books[name])) == plan.model_copy(update={"money_unit": "gbp"})


def test_awkward_amounts_round_trip_exactly(tmp_path):
    """Pennies, sub-thousand amounts and large figures come back to the penny, not 1234567.7999999998."""
    plan = load_plan(INPUTS / "luton.toml").model_copy(update={"money_unit": "gbp"})
    amounts = [1_234_567.8, 0.01, 999_999_999.99, 7_600_000.0, 123.45, 4_400_000.37, 880_000.1]
    contributions = [c.model_copy(update={"amount": a}) for c, a in zip(plan.contributions, amounts)]
    schemes = [sc.model_copy(update={"spend": {y: v + 0.37 for y, v in sc.spend.items()}}) for sc in plan.schemes]
    protection = plan.social_care_protection.model_copy(
        update={"amount": {y: v + 1234.56 for y, v in plan.social_care_protection.amount.items()}})
    plan = plan.model_copy(update={"contributions": contributions + plan.contributions[len(amounts):],
                                   "schemes": schemes, "social_care_protection": protection})
    book = write_template2(run_plan(plan, INPUTS / "luton.toml", BASE), tmp_path / "awkward.xlsx")
    ws = load_workbook(book)[L.FUNDING]
    assert [ws.cell(5 + i, 4).value for i in range(3)] == [1234.5678, 0.00001, 999_999.99999]
    back = plan_from_dict(import_template2(book))
    assert [c.amount for c in back.contributions] == [c.amount for c in plan.contributions]
    assert [sc.spend for sc in back.schemes] == [sc.spend for sc in plan.schemes]
    assert back.social_care_protection.amount == plan.social_care_protection.amount


# old workbooks and double entry ---------------------------------------------------------------

def test_a_workbook_without_the_units_row_is_refused(books, tmp_path):
    wb = load_workbook(books["central_bedfordshire"])
    about = wb[L.ABOUT]
    row = _row_of(about, UNITS_LABEL)
    about.cell(row, 1, "Money")  # what the previous finmodel wrote
    about.cell(row, 2, "held in £; Funding sources and Expenditure plan show £000 through the number format only")
    path = tmp_path / "old.xlsx"
    wb.save(path)
    with pytest.raises(ValueError, match=r"would be read 1000 times too small"):
        import_template2(path)


def test_an_input_of_a_structured_sheet_is_not_read_from_the_assumptions_sheet(books, tmp_path):
    wb = load_workbook(books["luton"])
    ws = wb[L.ASSUMPTIONS]
    row = _row_of(ws, "contributions[0].amount", col=6)  # path column (hidden)
    assert ws.cell(row, 7).value == "Funding sources!D5" and ws.cell(row, 5).value == "Funding sources, cell D5"
    assert ws.cell(row, 2).value == "='Funding sources'!$D$5*1000"  # shown in £ on this £ sheet
    ws.cell(row, 2, 7_800_000)
    ws.cell(row, 7, L.HELD_HERE)
    ws.cell(row, 8, "number")
    path = tmp_path / "double.xlsx"
    wb.save(path)
    with pytest.raises(ValueError, match=r"cell G\d+ value 'here': this input is held on the 'Funding sources' sheet"):
        import_template2(path)


# headers --------------------------------------------------------------------------------------

def _unit_texts(ws, row: int, col: int, header_rows: list[int]) -> list[str]:
    """The texts that state a cell's unit: the header row above it and the row's own labels."""
    above = [h for h in header_rows if h < row]
    texts = []
    if above:
        h = above[-1]
        texts += [str(ws.cell(h, c).value) for c in range(1, ws.max_column + 1)
                  if isinstance(ws.cell(h, c).value, str)]
    # the row's own labels (column A; B; and the Assumptions sheet's Unit column C)
    texts += [v for v in (ws.cell(row, c).value for c in (1, 2, 3)) if isinstance(v, str) and not v.startswith("=")]
    return texts


@pytest.mark.parametrize("name", PLANS + ["luton_sweep"])
def test_every_money_column_says_its_unit(books, name):
    wb = load_workbook(books[name])
    problems, counts = [], {"k": 0, "gbp": 0}
    for ws in wb.worksheets:
        header_rows = sorted({c.row for row in ws.iter_rows() for c in row
                              if c.fill is not None and c.fill.fgColor is not None and c.fill.fgColor.rgb == HEADER_RGB})
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, bool) or not isinstance(c.value, (int, float, str)):
                    continue
                if isinstance(c.value, str) and not c.value.startswith("="):
                    continue
                fmt = c.number_format
                if fmt not in (GBP_FORMAT, GBP_THOUSANDS_FORMAT):
                    continue
                texts = _unit_texts(ws, c.row, c.column, header_rows)
                where = f"{ws.title}!{c.coordinate} ({' | '.join(texts)[:120]})"
                if fmt == GBP_THOUSANDS_FORMAT:
                    counts["k"] += 1
                    if ws.title not in THOUSANDS_SHEETS:
                        problems.append(f"{where}: £000 cell on a £ sheet")
                    elif not any("£000" in t for t in texts):
                        problems.append(f"{where}: £000 cell without a £000 header")
                else:
                    counts["gbp"] += 1
                    if ws.title in THOUSANDS_SHEETS:
                        problems.append(f"{where}: £ cell on a £000 sheet")
                    elif any("£000" in t for t in texts) or not any("£" in t for t in texts):
                        problems.append(f"{where}: £ cell without a £ header")
    assert counts["k"] > 50 and counts["gbp"] > 50
    assert problems == [], "\n".join(problems[:40]) + f"\n... {len(problems)} in all"


# LibreOffice ------------------------------------------------------------------------------------

@pytest.mark.libreoffice
def test_recalculated_cells_are_the_engines_figures_in_their_own_unit(books, soffice, tmp_path_factory):
    out = recalculate_many([books[n] for n in PLANS], tmp_path_factory.mktemp("units_recalc"))
    for name, fresh_path in zip(PLANS, out):
        result = run(INPUTS / f"{name}.toml")
        assert compare_recalculated(books[name], fresh_path) == [], name
        fresh = cell_values(fresh_path)
        wb = load_workbook(books[name])
        y15 = list(result.plan.years).index("2015/16")
        pool_gbp = float(result.pool.pool_gbp[0, y15])
        sheet, coord = next(iter(wb.defined_names["Pool_2015_16"].destinations))
        assert sheet == L.FUNDING
        assert fresh[(sheet, coord.replace("$", ""))] == pytest.approx(pool_gbp / 1000, abs=1e-5)  # £000, to the penny
        cover = wb[L.COVER]
        r = _row_of(cover, "2015/16")
        assert cover.cell(r, 3).value == "=Pool_2015_16*1000"
        assert fresh[(L.COVER, f"C{r}")] == pytest.approx(pool_gbp, abs=0.005)  # £
        # every £000 formula cell agrees to the penny (compare_recalculated's 0.01 is £10 there)
        cached = cell_values(books[name])
        checked = 0
        for ws in wb.worksheets:
            if ws.title not in THOUSANDS_SHEETS:
                continue
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, str) and c.value.startswith("=") and c.number_format == GBP_THOUSANDS_FORMAT:
                        key = (ws.title, c.coordinate)
                        assert fresh[key] == pytest.approx(cached[key], abs=1e-5), (key, c.value)
                        checked += 1
        assert checked > 50


@pytest.mark.parametrize("name", PLANS)
def test_every_link_from_a_pound_sheet_to_a_thousands_cell_multiplies_by_1000(books, name):
    """A £ sheet reading a £000 cell (by reference or by a defined name such as Pool_2015_16) converts it."""
    import re

    wb = load_workbook(books[name])
    k_names = [n for n, dn in wb.defined_names.items() if any(s in THOUSANDS_SHEETS for s, _ in dn.destinations)]
    assert "Pool_2015_16" in k_names and "Minimum_2015_16" in k_names
    sheet_ref = "|".join(re.escape(f"'{s}'") for s in sorted(THOUSANDS_SHEETS))
    term = re.compile(rf"(?:(?:{sheet_ref})!\$?[A-Z]+\$?\d+|\b(?:{'|'.join(k_names)})\b)(\*1000)?")
    links = bad = 0
    for ws in wb.worksheets:
        if ws.title in THOUSANDS_SHEETS:
            continue
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    for m in term.finditer(c.value):
                        links += 1
                        unit = ws.cell(c.row, 3).value if ws.title == L.ASSUMPTIONS else "£"
                        if (unit == "£") != (m.group(1) is not None):  # a % or a count is not scaled
                            bad += 1
                            print(f"{ws.title}!{c.coordinate} {c.value}")
    assert links > 20 and bad == 0
