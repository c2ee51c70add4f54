"""A plain `pip install` (a wheel, not editable) works from any folder (issue 13, item 1).

Builds the wheel, installs it in a fresh virtual environment, and runs the main job from
an empty folder: the shipped plans and scenarios come from the package, a scenario in
./scenarios is found, results land in ./outputs, and nothing is written into the
installed package.  Takes about a minute (the install of numpy, pandas, scipy, ...).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.plans import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("install")
    wheel_dir, venv = d / "wheel", d / "venv"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheel_dir), str(REPO)],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-2000:]
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    wheel = next(wheel_dir.glob("finmodel-*.whl"))
    inst = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], capture_output=True, text=True, timeout=1200)
    if inst.returncode != 0:
        pytest.skip(f"could not install the wheel's dependencies here (no package index?): {inst.stderr[-500:]}")
    return venv


def _finmodel(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin" / "finmodel"), *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_main_job_runs_from_an_empty_folder(installed, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    out = _finmodel(installed, work, "run", "--json", "--no-workbook")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["hwb"] == "Luton" and doc["metadata"]["plan_file"].endswith("luton.toml")
    assert (work / "outputs" / "luton" / "base" / "summary.json").is_file()
    site = next((installed / "lib").glob("python*/site-packages"))
    assert not (site / "outputs").exists() and not any(site.glob("finmodel/**/outputs"))


def test_shipped_and_local_scenarios(installed, tmp_path):
    work = tmp_path / "work"
    (work / "scenarios").mkdir(parents=True)
    (work / "scenarios" / "my-test.toml").write_text('name = "my-test"\ndescription = "local"\n[set]\n'
                                                     '"outturn.savings_delivery_pct" = 90\n', "utf-8")
    listed = _finmodel(installed, work, "scenarios")
    assert listed.returncode == 0, listed.stderr
    for name in ("base", "admissions-grow", "beds-not-closed", "my-test"):
        assert f"{name}:" in listed.stdout
    ran = _finmodel(installed, work, "run", "--scenario", "my-test", "--no-workbook")
    assert ran.returncode == 0, ran.stderr
    assert (work / "outputs" / "luton" / "my-test" / "summary.json").is_file()


def test_another_shipped_plan_by_path_and_the_workbook(installed, tmp_path):
    site = next((installed / "lib").glob("python*/site-packages"))
    plan = site / "finmodel" / "examples" / "inputs" / "central_bedfordshire.toml"
    out = _finmodel(installed, tmp_path, "template2", str(plan), "--out", "cb.xlsx")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "cb.xlsx").stat().st_size > 10_000


def test_a_sweep_from_an_empty_folder_draws_its_charts_in_the_painter(installed, tmp_path):
    # the painter process (finmodel.sweep.chart_painter) must find the installed package from any folder
    check = subprocess.run([str(installed / "bin" / "python"), "-c",
                            "from finmodel.sweep.chart_painter import ChartPainter as C, tornado_job; p = C.start(); "
                            "j = tornado_job([dict(input='x', shortfall_at_base_gbp=1e6, shortfall_at_low_gbp=5e5, "
                            "shortfall_at_high_gbp=2e6)], 's'); p.send([j]); print(p.drawn(j) is not None); p.close()"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert check.returncode == 0 and check.stdout.strip() == "True", check.stderr
    out = _finmodel(installed, tmp_path, "sweep", "-n", "2000", "--seed", "1", "--out", "sw")
    assert out.returncode == 0, out.stderr
    # the fresh install's first sweep compiles the fast route, and says so (once)
    assert out.stderr.count("compiling the fast route for this machine") == 1, out.stderr
    again = _finmodel(installed, tmp_path, "sweep", "-n", "2000", "--seed", "1", "--out", "sw")
    assert again.returncode == 0 and again.stderr == "", again.stderr  # loaded from numba's cache
    for name in ("tornado.png", "shortfall_histogram.png", "summary.json"):
        assert (tmp_path / "sw" / name).stat().st_size > 1000
