"""A command line that starts fast: heavy libraries are imported only by the commands that use them.

Each test runs a fresh interpreter with ``python -X importtime`` and reads the modules it
imported from stderr.  Decided: ``run`` needs pandas (its tables are DataFrames, the same
objects the Python API returns, and the CSVs are written from them), so pandas is allowed
there; scipy (sampling, break-even), matplotlib (sweep charts), dask/distributed (the Dask
backend), numba (the compiled fast route, for sweeps), and the workbook writers are not.
``finmodel --help`` and ``import finmodel`` load none of pydantic, numpy or pandas.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.support.plans import LUTON

RUN_FORBIDDEN = ("scipy", "matplotlib", "dask", "distributed", "numba", "xlsxwriter", "openpyxl")
LIGHT_FORBIDDEN = ("numpy", "pandas", "pydantic", "scipy", "matplotlib", "dask", "distributed", "numba", "pyarrow")

_LINE = re.compile(r"^import time:\s+\d+\s+\|\s+\d+\s+\|\s*(\S+)\s*$")


def imported(stderr: str) -> set[str]:
    """Top-level packages named in ``-X importtime`` output."""
    return {m.group(1).split(".")[0] for line in stderr.splitlines() if (m := _LINE.match(line))}


def _importtime(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    out = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True, text=True, cwd=cwd, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return out


def test_parser_reads_importtime_lines():
    sample = ("import time: self [us] | cumulative | imported package\n"
              "import time:       926 |     596658 |   pandas\n"
              "import time:      2619 |      88749 |         pyarrow.lib\n")
    assert imported(sample) == {"pandas", "pyarrow"}


def test_run_no_workbook_imports_no_heavy_library(tmp_path):
    out = _importtime(["-m", "finmodel.cli", "run", str(LUTON), "--no-workbook", "--out", str(tmp_path / "res")], tmp_path)
    mods = imported(out.stderr)
    assert {"finmodel", "rich", "pandas"} <= mods  # the parser sees what was imported
    assert (tmp_path / "res" / "summary.json").exists()
    heavy = sorted(mods & set(RUN_FORBIDDEN))
    assert not heavy, f"`finmodel run --no-workbook` imported {heavy}; import them where they are used"


def test_help_and_import_finmodel_stay_light(tmp_path):
    for args in (["-m", "finmodel.cli", "--help"], ["-m", "finmodel.cli", "run", "--help"], ["-c", "import finmodel"]):
        mods = imported(_importtime(args, tmp_path).stderr)
        assert "finmodel" in mods
        heavy = sorted(mods & set(LIGHT_FORBIDDEN))
        assert not heavy, f"{' '.join(args)} imported {heavy}"


def test_finmodel_attributes_load_on_first_use(tmp_path):
    code = ("import sys, finmodel; assert 'finmodel.engine' not in sys.modules; "
            "assert callable(finmodel.run) and 'finmodel.engine' in sys.modules; "
            "assert finmodel.load_plan.__module__ == 'finmodel.plan'; "
            "assert issubclass(finmodel.PlanError, ValueError); "
            "assert 'scipy' not in sys.modules and 'pandas' not in sys.modules; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_check_needs_no_pandas(tmp_path):
    mods = imported(_importtime(["-m", "finmodel.cli", "check", str(LUTON)], tmp_path).stderr)
    assert "pydantic" in mods  # the plan is validated
    heavy = sorted(mods & {"pandas", "pyarrow", *RUN_FORBIDDEN})
    assert not heavy, f"`finmodel check` imported {heavy}"


_FULL = re.compile(r"^import time:\s+\d+\s+\|\s+\d+\s+\|\s*(\S+)\s*$")


def test_an_lhs_sweep_imports_only_what_it_uses(tmp_path):
    """scipy.stats takes about 0.6 s to import, scipy.optimize 0.3 s and pandas 0.45 s (with pyarrow); a
    Latin-hypercube sweep needs none of them: only scipy.special (normal scores and the bounded normal),
    numba; its charts are drawn by the painter process (finmodel.sweep.chart_painter), so the sweep's own
    process does not load matplotlib.  scipy.stats is loaded only by Sobol' sampling or a bounded normal's
    mean; the break-even is a grid search on the model (finmodel.sweep.crossing)."""
    out = _importtime(["-m", "finmodel.cli", "sweep", str(LUTON), "--method", "lhs", "-n", "2000", "--seed", "1",
                       "--out", str(tmp_path / "sw")], tmp_path)
    full = {m.group(1) for line in out.stderr.splitlines() if (m := _FULL.match(line))}
    assert any(m.startswith("scipy.special.") for m in full)  # the parser sees scipy's submodules
    assert (tmp_path / "sw" / "tornado.png").is_file() and (tmp_path / "sw" / "shortfall_histogram.png").is_file()
    for heavy in ("scipy.stats", "scipy.optimize", "pandas", "pyarrow", "matplotlib"):
        found = sorted(m for m in full if m == heavy or m.startswith(heavy + "."))
        assert not found, f"an LHS sweep imported {found[:3]}...; import {heavy} where it is used"


def test_a_sweep_without_charts_loads_no_matplotlib_and_draws_none(tmp_path):
    """``--no-charts``: the same tables and summary, no PNG, and matplotlib (about a second) never imported."""
    out = _importtime(["-m", "finmodel.cli", "sweep", str(LUTON), "--method", "lhs", "-n", "2000", "--seed", "1",
                       "--no-charts", "--out", str(tmp_path / "sw")], tmp_path)
    assert "matplotlib" not in imported(out.stderr)
    names = {p.name for p in (tmp_path / "sw").iterdir()}
    assert {"summary.json", "outputs.csv", "tornado.csv", "break_even.csv"} <= names
    assert not {n for n in names if n.endswith(".png")}
