"""The command line through a subprocess, as a user runs it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.plans import CENTRAL_BEDS, LUTON, REPO, mini_plan, write_toml


def finmodel(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "finmodel", *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_help_reads_like_a_manual():
    out = finmodel("--help")
    assert out.returncode == 0
    for word in ("run", "check", "compare", "examples:", "exit status"):
        assert word in out.stdout
    sub = finmodel("run", "--help")
    assert sub.returncode == 0 and "--scenario" in sub.stdout and "summary.json" in sub.stdout
    assert "tidy.csv" in sub.stdout and "--parquet" in sub.stdout


def test_run_default_plan(tmp_path):
    out = finmodel("run", "--out", tmp_path / "res")
    assert out.returncode == 0, out.stderr
    # the headline first: pool against the minimum, the checks, the shortfall and who pays, in £
    lines = out.stdout.splitlines()
    assert lines[0].startswith("Luton (E06000032), scenario base")
    assert "Pool 2015/16: £15,136,000 against a minimum of £15,136,000" in out.stdout
    assert "Checks: " in out.stdout and "Shortfall £0: contingency £0" in out.stdout
    assert "Pooled budget by stream" not in out.stdout  # details only with --detail
    summary = json.loads((tmp_path / "res" / "summary.json").read_text())
    assert summary["metadata"]["scenario"] == "base"
    assert len(summary["metadata"]["plan_sha256"]) == 64
    assert summary["metadata"]["finmodel_version"]
    assert (tmp_path / "res" / "pool_by_stream.csv").exists()
    assert (tmp_path / "res" / "qipp_monthly.csv").exists()
    assert (tmp_path / "res" / "tidy.csv").exists() and summary["la_code"] == "E06000032"  # the long table


def test_run_json_has_every_figure(tmp_path):
    out = finmodel("run", CENTRAL_BEDS, "--json", "--out", tmp_path / "cb")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["hwb"] == "Central Bedfordshire"
    assert doc["pool_by_stream"]["Total pool"] == {"2014/15": 3821000.0, "2015/16": 15290000.0}
    assert {c["check"] for c in doc["checks"]} >= {"minimum_pooled", "care_act", "sources_equal_uses"}


def test_run_luton_json_has_qipp_and_five_year(tmp_path):
    doc = json.loads(finmodel("run", LUTON, "--json", "--out", tmp_path / "l").stdout)
    assert doc["qipp_by_year"]["Gross savings (part-year effect)"]["2014/15"] > 0
    assert doc["five_year"]["Transformation fund"] == {"2014/15": 300000.0, "2015/16": 400000.0, "2016/17": 2500000.0,
                                                      "2017/18": 2600000.0, "2018/19": 2700000.0}
    assert len(doc["qipp_monthly"]) == 4 * 60
    assert "risk_share" in doc and "p4p" in doc


def test_check_command():
    out = finmodel("check", LUTON)
    assert out.returncode == 0 and "valid plan" in out.stdout and "Red" in out.stdout
    assert finmodel("check", LUTON, "--strict").returncode == 1  # Luton has Red checks (seed 000)


def test_compare_prints_every_shipped_scenario():
    out = finmodel("compare", LUTON)
    assert out.returncode == 0, out.stderr
    for name in ("base", "admissions-flat", "admissions-grow", "qipp-slip", "beds-not-closed", "half-delivery"):
        assert name in out.stdout
    for row in ("P4P released", "Shortfall", "Contingency used", "Unfunded gap", "Paid by NHS Luton CCG"):
        assert row in out.stdout


@pytest.mark.parametrize("change,field", [
    (lambda d: d["contributions"][0].__setitem__("amount", -5), "contributions[0].amount"),
    (lambda d: d["contributions"][0].__setitem__("amount", "abc"), "contributions[0].amount"),
    (lambda d: d["hwb"].__setitem__("mayor", "x"), "hwb.mayor"),
    (lambda d: d["schemes"][0].__setitem__("funding_stream", "ccg_reablement"), "schemes[0].funding_stream"),
    (lambda d: d["schemes"][0].__setitem__("spend", {"2019/20": 1}), "schemes[0].spend.2019/20"),
    (lambda d: d["contributions"][1].pop("year"), "contributions[1].year"),
])
def test_bad_input_exit_2_no_traceback_nothing_written(tmp_path, change, field):
    data = mini_plan()
    change(data)
    plan = write_toml(data, tmp_path / "bad.toml")
    out_dir = tmp_path / "out"
    res = finmodel("run", plan, "--out", out_dir)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert str(plan) in res.stderr and field in res.stderr
    assert not out_dir.exists()
    assert not (REPO / "outputs" / "bad").exists()


def test_not_toml_exit_2(tmp_path):
    plan = tmp_path / "bad.toml"
    plan.write_text("[[[", "utf-8")
    res = finmodel("check", plan)
    assert res.returncode == 2 and "not valid TOML" in res.stderr and "Traceback" not in res.stderr


def test_unknown_scenario_exit_2():
    res = finmodel("run", LUTON, "--scenario", "no-such-scenario")
    assert res.returncode == 2 and "no-such-scenario" in res.stderr and "known scenarios" in res.stderr


def test_scenario_naming_a_missing_input_exit_2(tmp_path):
    scen = tmp_path / "typo.toml"
    scen.write_text('name = "typo"\n[set]\n"outturn.savings_delivery" = 50\n', "utf-8")
    res = finmodel("run", LUTON, "--scenario", scen, "--out", tmp_path / "o")
    assert res.returncode == 2 and "savings_delivery" in res.stderr and "no input" in res.stderr
    assert not (tmp_path / "o").exists()


def test_run_writes_the_template2_workbook(tmp_path):
    out = finmodel("run", CENTRAL_BEDS, "--out", tmp_path / "cb")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "cb" / "template2.xlsx").stat().st_size > 10_000


def test_template2_round_trip_through_the_cli(tmp_path):
    book = tmp_path / "luton.xlsx"
    assert finmodel("template2", LUTON, "--out", book).returncode == 0
    plan = tmp_path / "luton_again.toml"
    res = finmodel("import-template2", book, "--out", plan)
    assert res.returncode == 0, res.stderr
    check = finmodel("check", plan)
    assert check.returncode == 0 and "valid plan for Luton" in check.stdout
    # never overwrite an existing plan silently
    again = finmodel("import-template2", book, "--out", plan)
    assert again.returncode == 2 and "--force" in again.stderr


def test_import_template2_bad_file_exit_2(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook", "utf-8")
    res = finmodel("import-template2", bad)
    assert res.returncode == 2 and "bad.xlsx" in res.stderr and "Traceback" not in res.stderr


def test_run_detail_prints_every_table(tmp_path):
    out = finmodel("run", "--detail", "--no-workbook", "--out", tmp_path / "res")
    assert out.returncode == 0, out.stderr
    head, detail = out.stdout.index("Pool 2015/16:"), out.stdout.index("Pooled budget by stream")
    assert head < detail and "Assurance checks" in out.stdout and "Assumptions behind the figures" in out.stdout


def test_help_is_wrapped_to_the_terminal():
    import os

    env = {**os.environ, "COLUMNS": "80"}
    for cmd in (["run", "--help"], ["sweep", "--help"], ["template2", "--help"]):
        out = subprocess.run([sys.executable, "-m", "finmodel", *cmd], capture_output=True, text=True, cwd=REPO, env=env)
        assert out.returncode == 0 and max(len(line) for line in out.stdout.splitlines()) <= 80, cmd
