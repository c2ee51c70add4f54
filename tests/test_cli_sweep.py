"""`finmodel sweep` and the workbook's Sensitivity sheet, through a subprocess."""

import json

import openpyxl

from tests.support.plans import LUTON
from tests.test_cli import finmodel


def test_sweep_json_and_files(tmp_path):
    out = tmp_path / "sw"
    res = finmodel("sweep", LUTON, "--scenario", "luton-sensitivity", "--method", "lhs", "-n", "3000", "--seed", "7",
                   "--out", out, "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["n"] == 3000 and doc["seed"] == 7 and doc["method"] == "lhs"
    assert doc["la_code"] == "E06000032"  # Luton's ONS code: sweeps of many boards can be told apart
    s = doc["outputs"]["shortfall_total_gbp"]
    assert s["count"] == 3000 and s["p5"] <= s["p50"] <= s["p95"]
    assert 0 <= doc["risk"]["prob_shortfall_exceeds_contingency"] <= 1
    for name in ("summary.json", "tornado.png", "shortfall_histogram.png", "tornado.csv"):
        assert (out / name).exists(), name
    # the same seed gives the same numbers
    again = json.loads(finmodel("sweep", LUTON, "-n", "3000", "--seed", "7", "--out", tmp_path / "sw2", "--json").stdout)
    assert again["outputs"] == doc["outputs"]


def test_sweep_prints_a_readable_summary(tmp_path):
    res = finmodel("sweep", LUTON, "--method", "tornado", "--out", tmp_path / "t")
    assert res.returncode == 0, res.stderr
    assert "Tornado" in res.stdout and "Break-even" in res.stdout and "P(shortfall > contingency)" in res.stdout


def test_sweep_unknown_input_exit_2(tmp_path):
    scen = tmp_path / "bad-sweep.toml"
    scen.write_text('name = "bad"\n[set]\n[sweep.inputs]\n"outturn.nope" = { dist = "uniform", low = 0, high = 1 }\n', "utf-8")
    res = finmodel("sweep", LUTON, "--scenario", scen, "-n", "100", "--out", tmp_path / "o")
    assert res.returncode == 2 and "outturn.nope" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "o").exists()


def test_workbook_sensitivity_sheet_from_a_sweep(tmp_path):
    out = tmp_path / "sw"
    assert finmodel("sweep", LUTON, "-n", "2000", "--seed", "1", "--out", out).returncode == 0
    book = tmp_path / "l.xlsx"
    res = finmodel("template2", LUTON, "--out", book, "--sweep-summary", out / "summary.json")
    assert res.returncode == 0, res.stderr
    ws = openpyxl.load_workbook(book)["Sensitivity"]
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    # the sweep's own n and seed reached the sheet (the output is named by a plain label or its code)
    assert "Number of runs 2000" in text and "Random seed 1" in text
    assert ("shortfall_total_gbp" in text or "Shortfall total" in text) and "Tornado" in text and "no sweep run" not in text


def _one_line(stderr: str) -> bool:
    return len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr


def test_sweep_n_above_the_limit_is_refused_at_once(tmp_path):
    res = finmodel("sweep", LUTON, "-n", "1000000000", "--out", tmp_path / "o")
    assert res.returncode == 2 and _one_line(res.stderr) and "1,000,000,000" in res.stderr
    assert not (tmp_path / "o").exists()


def test_sweep_unreachable_scheduler_exit_4_in_one_line(tmp_path):
    import socket
    import time

    import pytest

    pytest.importorskip("distributed", reason="the dask backend is an optional extra: pip install -e '.[dask]'")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    t0 = time.monotonic()
    res = finmodel("sweep", LUTON, "-n", "1000", "--backend", "dask", "--scheduler", f"tcp://127.0.0.1:{port}",
                   "--progress", "--out", tmp_path / "o")
    assert res.returncode == 4, res.stderr
    assert _one_line(res.stderr) and f"tcp://127.0.0.1:{port}" in res.stderr
    assert time.monotonic() - t0 < 30
    assert not (tmp_path / "o").exists()


def test_sweep_save_samples_refusals_exit_2_before_the_sweep(tmp_path):
    res = finmodel("sweep", LUTON, "-n", "100", "--save-samples", tmp_path, "--out", tmp_path / "o")
    assert res.returncode == 2 and _one_line(res.stderr) and "folder" in res.stderr
    existing = tmp_path / "s.csv"
    existing.write_text("not finmodel's\n")
    res = finmodel("sweep", LUTON, "-n", "100", "--save-samples", existing, "--out", tmp_path / "o")
    assert res.returncode == 2 and _one_line(res.stderr) and "already exists" in res.stderr
    assert existing.read_text() == "not finmodel's\n" and not (tmp_path / "o").exists()


def test_grid_results_are_not_called_probabilities(tmp_path):
    import json as _json
    import subprocess as _sp
    import sys as _sys

    from tests.support.plans import LUTON as _LUTON, REPO as _REPO

    out = _sp.run([_sys.executable, "-m", "finmodel", "sweep", str(_LUTON), "--method", "grid", "-n", "200",
                   "--out", str(tmp_path / "g")], capture_output=True, text=True, cwd=_REPO, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "Unweighted grid" in out.stdout and "P(shortfall" not in out.stdout
    doc = _json.loads((tmp_path / "g" / "summary.json").read_text())
    assert doc["risk_weighting"].startswith("shares of an unweighted grid")


def test_sweep_csvs_hold_money_to_the_penny(tmp_path):
    import csv as _csv

    from finmodel.sweep.driver import run_sweep
    from tests.support.plans import LUTON as _LUTON

    run_sweep(_LUTON, "luton-sensitivity", "lhs", 3000, seed=2).write(tmp_path / "s")
    for name in ("outputs.csv", "tornado.csv", "break_even.csv"):
        with open(tmp_path / "s" / name, newline="") as fh:
            for row in _csv.DictReader(fh):
                money = [v for k, v in row.items() if k.endswith("_gbp") or ("_gbp" in row.get("output", "")
                                                                            and k not in ("output", "count"))]
                for v in money:
                    if v:
                        assert len(v.split(".")[1]) <= 2 if "." in v else True, (name, row, v)
