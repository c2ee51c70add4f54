"""Speed of the one fast route: the headline at 10^6 scenarios (2 threads and 1) and the full ``evaluate`` at 10^5.

Run: ``.venv/bin/python -m pytest tests/benchmarks/test_bench_kernel.py --benchmark-only -s``
(the project's addopts has ``--benchmark-skip``, so a normal test run skips these).

The machine may be shared, so each figure is also given as a RATIO to a fixed piece of work
timed in the same test, interleaved with the route: ``np.copyto`` of as many bytes as the
route must at least touch (the swept inputs it reads and the outputs it writes).  A ratio
holds on a noisy machine where the absolute rate does not.  Inputs: the shipped plan with
``scenarios/luton-sensitivity.toml`` (eight inputs, Monte Carlo, seed 0).
"""

import statistics
import time

import numpy as np
import pytest

from finmodel.kernel import evaluate_headline
from finmodel.model import evaluate
from tests.benchmarks.test_bench_model import _batch_inputs

ROUNDS = 7


def _swept_bytes(inputs) -> int:
    return sum(v.nbytes for v in vars(inputs).values() if isinstance(v, np.ndarray) and v.ndim and v.shape[0] > 1)


def _out_bytes(out) -> int:
    return sum(v.nbytes for v in vars(out).values() if isinstance(v, np.ndarray) and v.strides[0] != 0)


def _interleaved(fn, nbytes):
    """Median seconds of ``fn`` and of ``np.copyto`` of ``nbytes``, timed alternately ROUNDS times."""
    src = np.ones(max(nbytes // 8, 1))
    dst = np.empty_like(src)
    fn()
    np.copyto(dst, src)
    t_fn, t_copy = [], []
    for _ in range(ROUNDS):
        t = time.perf_counter()
        fn()
        t_fn.append(time.perf_counter() - t)
        t = time.perf_counter()
        np.copyto(dst, src)
        t_copy.append(time.perf_counter() - t)
    return statistics.median(t_fn), statistics.median(t_copy)


def _report(benchmark, figures, label, n, t_fn, t_copy):
    rate = n / t_fn
    benchmark.extra_info.update(scenarios_per_s=rate, copyto_ratio=t_fn / t_copy)
    figures(label, f"{rate / 1e6:.2f} M scenarios/s (median of {ROUNDS}); "
                   f"{t_fn / t_copy:.1f} x the time of np.copyto of the bytes it touches")


@pytest.mark.parametrize("per_year", [False, True])
def test_headline_kernel_1e6(benchmark, figures, per_year):
    """What a sweep runs per chunk (``per_year=False``), and with every per-year figure."""
    n = 10**6
    _, plan, _, inputs = _batch_inputs(n)
    Y = len(plan.years)
    out = evaluate_headline(inputs, Y, per_year=per_year)  # compiles or loads the cached loop
    nbytes = _swept_bytes(inputs) + _out_bytes(out)
    t_fn, t_copy = _interleaved(lambda: evaluate_headline(inputs, Y, per_year=per_year), nbytes)
    benchmark.pedantic(evaluate_headline, args=(inputs, Y), kwargs=dict(per_year=per_year), rounds=3, iterations=1)
    _report(benchmark, figures, f"headline kernel n=1e6 per_year={per_year}", n, t_fn, t_copy)


def test_headline_kernel_1e6_one_thread(benchmark, figures):
    """The sweep's chunk (``per_year=False``) on one thread: the compiled loop's own speed."""
    n = 10**6
    _, plan, _, inputs = _batch_inputs(n)
    Y = len(plan.years)
    out = evaluate_headline(inputs, Y, per_year=False, threads=1)
    nbytes = _swept_bytes(inputs) + _out_bytes(out)
    t_fn, t_copy = _interleaved(lambda: evaluate_headline(inputs, Y, per_year=False, threads=1), nbytes)
    benchmark.pedantic(evaluate_headline, args=(inputs, Y), kwargs=dict(per_year=False, threads=1), rounds=3, iterations=1)
    _report(benchmark, figures, "headline kernel n=1e6 per_year=False threads=1", n, t_fn, t_copy)


def test_full_evaluate_1e5(benchmark, figures):
    """Every ModelOutputs field from the same route."""
    n = 10**5
    _, plan, _, inputs = _batch_inputs(n)
    Y = len(plan.years)
    out = evaluate(inputs, Y)
    nbytes = _swept_bytes(inputs) + _out_bytes(out)
    t_fn, t_copy = _interleaved(lambda: evaluate(inputs, Y), nbytes)
    benchmark.pedantic(evaluate, args=(inputs, Y), rounds=3, iterations=1)
    _report(benchmark, figures, "evaluate (every output) n=1e5", n, t_fn, t_copy)
