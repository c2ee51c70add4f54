"""The long ("tidy") table of a run: every figure of the wide tables once, with its LA code and unit."""

from __future__ import annotations

import csv
import json
import math
import sys

import numpy as np
import pandas as pd
import pytest

from finmodel.engine import run
from finmodel.report import tidy
from finmodel.report.tables import all_tables
from tests.support.cli import run_cli, tree
from tests.support.plans import CENTRAL_BEDS, LUTON, PENNY, mini_plan, write_toml


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    path = write_toml(mini_plan(), tmp_path_factory.mktemp("plan") / "testshire.toml")
    return run(path)


@pytest.fixture(scope="module")
def luton():
    return run(LUTON, "admissions-grow")


def _one(long: pd.DataFrame, table: str, item: str, year: str | None) -> pd.Series:
    rows = long[(long["table"] == table) & (long["item"] == item)
                & (long["year"].isna() if year is None else long["year"] == year)]
    assert len(rows) == 1, (table, item, year, rows)
    return rows.iloc[0]


def test_pool_by_stream_hand_worked(mini):
    # mini plan 2015/16: £2,000,000 CCG minimum + £100,000 carers' breaks + £300,000 DFG
    # + £200,000 social care capital = £2,600,000, the "Total pool" row of the same table
    long = mini.long()
    rows = long[(long["table"] == "pool_by_stream") & (long["year"] == "2015/16")]
    streams = rows[rows["item"] != "Total pool"]
    assert sorted(streams["value"][streams["value"] != 0]) == [100_000, 200_000, 300_000, 2_000_000]
    assert streams["value"].sum() == 2_600_000
    assert _one(long, "pool_by_stream", "Total pool", "2015/16")["value"] == 2_600_000
    assert set(rows["unit"]) == {"GBP"}


def test_every_row_carries_la_code_plan_scenario_and_one_unit(mini):
    long = mini.long()
    assert list(long.columns) == tidy.COLUMNS
    assert set(long["la_code"]) == {"E06000999"} and set(long["plan"]) == {"testshire"} and set(long["scenario"]) == {"base"}
    assert set(long["unit"]) <= set(tidy.UNITS) and long["unit"].notna().all()
    assert long["value"].dtype == np.float64


def test_schemes_and_percentages_hand_worked(mini):
    long = mini.long()
    # scheme S2: joint, 60% NHS; spends £1,500,000 and plans £200,000 of benefits in 2015/16
    share = _one(long, "schemes", "S2 Scheme S2: NHS share", None)
    assert share["value"] == 60 and share["unit"] == "%"
    assert _one(long, "schemes", "S2 Scheme S2: spend", "2015/16")["value"] == 1_500_000
    assert _one(long, "schemes", "S2 Scheme S2: benefits", "2015/16")["value"] == 200_000
    assert _one(long, "schemes", "S2 Scheme S2: spend", "2014/15")["value"] == 0
    # protection of social care 2015/16: £100,000 of a £2,600,000 pool = 3.846...% of the pool
    pct = _one(long, "pool_summary", "Protection of social care (% of pool)", "2015/16")
    assert pct["unit"] == "%" and math.isclose(pct["value"], 100_000 / 2_600_000 * 100, rel_tol=1e-12)


def _numeric_cells(df: pd.DataFrame) -> list[float]:
    cols = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])]
    return [float(v) for v in df[cols].to_numpy().ravel()] if cols else []


@pytest.mark.parametrize("which", ["luton", "central_beds", "mini"])
def test_long_holds_every_numeric_cell_of_every_table_once(which, request):
    # a figure left out, or counted twice, changes the count or the sum of that table
    result = run(CENTRAL_BEDS) if which == "central_beds" else request.getfixturevalue(which)
    built = all_tables(result)
    long = result.long()
    assert set(long["table"]) == {name for name, df in built.items() if _numeric_cells(df)}
    for name, df in built.items():
        cells = _numeric_cells(df)
        got = long.loc[long["table"] == name, "value"]
        assert len(got) == len(cells), name
        assert math.isclose(np.nansum(got), np.nansum(cells), rel_tol=1e-12, abs_tol=1e-6), name


def test_units_follow_the_labels(luton):
    long = luton.long()

    def units(table: str, item: str) -> set[str]:
        return set(long.loc[(long["table"] == table) & (long["item"] == item), "unit"])

    assert units("qipp_by_year", "Emergency admissions avoided (count)") == {"count"}
    assert units("p4p_by_quarter", "Q1: NEL baseline") == {"count"}
    assert units("p4p_by_quarter", "Total: P4P released (£)") == {"GBP"}
    # Luton's metrics: "per 100,000" rates are ratios, "%" metrics are percentages
    metric_units = long[long["table"] == "metrics"].groupby("unit").size()
    assert set(metric_units.index) == {"%", "ratio"}
    assert (long.loc[long["table"] == "risk_share", "unit"] == "GBP").all()
    assert (long.loc[(long["table"] == "risk_share") & (long["year"] == tidy.ALL_YEARS), "item"].nunique()
            == len(all_tables(luton)["risk_share"]))  # the Total column, one per row


def test_risk_share_reconciles_in_the_long_table(luton):
    # each year: contingency used + partners' payments + unfunded gap = the positive shortfall
    long = luton.long()
    rs = long[long["table"] == "risk_share"].pivot(index="item", columns="year", values="value")
    paid = rs.loc[[i for i in rs.index if i.startswith("Paid by ")]].sum()
    for year in luton.plan.years:
        short = max(rs.loc["Shortfall (total)", year], 0.0)
        assert abs(rs.loc["Contingency used", year] + paid[year] + rs.loc["Unfunded gap", year] - short) < PENNY, year


def test_rounded_keeps_non_money_digits():
    long = pd.DataFrame({"value": [1.234567, 2.345678, 3.0049], "unit": ["GBP", "%", "GBP"]})
    out = tidy.rounded(long)
    assert out["value"].tolist() == [1.23, 2.345678, 3.0]


def test_metric_and_label_units():
    assert tidy.metric_unit("per 100,000") == "ratio" and tidy.metric_unit("%") == "%"
    assert tidy.metric_unit("days") == "count"
    assert tidy.unit_of_label("Protection of social care (% of pool)") == "%"
    assert tidy.unit_of_label("Emergency admissions avoided (count)") == "count"
    assert tidy.unit_of_label("Total pool") == "GBP"


# --- the files ------------------------------------------------------------------------


def test_run_writes_tidy_csv_and_parquet(sandbox, tmp_path, luton):
    out = tmp_path / "res"
    assert run_cli("run", LUTON, "--scenario", "admissions-grow", "--no-workbook", "--out", out) == 0
    with open(out / tidy.CSV_NAME, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == tidy.COLUMNS
    assert {r["la_code"] for r in rows} == {"E06000032"} and {r["scenario"] for r in rows} == {"admissions-grow"}
    for r in rows:  # money to the penny as written: at most two decimals
        if r["unit"] == "GBP" and r["value"] not in ("", "nan"):
            assert len(r["value"].partition(".")[2]) <= 2, r
    expected = tidy.rounded(luton.long())
    csv_frame = pd.read_csv(out / tidy.CSV_NAME, keep_default_na=False, na_values=[""])
    assert len(csv_frame) == len(expected)
    np.testing.assert_allclose(csv_frame["value"], expected["value"], rtol=0, atol=1e-9)
    parquet = pd.read_parquet(out / tidy.PARQUET_NAME)
    assert list(parquet.columns) == tidy.COLUMNS
    pd.testing.assert_frame_equal(parquet.drop(columns="year"), expected.drop(columns="year"))
    assert parquet["year"].fillna("").tolist() == expected["year"].fillna("").tolist()
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["la_code"] == "E06000032" and summary["metadata"]["la_code"] == "E06000032"


def test_parquet_asked_for_without_pyarrow_is_exit_4_and_writes_nothing(sandbox, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # as if pyarrow were not installed
    assert not tidy.parquet_available()
    out = tmp_path / "res"
    assert run_cli("run", LUTON, "--no-workbook", "--parquet", "--out", out) == 4
    err = capsys.readouterr().err
    assert "pyarrow" in err and "finmodel[parquet]" in err and "Traceback" not in err
    assert not out.exists()
    # without the option: CSV only, and the run says nothing false about Parquet
    assert run_cli("run", LUTON, "--no-workbook", "--out", out) == 0
    assert (out / tidy.CSV_NAME).exists() and not (out / tidy.PARQUET_NAME).exists()


def test_no_parquet_leaves_it_out(sandbox, tmp_path):
    out = tmp_path / "res"
    assert run_cli("run", LUTON, "--no-workbook", "--no-parquet", "--out", out) == 0
    names = tree(out)
    assert tidy.CSV_NAME in names and tidy.PARQUET_NAME not in names
