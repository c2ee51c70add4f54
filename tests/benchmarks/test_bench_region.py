"""Speed and memory of `finmodel region` on the synthetic national set (151 boards).

Run: ``.venv/bin/python -m pytest tests/benchmarks/test_bench_region.py --benchmark-only -s``
(skipped in a normal test run: the project's addopts has ``--benchmark-skip``).

* the whole CLI, in a fresh process, on the 151 synthetic boards with 10^5 stress scenarios
  per board: wall time and peak RSS (ru_maxrss of the child);
* the stress test alone (boards x scenarios per second) in-process and on a 2-worker
  LocalCluster, which must give the same numbers.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time

import pytest

from finmodel.region import stress
from finmodel.region.region_file import LoadedRegion, load_region
from finmodel.region.rollup import run_region
from finmodel.shipped import shipped_inputs_dir

NATIONAL = shipped_inputs_dir() / "regions" / "england-synthetic.toml"
N = 100_000


@pytest.fixture(scope="module")
def national():
    loaded = load_region(NATIONAL)
    return run_region(LoadedRegion(loaded.region.model_copy(update={"scenarios": ["base"]}), loaded.path))


def test_bench_region_cli_national(benchmark, figures, tmp_path):
    cmd = [sys.executable, "-m", "finmodel", "region", str(NATIONAL), "--stress", str(N), "--seed", "1",
           "--out", str(tmp_path / "out"), "--force"]

    def once():
        subprocess.run(cmd, check=True, capture_output=True, cwd=tmp_path)

    benchmark.pedantic(once, rounds=1, iterations=1)
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    figures("region CLI, 151 synthetic boards x 3 scenarios + 10^5 stress scenarios per board",
            f"{benchmark.stats.stats.min:.1f} s wall, peak RSS {peak_mib:.0f} MiB")


@pytest.mark.parametrize("backend", ["local", "dask"])
def test_bench_region_stress(benchmark, figures, national, backend):
    if backend == "dask":
        pytest.importorskip("distributed")
    kw = {"dask_workers": 2} if backend == "dask" else {}
    t0 = time.perf_counter()
    doc, _ = benchmark.pedantic(stress.run_stress, args=(national,), kwargs={"n": N, "seed": 1, "backend": backend, **kw},
                                rounds=1, iterations=1)
    seconds = time.perf_counter() - t0
    rate = len(national.boards) * N / seconds
    figures(f"regional stress test, {len(national.boards)} boards x {N:,} scenarios, {backend}"
            + (" (2-worker LocalCluster)" if backend == "dask" else ""),
            f"{seconds:.1f} s, {rate / 1e3:,.0f} k board-scenarios/s, P(any board > contingency) "
            f"{doc['prob_any_board_exceeds_contingency']:.3f}")
