"""The optional Dask backend gives the same summaries as the local run (same seed)."""

import pytest

pytest.importorskip("distributed")

from finmodel.sweep.driver import run_sweep  # noqa: E402

pytestmark = pytest.mark.dask


def test_dask_local_cluster_equals_local_run():
    n = 2**16 + 5000  # two blocks, the second partial
    local = run_sweep(None, "luton-sensitivity", "lhs", n, seed=4, chunk_size=30_000)
    dask = run_sweep(None, "luton-sensitivity", "lhs", n, seed=4, backend="dask", dask_workers=2, dask_processes=False)
    assert local.summary.keys() == dask.summary.keys()
    for name in local.summary:
        a, b = local.summaries[name], dask.summaries[name]
        assert a.count == b.count == n
        ra, rb = a.result((5, 50, 95)), b.result((5, 50, 95))
        for k in ("count", "min", "max", "p5", "p50", "p95", "prob_exceeds", "bounds"):
            assert ra[k] == rb[k], (name, k)
        assert (a._cnt == b._cnt).all(), name
        assert rb == ra, name  # every figure, bit for bit (see tests/sweep/test_exact_chunks.py)
    assert dask.risk["prob_shortfall_exceeds_contingency"] == local.risk["prob_shortfall_exceeds_contingency"]
    # the run says where it ran: the scheduler, its workers and threads
    assert local.backend == "local"
    assert dask.backend.startswith("dask: ") and "(local cluster), 2 workers" in dask.backend and "threads" in dask.backend
