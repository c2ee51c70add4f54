"""`finmodel region` on the shipped West Midlands region reproduces seed 004's three tables cell for cell.

The expected tables below are typed from seed 004 (Coventry's Better Care programme summary,
7 July 2014: "External Assurance" slides - "Overall Risk Assessment", "Confidence that plans
will deliver national conditions", "Overall assessment of the plan"), independently of the
shipped records.  The seed writes some A and Y cells with Greek or Cyrillic look-alikes
(and Staffordshire's sign-off as a Greek gamma with a star); they are typed here as the
Latin letters they stand for.
"""

from __future__ import annotations

import csv
import json

import openpyxl
import pytest

from finmodel.shipped import shipped_inputs_dir
from tests.support.cli import run_cli

REGION = shipped_inputs_dir() / "regions" / "west-midlands.toml"

# seed 004, "Overall Risk Assessment": LA code | HWB name | high risk Y/N | recommend sign-off Y/N
OVERALL_RISK = """
E08000025 Birmingham               Y  N
E08000026 Coventry                 N  Y
E08000027 Dudley                   N  Y
E06000019 Herefordshire,_County_of N  Y
E08000028 Sandwell                 N  Y
E06000051 Shropshire               Y  N
E08000029 Solihull                 Y  N
E10000028 Staffordshire            N* Y*
E06000021 Stoke-on-Trent           N  Y
E06000020 Telford_and_Wrekin       N* Y*
E08000030 Walsall                  Y  Y
E10000031 Warwickshire             N  Y
E08000031 Wolverhampton            N  Y
E10000034 Worcestershire           Y  Y
"""

# seed 004, "Confidence that plans will deliver national conditions": LA code | HWB name |
# jointly agreed | social care | 7-day | NHS number | joint assessment | provider impact
NATIONAL_CONDITIONS = """
E08000025 Birmingham               G A A A A R
E08000026 Coventry                 G G G G G G
E08000027 Dudley                   G G A G G A
E06000019 Herefordshire,_County_of G G A G G A
E08000028 Sandwell                 G G G G G A
E06000051 Shropshire               G A A G G A
E08000029 Solihull                 G G G G A R
E10000028 Staffordshire            G G G G A A
E06000021 Stoke-on-Trent           G G G G G A
E06000020 Telford_and_Wrekin       G G G A G A
E08000030 Walsall                  G G A A A A
E10000031 Warwickshire             G A A G G A
E08000031 Wolverhampton            G G G A A A
E10000034 Worcestershire           G G A G A A
"""

# seed 004, "Overall assessment of the plan": HWB name | deliverable | affordable |
# mental health | risk mitigation | public engaged
OVERALL_ASSESSMENT = """
Birmingham               A R G A A
Coventry                 G G G G G
Dudley                   A G A A G
Herefordshire,_County_of A G G A G
Sandwell                 G G G G G
Shropshire               A G A A G
Solihull                 R R G G G
Staffordshire            G G G A G
Stoke-on-Trent           G G G A G
Telford_and_Wrekin       G G A G G
Walsall                  A A G A G
Warwickshire             G G G A G
Wolverhampton            A A G A G
Worcestershire           A G A A A
"""


def typed(block: str) -> list[list[str]]:
    return [[cell.replace("_", " ") for cell in line.split()] for line in block.strip().splitlines()]


def read_csv(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


@pytest.fixture(scope="module")
def region_out(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    from finmodel import cli
    from finmodel.report import output

    root = tmp_path_factory.mktemp("wm")
    mp.setattr(output, "OUTPUTS_DIR", root / "outputs")
    mp.setattr(cli, "OUTPUTS_DIR", root / "outputs")
    mp.chdir(root)
    assert run_cli("region", REGION) == 0
    yield root / "outputs" / "regions" / "west-midlands"
    mp.undo()


def test_overall_risk_table_cell_for_cell(region_out):
    rows = read_csv(region_out / "overall_risk.csv")
    assert rows[0][:2] == ["LA Code", "HWB name"]
    got = [[r[0], r[1], r[2], r[4]] for r in rows[1:]]
    assert got == typed(OVERALL_RISK)


def test_national_conditions_table_cell_for_cell(region_out):
    rows = read_csv(region_out / "national_conditions.csv")
    assert len(rows[0]) == 2 + 6
    assert rows[1:] == typed(NATIONAL_CONDITIONS)


def test_overall_assessment_table_cell_for_cell(region_out):
    rows = read_csv(region_out / "overall_assessment.csv")
    assert rows[0][0] == "HWB name" and len(rows[0]) == 1 + 5
    assert rows[1:] == typed(OVERALL_ASSESSMENT)


def test_counts_and_findings_from_the_data(region_out):
    doc = json.loads((region_out / "summary.json").read_text("utf-8"))
    assert doc["status"] == "COMPLETE"
    # hand count from the typed table: the provider-impact column has R twice (Birmingham, Solihull), G once (Coventry)
    provider = next(c for c in doc["counts"] if c["column"].startswith("Agreement on the consequential impact"))
    assert (provider["R"], provider["A"], provider["G"]) == (2, 11, 1)
    high = next(c for c in doc["counts"] if c["column"].startswith("High risk"))
    assert (high["Y"], high["N"], high["N*"]) == (5, 9, 2)
    sign = next(c for c in doc["counts"] if c["column"].startswith("Recommend"))
    assert (sign["Y"], sign["Y*"], sign["N"]) == (11, 2, 3)
    assert "Only one plan (Coventry) is Green on all six national conditions; the other 13 need further monitoring." in doc["findings"]
    # the seed's own sentence says only Coventry is Green on every overall-assessment question, but its table
    # has Sandwell Green on all five too: the tool says what the data say
    assert "Two of 14 plans (Coventry and Sandwell) are Green on all five overall-assessment questions." in doc["findings"]


def test_coventry_pool_and_missing_finance_said_not_invented(region_out):
    rows = read_csv(region_out / "finance.csv")
    head = rows[0]
    recs = [dict(zip(head, r)) for r in rows[1:]]
    cov = [r for r in recs if r["la_code"] == "E08000026"]
    assert [(r["year"], r["figure"], float(r["value_gbp"])) for r in cov] == [("2015/16", "agreed_pool", 45_843_000.0)]
    assert all(r["la_code"] for r in recs)  # the LA code on every row
    assert {r["la_code"] for r in recs} == {"E08000026", "REGION"}  # no figure invented for the other 13
    doc = json.loads((region_out / "summary.json").read_text("utf-8"))
    boards = {b["hwb"]: b for b in doc["boards"]}
    assert "agreed_pool" not in boards["Coventry"]["missing_finance"]
    assert "minimum_pool" in boards["Coventry"]["missing_finance"]
    assert "agreed_pool" in boards["Birmingham"]["missing_finance"]
    assert any(s.startswith("Finance figures missing for 13 boards (no plan file)") for s in doc["missing_finance"])


def test_long_assurance_table_has_la_code_on_every_row(region_out):
    rows = read_csv(region_out / "assurance.csv")
    head = rows[0]
    recs = [dict(zip(head, r)) for r in rows[1:]]
    assert len(recs) == 14 * (2 + 11)
    assert all(r["la_code"].startswith("E") for r in recs)
    staffs = {r["question_key"]: r for r in recs if r["hwb"] == "Staffordshire"}
    assert staffs["recommend_sign_off"]["answer"] == "Y*" and staffs["recommend_sign_off"]["qualified"] == "True"
    pq = pytest.importorskip("pyarrow.parquet")
    assert pq.read_table(region_out / "assurance.parquet").num_rows == len(recs)


def test_workbook_sheets_colours_and_live_counts(region_out):
    wb = openpyxl.load_workbook(region_out / "region.xlsx")
    assert wb.sheetnames[:4] == ["Overall risk", "National conditions", "Overall assessment", "Finance"]
    ws = wb["National conditions"]
    assert ws["H4"].value == "R"  # Birmingham, provider impact (row 4 = first board)
    assert ws["H4"].fill.fgColor.rgb.endswith("FF0000")
    counts = [ws.cell(row=r, column=8).value for r in range(19, 22)]
    assert counts == ['=SUMPRODUCT(--($H$4:$H$17="R"))', '=SUMPRODUCT(--($H$4:$H$17="A"))', '=SUMPRODUCT(--($H$4:$H$17="G"))']
    risk = wb["Overall risk"]
    assert risk["E11"].value == "Y*"  # Staffordshire's sign-off, kept as text
    fin = wb["Finance"]
    header = [c.value for c in fin[3]]
    col = header.index("Total agreed pool 2015/16") + 1
    assert fin.cell(row=18, column=col).value.startswith("=SUM(")


def test_workbook_recalculates_in_libreoffice(region_out, soffice, tmp_path):
    from finmodel.report.recalc import compare_recalculated, recalculate

    recalculated = recalculate(region_out / "region.xlsx", tmp_path)
    assert compare_recalculated(region_out / "region.xlsx", recalculated, tol=0.005) == []
