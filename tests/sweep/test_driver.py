"""The sweep driver on the shipped Luton plan: reproducibility, correlation, known percentiles,
tornado, break-even, the samples file and spec errors."""

import csv
import json

import numpy as np
import pytest
from scipy import stats

from finmodel.engine import DEFAULT_PLAN
from finmodel.plan import read_toml
from finmodel.scenario import load_scenario
from finmodel.sweep.driver import SweepSpec, SweepSpecError, run_sweep
from finmodel.sweep.inputs_map import reference_run

SCEN = "luton-sensitivity"
EXACT = ("count", "mean", "std", "min", "max", "p5", "p50", "p95", "prob_exceeds", "bounds", "n_out_of_range")


def _same(a: dict, b: dict):
    assert a.keys() == b.keys()
    for out in a:
        for k in EXACT + ("expected_shortfall", "quantile_resolution"):
            assert a[out][k] == b[out][k], (out, k)


def test_same_seed_same_summary_and_chunk_size_does_not_matter():
    a = run_sweep(None, SCEN, "lhs", 3000, seed=7, chunk_size=3000)
    b = run_sweep(None, SCEN, "lhs", 3000, seed=7, chunk_size=3000)
    c = run_sweep(None, SCEN, "lhs", 3000, seed=7, chunk_size=701)
    _same(a.summary, b.summary)
    _same(a.summary, c.summary)
    d = run_sweep(None, SCEN, "lhs", 3000, seed=8, chunk_size=3000)
    assert d.summary["shortfall_total_gbp"]["mean"] != a.summary["shortfall_total_gbp"]["mean"]
    assert a.summary["shortfall_total_gbp"]["count"] == 3000
    risk = a.risk
    assert 0.0 <= risk["prob_shortfall_exceeds_contingency"] <= 1.0
    assert risk["expected_shortfall_worst_5pct_gbp"] >= a.summary["shortfall_total_gbp"]["p95"] - 1e-6
    assert set(risk["partners"]) == {"NHS Luton CCG", "Luton Borough Council", "Luton and Dunstable University Hospital NHS FT"}


def test_rank_correlation_through_the_driver(tmp_path):
    spec = SweepSpec.from_dict({
        "inputs": {
            "outturn.nel_admissions_change_pct": {"dist": "triangular", "low": -4.2, "mode": -1.0, "high": 4.9},
            "outturn.savings_delivery_pct": {"dist": "pert", "low": 30, "mode": 80, "high": 110},
            "risk_share.bed_day_cost_gbp": {"dist": "uniform", "low": 200, "high": 350},
        },
        "correlations": [{"a": "outturn.nel_admissions_change_pct", "b": "outturn.savings_delivery_pct", "rank_corr": -0.6}],
    })
    path = tmp_path / "samples.csv"
    res = run_sweep(None, "base", "lhs", 100_000, seed=3, spec=spec, save_samples=path)
    data = np.loadtxt(path, delimiter=",", skiprows=1, usecols=(1, 2, 3))
    assert data.shape == (100_000, 3)
    rho = stats.spearmanr(data[:, 0], data[:, 1]).statistic
    assert rho == pytest.approx(-0.6, abs=0.02)
    assert abs(stats.spearmanr(data[:, 0], data[:, 2]).statistic) < 0.02
    assert res.n == 100_000


def test_uniform_input_with_linear_output_gives_known_percentiles():
    # beds not closed ~ U(0, 60); each bed costs 365 days x £250 in each of the 4 years
    # from 2015/16, so total shortfall = S0 + 365,000 x beds (S0 = shortfall with 0 beds):
    # P5 = S0 + 365,000 x 3, P50 = S0 + 365,000 x 30, P95 = S0 + 365,000 x 57.
    spec = SweepSpec.from_dict({"inputs": {"outturn.beds_not_closed": {"dist": "uniform", "low": 0, "high": 60}},
                                "percentiles": [5, 50, 95]})
    n = 4000
    res = run_sweep(None, "base", "lhs", n, seed=11, spec=spec)
    s0 = float(reference_run(read_toml(DEFAULT_PLAN), DEFAULT_PLAN, {}).outputs.shortfall_gbp.sum())
    s = res.summary["shortfall_total_gbp"]
    k = 365 * 250.0 * 4
    tol = k * 60.0 / n + s["quantile_resolution"]  # one LHS stratum + histogram resolution
    for p, beds in ((5, 3.0), (50, 30.0), (95, 57.0)):
        assert s[f"p{p}"] == pytest.approx(s0 + k * beds, abs=tol)
    assert s["mean"] == pytest.approx(s0 + k * 30.0, abs=k * 60.0 / n)
    assert s["min"] >= s0 and s["max"] <= s0 + 60 * k


def test_tornado_sorted_by_swing_and_written(tmp_path):
    res = run_sweep(None, SCEN, "tornado", 0, seed=0)
    swings = [r["swing_gbp"] for r in res.tornado]
    assert swings == sorted(swings, reverse=True)
    assert len(res.tornado) == len(load_scenario(SCEN).sweep["inputs"])
    assert res.tornado[0]["input"] == "outturn.beds_not_closed"
    out = res.write(tmp_path / "out")
    assert (out / "tornado.csv").exists() and (out / "tornado.png").exists()
    assert json.loads((out / "summary.json").read_text())["method"] == "tornado"


def test_break_even_plugs_back_to_zero_shortfall(tmp_path):
    spec = SweepSpec.from_dict({
        "inputs": {"outturn.beds_not_closed": {"dist": "discrete", "values": [30], "probs": [1.0]}},
        "break_even": {"input": "outturn.nel_admissions_change_pct", "low": -15.0, "high": 10.0},
    })
    res = run_sweep(None, "base", "mc", 10, seed=1, spec=spec)
    be = res.break_even
    assert be["output"] == "shortfall_total" and be["value"] is not None
    # the break-even is on the base plan (the swept beds stay at the plan's 0)
    ref = reference_run(read_toml(DEFAULT_PLAN), DEFAULT_PLAN, {"outturn.nel_admissions_change_pct": be["value"]})
    assert abs(float(ref.outputs.shortfall_gbp.sum())) < 1.0
    assert be["output_at_low_gbp"] < 0 < be["output_at_high_gbp"]


def test_save_samples_has_n_rows_and_result_dir_is_complete(tmp_path):
    path = tmp_path / "s.csv"
    res = run_sweep(None, SCEN, "mc", 1234, seed=5, chunk_size=500, save_samples=path)
    with open(path) as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == 1 + 1234
    assert rows[0][0] == "scenario" and "shortfall_total_gbp" in rows[0]
    assert [int(r[0]) for r in rows[1:4]] == [0, 1, 2]
    out = res.write(tmp_path / "result")
    names = {p.name for p in out.iterdir()}
    assert {"summary.json", "outputs.csv", "tornado.csv", "tornado.png", "shortfall_histogram.png", "break_even.csv"} <= names
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n"] == 1234 and summary["seed"] == 5 and len(summary["plan_sha256"]) == 64
    assert summary["finmodel_version"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".result")]


def test_unknown_sweep_path_lists_sweepable_inputs():
    with pytest.raises(SweepSpecError) as exc:
        SweepSpec.from_dict({"inputs": {"outturn.no_such_input": {"dist": "uniform", "low": 0, "high": 1}}}, where="x.toml")
    msg = str(exc.value)
    assert "x.toml" in msg and "outturn.no_such_input" in msg
    assert "outturn.savings_delivery_pct" in msg and "qipp.cohorts[i].ceiling_pct" in msg


@pytest.mark.parametrize("bad, words", [
    ({"inputs": {"outturn.savings_delivery_pct": {"dist": "triangle", "low": 0, "mode": 1, "high": 2}}}, "unknown 'dist'"),
    ({"inputs": {"qipp.marginal_rate_pct": {"dist": "uniform", "low": 50, "high": 120}}}, "plan accepts"),
    ({"inputs": {"outturn.savings_delivery_pct": {"dist": "uniform", "low": 0, "high": 1}}, "percentiles": [5, 150]}, "percentiles"),
    ({"inputs": {"outturn.savings_delivery_pct": {"dist": "uniform", "low": 0, "high": 1}},
      "correlations": [{"a": "outturn.savings_delivery_pct", "b": "outturn.beds_not_closed", "rank_corr": 0.5}]}, "not one of the swept"),
    ({"inputs": {"outturn.savings_delivery_pct": {"dist": "uniform", "low": 0, "high": 1}}, "seeds": 3}, "unknown key"),
])
def test_bad_sweep_tables_name_the_key(bad, words):
    with pytest.raises(SweepSpecError, match="sweep"):
        SweepSpec.from_dict(bad, where="scen.toml")
    with pytest.raises(SweepSpecError) as exc:
        SweepSpec.from_dict(bad, where="scen.toml")
    assert words in str(exc.value) and "scen.toml" in str(exc.value)


def test_grid_method_and_base_scenario_without_sweep():
    res = run_sweep(None, SCEN, "grid", 500, seed=0)
    assert res.summary["shortfall_total_gbp"]["count"] == res.n
    with pytest.raises(SweepSpecError, match="no \\[sweep\\] table"):
        run_sweep(None, "base", "lhs", 10, seed=0)


ADM, SAV = "outturn.nel_admissions_change_pct", "outturn.savings_delivery_pct"
TWO = {ADM: {"dist": "uniform", "low": -2, "high": 2}, SAV: {"dist": "uniform", "low": 50, "high": 100}}


@pytest.mark.parametrize("pairs, words", [
    ([(ADM, SAV, -0.5), (ADM, SAV, 0.3)], ("-0.5", "0.3", "a different value", "correlations[0]")),
    ([(ADM, SAV, -0.5), (SAV, ADM, 0.3)], ("-0.5", "0.3", "a different value", "correlations[0]")),
    ([(ADM, SAV, -0.5), (SAV, ADM, -0.5)], ("-0.5", "the same value again", "correlations[0]")),
    ([(ADM, SAV, 0.2), (ADM, SAV, 0.2)], ("0.2", "the same value again")),
])
def test_a_correlation_pair_given_twice_is_an_error(pairs, words):
    table = {"inputs": TWO, "correlations": [{"a": a, "b": b, "rank_corr": r} for a, b, r in pairs]}
    with pytest.raises(SweepSpecError) as exc:
        SweepSpec.from_dict(table, where="scen.toml")
    msg = str(exc.value)
    assert "scen.toml" in msg and "correlations[1]" in msg and ADM in msg and SAV in msg
    for w in words:
        assert w in msg, (w, msg)


def test_a_correlation_of_an_input_with_itself_is_an_error():
    table = {"inputs": TWO, "correlations": [{"a": ADM, "b": ADM, "rank_corr": 0.5}]}
    with pytest.raises(SweepSpecError, match="different inputs"):
        SweepSpec.from_dict(table, where="scen.toml")


def test_conflicting_pairs_in_a_scenario_file_name_the_file(tmp_path):
    scen = tmp_path / "conflict.toml"
    scen.write_text(
        'name = "conflict"\n[set]\n[sweep.inputs]\n'
        f'"{ADM}" = {{ dist = "uniform", low = -2, high = 2 }}\n'
        f'"{SAV}" = {{ dist = "uniform", low = 50, high = 100 }}\n'
        f'[[sweep.correlations]]\na = "{ADM}"\nb = "{SAV}"\nrank_corr = -0.5\n'
        f'[[sweep.correlations]]\na = "{SAV}"\nb = "{ADM}"\nrank_corr = 0.25\n', "utf-8")
    with pytest.raises(SweepSpecError) as exc:
        run_sweep(None, str(scen), "mc", 100)
    assert str(scen) in str(exc.value) and "-0.5" in str(exc.value) and "0.25" in str(exc.value)
