"""Speed of the whole sweep: the CLI end to end, its parts side by side, Dask vs local.

Run: ``.venv/bin/python -m pytest tests/benchmarks/test_bench_sweep.py --benchmark-only -s``
(skipped in a normal run: addopts has ``--benchmark-skip``).  Figures print at the end
(see conftest.py); RESULTS.md records them.  The machine may be shared, so the
side-by-side benchmark times sampling, the model kernel and ``np.copyto`` of the same
bytes in one run and reports ratios, which hold better than absolute seconds.
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
from finmodel.plan import plan_from_dict, read_toml
from finmodel.scenario import load_scenario
from finmodel.sweep.backends import headline_outputs
from finmodel.sweep.driver import SweepSpec, run_sweep
from finmodel.sweep.inputs_map import apply_samples, resolve
from finmodel.sweep.samplers import map_unit_samples, unit_samples
from finmodel.sweep.summaries import MultiSummary
from tests.sweep import reference_summaries

SCEN = "luton-sensitivity"

# Runs the CLI in a child and prints the child's own peak RSS (VmHWM) to stderr at exit:
# ru_maxrss of a child can carry the parent's high-water mark across fork.
_CLI = textwrap.dedent(
    """
    import runpy, sys, time
    sys.argv = ["finmodel"] + sys.argv[1:]
    t = time.perf_counter()
    try:
        runpy.run_module("finmodel", run_name="__main__")
    finally:
        hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")]
        print("BENCH", hwm[0].split()[1] if hwm else "0", time.perf_counter() - t, file=sys.stderr)
    """
)


def _cli_sweep(n: int, out_dir) -> tuple[float, float, float]:
    """(wall seconds of the whole child incl. imports, seconds inside, peak RSS MiB)."""
    args = ["sweep", "inputs/luton.toml", "--method", "lhs", "-n", str(n), "--seed", "1",
            "--out", str(out_dir), "--no-progress"]
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", _CLI, *args], capture_output=True, text=True)
    wall = time.perf_counter() - t
    assert res.returncode == 0, res.stderr[-2000:]
    line = [l for l in res.stderr.splitlines() if l.startswith("BENCH ")][-1].split()
    return wall, float(line[2]), int(line[1]) / 1024


@pytest.mark.parametrize("n", [10**6, 10**7])
def test_cli_sweep_wall_and_peak_rss(benchmark, figures, tmp_path, n):
    """``finmodel sweep inputs/luton.toml --method lhs -n N --seed 1``, end to end (a fresh process)."""
    wall, inside, rss = benchmark.pedantic(_cli_sweep, args=(n, tmp_path / "out"), rounds=1, iterations=1)
    benchmark.extra_info.update(wall_s=wall, peak_rss_mib=rss)
    figures(f"CLI sweep n={n:.0e}", f"{wall:.2f} s wall (process start to exit), peak RSS {rss:,.0f} MiB")
    assert rss < 1024


def _parts(n: int):
    plan = plan_from_dict(read_toml(DEFAULT_PLAN), DEFAULT_PLAN)
    spec = SweepSpec.from_scenario(load_scenario(SCEN), plan)
    return plan, spec, spec.correlation_matrix()


def test_side_by_side_sampling_kernel_copy(benchmark, figures):
    """One run, same load: sampling (lhs + rank correlation), the 8 inverse CDFs, the model's
    headline kernel, the streaming summaries, and np.copyto of the sample bytes."""
    n = 2**20  # 16 blocks
    plan, spec, corr = _parts(n)
    d = len(spec.inputs)
    base = model_inputs(plan)
    targets = {k: resolve(k, plan) for k in spec.names}
    partners = [p.name for p in plan.partners]

    def timed(f):
        t = time.process_time()
        out = f()
        return time.process_time() - t, out

    warm = apply_samples(base, plan, map_unit_samples(spec.inputs, unit_samples("lhs", 1000, d, 2, correlation=corr)), targets)
    evaluate_headline(warm, len(plan.years), threads=1, per_year=False)  # any first-call compile is not timed
    MultiSummary.from_names(["warm"], thresholds=(0.0,)).update({"warm": np.arange(3.0)})  # the summaries' too

    def run():
        t_u, u = timed(lambda: unit_samples("lhs", n, d, 1, correlation=corr))
        t_ppf, values = timed(lambda: map_unit_samples(spec.inputs, u))
        t_apply, inputs = timed(lambda: apply_samples(base, plan, values, targets))
        t_model, h = timed(lambda: evaluate_headline(inputs, len(plan.years), threads=1, per_year=False))
        outputs = headline_outputs(h, plan.years, partners)
        summary = MultiSummary.from_names(list(outputs), bounds={k: (float(v.min()) - 1, float(v.max()) + 1) for k, v in outputs.items()},
                                          n_bins=2**15)
        t_sum, _ = timed(lambda: summary.update(outputs))
        frozen = reference_summaries.MultiSummary.from_names(  # the numpy passes before issue 16, same data
            list(outputs), bounds={k: s.bounds for k, s in summary.summaries.items()}, n_bins=2**15)
        t_sum_numpy, _ = timed(lambda: frozen.update(outputs))
        a = np.ascontiguousarray(u)
        b = np.empty_like(a)
        np.copyto(b, a)
        t_copy, _ = timed(lambda: [np.copyto(b, a) for _ in range(10)])
        return t_u, t_ppf, t_apply, t_model, t_sum, t_sum_numpy, t_copy / 10, a.nbytes

    t_u, t_ppf, t_apply, t_model, t_sum, t_sum_numpy, t_copy, nbytes = benchmark.pedantic(run, rounds=1, iterations=1)
    total = t_u + t_ppf + t_apply + t_model + t_sum
    benchmark.extra_info.update(sampling_s=t_u, ppf_s=t_ppf, apply_s=t_apply, model_s=t_model, summaries_s=t_sum,
                                summaries_numpy_s=t_sum_numpy, copy_s=t_copy, model_share=t_model / total)
    figures("side by side, CPU s per 2^20 rows",
            f"sampling+correlation {t_u:.3f}, ppf {t_ppf:.3f}, inputs {t_apply:.3f}, kernel {t_model:.3f}, "
            f"summaries {t_sum:.3f} (the numpy passes before issue 16: {t_sum_numpy:.3f}); copyto of the {nbytes / 2**20:.0f} MiB of samples {t_copy:.4f}")
    figures("side by side, ratios",
            f"sampling / kernel = {t_u / t_model:.2f}, ppf / kernel = {t_ppf / t_model:.2f}, "
            f"summaries / kernel = {t_sum / t_model:.2f}, sampling / copyto = {t_u / t_copy:.0f}; "
            f"kernel = {t_model / total:.0%} of the sweep's CPU")


@pytest.mark.dask
@pytest.mark.parametrize("n", [10**6, 10**7])
def test_dask_two_worker_local_cluster_vs_local(benchmark, figures, n):
    pytest.importorskip("distributed", reason="the dask backend is an optional extra")
    from finmodel.sweep.backends import dask_client

    run_sweep(None, SCEN, "lhs", 2**16, seed=2)  # warm this process too (compiled kernel, PERT table)
    t = time.perf_counter()
    local = run_sweep(None, SCEN, "lhs", n, seed=1)
    t_local = time.perf_counter() - t
    with dask_client(None, n_workers=2, processes=True) as session:  # cluster start-up not timed
        session.client.wait_for_workers(2)
        t = time.perf_counter()
        run_sweep(None, SCEN, "lhs", 4 * 2**16, seed=2, backend="dask", dask_session=session)
        t_warm = time.perf_counter() - t  # each worker's first task: imports, compiled kernel, PERT table

        def dask_run():
            return run_sweep(None, SCEN, "lhs", n, seed=1, backend="dask", dask_session=session)

        dask = benchmark.pedantic(dask_run, rounds=1, iterations=1)
    t_dask = benchmark.stats.stats.min
    for name in local.summary:
        assert dask.summaries[name].result() == local.summaries[name].result(), name  # same bits
    benchmark.extra_info.update(local_s=t_local, dask_s=t_dask, ratio=t_dask / t_local, warm_up_s=t_warm)
    figures(f"dask 2-worker LocalCluster vs local, n={n:.0e}",
            f"{t_dask:.2f} s vs {t_local:.2f} s = {t_dask / t_local:.2f}x on warm workers "
            f"(first sweep of 262,144 rows on the fresh cluster: {t_warm:.2f} s; {dask.backend})")


def test_summaries_compiled_vs_frozen_numpy(benchmark, figures):
    """Streaming summaries before/after issue 16, one process, same data: the sweep's own 13 outputs
    for 2^20 rows, as the sweep feeds them (a fresh summary per 2^16-row block, merged in order) and
    in one call; median of 5 alternating runs; the results must be the same bits."""
    import statistics

    n, block = 2**20, 2**16
    plan, spec, corr = _parts(n)
    u = unit_samples("lhs", n, len(spec.inputs), 1, correlation=corr)
    inputs = apply_samples(model_inputs(plan), plan, map_unit_samples(spec.inputs, u), {k: resolve(k, plan) for k in spec.names})
    outputs = headline_outputs(evaluate_headline(inputs, len(plan.years), threads=1, per_year=False),
                               plan.years, [p.name for p in plan.partners])
    bounds = {k: (float(v.min()) - 1, float(v.max()) + 1) for k, v in outputs.items()}
    thresholds = {"excess_over_contingency_gbp": (0.0,), "shortfall_total_gbp": (0.0,), "unfunded_gap_total_gbp": (0.0,)}
    impls = {"numpy": reference_summaries.MultiSummary, "compiled": MultiSummary}

    def fresh(cls):
        return cls.from_names(list(outputs), bounds=bounds, thresholds=thresholds, n_bins=2**15)

    def blocks(cls):
        total = fresh(cls)
        for s in range(0, n, block):
            total.merge(fresh(cls).update({k: v[s:s + block] for k, v in outputs.items()}))
        return total

    def cpu(f, *a):
        t = time.process_time()
        out = f(*a)
        return time.process_time() - t, out

    blocks(MultiSummary)  # load the compiled code from its cache before timing
    times = {(i, w): [] for i in impls for w in ("blocks", "one call", "result")}
    results = {}

    def run():
        for _ in range(5):
            for name, cls in impls.items():
                t_b, merged = cpu(blocks, cls)
                t_1, _ = cpu(lambda: fresh(cls).update(outputs))
                t_r, results[name] = cpu(merged.result)
                for w, t in (("blocks", t_b), ("one call", t_1), ("result", t_r)):
                    times[(name, w)].append(t)

    benchmark.pedantic(run, rounds=1, iterations=1)
    assert repr(results["numpy"]) == repr(results["compiled"])  # same bits
    med = {k: statistics.median(v) for k, v in times.items()}
    benchmark.extra_info.update({f"{i}_{w}_s": t for (i, w), t in med.items()})
    for w in ("blocks", "one call", "result"):
        figures(f"summaries of 2^20 rows x 13 outputs, {w}, CPU s (median of 5)",
                f"numpy passes {med[('numpy', w)]:.3f}, compiled {med[('compiled', w)]:.3f}: "
                f"{med[('numpy', w)] / med[('compiled', w)]:.1f}x")
