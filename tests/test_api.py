"""The Python API: labelled pandas objects from a run and from a sweep; the documented example runs."""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
import pytest

import finmodel
from finmodel.api import frames, input_unit, output_label
from finmodel.report import tidy
from finmodel.report.tables import all_tables
from finmodel.sweep.driver import run_sweep
from tests.support.plans import LUTON, PENNY, REPO

MARKER = "<!-- api-example -->"
API_DOCS = REPO / "docs" / "API.md"
README = REPO / "README.md"


def example_block(path) -> str | None:
    """The ```python block that follows the marker comment in ``path``; None when the file has no marker."""
    text = path.read_text("utf-8")
    if MARKER not in text:
        return None
    m = re.match(r"\s*```python\n(.*?)\n```", text.split(MARKER, 1)[1], re.S)
    assert m, f"{path.name}: {MARKER} is not followed by a ```python block"
    return m.group(1)


@pytest.fixture(scope="module")
def result():
    return finmodel.run(LUTON, "admissions-grow")


def test_tables_are_the_run_tables_labelled(result):
    got = result.tables()
    want = all_tables(result)
    assert list(got) == list(want)
    for name in want:
        pd.testing.assert_frame_equal(got[name], want[name])
    rs = got["risk_share"]
    assert rs.index.name == "figure" and list(rs.columns) == [*result.plan.years, "Total"]
    assert "Unfunded gap" in rs.index


def test_long_is_the_tidy_table(result):
    pd.testing.assert_frame_equal(result.long(), tidy.long_table(result))
    assert result.la_code == "E06000032"


def test_output_labels_and_input_units():
    assert output_label("partner_payment_total_gbp[NHS Luton CCG]") == "Paid by NHS Luton CCG, all years"
    assert output_label("shortfall_gbp[2015/16]") == "Shortfall 2015/16"
    assert output_label("shortfall_total_gbp") == "Total shortfall, all years"
    assert output_label("something_new") == "something_new"  # unknown names stay as they are
    assert input_unit("outturn.savings_delivery_pct", "gbp") == "%"
    assert input_unit("outturn.demographic_growth_above_plan.2015/16", "gbp_thousands") == "GBP000"
    assert input_unit("outturn.demographic_growth_above_plan.2015/16", "gbp") == "GBP"
    assert input_unit("outturn.go_live_delay_months", "gbp") == "months"
    assert input_unit("risk_share.bed_day_cost_gbp", "gbp_thousands") == "GBP"
    assert input_unit("outturn.beds_not_closed", "gbp") == "count"


@pytest.fixture(scope="module")
def raw_sweep():
    return run_sweep(LUTON, "luton-sensitivity", method="lhs", n=3000, seed=7)


def test_sweep_frames_carry_the_drivers_figures(raw_sweep):
    s = frames(raw_sweep, "gbp_thousands")
    total = s.percentiles.loc["Total shortfall, all years"]
    assert total["code"] == "shortfall_total_gbp" and total["unit"] == "GBP" and total["count"] == 3000
    for k in ("mean", "p5", "p50", "p95", "min", "max"):
        assert total[k] == raw_sweep.summary["shortfall_total_gbp"][k]
    assert set(s.percentiles["unit"]) == {"GBP"}
    # each partner's expected payment is the mean of its payment output
    for partner, row in s.partners.iterrows():
        assert row["expected_payment_gbp"] == s.percentiles.loc[f"Paid by {partner}, all years", "mean"]
        assert row["p95_payment_gbp"] == raw_sweep.risk["partners"][partner]["p95_payment_gbp"]
    assert list(s.partners.index) == [p.name for p in finmodel.load_plan(LUTON).partners]
    assert s.risk.loc["Shortfall above the contingency", "unit"] == "probability"
    assert 0 <= s.risk.loc["Shortfall above the contingency", "value"] <= 1
    assert s.tornado.loc["outturn.demographic_growth_above_plan.2015/16", "input_unit"] == "GBP000"  # Luton is in £000
    assert list(s.tornado["swing_gbp"]) == sorted(s.tornado["swing_gbp"], reverse=True)
    swing = s.tornado["shortfall_at_high_gbp"] - s.tornado["shortfall_at_low_gbp"]
    assert ((swing.abs() - s.tornado["swing_gbp"]).abs() < PENNY).all()
    assert s.n == 3000 and s.seed == 7 and s.method == "lhs" and s.to_dict()["n"] == 3000


def test_grid_risk_is_labelled_as_shares_of_grid_points():
    s = finmodel.sweep(LUTON, "luton-sensitivity", n=300, seed=0, method="grid")
    assert set(s.risk["unit"]) == {"share of grid points", "GBP"}


def test_tornado_sweep_has_no_percentiles_but_a_tornado():
    s = finmodel.sweep(LUTON, "luton-sensitivity", method="tornado")
    assert s.percentiles.empty and s.partners.empty and len(s.tornado) == 8


def test_finmodel_sweep_callable_before_and_after_the_driver_is_imported(tmp_path):
    # a fresh interpreter: pytest has imported the driver already
    code = f"""
import sys, finmodel
assert "finmodel.sweep" not in sys.modules
a = finmodel.sweep({str(LUTON)!r}, "luton-sensitivity", n=500, seed=3)
import finmodel.sweep.driver
assert finmodel.sweep is sys.modules["finmodel.sweep"]
b = finmodel.sweep({str(LUTON)!r}, "luton-sensitivity", n=500, seed=3)
from finmodel import sweep as imported_name
c = imported_name({str(LUTON)!r}, "luton-sensitivity", n=500, seed=3, method="mc")
assert a.percentiles.equals(b.percentiles) and type(a).__name__ == "SweepFrames"
assert c.method == "mc" and a.la_code == "E06000032"
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-3000:]


@pytest.mark.parametrize("doc", [API_DOCS, README], ids=["docs/API.md", "README.md"])
def test_documented_example_runs(doc, monkeypatch):
    code = example_block(doc)
    if code is None:
        assert doc == README, f"{doc} lost its {MARKER} block"
        pytest.skip(f"README.md has no {MARKER} block yet (docs/API.md holds the example)")
    monkeypatch.chdir(REPO)  # the example names inputs/luton.toml, as from a checkout
    ns: dict = {}
    exec(compile(code, str(doc), "exec"), ns)
    # what the example shows is right: the streams add up to the pool, the sweep is labelled
    total = ns["tables"]["pool_by_stream"].loc["Total pool"]
    for year, value in ns["pool_by_year"].items():
        assert abs(value - total[year]) < PENNY, year
    assert ns["sweep"].percentiles.loc["Total shortfall, all years", "unit"] == "GBP"
    assert set(ns["long"]["la_code"]) == {"E06000032"}


def test_readme_and_api_docs_show_the_same_example():
    readme = example_block(README)
    if readme is None:
        pytest.skip(f"README.md has no {MARKER} block yet")
    assert readme == example_block(API_DOCS)
