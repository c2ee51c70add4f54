"""Speed and memory of the vectorised model and the sweep driver.

Run: ``.venv/bin/python -m pytest tests/benchmarks --benchmark-only -s``
(the project's addopts has ``--benchmark-skip``, so a normal test run skips these).
Figures are printed at the end (see conftest.py) and recorded in RESULTS.md.
"""

import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from finmodel.arrays import model_inputs
from finmodel.engine import DEFAULT_PLAN
from finmodel.kernel import evaluate_headline
from finmodel.model import evaluate
from finmodel.plan import plan_from_dict, read_toml
from finmodel.scenario import load_scenario
from finmodel.sweep.driver import SweepSpec, run_sweep
from finmodel.sweep.inputs_map import apply_samples, overrides_for_row, reference_run
from finmodel.sweep.samplers import sample_inputs

SCEN = "luton-sensitivity"


def _batch_inputs(n: int, seed: int = 0):
    raw = read_toml(DEFAULT_PLAN)
    plan = plan_from_dict(raw, DEFAULT_PLAN)
    spec = SweepSpec.from_scenario(load_scenario(SCEN), plan)
    samples = sample_inputs(spec.inputs, "mc", n, seed)
    return raw, plan, samples, apply_samples(model_inputs(plan), plan, samples)


@pytest.mark.parametrize("n", [10**4, 10**5, 10**6])
def test_model_evaluate(benchmark, figures, n):
    _, plan, _, inputs = _batch_inputs(n)
    Y = len(plan.years)
    rounds = 5 if n <= 10**5 else 2
    benchmark.pedantic(evaluate, args=(inputs, Y), rounds=rounds, iterations=1, warmup_rounds=1)
    rate = n / benchmark.stats.stats.min
    benchmark.extra_info["scenarios_per_s"] = rate
    figures(f"evaluate n={n:.0e}", f"{rate:,.0f} scenarios/s (best of {rounds})")


@pytest.mark.parametrize("n", [10**4, 10**5, 10**6])
def test_model_evaluate_headline(benchmark, figures, n):
    """The headline kernel (only what a sweep reads, year-major), every per-year field materialised."""
    _, plan, _, inputs = _batch_inputs(n)
    Y = len(plan.years)
    rounds = 5 if n <= 10**5 else 3
    benchmark.pedantic(evaluate_headline, args=(inputs, Y), rounds=rounds, iterations=1, warmup_rounds=1)
    rate = n / benchmark.stats.stats.min
    benchmark.extra_info["scenarios_per_s"] = rate
    figures(f"evaluate_headline n={n:.0e}", f"{rate:,.0f} scenarios/s (best of {rounds})")


@pytest.mark.parametrize("n", [10**4, 10**5, 10**6])
def test_sweep_lhs(benchmark, figures, n):
    res = benchmark.pedantic(run_sweep, args=(None, SCEN, "lhs", n), kwargs={"seed": 1}, rounds=1, iterations=1)
    rate = n / benchmark.stats.stats.min
    benchmark.extra_info["scenarios_per_s"] = rate
    assert res.summary["shortfall_total_gbp"]["count"] == n
    figures(f"whole LHS sweep n={n:.0e}", f"{rate:,.0f} scenarios/s (sampling, correlation, model, summaries, tornado, break-even)")


def test_reference_path_vs_batch(benchmark, figures):
    raw, plan, samples, _ = _batch_inputs(200, seed=2)

    def reference():
        for i in range(200):
            reference_run(raw, DEFAULT_PLAN, overrides_for_row(samples, i))

    benchmark.pedantic(reference, rounds=1, iterations=1)
    ref_rate = 200 / benchmark.stats.stats.min
    _, _, _, big = _batch_inputs(10**5)
    evaluate(big, len(plan.years))
    t = time.perf_counter()
    evaluate(big, len(plan.years))
    batch_rate = 10**5 / (time.perf_counter() - t)
    benchmark.extra_info.update(reference_per_s=ref_rate, batch_per_s=batch_rate, ratio=batch_rate / ref_rate)
    figures("reference path (override + validate + engine, n=1)", f"{ref_rate:,.1f} scenarios/s")
    figures("batch / reference speed", f"{batch_rate / ref_rate:,.0f}x (batch at n=1e5: {batch_rate:,.0f}/s)")


def test_peak_memory_streaming_sweep_1e7(benchmark, figures):
    code = textwrap.dedent(
        """
        import resource, time
        from finmodel.sweep.driver import run_sweep
        t = time.perf_counter()
        r = run_sweep(None, "luton-sensitivity", "lhs", 10_000_000, seed=1)
        dt = time.perf_counter() - t
        assert r.summary["shortfall_total_gbp"]["count"] == 10_000_000
        # VmHWM: this process's own peak RSS.  (ru_maxrss after fork + exec keeps the high-water
        # mark of the forked copy of the parent, i.e. the pytest process's RSS at fork time.)
        hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")]
        kib = int(hwm[0].split()[1]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(kib, dt)
        """
    )

    def run():
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        return out.stdout.split()

    rss_kib, seconds = benchmark.pedantic(run, rounds=1, iterations=1)
    peak_mib = int(rss_kib) / 1024
    benchmark.extra_info.update(peak_rss_mib=peak_mib, seconds=float(seconds))
    figures("1e7-scenario LHS sweep", f"peak RSS {peak_mib:,.0f} MiB, {float(seconds):,.0f} s")
    assert peak_mib < 1024


def test_memory_traffic_vs_copy_bandwidth(benchmark, figures):
    """Bytes the kernel must touch at least (inputs read + outputs written) per second, vs np.copyto."""
    n = 2**16
    _, plan, _, inputs = _batch_inputs(n)
    Y = len(plan.years)
    out = evaluate(inputs, Y)
    in_bytes = sum(np.asarray(v).nbytes for v in vars(inputs).values() if isinstance(v, np.ndarray))
    out_bytes = sum(v.nbytes for v in vars(out).values() if isinstance(v, np.ndarray) and all(s != 0 for s in v.strides))
    benchmark.pedantic(evaluate, args=(inputs, Y), rounds=10, iterations=1, warmup_rounds=1)
    kernel_bw = (in_bytes + out_bytes) / benchmark.stats.stats.min
    a = np.random.default_rng(0).random(2**26)
    b = np.empty_like(a)
    np.copyto(b, a)
    t = time.perf_counter()
    for _ in range(5):
        np.copyto(b, a)
    copy_bw = 2 * a.nbytes * 5 / (time.perf_counter() - t)
    benchmark.extra_info.update(kernel_gb_s=kernel_bw / 1e9, copy_gb_s=copy_bw / 1e9, fraction=kernel_bw / copy_bw)
    figures("effective kernel traffic vs np.copyto", f"{kernel_bw / 1e9:.2f} GB/s vs {copy_bw / 1e9:.1f} GB/s = {kernel_bw / copy_bw:.1%}")


def test_headline_memory_traffic_vs_copy_bandwidth(benchmark, figures):
    """As above for evaluate_headline: bytes of the swept inputs read + headline outputs written, per second."""
    n = 2**16
    _, plan, _, inputs = _batch_inputs(n)
    Y = len(plan.years)
    out = evaluate_headline(inputs, Y)
    in_bytes = sum(np.asarray(v).nbytes for v in vars(inputs).values() if isinstance(v, np.ndarray))
    out_bytes = sum(v.nbytes for v in vars(out).values() if isinstance(v, np.ndarray))
    benchmark.pedantic(evaluate_headline, args=(inputs, Y), rounds=10, iterations=1, warmup_rounds=1)
    kernel_bw = (in_bytes + out_bytes) / benchmark.stats.stats.min
    a = np.random.default_rng(0).random(2**26)
    b = np.empty_like(a)
    np.copyto(b, a)
    t = time.perf_counter()
    for _ in range(5):
        np.copyto(b, a)
    copy_bw = 2 * a.nbytes * 5 / (time.perf_counter() - t)
    benchmark.extra_info.update(kernel_gb_s=kernel_bw / 1e9, copy_gb_s=copy_bw / 1e9, fraction=kernel_bw / copy_bw,
                                bytes_per_scenario=(in_bytes + out_bytes) / n)
    figures("headline kernel traffic vs np.copyto",
            f"{kernel_bw / 1e9:.2f} GB/s vs {copy_bw / 1e9:.1f} GB/s = {kernel_bw / copy_bw:.1%} "
            f"({(in_bytes + out_bytes) / n:.0f} bytes per scenario)")
